// Reduction kernels: no autograd here. The reduced dims come as a bitmask (bit i set:
// dim i is reduced; see detail::dim_mask). Every kernel returns a new contiguous tensor
// and accepts inputs of any strides. `op` is the user-facing name used in errors.
#pragma once
#include <cstdint>
#include <utility>

#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

// Sum and product, computed in `dtype` (the input is converted first when it differs).
// An empty reduction gives 0 (sum) or 1 (prod).
Tensor sum(const Tensor& x, uint64_t mask, bool keepdim, Dtype dtype);
Tensor prod(const Tensor& x, uint64_t mask, bool keepdim, Dtype dtype);
// sum / count; `dtype` must be floating. An empty reduction gives nan.
Tensor mean(const Tensor& x, uint64_t mask, bool keepdim, Dtype dtype);

// Largest / smallest value (NaN propagates). Throws when a reduced dim is empty.
Tensor amax(const Tensor& x, uint64_t mask, bool keepdim, const char* op = "amax");
Tensor amin(const Tensor& x, uint64_t mask, bool keepdim, const char* op = "amin");

// Whether all / any element is non-zero; the result is bool whatever the input dtype.
Tensor all(const Tensor& x, uint64_t mask, bool keepdim);
Tensor any(const Tensor& x, uint64_t mask, bool keepdim);

// The extreme along one dim and its int64 index: the first occurrence, a NaN counting
// as the extreme (as PyTorch). Throws when the dim is empty.
std::pair<Tensor, Tensor> max_dim(const Tensor& x, int64_t dim, bool keepdim, const char* op = "max");
std::pair<Tensor, Tensor> min_dim(const Tensor& x, int64_t dim, bool keepdim, const char* op = "min");
// The index of the extreme in the flattened tensor, as a 0-dim int64 tensor.
Tensor argmax_flat(const Tensor& x, const char* op = "argmax");
Tensor argmin_flat(const Tensor& x, const char* op = "argmin");

// Floating inputs only (the callers check). Variance with sum of squared deviations
// divided by max(0, n - correction), two passes (mean first) for accuracy.
Tensor var(const Tensor& x, uint64_t mask, double correction, bool keepdim);
// log(sum(exp(x))), shifted by the maximum so that nothing overflows; an empty or
// all -inf reduction gives -inf.
Tensor logsumexp(const Tensor& x, uint64_t mask, bool keepdim);
// The vector p-norm; p may be +-inf or 0 (the count of non-zeros).
Tensor norm(const Tensor& x, double p, uint64_t mask, bool keepdim);

// Running sum along dim, computed in `dtype`.
Tensor cumsum(const Tensor& x, int64_t dim, Dtype dtype);
Tensor cumprod(const Tensor& x, int64_t dim, Dtype dtype);
Tensor logcumsumexp(const Tensor& x, int64_t dim);  // floats only
// Along dim, shifted by the maximum. Floating inputs only.
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
// softmax's (or log_softmax's, with log) gradient from the incoming gradient g and the
// saved output y, along the last dim: y * (g - sum(g * y)), or g - exp(y) * sum(g). Both
// contiguous, one shape, float32 or float64, dim the last; an undefined tensor otherwise.
Tensor softmax_backward(const Tensor& g, const Tensor& y, int64_t dim, bool log);

}  // namespace kernels
}  // namespace ember
