// Scalar transcription of the float logarithm and sine/cosine used by PyTorch's AVX2
// normal kernel (Cephes polynomials after J. Pommier's SIMD math functions). Every
// operation is written separately so that none is contracted here, and std::fma stands
// where that kernel's build fuses a product into the following sum, so each lane's
// result is reproduced bit for bit.
#include "ops/random_box_muller.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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
__attribute__((always_inline)) inline float cephes_log(float x) {
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
__attribute__((always_inline)) inline void cephes_sincos(float x, float* s, float* c) {
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

// The block's 8 pairs, one lane each: the loop is written so that it vectorizes.
__attribute__((always_inline)) inline void box_muller_16_body(float* data, float mean, float std) {
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

}  // namespace

void box_muller_16_float_scalar(float* data, float mean, float std) { box_muller_16_body(data, mean, std); }

namespace {

#if defined(__x86_64__)
// The same 8 lanes in AVX2 registers, operation for operation (GCC keeps the scalar
// loop above scalar, and without FMA instructions every std::fma was a call into libm:
// 44 ms for 2^20 normals). Fused multiply-adds round once either way, and this file is
// compiled without contracting anything else (CMakeLists.txt), so the bits are the
// scalar loop's.
__attribute__((target("avx2,fma"))) inline __m256 log_avx2(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  x = _mm256_max_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x00800000)));
  const __m256i bits = _mm256_castps_si256(x);
  const __m256i exponent = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(0x7f));
  x = _mm256_or_ps(_mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(~0x7f800000))), _mm256_set1_ps(0.5f));
  __m256 e = _mm256_add_ps(_mm256_cvtepi32_ps(exponent), one);
  const __m256 small = _mm256_cmp_ps(x, _mm256_set1_ps(0.707106781186547524f), _CMP_LT_OQ);
  const __m256 tmp = _mm256_and_ps(small, x);
  x = _mm256_sub_ps(x, one);
  e = _mm256_sub_ps(e, _mm256_and_ps(small, one));
  x = _mm256_add_ps(x, tmp);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 y = _mm256_fmadd_ps(_mm256_set1_ps(7.0376836292E-2f), x, _mm256_set1_ps(-1.1514610310E-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.1676998740E-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(-1.2420140846E-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.4249322787E-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(-1.6668057665E-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(2.0000714765E-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(-2.4999993993E-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(3.3333331174E-1f));
  y = _mm256_mul_ps(y, x);
  const __m256 e_q1 = _mm256_mul_ps(e, _mm256_set1_ps(-2.12194440e-4f));
  y = _mm256_fmadd_ps(y, z, e_q1);
  y = _mm256_sub_ps(y, _mm256_mul_ps(z, _mm256_set1_ps(0.5f)));
  x = _mm256_add_ps(x, y);
  return _mm256_fmadd_ps(e, _mm256_set1_ps(0.693359375f), x);
}

__attribute__((target("avx2,fma"))) inline void sincos_avx2(__m256 x, __m256* s, __m256* c) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  x = _mm256_andnot_ps(sign, x);
  __m256 y = _mm256_mul_ps(x, _mm256_set1_ps(1.27323954473516f));
  __m256i j = _mm256_cvttps_epi32(y);
  j = _mm256_and_si256(_mm256_add_epi32(j, _mm256_set1_epi32(1)), _mm256_set1_epi32(~1));
  y = _mm256_cvtepi32_ps(j);
  const __m256i four = _mm256_set1_epi32(4);
  const __m256 flip_sin = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_and_si256(j, four), 29));
  const __m256 sine_poly_for_sin =
      _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(j, _mm256_set1_epi32(2)), _mm256_setzero_si256()));
  const __m256i not_j_minus_2 = _mm256_xor_si256(_mm256_sub_epi32(j, _mm256_set1_epi32(2)), _mm256_set1_epi32(-1));
  const __m256 flip_cos = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_and_si256(not_j_minus_2, four), 29));
  x = _mm256_fmadd_ps(y, _mm256_set1_ps(-0.78515625f), x);
  x = _mm256_fmadd_ps(y, _mm256_set1_ps(-2.4187564849853515625e-4f), x);
  x = _mm256_fmadd_ps(y, _mm256_set1_ps(-3.77489497744594108e-8f), x);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 yc = _mm256_fmadd_ps(_mm256_set1_ps(2.443315711809948E-005f), z, _mm256_set1_ps(-1.388731625493765E-003f));
  yc = _mm256_fmadd_ps(yc, z, _mm256_set1_ps(4.166664568298827E-002f));
  yc = _mm256_mul_ps(yc, z);
  const __m256 half_z = _mm256_mul_ps(z, _mm256_set1_ps(0.5f));
  yc = _mm256_fmadd_ps(yc, z, _mm256_xor_ps(half_z, sign));
  yc = _mm256_add_ps(yc, _mm256_set1_ps(1.0f));
  __m256 ys = _mm256_fmadd_ps(_mm256_set1_ps(-1.9515295891E-4f), z, _mm256_set1_ps(8.3321608736E-3f));
  ys = _mm256_fmadd_ps(ys, z, _mm256_set1_ps(-1.6666654611E-1f));
  ys = _mm256_mul_ps(ys, z);
  ys = _mm256_fmadd_ps(ys, x, x);
  const __m256 zero = _mm256_setzero_ps();
  const __m256 sin_v = _mm256_add_ps(_mm256_blendv_ps(yc, ys, sine_poly_for_sin), zero);
  const __m256 cos_v = _mm256_add_ps(_mm256_blendv_ps(ys, yc, sine_poly_for_sin), zero);
  *s = _mm256_xor_ps(sin_v, flip_sin);
  *c = _mm256_xor_ps(cos_v, flip_cos);
}

__attribute__((target("avx2,fma"))) void box_muller_16_avx2(float* data, float mean, float std) {
  const __m256 u1 = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_loadu_ps(data));
  const __m256 u2 = _mm256_loadu_ps(data + 8);
  const __m256 radius = _mm256_sqrt_ps(_mm256_mul_ps(_mm256_set1_ps(-2.0f), log_avx2(u1)));
  const __m256 theta = _mm256_mul_ps(_mm256_set1_ps(static_cast<float>(2.0 * 3.14159265358979323846)), u2);
  __m256 s, c;
  sincos_avx2(theta, &s, &c);
  const __m256 vstd = _mm256_set1_ps(std), vmean = _mm256_set1_ps(mean);
  _mm256_storeu_ps(data, _mm256_fmadd_ps(_mm256_mul_ps(radius, c), vstd, vmean));
  _mm256_storeu_ps(data + 8, _mm256_fmadd_ps(_mm256_mul_ps(radius, s), vstd, vmean));
}
#endif

using BoxMuller16 = void (*)(float*, float, float);
BoxMuller16 pick_box_muller() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return box_muller_16_avx2;
#endif
  return box_muller_16_float_scalar;
}
}  // namespace

void box_muller_16_float(float* data, float mean, float std) {
  static const BoxMuller16 run = pick_box_muller();
  run(data, mean, std);
}

}  // namespace detail
}  // namespace ember
