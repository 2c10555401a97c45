// Differentiable elementwise ops: each forward kernel call with its backward beside it.
#include <cmath>

#include "autograd/inplace.hpp"
#include "autograd/record.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ops/elementwise.hpp"

namespace ember {
using autograd::Ctx;
using autograd::Grads;
using autograd::needs_grad;
using autograd::record;
using autograd::save;
using autograd::save_output;
namespace k = kernels;

namespace {
Tensor zero_like_scalar(const Tensor& g) { return ember::zeros({}, g.dtype()); }
// Multiplies g by a 0/1 mask computed without autograd (its derivative is zero).
Tensor masked(const Tensor& g, const Tensor& mask_bool) { return ember::where(mask_bool, g, zero_like_scalar(g)); }
}  // namespace

// ---- one input ----
Tensor neg(const Tensor& x) {
  Tensor y = k::neg(x);
  if (needs_grad(x)) record("neg", {x}, {&y}, {}, [](const Grads& g, Ctx&) { return Grads{-g[0]}; });
  return y;
}

Tensor abs(const Tensor& x) {
  Tensor y = k::abs(x);
  if (needs_grad(x))
    record("abs", {x}, {&y}, {save(x)}, [](const Grads& g, Ctx& c) { return Grads{g[0] * k::sign(c.saved(0))}; });
  return y;
}

Tensor exp(const Tensor& x) {
  Tensor y = k::exp(x);
  if (needs_grad(x))
    record("exp", {x}, {&y}, {save_output(y)}, [](const Grads& g, Ctx& c) { return Grads{g[0] * c.saved(0)}; });
  return y;
}

Tensor expm1(const Tensor& x) {
  Tensor y = k::expm1(x);
  if (needs_grad(x))
    record("expm1", {x}, {&y}, {save_output(y)},
           [](const Grads& g, Ctx& c) { return Grads{g[0] * (c.saved(0) + 1)}; });
  return y;
}

Tensor log(const Tensor& x) {
  Tensor y = k::log(x);
  if (needs_grad(x))
    record("log", {x}, {&y}, {save(x)}, [](const Grads& g, Ctx& c) { return Grads{g[0] / c.saved(0)}; });
  return y;
}

Tensor log1p(const Tensor& x) {
  Tensor y = k::log1p(x);
  if (needs_grad(x))
    record("log1p", {x}, {&y}, {save(x)}, [](const Grads& g, Ctx& c) { return Grads{g[0] / (c.saved(0) + 1)}; });
  return y;
}

Tensor sqrt(const Tensor& x) {
  Tensor y = k::sqrt(x);
  if (needs_grad(x))
    record("sqrt", {x}, {&y}, {save_output(y)},
           [](const Grads& g, Ctx& c) { return Grads{g[0] / (c.saved(0) * 2)}; });
  return y;
}

Tensor rsqrt(const Tensor& x) {
  Tensor y = k::rsqrt(x);
  if (needs_grad(x))
    record("rsqrt", {x}, {&y}, {save_output(y)}, [](const Grads& g, Ctx& c) {
      Tensor y = c.saved(0);
      return Grads{g[0] * (y * y * y) * -0.5};
    });
  return y;
}

Tensor reciprocal(const Tensor& x) {
  Tensor y = k::reciprocal(x);
  if (needs_grad(x))
    record("reciprocal", {x}, {&y}, {save_output(y)}, [](const Grads& g, Ctx& c) {
      Tensor y = c.saved(0);
      return Grads{-g[0] * y * y};
    });
  return y;
}

Tensor square(const Tensor& x) {
  Tensor y = k::square(x);
  if (needs_grad(x))
    record("square", {x}, {&y}, {save(x)}, [](const Grads& g, Ctx& c) { return Grads{g[0] * c.saved(0) * 2}; });
  return y;
}

Tensor sin(const Tensor& x) {
  Tensor y = k::sin(x);
  if (needs_grad(x))
    record("sin", {x}, {&y}, {save(x)}, [](const Grads& g, Ctx& c) { return Grads{g[0] * ember::cos(c.saved(0))}; });
  return y;
}

Tensor cos(const Tensor& x) {
  Tensor y = k::cos(x);
  if (needs_grad(x))
    record("cos", {x}, {&y}, {save(x)}, [](const Grads& g, Ctx& c) { return Grads{-g[0] * ember::sin(c.saved(0))}; });
  return y;
}

Tensor tanh(const Tensor& x) {
  Tensor y = k::tanh(x);
  if (needs_grad(x))
    record("tanh", {x}, {&y}, {save_output(y)}, [](const Grads& g, Ctx& c) {
      Tensor y = c.saved(0);
      return Grads{g[0] * (1 - y * y)};
    });
  return y;
}

Tensor sigmoid(const Tensor& x) {
  Tensor y = k::sigmoid(x);
  if (needs_grad(x))
    record("sigmoid", {x}, {&y}, {save_output(y)}, [](const Grads& g, Ctx& c) {
      Tensor y = c.saved(0);
      return Grads{g[0] * y * (1 - y)};
    });
  return y;
}

Tensor relu(const Tensor& x) {
  Tensor y = k::relu(x);
  if (needs_grad(x))
    record("relu", {x}, {&y}, {save_output(y)},
           [](const Grads& g, Ctx& c) { return Grads{masked(g[0], k::compare(k::Compare::Gt, c.saved(0), 0))}; });
  return y;
}

Tensor gelu(const Tensor& x, const std::string& approximate) {
  EMBER_CHECK(approximate == "none" || approximate == "tanh",
              "gelu: approximate must be \"none\" or \"tanh\", got \"{}\" (input shape {})", approximate,
              x.defined() ? x.sizes() : IntArrayRef());
  bool tanh_form = approximate == "tanh";
  Tensor y = tanh_form ? k::gelu_tanh(x) : k::gelu(x);
  if (needs_grad(x))
    record("gelu", {x}, {&y}, {save(x)}, [tanh_form](const Grads& g, Ctx& c) {
      Tensor x = c.saved(0);
      if (tanh_form) {
        const double k0 = std::sqrt(2.0 / M_PI), k1 = 0.044715;
        Tensor inner = (x + x * x * x * k1) * k0;
        Tensor t = ember::tanh(inner);
        Tensor dinner = (1 + x * x * (3 * k1)) * k0;
        return Grads{g[0] * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dinner)};
      }
      Tensor cdf = (ember::erf(x * M_SQRT1_2) + 1) * 0.5;
      Tensor pdf = ember::exp(x * x * -0.5) * (1.0 / std::sqrt(2 * M_PI));
      return Grads{g[0] * (cdf + x * pdf)};
    });
  return y;
}

Tensor silu(const Tensor& x) {
  Tensor y = k::silu(x);
  if (needs_grad(x))
    record("silu", {x}, {&y}, {save(x)}, [](const Grads& g, Ctx& c) {
      Tensor x = c.saved(0);
      Tensor s = ember::sigmoid(x);
      return Grads{g[0] * s * (1 + x * (1 - s))};
    });
  return y;
}

Tensor softplus(const Tensor& x, Scalar beta, Scalar threshold) {
  double b = beta.to_double(), th = threshold.to_double();
  Tensor y = k::softplus(x, b, th);
  if (needs_grad(x))
    record("softplus", {x}, {&y}, {save(x)}, [b, th](const Grads& g, Ctx& c) {
      Tensor x = c.saved(0);
      Tensor bx = x * b;
      return Grads{ember::where(k::compare(k::Compare::Gt, bx.detach(), th), g[0], g[0] * ember::sigmoid(bx))};
    });
  return y;
}

Tensor erf(const Tensor& x) {
  Tensor y = k::erf(x);
  if (needs_grad(x))
    record("erf", {x}, {&y}, {save(x)}, [](const Grads& g, Ctx& c) {
      Tensor x = c.saved(0);
      return Grads{g[0] * ember::exp(-(x * x)) * (2.0 / std::sqrt(M_PI))};
    });
  return y;
}

Tensor sign(const Tensor& x) {
  Tensor y = k::sign(x);
  if (needs_grad(x)) record("sign", {x}, {&y}, {}, [](const Grads& g, Ctx&) { return Grads{ember::zeros_like(g[0])}; });
  return y;
}

Tensor leaky_relu(const Tensor& x, Scalar negative_slope) {
  double s = negative_slope.to_double();
  Tensor y = k::leaky_relu(x, s);
  if (needs_grad(x))
    record("leaky_relu", {x}, {&y}, {save(x)}, [s](const Grads& g, Ctx& c) {
      return Grads{ember::where(k::compare(k::Compare::Gt, c.saved(0), 0), g[0], g[0] * s)};
    });
  return y;
}

Tensor elu(const Tensor& x, Scalar alpha) {
  double a = alpha.to_double();
  Tensor y = k::elu(x, a);
  if (needs_grad(x))
    record("elu", {x}, {&y}, {save(x)}, [a](const Grads& g, Ctx& c) {
      Tensor x = c.saved(0);
      return Grads{ember::where(k::compare(k::Compare::Gt, x.detach(), 0), g[0], g[0] * ember::exp(x) * a)};
    });
  return y;
}

Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max) {
  Tensor y = k::clamp(x, min, max);
  if (needs_grad(x))
    record("clamp", {x}, {&y}, {save(x)}, [min, max](const Grads& g, Ctx& c) {
      Tensor x = c.saved(0);
      Tensor keep;
      if (min) keep = k::compare(k::Compare::Ge, x, *min);
      if (max) {
        Tensor hi = k::compare(k::Compare::Le, x, *max);
        keep = keep.defined() ? k::logical(k::Logical::And, keep, hi) : hi;
      }
      return Grads{masked(g[0], keep)};
    });
  return y;
}
Tensor clamp_min(const Tensor& x, Scalar min) { return clamp(x, min, std::nullopt); }
Tensor clamp_max(const Tensor& x, Scalar max) { return clamp(x, std::nullopt, max); }
Tensor logical_not(const Tensor& x) { return k::logical_not(x); }
Tensor isnan(const Tensor& x) { return k::isnan(x); }

// ---- two inputs ----
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
  bool unit = !alpha.is_floating_point() && alpha.to_int() == 1;
  Tensor y = unit ? k::binary(k::Binary::Add, a, b) : k::add_scaled(a, b, alpha);
  if (needs_grad(a, b))
    record("add", {a, b}, {&y}, {}, [alpha, unit](const Grads& g, Ctx& c) {
      return Grads{g[0], c.needs(1) ? (unit ? g[0] : g[0] * alpha) : Tensor()};
    });
  return y;
}
Tensor add(const Tensor& a, Scalar b, Scalar alpha) {
  Scalar v = alpha.is_floating_point() || b.is_floating_point() ? Scalar(b.to_double() * alpha.to_double())
                                                                 : Scalar(b.to_int() * alpha.to_int());
  Tensor y = k::binary(k::Binary::Add, a, v);
  if (needs_grad(a)) record("add", {a}, {&y}, {}, [](const Grads& g, Ctx&) { return Grads{g[0]}; });
  return y;
}
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
  bool unit = !alpha.is_floating_point() && alpha.to_int() == 1;
  Tensor y = unit ? k::binary(k::Binary::Sub, a, b)
                  : k::add_scaled(a, b, alpha.is_floating_point() ? Scalar(-alpha.to_double()) : Scalar(-alpha.to_int()));
  if (needs_grad(a, b))
    record("sub", {a, b}, {&y}, {}, [alpha, unit](const Grads& g, Ctx& c) {
      return Grads{g[0], c.needs(1) ? (unit ? -g[0] : g[0] * -alpha.to_double()) : Tensor()};
    });
  return y;
}
Tensor sub(const Tensor& a, Scalar b, Scalar alpha) {
  Scalar v = alpha.is_floating_point() || b.is_floating_point() ? Scalar(-b.to_double() * alpha.to_double())
                                                                 : Scalar(-b.to_int() * alpha.to_int());
  return add(a, v);
}
Tensor rsub(const Tensor& a, Scalar b) {
  Tensor y = k::binary(k::Binary::Sub, b, a);
  if (needs_grad(a)) record("rsub", {a}, {&y}, {}, [](const Grads& g, Ctx&) { return Grads{-g[0]}; });
  return y;
}
Tensor rdiv(const Tensor& a, Scalar b) {
  Tensor y = k::binary(k::Binary::Div, b, a);
  if (needs_grad(a))
    record("rdiv", {a}, {&y}, {save(a), save_output(y)},
           [](const Grads& g, Ctx& c) { return Grads{-g[0] * c.saved(1) / c.saved(0)}; });
  return y;
}
Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = k::binary(k::Binary::Mul, a, b);
  if (needs_grad(a, b))
    record("mul", {a, b}, {&y}, {save(a), save(b)}, [](const Grads& g, Ctx& c) {
      return Grads{c.needs(0) ? g[0] * c.saved(1) : Tensor(), c.needs(1) ? g[0] * c.saved(0) : Tensor()};
    });
  return y;
}
Tensor mul(const Tensor& a, Scalar b) {
  Tensor y = k::binary(k::Binary::Mul, a, b);
  if (needs_grad(a)) record("mul", {a}, {&y}, {}, [b](const Grads& g, Ctx&) { return Grads{g[0] * b}; });
  return y;
}
Tensor div(const Tensor& a, const Tensor& b) {
  Tensor y = k::binary(k::Binary::Div, a, b);
  if (needs_grad(a, b))
    record("div", {a, b}, {&y}, {save(a), save(b)}, [](const Grads& g, Ctx& c) {
      Tensor b = c.saved(1);
      Tensor ga = g[0] / b;
      return Grads{c.needs(0) ? ga : Tensor(), c.needs(1) ? -ga * c.saved(0) / b : Tensor()};
    });
  return y;
}
Tensor div(const Tensor& a, Scalar b) {
  Tensor y = k::binary(k::Binary::Div, a, b);
  if (needs_grad(a)) record("div", {a}, {&y}, {}, [b](const Grads& g, Ctx&) { return Grads{g[0] / b}; });
  return y;
}
Tensor pow(const Tensor& base, const Tensor& exponent) {
  Tensor y = k::binary(k::Binary::Pow, base, exponent);
  if (needs_grad(base, exponent))
    record("pow", {base, exponent}, {&y}, {save(base), save(exponent), save_output(y)}, [](const Grads& g, Ctx& c) {
      Tensor a = c.saved(0), e = c.saved(1);
      Tensor ga = c.needs(0) ? g[0] * e * ember::pow(a, e - 1) : Tensor();
      Tensor ge = c.needs(1) ? g[0] * c.saved(2) * ember::log(a) : Tensor();
      return Grads{ga, ge};
    });
  return y;
}
Tensor pow(const Tensor& base, Scalar exponent) {
  Tensor y = k::pow_scalar(base, exponent);
  if (needs_grad(base))
    record("pow", {base}, {&y}, {save(base)}, [exponent](const Grads& g, Ctx& c) {
      double e = exponent.to_double();
      if (e == 0) return Grads{ember::zeros_like(g[0])};
      return Grads{g[0] * e * ember::pow(c.saved(0), e - 1)};
    });
  return y;
}
Tensor pow(Scalar base, const Tensor& exponent) {
  Tensor y = k::binary(k::Binary::Pow, base, exponent);
  if (needs_grad(exponent))
    record("pow", {exponent}, {&y}, {save_output(y)}, [base](const Grads& g, Ctx& c) {
      return Grads{g[0] * c.saved(0) * std::log(base.to_double())};
    });
  return y;
}

namespace {
// maximum/minimum: the gradient goes to the larger (smaller) input; ties share it.
Tensor extreme(const char* name, k::Binary op, const Tensor& a, const Tensor& b) {
  Tensor y = k::binary(op, a, b);
  if (needs_grad(a, b))
    record(name, {a, b}, {&y}, {save(a), save(b)}, [op](const Grads& g, Ctx& c) {
      Tensor a = c.saved(0), b = c.saved(1);
      Tensor tie = k::compare(k::Compare::Eq, a, b);
      Tensor win = k::compare(op == k::Binary::Max ? k::Compare::Gt : k::Compare::Lt, a, b);
      Tensor half = g[0] * 0.5;
      Tensor zero = zero_like_scalar(g[0]);
      Tensor ga = ember::where(tie, half, ember::where(win, g[0], zero));
      Tensor gb = ember::where(tie, half, ember::where(win, zero, g[0]));
      return Grads{ga, gb};
    });
  return y;
}
}  // namespace
Tensor maximum(const Tensor& a, const Tensor& b) { return extreme("maximum", k::Binary::Max, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extreme("minimum", k::Binary::Min, a, b); }

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  Tensor y = k::where(condition, a, b);
  if (needs_grad(a, b))
    record("where", {a, b}, {&y}, {save(condition)}, [](const Grads& g, Ctx& c) {
      Tensor cond = c.saved(0);
      Tensor zero = zero_like_scalar(g[0]);
      return Grads{c.needs(0) ? ember::where(cond, g[0], zero) : Tensor(),
                   c.needs(1) ? ember::where(cond, zero, g[0]) : Tensor()};
    });
  return y;
}
Tensor where(const Tensor& condition, const Tensor& a, Scalar b) {
  return where(condition, a, ember::scalar_tensor(b, a.defined() ? a.dtype() : kFloat32));
}
Tensor where(const Tensor& condition, Scalar a, const Tensor& b) {
  return where(condition, ember::scalar_tensor(a, b.defined() ? b.dtype() : kFloat32), b);
}
Tensor logical_and(const Tensor& a, const Tensor& b) { return k::logical(k::Logical::And, a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return k::logical(k::Logical::Or, a, b); }

// ---- comparisons ----
#define EMBER_COMPARE(NAME, OP)                                                          \
  Tensor NAME(const Tensor& a, const Tensor& b) { return k::compare(k::Compare::OP, a, b); } \
  Tensor NAME(const Tensor& a, Scalar b) { return k::compare(k::Compare::OP, a, b); }
EMBER_COMPARE(eq, Eq)
EMBER_COMPARE(ne, Ne)
EMBER_COMPARE(lt, Lt)
EMBER_COMPARE(le, Le)
EMBER_COMPARE(gt, Gt)
EMBER_COMPARE(ge, Ge)
#undef EMBER_COMPARE

bool equal(const Tensor& a, const Tensor& b) {
  ember::detail::check_defined(a, "equal", "first argument");
  ember::detail::check_defined(b, "equal", "second argument");
  if (!a.sizes().equals(b.sizes())) return false;
  return ember::all(k::compare(k::Compare::Eq, a, b)).item<bool>();
}
Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  NoGradGuard guard;
  Tensor diff = ember::abs(a - b);
  Tensor tol = ember::abs(b) * rtol + atol;
  Tensor close = k::logical(k::Logical::Or, k::compare(k::Compare::Le, diff, tol), k::compare(k::Compare::Eq, a, b));
  if (equal_nan) close = k::logical(k::Logical::Or, close, k::logical(k::Logical::And, k::isnan(a), k::isnan(b)));
  return close;
}
bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  return ember::all(isclose(a, b, rtol, atol, equal_nan)).item<bool>();
}

Dtype result_type(const Tensor& a, const Tensor& b) { return k::result_type(a, b); }
Dtype result_type(const Tensor& a, Scalar b) { return k::result_type(a, b); }

}  // namespace ember
