// The caching allocator. Storage headers and their data come from one block; so do
// TensorImpls and autograd records (cached_alloc). A training loop that makes the same
// shapes every step reuses blocks instead of calling malloc (and, for big tensors,
// instead of taking fresh page faults on every op).
//
// Size classes: multiples of 64 bytes up to 1 KiB, then four classes per power of two
// (at most 25 % slack). Blocks are 64-byte aligned.
//
// Where a freed block goes:
//  - blocks up to kThreadMaxBytes: onto the freeing thread's own free list of its class
//    (a few instructions, no lock). Each list holds at most cap(class) blocks; past
//    that, half of it moves to the shared pool in one locked step. An empty list
//    refills from the shared pool the same way before asking the system.
//  - bigger blocks: straight into the shared pool (one lock, small next to the work
//    of filling such a block).
//  - the shared pool keeps at most its limit (set_cache_limit, default 1 GiB); beyond
//    that, blocks go back to the system.
//  - a big block (kBigBytes or more) that the pool cannot serve, when the pool already
//    holds kKeepBigBytes or more with it, first sends the pool's big blocks of other
//    sizes back to the system. A change of sizes (evaluation at another batch size, the
//    next layer of an evaluation batch) would otherwise keep the old sizes' blocks
//    cached beside the new ones, which is where most of a convolutional network's peak
//    resident memory went. Below that amount nothing goes back: a training step whose
//    sizes come and go (one size freed before another is taken, every step) keeps its
//    blocks and, once warm, takes nothing from the system.
// Big blocks come from mmap and go back with munmap, so giving one back lowers the
// resident size at once (glibc's free keeps blocks under its adaptive mmap threshold,
// up to 32 MiB, in its heap).
// So a block freed on another thread than the one that took it (a producer handing
// tensors to a consumer, a data loader's worker) comes back through the shared pool to
// whichever thread allocates next, and no cache grows without bound.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <utility>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <sys/mman.h>

#include "ember/detail/allocation_count.hpp"
#include "ember/detail/tensor_impl.hpp"
#include "ember/memory.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace detail {
namespace {

constexpr std::size_t kHeader = 64;  // room for the Storage, keeping data 64-byte aligned
static_assert(sizeof(Storage) <= kHeader, "Storage must fit its header slot");
// No single block can be bigger than a process's 47-bit address space (Linux hands
// out higher addresses only on request), so such a request fails without asking the
// system (and without tripping a sanitizer's own size limit).
constexpr std::size_t kMaxBlockBytes = std::size_t(1) << 47;
constexpr int kClasses = 16 + 4 * 38;  // the last class holds 2^48 bytes
constexpr std::size_t kThreadMaxBytes = 32 * 1024;
constexpr std::size_t kThreadClassBytes = 64 * 1024;  // a thread list's share, before the cap's clamp
constexpr std::size_t kDefaultCacheLimit = std::size_t(1) << 30;
constexpr std::size_t kBigBytes = std::size_t(1) << 20;  // blocks from mmap, released on a miss
constexpr std::size_t kKeepBigBytes = std::size_t(64) << 20;  // a miss releases nothing below this
// A thread folds its allocated-bytes count into the global one when the count it holds
// passes this, which bounds how far the peak can be off.
constexpr int64_t kPublishBytes = 64 * 1024;

int class_of(std::size_t n) {
  if (n <= 1024) return n == 0 ? 0 : static_cast<int>((n + 63) / 64) - 1;
  int p = 63 - __builtin_clzll(n - 1);  // 2^p < n <= 2^(p+1)
  std::size_t step = std::size_t(1) << (p - 2);
  std::size_t k = (n - (std::size_t(1) << p) + step - 1) / step;  // 1..4
  return 16 + (p - 10) * 4 + static_cast<int>(k) - 1;
}

constexpr std::size_t class_bytes(int c) {
  if (c < 16) return static_cast<std::size_t>(c + 1) * 64;
  int p = (c - 16) / 4 + 10;
  std::size_t k = static_cast<std::size_t>((c - 16) % 4) + 1;
  return (std::size_t(1) << p) + k * (std::size_t(1) << (p - 2));
}
static_assert(class_bytes(kClasses - 1) >= kMaxBlockBytes + kHeader, "the classes must cover every block");

// Class sizes and thread-list caps, computed once.
struct ClassTable {
  std::size_t bytes[kClasses];
  uint32_t cap[kClasses];  // 0: the class skips the thread caches
  int thread_classes = 0;  // classes [0, thread_classes) have thread lists
  constexpr ClassTable() : bytes(), cap() {
    for (int c = 0; c < kClasses; ++c) {
      bytes[c] = class_bytes(c);
      if (bytes[c] <= kThreadMaxBytes) {
        std::size_t n = kThreadClassBytes / bytes[c];
        cap[c] = static_cast<uint32_t>(n < 4 ? 4 : n > 256 ? 256 : n);
        thread_classes = c + 1;
      }
    }
  }
};
constexpr ClassTable g_classes;
constexpr int kThreadClasses = ClassTable().thread_classes;

#ifdef EMBER_NO_CACHING_ALLOCATOR
constexpr bool kCaching = false;  // sanitizer builds: let ASan see every free
#else
constexpr bool kCaching = true;
#endif

void*& next_of(void* block) { return *static_cast<void**>(block); }

void raise_peak(std::atomic<std::size_t>& peak, std::size_t v) {
  std::size_t p = peak.load(std::memory_order_relaxed);
  while (v > p && !peak.compare_exchange_weak(p, v, std::memory_order_relaxed)) {
  }
}

// ---- the shared pool and the global counters ----

struct alignas(64) PoolClass {
  std::mutex mutex;
  void* head = nullptr;
};

struct ThreadCache;

struct Global {
  PoolClass pool[kClasses];
  std::atomic<std::size_t> pool_bytes{0}, pool_blocks{0};
  std::atomic<std::size_t> limit{kDefaultCacheLimit};
  std::atomic<std::size_t> reserved{0}, peak_reserved{0};
  std::atomic<std::size_t> allocated{0}, peak_allocated{0};  // plus what the threads still hold
  std::atomic<uint64_t> system_allocs{0}, system_frees{0};
  // Storages handed out by threads without a cache, and by caches that have gone.
  std::atomic<uint64_t> storages{0};
  std::mutex threads_mutex;  // guards the list of live thread caches
  ThreadCache* threads = nullptr;
};

// Never destroyed: tensors in static objects may be freed after every destructor ran.
Global& global() {
  static Global* g = new Global;
  return *g;
}

// ---- the system ----

void* system_alloc(std::size_t bytes) {
  void* p = nullptr;
  if (kCaching && bytes >= kBigBytes) {
    p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) p = nullptr;
  } else {
    p = std::aligned_alloc(64, bytes);
  }
  if (p) {
    Global& g = global();
    raise_peak(g.peak_reserved, g.reserved.fetch_add(bytes, std::memory_order_relaxed) + bytes);
    g.system_allocs.fetch_add(1, std::memory_order_relaxed);
  }
  return p;
}

void system_free(void* p, std::size_t bytes) {
  if (kCaching && bytes >= kBigBytes) munmap(p, bytes);
  else std::free(p);
  Global& g = global();
  g.reserved.fetch_sub(bytes, std::memory_order_relaxed);
  g.system_frees.fetch_add(1, std::memory_order_relaxed);
}

void system_free_chain(void* head, std::size_t bytes) {
  while (head) {
    void* next = next_of(head);
    system_free(head, bytes);
    head = next;
  }
}

// Puts a chain of n blocks of class c into the pool, or back to the system past the limit.
void pool_put(int c, void* first, void* last, std::size_t n) {
  Global& g = global();
  const std::size_t bytes = n * g_classes.bytes[c];
  if (g.pool_bytes.load(std::memory_order_relaxed) + bytes <= g.limit.load(std::memory_order_relaxed)) {
    PoolClass& pc = g.pool[c];
    std::lock_guard<std::mutex> lock(pc.mutex);
    next_of(last) = pc.head;
    pc.head = first;
    g.pool_bytes.fetch_add(bytes, std::memory_order_relaxed);
    g.pool_blocks.fetch_add(n, std::memory_order_relaxed);
    return;
  }
  next_of(last) = nullptr;
  system_free_chain(first, g_classes.bytes[c]);
}

// Takes up to `want` blocks of class c from the pool as a chain; returns how many.
std::size_t pool_take(int c, std::size_t want, void** head) {
  Global& g = global();
  PoolClass& pc = g.pool[c];
  std::lock_guard<std::mutex> lock(pc.mutex);
  void* first = pc.head;
  if (!first) return 0;
  void* last = first;
  std::size_t n = 1;
  while (n < want && next_of(last)) {
    last = next_of(last);
    ++n;
  }
  pc.head = next_of(last);
  next_of(last) = nullptr;
  g.pool_bytes.fetch_sub(n * g_classes.bytes[c], std::memory_order_relaxed);
  g.pool_blocks.fetch_sub(n, std::memory_order_relaxed);
  *head = first;
  return n;
}

// Takes every block of class c out of the pool and gives it back to the system.
void release_class(int c) {
  Global& g = global();
  PoolClass& pc = g.pool[c];
  void* head = nullptr;
  {
    std::lock_guard<std::mutex> lock(pc.mutex);
    if (!pc.head) return;
    head = pc.head;
    pc.head = nullptr;
    std::size_t n = 0;
    for (void* p = head; p; p = next_of(p)) ++n;
    g.pool_bytes.fetch_sub(n * g_classes.bytes[c], std::memory_order_relaxed);
    g.pool_blocks.fetch_sub(n, std::memory_order_relaxed);
  }
  system_free_chain(head, g_classes.bytes[c]);
}

void release_pool() {
  for (int c = 0; c < kClasses; ++c) release_class(c);
}

// A big block of class c must come from the system: first the pool's big blocks of
// every other class go back (see the top of the file).
void release_big_except(int c) {
  for (int k = 0; k < kClasses; ++k)
    if (k != c && g_classes.bytes[k] >= kBigBytes) release_class(k);
}

// ---- the thread caches ----

// A thread's list of free blocks of one class, threaded through the blocks themselves
// (a block's first word points to the next). `count` is read by memory_stats on other
// threads, hence atomic; relaxed loads and stores cost what plain ones do.
struct FreeList {
  void* head = nullptr;
  std::atomic<uint32_t> count{0};
};

struct ThreadCache {
  FreeList lists[kThreadClasses];
  // Bytes taken minus bytes given on this thread, not yet folded into Global::allocated.
  std::atomic<int64_t> allocated{0};
  // Storages this thread took (storage_allocations): written only by the thread itself,
  // so a relaxed load and store, not a locked add, and no line shared between threads.
  std::atomic<uint64_t> storages{0};
  ThreadCache* prev = nullptr;  // the list of live thread caches
  ThreadCache* next = nullptr;

  ThreadCache() {
    Global& g = global();
    std::lock_guard<std::mutex> lock(g.threads_mutex);
    next = g.threads;
    if (next) next->prev = this;
    g.threads = this;
  }
  // The thread ends: its blocks go to the pool and its count to the global one.
  ~ThreadCache() {
    Global& g = global();
    std::lock_guard<std::mutex> lock(g.threads_mutex);
    flush_lists(/*to_system=*/false);
    publish();
    g.storages.fetch_add(storages.load(std::memory_order_relaxed), std::memory_order_relaxed);
    if (prev) prev->next = next;
    else g.threads = next;
    if (next) next->prev = prev;
  }

  void flush_lists(bool to_system) {
    for (int c = 0; c < kThreadClasses; ++c) {
      FreeList& fl = lists[c];
      if (!fl.head) continue;
      const uint32_t n = fl.count.load(std::memory_order_relaxed);
      if (to_system) {
        system_free_chain(fl.head, g_classes.bytes[c]);
      } else {
        void* last = fl.head;
        while (next_of(last)) last = next_of(last);
        pool_put(c, fl.head, last, n);
      }
      fl.head = nullptr;
      fl.count.store(0, std::memory_order_relaxed);
    }
  }

  // Bytes and blocks on the lists (memory_stats).
  std::pair<std::size_t, std::size_t> cached() const {
    std::size_t bytes = 0, blocks = 0;
    for (int c = 0; c < kThreadClasses; ++c) {
      const std::size_t n = lists[c].count.load(std::memory_order_relaxed);
      bytes += n * g_classes.bytes[c];
      blocks += n;
    }
    return {bytes, blocks};
  }

  // Folds this thread's allocated-bytes count into the global one and moves the peak.
  void publish() {
    int64_t d = allocated.load(std::memory_order_relaxed);
    allocated.store(0, std::memory_order_relaxed);
    Global& g = global();
    std::size_t now = g.allocated.fetch_add(static_cast<std::size_t>(d), std::memory_order_relaxed) +
                      static_cast<std::size_t>(d);
    if (d > 0) raise_peak(g.peak_allocated, now);
  }
};

// The cache is reached through a plain pointer in initial-exec TLS: a general-dynamic
// thread_local in a shared library costs a __tls_get_addr call on every access, which
// showed up at 8% of a small add. The owner object (touched once per thread) hands the
// cache over when the thread exits; after that, the thread's blocks go through the pool.
__attribute__((tls_model("initial-exec"))) thread_local ThreadCache* t_cache = nullptr;
__attribute__((tls_model("initial-exec"))) thread_local bool t_cache_gone = false;
// The cache itself lives on the heap: the whole TLS segment of a library with
// initial-exec variables must fit in the few hundred bytes glibc keeps for libraries
// loaded with dlopen (as a C++ interpreter loads libember), or dlopen fails with
// "cannot allocate memory in static TLS block".
struct CacheOwner {
  ThreadCache* cache = new ThreadCache;
  CacheOwner() { t_cache = cache; }
  ~CacheOwner() {
    t_cache = nullptr;
    t_cache_gone = true;
    delete cache;
  }
};

[[noreturn]] void throw_out_of_memory(std::size_t bytes, const std::string& what) {
  throw OutOfMemoryError(fmt::format("out of memory: could not allocate {} bytes{}", bytes, what));
}

// A block from the system; when it says no, the cached blocks go back and it is asked
// once more (the cache may hold what the request needs, in other classes).
void* system_alloc_or_retry(int c) {
  const std::size_t bytes = g_classes.bytes[c];
  if (bytes >= kBigBytes && global().pool_bytes.load(std::memory_order_relaxed) + bytes >= kKeepBigBytes)
    release_big_except(c);
  void* p = system_alloc(bytes);
  if (!p) {
    if (ThreadCache* tc = t_cache) tc->flush_lists(/*to_system=*/true);
    release_pool();
    p = system_alloc(bytes);
  }
  return p;
}

// ---- slow paths, kept out of line so that the fast paths stay small ----

ThreadCache* cache_slow() {
  if (t_cache_gone) return nullptr;
  thread_local CacheOwner owner;
  return t_cache;
}

// An empty list: a batch from the pool, else a block from the system. nullptr when
// the system has no memory left (the caller adds context).
__attribute__((noinline)) void* refill(ThreadCache& tc, int c) {
  void* head = nullptr;
  std::size_t n = pool_take(c, g_classes.cap[c] / 2, &head);
  if (n == 0) {
    head = system_alloc_or_retry(c);
    if (!head) return nullptr;
  } else {
    FreeList& fl = tc.lists[c];
    fl.head = next_of(head);
    fl.count.store(static_cast<uint32_t>(n - 1), std::memory_order_relaxed);
  }
  return head;
}

// A list over its cap moves its older half to the pool.
void spill(ThreadCache& tc, int c) {
  FreeList& fl = tc.lists[c];
  const uint32_t count = fl.count.load(std::memory_order_relaxed);
  const uint32_t keep = g_classes.cap[c] / 2;
  void* last_kept = fl.head;
  for (uint32_t i = 1; i < keep; ++i) last_kept = next_of(last_kept);
  void* first = next_of(last_kept);
  void* last = first;
  while (next_of(last)) last = next_of(last);
  next_of(last_kept) = nullptr;
  fl.count.store(keep, std::memory_order_relaxed);
  pool_put(c, first, last, count - keep);
}

// After a give: spill a full list, publish a large count.
__attribute__((noinline)) void after_give(ThreadCache& tc, int c) {
  if (tc.lists[c].count.load(std::memory_order_relaxed) > g_classes.cap[c]) spill(tc, c);
  if (tc.allocated.load(std::memory_order_relaxed) < -kPublishBytes) tc.publish();
}

__attribute__((noinline)) void publish_slow(ThreadCache& tc) { tc.publish(); }

// Blocks without a thread list (big ones, or on a thread whose cache is gone), and
// every block when caching is off: the pool and the global counters directly.
__attribute__((noinline)) void* take_shared(int c) {
  const std::size_t bytes = g_classes.bytes[c];
  void* p = nullptr;
  if (!kCaching || pool_take(c, 1, &p) == 0) p = kCaching ? system_alloc_or_retry(c) : system_alloc(bytes);
  if (!p) return nullptr;
  Global& g = global();
  raise_peak(g.peak_allocated, g.allocated.fetch_add(bytes, std::memory_order_relaxed) + bytes);
  return p;
}

__attribute__((noinline)) void give_shared(void* p, int c) {
  const std::size_t bytes = g_classes.bytes[c];
  global().allocated.fetch_sub(bytes, std::memory_order_relaxed);
  if (kCaching) pool_put(c, p, p, 1);
  else system_free(p, bytes);
}

// ---- fast paths: a thread list's head, a count and the thread's byte count ----

inline void* take_block(int c) {
  if (kCaching && c < kThreadClasses) {
    ThreadCache* tc = t_cache ? t_cache : cache_slow();
    if (tc) {
      FreeList& fl = tc->lists[c];
      void* p = fl.head;
      if (__builtin_expect(p != nullptr, 1)) {
        fl.head = next_of(p);
        fl.count.store(fl.count.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
      } else {
        p = refill(*tc, c);
        if (!p) return nullptr;
      }
      const int64_t a = tc->allocated.load(std::memory_order_relaxed) + static_cast<int64_t>(g_classes.bytes[c]);
      tc->allocated.store(a, std::memory_order_relaxed);
      if (__builtin_expect(a > kPublishBytes, 0)) publish_slow(*tc);
      return p;
    }
  }
  return take_shared(c);
}

inline void give_block(void* p, int c) {
  if (kCaching && c < kThreadClasses) {
    ThreadCache* tc = t_cache ? t_cache : cache_slow();
    if (tc) {
      FreeList& fl = tc->lists[c];
      next_of(p) = fl.head;
      fl.head = p;
      const uint32_t n = fl.count.load(std::memory_order_relaxed) + 1;
      fl.count.store(n, std::memory_order_relaxed);
      const int64_t a = tc->allocated.load(std::memory_order_relaxed) - static_cast<int64_t>(g_classes.bytes[c]);
      tc->allocated.store(a, std::memory_order_relaxed);
      if (__builtin_expect(n > g_classes.cap[c] || a < -kPublishBytes, 0)) after_give(*tc, c);
      return;
    }
  }
  give_shared(p, c);
}

}  // namespace

void* cached_alloc(std::size_t nbytes) {
  if (nbytes > kMaxBlockBytes) throw_out_of_memory(nbytes, "");
  int c = class_of(nbytes);
  void* p = take_block(c);
  if (!p) throw_out_of_memory(g_classes.bytes[c], "");
  return p;
}
void cached_free(void* p, std::size_t nbytes) { give_block(p, class_of(nbytes)); }

namespace {
// The block for a Storage of nbytes; `what` describes it for an out-of-memory error.
template <class What>
Storage* new_storage(std::size_t nbytes, What&& what) {
  if (nbytes > kMaxBlockBytes) throw_out_of_memory(nbytes, what());
  int c = class_of(nbytes + kHeader);
  void* block = take_block(c);
  if (!block) throw_out_of_memory(nbytes, what());
  if (ThreadCache* tc = t_cache)
    tc->storages.store(tc->storages.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  else
    global().storages.fetch_add(1, std::memory_order_relaxed);
  Storage* s = new (block) Storage();
  s->data = static_cast<char*>(block) + kHeader;
  s->nbytes = nbytes;
  s->size_class = c;
  return s;
}
}  // namespace

Storage* Storage::allocate(std::size_t nbytes) {
  return new_storage(nbytes, [] { return std::string(); });
}

Storage* Storage::allocate(std::size_t nbytes, IntArrayRef sizes, Dtype dtype) {
  return new_storage(nbytes, [&] { return fmt::format(" for a {} tensor of shape {}", dtype, sizes); });
}

Storage* Storage::wrap(void* data, std::size_t nbytes, void (*deleter)(void*, void*), void* ctx) {
  Storage* s = new Storage();
  s->data = data;
  s->nbytes = nbytes;
  s->deleter = deleter;
  s->deleter_ctx = ctx;
  return s;
}

void Storage::destroy() {
  if (size_class >= 0) {
    int c = size_class;
    this->~Storage();
    give_block(this, c);
    return;
  }
  if (deleter) deleter(data, deleter_ctx);
  delete this;
}

uint64_t storage_allocations() {
  Global& g = global();
  std::lock_guard<std::mutex> lock(g.threads_mutex);
  uint64_t n = g.storages.load(std::memory_order_relaxed);
  for (ThreadCache* tc = g.threads; tc; tc = tc->next) n += tc->storages.load(std::memory_order_relaxed);
  return n;
}

}  // namespace detail

MemoryStats memory_stats() {
  using namespace detail;
  Global& g = global();
  MemoryStats s;
  int64_t allocated = 0;
  std::size_t cached = 0, cached_blocks = 0;
  {
    std::lock_guard<std::mutex> lock(g.threads_mutex);
    for (ThreadCache* tc = g.threads; tc; tc = tc->next) {
      allocated += tc->allocated.load(std::memory_order_relaxed);
      std::pair<std::size_t, std::size_t> c = tc->cached();
      cached += c.first;
      cached_blocks += c.second;
    }
    allocated += static_cast<int64_t>(g.allocated.load(std::memory_order_relaxed));
  }
  s.allocated_bytes = allocated > 0 ? static_cast<std::size_t>(allocated) : 0;
  raise_peak(g.peak_allocated, s.allocated_bytes);
  s.cached_bytes = cached + g.pool_bytes.load(std::memory_order_relaxed);
  cached_blocks += g.pool_blocks.load(std::memory_order_relaxed);
  s.reserved_bytes = g.reserved.load(std::memory_order_relaxed);
  s.peak_allocated_bytes = g.peak_allocated.load(std::memory_order_relaxed);
  s.peak_reserved_bytes = g.peak_reserved.load(std::memory_order_relaxed);
  s.num_system_allocs = g.system_allocs.load(std::memory_order_relaxed);
  s.num_system_frees = g.system_frees.load(std::memory_order_relaxed);
  // Every block the system gave and did not get back is in use or cached.
  const uint64_t held = s.num_system_allocs - s.num_system_frees;
  s.allocations = held > cached_blocks ? held - cached_blocks : 0;
  s.cache_limit = g.limit.load(std::memory_order_relaxed);
  return s;
}

void empty_cache() {
  using namespace detail;
  if (ThreadCache* tc = t_cache) tc->flush_lists(/*to_system=*/true);
  release_pool();
#if defined(__GLIBC__)
  malloc_trim(0);  // glibc keeps freed heap pages mapped; hand them to the system too
#endif
}

void reset_peak_memory_stats() {
  using namespace detail;
  Global& g = global();
  g.peak_allocated.store(memory_stats().allocated_bytes, std::memory_order_relaxed);
  g.peak_reserved.store(g.reserved.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

void set_cache_limit(std::size_t bytes) {
  using namespace detail;
  global().limit.store(bytes, std::memory_order_relaxed);
  if (global().pool_bytes.load(std::memory_order_relaxed) > bytes) release_pool();
}

}  // namespace ember
