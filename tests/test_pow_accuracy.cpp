// pow (ops/simd/pow.hpp in the SIMD loops, std::pow in the element loop) against the C
// library's pow: float32 results against std::pow in double (correctly rounded to within
// its own ulp, far below a float's), float64 against std::pow, and C99's special values
// (Annex F, which PyTorch follows) against std::pow of the same type, bit for bit.
// Tagged [elementwise]: the cases run once per instruction set this machine has.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "helpers.hpp"

namespace {

using testing::float_ulps;

// Pairs whose results a float holds: |x| log-uniform over [1e-6, 1e6], y in [-6, 6],
// every fourth x negative with an integer y.
struct Pairs {
  std::vector<float> x, y;
};
Pairs float_pairs(int n) {
  std::mt19937 gen(12345);
  std::uniform_real_distribution<double> exponent(-6, 6), power(-6, 6);
  Pairs p;
  for (int i = 0; i < n; ++i) {
    float x = static_cast<float>(std::pow(10.0, exponent(gen)));
    float y = static_cast<float>(power(gen));
    if (i % 4 == 3) {
      x = -x;
      y = std::round(y);
    }
    p.x.push_back(x);
    p.y.push_back(y);
  }
  return p;
}

// The same tensor contiguous (SIMD loop) or as every other element of one twice as long
// (element loop).
ember::Tensor laid_out(const std::vector<float>& v, bool strided) {
  if (!strided) return ember::tensor(v);
  std::vector<float> doubled;
  for (float f : v) {
    doubled.push_back(f);
    doubled.push_back(0.0f);
  }
  return ember::tensor(doubled).slice(0, 0, int64_t(doubled.size()), 2);
}

// Bitwise equality, any NaN equal to any NaN.
template <class T>
bool same_value(T a, T b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

TEST_CASE("float32 pow is within one unit in the last place of pow in double", "[elementwise][pow]") {
  const Pairs p = float_pairs(200000);
  for (bool strided : {false, true}) {
    INFO((strided ? "strided (element loop)" : "contiguous (SIMD loop)"));
    ember::Tensor got = ember::pow(laid_out(p.x, strided), laid_out(p.y, strided)).contiguous();
    const float* g = got.data_ptr<float>();
    double worst = 0;
    std::size_t worst_at = 0;
    for (std::size_t i = 0; i < p.x.size(); ++i) {
      const double e = float_ulps(g[i], std::pow(double(p.x[i]), double(p.y[i])));
      if (e > worst) {
        worst = e;
        worst_at = i;
      }
    }
    INFO("worst " << worst << " ulp at pow(" << p.x[worst_at] << ", " << p.y[worst_at] << ") = " << g[worst_at]);
    CHECK(worst <= 1.0);
  }
  // A scalar exponent takes the same function (2, 3, 0.5, -0.5, -1 and -2 have their
  // own kernels; these go through pow).
  for (double e : {1.7, -2.5, 0.3}) {
    INFO("exponent " << e);
    std::vector<float> xs(p.x.begin(), p.x.end());
    for (float& x : xs) x = std::fabs(x);
    ember::Tensor got = ember::pow(ember::tensor(xs), e);
    const float* g = got.data_ptr<float>();
    double worst = 0;
    for (std::size_t i = 0; i < xs.size(); ++i)
      worst = std::max(worst, float_ulps(g[i], std::pow(double(xs[i]), double(float(e)))));
    CHECK(worst <= 1.0);
  }
}

TEST_CASE("float64 pow is std::pow", "[elementwise][pow]") {
  const Pairs p = float_pairs(50000);
  std::vector<double> x(p.x.begin(), p.x.end()), y(p.y.begin(), p.y.end());
  ember::Tensor got = ember::pow(ember::tensor(x), ember::tensor(y));
  const double* g = got.data_ptr<double>();
  std::size_t differ = 0;
  for (std::size_t i = 0; i < x.size(); ++i) differ += !same_value(g[i], std::pow(x[i], y[i]));
  CHECK(differ == 0);
}

TEST_CASE("pow's special values are C's", "[elementwise][pow]") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> specials = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -0.5f, 2.0f, -2.0f, 3.0f, -3.0f, 2.5f,
                                       -2.5f, inf, -inf, nan, 1e-30f, 1e30f};
  std::vector<float> xs, ys;
  for (float a : specials)
    for (float b : specials) {
      xs.push_back(a);
      ys.push_back(b);
    }
  for (bool strided : {false, true}) {
    INFO((strided ? "float32 strided (element loop)" : "float32 contiguous (SIMD loop)"));
    ember::Tensor got = ember::pow(laid_out(xs, strided), laid_out(ys, strided)).contiguous();
    for (std::size_t i = 0; i < xs.size(); ++i) {
      INFO("pow(" << xs[i] << ", " << ys[i] << ")");
      const float g = got.data_ptr<float>()[i], want = std::pow(xs[i], ys[i]);
      CHECK(same_value(g, want));
    }
  }
  {
    INFO("float64");
    std::vector<double> xd(xs.begin(), xs.end()), yd(ys.begin(), ys.end());
    ember::Tensor got = ember::pow(ember::tensor(xd), ember::tensor(yd));
    for (std::size_t i = 0; i < xd.size(); ++i) {
      INFO("pow(" << xd[i] << ", " << yd[i] << ")");
      CHECK(same_value(got.data_ptr<double>()[i], std::pow(xd[i], yd[i])));
    }
  }
  {
    INFO("a scalar exponent");
    for (float b : specials) {
      if (b == 2 || b == 3 || b == 0.5f || b == -0.5f || b == -1 || b == -2) continue;  // own kernels
      INFO("exponent " << b);
      std::vector<float> base(specials);
      ember::Tensor got = ember::pow(ember::tensor(base), static_cast<double>(b));
      for (std::size_t i = 0; i < base.size(); ++i) {
        INFO("pow(" << base[i] << ", " << b << ")");
        CHECK(same_value(got.data_ptr<float>()[i], std::pow(base[i], b)));
      }
    }
  }
}
