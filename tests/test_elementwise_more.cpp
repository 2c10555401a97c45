// remainder, fmod, floor_divide, lerp, clamp with tensor bounds, two-tensor max/min,
// cumprod, logcumsumexp and resize_: values against PyTorch 1.13 (the expected lists
// were printed by the same torch calls on the same inputs), gradients by gradcheck
// (first and second order), and the errors of user mistakes.
#include <cmath>
#include <functional>
#include <limits>
#include <cstring>

#include "helpers.hpp"

using ember::Tensor;
using testing::values;

namespace {
using In = const std::vector<Tensor>&;
Tensor f64(std::vector<double> v) { return ember::tensor(v); }
Tensor f64(std::vector<double> v, ember::IntArrayRef shape) { return ember::tensor(v, shape); }
Tensor ints(std::vector<int64_t> v) { return ember::tensor(v); }
bool close(const Tensor& t, const std::vector<double>& want, double tol = 1e-12) {
  std::vector<double> got = values(t);
  if (got.size() != want.size()) return false;
  for (std::size_t i = 0; i < got.size(); ++i)
    if (!(std::abs(got[i] - want[i]) <= tol * std::max(1.0, std::abs(want[i])) || got[i] == want[i])) return false;
  return true;
}
}  // namespace

TEST_CASE("remainder, fmod and floor_divide follow PyTorch's sign rules", "[tensorops]") {
  Tensor a = f64({5, -5, 5, -5, 7.5, -0.5, 3}), b = f64({3, 3, -3, -3, 2, 2, -1.5});
  CHECK(values(ember::remainder(a, b)) == std::vector<double>{2, 1, -1, -2, 1.5, 1.5, 0});  // divisor's sign
  CHECK(values(a.fmod(b)) == std::vector<double>{2, -2, 2, -2, 1.5, -0.5, 0});             // dividend's sign
  CHECK(values(ember::floor_divide(a, b)) == std::vector<double>{1, -2, -2, 1, 3, -1, -2});
  CHECK(values(a.remainder(-2)) == std::vector<double>{-1, -1, -1, -1, -0.5, -0.5, -1});
  CHECK(values(ember::fmod(a, -2)) == std::vector<double>{1, -1, 1, -1, 1.5, -0.5, 1});
  CHECK(values(a.floor_divide(-2)) == std::vector<double>{-3, 2, -3, 2, -4, 0, -2});
  Tensor ai = ints({7, -7, 7, -7, 0}), bi = ints({2, 2, -2, -2, 3});
  CHECK(ember::remainder(ai, bi).tolist<int64_t>() == std::vector<int64_t>{1, 1, -1, -1, 0});
  CHECK(ember::fmod(ai, bi).tolist<int64_t>() == std::vector<int64_t>{1, -1, 1, -1, 0});
  CHECK(ember::floor_divide(ai, bi).tolist<int64_t>() == std::vector<int64_t>{3, -4, -4, 3, 0});
  CHECK(ember::remainder(ai, bi).dtype() == ember::kInt64);
  // A float zero divisor gives IEEE results; an integer one is an error.
  std::vector<double> z = values(ember::floor_divide(f64({1, -1, 0}), 0.0));
  CHECK((z[0] == INFINITY && z[1] == -INFINITY && std::isnan(z[2])));
  CHECK_THROWS_WITH(ember::remainder(ai, ints({1, 0, 1, 1, 1})),
                    Catch::Contains("remainder") && Catch::Contains("division by zero") && Catch::Contains("[5]"));
  CHECK_THROWS_WITH(ember::fmod(ai, 0), Catch::Contains("fmod") && Catch::Contains("division by zero"));
  CHECK_THROWS_WITH(ember::floor_divide(ai, ints({0})), Catch::Contains("floor_divide"));
  CHECK_THROWS_WITH(ember::remainder(a, f64({1, 2})), Catch::Contains("remainder") && Catch::Contains("[7]"));
  // Broadcasting and float32 through the SIMD loops (a long run).
  Tensor big = ember::arange(-300, 300, ember::kFloat32) * 0.37f;
  Tensor r = ember::remainder(big, 1.1);
  CHECK(ember::all(ember::ge(r, 0)).item<bool>());
  CHECK(ember::all(ember::lt(r, 1.1)).item<bool>());
}

TEST_CASE("remainder and fmod: gradients", "[tensorops]") {
  // Away from the jumps (a / b not near an integer) both are smooth.
  Tensor a = f64({5.3, -5.3, 2.2, -0.7}).requires_grad_(true), b = f64({3.1, 2.9, -1.3, 0.9}).requires_grad_(true);
  CHECK(testing::gradcheck2([](In in) { return ember::remainder(in[0], in[1]); }, {a, b}));
  CHECK(testing::gradcheck2([](In in) { return ember::fmod(in[0], in[1]); }, {a, b}));
  CHECK(testing::gradcheck2([](In in) { return ember::remainder(in[0], 1.7); }, {a}));
  CHECK_FALSE(ember::floor_divide(a, b).requires_grad());
}

TEST_CASE("lerp with a scalar or a tensor weight", "[tensorops]") {
  Tensor s = f64({1, 2, 3}), e = f64({5, -2, 3.5});
  CHECK(values(ember::lerp(s, e, 0.25)) == std::vector<double>{2, 1, 3.125});
  CHECK(values(s.lerp(e, 0.75)) == std::vector<double>{4, -1, 3.375});
  CHECK(values(ember::lerp(s, e, f64({0, 0.6, 1}))) == std::vector<double>{1, -0.3999999999999999, 3.5});
  Tensor t = s.clone();
  t.lerp_(e, 0.25);
  CHECK(values(t) == std::vector<double>{2, 1, 3.125});
  Tensor ls = testing::leaf({3});
  Tensor u = ls * 1.0;
  u.lerp_(e, 0.25);  // under autograd: d/dstart = 1 - weight
  u.sum().backward();
  CHECK(values(ls.grad()) == std::vector<double>{0.75, 0.75, 0.75});
  Tensor x = testing::leaf({2, 3}), y = testing::leaf({3}), w = testing::leaf({2, 1}, -0.2, 1.2);
  CHECK(testing::gradcheck2([](In in) { return ember::lerp(in[0], in[1], 0.3); }, {x, y}));
  CHECK(testing::gradcheck2([](In in) { return ember::lerp(in[0], in[1], 0.8); }, {x, y}));
  CHECK(testing::gradcheck2([](In in) { return ember::lerp(in[0], in[1], in[2]); }, {x, y, w}));
  CHECK_THROWS_WITH(ember::lerp(s, e.to(ember::kFloat32), 0.5), Catch::Contains("lerp") && Catch::Contains("dtype"));
  CHECK_THROWS_WITH(ember::lerp(s, f64({1, 2}), 0.5), Catch::Contains("lerp") && Catch::Contains("[3]"));
}

TEST_CASE("clamp with tensor bounds, and two-tensor max and min", "[tensorops]") {
  Tensor x = f64({-3, 0.5, 2, 1, 4, -1}, {2, 3}), lo = f64({-1, 0, 1.5}), hi = f64({0, 2}, {2, 1});
  CHECK(values(ember::clamp(x, lo, hi)) == std::vector<double>{-1, 0, 0, 1, 2, 1.5});
  CHECK(values(x.clamp_min(lo)) == std::vector<double>{-1, 0.5, 2, 1, 4, 1.5});
  CHECK(values(ember::clamp(x, std::nullopt, hi)) == std::vector<double>{-3, 0, 0, 1, 2, -1});
  CHECK(values(x.clamp(0.0, 1.0)) == std::vector<double>{0, 0.5, 1, 1, 1, 0});  // the Scalar form still works
  CHECK_THROWS_WITH(ember::clamp(x, std::nullopt, std::nullopt), Catch::Contains("clamp"));
  CHECK_THROWS_WITH(ember::clamp(x, f64({1, 2})), Catch::Contains("clamp") && Catch::Contains("[2, 3]"));
  Tensor xl = testing::leaf({2, 3}, -4, 4), lol = testing::leaf({3}, -3, -1), hil = testing::leaf({2, 1}, 1, 3);
  CHECK(testing::gradcheck2([](In in) { return ember::clamp(in[0], in[1], in[2]); }, {xl, lol, hil}));
  Tensor a = f64({1, 5, -2}), b = f64({3, 4, -2});
  CHECK(values(ember::max(a, b)) == std::vector<double>{3, 5, -2});
  CHECK(values(a.min(b)) == std::vector<double>{1, 4, -2});
  CHECK(values(ember::max(a, b)) == values(ember::maximum(a, b)));
}

TEST_CASE("cumprod, with zeros in the input, and logcumsumexp", "[tensorops]") {
  Tensor c = f64({2, 0, 3, 0.5, 1.5, -1, 2, 4}, {2, 4});
  CHECK(values(ember::cumprod(c, 1)) == std::vector<double>{2, 0, 0, 0, 1.5, -1.5, -3, -12});
  CHECK(values(c.cumprod(0)) == std::vector<double>{2, 0, 3, 0.5, 3, -0, 6, 2});
  CHECK(ember::cumprod(ints({1, 2, 3, -2}), 0).tolist<int64_t>() == std::vector<int64_t>{1, 2, 6, -12});
  // Gradients with no zero, one zero and two zeros in a line.
  Tensor x = testing::leaf({3, 5});
  CHECK(testing::gradcheck2([](In in) { return ember::cumprod(in[0], 1); }, {x}));
  Tensor zeros = f64({1.5, 0, -0.7, 2, 0, 0.3, -1.2, 0.8, 0, 1.1}, {2, 5}).requires_grad_(true);
  CHECK(testing::gradcheck2([](In in) { return ember::cumprod(in[0], 1); }, {zeros}));
  CHECK(testing::gradcheck2([](In in) { return ember::cumprod(in[0], 0); }, {zeros}));
  CHECK_THROWS_WITH(ember::cumprod(x, 2), Catch::Contains("cumprod"));

  Tensor l = f64({0.5, -1, 2, -1000, 3, 3, -2, 0}, {2, 4});
  CHECK(close(ember::logcumsumexp(l, 1), {0.5, 0.7014132779827524, 2.241311296657157, 2.241311296657157, 3.0,
                                          3.6931471805599454, 3.696510491782079, 3.7210176726634483}));
  CHECK(values(ember::logcumsumexp(f64({-1000, 0}), 0)) == std::vector<double>{-1000, 0});
  CHECK(testing::gradcheck2([](In in) { return ember::logcumsumexp(in[0], 1); }, {x}));
  CHECK(testing::gradcheck2([](In in) { return in[0].logcumsumexp(0); }, {x}));
  CHECK_THROWS_WITH(ember::logcumsumexp(ints({1, 2}), 0), Catch::Contains("logcumsumexp"));
}

TEST_CASE("resize_ keeps the data as a flat prefix", "[tensorops]") {
  Tensor x = ember::arange(6, ember::kFloat64).reshape({2, 3}).contiguous();
  x.resize_({3, 2});
  CHECK(x.sizes().vec() == std::vector<int64_t>{3, 2});
  CHECK(values(x) == std::vector<double>{0, 1, 2, 3, 4, 5});
  x.resize_({2});  // shrinking keeps the prefix
  CHECK(values(x) == std::vector<double>{0, 1});
  x.resize_({4, 4});  // growing: the first 6 elements stay (the storage kept them)
  CHECK(x.numel() == 16);
  CHECK(x.is_contiguous());
  std::vector<double> grown = values(x);
  CHECK(std::vector<double>(grown.begin(), grown.begin() + 6) == std::vector<double>{0, 1, 2, 3, 4, 5});
  Tensor other = ember::zeros({5});
  x.resize_as_(other);
  CHECK(x.sizes().vec() == std::vector<int64_t>{5});
  // A view may shrink within its storage, but not grow it.
  Tensor base = ember::zeros({4});
  Tensor view = base.narrow(0, 1, 2);
  view.resize_({1});
  CHECK(view.numel() == 1);
  CHECK_THROWS_WITH(view.resize_({8}), Catch::Contains("resize_") && Catch::Contains("shared"));
  Tensor leaf = testing::leaf({2});
  CHECK_THROWS_WITH(leaf.resize_({4}), Catch::Contains("resize_") && Catch::Contains("requires grad"));
  CHECK_THROWS_WITH(ember::zeros({2}).resize_({-1}), Catch::Contains("resize_") && Catch::Contains("-1"));
}

TEST_CASE("pow with the exponents PyTorch computes without pow", "[elementwise]") {
  // 2, 3, 0.5, -0.5, -1 and -2 run as square, cube, sqrt, rsqrt and reciprocals, as in
  // PyTorch's kernel. Expected: std::pow in double of the inputs as the dtype holds them.
  std::vector<double> xs;
  for (int i = -40; i <= 40; ++i) xs.push_back(i * 0.37);
  xs.push_back(1e-20);
  xs.push_back(3e18);
  for (auto dtype : {ember::kFloat32, ember::kFloat64}) {
    Tensor x = ember::tensor(xs).to(dtype);
    for (double e : {2.0, 3.0, 0.5, -0.5, -1.0, -2.0}) {
      INFO("dtype " << dtype << ", exponent " << e);
      std::vector<double> got = values(ember::pow(x, e));
      const std::vector<double> in = values(x);  // the inputs as the dtype holds them
      // Within two roundings (the cube and -2 round twice).
      const double tol = 2.5 * (dtype == ember::kFloat32 ? 1.2e-7 : 2.3e-16);
      for (std::size_t i = 0; i < xs.size(); ++i) {
        const double want = std::pow(in[i], e);
        if (std::isnan(want)) {
          CHECK(std::isnan(got[i]));
        } else if (std::isinf(want) || (dtype == ember::kFloat32 && std::fabs(want) > 3.4e38)) {
          CHECK(std::isinf(got[i]));
        } else if (dtype == ember::kFloat32 && std::fabs(want) < 1.2e-38) {
          CHECK(std::fabs(got[i]) < 1.2e-38);
        } else {
          CHECK(std::fabs(got[i] - want) <= tol * std::fabs(want));
        }
      }
    }
  }
  // PyTorch's sqrt for 0.5 keeps -0's sign and gives NaN at -inf.
  Tensor special = ember::tensor({-0.0, -std::numeric_limits<double>::infinity(), 4.0});
  std::vector<double> r = values(ember::pow(special, 0.5));
  CHECK((r[0] == 0 && std::signbit(r[0])));
  CHECK(std::isnan(r[1]));
  CHECK(r[2] == 2.0);
  // Integer tensors with an integer exponent stay integers.
  CHECK(ember::pow(ember::tensor({2, 3}), 2).dtype() == ember::kInt64);
  CHECK(values(ember::pow(ember::tensor({2, 3}), 2)) == std::vector<double>{4, 9});
}

TEST_CASE("where and the comparisons on contiguous runs and broadcast scalars, every dtype", "[elementwise]") {
  // Expected values from the test's own loops over the inputs' values.
  ember::manual_seed(8);
  const int64_t n = 1037;
  Tensor mask = ember::rand({n}) > 0.5;
  std::vector<double> m = values(mask);
  for (auto dtype : {ember::kFloat32, ember::kFloat64, ember::kInt64, ember::kInt32, ember::kInt16, ember::kUInt8,
                     ember::kBool, ember::kFloat16, ember::kBFloat16}) {
    INFO("dtype " << dtype);
    Tensor a = (ember::rand({n}) * 10).to(dtype), b = (ember::rand({n}) * 10).to(dtype);
    std::vector<double> av = values(a), bv = values(b);
    Tensor sa = a.narrow(0, 3, 1).reshape({}), sb = b.narrow(0, 5, 1).reshape({});
    std::vector<double> w = values(ember::where(mask, a, b)), ws1 = values(ember::where(mask, sa, b)),
                        ws2 = values(ember::where(mask, a, sb)), ws3 = values(ember::where(mask, sa, sb));
    for (int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      REQUIRE(w[k] == (m[k] != 0 ? av[k] : bv[k]));
      REQUIRE(ws1[k] == (m[k] != 0 ? av[3] : bv[k]));
      REQUIRE(ws2[k] == (m[k] != 0 ? av[k] : bv[5]));
      REQUIRE(ws3[k] == (m[k] != 0 ? av[3] : bv[5]));
    }
    if (dtype == ember::kBool) continue;
    std::vector<double> lt = values(a < b), ge = values(a >= b), eq = values(a == b), ne_s = values(a != 4);
    std::vector<double> gt_s = values(a > 4), le_s = values(a <= 4);
    for (int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      REQUIRE(lt[k] == (av[k] < bv[k]));
      REQUIRE(ge[k] == (av[k] >= bv[k]));
      REQUIRE(eq[k] == (av[k] == bv[k]));
      REQUIRE(ne_s[k] == (av[k] != 4));
      REQUIRE(gt_s[k] == (av[k] > 4));
      REQUIRE(le_s[k] == (av[k] <= 4));
    }
  }
  // NaN compares unequal to everything, itself included, and where passes it through.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor x = ember::tensor({nan, 1.0, nan}).to(ember::kFloat32);
  CHECK(values(x == x) == std::vector<double>{0, 1, 0});
  CHECK(values(x != x) == std::vector<double>{1, 0, 1});
  CHECK(values(x < 2) == std::vector<double>{0, 1, 0});
  std::vector<double> wn = values(ember::where(ember::tensor({true, false, false}), x, ember::zeros({3})));
  CHECK(std::isnan(wn[0]));
  CHECK(wn[1] == 0);
}

TEST_CASE("activation gradients: the fused kernels agree with the composed backward", "[elementwise]") {
  // A plain backward takes the one-pass kernels (k::activation_backward); a backward
  // that is itself recorded (create_graph) composes public ops: the reference here.
  namespace F = ember::nn::functional;
  ember::manual_seed(15);
  for (auto dtype : {ember::kFloat32, ember::kFloat64}) {
    Tensor x0 = (ember::randn({1000}) * 3).to(dtype);
    Tensor g = ember::randn({1000}).to(dtype);
    const std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>> acts = {
        {"tanh", [](const Tensor& x) { return ember::tanh(x); }},
        {"sigmoid", [](const Tensor& x) { return ember::sigmoid(x); }},
        {"silu", [](const Tensor& x) { return F::silu(x); }},
        {"gelu", [](const Tensor& x) { return F::gelu(x); }},
        {"gelu tanh", [](const Tensor& x) { return F::gelu(x, "tanh"); }}};
    for (const auto& [name, f] : acts) {
      INFO(name << ", dtype " << dtype);
      Tensor x = x0.clone().requires_grad_(true);
      Tensor fused = ember::autograd::grad({f(x)}, {x}, {g})[0];
      Tensor composed = ember::autograd::grad({f(x)}, {x}, {g}, std::nullopt, /*create_graph=*/true)[0];
      const double tol = dtype == ember::kFloat32 ? 2e-6 : 1e-14;
      const double diff = ember::max(ember::abs(fused - composed.detach())).item<double>();
      const double scale = ember::max(ember::abs(composed.detach())).item<double>();
      CHECK(diff <= tol * scale);
    }
  }
}
