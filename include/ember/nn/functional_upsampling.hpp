// F::interpolate: resizing the spatial dims of [N, C, ...] inputs, as PyTorch's
// torch.nn.functional.interpolate, composed from index_select and arithmetic so that
// gradients flow to the input.
//   F::interpolate(x, F::InterpolateFuncOptions().scale_factor({2.0, 2.0}).mode(ember::kBilinear))
#pragma once
#include "ember/nn/options/upsampling.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace nn {
namespace functional {

// input: [N, C, W] (nearest, nearest-exact, linear), [N, C, H, W] (nearest,
// nearest-exact, bilinear, bicubic), [N, C, D, H, W] (nearest, nearest-exact, trilinear).
Tensor interpolate(const Tensor& input, const InterpolateFuncOptions& options = {});

}  // namespace functional
}  // namespace nn
}  // namespace ember
