// torch.special: ember::special::NAME(x). Those also in the torch namespace (logit,
// xlogy, sinc, erf, ...) are ember::NAME too. Every function is differentiable.
//
//   Tensor p = ember::special::expit(logits);        // sigmoid
//   Tensor h = ember::special::entr(p).sum(-1);      // entropy, in nats
#pragma once
#include <optional>

#include "ember/scalar.hpp"
#include "ember/tensor.hpp"

namespace ember {

// log(x / (1 - x)); with eps, x is first clamped to [eps, 1 - eps] (its gradient is then
// zero outside), as torch.logit.
Tensor logit(const Tensor& x, std::optional<double> eps = std::nullopt);
// x * log(y), and 0 where x == 0 unless y is NaN (torch.xlogy). Broadcasts.
Tensor xlogy(const Tensor& x, const Tensor& y);
Tensor xlogy(const Tensor& x, Scalar y);
Tensor xlogy(Scalar x, const Tensor& y);
// sin(pi x) / (pi x), and 1 at 0 (the normalised sinc, torch.sinc).
Tensor sinc(const Tensor& x);
// The n-th derivative of digamma (n >= 0), as torch.polygamma. Gradient: polygamma(n + 1).
Tensor polygamma(int64_t n, const Tensor& x);
// The log of the multivariate gamma function of dimension p >= 1 (torch.mvlgamma):
// p (p - 1) / 4 log(pi) + sum_{i < p} lgamma(x - i / 2).
Tensor mvlgamma(const Tensor& x, int64_t p);
// lgamma, digamma, erfinv, i0 and the regularized incomplete gamma functions
// igamma(a, x) and igammac(a, x) are rows of the op table (ember/functions.hpp). As in
// PyTorch, igamma and igammac have a gradient in x only, zeta in q only: backward
// through the other input throws.

namespace special {

// Aliases of ember's own ops, under torch.special's names.
Tensor expit(const Tensor& x);  // sigmoid
Tensor erf(const Tensor& x);
Tensor erfc(const Tensor& x);
Tensor exp2(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor round(const Tensor& x);
Tensor logit(const Tensor& x, std::optional<double> eps = std::nullopt);
Tensor xlogy(const Tensor& x, const Tensor& y);
Tensor xlogy(const Tensor& x, Scalar y);
Tensor xlogy(Scalar x, const Tensor& y);
Tensor sinc(const Tensor& x);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
Tensor logsumexp(const Tensor& x, IntArrayRef dim, bool keepdim = false);

// x * log1p(y), and 0 where x == 0 unless y is NaN.
Tensor xlog1py(const Tensor& x, const Tensor& y);
Tensor xlog1py(const Tensor& x, Scalar y);
Tensor xlog1py(Scalar x, const Tensor& y);
// Elementwise entropy: -x log x for x > 0, 0 at 0, -inf for x < 0.
Tensor entr(const Tensor& x);
// The standard normal's distribution function, 0.5 * erfc(-x / sqrt(2)).
Tensor ndtr(const Tensor& x);
// Its log, accurate far into both tails, and its inverse (the normal quantile; -inf
// at 0, inf at 1, NaN outside [0, 1]).
Tensor log_ndtr(const Tensor& x);
Tensor ndtri(const Tensor& x);

// The gamma family: log|Gamma(x)|, its derivative digamma (psi), and its n-th
// derivative polygamma (-inf / inf / NaN at the poles as PyTorch).
Tensor gammaln(const Tensor& x);
Tensor digamma(const Tensor& x);
Tensor psi(const Tensor& x);
Tensor polygamma(int64_t n, const Tensor& x);
Tensor multigammaln(const Tensor& x, int64_t p);
// Regularized lower and upper incomplete gamma functions P(a, x) and Q(a, x).
Tensor gammainc(const Tensor& a, const Tensor& x);
Tensor gammaincc(const Tensor& a, const Tensor& x);
// The Hurwitz zeta function, sum_{k >= 0} (q + k)^-x. Broadcasts.
Tensor zeta(const Tensor& x, const Tensor& q);
Tensor zeta(const Tensor& x, Scalar q);
Tensor zeta(Scalar x, const Tensor& q);

// Inverse error function; exp(x^2) erfc(x) (scaled, so it neither overflows nor
// underflows where erfc alone would).
Tensor erfinv(const Tensor& x);
Tensor erfcx(const Tensor& x);
// Modified Bessel functions of the first kind of orders 0 and 1, and the same scaled
// by exp(-|x|).
Tensor i0(const Tensor& x);
Tensor i0e(const Tensor& x);
Tensor i1(const Tensor& x);
Tensor i1e(const Tensor& x);
// PyTorch 1.13's other spellings of I0 and I1, which (unlike i0 and i1) have no
// gradient there: their results never require grad.
Tensor modified_bessel_i0(const Tensor& x);
Tensor modified_bessel_i1(const Tensor& x);
// sin(x) / x, 1 at 0 and 0 at +-inf; no gradient, as in PyTorch 1.13.
Tensor spherical_bessel_j0(const Tensor& x);

}  // namespace special
}  // namespace ember
