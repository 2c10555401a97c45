// The options of F::interpolate and of the upsampling modules of ember/nn/upsampling.hpp
// (LibTorch's names). `mode` is PyTorch's string; ember::kNearest, ember::kBilinear, ...
// convert to it:
//   F::InterpolateFuncOptions().size({8, 8}).mode(ember::kBilinear).align_corners(false)
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/nn/arg.hpp"

// Setters from braced lists, `.size({4, 6})`, which the std::optional setters of
// EMBER_ARG cannot take.
#define EMBER_UPSAMPLE_LIST_SETTERS                                                         \
 public:                                                                                  \
  auto size(std::vector<int64_t> v)->decltype(*this) { return size(std::optional<std::vector<int64_t>>(std::move(v))); } \
  auto scale_factor(std::vector<double> v)->decltype(*this) {                             \
    return scale_factor(std::optional<std::vector<double>>(std::move(v)));                \
  }

namespace ember {
namespace nn {

// Exactly one of size (one value per spatial dim) and scale_factor (one per spatial
// dim) is set. mode: "nearest", "linear", "bilinear", "bicubic" or "trilinear".
struct UpsampleOptions {
  EMBER_ARG(std::optional<std::vector<int64_t>>, size) = std::nullopt;
  EMBER_ARG(std::optional<std::vector<double>>, scale_factor) = std::nullopt;
  EMBER_UPSAMPLE_LIST_SETTERS
  EMBER_ARG(std::string, mode) = "nearest";
  EMBER_ARG(std::optional<bool>, align_corners) = std::nullopt;
};

// UpsamplingNearest2d and UpsamplingBilinear2d (Python's) fix the mode (and, for the
// bilinear one, align_corners=True); only the output size or scale is chosen.
struct UpsamplingNearest2dOptions {
  EMBER_ARG(std::optional<std::vector<int64_t>>, size) = std::nullopt;
  EMBER_ARG(std::optional<std::vector<double>>, scale_factor) = std::nullopt;
  EMBER_UPSAMPLE_LIST_SETTERS
};
struct UpsamplingBilinear2dOptions {
  EMBER_ARG(std::optional<std::vector<int64_t>>, size) = std::nullopt;
  EMBER_ARG(std::optional<std::vector<double>>, scale_factor) = std::nullopt;
  EMBER_UPSAMPLE_LIST_SETTERS
};

namespace functional {

// mode: also "nearest-exact" (rounds to the nearest source pixel centre, as image
// libraries do). align_corners: only for the interpolating modes; unset means false.
// recompute_scale_factor: when true with scale_factor, the kernel uses in/out of the
// computed output size instead of 1/scale_factor. antialias is not supported.
struct InterpolateFuncOptions {
  EMBER_ARG(std::optional<std::vector<int64_t>>, size) = std::nullopt;
  EMBER_ARG(std::optional<std::vector<double>>, scale_factor) = std::nullopt;
  EMBER_UPSAMPLE_LIST_SETTERS
  EMBER_ARG(std::string, mode) = "nearest";
  EMBER_ARG(std::optional<bool>, align_corners) = std::nullopt;
  EMBER_ARG(std::optional<bool>, recompute_scale_factor) = std::nullopt;
  EMBER_ARG(bool, antialias) = false;
};

}  // namespace functional
}  // namespace nn
}  // namespace ember
