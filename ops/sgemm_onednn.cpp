#include "ops/sgemm_onednn.hpp"

#include <cstring>

#include "ember/version.hpp"
#include "ops/functors.hpp"
#include "src/core/check.hpp"

#ifdef EMBER_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>

#include "ops/onednn_one_thread.hpp"
#endif

namespace ember {
namespace blas {
namespace onednn {

#ifdef EMBER_HAVE_DNNL

using kernels::OneOmpThread;

// oneDNN chooses its JIT kernels' instruction set itself; capping it at the set ember
// chose keeps EMBER_SIMD=avx2 meaning "as on an AVX2 machine" for the GEMMs too.
// oneDNN needs AVX2 here: below it (EMBER_SIMD=sse2) OpenBLAS keeps the work.
bool usable() {
  static const bool yes = [] {
    const char* isa = kernels::simd_arch_name();
    if (std::strcmp(isa, "avx2") == 0) {
      dnnl_set_max_cpu_isa(dnnl_cpu_isa_avx2);
      return true;
    }
    return std::strcmp(isa, "avx512") == 0;
  }();
  return yes;
}

void sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
           int ldb, float beta, float* c, int ldc) {
  OneOmpThread one;
  const dnnl_status_t s = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  EMBER_CHECK(s == dnnl_success, "matmul: oneDNN's sgemm failed (status {}) on [{}, {}] x [{}, {}]",
              static_cast<int>(s), m, k, k, n);
}

#else

bool usable() { return false; }
void sgemm(bool, bool, int, int, int, float, const float*, int, const float*, int, float, float*, int) {
  EMBER_CHECK(false, "matmul: ember was built without oneDNN");
}

#endif

}  // namespace onednn

const char* sgemm_backend() { return onednn::usable() ? "onednn" : "openblas"; }

}  // namespace blas

const char* matmul_backend() { return blas::sgemm_backend(); }

}  // namespace ember
