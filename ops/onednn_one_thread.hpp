// OneOmpThread: runs a oneDNN call on the calling thread alone. oneDNN's OpenMP build
// runs a primitive (or dnnl_sgemm) on omp_get_max_threads() threads; ember splits the
// work over its own threads instead, so that results follow the shape and not the
// thread count (ops/sgemm_onednn.cpp, ops/conv_winograd.cpp). The count is the calling
// thread's own OpenMP setting, restored afterwards. Only for builds with oneDNN.
#pragma once
#include <omp.h>

namespace ember {
namespace kernels {

struct OneOmpThread {
  int saved = omp_get_max_threads();
  OneOmpThread() {
    if (saved != 1) omp_set_num_threads(1);
  }
  ~OneOmpThread() {
    if (saved != 1) omp_set_num_threads(saved);
  }
  OneOmpThread(const OneOmpThread&) = delete;
  OneOmpThread& operator=(const OneOmpThread&) = delete;
};

}  // namespace kernels
}  // namespace ember
