// The GEMMs of the convolution kernels (ops/conv.cpp). float32 goes to oneDNN's sgemm
// when ember was built with oneDNN (libdnnl-dev, found at configure time: EMBER_HAVE_DNNL)
// and the CPU has AVX2 or better within EMBER_SIMD's cap: on an AVX-512 CPU its JIT
// kernels run the convolution's shapes 2-3x faster than OpenBLAS's sgemm. Everything
// else (float64, no oneDNN, EMBER_SIMD=sse2) goes to blas::gemm.
//
// Same contract as blas::gemm (row-major; beta == 0 never reads C), and oneDNN runs on
// the calling thread alone: the convolution kernels parallelise over the batch, so a
// result never depends on the thread count.
#pragma once
#include <cstdint>

namespace ember {
namespace kernels {

void conv_gemm(const char* op, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
               const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void conv_gemm(const char* op, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
               const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc);

// Which library conv_gemm hands float32 to: "onednn" or "openblas".
const char* conv_gemm_backend();

}  // namespace kernels
}  // namespace ember
