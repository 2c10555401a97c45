// Fused cross_entropy for 2-D logits: one log_softmax pass (the SIMD kernel) and one
// pass that picks each row's target, instead of the half-dozen recorded ops of the
// composed form. The backward reuses the saved log-probabilities.
#include "ops/loss.hpp"

#include <algorithm>
#include <vector>

#include "src/core/dtype_dispatch.hpp"
#include "ops/elementwise.hpp"
#include "ops/reduction.hpp"
#include "ops/row_loops.hpp"
#include "src/core/parallel.hpp"
#include "src/core/make_tensor.hpp"

namespace ember {
namespace kernels {

CrossEntropyResult cross_entropy_forward(const Tensor& x, const Tensor& target, const Tensor& weight, bool mean) {
  CrossEntropyResult r;
  r.logp = log_softmax(x, 1);  // contiguous [N, C]
  Tensor t = target.is_contiguous() ? target : contiguous_as(target, Dtype::Int64);
  Tensor w = !weight.defined() || weight.is_contiguous() ? weight : contiguous_as(weight, weight.dtype());
  const int64_t n = x.size(0), c = x.size(1);
  const int64_t* tp = t.data_ptr<int64_t>();
  r.loss = detail::empty_tensor({}, x.dtype());
  EMBER_DISPATCH_FLOAT(x.dtype(), [&] {
    const T* lp = static_cast<const T*>(r.logp.data_ptr());
    const T* wp = w.defined() ? static_cast<const T*>(w.data_ptr()) : nullptr;
    double total = 0, wsum = 0;
    for (int64_t i = 0; i < n; ++i) {
      double wi = wp ? static_cast<double>(wp[tp[i]]) : 1.0;
      total -= wi * static_cast<double>(lp[i * c + tp[i]]);
      wsum += wi;
    }
    r.divisor = wsum;
    *static_cast<T*>(r.loss.data_ptr()) = static_cast<T>(mean ? total / wsum : total);
  });
  return r;
}

Tensor cross_entropy_backward(const Tensor& logp, const Tensor& target, const Tensor& weight, double scale) {
  Tensor g = exp(logp);  // softmax, a new contiguous tensor
  Tensor t = target.is_contiguous() ? target : contiguous_as(target, Dtype::Int64);
  Tensor w = !weight.defined() || weight.is_contiguous() ? weight : contiguous_as(weight, weight.dtype());
  const int64_t n = g.size(0), c = g.size(1);
  const int64_t* tp = t.data_ptr<int64_t>();
  EMBER_DISPATCH_FLOAT(g.dtype(), [&] {
    T* gp = static_cast<T*>(g.data_ptr());
    const T* wp = w.defined() ? static_cast<const T*>(w.data_ptr()) : nullptr;
    for (int64_t i = 0; i < n; ++i) {
      T s = static_cast<T>(wp ? static_cast<double>(wp[tp[i]]) * scale : scale);
      T* row = gp + i * c;
      row[tp[i]] -= T(1);
      for (int64_t j = 0; j < c; ++j) row[j] *= s;
    }
  });
  return g;
}

namespace {

// The squared differences of a chunk: blocks of kBlock values go through a stack buffer
// (d = x - y with the SIMD subtraction), then the SIMD dot product of d with itself.
constexpr int64_t kBlock = 1024;
constexpr int64_t kChunk = 64 * kBlock;

template <class T>
double squared_error_chunk(const T* x, const T* y, int64_t n) {
  alignas(64) T d[kBlock];
  double s = 0;
  for (int64_t i = 0; i < n; i += kBlock) {
    const int64_t m = std::min(kBlock, n - i);
    binary_row(SubOp<T>{}, x + i, y + i, d, m);
    s += dot_row(d, d, m);
  }
  return s;
}

template <class T>
__attribute__((noinline)) void scaled_difference_run(const T* __restrict x, const T* __restrict y, T* __restrict out,
                                                     int64_t n, T scale) {
  for (int64_t i = 0; i < n; ++i) out[i] = (x[i] - y[i]) * scale;
}

}  // namespace

double squared_error_sum(const Tensor& x, const Tensor& y) {
  const int64_t n = x.numel(), chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> part(static_cast<std::size_t>(chunks));
  EMBER_DISPATCH_FLOAT(x.dtype(), [&] {
    const T *px = x.data_ptr<T>(), *py = y.data_ptr<T>();
    parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c)
        part[static_cast<std::size_t>(c)] =
            squared_error_chunk(px + c * kChunk, py + c * kChunk, std::min(kChunk, n - c * kChunk));
    });
  });
  double s = 0;
  for (double p : part) s += p;
  return s;
}

Tensor scaled_difference(const Tensor& x, const Tensor& y, double scale) {
  Tensor out = detail::empty_tensor(x.sizes(), x.dtype());
  EMBER_DISPATCH_FLOAT(x.dtype(), [&] {
    const T *px = x.data_ptr<T>(), *py = y.data_ptr<T>();
    T* po = out.data_ptr<T>();
    parallel_for(0, x.numel(), kGrainSize, [&](int64_t b, int64_t e) {
      scaled_difference_run(px + b, py + b, po + b, e - b, static_cast<T>(scale));
    });
  });
  return out;
}

}  // namespace kernels
}  // namespace ember
