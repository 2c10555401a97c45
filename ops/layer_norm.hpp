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

}  // namespace kernels
}  // namespace ember
