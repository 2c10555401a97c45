// The options of the 1-d and adaptive pooling modules (LibTorch's names and defaults);
// the functional options (F::MaxPool1dFuncOptions, ...) are these same structs.
#pragma once
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "ember/nn/arg.hpp"
#include "ember/nn/int_or_tuple.hpp"

namespace ember {
namespace nn {

struct MaxPool1dOptions {
  MaxPool1dOptions(IntOrTuple kernel_size) : kernel_size_(std::move(kernel_size)) {}
  EMBER_ARG(IntOrTuple, kernel_size);
  EMBER_ARG(IntOrTuple, stride);  // not given: kernel_size
  EMBER_ARG(IntOrTuple, padding) = 0;
  EMBER_ARG(IntOrTuple, dilation) = 1;
  EMBER_ARG(bool, ceil_mode) = false;
};

struct AvgPool1dOptions {
  AvgPool1dOptions(IntOrTuple kernel_size) : kernel_size_(std::move(kernel_size)) {}
  EMBER_ARG(IntOrTuple, kernel_size);
  EMBER_ARG(IntOrTuple, stride);  // not given: kernel_size
  EMBER_ARG(IntOrTuple, padding) = 0;
  EMBER_ARG(bool, ceil_mode) = false;
  EMBER_ARG(bool, count_include_pad) = true;
  // LibTorch's AvgPoolOptions has it for every dim; when given, every window's divisor.
  EMBER_ARG(std::optional<int64_t>, divisor_override);
};

struct MaxPool3dOptions {
  MaxPool3dOptions(IntOrTuple kernel_size) : kernel_size_(std::move(kernel_size)) {}
  EMBER_ARG(IntOrTuple, kernel_size);
  EMBER_ARG(IntOrTuple, stride);  // not given: kernel_size
  EMBER_ARG(IntOrTuple, padding) = 0;
  EMBER_ARG(IntOrTuple, dilation) = 1;
  EMBER_ARG(bool, ceil_mode) = false;
};

struct AvgPool3dOptions {
  AvgPool3dOptions(IntOrTuple kernel_size) : kernel_size_(std::move(kernel_size)) {}
  EMBER_ARG(IntOrTuple, kernel_size);
  EMBER_ARG(IntOrTuple, stride);  // not given: kernel_size
  EMBER_ARG(IntOrTuple, padding) = 0;
  EMBER_ARG(bool, ceil_mode) = false;
  EMBER_ARG(bool, count_include_pad) = true;
  EMBER_ARG(std::optional<int64_t>, divisor_override);
};

// MaxUnpool's sizes: those of the max pooling it inverts.
template <int D>
struct MaxUnpoolOptions {
  MaxUnpoolOptions(IntOrTuple kernel_size) : kernel_size_(std::move(kernel_size)) {}
  EMBER_ARG(IntOrTuple, kernel_size);
  EMBER_ARG(IntOrTuple, stride);  // not given: kernel_size
  EMBER_ARG(IntOrTuple, padding) = 0;
};
using MaxUnpool1dOptions = MaxUnpoolOptions<1>;
using MaxUnpool2dOptions = MaxUnpoolOptions<2>;
using MaxUnpool3dOptions = MaxUnpoolOptions<3>;

// F::max_unpool*'s options add the output size ([D...] or [N, C, D...]).
template <int D>
struct MaxUnpoolFuncOptions {
  MaxUnpoolFuncOptions(IntOrTuple kernel_size) : kernel_size_(std::move(kernel_size)) {}
  // The module's options, for LibTorch 1.4's call form F::max_unpool2d(x, indices,
  // MaxUnpool2dOptions(3).stride(2)); the output size is then the default one.
  MaxUnpoolFuncOptions(const MaxUnpoolOptions<D>& module_options)
      : kernel_size_(module_options.kernel_size()), stride_(module_options.stride()), padding_(module_options.padding()) {}
  EMBER_ARG(IntOrTuple, kernel_size);
  EMBER_ARG(IntOrTuple, stride);  // not given: kernel_size
  EMBER_ARG(IntOrTuple, padding) = 0;
  EMBER_ARG(std::optional<std::vector<int64_t>>, output_size);
};
using MaxUnpool1dFuncOptions = MaxUnpoolFuncOptions<1>;
using MaxUnpool2dFuncOptions = MaxUnpoolFuncOptions<2>;
using MaxUnpool3dFuncOptions = MaxUnpoolFuncOptions<3>;

// Adaptive pooling: the output size (one number for every dim, or one per dim).
template <int D>
struct AdaptivePoolOptions {
  AdaptivePoolOptions(IntOrTuple output_size) : output_size_(std::move(output_size)) {}
  EMBER_ARG(IntOrTuple, output_size);
};
using AdaptiveAvgPool1dOptions = AdaptivePoolOptions<1>;
using AdaptiveMaxPool1dOptions = AdaptivePoolOptions<1>;
using AdaptiveMaxPool2dOptions = AdaptivePoolOptions<2>;
using AdaptiveAvgPool3dOptions = AdaptivePoolOptions<3>;

// Power-average pooling: (sum over the window of x^norm_type)^(1 / norm_type).
template <int D>
struct LPPoolOptions {
  LPPoolOptions(double norm_type, IntOrTuple kernel_size)
      : norm_type_(norm_type), kernel_size_(std::move(kernel_size)) {}
  EMBER_ARG(double, norm_type);
  EMBER_ARG(IntOrTuple, kernel_size);
  EMBER_ARG(IntOrTuple, stride);  // not given: kernel_size
  EMBER_ARG(bool, ceil_mode) = false;
};
using LPPool1dOptions = LPPoolOptions<1>;
using LPPool2dOptions = LPPoolOptions<2>;

// Fold / Unfold: sliding blocks of a [N, C, H, W] image as columns, and back.
struct FoldOptions {
  FoldOptions(IntOrTuple output_size, IntOrTuple kernel_size)
      : output_size_(std::move(output_size)), kernel_size_(std::move(kernel_size)) {}
  EMBER_ARG(IntOrTuple, output_size);
  EMBER_ARG(IntOrTuple, kernel_size);
  EMBER_ARG(IntOrTuple, dilation) = 1;
  EMBER_ARG(IntOrTuple, padding) = 0;
  EMBER_ARG(IntOrTuple, stride) = 1;
};
struct UnfoldOptions {
  UnfoldOptions(IntOrTuple kernel_size) : kernel_size_(std::move(kernel_size)) {}
  EMBER_ARG(IntOrTuple, kernel_size);
  EMBER_ARG(IntOrTuple, dilation) = 1;
  EMBER_ARG(IntOrTuple, padding) = 0;
  EMBER_ARG(IntOrTuple, stride) = 1;
};
using AdaptiveMaxPool3dOptions = AdaptivePoolOptions<3>;

}  // namespace nn
}  // namespace ember
