#include "ops/conv_gemm.hpp"

#include <cstring>

#include "ops/blas.hpp"
#include "ops/functors.hpp"

#ifdef EMBER_HAVE_DNNL
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include "src/core/check.hpp"
#endif

namespace ember {
namespace kernels {
namespace {

#ifdef EMBER_HAVE_DNNL
// oneDNN chooses its JIT kernels' instruction set itself; capping it at the set ember
// chose keeps EMBER_SIMD=avx2 meaning "as on an AVX2 machine" for the convolutions too.
// oneDNN needs AVX2 here: below it (EMBER_SIMD=sse2) OpenBLAS keeps the work.
bool dnnl_usable() {
  static const bool usable = [] {
    const char* isa = simd_arch_name();
    if (std::strcmp(isa, "avx2") == 0) {
      dnnl_set_max_cpu_isa(dnnl_cpu_isa_avx2);
      return true;
    }
    return std::strcmp(isa, "avx512") == 0;
  }();
  return usable;
}

// oneDNN's OpenMP build runs a GEMM on omp_get_max_threads() threads; the convolution
// kernels already give each batch chunk its own core, so each call gets one. The count
// is the calling thread's own OpenMP setting, restored afterwards.
struct OneOmpThread {
  int saved = omp_get_max_threads();
  OneOmpThread() {
    if (saved != 1) omp_set_num_threads(1);
  }
  ~OneOmpThread() {
    if (saved != 1) omp_set_num_threads(saved);
  }
};
#endif

}  // namespace

void conv_gemm(const char* op, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
               const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
#ifdef EMBER_HAVE_DNNL
  // Empty products keep blas::gemm's handling (k == 0 scales C by beta).
  if (m > 0 && n > 0 && k > 0 && dnnl_usable()) {
    EMBER_CHECK(blas::fits_int(m) && blas::fits_int(n) && blas::fits_int(k) && blas::fits_int(lda) &&
                    blas::fits_int(ldb) && blas::fits_int(ldc),
                "{}: a product of {} x {} by {} x {} is too large for oneDNN's sgemm", op, m, k, k, n);
    OneOmpThread one;
    dnnl_status_t s = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    EMBER_CHECK(s == dnnl_success, "{}: oneDNN's sgemm failed (status {}) on {} x {} by {} x {}", op,
                static_cast<int>(s), m, k, k, n);
    return;
  }
#endif
  blas::gemm(op, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void conv_gemm(const char* op, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
               const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  blas::gemm(op, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

const char* conv_gemm_backend() {
#ifdef EMBER_HAVE_DNNL
  if (dnnl_usable()) return "onednn";
#endif
  return "openblas";
}

}  // namespace kernels
}  // namespace ember
