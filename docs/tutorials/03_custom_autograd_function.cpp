// Tutorial 3: a custom autograd function.
//
// When an op is missing, or you want a cheaper or more stable backward than the one
// autograd derives from the ops you compose, write forward and backward yourself, as
// with torch.autograd.Function (LibTorch: torch::autograd::Function<T>).
//   ember-run docs/tutorials/03_custom_autograd_function.cpp
#include <ember/ember.hpp>

#include <cmath>
#include <cstdlib>
#include <iostream>

using ember::Tensor;
using ember::autograd::AutogradContext;
using ember::autograd::Function;
using ember::autograd::variable_list;

static void expect(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "tutorial check failed: " << what << "\n";
    std::exit(1);
  }
}

// softplus(x) = log(1 + exp(x)), computed stably as max(x, 0) + log1p(exp(-|x|)).
// Its derivative is sigmoid(x). The backward uses ember ops, so it is differentiable
// itself and second derivatives (create_graph) work too.
struct Softplus : Function<Softplus> {
  // forward gets the context first, then apply's arguments. It runs with grad mode off.
  static Tensor forward(AutogradContext* ctx, const Tensor& x, double beta) {
    ctx->save_for_backward({x});        // version-checked: changing x in place is caught
    ctx->saved_data["beta"] = beta;     // anything else backward needs
    Tensor bx = x * beta;
    return (ember::relu(bx) + ember::log1p(ember::exp(-bx.abs()))) / beta;
  }
  // One gradient per output in; one per input out (an undefined Tensor for "none").
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    Tensor x = ctx->get_saved_variables()[0];
    double beta = ctx->saved_data["beta"].toDouble();
    Tensor grad_x;
    if (ctx->needs_input_grad(0)) grad_x = grads[0] * ember::sigmoid(x * beta);
    return {grad_x};
  }
};

// The same function with a mistake in its backward, to show gradcheck catching it.
struct BrokenSoftplus : Function<BrokenSoftplus> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return ember::log1p(ember::exp(x));
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    return {grads[0] * ember::sigmoid(-ctx->get_saved_variables()[0])};  // wrong sign
  }
};

int main() {
  // apply() runs forward and, when an input requires grad, records the function.
  Tensor x = ember::tensor({-30.0, -1.0, 0.0, 2.0, 40.0}, ember::requires_grad());
  Tensor y = Softplus::apply(x, 1.0);
  std::cout << "softplus(x) = " << y << "\n";  // stable: 40 at x = 40, without computing exp(40)
  y.sum().backward();
  std::cout << "d/dx = " << x.grad() << "\n";
  // Independent check: sigmoid computed with std::exp.
  auto xs = x.detach().tolist<float>();
  auto gs = x.grad().tolist<float>();
  for (std::size_t i = 0; i < xs.size(); ++i)
    expect(std::abs(gs[i] - 1.0 / (1.0 + std::exp(-xs[i]))) < 1e-6, "the gradient is sigmoid(x)");
  expect(std::abs(y.tolist<float>()[4] - 40.0f) < 1e-4f, "no overflow at x = 40");

  // gradcheck compares backward with finite differences in float64; gradgradcheck does
  // the same for the second derivative (the backward's own backward).
  Tensor x64 = ember::randn({6}, ember::dtype(ember::kFloat64).requires_grad(true));
  auto softplus2 = [](const std::vector<Tensor>& in) { return Softplus::apply(in[0], 2.0); };
  expect(ember::autograd::gradcheck(softplus2, {x64}), "gradcheck passes");
  expect(ember::autograd::gradgradcheck(softplus2, {x64}), "gradgradcheck passes");

  // The broken one: gradcheck says so (raise_exception = false returns false instead of throwing).
  ember::autograd::GradcheckOptions quiet;
  quiet.raise_exception = false;
  auto broken = [](const std::vector<Tensor>& in) { return BrokenSoftplus::apply(in[0]); };
  bool passed = ember::autograd::gradcheck(broken, {x64}, quiet);
  std::cout << "gradcheck of the broken backward: " << (passed ? "passed" : "failed, as it should") << "\n";
  expect(!passed, "gradcheck catches a wrong backward");

  // With raise_exception (the default) the error says where the Jacobians differ.
  try {
    ember::autograd::gradcheck(broken, {x64});
  } catch (const ember::Error& e) {
    std::cout << "gradcheck: " << std::string(e.what()).substr(0, 120) << "...\n";
  }
  std::cout << "tutorial 3: ok\n";
}
