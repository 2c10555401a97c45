// The options of the 1-d and adaptive pooling modules (LibTorch's names and defaults);
// the functional options (F::MaxPool1dFuncOptions, ...) are these same structs.
#pragma once
#include <utility>

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
};

// Adaptive pooling: the output size (one number for every dim, or one per dim).
template <int D>
struct AdaptivePoolOptions {
  AdaptivePoolOptions(IntOrTuple output_size) : output_size_(std::move(output_size)) {}
  EMBER_ARG(IntOrTuple, output_size);
};
using AdaptiveAvgPool1dOptions = AdaptivePoolOptions<1>;
using AdaptiveMaxPool1dOptions = AdaptivePoolOptions<1>;
using AdaptiveMaxPool2dOptions = AdaptivePoolOptions<2>;

}  // namespace nn
}  // namespace ember
