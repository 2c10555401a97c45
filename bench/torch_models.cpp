// The model workloads of BENCHMARKS.md on LibTorch, written as a LibTorch user would:
// torch::nn modules, torch::optim::Adam, cross_entropy. The data, the epoch order and
// the word batches come from datasets.hpp, shared with ember-bench.
#include <torch/torch.h>

#include "bench/common.hpp"
#include "bench/datasets.hpp"
#include "bench/models.hpp"

namespace bench {
namespace models {
namespace {

using torch::Tensor;
namespace F = torch::nn::functional;

// ---- the networks ----

struct MlpImpl : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  MlpImpl() {
    fc1 = register_module("fc1", torch::nn::Linear(784, 256));
    fc2 = register_module("fc2", torch::nn::Linear(256, 128));
    fc3 = register_module("fc3", torch::nn::Linear(128, 10));
  }
  Tensor forward(const Tensor& x) {
    Tensor h = torch::relu(fc1(x.flatten(1)));
    h = torch::relu(fc2(h));
    return fc3(h);
  }
};
TORCH_MODULE(Mlp);

struct CnnImpl : torch::nn::Module {
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  CnnImpl() {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 3).padding(1)));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3).padding(1)));
    fc1 = register_module("fc1", torch::nn::Linear(64 * 7 * 7, 128));
    fc2 = register_module("fc2", torch::nn::Linear(128, 10));
  }
  Tensor forward(const Tensor& x) {
    Tensor h = F::max_pool2d(torch::relu(conv1(x)), F::MaxPool2dFuncOptions(2));
    h = F::max_pool2d(torch::relu(conv2(h)), F::MaxPool2dFuncOptions(2));
    h = torch::relu(fc1(h.flatten(1)));
    return fc2(h);
  }
};
TORCH_MODULE(Cnn);

// Character language model: embedding, one LSTM cell unrolled over the batch's steps, and
// a linear read-out of every step's hidden state.
struct CharLmImpl : torch::nn::Module {
  torch::nn::Embedding embed{nullptr};
  torch::nn::LSTMCell cell{nullptr};
  torch::nn::Linear out{nullptr};
  CharLmImpl() {
    embed = register_module("embed", torch::nn::Embedding(kTokens, kEmbedding));
    cell = register_module("cell", torch::nn::LSTMCell(kEmbedding, kHidden));
    out = register_module("out", torch::nn::Linear(kHidden, kTokens));
  }
  // tokens [steps, batch] -> logits [steps * batch, kTokens]
  Tensor forward(const Tensor& tokens) {
    const int64_t steps = tokens.size(0), batch = tokens.size(1);
    Tensor e = embed(tokens);
    Tensor h = torch::zeros({batch, kHidden}), c = torch::zeros({batch, kHidden});
    std::vector<Tensor> hs;
    hs.reserve(steps);
    for (int64_t t = 0; t < steps; ++t) {
      std::tie(h, c) = cell(e[t], std::make_tuple(h, c));
      hs.push_back(h);
    }
    return out(torch::stack(hs)).view({steps * batch, kTokens});
  }
};
TORCH_MODULE(CharLm);

// ---- Fashion-MNIST ----

struct Split {
  Tensor images, labels;  // [n, 1, 28, 28] float in [0, 1], [n] int64
};

Split load_split(bool train) {
  ImageSet s = load_fashion_mnist(train);
  Split out;
  out.images = torch::empty({s.count, 1, s.rows, s.cols});
  scale_pixels(s, out.images.data_ptr<float>());
  out.labels = torch::tensor(s.labels);
  return out;
}

template <class Net>
double accuracy(Net& net, const Split& test) {
  torch::NoGradGuard no_grad;
  net->eval();
  const int64_t n = test.images.size(0);
  int64_t correct = 0;
  for (int64_t first = 0; first < n; first += kEvalBatch) {
    const int64_t count = std::min(kEvalBatch, n - first);
    Tensor logits = net->forward(test.images.narrow(0, first, count));
    correct += logits.argmax(1).eq(test.labels.narrow(0, first, count)).sum().item<int64_t>();
  }
  return double(correct) / n;
}

// kWarmUpSteps steps of Adam on a model of its own, on the first batches in file order.
template <class Net>
void warm_up_fmnist(const Split& train) {
  Net net;
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(kLearningRate));
  net->train();
  for (int64_t step = 0; step < kWarmUpSteps; ++step) {
    Tensor index = torch::arange(step * kBatch, (step + 1) * kBatch, torch::kInt64);
    Tensor x = train.images.index_select(0, index), y = train.labels.index_select(0, index);
    Tensor loss = F::cross_entropy(net->forward(x), y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
}

// One epoch of Adam over the training images in the fixed-seed order, then the test
// accuracy. A batch is gathered from the images by index, as a LibTorch user holding
// the whole set in one tensor would.
template <class Net>
TrainingResult train_fmnist() {
  TrainingResult r;
  r.rss_at_start_mib = current_rss_mib();
  Split train = load_split(true), test = load_split(false);
  warm_up_fmnist<Net>(train);
  torch::manual_seed(kModelSeed);
  Net net;
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(kLearningRate));
  const int64_t n = train.images.size(0);
  std::vector<int64_t> order = epoch_order(n);
  net->train();
  const double t0 = now_seconds();
  for (int64_t first = 0; first < n; first += kBatch) {
    const int64_t count = std::min(kBatch, n - first);
    Tensor index = torch::from_blob(order.data() + first, {count}, torch::kInt64);
    Tensor x = train.images.index_select(0, index), y = train.labels.index_select(0, index);
    Tensor loss = F::cross_entropy(net->forward(x), y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  r.items_per_second = n / (now_seconds() - t0);
  r.quality = accuracy(net, test);
  return r;
}

// ---- words ----

Tensor tokens(CharBatch& b, std::vector<int64_t>& v) {
  return torch::from_blob(v.data(), {b.steps, b.batch}, torch::kInt64);
}

// Mean loss per character (the end token included) over the held-out words.
double held_out_loss(CharLm& net, const std::vector<std::string>& words) {
  torch::NoGradGuard no_grad;
  net->eval();
  double total = 0;
  int64_t characters = 0;
  for (int64_t first = 0; first < int64_t(words.size()); first += kEvalBatch) {
    CharBatch b = char_batch(words, first, std::min<int64_t>(kEvalBatch, int64_t(words.size()) - first));
    Tensor logits = net->forward(tokens(b, b.inputs));
    Tensor target = tokens(b, b.targets).view({-1});
    total += F::cross_entropy(logits, target, F::CrossEntropyFuncOptions().reduction(torch::kSum)).item<double>();
    characters += b.characters;
  }
  return total / characters;
}

}  // namespace

void conv2d(int threads) {
  torch::manual_seed(kModelSeed);
  Tensor x = torch::randn({kConvN, kConvCin, kConvHW, kConvHW});
  Tensor w = torch::randn({kConvCout, kConvCin, kConvK, kConvK});
  Tensor gy = torch::randn({kConvN, kConvCout, kConvHW, kConvHW});
  Tensor xg = x.clone().requires_grad_(), wg = w.clone().requires_grad_(), y;
  conv2d_figures(
      threads,
      [&] {
        torch::NoGradGuard no_grad;
        y = torch::conv2d(x, w, {}, 1, 1);
      },
      [&] {
        // Fresh gradients every iteration, so that no accumulation is timed.
        xg.mutable_grad() = Tensor();
        wg.mutable_grad() = Tensor();
        y = torch::conv2d(xg, wg, {}, 1, 1);
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
  WordSplit words = load_words();
  {
    // The warm-up: kWarmUpSteps batches of the first training words, on a model of its own.
    CharLm net;
    torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(kLearningRate));
    net->train();
    for (int64_t step = 0; step < kWarmUpSteps; ++step) {
      CharBatch b = char_batch(words.train, step * kWordBatch, kWordBatch);
      Tensor loss = F::cross_entropy(net->forward(tokens(b, b.inputs)), tokens(b, b.targets).view({-1}));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
  }
  torch::manual_seed(kModelSeed);
  CharLm net;
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(kLearningRate));
  std::mt19937_64 engine(data_seed());
  net->train();
  const double t0 = now_seconds();
  for (int64_t step = 0; step < kWordSteps; ++step) {
    CharBatch b = char_batch(words.train, sample_words(engine, int64_t(words.train.size())));
    Tensor logits = net->forward(tokens(b, b.inputs));
    Tensor loss = F::cross_entropy(logits, tokens(b, b.targets).view({-1}));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  r.items_per_second = double(kWordSteps * kWordBatch) / (now_seconds() - t0);
  r.quality = held_out_loss(net, words.held_out);
  training_figures("lstm_words", kLstmVariant, threads, "words_per_s", "loss_per_char", r, peak_rss_mib());
}

}  // namespace models
}  // namespace bench
