#include "src/core/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ember/threads.hpp"
#include "src/core/check.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

extern "C" void openblas_set_num_threads(int);

// ember's own thread pool rather than OpenMP's: libgomp's idle threads spin at full speed
// for a long while after every parallel region (unless OMP_WAIT_POLICY=PASSIVE is set
// before the program starts), and on a machine with as many busy threads as cores that
// spinning starves OpenBLAS's threads and the next region's. These workers spin briefly,
// yielding the core, then sleep on a condition variable.
//
// Several threads may call into the pool at once (each takes its turn), and any thread
// may change the thread count meanwhile: the count is atomic, and a pool is shared by
// reference count, so a caller still running loops on the old pool keeps it alive until
// it is done; the next loop after a change makes a pool of the new size.
namespace ember {
namespace {

int initial_threads() {
  // Like PyTorch: the OpenMP setting if given, else the cores.
  if (const char* e = std::getenv("OMP_NUM_THREADS")) {
    int n = std::atoi(e);
    if (n > 0) return n;
  }
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}
std::atomic<int> g_threads{initial_threads()};
__attribute__((tls_model("initial-exec"))) thread_local bool t_in_parallel = false;

// The calling thread's subnormal mode (see set_flush_denormal): the control register's
// flush bits, 0 when subnormals are kept. set_fp_mode writes the register only when the
// bits differ.
#if defined(__x86_64__) || defined(__i386__)
constexpr unsigned kFlushBits = 0x8040;  // MXCSR: FTZ (bit 15) and DAZ (bit 6)
unsigned fp_mode() { return _mm_getcsr() & kFlushBits; }
void set_fp_mode(unsigned bits) {
  const unsigned csr = _mm_getcsr();
  if ((csr & kFlushBits) != bits) _mm_setcsr((csr & ~kFlushBits) | bits);
}
#elif defined(__aarch64__)
constexpr unsigned long kFlushBits = 1ul << 24;  // FPCR.FZ
unsigned long fpcr() {
  unsigned long r;
  __asm__ __volatile__("mrs %0, fpcr" : "=r"(r));
  return r;
}
unsigned long fp_mode() { return fpcr() & kFlushBits; }
void set_fp_mode(unsigned long bits) {
  const unsigned long r = fpcr();
  if ((r & kFlushBits) != bits) __asm__ __volatile__("msr fpcr, %0" : : "r"((r & ~kFlushBits) | bits));
}
#else
constexpr unsigned kFlushBits = 0;
unsigned fp_mode() { return 0; }
void set_fp_mode(unsigned) {}
#endif
using FpMode = decltype(fp_mode());

// One parallel loop. Each run gets its own Job, so a worker still finishing the loop
// before can never claim a piece of the next one with stale bounds.
struct Job {
  void (*fn)(void*, int64_t, int64_t);
  void* ctx;
  int64_t begin, end, chunks, per;
  FpMode fp_mode;  // the caller's subnormal mode, which the workers take on
  std::atomic<int64_t> next{0}, pending{0};
  std::mutex error_mutex;
  std::exception_ptr error;
};

class Pool {
 public:
  explicit Pool(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  int workers() const { return static_cast<int>(threads_.size()); }

  // Runs fn over `chunks` equal pieces of [begin, end), each claimed by whichever thread
  // is free first; the caller takes pieces too.
  void run(int64_t begin, int64_t end, int64_t chunks, void (*fn)(void*, int64_t, int64_t), void* ctx) {
    std::lock_guard<std::mutex> one_job(job_mutex_);  // callers from several threads take turns
    auto job = std::make_shared<Job>();
    job->fn = fn;
    job->ctx = ctx;
    job->begin = begin;
    job->end = end;
    job->chunks = chunks;
    job->per = (end - begin + chunks - 1) / chunks;
    job->fp_mode = fp_mode();
    job->pending.store(chunks);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = job;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    run_pieces(*job);
    // Wait for the workers' pieces: a short yielding spin, then sleep.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
    while (job->pending.load(std::memory_order_acquire) > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    if (job->pending.load(std::memory_order_acquire) > 0) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [&] { return job->pending.load(std::memory_order_acquire) == 0; });
    }
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  void run_pieces(Job& job) {
    for (int64_t c; (c = job.next.fetch_add(1)) < job.chunks;) {
      const int64_t b = job.begin + c * job.per, e = std::min(job.end, b + job.per);
      t_in_parallel = true;
      try {
        if (b < e) job.fn(job.ctx, b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lock(job.error_mutex);
        if (!job.error) job.error = std::current_exception();
      }
      t_in_parallel = false;
      if (job.pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_all();
      }
    }
  }

  void work() {
    uint64_t seen = 0;
    for (;;) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
      while (generation_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_acquire) != seen; });
        if (stop_) return;
        seen = generation_.load(std::memory_order_acquire);
        job = job_;
      }
      set_fp_mode(job->fp_mode);
      run_pieces(*job);
    }
  }

  std::vector<std::thread> threads_;
  std::mutex job_mutex_, mutex_;
  std::condition_variable wake_, done_;
  std::atomic<uint64_t> generation_{0};
  std::shared_ptr<Job> job_;  // the latest job; guarded by mutex_
  bool stop_ = false;
};

// The current pool: made on first use, replaced when the thread count changes. Callers
// hold their own reference while they run, so a replaced pool goes away (joining its
// idle workers) when its last caller finishes. The holder itself is never destroyed, so
// no pool is torn down during static destruction under a thread still using it.
std::mutex g_pool_mutex;
std::shared_ptr<Pool>& current_pool() {
  static auto* pool = new std::shared_ptr<Pool>();
  return *pool;
}

std::shared_ptr<Pool> pool_for(int threads) {
  std::shared_ptr<Pool> replaced;  // destroyed after the lock is released: it joins threads
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  std::shared_ptr<Pool>& pool = current_pool();
  if (!pool || pool->workers() != threads - 1) {
    replaced = std::move(pool);
    pool = std::make_shared<Pool>(threads - 1);
  }
  return pool;
}

// OpenBLAS's thread count is a process-wide setting; changes are made one at a time.
std::mutex g_blas_threads_mutex;

}  // namespace

void set_num_threads(int n) {
  EMBER_CHECK(n >= 1, "set_num_threads: expected a positive number of threads, got {}", n);
  std::lock_guard<std::mutex> lock(g_blas_threads_mutex);
  g_threads.store(n, std::memory_order_relaxed);
  openblas_set_num_threads(n);
}

int get_num_threads() { return g_threads.load(std::memory_order_relaxed); }

bool set_flush_denormal(bool on) {
  if (kFlushBits == 0) return false;
  set_fp_mode(on ? kFlushBits : 0);
  return true;
}
FlushDenormalGuard::FlushDenormalGuard(bool on) : saved_(fp_mode()) { set_fp_mode(on ? kFlushBits : 0); }
FlushDenormalGuard::~FlushDenormalGuard() { set_fp_mode(static_cast<FpMode>(saved_)); }

bool in_parallel_region() { return t_in_parallel; }

namespace detail {
// A loop is cut into up to this many pieces per thread (none smaller than the grain),
// claimed one at a time: on a machine shared with other programs a thread that starts
// late, or is preempted, leaves its later pieces to the others instead of holding the
// whole loop up for its one share.
constexpr int64_t kPiecesPerThread = 4;

void parallel_run(int64_t begin, int64_t end, int64_t grain, void (*fn)(void*, int64_t, int64_t), void* ctx) {
  const int threads = get_num_threads();  // read once: another thread may change it
  const int64_t chunks =
      threads <= 1 ? 1 : std::min<int64_t>(threads * kPiecesPerThread, (end - begin + grain - 1) / grain);
  if (chunks <= 1) {
    fn(ctx, begin, end);
    return;
  }
  pool_for(threads)->run(begin, end, chunks, fn, ctx);
}
}  // namespace detail
}  // namespace ember
