// LibTorch's options structs for the functional ops, beside their positional forms:
//
//   namespace F = ember::nn::functional;
//   F::conv2d(x, w, F::Conv2dFuncOptions().stride(2).padding(1).bias(b));
//   F::conv2d(x, w, F::Conv2dFuncOptions().padding(ember::kSame));
//   F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2));
// (Dropout, padding, activation and loss FuncOptions are with their ops in
// functional_extra.hpp and functional_loss.hpp.)
//   F::batch_norm(x, mean, var, F::BatchNormFuncOptions().training(true).momentum(0.01));
//
// As in LibTorch, a pooling op's FuncOptions is its module's Options. Each overload
// gives the same result as the positional call it stands for.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include "ember/nn/functional.hpp"
#include "ember/nn/modules.hpp"

namespace ember {
namespace nn {
namespace functional {

// ---- convolutions
template <std::size_t Dims>
struct ConvFuncOptions {
  EMBER_ARG(Tensor, bias);
  EMBER_ARG(IntOrTuple, stride) = 1;
  EMBER_ARG(ConvPadding, padding) = 0;
  EMBER_ARG(IntOrTuple, dilation) = 1;
  EMBER_ARG(int64_t, groups) = 1;
};
using Conv1dFuncOptions = ConvFuncOptions<1>;
using Conv2dFuncOptions = ConvFuncOptions<2>;
using Conv3dFuncOptions = ConvFuncOptions<3>;

template <std::size_t Dims>
struct ConvTransposeFuncOptions {
  EMBER_ARG(Tensor, bias);
  EMBER_ARG(IntOrTuple, stride) = 1;
  EMBER_ARG(IntOrTuple, padding) = 0;
  EMBER_ARG(IntOrTuple, output_padding) = 0;
  EMBER_ARG(int64_t, groups) = 1;
  EMBER_ARG(IntOrTuple, dilation) = 1;
};
using ConvTranspose1dFuncOptions = ConvTransposeFuncOptions<1>;
using ConvTranspose2dFuncOptions = ConvTransposeFuncOptions<2>;
using ConvTranspose3dFuncOptions = ConvTransposeFuncOptions<3>;

Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& options);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options);
Tensor conv3d(const Tensor& input, const Tensor& weight, const Conv3dFuncOptions& options);
// PyTorch's padding="same" / "valid" in the positional form (or ember::kSame, kValid).
// Its own type, so that a size of 0 never converts to a string through a null pointer.
struct PaddingMode {
  template <std::size_t N>
  PaddingMode(const char (&mode)[N]) : text(mode) {}
  PaddingMode(const std::string& mode) : text(mode) {}
  PaddingMode(enumtype::kSame) : text("same") {}
  PaddingMode(enumtype::kValid) : text("valid") {}
  std::string text;
};
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              const PaddingMode& padding, IntArrayRef dilation = 1, int64_t groups = 1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              const PaddingMode& padding, IntArrayRef dilation = 1, int64_t groups = 1);
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              const PaddingMode& padding, IntArrayRef dilation = 1, int64_t groups = 1);
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const ConvTranspose1dFuncOptions& options);
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const ConvTranspose2dFuncOptions& options);
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const ConvTranspose3dFuncOptions& options);

// ---- pooling
using MaxPool2dFuncOptions = MaxPool2dOptions;
using AvgPool2dFuncOptions = AvgPool2dOptions;
using AdaptiveAvgPool2dFuncOptions = AdaptiveAvgPool2dOptions;
Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options);
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const MaxPool2dFuncOptions& options);
Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options);
Tensor adaptive_avg_pool2d(const Tensor& input, const AdaptiveAvgPool2dFuncOptions& options);

// ---- embedding. max_norm renormalises, in place and without gradient, every row the
// indices pick whose norm_type-norm exceeds it (as PyTorch does) before looking up.
// scale_grad_by_freq and sparse gradients are not supported (ember::Error).
struct EmbeddingFuncOptions {
  EMBER_ARG(std::optional<int64_t>, padding_idx);
  EMBER_ARG(std::optional<double>, max_norm);
  EMBER_ARG(double, norm_type) = 2.0;
  EMBER_ARG(bool, scale_grad_by_freq) = false;
  EMBER_ARG(bool, sparse) = false;
};
Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options);

// ---- normalization
struct LayerNormFuncOptions {
  LayerNormFuncOptions(std::vector<int64_t> normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}
  EMBER_ARG(std::vector<int64_t>, normalized_shape);
  EMBER_ARG(Tensor, weight);
  EMBER_ARG(Tensor, bias);
  EMBER_ARG(double, eps) = 1e-5;
};
// A template that takes only LayerNormFuncOptions, so that a std::vector<int64_t> shape
// goes to the IntArrayRef overload (functional.hpp) instead of being ambiguous between
// the two conversions.
template <class Options, std::enable_if_t<std::is_same<Options, LayerNormFuncOptions>::value, int> = 0>
Tensor layer_norm(const Tensor& input, const Options& options) {
  return layer_norm(input, IntArrayRef(options.normalized_shape()), options.weight(), options.bias(), options.eps());
}

struct BatchNormFuncOptions {
  EMBER_ARG(Tensor, weight);
  EMBER_ARG(Tensor, bias);
  EMBER_ARG(bool, training) = false;
  EMBER_ARG(std::optional<double>, momentum) = 0.1;
  EMBER_ARG(double, eps) = 1e-5;
};
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options);

struct GroupNormFuncOptions {
  GroupNormFuncOptions(int64_t num_groups) : num_groups_(num_groups) {}
  EMBER_ARG(int64_t, num_groups);
  EMBER_ARG(Tensor, weight);
  EMBER_ARG(Tensor, bias);
  EMBER_ARG(double, eps) = 1e-5;
};
Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& options);

struct NormalizeFuncOptions {
  EMBER_ARG(double, p) = 2.0;
  EMBER_ARG(int64_t, dim) = 1;
  EMBER_ARG(double, eps) = 1e-12;
};
Tensor normalize(const Tensor& input, const NormalizeFuncOptions& options);

}  // namespace functional
}  // namespace nn
}  // namespace ember
