// y = x * scale[c] + shift[c] along dim 1 of x ([N, C, ...]) in one pass: what batch
// norm applies once its per-channel statistics and affine parameters are folded into a
// scale and a shift.
#pragma once
#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

// x float32 or float64; scale and shift [C] of x's dtype. Returns a new contiguous tensor.
Tensor channel_affine(const Tensor& x, const Tensor& scale, const Tensor& shift);

}  // namespace kernels
}  // namespace ember
