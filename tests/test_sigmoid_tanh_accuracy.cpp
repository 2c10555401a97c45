// sigmoid and tanh in float32 (ops/simd/sigmoid_tanh_float.hpp in the SIMD loops)
// against their definitions evaluated in double with the C library's exp and tanh, over a
// sweep of the whole float range, plus the special values. Tagged [elementwise]: the
// case runs once per instruction set this machine has (tests/CMakeLists.txt).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "helpers.hpp"

namespace {

// Every 1021st bit pattern of the 2^32 floats (NaNs included), about 4.2 million inputs.
std::vector<float> float_sweep() {
  std::vector<float> xs;
  for (uint64_t bits = 0; bits < (uint64_t(1) << 32); bits += 1021) {
    const uint32_t b = static_cast<uint32_t>(bits);
    float v;
    std::memcpy(&v, &b, sizeof v);
    xs.push_back(v);
  }
  return xs;
}

using testing::float_ulps;

double sigmoid_reference(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// The worst error of f on the sweep, contiguous (the SIMD loop) or strided (the element
// loop), and whether every NaN input gave NaN and no other input did.
struct Sweep {
  double worst = 0;
  float worst_at = 0;
  bool nan_ok = true;
};
template <class F, class R>
Sweep sweep(const std::vector<float>& xs, bool strided, F f, R reference) {
  ember::Tensor x = ember::tensor(xs);
  ember::Tensor in = strided ? x.slice(0, 0, x.size(0), 2) : x;
  ember::Tensor y = f(in).contiguous(), xc = in.contiguous();
  const float* xp = static_cast<const float*>(xc.data_ptr());
  const float* yp = static_cast<const float*>(y.data_ptr());
  Sweep s;
  for (int64_t i = 0; i < y.numel(); ++i) {
    if (std::isnan(xp[i]) || std::isnan(yp[i])) {
      s.nan_ok = s.nan_ok && std::isnan(xp[i]) && std::isnan(yp[i]);
      continue;
    }
    const double e = float_ulps(yp[i], reference(static_cast<double>(xp[i])));
    if (e > s.worst) {
      s.worst = e;
      s.worst_at = xp[i];
    }
  }
  return s;
}

}  // namespace

TEST_CASE("sigmoid float32 is within 2.5 ulp of 1 / (1 + exp(-x)) in double over the float range",
          "[elementwise][sigmoid]") {
  const std::vector<float> xs = float_sweep();
  for (bool strided : {false, true}) {
    Sweep s = sweep(xs, strided, [](const ember::Tensor& t) { return ember::sigmoid(t); }, sigmoid_reference);
    INFO((strided ? "strided" : "contiguous") << ": worst " << s.worst << " ulp at x = " << s.worst_at);
    CHECK(s.worst <= 2.5);
    CHECK(s.nan_ok);
  }
}

TEST_CASE("tanh float32 is within 2.5 ulp of tanh in double over the float range", "[elementwise][tanh]") {
  const std::vector<float> xs = float_sweep();
  for (bool strided : {false, true}) {
    Sweep s = sweep(xs, strided, [](const ember::Tensor& t) { return ember::tanh(t); },
                    [](double x) { return std::tanh(x); });
    INFO((strided ? "strided" : "contiguous") << ": worst " << s.worst << " ulp at x = " << s.worst_at);
    CHECK(s.worst <= 2.5);
    CHECK(s.nan_ok);
  }
}

TEST_CASE("sigmoid and tanh float32 special values", "[elementwise][sigmoid][tanh]") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  // 16 values: a whole vector on every instruction set, so the SIMD body computes them.
  std::vector<float> x = {0.0f, -0.0f, inf, -inf, nan, -nan, 1e-30f, -1e-30f,
                          -87.5f, -100.0f, -103.0f, -104.5f, -200.0f, 9.5f, 20.0f, -1e-45f};
  ember::Tensor tx = ember::tensor(x);
  ember::Tensor s = ember::sigmoid(tx), t = ember::tanh(tx);
  const float* sp = static_cast<const float*>(s.data_ptr());
  const float* tp = static_cast<const float*>(t.data_ptr());
  CHECK(sp[0] == 0.5f);
  CHECK(sp[1] == 0.5f);
  CHECK(sp[2] == 1.0f);
  CHECK(sp[3] == 0.0f);
  CHECK(std::isnan(sp[4]));
  CHECK(std::isnan(sp[5]));
  CHECK(sp[6] == 0.5f);
  CHECK(sp[7] == 0.5f);
  // Below -87 the results are e^x (below the normal floats from about -87.3 on): within
  // one subnormal spacing of the double computation, 0 past about -103.97.
  for (int i = 8; i <= 12; ++i) {
    INFO("sigmoid(" << x[i] << ") = " << sp[i] << ", want " << sigmoid_reference(x[i]));
    CHECK(std::fabs(static_cast<double>(sp[i]) - sigmoid_reference(x[i])) <=
          std::numeric_limits<float>::denorm_min());
  }
  CHECK(sp[9] > 0.0f);  // sigmoid(-100) = 3.7e-44 (PyTorch's float32 gives the same subnormal)
  CHECK(sp[12] == 0.0f);
  CHECK(tp[0] == 0.0f);
  CHECK(!std::signbit(tp[0]));
  CHECK(tp[1] == 0.0f);
  CHECK(std::signbit(tp[1]));  // tanh(-0) = -0
  CHECK(tp[2] == 1.0f);
  CHECK(tp[3] == -1.0f);
  CHECK(std::isnan(tp[4]));
  CHECK(std::isnan(tp[5]));
  CHECK(tp[6] == 1e-30f);  // tanh(x) = x in float for tiny x
  CHECK(tp[7] == -1e-30f);
  CHECK(tp[13] == 1.0f);
  CHECK(tp[14] == 1.0f);
  CHECK(tp[15] == -1e-45f);
}
