#include "src/parallel.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <exception>

#include "ember/threads.hpp"
#include "src/check.hpp"

extern "C" void openblas_set_num_threads(int);

namespace ember {
namespace {
int initial_threads() {
  // Like PyTorch: the OpenMP setting if given, else the cores.
  if (const char* e = std::getenv("OMP_NUM_THREADS")) {
    int n = std::atoi(e);
    if (n > 0) return n;
  }
  return std::max(1, omp_get_num_procs());
}
int g_threads = initial_threads();
__attribute__((tls_model("initial-exec"))) thread_local bool t_in_parallel = false;
}  // namespace

void set_num_threads(int n) {
  EMBER_CHECK(n >= 1, "set_num_threads: expected a positive number of threads, got {}", n);
  g_threads = n;
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int get_num_threads() { return g_threads; }
bool in_parallel_region() { return t_in_parallel; }

namespace detail {
void parallel_run(int64_t begin, int64_t end, int64_t grain, void (*fn)(void*, int64_t, int64_t), void* ctx) {
  int64_t chunks = std::min<int64_t>(g_threads, (end - begin + grain - 1) / grain);
  std::exception_ptr error;
#pragma omp parallel num_threads(static_cast<int>(chunks))
  {
    int64_t t = omp_get_thread_num();
    int64_t nt = omp_get_num_threads();
    int64_t per = (end - begin + nt - 1) / nt;
    int64_t b = begin + t * per;
    int64_t e = std::min(end, b + per);
    t_in_parallel = true;
    try {
      if (b < e) fn(ctx, b, e);
    } catch (...) {
#pragma omp critical
      error = std::current_exception();
    }
    t_in_parallel = false;
  }
  if (error) std::rethrow_exception(error);
}
}  // namespace detail
}  // namespace ember
