// Normalization: layer_norm, batch_norm, group_norm, composed of differentiable ops
// (mean, biased var, rsqrt), so every gradient order comes from those ops.
#include <algorithm>
#include <string>
#include <tuple>

#include "autograd/prelude.hpp"
#include "autograd/trace.hpp"
#include "ember/autograd.hpp"
#include "ops/channel_affine.hpp"
#include "ops/layer_norm.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace nn {
namespace functional {
namespace {

void check_float(const char* op, const char* what, const Tensor& t) {
  EMBER_CHECK(t.is_floating_point(), "{}: expected a floating-point {}, got {} of shape {}", op, what, t.dtype(),
              t.sizes());
}

// An optional per-channel tensor (weight, bias, running stats) must be [C].
void check_channel_vector(const char* op, const char* what, const Tensor& t, int64_t C, const Tensor& input) {
  if (!t.defined()) return;
  check_float(op, what, t);
  EMBER_CHECK(t.dim() == 1 && t.size(0) == C, "{}: expected {} of shape [{}] (one per channel of input {}), got {}",
              op, what, C, input.sizes(), t.sizes());
}

// (x - mean) / sqrt(var + eps) with the statistics over `dims` (biased variance).
Tensor standardize(const Tensor& x, IntArrayRef dims, double eps) {
  Tensor mean = x.mean(dims, /*keepdim=*/true);
  Tensor var = x.var(dims, /*unbiased=*/false, /*keepdim=*/true);
  return (x - mean) * ember::rsqrt(var + eps);
}

// y * weight + bias, each reshaped to broadcast along dim 1 of an input of `nd` dims.
Tensor channel_affine(Tensor y, const Tensor& weight, const Tensor& bias, int64_t nd, int64_t C) {
  Shape s(static_cast<std::size_t>(nd), 1);
  s[1] = C;
  if (weight.defined()) y = y * weight.reshape(s);
  if (bias.defined()) y = y + bias.reshape(s);
  return y;
}

// x * scale + shift with scale and shift [C] broadcast along dim 1 of x, in one pass
// (k::channel_affine) for float32 and float64. Its backward is composed of
// differentiable ops, so higher orders come from them.
Tensor scale_shift(const Tensor& x, const Tensor& scale, const Tensor& shift) {
  const int64_t nd = x.dim(), C = x.size(1);
  Shape cs(static_cast<std::size_t>(nd), 1);
  cs[1] = C;
  const bool kernel = (x.dtype() == kFloat32 || x.dtype() == kFloat64) && scale.dtype() == x.dtype() &&
                      shift.dtype() == x.dtype();
  if (!kernel) return x * scale.reshape(cs) + shift.reshape(cs);
  Tensor y = k::channel_affine(x, scale, shift);
  if (needs_grad(x, scale, shift)) {
    Shape dims{0};
    for (int64_t d = 2; d < nd; ++d) dims.push_back(d);
    record("batch_norm", {x, scale, shift}, {&y}, {save(x), save(scale)}, [cs, dims](const Grads& g, Ctx& c) {
      const Tensor& gy = g[0];
      return Grads{c.needs(0) ? gy * c.saved(1).reshape(cs) : Tensor(),
                   c.needs(1) ? (gy * c.saved(0)).sum(dims) : Tensor(), c.needs(2) ? gy.sum(dims) : Tensor()};
    });
  }
  return y;
}

// The per-channel scale and shift that turn (x - mean) / sqrt(var + eps) * weight + bias
// into x * scale + shift (PyTorch's CPU kernel folds them the same way).
std::pair<Tensor, Tensor> folded(const Tensor& mean, const Tensor& var, const Tensor& weight, const Tensor& bias,
                                 double eps) {
  Tensor scale = ember::rsqrt(var + eps);
  if (weight.defined()) scale = scale * weight;
  Tensor shift = -(mean * scale);
  if (bias.defined()) shift = shift + bias;
  return {scale, shift};
}

// layer_norm of float32 over the trailing `dims`, forward in one pass per row
// (k::layer_norm_rows). The backward is PyTorch's formula in differentiable ops:
//   x^ = (x - mean) * rstd,  g^ = g * weight,
//   dx = rstd * (g^ - mean(g^) - x^ * mean(g^ * x^)),  dweight = sum(g * x^),  dbias = sum(g),
// the means over the normalised dims and the sums over the others. When the backward
// itself is recorded (create_graph), mean and rstd are recomputed from x with
// differentiable ops so that the second order sees how they depend on x; otherwise the
// forward's values are used.
Tensor layer_norm_float_rows(const Tensor& input, const Shape& dims, const Tensor& weight, const Tensor& bias,
                             double eps) {
  int64_t D = 1;
  for (int64_t d : dims) D *= input.size(d);
  Tensor mean, rstd;
  Tensor y = k::layer_norm_rows(input, D, weight, bias, eps, &mean, &rstd);
  if (needs_grad(input, weight, bias)) {
    Shape stat_shape(input.sizes().begin(), input.sizes().end());
    for (int64_t d : dims) stat_shape[static_cast<std::size_t>(d)] = 1;
    Shape leading, norm_shape;
    for (int64_t d = 0; d < input.dim() - static_cast<int64_t>(dims.size()); ++d) leading.push_back(d);
    for (int64_t d : dims) norm_shape.push_back(input.size(d));
    record("layer_norm", {input, weight, bias}, {&y}, {save(input), save(weight), save(mean), save(rstd)},
           [dims, stat_shape, norm_shape, leading, eps, D](const Grads& g, Ctx& c) {
             const Tensor& x = c.saved(0);
             const Tensor& w = c.saved(1);
             if (backward_takes_kernels()) {
               // Not recorded nor traced: the row kernel, from the forward's statistics.
               Tensor gx, gw, gb;
               k::layer_norm_rows_backward(g[0], x, D, c.saved(2), c.saved(3), w, c.needs(0) ? &gx : nullptr,
                                           c.needs(1) ? &gw : nullptr, c.needs(2) ? &gb : nullptr);
               return Grads{gx, gw.defined() ? gw.reshape(norm_shape) : gw, gb.defined() ? gb.reshape(norm_shape) : gb};
             }
             Tensor m = c.saved(2).reshape(stat_shape), r = c.saved(3).reshape(stat_shape);
             if (is_grad_enabled()) {
               m = x.mean(dims, true);
               r = ember::rsqrt(x.var(dims, /*unbiased=*/false, /*keepdim=*/true) + eps);
             }
             const Tensor xhat = (x - m) * r;
             auto over_leading = [&](const Tensor& t) { return leading.empty() ? t : t.sum(leading); };
             Tensor gx;
             if (c.needs(0)) {
               const Tensor gh = w.defined() ? g[0] * w : g[0];
               gx = r * (gh - gh.mean(dims, true) - xhat * (gh * xhat).mean(dims, true));
             }
             return Grads{gx, c.needs(1) ? over_leading(g[0] * xhat) : Tensor(),
                          c.needs(2) ? over_leading(g[0]) : Tensor()};
           });
  }
  return y;
}

// batch_norm in training for float32: the batch statistics (not recorded), the folded
// scale and shift applied in one pass, and one node whose backward is the row kernel
// k::batch_norm_backward when neither recorded nor traced, and otherwise the same
// formula in differentiable ops with the statistics recomputed from x (so that the
// second order sees them depend on x). Writes the batch's mean and biased variance
// (detached, [C]) for the running statistics.
Tensor batch_norm_train_float(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& dims,
                              const Shape& cs, double eps, Tensor* mean_out, Tensor* var_out) {
  Tensor mean, var, rstd, scale, shift;
  {
    NoGradGuard no_grad;
    if (input.dim() == 2) {  // [N, C]: both statistics along the rows, no tensor in between
      k::column_mean_var(input, &mean, &var);
    } else {
      mean = input.mean(dims);
      var = input.var(dims, /*unbiased=*/false);
    }
    rstd = ember::rsqrt(var + eps);
    std::tie(scale, shift) = folded(mean, var, weight.defined() ? weight.detach() : weight,
                                    bias.defined() ? bias.detach() : bias, eps);
  }
  *mean_out = mean;
  *var_out = var;
  Tensor y = k::channel_affine(input, scale, shift);
  if (needs_grad(input, weight, bias)) {
    record("batch_norm", {input, weight, bias}, {&y}, {save(input), save(weight), save(mean), save(rstd)},
           [dims, cs, eps](const Grads& g, Ctx& c) {
             const Tensor& x = c.saved(0);
             const Tensor& w = c.saved(1);
             if (backward_takes_kernels()) {
               Tensor gx, gw, gb;
               k::batch_norm_backward(g[0], x, c.saved(2), c.saved(3), w, c.needs(0) ? &gx : nullptr,
                                      c.needs(1) ? &gw : nullptr, c.needs(2) ? &gb : nullptr);
               return Grads{gx, gw, gb};
             }
             const Tensor m = x.mean(dims, true);
             const Tensor r = ember::rsqrt(x.var(dims, /*unbiased=*/false, /*keepdim=*/true) + eps);
             const Tensor xhat = (x - m) * r;
             Tensor gx;
             if (c.needs(0)) {
               const Tensor gh = w.defined() ? g[0] * w.reshape(cs) : g[0];
               gx = r * (gh - gh.mean(dims, true) - xhat * (gh * xhat).mean(dims, true));
             }
             return Grads{gx, c.needs(1) ? (g[0] * xhat).sum(dims) : Tensor(), c.needs(2) ? g[0].sum(dims) : Tensor()};
           });
  }
  return y;
}

}  // namespace

Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  EMBER_TRACE_CALL("layer_norm", ({input, weight, bias}), ({{"normalized_shape", normalized_shape.vec()}, {"eps", eps}}), layer_norm(input, normalized_shape, weight, bias, eps));
  const char* op = "layer_norm";
  detail::check_defined(input, op);
  check_float(op, "input", input);
  int64_t k = static_cast<int64_t>(normalized_shape.size());
  EMBER_CHECK(k >= 1, "{}: normalized_shape must have at least one dim, got {}", op, normalized_shape);
  bool ok = input.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = input.size(input.dim() - k + i) == normalized_shape[static_cast<std::size_t>(i)];
  EMBER_CHECK(ok, "{}: normalized_shape {} must match the last dims of the input, got input of shape {}", op,
              normalized_shape, input.sizes());
  for (const Tensor* t : {&weight, &bias}) {
    if (!t->defined()) continue;
    const char* what = t == &weight ? "weight" : "bias";
    check_float(op, what, *t);
    EMBER_CHECK(t->sizes().equals(normalized_shape), "{}: expected {} of shape {} (normalized_shape), got {}", op,
                what, normalized_shape, t->sizes());
  }
  Shape dims;
  for (int64_t i = input.dim() - k; i < input.dim(); ++i) dims.push_back(i);
  const bool rows_kernel = input.dtype() == kFloat32 && (!weight.defined() || weight.dtype() == kFloat32) &&
                           (!bias.defined() || bias.dtype() == kFloat32) && input.numel() > 0;
  if (rows_kernel) return layer_norm_float_rows(input, dims, weight, bias, eps);
  Tensor y = standardize(input, dims, eps);
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
}

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  EMBER_TRACE_CALL("batch_norm", ({input, running_mean, running_var, weight, bias}), ({{"training", training}, {"momentum", momentum}, {"eps", eps}}), batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps));
  const char* op = "batch_norm";
  detail::check_defined(input, op);
  check_float(op, "input", input);
  EMBER_CHECK(input.dim() >= 2, "{}: expected input of shape [N, C, ...] (at least 2 dims), got {}", op,
              input.sizes());
  int64_t nd = input.dim(), C = input.size(1);
  check_channel_vector(op, "running_mean", running_mean, C, input);
  check_channel_vector(op, "running_var", running_var, C, input);
  check_channel_vector(op, "weight", weight, C, input);
  check_channel_vector(op, "bias", bias, C, input);
  Shape cs(static_cast<std::size_t>(nd), 1);
  cs[1] = C;
  Tensor y;
  if (training) {
    int64_t n = C == 0 ? 0 : input.numel() / C;  // values per channel
    EMBER_CHECK(n != 1, "{}: expected more than 1 value per channel when training, got input of shape {}", op,
                input.sizes());
    Shape dims{0};
    for (int64_t d = 2; d < nd; ++d) dims.push_back(d);
    Tensor mean, var;
    // The kernels work plane by plane, or along the rows of a BatchNorm1d's [N, C]
    // (planes of one value); planes of 2 to 15 values stay composed.
    const int64_t plane = input.numel() / std::max<int64_t>(input.size(0) * C, 1);
    const bool float_kernels = input.dtype() == kFloat32 && (!weight.defined() || weight.dtype() == kFloat32) &&
                               (!bias.defined() || bias.dtype() == kFloat32) && input.numel() > 0 &&
                               (plane >= 16 || plane == 1);
    if (float_kernels) {
      // One node with a backward of its own (see batch_norm_train_float).
      y = batch_norm_train_float(input, weight, bias, dims, cs, eps, &mean, &var);
    } else {
      mean = input.mean(dims, true);
      var = input.var(dims, /*unbiased=*/false, /*keepdim=*/true);
      const auto [scale, shift] = folded(mean.reshape({C}), var.reshape({C}), weight, bias, eps);
      y = scale_shift(input, scale, shift);
    }
    if (running_mean.defined() || running_var.defined()) {
      // The running statistics are state, not part of the graph: updated in place, the
      // variance unbiased (n / (n - 1)) as PyTorch does.
      NoGradGuard no_grad;
      if (running_mean.defined()) {
        Tensor rm = running_mean;
        rm.mul_(1 - momentum).add_(mean.reshape({C}).to(rm.dtype()), momentum);
      }
      if (running_var.defined()) {
        Tensor rv = running_var;
        double unbias = n > 1 ? static_cast<double>(n) / static_cast<double>(n - 1) : 1.0;
        rv.mul_(1 - momentum).add_(var.reshape({C}).to(rv.dtype()), momentum * unbias);
      }
    }
  } else {
    EMBER_CHECK(running_mean.defined() && running_var.defined(),
                "{}: running_mean and running_var must be given when not training (input shape {})", op,
                input.sizes());
    const auto [scale, shift] = folded(running_mean, running_var, weight, bias, eps);
    y = scale_shift(input, scale, shift);
  }
  return y;
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  const char* op = "group_norm";
  detail::check_defined(input, op);
  check_float(op, "input", input);
  EMBER_CHECK(input.dim() >= 2, "{}: expected input of shape [N, C, ...] (at least 2 dims), got {}", op,
              input.sizes());
  int64_t N = input.size(0), C = input.size(1);
  EMBER_CHECK(num_groups > 0 && C % num_groups == 0,
              "{}: the number of channels {} must be divisible by num_groups {} (input shape {})", op, C, num_groups,
              input.sizes());
  check_channel_vector(op, "weight", weight, C, input);
  check_channel_vector(op, "bias", bias, C, input);
  int64_t per_group = C / num_groups;
  for (int64_t d = 2; d < input.dim(); ++d) per_group *= input.size(d);
  Tensor y = standardize(input.reshape({N, num_groups, per_group}), {2}, eps).reshape(input.sizes());
  return channel_affine(y, weight, bias, input.dim(), C);
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
