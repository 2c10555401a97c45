// Loops over one contiguous row, for kernels that work a row at a time while it is in
// cache (softmax, layer_norm, batch_norm): each runs the best SIMD loop this CPU has
// (ops/simd/loops.inl) and falls back to a plain loop before those are registered.
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "ops/functors.hpp"
#include "ops/reduction_folds.hpp"

namespace ember {
namespace kernels {

// y = op(x) for a unary functor (AffineOp, ExpOp, ...).
template <class Op, class T>
void unary_row(const Op& op, const T* x, T* y, int64_t n) {
  if (auto f = Contig<Op, T>::unary) return f(op, x, y, n);
  for (int64_t i = 0; i < n; ++i) y[i] = op(x[i]);
}

// y = a * x + b.
template <class T>
void affine_run(const T* x, T* y, int64_t n, T a, T b) {
  unary_row(AffineOp<T>{a, b}, x, y, n);
}

// out = op(a, b) for a binary functor, both rows of n values.
template <class Op, class T>
void binary_row(const Op& op, const T* a, const T* b, T* out, int64_t n) {
  if (auto f = Contig<Op, T>::binary) return f(op, a, b, out, n, BinaryMode::VV);
  for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], b[i]);
}

// The sum of a row: SIMD sums of segments, added in double.
template <class T>
double sum_row(const T* p, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; i += kSegment) s += SumFold<T>::run(p + i, std::min(kSegment, n - i));
  return s;
}

// The dot product of two rows: the SIMD matrix-vector loop for float32, double otherwise.
template <class T>
double dot_row(const T* a, const T* b, int64_t n) {
  if constexpr (std::is_same<T, float>::value) {
    if (auto dot = ContigGemv<float>::rows_dot) {
      float out = 0;
      dot(1, n, a, n, b, 1.0f, 0.0f, &out);
      return out;
    }
  }
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return s;
}

}  // namespace kernels
}  // namespace ember
