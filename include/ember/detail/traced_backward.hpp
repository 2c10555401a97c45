// Backward ops that a traced training step records (ember::jit); not part of
// <ember/ember.hpp>. A few nodes compute
// their backward with a kernel from values that their forward kernel saved and that a
// graph does not have (cross_entropy's log-probabilities, an LSTM cell's gates). While a
// tracer is installed, their backward calls these instead: each recomputes those values
// from the node's inputs with the same forward kernel, so its result is the eager
// backward's to the bit, and reports itself as one op that the interpreter replays.
// relu's backward is one such op too: eager, it is one fused pass, which a trace of
// public ops (a compare and a where) would replay as two.
#pragma once
#include <cstdint>
#include <vector>

#include "ember/tensor.hpp"

namespace ember {
namespace nn {
namespace functional {

// The gradient of cross_entropy (2-D input, class targets, no smoothing) with respect to
// its input; `grad` is the loss's gradient, `mean` the reduction.
Tensor cross_entropy_backward(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& weight,
                              bool mean);

// relu's backward, as PyTorch names it: grad where self > threshold, 0 elsewhere (relu
// passes its output as self and 0 as the threshold); replayed with the fused kernel.
Tensor threshold_backward(const Tensor& grad, const Tensor& self, double threshold);

// The gradients of lstm_cell (batched operands of one dtype) with respect to input, hx,
// cx, w_ih, w_hh, b_ih, b_hh, in that order, for the positions where `needs` is nonzero
// (seven flags); the others are left out of the result.
std::vector<Tensor> lstm_cell_backward(const Tensor& grad_hy, const Tensor& grad_cy, const Tensor& input,
                                       const Tensor& hx, const Tensor& cx, const Tensor& w_ih, const Tensor& w_hh,
                                       const Tensor& b_ih, const Tensor& b_hh, const std::vector<int64_t>& needs);

}  // namespace functional
}  // namespace nn
}  // namespace ember
