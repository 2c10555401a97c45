// ddp_mlp: bench's mlp_fmnist (784-256-128-10, Adam 1e-3, batch 64, one epoch of
// Fashion-MNIST, then the test accuracy) on one process, or data-parallel on the ranks
// ember-launch or mpirun started: DistributedDataParallel over the process group, each
// rank reading its share of the epoch through DistributedSampler, batch 64 per rank (as
// PyTorch's DDP counts it). bench/ddp_mlp_torch.py is its PyTorch twin.
//
//   ddp_mlp_bench [--threads N]                                  one process
//   ember-launch --nproc 2 ddp_mlp_bench --distributed [--backend gloo|mpi] [--threads 1]
//
// Prints JSON lines (rank 0 alone when distributed): images_per_s, every rank's images of
// the epoch over its wall time (from the first batch to the last rank's last step), and
// test_accuracy of the trained model.
#include <ember/data/distributed_sampler.hpp>
#include <ember/distributed.hpp>
#include <ember/ember.hpp>
#include <ember/nn/parallel/distributed.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "bench/cpu_model.hpp"
#include "bench/datasets.hpp"
#include "bench/ember_mlp.hpp"

namespace {
using ember::Tensor;
namespace nn = ember::nn;
namespace F = ember::nn::functional;
namespace data = ember::data;
namespace dist = ember::distributed;
using bench::Mlp;


double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void emit(const std::string& variant, int threads, const char* metric, double value) {
  static const std::string cpu = cpu_model();
  std::printf(
      "{\"workload\":\"ddp_mlp\",\"variant\":\"%s\",\"threads\":%d,\"metric\":\"%s\",\"value\":%.6g,\"cpu\":\"%s\","
      "\"isa\":\"%s\"}\n",
      variant.c_str(), threads, metric, value, cpu.c_str(), ember::simd_instruction_set());
  std::fflush(stdout);
}

double accuracy(nn::Module& net, const data::FashionMNIST& test) {
  ember::NoGradGuard no_grad;
  net.eval();
  int64_t correct = 0;
  for (auto& batch : data::DataLoader(test, data::DataLoaderOptions().batch_size(bench::kEvalBatch).num_workers(0))) {
    Tensor logits = net.forward(batch[0]);
    correct += logits.argmax(1).eq(batch[1]).sum().item<int64_t>();
  }
  return double(correct) / test.size();
}
}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  bool distributed = false;
  std::string backend = "gloo";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--distributed") {
      distributed = true;
    } else if (a == "--backend" && i + 1 < argc) {
      backend = argv[++i];
    } else {
      std::fprintf(stderr, "usage: ddp_mlp_bench [--threads N] [--distributed [--backend gloo|mpi]]\n");
      return 2;
    }
  }
  ember::set_num_threads(threads);
  if (distributed) dist::init_process_group(backend);
  const int rank = distributed ? dist::get_rank() : 0, world = distributed ? dist::get_world_size() : 1;

  data::FashionMNIST train_set(data::FashionMNIST::kDefaultRoot, true);
  data::FashionMNIST test_set(data::FashionMNIST::kDefaultRoot, false);
  ember::manual_seed(bench::kModelSeed);
  auto net = std::make_shared<Mlp>();
  std::unique_ptr<nn::parallel::DistributedDataParallel> ddp;
  auto options = data::DataLoaderOptions().batch_size(bench::kBatch).num_workers(0);
  if (distributed) {
    ddp = std::make_unique<nn::parallel::DistributedDataParallel>(net);
    auto sampler = std::make_shared<data::samplers::DistributedSampler>(train_set.size());
    sampler->set_epoch(0);
    options.sampler(sampler);
  } else {
    options.shuffle(true).seed(bench::data_seed());
  }
  ember::optim::Adam optimizer(net->parameters(), ember::optim::AdamOptions(bench::kLearningRate));
  data::DataLoader loader(train_set, options);
  net->train();
  if (distributed) dist::barrier();
  const double t0 = now_seconds();
  for (auto& batch : loader) {
    Tensor logits = ddp ? ddp->forward(batch[0]) : net->forward(batch[0]);
    Tensor loss = F::cross_entropy(logits, batch[1]);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  if (distributed) dist::barrier();
  const double seconds = now_seconds() - t0;
  if (rank == 0) {
    std::string variant = "ember " + std::to_string(world) + "x" + std::to_string(threads) +
                          (distributed ? " ddp " + backend : std::string());
    emit(variant, threads, "images_per_s", train_set.size() / seconds);
    emit(variant, threads, "test_accuracy", accuracy(*net, test_set));
  }
  if (distributed) {
    ddp.reset();
    dist::destroy_process_group();
  }
  return 0;
}
