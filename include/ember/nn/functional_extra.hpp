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
#include "ember/tensor.hpp"

namespace ember {
namespace nn {
namespace functional {

// ---------------------------------------------------------------- activations
// LibTorch's functional options: the module options where they are the same.
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

// The options forms of the activations declared in ember/functions.hpp.
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
Tensor pad(const Tensor& input, const PadFuncOptions& options);
Tensor pad_mode(const Tensor& input, IntArrayRef pad, const std::string& mode, double value = 0);
// F::pad(x, {1, 1}, "reflect") and F::pad(x, {1, 1}, ember::kReflect); F::pad(x, {1, 1}, 2.5)
// is constant padding with 2.5 (ember::pad).
template <class Mode, std::enable_if_t<std::is_convertible<const Mode&, std::string>::value, int> = 0>
Tensor pad(const Tensor& input, IntArrayRef pad, const Mode& mode, double value = 0) {
  return pad_mode(input, pad, std::string(mode), value);
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
