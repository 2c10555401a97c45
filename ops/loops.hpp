// The strided-loop helper every elementwise kernel runs on. It takes the output shape
// and each operand's strides (0 on broadcast dims), drops size-1 dims, merges dims that
// are contiguous together, and calls an inner function on runs of the innermost dim.
// A fully contiguous problem becomes one run; large problems split across threads.
#pragma once
#include <array>
#include <cstdint>

#include "ember/tensor.hpp"
#include "src/core/parallel.hpp"

namespace ember {
namespace kernels {

constexpr int kMaxLoopDims = 25;

template <int N>
struct Loop {
  int ndim = 0;                                  // after merging; 0 means a single element
  int64_t sizes[kMaxLoopDims];                   // innermost last
  int64_t strides[N][kMaxLoopDims];              // in bytes
  int64_t numel = 1;
};

// Strides of t broadcast to out_sizes (0 where t has size 1 or lacks the dim), in bytes.
inline void broadcast_strides(const Tensor& t, IntArrayRef out_sizes, int64_t* out) {
  int64_t nd = static_cast<int64_t>(out_sizes.size());
  int64_t td = t.dim();
  int64_t es = t.element_size();
  IntArrayRef ts = t.sizes(), st = t.strides();
  for (int64_t i = 0; i < nd; ++i) {
    int64_t j = i - (nd - td);
    out[i] = (j < 0 || ts[static_cast<std::size_t>(j)] == 1) ? 0 : st[static_cast<std::size_t>(j)] * es;
  }
}

template <int N>
Loop<N> make_loop(IntArrayRef sizes, const int64_t (*strides)[kMaxLoopDims]) {
  Loop<N> L;
  int64_t nd = static_cast<int64_t>(sizes.size());
  for (int64_t i = 0; i < nd; ++i) {
    int64_t s = sizes[static_cast<std::size_t>(i)];
    L.numel *= s;
    if (s == 1) continue;
    if (L.ndim > 0) {
      // Merge with the previous (outer) kept dim when every operand steps through both
      // as through one.
      int d = L.ndim - 1;
      bool merge = true;
      for (int k = 0; k < N; ++k)
        if (strides[k][i] * s != L.strides[k][d]) merge = false;
      if (merge) {
        L.sizes[d] *= s;
        for (int k = 0; k < N; ++k) L.strides[k][d] = strides[k][i];
        continue;
      }
    }
    L.sizes[L.ndim] = s;
    for (int k = 0; k < N; ++k) L.strides[k][L.ndim] = strides[k][i];
    ++L.ndim;
  }
  return L;
}

// Calls inner(ptrs, inner_strides, n) for runs covering elements [begin, end) of L.
template <int N, class Inner>
void run_range(const Loop<N>& L, std::array<char*, N> base, int64_t begin, int64_t end, Inner&& inner) {
  if (L.ndim == 0) {
    int64_t zero[N] = {};
    if (begin < end) inner(base.data(), zero, 1);
    return;
  }
  int nd = L.ndim;
  int64_t idx[kMaxLoopDims];
  int64_t rem = begin;
  for (int d = nd - 1; d >= 0; --d) {
    idx[d] = rem % L.sizes[d];
    rem /= L.sizes[d];
  }
  int64_t inner_strides[N];
  for (int k = 0; k < N; ++k) inner_strides[k] = L.strides[k][nd - 1];
  int64_t pos = begin;
  while (pos < end) {
    std::array<char*, N> p = base;
    for (int d = 0; d < nd; ++d)
      for (int k = 0; k < N; ++k) p[k] += idx[d] * L.strides[k][d];
    int64_t n = L.sizes[nd - 1] - idx[nd - 1];
    if (n > end - pos) n = end - pos;
    inner(p.data(), inner_strides, n);
    pos += n;
    idx[nd - 1] += n;
    for (int d = nd - 1; d > 0 && idx[d] >= L.sizes[d]; --d) {
      idx[d] = 0;
      ++idx[d - 1];
    }
  }
}

// Runs the whole loop, across threads when it is big enough to pay for them.
template <int N, class Inner>
void run(const Loop<N>& L, std::array<char*, N> base, Inner&& inner, int64_t grain = kGrainSize) {
  parallel_for(0, L.numel, grain, [&](int64_t b, int64_t e) { run_range<N>(L, base, b, e, inner); });
}

}  // namespace kernels
}  // namespace ember
