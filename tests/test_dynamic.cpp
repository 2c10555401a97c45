// A dynamic model: the number of steps depends on the data and a branch is taken on
// tensor values. Its gradients must equal those of the same computation done by hand
// with forward-mode dual numbers in plain C++ (independent of ember's autograd).
#include <cmath>

#include "helpers.hpp"

using ember::Tensor;

namespace {
// a + b*eps with eps^2 = 0: carries d/dtheta alongside the value.
struct Dual {
  double v, d;
};
Dual operator+(Dual a, Dual b) { return {a.v + b.v, a.d + b.d}; }
Dual operator-(Dual a, Dual b) { return {a.v - b.v, a.d - b.d}; }
Dual operator*(Dual a, Dual b) { return {a.v * b.v, a.d * b.v + a.v * b.d}; }
Dual tanh(Dual a) {
  double t = std::tanh(a.v);
  return {t, a.d * (1 - t * t)};
}

// The model written by hand on n-element vectors of duals.
template <class V>
V run_by_hand(V h, const V& w, int* steps_out) {
  int steps = 0;
  auto total = [](const V& v) {
    double s = 0;
    for (auto& e : v) s += std::fabs(e.v);
    return s;
  };
  while (total(h) < 10 && steps < 30) {
    double s = 0;
    for (auto& e : h) s += e.v;
    if (s > 0) {
      for (std::size_t i = 0; i < h.size(); ++i) h[i] = h[i] * w[i] + Dual{1, 0};
    } else {
      for (std::size_t i = 0; i < h.size(); ++i) h[i] = tanh(h[i]) - w[i];
    }
    ++steps;
  }
  *steps_out = steps;
  return h;
}

// The same model with ember tensors: the loop and the branch read tensor values.
Tensor run_with_ember(Tensor h, const Tensor& w, int* steps_out) {
  int steps = 0;
  while (ember::abs(h).sum().item<double>() < 10 && steps < 30) {
    if (h.sum().item<double>() > 0)
      h = h * w + 1;
    else
      h = ember::tanh(h) - w;
    ++steps;
  }
  *steps_out = steps;
  return (h * h).sum();
}
}  // namespace

TEST_CASE("a data-dependent loop with branches back-propagates like the hand-written model", "[dynamic]") {
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<double> x0 = {0.3 - 0.2 * trial, -0.4, 0.9}, w0 = {1.3, 1.1 + 0.1 * trial, -1.2};
    Tensor x = ember::tensor(x0, {3}).requires_grad_();
    Tensor w = ember::tensor(w0, {3}).requires_grad_();
    int steps = 0;
    Tensor loss = run_with_ember(x, w, &steps);
    loss.backward();
    auto gx = testing::values(x.grad()), gw = testing::values(w.grad());
    // d loss / d x_j and d loss / d w_j by forward mode, one seed at a time.
    for (std::size_t j = 0; j < 6; ++j) {
      std::vector<Dual> h(3), wd(3);
      for (std::size_t i = 0; i < 3; ++i) {
        h[i] = {x0[i], j == i ? 1.0 : 0.0};
        wd[i] = {w0[i], j == i + 3 ? 1.0 : 0.0};
      }
      int hand_steps = 0;
      std::vector<Dual> out = run_by_hand(h, wd, &hand_steps);
      REQUIRE(hand_steps == steps);
      double dloss = 0;
      for (auto& e : out) dloss += 2 * e.v * e.d;
      double ember_grad = j < 3 ? gx[j] : gw[j - 3];
      REQUIRE(ember_grad == Approx(dloss).epsilon(1e-10));
    }
  }
}

TEST_CASE("a recurrent cell unrolled to each sequence's own length", "[dynamic]") {
  // h_{t+1} = tanh(W h_t + x_t); sequences of different lengths give graphs of
  // different depths; the gradient of W matches finite differences (gradcheck).
  for (int len : {1, 3, 7}) {
    INFO(len);
    auto fn = [len](const std::vector<Tensor>& in) {
      Tensor h = ember::zeros({2}, ember::kFloat64);
      for (int t = 0; t < len; ++t) {
        Tensor x = ember::full({2}, 0.1 * t, ember::kFloat64);
        // W h written out elementwise (no matmul needed): W is [2, 2] as 4 scalars
        Tensor wh0 = in[0].select(0, 0) * h.select(0, 0) + in[0].select(0, 1) * h.select(0, 1);
        Tensor wh1 = in[0].select(0, 2) * h.select(0, 0) + in[0].select(0, 3) * h.select(0, 1);
        h = ember::tanh(ember::stack({wh0, wh1}) + x + in[1]);
      }
      return h;
    };
    REQUIRE(ember::autograd::gradcheck(fn, {testing::leaf({4}), testing::leaf({2})}));
  }
}
