// The gradients of tanh, sigmoid, silu and gelu in one pass (see the *GradOp functors in
// ops/functors.hpp), for autograd's backward when it is not itself recorded.
#pragma once
#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

enum class ActivationGrad {
  Tanh,      // saved: the output
  Sigmoid,   // saved: the output
  Silu,      // saved: the input
  Gelu,      // saved: the input (the erf form)
  GeluTanh,  // saved: the input (the tanh form)
};

// grad times the activation's derivative, or an undefined tensor where the layout is
// not the one this handles (grad and saved contiguous, of one shape and of float32 or
// float64): the caller then composes it from public ops.
Tensor activation_backward(ActivationGrad kind, const Tensor& grad, const Tensor& saved);

}  // namespace kernels
}  // namespace ember
