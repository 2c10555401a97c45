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

}  // namespace kernels
}  // namespace ember
