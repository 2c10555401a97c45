// The one door to BLAS (OpenBLAS): every GEMM and dot product in the kernels
// goes through here, so the cases BLAS itself handles badly are handled once:
// - empty products: m or n == 0 touches nothing; k == 0 gives beta * C (zeros
// when
//   beta == 0) without calling BLAS, which may reject a zero leading dimension;
// - beta == 0: C is cleared here first, so NaN or garbage in C never reaches
// the result
//   (some BLAS paths multiply the old C by 0 and keep a NaN);
// - BLAS counts in 32-bit ints: a size or leading dimension that does not fit
// throws
//   ember::Error naming the op and the shapes instead of wrapping around.
// Everything is row-major. No other file includes cblas.h. float32 products of more
// than one row and column go to oneDNN's sgemm instead when ember is built with it
// (ops/sgemm_onednn.hpp), with the same contract.
#pragma once

#include <climits>
#include <cstdint>

namespace ember {
namespace blas {

// True when v can be passed to BLAS as one of its int sizes, strides or leading
// dims.
inline bool fits_int(int64_t v) { return v >= INT_MIN && v <= INT_MAX; }

// C[m, n] (row pitch ldc) = alpha * op(A) op(B) + beta * C, where op transposes
// when trans_a / trans_b. A is stored [m, k] (or [k, m] when trans_a) with row
// pitch lda, B [k, n] (or [n, k] when trans_b) with row pitch ldb. `op` names
// the calling op in errors.
void gemm(const char* op, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void gemm(const char* op, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
          int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc);

// The sum over i < n of x[i * incx] * y[i * incy]; n, incx and incy must fit an
// int (callers with other strides use a plain loop).
float dot(const char* op, int64_t n, const float* x, int64_t incx, const float* y, int64_t incy);
double dot(const char* op, int64_t n, const double* x, int64_t incx, const double* y, int64_t incy);

// OpenBLAS's own thread count (process-wide).
int num_threads();
void set_num_threads(int n);

}  // namespace blas
}  // namespace ember
