// The FuncOptions overloads: each unpacks its options into the positional call.
#include "ember/nn/functional_options.hpp"

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/error.hpp"
#include "src/nn/conv_padding.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {
namespace functional {

namespace {
// The convolution of Dims spatial dims with padding given as sizes or a mode.
template <class Conv>
Tensor conv_with_padding(const char* op, std::size_t dims, const Tensor& input, const Tensor& weight,
                         const Tensor& bias, const IntOrTuple& stride_arg, const ConvPadding& padding,
                         const IntOrTuple& dilation_arg, int64_t groups, Conv conv) {
  std::vector<int64_t> stride = stride_arg.expand(dims, op, "stride");
  std::vector<int64_t> dilation = dilation_arg.expand(dims, op, "dilation");
  if (padding.mode().empty())
    return conv(input, weight, bias, stride, padding.sizes().expand(dims, op, "padding"), dilation, groups);
  if (weight.dim() != static_cast<int64_t>(dims) + 2)
    throw Error(std::string(op) + ": expected a " + std::to_string(dims + 2) + "D weight, got " +
                repr::shape_str(weight.sizes()));
  std::vector<int64_t> kernel(weight.sizes().begin() + 2, weight.sizes().end());
  SamePadding p = conv_mode_padding(op, padding.mode(), kernel, stride, dilation);
  Tensor x = p.extra_right.empty() ? input : ember::pad(input, p.extra_right);
  return conv(x, weight, bias, stride, p.symmetric, dilation, groups);
}

Tensor conv1d_sizes(const Tensor& x, const Tensor& w, const Tensor& b, IntArrayRef s, IntArrayRef p, IntArrayRef d,
                    int64_t g) {
  return conv1d(x, w, b, s, p, d, g);
}
Tensor conv2d_sizes(const Tensor& x, const Tensor& w, const Tensor& b, IntArrayRef s, IntArrayRef p, IntArrayRef d,
                    int64_t g) {
  return conv2d(x, w, b, s, p, d, g);
}
Tensor conv3d_sizes(const Tensor& x, const Tensor& w, const Tensor& b, IntArrayRef s, IntArrayRef p, IntArrayRef d,
                    int64_t g) {
  return conv3d(x, w, b, s, p, d, g);
}
}  // namespace

Tensor conv3d(const Tensor& input, const Tensor& weight, const Conv3dFuncOptions& o) {
  return conv_with_padding("conv3d", 3, input, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups(),
                           conv3d_sizes);
}

Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              const PaddingMode& padding, IntArrayRef dilation, int64_t groups) {
  return conv_with_padding("conv3d", 3, input, weight, bias, stride.vec(), ConvPadding(padding.text), dilation.vec(),
                           groups, conv3d_sizes);
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const ConvTranspose1dFuncOptions& o) {
  const char* op = "conv_transpose1d";
  return conv_transpose1d(input, weight, o.bias(), o.stride().expand(1, op, "stride"),
                          o.padding().expand(1, op, "padding"), o.output_padding().expand(1, op, "output_padding"),
                          o.groups(), o.dilation().expand(1, op, "dilation"));
}

Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const ConvTranspose3dFuncOptions& o) {
  const char* op = "conv_transpose3d";
  return conv_transpose3d(input, weight, o.bias(), o.stride().expand(3, op, "stride"),
                          o.padding().expand(3, op, "padding"), o.output_padding().expand(3, op, "output_padding"),
                          o.groups(), o.dilation().expand(3, op, "dilation"));
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& o) {
  return conv_with_padding("conv1d", 1, input, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups(),
                           conv1d_sizes);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& o) {
  return conv_with_padding("conv2d", 2, input, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups(),
                           conv2d_sizes);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              const PaddingMode& padding, IntArrayRef dilation, int64_t groups) {
  return conv_with_padding("conv1d", 1, input, weight, bias, stride.vec(), ConvPadding(padding.text), dilation.vec(),
                           groups, conv1d_sizes);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              const PaddingMode& padding, IntArrayRef dilation, int64_t groups) {
  return conv_with_padding("conv2d", 2, input, weight, bias, stride.vec(), ConvPadding(padding.text), dilation.vec(),
                           groups, conv2d_sizes);
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const ConvTranspose2dFuncOptions& o) {
  const char* op = "conv_transpose2d";
  return conv_transpose2d(input, weight, o.bias(), o.stride().expand(2, op, "stride"),
                          o.padding().expand(2, op, "padding"), o.output_padding().expand(2, op, "output_padding"),
                          o.groups(), o.dilation().expand(2, op, "dilation"));
}

Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& o) {
  return max_pool2d(input, o.kernel_size().values(), o.stride().values(), o.padding().values(),
                    o.dilation().values(), o.ceil_mode());
}

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const MaxPool2dFuncOptions& o) {
  return max_pool2d_with_indices(input, o.kernel_size().values(), o.stride().values(), o.padding().values(),
                                 o.dilation().values(), o.ceil_mode());
}

Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& o) {
  return avg_pool2d(input, o.kernel_size().values(), o.stride().values(), o.padding().values(), o.ceil_mode(),
                    o.count_include_pad(), o.divisor_override());
}

Tensor adaptive_avg_pool2d(const Tensor& input, const AdaptiveAvgPool2dFuncOptions& o) {
  return adaptive_avg_pool2d(input, o.output_size().expand(2, "adaptive_avg_pool2d", "output_size"));
}

Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& o) {
  if (o.sparse()) throw Error("embedding: sparse gradients are not supported");
  if (o.scale_grad_by_freq()) throw Error("embedding: scale_grad_by_freq is not supported");
  if (o.max_norm()) {
    // PyTorch's embedding_renorm_: rows whose norm exceeds max_norm are scaled to
    // max_norm / (norm + 1e-7), in place, outside autograd.
    NoGradGuard no_grad;
    Tensor flat = input.reshape({-1});
    Tensor picked = scatter_add(ember::zeros({weight.size(0)}, weight.options()), 0, flat,
                                ember::ones({flat.numel()}, weight.options())) > 0;
    Tensor norms = weight.norm(o.norm_type(), {1}, true);
    Tensor over = logical_and(picked.unsqueeze(1), norms > *o.max_norm());
    Tensor w = weight;
    w.mul_(where(over, *o.max_norm() / (norms + 1e-7), ember::ones_like(norms)));
  }
  return embedding(input, weight, o.padding_idx());
}

// The header's layer_norm(input, options) is now a template (see there); this one stays
// exported, declared here only, for programs built against the earlier header.
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& o);
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& o) {
  return layer_norm(input, IntArrayRef(o.normalized_shape()), o.weight(), o.bias(), o.eps());
}

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& o) {
  if (!o.momentum())
    throw Error("batch_norm: momentum must be a number in the functional form (a cumulative average needs the "
                "module's num_batches_tracked)");
  return batch_norm(input, running_mean, running_var, o.weight(), o.bias(), o.training(), *o.momentum(), o.eps());
}

Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& o) {
  return group_norm(input, o.num_groups(), o.weight(), o.bias(), o.eps());
}

Tensor normalize(const Tensor& input, const NormalizeFuncOptions& o) {
  return normalize(input, o.p(), o.dim(), o.eps());
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
