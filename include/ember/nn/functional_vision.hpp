// F::affine_grid and F::grid_sample (torch.nn.functional's spatial transformer pieces),
// composed from gather and arithmetic so that gradients flow to the input, the grid and
// theta.
//   Tensor grid = F::affine_grid(theta, {N, C, H, W}, /*align_corners=*/false);
//   Tensor out = F::grid_sample(x, grid, F::GridSampleFuncOptions().mode(ember::kBilinear).padding_mode(ember::kZeros));
#pragma once
#include <optional>
#include <string>

#include "ember/nn/arg.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace nn {
namespace functional {

// theta: [N, 2, 3] for a 4-D size [N, C, H, W], [N, 3, 4] for a 5-D size [N, C, D, H, W].
// The result is [N, H, W, 2] ([N, D, H, W, 3]) of (x, y[, z]) in [-1, 1].
Tensor affine_grid(const Tensor& theta, IntArrayRef size, bool align_corners = false);

struct GridSampleFuncOptions {
  // "bilinear" (trilinear for 5-D inputs) or "nearest" (ember::kBilinear, kNearest).
  EMBER_ARG(std::string, mode) = "bilinear";
  // "zeros", "border" or "reflection" (ember::kZeros, kBorder, kReflection).
  EMBER_ARG(std::string, padding_mode) = "zeros";
  // false when not given, as PyTorch's default.
  EMBER_ARG(std::optional<bool>, align_corners) = std::nullopt;
};

// input [N, C, H, W] and grid [N, Ho, Wo, 2] give [N, C, Ho, Wo]; input [N, C, D, H, W]
// and grid [N, Do, Ho, Wo, 3] give [N, C, Do, Ho, Wo]. grid[..., 0] is x (along W),
// grid[..., 1] is y (along H), in [-1, 1] across the input.
Tensor grid_sample(const Tensor& input, const Tensor& grid, const GridSampleFuncOptions& options = {});

}  // namespace functional
}  // namespace nn
}  // namespace ember
