// The nn layers and containers: parameters and buffers (names, shapes, PyTorch's default
// initialisation), printing (strings from PyTorch 1.13's repr of the same modules),
// argument errors, train/eval behaviour and forward results.
// Cases tagged [needs-functional] run the functional ops (conv, pooling, norms, dropout,
// embedding) and compare the module with the functional call on the same parameters.
#include <cmath>
#include <sstream>

#include "helpers.hpp"

using Catch::Matchers::Contains;
using ember::Tensor;
namespace nn = ember::nn;
namespace F = ember::nn::functional;
using testing::repr;
using testing::same;

namespace {
std::vector<std::string> keys(const ember::StateDict& sd) { return sd.keys(); }
double max_abs(const Tensor& t) { return t.abs().max().item<double>(); }
}  // namespace

// ---------------------------------------------------------------- printing

TEST_CASE("modules: repr strings are PyTorch's", "[modules]") {
  // Each expected string is print(module) in PyTorch 1.13 for the same arguments.
  CHECK(repr(nn::Linear(784, 256)) == "Linear(in_features=784, out_features=256, bias=True)");
  CHECK(repr(nn::Linear(nn::LinearOptions(3, 4).bias(false))) == "Linear(in_features=3, out_features=4, bias=False)");
  CHECK(repr(nn::Conv2d(3, 16, 3)) == "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1))");
  CHECK(repr(nn::Conv1d(nn::Conv1dOptions(3, 16, 3).padding(1).bias(false))) ==
        "Conv1d(3, 16, kernel_size=(3,), stride=(1,), padding=(1,), bias=False)");
  CHECK(repr(nn::Conv2d(nn::Conv2dOptions(4, 8, {3, 5}).stride(2).dilation(2).groups(2))) ==
        "Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 2), dilation=(2, 2), groups=2)");
  CHECK(repr(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(3, 16, 3).stride(2).output_padding(1))) ==
        "ConvTranspose2d(3, 16, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))");
  CHECK(repr(nn::MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  CHECK(repr(nn::MaxPool2d(nn::MaxPool2dOptions({2, 2}).stride(1))) ==
        "MaxPool2d(kernel_size=(2, 2), stride=1, padding=0, dilation=1, ceil_mode=False)");
  CHECK(repr(nn::AvgPool2d(3)) == "AvgPool2d(kernel_size=3, stride=3, padding=0)");
  CHECK(repr(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1}))) == "AdaptiveAvgPool2d(output_size=(1, 1))");
  CHECK(repr(nn::AdaptiveAvgPool2d(1)) == "AdaptiveAvgPool2d(output_size=1)");
  CHECK(repr(nn::Dropout()) == "Dropout(p=0.5, inplace=False)");
  CHECK(repr(nn::Dropout(0.25)) == "Dropout(p=0.25, inplace=False)");
  CHECK(repr(nn::Embedding(nn::EmbeddingOptions(10, 3).padding_idx(0))) == "Embedding(10, 3, padding_idx=0)");
  CHECK(repr(nn::Embedding(10, 3)) == "Embedding(10, 3)");
  CHECK(repr(nn::LayerNorm(10)) == "LayerNorm((10,), eps=1e-05, elementwise_affine=True)");
  CHECK(repr(nn::LayerNorm(nn::LayerNormOptions({3, 4}).elementwise_affine(false))) ==
        "LayerNorm((3, 4), eps=1e-05, elementwise_affine=False)");
  CHECK(repr(nn::BatchNorm1d(nn::BatchNorm1dOptions(4).momentum(std::nullopt))) ==
        "BatchNorm1d(4, eps=1e-05, momentum=None, affine=True, track_running_stats=True)");
  CHECK(repr(nn::BatchNorm2d(16)) == "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  CHECK(repr(nn::GroupNorm(2, 4)) == "GroupNorm(2, 4, eps=1e-05, affine=True)");
  CHECK(repr(nn::ReLU()) == "ReLU()");
  CHECK(repr(nn::ReLU(true)) == "ReLU(inplace=True)");
  CHECK(repr(nn::GELU()) == "GELU(approximate='none')");
  CHECK(repr(nn::SiLU()) == "SiLU()");
  CHECK(repr(nn::Tanh()) == "Tanh()");
  CHECK(repr(nn::Sigmoid()) == "Sigmoid()");
  CHECK(repr(nn::LeakyReLU()) == "LeakyReLU(negative_slope=0.01)");
  CHECK(repr(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2))) == "LeakyReLU(negative_slope=0.2)");
  CHECK(repr(nn::Softmax(1)) == "Softmax(dim=1)");
  CHECK(repr(nn::Flatten()) == "Flatten(start_dim=1, end_dim=-1)");
  CHECK(repr(nn::Identity()) == "Identity()");
  CHECK(repr(nn::Sequential()) == "Sequential()");
}

namespace {
struct Net : nn::Module {
  nn::Linear fc1{nullptr};
  nn::Sequential seq{nullptr};
  Net() : Module("Net") {
    fc1 = register_module("fc1", nn::Linear(784, 256));
    seq = register_module("seq", nn::Sequential(nn::ReLU()));
  }
  Tensor forward(const Tensor& x) override { return seq(fc1(x)); }
};
}  // namespace

TEST_CASE("modules: a user model prints as PyTorch's does", "[modules]") {
  auto net = std::make_shared<Net>();
  REQUIRE(repr(*net) ==
          "Net(\n"
          "  (fc1): Linear(in_features=784, out_features=256, bias=True)\n"
          "  (seq): Sequential(\n"
          "    (0): ReLU()\n"
          "  )\n"
          ")");
  // PyTorch 1.13: print(nn.ModuleList([nn.Linear(2, 2) for _ in range(2)]))
  nn::ModuleList list;
  list->push_back(nn::Linear(2, 2));
  list->push_back(nn::Linear(2, 2));
  REQUIRE(repr(list) ==
          "ModuleList(\n"
          "  (0): Linear(in_features=2, out_features=2, bias=True)\n"
          "  (1): Linear(in_features=2, out_features=2, bias=True)\n"
          ")");
  nn::ModuleDict dict;
  dict->insert("a", nn::ReLU());
  REQUIRE(repr(dict) == "ModuleDict(\n  (a): ReLU()\n)");
}

// ---------------------------------------------------------------- Linear

TEST_CASE("Linear: parameters, default initialisation and forward", "[modules]") {
  ember::manual_seed(0);
  nn::Linear fc(400, 300);
  REQUIRE(fc->named_parameters().keys() == std::vector<std::string>{"weight", "bias"});
  REQUIRE(fc->weight.sizes().equals({300, 400}));
  REQUIRE(fc->bias.sizes().equals({300}));
  // kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(in), 1/sqrt(in)); the bias has the same bound.
  double bound = 1 / std::sqrt(400.0);
  REQUIRE(max_abs(fc->weight) <= bound);
  REQUIRE(fc->weight.max().item<double>() > 0.99 * bound);
  REQUIRE(fc->weight.to(ember::kFloat64).std().item<double>() == Approx(bound / std::sqrt(3.0)).epsilon(0.01));
  REQUIRE(max_abs(fc->bias) <= bound);
  REQUIRE(fc->bias.to(ember::kFloat64).std().item<double>() == Approx(bound / std::sqrt(3.0)).epsilon(0.15));

  nn::Linear small(nn::LinearOptions(3, 2));
  Tensor x = ember::randn({4, 3});
  std::vector<double> xv = testing::values(x), w = testing::values(small->weight), b = testing::values(small->bias);
  std::vector<double> y = testing::values(small(x));
  for (int i = 0; i < 4; ++i)
    for (int o = 0; o < 2; ++o) {
      double acc = b[o];
      for (int k = 0; k < 3; ++k) acc += xv[i * 3 + k] * w[o * 3 + k];
      REQUIRE(y[i * 2 + o] == Approx(acc).epsilon(1e-5));
    }
  // Any leading dims, and no bias.
  nn::Linear nob(nn::LinearOptions(3, 2).bias(false));
  REQUIRE(nob->named_parameters().keys() == std::vector<std::string>{"weight"});
  Tensor x3 = ember::randn({2, 5, 3});
  REQUIRE(nob(x3).allclose(ember::matmul(x3, nob->weight.t())));
  REQUIRE(small(x3).sizes().equals({2, 5, 2}));
  REQUIRE_THROWS_WITH(small(ember::randn({4, 5})), "Linear: expected input with last dim 3 (in_features), got [4, 5]");
}

TEST_CASE("Linear: gradients reach weight and bias", "[modules]") {
  nn::Linear fc(nn::LinearOptions(3, 2));
  fc->to(ember::kFloat64);
  Tensor x = testing::leaf({4, 3});
  REQUIRE(ember::autograd::gradcheck(
      [&](const std::vector<Tensor>& in) { return fc(in[0]); }, {x}));
  fc(x).sum().backward();
  REQUIRE(fc->weight.grad().sizes().equals({2, 3}));
  REQUIRE(testing::values(fc->bias.grad()) == std::vector<double>{4, 4});
}

// ---------------------------------------------------------------- convolutions

TEST_CASE("Conv: parameter shapes, initialisation bounds and argument errors", "[modules]") {
  ember::manual_seed(0);
  nn::Conv2d conv(nn::Conv2dOptions(4, 32, 3).groups(2));
  REQUIRE(conv->weight.sizes().equals({32, 2, 3, 3}));
  REQUIRE(conv->bias.sizes().equals({32}));
  double bound = 1 / std::sqrt(2.0 * 9);  // fan_in = in/groups * k*k
  REQUIRE(max_abs(conv->weight) <= bound);
  REQUIRE(conv->weight.max().item<double>() > 0.95 * bound);
  REQUIRE(max_abs(conv->bias) <= bound);

  nn::Conv1d c1(3, 5, 4);
  REQUIRE(c1->weight.sizes().equals({5, 3, 4}));

  nn::ConvTranspose2d tconv(nn::ConvTranspose2dOptions(6, 4, {2, 3}).groups(2).bias(false));
  REQUIRE(tconv->weight.sizes().equals({6, 2, 2, 3}));  // [in, out/groups, kH, kW]
  REQUIRE_FALSE(tconv->bias.defined());
  REQUIRE(tconv->named_parameters().keys() == std::vector<std::string>{"weight"});
  REQUIRE(max_abs(tconv->weight) <= 1 / std::sqrt(2.0 * 6));  // fan_in = size(1) * k*k

  REQUIRE_THROWS_WITH(nn::Conv2d(nn::Conv2dOptions(3, 4, 3).groups(2)),
                      "Conv2d: in_channels must be divisible by groups, got in_channels=3, groups=2");
  REQUIRE_THROWS_WITH(nn::Conv2d(nn::Conv2dOptions(4, 3, 3).groups(2)),
                      "Conv2d: out_channels must be divisible by groups, got out_channels=3, groups=2");
  REQUIRE_THROWS_WITH(nn::Conv2d(nn::Conv2dOptions(4, 4, {3, 3, 3})),
                      "Conv2d: kernel_size must be one number or 2 numbers, got (3, 3, 3)");
  REQUIRE_THROWS_WITH(nn::Conv2d(nn::Conv2dOptions(4, 4, 3).stride(0)), "Conv2d: stride must be positive, got (0, 0)");
  REQUIRE_THROWS_WITH(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(4, 4, 3).output_padding(1)),
                      Contains("output_padding must be smaller than either stride or dilation"));
  REQUIRE_THROWS_WITH(conv(ember::randn({1, 3, 8, 8})), "Conv2d: expected input with 4 channels, got [1, 3, 8, 8]");
  REQUIRE_THROWS_WITH(conv(ember::randn({8, 8})),
                      "Conv2d: expected 3D (unbatched) or 4D (batched) input, got [8, 8]");
}

TEST_CASE("Conv: forward equals the functional op", "[modules][needs-functional]") {
  nn::Conv2d conv(nn::Conv2dOptions(4, 6, 3).stride(2).padding(1).groups(2));
  Tensor x = ember::randn({2, 4, 9, 9});
  Tensor y = conv(x);
  REQUIRE(y.sizes().equals({2, 6, 5, 5}));
  REQUIRE(y.allclose(F::conv2d(x, conv->weight, conv->bias, 2, 1, 1, 2)));
  REQUIRE(conv(x[0]).sizes().equals({6, 5, 5}));  // unbatched

  nn::Conv1d c1(nn::Conv1dOptions(3, 5, 3).dilation(2));
  Tensor x1 = ember::randn({2, 3, 10});
  REQUIRE(c1(x1).sizes().equals({2, 5, 6}));
  REQUIRE(c1(x1).allclose(F::conv1d(x1, c1->weight, c1->bias, 1, 0, 2)));

  nn::ConvTranspose2d t(nn::ConvTranspose2dOptions(4, 3, 3).stride(2).padding(1).output_padding(1));
  Tensor xt = ember::randn({2, 4, 5, 5});
  REQUIRE(t(xt).sizes().equals({2, 3, 10, 10}));
  REQUIRE(t(xt).allclose(F::conv_transpose2d(xt, t->weight, t->bias, 2, 1, 1)));
}

// ---------------------------------------------------------------- pooling

TEST_CASE("Pooling: argument errors", "[modules]") {
  REQUIRE_THROWS_WITH(nn::MaxPool2d(0), "MaxPool2d: kernel_size must be positive, got 0");
  REQUIRE_THROWS_WITH(nn::AvgPool2d(nn::AvgPool2dOptions(2).stride({1, 1, 1})),
                      "AvgPool2d: stride must be one number or 2 numbers, got (1, 1, 1)");
  REQUIRE_THROWS_WITH(nn::AdaptiveAvgPool2d(0), "AdaptiveAvgPool2d: output_size must be positive, got 0");
  REQUIRE_THROWS_WITH(nn::MaxPool2d(2)(ember::randn({4, 4})),
                      "MaxPool2d: expected 3D (unbatched) or 4D (batched) input, got [4, 4]");
  REQUIRE(nn::MaxPool2d(3)->options.stride().values() == std::vector<int64_t>{3});
}

TEST_CASE("Pooling: forward equals the functional op", "[modules][needs-functional]") {
  Tensor x = ember::randn({2, 3, 8, 8});
  nn::MaxPool2d mp(nn::MaxPool2dOptions(3).stride(2).padding(1));
  REQUIRE(mp(x).sizes().equals({2, 3, 4, 4}));
  REQUIRE(mp(x).equal(F::max_pool2d(x, 3, 2, 1)));
  nn::AvgPool2d ap(2);
  REQUIRE(ap(x).sizes().equals({2, 3, 4, 4}));
  REQUIRE(ap(x).allclose(F::avg_pool2d(x, 2)));
  nn::AdaptiveAvgPool2d aap(nn::AdaptiveAvgPool2dOptions({1, 1}));
  REQUIRE(aap(x).sizes().equals({2, 3, 1, 1}));
  REQUIRE(aap(x).allclose(x.mean({2, 3}, true), 1e-5, 1e-6));
}

// ---------------------------------------------------------------- dropout

TEST_CASE("Dropout: argument errors", "[modules]") {
  REQUIRE_THROWS_WITH(nn::Dropout(1.5), "Dropout: dropout probability has to be between 0 and 1, but got 1.5");
  REQUIRE_THROWS_WITH(nn::Dropout(-0.1), "Dropout: dropout probability has to be between 0 and 1, but got -0.1");
}

TEST_CASE("Dropout: zeroes and rescales in training, identity in eval", "[modules][needs-functional]") {
  ember::manual_seed(5);
  nn::Dropout drop(0.25);
  Tensor x = ember::ones({200, 500});
  Tensor y = drop(x);
  double zero_fraction = (y == 0).to(ember::kFloat64).mean().item<double>();
  REQUIRE(zero_fraction == Approx(0.25).margin(0.01));
  REQUIRE(y.max().item<double>() == Approx(1 / 0.75));
  drop->eval();
  REQUIRE(drop(x).equal(x));
}

// ---------------------------------------------------------------- embedding

TEST_CASE("Embedding: N(0, 1) weight, padding row zeroed, argument errors", "[modules]") {
  ember::manual_seed(6);
  nn::Embedding emb(nn::EmbeddingOptions(1000, 200).padding_idx(-1));
  REQUIRE(emb->weight.sizes().equals({1000, 200}));
  REQUIRE(*emb->options.padding_idx() == 999);  // a negative index counts from the end
  REQUIRE(max_abs(emb->weight[999]) == 0);
  Tensor w = emb->weight.narrow(0, 0, 999).to(ember::kFloat64);
  REQUIRE(w.mean().item<double>() == Approx(0).margin(0.01));
  REQUIRE(w.std().item<double>() == Approx(1).epsilon(0.01));
  REQUIRE(repr(emb) == "Embedding(1000, 200, padding_idx=999)");
  REQUIRE_THROWS_WITH(nn::Embedding(nn::EmbeddingOptions(5, 2).padding_idx(5)),
                      "Embedding: padding_idx must be within num_embeddings (5), got 5");
  REQUIRE_THROWS_WITH(emb(ember::zeros({2})), "Embedding: expected int64 indices, got float32");

  Tensor table = ember::randn({4, 3});
  nn::Embedding pre = nn::EmbeddingImpl::from_pretrained(table);
  REQUIRE(pre->weight.equal(table));
  REQUIRE_FALSE(pre->weight.requires_grad());
  REQUIRE(nn::EmbeddingImpl::from_pretrained(table, false)->weight.requires_grad());
}

TEST_CASE("Embedding: forward picks rows", "[modules][needs-functional]") {
  nn::Embedding emb(10, 3);
  Tensor idx = ember::tensor({{1, 2}, {9, 1}});
  Tensor y = emb(idx);
  REQUIRE(y.sizes().equals({2, 2, 3}));
  REQUIRE(y[1][0].equal(emb->weight[9]));
  REQUIRE(y.equal(F::embedding(idx, emb->weight)));
}

// ---------------------------------------------------------------- normalization

TEST_CASE("LayerNorm and GroupNorm: parameters, state_dict and argument errors", "[modules]") {
  nn::LayerNorm ln(nn::LayerNormOptions({3, 4}));
  REQUIRE(ln->weight.sizes().equals({3, 4}));
  REQUIRE(ln->weight.equal(ember::ones({3, 4})));
  REQUIRE(ln->bias.equal(ember::zeros({3, 4})));
  REQUIRE(keys(ln->state_dict()) == std::vector<std::string>{"weight", "bias"});
  nn::LayerNorm plain(nn::LayerNormOptions(5).elementwise_affine(false));
  REQUIRE(plain->parameters().empty());
  REQUIRE(plain->state_dict().empty());
  REQUIRE_THROWS_WITH(ln(ember::randn({2, 4, 3})), "LayerNorm: expected input with shape [*, 3, 4], got [2, 4, 3]");

  nn::GroupNorm gn(2, 6);
  REQUIRE(gn->weight.equal(ember::ones({6})));
  REQUIRE(gn->bias.equal(ember::zeros({6})));
  REQUIRE_THROWS_WITH(nn::GroupNorm(4, 6),
                      "GroupNorm: num_channels must be divisible by num_groups, got num_channels=6, num_groups=4");
  REQUIRE_THROWS_WITH(gn(ember::randn({2, 4, 3})), "GroupNorm: expected input [N, 6, *], got [2, 4, 3]");
  REQUIRE(nn::GroupNorm(nn::GroupNormOptions(2, 6).affine(false))->parameters().empty());
}

TEST_CASE("LayerNorm and GroupNorm: forward equals the functional op", "[modules][needs-functional]") {
  nn::LayerNorm ln(nn::LayerNormOptions(4).eps(1e-3));
  ember::nn::init::normal_(ln->weight);
  Tensor x = ember::randn({2, 3, 4});
  REQUIRE(ln(x).sizes().equals({2, 3, 4}));
  REQUIRE(ln(x).allclose(F::layer_norm(x, {4}, ln->weight, ln->bias, 1e-3)));
  nn::GroupNorm gn(2, 6);
  Tensor xg = ember::randn({2, 6, 5});
  REQUIRE(gn(xg).allclose(F::group_norm(xg, 2, gn->weight, gn->bias)));
}

TEST_CASE("BatchNorm: buffers as PyTorch's state_dict, options and input checks", "[modules]") {
  nn::BatchNorm2d bn(3);
  // PyTorch 1.13: nn.BatchNorm2d(3).state_dict().keys()
  REQUIRE(keys(bn->state_dict()) ==
          std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"});
  REQUIRE(bn->named_parameters().keys() == std::vector<std::string>{"weight", "bias"});
  REQUIRE(bn->running_mean.equal(ember::zeros({3})));
  REQUIRE(bn->running_var.equal(ember::ones({3})));
  REQUIRE(bn->num_batches_tracked.dim() == 0);
  REQUIRE(bn->num_batches_tracked.dtype() == ember::kInt64);
  REQUIRE(bn->weight.equal(ember::ones({3})));
  REQUIRE(bn->bias.equal(ember::zeros({3})));

  nn::BatchNorm1d no_stats(nn::BatchNorm1dOptions(4).track_running_stats(false));
  REQUIRE(keys(no_stats->state_dict()) == std::vector<std::string>{"weight", "bias"});
  nn::BatchNorm1d no_affine(nn::BatchNorm1dOptions(4).affine(false));
  REQUIRE(keys(no_affine->state_dict()) ==
          std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"});

  REQUIRE_THROWS_WITH(bn(ember::randn({2, 3, 4})), "BatchNorm2d: expected 4D input (got 3D input)");
  REQUIRE_THROWS_WITH(no_stats(ember::randn({2, 3, 4, 5})), "BatchNorm1d: expected 2D or 3D input (got 4D input)");
  REQUIRE_THROWS_WITH(bn(ember::randn({2, 4, 5, 5})),
                      "BatchNorm2d: expected input with 3 channels (dim 1), got [2, 4, 5, 5]");

  // to() converts the float buffers and keeps the counter int64.
  bn->to(ember::kFloat64);
  REQUIRE(bn->running_var.dtype() == ember::kFloat64);
  REQUIRE(bn->num_batches_tracked.dtype() == ember::kInt64);
}

TEST_CASE("BatchNorm: training updates the running statistics, eval uses them", "[modules][needs-functional]") {
  nn::BatchNorm1d bn(3);
  Tensor x = ember::randn({8, 3}) * 2 + 1;
  Tensor y = bn(x);
  REQUIRE(bn->num_batches_tracked.item<int64_t>() == 1);
  // running = 0.9 * running + 0.1 * batch statistic (unbiased variance).
  REQUIRE(bn->running_mean.allclose(x.mean({0}) * 0.1, 1e-4, 1e-5));
  REQUIRE(bn->running_var.allclose(ember::ones({3}) * 0.9 + x.var({0}) * 0.1, 1e-4, 1e-5));
  // Training output: batch statistics (biased variance).
  Tensor want = (x - x.mean({0}, true)) / (x.var({0}, false, true) + 1e-5).sqrt();
  REQUIRE(y.allclose(want, 1e-4, 1e-5));
  // Eval: the running statistics, and nothing changes.
  bn->eval();
  Tensor ye = bn(x);
  REQUIRE(ye.allclose((x - bn->running_mean) / (bn->running_var + 1e-5).sqrt(), 1e-4, 1e-5));
  REQUIRE(bn->num_batches_tracked.item<int64_t>() == 1);

  // momentum None: a cumulative average of the batch means.
  nn::BatchNorm2d cum(nn::BatchNorm2dOptions(2).momentum(std::nullopt));
  Tensor a = ember::randn({4, 2, 3, 3}), b = ember::randn({4, 2, 3, 3}) + 3;
  cum(a);
  cum(b);
  REQUIRE(cum->num_batches_tracked.item<int64_t>() == 2);
  REQUIRE(cum->running_mean.allclose((a.mean({0, 2, 3}) + b.mean({0, 2, 3})) / 2, 1e-4, 1e-5));
}

// ---------------------------------------------------------------- activations and shape

TEST_CASE("Activations and shape modules compute their ops", "[modules]") {
  Tensor x = ember::tensor({{-2.0, -0.5, 0.0, 1.5}});
  REQUIRE(testing::values(nn::ReLU()(x)) == std::vector<double>{0, 0, 0, 1.5});
  REQUIRE(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2))(x).allclose(
      ember::tensor({{-0.4, -0.1, 0.0, 1.5}})));
  REQUIRE(nn::GELU()(x).allclose(ember::gelu(x)));
  REQUIRE(nn::GELU(nn::GELUOptions().approximate("tanh"))(x).allclose(ember::gelu(x, "tanh")));
  REQUIRE(nn::SiLU()(x).allclose(x * ember::sigmoid(x)));
  REQUIRE(nn::Tanh()(x).allclose(ember::tanh(x)));
  REQUIRE(nn::Sigmoid()(x).allclose(1 / (1 + ember::exp(-x))));
  Tensor s = nn::Softmax(1)(x);
  REQUIRE(s.sum().item<double>() == Approx(1));
  REQUIRE(s.allclose(ember::exp(x) / ember::exp(x).sum()));
  Tensor img = ember::randn({2, 3, 4, 5});
  REQUIRE(nn::Flatten()(img).sizes().equals({2, 60}));
  REQUIRE(nn::Flatten(nn::FlattenOptions().start_dim(0).end_dim(1))(img).sizes().equals({6, 4, 5}));
  REQUIRE(nn::Identity()(img).is_same(img));
  REQUIRE_THROWS_WITH(nn::GELU(nn::GELUOptions().approximate("fast")),
                      "GELU: approximate must be 'none' or 'tanh', got 'fast'");
  // inplace=True writes into the input.
  Tensor y = x.clone();
  Tensor r = nn::ReLU(true)(y);
  REQUIRE(r.is_alias_of(y));
  REQUIRE(testing::values(y) == std::vector<double>{0, 0, 0, 1.5});
  for (const auto& m : std::vector<std::shared_ptr<nn::Module>>{nn::ReLU(), nn::Tanh(), nn::Softmax(0)})
    REQUIRE(m->parameters().empty());
}

// ---------------------------------------------------------------- containers

TEST_CASE("Sequential: names, chaining, indexing and state_dict", "[modules]") {
  nn::Sequential mlp(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 2));
  REQUIRE(mlp->size() == 3);
  REQUIRE(mlp->named_children().keys() == std::vector<std::string>{"0", "1", "2"});
  REQUIRE(keys(mlp->state_dict()) == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  Tensor x = ember::randn({5, 4});
  auto& l0 = mlp->at<nn::LinearImpl>(0);
  auto& l2 = mlp->at<nn::LinearImpl>(-1);
  Tensor want = ember::matmul(ember::relu(ember::matmul(x, l0.weight.t()) + l0.bias), l2.weight.t()) + l2.bias;
  REQUIRE(mlp(x).allclose(want, 1e-5, 1e-6));
  REQUIRE(mlp[1]->type_name() == "ReLU");
  REQUIRE(mlp[-1].get() == &l2);
  REQUIRE_THROWS_WITH(mlp[3], "Sequential: Index out of range: index 3 for 3 modules");
  REQUIRE_THROWS_WITH(mlp->at<nn::LinearImpl>(1), "Sequential: the module at index 1 is a ReLU, not the type asked for");
  int n = 0;
  for (const auto& m : *mlp) n += m->type_name() == "Linear";
  REQUIRE(n == 2);

  mlp->push_back(nn::Tanh());
  mlp->push_back("out", nn::Sigmoid());
  REQUIRE(mlp->named_children().keys() == std::vector<std::string>{"0", "1", "2", "3", "out"});
  REQUIRE(mlp(x).sizes().equals({5, 2}));
  REQUIRE(repr(mlp) ==
          "Sequential(\n"
          "  (0): Linear(in_features=4, out_features=8, bias=True)\n"
          "  (1): ReLU()\n"
          "  (2): Linear(in_features=8, out_features=2, bias=True)\n"
          "  (3): Tanh()\n"
          "  (out): Sigmoid()\n"
          ")");
  nn::Sequential empty;
  REQUIRE(empty(x).is_same(x));
  // A shared_ptr works as well as a holder.
  nn::Sequential from_ptrs(std::make_shared<nn::TanhImpl>(), nn::Identity());
  REQUIRE(from_ptrs->size() == 2);
}

TEST_CASE("ModuleList and ModuleDict: bookkeeping", "[modules]") {
  nn::ModuleList list(std::vector<std::shared_ptr<nn::Module>>{nn::ReLU(), nn::Linear(2, 3)});
  list->insert(0, nn::Tanh());
  REQUIRE(list->named_children().keys() == std::vector<std::string>{"0", "1", "2"});
  REQUIRE(list[0]->type_name() == "Tanh");
  REQUIRE(list[2]->type_name() == "Linear");
  REQUIRE(keys(list->state_dict()) == std::vector<std::string>{"2.weight", "2.bias"});
  list->extend({nn::Sigmoid()});
  REQUIRE(list->size() == 4);
  REQUIRE_THROWS_WITH(list->forward(ember::ones({1})), "ModuleList: forward(Tensor) is not defined");

  nn::ModuleDict dict(std::vector<std::pair<std::string, std::shared_ptr<nn::Module>>>{
      {"enc", nn::Linear(2, 2)}, {"act", nn::ReLU()}});
  REQUIRE(dict->keys() == std::vector<std::string>{"enc", "act"});
  REQUIRE(dict->contains("enc"));
  REQUIRE(dict->at<nn::LinearImpl>("enc").weight.sizes().equals({2, 2}));
  dict->insert("act", nn::Tanh());  // replaces, keeping the position
  REQUIRE(dict->keys() == std::vector<std::string>{"enc", "act"});
  REQUIRE((*dict)["act"]->type_name() == "Tanh");
  REQUIRE(keys(dict->state_dict()) == std::vector<std::string>{"enc.weight", "enc.bias"});
  REQUIRE(dict->pop("enc")->type_name() == "Linear");
  REQUIRE(dict->size() == 1);
  REQUIRE_THROWS_WITH((*dict)["enc"], "ModuleDict: the key 'enc' is not defined");
  dict->clear();
  REQUIRE(dict->is_empty());
}

TEST_CASE("modules: an MLP trains with plain gradient steps and round-trips its state_dict", "[modules]") {
  ember::manual_seed(7);
  nn::Sequential mlp(nn::Linear(2, 16), nn::Tanh(), nn::Linear(16, 1));
  Tensor x = ember::randn({64, 2});
  Tensor target = (x.select(1, 0) * x.select(1, 1)).unsqueeze(1);
  auto loss_of = [&] { return ((mlp(x) - target) * (mlp(x) - target)).mean(); };
  double first = loss_of().item<double>();
  for (int step = 0; step < 200; ++step) {
    mlp->zero_grad();
    loss_of().backward();
    ember::NoGradGuard guard;
    for (Tensor& p : mlp->parameters()) p.sub_(p.grad() * 0.1);
  }
  REQUIRE(loss_of().item<double>() < 0.5 * first);

  nn::Sequential copy(nn::Linear(2, 16), nn::Tanh(), nn::Linear(16, 1));
  copy->load_state_dict(mlp->state_dict());
  REQUIRE(copy(x).equal(mlp(x)));
  // The user model from the task statement trains the same way.
  auto net = std::make_shared<Net>();
  REQUIRE(net->forward(ember::randn({2, 784})).sizes().equals({2, 256}));
  REQUIRE(net->parameters().size() == 2);
}
