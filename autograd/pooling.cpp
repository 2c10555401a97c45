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
#include <array>

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

Tensor max_pool_op(const Tensor& x, const Pool2dParams& p) {
  auto [y, indices] = kernels::max_pool2d(x, p);
  if (needs_grad(x)) {
    int64_t H = x.size(-2), W = x.size(-1);
    record("MaxPool2DBackward", {x}, {&y}, {save(indices)},
           [H, W](const Grads& g, Ctx& c) { return Grads{max_scatter_op(g[0], c.saved(0), H, W)}; });
  }
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

}  // namespace

Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef dilation, bool ceil_mode) {
  Pool2dParams p = check_pool("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode);
  return max_pool_op(input, p);
}

Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  bool ceil_mode, bool count_include_pad) {
  Pool2dParams p = check_pool("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode);
  p.count_include_pad = count_include_pad;
  return avg_pool_op(input, p);
}

Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size) {
  const char* op = "adaptive_avg_pool2d";
  check_input(op, input);
  std::array<int64_t, 2> out = pair_arg(output_size, op, "output_size");
  EMBER_CHECK(out[0] >= 0 && out[1] >= 0, "{}: output_size must be non-negative, got {}", op, output_size);
  return adaptive_pool_op(input, out[0], out[1]);
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
