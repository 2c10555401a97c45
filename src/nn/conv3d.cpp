// conv3d and conv_transpose3d, composed of the 2-d convolutions (whose gradients, of any
// order, they inherit):
//   conv3d: output depth slice od sums, over the kernel's depth taps kd, the 2-d
//     convolution of input depth slice od * stride + kd * dilation - padding with weight
//     tap kd. Each tap is one conv2d call on the slices it reads stacked into the batch.
//   conv_transpose3d: the adjoint. Each tap's conv_transpose2d of every input slice lands
//     at output depth id * stride + kd * dilation - padding: spread by the stride (zeros
//     between), shifted by the tap's offset, summed, and cropped by the padding.
#include <array>
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

std::array<int64_t, 3> triple(IntArrayRef v, const char* op, const char* name) {
  if (v.size() != 1 && v.size() != 3)
    fail(op, std::string("expected ") + name + " of 1 or 3 values, got " + repr::shape_str(v));
  return {v[0], v.size() == 1 ? v[0] : v[1], v.size() == 1 ? v[0] : v[2]};
}

struct Conv3dArgs {
  std::array<int64_t, 3> stride, padding, dilation, output_padding{0, 0, 0};
  bool batched = true;
};

// The checks both ops share, in the user's terms; the 2-d calls then cannot fail.
Conv3dArgs check_conv3d(const char* op, bool transposed, const Tensor& input, const Tensor& weight,
                        const Tensor& bias, IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,
                        int64_t groups, IntArrayRef output_padding) {
  const char* wlayout = transposed ? "[C_in, C_out / groups, kD, kH, kW]" : "[C_out, C_in / groups, kD, kH, kW]";
  if (!input.defined() || !weight.defined()) fail(op, "input and weight must be defined");
  if (input.dim() != 4 && input.dim() != 5)
    fail(op, "expected a 4-D (unbatched) or 5-D (batched) input [N, C_in, D, H, W], got input of shape " +
                 shape(input));
  if (weight.dim() != 5) fail(op, std::string("expected weight of 5 dims ") + wlayout + ", got " + shape(weight));
  if (!input.is_floating_point()) fail(op, "expected a floating-point input, got " + std::string(dtype_name(input.dtype())));
  if (weight.dtype() != input.dtype() || (bias.defined() && bias.dtype() != input.dtype()))
    fail(op, "expected input, weight and bias of one dtype, got input " + shape(input) + " " +
                 dtype_name(input.dtype()) + " and weight " + dtype_name(weight.dtype()));
  if (groups <= 0) fail(op, "groups must be positive, got " + std::to_string(groups));
  Conv3dArgs a;
  a.batched = input.dim() == 5;
  a.stride = triple(stride, op, "stride");
  a.padding = triple(padding, op, "padding");
  a.dilation = triple(dilation, op, "dilation");
  a.output_padding = triple(output_padding, op, "output_padding");
  for (int d = 0; d < 3; ++d)
    if (a.stride[d] <= 0 || a.padding[d] < 0 || a.dilation[d] <= 0)
      fail(op, "stride and dilation must be positive and padding non-negative, got stride " +
                   repr::shape_str(stride) + ", padding " + repr::shape_str(padding) + ", dilation " +
                   repr::shape_str(dilation));
  int64_t channels = input.size(a.batched ? 1 : 0);
  if (weight.size(0) % groups != 0)
    fail(op, "weight " + shape(weight) + " has " + std::to_string(weight.size(0)) + " channels in dim 0, which groups = " +
                 std::to_string(groups) + " does not divide");
  int64_t expected = transposed ? weight.size(0) : weight.size(1) * groups;
  if (channels != expected)
    fail(op, "input " + shape(input) + " has " + std::to_string(channels) + " channels, but weight " + shape(weight) +
                 " with groups = " + std::to_string(groups) + " expects " + std::to_string(expected) + " (weight is " +
                 wlayout + ")");
  int64_t out_channels = transposed ? weight.size(1) * groups : weight.size(0);
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != out_channels))
    fail(op, "expected bias of shape [" + std::to_string(out_channels) + "], got " + shape(bias));
  int64_t first = a.batched ? 2 : 1;
  for (int d = 0; d < 3; ++d) {
    int64_t in = input.size(first + d), k = weight.size(2 + d);
    if (!transposed) {
      if (a.dilation[d] * (k - 1) + 1 > in + 2 * a.padding[d])
        fail(op, "kernel " + shape(weight) + " (dilation " + repr::shape_str(dilation) +
                     ") is larger than the padded input " + shape(input) + " (padding " + repr::shape_str(padding) + ")");
    } else {
      if (a.output_padding[d] < 0 || (a.output_padding[d] >= a.stride[d] && a.output_padding[d] >= a.dilation[d]))
        fail(op, "output_padding must be non-negative and smaller than either stride or dilation, got output_padding " +
                     repr::shape_str(output_padding) + ", stride " + repr::shape_str(stride) + ", dilation " +
                     repr::shape_str(dilation));
      if ((in - 1) * a.stride[d] - 2 * a.padding[d] + a.dilation[d] * (k - 1) + a.output_padding[d] + 1 <= 0)
        fail(op, "the output size is too small (input " + shape(input) + ", weight " + shape(weight) + ", stride " +
                     repr::shape_str(stride) + ", padding " + repr::shape_str(padding) + ")");
      if (in == 0) fail(op, "input " + shape(input) + " has an empty spatial dim");
    }
  }
  return a;
}

std::vector<int64_t> tail2(const std::array<int64_t, 3>& a) { return {a[1], a[2]}; }

Tensor with_bias(const Tensor& y, const Tensor& bias) {
  return bias.defined() ? y + bias.reshape({1, bias.size(0), 1, 1, 1}) : y;
}

}  // namespace

Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride, IntArrayRef padding,
              IntArrayRef dilation, int64_t groups) {
  Conv3dArgs a = check_conv3d("conv3d", false, input, weight, bias, stride, padding, dilation, groups, 0);
  Tensor x = a.batched ? input : input.unsqueeze(0);
  const int64_t N = x.size(0), C = x.size(1), D = x.size(2), H = x.size(3), W = x.size(4), kD = weight.size(2);
  const int64_t sd = a.stride[0], pd = a.padding[0], dd = a.dilation[0];
  const int64_t Do = (D + 2 * pd - dd * (kD - 1) - 1) / sd + 1;
  Tensor xp = pd > 0 ? ember::pad(x, {0, 0, 0, 0, pd, pd}) : x;
  Tensor sum;
  for (int64_t kd = 0; kd < kD; ++kd) {
    // The depth slices tap kd reads, [N, C, Do, H, W], as a batch of N * Do planes.
    Tensor slices = xp.slice(2, kd * dd, kd * dd + (Do - 1) * sd + 1, sd);
    Tensor planes = slices.permute({0, 2, 1, 3, 4}).reshape({N * Do, C, H, W});
    Tensor y = conv2d(planes, weight.select(2, kd), Tensor(), tail2(a.stride), tail2(a.padding), tail2(a.dilation),
                      groups);
    sum = sum.defined() ? sum + y : y;
  }
  Tensor y = sum.reshape({N, Do, sum.size(1), sum.size(2), sum.size(3)}).permute({0, 2, 1, 3, 4});
  y = with_bias(y, bias);
  return a.batched ? y : y.squeeze(0);
}

Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                        IntArrayRef padding, IntArrayRef output_padding, int64_t groups, IntArrayRef dilation) {
  Conv3dArgs a = check_conv3d("conv_transpose3d", true, input, weight, bias, stride, padding, dilation, groups,
                              output_padding);
  Tensor x = a.batched ? input : input.unsqueeze(0);
  const int64_t N = x.size(0), C = x.size(1), D = x.size(2), H = x.size(3), W = x.size(4), kD = weight.size(2);
  const int64_t sd = a.stride[0], pd = a.padding[0], dd = a.dilation[0];
  const int64_t spread = (D - 1) * sd + 1;                                  // one tap's reach
  const int64_t full = spread + dd * (kD - 1) + a.output_padding[0];        // before cropping
  const int64_t Do = full - 2 * pd;
  Tensor planes = x.permute({0, 2, 1, 3, 4}).reshape({N * D, C, H, W});
  Tensor sum;
  for (int64_t kd = 0; kd < kD; ++kd) {
    Tensor z = conv_transpose2d(planes, weight.select(2, kd), Tensor(), tail2(a.stride), tail2(a.padding),
                                tail2(a.output_padding), groups, tail2(a.dilation));
    const int64_t Co = z.size(1), Ho = z.size(2), Wo = z.size(3);
    // [N, Co, D, Ho, Wo], then sd - 1 zero slices after each input slice.
    z = z.reshape({N, D, Co, Ho, Wo}).permute({0, 2, 1, 3, 4});
    if (sd > 1)
      z = ember::pad(z.unsqueeze(3), {0, 0, 0, 0, 0, sd - 1}).reshape({N, Co, D * sd, Ho, Wo}).narrow(2, 0, spread);
    Tensor placed = ember::pad(z, {0, 0, 0, 0, kd * dd, full - spread - kd * dd});
    sum = sum.defined() ? sum + placed : placed;
  }
  Tensor y = with_bias(sum.narrow(2, pd, Do), bias);
  return a.batched ? y : y.squeeze(0);
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
