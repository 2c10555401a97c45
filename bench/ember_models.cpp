// The model workloads of BENCHMARKS.md on ember, written as a user would with ember's
// public API: nn modules, optim::Adam, data::FashionMNIST with data::DataLoader,
// data::WordList. The epoch order and the word batches are those of torch-bench
// (datasets.hpp): the DataLoader documents its shuffle as std::shuffle with a
// std::mt19937_64 seeded once, which is exactly epoch_order(), and WordList documents
// its held-out split the way load_words() makes it.
#include <ember/ember.hpp>
#include <ember/nn/rnn.hpp>  // the recurrent modules, in case the umbrella header leaves them out

#include "bench/common.hpp"
#include "bench/datasets.hpp"
#include "bench/ember_mlp.hpp"
#include "bench/models.hpp"

namespace bench {
namespace models {
namespace {

using ember::Tensor;
namespace nn = ember::nn;
namespace F = ember::nn::functional;
namespace data = ember::data;
namespace optim = ember::optim;

// ---- the networks ----


struct Cnn : nn::Module {
  nn::Conv2d conv1{nullptr}, conv2{nullptr};
  nn::Linear fc1{nullptr}, fc2{nullptr};
  Cnn() : Module("Cnn") {
    conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1)));
    conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(32, 64, 3).padding(1)));
    fc1 = register_module("fc1", nn::Linear(64 * 7 * 7, 128));
    fc2 = register_module("fc2", nn::Linear(128, 10));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = F::max_pool2d(ember::relu(conv1(x)), 2);
    h = F::max_pool2d(ember::relu(conv2(h)), 2);
    h = ember::relu(fc1(h.flatten(1)));
    return fc2(h);
  }
};

// Character language model: embedding, one LSTM cell unrolled over the batch's steps, and
// a linear read-out of every step's hidden state.
struct CharLm : nn::Module {
  nn::Embedding embed{nullptr};
  nn::LSTMCell cell{nullptr};
  nn::Linear out{nullptr};
  CharLm() : Module("CharLm") {
    embed = register_module("embed", nn::Embedding(kTokens, kEmbedding));
    cell = register_module("cell", nn::LSTMCell(kEmbedding, kHidden));
    out = register_module("out", nn::Linear(kHidden, kTokens));
  }
  // tokens [steps, batch] -> logits [steps * batch, kTokens]
  Tensor forward(const Tensor& tokens) override {
    const int64_t steps = tokens.size(0), batch = tokens.size(1);
    Tensor e = embed(tokens);
    Tensor h = ember::zeros({batch, kHidden}), c = ember::zeros({batch, kHidden});
    std::vector<Tensor> hs;
    hs.reserve(steps);
    for (int64_t t = 0; t < steps; ++t) {
      std::tie(h, c) = cell->forward(e[t], std::make_tuple(h, c));
      hs.push_back(h);
    }
    return out(ember::stack(hs)).view({steps * batch, kTokens});
  }
};

// ---- Fashion-MNIST ----

data::DataLoaderOptions loader_options(int64_t batch_size) {
  // No background worker: torch-bench gathers its batches in the training thread too,
  // and at 1 thread a second busy thread would not be a fair comparison.
  return data::DataLoaderOptions().batch_size(batch_size).num_workers(0);
}

double accuracy(nn::Module& net, const data::FashionMNIST& test) {
  ember::NoGradGuard no_grad;
  net.eval();
  int64_t correct = 0;
  for (auto& batch : data::DataLoader(test, loader_options(kEvalBatch))) {
    Tensor logits = net.forward(batch[0]);
    correct += logits.argmax(1).eq(batch[1]).sum().item<int64_t>();
  }
  return double(correct) / test.size();
}

// kWarmUpSteps steps of Adam on a model of its own, on the first batches in file order.
template <class Net>
void warm_up_fmnist(const data::FashionMNIST& train_set) {
  auto net = std::make_shared<Net>();
  optim::Adam optimizer(net->parameters(), optim::AdamOptions(kLearningRate));
  net->train();
  int64_t steps = 0;
  for (auto& batch : data::DataLoader(train_set, loader_options(kBatch))) {
    if (steps++ == kWarmUpSteps) break;
    Tensor loss = F::cross_entropy(net->forward(batch[0]), batch[1]);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
}

// One epoch of Adam over the training images in the fixed-seed order, then the test
// accuracy.
template <class Net>
TrainingResult train_fmnist() {
  TrainingResult r;
  r.rss_at_start_mib = current_rss_mib();
  data::FashionMNIST train_set(data::FashionMNIST::kDefaultRoot, true);
  data::FashionMNIST test_set(data::FashionMNIST::kDefaultRoot, false);
  warm_up_fmnist<Net>(train_set);
  ember::manual_seed(kModelSeed);
  auto net = std::make_shared<Net>();
  optim::Adam optimizer(net->parameters(), optim::AdamOptions(kLearningRate));
  data::DataLoader loader(train_set, loader_options(kBatch).shuffle(true).seed(data_seed()));
  net->train();
  const double t0 = now_seconds();
  for (auto& batch : loader) {
    Tensor loss = F::cross_entropy(net->forward(batch[0]), batch[1]);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  r.items_per_second = train_set.size() / (now_seconds() - t0);
  r.quality = accuracy(*net, test_set);
  return r;
}

// ---- words ----

Tensor tokens(CharBatch& b, std::vector<int64_t>& v) {
  return ember::from_blob(v.data(), {b.steps, b.batch}, ember::kInt64);
}

// Mean loss per character (the end token included) over the held-out words.
double held_out_loss(CharLm& net, const std::vector<std::string>& words) {
  ember::NoGradGuard no_grad;
  net.eval();
  double total = 0;
  int64_t characters = 0;
  for (int64_t first = 0; first < int64_t(words.size()); first += kEvalBatch) {
    CharBatch b = char_batch(words, first, std::min<int64_t>(kEvalBatch, int64_t(words.size()) - first));
    Tensor logits = net.forward(tokens(b, b.inputs));
    Tensor target = tokens(b, b.targets).view({-1});
    total += F::cross_entropy(logits, target, {}, kIgnoreTarget, "sum").item<double>();
    characters += b.characters;
  }
  return total / characters;
}

}  // namespace

void conv2d(int threads) {
  ember::manual_seed(kModelSeed);
  Tensor x = ember::randn({kConvN, kConvCin, kConvHW, kConvHW});
  Tensor w = ember::randn({kConvCout, kConvCin, kConvK, kConvK});
  Tensor gy = ember::randn({kConvN, kConvCout, kConvHW, kConvHW});
  Tensor xg = x.clone().requires_grad_(), wg = w.clone().requires_grad_(), y;
  conv2d_figures(
      threads,
      [&] {
        ember::NoGradGuard no_grad;
        y = F::conv2d(x, w, {}, 1, 1);
      },
      [&] {
        // Fresh gradients every iteration, so that no accumulation is timed.
        xg.mutable_grad() = Tensor();
        wg.mutable_grad() = Tensor();
        y = F::conv2d(xg, wg, {}, 1, 1);
        y.backward(gy);
      });
}

void mlp_fmnist(int threads) {
  TrainingResult r = train_fmnist<Mlp>();
  training_figures("mlp_fmnist", kMlpVariant, threads, "images_per_s", "test_accuracy", r, peak_rss_mib());
}

void cnn_fmnist(int threads) {
  TrainingResult r = train_fmnist<Cnn>();
  training_figures("cnn_fmnist", kCnnVariant, threads, "images_per_s", "test_accuracy", r, peak_rss_mib());
}

// 300 batches of 32 words drawn with replacement, each unrolled to its longest word, with
// padded steps left out of the loss (their targets are cross_entropy's ignore_index).
void lstm_words(int threads) {
  TrainingResult r;
  r.rss_at_start_mib = current_rss_mib();
  data::WordList words(data::WordList::kDefaultPath, kHeldOutWords, kWordSplitSeed);
  {
    // The warm-up: kWarmUpSteps batches of the first training words, on a model of its own.
    auto net = std::make_shared<CharLm>();
    optim::Adam optimizer(net->parameters(), optim::AdamOptions(kLearningRate));
    net->train();
    for (int64_t step = 0; step < kWarmUpSteps; ++step) {
      CharBatch b = char_batch(words.train(), step * kWordBatch, kWordBatch);
      Tensor loss = F::cross_entropy(net->forward(tokens(b, b.inputs)), tokens(b, b.targets).view({-1}));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
  }
  ember::manual_seed(kModelSeed);
  auto net = std::make_shared<CharLm>();
  optim::Adam optimizer(net->parameters(), optim::AdamOptions(kLearningRate));
  std::mt19937_64 engine(data_seed());
  net->train();
  const double t0 = now_seconds();
  for (int64_t step = 0; step < kWordSteps; ++step) {
    CharBatch b = char_batch(words.train(), sample_words(engine, words.train().size()));
    Tensor logits = net->forward(tokens(b, b.inputs));
    Tensor loss = F::cross_entropy(logits, tokens(b, b.targets).view({-1}));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  r.items_per_second = double(kWordSteps * kWordBatch) / (now_seconds() - t0);
  r.quality = held_out_loss(*net, words.held_out());
  training_figures("lstm_words", kLstmVariant, threads, "words_per_s", "loss_per_char", r, peak_rss_mib());
}

}  // namespace models
}  // namespace bench
