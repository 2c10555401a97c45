// Differentiable elementwise ops beyond the basic arithmetic: division with rounding
// (remainder, fmod, floor_divide), lerp, clamp with tensor bounds, two-tensor max/min,
// and the running product and log-sum-exp scans.
#include <cmath>

#include "autograd/prelude.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ops/elementwise.hpp"
#include "ops/reduction.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace {

// Integer division by zero has no value: refuse it, as PyTorch does (ZeroDivisionError).
void check_integer_divisor(const char* op, const Tensor& a, const Tensor& b) {
  detail::check_defined(a, op);
  detail::check_defined(b, op, "other");
  if (is_floating_point(k::result_type(a, b))) return;
  EMBER_CHECK(!ember::any(k::compare(k::Compare::Eq, b, 0)).item<bool>(),
              "{}: integer division by zero (ZeroDivisionError): the divisor of shape {} has a zero (dividend "
              "shape {})",
              op, b.sizes(), a.sizes());
}
void check_integer_divisor(const char* op, const Tensor& a, Scalar b) {
  detail::check_defined(a, op);
  if (is_floating_point(k::result_type(a, b))) return;
  EMBER_CHECK(b.to_double() != 0, "{}: integer division by zero (ZeroDivisionError): dividend of shape {} divided by 0",
              op, a.sizes());
}

// trunc(a / b) and floor(a / b) as constants of the backward (their derivative is zero
// almost everywhere): q - fmod(q, 1) is q with its fraction dropped, exactly.
Tensor trunc_quotient(const Tensor& a, const Tensor& b) {
  Tensor q = k::binary(k::Binary::Div, a, b);
  return k::binary(k::Binary::Sub, q, k::binary(k::Binary::Fmod, q, Scalar(1)));
}
Tensor floor_quotient(const Tensor& a, const Tensor& b) { return k::binary(k::Binary::FloorDivide, a, b); }

// a - q * b with q = floor or trunc of a / b: the gradient is g for a and -g * q for b.
template <class Quotient>
Tensor rounded_remainder(const char* op, k::Binary kop, const Tensor& a, const Tensor& b, Quotient quotient) {
  check_integer_divisor(op, a, b);
  Tensor y = k::binary(kop, a, b);
  if (needs_grad(a, b))
    record(op, {a, b}, {&y}, {save(a), save(b)}, [quotient](const Grads& g, Ctx& c) {
      Tensor gb;
      if (c.needs(1)) gb = -g[0] * quotient(c.saved(0), c.saved(1));
      return Grads{g[0], gb};
    });
  return y;
}
Tensor rounded_remainder(const char* op, k::Binary kop, const Tensor& a, Scalar b) {
  check_integer_divisor(op, a, b);
  Tensor y = k::binary(kop, a, b);
  if (needs_grad(a)) record(op, {a}, {&y}, {}, [](const Grads& g, Ctx&) { return Grads{g[0]}; });
  return y;
}

// Sum of v over positions j >= i along d: cumsum read backwards.
Tensor reverse_cumsum(const Tensor& v, int64_t d) {
  return ember::flip(ember::cumsum(ember::flip(v, {d}), d), {d});
}

Tensor cumprod_impl(const Tensor& x, int64_t d, std::optional<Dtype> dtype);

// d cumprod(x) / dx_k, applied to g: sum_{j >= k} g_j prod_{i <= j, i != k} x_i. Without
// zeros that is reverse_cumsum(g * y) / x_k. With a zero, per line an n x n table: row k
// is the line with x_k replaced by 1, whose cumprod along the row gives every
// prod_{i <= j, i != k} x_i; the terms j >= k are summed. Both are written with
// differentiable ops (cumprod among them), so higher orders hold with zeros too; the
// table costs O(n^2) per line and is only built when the input has a zero.
Tensor cumprod_backward(const Tensor& g, const Tensor& x, const Tensor& y, int64_t d) {
  bool has_zero = x.numel() > 0 && ember::any(k::compare(k::Compare::Eq, x, 0)).item<bool>();
  if (!has_zero) return reverse_cumsum(g * y, d) / x;
  if (x.dim() == 0) return g;  // y = x
  const int64_t n = x.size(d);
  Tensor rows = ember::arange(n).unsqueeze(1), cols = ember::arange(n).unsqueeze(0);
  Tensor on_diagonal = k::compare(k::Compare::Eq, rows, cols), upper = k::compare(k::Compare::Le, rows, cols);
  Tensor line = ember::transpose(x, d, -1).unsqueeze(-2);  // [..., 1, n]
  Tensor table = ember::where(on_diagonal, ember::ones({}, x.dtype()), line);  // [..., n (k), n (i)]
  Tensor partial = cumprod_impl(table, table.dim() - 1, std::nullopt);        // [k, j]: prod_{i <= j, i != k}
  Tensor gl = ember::transpose(g, d, -1).unsqueeze(-2);
  Tensor terms = ember::where(upper, gl * partial, ember::zeros({}, g.dtype()));
  return ember::transpose(ember::sum(terms, {-1}), d, -1);
}

Tensor cumprod_impl(const Tensor& x, int64_t d, std::optional<Dtype> dtype) {
  Dtype out = dtype ? *dtype : is_floating_point(x.dtype()) ? x.dtype() : kInt64;
  Tensor y = k::cumprod(x, d, out);
  if (needs_grad(x) && is_floating_point(out))
    record("cumprod", {x}, {&y}, {save(x), save_output(y)}, [d](const Grads& g, Ctx& c) {
      return Grads{cumprod_backward(g[0], c.saved(0), c.saved(1), d)};
    });
  return y;
}

void check_lerp(const Tensor& start, const Tensor& end, const Tensor* weight) {
  detail::check_defined(start, "lerp");
  detail::check_defined(end, "lerp", "end");
  EMBER_CHECK(is_floating_point(start.dtype()), "lerp: expected floating point tensors, got {} (shape {})",
              start.dtype(), start.sizes());
  EMBER_CHECK(end.dtype() == start.dtype(), "lerp: expected dtype {} for `end` but got dtype {} (shapes {} and {})",
              start.dtype(), end.dtype(), start.sizes(), end.sizes());
  Shape shape = broadcast_shapes(start.sizes(), end.sizes(), "lerp");
  if (weight) {
    detail::check_defined(*weight, "lerp", "weight");
    EMBER_CHECK(weight->dtype() == start.dtype(),
                "lerp: expected dtype {} for `weight` but got dtype {} (shapes {}, {} and {})", start.dtype(),
                weight->dtype(), start.sizes(), end.sizes(), weight->sizes());
    broadcast_shapes(shape, weight->sizes(), "lerp");
  }
}

}  // namespace

// ---- division with rounding (the op table's remainder, fmod and floor_divide rows) ----
Tensor remainder(const Tensor& a, const Tensor& b) {
  return rounded_remainder("remainder", k::Binary::Remainder, a, b, floor_quotient);
}
Tensor remainder(const Tensor& a, Scalar b) { return rounded_remainder("remainder", k::Binary::Remainder, a, b); }
Tensor fmod(const Tensor& a, const Tensor& b) {
  return rounded_remainder("fmod", k::Binary::Fmod, a, b, trunc_quotient);
}
Tensor fmod(const Tensor& a, Scalar b) { return rounded_remainder("fmod", k::Binary::Fmod, a, b); }
// Piecewise constant: no gradient (PyTorch does not differentiate it either).
Tensor floor_divide(const Tensor& a, const Tensor& b) {
  check_integer_divisor("floor_divide", a, b);
  return k::binary(k::Binary::FloorDivide, a, b);
}
Tensor floor_divide(const Tensor& a, Scalar b) {
  check_integer_divisor("floor_divide", a, b);
  return k::binary(k::Binary::FloorDivide, a, b);
}

// ---- lerp: PyTorch's formula, from the nearer end (so weight 1 gives end exactly) ----
Tensor lerp(const Tensor& start, const Tensor& end, Scalar weight) {
  check_lerp(start, end, nullptr);
  double w = weight.to_double();
  Tensor diff = end - start;
  return std::abs(w) < 0.5 ? start + diff * w : end - diff * (1 - w);
}
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
  check_lerp(start, end, &weight);
  Tensor diff = end - start;
  Tensor near_start = k::compare(k::Compare::Lt, ember::abs(weight.detach()), 0.5);
  return ember::where(near_start, start + weight * diff, end - diff * (1 - weight));
}

// ---- clamp with tensor bounds: x where it lies inside, the bound it crosses otherwise
// (the gradient goes where the value came from; x on a tie) ----
Tensor clamp(const Tensor& x, const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  detail::check_defined(x, "clamp");
  bool has_min = min && min->defined(), has_max = max && max->defined();
  EMBER_CHECK(has_min || has_max, "clamp: at least one of 'min' or 'max' must not be None (input shape {})",
              x.sizes());
  Tensor y = x;
  if (has_min) {
    broadcast_shapes(x.sizes(), min->sizes(), "clamp");
    y = ember::where(k::compare(k::Compare::Lt, y.detach(), min->detach()), *min, y);
  }
  if (has_max) {
    broadcast_shapes(y.sizes(), max->sizes(), "clamp");
    y = ember::where(k::compare(k::Compare::Gt, y.detach(), max->detach()), *max, y);
  }
  return y;
}
Tensor clamp(const Tensor& x, std::nullopt_t, std::nullopt_t) {
  return clamp(x, std::optional<Scalar>(), std::optional<Scalar>());
}
Tensor clamp_min(const Tensor& x, const Tensor& min) { return clamp(x, min, std::nullopt); }
Tensor clamp_max(const Tensor& x, const Tensor& max) { return clamp(x, std::nullopt, max); }

Tensor max(const Tensor& a, const Tensor& b) { return maximum(a, b); }
Tensor min(const Tensor& a, const Tensor& b) { return minimum(a, b); }

// ---- scans ----
Tensor cumprod(const Tensor& x, int64_t dim, std::optional<Dtype> dtype) {
  detail::check_defined(x, "cumprod");
  return cumprod_impl(x, detail::wrap_dim(x, dim, "cumprod"), dtype);
}

// d y_j / d x_k = exp(x_k - y_j) for j >= k: the gradient is
// sum_{j >= k} g_j exp(x_k - y_j), summed with the largest y of the line factored out
// so that no exp overflows where the line's values are within ~700 of each other.
Tensor logcumsumexp(const Tensor& x, int64_t dim) {
  detail::check_defined(x, "logcumsumexp");
  int64_t d = detail::wrap_dim(x, dim, "logcumsumexp");
  Tensor y = k::logcumsumexp(x, d);
  if (needs_grad(x))
    record("logcumsumexp", {x}, {&y}, {save(x), save_output(y)}, [d](const Grads& g, Ctx& c) {
      Tensor x = c.saved(0), y = c.saved(1);
      Tensor top = ember::amax(y, {d}, true).detach();
      return Grads{ember::exp(x - top) * reverse_cumsum(g[0] * ember::exp(top - y), d)};
    });
  return y;
}

}  // namespace ember
