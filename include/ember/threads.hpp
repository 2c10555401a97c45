// The number of threads ember's kernels and OpenBLAS use, together, and the loop
// splitter they use (at::parallel_for in PyTorch), for code that writes its own loops
// over tensor data.
#pragma once
#include <cstdint>

namespace ember {

void set_num_threads(int n);
int get_num_threads();
// Whether this thread is running a chunk of a parallel_for.
bool in_parallel_region();

// torch.set_flush_denormal: with true, float arithmetic on the calling thread treats
// subnormal inputs as zero and rounds subnormal results to zero (x86's DAZ and FTZ,
// aarch64's FZ); false restores IEEE behaviour, the default. ember's own worker threads
// take the mode of the thread whose loop they run, so a result does not depend on the
// thread count (OpenBLAS's and oneDNN's threads keep their own). Returns whether the CPU
// supports it; where it does not, nothing changes.
// Subnormals are slow on most CPUs: a training loop whose Adam moments decay into them
// (weights that see gradients rarely) can run its later epochs much slower than its first.
bool set_flush_denormal(bool on);

// Sets the calling thread's subnormal mode (as set_flush_denormal) for a scope and
// restores the mode it found; ember::jit's compiled functions replay under one.
class FlushDenormalGuard {
 public:
  explicit FlushDenormalGuard(bool on);
  ~FlushDenormalGuard();
  FlushDenormalGuard(const FlushDenormalGuard&) = delete;
  FlushDenormalGuard& operator=(const FlushDenormalGuard&) = delete;

 private:
  unsigned long saved_;
};

namespace detail {
void parallel_run(int64_t begin, int64_t end, int64_t grain, void (*fn)(void*, int64_t, int64_t), void* ctx);
}

// Calls f(b, e) on chunks of [begin, end) across ember's threads. A range of at most
// `grain` elements, a call from inside another parallel_for, or one thread runs
// f(begin, end) inline: threads only pay above a grain size, and loops never nest.
template <class F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, F&& f) {
  if (end - begin <= grain || in_parallel_region() || get_num_threads() == 1) {
    if (begin < end) f(begin, end);
    return;
  }
  detail::parallel_run(
      begin, end, grain, [](void* ctx, int64_t b, int64_t e) { (*static_cast<F*>(ctx))(b, e); },
      static_cast<void*>(&f));
}

}  // namespace ember
