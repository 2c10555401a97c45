#include "ops/blas.hpp"

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "ops/functors.hpp"
#include "ops/sgemm_onednn.hpp"
#include "src/core/check.hpp"
#include "src/core/parallel.hpp"

namespace ember {
namespace blas {
namespace {

CBLAS_TRANSPOSE trans(bool t) { return t ? CblasTrans : CblasNoTrans; }

// Throws when a product's sizes or leading dims do not fit BLAS's 32-bit ints.
void check_fits(const char* op, int64_t m, int64_t n, int64_t k, int64_t lda, int64_t ldb, int64_t ldc) {
  EMBER_CHECK(fits_int(m) && fits_int(n) && fits_int(k) && fits_int(lda) && fits_int(ldb) && fits_int(ldc),
              "{}: a product of [{}, {}] x [{}, {}] (leading dims {}, {}, {}) "
              "is too large for BLAS, which counts "
              "in 32-bit ints",
              op, m, k, k, n, lda, ldb, ldc);
}

// C[m, n] *= beta, with beta == 0 writing zeros (not 0 * C, which keeps NaN).
template <class T>
void scale_rows(T* c, int64_t m, int64_t n, int64_t ldc, T beta) {
  if (beta == T(1)) return;
  if (beta == T(0)) {
    if (ldc == n) {
      std::memset(c, 0, static_cast<std::size_t>(m * n) * sizeof(T));
      return;
    }
    for (int64_t i = 0; i < m; ++i) std::memset(c + i * ldc, 0, static_cast<std::size_t>(n) * sizeof(T));
    return;
  }
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] *= beta;
}

int ld(int64_t v) { return static_cast<int>(std::max<int64_t>(1, v)); }

void call(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
          float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, trans(ta), trans(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void call(bool ta, bool tb, int m, int n, int k, double alpha, const double* a, int lda, const double* b, int ldb,
          double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, trans(ta), trans(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemv(bool t, int rows, int cols, float alpha, const float* a, int lda, const float* x, int incx, float beta,
          float* y, int incy) {
  cblas_sgemv(CblasRowMajor, trans(t), rows, cols, alpha, a, lda, x, incx, beta, y, incy);
}
void gemv(bool t, int rows, int cols, double alpha, const double* a, int lda, const double* x, int incx,
          double beta, double* y, int incy) {
  cblas_dgemv(CblasRowMajor, trans(t), rows, cols, alpha, a, lda, x, incx, beta, y, incy);
}

// oneDNN's sgemm runs on one thread per call (ops/sgemm_onednn.hpp). A product with at
// least kSplitMultiplyAdds multiply-adds is cut into blocks of kSplitBlock whole columns
// of C (or rows, when C has more rows), one call each, and the blocks are shared out
// among ember's threads. The cut depends on the shape alone, at one thread too: oneDNN
// picks its kernel by the shape of each call, and narrower calls may sum in another
// order, so a cut that followed the thread count would make results follow it as well.
// 128 costs a single thread 0-5 % on the MLP's products (64 cost up to 2x on some).
constexpr int64_t kSplitMultiplyAdds = int64_t(1) << 21;
constexpr int kSplitBlock = 128;
// A single row of C goes to oneDNN from this many multiply-adds up.
constexpr int64_t kOneRowMultiplyAdds = 16384;

void onednn_gemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                 float beta, float* c, int ldc) {
  const bool by_columns = n >= m;
  const int extent = by_columns ? n : m;
  if (int64_t(m) * n * k < kSplitMultiplyAdds || extent <= kSplitBlock) {
    onednn::sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const int64_t blocks = (extent + kSplitBlock - 1) / kSplitBlock;
  parallel_for(0, blocks, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t block = lo; block < hi; ++block) {
      const int from = static_cast<int>(block) * kSplitBlock;
      const int count = std::min(extent - from, kSplitBlock);
      if (by_columns) {  // columns [from, from + count) of C: the same columns of op(B)
        const float* bj = tb ? b + int64_t(from) * ldb : b + from;
        onednn::sgemm(ta, tb, m, count, k, alpha, a, lda, bj, ldb, beta, c + from, ldc);
      } else {  // rows [from, from + count) of C: the same rows of op(A)
        const float* ai = ta ? a + from : a + int64_t(from) * lda;
        onednn::sgemm(ta, tb, count, n, k, alpha, ai, lda, b, ldb, beta, c + int64_t(from) * ldc, ldc);
      }
    }
  });
}

// Whether oneDNN took the product (float32 only).
bool try_onednn(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                float beta, float* c, int ldc) {
  if (!onednn::usable()) return false;
  onednn_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  return true;
}
bool try_onednn(bool, bool, int, int, int, double, const double*, int, const double*, int, double, double*, int) {
  return false;
}

template <class T>
void gemm_impl(const char* op, bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
               const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta * C
    scale_rows(c, m, n, ldc, beta);
    return;
  }
  check_fits(op, m, n, k, lda, ldb, ldc);
  const int im = static_cast<int>(m), in = static_cast<int>(n), ik = static_cast<int>(k);
  // A batch-1 linear layer in float32, c = alpha W x + beta c with W stored [n, k], goes
  // to ember's own loop (ContigGemv), which reads W once in place. On a 2-core Xeon
  // (AVX-512) it took 1.0 µs for 128 x 256 against oneDNN's 2.3 µs, and 0.04 µs for
  // 10 x 128 against 0.6 µs through OpenBLAS's gemv, whose kernel for that CPU was its
  // generic SSE3 one (OpenBLAS picks kernels by CPU model); 784 x 256 took the same.
  if constexpr (std::is_same<T, float>::value) {
    if (m == 1 && tb && (!ta || lda == 1) && kernels::ContigGemv<float>::rows_dot) {
      kernels::ContigGemv<float>::rows_dot(n, k, b, ldb, a, alpha, beta, c);
      return;
    }
  }
  // Other float32 products go to oneDNN when it is usable (it never reads C when
  // beta == 0), a single row too when its weights are many (W stored [k, n]): 784 x 256
  // took 9 µs there against 14 through OpenBLAS's gemv, while 128 x 10 took 0.13
  // against 0.07.
  // Other matrix-vector products stay on OpenBLAS's gemv.
  const bool big_row = m == 1 && n * k >= kOneRowMultiplyAdds;
  if (n > 1 && (m > 1 || big_row) && try_onednn(ta, tb, im, in, ik, alpha, a, ld(lda), b, ld(ldb), beta, c, ld(ldc)))
    return;
  // With beta == 0, C is cleared here and BLAS accumulates into it: besides
  // keeping NaN out, OpenBLAS's own beta = 0 pass is slower than memset (15-20
  // % on the RNN weight gradients, a large C from a short k).
  if (beta == T(0)) {
    scale_rows(c, m, n, ldc, T(0));
    beta = T(1);
  }
  // One row or one column is a matrix-vector product. OpenBLAS's gemm packs both
  // operands into its own layout on every call: for a batch-1 linear layer that is a
  // copy of the whole weight matrix, which cost more than the product itself (784x256:
  // 85 us through gemm, about 10 us through gemv). gemv reads the matrix once, in place.
  if (m == 1) {
    // c[1, n] += alpha * x op(B), x = A's only row (or column, when A is stored [k, 1]).
    const int incx = ta ? ld(lda) : 1;
    if (tb)  // B stored [n, k]: c = B x
      gemv(false, in, ik, alpha, b, ld(ldb), a, incx, beta, c, 1);
    else  // B stored [k, n]: c = B^T x
      gemv(true, ik, in, alpha, b, ld(ldb), a, incx, beta, c, 1);
    return;
  }
  if (n == 1) {
    // c[m, 1] += alpha * op(A) x, x = B's only column (or row, when B is stored [1, k]).
    const int incx = tb ? 1 : ld(ldb);
    if (ta)  // A stored [k, m]: c = A^T x
      gemv(true, ik, im, alpha, a, ld(lda), b, incx, beta, c, ld(ldc));
    else  // A stored [m, k]: c = A x
      gemv(false, im, ik, alpha, a, ld(lda), b, incx, beta, c, ld(ldc));
    return;
  }
  call(ta, tb, im, in, ik, alpha, a, ld(lda), b, ld(ldb), beta, c, ld(ldc));
}

}  // namespace

void gemm(const char* op, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  gemm_impl(op, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void gemm(const char* op, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
          int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  gemm_impl(op, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

float dot(const char* op, int64_t n, const float* x, int64_t incx, const float* y, int64_t incy) {
  EMBER_CHECK(fits_int(n) && fits_int(incx) && fits_int(incy),
              "{}: {} elements with strides {} and {} are too many for BLAS, "
              "which counts in 32-bit ints",
              op, n, incx, incy);
  return cblas_sdot(static_cast<int>(n), x, static_cast<int>(incx), y, static_cast<int>(incy));
}
double dot(const char* op, int64_t n, const double* x, int64_t incx, const double* y, int64_t incy) {
  EMBER_CHECK(fits_int(n) && fits_int(incx) && fits_int(incy),
              "{}: {} elements with strides {} and {} are too many for BLAS, "
              "which counts in 32-bit ints",
              op, n, incx, incy);
  return cblas_ddot(static_cast<int>(n), x, static_cast<int>(incx), y, static_cast<int>(incy));
}

int num_threads() { return openblas_get_num_threads(); }
void set_num_threads(int n) { openblas_set_num_threads(n); }

}  // namespace blas
}  // namespace ember
