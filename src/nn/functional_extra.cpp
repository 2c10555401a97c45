// The pooling, normalization, vision, dropout and bilinear functionals of
// ember/nn/functional_extra.hpp, composed from ember's differentiable ops.
#include <cmath>
#include <string>
#include <vector>

#include "ember/autograd.hpp"
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

void require_defined(const Tensor& t, const char* op, const char* what) {
  if (!t.defined()) throw Error(std::string(op) + ": " + what + " is undefined");
}

// A 1-d size argument: one value (an empty one stays empty: "not given").
int64_t single(IntArrayRef v, const char* op, const char* arg) {
  if (v.size() != 1)
    throw Error(std::string(op) + ": " + arg + " must be one number, got " + repr::shape_str(v));
  return v[0];
}

// [N, C, L] or [C, L] as [N, C, 1, L] / [C, 1, L] for the 2-d kernels.
Tensor as_2d(const Tensor& input, const char* op) {
  require_defined(input, op, "input");
  if (input.dim() != 2 && input.dim() != 3)
    throw Error(std::string(op) + ": expected a 2-d or 3-d input ([C, L] or [N, C, L]), got " + shape(input));
  return input.unsqueeze(-2);
}

std::vector<int64_t> pair_of(int64_t first, IntArrayRef v, const char* op, const char* arg) {
  return {first, single(v, op, arg)};
}

// PyTorch's adaptive window of output cell i: [floor(i * in / out), ceil((i + 1) * in / out)).
int64_t window_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
int64_t window_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

// Adaptive max pooling of the last out.size() dims, one amax per output cell: the cells
// of pooled dim k (and, recursively, of the dims after it) stacked in order.
Tensor adaptive_max_from(const Tensor& input, const std::vector<int64_t>& out, std::size_t k) {
  const int64_t n = static_cast<int64_t>(out.size());
  if (k == out.size()) {
    std::vector<int64_t> dims;
    for (int64_t d = 1; d <= n; ++d) dims.push_back(-d);
    return input.amax(dims);
  }
  const int64_t dim = input.dim() - n + static_cast<int64_t>(k), len = input.size(dim);
  std::vector<Tensor> cells;
  for (int64_t i = 0; i < out[k]; ++i) {
    const int64_t s = window_start(i, len, out[k]);
    cells.push_back(adaptive_max_from(input.narrow(dim, s, window_end(i, len, out[k]) - s), out, k + 1));
  }
  return ember::stack(cells, static_cast<int64_t>(k) - n);
}

Tensor adaptive_max(const Tensor& input, const std::vector<int64_t>& out, const char* op) {
  const int64_t n = static_cast<int64_t>(out.size());
  for (int64_t o : out)
    if (o <= 0) throw Error(std::string(op) + ": output_size must be positive, got " + repr::shape_str(out));
  for (int64_t d = input.dim() - n; d < input.dim(); ++d)
    if (input.size(d) == 0) throw Error(std::string(op) + ": input " + shape(input) + " has an empty pooled dim");
  return adaptive_max_from(input, out, 0);
}

Tensor maybe_into_input(const Tensor& input, const Tensor& out, bool inplace) {
  if (!inplace) return out;
  Tensor target = input;
  return target.copy_(out);
}

void check_p(double p, const char* op, const Tensor& input) {
  if (!(p >= 0 && p <= 1))
    throw Error(std::string(op) + ": p must be in [0, 1], got " + repr::py_float(p) + " (input " + shape(input) + ")");
}

// A keep mask (1 kept, 0 dropped) drawn once per element, or once per channel when
// feature_dims trailing dims share a draw.
Tensor keep_mask(const Tensor& input, double p, int64_t feature_dims) {
  NoGradGuard no_grad;
  std::vector<int64_t> shape = input.sizes().vec();
  for (int64_t d = 0; d < feature_dims; ++d) shape[shape.size() - 1 - static_cast<std::size_t>(d)] = 1;
  return ember::bernoulli(ember::full(shape, 1.0 - p, input.dtype()));
}

Tensor feature_dropout(const Tensor& input, double p, bool training, bool inplace, const char* op, int64_t dims) {
  require_defined(input, op, "input");
  check_p(p, op, input);
  if (input.dim() != dims + 1 && input.dim() != dims + 2)
    throw Error(std::string(op) + ": expected a " + std::to_string(dims + 1) + "-d or " + std::to_string(dims + 2) +
                "-d input, got " + shape(input));
  if (!training || p == 0) return input;
  if (p == 1) return maybe_into_input(input, input * 0.0, inplace);
  return maybe_into_input(input, input * keep_mask(input, p, dims) * (1.0 / (1.0 - p)), inplace);
}

Tensor alpha_dropout_impl(const Tensor& input, double p, bool training, bool inplace, const char* op, bool feature) {
  require_defined(input, op, "input");
  check_p(p, op, input);
  if (feature && input.dim() < 2)
    throw Error(std::string(op) + ": expected an input with a channel dim ([N, C, ...]), got " + shape(input));
  if (!training || p == 0) return input;
  if (p == 1) return maybe_into_input(input, input * 0.0, inplace);
  // SELU's negative saturation -scale * alpha, and the affine map a * x + b that keeps
  // zero mean and unit variance (Klambauer et al. 2017), PyTorch's constants.
  constexpr double kAlphaPrime = 1.7580993408473766;
  const double a = 1.0 / std::sqrt((kAlphaPrime * kAlphaPrime * p + 1) * (1 - p));
  Tensor keep = keep_mask(input, p, feature ? input.dim() - 2 : 0);
  Tensor shift = (keep - 1.0) * (kAlphaPrime * a) + kAlphaPrime * a * p;
  return maybe_into_input(input, input * (keep * a) + shift, inplace);
}
}  // namespace

// ---- pooling ----
Tensor max_pool1d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef dilation, bool ceil_mode) {
  const char* op = "max_pool1d";
  Tensor x = as_2d(input, op);
  std::vector<int64_t> st = stride.empty() ? std::vector<int64_t>{} : pair_of(1, stride, op, "stride");
  return max_pool2d(x, pair_of(1, kernel_size, op, "kernel_size"), st, pair_of(0, padding, op, "padding"),
                    pair_of(1, dilation, op, "dilation"), ceil_mode)
      .squeeze(-2);
}
Tensor with_options::max_pool1d(const Tensor& input, const MaxPool1dFuncOptions& o) {
  return functional::max_pool1d(input, o.kernel_size().values(), o.stride().values(), o.padding().values(),
                    o.dilation().values(), o.ceil_mode());
}

Tensor avg_pool1d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  bool ceil_mode, bool count_include_pad) {
  const char* op = "avg_pool1d";
  Tensor x = as_2d(input, op);
  std::vector<int64_t> st = stride.empty() ? std::vector<int64_t>{} : pair_of(1, stride, op, "stride");
  return avg_pool2d(x, pair_of(1, kernel_size, op, "kernel_size"), st, pair_of(0, padding, op, "padding"), ceil_mode,
                    count_include_pad)
      .squeeze(-2);
}
Tensor with_options::avg_pool1d(const Tensor& input, const AvgPool1dFuncOptions& o) {
  if (o.divisor_override()) {
    const char* op = "avg_pool1d";
    Tensor x = as_2d(input, op);
    std::vector<int64_t> st =
        o.stride().empty() ? std::vector<int64_t>{} : pair_of(1, o.stride().values(), op, "stride");
    return avg_pool2d(x, pair_of(1, o.kernel_size().values(), op, "kernel_size"), st,
                      pair_of(0, o.padding().values(), op, "padding"), o.ceil_mode(), o.count_include_pad(),
                      o.divisor_override())
        .squeeze(-2);
  }
  return functional::avg_pool1d(input, o.kernel_size().values(), o.stride().values(), o.padding().values(), o.ceil_mode(),
                    o.count_include_pad());
}

Tensor adaptive_avg_pool1d(const Tensor& input, IntArrayRef output_size) {
  const char* op = "adaptive_avg_pool1d";
  Tensor x = as_2d(input, op);
  return adaptive_avg_pool2d(x, pair_of(1, output_size, op, "output_size")).squeeze(-2);
}
Tensor with_options::adaptive_avg_pool1d(const Tensor& input, const AdaptiveAvgPool1dFuncOptions& o) {
  return functional::adaptive_avg_pool1d(input, o.output_size().values());
}

Tensor adaptive_max_pool1d(const Tensor& input, IntArrayRef output_size) {
  const char* op = "adaptive_max_pool1d";
  require_defined(input, op, "input");
  if (input.dim() != 2 && input.dim() != 3)
    throw Error(std::string(op) + ": expected a 2-d or 3-d input ([C, L] or [N, C, L]), got " + shape(input));
  return adaptive_max(input, {single(output_size, op, "output_size")}, op);
}
Tensor with_options::adaptive_max_pool1d(const Tensor& input, const AdaptiveMaxPool1dFuncOptions& o) {
  return functional::adaptive_max_pool1d(input, o.output_size().values());
}

Tensor adaptive_max_pool2d(const Tensor& input, IntArrayRef output_size) {
  const char* op = "adaptive_max_pool2d";
  require_defined(input, op, "input");
  if (input.dim() != 3 && input.dim() != 4)
    throw Error(std::string(op) + ": expected a 3-d or 4-d input ([C, H, W] or [N, C, H, W]), got " + shape(input));
  if (output_size.size() != 1 && output_size.size() != 2)
    throw Error(std::string(op) + ": output_size must be one or two numbers, got " + repr::shape_str(output_size));
  std::vector<int64_t> out = output_size.size() == 1 ? std::vector<int64_t>{output_size[0], output_size[0]}
                                                     : output_size.vec();
  return adaptive_max(input, out, op);
}
Tensor with_options::adaptive_max_pool2d(const Tensor& input, const AdaptiveMaxPool2dFuncOptions& o) {
  return functional::adaptive_max_pool2d(input, o.output_size().values());
}

Tensor adaptive_max_pool3d(const Tensor& input, IntArrayRef output_size) {
  const char* op = "adaptive_max_pool3d";
  require_defined(input, op, "input");
  if (input.dim() != 4 && input.dim() != 5)
    throw Error(std::string(op) + ": expected a 4-d or 5-d input ([C, D, H, W] or [N, C, D, H, W]), got " +
                shape(input));
  if (output_size.size() != 1 && output_size.size() != 3)
    throw Error(std::string(op) + ": output_size must be one number or three, got " + repr::shape_str(output_size));
  std::vector<int64_t> out(3);
  for (std::size_t d = 0; d < 3; ++d) out[d] = output_size.size() == 1 ? output_size[0] : output_size[d];
  return adaptive_max(input, out, op);
}

// ---- normalization ----
Tensor instance_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                     const Tensor& bias, bool use_input_stats, double momentum, double eps) {
  const char* op = "instance_norm";
  require_defined(input, op, "input");
  if (input.dim() < 3)
    throw Error(std::string(op) + ": expected an input [N, C, ...] with at least one spatial dim, got " +
                shape(input));
  const int64_t channels = input.size(1);
  const auto check_channels = [&](const Tensor& t, const char* what) {
    if (t.defined() && (t.dim() != 1 || t.size(0) != channels))
      throw Error(std::string(op) + ": " + what + " must be [" + std::to_string(channels) + "] for input " +
                  shape(input) + ", got " + shape(t));
  };
  check_channels(running_mean, "running_mean");
  check_channels(running_var, "running_var");
  check_channels(weight, "weight");
  check_channels(bias, "bias");
  if (running_mean.defined() != running_var.defined())
    throw Error(std::string(op) + ": running_mean and running_var must both be given or both be undefined");
  if (!use_input_stats && !running_mean.defined())
    throw Error(std::string(op) + ": use_input_stats=false needs running_mean and running_var (input " +
                shape(input) + ")");

  // [1, C, 1, ...]: a per-channel vector lined up with input.
  std::vector<int64_t> channel_shape(static_cast<std::size_t>(input.dim()), 1);
  channel_shape[1] = channels;
  Tensor out;
  if (use_input_stats) {
    std::vector<int64_t> spatial;
    for (int64_t d = 2; d < input.dim(); ++d) spatial.push_back(d);
    Tensor mean = input.mean(spatial, /*keepdim=*/true);
    Tensor var = ember::var(input, spatial, /*unbiased=*/false, /*keepdim=*/true);
    out = (input - mean) * ember::rsqrt(var + eps);
    if (running_mean.defined()) {
      NoGradGuard no_grad;
      const int64_t count = input.numel() / (input.size(0) * channels);
      const double unbias = count > 1 ? double(count) / double(count - 1) : 1.0;
      Tensor batch_mean = mean.detach().reshape({input.size(0), channels}).mean({0});
      Tensor batch_var = var.detach().reshape({input.size(0), channels}).mean({0}) * unbias;
      Tensor rm = running_mean, rv = running_var;
      rm.mul_(1.0 - momentum).add_(batch_mean.to(rm.dtype()), momentum);
      rv.mul_(1.0 - momentum).add_(batch_var.to(rv.dtype()), momentum);
    }
  } else {
    out = (input - running_mean.reshape(channel_shape)) * ember::rsqrt(running_var.reshape(channel_shape) + eps);
  }
  if (weight.defined()) out = out * weight.reshape(channel_shape);
  if (bias.defined()) out = out + bias.reshape(channel_shape);
  return out;
}
Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& o) {
  return instance_norm(input, o.running_mean(), o.running_var(), o.weight(), o.bias(), o.use_input_stats(),
                       o.momentum(), o.eps());
}

Tensor local_response_norm(const Tensor& input, int64_t size, double alpha, double beta, double k) {
  const char* op = "local_response_norm";
  require_defined(input, op, "input");
  if (input.dim() < 3)
    throw Error(std::string(op) + ": expected an input [N, C, ...] of 3 or more dims, got " + shape(input));
  if (size < 1) throw Error(std::string(op) + ": size must be positive, got " + std::to_string(size));
  const int64_t channels = input.size(1);
  // Zero-pad the channel dim by size/2 before and (size-1)/2 after, as PyTorch's
  // avg_pool over channels does, then sum `size` shifted windows.
  std::vector<int64_t> pad(static_cast<std::size_t>(2 * (input.dim() - 1)), 0);
  pad[pad.size() - 2] = size / 2;
  pad[pad.size() - 1] = (size - 1) / 2;
  Tensor padded = ember::pad(input * input, pad, 0.0);
  Tensor window_sum = padded.narrow(1, 0, channels);
  for (int64_t j = 1; j < size; ++j) window_sum = window_sum + padded.narrow(1, j, channels);
  Tensor div = ember::pow(window_sum * (alpha / double(size)) + k, beta);
  return input / div;
}
Tensor local_response_norm(const Tensor& input, const LocalResponseNormFuncOptions& o) {
  return local_response_norm(input, o.size(), o.alpha(), o.beta(), o.k());
}

// ---- vision ----
Tensor pixel_shuffle(const Tensor& input, int64_t r) {
  const char* op = "pixel_shuffle";
  require_defined(input, op, "input");
  if (input.dim() < 3) throw Error(std::string(op) + ": expected an input [*, C, H, W], got " + shape(input));
  if (r < 1) throw Error(std::string(op) + ": upscale_factor must be positive, got " + std::to_string(r));
  const int64_t c = input.size(-3), h = input.size(-2), w = input.size(-1);
  if (c % (r * r) != 0)
    throw Error(std::string(op) + ": the channels " + std::to_string(c) + " of input " + shape(input) +
                " must be divisible by upscale_factor^2 = " + std::to_string(r * r));
  std::vector<int64_t> lead(input.sizes().begin(), input.sizes().end() - 3);
  int64_t batch = 1;
  for (int64_t s : lead) batch *= s;
  const int64_t oc = c / (r * r);
  Tensor y = input.reshape({batch, oc, r, r, h, w}).permute({0, 1, 4, 2, 5, 3});
  std::vector<int64_t> out = lead;
  out.insert(out.end(), {oc, h * r, w * r});
  return y.reshape(out);
}
Tensor pixel_shuffle(const Tensor& input, const PixelShuffleFuncOptions& o) {
  return pixel_shuffle(input, o.upscale_factor());
}

Tensor pixel_unshuffle(const Tensor& input, int64_t r) {
  const char* op = "pixel_unshuffle";
  require_defined(input, op, "input");
  if (input.dim() < 3) throw Error(std::string(op) + ": expected an input [*, C, H, W], got " + shape(input));
  if (r < 1) throw Error(std::string(op) + ": downscale_factor must be positive, got " + std::to_string(r));
  const int64_t c = input.size(-3), h = input.size(-2), w = input.size(-1);
  if (h % r != 0 || w % r != 0)
    throw Error(std::string(op) + ": the height and width of input " + shape(input) +
                " must be divisible by downscale_factor " + std::to_string(r));
  std::vector<int64_t> lead(input.sizes().begin(), input.sizes().end() - 3);
  int64_t batch = 1;
  for (int64_t s : lead) batch *= s;
  Tensor y = input.reshape({batch, c, h / r, r, w / r, r}).permute({0, 1, 3, 5, 2, 4});
  std::vector<int64_t> out = lead;
  out.insert(out.end(), {c * r * r, h / r, w / r});
  return y.reshape(out);
}
Tensor pixel_unshuffle(const Tensor& input, const PixelUnshuffleFuncOptions& o) {
  return pixel_unshuffle(input, o.downscale_factor());
}

// ---- dropout ----
Tensor dropout(const Tensor& input, const DropoutFuncOptions& o) {
  return maybe_into_input(input, dropout(input, o.p(), o.training()), o.inplace() && o.training());
}
Tensor dropout2d(const Tensor& input, double p, bool training, bool inplace) {
  return feature_dropout(input, p, training, inplace, "dropout2d", 2);
}
Tensor dropout2d(const Tensor& input, const Dropout2dFuncOptions& o) {
  return dropout2d(input, o.p(), o.training(), o.inplace());
}
Tensor dropout3d(const Tensor& input, double p, bool training, bool inplace) {
  return feature_dropout(input, p, training, inplace, "dropout3d", 3);
}
Tensor dropout3d(const Tensor& input, const Dropout3dFuncOptions& o) {
  return dropout3d(input, o.p(), o.training(), o.inplace());
}
Tensor alpha_dropout(const Tensor& input, double p, bool training, bool inplace) {
  return alpha_dropout_impl(input, p, training, inplace, "alpha_dropout", false);
}
Tensor alpha_dropout(const Tensor& input, const AlphaDropoutFuncOptions& o) {
  return alpha_dropout(input, o.p(), o.training(), o.inplace());
}
Tensor feature_alpha_dropout(const Tensor& input, double p, bool training, bool inplace) {
  return alpha_dropout_impl(input, p, training, inplace, "feature_alpha_dropout", true);
}
Tensor feature_alpha_dropout(const Tensor& input, const FeatureAlphaDropoutFuncOptions& o) {
  return feature_alpha_dropout(input, o.p(), o.training(), o.inplace());
}

// ---- bilinear ----
Tensor bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight, const Tensor& bias) {
  const char* op = "bilinear";
  require_defined(input1, op, "input1");
  require_defined(input2, op, "input2");
  require_defined(weight, op, "weight");
  const std::string shapes =
      " (input1 " + shape(input1) + ", input2 " + shape(input2) + ", weight " + shape(weight) + ", bias " +
      shape(bias) + ")";
  if (weight.dim() != 3) throw Error(std::string(op) + ": weight must be [out, in1, in2]" + shapes);
  const int64_t out = weight.size(0), in1 = weight.size(1), in2 = weight.size(2);
  if (input1.dim() < 1 || input2.dim() < 1 || input1.size(-1) != in1 || input2.size(-1) != in2)
    throw Error(std::string(op) + ": the last dims of input1 and input2 must be the weight's in1 and in2" + shapes);
  std::vector<int64_t> batch1 = input1.sizes().vec(), batch2 = input2.sizes().vec();
  batch1.pop_back();
  batch2.pop_back();
  if (batch1 != batch2)
    throw Error(std::string(op) + ": input1 and input2 must have the same batch dims" + shapes);
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != out))
    throw Error(std::string(op) + ": bias must be [out]" + shapes);
  // x1 [*, in1] @ W' [in1, out * in2] -> [*, out, in2]; times x2 and summed over in2.
  Tensor w = weight.transpose(0, 1).reshape({in1, out * in2});
  std::vector<int64_t> mid = input1.sizes().vec();
  mid.back() = out;
  mid.push_back(in2);
  Tensor y = (ember::matmul(input1, w).reshape(mid) * input2.unsqueeze(-2)).sum({-1});
  return bias.defined() ? y + bias : y;
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
