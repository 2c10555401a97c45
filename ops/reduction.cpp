// Reduction kernels. One engine serves sum, prod, amax/amin and all/any: it splits the
// input's dims into kept and reduced ones, merges dims that step through memory as one,
// and picks a loop:
//   inner  - the innermost reduced dim is contiguous: each output folds contiguous runs
//            (SIMD sum/max per run);
//   outer  - the innermost kept dim is contiguous: whole rows are accumulated into a
//            block of outputs at once (SIMD row accumulation);
//   strided fallback otherwise.
// Long runs are cut into fixed segments whose partial results are combined in a fixed
// order, so a result never depends on the number of threads. The folds are in
// reduction_folds.hpp; the index reductions (max/min along a dim, argmax/argmin), cumsum
// and softmax have files of their own.
#include "ops/reduction.hpp"

#include "src/core/dtype_dispatch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <type_traits>

#include "ops/elementwise.hpp"
#include "ops/functors.hpp"
#include "ops/reduction_common.hpp"
#include "ops/reduction_folds.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/parallel.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace kernels {
namespace {

using detail::empty_tensor;
using reduction_common::as_contiguous;
using reduction_common::check_float;
using reduction_common::kColumnBlock;
using reduction_common::to_dtype;
using reduction_common::via_kernel_dtype;
using reduction_common::wide_t;
using detail::reduced_numel;

constexpr int kMaxDims = 64;
// Outer reductions accumulate kColumnBlock (reduction_common.hpp) outputs at a time in a
// stack buffer, and fold every kRowChunk rows into a wider accumulator (for accuracy).
constexpr int64_t kRowChunk = 1024;

// ---- small helpers ----
bool has_dim(uint64_t mask, int64_t d) { return (mask >> d) & 1; }

// Ops without an identity (max, min) refuse empty reductions, as PyTorch does.
void check_nonempty(const Tensor& x, uint64_t mask, const char* op) {
  for (int64_t d = 0; d < x.dim(); ++d)
    EMBER_CHECK(!has_dim(mask, d) || x.size(d) != 0,
                "{}: cannot reduce over dim {} of size 0 (input shape {}): the operation has no identity", op, d,
                x.sizes());
}

// ---- geometry ----
struct Dims {
  int n = 0;
  int64_t size[kMaxDims];
  int64_t stride[kMaxDims];   // input stride, in elements
  int64_t ostride[kMaxDims];  // output stride (kept dims only)
};

struct Geometry {
  Dims kept;     // output order
  Dims reduced;  // smallest input stride last
  int64_t outputs = 1;
  int64_t rnumel = 1;
};

Geometry make_geometry(const Tensor& x, uint64_t mask) {
  Geometry g;
  IntArrayRef sz = x.sizes(), st = x.strides();
  int nd = static_cast<int>(x.dim());
  int64_t ost[kMaxDims];
  int64_t s = 1;
  for (int i = nd - 1; i >= 0; --i)
    if (!has_dim(mask, i)) {
      ost[i] = s;
      s *= sz[i];
    }
  for (int i = 0; i < nd; ++i) {
    int64_t n = sz[i];
    if (has_dim(mask, i)) {
      g.rnumel *= n;
      if (n == 1) continue;
      Dims& r = g.reduced;
      r.size[r.n] = n;
      r.stride[r.n] = st[i];
      ++r.n;
    } else {
      g.outputs *= n;
      if (n == 1) continue;
      Dims& k = g.kept;
      if (k.n > 0 && k.stride[k.n - 1] == st[i] * n && k.ostride[k.n - 1] == ost[i] * n) {
        k.size[k.n - 1] *= n;
        k.stride[k.n - 1] = st[i];
        k.ostride[k.n - 1] = ost[i];
        continue;
      }
      k.size[k.n] = n;
      k.stride[k.n] = st[i];
      k.ostride[k.n] = ost[i];
      ++k.n;
    }
  }
  // Order reduced dims by decreasing stride (the order of a sum is free), broadcast
  // (stride 0) dims outermost, then merge.
  Dims& r = g.reduced;
  auto key = [](int64_t stride) { return stride == 0 ? std::numeric_limits<int64_t>::max() : stride; };
  for (int i = 1; i < r.n; ++i)
    for (int j = i; j > 0 && key(r.stride[j - 1]) < key(r.stride[j]); --j) {
      std::swap(r.size[j - 1], r.size[j]);
      std::swap(r.stride[j - 1], r.stride[j]);
    }
  int m = 0;
  for (int i = 0; i < r.n; ++i) {
    if (m > 0 && r.stride[m - 1] == r.stride[i] * r.size[i]) {
      r.size[m - 1] *= r.size[i];
      r.stride[m - 1] = r.stride[i];
      continue;
    }
    r.size[m] = r.size[i];
    r.stride[m] = r.stride[i];
    ++m;
  }
  r.n = m;
  return g;
}

// Walks a multi-index over the first n dims of d, keeping the input offset.
struct Walker {
  const Dims& d;
  int n;
  int64_t idx[kMaxDims];
  int64_t off = 0;
  Walker(const Dims& dims, int ndims, int64_t start = 0) : d(dims), n(ndims) {
    for (int i = n - 1; i >= 0; --i) {
      idx[i] = start % d.size[i];
      start /= d.size[i];
      off += idx[i] * d.stride[i];
    }
  }
  void next() {
    for (int i = n - 1; i >= 0; --i) {
      off += d.stride[i];
      if (++idx[i] < d.size[i]) return;
      off -= d.stride[i] * d.size[i];
      idx[i] = 0;
    }
  }
};

// ---- the engine ----
template <class T, class F>
void reduce_inner(const Geometry& g, const T* base, T* out) {
  using Acc = typename F::Acc;
  const Dims& R = g.reduced;
  const int outer_n = R.n - 1;  // reduced dims walked around the contiguous runs
  const int64_t n0 = R.size[R.n - 1];
  const int64_t runs = g.rnumel / n0;
  const int64_t segs = (n0 + kSegment - 1) / kSegment;
  const int64_t total = runs * segs;
  auto segment = [&](int64_t in_off, int64_t s) -> Acc {
    int64_t b = s * kSegment;
    return F::run(base + in_off + b, std::min(kSegment, n0 - b));
  };
  if (g.outputs < get_num_threads() && total > 1 && g.rnumel > kGrainSize) {
    // Few outputs, long reductions: split each output's segments across threads.
    std::unique_ptr<Acc[]> part(new Acc[static_cast<std::size_t>(total)]);  // not vector<bool>: threads write it
    Walker k(g.kept, g.kept.n);
    for (int64_t o = 0; o < g.outputs; ++o, k.next()) {
      int64_t in_off = k.off;
      parallel_for(0, total, std::max<int64_t>(1, kGrainSize / std::min(n0, kSegment)), [&](int64_t b, int64_t e) {
        Walker r(R, outer_n, b / segs);
        int64_t s = b % segs;
        for (int64_t q = b; q < e; ++q) {
          part[static_cast<std::size_t>(q)] = segment(in_off + r.off, s);
          if (++s == segs) {
            s = 0;
            r.next();
          }
        }
      });
      Acc a = F::init();
      for (int64_t q = 0; q < total; ++q) a = F::merge(a, part[static_cast<std::size_t>(q)]);
      out[o] = F::finish(a);
    }
    return;
  }
  parallel_for(0, g.outputs, std::max<int64_t>(1, kGrainSize / g.rnumel), [&](int64_t b, int64_t e) {
    Walker k(g.kept, g.kept.n, b);
    for (int64_t o = b; o < e; ++o, k.next()) {
      Acc a = F::init();
      Walker r(R, outer_n);
      for (int64_t j = 0; j < runs; ++j, r.next())
        for (int64_t s = 0; s < segs; ++s) a = F::merge(a, segment(k.off + r.off, s));
      out[o] = F::finish(a);
    }
  });
}

template <class T, class F>
void reduce_outer(const Geometry& g, const T* base, T* out) {
  using Acc = typename F::Acc;
  const Dims& K = g.kept;
  const int64_t M = K.size[K.n - 1];  // contiguous in the input and in the output
  const int64_t outer = g.outputs / M;
  const int64_t blocks = (M + kColumnBlock - 1) / kColumnBlock;
  const int64_t units = outer * blocks;  // (kept index, column block) pairs
  const int64_t chunks = (g.rnumel + kRowChunk - 1) / kRowChunk;
  auto source = [&](int64_t u, int64_t* cn) {
    int64_t c0 = (u % blocks) * kColumnBlock;
    *cn = std::min(kColumnBlock, M - c0);
    return base + Walker(K, K.n - 1, u / blocks).off + c0;
  };
  // Folds the rows of chunk c into dst (cn columns), four rows per pass.
  auto chunk = [&](const T* src, int64_t c, T* dst, int64_t cn) {
    int64_t j = c * kRowChunk, j1 = std::min(g.rnumel, j + kRowChunk);
    for (int64_t i = 0; i < cn; ++i) dst[i] = static_cast<T>(F::init());
    Walker r(g.reduced, g.reduced.n, j);
    for (; j + 4 <= j1; j += 4) {
      const T* p[4];
      for (auto& q : p) {
        q = src + r.off;
        r.next();
      }
      F::rows4(dst, p, cn);
    }
    for (; j < j1; ++j, r.next()) F::rows(dst, src + r.off, cn);
  };
  auto merge = [](Acc* acc, const T* part, int64_t cn) {
    for (int64_t i = 0; i < cn; ++i) acc[i] = F::merge(acc[i], part[i]);
  };
  auto finish = [&](int64_t u, const Acc* acc, int64_t cn) {
    T* dst = out + (u / blocks) * M + (u % blocks) * kColumnBlock;
    for (int64_t i = 0; i < cn; ++i) dst[i] = F::finish(acc[i]);
  };
  if (units >= get_num_threads() || chunks == 1) {
    const int64_t work = g.rnumel * std::min(M, kColumnBlock);
    parallel_for(0, units, std::max<int64_t>(1, kGrainSize / work), [&](int64_t b, int64_t e) {
      T tmp[kColumnBlock];
      Acc acc[kColumnBlock];
      for (int64_t u = b; u < e; ++u) {
        int64_t cn;
        const T* src = source(u, &cn);
        for (int64_t i = 0; i < cn; ++i) acc[i] = F::init();
        for (int64_t c = 0; c < chunks; ++c) {
          chunk(src, c, tmp, cn);
          merge(acc, tmp, cn);
        }
        finish(u, acc, cn);
      }
    });
    return;
  }
  // Few column blocks, many rows: the row chunks of a block go to the threads, a wave at
  // a time, and their partial rows are merged in chunk order as above.
  constexpr int64_t kWave = 64;
  const int64_t width = std::min(M, kColumnBlock);
  std::unique_ptr<Acc[]> acc(new Acc[static_cast<std::size_t>(width)]);
  std::unique_ptr<T[]> part(new T[static_cast<std::size_t>(std::min(chunks, kWave) * width)]);
  for (int64_t u = 0; u < units; ++u) {
    int64_t cn;
    const T* src = source(u, &cn);
    for (int64_t i = 0; i < cn; ++i) acc[static_cast<std::size_t>(i)] = F::init();
    for (int64_t w = 0; w < chunks; w += kWave) {
      int64_t wn = std::min(kWave, chunks - w);
      parallel_for(0, wn, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) chunk(src, w + c, part.get() + c * cn, cn);
      });
      for (int64_t c = 0; c < wn; ++c) merge(acc.get(), part.get() + c * cn, cn);
    }
    finish(u, acc.get(), cn);
  }
}

template <class T, class F>
void reduce_strided(const Geometry& g, const T* base, T* out) {
  using Acc = typename F::Acc;
  parallel_for(0, g.outputs, std::max<int64_t>(1, kGrainSize / g.rnumel), [&](int64_t b, int64_t e) {
    Walker k(g.kept, g.kept.n, b);
    for (int64_t o = b; o < e; ++o, k.next()) {
      Acc a = F::init();
      Walker r(g.reduced, g.reduced.n);
      for (int64_t j = 0; j < g.rnumel; ++j, r.next()) a = F::step(a, base[k.off + r.off]);
      out[o] = F::finish(a);
    }
  });
}

// Reduces x (dtype T) over mask into a new tensor (the outputs in the same order
// whichever way keepdim goes).
template <class T, class F>
Tensor reduce(const Tensor& x_in, uint64_t mask, bool keepdim) {
  Tensor x = x_in;
  Tensor out = empty_tensor(detail::reduced_shape(x.sizes(), mask, keepdim), x.dtype());
  T* o = static_cast<T*>(out.data_ptr());
  Geometry g = make_geometry(x, mask);
  if (g.outputs == 0) return out;
  if (g.rnumel == 0) {
    T v = F::finish(F::init());
    for (int64_t i = 0; i < g.outputs; ++i) o[i] = v;
    return out;
  }
  bool inner = g.reduced.n > 0 && g.reduced.stride[g.reduced.n - 1] == 1;
  bool outer = !inner && g.reduced.n > 0 && g.kept.n > 0 && g.kept.stride[g.kept.n - 1] == 1 &&
               g.kept.size[g.kept.n - 1] >= 16;
  bool expanded = g.reduced.n > 0 && g.reduced.stride[g.reduced.n - 1] == 0;
  if (!inner && !outer && !expanded && !x.is_contiguous() && g.outputs < 16 && g.rnumel >= 2 * kGrainSize) {
    // A long strided reduction into few outputs: one parallel copy makes it contiguous
    // (not for a broadcast view, whose copy would be far larger than its data).
    x = contiguous_as(x, x.dtype());
    return reduce<T, F>(x, mask, keepdim);
  }
  const T* base = static_cast<const T*>(x.data_ptr());
  if (inner)
    reduce_inner<T, F>(g, base, o);
  else if (outer)
    reduce_outer<T, F>(g, base, o);
  else
    reduce_strided<T, F>(g, base, o);
  return out;
}

// ---- dispatch ----
template <template <class> class Fold>
Tensor reduce_numeric(const Tensor& x, uint64_t mask, bool keepdim) {
  switch (x.dtype()) {
    case Dtype::Float32: return reduce<float, Fold<float>>(x, mask, keepdim);
    case Dtype::Float64: return reduce<double, Fold<double>>(x, mask, keepdim);
    case Dtype::Int64: return reduce<int64_t, Fold<int64_t>>(x, mask, keepdim);
    default: return reduce<int64_t, Fold<int64_t>>(contiguous_as(x, Dtype::Int64), mask, keepdim);
  }
}

template <bool IsMax>
Tensor extreme(const Tensor& x, uint64_t mask, bool keepdim) {
  switch (x.dtype()) {
    case Dtype::Float32: return reduce<float, ExtremeFold<float, IsMax>>(x, mask, keepdim);
    case Dtype::Float64: return reduce<double, ExtremeFold<double, IsMax>>(x, mask, keepdim);
    case Dtype::Int64: return reduce<int64_t, ExtremeFold<int64_t, IsMax>>(x, mask, keepdim);
    default: return reduce<bool, ExtremeFold<bool, IsMax>>(x, mask, keepdim);
  }
}

// Computes in `dtype`; a bool result of sum/prod is computed in int64 and converted.
Tensor in_dtype(const Tensor& x, Dtype dtype) {
  Dtype compute = dtype == Dtype::Bool ? Dtype::Int64 : kernel_dtype(dtype);
  return x.dtype() == compute ? x : contiguous_as(x, compute);
}

}  // namespace

// ---- public kernels ----
Tensor sum(const Tensor& x, uint64_t mask, bool keepdim, Dtype dtype) {
  return to_dtype(reduce_numeric<SumFold>(in_dtype(x, dtype), mask, keepdim), dtype);
}

Tensor prod(const Tensor& x, uint64_t mask, bool keepdim, Dtype dtype) {
  return to_dtype(reduce_numeric<ProdFold>(in_dtype(x, dtype), mask, keepdim), dtype);
}

Tensor mean(const Tensor& x, uint64_t mask, bool keepdim, Dtype dtype) {
  EMBER_CHECK(is_floating_point(dtype), "mean: expected a floating point dtype, got {} (input shape {})", dtype,
              x.sizes());
  Tensor r = reduce_numeric<SumFold>(in_dtype(x, dtype), mask, keepdim);
  double n = static_cast<double>(reduced_numel(x.sizes(), mask));
  EMBER_DISPATCH_FLOAT(r.dtype(), [&] {
    T* p = static_cast<T*>(r.data_ptr());
    for (int64_t i = 0; i < r.numel(); ++i) p[i] = static_cast<T>(p[i] / n);
  });
  return to_dtype(r, dtype);
}

Tensor amax(const Tensor& x, uint64_t mask, bool keepdim, const char* op) {
  check_nonempty(x, mask, op);
  return via_kernel_dtype(x, [&](const Tensor& c) { return extreme<true>(c, mask, keepdim); });
}
Tensor amin(const Tensor& x, uint64_t mask, bool keepdim, const char* op) {
  check_nonempty(x, mask, op);
  return via_kernel_dtype(x, [&](const Tensor& c) { return extreme<false>(c, mask, keepdim); });
}

// As PyTorch, all and any of a uint8 tensor give uint8 (0 or 1); of any other, bool.
Tensor all(const Tensor& x, uint64_t mask, bool keepdim) {
  Tensor b = x.dtype() == Dtype::Bool ? x : contiguous_as(x, Dtype::Bool);
  Tensor r = reduce<bool, LogicalFold<true>>(b, mask, keepdim);
  return x.dtype() == Dtype::UInt8 ? to_dtype(r, Dtype::UInt8) : r;
}
Tensor any(const Tensor& x, uint64_t mask, bool keepdim) {
  Tensor b = x.dtype() == Dtype::Bool ? x : contiguous_as(x, Dtype::Bool);
  Tensor r = reduce<bool, LogicalFold<false>>(b, mask, keepdim);
  return x.dtype() == Dtype::UInt8 ? to_dtype(r, Dtype::UInt8) : r;
}

Tensor var(const Tensor& x, uint64_t mask, double correction, bool keepdim) {
  check_float(x, "var");
  if (kernel_dtype(x.dtype()) != x.dtype()) return via_kernel_dtype(x, [&](const Tensor& c) { return var(c, mask, correction, keepdim); });
  double n = static_cast<double>(reduced_numel(x.sizes(), mask));
  Tensor m = mean(x, mask, true, x.dtype());
  Tensor d = binary(Binary::Sub, x, m);
  square_out(d, d);
  Tensor r = sum(d, mask, keepdim, x.dtype());
  double denom = std::max(0.0, n - correction);
  EMBER_DISPATCH_FLOAT(r.dtype(), [&] {
    T* p = static_cast<T*>(r.data_ptr());
    for (int64_t i = 0; i < r.numel(); ++i) p[i] = static_cast<T>(p[i] / denom);
  });
  return r;
}

Tensor logsumexp(const Tensor& x, uint64_t mask, bool keepdim) {
  check_float(x, "logsumexp");
  if (kernel_dtype(x.dtype()) != x.dtype()) return via_kernel_dtype(x, [&](const Tensor& c) { return logsumexp(c, mask, keepdim); });
  if (reduced_numel(x.sizes(), mask) == 0) {
    Tensor r = empty_tensor(detail::reduced_shape(x.sizes(), mask, keepdim), x.dtype());
    fill(r, -std::numeric_limits<double>::infinity());
    return r;
  }
  // Shift by the maximum, except where it is infinite (an all -inf slice must give -inf,
  // and +inf gives +inf), so that exp never overflows.
  Tensor m = extreme<true>(x, mask, true);
  EMBER_DISPATCH_FLOAT(m.dtype(), [&] {
    T* p = static_cast<T*>(m.data_ptr());
    for (int64_t i = 0; i < m.numel(); ++i)
      if (std::isinf(p[i])) p[i] = 0;
  });
  Tensor e = binary(Binary::Sub, x, m);
  exp_out(e, e);
  Tensor r = sum(e, mask, keepdim, x.dtype());  // the same order of outputs as m
  EMBER_DISPATCH_FLOAT(r.dtype(), [&] {
    T* p = static_cast<T*>(r.data_ptr());
    const T* mp = static_cast<const T*>(m.data_ptr());
    for (int64_t i = 0; i < r.numel(); ++i) p[i] = std::log(p[i]) + mp[i];
  });
  return r;
}

Tensor norm(const Tensor& x, double p, uint64_t mask, bool keepdim) {
  check_float(x, "norm");
  if (kernel_dtype(x.dtype()) != x.dtype()) return via_kernel_dtype(x, [&](const Tensor& c) { return norm(c, p, mask, keepdim); });
  if (std::isinf(p)) {
    // An empty max-norm is 0, as PyTorch's vector_norm gives.
    if (reduced_numel(x.sizes(), mask) == 0) {
      Tensor r = empty_tensor(detail::reduced_shape(x.sizes(), mask, keepdim), x.dtype());
      fill(r, 0);
      return r;
    }
    return p > 0 ? amax(kernels::abs(x), mask, keepdim, "norm") : amin(kernels::abs(x), mask, keepdim, "norm");
  }
  if (p == 0) return sum(compare(Compare::Ne, x, 0), mask, keepdim, x.dtype());
  if (p == 1) return sum(kernels::abs(x), mask, keepdim, x.dtype());
  if (p == 2) {
    Tensor r = sum(kernels::square(x), mask, keepdim, x.dtype());
    sqrt_out(r, r);
    return r;
  }
  Tensor r = sum(pow_scalar(kernels::abs(x), p), mask, keepdim, x.dtype());
  return pow_scalar(r, 1.0 / p);
}

}  // namespace kernels
}  // namespace ember
