// The building blocks of ember's own float32 SIMD functions (gelu_float.hpp,
// sigmoid_tanh_float.hpp): fused multiply-adds that are fused on every instruction set
// that has them, and the always-inline attribute those functions are declared with.
#pragma once
#include <xsimd/xsimd.hpp>

#include <type_traits>

// The loops call these functions once per vector: inlined, their constants and
// temporaries stay in registers (GCC otherwise keeps them out of line, as it does xsimd's
// erf).
#if defined(__GNUC__)
#define EMBER_SIMD_INLINE inline __attribute__((always_inline))
#else
#define EMBER_SIMD_INLINE inline
#endif

namespace ember {
namespace kernels {
namespace simd {

// Fused multiply-adds, one rounding each. xsimd (8.x) has no AVX-512 kernels for them
// and falls back to a multiply and an add (ember compiles without -ffp-contract), which
// is twice the instructions and, for mul_sub's exact remainder, wrong; the SSE2 build
// has no FMA instructions and gets that fallback (two roundings) either way.
template <class A>
EMBER_SIMD_INLINE xsimd::batch<float, A> mul_add(const xsimd::batch<float, A>& x, const xsimd::batch<float, A>& y,
                               const xsimd::batch<float, A>& z) {
  if constexpr (std::is_base_of<xsimd::avx512f, A>::value)
    return _mm512_fmadd_ps(x, y, z);
  else
    return xsimd::fma(x, y, z);
}
template <class A>
EMBER_SIMD_INLINE xsimd::batch<float, A> mul_sub(const xsimd::batch<float, A>& x, const xsimd::batch<float, A>& y,
                               const xsimd::batch<float, A>& z) {
  if constexpr (std::is_base_of<xsimd::avx512f, A>::value)
    return _mm512_fmsub_ps(x, y, z);
  else
    return xsimd::fms(x, y, z);
}
template <class A>  // z - x y
EMBER_SIMD_INLINE xsimd::batch<float, A> neg_mul_add(const xsimd::batch<float, A>& x, const xsimd::batch<float, A>& y,
                                   const xsimd::batch<float, A>& z) {
  if constexpr (std::is_base_of<xsimd::avx512f, A>::value)
    return _mm512_fnmadd_ps(x, y, z);
  else
    return xsimd::fnma(x, y, z);
}


// The range reduction of ember's exp-like functions: y = k ln 2 + r with |r| <= ln 2 / 2
// (for |y| below about 2^22). Returns r; k is s - 1.5 * 2^23, and the rounding that
// adding 1.5 * 2^23 does also leaves k in the low bits of s, so bits(s) << 23 is k
// shifted into a float's exponent field (the shifter's own bits shift out).
template <class A>
EMBER_SIMD_INLINE xsimd::batch<float, A> reduce_ln2(const xsimd::batch<float, A>& y, xsimd::batch<float, A>& s) {
  using B = xsimd::batch<float, A>;
  const B shifter(12582912.0f);  // 1.5 * 2^23
  s = mul_add(y, B(1.44269504f), shifter);
  const B k = s - shifter;
  const B r = neg_mul_add(k, B(0.693145752f), y);  // ln 2 in two parts: k ln2_hi is exact
  return neg_mul_add(k, B(1.42860677e-06f), r);
}

}  // namespace simd
}  // namespace kernels
}  // namespace ember
