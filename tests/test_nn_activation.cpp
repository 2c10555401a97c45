// The activation and padding modules and functionals of ember/nn/activation.hpp,
// ember/nn/padding.hpp and ember/nn/functional_extra.hpp: PyTorch's reprs, the options
// forms against the positional ones, modules against functionals, gradcheck (first and
// second order, float64), train/eval behaviour and argument errors. Their values and
// gradients against PyTorch are the reference cases (scripts/reference/specs.jsonl,
// ops selu ... pad_mode), run by ctest -R reference.
#include <sstream>

#include "helpers.hpp"

using Catch::Matchers::Contains;
using ember::Tensor;
using testing::error_of;
using testing::gradcheck2;
using testing::leaf;
using testing::values;
namespace nn = ember::nn;
namespace F = ember::nn::functional;
using testing::repr;
using testing::same;

namespace {
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
}  // namespace

TEST_CASE("nn activation: repr strings are PyTorch's", "[nn_extra]") {
  // Each expected string is print(module) in PyTorch 1.13 for the same arguments.
  CHECK(repr(nn::ELU()) == "ELU(alpha=1.0)");
  CHECK(repr(nn::ELU(nn::ELUOptions().alpha(0.5))) == "ELU(alpha=0.5)");
  CHECK(repr(nn::ELU(nn::ELUOptions().inplace(true))) == "ELU(alpha=1.0, inplace=True)");
  CHECK(repr(nn::SELU()) == "SELU()");
  CHECK(repr(nn::CELU()) == "CELU(alpha=1.0)");
  CHECK(repr(nn::CELU(nn::CELUOptions().alpha(0.5).inplace(true))) == "CELU(alpha=0.5, inplace=True)");
  CHECK(repr(nn::Hardshrink()) == "Hardshrink(0.5)");
  CHECK(repr(nn::Hardshrink(0.25)) == "Hardshrink(0.25)");
  CHECK(repr(nn::Softshrink()) == "Softshrink(0.5)");
  CHECK(repr(nn::Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)");
  CHECK(repr(nn::ReLU6(true)) == "ReLU6(inplace=True)");
  CHECK(repr(nn::ReLU6()) == "ReLU6()");
  CHECK(repr(nn::LogSigmoid()) == "LogSigmoid()");
  CHECK(repr(nn::Softmin(1)) == "Softmin(dim=1)");
  CHECK(repr(nn::Softmin(-1)) == "Softmin(dim=-1)");
  CHECK(repr(nn::LogSoftmax(0)) == "LogSoftmax(dim=0)");
  CHECK(repr(nn::Softmax2d()) == "Softmax2d()");
  CHECK(repr(nn::PReLU(nn::PReLUOptions().num_parameters(3))) == "PReLU(num_parameters=3)");
  CHECK(repr(nn::RReLU()) == "RReLU(lower=0.125, upper=0.3333333333333333)");
  CHECK(repr(nn::RReLU(nn::RReLUOptions().lower(0.1).upper(0.3).inplace(true))) ==
        "RReLU(lower=0.1, upper=0.3, inplace=True)");
  CHECK(repr(nn::GLU()) == "GLU(dim=-1)");
  CHECK(repr(nn::Mish()) == "Mish()");
  CHECK(repr(nn::Softplus()) == "Softplus(beta=1, threshold=20)");
  CHECK(repr(nn::Softplus(nn::SoftplusOptions().beta(2.5).threshold(10))) == "Softplus(beta=2.5, threshold=10)");
  CHECK(repr(nn::Softsign()) == "Softsign()");
  CHECK(repr(nn::Tanhshrink()) == "Tanhshrink()");
  CHECK(repr(nn::Threshold(0.1, 20)) == "Threshold(threshold=0.1, value=20)");
  CHECK(repr(nn::Threshold(nn::ThresholdOptions(0.5, -1.5).inplace(true))) ==
        "Threshold(threshold=0.5, value=-1.5, inplace=True)");
}

TEST_CASE("nn padding: repr strings are PyTorch's", "[nn_extra]") {
  // print(module) in PyTorch 1.13.
  CHECK(repr(nn::ReflectionPad1d(2)) == "ReflectionPad1d((2, 2))");
  CHECK(repr(nn::ReflectionPad2d(nn::ReflectionPad2dOptions({1, 0, 2, 3}))) == "ReflectionPad2d((1, 0, 2, 3))");
  CHECK(repr(nn::ReflectionPad3d(2)) == "ReflectionPad3d((2, 2, 2, 2, 2, 2))");
  CHECK(repr(nn::ReplicationPad1d(nn::ReplicationPad1dOptions({1, 2}))) == "ReplicationPad1d((1, 2))");
  CHECK(repr(nn::ReplicationPad3d(1)) == "ReplicationPad3d((1, 1, 1, 1, 1, 1))");
  CHECK(repr(nn::ZeroPad2d(2)) == "ZeroPad2d((2, 2, 2, 2))");
  CHECK(repr(nn::ConstantPad1d(2, 3.5)) == "ConstantPad1d(padding=(2, 2), value=3.5)");
  CHECK(repr(nn::ConstantPad2d(nn::ConstantPad2dOptions({1, 2, 3, 4}, 0))) == "ConstantPad2d(padding=(1, 2, 3, 4), value=0)");
  CHECK(repr(nn::ConstantPad2d(1, 0.5)) == "ConstantPad2d(padding=(1, 1, 1, 1), value=0.5)");
  CHECK(repr(nn::ConstantPad3d(1, 2)) == "ConstantPad3d(padding=(1, 1, 1, 1, 1, 1), value=2)");
}

TEST_CASE("nn activation: gradcheck of every new functional (float64, second order)", "[nn_extra]") {
  // Inputs stay away from the kinks (0, +-lambda, the clamp bounds): values in (0.05, 1.95)
  // with random signs, none within 0.05 of a kink of the parameters below.
  Tensor x = ember::tensor(std::vector<double>{-1.9, -1.2, -0.7, -0.2, 0.3, 0.9, 1.4, 1.7, -0.35, 0.65, 1.15, -1.45}, {3, 4},
                           ember::kFloat64);
  x.requires_grad_(true);
  const std::vector<std::pair<const char*, Fn>> unary = {
      {"elu", [](const std::vector<Tensor>& in) { return F::elu(in[0], F::ELUFuncOptions().alpha(0.7)); }},
      {"selu", [](const std::vector<Tensor>& in) { return F::selu(in[0]); }},
      {"celu", [](const std::vector<Tensor>& in) { return F::celu(in[0], 0.6); }},
      {"hardshrink", [](const std::vector<Tensor>& in) { return F::hardshrink(in[0], 0.5); }},
      {"softshrink", [](const std::vector<Tensor>& in) { return F::softshrink(in[0], 0.5); }},
      {"hardtanh", [](const std::vector<Tensor>& in) { return F::hardtanh(in[0], -1.0, 1.0); }},
      {"relu6", [](const std::vector<Tensor>& in) { return F::relu6(in[0] * 4.0); }},
      {"logsigmoid", [](const std::vector<Tensor>& in) { return F::logsigmoid(in[0]); }},
      {"softmin", [](const std::vector<Tensor>& in) { return F::softmin(in[0], 1); }},
      {"softmax opts", [](const std::vector<Tensor>& in) { return F::softmax(in[0], F::SoftmaxFuncOptions(0)); }},
      {"log_softmax opts",
       [](const std::vector<Tensor>& in) { return F::log_softmax(in[0], F::LogSoftmaxFuncOptions(1)); }},
      {"rrelu eval", [](const std::vector<Tensor>& in) { return F::rrelu(in[0], 0.1, 0.3); }},
      {"glu", [](const std::vector<Tensor>& in) { return F::glu(in[0], 1); }},
      {"mish", [](const std::vector<Tensor>& in) { return F::mish(in[0]); }},
      {"softplus opts",
       [](const std::vector<Tensor>& in) { return F::softplus(in[0], F::SoftplusFuncOptions().beta(2)); }},
      {"softsign", [](const std::vector<Tensor>& in) { return F::softsign(in[0]); }},
      {"tanhshrink", [](const std::vector<Tensor>& in) { return F::tanhshrink(in[0]); }},
      {"threshold", [](const std::vector<Tensor>& in) { return F::threshold(in[0], 0.5, -2.0); }},
  };
  for (const auto& [name, fn] : unary) {
    INFO(name);
    CHECK(gradcheck2(fn, {x}));
  }
  Tensor w = ember::tensor(std::vector<double>{0.2, -0.3, 0.6}, {3}, ember::kFloat64);
  w.requires_grad_(true);
  Tensor x3 = ember::tensor(std::vector<double>{-1.9, -1.2, -0.7, -0.2, 0.3, 0.9, 1.4, 1.7, -0.35, 0.65, 1.15, -1.45}, {2, 3, 2},
                            ember::kFloat64);
  x3.requires_grad_(true);
  CHECK(gradcheck2([](const std::vector<Tensor>& in) { return F::prelu(in[0], in[1]); }, {x3, w}));
}

TEST_CASE("nn padding: gradcheck of every mode (float64, second order)", "[nn_extra]") {
  Tensor x = leaf({1, 2, 3, 4});
  for (const char* mode : {"constant", "reflect", "replicate", "circular"}) {
    INFO(mode);
    CHECK(gradcheck2([mode](const std::vector<Tensor>& in) { return F::pad(in[0], {2, 1, 1, 2}, mode, 0.5); }, {x}));
  }
  CHECK(gradcheck2([](const std::vector<Tensor>& in) { return F::pad(in[0], {-1, 2}, ember::kReflect); }, {x[0]}));
}

TEST_CASE("nn padding: values are PyTorch's", "[nn_extra]") {
  // x = torch.arange(6.).reshape(1, 2, 3); the lists are PyTorch 1.13's
  // F.pad(x, (2, 1), mode=...).flatten().tolist() and the modules' outputs.
  Tensor x = ember::arange(6, ember::kFloat64).reshape({1, 2, 3});
  CHECK(values(F::pad(x, F::PadFuncOptions({2, 1}).mode(ember::kReflect))) ==
        std::vector<double>{2, 1, 0, 1, 2, 1, 5, 4, 3, 4, 5, 4});
  CHECK(values(F::pad(x, {2, 1}, "replicate")) == std::vector<double>{0, 0, 0, 1, 2, 2, 3, 3, 3, 4, 5, 5});
  CHECK(values(F::pad(x, {2, 1}, ember::kCircular)) == std::vector<double>{1, 2, 0, 1, 2, 0, 4, 5, 3, 4, 5, 3});
  CHECK(values(nn::ReflectionPad2d(nn::ReflectionPad2dOptions({1, 0, 0, 1}))(x)) ==
        std::vector<double>{1, 0, 1, 2, 4, 3, 4, 5, 1, 0, 1, 2});
  CHECK(values(nn::ConstantPad1d(nn::ConstantPad1dOptions({0, 1}, 2.5))(x)) == std::vector<double>{0, 1, 2, 2.5, 3, 4, 5, 2.5});
  CHECK(nn::ZeroPad2d(nn::ZeroPad2dOptions({1, 0, 0, 1}))(x).sizes() == std::vector<int64_t>{1, 3, 4});
  // A number as the third argument is still constant padding.
  CHECK(values(F::pad(x.reshape({6}), {1, 0}, 7.0)) == std::vector<double>{7, 0, 1, 2, 3, 4, 5});
  // The modules equal F::pad in their mode.
  Tensor v = leaf({2, 3, 3, 4});
  CHECK(same(nn::ReplicationPad2d(1)(v), F::pad(v, {1, 1, 1, 1}, "replicate")));
  CHECK(same(nn::ReflectionPad1d(2)(v[0]), F::pad(v[0], {2, 2}, "reflect")));
  CHECK(same(nn::ReflectionPad3d(1)(v.unsqueeze(0)), F::pad(v.unsqueeze(0), {1, 1, 1, 1, 1, 1}, "reflect")));
  CHECK(same(nn::ReplicationPad3d(1)(v), F::pad(v, {1, 1, 1, 1, 1, 1}, "replicate")));
  CHECK(same(nn::ReplicationPad1d(nn::ReplicationPad1dOptions({0, 3}))(v[0]), F::pad(v[0], {0, 3}, "replicate")));
  CHECK(same(nn::ConstantPad3d(1, -1.0)(v), ember::pad(v, {1, 1, 1, 1, 1, 1}, -1.0)));
}

TEST_CASE("nn activation: options forms equal the positional forms and modules the functionals", "[nn_extra]") {
  Tensor x = leaf({2, 3, 4, 2}, -3, 3);
  CHECK(same(F::elu(x, F::ELUFuncOptions().alpha(0.5)), ember::elu(x, 0.5)));
  CHECK(same(F::hardtanh(x, F::HardtanhFuncOptions().min_val(-2).max_val(0.5)), F::hardtanh(x, -2, 0.5)));
  CHECK(same(F::celu(x, F::CELUFuncOptions().alpha(2)), F::celu(x, 2)));
  CHECK(same(F::hardshrink(x, F::HardshrinkFuncOptions(1.5)), F::hardshrink(x, 1.5)));
  CHECK(same(F::softshrink(x, F::SoftshrinkFuncOptions(1.5)), F::softshrink(x, 1.5)));
  CHECK(same(F::relu6(x, F::ReLU6FuncOptions()), F::hardtanh(x, 0, 6)));
  CHECK(same(F::selu(x, F::SELUFuncOptions()), F::selu(x)));
  CHECK(same(F::glu(x, F::GLUFuncOptions(1 - 1)), F::glu(x, 0)));
  CHECK(same(F::softmin(x, F::SoftminFuncOptions(1)), ember::softmax(-x, 1)));
  CHECK(same(F::softmax(x, F::SoftmaxFuncOptions(2)), ember::softmax(x, 2)));
  CHECK(F::softmax(x, F::SoftmaxFuncOptions(2).dtype(ember::kFloat32)).dtype() == ember::kFloat32);
  CHECK(same(F::threshold(x, F::ThresholdFuncOptions(0.5, 9)), F::threshold(x, 0.5, 9)));
  CHECK(same(F::rrelu(x, F::RReLUFuncOptions().lower(0.2).upper(0.4)), ember::leaky_relu(x, 0.30000000000000004)));
  CHECK(same(F::softplus(x, F::SoftplusFuncOptions().beta(2).threshold(5)), ember::softplus(x, 2, 5)));
  // SELU's constants: selu(x) = scale * elu(x, alpha), PyTorch's values.
  CHECK(same(F::selu(x), ember::elu(x, 1.6732632423543772848170429916717) * 1.0507009873554804934193349852946));

  CHECK(same(nn::ELU(nn::ELUOptions().alpha(0.3))(x), ember::elu(x, 0.3)));
  CHECK(same(nn::SELU()(x), F::selu(x)));
  CHECK(same(nn::CELU(nn::CELUOptions().alpha(0.3))(x), F::celu(x, 0.3)));
  CHECK(same(nn::Hardshrink(0.7)(x), F::hardshrink(x, 0.7)));
  CHECK(same(nn::Softshrink(0.7)(x), F::softshrink(x, 0.7)));
  CHECK(same(nn::Hardtanh(nn::HardtanhOptions().min_val(-0.5))(x), F::hardtanh(x, -0.5, 1)));
  CHECK(same(nn::ReLU6()(x), F::relu6(x)));
  CHECK(same(nn::LogSigmoid()(x), ember::log(ember::sigmoid(x))));
  CHECK(same(nn::Softmin(-1)(x), F::softmin(x, -1)));
  CHECK(same(nn::LogSoftmax(1)(x), ember::log_softmax(x, 1)));
  CHECK(same(nn::Softmax2d()(x), ember::softmax(x, 1)));
  CHECK(same(nn::Softmax2d()(x[0]), ember::softmax(x[0], 0)));
  CHECK(same(nn::GLU(2)(x), F::glu(x, 2)));
  CHECK(same(nn::Mish()(x), x * ember::tanh(ember::softplus(x))));
  CHECK(same(nn::Softplus(nn::SoftplusOptions().beta(3))(x), ember::softplus(x, 3, 20)));
  CHECK(same(nn::Softsign()(x), x / (x.abs() + 1)));
  CHECK(same(nn::Tanhshrink()(x), x - ember::tanh(x)));
  CHECK(same(nn::Threshold(0.2, -4)(x), F::threshold(x, 0.2, -4)));
}

TEST_CASE("nn activation: inplace writes into the input", "[nn_extra]") {
  ember::NoGradGuard no_grad;
  Tensor x = ember::tensor(std::vector<double>{-2.0, -0.5, 0.5, 8.0}, {4}, ember::kFloat64);
  Tensor y = nn::ReLU6(true)(x);
  CHECK(values(x) == std::vector<double>{0, 0, 0.5, 6});
  CHECK(y.data_ptr() == x.data_ptr());
  Tensor z = ember::tensor(std::vector<double>{-2.0, 0.5}, {2}, ember::kFloat64);
  F::threshold(z, F::ThresholdFuncOptions(0, 3).inplace(true));
  CHECK(values(z) == std::vector<double>{3, 0.5});
}

TEST_CASE("nn activation: PReLU has a weight per channel that learns", "[nn_extra]") {
  nn::PReLU p(nn::PReLUOptions().num_parameters(3).init(0.1));
  REQUIRE(p->named_parameters().size() == 1);
  CHECK(p->named_parameters().keys() == std::vector<std::string>{"weight"});
  CHECK(p->weight.sizes() == std::vector<int64_t>{3});
  CHECK(ember::equal(p->weight, ember::full({3}, 0.1)));
  Tensor x = ember::tensor(std::vector<double>{-1.0, 2.0, -3.0, 4.0, -5.0, -6.0}, {2, 3});
  Tensor y = p(x);
  // y = x where x >= 0, else weight[c] * x (float32 weight 0.1).
  CHECK(values(y)[0] == Approx(-0.1).epsilon(1e-6));
  CHECK(values(y)[1] == 2.0);
  y.sum().backward();
  // d y / d weight[c] = sum of the negative x of channel c: -1 + 0, 0 + -5, -3 + -6.
  CHECK(values(p->weight.grad()) == std::vector<double>{-1, -5, -9});
  CHECK(nn::PReLU()->weight.sizes() == std::vector<int64_t>{1});
}

TEST_CASE("nn activation: RReLU draws slopes in training and uses their mean in eval", "[nn_extra]") {
  nn::RReLU r(nn::RReLUOptions().lower(0.1).upper(0.3));
  Tensor x = -ember::ones({1000}, ember::kFloat64);
  Tensor y = r(x);  // training: each slope from U(0.1, 0.3)
  CHECK(y.max().item<double>() <= -0.1);
  CHECK(y.min().item<double>() >= -0.3);
  CHECK(y.min().item<double>() < y.max().item<double>());  // really random
  CHECK(y.mean().item<double>() == Approx(-0.2).margin(0.02));
  CHECK(values(r(ember::ones({3}, ember::kFloat64))) == std::vector<double>(3, 1.0));
  r->eval();
  CHECK(values(r(x)) == std::vector<double>(1000, -0.2));
  // The gradient of training mode is the drawn slope.
  r->train();
  Tensor xl = leaf({50}, -2, -0.1);
  Tensor yl = r(xl);
  yl.sum().backward();
  CHECK(ember::allclose(xl.grad(), (yl / xl).detach()));
}

TEST_CASE("nn activation: mistakes throw ember::Error naming the op and the shapes", "[nn_extra]") {
  Tensor x = ember::ones({2, 3});
  CHECK_THAT(error_of([&] { F::glu(x, 1); }), Contains("glu") && Contains("[2, 3]") && Contains("even"));
  CHECK_THAT(error_of([&] { F::glu(x, 2); }), Contains("glu") && Contains("out of range"));
  CHECK_THAT(error_of([&] { F::glu(ember::ones({})); }), Contains("glu"));
  CHECK_THAT(error_of([&] { F::hardtanh(x, 1, 0); }), Contains("hardtanh") && Contains("[2, 3]"));
  CHECK_THAT(error_of([&] { nn::Hardtanh(nn::HardtanhOptions().min_val(2)); }), Contains("Hardtanh"));
  CHECK_THAT(error_of([&] { F::softshrink(x, -1); }), Contains("softshrink") && Contains("[2, 3]"));
  CHECK_THAT(error_of([&] { nn::Softshrink(-0.5); }), Contains("Softshrink"));
  CHECK_THAT(error_of([&] { F::celu(x, 0); }), Contains("celu") && Contains("[2, 3]"));
  CHECK_THAT(error_of([&] { nn::CELU(nn::CELUOptions().alpha(0)); }), Contains("CELU"));
  CHECK_THAT(error_of([&] { F::rrelu(x, 0.5, 0.1, true); }), Contains("rrelu") && Contains("[2, 3]"));
  CHECK_THAT(error_of([&] { nn::RReLU(nn::RReLUOptions().lower(0.5).upper(0.1)); }), Contains("RReLU"));
  CHECK_THAT(error_of([&] { F::prelu(x, ember::ones({2})); }),
             Contains("prelu") && Contains("[2, 3]") && Contains("[2]"));
  CHECK_THAT(error_of([&] { F::prelu(x, ember::ones({3, 1})); }), Contains("prelu") && Contains("[3, 1]"));
  CHECK_THAT(error_of([&] { nn::PReLU(nn::PReLUOptions().num_parameters(0)); }), Contains("PReLU"));
  CHECK_THAT(error_of([&] { nn::Softmax2d()(x); }), Contains("Softmax2d") && Contains("[2, 3]"));
}

TEST_CASE("nn padding: mistakes throw ember::Error naming the op and the shapes", "[nn_extra]") {
  Tensor x = ember::ones({1, 2, 3});
  CHECK_THAT(error_of([&] { F::pad(x, {3, 0}, "reflect"); }),
             Contains("pad") && Contains("reflect") && Contains("[1, 2, 3]") && Contains("[3, 0]"));
  CHECK_THAT(error_of([&] { F::pad(x, {4, 0}, "circular"); }), Contains("circular") && Contains("[1, 2, 3]"));
  CHECK_THAT(error_of([&] { F::pad(x, {1, 1}, "mirror"); }), Contains("pad") && Contains("mirror"));
  CHECK_THAT(error_of([&] { F::pad(x, {1}, "replicate"); }), Contains("pad") && Contains("[1]"));
  CHECK_THAT(error_of([&] { F::pad(ember::ones({3}), {1, 1}, "reflect"); }), Contains("pad") && Contains("[3]"));
  CHECK_THAT(error_of([&] { F::pad(ember::ones({2, 3}), {1, 1}, "circular"); }),
             Contains("circular") && Contains("[2, 3]"));
  CHECK_THAT(error_of([&] { F::pad(x, {-2, -2}, "replicate"); }), Contains("pad") && Contains("[1, 2, 3]"));
  CHECK_THAT(error_of([&] { nn::ReflectionPad2d(1)(ember::ones({3, 3})); }),
             Contains("ReflectionPad2d") && Contains("[3, 3]"));
  CHECK_THAT(error_of([&] { nn::ReplicationPad1d(nn::ReplicationPad1dOptions({1, 2, 3})); }),
             Contains("ReplicationPad1d") && Contains("padding"));
}
