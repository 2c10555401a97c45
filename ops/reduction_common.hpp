// What the reduction-family kernel files (reduction, index_reduction, cumsum, softmax)
// share: private to ops/.
#pragma once
#include <cstdint>
#include <tuple>
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

// The narrow dtypes (int32 ... uint8, float16, bfloat16) reach the kernels, which exist
// for bool, int64, float32 and float64 only, through here: a narrow x is converted to
// kernel_dtype(x), the op runs, and its result (the first of a pair: the second is the
// indices) is converted back to x's dtype where it came out in kernel_dtype(x).
inline Tensor as_kernel_dtype(const Tensor& x) {
  return kernel_dtype(x.dtype()) == x.dtype() ? x : contiguous_as(x, kernel_dtype(x.dtype()));
}
template <class F>
auto via_kernel_dtype(const Tensor& x, F f) -> decltype(f(x)) {
  const Dtype k = kernel_dtype(x.dtype());
  if (k == x.dtype()) return f(x);
  auto r = f(contiguous_as(x, k));
  auto back = [&](const Tensor& t) { return t.dtype() == k ? contiguous_as(t, x.dtype()) : t; };
  if constexpr (std::is_same<decltype(r), Tensor>::value)
    return back(r);
  else
    return {back(r.first), r.second};
}

}  // namespace reduction_common
}  // namespace kernels
}  // namespace ember
