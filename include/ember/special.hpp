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

}  // namespace special
}  // namespace ember
