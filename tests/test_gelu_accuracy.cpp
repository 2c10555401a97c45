// gelu (the op table's erf form) against its definition 0.5 x (1 + erf(x / sqrt 2))
// evaluated in double with the C library's erf, over a dense grid that covers the
// tails, on contiguous and strided tensors (the SIMD loop and the element-by-element
// one), in float32 and float64.
#include <cmath>
#include <vector>

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
