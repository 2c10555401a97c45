// LibTorch's spellings that ember accepts beside its own: the OrderedDict interface
// (items with key()/value(), position indexing, front/back, pop, update) and the mode
// constants (ember::kMean, ember::kReLU, ...), which stand for PyTorch's mode strings.
#include <sstream>

#include "helpers.hpp"

using Catch::Matchers::Contains;
using ember::Tensor;

TEST_CASE("OrderedDict has LibTorch's item and position interface", "[ordered_dict]") {
  ember::OrderedDict<int> d;
  d.insert("a", 1);
  d.insert("b", 2);
  d.insert("c", 3);
  CHECK(d[1].key() == "b");
  CHECK(d[1].value() == 2);
  CHECK(*d[2] == 3);
  CHECK(d.front().key() == "a");
  CHECK(d.back().value() == 3);
  d[0].value() = 10;
  CHECK(d["a"] == 10);
  // Python's and C++17's spellings still work on the same items.
  int sum = 0;
  for (const auto& [key, value] : d) sum += value + static_cast<int>(key.size());
  CHECK(sum == 10 + 2 + 3 + 3);
  CHECK(d.items()[2].first == "c");

  CHECK(d.pop("b") == 2);
  CHECK(d.keys() == std::vector<std::string>{"a", "c"});
  CHECK_THROWS_WITH(d.pop("b"), Contains("Key 'b' is not defined"));
  CHECK_THROWS_WITH(d[5], Contains("Index 5 is out of bounds"));

  ember::OrderedDict<int> more;
  more.insert("d", 4);
  d.update(more);
  CHECK(d.size() == 3);
  CHECK(d.back().key() == "d");
  CHECK_THROWS_WITH(d.update(more), Contains("Key 'd' already defined"));

  ember::OrderedDict<int> empty("parameter");
  CHECK(empty.is_empty());
  CHECK(empty.key_description() == "parameter");
  CHECK_THROWS_WITH(empty.front(), Contains("front"));
  CHECK_THROWS_WITH(empty.at("w"), Contains("parameter 'w' is not defined"));
}

TEST_CASE("a module's named_parameters items have key() and value()", "[ordered_dict][nn]") {
  ember::nn::Linear fc(3, 2);
  auto params = fc->named_parameters();
  REQUIRE(params.size() == 2);
  CHECK(params[0].key() == "weight");
  CHECK(params[0].value().sizes() == std::vector<int64_t>{2, 3});
  CHECK(params[1]->sizes() == std::vector<int64_t>{2});
}

TEST_CASE("mode constants stand for PyTorch's mode strings", "[enum]") {
  Tensor x = ember::tensor({1.0, 2.0, 4.0}), y = ember::tensor({0.0, 0.0, 0.0});
  namespace F = ember::nn::functional;
  // mse of (1, 2, 4) against zeros: sum 21, mean 7 (by hand).
  CHECK(F::mse_loss(x, y, ember::kSum).item<double>() == 21.0);
  CHECK(F::mse_loss(x, y, ember::kMean).item<double>() == 7.0);
  CHECK(F::mse_loss(x, y, ember::kNone).sizes() == std::vector<int64_t>{3});

  std::string mode = ember::kFanOut;
  CHECK(mode == "fan_out");
  CHECK(ember::kReflect == std::string("reflect"));
  CHECK(ember::enumtype::get_enum_name(ember::kBilinear) == "kBilinear");
  std::ostringstream os;
  os << ember::kReLU;
  CHECK(os.str() == "kReLU");
  // An init call with constants instead of strings gives the same gain: kaiming_normal_
  // with fan_out and relu has std sqrt(2 / fan_out) (PyTorch's formula).
  Tensor w = ember::empty({200, 100});
  ember::manual_seed(0);
  ember::nn::init::kaiming_normal_(w, 0, ember::kFanOut, ember::kReLU);
  double std_dev = std::sqrt(ember::var_unbiased(w, true).item<double>());
  CHECK(std::abs(std_dev - std::sqrt(2.0 / 200)) < 0.01);
}

TEST_CASE("the device model: everything is on the CPU, another device is an error", "[device]") {
  Tensor x = ember::ones({2, 3});
  CHECK(x.device() == ember::Device(ember::kCPU));
  CHECK(x.device().is_cpu());
  CHECK(x.is_cpu());
  CHECK_FALSE(x.is_cuda());
  CHECK(x.device().str() == "cpu");
  CHECK(ember::Device("cuda:1").index() == 1);
  CHECK(ember::Device("cuda:1").is_cuda());
  CHECK_FALSE(ember::cuda::is_available());

  // The usual LibTorch idiom picks the CPU here and runs.
  ember::Device device = ember::cuda::is_available() ? ember::kCUDA : ember::kCPU;
  Tensor y = x.to(device);
  CHECK(y.is_same(x));
  CHECK_FALSE(x.to(device, false, true).is_same(x));
  CHECK(x.to(ember::kCPU, ember::kFloat64).dtype() == ember::kFloat64);
  CHECK(ember::zeros({2}, ember::TensorOptions().device(ember::kCPU).dtype(ember::kInt64)).dtype() == ember::kInt64);
  ember::nn::Linear fc(3, 2);
  fc->to(device);
  fc->to(ember::kCPU, ember::kFloat64);
  CHECK(fc->weight.dtype() == ember::kFloat64);

  CHECK_THROWS_WITH(x.to(ember::kCUDA), Contains("to: ember runs on the CPU only; device cuda is not available"));
  CHECK_THROWS_WITH(ember::TensorOptions().device("cuda:0"), Contains("device cuda:0 is not available"));
  CHECK_THROWS_WITH(fc->to(ember::Device("cuda")), Contains("Module::to"));
  CHECK_THROWS_WITH(ember::Device("tpu"), Contains("\"tpu\""));
  CHECK_THROWS_WITH(ember::Device("cuda:x"), Contains("invalid device index"));
  CHECK_THROWS_WITH(ember::Device(ember::kCPU, 2), Contains("CPU device index must be -1 or zero, got 2"));
}

TEST_CASE("slices, indices and module holders print as in LibTorch", "[indexing][print]") {
  using namespace ember::indexing;
  auto text = [](const auto& v) {
    std::ostringstream os;
    os << v;
    return os.str();
  };
  // LibTorch's Slice stores 0 / INT64_MAX / 1 for None (INT64_MAX / INT64_MIN when the
  // step is negative) and prints start:stop:step.
  CHECK(text(Slice()) == "0:9223372036854775807:1");
  CHECK(text(Slice(1, 5, 2)) == "1:5:2");
  CHECK(text(Slice(None, None, -1)) == "9223372036854775807:-9223372036854775808:-1");
  CHECK(text(TensorIndex(None)) == "None");
  CHECK(text(TensorIndex("...")) == "...");
  CHECK(text(TensorIndex(3)) == "3");
  CHECK(text(TensorIndex(false)) == "false");
  CHECK(text(std::vector<TensorIndex>{None, Ellipsis, 1, Slice(None, 2)}) == "(None, ..., 1, 0:2:1)");

  ember::nn::Linear fc(3, 2);
  CHECK(text(fc) == text(*fc));
  CHECK(text(fc).find("Linear(in_features=3, out_features=2") != std::string::npos);
}

namespace libtorch_names_test {
struct Unnamed : ember::nn::Module {};
struct Named : ember::nn::Module {
  Named() : Module("Foo") {}
};
}  // namespace libtorch_names_test

TEST_CASE("Module::name is the given name or the class name with its namespaces", "[nn]") {
  CHECK(libtorch_names_test::Unnamed().name() == "libtorch_names_test::Unnamed");
  CHECK(libtorch_names_test::Named().name() == "Foo");
  CHECK(ember::nn::Linear(2, 3)->name() == "Linear");
}

TEST_CASE("Tensor::data, tensor_data and variable_data share storage without history", "[autograd]") {
  Tensor w = ember::ones({3}).requires_grad_();
  Tensor y = w * 2;
  for (Tensor d : {y.data(), y.tensor_data(), y.variable_data()}) {
    CHECK_FALSE(d.requires_grad());
    CHECK(d.data_ptr<float>() == y.data_ptr<float>());
  }
  // An in-place change through data() is a change of the tensor (LibTorch's p.data().copy_(...)).
  w.data().mul_(3);
  CHECK(w.tolist<float>() == std::vector<float>{3, 3, 3});
}

TEST_CASE("Scalar has LibTorch's toFloat, toDouble, toInt, toLong and toBool", "[scalar]") {
  ember::Scalar s = ember::tensor({2.5}).item();
  CHECK(s.toFloat() == 2.5f);
  CHECK(s.toDouble() == 2.5);
  CHECK(s.toInt() == 2);
  CHECK(s.toLong() == 2);
  CHECK(s.toBool());
}

TEST_CASE("binary_cross_entropy at the top level takes LibTorch's reduction numbers", "[loss]") {
  namespace F = ember::nn::functional;
  Tensor p = ember::tensor({0.2, 0.7, 0.9}), t = ember::tensor({0.0, 1.0, 1.0}), w = ember::tensor({1.0, 2.0, 0.5});
  CHECK(ember::allclose(ember::binary_cross_entropy(p, t), F::binary_cross_entropy(p, t)));
  CHECK(ember::allclose(ember::binary_cross_entropy(p, t, w, ember::Reduction::Sum),
                        F::binary_cross_entropy(p, t, w, "sum")));
  CHECK(ember::allclose(ember::binary_cross_entropy(p, t, {}, ember::Reduction::None),
                        F::binary_cross_entropy(p, t, {}, "none")));
  CHECK(ember::allclose(ember::binary_cross_entropy_with_logits(p, t, w, w, ember::Reduction::Sum),
                        F::binary_cross_entropy_with_logits(p, t, w, "sum", w)));
  // ATen's form pairs a target of the same number of elements with the input; values
  // and gradient from PyTorch 1.13's torch.ops.aten.binary_cross_entropy on the same
  // float64 data.
  Tensor x = ember::tensor({{0.2}, {0.7}, {0.9}, {0.4}}, ember::kFloat64).requires_grad_();
  Tensor loss = ember::binary_cross_entropy(x, ember::tensor({0.0, 1.0, 1.0, 0.0}, ember::kFloat64));
  CHECK(loss.item<double>() == Approx(0.2990011586691898).epsilon(1e-12));
  loss.backward();
  const std::vector<double> want = {0.31249999999999994, -0.35714285714285715, -0.2777777777777778, 0.4166666666666667};
  const std::vector<double> got = x.grad().flatten().tolist<double>();
  for (std::size_t i = 0; i < want.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-12));
  CHECK_THROWS_WITH(ember::binary_cross_entropy_with_logits(x, ember::tensor({0.0, 1.0, 1.0, 0.0}, ember::kFloat64)),
                    Catch::Matchers::Contains("binary_cross_entropy_with_logits"));
  CHECK_THROWS_WITH(ember::binary_cross_entropy(p, t, {}, 7),
                    Catch::Matchers::Contains("binary_cross_entropy") && Catch::Matchers::Contains("got 7"));
  auto u = ember::make_unique<int>(7);
  CHECK(*u == 7);
}

TEST_CASE("random_ draws whole numbers in its range", "[random]") {
  ember::manual_seed(0);
  Tensor x = ember::empty({1000});
  x.random_(-3, 4);
  CHECK(x.min().item<float>() == -3);
  CHECK(x.max().item<float>() == 3);
  CHECK(ember::equal(x, x.round()));
  Tensor b = ember::empty({200}, ember::kUInt8);
  b.random_();
  CHECK(b.to(ember::kInt64).max().item<int64_t>() > 200);  // the whole 0..255 range
  x.random_(5);
  CHECK(x.min().item<float>() == 0);
  CHECK(x.max().item<float>() == 4);
  CHECK_THROWS_WITH(x.random_(2, 2), Contains("random_") && Contains("from=2 >= to=2") && Contains("[1000]"));
}

TEST_CASE("ModuleDict iterates its items in insertion order", "[nn]") {
  ember::nn::ModuleDict dict;
  dict->insert("first", ember::nn::Linear(2, 2));
  dict->insert("second", ember::nn::ReLU());
  std::vector<std::string> keys;
  for (const auto& item : *dict) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"first", "second"});
}

TEST_CASE("lstm_cell, gru_cell and the RNN cells at the top level take LibTorch's arguments", "[nn][rnn]") {
  // The reference is nn::functional's cells, which the PyTorch reference cases check.
  namespace F = ember::nn::functional;
  ember::manual_seed(3);
  ember::Tensor x = ember::randn({2, 5}), h = ember::randn({2, 4}), c = ember::randn({2, 4});
  ember::Tensor w_ih = ember::randn({16, 5}).requires_grad_(), w_hh = ember::randn({16, 4});
  ember::Tensor b_ih = ember::randn({16}), b_hh = ember::randn({16});
  auto [hy, cy] = ember::lstm_cell(x, {h, c}, w_ih, w_hh, b_ih, b_hh);
  auto [hf, cf] = F::lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh);
  CHECK(ember::equal(hy, hf));
  CHECK(ember::equal(cy, cf));
  auto [hn, cn] = ember::lstm_cell(x, {h, c}, w_ih, w_hh, std::nullopt, std::nullopt);  // no biases
  auto [hfn, cfn] = F::lstm_cell(x, h, c, w_ih, w_hh);
  CHECK(ember::equal(hn, hfn));
  CHECK(ember::equal(cn, cfn));
  hy.sum().backward();  // differentiable as the functional form
  REQUIRE(w_ih.grad().defined());
  CHECK(w_ih.grad().sizes() == ember::IntArrayRef({16, 5}));
  CHECK_THROWS_WITH(ember::lstm_cell(x, {h}, w_ih, w_hh), Catch::Contains("lstm_cell") && Catch::Contains("{h, c}") &&
                                                              Catch::Contains("got 1"));
  ember::Tensor wg_ih = ember::randn({12, 5}), wg_hh = ember::randn({12, 4});
  CHECK(ember::equal(ember::gru_cell(x, h, wg_ih, wg_hh), F::gru_cell(x, h, wg_ih, wg_hh)));
  ember::Tensor wr_ih = ember::randn({4, 5}), wr_hh = ember::randn({4, 4});
  CHECK(ember::equal(ember::rnn_tanh_cell(x, h, wr_ih, wr_hh), F::rnn_tanh_cell(x, h, wr_ih, wr_hh)));
  CHECK(ember::equal(ember::rnn_relu_cell(x, h, wr_ih, wr_hh), F::rnn_relu_cell(x, h, wr_ih, wr_hh)));
  {
    // Both spellings visible unqualified: the argument types pick the function.
    using namespace ember;
    using namespace ember::nn::functional;
    auto [h2, c2] = lstm_cell(x, h, c, w_ih, w_hh);
    auto [h3, c3] = lstm_cell(x, {h, c}, w_ih, w_hh);
    CHECK(ember::equal(h2, h3));
    CHECK(ember::equal(c2, c3));
    CHECK(ember::equal(gru_cell(x, h, wg_ih, wg_hh), F::gru_cell(x, h, wg_ih, wg_hh)));
  }
}
