// Training and evaluating an image classifier on Fashion-MNIST, shared by fmnist_mlp and
// fmnist_cnn (which differ only in their model). Read it top to bottom: flags, data,
// optimizer, an optional resume, then epochs of train + test with checkpoints.
//
// A checkpoint is one safetensors (or .pt) file holding the whole training state:
// "model.*" (the model's state_dict), "optimizer.*" (Adam's state_dict) and "epoch"
// (epochs finished). Each epoch's shuffle depends only on --seed and the epoch number,
// so a run resumed from a checkpoint continues exactly as the uninterrupted run would.
#pragma once
#include <ember/ember.hpp>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "common/flags.hpp"
#include "common/progress.hpp"
#include "common/training_log.hpp"

#if EMBER_EXAMPLES_HAVE_DISTRIBUTED
#include <ember/data/distributed_sampler.hpp>
#include <ember/distributed.hpp>
#include <ember/nn/parallel/distributed.hpp>
#endif

namespace example {

inline Flags classifier_flags(const std::string& program, const std::string& summary) {
  Flags f(program, summary);
  f.add("epochs", "1", "passes over the training set")
      .add("batch-size", "64", "images per training batch")
      .add("lr", "0.001", "Adam learning rate")
      .add("threads", "1", "threads for ember and OpenBLAS")
      .add("seed", "0", "seed for initialisation and shuffling")
      .add("data", ember::data::FashionMNIST::kDefaultRoot, "directory of the Fashion-MNIST .gz files")
      .add("checkpoint", "", "save the training state here after every epoch (.safetensors or .pt)")
      .add_switch("resume", "continue from --checkpoint")
      .add("limit-train", "0", "use only the first N training images (0: all)")
      .add("limit-test", "0", "use only the first N test images (0: all)");
  add_logging_flags(f);
  f.add_switch("distributed", "data-parallel over the ranks started by mpirun or ember-launch (--batch-size per rank)")
      .add("backend", "", "gloo or mpi (default: mpi under mpirun, gloo otherwise)");
  return f;
}

// The first n examples of a dataset (all of them when n is 0).
inline std::shared_ptr<ember::data::TensorDataset> first(const ember::data::TensorDataset& d, long long n) {
  std::vector<ember::Tensor> parts;
  for (const ember::Tensor& t : d.tensors()) parts.push_back(n > 0 && n < t.size(0) ? t.narrow(0, 0, n) : t);
  return std::make_shared<ember::data::TensorDataset>(parts);
}

// Fraction of test images classified correctly, in batches of 1000.
inline double evaluate(ember::nn::Module& model, const ember::data::TensorDataset& test) {
  ember::NoGradGuard no_grad;
  model.eval();
  long long correct = 0;
  for (auto& batch : ember::data::DataLoader(first(test, 0), ember::data::DataLoaderOptions().batch_size(1000))) {
    ember::Tensor predicted = model.forward(batch[0]).argmax(1);
    correct += predicted.eq(batch[1]).sum().item<int64_t>();
  }
  model.train();
  return static_cast<double>(correct) / static_cast<double>(test.size());
}

// --distributed: joins the job mpirun or ember-launch started (rank 0 prints, logs and
// writes checkpoints; every rank trains on its share of each epoch). Returns this rank.
inline int join_job(const Flags& flags) {
  if (!flags.on("distributed")) return 0;
#if EMBER_EXAMPLES_HAVE_DISTRIBUTED
  std::string backend = flags.str("backend");
  if (backend.empty()) backend = std::getenv("RANK") == nullptr && std::getenv("OMPI_COMM_WORLD_RANK") ? "mpi" : "gloo";
  ember::distributed::init_process_group(backend);
  return ember::distributed::get_rank();
#else
  flags.fail("--distributed needs ember built with EMBER_BUILD_DISTRIBUTED=ON and Gloo or MPI");
#endif
}

inline int train_classifier(ember::nn::Module& model, const Flags& flags, const std::string& model_name) {
  const long long epochs = flags.integer("epochs"), batch_size = flags.integer("batch-size");
  const std::string checkpoint = flags.str("checkpoint");
  if (flags.on("resume") && checkpoint.empty()) flags.fail("--resume needs --checkpoint");
  ember::set_num_threads(static_cast<int>(flags.integer("threads")));
  const int rank = join_job(flags);
  const bool leader = rank == 0;  // the one rank that prints, logs and saves

  ember::data::FashionMNIST train_full(flags.str("data"), /*train=*/true);
  ember::data::FashionMNIST test_full(flags.str("data"), /*train=*/false);
  auto train = first(train_full, flags.integer("limit-train"));
  auto test = first(test_full, flags.integer("limit-test"));
  long long parameters = 0;
  for (const ember::Tensor& p : model.parameters()) parameters += p.numel();
  if (leader) {
    std::cout << model << "\n";
    std::printf("train %lld images, test %lld, %lld parameters\n", static_cast<long long>(train->size()),
                static_cast<long long>(test->size()), parameters);
  }

  ember::optim::Adam optimizer(model.parameters(), ember::optim::AdamOptions(flags.number("lr")));

  long long first_epoch = 0;
  if (flags.on("resume")) {
    ember::StateDict state = ember::load(checkpoint);
    model.load_state_dict(ember::strip_prefix(state, "model."));
    optimizer.load_state_dict(ember::strip_prefix(state, "optimizer."));
    first_epoch = state.at("epoch").item<int64_t>();
    if (leader) std::printf("resumed from %s after epoch %lld\n", checkpoint.c_str(), first_epoch);
  }

  // Data-parallel: DDP starts every rank from rank 0's weights and averages gradients
  // in backward; each rank reads its share of every epoch (DistributedSampler).
  std::function<ember::Tensor(const ember::Tensor&)> forward = [&](const ember::Tensor& x) { return model.forward(x); };
#if EMBER_EXAMPLES_HAVE_DISTRIBUTED
  std::unique_ptr<ember::nn::parallel::DistributedDataParallel> ddp;
  std::shared_ptr<ember::data::samplers::DistributedSampler> sampler;
  if (flags.on("distributed")) {
    ddp = std::make_unique<ember::nn::parallel::DistributedDataParallel>(model);
    forward = [&](const ember::Tensor& x) { return ddp->forward(x); };
    sampler = std::make_shared<ember::data::samplers::DistributedSampler>(
        static_cast<std::size_t>(train->size()), -1, -1, /*shuffle=*/true, static_cast<uint64_t>(flags.integer("seed")));
    if (leader)
      std::printf("data-parallel over %d ranks (%s), %lld images per rank per step\n",
                  ember::distributed::get_world_size(), ember::distributed::get_backend().c_str(), batch_size);
  }
#endif

  TrainingLog log(flags, leader);
  if (log.writing()) {
    ember::Tensor first_images = train->tensors()[0].narrow(0, 0, std::min<long long>(64, train->size()));
    log.images("inputs", first_images);
    log.graph(model, first_images);
  }

  double accuracy = 0, seconds = 0, mean_loss = 0;
  long long images = 0, global_step = first_epoch * ((train->size() + batch_size - 1) / batch_size);
  for (long long epoch = first_epoch; epoch < epochs; ++epoch) {
    auto options = ember::data::DataLoaderOptions().batch_size(batch_size).shuffle(true).seed(
        static_cast<uint64_t>(flags.integer("seed") + epoch));
#if EMBER_EXAMPLES_HAVE_DISTRIBUTED
    if (sampler) {
      sampler->set_epoch(static_cast<uint64_t>(epoch));
      options = ember::data::DataLoaderOptions().batch_size(batch_size).sampler(sampler);
    }
#endif
    ember::data::DataLoader loader(train, options);
    Progress progress("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(epochs), loader.size(), "img",
                      leader);
    for (auto& batch : loader) {
      ember::Tensor loss = ember::nn::functional::cross_entropy(forward(batch[0]), batch[1]);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      const double loss_value = loss.item<double>();
      progress.update(batch[0].size(0), loss_value);
      log.step(++global_step, loss_value);
    }
    mean_loss = progress.finish();
    // Every rank's images: the whole training set per epoch, distributed or not.
    const double epoch_seconds = progress.seconds(), epoch_rate = static_cast<double>(train->size()) / epoch_seconds;
    seconds += epoch_seconds;
    images += train->size();
    if (!leader) continue;  // the others go on to the next epoch and wait for rank 0 in backward
    accuracy = evaluate(model, *test);
    std::printf("epoch %lld: mean loss %.4f, test accuracy %.4f, %.0f images/s\n", epoch + 1, mean_loss, accuracy,
                epoch_rate);
    log.epoch(epoch + 1, global_step, {{"loss/train_epoch", mean_loss}, {"accuracy/test", accuracy}},
              flags.number("lr"), model);
    if (!checkpoint.empty()) {
      ember::StateDict state = ember::with_prefix(model.state_dict(), "model.");
      for (auto& [key, value] : ember::with_prefix(optimizer.state_dict(), "optimizer.")) state.insert(key, value);
      state.insert("epoch", ember::tensor(static_cast<int64_t>(epoch + 1)));
      ember::save(state, checkpoint);
    }
  }
  log.finish({{"model", model_name}, {"lr", flags.number("lr")},
              {"batch_size", static_cast<double>(batch_size)}, {"epochs", static_cast<double>(epochs)},
              {"seed", static_cast<double>(flags.integer("seed"))}});
#if EMBER_EXAMPLES_HAVE_DISTRIBUTED
  if (flags.on("distributed")) {
    ddp.reset();
    ember::distributed::destroy_process_group();
  }
#endif
  if (!leader) return 0;
  if (first_epoch < epochs)
    std::printf("done: %lld epochs, test accuracy %.4f, %.0f images/s over %.1f s of training\n",
                epochs - first_epoch, accuracy, images / seconds, seconds);
  else
    std::printf("nothing to do: the checkpoint already holds %lld epochs\n", first_epoch);
  return 0;
}

}  // namespace example
