// pow on float32 and float64 batches: the SIMD loops' (loops.inl) body for the op table's
// pow row and for pow with a scalar exponent (PowOp<float>, PowOp<double>, PowScalarOp,
// ops/functors.hpp).
//
// xsimd's pow computes exp(y log|x|) in the batch's own precision and patches a few
// special values. In float32 that loses log2(|y log x|) bits (pow(0.3, 2.2) was 28 units
// in the last place off, pow(2, 0.5) 2), and its patches gave pow(0, -1) = 0,
// pow(NaN, 0) = NaN, pow(1, NaN) = NaN and pow(0, 0) = 0, where C's pow and PyTorch give
// inf, 1, 1 and 1; the strided (scalar) loop, which calls std::pow, disagreed with it.
//
// Here, with AVX-512, float32 lanes are widened to double, where y log|x| keeps 45 or
// more correct bits for every result a float can hold, so the float result is the
// correctly rounded one except within about 2^-21 of a tie, and the special values
// follow C99's pow (Annex F), which PyTorch's do too; with AVX2 and SSE2, and for
// float64, each lane calls std::pow (below). tests/test_pow_accuracy.cpp checks both
// against the C library's pow. The special values:
//   pow(x, +-0) = 1 and pow(1, y) = 1, NaN included; pow(-1, +-inf) = 1;
//   x < 0 finite with y not an integer: NaN;
//   x < 0 or x = -0 with y an odd integer: the sign of x;
//   pow(+-0, y < 0) = inf, pow(+-0, y > 0) = 0 (both signed as above);
//   |x| < 1 and |x| > 1 with y = +-inf, and x = +-inf: what exp(y log|x|) gives.
#pragma once
#include <xsimd/xsimd.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "ops/functors.hpp"
#include "ops/simd/fma.hpp"

namespace ember {
namespace kernels {
namespace simd {

template <class A>
EMBER_SIMD_INLINE xsimd::batch<double, A> pow_double(const xsimd::batch<double, A>& x,
                                                     const xsimd::batch<double, A>& y) {
  using B = xsimd::batch<double, A>;
  const B zero(0.0), one(1.0);
  const B ax = xsimd::abs(x);
  B r = xsimd::exp(y * xsimd::log(ax));  // log(0) = -inf: 0 or inf as y's sign says
  const auto y_integer = xsimd::floor(y) == y;  // true for +-inf, false for NaN
  const B half = y * B(0.5);
  const auto y_odd = y_integer & (xsimd::floor(half) != half);  // +-inf and |y| >= 2^53 are even
  // x's sign, -0 included (1 / -0 = -inf).
  const auto x_negative = (x < zero) | ((x == zero) & (one / x < zero));
  // The sign by xor: AVX-512's negation in xsimd is 0 - r, which leaves +0 positive.
  r = xsimd::select(x_negative & y_odd, r ^ B(-0.0), r);
  const auto x_finite_negative = (x < zero) & (ax < B(std::numeric_limits<double>::infinity()));
  r = xsimd::select(x_finite_negative & !y_integer, B(std::numeric_limits<double>::quiet_NaN()), r);
  // The exact ones last: y = 0 (even with x NaN or inf), x = 1 (even with y NaN), and
  // |x| = 1 with y = +-inf (inf * log 1 is NaN).
  return xsimd::select((y == zero) | (x == one) | ((ax == one) & xsimd::isinf(y)), one, r);
}

template <class A>
EMBER_SIMD_INLINE xsimd::batch<float, A> pow_float(const xsimd::batch<float, A>& x, const xsimd::batch<float, A>& y) {
  using F = xsimd::batch<float, A>;
  using D = xsimd::batch<double, A>;
  constexpr std::size_t n = F::size, m = D::size;  // m = n / 2
  alignas(64) float xf[n], yf[n], rf[n];
  alignas(64) double xd[n], yd[n], rd[n];
  x.store_aligned(xf);
  y.store_aligned(yf);
  for (std::size_t i = 0; i < n; ++i) {
    xd[i] = xf[i];
    yd[i] = yf[i];
  }
  for (std::size_t k = 0; k < n; k += m)
    pow_double(D::load_aligned(xd + k), D::load_aligned(yd + k)).store_aligned(rd + k);
  for (std::size_t i = 0; i < n; ++i) rf[i] = static_cast<float>(rd[i]);
  return F::load_aligned(rf);
}

}  // namespace simd

// With AVX-512 the widened form; with AVX2 and SSE2 the C library's powf lane by lane:
// xsimd's double exp converts to 64-bit integers, which AVX2 does one lane at a time
// (the widened form took 11 ns per float there, powf takes about 6).
template <class A>
struct PowBatch<xsimd::batch<float, A>> {
  static xsimd::batch<float, A> apply(const xsimd::batch<float, A>& x, const xsimd::batch<float, A>& y) {
    using F = xsimd::batch<float, A>;
    if constexpr (std::is_base_of<xsimd::avx512f, A>::value) {
      return simd::pow_float(x, y);
    } else {
      alignas(64) float xf[F::size], yf[F::size];
      x.store_aligned(xf);
      y.store_aligned(yf);
      for (std::size_t i = 0; i < F::size; ++i) xf[i] = std::pow(xf[i], yf[i]);
      return F::load_aligned(xf);
    }
  }
};
// float64 calls the C library's pow lane by lane: exp(y log|x|) in double loses up to
// log2(|y log x|) bits (pow(2, 3) came out 7.999999999999998), and there is no wider
// type to compute it in.
template <class A>
struct PowBatch<xsimd::batch<double, A>> {
  static xsimd::batch<double, A> apply(const xsimd::batch<double, A>& x, const xsimd::batch<double, A>& y) {
    using D = xsimd::batch<double, A>;
    alignas(64) double xd[D::size], yd[D::size];
    x.store_aligned(xd);
    y.store_aligned(yd);
    for (std::size_t i = 0; i < D::size; ++i) xd[i] = std::pow(xd[i], yd[i]);
    return D::load_aligned(xd);
  }
};

}  // namespace kernels
}  // namespace ember
