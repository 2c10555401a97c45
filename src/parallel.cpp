#include "src/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "ember/threads.hpp"
#include "src/check.hpp"

extern "C" void openblas_set_num_threads(int);

// ember's own thread pool rather than OpenMP's: libgomp's idle threads spin at full speed
// for a long while after every parallel region (unless OMP_WAIT_POLICY=PASSIVE is set
// before the program starts), and on a machine with as many busy threads as cores that
// spinning starves OpenBLAS's threads and the next region's. These workers spin briefly,
// yielding the core, then sleep on a condition variable.
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
int g_threads = initial_threads();
__attribute__((tls_model("initial-exec"))) thread_local bool t_in_parallel = false;

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

  // Runs fn over `chunks` equal pieces of [begin, end); the caller takes pieces too.
  void run(int64_t begin, int64_t end, int64_t chunks, void (*fn)(void*, int64_t, int64_t), void* ctx) {
    std::lock_guard<std::mutex> one_job(job_mutex_);  // callers from several threads take turns
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = fn;
      ctx_ = ctx;
      begin_ = begin;
      end_ = end;
      chunks_ = chunks;
      next_.store(0);
      pending_.store(chunks);
      error_ = nullptr;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    take_chunks();
    // Wait for the workers' pieces: a short yielding spin, then sleep.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
    while (pending_.load(std::memory_order_acquire) > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    if (pending_.load(std::memory_order_acquire) > 0) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [&] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void take_chunks() {
    const int64_t per = (end_ - begin_ + chunks_ - 1) / chunks_;
    for (int64_t c; (c = next_.fetch_add(1)) < chunks_;) {
      const int64_t b = begin_ + c * per, e = std::min(end_, b + per);
      t_in_parallel = true;
      try {
        if (b < e) fn_(ctx_, b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      t_in_parallel = false;
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
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
      if (generation_.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_acquire) != seen; });
        if (stop_) return;
      }
      seen = generation_.load(std::memory_order_acquire);
      take_chunks();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex job_mutex_, mutex_;
  std::condition_variable wake_, done_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int64_t> next_{0}, pending_{0};
  bool stop_ = false;
  void (*fn_)(void*, int64_t, int64_t) = nullptr;
  void* ctx_ = nullptr;
  int64_t begin_ = 0, end_ = 0, chunks_ = 1;
  std::exception_ptr error_;
};

std::mutex g_pool_mutex;
Pool* g_pool = nullptr;  // made on first use; replaced when the thread count changes

Pool& pool_for(int threads) {
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  if (!g_pool || g_pool->workers() != threads - 1) {
    delete g_pool;
    g_pool = new Pool(threads - 1);
  }
  return *g_pool;
}

}  // namespace

void set_num_threads(int n) {
  EMBER_CHECK(n >= 1, "set_num_threads: expected a positive number of threads, got {}", n);
  g_threads = n;
  openblas_set_num_threads(n);
}

int get_num_threads() { return g_threads; }
bool in_parallel_region() { return t_in_parallel; }

namespace detail {
void parallel_run(int64_t begin, int64_t end, int64_t grain, void (*fn)(void*, int64_t, int64_t), void* ctx) {
  const int64_t chunks = std::min<int64_t>(g_threads, (end - begin + grain - 1) / grain);
  if (chunks <= 1) {
    fn(ctx, begin, end);
    return;
  }
  pool_for(g_threads).run(begin, end, chunks, fn, ctx);
}
}  // namespace detail
}  // namespace ember
