// sigmoid and tanh on float32 batches: the SIMD loops' (loops.inl) bodies for the op
// table's sigmoid and tanh rows in float32 (SigmoidOp<float>, TanhOp<float>,
// ops/functors.hpp). Both are one exp-like function of a non-positive argument and one
// division, with no branch on the data but a rare one for sigmoid's subnormal results:
//
//   sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, e = exp(-|x|);
//   tanh(x)    = sign(x) |m / (2 + m)|, m = expm1(-2 |x|).
//
// Written with expm1, tanh keeps its relative accuracy near 0 without a second formula
// for small |x| (xsimd's tanh evaluates a polynomial and an exp for every vector and
// blends them; its exp handles the whole float range with selects that these arguments
// do not need). Both come from one reduction: y = k ln 2 + r, |r| <= ln 2 / 2, and
// e^r - 1 = r + r^2 q(r) with q the Taylor polynomial of degree 5 (truncation below
// 1.5e-8 of the result); then exp(y) = 2^k + 2^k (e^r - 1) and
// expm1(y) = (2^k - 1) + 2^k (e^r - 1), each with one rounding.
//
// Accuracy, against double on every 97th float (tests/test_sigmoid_tanh_accuracy.cpp):
// at most 2.5 units in the last place for both (the division and 1 + e or 2 + m add
// their roundings to the exp's), like PyTorch's float sigmoid (an exp, an add and a
// reciprocal); PyTorch's float tanh is within 1 unit. NaN in, NaN out; tanh(-0) = -0;
// sigmoid of x below -87 is e^x to within subnormal rounding (exp(x / 2) squared).
#pragma once
#include <xsimd/xsimd.hpp>

#include <cstdint>

#include "ops/functors.hpp"
#include "ops/simd/fma.hpp"

namespace ember {
namespace kernels {
namespace simd {

// y = k ln 2 + r (reduce_ln2) for y in [-87, 0] (NaN passes through): 2^k (a normal
// float: k >= -126) and e^r - 1.
template <class A>
struct ExpParts {
  xsimd::batch<float, A> two_k, expm1_r;
};
template <class A>
EMBER_SIMD_INLINE ExpParts<A> exp_parts(const xsimd::batch<float, A>& y) {
  using B = xsimd::batch<float, A>;
  using I = xsimd::batch<int32_t, A>;
  B s;
  const B r = reduce_ln2(y, s);
  B q = mul_add(B(1.0f / 5040), r, B(1.0f / 720));
  q = mul_add(q, r, B(1.0f / 120));
  q = mul_add(q, r, B(1.0f / 24));
  q = mul_add(q, r, B(1.0f / 6));
  q = mul_add(q, r, B(0.5f));
  ExpParts<A> out;
  out.expm1_r = mul_add(r * r, q, r);
  // (k + 127) << 23, the bits of 2^k.
  out.two_k = xsimd::bitwise_cast<B>((xsimd::bitwise_cast<I>(s) << 23) + I(127 << 23));
  return out;
}

template <class A>
EMBER_SIMD_INLINE xsimd::batch<float, A> sigmoid_float(const xsimd::batch<float, A>& x) {
  using B = xsimd::batch<float, A>;
  // max returns its second operand when either is NaN, so a NaN goes on to the result.
  const ExpParts<A> p = exp_parts(xsimd::max(B(-87.0f), -xsimd::abs(x)));
  B e = mul_add(p.two_k, p.expm1_r, p.two_k);
  const auto deep = x < B(-87.0f);
  if (xsimd::any(deep)) {
    // exp(x) is below the normal range there: exp(x / 2) squared rounds once into it
    // (and to 0 from about x = -104 on, as the true value does).
    const ExpParts<A> h = exp_parts(xsimd::max(B(-87.0f), x * B(0.5f)));
    const B eh = mul_add(h.two_k, h.expm1_r, h.two_k);
    e = xsimd::select(deep, eh * eh, e);
  }
  return xsimd::select(x < B(0.0f), e, B(1.0f)) / (B(1.0f) + e);
}

template <class A>
EMBER_SIMD_INLINE xsimd::batch<float, A> tanh_float(const xsimd::batch<float, A>& x) {
  using B = xsimd::batch<float, A>;
  // Past |x| = 9.5, tanh rounds to 1 (1 - 2 e^-19 < 1 - 2^-25); min keeps a NaN (as max).
  const ExpParts<A> p = exp_parts(xsimd::min(B(9.5f), xsimd::abs(x)) * B(-2.0f));
  const B m = mul_add(p.two_k, p.expm1_r, p.two_k - B(1.0f));  // 2^k - 1 is exact for k >= -24
  // m <= 0, so m / (2 + m) <= 0; abs clears the sign of a zero too, and x's sign goes on.
  const B t = xsimd::abs(m / (B(2.0f) + m));
  return t | (x & B(-0.0f));
}

}  // namespace simd

template <class A>
struct SigmoidFloatBatch<xsimd::batch<float, A>> {
  EMBER_SIMD_INLINE static xsimd::batch<float, A> apply(const xsimd::batch<float, A>& x) {
    return simd::sigmoid_float(x);
  }
};

template <class A>
struct TanhFloatBatch<xsimd::batch<float, A>> {
  EMBER_SIMD_INLINE static xsimd::batch<float, A> apply(const xsimd::batch<float, A>& x) {
    return simd::tanh_float(x);
  }
};

}  // namespace kernels
}  // namespace ember
