// The fused lstm_cell / gru_cell (ops/rnn.cpp, their node in autograd/nn_layers.cpp)
// against the cells composed of ember's differentiable ops, written here as the
// independent reference: values and gradients in float32 and float64, with and without
// biases and initial states, unbatched, non-contiguous, chained over steps, with only one
// output used; gradcheck and gradgradcheck in float64.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "lstm_reference.hpp"

namespace F = ember::nn::functional;
using ember::Dtype;
using ember::Shape;
using ember::Tensor;
using testing::leaf;

namespace {

// ---- the composed reference ----

Tensor gru_ref(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
               const Tensor& b_hh) {
  Tensor a = ember::matmul(x, w_ih.t()), b = ember::matmul(h, w_hh.t());
  if (b_ih.defined()) a = a + b_ih;
  if (b_hh.defined()) b = b + b_hh;
  std::vector<Tensor> ai = a.chunk(3, -1), bh = b.chunk(3, -1);
  Tensor r = ember::sigmoid(ai[0] + bh[0]), z = ember::sigmoid(ai[1] + bh[1]);
  Tensor n = ember::tanh(ai[2] + r * bh[2]);
  return (1 - z) * n + z * h;
}

// ---- operands ----

// A cell's operands as leaves that require grad; undefined where not wanted.
struct Operands {
  Tensor x, h, c, w_ih, w_hh, b_ih, b_hh;
  std::vector<Tensor> defined() const {
    std::vector<Tensor> v;
    for (const Tensor* t : {&x, &h, &c, &w_ih, &w_hh, &b_ih, &b_hh})
      if (t->defined()) v.push_back(*t);
    return v;
  }
};

Tensor param(ember::IntArrayRef shape, Dtype dt) {
  return (ember::rand(shape, ember::kFloat64) * 2 - 1).to(dt).requires_grad_(true);
}

// gates = 4 (LSTM) or 3 (GRU). N = 0 means unbatched. The GRU ignores c.
Operands make(int64_t gates, int64_t N, int64_t I, int64_t H, Dtype dt, bool bias, bool states) {
  Operands o;
  o.x = param(N == 0 ? Shape{I} : Shape{N, I}, dt);
  if (states) {
    o.h = param(N == 0 ? Shape{H} : Shape{N, H}, dt);
    if (gates == 4) o.c = param(N == 0 ? Shape{H} : Shape{N, H}, dt);
  }
  o.w_ih = param({gates * H, I}, dt);
  o.w_hh = param({gates * H, H}, dt);
  if (bias) {
    o.b_ih = param({gates * H}, dt);
    o.b_hh = param({gates * H}, dt);
  }
  return o;
}

// Zeros where a state is not given, for the reference (which always takes one).
Tensor state_or_zeros(const Tensor& s, const Tensor& x, int64_t H) {
  if (s.defined()) return s;
  return x.dim() == 1 ? ember::zeros({H}, x.dtype()) : ember::zeros({x.size(0), H}, x.dtype());
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.defined() == b.defined());
  if (!a.defined()) return 0;
  REQUIRE(a.sizes().vec() == b.sizes().vec());
  REQUIRE(a.dtype() == b.dtype());
  if (a.numel() == 0) return 0;
  return (a.to(ember::kFloat64) - b.to(ember::kFloat64)).abs().max().item<double>();
}

double tolerance(Dtype dt) { return dt == ember::kFloat64 ? 1e-12 : 2e-5; }

// Gradients of sum(w_k * out_k) (random fixed weights; an undefined weight leaves that
// output out of the loss) with respect to every defined operand.
std::vector<Tensor> grads_of(const std::vector<Tensor>& outs, const std::vector<Tensor>& weights,
                             const std::vector<Tensor>& wrt) {
  Tensor loss;
  for (std::size_t k = 0; k < outs.size(); ++k) {
    if (!weights[k].defined()) continue;
    Tensor term = (outs[k] * weights[k]).sum();
    loss = loss.defined() ? loss + term : term;
  }
  return ember::autograd::grad({loss}, wrt, {}, std::nullopt, false, /*allow_unused=*/true);
}

// Runs the fused cell and the reference on the same operands, comparing outputs and the
// gradients of a weighted sum of the outputs that `use` selects (h, c).
void compare_lstm(const Operands& o, int64_t H, bool use_h = true, bool use_c = true) {
  auto [hy, cy] = F::lstm_cell(o.x, o.h, o.c, o.w_ih, o.w_hh, o.b_ih, o.b_hh);
  auto [rh, rc] = lstm_ref(o.x, state_or_zeros(o.h, o.x, H), state_or_zeros(o.c, o.x, H), o.w_ih, o.w_hh, o.b_ih,
                           o.b_hh);
  const double tol = tolerance(o.x.dtype());
  CHECK(max_abs_diff(hy, rh) <= tol);
  CHECK(max_abs_diff(cy, rc) <= tol);
  Tensor wh = use_h ? ember::randn(hy.sizes(), hy.dtype()) : Tensor();
  Tensor wc = use_c ? ember::randn(cy.sizes(), cy.dtype()) : Tensor();
  std::vector<Tensor> wrt = o.defined();
  std::vector<Tensor> got = grads_of({hy, cy}, {wh, wc}, wrt);
  std::vector<Tensor> want = grads_of({rh, rc}, {wh, wc}, wrt);
  REQUIRE(got.size() == want.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    INFO("gradient of operand " << k);
    CHECK(max_abs_diff(got[k], want[k]) <= 10 * tol);
  }
}

void compare_gru(const Operands& o, int64_t H) {
  Tensor hy = F::gru_cell(o.x, o.h, o.w_ih, o.w_hh, o.b_ih, o.b_hh);
  Tensor rh = gru_ref(o.x, state_or_zeros(o.h, o.x, H), o.w_ih, o.w_hh, o.b_ih, o.b_hh);
  const double tol = tolerance(o.x.dtype());
  CHECK(max_abs_diff(hy, rh) <= tol);
  Tensor w = ember::randn(hy.sizes(), hy.dtype());
  std::vector<Tensor> wrt = o.defined();
  std::vector<Tensor> got = grads_of({hy}, {w}, wrt);
  std::vector<Tensor> want = grads_of({rh}, {w}, wrt);
  REQUIRE(got.size() == want.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    INFO("gradient of operand " << k);
    CHECK(max_abs_diff(got[k], want[k]) <= 10 * tol);
  }
}

}  // namespace

TEST_CASE("lstm_cell equals the composed cell in value and gradient", "[rnncell]") {
  for (Dtype dt : {ember::kFloat32, ember::kFloat64})
    for (bool bias : {true, false})
      for (bool states : {true, false})
        for (int64_t N : {int64_t{5}, int64_t{0}}) {
          INFO("dtype " << dt << ", bias " << bias << ", states " << states << ", batch " << N);
          compare_lstm(make(4, N, 3, 7, dt, bias, states), 7);
        }
  // The benchmark's shape: batch 32, input 32, hidden 128.
  compare_lstm(make(4, 32, 32, 128, ember::kFloat32, true, true), 128);
}

TEST_CASE("gru_cell equals the composed cell in value and gradient", "[rnncell]") {
  for (Dtype dt : {ember::kFloat32, ember::kFloat64})
    for (bool bias : {true, false})
      for (bool states : {true, false})
        for (int64_t N : {int64_t{5}, int64_t{0}}) {
          INFO("dtype " << dt << ", bias " << bias << ", states " << states << ", batch " << N);
          compare_gru(make(3, N, 3, 7, dt, bias, states), 7);
        }
  compare_gru(make(3, 32, 32, 128, ember::kFloat32, true, true), 128);
}

TEST_CASE("lstm_cell: only h or only c used", "[rnncell]") {
  for (Dtype dt : {ember::kFloat32, ember::kFloat64}) {
    INFO("dtype " << dt);
    compare_lstm(make(4, 4, 3, 5, dt, true, true), 5, /*use_h=*/true, /*use_c=*/false);
    compare_lstm(make(4, 4, 3, 5, dt, true, true), 5, /*use_h=*/false, /*use_c=*/true);
  }
  // backward() from one output alone.
  Operands o = make(4, 4, 3, 5, ember::kFloat64, true, true);
  std::get<1>(F::lstm_cell(o.x, o.h, o.c, o.w_ih, o.w_hh, o.b_ih, o.b_hh)).sum().backward();
  auto [rh, rc] = lstm_ref(o.x, o.h, o.c, o.w_ih, o.w_hh, o.b_ih, o.b_hh);
  (void)rh;
  std::vector<Tensor> want = ember::autograd::grad({rc.sum()}, o.defined());
  std::vector<Tensor> got = o.defined();
  for (std::size_t k = 0; k < got.size(); ++k) {
    INFO("operand " << k);
    CHECK(max_abs_diff(got[k].grad(), want[k]) <= 1e-12);
  }
}

TEST_CASE("recurrent cells: non-contiguous operands", "[rnncell]") {
  for (Dtype dt : {ember::kFloat32, ember::kFloat64}) {
    INFO("dtype " << dt);
    // Transposed views: x [4, 3] from [3, 4], weights from their transposes, and a
    // hidden state that is every other column of a wider tensor.
    Operands o;
    o.x = param({3, 4}, dt).t();
    Tensor wide = param({4, 10}, dt);
    o.h = wide.slice(1, 0, 10, 2);
    o.c = param({5, 4}, dt).t();
    o.w_ih = param({3, 20}, dt).t();
    o.w_hh = param({5, 20}, dt).t();
    o.b_ih = param({40}, dt).slice(0, 0, 40, 2);
    o.b_hh = param({20}, dt);
    REQUIRE_FALSE(o.x.is_contiguous());
    REQUIRE_FALSE(o.h.is_contiguous());
    compare_lstm(o, 5);

    Operands g = o;
    g.c = Tensor();
    g.w_ih = param({3, 15}, dt).t();
    g.w_hh = param({5, 15}, dt).t();
    g.b_ih = param({15}, dt);
    g.b_hh = param({30}, dt).slice(0, 0, 30, 2);
    compare_gru(g, 5);
  }
  // A gradient arriving with a zero stride (from an expand) is read correctly.
  Operands o = make(4, 3, 2, 4, ember::kFloat64, true, true);
  auto [hy, cy] = F::lstm_cell(o.x, o.h, o.c, o.w_ih, o.w_hh, o.b_ih, o.b_hh);
  auto [rh, rc] = lstm_ref(o.x, o.h, o.c, o.w_ih, o.w_hh, o.b_ih, o.b_hh);
  Tensor g = ember::full({1, 1}, 0.5, ember::kFloat64).expand({3, 4});
  std::vector<Tensor> got = ember::autograd::grad({hy, cy}, o.defined(), {g, g});
  std::vector<Tensor> want = ember::autograd::grad({rh, rc}, o.defined(), {g, g});
  for (std::size_t k = 0; k < got.size(); ++k) CHECK(max_abs_diff(got[k], want[k]) <= 1e-12);
}

TEST_CASE("recurrent cells: chained steps and partial requires_grad", "[rnncell]") {
  // Five steps through the same weights, as an unrolled sequence: the weight gradients
  // are summed over the steps.
  for (Dtype dt : {ember::kFloat32, ember::kFloat64}) {
    INFO("dtype " << dt);
    const int64_t N = 3, I = 4, H = 6, T = 5;
    Tensor xs = ember::randn({T, N, I}, dt);
    Tensor w_ih = param({4 * H, I}, dt), w_hh = param({4 * H, H}, dt), b_ih = param({4 * H}, dt),
           b_hh = param({4 * H}, dt);
    Tensor g_ih = param({3 * H, H}, dt), g_hh = param({3 * H, H}, dt);  // the GRU reads h
    auto run = [&](bool fused) {
      Tensor h = ember::zeros({N, H}, dt), c = ember::zeros({N, H}, dt), g = ember::zeros({N, H}, dt);
      Tensor loss = ember::zeros({}, dt);
      for (int64_t t = 0; t < T; ++t) {
        std::tie(h, c) = fused ? F::lstm_cell(xs[t], h, c, w_ih, w_hh, b_ih, b_hh)
                               : lstm_ref(xs[t], h, c, w_ih, w_hh, b_ih, b_hh);
        g = fused ? F::gru_cell(h, g, g_ih, g_hh) : gru_ref(h, g, g_ih, g_hh, Tensor(), Tensor());
        loss = loss + (h * g).sum() * static_cast<double>(t + 1);
      }
      return ember::autograd::grad({loss + c.sum()}, {w_ih, w_hh, b_ih, b_hh, g_ih, g_hh});
    };
    std::vector<Tensor> got = run(true), want = run(false);
    for (std::size_t k = 0; k < got.size(); ++k) {
      INFO("parameter " << k);
      CHECK(max_abs_diff(got[k], want[k]) <= 50 * tolerance(dt));
    }
  }
  // Only the weights require grad: the node computes only theirs.
  Operands o = make(4, 3, 2, 4, ember::kFloat64, true, true);
  Tensor x = o.x.detach(), h = o.h.detach(), c = o.c.detach();
  auto [hy, cy] = F::lstm_cell(x, h, c, o.w_ih, o.w_hh);
  auto [rh, rc] = lstm_ref(x, h, c, o.w_ih, o.w_hh, Tensor(), Tensor());
  std::vector<Tensor> got = ember::autograd::grad({(hy * cy).sum()}, {o.w_ih, o.w_hh});
  std::vector<Tensor> want = ember::autograd::grad({(rh * rc).sum()}, {o.w_ih, o.w_hh});
  for (std::size_t k = 0; k < got.size(); ++k) CHECK(max_abs_diff(got[k], want[k]) <= 1e-12);
  // Nothing requires grad: no graph.
  ember::NoGradGuard no_grad;
  auto [nh, nc] = F::lstm_cell(o.x, o.h, o.c, o.w_ih, o.w_hh, o.b_ih, o.b_hh);
  CHECK_FALSE(nh.requires_grad());
  CHECK_FALSE(nc.requires_grad());
  CHECK_FALSE(F::gru_cell(o.x, o.h, make(3, 3, 2, 4, ember::kFloat64, false, false).w_ih,
                          make(3, 3, 2, 4, ember::kFloat64, false, false).w_hh)
                  .requires_grad());
}

TEST_CASE("recurrent cells: an empty batch", "[rnncell]") {
  Operands o = make(4, 3, 2, 4, ember::kFloat32, true, false);
  Tensor x = ember::zeros({0, 2}).requires_grad_(true);
  auto [hy, cy] = F::lstm_cell(x, Tensor(), Tensor(), o.w_ih, o.w_hh, o.b_ih, o.b_hh);
  CHECK(hy.sizes().vec() == std::vector<int64_t>{0, 4});
  std::vector<Tensor> g = ember::autograd::grad({hy.sum() + cy.sum()}, {x, o.w_ih, o.b_hh});
  CHECK(g[0].sizes().vec() == std::vector<int64_t>{0, 2});
  CHECK(g[1].abs().sum().item<double>() == 0.0);
  CHECK(g[2].abs().sum().item<double>() == 0.0);
  Operands q = make(3, 3, 2, 4, ember::kFloat32, true, false);
  Tensor gy = F::gru_cell(x, Tensor(), q.w_ih, q.w_hh, q.b_ih, q.b_hh);
  CHECK(gy.sizes().vec() == std::vector<int64_t>{0, 4});
  CHECK(ember::autograd::grad({gy.sum()}, {q.w_hh})[0].abs().sum().item<double>() == 0.0);
}

TEST_CASE("recurrent cells: gradcheck and gradgradcheck", "[rnncell]") {
  using ember::autograd::gradcheck;
  using ember::autograd::gradgradcheck;
  auto lstm = [](const std::vector<Tensor>& in) {
    auto [h, c] = F::lstm_cell(in[0], in[1], in[2], in[3], in[4], in[5], in[6]);
    return h * 2 + c * c;
  };
  auto gru = [](const std::vector<Tensor>& in) { return F::gru_cell(in[0], in[1], in[2], in[3], in[4], in[5]); };
  for (bool batched : {true, false}) {
    INFO("batched " << batched);
    auto s = [&](int64_t cols) { return batched ? Shape{3, cols} : Shape{cols}; };
    std::vector<Tensor> li = {leaf(s(2)), leaf(s(3)), leaf(s(3)), leaf({12, 2}), leaf({12, 3}), leaf({12}), leaf({12})};
    CHECK(gradcheck(lstm, li));
    CHECK(gradgradcheck(lstm, li));
    std::vector<Tensor> gi = {leaf(s(2)), leaf(s(3)), leaf({9, 2}), leaf({9, 3}), leaf({9}), leaf({9})};
    CHECK(gradcheck(gru, gi));
    CHECK(gradgradcheck(gru, gi));
  }
  // Without biases, and with only c used.
  auto lstm_c = [](const std::vector<Tensor>& in) {
    return std::get<1>(F::lstm_cell(in[0], in[1], in[2], in[3], in[4]));
  };
  std::vector<Tensor> nb = {leaf({2, 2}), leaf({2, 3}), leaf({2, 3}), leaf({12, 2}), leaf({12, 3})};
  CHECK(gradcheck(lstm_c, nb));
  CHECK(gradgradcheck(lstm_c, nb));
  auto gru_nb = [](const std::vector<Tensor>& in) { return F::gru_cell(in[0], in[1], in[2], in[3]); };
  std::vector<Tensor> gnb = {leaf({2, 2}), leaf({2, 3}), leaf({9, 2}), leaf({9, 3})};
  CHECK(gradcheck(gru_nb, gnb));
  CHECK(gradgradcheck(gru_nb, gnb));
}

TEST_CASE("recurrent cells: create_graph gives the composed second derivatives", "[rnncell]") {
  Operands o = make(4, 3, 2, 4, ember::kFloat64, true, true);
  auto first = [&](bool fused) {
    auto [h, c] = fused ? F::lstm_cell(o.x, o.h, o.c, o.w_ih, o.w_hh, o.b_ih, o.b_hh)
                        : lstm_ref(o.x, o.h, o.c, o.w_ih, o.w_hh, o.b_ih, o.b_hh);
    std::vector<Tensor> g = ember::autograd::grad({(h * c).sum()}, {o.x, o.w_hh}, {}, std::nullopt, true);
    // A scalar of the first derivatives, differentiated again.
    return ember::autograd::grad({g[0].square().sum() + (g[1] * g[1]).sum()}, o.defined());
  };
  std::vector<Tensor> got = first(true), want = first(false);
  for (std::size_t k = 0; k < got.size(); ++k) {
    INFO("operand " << k);
    CHECK(max_abs_diff(got[k], want[k]) <= 1e-10);
  }
}
