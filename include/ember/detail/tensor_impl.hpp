// The data behind a Tensor handle. Kept in a public header so that the accessors users
// call in inner loops (sizes(), dim(), data_ptr()) inline; it includes nothing heavy.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ember/dtype.hpp"
#include "ember/small_vector.hpp"

namespace ember {
namespace autograd {
struct AutogradMeta;
}
namespace detail {

// A reference-counted block of memory. Views of a tensor share one Storage, and with it
// the version counter that in-place ops bump and autograd checks.
struct Storage {
  std::atomic<int32_t> refs{1};
  std::atomic<uint32_t> version{0};  // atomic: tensors may be read and changed on several threads
  void* data = nullptr;
  std::size_t nbytes = 0;
  // How the memory goes back: the caching allocator's size class, or a user deleter.
  int32_t size_class = -1;
  void (*deleter)(void* data, void* ctx) = nullptr;
  void* deleter_ctx = nullptr;

  static Storage* allocate(std::size_t nbytes);  // from the caching allocator
  // The same, naming the tensor's dtype and shape if memory runs out.
  static Storage* allocate(std::size_t nbytes, IntArrayRef sizes, Dtype dtype);
  static Storage* wrap(void* data, std::size_t nbytes, void (*deleter)(void*, void*), void* ctx);
  void retain() { refs.fetch_add(1, std::memory_order_relaxed); }
  void release() {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy();
  }

 private:
  void destroy();
};

struct TensorImpl {
  std::atomic<int32_t> refs{1};
  Dtype dtype = Dtype::Float32;
  bool contiguous = true;
  Storage* storage = nullptr;  // owned reference
  int64_t offset = 0;          // in elements
  int64_t numel = 0;
  Shape sizes;
  Shape strides;                               // in elements
  autograd::AutogradMeta* autograd = nullptr;  // owned; only for tensors in autograd

  void* data() const {
    return static_cast<char*>(storage->data) + offset * element_size(dtype);
  }
  // Recomputes numel and the contiguity flag after sizes or strides change.
  void refresh();

  // Throws ember::Error when the sizes multiply to 2^63 or more elements (then the
  // caller keeps its storage reference).
  static TensorImpl* make(Storage* storage, Dtype dtype, Shape sizes, Shape strides, int64_t offset);
  // A contiguous tensor over a fresh storage (the common case, kept short).
  // The caller has checked that numel, the strides and the byte count fit in int64.
  static TensorImpl* make_contiguous(Storage* storage, Dtype dtype, IntArrayRef sizes, int64_t numel);
  void retain() { refs.fetch_add(1, std::memory_order_relaxed); }
  void release() {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy();
  }

 private:
  void destroy();
};

}  // namespace detail
}  // namespace ember
