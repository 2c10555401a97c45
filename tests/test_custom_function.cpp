// Custom autograd functions (autograd::Function<T>): forward/backward, the context's
// saved tensors and data, mark_dirty, mark_non_differentiable, needs_input_grad,
// materialize_grads, create_graph, hooks, gradcheck, and the errors users hit.
// Expected values are the closed-form derivatives written beside each check.
#include "autograd/node.hpp"
#include "helpers.hpp"

using ember::Tensor;
using ember::autograd::AutogradContext;
using ember::autograd::Function;
using ember::autograd::IValue;
using ember::autograd::variable_list;
using testing::error_of;
using testing::leaf;
using testing::values;

namespace {

// y = x^3 * k, with a backward written in ember ops (so it is differentiable again).
struct Cube : Function<Cube> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, double k) {
    ctx->save_for_backward({x});
    ctx->saved_data["k"] = k;
    REQUIRE(!ember::is_grad_enabled());  // forward runs with grad mode off
    return x * x * x * k;
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    Tensor x = ctx->get_saved_variables()[0];
    return {g[0] * 3 * x * x * ctx->saved_data["k"].toDouble()};
  }
};

// z = x * y, with gradients only computed where needed.
struct Mul : Function<Mul> {
  static int calls_x, calls_y;
  static Tensor forward(AutogradContext* ctx, const Tensor& x, const Tensor& y) {
    ctx->save_for_backward({x, y});
    return x * y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    auto s = ctx->get_saved_variables();
    Tensor gx, gy;
    if (ctx->needs_input_grad(0)) { gx = g[0] * s[1]; ++calls_x; }
    if (ctx->needs_input_grad(1)) { gy = g[0] * s[0]; ++calls_y; }
    return {gx, gy};
  }
};
int Mul::calls_x = 0, Mul::calls_y = 0;

// Deliberately wrong: d/dx sin(x) is cos(x), not -cos(x).
struct WrongSin : Function<WrongSin> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return ember::sin(x);
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    return {-g[0] * ember::cos(ctx->get_saved_variables()[0])};
  }
};

// In place: x *= 2, returned as the output.
struct DoubleInPlace : Function<DoubleInPlace> {
  static Tensor forward(AutogradContext* ctx, Tensor x) {
    x.mul_(2);
    ctx->mark_dirty({x});
    return x;
  }
  static variable_list backward(AutogradContext*, variable_list g) { return {g[0] * 2}; }
};

// (max value, argmax index): the index is not differentiable.
struct MaxWithIndex : Function<MaxWithIndex> {
  static variable_list forward(AutogradContext* ctx, const Tensor& x) {
    Tensor idx = ember::argmax(x);
    Tensor val = ember::max(x);
    ctx->mark_non_differentiable({idx});
    ctx->saved_data["n"] = x.numel();
    ctx->saved_data["index"] = idx.item<int64_t>();
    return {val, idx};
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    REQUIRE(g.size() == 2);
    REQUIRE(g[1].defined());  // materialized as zeros
    REQUIRE(values(g[1]) == std::vector<double>{0});
    Tensor one_hot = ember::eq(ember::arange(ctx->saved_data["n"].toInt()), ctx->saved_data["index"].toInt());
    return {one_hot.to(g[0].dtype()) * g[0]};
  }
};

// Two outputs; backward records whether it saw undefined gradients.
struct Split2 : Function<Split2> {
  static bool saw_undefined;
  static variable_list forward(AutogradContext* ctx, const Tensor& x, bool materialize) {
    ctx->set_materialize_grads(materialize);
    return {x * 2, x * 3};
  }
  static variable_list backward(AutogradContext*, variable_list g) {
    saw_undefined = !g[1].defined();
    Tensor r = g[0] * 2;
    if (g[1].defined()) r = r + g[1] * 3;
    return {r};
  }
};
bool Split2::saw_undefined = false;

// Sums a list of tensors, scaled by a non-tensor argument.
struct ScaledSum : Function<ScaledSum> {
  static Tensor forward(AutogradContext* ctx, const std::vector<Tensor>& xs, int64_t scale, std::string tag) {
    ctx->saved_data["count"] = static_cast<int64_t>(xs.size());
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["tag"] = tag;
    ctx->saved_data["sizes"] = std::vector<int64_t>(xs[0].sizes().begin(), xs[0].sizes().end());
    Tensor s = xs[0];
    for (std::size_t i = 1; i < xs.size(); ++i) s = s + xs[i];
    return s * static_cast<double>(scale);
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    REQUIRE(ctx->saved_data["tag"].toStringRef() == "sum");
    REQUIRE(ctx->saved_data["sizes"].toIntVector() == std::vector<int64_t>{3});
    variable_list out;
    for (int64_t i = 0; i < ctx->saved_data["count"].toInt(); ++i)
      out.push_back(g[0] * static_cast<double>(ctx->saved_data["scale"].toInt()));
    return out;
  }
};

struct TooFew : Function<TooFew> {
  static Tensor forward(AutogradContext*, const Tensor& x, const Tensor& y) { return x + y; }
  static variable_list backward(AutogradContext*, variable_list g) { return {g[0]}; }
};
struct TooMany : Function<TooMany> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return x * 1; }
  static variable_list backward(AutogradContext*, variable_list g) { return {g[0], g[0]}; }
};
struct ExtraUndefined : Function<ExtraUndefined> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return x * 1; }
  static variable_list backward(AutogradContext*, variable_list g) { return {g[0], Tensor()}; }
};

// Saves its output (y = exp(x), dy/dx = y).
struct Exp : Function<Exp> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    Tensor y = ember::exp(x);
    ctx->save_for_backward({y});
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    return {g[0] * ctx->get_saved_variables()[0]};
  }
};

}  // namespace

TEST_CASE("Function: forward, backward, saved tensors and saved_data", "[autograd][custom_function]") {
  Tensor x = ember::tensor({1.0, -2.0, 0.5}, ember::requires_grad());
  Tensor y = Cube::apply(x, 2.0);
  REQUIRE(y.requires_grad());
  REQUIRE(y.grad_fn() != nullptr);
  REQUIRE(std::string(y.grad_fn()->name()).find("Cube") != std::string::npos);
  REQUIRE(values(y) == std::vector<double>{2, -16, 0.25});
  y.sum().backward();
  // d/dx 2 x^3 = 6 x^2
  REQUIRE(values(x.grad()) == std::vector<double>{6, 24, 1.5});
}

TEST_CASE("Function: outputs have no history when no input requires grad or grad mode is off",
          "[autograd][custom_function]") {
  Tensor x = ember::tensor({1.0, 2.0});
  REQUIRE(!Cube::apply(x, 1.0).requires_grad());
  Tensor xr = ember::tensor({1.0, 2.0}, ember::requires_grad());
  ember::NoGradGuard off;
  REQUIRE(!Cube::apply(xr, 1.0).requires_grad());
}

TEST_CASE("Function: create_graph gives second derivatives", "[autograd][custom_function]") {
  Tensor x = ember::tensor({1.5, -0.5}, ember::kFloat64).requires_grad_();
  Tensor y = Cube::apply(x, 1.0).sum();
  Tensor g = ember::autograd::grad({y}, {x}, {}, std::nullopt, true)[0];
  // first derivative 3 x^2, second 6 x
  REQUIRE(values(g) == std::vector<double>{6.75, 0.75});
  Tensor gg = ember::autograd::grad({g.sum()}, {x})[0];
  REQUIRE(values(gg) == std::vector<double>{9, -3});
}

TEST_CASE("Function: gradcheck and gradgradcheck pass a right backward", "[autograd][custom_function][gradcheck]") {
  Tensor x = leaf({4});
  Tensor w = leaf({4});
  REQUIRE(ember::autograd::gradcheck([](const std::vector<Tensor>& in) { return Cube::apply(in[0], 0.5); }, {x}));
  REQUIRE(ember::autograd::gradgradcheck([](const std::vector<Tensor>& in) { return Cube::apply(in[0], 0.5); },
                                         {x}));
  REQUIRE(ember::autograd::gradcheck([](const std::vector<Tensor>& in) { return Mul::apply(in[0], in[1]); },
                                     {x, w}, testing::second_order()));
  REQUIRE(ember::autograd::gradcheck([](const std::vector<Tensor>& in) { return Exp::apply(in[0]); }, {x},
                                     testing::second_order()));
}

TEST_CASE("Function: gradcheck catches a wrong backward", "[autograd][custom_function][gradcheck]") {
  Tensor x = leaf({3});
  auto fn = [](const std::vector<Tensor>& in) { return WrongSin::apply(in[0]); };
  ember::autograd::GradcheckOptions quiet;
  quiet.raise_exception = false;
  REQUIRE_FALSE(ember::autograd::gradcheck(fn, {x}, quiet));
  std::string msg = error_of([&] { ember::autograd::gradcheck(fn, {x}); });
  REQUIRE(msg.find("Jacobian mismatch") != std::string::npos);
}

TEST_CASE("Function: needs_input_grad follows which inputs require grad", "[autograd][custom_function]") {
  Tensor a = ember::tensor({2.0, 3.0}, ember::requires_grad());
  Tensor b = ember::tensor({5.0, 7.0});
  Mul::calls_x = Mul::calls_y = 0;
  Mul::apply(a, b).sum().backward();
  REQUIRE(Mul::calls_x == 1);
  REQUIRE(Mul::calls_y == 0);
  REQUIRE(values(a.grad()) == std::vector<double>{5, 7});
  Mul::apply(b, a).sum().backward();
  REQUIRE(Mul::calls_x == 1);
  REQUIRE(Mul::calls_y == 1);
  REQUIRE(values(a.grad()) == std::vector<double>{10, 14});
}

TEST_CASE("Function: a retained gradient follows a tensor marked dirty", "[autograd][custom_function]") {
  // PyTorch 1.13 (python3-torch), the same function: x = [1, 2]; a = x * 1; a.retain_grad();
  // b = DoubleInPlace.apply(a); (b * b).sum().backward() gives a.grad = [4, 8] (2b, the
  // new version's gradient; the old version's would be [8, 16]) and x.grad = [8, 16].
  Tensor x = ember::tensor({1.0, 2.0}, ember::requires_grad());
  Tensor a = x * 1;
  a.retain_grad();
  Tensor b = DoubleInPlace::apply(a);
  (b * b).sum().backward();
  REQUIRE(values(a.grad()) == std::vector<double>{4, 8});
  REQUIRE(values(x.grad()) == std::vector<double>{8, 16});
}

TEST_CASE("Function: mark_dirty on an in-place function", "[autograd][custom_function]") {
  Tensor a = ember::tensor({1.0, -3.0}, ember::requires_grad());
  Tensor x = a * 1;  // a non-leaf, so changing it in place is allowed
  Tensor saved_by_mul = x * a;  // mul saved x at its current version
  Tensor y = DoubleInPlace::apply(x);
  REQUIRE(y.unsafeGetTensorImpl() == x.unsafeGetTensorImpl());  // the same tensor, changed in place
  REQUIRE(values(x) == std::vector<double>{2, -6});
  REQUIRE(std::string(x.grad_fn()->name()).find("DoubleInPlace") != std::string::npos);
  (y * y).sum().backward(ember::Tensor(), true);
  // y = 2a, d/da (2a)^2 = 8a
  REQUIRE(values(a.grad()) == std::vector<double>{8, -24});
  // The in-place change is visible to the version check of ops that saved x before.
  std::string msg = error_of([&] { saved_by_mul.sum().backward(); });
  REQUIRE(msg.find("modified by an in-place operation") != std::string::npos);
  // A leaf that requires grad may not be dirtied.
  Tensor leaf_x = ember::tensor({1.0}, ember::requires_grad());
  msg = error_of([&] { DoubleInPlace::apply(leaf_x); });
  REQUIRE(msg.find("DoubleInPlace") != std::string::npos);
  REQUIRE(msg.find("leaf") != std::string::npos);
  REQUIRE(msg.find("a leaf Variable that requires grad is being used in an in-place operation") != std::string::npos);
}

TEST_CASE("Function: mark_non_differentiable outputs and materialized gradients", "[autograd][custom_function]") {
  Tensor x = ember::tensor({0.5, 4.0, -1.0}, ember::requires_grad());
  variable_list out = MaxWithIndex::apply(x);
  REQUIRE(out[0].requires_grad());
  REQUIRE(!out[1].requires_grad());
  REQUIRE(out[1].item<int64_t>() == 1);
  (out[0] * 3).backward();
  REQUIRE(values(x.grad()) == std::vector<double>{0, 3, 0});
}

TEST_CASE("Function: set_materialize_grads(false) passes undefined gradients", "[autograd][custom_function]") {
  Tensor x = ember::tensor({1.0}, ember::requires_grad());
  variable_list o = Split2::apply(x, false);
  o[0].sum().backward();
  REQUIRE(Split2::saw_undefined);
  REQUIRE(values(x.grad()) == std::vector<double>{2});
  x.zero_grad();
  o = Split2::apply(x, true);
  o[0].sum().backward();
  REQUIRE(!Split2::saw_undefined);
  REQUIRE(values(x.grad()) == std::vector<double>{2});
}

TEST_CASE("Function: vector arguments are inputs, other arguments pass through", "[autograd][custom_function]") {
  Tensor a = ember::tensor({1.0, 2.0, 3.0}, ember::requires_grad());
  Tensor b = ember::tensor({4.0, 5.0, 6.0}, ember::requires_grad());
  Tensor s = ScaledSum::apply(std::vector<Tensor>{a, b}, int64_t{3}, std::string("sum"));
  REQUIRE(values(s) == std::vector<double>{15, 21, 27});
  s.sum().backward();
  REQUIRE(values(a.grad()) == std::vector<double>{3, 3, 3});
  REQUIRE(values(b.grad()) == std::vector<double>{3, 3, 3});
}

TEST_CASE("Function: hooks on inputs and outputs", "[autograd][custom_function]") {
  Tensor x = ember::tensor({1.0, 2.0}, ember::requires_grad());
  std::vector<double> seen_at_output, seen_at_input;
  x.register_hook([&](const Tensor& g) {
    seen_at_input = values(g);
    return g * 10;
  });
  Tensor y = Cube::apply(x, 1.0);
  y.register_hook([&](const Tensor& g) {
    seen_at_output = values(g);
    return g * 2;
  });
  y.sum().backward();
  REQUIRE(seen_at_output == std::vector<double>{1, 1});
  // 3 x^2 times the doubled output gradient
  REQUIRE(seen_at_input == std::vector<double>{6, 24});
  REQUIRE(values(x.grad()) == std::vector<double>{60, 240});
}

TEST_CASE("Function: changing a saved tensor in place is caught", "[autograd][custom_function]") {
  Tensor a = ember::tensor({1.0, 2.0}, ember::requires_grad());
  Tensor x = a * 1;
  Tensor y = Cube::apply(x, 1.0);
  {
    ember::NoGradGuard off;
    x.add_(1);
  }
  std::string msg = error_of([&] { y.sum().backward(); });
  REQUIRE(msg.find("modified by an in-place operation") != std::string::npos);
  REQUIRE(msg.find("Cube") != std::string::npos);
  // A saved output is checked too.
  Tensor e = Exp::apply(a);
  {
    ember::NoGradGuard off;
    e.mul_(2);
  }
  msg = error_of([&] { e.sum().backward(); });
  REQUIRE(msg.find("modified by an in-place operation") != std::string::npos);
}

TEST_CASE("Function: a second backward without retain_graph fails, with it works", "[autograd][custom_function]") {
  Tensor x = ember::tensor({2.0}, ember::requires_grad());
  Tensor y = Cube::apply(x, 1.0);
  y.backward(ember::Tensor(), true);
  y.backward();
  REQUIRE(values(x.grad()) == std::vector<double>{24});
  std::string msg = error_of([&] { y.backward(); });
  REQUIRE(msg.find("second time") != std::string::npos);
}

TEST_CASE("Function: the wrong number of gradients is an error naming the function", "[autograd][custom_function]") {
  Tensor x = ember::tensor({1.0}, ember::requires_grad());
  Tensor w = ember::tensor({1.0}, ember::requires_grad());
  std::string msg = error_of([&] { TooFew::apply(x, w).backward(); });
  REQUIRE(msg.find("TooFew") != std::string::npos);
  REQUIRE(msg.find("expected 2") != std::string::npos);
  REQUIRE(msg.find("got 1") != std::string::npos);
  msg = error_of([&] { TooMany::apply(x).backward(); });
  REQUIRE(msg.find("TooMany") != std::string::npos);
  REQUIRE(msg.find("expected 1") != std::string::npos);
  // As in LibTorch, surplus gradients that are all undefined are dropped.
  ExtraUndefined::apply(x).backward();
  REQUIRE(values(x.grad()) == std::vector<double>{1});
}

TEST_CASE("IValue holds the usual saved_data types and names a wrong request", "[autograd][custom_function]") {
  IValue i = 3, d = 2.5, b = true, s = "text", v = std::vector<int64_t>{1, 2}, t = ember::ones({2}), none;
  REQUIRE(i.isInt());
  REQUIRE(i.toInt() == 3);
  REQUIRE(i.toDouble() == 3.0);
  REQUIRE(d.toDouble() == 2.5);
  REQUIRE(b.toBool());
  REQUIRE(s.isString());
  REQUIRE(s.toStringRef() == "text");
  REQUIRE(v.toIntVector() == std::vector<int64_t>{1, 2});
  REQUIRE(t.toTensor().numel() == 2);
  REQUIRE(none.isNone());
  std::string msg = error_of([&] { s.toInt(); });
  REQUIRE(msg.find("expected Int") != std::string::npos);
  REQUIRE(msg.find("String") != std::string::npos);
}

TEST_CASE("Function: the graph is freed with its outputs (no cycle through the context)",
          "[autograd][custom_function]") {
  std::weak_ptr<ember::autograd::Node> dirty_node, exp_node, max_node;
  {
    Tensor a = ember::tensor({1.0, 2.0}, ember::requires_grad());
    Tensor x = a * 1;
    Tensor y = DoubleInPlace::apply(x);
    Tensor e = Exp::apply(a);
    variable_list m = MaxWithIndex::apply(a);
    dirty_node = y.grad_fn();
    exp_node = e.grad_fn();
    max_node = m[0].grad_fn();
    REQUIRE(!dirty_node.expired());
    REQUIRE(!exp_node.expired());
    REQUIRE(!max_node.expired());
  }
  REQUIRE(dirty_node.expired());
  REQUIRE(exp_node.expired());
  REQUIRE(max_node.expired());
}
