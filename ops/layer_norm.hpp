// layer_norm's forward over the rows of a float32 input, one row at a time while it is in
// cache: mean, variance, then (x - mean) * rstd * weight + bias.
#pragma once
#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

// x: float32, viewed as [rows, D] with D the product of its last dims; weight and bias
// [D] float32 or undefined. Returns y (x's shape, contiguous) and writes each row's mean
// and 1 / sqrt(var + eps) (biased variance) into mean and rstd ([rows] float32).
Tensor layer_norm_rows(const Tensor& x, int64_t D, const Tensor& weight, const Tensor& bias, double eps, Tensor* mean,
                       Tensor* rstd);

// The backward of layer_norm_rows given its saved mean and rstd: writes (where asked)
// grad_input (x's shape), grad_weight and grad_bias ([D]). Per row, with x^ = (x - mean)
// * rstd and g^ = g * weight: dx = rstd * (g^ - mean(g^) - x^ * mean(g^ * x^)); dweight
// and dbias are the column sums of g * x^ and g, added over fixed chunks of 64 rows and
// then chunk by chunk, so their bits do not depend on the thread count.
void layer_norm_rows_backward(const Tensor& grad, const Tensor& x, int64_t D, const Tensor& mean, const Tensor& rstd,
                              const Tensor& weight, Tensor* grad_input, Tensor* grad_weight, Tensor* grad_bias);

}  // namespace kernels
}  // namespace ember
