// Losses: values against naive loops written here or against values computed by
// PyTorch 1.13 (marked as such), gradcheck for every option that changes the math
// (reductions, weights, ignore_index, label smoothing, probability targets, the fused
// cross_entropy path in first and second order), and the errors users hit.
#include <cmath>
#include <string>
#include <vector>

#include "helpers.hpp"

namespace F = ember::nn::functional;
using ember::Tensor;
using testing::leaf;
using testing::values;

namespace {

bool close(const std::vector<double>& a, const std::vector<double>& b, double tol = 1e-9) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(b[i])) continue;
    if (!(std::fabs(a[i] - b[i]) <= tol * (1 + std::fabs(b[i])))) return false;
  }
  return true;
}

Tensor f64(const std::vector<double>& v, ember::IntArrayRef shape) { return ember::tensor(v, shape); }
Tensor i64(const std::vector<int64_t>& v, ember::IntArrayRef shape) { return ember::tensor(v, shape); }

// Fixed logits [4, 3] and targets shared with the PyTorch-computed cases below.
Tensor logits4x3() { return f64({0.2, -1.0, 0.5, 1.5, 0.3, -0.7, -0.4, 0.9, 0.1, 0.0, -0.2, 2.0}, {4, 3}); }

// Naive weighted NLL over rows of log-probabilities, with PyTorch's weighted mean.
double naive_nll(const std::vector<double>& logp, int64_t C, const std::vector<int64_t>& t,
                 const std::vector<double>& w, int64_t ignore, const std::string& red,
                 std::vector<double>* per = nullptr) {
  double total = 0, wsum = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    double l = 0;
    if (t[i] != ignore) {
      double wi = w.empty() ? 1.0 : w[static_cast<std::size_t>(t[i])];
      l = -wi * logp[i * static_cast<std::size_t>(C) + static_cast<std::size_t>(t[i])];
      wsum += wi;
    }
    total += l;
    if (per) per->push_back(l);
  }
  return red == "mean" ? total / wsum : total;
}

std::vector<double> naive_log_softmax_rows(const std::vector<double>& x, int64_t C) {
  std::vector<double> out(x.size());
  for (std::size_t r = 0; r < x.size() / static_cast<std::size_t>(C); ++r) {
    double m = -INFINITY, s = 0;
    for (int64_t c = 0; c < C; ++c) m = std::max(m, x[r * C + c]);
    for (int64_t c = 0; c < C; ++c) s += std::exp(x[r * C + c] - m);
    for (int64_t c = 0; c < C; ++c) out[r * C + c] = x[r * C + c] - m - std::log(s);
  }
  return out;
}

bool check(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& in,
           bool second = false) {
  return ember::autograd::gradcheck(f, in, second ? testing::second_order() : ember::autograd::GradcheckOptions{});
}

}  // namespace

TEST_CASE("cross_entropy and nll_loss: class indices against a naive loop", "[loss]") {
  Tensor x = logits4x3();
  std::vector<int64_t> tv{0, 1, 2, 1};
  Tensor t = i64(tv, {4});
  std::vector<double> w{0.5, 1.0, 2.0};
  std::vector<double> lp = naive_log_softmax_rows(values(x), 3);
  for (std::string red : {"mean", "sum"}) {
    CHECK(close(values(F::cross_entropy(x, t, Tensor(), -100, red)), {naive_nll(lp, 3, tv, {}, -100, red)}));
    CHECK(close(values(F::cross_entropy(x, t, f64(w, {3}), -100, red)), {naive_nll(lp, 3, tv, w, -100, red)}));
    CHECK(close(values(F::cross_entropy(x, t, f64(w, {3}), 2, red)), {naive_nll(lp, 3, tv, w, 2, red)}));
    CHECK(close(values(F::nll_loss(ember::log_softmax(x, 1), t, f64(w, {3}), 1, red)),
                {naive_nll(lp, 3, tv, w, 1, red)}));
  }
  std::vector<double> per;
  naive_nll(lp, 3, tv, w, 1, "sum", &per);
  CHECK(close(values(F::cross_entropy(x, t, f64(w, {3}), 1, "none")), per));
  CHECK(F::cross_entropy(x, t, Tensor(), -100, "none").sizes().vec() == std::vector<int64_t>{4});

  // float32 takes the same paths (the fused one included).
  Tensor x32 = x.to(ember::kFloat32);
  CHECK(close(values(F::cross_entropy(x32, t)), {naive_nll(lp, 3, tv, {}, -100, "mean")}, 1e-6));
  CHECK(close(values(F::cross_entropy(x32, t, f64(w, {3}).to(ember::kFloat32))), {naive_nll(lp, 3, tv, w, -100, "mean")},
              1e-6));
}

TEST_CASE("cross_entropy: [N, C, d1] logits, unbatched [C], all targets ignored", "[loss]") {
  // [2, 3, 2]: each (n, d) position is a sample over the 3 classes of dim 1.
  Tensor x = f64({0.1, -0.3, 0.7, 0.2, -1.1, 0.4, 1.0, 0.0, -0.5, 0.8, 0.3, -0.9}, {2, 3, 2});
  Tensor t = i64({2, 0, 1, 1}, {2, 2});
  Tensor w = f64({1.0, 3.0, 0.5}, {3});
  Tensor moved = x.permute({0, 2, 1}).reshape({4, 3});
  std::vector<double> lp = naive_log_softmax_rows(values(moved), 3);
  CHECK(close(values(F::cross_entropy(x, t, w)), {naive_nll(lp, 3, {2, 0, 1, 1}, {1.0, 3.0, 0.5}, -100, "mean")}));
  std::vector<double> per;
  naive_nll(lp, 3, {2, 0, 1, 1}, {1.0, 3.0, 0.5}, -100, "sum", &per);
  Tensor none = F::cross_entropy(x, t, w, -100, "none");
  CHECK(none.sizes().vec() == std::vector<int64_t>{2, 2});
  CHECK(close(values(none), per));

  // Unbatched: the same as a batch of one, with a 0-dim "none" result.
  Tensor row = f64({0.3, -0.2, 1.1}, {3});
  Tensor one = i64({2}, {1}).reshape({});
  CHECK(close(values(F::cross_entropy(row, one)), values(F::cross_entropy(row.unsqueeze(0), one.unsqueeze(0)))));
  CHECK(F::cross_entropy(row, one, Tensor(), -100, "none").dim() == 0);
  CHECK(close(values(F::nll_loss(row, one, Tensor(), -100, "sum")), {-1.1}));

  // Every target ignored: "mean" divides 0 by 0 (NaN, as PyTorch 1.13).
  CHECK(std::isnan(F::cross_entropy(logits4x3(), i64({1, 1, 1, 1}, {4}), Tensor(), 1).item<double>()));
  CHECK(F::cross_entropy(logits4x3(), i64({1, 1, 1, 1}, {4}), Tensor(), 1, "sum").item<double>() == 0.0);
}

TEST_CASE("cross_entropy: label smoothing with weight and ignore_index (PyTorch values)", "[loss]") {
  Tensor t = i64({0, 1, 2, 1}, {4});
  Tensor w = f64({0.5, 1.0, 2.0}, {3});
  // Values from PyTorch 1.13: torch.nn.functional.cross_entropy(x, t, weight=w,
  // ignore_index=1, reduction=red, label_smoothing=0.2), and x.grad after l.sum().backward().
  struct Case {
    std::string red;
    std::vector<double> value, grad;
  };
  std::vector<double> gsum{-0.194434552857, 0.005288263246, 0.189146289612, 0.0, 0.0, 0.0,
                           0.256842058891,  0.998072933048, -1.254914991939, 0.0, 0.0, 0.0};
  std::vector<Case> cases{
      {"mean",
       {1.233486485337},
       {-0.077773821143, 0.002115305298, 0.075658515845, 0.0, 0.0, 0.0, 0.102736823556, 0.399229173219,
        -0.501965996776, 0.0, 0.0, 0.0}},
      {"sum", {3.083716213341}, gsum},
      {"none", {0.657472720379, 0.0, 2.426243492963, 0.0}, gsum},
  };
  for (const Case& c : cases) {
    Tensor x = logits4x3().requires_grad_(true);
    Tensor l = F::cross_entropy(x, t, w, 1, c.red, 0.2);
    CHECK(close(values(l), c.value, 1e-10));
    l.sum().backward();
    CHECK(close(values(x.grad()), c.grad, 1e-10));
  }
}

TEST_CASE("cross_entropy: class-probability targets (PyTorch values)", "[loss]") {
  Tensor p = f64({0.1, 0.6, 0.3, 1.0, 0.0, 0.0, 0.2, 0.2, 0.6, 0.5, 0.25, 0.25}, {4, 3});
  Tensor w = f64({0.5, 1.0, 2.0}, {3});
  // Values from PyTorch 1.13: torch.nn.functional.cross_entropy(x, p, weight=w,
  // reduction=red, label_smoothing=0.1).
  CHECK(close(values(F::cross_entropy(logits4x3(), p, w, -100, "mean", 0.1)), {1.306779912616}, 1e-10));
  CHECK(close(values(F::cross_entropy(logits4x3(), p, w, -100, "sum", 0.1)), {5.227119650465}, 1e-10));
  CHECK(close(values(F::cross_entropy(logits4x3(), p, w, -100, "none", 0.1)),
              {1.716571517585, 0.382169656773, 1.85299479437, 1.275383681738}, 1e-10));
  // One-hot probabilities agree with the class indices they encode.
  Tensor t = i64({0, 1, 2, 1}, {4});
  CHECK(close(values(F::cross_entropy(logits4x3(), F::one_hot(t, 3).to(ember::kFloat64))),
              values(F::cross_entropy(logits4x3(), t))));
}

TEST_CASE("cross_entropy: the fused 2-D path agrees with log_softmax + nll_loss", "[loss]") {
  Tensor t = i64({3, 0, 4, 4, 1, 2}, {6});
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64}) {
    double tol = dt == ember::kFloat32 ? 1e-5 : 1e-12;
    Tensor w = ember::rand({5}, dt) + 0.5;
    for (bool weighted : {false, true}) {
      for (std::string red : {"mean", "sum"}) {
        INFO(ember::dtype_name(dt) << " " << weighted << " " << red);
        // A transposed (non-contiguous) input.
        Tensor base = ember::randn({5, 6}, dt);
        Tensor a = base.t().requires_grad_(true);
        Tensor b = base.t().contiguous().requires_grad_(true);
        Tensor wt = weighted ? w : Tensor();
        Tensor la = F::cross_entropy(a, t, wt, -100, red);
        Tensor lb = F::nll_loss(ember::log_softmax(b, 1), t, wt, -100, red);
        CHECK(close(values(la), values(lb), tol));
        (la * 1.7).backward();
        (lb * 1.7).backward();
        CHECK(close(values(a.grad()), values(b.grad()), tol));
      }
    }
  }
}

TEST_CASE("cross_entropy and nll_loss: gradcheck of every option", "[loss]") {
  Tensor t = i64({0, 1, 2, 1}, {4});
  Tensor w = f64({0.5, 1.0, 2.0}, {3});
  Tensor tk = i64({2, 0, 1, 1, 0, 2}, {2, 3});
  for (std::string red : {"mean", "sum", "none"}) {
    INFO(red);
    CHECK(check([&](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], t, Tensor(), -100, red); },
                {leaf({4, 3})}));
    CHECK(check([&](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], t, in[1], -100, red); },
                {leaf({4, 3}), leaf({3}, 0.5, 2)}));
    CHECK(check([&](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], t, w, 2, red); }, {leaf({4, 3})}));
    CHECK(check([&](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], t, Tensor(), -100, red, 0.3); },
                {leaf({4, 3})}));
    CHECK(check([&](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], t, w, 1, red, 0.3); },
                {leaf({4, 3})}));
    CHECK(check([&](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], tk, w, 1, red, 0.1); },
                {leaf({2, 3, 3})}));
    CHECK(check([&](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], in[1], in[2], -100, red, 0.2); },
                {leaf({4, 3}), leaf({4, 3}, 0, 1), leaf({3}, 0.5, 2)}));
    CHECK(check([&](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], i64({1}, {1}).reshape({}), w, -100, red, 0.1); },
                {leaf({3})}));
    CHECK(check([&](const std::vector<Tensor>& in) { return F::nll_loss(in[0], t, w, 0, red); }, {leaf({4, 3})}));
    CHECK(check([&](const std::vector<Tensor>& in) { return F::nll_loss(in[0], tk, Tensor(), -100, red); },
                {leaf({2, 3, 3})}));
  }
  // The fused 2-D path, also in second order (its create_graph backward is composed).
  for (std::string red : {"mean", "sum"}) {
    CHECK(check([&](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], t, w, -100, red); },
                {leaf({4, 3})}, true));
    CHECK(check([&](const std::vector<Tensor>& in) { return F::cross_entropy(in[0], t, Tensor(), -100, red); },
                {leaf({4, 3})}, true));
  }
}

TEST_CASE("cross_entropy and nll_loss: errors", "[loss]") {
  Tensor x = logits4x3();
  Tensor t = i64({0, 1, 2, 1}, {4});
  using Catch::Contains;
  REQUIRE_THROWS_WITH(F::cross_entropy(x, t, Tensor(), -100, "avg"),
                      Contains("cross_entropy") && Contains("'avg'") && Contains("'none', 'mean' or 'sum'"));
  REQUIRE_THROWS_WITH(F::nll_loss(x, i64({0, 3, 1, 1}, {4})),
                      Contains("nll_loss") && Contains("target 3 is out of bounds") && Contains("[0, 3)") &&
                          Contains("[4, 3]"));
  REQUIRE_THROWS_WITH(F::cross_entropy(x, i64({0, -1, 1, 1}, {4})), Contains("cross_entropy") && Contains("target -1"));
  REQUIRE_THROWS_WITH(F::cross_entropy(x, i64({0, 1, 1}, {3})),
                      Contains("cross_entropy") && Contains("[4]") && Contains("[3]") && Contains("[4, 3]"));
  REQUIRE_THROWS_WITH(F::cross_entropy(x, i64({0, 1, 1, 0, 1, 1, 0, 1}, {4, 2})), Contains("expected target of shape [4]"));
  REQUIRE_THROWS_WITH(F::cross_entropy(x, t, f64({1, 2}, {2})),
                      Contains("cross_entropy") && Contains("weight of shape [3]") && Contains("[2]"));
  REQUIRE_THROWS_WITH(F::cross_entropy(x, t, Tensor(), -100, "mean", 1.5),
                      Contains("cross_entropy") && Contains("label_smoothing") && Contains("1.5"));
  REQUIRE_THROWS_WITH(F::cross_entropy(x, ember::zeros({4, 2}, ember::kFloat64)),
                      Contains("cross_entropy") && Contains("[4, 3]") && Contains("[4, 2]"));
  REQUIRE_THROWS_WITH(F::cross_entropy(x, ember::zeros({4, 3}, ember::kFloat64), Tensor(), 1),
                      Contains("cross_entropy") && Contains("ignore_index (1)") && Contains("probability"));
  REQUIRE_THROWS_WITH(F::nll_loss(x, t.to(ember::kBool)), Contains("nll_loss") && Contains("int64"));
  REQUIRE_THROWS_WITH(F::nll_loss(ember::tensor(1.0), i64({0}, {1}).reshape({})), Contains("nll_loss") && Contains("0-dim"));
}

TEST_CASE("mse_loss, l1_loss, smooth_l1_loss against naive loops", "[loss]") {
  Tensor a = f64({0.5, -1.0, 2.0, 0.25, 3.0, -0.75}, {2, 3});
  Tensor b = f64({0.0, -0.5, 0.5, 0.25, -1.0, 0.5}, {2, 3});
  std::vector<double> av = values(a), bv = values(b);
  auto smooth = [](double d, double beta) {
    d = std::fabs(d);
    return beta == 0 ? d : (d < beta ? 0.5 * d * d / beta : d - 0.5 * beta);
  };
  std::vector<double> se, ae, s1, s0, s3;
  for (std::size_t i = 0; i < av.size(); ++i) {
    double d = av[i] - bv[i];
    se.push_back(d * d);
    ae.push_back(std::fabs(d));
    s1.push_back(smooth(d, 1.0));
    s0.push_back(smooth(d, 0.0));
    s3.push_back(smooth(d, 3.0));
  }
  auto total = [](const std::vector<double>& v) {
    double s = 0;
    for (double e : v) s += e;
    return s;
  };
  CHECK(close(values(F::mse_loss(a, b, "none")), se));
  CHECK(close(values(F::mse_loss(a, b)), {total(se) / 6}));
  CHECK(close(values(F::mse_loss(a, b, "sum")), {total(se)}));
  CHECK(close(values(F::l1_loss(a, b, "none")), ae));
  CHECK(close(values(F::l1_loss(a, b)), {total(ae) / 6}));
  CHECK(close(values(F::smooth_l1_loss(a, b, "none")), s1));
  CHECK(close(values(F::smooth_l1_loss(a, b, "sum", 0.0)), {total(s0)}));
  CHECK(close(values(F::smooth_l1_loss(a, b, "mean", 3.0)), {total(s3) / 6}));
  CHECK(F::mse_loss(a, b, "none").sizes().vec() == std::vector<int64_t>{2, 3});
  CHECK(F::l1_loss(a, b).dim() == 0);
}

TEST_CASE("mse_loss, l1_loss, smooth_l1_loss: gradcheck and errors", "[loss]") {
  // Inputs kept apart from the kinks (|d| = 0 and |d| = beta).
  Tensor a = f64({0.5, -1.0, 2.0, 0.3, 3.0, -0.75}, {2, 3}).requires_grad_(true);
  Tensor b = f64({0.0, -0.4, 0.6, 0.25, -1.0, 0.5}, {2, 3}).requires_grad_(true);
  for (std::string red : {"mean", "sum", "none"}) {
    INFO(red);
    CHECK(check([&](const std::vector<Tensor>& in) { return F::mse_loss(in[0], in[1], red); }, {a, b}, true));
    CHECK(check([&](const std::vector<Tensor>& in) { return F::l1_loss(in[0], in[1], red); }, {a, b}));
    for (double beta : {0.0, 0.3, 1.0, 5.0})
      CHECK(check([&](const std::vector<Tensor>& in) { return F::smooth_l1_loss(in[0], in[1], red, beta); }, {a, b}));
  }
  // At d = 0 the l1 gradient is 0, as PyTorch's sign(0).
  Tensor z = f64({1.0, 2.0}, {2}).requires_grad_(true);
  F::l1_loss(z, f64({1.0, 0.0}, {2}), "sum").backward();
  CHECK(values(z.grad()) == std::vector<double>{0.0, 1.0});

  using Catch::Contains;
  REQUIRE_THROWS_WITH(F::mse_loss(a, b, "Mean"), Contains("mse_loss") && Contains("'Mean'"));
  REQUIRE_THROWS_WITH(F::mse_loss(a, ember::zeros({3, 2}, ember::kFloat64)),
                      Contains("mse_loss") && Contains("[3, 2]") && Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(F::l1_loss(a, ember::zeros({6}, ember::kFloat64)), Contains("l1_loss") && Contains("[6]"));
  REQUIRE_THROWS_WITH(F::smooth_l1_loss(a, b, "mean", -1.0), Contains("smooth_l1_loss") && Contains("beta"));
  REQUIRE_THROWS_WITH(F::smooth_l1_loss(a, b, "x"), Contains("smooth_l1_loss") && Contains("'x'"));
}

TEST_CASE("binary_cross_entropy (PyTorch values, clamped logs) and gradcheck", "[loss]") {
  Tensor y = f64({0.0, 1.0, 1.0, 1.0, 0.0, 0.25}, {6});
  Tensor w = f64({1.0, 2.0, 0.5, 1.0, 1.0, 3.0}, {6});
  // Values from PyTorch 1.13: torch.nn.functional.binary_cross_entropy(x, y, weight=w,
  // reduction=red); inputs 0 and 1 hit the log clamp at -100.
  Tensor x = f64({0.02, 0.5, 0.97, 0.0, 1.0, 0.3}, {6}).requires_grad_(true);
  CHECK(close(values(F::binary_cross_entropy(x, y, w, "none")),
              {0.020202707318, 1.38629436112, 0.015229603742, 100.0, 100.0, 1.705498227107}, 1e-10));
  CHECK(close(values(F::binary_cross_entropy(x, y, w)), {33.854537483214}, 1e-10));
  Tensor l = F::binary_cross_entropy(x, y, w, "sum");
  CHECK(close(values(l), {203.127224899286}, 1e-10));
  l.backward();
  // PyTorch 1.13's x.grad: finite at 0 and 1 (divided by a float 1e-12).
  CHECK(close(values(x.grad()),
              {1.020408163265, -4.0, -0.515463917526, -1000000003995.8029, 1000000003995.8029, 0.714285714286}, 1e-10));

  Tensor xi = leaf({2, 3}, 0.05, 0.95), yi = leaf({2, 3}, 0, 1), wi = leaf({2, 3}, 0.5, 2), wb = leaf({3}, 0.5, 2);
  for (std::string red : {"mean", "sum", "none"}) {
    INFO(red);
    CHECK(check([&](const std::vector<Tensor>& in) { return F::binary_cross_entropy(in[0], in[1], Tensor(), red); },
                {xi, yi}, true));
    CHECK(check([&](const std::vector<Tensor>& in) { return F::binary_cross_entropy(in[0], in[1], in[2], red); },
                {xi, yi, wi}, true));
    CHECK(check([&](const std::vector<Tensor>& in) { return F::binary_cross_entropy(in[0], in[1], in[2], red); },
                {xi, yi, wb}));
  }
  using Catch::Contains;
  REQUIRE_THROWS_WITH(F::binary_cross_entropy(f64({0.5, 1.5}, {2}), f64({0, 1}, {2})),
                      Contains("binary_cross_entropy") && Contains("between 0 and 1"));
  REQUIRE_THROWS_WITH(F::binary_cross_entropy(f64({0.5, 0.5}, {2}), f64({0, 1, 1}, {3})),
                      Contains("binary_cross_entropy") && Contains("[3]") && Contains("[2]"));
  REQUIRE_THROWS_WITH(F::binary_cross_entropy(f64({0.5, 0.5}, {2}), f64({0, 1}, {2}), f64({1, 1, 1}, {3})),
                      Contains("binary_cross_entropy") && Contains("weight"));
  REQUIRE_THROWS_WITH(F::binary_cross_entropy(f64({0.5}, {1}), f64({0}, {1}), Tensor(), "total"),
                      Contains("'total'"));
}

TEST_CASE("binary_cross_entropy_with_logits: weight, pos_weight, stability, gradcheck", "[loss]") {
  Tensor y = f64({1.0, 0.0, 0.3, 0.0, 1.0, 1.0}, {2, 3});
  Tensor w = f64({1.0, 2.0, 0.5}, {1, 3});
  Tensor pw = f64({3.0, 0.5, 2.0}, {3});
  // Values from PyTorch 1.13: F.binary_cross_entropy_with_logits(x, y, weight=w,
  // reduction=red, pos_weight=pw), and x.grad of the "sum" loss. |x| = 40 would overflow
  // a naive exp; x = 0 is where |x| and max(-x, 0) have kinks.
  Tensor x = f64({0.0, -3.0, 2.5, 40.0, -40.0, 0.7}, {2, 3}).requires_grad_(true);
  CHECK(close(values(F::binary_cross_entropy_with_logits(x, y, w, "none", pw)),
              {2.07944154168, 0.097174703147, 0.92627832729, 40.0, 40.0, 0.403186048885}, 1e-10));
  CHECK(close(values(F::binary_cross_entropy_with_logits(x, y, w, "mean", pw)), {13.9176801035}, 1e-10));
  Tensor l = F::binary_cross_entropy_with_logits(x, y, w, "sum", pw);
  CHECK(close(values(l), {83.506080621003}, 1e-10));
  l.backward();
  CHECK(close(values(x.grad()), {-1.5, 0.094851746355, 0.300692182986, 1.0, -1.0, -0.331812227832}, 1e-10));
  // Without weights the gradient at 0 is sigmoid(0) - y.
  Tensor z = ember::zeros({2}, ember::kFloat64).requires_grad_(true);
  F::binary_cross_entropy_with_logits(z, f64({1.0, 0.25}, {2}), Tensor(), "sum").backward();
  CHECK(close(values(z.grad()), {-0.5, 0.25}));
  // Against the plain formula on moderate logits.
  Tensor xm = f64({0.3, -1.2, 2.0}, {3}), ym = f64({1.0, 0.0, 0.4}, {3});
  std::vector<double> expect;
  for (int i = 0; i < 3; ++i) {
    double xv = values(xm)[i], yv = values(ym)[i], s = 1 / (1 + std::exp(-xv));
    expect.push_back(-(yv * std::log(s) + (1 - yv) * std::log(1 - s)));
  }
  CHECK(close(values(F::binary_cross_entropy_with_logits(xm, ym, Tensor(), "none")), expect));

  Tensor xi = leaf({2, 3}), yi = leaf({2, 3}, 0, 1), wi = leaf({3}, 0.5, 2), pwi = leaf({3}, 0.5, 3);
  for (std::string red : {"mean", "sum", "none"}) {
    INFO(red);
    CHECK(check([&](const std::vector<Tensor>& in) {
      return F::binary_cross_entropy_with_logits(in[0], in[1], Tensor(), red);
    }, {xi, yi}, true));
    CHECK(check([&](const std::vector<Tensor>& in) {
      return F::binary_cross_entropy_with_logits(in[0], in[1], in[2], red, in[3]);
    }, {xi, yi, wi, pwi}, true));
    CHECK(check([&](const std::vector<Tensor>& in) {
      return F::binary_cross_entropy_with_logits(in[0], in[1], Tensor(), red, in[2]);
    }, {xi, yi, pwi}));
  }
  using Catch::Contains;
  REQUIRE_THROWS_WITH(F::binary_cross_entropy_with_logits(xm, f64({1, 0}, {2})),
                      Contains("binary_cross_entropy_with_logits") && Contains("[2]") && Contains("[3]"));
  REQUIRE_THROWS_WITH(F::binary_cross_entropy_with_logits(xm, ym, Tensor(), "mean", f64({1, 2}, {2})),
                      Contains("pos_weight") && Contains("[2]"));
  REQUIRE_THROWS_WITH(F::binary_cross_entropy_with_logits(xm, ym, Tensor(), "avg"), Contains("'avg'"));
}

TEST_CASE("mse_loss: the one-pass kernel and its node against the composed formula", "[loss]") {
  // Outside a trace, "mean" and "sum" of two float tensors of one shape run one pass
  // forward and one back; the reference is the composed (x - y)^2 reduced, in float64,
  // and its autograd gradients. Sizes past one chunk of the kernel (65536), a
  // non-contiguous input, gradients for either operand, and create_graph.
  ember::manual_seed(31);
  for (int64_t n : {int64_t(7), int64_t(100000)}) {
    for (const char* reduction : {"mean", "sum"}) {
      INFO("n " << n << ", reduction " << reduction);
      Tensor x64 = ember::randn({n}, ember::kFloat64).requires_grad_(true);
      Tensor y64 = ember::randn({n}, ember::kFloat64).requires_grad_(true);
      Tensor want = ((x64 - y64).square()).sum() / (std::string(reduction) == "mean" ? double(n) : 1.0);
      std::vector<Tensor> want_g = ember::autograd::grad({want}, {x64, y64});
      Tensor x32 = x64.detach().to(ember::kFloat32).requires_grad_(true);
      Tensor y32 = y64.detach().to(ember::kFloat32).requires_grad_(true);
      Tensor got = F::mse_loss(x32, y32, reduction);
      CHECK(got.dim() == 0);
      CHECK(got.dtype() == ember::kFloat32);
      CHECK(got.item<double>() == Approx(want.item<double>()).epsilon(1e-5));
      std::vector<Tensor> got_g = ember::autograd::grad({got}, {x32, y32});
      CHECK(close(values(got_g[0]), values(want_g[0]), 1e-6));
      CHECK(close(values(got_g[1]), values(want_g[1]), 1e-6));
      // float64 through the kernel: the same as the composed float64 to rounding.
      Tensor got64 = F::mse_loss(x64, y64, reduction);
      CHECK(got64.item<double>() == Approx(want.item<double>()).epsilon(1e-12));
    }
  }
  // A transposed (non-contiguous) input, only the input requiring a gradient.
  Tensor a = ember::randn({30, 40}).requires_grad_(true);
  Tensor b = ember::randn({40, 30});
  Tensor loss = F::mse_loss(a.t(), b);
  loss.backward();
  Tensor want_ga = (a.detach() - b.t()) * (2.0 / 1200);
  CHECK(close(values(a.grad()), values(want_ga), 1e-6));
  // Second order: d/dx of the gradient's sum is 2 / n per element (mean).
  Tensor x = ember::randn({5}, ember::kFloat64).requires_grad_(true), y = ember::randn({5}, ember::kFloat64);
  Tensor g = ember::autograd::grad({F::mse_loss(x, y)}, {x}, {}, std::nullopt, true)[0];
  Tensor gg = ember::autograd::grad({g.sum()}, {x})[0];
  CHECK(close(values(gg), std::vector<double>(5, 2.0 / 5), 1e-12));
  CHECK(ember::autograd::gradcheck([](const std::vector<Tensor>& in) { return F::mse_loss(in[0], in[1]); },
                                   {ember::randn({6}, ember::kFloat64).requires_grad_(true),
                                    ember::randn({6}, ember::kFloat64).requires_grad_(true)}));
}

TEST_CASE("mse_loss: the same bits at 1 and 2 threads", "[loss][threads]") {
  ember::manual_seed(32);
  Tensor x = ember::randn({300000}), y = ember::randn({300000});
  const int before = ember::get_num_threads();
  std::vector<double> sums;
  for (int threads : {1, 2}) {
    ember::set_num_threads(threads);
    sums.push_back(F::mse_loss(x, y).item<double>());
  }
  ember::set_num_threads(before);
  CHECK(sums[0] == sums[1]);
}
