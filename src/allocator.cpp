// The caching allocator. Storage headers and their data come from one block; freed
// blocks go to a per-thread free list of their size class, so a training loop that
// makes the same shapes every step reuses memory instead of calling malloc (and, for
// big tensors, instead of taking fresh page faults on every op).
//
// Size classes: multiples of 64 bytes up to 1 KiB, then four classes per power of two
// (at most 25 % slack). Blocks are 64-byte aligned. Each thread keeps at most
// kMaxCachedBytes idle; beyond that, blocks go back to the system.
#include <cstdlib>
#include <new>

#include "ember/detail/tensor_impl.hpp"
#include "src/check.hpp"

namespace ember {
namespace detail {
namespace {

constexpr std::size_t kHeader = 64;  // room for the Storage, keeping data 64-byte aligned
static_assert(sizeof(Storage) <= kHeader, "Storage must fit its header slot");
constexpr int kClasses = 16 + 4 * 48;
constexpr std::size_t kMaxCachedBytes = std::size_t(1) << 30;

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

#ifdef EMBER_NO_CACHING_ALLOCATOR
constexpr bool kCaching = false;  // sanitizer builds: let ASan see every free
#else
constexpr bool kCaching = true;
#endif

// Per-thread free lists, one per size class, threaded through the free blocks
// themselves (a block's first word points to the next), so taking and giving a block
// is a few instructions.
struct ThreadCache {
  void* head[kClasses] = {};
  std::size_t cached = 0;
  ~ThreadCache() {
    for (void*& h : head) {
      while (h) {
        void* next = *static_cast<void**>(h);
        std::free(h);
        h = next;
      }
    }
  }
};

// Class sizes, computed once.
struct ClassTable {
  std::size_t bytes[kClasses];
  constexpr ClassTable() : bytes() {
    for (int c = 0; c < kClasses; ++c) bytes[c] = class_bytes(c);
  }
};
constexpr ClassTable g_classes;

// The cache is reached through a plain pointer in initial-exec TLS: a general-dynamic
// thread_local in a shared library costs a __tls_get_addr call on every access, which
// showed up at 8% of a small add. The owner object (touched once per thread) frees the
// cache when the thread exits; after that, blocks go straight back to the system.
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

ThreadCache* cache() {
  if (t_cache || t_cache_gone) return t_cache;
  thread_local CacheOwner owner;
  return t_cache;
}

void* take_block(int c) {
  if (kCaching) {
    ThreadCache* tc = t_cache ? t_cache : cache();
    if (tc && tc->head[c]) {
      void* p = tc->head[c];
      tc->head[c] = *static_cast<void**>(p);
      tc->cached -= g_classes.bytes[c];
      return p;
    }
  }
  void* p = std::aligned_alloc(64, g_classes.bytes[c]);
  if (!p) fail(fmt::format("out of memory: could not allocate {} bytes", g_classes.bytes[c]));
  return p;
}

void give_block(void* p, int c) {
  std::size_t bytes = g_classes.bytes[c];
  if (kCaching) {
    ThreadCache* tc = t_cache ? t_cache : cache();
    if (tc && tc->cached + bytes <= kMaxCachedBytes) {
      *static_cast<void**>(p) = tc->head[c];
      tc->head[c] = p;
      tc->cached += bytes;
      return;
    }
  }
  std::free(p);
}

}  // namespace

void* cached_alloc(std::size_t nbytes) { return take_block(class_of(nbytes)); }
void cached_free(void* p, std::size_t nbytes) { give_block(p, class_of(nbytes)); }

Storage* Storage::allocate(std::size_t nbytes) {
  EMBER_CHECK(nbytes < (std::size_t(1) << 46), "empty: cannot allocate {} bytes", nbytes);
  int c = class_of(nbytes + kHeader);
  void* block = take_block(c);
  Storage* s = new (block) Storage();
  s->data = static_cast<char*>(block) + kHeader;
  s->nbytes = nbytes;
  s->size_class = c;
  return s;
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

}  // namespace detail
}  // namespace ember
