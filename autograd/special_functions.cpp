// torch.special's functions that have kernels of their own (ops/special_math.cpp, run
// through the op table's rows), each with PyTorch's derivative beside it. The
// composed ones (logit, xlogy, entr, ...) are in special.cpp.
#include <cmath>
#include <limits>

#include "autograd/prelude.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/special.hpp"
#include "ops/elementwise.hpp"
#include "src/core/check.hpp"

namespace ember {

namespace {
using Ref = const Tensor&;
// y = kernel(x), recording a node whose backward gets (g, x, y) when x needs a gradient.
template <class Backward>
Tensor unary_special(const char* name, Tensor (*kernel)(const Tensor&), Ref x, Backward backward) {
  Tensor y = kernel(x);
  if (needs_grad(x))
    record(name, {x}, {&y}, {save(x), save_output(y)},
           [backward](const Grads& g, Ctx& c) { return Grads{backward(g[0], c.saved(0), c.saved(1))}; });
  return y;
}
// The compute dtype of a float-only op on x, for constants that must round as x does.
bool computes_in_float32(Ref x) {
  Dtype dt = is_floating_point(x.dtype()) ? x.dtype() : get_default_dtype();
  return dt == kFloat32;
}
[[noreturn]] void not_differentiable(const char* what) {
  detail::fail(std::string("the derivative for '") + what + "' is not implemented (as in PyTorch)");
}
// Binary special functions whose derivative exists only in the second input (x of
// igamma(a, x), q of zeta(x, q)); backward through the first throws, as PyTorch's does.
template <class SecondGrad>
Tensor second_input_grad_only(const char* name, const char* first, k::Binary op, Ref a, Ref b, SecondGrad grad_b) {
  Tensor y = k::binary(op, a, b);
  if (needs_grad(a, b))
    record(name, {a, b}, {&y}, {save(a), save(b)}, [grad_b, first](const Grads& g, Ctx& c) {
      if (c.needs(0)) not_differentiable(first);
      return Grads{Tensor(), c.needs(1) ? grad_b(g[0], c.saved(0), c.saved(1)) : Tensor()};
    });
  return y;
}
Tensor float_scalar_like(Scalar s, Ref other) {
  return full({}, s, TensorOptions(is_floating_point(other.dtype()) ? other.dtype() : get_default_dtype()));
}
}  // namespace

// ---- the gamma family ----
Tensor lgamma(Ref x) {
  return unary_special("lgamma", k::lgamma, x, [](Ref g, Ref x, Ref) { return g * ember::digamma(x); });
}
Tensor digamma(Ref x) {
  return unary_special("digamma", k::digamma, x, [](Ref g, Ref x, Ref) { return g * ember::polygamma(1, x); });
}
Tensor polygamma(int64_t n, Ref x) {
  EMBER_CHECK(n >= 0, "polygamma(n, x) does not support negative n, but got n = {} (x of shape {})", n, x.sizes());
  if (n == 0) return ember::digamma(x);
  Tensor y;
  if (n == 1) {
    y = k::trigamma(x);
  } else {
    // (-1)^(n+1) n! zeta(n + 1, x), with n! formed as exp(lgamma(n + 1)) in the compute
    // precision, as PyTorch forms it (so results round alike).
    double sign = n % 2 ? 1.0 : -1.0;
    double factor = computes_in_float32(x) ? double(sign * std::exp(std::lgamma(float(n) + 1.f)))
                                           : sign * std::exp(std::lgamma(double(n) + 1.0));
    y = k::binary(k::Binary::Mul, k::binary(k::Binary::Zeta, Scalar(double(n + 1)), x), Scalar(factor));
  }
  if (needs_grad(x))
    record("polygamma", {x}, {&y}, {save(x)},
           [n](const Grads& g, Ctx& c) { return Grads{g[0] * ember::polygamma(n + 1, c.saved(0))}; });
  return y;
}
Tensor mvlgamma(Ref x, int64_t p) {
  EMBER_CHECK(p >= 1, "mvlgamma: p has to be greater than or equal to 1, but got p = {} (x of shape {})", p, x.sizes());
  Tensor xf = is_floating_point(x.dtype()) ? x : x.to(get_default_dtype());
  // lgamma(x - i/2) for i = 0..p-1 along a new last dim, summed.
  Tensor halves = arange(0, p, TensorOptions(xf.dtype())) * -0.5;
  return ember::lgamma(xf.unsqueeze(-1) + halves).sum(-1) + double(p * (p - 1)) / 4.0 * std::log(M_PI);
}

// ---- incomplete gamma: derivative in x only, x^(a-1) e^-x / Gamma(a) ----
namespace {
Tensor igamma_dx(Ref a, Ref x) { return ember::exp((a - 1) * ember::log(x) - x - ember::lgamma(a)); }
}  // namespace
Tensor igamma(Ref a, Ref x) {
  return second_input_grad_only("igamma", "igamma: input", k::Binary::Igamma, a, x,
                                [](Ref g, Ref a, Ref x) { return g * igamma_dx(a, x); });
}
Tensor igammac(Ref a, Ref x) {
  return second_input_grad_only("igammac", "igammac: input", k::Binary::Igammac, a, x,
                                [](Ref g, Ref a, Ref x) { return -g * igamma_dx(a, x); });
}

// ---- error-function family ----
Tensor erfinv(Ref x) {
  return unary_special("erfinv", k::erfinv, x, [](Ref g, Ref, Ref y) {
    return g * ember::exp(y * y) * (0.5 * std::sqrt(M_PI));
  });
}

// ---- Bessel ----
Tensor i0(Ref x) {
  return unary_special("i0", k::i0, x, [](Ref g, Ref x, Ref) { return g * special::i1(x); });
}

namespace {
// PyTorch's i1 / i1e gradients divide by x; at |x| <= eps they are 1/2 instead.
Tensor tiny_safe(Ref x, Ref tiny) {
  double eps = computes_in_float32(x) ? double(std::numeric_limits<float>::epsilon())
                                      : std::numeric_limits<double>::epsilon();
  return where(tiny, float_scalar_like(eps, x), x);
}
Tensor is_tiny(Ref x) {
  double eps = computes_in_float32(x) ? double(std::numeric_limits<float>::epsilon())
                                      : std::numeric_limits<double>::epsilon();
  return ember::abs(x.detach()) <= eps;
}
}  // namespace

namespace special {
Tensor gammaln(Ref x) { return ember::lgamma(x); }
Tensor digamma(Ref x) { return ember::digamma(x); }
Tensor psi(Ref x) { return ember::digamma(x); }
Tensor polygamma(int64_t n, Ref x) { return ember::polygamma(n, x); }
Tensor multigammaln(Ref x, int64_t p) { return ember::mvlgamma(x, p); }
Tensor gammainc(Ref a, Ref x) { return ember::igamma(a, x); }
Tensor gammaincc(Ref a, Ref x) { return ember::igammac(a, x); }
Tensor erfinv(Ref x) { return ember::erfinv(x); }
Tensor i0(Ref x) { return ember::i0(x); }

Tensor zeta(Ref x, Ref q) {
  return second_input_grad_only("zeta", "zeta", k::Binary::Zeta, x, q,
                                [](Ref g, Ref x, Ref q) { return g * -x * special::zeta(x + 1, q); });
}
Tensor zeta(Ref x, Scalar q) { return zeta(x, float_scalar_like(q, x)); }
Tensor zeta(Scalar x, Ref q) { return zeta(float_scalar_like(x, q), q); }

Tensor erfcx(Ref x) {
  return unary_special("erfcx", k::erfcx, x, [](Ref g, Ref x, Ref y) { return (x * y * 2.0 - 2.0 / std::sqrt(M_PI)) * g; });
}
Tensor ndtri(Ref x) {
  return unary_special("ndtri", k::ndtri, x,
                       [](Ref g, Ref, Ref y) { return g * std::sqrt(2 * M_PI) * ember::exp(y * y / 2); });
}
Tensor log_ndtr(Ref x) {
  return unary_special("log_ndtr", k::log_ndtr, x, [](Ref g, Ref x, Ref y) {
    return g / std::sqrt(2 * M_PI) * ember::exp(-(y + x * x / 2));
  });
}
Tensor i0e(Ref x) {
  return unary_special("i0e", k::i0e, x, [](Ref g, Ref x, Ref y) { return g * (special::i1e(x) - ember::sign(x) * y); });
}
Tensor i1(Ref x) {
  return unary_special("i1", k::i1, x, [](Ref g, Ref x, Ref y) {
    Tensor tiny = is_tiny(x);
    Tensor safe = tiny_safe(x, tiny);
    return g * where(tiny, float_scalar_like(0.5, x), ember::i0(safe) - y * ember::reciprocal(safe));
  });
}
Tensor i1e(Ref x) {
  return unary_special("i1e", k::i1e, x, [](Ref g, Ref x, Ref y) {
    Tensor tiny = is_tiny(x);
    Tensor safe = tiny_safe(x, tiny);
    return g * where(tiny, float_scalar_like(0.5, x), special::i0e(safe) - y * (ember::sign(safe) + ember::reciprocal(safe)));
  });
}
Tensor modified_bessel_i0(Ref x) { return k::i0(x); }
Tensor modified_bessel_i1(Ref x) { return k::i1(x); }
Tensor spherical_bessel_j0(Ref x) {
  NoGradGuard no_grad;
  Tensor zero = x == 0;
  Tensor safe = where(zero, float_scalar_like(1.0, x), x);
  Tensor y = where(zero, float_scalar_like(1.0, x), ember::sin(safe) / safe);
  return where(ember::abs(x) == std::numeric_limits<double>::infinity(), float_scalar_like(0.0, x), y);
}
}  // namespace special
}  // namespace ember
