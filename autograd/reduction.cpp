// Differentiable reductions: each forward kernel call with its backward beside it.
// Backward formulas use ember's own differentiable ops, so create_graph gives higher
// derivatives. A reduction's gradient is broadcast back over the reduced dims through
// two private views (size-1 dims put back, then a stride-0 expansion), so this family
// needs nothing from the shape family.
#include <cmath>

#include "autograd/trace.hpp"
#include "autograd/prelude.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ops/elementwise.hpp"
#include "ops/reduction.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/shape.hpp"

namespace ember {

namespace {

// ---- dims (wrapping and masks come from src/core/shape.hpp) ----
uint64_t all_dims(const Tensor& x) { return detail::dim_mask({}, x.dim(), "reduction"); }

// ---- the two views that carry a reduction's gradient back ----
// A view of t with size-1 dims inserted or removed (the other sizes, in order, stay).
Tensor view_ones(const Tensor& t, const Shape& target) {
  if (t.sizes().equals(target)) return t;
  Shape strides(target.size());
  int64_t j = t.dim() - 1;
  int64_t next = 1;  // a size-1 dim gets the stride a contiguous layout would give it
  for (int64_t i = static_cast<int64_t>(target.size()) - 1; i >= 0; --i) {
    std::size_t ui = static_cast<std::size_t>(i);
    if (target[ui] == 1) {
      strides[ui] = next;
      continue;
    }
    while (j >= 0 && t.size(j) == 1) --j;
    EMBER_CHECK(j >= 0 && t.size(j) == target[ui], "reduction: cannot view shape {} as {}", t.sizes(), target);
    strides[ui] = t.stride(j);
    next = t.stride(j) * target[ui];
    --j;
  }
  Tensor y = detail::make_view(t, target, strides, t.storage_offset());
  EMBER_TRACE("reshape", {t}, {y}, {{"shape", std::vector<int64_t>(target.begin(), target.end())}});
  if (needs_grad(t))
    record_view("view", t, &y, {}, [from = t.sizes().shape()](const Grads& g, Ctx&) {
      return Grads{view_ones(g[0], from)};
    });
  return y;
}

// A stride-0 view of t (same number of dims, size 1 where it differs) at sizes.
Tensor expand_view(const Tensor& t, IntArrayRef sizes) {
  if (t.sizes().equals(sizes)) return t;
  Shape strides(sizes.size());
  std::vector<int64_t> expanded;
  for (int64_t i = 0; i < t.dim(); ++i) {
    std::size_t ui = static_cast<std::size_t>(i);
    if (t.size(i) == sizes[ui]) {
      strides[ui] = t.stride(i);
    } else {
      strides[ui] = 0;
      expanded.push_back(i);
    }
  }
  Tensor y = detail::make_view(t, sizes.shape(), strides, t.storage_offset());
  EMBER_TRACE("expand", {t}, {y}, {{"size", sizes.vec()}});
  if (needs_grad(t))
    record_view("expand", t, &y, {}, [expanded](const Grads& g, Ctx&) {
      return Grads{ember::sum(g[0], expanded, true)};
    });
  return y;
}

// A reduction's output (or its gradient) with the reduced dims back as size 1.
Tensor keep_view(const Tensor& r, IntArrayRef in_sizes, uint64_t mask, bool keepdim) {
  return keepdim ? r : view_ones(r, detail::reduced_shape(in_sizes, mask, true));
}
// The gradient of a sum: g spread over the reduced dims.
Tensor spread(const Tensor& g, IntArrayRef in_sizes, uint64_t mask, bool keepdim) {
  return expand_view(keep_view(g, in_sizes, mask, keepdim), in_sizes);
}

// ---- dtypes ----
// sum, prod and cumsum keep floating dtypes and compute integers and bools in int64.
Dtype accumulate_dtype(const Tensor& x, std::optional<Dtype> dtype) {
  return dtype ? *dtype : is_floating_point(x.dtype()) ? x.dtype() : kInt64;
}
void check_floating(const char* op, const Tensor& x) {
  detail::check_defined(x, op);
  EMBER_CHECK(is_floating_point(x.dtype()), "{}: expected a floating point input, got {} (shape {})", op, x.dtype(),
              x.sizes());
}

// ---- the ops, on a bitmask of dims ----
Tensor sum_impl(const Tensor& x, uint64_t mask, bool keepdim, std::optional<Dtype> dtype) {
  Dtype out = accumulate_dtype(x, dtype);
  Tensor y = k::sum(x, mask, keepdim, out);
  if (needs_grad(x) && is_floating_point(out))
    record("sum", {x}, {&y}, {}, [sizes = x.sizes().shape(), mask, keepdim](const Grads& g, Ctx&) {
      return Grads{spread(g[0], sizes, mask, keepdim)};
    });
  return y;
}

Tensor mean_impl(const Tensor& x, uint64_t mask, bool keepdim, std::optional<Dtype> dtype) {
  if (dtype)
    EMBER_CHECK(is_floating_point(*dtype),
                "mean(): could not infer output dtype. Optional dtype must be either a floating point or complex "
                "dtype. Got: {} (input shape {})",
                *dtype, x.sizes());
  else
    EMBER_CHECK(is_floating_point(x.dtype()),
                "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
                "Got: {} (input shape {}); use dtype= to choose one",
                x.dtype(), x.sizes());
  Dtype out = dtype ? *dtype : x.dtype();
  Tensor y = k::mean(x, mask, keepdim, out);
  if (needs_grad(x)) {
    double n = static_cast<double>(detail::reduced_numel(x.sizes(), mask));
    record("mean", {x}, {&y}, {}, [sizes = x.sizes().shape(), mask, keepdim, n](const Grads& g, Ctx&) {
      return Grads{spread(g[0] / n, sizes, mask, keepdim)};
    });
  }
  return y;
}

Tensor prod_impl(const Tensor& x, uint64_t mask, bool keepdim, std::optional<Dtype> dtype) {
  Dtype out = accumulate_dtype(x, dtype);
  Tensor y = k::prod(x, mask, keepdim, out);
  if (needs_grad(x) && is_floating_point(out))
    record("prod", {x}, {&y}, {save(x), save_output(y)},
           [sizes = x.sizes().shape(), mask, keepdim](const Grads& g, Ctx& c) {
             Tensor x = c.saved(0);
             Tensor gk = keep_view(g[0], sizes, mask, keepdim);
             Tensor zero = k::compare(k::Compare::Eq, x, 0);
             if (!k::any(zero, all_dims(zero), false).item<bool>())
               return Grads{gk * keep_view(c.saved(1), sizes, mask, keepdim) / x};
             // With zeros, prod / x is no use. Per reduced slice: no zero, the product of
             // the others; one zero, that element gets the product of the non-zeros and the
             // others nothing; more zeros, nothing at all.
             Tensor xnz = ember::where(zero, Scalar(1), x);
             Tensor gp = gk * prod_impl(xnz, mask, true, std::nullopt);
             Tensor count = k::sum(zero, mask, true, kInt64);
             Tensor none = k::compare(k::Compare::Eq, count, 0);
             Tensor one = k::compare(k::Compare::Eq, count, 1);
             Tensor at_zero = ember::where(one, ember::where(zero, gp, Scalar(0)), Scalar(0));
             return Grads{ember::where(none, gp / xnz, at_zero)};
           });
  return y;
}

// amax/amin and max()/min(): ties share the gradient evenly, as in PyTorch.
Tensor extreme_impl(const char* op, bool is_max, const Tensor& x, uint64_t mask, bool keepdim) {
  detail::check_defined(x, op);
  Tensor y = is_max ? k::amax(x, mask, keepdim, op) : k::amin(x, mask, keepdim, op);
  if (needs_grad(x))
    record(op, {x}, {&y}, {save(x), save_output(y)}, [sizes = x.sizes().shape(), mask, keepdim](const Grads& g, Ctx& c) {
      Tensor x = c.saved(0);
      Tensor hit = k::compare(k::Compare::Eq, x, keep_view(c.saved(1).detach(), sizes, mask, keepdim));
      Tensor count = k::sum(hit, mask, true, g[0].dtype());
      return Grads{ember::where(hit, keep_view(g[0], sizes, mask, keepdim) / count, Scalar(0))};
    });
  return y;
}

// max(dim)/min(dim): the gradient goes to the returned index only.
std::tuple<Tensor, Tensor> extreme_dim_impl(const char* op, bool is_max, const Tensor& x, int64_t dim, bool keepdim) {
  detail::check_defined(x, op);
  int64_t d = detail::wrap_dim(x, dim, op);
  auto r = is_max ? k::max_dim(x, d, keepdim, op) : k::min_dim(x, d, keepdim, op);
  Tensor values = r.first, indices = r.second;
  if (needs_grad(x)) {
    uint64_t mask = detail::dim_bit(d, x.dim());
    record(op, {x}, {&values}, {save(indices)},
           [sizes = x.sizes().shape(), d, mask, keepdim](const Grads& g, Ctx& c) {
             Tensor gk = keep_view(g[0], sizes, mask, keepdim);
             if (sizes.size() == 0) return Grads{gk};
             Shape along(sizes.size(), 1);
             along[static_cast<std::size_t>(d)] = sizes[static_cast<std::size_t>(d)];
             Tensor pos = view_ones(ember::arange(along[static_cast<std::size_t>(d)], kInt64), along);
             Tensor hit = k::compare(k::Compare::Eq, pos, keep_view(c.saved(0), sizes, mask, keepdim));
             return Grads{ember::where(hit, gk, Scalar(0))};
           });
  }
  return {values, indices};
}

Tensor arg_impl(const char* op, bool is_max, const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  detail::check_defined(x, op);
  EMBER_CHECK(x.dtype() != kBool, "{}: not implemented for bool inputs (shape {}); convert to int64 first", op,
              x.sizes());
  if (!dim) return is_max ? k::argmax_flat(x, op) : k::argmin_flat(x, op);
  int64_t d = detail::wrap_dim(x, *dim, op);
  return (is_max ? k::max_dim(x, d, keepdim, op) : k::min_dim(x, d, keepdim, op)).second;
}

// var and std. d(var)/dx = 2 (x - mean) / (n - correction); std divides by 2 std,
// giving 0 where std is 0 (as PyTorch).
Tensor var_impl(const char* op, bool take_sqrt, const Tensor& x, std::optional<IntArrayRef> dim,
                std::optional<int64_t> correction, bool keepdim) {
  check_floating(op, x);
  uint64_t mask = detail::dim_mask(x, dim ? *dim : IntArrayRef(), op);
  double corr = correction ? static_cast<double>(*correction) : 1.0;
  Tensor y = k::var(x, mask, corr, keepdim);
  if (take_sqrt) k::sqrt_out(y, y);
  if (needs_grad(x)) {
    double denom = std::max(0.0, static_cast<double>(detail::reduced_numel(x.sizes(), mask)) - corr);
    record(op, {x}, {&y}, {save(x), save_output(y)},
           [sizes = x.sizes().shape(), mask, keepdim, denom, take_sqrt](const Grads& g, Ctx& c) {
             Tensor x = c.saved(0);
             Tensor gk = keep_view(g[0], sizes, mask, keepdim);
             Tensor dev = x - mean_impl(x, mask, true, std::nullopt);
             if (!take_sqrt) return Grads{gk * dev * (2.0 / denom)};
             Tensor sk = keep_view(c.saved(1), sizes, mask, keepdim);
             Tensor zero = k::compare(k::Compare::Eq, sk, 0);
             Tensor scale = ember::where(zero, Scalar(0), gk / ember::where(zero, Scalar(1), sk));
             return Grads{scale * dev * (1.0 / denom)};
           });
  }
  return y;
}

Tensor logsumexp_impl(const Tensor& x_in, uint64_t mask, bool keepdim) {
  Tensor x = is_floating_point(x_in.dtype()) ? x_in : x_in.to(get_default_dtype());
  Tensor y = k::logsumexp(x, mask, keepdim);
  if (needs_grad(x))
    record("logsumexp", {x}, {&y}, {save(x), save_output(y)},
           [sizes = x.sizes().shape(), mask, keepdim](const Grads& g, Ctx& c) {
             Tensor yk = keep_view(c.saved(1), sizes, mask, keepdim);
             return Grads{keep_view(g[0], sizes, mask, keepdim) * ember::exp(c.saved(0) - yk)};
           });
  return y;
}

Tensor norm_impl(const Tensor& x, double p, uint64_t mask, bool keepdim) {
  Tensor y = k::norm(x, p, mask, keepdim);
  if (needs_grad(x))
    record("norm", {x}, {&y}, {save(x), save_output(y)},
           [sizes = x.sizes().shape(), mask, keepdim, p](const Grads& g, Ctx& c) {
             Tensor x = c.saved(0);
             Tensor gk = keep_view(g[0], sizes, mask, keepdim);
             if (p == 0) return Grads{ember::zeros_like(x, g[0].dtype())};
             if (p == 1) return Grads{gk * ember::sign(x)};
             Tensor yk = keep_view(c.saved(1), sizes, mask, keepdim);
             if (std::isinf(p)) {
               // Like amax of |x|: the elements at the norm share the gradient.
               Tensor hit = k::compare(k::Compare::Eq, k::abs(x), yk.detach());
               Tensor count = k::sum(hit, mask, true, g[0].dtype());
               return Grads{ember::where(hit, gk * ember::sign(x) / count, Scalar(0))};
             }
             // A zero norm gives a zero gradient, not 0/0.
             Tensor zero = k::compare(k::Compare::Eq, yk, 0);
             Tensor safe = ember::where(zero, Scalar(1), yk);
             if (p == 2) return Grads{gk * x / safe};
             Tensor scale = ember::where(zero, Scalar(0), gk / ember::pow(safe, p - 1));
             Tensor scaled = ember::sign(x) * ember::pow(ember::abs(x), p - 1);
             if (p < 1) scaled = ember::where(k::compare(k::Compare::Eq, x, 0), Scalar(0), scaled);
             return Grads{scaled * scale};
           });
  return y;
}

Tensor cumsum_impl(const Tensor& x, int64_t d, std::optional<Dtype> dtype) {
  Dtype out = accumulate_dtype(x, dtype);
  Tensor y = k::cumsum(x, d, out);
  if (needs_grad(x) && is_floating_point(out)) {
    uint64_t mask = detail::dim_bit(d, x.dim());
    // The reverse running sum, without flipping: sum(g) - cumsum(g) + g.
    record("cumsum", {x}, {&y}, {}, [d, mask](const Grads& g, Ctx&) {
      return Grads{sum_impl(g[0], mask, true, std::nullopt) - cumsum_impl(g[0], d, std::nullopt) + g[0]};
    });
  }
  return y;
}

}  // namespace

// ---- public ops ----
Tensor sum(const Tensor& x, std::optional<Dtype> dtype) {
  EMBER_TRACE_CALL("sum", ({x}), ({{"dim", detail::AttrValue()}, {"keepdim", false}, {"dtype", autograd::opt_attr(dtype)}}), sum(x, dtype));
  detail::check_defined(x, "sum");
  return sum_impl(x, all_dims(x), false, dtype);
}
Tensor sum(const Tensor& x, IntArrayRef dim, bool keepdim, std::optional<Dtype> dtype) {
  EMBER_TRACE_CALL("sum", ({x}), ({{"dim", dim.vec()}, {"keepdim", keepdim}, {"dtype", autograd::opt_attr(dtype)}}), sum(x, dim, keepdim, dtype));
  return sum_impl(x, detail::dim_mask(x, dim, "sum"), keepdim, dtype);
}

Tensor mean(const Tensor& x, std::optional<Dtype> dtype) {
  EMBER_TRACE_CALL("mean", ({x}), ({{"dim", detail::AttrValue()}, {"keepdim", false}, {"dtype", autograd::opt_attr(dtype)}}), mean(x, dtype));
  detail::check_defined(x, "mean");
  return mean_impl(x, all_dims(x), false, dtype);
}
Tensor mean(const Tensor& x, IntArrayRef dim, bool keepdim, std::optional<Dtype> dtype) {
  EMBER_TRACE_CALL("mean", ({x}), ({{"dim", dim.vec()}, {"keepdim", keepdim}, {"dtype", autograd::opt_attr(dtype)}}), mean(x, dim, keepdim, dtype));
  return mean_impl(x, detail::dim_mask(x, dim, "mean"), keepdim, dtype);
}

Tensor prod(const Tensor& x, std::optional<Dtype> dtype) {
  detail::check_defined(x, "prod");
  return prod_impl(x, all_dims(x), false, dtype);
}
Tensor prod(const Tensor& x, int64_t dim, bool keepdim, std::optional<Dtype> dtype) {
  detail::check_defined(x, "prod");
  return prod_impl(x, detail::dim_bit(detail::wrap_dim(x, dim, "prod"), x.dim()), keepdim, dtype);
}

Tensor amax(const Tensor& x, IntArrayRef dim, bool keepdim) {
  EMBER_TRACE_CALL("amax", ({x}), ({{"dim", dim.vec()}, {"keepdim", keepdim}}), amax(x, dim, keepdim));
  return extreme_impl("amax", true, x, detail::dim_mask(x, dim, "amax"), keepdim);
}
Tensor amin(const Tensor& x, IntArrayRef dim, bool keepdim) {
  EMBER_TRACE_CALL("amin", ({x}), ({{"dim", dim.vec()}, {"keepdim", keepdim}}), amin(x, dim, keepdim));
  return extreme_impl("amin", false, x, detail::dim_mask(x, dim, "amin"), keepdim);
}
Tensor max(const Tensor& x) {
  EMBER_TRACE_CALL("max", ({x}), ({}), max(x));
  detail::check_defined(x, "max");
  return extreme_impl("max", true, x, all_dims(x), false);
}
Tensor min(const Tensor& x) {
  EMBER_TRACE_CALL("min", ({x}), ({}), min(x));
  detail::check_defined(x, "min");
  return extreme_impl("min", false, x, all_dims(x), false);
}
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) {
  EMBER_TRACE_CALL("max", ({x}), ({{"dim", dim}, {"keepdim", keepdim}}), max(x, dim, keepdim));
  return extreme_dim_impl("max", true, x, dim, keepdim);
}
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) {
  EMBER_TRACE_CALL("min", ({x}), ({{"dim", dim}, {"keepdim", keepdim}}), min(x, dim, keepdim));
  return extreme_dim_impl("min", false, x, dim, keepdim);
}
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  EMBER_TRACE_CALL("argmax", ({x}), ({{"dim", autograd::opt_attr(dim)}, {"keepdim", keepdim}}), argmax(x, dim, keepdim));
  return arg_impl("argmax", true, x, dim, keepdim);
}
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  EMBER_TRACE_CALL("argmin", ({x}), ({{"dim", autograd::opt_attr(dim)}, {"keepdim", keepdim}}), argmin(x, dim, keepdim));
  return arg_impl("argmin", false, x, dim, keepdim);
}

Tensor var_unbiased(const Tensor& x, bool unbiased) {
  return var_impl("var", false, x, std::nullopt, unbiased ? 1 : 0, false);
}
Tensor var(const Tensor& x, IntArrayRef dim, bool unbiased, bool keepdim) {
  return var_impl("var", false, x, dim, unbiased ? 1 : 0, keepdim);
}
Tensor var(const Tensor& x, std::optional<IntArrayRef> dim, std::optional<int64_t> correction, bool keepdim) {
  return var_impl("var", false, x, dim, correction, keepdim);
}
Tensor std_unbiased(const Tensor& x, bool unbiased) {
  return var_impl("std", true, x, std::nullopt, unbiased ? 1 : 0, false);
}
Tensor std(const Tensor& x, IntArrayRef dim, bool unbiased, bool keepdim) {
  return var_impl("std", true, x, dim, unbiased ? 1 : 0, keepdim);
}
Tensor std(const Tensor& x, std::optional<IntArrayRef> dim, std::optional<int64_t> correction, bool keepdim) {
  return var_impl("std", true, x, dim, correction, keepdim);
}

Tensor logsumexp(const Tensor& x, IntArrayRef dim, bool keepdim) {
  EMBER_TRACE_CALL("logsumexp", ({x}), ({{"dim", dim.vec()}, {"keepdim", keepdim}}), logsumexp(x, dim, keepdim));
  return logsumexp_impl(x, detail::dim_mask(x, dim, "logsumexp"), keepdim);
}

Tensor norm(const Tensor& x, Scalar p) {
  check_floating("norm", x);
  return norm_impl(x, p.to_double(), all_dims(x), false);
}
Tensor norm(const Tensor& x, std::optional<Scalar> p, IntArrayRef dim, bool keepdim) {
  check_floating("norm", x);
  return norm_impl(x, p ? p->to_double() : 2.0, detail::dim_mask(x, dim, "norm"), keepdim);
}

Tensor cumsum(const Tensor& x, int64_t dim, std::optional<Dtype> dtype) {
  EMBER_TRACE_CALL("cumsum", ({x}), ({{"dim", dim}, {"dtype", autograd::opt_attr(dtype)}}), cumsum(x, dim, dtype));
  detail::check_defined(x, "cumsum");
  return cumsum_impl(x, detail::wrap_dim(x, dim, "cumsum"), dtype);
}

Tensor all(const Tensor& x) {
  detail::check_defined(x, "all");
  return k::all(x, all_dims(x), false);
}
Tensor all(const Tensor& x, int64_t dim, bool keepdim) {
  detail::check_defined(x, "all");
  return k::all(x, detail::dim_bit(detail::wrap_dim(x, dim, "all"), x.dim()), keepdim);
}
Tensor any(const Tensor& x) {
  detail::check_defined(x, "any");
  return k::any(x, all_dims(x), false);
}
Tensor any(const Tensor& x, int64_t dim, bool keepdim) {
  detail::check_defined(x, "any");
  return k::any(x, detail::dim_bit(detail::wrap_dim(x, dim, "any"), x.dim()), keepdim);
}

namespace {
// The one-pass-per-row kernel where backward_takes_kernels(), along the last dim (mask:
// the dim's bit); undefined otherwise, and the caller composes.
Tensor fused_softmax_backward(const Tensor& g, const Tensor& y, uint64_t mask, bool log) {
  if (!backward_takes_kernels() || y.dim() == 0 || mask != detail::dim_bit(y.dim() - 1, y.dim()))
    return Tensor();
  return k::softmax_backward(g, y, y.dim() - 1, log);
}
}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
  EMBER_TRACE_CALL("softmax", ({x}), ({{"dim", dim}}), softmax(x, dim));
  check_floating("softmax", x);
  int64_t d = detail::wrap_dim(x, dim, "softmax");
  Tensor y = k::softmax(x, d);
  if (needs_grad(x))
    record("softmax", {x}, {&y}, {save_output(y)}, [mask = detail::dim_bit(d, x.dim())](const Grads& g, Ctx& c) {
      Tensor y = c.saved(0);
      if (Tensor fused = fused_softmax_backward(g[0], y, mask, false); fused.defined()) return Grads{fused};
      return Grads{y * (g[0] - sum_impl(g[0] * y, mask, true, std::nullopt))};
    });
  return y;
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  EMBER_TRACE_CALL("log_softmax", ({x}), ({{"dim", dim}}), log_softmax(x, dim));
  check_floating("log_softmax", x);
  int64_t d = detail::wrap_dim(x, dim, "log_softmax");
  Tensor y = k::log_softmax(x, d);
  if (needs_grad(x))
    record("log_softmax", {x}, {&y}, {save_output(y)}, [mask = detail::dim_bit(d, x.dim())](const Grads& g, Ctx& c) {
      if (Tensor fused = fused_softmax_backward(g[0], c.saved(0), mask, true); fused.defined()) return Grads{fused};
      return Grads{g[0] - ember::exp(c.saved(0)) * sum_impl(g[0], mask, true, std::nullopt)};
    });
  return y;
}

}  // namespace ember
