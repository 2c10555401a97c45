// LibTorch's container and module idioms: ModuleList/Sequential built from shared_ptrs,
// holders or modules by value, named Sequential, Module::as<T>(), ptr<T>(index), the
// autograd::Variable name, and LibTorch's key words in the messages its users match.
#include <type_traits>

#include "helpers.hpp"

using Catch::Matchers::Contains;
using ember::Tensor;
namespace nn = ember::nn;

namespace {
struct Counted : nn::Module {
  static int copies;
  explicit Counted(int v) : value(v) {}
  Counted(const Counted& other) : nn::Module(other), value(other.value) { ++copies; }
  int value;
};
int Counted::copies = 0;

struct ValueImpl : nn::Module {
  explicit ValueImpl(int v) : value(v) {}
  int value;
};
EMBER_MODULE(Value);
}  // namespace

TEST_CASE("ModuleList takes shared_ptrs, holders and modules by value", "[nn][containers]") {
  nn::ModuleList from_ptrs(std::make_shared<Counted>(1), std::make_shared<Counted>(2));
  CHECK(from_ptrs->size() == 2);

  Counted::copies = 0;
  nn::ModuleList from_values(Counted(1), Counted(2), Counted(3));
  CHECK(from_values->size() == 3);
  CHECK(Counted::copies == 3);  // each module copied once into its shared_ptr, as LibTorch
  CHECK(from_values->at<Counted>(2).value == 3);

  nn::ModuleList mixed(Value(1), nn::Linear(3, 4), std::make_shared<ValueImpl>(5));
  mixed->push_back(Value(6));
  mixed->push_back(ValueImpl(7));
  mixed->insert(0, Value(0));
  REQUIRE(mixed->size() == 6);
  CHECK(mixed->at<ValueImpl>(0).value == 0);
  CHECK(mixed->ptr<ValueImpl>(5)->value == 7);
  CHECK(mixed->ptr<nn::LinearImpl>(2)->weight.sizes() == std::vector<int64_t>{4, 3});
  CHECK_THROWS_WITH(mixed->ptr<nn::LinearImpl>(0), Contains("ModuleList") && Contains("index 0"));
  CHECK_THROWS_WITH(mixed->ptr(6), Contains("Index out of range") && Contains("index 6 for 6 modules"));
  CHECK_THROWS_WITH(mixed->at<ValueImpl>(100), Contains("Index out of range"));
}

TEST_CASE("Sequential takes modules by value and named modules in braces", "[nn][containers]") {
  Counted::copies = 0;
  nn::Sequential seq(Counted(1), Counted(2));
  CHECK(seq->size() == 2);
  CHECK(Counted::copies == 2);

  nn::Sequential named({{"fc", nn::Linear(3, 2)}, {std::string("act"), nn::ReLU()}, {"v", std::make_shared<ValueImpl>(4)}});
  REQUIRE(named->size() == 3);
  CHECK(named->named_children().keys() == std::vector<std::string>{"fc", "act", "v"});
  named->push_back("extra", ValueImpl(9));
  CHECK(named->ptr<ValueImpl>(3)->value == 9);
  // A chain of tensor modules still runs: Linear then ReLU gives non-negative outputs.
  nn::Sequential chain({{"fc", nn::Linear(3, 2)}, {"act", nn::ReLU()}});
  Tensor y = chain(ember::randn({5, 3}));
  CHECK(y.sizes() == std::vector<int64_t>{5, 2});
  CHECK(ember::min(y).item<double>() >= 0.0);
}

TEST_CASE("Module::as<T>() casts to an Impl or a holder's Impl, or gives nullptr", "[nn][module]") {
  nn::Linear fc(3, 4);
  nn::Module& base = *fc;
  CHECK(base.as<nn::Linear>() == fc.get());
  CHECK(base.as<nn::LinearImpl>() == fc.get());
  CHECK(base.as<nn::Module>() == &base);
  CHECK(base.as<ValueImpl>() == nullptr);
  CHECK(base.as<Value>() == nullptr);
  const nn::Module& cbase = base;
  static_assert(std::is_same<decltype(cbase.as<nn::Linear>()), const nn::LinearImpl*>::value, "");
  CHECK(cbase.as<const nn::LinearImpl>() == fc.get());
}

TEST_CASE("autograd::Variable is Tensor, as in LibTorch", "[autograd]") {
  static_assert(std::is_same<ember::autograd::Variable, Tensor>::value, "");
  ember::autograd::Variable v = ember::ones({2}, ember::requires_grad());
  (v * 3).sum().backward();
  CHECK(ember::allclose(v.grad(), ember::full({2}, 3.0)));  // d(3 v)/dv = 3
}

TEST_CASE("autograd and registration errors carry LibTorch's key words", "[autograd][module][errors]") {
  Tensor leaf = ember::zeros({3, 4}, ember::requires_grad());
  CHECK_THROWS_WITH(leaf.fill_(1.0), Contains("fill_") &&
                                        Contains("a leaf Variable that requires grad is being used in an in-place operation") &&
                                        Contains("[3, 4]"));
  Tensor plain = ember::ones({2});
  CHECK_THROWS_WITH(plain.sum().backward(),
                    Contains("element 0 of tensors does not require grad and does not have a grad_fn"));

  Tensor x = ember::ones({1}, ember::requires_grad()), y = ember::ones({1}, ember::requires_grad());
  CHECK_THROWS_WITH(ember::autograd::grad({(x * 2).sum()}, {x, y}),
                    Contains("input 1") && Contains("Set allow_unused=True"));

  nn::Module m("Thing");
  m.register_parameter("p", ember::zeros({2}));
  CHECK_THROWS_WITH(m.register_parameter("p", ember::zeros({2})), Contains("Parameter 'p' already defined"));
  CHECK_THROWS_WITH(m.register_buffer("b.c", ember::zeros({2})),
                    Contains("Buffer name must not contain a dot (got 'b.c')"));
  CHECK_THROWS_WITH(m.register_module("", nn::Linear(1, 1)), Contains("Submodule name must not be empty"));
  CHECK_THROWS_WITH(m.register_module("p", nn::Linear(1, 1)), Contains("Submodule 'p' already defined"));
}

namespace {
struct Adder : nn::Module {
  std::string forward(int a, const double b) { return std::to_string(static_cast<int>(a + b)); }
};
struct Halver : nn::Module {
  float forward(float x) { return x / 2; }
};
}  // namespace

TEST_CASE("AnyModule calls any module's forward with checked arguments", "[nn][any]") {
  nn::AnyModule any(Adder{});
  CHECK(any.forward<std::string>(4, 3.5) == "7");
  CHECK_THROWS_WITH(any.forward<std::string>(4), Contains("Adder's forward() method expects 2 arguments, but received 1"));
  CHECK_THROWS_WITH(any.forward<std::string>(4, 3),
                    Contains("Expected argument #1 to be of type double, but received value of type int"));
  CHECK_THROWS_WITH(any.forward<int>(4, 3.5), Contains("the return type asked for is int") && Contains("std::string"));
  CHECK(any.type_info() == typeid(Adder));
  CHECK(any.get<Adder>().type_name() == "Module");
  CHECK_THROWS_WITH(any.get<Halver>(), Contains("Attempted to cast module of type") && Contains("Halver"));

  any = std::make_shared<Halver>();  // a shared_ptr converts implicitly, as in LibTorch
  CHECK(any.forward<float>(3.0f) == 1.5f);
  CHECK(any.ptr<Halver>() == any.ptr());

  // A tensor module; the return type defaults to Tensor.
  nn::Linear fc(3, 2);
  nn::AnyModule linear(fc);
  Tensor x = ember::randn({4, 3});
  CHECK(ember::allclose(linear.forward(x), fc(x)));
  CHECK(linear.get<nn::Linear>().get() == fc.get());

  nn::AnyModule empty;
  CHECK(empty.is_empty());
  CHECK_THROWS_WITH(empty.forward<int>(5), Contains("Cannot call forward() on an empty AnyModule"));
  CHECK_THROWS_WITH(empty.ptr(), Contains("Cannot call ptr() on an empty AnyModule"));
  CHECK_THROWS_WITH(empty.get<Adder>(), Contains("Cannot call get() on an empty AnyModule"));
  CHECK_THROWS_WITH(empty.type_info(), Contains("Cannot call type_info() on an empty AnyModule"));
}

TEST_CASE("LibTorch 1.4's init enums still work and warn with the constant to use", "[nn][init]") {
  struct Capture : ember::WarningHandler {
    std::vector<std::string> seen;
    void process(const ember::Warning& w) override { seen.push_back(w.msg()); }
  } capture;
  ember::WarningUtils::WarningHandlerGuard guard(&capture);
  namespace init = ember::nn::init;
  // Gains as PyTorch's calculate_gain: tanh 5/3, relu sqrt(2), leaky_relu sqrt(2 / (1 + 0.01^2)).
  CHECK(init::calculate_gain(init::Nonlinearity::Tanh) == Approx(5.0 / 3.0));
  CHECK(init::calculate_gain(init::Nonlinearity::ReLU) == Approx(std::sqrt(2.0)));
  CHECK(init::calculate_gain(init::Nonlinearity::LeakyReLU) == Approx(std::sqrt(2.0 / (1 + 0.01 * 0.01))));
  REQUIRE(capture.seen.size() == 3);
  CHECK_THAT(capture.seen[0], Contains("Nonlinearity::Tanh") && Contains("ember::kTanh"));

  // The enum and the constant give the same draw from the same seed.
  Tensor a = ember::empty({20, 10}), b = ember::empty({20, 10});
  ember::manual_seed(3);
  init::kaiming_normal_(a, 0, init::FanMode::FanOut);
  ember::manual_seed(3);
  init::kaiming_normal_(b, 0, ember::kFanOut);
  CHECK(ember::equal(a, b));
  CHECK_THAT(capture.seen.back(), Contains("kaiming_normal_") && Contains("ember::kFanOut"));
  CHECK_THROWS_WITH(init::kaiming_uniform_(a, 0, static_cast<init::FanMode>(7)),
                    Contains("invalid nn::init::FanMode value 7"));
}

TEST_CASE("ExpandingArray holds D values given as D or as one", "[nn][expanding_array]") {
  ember::ExpandingArray<3> one(4);
  CHECK(*one == std::array<int64_t, 3>{4, 4, 4});
  ember::ExpandingArray<3> listed({1, 2, 3});
  CHECK(listed->at(2) == 3);
  CHECK(listed.size() == 3);
  ember::ExpandingArray<2> from_vector(std::vector<int64_t>{5, 6});
  std::vector<int64_t> back = from_vector;
  CHECK(back == std::vector<int64_t>{5, 6});
  ember::ExpandingArray<2, double> ratios(0.5);
  CHECK(ratios[1] == 0.5);
  CHECK_THROWS_WITH(ember::ExpandingArray<5>({1, 2, 3, 4, 5, 6, 7}),
                    Contains("ExpandingArray<5>: Expected 5 values, but instead got 7"));
  CHECK_THROWS_WITH(ember::ExpandingArray<2>(std::vector<int64_t>{1}), Contains("Expected 2 values, but instead got 1"));
}
