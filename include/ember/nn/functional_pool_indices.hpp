// Adaptive max pooling that also returns where each maximum came from, as LibTorch's
// F::adaptive_max_pool{1,2,3}d_with_indices:
//
//   auto [y, idx] = F::adaptive_max_pool2d_with_indices(x, {2, 3});
//
// idx (int64, y's shape) holds each maximum's flat position within its input plane
// (h * W + w for 2-d), the first one on a tie, as PyTorch's; the gradient goes to that
// element alone.
#pragma once
#include <tuple>

#include "ember/nn/functional_extra.hpp"
#include "ember/nn/functional_nd.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace nn {
namespace functional {

std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(const Tensor& input, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input,
                                                            const AdaptiveMaxPool1dFuncOptions& options);
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input,
                                                            const AdaptiveMaxPool2dFuncOptions& options);
std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(const Tensor& input,
                                                            const AdaptiveMaxPool3dFuncOptions& options);

}  // namespace functional
}  // namespace nn
}  // namespace ember
