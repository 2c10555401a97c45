// Differentiable elementwise ops: each forward kernel call with its backward beside it.
#include <cmath>

#include "autograd/inplace.hpp"
#include "autograd/prelude.hpp"
#include "autograd/trace.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/detail/traced_backward.hpp"
#include "ember/functions.hpp"
#include "ops/activation_backward.hpp"
#include "ops/elementwise.hpp"

namespace ember {

namespace {
Tensor zero_like_scalar(const Tensor& g) { return ember::zeros({}, g.dtype()); }
// Multiplies g by a 0/1 mask computed without autograd (its derivative is zero).
Tensor masked(const Tensor& g, const Tensor& mask_bool) { return ember::where(mask_bool, g, zero_like_scalar(g)); }

// The common shape of a one-input op: y = kernel(x) and, when x needs a gradient, a node
// whose backward gets the incoming gradient and the one tensor it saved (x or y).
enum class Saves { Input, Output, Nothing };
template <class Backward>
Tensor unary(const char* name, Tensor (*kernel)(const Tensor&), const Tensor& x, Saves saves, Backward backward) {
  Tensor y = kernel(x);
  EMBER_TRACE(name, {x}, {y});
  if (!needs_grad(x)) return y;
  if (saves == Saves::Nothing)
    record(name, {x}, {&y}, {}, [backward](const Grads& g, Ctx&) { return Grads{backward(g[0], Tensor())}; });
  else
    record(name, {x}, {&y}, {saves == Saves::Input ? save(x) : save_output(y)},
           [backward](const Grads& g, Ctx& c) { return Grads{backward(g[0], c.saved(0))}; });
  return y;
}
using Ref = const Tensor&;  // the backward lambdas' argument type, for short rows
}  // namespace

// ---- one input: forward kernel, what backward keeps, and d(loss)/dx from g ----
Tensor neg(Ref x) { return unary("neg", k::neg, x, Saves::Nothing, [](Ref g, Ref) { return -g; }); }
Tensor abs(Ref x) { return unary("abs", k::abs, x, Saves::Input, [](Ref g, Ref x) { return g * k::sign(x); }); }
Tensor exp(Ref x) { return unary("exp", k::exp, x, Saves::Output, [](Ref g, Ref y) { return g * y; }); }
Tensor expm1(Ref x) { return unary("expm1", k::expm1, x, Saves::Output, [](Ref g, Ref y) { return g * (y + 1); }); }
Tensor log(Ref x) { return unary("log", k::log, x, Saves::Input, [](Ref g, Ref x) { return g / x; }); }
Tensor log1p(Ref x) { return unary("log1p", k::log1p, x, Saves::Input, [](Ref g, Ref x) { return g / (x + 1); }); }
Tensor sqrt(Ref x) { return unary("sqrt", k::sqrt, x, Saves::Output, [](Ref g, Ref y) { return g / (y * 2); }); }
Tensor rsqrt(Ref x) {
  return unary("rsqrt", k::rsqrt, x, Saves::Output, [](Ref g, Ref y) { return g * (y * y * y) * -0.5; });
}
Tensor reciprocal(Ref x) {
  return unary("reciprocal", k::reciprocal, x, Saves::Output, [](Ref g, Ref y) { return -g * y * y; });
}
Tensor square(Ref x) { return unary("square", k::square, x, Saves::Input, [](Ref g, Ref x) { return g * x * 2; }); }
Tensor sin(Ref x) { return unary("sin", k::sin, x, Saves::Input, [](Ref g, Ref x) { return g * ember::cos(x); }); }
Tensor cos(Ref x) { return unary("cos", k::cos, x, Saves::Input, [](Ref g, Ref x) { return -g * ember::sin(x); }); }
// The fused gradient kernel (k::activation_backward) where backward_takes_kernels():
// undefined otherwise, or where the kernel does not take the layout. The composed forms
// next to each call are the reference.
namespace {
Tensor fused_gradient(k::ActivationGrad kind, Ref g, Ref saved) {
  if (!backward_takes_kernels()) return Tensor();
  return k::activation_backward(kind, g, saved);
}
}  // namespace

Tensor tanh(Ref x) {
  return unary("tanh", k::tanh, x, Saves::Output, [](Ref g, Ref y) {
    Tensor fused = fused_gradient(k::ActivationGrad::Tanh, g, y);
    return fused.defined() ? fused : g * (1 - y * y);
  });
}
Tensor sigmoid(Ref x) {
  return unary("sigmoid", k::sigmoid, x, Saves::Output, [](Ref g, Ref y) {
    Tensor fused = fused_gradient(k::ActivationGrad::Sigmoid, g, y);
    return fused.defined() ? fused : g * y * (1 - y);
  });
}
namespace nn {
namespace functional {
Tensor threshold_backward(const Tensor& grad, const Tensor& self, double threshold) {
  Tensor result;
  {
    autograd::TracerPause pause;
    if (threshold == 0) result = k::relu_backward(grad, self);
    if (!result.defined()) result = masked(grad, k::compare(k::Compare::Gt, self, threshold));
  }
  EMBER_TRACE("threshold_backward", {grad, self}, {result}, {{"threshold", threshold}});
  return result;
}
}  // namespace functional
}  // namespace nn

Tensor relu(Ref x) {
  return unary("relu", k::relu, x, Saves::Output,
               [](Ref g, Ref y) {
                 // While tracing, one op that a traced backward replays with the fused
                 // kernel (PyTorch's threshold_backward); with create_graph, public ops.
                 if (detail::tracer())
                   return needs_grad(g) ? masked(g, ember::gt(y, 0)) : nn::functional::threshold_backward(g, y, 0);
                 // The fused kernel records nothing: with create_graph the backward
                 // must stay differentiable in g (relu's double backward).
                 if (needs_grad(g)) return masked(g, k::compare(k::Compare::Gt, y, 0));
                 Tensor fused = k::relu_backward(g, y);
                 return fused.defined() ? fused : masked(g, k::compare(k::Compare::Gt, y, 0));
               });
}
Tensor silu(Ref x) {
  return unary("silu", k::silu, x, Saves::Input, [](Ref g, Ref x) {
    Tensor fused = fused_gradient(k::ActivationGrad::Silu, g, x);
    if (fused.defined()) return fused;
    Tensor s = ember::sigmoid(x);
    return g * s * (1 + x * (1 - s));
  });
}
Tensor erf(Ref x) {
  return unary("erf", k::erf, x, Saves::Input,
               [](Ref g, Ref x) { return g * ember::exp(-(x * x)) * (2.0 / std::sqrt(M_PI)); });
}
Tensor erfc(Ref x) {
  return unary("erfc", k::erfc, x, Saves::Input,
               [](Ref g, Ref x) { return g * ember::exp(-(x * x)) * (-2.0 / std::sqrt(M_PI)); });
}
Tensor exp2(Ref x) { return unary("exp2", k::exp2, x, Saves::Output, [](Ref g, Ref y) { return g * y * M_LN2; }); }
Tensor log2(Ref x) { return unary("log2", k::log2, x, Saves::Input, [](Ref g, Ref x) { return g / (x * M_LN2); }); }
Tensor log10(Ref x) { return unary("log10", k::log10, x, Saves::Input, [](Ref g, Ref x) { return g / (x * M_LN10); }); }
Tensor tan(Ref x) { return unary("tan", k::tan, x, Saves::Output, [](Ref g, Ref y) { return g * (1 + y * y); }); }
Tensor asin(Ref x) {
  return unary("asin", k::asin, x, Saves::Input, [](Ref g, Ref x) { return g * ember::rsqrt(1 - x * x); });
}
Tensor acos(Ref x) {
  return unary("acos", k::acos, x, Saves::Input, [](Ref g, Ref x) { return -g * ember::rsqrt(1 - x * x); });
}
Tensor atan(Ref x) { return unary("atan", k::atan, x, Saves::Input, [](Ref g, Ref x) { return g / (1 + x * x); }); }
Tensor sinh(Ref x) { return unary("sinh", k::sinh, x, Saves::Input, [](Ref g, Ref x) { return g * ember::cosh(x); }); }
Tensor cosh(Ref x) { return unary("cosh", k::cosh, x, Saves::Input, [](Ref g, Ref x) { return g * ember::sinh(x); }); }
Tensor asinh(Ref x) {
  return unary("asinh", k::asinh, x, Saves::Input, [](Ref g, Ref x) { return g * ember::rsqrt(x * x + 1); });
}
Tensor acosh(Ref x) {
  return unary("acosh", k::acosh, x, Saves::Input, [](Ref g, Ref x) { return g * ember::rsqrt(x * x - 1); });
}
Tensor atanh(Ref x) { return unary("atanh", k::atanh, x, Saves::Input, [](Ref g, Ref x) { return g / (1 - x * x); }); }
// Rounding is flat almost everywhere: PyTorch's gradient is zero (frac's is one).
Tensor floor(Ref x) { return unary("floor", k::floor, x, Saves::Nothing, [](Ref g, Ref) { return ember::zeros_like(g); }); }
Tensor ceil(Ref x) { return unary("ceil", k::ceil, x, Saves::Nothing, [](Ref g, Ref) { return ember::zeros_like(g); }); }
Tensor round(Ref x) { return unary("round", k::round, x, Saves::Nothing, [](Ref g, Ref) { return ember::zeros_like(g); }); }
Tensor trunc(Ref x) { return unary("trunc", k::trunc, x, Saves::Nothing, [](Ref g, Ref) { return ember::zeros_like(g); }); }
// As every FloatOnly row, an integer input computes in the default float dtype (all
// zeros here); PyTorch refuses frac of an integer tensor instead.
Tensor frac(Ref x) { return unary("frac", k::frac, x, Saves::Nothing, [](Ref g, Ref) { return g; }); }
Tensor sign(Ref x) { return unary("sign", k::sign, x, Saves::Nothing, [](Ref g, Ref) { return ember::zeros_like(g); }); }

// ---- one input, with arguments ----
Tensor gelu(const Tensor& x, const std::string& approximate) {
  EMBER_CHECK(approximate == "none" || approximate == "tanh",
              "gelu: approximate must be \"none\" or \"tanh\", got \"{}\" (input shape {})", approximate,
              x.defined() ? x.sizes() : IntArrayRef());
  bool tanh_form = approximate == "tanh";
  Tensor y = tanh_form ? k::gelu_tanh(x) : k::gelu(x);
  EMBER_TRACE("gelu", {x}, {y}, {{"approximate", approximate}});
  if (needs_grad(x))
    record("gelu", {x}, {&y}, {save(x)}, [tanh_form](const Grads& g, Ctx& c) {
      Tensor x = c.saved(0);
      Tensor fused = fused_gradient(tanh_form ? k::ActivationGrad::GeluTanh : k::ActivationGrad::Gelu, g[0], x);
      if (fused.defined()) return Grads{fused};
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

Tensor softplus(const Tensor& x, Scalar beta, Scalar threshold) {
  double b = beta.to_double(), th = threshold.to_double();
  Tensor y = k::softplus(x, b, th);
  EMBER_TRACE("softplus", {x}, {y}, {{"beta", beta}, {"threshold", threshold}});
  if (needs_grad(x))
    record("softplus", {x}, {&y}, {save(x)}, [b, th](const Grads& g, Ctx& c) {
      Tensor x = c.saved(0);
      Tensor bx = x * b;
      return Grads{ember::where(k::compare(k::Compare::Gt, bx.detach(), th), g[0], g[0] * ember::sigmoid(bx))};
    });
  return y;
}

Tensor leaky_relu(const Tensor& x, Scalar negative_slope) {
  double s = negative_slope.to_double();
  Tensor y = k::leaky_relu(x, s);
  EMBER_TRACE("leaky_relu", {x}, {y}, {{"negative_slope", negative_slope}});
  if (needs_grad(x))
    record("leaky_relu", {x}, {&y}, {save(x)}, [s](const Grads& g, Ctx& c) {
      return Grads{ember::where(k::compare(k::Compare::Gt, c.saved(0), 0), g[0], g[0] * s)};
    });
  return y;
}

Tensor elu(const Tensor& x, Scalar alpha, Scalar scale, Scalar input_scale) {
  if (scale.to_double() != 1.0 || input_scale.to_double() != 1.0) {
    // Composed: the exponential sees min(x, 0) so that the branch where() drops cannot
    // overflow and poison the gradient.
    Tensor negative = (ember::exp(ember::clamp(x, std::nullopt, Scalar(0)) * input_scale) - 1) * alpha;
    return ember::where(x > 0, x, negative) * scale;
  }
  double a = alpha.to_double();
  Tensor y = k::elu(x, a);
  EMBER_TRACE("elu", {x}, {y}, {{"alpha", alpha}});
  if (needs_grad(x))
    record("elu", {x}, {&y}, {save(x)}, [a](const Grads& g, Ctx& c) {
      Tensor x = c.saved(0);
      return Grads{ember::where(k::compare(k::Compare::Gt, x.detach(), 0), g[0], g[0] * ember::exp(x) * a)};
    });
  return y;
}

Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max) {
  Tensor y = k::clamp(x, min, max);
  EMBER_TRACE("clamp", {x}, {y},
              {{"min", min ? detail::AttrValue(*min) : detail::AttrValue()},
               {"max", max ? detail::AttrValue(*max) : detail::AttrValue()}});
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
Tensor logical_not(const Tensor& x) {
  Tensor y = k::logical_not(x);
  EMBER_TRACE("logical_not", {x}, {y});
  return y;
}
Tensor isnan(const Tensor& x) {
  Tensor y = k::isnan(x);
  EMBER_TRACE("isnan", {x}, {y});
  return y;
}
Tensor isinf(const Tensor& x) {
  Tensor y = k::isinf(x);
  EMBER_TRACE("isinf", {x}, {y});
  return y;
}
Tensor isposinf(const Tensor& x) {
  Tensor y = k::isposinf(x);
  EMBER_TRACE("isposinf", {x}, {y});
  return y;
}
Tensor isneginf(const Tensor& x) {
  Tensor y = k::isneginf(x);
  EMBER_TRACE("isneginf", {x}, {y});
  return y;
}
Tensor isfinite(const Tensor& x) {
  Tensor y = k::isfinite(x);
  EMBER_TRACE("isfinite", {x}, {y});
  return y;
}

// ---- two inputs ----
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
  bool unit = !alpha.is_floating_point() && alpha.to_int() == 1;
  Tensor y = unit ? k::binary(k::Binary::Add, a, b) : k::add_scaled(a, b, alpha);
  EMBER_TRACE("add", {a, b}, {y}, {{"alpha", alpha}});
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
  EMBER_TRACE("add", {a}, {y}, {{"other", v}});
  if (needs_grad(a)) record("add", {a}, {&y}, {}, [](const Grads& g, Ctx&) { return Grads{g[0]}; });
  return y;
}
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
  bool unit = !alpha.is_floating_point() && alpha.to_int() == 1;
  Tensor y = unit ? k::binary(k::Binary::Sub, a, b)
                  : k::add_scaled(a, b, alpha.is_floating_point() ? Scalar(-alpha.to_double()) : Scalar(-alpha.to_int()));
  EMBER_TRACE("sub", {a, b}, {y}, {{"alpha", alpha}});
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
  EMBER_TRACE("rsub", {a}, {y}, {{"other", b}});
  if (needs_grad(a)) record("rsub", {a}, {&y}, {}, [](const Grads& g, Ctx&) { return Grads{-g[0]}; });
  return y;
}
Tensor rdiv(const Tensor& a, Scalar b) {
  Tensor y = k::binary(k::Binary::Div, b, a);
  EMBER_TRACE("rdiv", {a}, {y}, {{"other", b}});
  if (needs_grad(a))
    record("rdiv", {a}, {&y}, {save(a), save_output(y)},
           [](const Grads& g, Ctx& c) { return Grads{-g[0] * c.saved(1) / c.saved(0)}; });
  return y;
}
Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = k::binary(k::Binary::Mul, a, b);
  EMBER_TRACE("mul", {a, b}, {y});
  if (needs_grad(a, b))
    record("mul", {a, b}, {&y}, {save(a), save(b)}, [](const Grads& g, Ctx& c) {
      return Grads{c.needs(0) ? g[0] * c.saved(1) : Tensor(), c.needs(1) ? g[0] * c.saved(0) : Tensor()};
    });
  return y;
}
Tensor mul(const Tensor& a, Scalar b) {
  Tensor y = k::binary(k::Binary::Mul, a, b);
  EMBER_TRACE("mul", {a}, {y}, {{"other", b}});
  if (needs_grad(a)) record("mul", {a}, {&y}, {}, [b](const Grads& g, Ctx&) { return Grads{g[0] * b}; });
  return y;
}
Tensor div(const Tensor& a, const Tensor& b) {
  Tensor y = k::binary(k::Binary::Div, a, b);
  EMBER_TRACE("div", {a, b}, {y});
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
  EMBER_TRACE("div", {a}, {y}, {{"other", b}});
  if (needs_grad(a)) record("div", {a}, {&y}, {}, [b](const Grads& g, Ctx&) { return Grads{g[0] / b}; });
  return y;
}
Tensor pow(const Tensor& base, const Tensor& exponent) {
  Tensor y = k::binary(k::Binary::Pow, base, exponent);
  EMBER_TRACE("pow", {base, exponent}, {y});
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
  EMBER_TRACE("pow", {base}, {y}, {{"exponent", exponent}});
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
  EMBER_TRACE("rpow", {exponent}, {y}, {{"self", base}});
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
  EMBER_TRACE(name, {a, b}, {y});
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
  EMBER_TRACE("where", {condition, a, b}, {y});
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
Tensor logical_and(const Tensor& a, const Tensor& b) {
  Tensor y = k::logical(k::Logical::And, a, b);
  EMBER_TRACE("logical_and", {a, b}, {y});
  return y;
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  Tensor y = k::logical(k::Logical::Or, a, b);
  EMBER_TRACE("logical_or", {a, b}, {y});
  return y;
}

// ---- comparisons: the table's EMBER_COMPARE_OP rows; no gradient ----
#define EMBER_COMPARE_OP(NAME, ENUM, OPERATOR, ONNX)           \
  Tensor NAME(const Tensor& a, const Tensor& b) {          \
    Tensor y = k::compare(k::Compare::ENUM, a, b);         \
    EMBER_TRACE(#NAME, {a, b}, {y});                       \
    return y;                                              \
  }                                                        \
  Tensor NAME(const Tensor& a, Scalar b) {                 \
    Tensor y = k::compare(k::Compare::ENUM, a, b);         \
    EMBER_TRACE(#NAME, {a}, {y}, {{"other", b}});          \
    return y;                                              \
  }
#include "ember/detail/ops.def"

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
