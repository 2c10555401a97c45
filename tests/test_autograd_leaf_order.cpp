// When a leaf's gradient hooks run during backward: right after the last node feeding
// that leaf, before the earlier layers' backward (what lets data-parallel training send
// the last layers' gradients while backward goes on). The expected orders are PyTorch's:
// torch 1.13 prints ['w2', 'a', 'w1'] for the first case below.
#include <cmath>
#include <string>
#include <vector>

#include "helpers.hpp"

using ember::Tensor;

TEST_CASE("a leaf's hooks run as soon as its gradient is complete", "[autograd][hooks]") {
  std::vector<std::string> order;
  Tensor x = ember::ones({3});
  Tensor w1 = ember::full({3}, 0.5).requires_grad_();
  Tensor w2 = ember::full({3}, 2.0).requires_grad_();
  Tensor a = (w1 * x).exp();
  a.register_hook([&](const Tensor&) { order.push_back("a"); });
  w2.register_hook([&](const Tensor&) { order.push_back("w2"); });
  w1.register_hook([&](const Tensor&) { order.push_back("w1"); });
  (w2 * a).sum().backward();
  REQUIRE(order == std::vector<std::string>{"w2", "a", "w1"});
  // The gradients themselves are unchanged: d/dw2 = exp(0.5), d/dw1 = 2 exp(0.5).
  REQUIRE(w2.grad().allclose(ember::full({3}, std::exp(0.5))));
  REQUIRE(w1.grad().allclose(ember::full({3}, 2 * std::exp(0.5))));
}

TEST_CASE("a leaf used by several ops waits for the earliest of them", "[autograd][hooks]") {
  // w feeds both the first and the last op: its hook runs once, after both.
  std::vector<std::string> order;
  Tensor w = ember::full({2}, 0.25).requires_grad_();
  Tensor h = (w * 3.0).tanh();
  h.register_hook([&](const Tensor&) { order.push_back("h"); });
  w.register_hook([&](const Tensor&) { order.push_back("w"); });
  (h * w).sum().backward();
  REQUIRE(order == std::vector<std::string>{"h", "w"});
  double t = std::tanh(0.75);
  REQUIRE(w.grad().allclose(ember::full({2}, t + 0.25 * 3.0 * (1 - t * t))));
}
