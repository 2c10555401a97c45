// The scalar special functions behind torch.special's kernels: gamma-family functions,
// the inverse error functions, the scaled complementary error function, modified Bessel
// functions of the first kind, the Hurwitz zeta function and the regularized incomplete
// gamma functions. Each is defined out of line (ops/special_math.cpp), compiled for the
// baseline instruction set, so the SIMD loops of ops/simd only call them lane by lane
// (see lanewise_unary) and never instantiate them with wide instructions.
//
// Edge values (poles, infinities, NaN) follow PyTorch 1.13: see the .cpp for each rule.
#pragma once

namespace ember {
namespace kernels {
namespace special_fn {

#define EMBER_SPECIAL_UNARY(NAME) \
  float NAME(float x);            \
  double NAME(double x);
EMBER_SPECIAL_UNARY(lgamma)
EMBER_SPECIAL_UNARY(digamma)
EMBER_SPECIAL_UNARY(trigamma)
EMBER_SPECIAL_UNARY(erfinv)
EMBER_SPECIAL_UNARY(erfcx)
EMBER_SPECIAL_UNARY(ndtri)
EMBER_SPECIAL_UNARY(log_ndtr)
EMBER_SPECIAL_UNARY(i0)
EMBER_SPECIAL_UNARY(i0e)
EMBER_SPECIAL_UNARY(i1)
EMBER_SPECIAL_UNARY(i1e)
#undef EMBER_SPECIAL_UNARY

// Hurwitz zeta, sum over k >= 0 of (q + k)^-x.
float zeta(float x, float q);
double zeta(double x, double q);
// Regularized lower and upper incomplete gamma functions P(a, x) and Q(a, x).
float igamma(float a, float x);
double igamma(double a, double x);
float igammac(float a, float x);
double igammac(double a, double x);

}  // namespace special_fn
}  // namespace kernels
}  // namespace ember
