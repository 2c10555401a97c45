// The options of the padding modules of ember/nn/padding.hpp (LibTorch's names).
#pragma once
#include <cstddef>
#include <utility>

#include "ember/nn/arg.hpp"
#include "ember/nn/int_or_tuple.hpp"

namespace ember {
namespace nn {

template <std::size_t D>
struct ReflectionPadOptions {
  ReflectionPadOptions(IntOrTuple padding) : padding_(std::move(padding)) {}
  EMBER_ARG(IntOrTuple, padding);
};
using ReflectionPad1dOptions = ReflectionPadOptions<1>;
using ReflectionPad2dOptions = ReflectionPadOptions<2>;
using ReflectionPad3dOptions = ReflectionPadOptions<3>;

template <std::size_t D>
struct ReplicationPadOptions {
  ReplicationPadOptions(IntOrTuple padding) : padding_(std::move(padding)) {}
  EMBER_ARG(IntOrTuple, padding);
};
using ReplicationPad1dOptions = ReplicationPadOptions<1>;
using ReplicationPad2dOptions = ReplicationPadOptions<2>;
using ReplicationPad3dOptions = ReplicationPadOptions<3>;

struct ZeroPad2dOptions {
  ZeroPad2dOptions(IntOrTuple padding) : padding_(std::move(padding)) {}
  EMBER_ARG(IntOrTuple, padding);
};

template <std::size_t D>
struct ConstantPadOptions {
  ConstantPadOptions(IntOrTuple padding, double value) : padding_(std::move(padding)), value_(value) {}
  EMBER_ARG(IntOrTuple, padding);
  EMBER_ARG(double, value);
};
using ConstantPad1dOptions = ConstantPadOptions<1>;
using ConstantPad2dOptions = ConstantPadOptions<2>;
using ConstantPad3dOptions = ConstantPadOptions<3>;

}  // namespace nn
}  // namespace ember
