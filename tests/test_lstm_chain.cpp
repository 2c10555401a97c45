// lstm_cell over unrolled sequences (autograd/rnn_cells.cpp): the steps of one sequence
// share their packed weights and one weight-gradient product, taken by the sequence's
// first step. Checked against the LSTM cell composed of ember's differentiable ops,
// written here as the independent reference, in float32 and float64: sequences with and
// without biases and initial states, sizes that leave partial tiles in the GEMM,
// sequences long enough to grow the chain's row blocks, a sequence that branches, one
// that switches weights half way, backward over part of a sequence and then over all of
// it, a retained graph run twice, and the same results at 1 and 2 threads; and nn::LSTM
// in float32 (chained) against the same module in float64 (the per-step node).
#include <functional>
#include <limits>
#include <vector>

#include "helpers.hpp"
#include "lstm_reference.hpp"

namespace F = ember::nn::functional;
using ember::Dtype;
using ember::Tensor;

namespace {

Tensor param(ember::IntArrayRef shape, Dtype dt) {
  return (ember::rand(shape, ember::kFloat64) * 2 - 1).to(dt).requires_grad_(true);
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.defined() == b.defined());
  if (!a.defined()) return 0;
  REQUIRE(a.sizes().vec() == b.sizes().vec());
  if (a.numel() == 0) return 0;
  return (a.to(ember::kFloat64) - b.to(ember::kFloat64)).abs().max().item<double>();
}

double tolerance(Dtype dt) { return dt == ember::kFloat64 ? 1e-11 : 1e-4; }

// One sequence's operands: inputs xs [T, N, I], weights, optional biases and states.
struct Sequence {
  Tensor xs, h0, c0, w_ih, w_hh, b_ih, b_hh;
  std::vector<Tensor> leaves() const {
    std::vector<Tensor> v;
    for (const Tensor* t : {&xs, &h0, &c0, &w_ih, &w_hh, &b_ih, &b_hh})
      if (t->defined()) v.push_back(*t);
    return v;
  }
};

Sequence make(int64_t T, int64_t N, int64_t I, int64_t H, Dtype dt, bool bias, bool states) {
  Sequence s;
  s.xs = param({T, N, I}, dt);
  if (states) {
    s.h0 = param({N, H}, dt);
    s.c0 = param({N, H}, dt);
  }
  s.w_ih = param({4 * H, I}, dt);
  s.w_hh = param({4 * H, H}, dt);
  if (bias) {
    s.b_ih = param({4 * H}, dt);
    s.b_hh = param({4 * H}, dt);
  }
  return s;
}

using Cell = std::function<std::tuple<Tensor, Tensor>(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                                      const Tensor&, const Tensor&, const Tensor&)>;

std::tuple<Tensor, Tensor> fused(const Tensor& x, const Tensor& h, const Tensor& c, const Tensor& wi,
                                 const Tensor& wh, const Tensor& bi, const Tensor& bh) {
  return F::lstm_cell(x, h, c, wi, wh, bi, bh);
}

// A loss over every step's h (weighted by fixed random weights ws [T, N, H]) and the
// final c, run with the fused cell (whose first step takes no state when the sequence
// has none) or the reference (which takes zeros).
Tensor sequence_loss(const Sequence& s, const Tensor& ws, bool use_fused) {
  const Cell cell = use_fused ? Cell(fused) : Cell(lstm_ref);
  const int64_t T = s.xs.size(0), H = s.w_hh.size(1);
  Tensor h = s.h0, c = s.c0;
  Tensor loss;
  for (int64_t t = 0; t < T; ++t) {
    if (!h.defined() && !use_fused) {
      h = ember::zeros({s.xs.size(1), H}, s.xs.dtype());
      c = ember::zeros({s.xs.size(1), H}, s.xs.dtype());
    }
    std::tie(h, c) = cell(s.xs[t], h, c, s.w_ih, s.w_hh, s.b_ih, s.b_hh);
    Tensor term = (h * ws[t]).sum();
    loss = loss.defined() ? loss + term : term;
  }
  return loss + (c * c).sum();
}

void compare(const Sequence& s) {
  const int64_t T = s.xs.size(0), N = s.xs.size(1), H = s.w_hh.size(1);
  const Dtype dt = s.xs.dtype();
  Tensor ws = ember::randn({T, N, H}, dt);
  Tensor got_loss = sequence_loss(s, ws, true), want_loss = sequence_loss(s, ws, false);
  CHECK(max_abs_diff(got_loss, want_loss) <= tolerance(dt) * T);
  std::vector<Tensor> got = ember::autograd::grad({got_loss}, s.leaves());
  std::vector<Tensor> want = ember::autograd::grad({want_loss}, s.leaves());
  REQUIRE(got.size() == want.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    INFO("gradient of leaf " << k);
    const double scale = 1 + want[k].abs().max().item<double>();
    CHECK(max_abs_diff(got[k], want[k]) <= tolerance(dt) * scale);
  }
}

}  // namespace

TEST_CASE("lstm_cell chains: unrolled sequences equal the composed cell", "[rnncell][lstmchain]") {
  for (Dtype dt : {ember::kFloat32, ember::kFloat64}) {
    for (bool bias : {true, false}) {
      for (bool states : {true, false}) {
        INFO("dtype " << dt << ", bias " << bias << ", states " << states);
        // 4H = 36 and 20: tiles of 32 columns with a masked remainder, 5 and 13 rows:
        // partial row tiles; 12 and 25 steps: the chain's row blocks grow.
        compare(make(12, 5, 3, 9, dt, bias, states));
        compare(make(25, 13, 7, 5, dt, bias, states));
      }
    }
    INFO("dtype " << dt << ", the benchmark's sizes");
    compare(make(6, 32, 32, 128, dt, true, false));
  }
}

TEST_CASE("lstm_cell chains: a branching sequence and a switch of weights", "[rnncell][lstmchain]") {
  for (Dtype dt : {ember::kFloat32, ember::kFloat64}) {
    INFO("dtype " << dt);
    const int64_t N = 4, I = 3, H = 6;
    Sequence s = make(6, N, I, H, dt, true, true);
    Tensor w_ih2 = param({4 * H, I}, dt), w_hh2 = param({4 * H, H}, dt);
    // Steps 0-2 shared; then two branches from step 2's state, the second one with other
    // weights for its last step.
    auto run = [&](const Cell& cell) {
      Tensor h = s.h0, c = s.c0;
      for (int64_t t = 0; t < 3; ++t) std::tie(h, c) = cell(s.xs[t], h, c, s.w_ih, s.w_hh, s.b_ih, s.b_hh);
      Tensor ha = h, ca = c, hb = h, cb = c;
      for (int64_t t = 3; t < 6; ++t) std::tie(ha, ca) = cell(s.xs[t], ha, ca, s.w_ih, s.w_hh, s.b_ih, s.b_hh);
      std::tie(hb, cb) = cell(s.xs[3], hb, cb, s.w_ih, s.w_hh, s.b_ih, s.b_hh);
      std::tie(hb, cb) = cell(s.xs[4], hb, cb, w_ih2, w_hh2, s.b_ih, s.b_hh);
      Tensor loss = (ha * ha).sum() + (ca * hb).sum() + 3 * cb.sum();
      std::vector<Tensor> wrt = s.leaves();
      wrt.push_back(w_ih2);
      wrt.push_back(w_hh2);
      return ember::autograd::grad({loss}, wrt);
    };
    std::vector<Tensor> got = run(fused), want = run(lstm_ref);
    for (std::size_t k = 0; k < got.size(); ++k) {
      INFO("leaf " << k);
      CHECK(max_abs_diff(got[k], want[k]) <= tolerance(dt) * (1 + want[k].abs().max().item<double>()));
    }
  }
}

TEST_CASE("lstm_cell chains: backward over part of a sequence, then over all of it, twice", "[rnncell][lstmchain]") {
  const Dtype dt = ember::kFloat64;
  Sequence s = make(5, 3, 2, 4, dt, true, true);
  auto steps = [&](const Cell& cell) {
    std::vector<Tensor> hs;
    Tensor h = s.h0, c = s.c0;
    for (int64_t t = 0; t < 5; ++t) {
      std::tie(h, c) = cell(s.xs[t], h, c, s.w_ih, s.w_hh, s.b_ih, s.b_hh);
      hs.push_back(h);
    }
    return hs;
  };
  std::vector<Tensor> got = steps(fused), want = steps(lstm_ref);
  const std::vector<Tensor> wrt{s.w_ih, s.w_hh, s.b_hh, s.xs};
  // Only steps 0-2 lead to this loss: the later steps receive no gradient.
  std::vector<Tensor> g1 = ember::autograd::grad({got[2].sum()}, wrt, {}, true);
  std::vector<Tensor> w1 = ember::autograd::grad({want[2].sum()}, wrt, {}, true);
  for (std::size_t k = 0; k < g1.size(); ++k) CHECK(max_abs_diff(g1[k], w1[k]) <= 1e-11);
  // The whole sequence, on the retained graph, twice: the same each time.
  for (int pass = 0; pass < 2; ++pass) {
    INFO("pass " << pass);
    std::vector<Tensor> g2 = ember::autograd::grad({(got[4] * got[1]).sum()}, wrt, {}, true);
    std::vector<Tensor> w2 = ember::autograd::grad({(want[4] * want[1]).sum()}, wrt, {}, true);
    for (std::size_t k = 0; k < g2.size(); ++k) CHECK(max_abs_diff(g2[k], w2[k]) <= 1e-11);
  }
  // backward() into .grad() sums over the steps the same way.
  (got[4] * got[1]).sum().backward();
  std::vector<Tensor> w3 = ember::autograd::grad({(want[4] * want[1]).sum()}, {s.w_ih, s.w_hh});
  CHECK(max_abs_diff(s.w_ih.grad(), w3[0]) <= 1e-11);
  CHECK(max_abs_diff(s.w_hh.grad(), w3[1]) <= 1e-11);
}

// A padded batch, as a character model has it: row j's word lasts lengths[j] steps and
// the steps after it are masked out of the loss (by where, so that a non-finite h there
// would not reach the loss either). Those rows' gate gradients are exactly zero, and the
// chain leaves them out of its products; the gradients must be the reference's.
Tensor padded_loss(const Sequence& s, const Tensor& ws, const std::vector<int64_t>& lengths, bool use_fused) {
  const Cell cell = use_fused ? Cell(fused) : Cell(lstm_ref);
  const int64_t T = s.xs.size(0), N = s.xs.size(1), H = s.w_hh.size(1);
  Tensor h = ember::zeros({N, H}, s.xs.dtype()), c = ember::zeros({N, H}, s.xs.dtype());
  Tensor loss;
  for (int64_t t = 0; t < T; ++t) {
    std::tie(h, c) = cell(s.xs[t], h, c, s.w_ih, s.w_hh, s.b_ih, s.b_hh);
    std::vector<int64_t> live(static_cast<std::size_t>(N));
    for (int64_t j = 0; j < N; ++j) live[static_cast<std::size_t>(j)] = t < lengths[static_cast<std::size_t>(j)];
    Tensor mask = ember::tensor(live).view({N, 1}).to(ember::kBool);
    Tensor term = ember::where(mask, h * ws[t], ember::zeros({}, s.xs.dtype())).sum();
    loss = loss.defined() ? loss + term : term;
  }
  return loss;
}

TEST_CASE("lstm_cell chains: padded rows, whose gate gradients are zero, leave the gradients as they are",
          "[rnncell][lstmchain]") {
  for (Dtype dt : {ember::kFloat32, ember::kFloat64}) {
    INFO("dtype " << dt);
    const int64_t T = 7, N = 13, H = 9;
    // Row 0 never ends, row 5 ends after one step, others in between; rows 2 and 9 are
    // masked out from the start (no gradient at all).
    const std::vector<int64_t> lengths{7, 3, 0, 6, 2, 1, 7, 4, 5, 0, 7, 3, 2};
    Sequence s = make(T, N, 4, H, dt, true, false);
    Tensor ws = ember::randn({T, N, H}, dt);
    std::vector<Tensor> got = ember::autograd::grad({padded_loss(s, ws, lengths, true)}, s.leaves());
    std::vector<Tensor> want = ember::autograd::grad({padded_loss(s, ws, lengths, false)}, s.leaves());
    for (std::size_t k = 0; k < got.size(); ++k) {
      INFO("gradient of leaf " << k);
      const double scale = 1 + want[k].abs().max().item<double>();
      CHECK(max_abs_diff(got[k], want[k]) <= tolerance(dt) * scale);
    }
    // The masked steps' input gradients are exact zeros.
    Tensor dx = got[0];
    CHECK(dx.select(1, 2).abs().max().item<double>() == 0);
    CHECK(dx.select(0, 5).select(0, 1).abs().max().item<double>() == 0);
  }
}

TEST_CASE("lstm_cell chains: a zero gate gradient times an infinite input is still NaN", "[rnncell][lstmchain]") {
  // Input feature 0 is +inf at a padded step of row 1, and w_ih's column 0 is positive,
  // so every gate saturates (finite activations, zero gate gradient there) while
  // dW_ih = dG^T x has 0 * inf = NaN in column 0, as the reference's product has it.
  const int64_t T = 3, N = 4, H = 5;
  Sequence s = make(T, N, 3, H, ember::kFloat32, true, false);
  {
    ember::NoGradGuard no_grad;
    s.w_ih.select(1, 0).abs_().add_(0.1);
    s.xs.select(0, 2).select(0, 1).select(0, 0).fill_(std::numeric_limits<double>::infinity());
  }
  const std::vector<int64_t> lengths{3, 2, 3, 1};
  Tensor ws = ember::randn({T, N, H});
  std::vector<Tensor> got = ember::autograd::grad({padded_loss(s, ws, lengths, true)}, s.leaves());
  std::vector<Tensor> want = ember::autograd::grad({padded_loss(s, ws, lengths, false)}, s.leaves());
  Tensor got_w = got[1], want_w = want[1];  // leaves: xs, w_ih, ...
  CHECK(ember::isnan(want_w.select(1, 0)).all().item<bool>());
  CHECK(ember::isnan(got_w.select(1, 0)).all().item<bool>());
  CHECK_FALSE(ember::isnan(got_w.narrow(1, 1, 2)).any().item<bool>());
}

TEST_CASE("lstm_cell chains: a zero first state leaves its columns out only while the weights are finite",
          "[rnncell][lstmchain]") {
  // From zeros, the first step's gates need x's columns only; with an infinity in w_hh,
  // 0 * inf is NaN in the reference's product, and so it must stay.
  const int64_t T = 3, N = 4, H = 5;
  for (bool infinite : {false, true}) {
    INFO("an infinite weight: " << infinite);
    Sequence s = make(T, N, 3, H, ember::kFloat32, true, false);
    if (infinite) {
      ember::NoGradGuard no_grad;
      s.w_hh.select(0, 2).select(0, 1).fill_(std::numeric_limits<double>::infinity());
    }
    Tensor h = ember::zeros({N, H}), c = ember::zeros({N, H});
    auto [hy, cy] = F::lstm_cell(s.xs[0], h, c, s.w_ih, s.w_hh, s.b_ih, s.b_hh);
    auto [want_h, want_c] = lstm_ref(s.xs[0], h, c, s.w_ih, s.w_hh, s.b_ih, s.b_hh);
    CHECK(ember::isnan(hy).any().item<bool>() == infinite);
    CHECK(ember::isnan(want_h).any().item<bool>() == infinite);
    if (!infinite) CHECK(max_abs_diff(hy, want_h) <= 1e-5);
  }
}

TEST_CASE("lstm_cell chains: the same results at 1 and 2 threads", "[rnncell][lstmchain]") {
  const int before = ember::get_num_threads();
  Sequence s = make(9, 32, 32, 40, ember::kFloat32, true, false);
  Tensor ws = ember::randn({9, 32, 40});
  std::vector<std::vector<Tensor>> results;
  for (int threads : {1, 2}) {
    ember::set_num_threads(threads);
    results.push_back(ember::autograd::grad({sequence_loss(s, ws, true)}, s.leaves()));
  }
  ember::set_num_threads(before);
  for (std::size_t k = 0; k < results[0].size(); ++k) {
    INFO("leaf " << k);
    CHECK(ember::equal(results[0][k], results[1][k]));
  }
}

TEST_CASE("lstm_cell chains: nn::LSTM in float32 equals the per-step path in float64", "[rnncell][lstmchain]") {
  // float32 takes the chained cells; float64 the per-step node (the previous
  // implementation, BLAS products per step). The same initial weights on both (the same
  // seed), packed variable-length batches, 2 layers, both directions.
  const std::vector<int64_t> lengths{3, 6, 1, 6, 4};  // unsorted on purpose
  const int64_t T = 6, N = 5, I = 3, H = 7, D = 2, L = 2;
  for (bool batch_first : {false, true}) {
    for (bool states : {true, false}) {
      INFO("batch_first " << batch_first << ", states " << states);
      auto options = ember::nn::LSTMOptions(I, H).num_layers(L).bidirectional(true).batch_first(batch_first);
      ember::manual_seed(7);
      ember::nn::LSTM m32(options);
      ember::manual_seed(7);
      ember::nn::LSTM m64(options);
      m64->to(ember::kFloat64);
      Tensor x = ember::randn({T, N, I}, ember::kFloat64), h0 = ember::randn({D * L, N, H}, ember::kFloat64),
             c0 = ember::randn({D * L, N, H}, ember::kFloat64);
      Tensor gy = ember::randn({T, N, D * H}, ember::kFloat64), gh = ember::randn({D * L, N, H}, ember::kFloat64);
      auto run = [&](ember::nn::LSTM& m, Dtype dt) {
        Tensor xin = (batch_first ? x.transpose(0, 1) : x).to(dt).requires_grad_(true);
        std::optional<ember::nn::LSTMImpl::State> hx;
        Tensor h = h0.to(dt).requires_grad_(true), c = c0.to(dt).requires_grad_(true);
        if (states) hx = ember::nn::LSTMImpl::State{h, c};
        auto [out, hc] = m->forward(xin, lengths, hx);
        Tensor y = batch_first ? out.transpose(0, 1) : out;
        Tensor loss = (y * gy.to(dt)).sum() + (std::get<0>(hc) * gh.to(dt)).sum() + std::get<1>(hc).sum();
        std::vector<Tensor> wrt = m->parameters();
        wrt.push_back(xin);
        if (states) {
          wrt.push_back(h);
          wrt.push_back(c);
        }
        std::vector<Tensor> got = ember::autograd::grad({loss}, wrt);
        got.push_back(y.detach());
        got.push_back(std::get<0>(hc).detach());
        got.push_back(std::get<1>(hc).detach());
        return got;
      };
      std::vector<Tensor> got = run(m32, ember::kFloat32), want = run(m64, ember::kFloat64);
      REQUIRE(got.size() == want.size());
      for (std::size_t k = 0; k < got.size(); ++k) {
        INFO("result " << k);
        CHECK(max_abs_diff(got[k], want[k]) <= 1e-4 * (1 + want[k].abs().max().item<double>()));
      }
    }
  }
}
