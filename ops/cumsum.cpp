// Running scans along one dim: cumsum, cumprod, logcumsumexp.
#include "ops/reduction.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "src/core/dtype_dispatch.hpp"
#include "ops/elementwise.hpp"
#include "ops/reduction_common.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/parallel.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace kernels {
namespace {

using detail::empty_tensor;
using reduction_common::as_contiguous;
using reduction_common::kColumnBlock;
using reduction_common::to_dtype;
using reduction_common::wide_t;

// The scans' steps: the accumulator's start and how it takes in one element.
struct SumStep {
  template <class A> static A start() { return A(0); }
  template <class A> static A next(A acc, A v) { return acc + v; }
};
struct ProdStep {
  template <class A> static A start() { return A(1); }
  template <class A> static A next(A acc, A v) { return acc * v; }
};
// log(exp(acc) + exp(v)) without overflow; NaN propagates and equal infinities stay as
// they are (PyTorch's _log_add_exp_helper).
struct LogAddExpStep {
  template <class A> static A start() { return -std::numeric_limits<A>::infinity(); }
  template <class A> static A next(A acc, A v) {
    if constexpr (!std::is_floating_point<A>::value) {
      return acc + v;  // never used: logcumsumexp takes floats only
    } else {
      A lo = v != v ? v : std::min(acc, v), hi = v != v ? v : std::max(acc, v);
      if (lo != hi || std::isfinite(lo)) return hi + std::log1p(std::exp(lo - hi));
      return acc;
    }
  }
};

template <class T, class Step = SumStep>
void cumsum_kernel(const T* x, T* y, int64_t outer, int64_t n, int64_t inner) {
  using Acc = wide_t<T>;
  if (inner == 1) {
    parallel_for(0, outer, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        Acc a = Step::template start<Acc>();
        for (int64_t j = 0; j < n; ++j) {
          a = Step::next(a, static_cast<Acc>(x[o * n + j]));
          y[o * n + j] = static_cast<T>(a);
        }
      }
    });
    return;
  }
  const int64_t blocks = (inner + kColumnBlock - 1) / kColumnBlock;
  const int64_t work = std::max<int64_t>(1, n * std::min(inner, kColumnBlock));
  parallel_for(0, outer * blocks, std::max<int64_t>(1, kGrainSize / work), [&](int64_t b, int64_t e) {
    Acc acc[kColumnBlock];
    for (int64_t u = b; u < e; ++u) {
      int64_t o = u / blocks, c0 = (u % blocks) * kColumnBlock;
      int64_t cn = std::min(kColumnBlock, inner - c0);
      for (int64_t i = 0; i < cn; ++i) acc[i] = Step::template start<Acc>();
      for (int64_t j = 0; j < n; ++j) {
        int64_t at = (o * n + j) * inner + c0;
        for (int64_t i = 0; i < cn; ++i) {
          acc[i] = Step::next(acc[i], static_cast<Acc>(x[at + i]));
          y[at + i] = static_cast<T>(acc[i]);
        }
      }
    }
  });
}

template <class Step>
Tensor scan(const Tensor& x, int64_t dim, Dtype dtype, const char* op) {
  detail::check_defined(x, op);
  int64_t nd = x.dim();
  dim = detail::wrap_dim(x, dim, op);
  Dtype compute = dtype == Dtype::Bool ? Dtype::Int64 : kernel_dtype(dtype);
  Tensor c = as_contiguous(x, compute);
  Tensor y = empty_tensor(x.sizes(), compute);
  int64_t outer = 1, inner = 1, n = nd == 0 ? 1 : x.size(dim);
  for (int64_t d = 0; d < nd; ++d) {
    if (d < dim) outer *= x.size(d);
    if (d > dim) inner *= x.size(d);
  }
  if (x.numel() > 0) {
    switch (compute) {
      case Dtype::Float32: cumsum_kernel<float, Step>(c.data_ptr<float>(), y.data_ptr<float>(), outer, n, inner); break;
      case Dtype::Float64: cumsum_kernel<double, Step>(c.data_ptr<double>(), y.data_ptr<double>(), outer, n, inner); break;
      default: cumsum_kernel<int64_t, Step>(c.data_ptr<int64_t>(), y.data_ptr<int64_t>(), outer, n, inner); break;
    }
  }
  return to_dtype(y, dtype);
}

}  // namespace

Tensor cumsum(const Tensor& x, int64_t dim, Dtype dtype) { return scan<SumStep>(x, dim, dtype, "cumsum"); }
Tensor cumprod(const Tensor& x, int64_t dim, Dtype dtype) { return scan<ProdStep>(x, dim, dtype, "cumprod"); }
Tensor logcumsumexp(const Tensor& x, int64_t dim) {
  detail::check_defined(x, "logcumsumexp");
  EMBER_CHECK(is_floating_point(x.dtype()), "logcumsumexp: expected a floating point input, got {} (shape {})",
              x.dtype(), x.sizes());
  return scan<LogAddExpStep>(x, dim, x.dtype(), "logcumsumexp");
}

}  // namespace kernels
}  // namespace ember
