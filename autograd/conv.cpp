// Convolutions: conv1d, conv2d, conv_transpose1d, conv_transpose2d (conv3d and
// conv_transpose3d are composed of these in src/nn/conv3d.cpp).
//
// Three differentiable 4-D ops carry everything, and each one's backward is written with
// the three of them, so create_graph gives gradients of any order:
//   conv2d          y  = x (*) w + b
//   conv2d_input    gx = the adjoint of conv2d in x, applied to gy (= conv_transpose2d)
//   conv2d_weight   gw = the adjoint of conv2d in w, applied to gy (x and gy bilinear)
// d conv2d:        dx = conv2d_input(g, w),  dw = conv2d_weight(x, g),  db = sum(g)
// d conv2d_input:  dgy = conv2d(G, w),       dw = conv2d_weight(G, gy), db = sum(G)
// d conv2d_weight: dx = conv2d_input(gy, G), dgy = conv2d(x, G)
// conv1d is conv2d over [N, C, 1, L]; unbatched inputs get a batch dim of 1.
#include <array>
#include <string>

#include "autograd/trace.hpp"
#include "autograd/prelude.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "ops/conv.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace nn {
namespace functional {
namespace {

using kernels::Conv2dParams;

Tensor conv2d_input_op(const Tensor& gy, const Tensor& w, const Tensor& bias, int64_t H, int64_t W,
                       const Conv2dParams& p);
Tensor conv2d_weight_op(const Tensor& x, const Tensor& gy, int64_t kh, int64_t kw, const Conv2dParams& p);

// Sum of g over batch and spatial dims: the gradient of a per-channel bias.
Tensor bias_grad(const Tensor& g) { return ember::sum(g, {0, 2, 3}); }

// conv2d of an input of size H can reach past the output size that conv_transpose2d
// was given (output_padding >= stride, allowed when below dilation): the positions past
// it never met the data, so their gradient is cut off.
Tensor fit_to(const Tensor& t, const Tensor& like) {
  Tensor r = t;
  if (r.size(2) != like.size(2)) r = r.narrow(2, 0, like.size(2));
  if (r.size(3) != like.size(3)) r = r.narrow(3, 0, like.size(3));
  return r;
}

Tensor conv2d_op(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p) {
  Tensor y = kernels::conv2d(x, w, bias, p);
  if (needs_grad(x, w, bias))
    record("Conv2DBackward", {x, w, bias}, {&y}, {save(x), save(w)}, [p](const Grads& g, Ctx& c) {
      Tensor x = c.saved(0), w = c.saved(1), gx, gw, gb;
      if (c.needs(0)) gx = conv2d_input_op(g[0], w, Tensor(), x.size(2), x.size(3), p);
      if (c.needs(1)) gw = conv2d_weight_op(x, g[0], w.size(2), w.size(3), p);
      if (c.needs(2)) gb = bias_grad(g[0]);
      return Grads{gx, gw, gb};
    });
  return y;
}

Tensor conv2d_input_op(const Tensor& gy, const Tensor& w, const Tensor& bias, int64_t H, int64_t W,
                       const Conv2dParams& p) {
  Tensor y = kernels::conv2d_input_grad(gy, w, bias, H, W, p);
  if (needs_grad(gy, w, bias))
    record("ConvTranspose2DBackward", {gy, w, bias}, {&y}, {save(gy), save(w)}, [p](const Grads& g, Ctx& c) {
      Tensor gy = c.saved(0), w = c.saved(1), ggy, gw, gb;
      if (c.needs(0)) ggy = fit_to(conv2d_op(g[0], w, Tensor(), p), gy);
      if (c.needs(1)) gw = conv2d_weight_op(g[0], gy, w.size(2), w.size(3), p);
      if (c.needs(2)) gb = bias_grad(g[0]);
      return Grads{ggy, gw, gb};
    });
  return y;
}

Tensor conv2d_weight_op(const Tensor& x, const Tensor& gy, int64_t kh, int64_t kw, const Conv2dParams& p) {
  Tensor y = kernels::conv2d_weight_grad(x, gy, kh, kw, p);
  if (needs_grad(x, gy))
    record("Conv2DWeightBackward", {x, gy}, {&y}, {save(x), save(gy)}, [p](const Grads& g, Ctx& c) {
      Tensor x = c.saved(0), gy = c.saved(1), gx, ggy;
      if (c.needs(0)) gx = conv2d_input_op(gy, g[0], Tensor(), x.size(2), x.size(3), p);
      if (c.needs(1)) ggy = fit_to(conv2d_op(x, g[0], Tensor(), p), gy);
      return Grads{gx, ggy};
    });
  return y;
}

// ---- argument checks, in the user's terms (spatial = 1 for conv1d, 2 otherwise) ----

Shape tail(const std::array<int64_t, 2>& a, int64_t spatial) {
  return spatial == 1 ? Shape{a[1]} : Shape{a[0], a[1]};
}

// A size argument: one value for every spatial dim or one per dim. As a 2-D argument,
// conv1d's missing leading dim gets `unit`.
std::array<int64_t, 2> pair_arg(IntArrayRef v, int64_t spatial, int64_t unit, const char* op, const char* name) {
  EMBER_CHECK(v.size() == 1 || static_cast<int64_t>(v.size()) == spatial,
              "{}: expected {} of 1{} values, got {}", op, name, spatial == 1 ? "" : " or 2", v);
  if (spatial == 1) return {unit, v[0]};
  return {v[0], v.size() == 1 ? v[0] : v[1]};
}

struct Checked {
  Conv2dParams p;
  std::array<int64_t, 2> output_padding{0, 0};
  bool batched = true;
};

// Validates a convolution's operands as the user gave them. For a transposed
// convolution, weight is [C_in, C_out / groups, k...]; otherwise [C_out, C_in / groups, k...].
Checked check_conv(const char* op, int64_t spatial, bool transposed, const Tensor& input, const Tensor& weight,
                   const Tensor& bias, IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, int64_t groups,
                   IntArrayRef output_padding = 0) {
  detail::check_defined(input, op, "input");
  detail::check_defined(weight, op, "weight");
  const char* wlayout = transposed ? (spatial == 1 ? "[C_in, C_out / groups, K]" : "[C_in, C_out / groups, kH, kW]")
                                   : (spatial == 1 ? "[C_out, C_in / groups, K]" : "[C_out, C_in / groups, kH, kW]");
  const char* ilayout = spatial == 1 ? "[N, C_in, L]" : "[N, C_in, H, W]";
  EMBER_CHECK(input.dim() == spatial + 1 || input.dim() == spatial + 2,
              "{}: expected a {}-D (unbatched) or {}-D (batched) input {}, got input of shape {}", op, spatial + 1,
              spatial + 2, ilayout, input.sizes());
  EMBER_CHECK(weight.dim() == spatial + 2, "{}: expected weight of {} dims {}, got {}", op, spatial + 2, wlayout,
              weight.sizes());
  EMBER_CHECK(input.is_floating_point(), "{}: expected a floating-point input, got {}", op, input.dtype());
  EMBER_CHECK(weight.dtype() == input.dtype(), "{}: expected input and weight of one dtype, got {} and {}", op,
              input.dtype(), weight.dtype());
  if (bias.defined())
    EMBER_CHECK(bias.dtype() == input.dtype(), "{}: expected bias of the input's dtype {}, got {}", op,
                input.dtype(), bias.dtype());
  Checked r;
  r.batched = input.dim() == spatial + 2;
  r.p.stride = pair_arg(stride, spatial, 1, op, "stride");
  r.p.padding = pair_arg(padding, spatial, 0, op, "padding");
  r.p.dilation = pair_arg(dilation, spatial, 1, op, "dilation");
  r.output_padding = pair_arg(output_padding, spatial, 0, op, "output_padding");
  r.p.groups = groups;
  EMBER_CHECK(r.p.stride[0] > 0 && r.p.stride[1] > 0, "{}: stride must be positive, got {}", op, stride);
  EMBER_CHECK(r.p.padding[0] >= 0 && r.p.padding[1] >= 0, "{}: padding must be non-negative, got {}", op, padding);
  EMBER_CHECK(r.p.dilation[0] > 0 && r.p.dilation[1] > 0, "{}: dilation must be positive, got {}", op, dilation);
  EMBER_CHECK(groups > 0, "{}: groups must be positive, got {}", op, groups);

  int64_t cdim = r.batched ? 1 : 0;
  int64_t channels = input.size(cdim);
  // weight.size(1) * groups: groups divides weight.size(0), which says nothing when that is 0.
  int64_t grouped = 0;
  EMBER_CHECK(detail::mul_fits(weight.size(1), groups, grouped),
              "{}: weight {} with groups = {} gives 2^63 or more channels", op, weight.sizes(), groups);
  if (!transposed) {
    EMBER_CHECK(weight.size(0) % groups == 0,
                "{}: weight {} has {} output channels, which groups = {} does not divide", op, weight.sizes(),
                weight.size(0), groups);
    EMBER_CHECK(channels == grouped,
                "{}: input {} has {} channels, but weight {} with groups = {} expects {} (weight is {})", op,
                input.sizes(), channels, weight.sizes(), groups, grouped, wlayout);
  } else {
    EMBER_CHECK(weight.size(0) % groups == 0,
                "{}: weight {} has {} input channels, which groups = {} does not divide", op, weight.sizes(),
                weight.size(0), groups);
    EMBER_CHECK(channels == weight.size(0), "{}: input {} has {} channels, but weight {} expects {} (weight is {})",
                op, input.sizes(), channels, weight.sizes(), weight.size(0), wlayout);
  }
  int64_t out_channels = transposed ? grouped : weight.size(0);
  if (bias.defined())
    EMBER_CHECK(bias.dim() == 1 && bias.size(0) == out_channels, "{}: expected bias of shape [{}], got {}", op,
                out_channels, bias.sizes());

  // Spatial sizes as 2-D (conv1d's leading dim is 1).
  std::array<int64_t, 2> in{1, 1}, k{1, 1};
  for (int64_t d = 0; d < spatial; ++d) {
    in[2 - spatial + d] = input.size(cdim + 1 + d);
    k[2 - spatial + d] = weight.size(2 + d);
  }
  if (!transposed) {
    std::array<int64_t, 2> eff{}, padded{};
    bool fits = true;
    for (int d = 0; d < 2; ++d) {
      // Huge paddings or dilations (user input) must not wrap these around.
      bool in_range = detail::mul_fits(r.p.dilation[d], k[d] - 1, eff[d]) && detail::add_fits(eff[d], 1, eff[d]) &&
                      detail::mul_fits(2, r.p.padding[d], padded[d]) && detail::add_fits(padded[d], in[d], padded[d]);
      EMBER_CHECK(in_range, "{}: padding {} and dilation {} with kernel {} and input {} give sizes beyond int64", op,
                  padding, dilation, tail(k, spatial), input.sizes());
      fits = fits && eff[d] <= padded[d];
    }
    EMBER_CHECK(fits, "{}: kernel {} (dilated: {}) is larger than the padded input {} (input {}, padding {})", op,
                tail(k, spatial), tail(eff, spatial), tail(padded, spatial), input.sizes(), padding);
  } else {
    for (int d = 0; d < 2; ++d)
      EMBER_CHECK(r.output_padding[d] >= 0 &&
                      (r.output_padding[d] < r.p.stride[d] || r.output_padding[d] < r.p.dilation[d]),
                  "{}: output_padding must be non-negative and smaller than either stride or dilation, got "
                  "output_padding {}, stride {}, dilation {}",
                  op, output_padding, stride, dilation);
    std::array<int64_t, 2> out{};
    bool positive = true;
    for (int d = 0; d < 2; ++d) {
      // (in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1, each step checked.
      int64_t grown = 0, pads = 0, reach = 0;
      bool in_range = detail::mul_fits(in[d] - 1, r.p.stride[d], grown) &&
                      detail::mul_fits(2, r.p.padding[d], pads) && detail::add_fits(grown, -pads, out[d]) &&
                      detail::mul_fits(r.p.dilation[d], k[d] - 1, reach) && detail::add_fits(out[d], reach, out[d]) &&
                      detail::add_fits(out[d], r.output_padding[d], out[d]) && detail::add_fits(out[d], 1, out[d]);
      EMBER_CHECK(in_range,
                  "{}: the output size does not fit in int64 (input {}, weight {}, stride {}, padding {}, dilation {})",
                  op, input.sizes(), weight.sizes(), stride, padding, dilation);
      positive = positive && out[d] > 0;
    }
    EMBER_CHECK(positive, "{}: the output size {} is too small (input {}, weight {}, stride {}, padding {})", op,
                tail(out, spatial), input.sizes(), weight.sizes(), stride, padding);
  }
  return r;
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride, IntArrayRef padding,
              IntArrayRef dilation, int64_t groups) {
  EMBER_TRACE_CALL("conv2d", ({input, weight, bias}), ({{"stride", stride.vec()}, {"padding", padding.vec()}, {"dilation", dilation.vec()}, {"groups", groups}}), conv2d(input, weight, bias, stride, padding, dilation, groups));
  Checked c = check_conv("conv2d", 2, false, input, weight, bias, stride, padding, dilation, groups);
  if (!c.batched) return conv2d_op(input.unsqueeze(0), weight, bias, c.p).squeeze(0);
  return conv2d_op(input, weight, bias, c.p);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride, IntArrayRef padding,
              IntArrayRef dilation, int64_t groups) {
  Checked c = check_conv("conv1d", 1, false, input, weight, bias, stride, padding, dilation, groups);
  Tensor x = c.batched ? input : input.unsqueeze(0);
  Tensor y = conv2d_op(x.unsqueeze(2), weight.unsqueeze(2), bias, c.p).squeeze(2);
  return c.batched ? y : y.squeeze(0);
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                        IntArrayRef padding, IntArrayRef output_padding, int64_t groups, IntArrayRef dilation) {
  Checked c = check_conv("conv_transpose2d", 2, true, input, weight, bias, stride, padding, dilation, groups,
                         output_padding);
  Tensor x = c.batched ? input : input.unsqueeze(0);
  std::array<int64_t, 2> out{};
  for (int d = 0; d < 2; ++d)
    out[d] = (x.size(2 + d) - 1) * c.p.stride[d] - 2 * c.p.padding[d] + c.p.dilation[d] * (weight.size(2 + d) - 1) +
             c.output_padding[d] + 1;
  Tensor y = conv2d_input_op(x, weight, bias, out[0], out[1], c.p);
  return c.batched ? y : y.squeeze(0);
}

// conv_transpose2d over [N, C, 1, L] with a [C_in, C_out / groups, 1, K] weight.
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                        IntArrayRef padding, IntArrayRef output_padding, int64_t groups, IntArrayRef dilation) {
  Checked c = check_conv("conv_transpose1d", 1, true, input, weight, bias, stride, padding, dilation, groups,
                         output_padding);
  Tensor x = (c.batched ? input : input.unsqueeze(0)).unsqueeze(2);
  int64_t L = (x.size(3) - 1) * c.p.stride[1] - 2 * c.p.padding[1] + c.p.dilation[1] * (weight.size(2) - 1) +
              c.output_padding[1] + 1;
  Tensor y = conv2d_input_op(x, weight.unsqueeze(2), bias, 1, L, c.p).squeeze(2);
  return c.batched ? y : y.squeeze(0);
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
