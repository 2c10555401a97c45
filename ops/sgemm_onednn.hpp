// oneDNN's sgemm, behind blas::gemm (ops/blas.cpp, which says which products go here).
// When ember is built with oneDNN (libdnnl-dev, found at configure time:
// EMBER_HAVE_DNNL) and the CPU has AVX2 or better within EMBER_SIMD's cap, float32
// products run on it: on an AVX-512 CPU its JIT kernels run ember's shapes (linear
// layers, convolutions, weight gradients) about 2x as fast as the OpenBLAS 0.3.21 Debian
// ships, which uses its AVX2 kernel there; with AVX2 it is 0-20 % faster
// (bench/README.md, "float32 GEMMs on oneDNN"). float64, EMBER_SIMD=sse2 and builds
// without oneDNN stay on OpenBLAS.
#pragma once
#include <cstdint>

namespace ember {
namespace blas {
namespace onednn {

// Whether float32 products go to oneDNN in this process (decided once).
bool usable();

// C = alpha op(A) op(B) + beta C, row-major, on the calling thread alone (oneDNN's own
// OpenMP threads split the sum over k for some shapes, which would make a result depend
// on the thread count). beta == 0 never reads C. Sizes must fit an int (blas.cpp checks).
void sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
           int ldb, float beta, float* c, int ldc);

}  // namespace onednn

// Which library float32 products go to: "onednn" or "openblas".
const char* sgemm_backend();

}  // namespace blas
}  // namespace ember
