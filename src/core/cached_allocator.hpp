// A std allocator over the caching allocator's blocks. Autograd makes several small
// objects per recorded op (a node, its edge and saved-tensor lists, the outputs'
// autograd blocks); taking them from per-thread free lists instead of malloc is a large
// part of what keeps recording cheap.
#pragma once
#include <cstddef>

namespace ember {
namespace detail {

void* cached_alloc(std::size_t nbytes);
void cached_free(void* p, std::size_t nbytes);

template <class T>
struct CachedAllocator {
  using value_type = T;
  CachedAllocator() = default;
  template <class U>
  CachedAllocator(const CachedAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(cached_alloc(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) { cached_free(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const CachedAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const CachedAllocator<U>&) const {
    return false;
  }
};

}  // namespace detail
}  // namespace ember
