// y = x * scale[c] + shift[c] along dim 1 of x ([N, C, ...]) in one pass: what batch
// norm applies once its per-channel statistics and affine parameters are folded into a
// scale and a shift.
#pragma once
#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

// x float32 or float64; scale and shift [C] of x's dtype. Returns a new contiguous tensor.
Tensor channel_affine(const Tensor& x, const Tensor& scale, const Tensor& shift);

// The batch statistics of a float32 [N, C] (a BatchNorm1d's input) per channel: the mean
// and the biased variance, [C] each, in two passes along the rows (sums, then squared
// deviations from the mean) with no tensor in between. Sums in fixed blocks of rows,
// added in double: the bits do not depend on the thread count.
void column_mean_var(const Tensor& x, Tensor* mean, Tensor* var);

// batch_norm's backward in training, float32, for planes of at least 16 values or of
// one ([N, C], along the rows; the caller composes it for the others), from the batch's
// mean and rstd ([C]) and
// weight ([C] or undefined): writes (where asked) grad_input, grad_weight and grad_bias.
// With x^ = (x - mean) * rstd and M values per channel, per channel A = sum(g) and
// B = sum(g * x^); dx = weight * rstd * (g - A / M - x^ * B / M), dweight = B, dbias = A.
// Two passes: the sums channel by channel, then dx plane by plane; the bits do not
// depend on the thread count.
void batch_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                         const Tensor& weight, Tensor* grad_input, Tensor* grad_weight, Tensor* grad_bias);

}  // namespace kernels
}  // namespace ember
