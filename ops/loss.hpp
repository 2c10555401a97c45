// Fused loss kernels: no autograd here (autograd/loss.cpp records their backward).
#pragma once
#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

// cross_entropy of 2-D logits [N, C] (N > 0) against int64 class indices [N], every one
// in [0, C), with an optional per-class weight [C] of the logits' dtype. The loss is
// sum_i w[t_i] * -log_softmax(x)[i, t_i], divided by `divisor` (sum_i w[t_i], or N
// without weight) when `mean`.
struct CrossEntropyResult {
  Tensor loss;     // 0-dim
  Tensor logp;     // log_softmax(x) [N, C], for the backward
  double divisor;  // what "mean" divides by
};
CrossEntropyResult cross_entropy_forward(const Tensor& x, const Tensor& target, const Tensor& weight, bool mean);

// The gradient of the above with respect to x: (softmax(x) - onehot(t)) * w[t] * scale,
// where scale is the upstream gradient divided by the divisor when the loss was a mean.
Tensor cross_entropy_backward(const Tensor& logp, const Tensor& target, const Tensor& weight, double scale);

// mse_loss, "mean" or "sum": sum((x - y)^2) over all elements of x and y (contiguous,
// one float dtype, the same number of elements), in one pass. Fixed chunks summed
// apart and added in order in double: the bits do not depend on the thread count.
double squared_error_sum(const Tensor& x, const Tensor& y);
// Its gradient with respect to x: scale * (x - y) in one pass, a new tensor of x's shape.
Tensor scaled_difference(const Tensor& x, const Tensor& y, double scale);

}  // namespace kernels
}  // namespace ember
