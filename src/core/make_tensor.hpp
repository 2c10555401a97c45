// Making tensors inside the library: a fresh contiguous result, or a view of another
// tensor's storage. Every op's output starts here.
#pragma once
#include <cstdint>

#include "ember/small_vector.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace detail {

// A new contiguous tensor with uninitialised memory from the caching allocator. Sizes
// must be non-negative, and the element count, the strides and the byte count must fit
// in int64; otherwise an Error names op and the shape.
Tensor empty_tensor(IntArrayRef sizes, Dtype dtype, const char* op = "empty");
// A view: new metadata over the same storage. The op computing sizes, strides and
// offset keeps them within base's memory; an element count beyond int64 still throws.
Tensor make_view(const Tensor& base, Shape sizes, Shape strides, int64_t offset);

}  // namespace detail
}  // namespace ember
