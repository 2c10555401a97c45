// Scalar transcription of the float logarithm and sine/cosine used by PyTorch's AVX2
// normal kernel (Cephes polynomials after J. Pommier's SIMD math functions). Every
// operation is written separately so that none is contracted here, and std::fma stands
// where that kernel's build fuses a product into the following sum, so each lane's
// result is reproduced bit for bit.
#include "ops/random_box_muller.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace ember {
namespace detail {
namespace {
uint32_t bits_of(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
float float_of(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// Natural logarithm of x > 0.
float cephes_log(float x) {
  const float min_norm = float_of(0x00800000u);
  if (x < min_norm) x = min_norm;
  int32_t exponent = static_cast<int32_t>(bits_of(x) >> 23) - 0x7f;
  x = float_of((bits_of(x) & ~0x7f800000u) | bits_of(0.5f));  // mantissa in [0.5, 1)
  float e = static_cast<float>(exponent) + 1.0f;
  const bool small = x < 0.707106781186547524f;
  const float tmp = small ? x : 0.0f;
  x = x - 1.0f;
  e = e - (small ? 1.0f : 0.0f);
  x = x + tmp;
  const float z = x * x;
  float y = std::fma(7.0376836292E-2f, x, -1.1514610310E-1f);
  y = std::fma(y, x, 1.1676998740E-1f);
  y = std::fma(y, x, -1.2420140846E-1f);
  y = std::fma(y, x, 1.4249322787E-1f);
  y = std::fma(y, x, -1.6668057665E-1f);
  y = std::fma(y, x, 2.0000714765E-1f);
  y = std::fma(y, x, -2.4999993993E-1f);
  y = std::fma(y, x, 3.3333331174E-1f);
  y = y * x;
  const float e_q1 = e * -2.12194440e-4f;
  y = std::fma(y, z, e_q1);
  const float half_z = z * 0.5f;
  y = y - half_z;
  x = x + y;
  return std::fma(e, 0.693359375f, x);
}

// Sine and cosine of x >= 0.
void cephes_sincos(float x, float* s, float* c) {
  x = std::fabs(x);
  float y = x * 1.27323954473516f;  // 4 / pi
  int32_t j = static_cast<int32_t>(y);
  j = (j + 1) & ~1;
  y = static_cast<float>(j);
  const bool flip_sin = (j & 4) != 0;
  const bool sine_poly_for_sin = (j & 2) == 0;
  const bool flip_cos = (~(j - 2) & 4) != 0;
  x = std::fma(y, -0.78515625f, x);
  x = std::fma(y, -2.4187564849853515625e-4f, x);
  x = std::fma(y, -3.77489497744594108e-8f, x);
  const float z = x * x;
  float yc = std::fma(2.443315711809948E-005f, z, -1.388731625493765E-003f);
  yc = std::fma(yc, z, 4.166664568298827E-002f);
  yc = yc * z;
  const float half_z = z * 0.5f;
  yc = std::fma(yc, z, -half_z);
  yc = yc + 1.0f;
  float ys = std::fma(-1.9515295891E-4f, z, 8.3321608736E-3f);
  ys = std::fma(ys, z, -1.6666654611E-1f);
  ys = ys * z;
  ys = std::fma(ys, x, x);
  // The kernel selects by masking and adding a zero; the addition is kept for -0.
  float sin_v = (sine_poly_for_sin ? ys : yc) + 0.0f;
  float cos_v = (sine_poly_for_sin ? yc : ys) + 0.0f;
  *s = flip_sin ? -sin_v : sin_v;
  *c = flip_cos ? -cos_v : cos_v;
}
}  // namespace

void box_muller_16_float(float* data, float mean, float std) {
  const float two_pi = static_cast<float>(2.0 * 3.14159265358979323846);
  for (int j = 0; j < 8; ++j) {
    const float u1 = 1.0f - data[j];
    const float u2 = data[j + 8];
    const float radius = std::sqrt(-2.0f * cephes_log(u1));
    const float theta = two_pi * u2;
    float s, c;
    cephes_sincos(theta, &s, &c);
    const float n1 = radius * c;
    const float n2 = radius * s;
    data[j] = std::fma(n1, std, mean);
    data[j + 8] = std::fma(n2, std, mean);
  }
}

}  // namespace detail
}  // namespace ember
