// SIMD loops for whole chains of elementwise ops, for the fused programs of
// ops/fused.cpp: each vector goes through every op of the chain in registers, so the
// loads of the inputs are spread among the chain's arithmetic instead of coming in
// bursts between compute-only passes. Filled in by the SIMD loops (loops.inl) for the
// CPU's instruction set; null where no loop is compiled.
#pragma once
#include <cstdint>

namespace ember {
namespace kernels {

template <class Op, class T>
struct ContigChain {
  // y[i] = op((a[i] * b[i]) + c[i]), each step rounded as the separate ops round it.
  static inline void (*mul_add_unary)(const T* a, const T* b, const T* c, T* y, int64_t n) = nullptr;
};

}  // namespace kernels
}  // namespace ember
