// Fits a small two-layer network to y = sin(3x) with raw autograd: tensors that
// require grad, a forward pass, backward(), and a hand-written SGD step. The loss
// printed every 100 steps falls as the network learns the curve.
//
// Runs without a build file too, compiled once and cached: ember-run examples/fit_curve.cpp
#include <ember/ember.hpp>
#include <cmath>
#include <cstdio>

int main() {
  ember::manual_seed(0);
  // 256 points in [-1, 1] and their targets.
  ember::Tensor x = ember::linspace(-1, 1, 256).unsqueeze(1);
  ember::Tensor y = ember::sin(x * 3);

  // Parameters of a 1-32-1 network, initialised like PyTorch's nn.Linear.
  auto param = [](std::initializer_list<int64_t> shape, double bound) {
    return (ember::rand(shape) * (2 * bound) - bound).requires_grad_();
  };
  ember::Tensor w1 = param({1, 32}, 1.0), b1 = param({32}, 1.0);
  ember::Tensor w2 = param({32, 1}, 1 / std::sqrt(32.0)), b2 = param({1}, 1 / std::sqrt(32.0));

  const double lr = 0.1;
  for (int step = 0; step <= 2000; ++step) {
    ember::Tensor hidden = ember::tanh(x.matmul(w1) + b1);
    ember::Tensor pred = hidden.matmul(w2) + b2;
    ember::Tensor loss = (pred - y).square().mean();

    for (ember::Tensor* p : {&w1, &b1, &w2, &b2}) p->zero_grad();
    loss.backward();
    {
      ember::NoGradGuard no_grad;  // the update itself is not part of the model
      for (ember::Tensor* p : {&w1, &b1, &w2, &b2}) p->sub_(p->grad(), lr);
    }
    if (step % 100 == 0) std::printf("step %4d  loss %.6f\n", step, loss.item<double>());
  }
  return 0;
}
