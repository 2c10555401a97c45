// ember-jit-bench: compiled (ember::jit::compile) against eager ember, same process.
//   fusion     gelu(x * w + b) on 2^22 float32 elements: GB/s over the three inputs
//              read and the output written (16 MiB each), eager and compiled (fused)
//   mlp_infer  the Fashion-MNIST MLP (784-256-128-10, ReLU) under NoGradGuard:
//              batch-1 latency and batch-64 throughput, eager and compiled
// Medians of --repeat runs (default 7). Usage: ember-jit-bench [--only fusion|mlp_infer] [--repeat N]
#include <ember/ember.hpp>
#include <ember/jit.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {
using Clock = std::chrono::steady_clock;

template <class F>
double median_seconds(int repeat, int iters, F&& f) {
  std::vector<double> runs;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = Clock::now();
    for (int i = 0; i < iters; ++i) f();
    runs.push_back(std::chrono::duration<double>(Clock::now() - t0).count() / iters);
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

void fusion(int repeat) {
  const int64_t n = int64_t(1) << 22;
  ember::Tensor x = ember::randn({n}), w = ember::randn({n}), b = ember::randn({n});
  auto f = [](const std::vector<ember::Tensor>& xs) {
    return std::vector<ember::Tensor>{ember::gelu(xs[0] * xs[1] + xs[2])};
  };
  ember::NoGradGuard no_grad;
  ember::jit::CompiledFunction c = ember::jit::compile(f);
  std::vector<ember::Tensor> in = {x, w, b};
  c(in);  // trace
  const double bytes = 4.0 * n * 4;
  double eager = median_seconds(repeat, 10, [&] { f(in); });
  double compiled = median_seconds(repeat, 10, [&] { c(in); });
  std::printf("fusion      eager %7.2f GB/s   compiled %7.2f GB/s   compiled/eager %.2fx\n", bytes / eager / 1e9,
              bytes / compiled / 1e9, eager / compiled);
}

void mlp_infer(int repeat) {
  ember::manual_seed(0);
  ember::nn::Sequential mlp(ember::nn::Flatten(), ember::nn::Linear(784, 256), ember::nn::ReLU(),
                            ember::nn::Linear(256, 128), ember::nn::ReLU(), ember::nn::Linear(128, 10));
  mlp->eval();
  ember::NoGradGuard no_grad;
  ember::jit::CompiledFunction c = ember::jit::compile(mlp);
  for (int64_t batch : {int64_t(1), int64_t(64)}) {
    ember::Tensor x = ember::rand({batch, 1, 28, 28});
    c(x);
    const int iters = batch == 1 ? 2000 : 200;
    double eager = median_seconds(repeat, iters, [&] { mlp->forward(x); });
    double compiled = median_seconds(repeat, iters, [&] { c(x); });
    if (batch == 1)
      std::printf("mlp_infer   batch 1: eager %8.2f us   compiled %8.2f us   eager/compiled %.2fx\n", eager * 1e6,
                  compiled * 1e6, eager / compiled);
    else
      std::printf("mlp_infer   batch 64: eager %8.0f img/s   compiled %8.0f img/s   compiled/eager %.2fx\n",
                  batch / eager, batch / compiled, eager / compiled);
  }
}

// train_step: one epoch of the Fashion-MNIST MLP (784-256-128-10, ReLU, cross_entropy,
// Adam 1e-3, batch 64, one shuffled order), eager steps against one compiled step
// (jit::compile of zero_grad, forward, backward and step): images/s, each a median of
// --repeat epochs from the same initial weights (eager and compiled alternate), and the
// test accuracy after the epoch.
void train_step(int repeat) {
  namespace F = ember::nn::functional;
  namespace data = ember::data;
  data::FashionMNIST train_set(data::FashionMNIST::kDefaultRoot, true);
  data::FashionMNIST test_set(data::FashionMNIST::kDefaultRoot, false);
  auto epoch = [&](bool compiled, double* accuracy) {
    ember::manual_seed(0);
    ember::nn::Sequential mlp(ember::nn::Flatten(), ember::nn::Linear(784, 256), ember::nn::ReLU(),
                              ember::nn::Linear(256, 128), ember::nn::ReLU(), ember::nn::Linear(128, 10));
    ember::optim::Adam opt(mlp->parameters(), ember::optim::AdamOptions(1e-3));
    auto step = [&](const std::vector<ember::Tensor>& xs) {
      opt.zero_grad();
      ember::Tensor loss = F::cross_entropy(mlp->forward(xs[0]), xs[1]);
      loss.backward();
      opt.step();
      return std::vector<ember::Tensor>{loss.detach()};
    };
    ember::jit::CompiledFunction c = ember::jit::compile(step);
    data::DataLoader loader(train_set, data::DataLoaderOptions().batch_size(64).num_workers(0).shuffle(true).seed(0));
    mlp->train();
    auto t0 = Clock::now();
    for (auto& batch : loader) {
      std::vector<ember::Tensor> xs{batch[0], batch[1]};
      if (compiled)
        c(xs);
      else
        step(xs);
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    ember::NoGradGuard no_grad;
    mlp->eval();
    int64_t correct = 0;
    for (auto& batch : data::DataLoader(test_set, data::DataLoaderOptions().batch_size(1000).num_workers(0)))
      correct += mlp->forward(batch[0]).argmax(1).eq(batch[1]).sum().item<int64_t>();
    *accuracy = double(correct) / double(test_set.size());
    return double(train_set.size()) / seconds;
  };
  std::vector<double> eager, compiled;
  double eager_accuracy = 0, compiled_accuracy = 0;
  for (int r = 0; r < repeat; ++r) {
    eager.push_back(epoch(false, &eager_accuracy));
    compiled.push_back(epoch(true, &compiled_accuracy));
  }
  std::sort(eager.begin(), eager.end());
  std::sort(compiled.begin(), compiled.end());
  const double e = eager[eager.size() / 2], c = compiled[compiled.size() / 2];
  std::printf("train_step  mlp_fmnist epoch: eager %8.0f img/s (test accuracy %.4f)   compiled %8.0f img/s (test "
              "accuracy %.4f)   compiled/eager %.2fx\n",
              e, eager_accuracy, c, compiled_accuracy, c / e);
}
}  // namespace

int main(int argc, char** argv) {
  std::string only;
  int repeat = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--only") == 0) only = argv[i + 1];
    if (std::strcmp(argv[i], "--repeat") == 0) repeat = std::max(1, std::atoi(argv[i + 1]));
  }
  std::printf("ember-jit-bench: SIMD %s, %d threads\n", ember::simd_instruction_set(), ember::get_num_threads());
  if (only.empty() || only == "fusion") fusion(repeat);
  if (only.empty() || only == "mlp_infer") mlp_infer(repeat);
  if (only.empty() || only == "train_step") train_step(repeat);
  return 0;
}
