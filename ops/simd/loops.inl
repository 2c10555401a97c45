// Contiguous SIMD loops, compiled once per instruction set (see simd_*.cpp) and chosen
// at run time. Everything here is templated on the xsimd architecture, so the copies
// compiled with different flags never collide. Tails go through a padded buffer so that
// no scalar code is compiled with wider instructions than the baseline.
#include <xsimd/xsimd.hpp>

#include "ops/functors.hpp"
#include "ops/simd/chain.hpp"
#include "ops/simd/gelu_float.hpp"
#include "ops/simd/pow.hpp"
#include "ops/simd/sigmoid_tanh_float.hpp"

namespace ember {
namespace kernels {
namespace simd {

template <class Arch, class Op, class T>
void unary_contig(const Op& op, const T* x, T* y, int64_t n) {
  using B = xsimd::batch<T, Arch>;
  constexpr int64_t W = static_cast<int64_t>(B::size);
  int64_t i = 0;
  // Four vectors per iteration, as in binary_contig: cheap ops (relu, neg) on data the
  // caches still hold are otherwise held back by the loop's own overhead.
  for (; i + 4 * W <= n; i += 4 * W) {
    B a = B::load_unaligned(x + i), b = B::load_unaligned(x + i + W);
    B c = B::load_unaligned(x + i + 2 * W), d = B::load_unaligned(x + i + 3 * W);
    op(a).store_unaligned(y + i);
    op(b).store_unaligned(y + i + W);
    op(c).store_unaligned(y + i + 2 * W);
    op(d).store_unaligned(y + i + 3 * W);
  }
  for (; i + W <= n; i += W) op(B::load_unaligned(x + i)).store_unaligned(y + i);
  if (i < n) {
    alignas(64) T buf[W] = {};
    for (int64_t k = 0; k < n - i; ++k) buf[k] = x[i + k];
    op(B::load_aligned(buf)).store_aligned(buf);
    for (int64_t k = 0; k < n - i; ++k) y[i + k] = buf[k];
  }
}

template <class Arch, class Op, class T>
void binary_contig(const Op& op, const T* a, const T* b, T* y, int64_t n, BinaryMode mode) {
  using B = xsimd::batch<T, Arch>;
  constexpr int64_t W = static_cast<int64_t>(B::size);
  int64_t i = 0;
  if (mode == BinaryMode::VV) {
    // Four vectors per iteration keeps more loads in flight on memory-bound runs.
    for (; i + 4 * W <= n; i += 4 * W) {
      B a0 = B::load_unaligned(a + i), a1 = B::load_unaligned(a + i + W);
      B a2 = B::load_unaligned(a + i + 2 * W), a3 = B::load_unaligned(a + i + 3 * W);
      B b0 = B::load_unaligned(b + i), b1 = B::load_unaligned(b + i + W);
      B b2 = B::load_unaligned(b + i + 2 * W), b3 = B::load_unaligned(b + i + 3 * W);
      op(a0, b0).store_unaligned(y + i);
      op(a1, b1).store_unaligned(y + i + W);
      op(a2, b2).store_unaligned(y + i + 2 * W);
      op(a3, b3).store_unaligned(y + i + 3 * W);
    }
    for (; i + W <= n; i += W) op(B::load_unaligned(a + i), B::load_unaligned(b + i)).store_unaligned(y + i);
  } else if (mode == BinaryMode::VS) {
    B s(*b);
    for (; i + W <= n; i += W) op(B::load_unaligned(a + i), s).store_unaligned(y + i);
  } else {
    B s(*a);
    for (; i + W <= n; i += W) op(s, B::load_unaligned(b + i)).store_unaligned(y + i);
  }
  if (i < n) {
    alignas(64) T ba[W] = {};
    alignas(64) T bb[W] = {};
    for (int64_t k = 0; k < n - i; ++k) {
      ba[k] = mode == BinaryMode::SV ? *a : a[i + k];
      bb[k] = mode == BinaryMode::VS ? *b : b[i + k];
    }
    op(B::load_aligned(ba), B::load_aligned(bb)).store_aligned(ba);
    for (int64_t k = 0; k < n - i; ++k) y[i + k] = ba[k];
  }
}

// v, which the compiler may not fold into an arithmetic op around it: the product stays
// rounded on its own instead of turning into a fused multiply-add with the sum (GCC
// contracts a * b + c even under -std=c++17).
template <class B>
inline B rounded(B v) {
#if defined(__GNUC__)
  typename B::register_type r = v;
  asm("" : "+v"(r));
  return B(r);
#else
  return v;
#endif
}

// y = op(a * b + c), one vector at a time through all three ops: the fused programs'
// multiply-add-activation chain (ContigChain). The product and the sum are rounded
// apart, as the eager mul and add round them, so the results are the eager ones.
template <class Arch, class Op, class T>
void mul_add_unary_contig(const T* a, const T* b, const T* c, T* y, int64_t n) {
  using B = xsimd::batch<T, Arch>;
  constexpr int64_t W = static_cast<int64_t>(B::size);
  const Op op{};
  int64_t i = 0;
  // The three input streams are read 2 KiB ahead (float32): with its gelu this loop
  // computes long enough per element that the hardware prefetchers alone left the
  // caches idle in between; on the 5th-generation Xeon the compiled gelu(x * w + b) on
  // 2^22 floats went from 14.4-14.9 to 17.9-18.6 GB/s with AVX2 (21-23 to 23-24 with
  // AVX-512). Prefetches never fault, but the addresses stay inside the arrays.
  constexpr int64_t kAhead = 2048 / static_cast<int64_t>(sizeof(T));
  for (; i + 2 * W <= n; i += 2 * W) {
    if (i + kAhead < n) {
      __builtin_prefetch(a + i + kAhead);
      __builtin_prefetch(b + i + kAhead);
      __builtin_prefetch(c + i + kAhead);
    }
    const B v0 = rounded(B::load_unaligned(a + i) * B::load_unaligned(b + i)) + B::load_unaligned(c + i);
    const B v1 = rounded(B::load_unaligned(a + i + W) * B::load_unaligned(b + i + W)) + B::load_unaligned(c + i + W);
    op(v0).store_unaligned(y + i);
    op(v1).store_unaligned(y + i + W);
  }
  for (; i + W <= n; i += W)
    op(rounded(B::load_unaligned(a + i) * B::load_unaligned(b + i)) + B::load_unaligned(c + i)).store_unaligned(y + i);
  if (i < n) {
    alignas(64) T ba[W] = {};
    alignas(64) T bb[W] = {};
    alignas(64) T bc[W] = {};
    for (int64_t k = 0; k < n - i; ++k) {
      ba[k] = a[i + k];
      bb[k] = b[i + k];
      bc[k] = c[i + k];
    }
    op(rounded(B::load_aligned(ba) * B::load_aligned(bb)) + B::load_aligned(bc)).store_aligned(ba);
    for (int64_t k = 0; k < n - i; ++k) y[i + k] = ba[k];
  }
}

// ContigGemv::rows_dot: four rows of W share each load of x, and each row keeps one
// accumulator vector (summed across its lanes at the end). Reading W is the cost; with
// one row at a time the loads of x would double the loads issued. float32 only (the
// fused multiply-adds of gelu_float.hpp).
template <class Arch>
void rows_dot_contig(int64_t n, int64_t k, const float* w, int64_t ld, const float* x, float alpha, float beta,
                     float* y) {
  using B = xsimd::batch<float, Arch>;
  constexpr int64_t W = static_cast<int64_t>(B::size);
  const int64_t kv = k - k % W;  // the columns the vectors cover; the rest one by one
  auto finish = [&](int64_t i, float dot) { y[i] = beta == 0.0f ? alpha * dot : alpha * dot + beta * y[i]; };
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float* w0 = w + i * ld;
    const float* w1 = w0 + ld;
    const float* w2 = w1 + ld;
    const float* w3 = w2 + ld;
    B a0(0.0f), a1(0.0f), a2(0.0f), a3(0.0f);
    for (int64_t j = 0; j < kv; j += W) {
      const B xv = B::load_unaligned(x + j);
      a0 = mul_add(B::load_unaligned(w0 + j), xv, a0);
      a1 = mul_add(B::load_unaligned(w1 + j), xv, a1);
      a2 = mul_add(B::load_unaligned(w2 + j), xv, a2);
      a3 = mul_add(B::load_unaligned(w3 + j), xv, a3);
    }
    float d0 = xsimd::hadd(a0), d1 = xsimd::hadd(a1), d2 = xsimd::hadd(a2), d3 = xsimd::hadd(a3);
    for (int64_t j = kv; j < k; ++j) {
      d0 += w0[j] * x[j];
      d1 += w1[j] * x[j];
      d2 += w2[j] * x[j];
      d3 += w3[j] * x[j];
    }
    finish(i, d0);
    finish(i + 1, d1);
    finish(i + 2, d2);
    finish(i + 3, d3);
  }
  for (; i < n; ++i) {
    const float* wi = w + i * ld;
    B a(0.0f);
    for (int64_t j = 0; j < kv; j += W) a = mul_add(B::load_unaligned(wi + j), B::load_unaligned(x + j), a);
    float d = xsimd::hadd(a);
    for (int64_t j = kv; j < k; ++j) d += wi[j] * x[j];
    finish(i, d);
  }
}

// Sum with several accumulators, for speed and for accuracy on long runs.
template <class Arch, class T>
T sum_contig(const T* x, int64_t n) {
  using B = xsimd::batch<T, Arch>;
  constexpr int64_t W = static_cast<int64_t>(B::size);
  B s0(T(0)), s1(T(0)), s2(T(0)), s3(T(0));
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    s0 += B::load_unaligned(x + i);
    s1 += B::load_unaligned(x + i + W);
    s2 += B::load_unaligned(x + i + 2 * W);
    s3 += B::load_unaligned(x + i + 3 * W);
  }
  for (; i + W <= n; i += W) s0 += B::load_unaligned(x + i);
  alignas(64) T buf[W] = {};
  for (int64_t k = 0; k < n - i; ++k) buf[k] = x[i + k];
  s0 += B::load_aligned(buf);
  return xsimd::hadd((s0 + s1) + (s2 + s3));
}

// Like sum_contig, but each block of 16 loads per accumulator is summed on its own and
// added into a second accumulator, so no lane adds more than a few dozen values in a row.
// The accumulators span 256 bytes per step whatever the vector width (4 with AVX-512, 8
// with AVX2 and SSE2's 16 registers): a sum that streams from memory is bound by the
// loads in flight, and with 4 AVX2 accumulators one thread summed 2^24 floats 20-30 %
// slower than with AVX-512 (and than LibTorch's AVX2 loop).
template <class Arch, class T>
T sum_blocked_contig(const T* x, int64_t n) {
  using B = xsimd::batch<T, Arch>;
  constexpr int64_t W = static_cast<int64_t>(B::size);
  constexpr int A = 8;
  constexpr int64_t kStep = A * W, kBlock = kStep * 16;
  B total(T(0));
  int64_t i = 0;
  B s[A];
  for (; i + kBlock <= n; i += kBlock) {
    const T* p = x + i;
    for (int a = 0; a < A; ++a) s[a] = B::load_unaligned(p + a * W);
    for (int64_t j = kStep; j < kBlock; j += kStep)
      for (int a = 0; a < A; ++a) s[a] += B::load_unaligned(p + j + a * W);
    for (int step = A / 2; step >= 1; step /= 2)  // a pairwise tree over the accumulators
      for (int a = 0; a < step; ++a) s[a] += s[a + step];
    total += s[0];
  }
  B r0(T(0)), r1(T(0)), r2(T(0)), r3(T(0));
  for (; i + 4 * W <= n; i += 4 * W) {
    r0 += B::load_unaligned(x + i);
    r1 += B::load_unaligned(x + i + W);
    r2 += B::load_unaligned(x + i + 2 * W);
    r3 += B::load_unaligned(x + i + 3 * W);
  }
  for (; i + W <= n; i += W) r0 += B::load_unaligned(x + i);
  alignas(64) T buf[W] = {};
  for (int64_t k = 0; k < n - i; ++k) buf[k] = x[i + k];
  r1 += B::load_aligned(buf);
  return xsimd::hadd(total + ((r0 + r1) + (r2 + r3)));
}

template <class Arch, class T>
void accumulate_contig(T* y, const T* x, int64_t n) {
  using B = xsimd::batch<T, Arch>;
  constexpr int64_t W = static_cast<int64_t>(B::size);
  int64_t i = 0;
  for (; i + W <= n; i += W) (B::load_unaligned(y + i) + B::load_unaligned(x + i)).store_unaligned(y + i);
  for (; i < n; ++i) y[i] += x[i];
}

template <class Arch, class T>
void accumulate4_contig(T* y, const T* x0, const T* x1, const T* x2, const T* x3, int64_t n) {
  using B = xsimd::batch<T, Arch>;
  constexpr int64_t W = static_cast<int64_t>(B::size);
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    B a = B::load_unaligned(x0 + i) + B::load_unaligned(x1 + i);
    B b = B::load_unaligned(x2 + i) + B::load_unaligned(x3 + i);
    (B::load_unaligned(y + i) + (a + b)).store_unaligned(y + i);
  }
  for (; i < n; ++i) y[i] += (x0[i] + x1[i]) + (x2[i] + x3[i]);
}

template <class Arch, class T, bool IsMax>
T extreme_contig(const T* x, int64_t n) {  // n >= 1; NaN propagates
  using B = xsimd::batch<T, Arch>;
  constexpr int64_t W = static_cast<int64_t>(B::size);
  if (n < W) {
    T m = x[0];
    for (int64_t k = 1; k < n; ++k) m = (x[k] != x[k] || (IsMax ? x[k] > m : x[k] < m)) ? x[k] : m;
    return m;
  }
  B m = B::load_unaligned(x);
  auto seen_nan = xsimd::isnan(m);  // lanes that have met a NaN (infinities are ordinary values)
  int64_t i = W;
  for (; i + W <= n; i += W) {
    B v = B::load_unaligned(x + i);
    seen_nan = seen_nan | xsimd::isnan(v);
    m = IsMax ? xsimd::max(m, v) : xsimd::min(m, v);
  }
  if (xsimd::any(seen_nan))
    for (int64_t k = 0; k < i; ++k)
      if (x[k] != x[k]) return x[k];
  alignas(64) T buf[W];
  m.store_aligned(buf);
  T r = buf[0];
  for (int64_t k = 1; k < W; ++k) r = IsMax ? (buf[k] > r ? buf[k] : r) : (buf[k] < r ? buf[k] : r);
  for (; i < n; ++i) r = (x[i] != x[i] || (IsMax ? x[i] > r : x[i] < r)) ? x[i] : r;
  return r;
}

template <class Arch>
void register_all() {
#define EMBER_REG_UNARY(OP)                                                 \
  Contig<OP<float>, float>::unary = &unary_contig<Arch, OP<float>, float>; \
  Contig<OP<double>, double>::unary = &unary_contig<Arch, OP<double>, double>;
#define EMBER_REG_CHAIN(OP)                                                                     \
  ContigChain<OP<float>, float>::mul_add_unary = &mul_add_unary_contig<Arch, OP<float>, float>; \
  ContigChain<OP<double>, double>::mul_add_unary = &mul_add_unary_contig<Arch, OP<double>, double>;
#define EMBER_REG_BINARY(OP)                                                  \
  Contig<OP<float>, float>::binary = &binary_contig<Arch, OP<float>, float>; \
  Contig<OP<double>, double>::binary = &binary_contig<Arch, OP<double>, double>;
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) \
  EMBER_REG_UNARY(FUNCTOR##Op)                                \
  EMBER_REG_CHAIN(FUNCTOR##Op)
#define EMBER_UNARY_PARAM_OP(NAME, FUNCTOR, DTYPE, GRAD, API) EMBER_REG_UNARY(FUNCTOR##Op)
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_REG_BINARY(FUNCTOR##Op)
#include "ember/detail/ops.def"
  EMBER_REG_BINARY(AddAlphaOp)
  EMBER_REG_BINARY(TanhGradOp)
  EMBER_REG_BINARY(SigmoidGradOp)
  EMBER_REG_BINARY(SiluGradOp)
  EMBER_REG_BINARY(GeluGradOp)
  EMBER_REG_BINARY(GeluTanhGradOp)
#undef EMBER_REG_UNARY
#undef EMBER_REG_BINARY
#undef EMBER_REG_CHAIN
  ContigGemv<float>::rows_dot = &rows_dot_contig<Arch>;
  ContigReduce<float>::sum = &sum_contig<Arch, float>;
  ContigReduce<double>::sum = &sum_contig<Arch, double>;
  ContigReduce<float>::sum_blocked = &sum_blocked_contig<Arch, float>;
  ContigReduce<double>::sum_blocked = &sum_blocked_contig<Arch, double>;
  ContigReduce<float>::accumulate4 = &accumulate4_contig<Arch, float>;
  ContigReduce<double>::accumulate4 = &accumulate4_contig<Arch, double>;
  ContigReduce<float>::accumulate = &accumulate_contig<Arch, float>;
  ContigReduce<double>::accumulate = &accumulate_contig<Arch, double>;
  ContigReduce<float>::max = &extreme_contig<Arch, float, true>;
  ContigReduce<double>::max = &extreme_contig<Arch, double, true>;
  ContigReduce<float>::min = &extreme_contig<Arch, float, false>;
  ContigReduce<double>::min = &extreme_contig<Arch, double, false>;
}

}  // namespace simd
}  // namespace kernels
}  // namespace ember
