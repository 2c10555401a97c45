// More of torch.nn.functional: activations, padding modes, 1-d and adaptive pooling,
// instance and local response normalization, pixel shuffle, feature dropout, bilinear.
// Included by ember/nn/functional.hpp.
//
// Each op has a positional form (PyTorch's argument order and defaults) and LibTorch's
// options form:
//   F::hardtanh(x, -2, 2)  ==  F::hardtanh(x, F::HardtanhFuncOptions().min_val(-2).max_val(2))
//   F::pad(x, F::PadFuncOptions({1, 1}).mode(ember::kReflect))
// Everything is composed from ember's differentiable ops, so gradients (and second
// derivatives) come with it. `inplace` writes the result into the input and returns it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "ember/dtype.hpp"
#include "ember/functions.hpp"
#include "ember/nn/arg.hpp"
#include "ember/nn/options/activation.hpp"
#include "ember/nn/options/normalization.hpp"
#include "ember/nn/options/pooling.hpp"
#include "ember/nn/options/vision.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace nn {
namespace functional {


// The options form of an op whose positional form takes a size list: a template, so
// that a braced list (F::max_pool1d(x, {3})) means the sizes and is never ambiguous
// with the options struct that a list also converts to.
#define EMBER_OPTIONS_FORM(NAME, OPTIONS)                                   \
  namespace with_options {                                                 \
  Tensor NAME(const Tensor& input, const OPTIONS& options);                \
  }                                                                        \
  template <class O, std::enable_if_t<std::is_same<O, OPTIONS>::value, int> = 0> \
  Tensor NAME(const Tensor& input, const O& options) {                     \
    return with_options::NAME(input, options);                             \
  }

// ---------------------------------------------------------------- activations
// LibTorch's functional options: the module options where they are the same.
using ReLUFuncOptions = ReLUOptions;
using LeakyReLUFuncOptions = LeakyReLUOptions;
using ELUFuncOptions = ELUOptions;
using SELUFuncOptions = SELUOptions;
using CELUFuncOptions = CELUOptions;
using GLUFuncOptions = GLUOptions;
using HardshrinkFuncOptions = HardshrinkOptions;
using SoftshrinkFuncOptions = SoftshrinkOptions;
using HardtanhFuncOptions = HardtanhOptions;
using ReLU6FuncOptions = ReLU6Options;
using SoftplusFuncOptions = SoftplusOptions;
using ThresholdFuncOptions = ThresholdOptions;

struct SoftmaxFuncOptions {
  SoftmaxFuncOptions(int64_t dim) : dim_(dim) {}
  EMBER_ARG(int64_t, dim);
  // The input is converted to dtype first.
  EMBER_ARG(std::optional<Dtype>, dtype);
};
struct SoftminFuncOptions {
  SoftminFuncOptions(int64_t dim) : dim_(dim) {}
  EMBER_ARG(int64_t, dim);
  EMBER_ARG(std::optional<Dtype>, dtype);
};
struct LogSoftmaxFuncOptions {
  LogSoftmaxFuncOptions(int64_t dim) : dim_(dim) {}
  EMBER_ARG(int64_t, dim);
  EMBER_ARG(std::optional<Dtype>, dtype);
};
struct RReLUFuncOptions {
  EMBER_ARG(double, lower) = 1.0 / 8.0;
  EMBER_ARG(double, upper) = 1.0 / 3.0;
  EMBER_ARG(bool, training) = false;
  EMBER_ARG(bool, inplace) = false;
};

// The options forms of the activations declared in ember/functions.hpp. With inplace the
// result is written into the input, which is returned.
Tensor relu(const Tensor& input, const ReLUFuncOptions& options);
Tensor leaky_relu(const Tensor& input, const LeakyReLUFuncOptions& options);
Tensor elu(const Tensor& input, const ELUFuncOptions& options);
Tensor softplus(const Tensor& input, const SoftplusFuncOptions& options);
Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& options);
Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& options);

// scale * elu(x, alpha) with PyTorch's constants (alpha 1.6732632423543772, scale 1.0507009873554805).
Tensor selu(const Tensor& input, bool inplace = false);
Tensor selu(const Tensor& input, const SELUFuncOptions& options);
// max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); alpha must not be 0.
Tensor celu(const Tensor& input, double alpha = 1.0, bool inplace = false);
Tensor celu(const Tensor& input, const CELUFuncOptions& options);
// x where |x| > lambda, else 0.
Tensor hardshrink(const Tensor& input, double lambda = 0.5);
Tensor hardshrink(const Tensor& input, const HardshrinkFuncOptions& options);
// x - lambda where x > lambda, x + lambda where x < -lambda, else 0; lambda >= 0.
Tensor softshrink(const Tensor& input, double lambda = 0.5);
Tensor softshrink(const Tensor& input, const SoftshrinkFuncOptions& options);
// x clamped to [min_val, max_val]; max_val >= min_val.
Tensor hardtanh(const Tensor& input, double min_val = -1.0, double max_val = 1.0, bool inplace = false);
Tensor hardtanh(const Tensor& input, const HardtanhFuncOptions& options);
// x clamped to [0, 6].
Tensor relu6(const Tensor& input, bool inplace = false);
Tensor relu6(const Tensor& input, const ReLU6FuncOptions& options);
// log(sigmoid(x)), as -softplus(-x) so that large negative x do not underflow.
Tensor logsigmoid(const Tensor& input);
// softmax(-x, dim).
Tensor softmin(const Tensor& input, int64_t dim, std::optional<Dtype> dtype = std::nullopt);
Tensor softmin(const Tensor& input, const SoftminFuncOptions& options);
// x where x >= 0, else weight * x; weight has one element or one per channel (dim 1).
Tensor prelu(const Tensor& input, const Tensor& weight);
// Randomized leaky ReLU: in training each negative element gets a slope drawn from
// U(lower, upper); otherwise the slope is (lower + upper) / 2.
Tensor rrelu(const Tensor& input, double lower = 1.0 / 8.0, double upper = 1.0 / 3.0, bool training = false,
             bool inplace = false);
Tensor rrelu(const Tensor& input, const RReLUFuncOptions& options);
// a * sigmoid(b) for the halves a, b of input along dim (whose size must be even).
Tensor glu(const Tensor& input, int64_t dim = -1);
Tensor glu(const Tensor& input, const GLUFuncOptions& options);
// x * tanh(softplus(x)).
Tensor mish(const Tensor& input);
// x / (1 + |x|).
Tensor softsign(const Tensor& input);
// x - tanh(x).
Tensor tanhshrink(const Tensor& input);
// x where x > threshold, else value.
Tensor threshold(const Tensor& input, double threshold, double value, bool inplace = false);
Tensor threshold(const Tensor& input, const ThresholdFuncOptions& options);


// ---------------------------------------------------------------- padding
// mode: "constant" (fills with value), "reflect" (mirrors without repeating the edge;
// each pad < that dim's size), "replicate" (repeats the edge) or "circular" (wraps
// around; each pad <= that dim's size); ember::kReflect etc. convert. The non-constant
// modes pad the last 1, 2 or 3 dims of an input with one or two more dims (circular:
// exactly two more, [N, C, ...]); a negative pad crops.
struct PadFuncOptions {
  PadFuncOptions(std::vector<int64_t> pad) : pad_(std::move(pad)) {}
  EMBER_ARG(std::vector<int64_t>, pad);
  EMBER_ARG(std::string, mode) = "constant";
  EMBER_ARG(double, value) = 0;
};
EMBER_OPTIONS_FORM(pad, PadFuncOptions)
Tensor pad_mode(const Tensor& input, IntArrayRef pad, const std::string& mode, double value = 0);
// F::pad(x, {1, 1}, "reflect") and F::pad(x, {1, 1}, ember::kReflect); F::pad(x, {1, 1}, 2.5)
// is constant padding with 2.5 (ember::pad).
template <class Mode, std::enable_if_t<std::is_convertible<const Mode&, std::string>::value, int> = 0>
Tensor pad(const Tensor& input, IntArrayRef pad, const Mode& mode, double value = 0) {
  return pad_mode(input, pad, std::string(mode), value);
}

// ---------------------------------------------------------------- pooling
// The 1-d poolings run the 2-d kernels on [N, C, 1, L]. input [N, C, L] or [C, L];
// stride defaults to kernel_size (an empty stride).
using MaxPool1dFuncOptions = MaxPool1dOptions;
using AvgPool1dFuncOptions = AvgPool1dOptions;
using AdaptiveAvgPool1dFuncOptions = AdaptiveAvgPool1dOptions;
using AdaptiveMaxPool1dFuncOptions = AdaptiveMaxPool1dOptions;
using AdaptiveMaxPool2dFuncOptions = AdaptiveMaxPool2dOptions;
Tensor max_pool1d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  IntArrayRef dilation = 1, bool ceil_mode = false);
EMBER_OPTIONS_FORM(max_pool1d, MaxPool1dFuncOptions)
Tensor avg_pool1d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true);
EMBER_OPTIONS_FORM(avg_pool1d, AvgPool1dFuncOptions)
Tensor adaptive_avg_pool1d(const Tensor& input, IntArrayRef output_size);
EMBER_OPTIONS_FORM(adaptive_avg_pool1d, AdaptiveAvgPool1dFuncOptions)
// Output cell i covers input [floor(i * L / out), ceil((i + 1) * L / out)), as PyTorch.
// Composed of one amax per output cell: meant for small output sizes.
Tensor adaptive_max_pool1d(const Tensor& input, IntArrayRef output_size);
EMBER_OPTIONS_FORM(adaptive_max_pool1d, AdaptiveMaxPool1dFuncOptions)
// input [N, C, H, W] or [C, H, W].
Tensor adaptive_max_pool2d(const Tensor& input, IntArrayRef output_size);
EMBER_OPTIONS_FORM(adaptive_max_pool2d, AdaptiveMaxPool2dFuncOptions)

// ---------------------------------------------------------------- normalization
// input [N, C, ...]: each (sample, channel) normalized over its own spatial dims. With
// use_input_stats and running tensors [C], these are updated in place with the batch
// mean of the instance statistics (the unbiased variance for running_var); without
// use_input_stats the running ones normalize. weight/bias [C] or undefined.
Tensor instance_norm(const Tensor& input, const Tensor& running_mean = {}, const Tensor& running_var = {},
                     const Tensor& weight = {}, const Tensor& bias = {}, bool use_input_stats = true,
                     double momentum = 0.1, double eps = 1e-5);
Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& options);
// x / (k + alpha / size * sum of x^2 over `size` neighbouring channels)^beta; input [N, C, ...].
Tensor local_response_norm(const Tensor& input, int64_t size, double alpha = 1e-4, double beta = 0.75,
                           double k = 1.0);
Tensor local_response_norm(const Tensor& input, const LocalResponseNormFuncOptions& options);

// ---------------------------------------------------------------- vision and dropout
// [*, C * r * r, H, W] -> [*, C, H * r, W * r], and back.
Tensor pixel_shuffle(const Tensor& input, int64_t upscale_factor);
Tensor pixel_shuffle(const Tensor& input, const PixelShuffleFuncOptions& options);
Tensor pixel_unshuffle(const Tensor& input, int64_t downscale_factor);
Tensor pixel_unshuffle(const Tensor& input, const PixelUnshuffleFuncOptions& options);
Tensor dropout(const Tensor& input, const DropoutFuncOptions& options);
// Zeroes whole channels: one draw per (sample, channel) of [N, C, H, W] or [C, H, W]
// (dropout2d), [N, C, D, H, W] or [C, D, H, W] (dropout3d); the rest scaled by 1/(1-p).
Tensor dropout2d(const Tensor& input, double p = 0.5, bool training = true, bool inplace = false);
Tensor dropout2d(const Tensor& input, const Dropout2dFuncOptions& options);
Tensor dropout3d(const Tensor& input, double p = 0.5, bool training = true, bool inplace = false);
Tensor dropout3d(const Tensor& input, const Dropout3dFuncOptions& options);
// Dropout that keeps SELU's zero mean and unit variance: dropped elements become
// -scale * alpha of SELU, then an affine map restores the statistics.
Tensor alpha_dropout(const Tensor& input, double p = 0.5, bool training = false, bool inplace = false);
Tensor alpha_dropout(const Tensor& input, const AlphaDropoutFuncOptions& options);
// The same, dropping whole channels (dims 0 and 1 of [N, C, ...]).
Tensor feature_alpha_dropout(const Tensor& input, double p = 0.5, bool training = false, bool inplace = false);
Tensor feature_alpha_dropout(const Tensor& input, const FeatureAlphaDropoutFuncOptions& options);
// y = x1^T W x2 + b over the last dims: x1 [*, in1], x2 [*, in2], weight [out, in1, in2], bias [out].
Tensor bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight, const Tensor& bias = {});

#undef EMBER_OPTIONS_FORM

}  // namespace functional
}  // namespace nn
}  // namespace ember
