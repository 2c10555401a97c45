// fold / unfold and power-average pooling, composed of ember's differentiable ops:
//   unfold is a grouped convolution whose weight, per input channel, is the identity
//     over the kernel's positions (output channel c * kH * kW + i * kW + j copies the
//     input at tap (i, j)): PyTorch's row order. fold is its adjoint, the transposed
//     convolution with the same weight, so windows that overlap add up.
//   lp_pool is PyTorch's formula: (sum over the window of x^p)^(1/p), the sum taken as
//     the window average times the window size.
// Because unfold multiplies by zeros, an infinite or NaN input element also turns the
// other rows of its window NaN (0 * inf); finite inputs are copied exactly.
#include <string>
#include <vector>

#include "ember/creation.hpp"
#include "ember/error.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {
namespace functional {

namespace {

std::string shape(const Tensor& t) { return t.defined() ? repr::shape_str(t.sizes()) : std::string("undefined"); }

[[noreturn]] void fail(const char* op, const std::string& what) { throw Error(std::string(op) + ": " + what); }

std::vector<int64_t> pair_of(IntArrayRef v, const char* op, const char* name) {
  if (v.size() != 1 && v.size() != 2)
    fail(op, std::string(name) + " must be one number or two, got " + repr::shape_str(v));
  return {v[0], v.size() == 1 ? v[0] : v[1]};
}

struct Window {
  std::vector<int64_t> kernel, dilation, padding, stride;
};

Window window_of(const char* op, IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                 IntArrayRef stride) {
  Window w{pair_of(kernel_size, op, "kernel_size"), pair_of(dilation, op, "dilation"), pair_of(padding, op, "padding"),
           pair_of(stride, op, "stride")};
  for (int d = 0; d < 2; ++d)
    if (w.kernel[d] <= 0 || w.dilation[d] <= 0 || w.stride[d] <= 0 || w.padding[d] < 0)
      fail(op, "kernel_size, dilation and stride must be positive and padding non-negative, got kernel_size " +
                   repr::shape_str(kernel_size) + ", dilation " + repr::shape_str(dilation) + ", padding " +
                   repr::shape_str(padding) + ", stride " + repr::shape_str(stride));
  return w;
}

// [C * kH * kW, 1, kH, kW]: for each channel, the identity over the kernel's taps.
Tensor tap_identity(int64_t channels, const Window& w, const Tensor& like) {
  int64_t taps = w.kernel[0] * w.kernel[1];
  Tensor eye = ember::eye(taps, like.options()).reshape({taps, 1, w.kernel[0], w.kernel[1]});
  return eye.repeat({channels, 1, 1, 1});
}

int64_t blocks_along(int64_t size, int64_t k, int64_t d, int64_t p, int64_t s) {
  return (size + 2 * p - d * (k - 1) - 1) / s + 1;
}

}  // namespace

Tensor unfold(const Tensor& input, IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
              IntArrayRef stride) {
  const char* op = "unfold";
  if (!input.defined()) fail(op, "input is undefined");
  if (input.dim() != 3 && input.dim() != 4)
    fail(op, "expected a 3-D (unbatched) or 4-D (batched) input [N, C, H, W], got " + shape(input));
  if (!input.is_floating_point()) fail(op, "expected a floating-point input, got " + shape(input));
  Window w = window_of(op, kernel_size, dilation, padding, stride);
  Tensor x = input.dim() == 4 ? input : input.unsqueeze(0);
  int64_t C = x.size(1);
  if (C == 0 || x.size(2) == 0 || x.size(3) == 0) fail(op, "expected non-empty C, H and W, got " + shape(input));
  for (int d = 0; d < 2; ++d)
    if (blocks_along(x.size(2 + d), w.kernel[d], w.dilation[d], w.padding[d], w.stride[d]) <= 0)
      fail(op, "the kernel " + repr::shape_str(w.kernel) + " (dilation " + repr::shape_str(w.dilation) +
                   ") does not fit the padded input " + shape(input) + " (padding " + repr::shape_str(w.padding) + ")");
  Tensor cols = conv2d(x, tap_identity(C, w, x), Tensor(), w.stride, w.padding, w.dilation, C);
  Tensor y = cols.reshape({cols.size(0), cols.size(1), cols.size(2) * cols.size(3)});
  return input.dim() == 4 ? y : y.squeeze(0);
}

Tensor fold(const Tensor& input, IntArrayRef output_size, IntArrayRef kernel_size, IntArrayRef dilation,
            IntArrayRef padding, IntArrayRef stride) {
  const char* op = "fold";
  if (!input.defined()) fail(op, "input is undefined");
  if (input.dim() != 2 && input.dim() != 3)
    fail(op, "expected a 2-D (unbatched) or 3-D (batched) input [N, C * kH * kW, L], got " + shape(input));
  if (!input.is_floating_point()) fail(op, "expected a floating-point input, got " + shape(input));
  Window w = window_of(op, kernel_size, dilation, padding, stride);
  std::vector<int64_t> out = pair_of(output_size, op, "output_size");
  Tensor x = input.dim() == 3 ? input : input.unsqueeze(0);
  int64_t taps = w.kernel[0] * w.kernel[1];
  if (x.size(1) == 0 || x.size(1) % taps != 0)
    fail(op, "expected the input's dim " + std::to_string(input.dim() - 2) + " to be a non-zero multiple of " +
                 std::to_string(taps) + " (the kernel " + repr::shape_str(w.kernel) + "), got input " + shape(input));
  std::vector<int64_t> blocks(2);
  for (int d = 0; d < 2; ++d) {
    blocks[d] = blocks_along(out[d], w.kernel[d], w.dilation[d], w.padding[d], w.stride[d]);
    if (out[d] <= 0 || blocks[d] <= 0)
      fail(op, "output_size " + repr::shape_str(out) + " gives no blocks for the kernel " + repr::shape_str(w.kernel) +
                   " (input " + shape(input) + ")");
  }
  if (x.size(2) != blocks[0] * blocks[1])
    fail(op, "expected the input's last dim to be " + std::to_string(blocks[0] * blocks[1]) + " (" +
                 std::to_string(blocks[0]) + " x " + std::to_string(blocks[1]) + " blocks for output_size " +
                 repr::shape_str(out) + "), got input " + shape(input));
  int64_t C = x.size(1) / taps;
  // The transposed convolution's natural output size, and the rest up to output_size.
  std::vector<int64_t> extra(2);
  for (int d = 0; d < 2; ++d)
    extra[d] = out[d] - ((blocks[d] - 1) * w.stride[d] - 2 * w.padding[d] + w.dilation[d] * (w.kernel[d] - 1) + 1);
  Tensor planes = x.reshape({x.size(0), x.size(1), blocks[0], blocks[1]});
  Tensor y = conv_transpose2d(planes, tap_identity(C, w, x), Tensor(), w.stride, w.padding, extra, C, w.dilation);
  return input.dim() == 3 ? y : y.squeeze(0);
}

Tensor lp_pool1d(const Tensor& input, double norm_type, IntArrayRef kernel_size, IntArrayRef stride, bool ceil_mode) {
  if (kernel_size.size() != 1)
    throw Error("lp_pool1d: kernel_size must be one number, got " + repr::shape_str(kernel_size) + " (input " +
                shape(input) + ")");
  Tensor out = avg_pool1d(ember::pow(input, norm_type), kernel_size, stride, 0, ceil_mode);
  return (ember::sign(out) * ember::relu(ember::abs(out))).mul(static_cast<double>(kernel_size[0])).pow(1.0 / norm_type);
}

Tensor lp_pool2d(const Tensor& input, double norm_type, IntArrayRef kernel_size, IntArrayRef stride, bool ceil_mode) {
  if (kernel_size.size() != 1 && kernel_size.size() != 2)
    throw Error("lp_pool2d: kernel_size must be one number or two, got " + repr::shape_str(kernel_size) + " (input " +
                shape(input) + ")");
  int64_t area = kernel_size[0] * (kernel_size.size() == 1 ? kernel_size[0] : kernel_size[1]);
  Tensor out = avg_pool2d(ember::pow(input, norm_type), kernel_size, stride, 0, ceil_mode);
  return (ember::sign(out) * ember::relu(ember::abs(out))).mul(static_cast<double>(area)).pow(1.0 / norm_type);
}

namespace with_options {
Tensor unfold(const Tensor& input, const UnfoldFuncOptions& o) {
  return functional::unfold(input, o.kernel_size().values(), o.dilation().values(), o.padding().values(),
                            o.stride().values());
}
Tensor fold(const Tensor& input, const FoldFuncOptions& o) {
  return functional::fold(input, o.output_size().values(), o.kernel_size().values(), o.dilation().values(),
                          o.padding().values(), o.stride().values());
}
Tensor lp_pool1d(const Tensor& input, const LPPool1dOptions& o) {
  return functional::lp_pool1d(input, o.norm_type(), o.kernel_size().values(), o.stride().values(), o.ceil_mode());
}
Tensor lp_pool2d(const Tensor& input, const LPPool2dOptions& o) {
  return functional::lp_pool2d(input, o.norm_type(), o.kernel_size().values(), o.stride().values(), o.ceil_mode());
}
}  // namespace with_options

}  // namespace functional
}  // namespace nn
}  // namespace ember
