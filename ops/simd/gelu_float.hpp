// gelu(x) = x Phi(x) on a float32 batch, without erf: the SIMD loops' (loops.inl) body
// for the op table's gelu row in float32 (GeluOp<float>, ops/functors.hpp).
//
// With a = |x| and q = Phi(-a) = erfc(a / sqrt 2) / 2, gelu(x) is x q for x < 0 and
// x (1 - q) for x >= 0, so the negative tail keeps its relative accuracy (1 + erf(x / sqrt 2)
// cancels there) and no branch is needed. q is exp(-a^2 / 2) R(a), where R (the Mills
// ratio over sqrt(2 pi)) is smooth and slowly varying: a polynomial of degree 8 in
// t = 1 / (1 + 0.3 a), which maps a in [0, inf) onto t in (0, 1], gives R within 5.6e-8
// relative on all of a in [0, 12.5]. One division, one exp and about 30 FMAs in all,
// against xsimd's erf's exp, division and two polynomials on both sides of its branch.
//
// The coefficients are fitted by ops/simd/fit_gelu_float.py (minimax relative error,
// Lawson's iteration, in double, against math.erfc); tests/test_gelu_accuracy.cpp checks
// the result against erf in double and against PyTorch's gelu.
#pragma once
#include <xsimd/xsimd.hpp>

#include <cstdint>
#include <type_traits>

#include "ops/functors.hpp"
#include "ops/simd/fma.hpp"

namespace ember {
namespace kernels {
namespace simd {

// exp(y) for y in [-87, 0] (no overflow, no subnormal results): y = k ln 2 + r
// (reduce_ln2), exp(r) by a degree-5 polynomial (7.5e-8 relative), and 2^k added into
// the exponent bits.
template <class A>
EMBER_SIMD_INLINE xsimd::batch<float, A> exp_nonpositive(const xsimd::batch<float, A>& y) {
  using B = xsimd::batch<float, A>;
  using I = xsimd::batch<int32_t, A>;
  B s;
  const B r = reduce_ln2(y, s);
  B p = mul_add(B(0.00829761941f), r, B(0.0419156291f));
  p = mul_add(p, r, B(0.166675761f));
  p = mul_add(p, r, B(0.499988914f));
  p = mul_add(p, r, B(0.999999702f));
  p = mul_add(p, r, B(1.00000012f));
  const I scale = xsimd::bitwise_cast<I>(s) << 23;  // k << 23
  return xsimd::bitwise_cast<B>(xsimd::bitwise_cast<I>(p) + scale);
}

// The tail both gelu and its gradient are made of, for a = min(|x|, 12.5): exp(-a^2 / 2)
// as e (1 + e_lo) (the exp of the rounded -a^2 / 2, and the rounding taken back as a
// factor), and q = Phi(-a) = exp(-a^2 / 2) R(a), 0 past 12.5. Beyond 12.5, q < 4e-36:
// gelu is x or 0 in float; clamping keeps exp's argument in its range.
template <class A>
struct GeluTail {
  xsimd::batch<float, A> e, e_lo, q;
};
template <class A>
EMBER_SIMD_INLINE GeluTail<A> gelu_tail(const xsimd::batch<float, A>& ax) {
  using B = xsimd::batch<float, A>;
  const B a = xsimd::min(ax, B(12.5f));
  const B t = B(1.0f) / mul_add(a, B(0.3f), B(1.0f));
  B r = mul_add(B(0.0381832272f), t, B(-0.168214425f));
  r = mul_add(r, t, B(0.226685673f));
  r = mul_add(r, t, B(-0.0742370561f));
  r = mul_add(r, t, B(0.140958875f));
  r = mul_add(r, t, B(0.0953597277f));
  r = mul_add(r, t, B(0.121745922f));
  r = mul_add(r, t, B(0.119512372f));
  r = mul_add(r, t, B(5.70355951e-06f));
  // -a^2 / 2 as y + y_lo exactly (h = -a / 2 is exact), and exp(y + y_lo) as
  // exp(y) (1 + y_lo): without it the rounding of a^2 (up to 78 ulps of 1 in exp's
  // argument) would cost q up to 5e-6 of relative accuracy in the tails.
  const B h = a * B(-0.5f);
  const B y = h * a;
  GeluTail<A> out;
  out.e_lo = mul_sub(h, a, y);
  out.e = exp_nonpositive(y);
  const B q = out.e * r;
  out.q = xsimd::select(ax < B(12.5f), mul_add(q, out.e_lo, q), B(0.0f));  // a NaN's 0 too
  return out;
}

template <class A>
EMBER_SIMD_INLINE xsimd::batch<float, A> gelu_float(const xsimd::batch<float, A>& x) {
  using B = xsimd::batch<float, A>;
  const B ax = xsimd::abs(x);
  const B q = gelu_tail(ax).q;
  // x - x q with one rounding on the positive side, written with a (which is x there,
  // up to the clamp) so that +inf gives inf - 12.5 * 0, not inf * 0; -inf gives NaN, as
  // PyTorch's gelu does.
  return xsimd::select(x < B(0.0f), x * q, neg_mul_add(xsimd::min(ax, B(12.5f)), q, x));
}

// gelu's gradient g (Phi(x) + x phi(x)) on a float32 batch: Phi from the tail's q (q for
// x < 0, 1 - q otherwise), phi(x) = exp(-x^2 / 2) / sqrt(2 pi) from its exp. Past
// |x| = 12.5 Phi is 0 or 1 in float, and x phi(x) < 1e-33 is taken as x * 0: 0, and
// NaN for an infinity or a NaN, as the formula gives them (PyTorch's too).
template <class A>
EMBER_SIMD_INLINE xsimd::batch<float, A> gelu_grad_float(const xsimd::batch<float, A>& g,
                                                         const xsimd::batch<float, A>& x) {
  using B = xsimd::batch<float, A>;
  const B ax = xsimd::abs(x);
  const GeluTail<A> tail = gelu_tail(ax);
  const B e = mul_add(tail.e, tail.e_lo, tail.e);
  const B cdf = xsimd::select(x < B(0.0f), tail.q, B(1.0f) - tail.q);
  const B x_pdf = xsimd::select(ax < B(12.5f), x * (e * B(0.39894228040143267794f)), x * B(0.0f));
  return g * (cdf + x_pdf);
}

}  // namespace simd

template <class A>
struct GeluGradFloatBatch<xsimd::batch<float, A>> {
  EMBER_SIMD_INLINE static xsimd::batch<float, A> apply(const xsimd::batch<float, A>& g,
                                                        const xsimd::batch<float, A>& x) {
    return simd::gelu_grad_float(g, x);
  }
};

template <class A>
struct GeluFloatBatch<xsimd::batch<float, A>> {
  EMBER_SIMD_INLINE static xsimd::batch<float, A> apply(const xsimd::batch<float, A>& x) { return simd::gelu_float(x); }
};

}  // namespace kernels
}  // namespace ember
