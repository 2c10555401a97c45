// Normalization: layer_norm, batch_norm (training statistics, running-stat updates,
// eval mode), group_norm against naive loops written here; gradcheck; errors.
#include <cmath>
#include <vector>

#include "helpers.hpp"

namespace F = ember::nn::functional;
using ember::Tensor;
using testing::leaf;
using testing::values;

namespace {

bool close(const std::vector<double>& a, const std::vector<double>& b, double tol = 1e-9) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(std::fabs(a[i] - b[i]) <= tol * (1 + std::fabs(b[i])))) return false;
  return true;
}

// Standardizes each of `groups` consecutive blocks of `v` (biased variance).
std::vector<double> naive_standardize_blocks(const std::vector<double>& v, std::size_t block, double eps) {
  std::vector<double> out(v.size());
  for (std::size_t s = 0; s < v.size(); s += block) {
    double m = 0, var = 0;
    for (std::size_t i = 0; i < block; ++i) m += v[s + i];
    m /= static_cast<double>(block);
    for (std::size_t i = 0; i < block; ++i) var += (v[s + i] - m) * (v[s + i] - m);
    var /= static_cast<double>(block);
    for (std::size_t i = 0; i < block; ++i) out[s + i] = (v[s + i] - m) / std::sqrt(var + eps);
  }
  return out;
}

bool check(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& in,
           bool second = false) {
  return ember::autograd::gradcheck(f, in, second ? testing::second_order() : ember::autograd::GradcheckOptions{});
}

}  // namespace

TEST_CASE("layer_norm against a naive loop", "[norm]") {
  Tensor x = ember::randn({2, 3, 4}, ember::kFloat64);
  Tensor w = ember::randn({4}, ember::kFloat64), b = ember::randn({4}, ember::kFloat64);
  std::vector<double> s = naive_standardize_blocks(values(x), 4, 1e-5);
  std::vector<double> wv = values(w), bv = values(b), expect(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) expect[i] = s[i] * wv[i % 4] + bv[i % 4];
  CHECK(close(values(F::layer_norm(x, {4}, w, b)), expect));
  CHECK(close(values(F::layer_norm(x, {4})), s));
  // Over the last two dims, eps visible on a near-constant input.
  CHECK(close(values(F::layer_norm(x, {3, 4}, Tensor(), Tensor(), 0.1)), naive_standardize_blocks(values(x), 12, 0.1)));
  Tensor flat = ember::full({5}, 2.0, ember::kFloat64);
  CHECK(close(values(F::layer_norm(flat, {5})), std::vector<double>(5, 0.0)));
  CHECK(close(values(F::layer_norm(x.to(ember::kFloat32), {4}, w.to(ember::kFloat32), b.to(ember::kFloat32))), expect,
              1e-5));
}

TEST_CASE("layer_norm: gradcheck and errors", "[norm]") {
  CHECK(check([](const std::vector<Tensor>& in) { return F::layer_norm(in[0], {4}, in[1], in[2]); },
              {leaf({2, 3, 4}), leaf({4}), leaf({4})}, true));
  CHECK(check([](const std::vector<Tensor>& in) { return F::layer_norm(in[0], {3, 4}, in[1], Tensor(), 1e-3); },
              {leaf({2, 3, 4}), leaf({3, 4})}));
  CHECK(check([](const std::vector<Tensor>& in) { return F::layer_norm(in[0], {5}); }, {leaf({5})}));
  using Catch::Contains;
  Tensor x = ember::randn({2, 3});
  REQUIRE_THROWS_WITH(F::layer_norm(x, {2}), Contains("layer_norm") && Contains("[2]") && Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(F::layer_norm(x, {3}, ember::ones({2})), Contains("layer_norm") && Contains("weight"));
  REQUIRE_THROWS_WITH(F::layer_norm(x, {3}, Tensor(), ember::ones({3, 1})), Contains("bias") && Contains("[3, 1]"));
  REQUIRE_THROWS_WITH(F::layer_norm(x, {2, 3, 1}), Contains("layer_norm"));
}

TEST_CASE("batch_norm: training statistics and running-stat updates", "[norm]") {
  // [N=3, C=2, L=2]: each channel's 6 values normalized together.
  Tensor x = ember::randn({3, 2, 2}, ember::kFloat64) * 2 + 1;
  std::vector<double> xv = values(x);
  std::vector<double> expect(xv.size()), mean(2, 0), var(2, 0);
  for (std::size_t c = 0; c < 2; ++c) {
    std::vector<double> vals;
    for (std::size_t n = 0; n < 3; ++n)
      for (std::size_t l = 0; l < 2; ++l) vals.push_back(xv[n * 4 + c * 2 + l]);
    std::vector<double> s = naive_standardize_blocks(vals, 6, 1e-5);
    for (double v : vals) mean[c] += v / 6;
    for (double v : vals) var[c] += (v - mean[c]) * (v - mean[c]) / 6;
    std::size_t k = 0;
    for (std::size_t n = 0; n < 3; ++n)
      for (std::size_t l = 0; l < 2; ++l) expect[n * 4 + c * 2 + l] = s[k++] * (c + 1.0) - 0.5;
  }
  Tensor rm = ember::tensor({0.5, -1.0}, ember::kFloat64), rv = ember::tensor({2.0, 0.5}, ember::kFloat64);
  Tensor w = ember::tensor({1.0, 2.0}, ember::kFloat64), b = ember::full({2}, -0.5, ember::kFloat64);
  CHECK(close(values(F::batch_norm(x, rm, rv, w, b, /*training=*/true, /*momentum=*/0.2)), expect));
  // running = 0.8 * running + 0.2 * batch, with the unbiased (n / (n - 1)) variance.
  CHECK(close(values(rm), {0.8 * 0.5 + 0.2 * mean[0], 0.8 * -1.0 + 0.2 * mean[1]}));
  CHECK(close(values(rv), {0.8 * 2.0 + 0.2 * var[0] * 6 / 5, 0.8 * 0.5 + 0.2 * var[1] * 6 / 5}));
  CHECK(!rm.requires_grad());

  // Eval mode uses the running statistics.
  std::vector<double> e;
  std::vector<double> rmv = values(rm), rvv = values(rv);
  for (std::size_t i = 0; i < xv.size(); ++i) {
    std::size_t c = (i / 2) % 2;
    e.push_back((xv[i] - rmv[c]) / std::sqrt(rvv[c] + 1e-3));
  }
  CHECK(close(values(F::batch_norm(x, rm, rv, Tensor(), Tensor(), false, 0.1, 1e-3)), e));
  CHECK(close(values(rm), rmv));  // untouched in eval mode

  // Training without running stats, on [N, C] and [N, C, H, W].
  Tensor x2 = ember::randn({4, 3}, ember::kFloat64);
  Tensor y2 = F::batch_norm(x2, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 0.0);
  CHECK(close(values(y2.mean({0})), {0, 0, 0}, 1e-9));
  CHECK(close(values(y2.var({0}, false)), {1, 1, 1}, 1e-9));
  Tensor x4 = ember::randn({2, 3, 2, 2}, ember::kFloat64);
  Tensor y4 = F::batch_norm(x4, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 0.0);
  CHECK(close(values(y4.mean({0, 2, 3})), {0, 0, 0}, 1e-9));
  CHECK(close(values(y4.var({0, 2, 3}, false)), {1, 1, 1}, 1e-9));
}

TEST_CASE("batch_norm: gradcheck and errors", "[norm]") {
  for (bool training : {true, false}) {
    INFO(training);
    Tensor rm = ember::randn({3}, ember::kFloat64), rv = ember::rand({3}, ember::kFloat64) + 0.5;
    CHECK(check([&](const std::vector<Tensor>& in) {
      return F::batch_norm(in[0], training ? Tensor() : rm, training ? Tensor() : rv, in[1], in[2], training);
    }, {leaf({4, 3, 2}), leaf({3}), leaf({3})}, true));
    CHECK(check([&](const std::vector<Tensor>& in) {
      return F::batch_norm(in[0], training ? Tensor() : rm, training ? Tensor() : rv, Tensor(), Tensor(), training);
    }, {leaf({2, 3})}));
  }
  using Catch::Contains;
  REQUIRE_THROWS_WITH(F::batch_norm(ember::randn({1, 3}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                      Contains("batch_norm") && Contains("more than 1 value per channel") && Contains("[1, 3]"));
  REQUIRE_THROWS_WITH(F::batch_norm(ember::randn({1, 3, 1, 1}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                      Contains("[1, 3, 1, 1]"));
  REQUIRE_THROWS_WITH(F::batch_norm(ember::randn({4, 3}), Tensor(), Tensor()),
                      Contains("batch_norm") && Contains("running_mean and running_var"));
  REQUIRE_THROWS_WITH(F::batch_norm(ember::randn({4, 3}), ember::zeros({2}), ember::ones({3})),
                      Contains("running_mean") && Contains("[2]") && Contains("[3]"));
  REQUIRE_THROWS_WITH(F::batch_norm(ember::randn({4}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                      Contains("batch_norm") && Contains("[4]"));
  REQUIRE_THROWS_WITH(F::batch_norm(ember::randn({4, 3}), Tensor(), Tensor(), ember::ones({4}), Tensor(), true),
                      Contains("weight") && Contains("[4]"));
}

TEST_CASE("group_norm against a naive loop, gradcheck, errors", "[norm]") {
  // [N=2, C=4, L=3], 2 groups: each group is 2 channels x 3 positions, contiguous.
  Tensor x = ember::randn({2, 4, 3}, ember::kFloat64);
  Tensor w = ember::randn({4}, ember::kFloat64), b = ember::randn({4}, ember::kFloat64);
  std::vector<double> s = naive_standardize_blocks(values(x), 6, 1e-5);
  std::vector<double> wv = values(w), bv = values(b), expect(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) expect[i] = s[i] * wv[(i / 3) % 4] + bv[(i / 3) % 4];
  CHECK(close(values(F::group_norm(x, 2, w, b)), expect));
  CHECK(close(values(F::group_norm(x, 4)), naive_standardize_blocks(values(x), 3, 1e-5)));
  CHECK(close(values(F::group_norm(x, 1)), naive_standardize_blocks(values(x), 12, 1e-5)));
  CHECK(F::group_norm(ember::randn({2, 6, 2, 2}), 3).sizes().vec() == std::vector<int64_t>{2, 6, 2, 2});

  CHECK(check([](const std::vector<Tensor>& in) { return F::group_norm(in[0], 2, in[1], in[2]); },
              {leaf({2, 4, 3}), leaf({4}), leaf({4})}, true));
  CHECK(check([](const std::vector<Tensor>& in) { return F::group_norm(in[0], 3, Tensor(), Tensor(), 1e-3); },
              {leaf({2, 6, 2, 1})}));
  using Catch::Contains;
  REQUIRE_THROWS_WITH(F::group_norm(x, 3), Contains("group_norm") && Contains("divisible") && Contains("[2, 4, 3]"));
  REQUIRE_THROWS_WITH(F::group_norm(x, 0), Contains("group_norm"));
  REQUIRE_THROWS_WITH(F::group_norm(x, 2, ember::ones({2})), Contains("weight") && Contains("[2]"));
  REQUIRE_THROWS_WITH(F::group_norm(ember::randn({4}), 2), Contains("group_norm") && Contains("[4]"));
}

TEST_CASE("batch_norm: float32 planes of any length, contiguous or not, agree with float64", "[norm]") {
  // The normalisation runs as x * scale[c] + shift[c] over each (image, channel) plane
  // (SIMD with a tail); the reference is the same call in float64.
  ember::manual_seed(4);
  for (std::vector<int64_t> shape :
       {std::vector<int64_t>{2, 3, 5, 7}, {4, 5, 33}, {3, 2, 16, 16}, {8, 6}, {150, 37}, {3, 6, 5}}) {
    INFO("shape " << ember::IntArrayRef(shape));
    const int64_t C = shape[1];
    Tensor x = ember::randn(shape, ember::kFloat64) * 3 + 1;
    Tensor rm = ember::randn({C}, ember::kFloat64), rv = ember::rand({C}, ember::kFloat64) + 0.5;
    Tensor w = ember::randn({C}, ember::kFloat64), b = ember::randn({C}, ember::kFloat64);
    for (bool training : {false, true}) {
      Tensor want = F::batch_norm(x, rm.clone(), rv.clone(), w, b, training);
      Tensor got = F::batch_norm(x.to(ember::kFloat32), rm.to(ember::kFloat32), rv.to(ember::kFloat32),
                                 w.to(ember::kFloat32), b.to(ember::kFloat32), training);
      REQUIRE(got.dtype() == ember::kFloat32);
      CHECK(close(values(got), values(want), 1e-5));
      // A permuted (non-contiguous) input gives the same values as its contiguous copy.
      if (shape.size() == 4) {
        Tensor xp = x.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2});
        REQUIRE_FALSE(xp.is_contiguous());
        CHECK(close(values(F::batch_norm(xp, rm.clone(), rv.clone(), w, b, training)), values(want), 1e-12));
      }
    }
  }
}

TEST_CASE("layer_norm: the float32 row kernel agrees with the float64 composition, gradients included", "[norm]") {
  // float32 runs a row kernel with a backward of its own; float64 runs the composed ops
  // (mean, var, rsqrt, mul, add), whose gradients come from autograd: the reference.
  ember::manual_seed(6);
  struct Case {
    std::vector<int64_t> shape;
    std::vector<int64_t> normalized;
    bool affine;
  };
  for (const Case& cs : {Case{{4, 37}, {37}, true}, Case{{3, 5, 64}, {64}, false}, Case{{2, 3, 4, 5}, {4, 5}, true},
                         Case{{6, 300}, {300}, true}}) {
    INFO("shape " << ember::IntArrayRef(cs.shape) << ", normalized " << ember::IntArrayRef(cs.normalized));
    Tensor x64 = (ember::randn(cs.shape, ember::kFloat64) * 2 + 3).requires_grad_(true);
    Tensor w64 = ember::randn(cs.normalized, ember::kFloat64).requires_grad_(true);
    Tensor b64 = ember::randn(cs.normalized, ember::kFloat64).requires_grad_(true);
    Tensor x32 = x64.detach().to(ember::kFloat32).requires_grad_(true);
    Tensor w32 = w64.detach().to(ember::kFloat32).requires_grad_(true);
    Tensor b32 = b64.detach().to(ember::kFloat32).requires_grad_(true);
    Tensor g = ember::randn(cs.shape, ember::kFloat64);
    Tensor y64 = cs.affine ? F::layer_norm(x64, cs.normalized, w64, b64) : F::layer_norm(x64, cs.normalized);
    Tensor y32 = cs.affine ? F::layer_norm(x32, cs.normalized, w32, b32) : F::layer_norm(x32, cs.normalized);
    REQUIRE(y32.dtype() == ember::kFloat32);
    CHECK(close(values(y32), values(y64), 2e-5));
    // First order, and the second through create_graph: d/dx of sum(dL/dx * g).
    std::vector<Tensor> in64 = {x64}, in32 = {x32};
    if (cs.affine) {
      in64.insert(in64.end(), {w64, b64});
      in32.insert(in32.end(), {w32, b32});
    }
    auto g64 = ember::autograd::grad({y64}, in64, {g}, std::nullopt, true);
    auto g32 = ember::autograd::grad({y32}, in32, {g.to(ember::kFloat32)}, std::nullopt, true);
    for (std::size_t i = 0; i < in64.size(); ++i) CHECK(close(values(g32[i]), values(g64[i]), 5e-4));
    // A plain backward (not recorded) takes the row kernel's backward instead.
    auto plain32 = ember::autograd::grad({y32}, in32, {g.to(ember::kFloat32)}, /*retain_graph=*/true);
    for (std::size_t i = 0; i < in64.size(); ++i) CHECK(close(values(plain32[i]), values(g64[i]), 5e-4));
    // Bias only (no weight): its gradient has the normalised shape.
    if (cs.affine) {
      Tensor xb = x32.detach().requires_grad_(true), bb = b32.detach().requires_grad_(true);
      auto gb = ember::autograd::grad({F::layer_norm(xb, cs.normalized, Tensor(), bb)}, {xb, bb}, {g.to(ember::kFloat32)});
      REQUIRE(gb[1].sizes() == bb.sizes());
      CHECK(close(values(gb[1]), values(g64[2]), 5e-4));
    }
    Tensor h64 = ember::autograd::grad({(g64[0] * g).sum()}, {x64})[0];
    Tensor h32 = ember::autograd::grad({(g32[0] * g.to(ember::kFloat32)).sum()}, {x32})[0];
    CHECK(close(values(h32), values(h64), 5e-3));
  }
  // A non-contiguous input: its transpose's rows.
  Tensor a = ember::randn({16, 24});
  Tensor t = a.t();
  REQUIRE_FALSE(t.is_contiguous());
  CHECK(close(values(F::layer_norm(t, {16})), values(F::layer_norm(t.to(ember::kFloat64), {16})), 2e-5));
}

TEST_CASE("layer_norm: the row kernel's gradients do not depend on the thread count", "[norm][threads]") {
  const int before = ember::get_num_threads();
  ember::manual_seed(16);
  Tensor x0 = ember::randn({777, 96}), w0 = ember::randn({96}), b0 = ember::randn({96}), g = ember::randn({777, 96});
  std::vector<std::vector<double>> runs;
  for (int threads : {1, 2}) {
    ember::set_num_threads(threads);
    Tensor x = x0.clone().requires_grad_(true), w = w0.clone().requires_grad_(true), b = b0.clone().requires_grad_(true);
    auto grads = ember::autograd::grad({F::layer_norm(x, {96}, w, b)}, {x, w, b}, {g});
    std::vector<double> all;
    for (const Tensor& t : grads) {
      std::vector<double> v = values(t);
      all.insert(all.end(), v.begin(), v.end());
    }
    runs.push_back(all);
  }
  ember::set_num_threads(before);
  REQUIRE(runs[0] == runs[1]);
}

TEST_CASE("batch_norm training in float32: kernel gradients agree with float64, to second order", "[norm]") {
  // float32 training runs one node: a plain backward takes k::batch_norm_backward, a
  // recorded one composes differentiable ops. float64 composes mean, var and the affine
  // ops: the reference.
  ember::manual_seed(19);
  // [16, 5] and [150, 37]: a BatchNorm1d's input, whose kernels run along the rows (the
  // latter over several blocks of 64 rows and a partial one).
  for (std::vector<int64_t> shape : {std::vector<int64_t>{4, 3, 5, 7}, {16, 5}, {150, 37}, {2, 4, 33}}) {
    for (bool affine : {true, false}) {
      INFO("shape " << ember::IntArrayRef(shape) << (affine ? ", affine" : ""));
      const int64_t C = shape[1];
      Tensor x64 = (ember::randn(shape, ember::kFloat64) * 2 + 1).requires_grad_(true);
      Tensor w64 = ember::randn({C}, ember::kFloat64).requires_grad_(true);
      Tensor b64 = ember::randn({C}, ember::kFloat64).requires_grad_(true);
      Tensor x32 = x64.detach().to(ember::kFloat32).requires_grad_(true);
      Tensor w32 = w64.detach().to(ember::kFloat32).requires_grad_(true);
      Tensor b32 = b64.detach().to(ember::kFloat32).requires_grad_(true);
      Tensor g = ember::randn(shape, ember::kFloat64);
      std::vector<Tensor> in64 = {x64}, in32 = {x32};
      if (affine) {
        in64.insert(in64.end(), {w64, b64});
        in32.insert(in32.end(), {w32, b32});
      }
      Tensor rm32 = ember::zeros({C}), rv32 = ember::ones({C});
      Tensor rm64 = ember::zeros({C}, ember::kFloat64), rv64 = ember::ones({C}, ember::kFloat64);
      Tensor y64 = F::batch_norm(x64, rm64, rv64, affine ? w64 : Tensor(), affine ? b64 : Tensor(), true, 0.1);
      Tensor y32 = F::batch_norm(x32, rm32, rv32, affine ? w32 : Tensor(), affine ? b32 : Tensor(), true, 0.1);
      CHECK(close(values(y32), values(y64), 2e-5));
      CHECK(close(values(rm32), values(rm64), 1e-5));
      CHECK(close(values(rv32), values(rv64), 1e-5));
      auto ref = ember::autograd::grad({y64}, in64, {g}, std::nullopt, true);
      auto plain = ember::autograd::grad({y32}, in32, {g.to(ember::kFloat32)}, /*retain_graph=*/true);
      auto recorded = ember::autograd::grad({y32}, in32, {g.to(ember::kFloat32)}, std::nullopt, true);
      for (std::size_t i = 0; i < in64.size(); ++i) {
        CHECK(close(values(plain[i]), values(ref[i]), 5e-4));
        CHECK(close(values(recorded[i]), values(ref[i]), 5e-4));
      }
      Tensor h64 = ember::autograd::grad({(ref[0] * g).sum()}, {x64})[0];
      Tensor h32 = ember::autograd::grad({(recorded[0] * g.to(ember::kFloat32)).sum()}, {x32})[0];
      CHECK(close(values(h32), values(h64), 5e-3));
    }
  }
}

TEST_CASE("batch_norm training on [N, C] in float32: the same bits at 1 and 2 threads", "[norm][threads]") {
  // The row kernels sum fixed blocks of rows and split the channels among threads.
  ember::manual_seed(23);
  Tensor x = ember::randn({3000, 70}) * 2 + 1, g = ember::randn({3000, 70});  // enough rows to split channels
  Tensor w = ember::randn({70}), b = ember::randn({70});
  const int before = ember::get_num_threads();
  std::vector<std::vector<Tensor>> runs;
  for (int threads : {1, 2}) {
    ember::set_num_threads(threads);
    Tensor xi = x.clone().requires_grad_(true), wi = w.clone().requires_grad_(true), bi = b.clone().requires_grad_(true);
    Tensor rm = ember::zeros({70}), rv = ember::ones({70});
    Tensor y = F::batch_norm(xi, rm, rv, wi, bi, true);
    std::vector<Tensor> got = ember::autograd::grad({y}, {xi, wi, bi}, {g});
    got.insert(got.end(), {y.detach(), rm, rv});
    runs.push_back(got);
  }
  ember::set_num_threads(before);
  for (std::size_t i = 0; i < runs[0].size(); ++i) {
    INFO("result " << i);
    CHECK(ember::equal(runs[0][i], runs[1][i]));
  }
}
