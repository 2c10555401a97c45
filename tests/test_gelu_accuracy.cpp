// gelu (the op table's erf form) against its definition 0.5 x (1 + erf(x / sqrt 2))
// evaluated in double with the C library's erf, over a dense grid that covers the
// tails, on contiguous and strided tensors (the SIMD loop and the element-by-element
// one), in float32 and float64.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "gelu_values.hpp"
#include "helpers.hpp"

namespace {

double gelu_reference(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

// Every x in [-10, 10] on a grid of 1e-4 (200001 values), as a tensor of dtype dt.
ember::Tensor grid(ember::Dtype dt) { return ember::arange(-100000, 100001, 1, ember::kFloat64).mul(1e-4).to(dt); }

}  // namespace

TEST_CASE("gelu float32 is within 1e-6 absolute and 5e-7 relative of erf in double", "[elementwise][gelu]") {
  ember::Tensor x = grid(ember::kFloat32);
  for (bool strided : {false, true}) {
    INFO("strided " << strided);
    ember::Tensor in = strided ? x.slice(0, 0, x.size(0), 2) : x;
    ember::Tensor y = ember::gelu(in).contiguous();
    ember::Tensor xs = in.contiguous();
    const float* xp = static_cast<const float*>(xs.data_ptr());
    const float* yp = static_cast<const float*>(y.data_ptr());
    double worst_abs = 0, worst_rel = 0;
    for (int64_t i = 0; i < y.numel(); ++i) {
      const double want = gelu_reference(xp[i]);
      const double err = std::fabs(static_cast<double>(yp[i]) - want);
      worst_abs = std::max(worst_abs, err);
      // Relative error on the positive side only: for x below about -5.5, 1 + erf(x / sqrt 2)
      // cancels to a few float spacings of 1 (PyTorch's float gelu returns 0 there too).
      if (xp[i] >= 1) worst_rel = std::max(worst_rel, err / std::fabs(want));
    }
    INFO("worst absolute " << worst_abs << ", relative " << worst_rel);
    CHECK(worst_abs <= 1e-6);  // PyTorch 1.13's float gelu on this grid: 3.8e-7
    CHECK(worst_rel <= 5e-7);
  }
}

TEST_CASE("gelu float32 is exact at 0 and is x (or 0) far out in the tails", "[elementwise][gelu]") {
  ember::Tensor x = ember::tensor(std::vector<float>{0.0f, 8.0f, 30.0f, -30.0f});
  ember::Tensor y = ember::gelu(x);
  const float* yp = static_cast<const float*>(y.data_ptr());
  CHECK(yp[0] == 0.0f);
  CHECK(yp[1] == 8.0f);   // erf(8 / sqrt 2) rounds to 1 in float
  CHECK(yp[2] == 30.0f);
  CHECK(std::fabs(yp[3]) <= 1e-5f);  // 0.5 * -30 * (1 + erf(-21.2)): 0 in float arithmetic
}

TEST_CASE("gelu float64 has erf's full precision", "[elementwise][gelu]") {
  ember::Tensor x = grid(ember::kFloat64);
  ember::Tensor y = ember::gelu(x);
  const double* xp = static_cast<const double*>(x.data_ptr());
  const double* yp = static_cast<const double*>(y.data_ptr());
  double worst = 0;
  for (int64_t i = 0; i < y.numel(); ++i) worst = std::max(worst, std::fabs(yp[i] - gelu_reference(xp[i])));
  INFO("worst " << worst);
  CHECK(worst <= 5e-14);  // |gelu| <= 10 here: a few units in the last place of double
}

// PyTorch 1.13's gelu on 920 float32 inputs (tests/gelu_values.hpp, printed by
// tests/python/gelu_values.py): ember's float32 gelu (the contiguous SIMD loop) is at least
// as close to PyTorch's float64 gelu as PyTorch's own float32 gelu is, and agrees with
// PyTorch's float32 results on infinities and NaN.
TEST_CASE("gelu float32 is at least as accurate as PyTorch float32 gelu against PyTorch float64", "[elementwise][gelu]") {
  const std::vector<double>& xd = gelu_values::x();
  const std::vector<double>& want64 = gelu_values::gelu64();
  const std::vector<double>& torch32 = gelu_values::gelu32();
  std::vector<float> xf(xd.begin(), xd.end());
  ember::Tensor y = ember::gelu(ember::tensor(xf));
  const float* yp = static_cast<const float*>(y.data_ptr());
  double ember_worst = 0, torch_worst = 0, ember_worst_rel = 0;
  for (std::size_t i = 0; i < xd.size(); ++i) {
    INFO("x " << xd[i] << ", ember " << yp[i] << ", PyTorch float32 " << torch32[i] << ", float64 " << want64[i]);
    if (!std::isfinite(torch32[i])) {
      CHECK(std::isnan(yp[i]) == std::isnan(torch32[i]));  // gelu(-inf) and gelu(nan) are NaN
      if (!std::isnan(torch32[i])) CHECK(static_cast<double>(yp[i]) == torch32[i]);  // gelu(inf) = inf
      continue;
    }
    const double err = std::fabs(static_cast<double>(yp[i]) - want64[i]);
    ember_worst = std::max(ember_worst, err);
    torch_worst = std::max(torch_worst, std::fabs(torch32[i] - want64[i]));
    if (xd[i] >= 1) ember_worst_rel = std::max(ember_worst_rel, err / std::fabs(want64[i]));
  }
  INFO("worst absolute: ember " << ember_worst << ", PyTorch float32 " << torch_worst);
  CHECK(ember_worst <= torch_worst);
  CHECK(ember_worst <= 2.5e-7);
  CHECK(ember_worst_rel <= 1.5e-7);
}

// Every 1024th float32 in [-10, 10] (2.1 million inputs in all) against x Phi(x) in
// double, written with the C library's erfc so that the negative tail has no
// cancellation: gelu float32 is within 2.5e-7 absolute (a quarter of an ulp of 10) and,
// where the result is a normal float, within 1e-6 relative down to x = -5 (PyTorch's
// float gelu, 0.5 x (1 + erf(x / sqrt 2)), loses all relative accuracy there).
TEST_CASE("gelu float32 on a dense sweep of the floats in -10 to 10 against x Phi(x) in double", "[elementwise][gelu]") {
  // Positive floats in increasing order are increasing bit patterns.
  uint32_t ten;
  const float ten_f = 10.0f;
  std::memcpy(&ten, &ten_f, sizeof ten);
  std::vector<float> xs;
  for (float sign : {1.0f, -1.0f})
    for (uint32_t bits = 0; bits <= ten; bits += 1024) {
      float v;
      std::memcpy(&v, &bits, sizeof v);
      xs.push_back(sign * v);
    }
  ember::Tensor y = ember::gelu(ember::tensor(xs));
  const float* yp = static_cast<const float*>(y.data_ptr());
  double worst_abs = 0, worst_rel_pos = 0, worst_rel = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double x = xs[i];
    const double want = x * 0.5 * std::erfc(-x / std::sqrt(2.0));
    const double err = std::fabs(static_cast<double>(yp[i]) - want);
    worst_abs = std::max(worst_abs, err);
    if (std::fabs(want) >= 1e-37 && x >= -5) worst_rel = std::max(worst_rel, err / std::fabs(want));
    if (x >= 1) worst_rel_pos = std::max(worst_rel_pos, err / want);
  }
  INFO(xs.size() << " inputs; worst absolute " << worst_abs << ", relative for x >= 1 " << worst_rel_pos
                 << ", relative for x >= -5 " << worst_rel);
  CHECK(xs.size() > 2000000);
  CHECK(worst_abs <= 2.5e-7);
  CHECK(worst_rel_pos <= 1.5e-7);
  CHECK(worst_rel <= 1e-6);
}

TEST_CASE("gelu float32's gradient is within 1e-6 absolute of Phi(x) + x phi(x) in double", "[elementwise][gelu]") {
  // The fused backward (SIMD: the erfc-free tail of the forward and its exp) against the
  // derivative in double with the C library's erf; the strided input takes the
  // element-by-element loop with the float erf. Also the far tails: 1 and 0 (to 1e-30).
  ember::Tensor x = grid(ember::kFloat32);
  for (bool strided : {false, true}) {
    INFO("strided " << strided);
    ember::Tensor in = (strided ? x.slice(0, 0, x.size(0), 2) : x).detach().requires_grad_(true);
    ember::Tensor g = ember::ones(in.sizes());
    ember::Tensor dx = ember::autograd::grad({ember::gelu(in)}, {in}, {g})[0].contiguous();
    ember::Tensor xs = in.detach().contiguous();
    const float* xp = static_cast<const float*>(xs.data_ptr());
    const float* dp = static_cast<const float*>(dx.data_ptr());
    double worst = 0;
    for (int64_t i = 0; i < dx.numel(); ++i) {
      const double v = xp[i];
      const double want = 0.5 * (1.0 + std::erf(v / std::sqrt(2.0))) + v * std::exp(-0.5 * v * v) / std::sqrt(2.0 * M_PI);
      worst = std::max(worst, std::fabs(static_cast<double>(dp[i]) - want));
    }
    CHECK(worst <= 1e-6);
  }
  ember::Tensor tails = ember::tensor({-30.0f, -13.0f, 13.0f, 30.0f}).requires_grad_(true);
  ember::Tensor dt = ember::autograd::grad({ember::gelu(tails).sum()}, {tails})[0];
  // (x phi(x) at -13 is about -1e-36: the element loop keeps it, the SIMD one says 0.)
  const std::vector<double> want_tails{0, 0, 1, 1}, got_tails = testing::values(dt);
  for (std::size_t i = 0; i < want_tails.size(); ++i) CHECK(std::fabs(got_tails[i] - want_tails[i]) < 1e-30);
  // An infinity or a NaN gives NaN, as the formula does (x phi(x) is inf * 0 at inf),
  // in the SIMD loop (a vector's worth) and the element loop (strided) alike.
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  ember::Tensor odd = ember::tensor({inf, -inf, nan, 1.0f, inf, -inf, nan, 1.0f, 0.5f, 2.0f, -3.0f, inf, -inf, nan,
                                     1.0f, 0.0f}).requires_grad_(true);
  for (bool strided : {false, true}) {
    INFO("strided " << strided);
    ember::Tensor in = strided ? odd.slice(0, 0, 16, 4) : odd;
    ember::Tensor d = ember::autograd::grad({ember::gelu(in).sum()}, {odd})[0];
    std::vector<double> got = testing::values(strided ? d.slice(0, 0, 16, 4) : d);
    std::vector<double> xs = testing::values(in);
    for (std::size_t i = 0; i < xs.size(); ++i) {
      INFO("x = " << xs[i]);
      CHECK(std::isnan(got[i]) == !std::isfinite(xs[i]));
    }
  }
}
