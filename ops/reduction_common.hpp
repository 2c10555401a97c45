// What the reduction-family kernel files (reduction, index_reduction, cumsum, softmax)
// share: private to ops/.
#pragma once
#include <cstdint>
#include <type_traits>

#include "ember/tensor.hpp"
#include "ops/elementwise.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace kernels {
namespace reduction_common {

// Outer reductions (and cumsum) accumulate this many outputs at a time in a stack
// buffer: a whole row of a 4096-wide matrix, so that it is read as one stream.
constexpr int64_t kColumnBlock = 4096;

// The accumulator type: double for floating types (for accuracy), T otherwise.
template <class T>
using wide_t = std::conditional_t<std::is_floating_point<T>::value, double, T>;

inline Tensor as_contiguous(const Tensor& x, Dtype dtype) {
  return x.is_contiguous() && x.dtype() == dtype ? x : contiguous_as(x, dtype);
}

inline void check_float(const Tensor& x, const char* op) {
  EMBER_CHECK(is_floating_point(x.dtype()), "{}: expected a floating point input, got {} (shape {})", op, x.dtype(),
              x.sizes());
}

inline Tensor to_dtype(const Tensor& r, Dtype dtype) { return r.dtype() == dtype ? r : contiguous_as(r, dtype); }

}  // namespace reduction_common
}  // namespace kernels
}  // namespace ember
