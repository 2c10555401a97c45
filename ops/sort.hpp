// Sorting along one dim: values with the int64 indices they came from. No autograd
// here; the differentiable wrappers live in autograd/sort.cpp.
#pragma once
#include <cstdint>
#include <utility>

#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

// x sorted along dim, ascending or descending. Stable: equal elements keep their order
// (as PyTorch's stable CPU sort). NaN counts as larger than every number, so it comes
// last ascending and first descending. op names the caller in errors.
std::pair<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending, const char* op);
// The first k elements of that sort (largest: descending), without sorting the rest.
std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, const char* op);

}  // namespace kernels
}  // namespace ember
