// Gradient clipping (torch.nn.utils.clip_grad_norm_, clip_grad_value_).
#pragma once
#include <vector>

#include "ember/tensor.hpp"

namespace ember {
namespace nn {
namespace utils {

// Scales the gradients of `parameters` in place so that their total norm (the norm of
// the vector of every gradient's norm) is at most max_norm; norm_type may be
// std::numeric_limits<double>::infinity(). Parameters without a gradient are ignored.
// Returns the total norm before clipping, as a 0-dim tensor. With error_if_nonfinite, a
// NaN or infinite total norm throws instead of scaling.
Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
Tensor clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient to [-clip_value, clip_value] in place.
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);
void clip_grad_value_(const Tensor& parameter, double clip_value);

}  // namespace utils
}  // namespace nn
}  // namespace ember
