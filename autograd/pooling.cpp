// Pooling: max_pool2d, avg_pool2d, adaptive_avg_pool2d.
//
// Each pooling's gradient is a linear map of the incoming gradient, recorded as an op of
// its own whose backward is that map's adjoint, so create_graph gives gradients of any
// order:
//   max_pool2d        backward: scatter g to the saved argmax indices
//   scatter           backward: gather at the same indices, and the reverse
//   avg_pool2d        backward: spread g over each window; its adjoint is avg_pool2d
//   adaptive_avg_pool2d likewise.
// The kernels pool the last two dims, so unbatched [C, H, W] inputs need no reshaping.
#include <algorithm>
#include <array>
#include <optional>
#include <tuple>
#include <vector>

#include "autograd/trace.hpp"
#include "autograd/prelude.hpp"
#include "ember/nn/functional.hpp"
#include "ops/pooling.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace nn {
namespace functional {
namespace {

using kernels::Pool2dParams;

// ---- max: the op, its scatter gradient, and the scatter's gather adjoint ----

Tensor max_gather_op(const Tensor& g, const Tensor& indices);

Tensor max_scatter_op(const Tensor& gy, const Tensor& indices, int64_t H, int64_t W) {
  Tensor gx = kernels::max_pool2d_backward(gy, indices, H, W);
  if (needs_grad(gy))
    record("MaxPool2DBackwardBackward", {gy}, {&gx}, {save(indices)},
           [](const Grads& g, Ctx& c) { return Grads{max_gather_op(g[0], c.saved(0))}; });
  return gx;
}

Tensor max_gather_op(const Tensor& g, const Tensor& indices) {
  Tensor y = kernels::max_pool2d_gather(g, indices);
  if (needs_grad(g)) {
    int64_t H = g.size(-2), W = g.size(-1);
    record("MaxPool2DGatherBackward", {g}, {&y}, {save(indices)},
           [H, W](const Grads& gr, Ctx& c) { return Grads{max_scatter_op(gr[0], c.saved(0), H, W)}; });
  }
  return y;
}

Tensor max_pool_op(const Tensor& x, const Pool2dParams& p, Tensor* indices_out = nullptr) {
  auto [y, indices] = kernels::max_pool2d(x, p);
  if (indices_out) *indices_out = indices;
  if (needs_grad(x)) {
    int64_t H = x.size(-2), W = x.size(-1);
    record("MaxPool2DBackward", {x}, {&y}, {save(indices)},
           [H, W](const Grads& g, Ctx& c) { return Grads{max_scatter_op(g[0], c.saved(0), H, W)}; });
  }
  return y;
}

// [..., s1, .., sk] as [..., 1, s1 * .. * sk]: the flat per-volume indices of a k-d
// pooling are flat per-plane indices of this view, so the 2-d scatter and gather apply.
std::vector<int64_t> flat_plane_shape(IntArrayRef sizes, int64_t spatial) {
  std::vector<int64_t> s(sizes.begin(), sizes.end() - spatial);
  int64_t n = 1;
  for (int64_t d = 0; d < spatial; ++d) n *= sizes[sizes.size() - spatial + d];
  s.push_back(1);
  s.push_back(n);
  return s;
}

Tensor max_pool3d_op(const Tensor& x, const kernels::Pool3dParams& p, Tensor* indices_out = nullptr) {
  auto [y, indices] = kernels::max_pool3d(x, p);
  if (indices_out) *indices_out = indices;
  if (needs_grad(x)) {
    std::vector<int64_t> xs = x.sizes().vec();
    record("MaxPool3DBackward", {x}, {&y}, {save(indices)}, [xs](const Grads& g, Ctx& c) {
      Tensor idx = c.saved(0);
      std::vector<int64_t> flat = flat_plane_shape(xs, 3);
      Tensor gx = max_scatter_op(g[0].reshape(flat_plane_shape(g[0].sizes(), 3)),
                                 idx.reshape(flat_plane_shape(idx.sizes(), 3)), 1, flat.back());
      return Grads{gx.reshape(xs)};
    });
  }
  return y;
}

// max_unpool on [..., L] values and indices into [..., P]; its gradient gathers at the
// indices (PyTorch's), whose own gradient is the scatter.
Tensor max_unpool_op(const Tensor& x, const Tensor& indices, int64_t P) {
  Tensor y = kernels::max_unpool(x, indices, P);
  if (needs_grad(x))
    record("MaxUnpoolBackward", {x}, {&y}, {save(indices)}, [](const Grads& g, Ctx& c) {
      return Grads{max_gather_op(g[0].unsqueeze(-2), c.saved(0).unsqueeze(-2)).squeeze(-2)};
    });
  return y;
}

// ---- averages: the op and its spreading gradient, each the other's adjoint ----

Tensor avg_pool_op(const Tensor& x, const Pool2dParams& p);

Tensor avg_spread_op(const Tensor& gy, int64_t H, int64_t W, const Pool2dParams& p) {
  Tensor gx = kernels::avg_pool2d_backward(gy, H, W, p);
  if (needs_grad(gy))
    record("AvgPool2DBackwardBackward", {gy}, {&gx}, {},
           [p](const Grads& g, Ctx&) { return Grads{avg_pool_op(g[0], p)}; });
  return gx;
}

Tensor avg_pool_op(const Tensor& x, const Pool2dParams& p) {
  Tensor y = kernels::avg_pool2d(x, p);
  if (needs_grad(x)) {
    int64_t H = x.size(-2), W = x.size(-1);
    record("AvgPool2DBackward", {x}, {&y}, {},
           [H, W, p](const Grads& g, Ctx&) { return Grads{avg_spread_op(g[0], H, W, p)}; });
  }
  return y;
}

Tensor adaptive_pool_op(const Tensor& x, int64_t Ho, int64_t Wo);

Tensor adaptive_spread_op(const Tensor& gy, int64_t H, int64_t W) {
  Tensor gx = kernels::adaptive_avg_pool2d_backward(gy, H, W);
  if (needs_grad(gy)) {
    int64_t Ho = gy.size(-2), Wo = gy.size(-1);
    record("AdaptiveAvgPool2DBackwardBackward", {gy}, {&gx}, {},
           [Ho, Wo](const Grads& g, Ctx&) { return Grads{adaptive_pool_op(g[0], Ho, Wo)}; });
  }
  return gx;
}

Tensor adaptive_pool_op(const Tensor& x, int64_t Ho, int64_t Wo) {
  Tensor y = kernels::adaptive_avg_pool2d(x, Ho, Wo);
  if (needs_grad(x)) {
    int64_t H = x.size(-2), W = x.size(-1);
    record("AdaptiveAvgPool2DBackward", {x}, {&y}, {},
           [H, W](const Grads& g, Ctx&) { return Grads{adaptive_spread_op(g[0], H, W)}; });
  }
  return y;
}

// ---- argument checks ----

// One value for both spatial dims or one per dim.
std::array<int64_t, 2> pair_arg(IntArrayRef v, const char* op, const char* name) {
  EMBER_CHECK(v.size() == 1 || v.size() == 2, "{}: expected {} of 1 or 2 values, got {}", op, name, v);
  return {v[0], v.size() == 1 ? v[0] : v[1]};
}

Shape as_shape(const std::array<int64_t, 2>& a) { return Shape{a[0], a[1]}; }

// A 3-D [C, H, W] or 4-D [N, C, H, W] floating input whose non-batch dims are non-empty.
void check_input(const char* op, const Tensor& input) {
  detail::check_defined(input, op, "input");
  bool dims_ok = input.dim() == 3 || input.dim() == 4;
  bool sizes_ok = dims_ok;
  for (int64_t d = input.dim() - 3; dims_ok && d < input.dim(); ++d) sizes_ok = sizes_ok && input.size(d) > 0;
  EMBER_CHECK(sizes_ok,
              "{}: expected a 3-D (unbatched) or 4-D (batched) input [N, C, H, W] with non-zero C, H and W, got "
              "input of shape {}",
              op, input.sizes());
  EMBER_CHECK(input.is_floating_point(), "{}: expected a floating-point input, got {}", op, input.dtype());
}

Pool2dParams check_pool(const char* op, const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                        IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  check_input(op, input);
  Pool2dParams p;
  p.kernel = pair_arg(kernel_size, op, "kernel_size");
  p.stride = stride.size() == 0 ? p.kernel : pair_arg(stride, op, "stride");
  p.padding = pair_arg(padding, op, "padding");
  p.dilation = pair_arg(dilation, op, "dilation");
  p.ceil_mode = ceil_mode;
  EMBER_CHECK(p.kernel[0] > 0 && p.kernel[1] > 0, "{}: kernel_size must be positive, got {}", op, kernel_size);
  EMBER_CHECK(p.stride[0] > 0 && p.stride[1] > 0, "{}: stride must be positive, got {}", op, stride);
  EMBER_CHECK(p.padding[0] >= 0 && p.padding[1] >= 0, "{}: padding must be non-negative, got {}", op, padding);
  EMBER_CHECK(p.dilation[0] > 0 && p.dilation[1] > 0, "{}: dilation must be positive, got {}", op, dilation);
  EMBER_CHECK(p.padding[0] <= p.kernel[0] / 2 && p.padding[1] <= p.kernel[1] / 2,
              "{}: padding {} must be at most half the kernel size {}", op, as_shape(p.padding),
              as_shape(p.kernel));
  std::array<int64_t, 2> out{};
  for (int d = 0; d < 2; ++d)
    out[d] = kernels::pool_output_size(input.size(input.dim() - 2 + d), p.kernel[d], p.stride[d], p.padding[d],
                                       p.dilation[d], ceil_mode);
  EMBER_CHECK(out[0] > 0 && out[1] > 0,
              "{}: the output size {} is too small (input {}, kernel_size {}, stride {}, padding {}, dilation {})",
              op, as_shape(out), input.sizes(), as_shape(p.kernel), as_shape(p.stride), as_shape(p.padding),
              as_shape(p.dilation));
  return p;
}

// A 4-D [C, D, H, W] or 5-D [N, C, D, H, W] floating input whose non-batch dims are non-empty.
void check_input_3d(const char* op, const Tensor& input) {
  detail::check_defined(input, op, "input");
  bool ok = input.dim() == 4 || input.dim() == 5;
  for (int64_t d = input.dim() - 4; ok && d < input.dim(); ++d) ok = input.size(d) > 0;
  EMBER_CHECK(ok,
              "{}: expected a 4-D (unbatched) or 5-D (batched) input [N, C, D, H, W] with non-zero C, D, H and W, "
              "got input of shape {}",
              op, input.sizes());
  EMBER_CHECK(input.is_floating_point(), "{}: expected a floating-point input, got {}", op, input.dtype());
}

std::array<int64_t, 3> triple_arg(IntArrayRef v, const char* op, const char* name) {
  EMBER_CHECK(v.size() == 1 || v.size() == 3, "{}: expected {} of 1 or 3 values, got {}", op, name, v);
  return {v[0], v.size() == 1 ? v[0] : v[1], v.size() == 1 ? v[0] : v[2]};
}

Shape as_shape3(const std::array<int64_t, 3>& a) { return Shape{a[0], a[1], a[2]}; }

kernels::Pool3dParams check_pool3d(const char* op, const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                                   IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  check_input_3d(op, input);
  kernels::Pool3dParams p;
  p.kernel = triple_arg(kernel_size, op, "kernel_size");
  p.stride = stride.size() == 0 ? p.kernel : triple_arg(stride, op, "stride");
  p.padding = triple_arg(padding, op, "padding");
  p.dilation = triple_arg(dilation, op, "dilation");
  p.ceil_mode = ceil_mode;
  std::array<int64_t, 3> out{};
  for (int d = 0; d < 3; ++d) {
    EMBER_CHECK(p.kernel[d] > 0, "{}: kernel_size must be positive, got {}", op, kernel_size);
    EMBER_CHECK(p.stride[d] > 0, "{}: stride must be positive, got {}", op, stride);
    EMBER_CHECK(p.padding[d] >= 0, "{}: padding must be non-negative, got {}", op, padding);
    EMBER_CHECK(p.dilation[d] > 0, "{}: dilation must be positive, got {}", op, dilation);
    EMBER_CHECK(p.padding[d] <= p.kernel[d] / 2, "{}: padding {} must be at most half the kernel size {}", op,
                as_shape3(p.padding), as_shape3(p.kernel));
    out[d] = kernels::pool_output_size(input.size(input.dim() - 3 + d), p.kernel[d], p.stride[d], p.padding[d],
                                       p.dilation[d], ceil_mode);
  }
  EMBER_CHECK(out[0] > 0 && out[1] > 0 && out[2] > 0,
              "{}: the output size {} is too small (input {}, kernel_size {}, stride {}, padding {}, dilation {})",
              op, as_shape3(out), input.sizes(), as_shape3(p.kernel), as_shape3(p.stride), as_shape3(p.padding),
              as_shape3(p.dilation));
  return p;
}

void check_divisor(const char* op, std::optional<int64_t> divisor_override, const Tensor& input) {
  EMBER_CHECK(!divisor_override || *divisor_override != 0, "{}: divisor_override must be non-zero (input {})", op,
              input.sizes());
}

// [..., a, b, c] as [..., a, b * c]: what the 2-d average kernels take for a pass over a.
Tensor merge_last_two(const Tensor& t) {
  std::vector<int64_t> s(t.sizes().begin(), t.sizes().end() - 2);
  s.push_back(t.size(-2) * t.size(-1));
  return t.reshape(s);
}

Tensor split_last(const Tensor& t, int64_t h, int64_t w) {
  std::vector<int64_t> s(t.sizes().begin(), t.sizes().end() - 1);
  s.push_back(h);
  s.push_back(w);
  return t.reshape(s);
}

// max_unpool of `spatial` dims: the checks, the output size, and the op on flat views.
Tensor max_unpool_nd(const char* op, int64_t spatial, const Tensor& input, const Tensor& indices,
                     IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                     const std::optional<std::vector<int64_t>>& output_size) {
  detail::check_defined(input, op, "input");
  detail::check_defined(indices, op, "indices");
  EMBER_CHECK(input.dim() == spatial + 1 || input.dim() == spatial + 2,
              "{}: expected a {}-D (unbatched) or {}-D (batched) input, got input of shape {}", op, spatial + 1,
              spatial + 2, input.sizes());
  EMBER_CHECK(input.is_floating_point(), "{}: expected a floating-point input, got {}", op, input.dtype());
  EMBER_CHECK(indices.dtype() == Dtype::Int64 && indices.sizes() == input.sizes(),
              "{}: expected int64 indices of the input's shape {}, got {} of shape {}", op, input.sizes(),
              indices.dtype(), indices.sizes());
  auto expand = [&](IntArrayRef v, const char* name) {
    EMBER_CHECK(v.size() == 1 || static_cast<int64_t>(v.size()) == spatial, "{}: expected {} of 1 or {} values, got {}",
                op, name, spatial, v);
    std::vector<int64_t> r(spatial);
    for (int64_t d = 0; d < spatial; ++d) r[d] = v.size() == 1 ? v[0] : v[d];
    return r;
  };
  std::vector<int64_t> k = expand(kernel_size, "kernel_size");
  std::vector<int64_t> s = stride.size() == 0 ? k : expand(stride, "stride");
  std::vector<int64_t> pad = expand(padding, "padding");
  std::vector<int64_t> out(spatial);
  for (int64_t d = 0; d < spatial; ++d) {
    EMBER_CHECK(k[d] > 0 && s[d] > 0 && pad[d] >= 0,
                "{}: kernel_size and stride must be positive and padding non-negative, got {}, {} and {}", op,
                kernel_size, stride, padding);
    out[d] = (input.size(input.dim() - spatial + d) - 1) * s[d] - 2 * pad[d] + k[d];
  }
  if (output_size) {
    const std::vector<int64_t>& o = *output_size;
    int64_t n = static_cast<int64_t>(o.size());
    EMBER_CHECK(n == spatial || n == spatial + 2, "{}: output_size must have {} or {} elements, got {}", op, spatial,
                spatial + 2, IntArrayRef(o));
    for (int64_t d = 0; d < spatial; ++d) {
      int64_t want = o[n - spatial + d];
      EMBER_CHECK(want > out[d] - s[d] && want < out[d] + s[d],
                  "{}: invalid output_size {} (dim {} must be between {} and {}) for input {}", op, IntArrayRef(o), d,
                  out[d] - s[d], out[d] + s[d], input.sizes());
      out[d] = want;
    }
  }
  int64_t P = 1;
  for (int64_t d = 0; d < spatial; ++d) {
    EMBER_CHECK(out[d] > 0, "{}: the output size {} is too small (input {}, kernel_size {}, stride {}, padding {})",
                op, IntArrayRef(out), input.sizes(), kernel_size, stride, padding);
    P *= out[d];
  }
  if (indices.numel() > 0) {
    int64_t lo = indices.amin().item<int64_t>(), hi = indices.amax().item<int64_t>();
    EMBER_CHECK(lo >= 0 && hi < P, "{}: found an invalid max index {} (output volume {} of {} elements, input {})",
                op, lo < 0 ? lo : hi, IntArrayRef(out), P, input.sizes());
  }
  std::vector<int64_t> result(input.sizes().begin(), input.sizes().end() - spatial);
  result.insert(result.end(), out.begin(), out.end());
  std::vector<int64_t> lflat = flat_plane_shape(input.sizes(), spatial);  // [..., 1, L]
  lflat.erase(lflat.end() - 2);                                           // [..., L]
  return max_unpool_op(input.reshape(lflat), indices.reshape(lflat), P).reshape(result);
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                                                   IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  Pool2dParams p = check_pool("max_pool2d_with_indices", input, kernel_size, stride, padding, dilation, ceil_mode);
  Tensor indices;
  Tensor y = max_pool_op(input, p, &indices);
  return {y, indices};
}

Tensor max_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef dilation, bool ceil_mode) {
  return max_pool3d_op(input, check_pool3d("max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode));
}

std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                                                   IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  kernels::Pool3dParams p =
      check_pool3d("max_pool3d_with_indices", input, kernel_size, stride, padding, dilation, ceil_mode);
  Tensor indices;
  Tensor y = max_pool3d_op(input, p, &indices);
  return {y, indices};
}

// An average over a box is an average over depth of averages over planes (PyTorch's
// divisor is the product of the per-dim counts), so two passes of the 2-d kernel do it:
// depth on [..., D, H * W], then the plane on [..., D_out, H, W].
Tensor avg_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  const char* op = "avg_pool3d";
  kernels::Pool3dParams q = check_pool3d(op, input, kernel_size, stride, padding, 1, ceil_mode);
  check_divisor(op, divisor_override, input);
  Pool2dParams depth, plane;
  depth.kernel = {q.kernel[0], 1}, depth.stride = {q.stride[0], 1}, depth.padding = {q.padding[0], 0};
  plane.kernel = {q.kernel[1], q.kernel[2]}, plane.stride = {q.stride[1], q.stride[2]};
  plane.padding = {q.padding[1], q.padding[2]};
  for (Pool2dParams* p : {&depth, &plane}) p->ceil_mode = ceil_mode, p->count_include_pad = count_include_pad;
  if (divisor_override) depth.divisor_override = *divisor_override, plane.divisor_override = 1;  // a sum
  int64_t H = input.size(-2), W = input.size(-1);
  Tensor y = avg_pool_op(merge_last_two(input), depth);
  return avg_pool_op(split_last(y, H, W), plane);
}

Tensor adaptive_avg_pool3d(const Tensor& input, IntArrayRef output_size) {
  const char* op = "adaptive_avg_pool3d";
  check_input_3d(op, input);
  std::array<int64_t, 3> out = triple_arg(output_size, op, "output_size");
  EMBER_CHECK(out[0] >= 0 && out[1] >= 0 && out[2] >= 0, "{}: output_size must be non-negative, got {}", op,
              output_size);
  int64_t H = input.size(-2), W = input.size(-1);
  Tensor y = adaptive_pool_op(merge_last_two(input), out[0], H * W);
  return adaptive_pool_op(split_last(y, H, W), out[1], out[2]);
}

Tensor max_unpool1d(const Tensor& input, const Tensor& indices, IntArrayRef kernel_size, IntArrayRef stride,
                    IntArrayRef padding, const std::optional<std::vector<int64_t>>& output_size) {
  return max_unpool_nd("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size);
}
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, IntArrayRef kernel_size, IntArrayRef stride,
                    IntArrayRef padding, const std::optional<std::vector<int64_t>>& output_size) {
  return max_unpool_nd("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size);
}
Tensor max_unpool3d(const Tensor& input, const Tensor& indices, IntArrayRef kernel_size, IntArrayRef stride,
                    IntArrayRef padding, const std::optional<std::vector<int64_t>>& output_size) {
  return max_unpool_nd("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size);
}

Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef dilation, bool ceil_mode) {
  EMBER_TRACE_CALL("max_pool2d", ({input}), ({{"kernel_size", kernel_size.vec()}, {"stride", stride.vec()}, {"padding", padding.vec()}, {"dilation", dilation.vec()}, {"ceil_mode", ceil_mode}}), max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode));
  Pool2dParams p = check_pool("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode);
  return max_pool_op(input, p);
}

Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  EMBER_TRACE_CALL("avg_pool2d", ({input}), ({{"kernel_size", kernel_size.vec()}, {"stride", stride.vec()}, {"padding", padding.vec()}, {"ceil_mode", ceil_mode}, {"count_include_pad", count_include_pad}, {"divisor_override", autograd::opt_attr(divisor_override)}}), avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override));
  Pool2dParams p = check_pool("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode);
  check_divisor("avg_pool2d", divisor_override, input);
  p.count_include_pad = count_include_pad;
  p.divisor_override = divisor_override.value_or(0);
  return avg_pool_op(input, p);
}

Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size) {
  EMBER_TRACE_CALL("adaptive_avg_pool2d", ({input}), ({{"output_size", output_size.vec()}}), adaptive_avg_pool2d(input, output_size));
  const char* op = "adaptive_avg_pool2d";
  check_input(op, input);
  std::array<int64_t, 2> out = pair_arg(output_size, op, "output_size");
  EMBER_CHECK(out[0] >= 0 && out[1] >= 0, "{}: output_size must be non-negative, got {}", op, output_size);
  return adaptive_pool_op(input, out[0], out[1]);
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
