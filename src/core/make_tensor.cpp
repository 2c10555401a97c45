#include "src/core/make_tensor.hpp"

#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace detail {

namespace {
[[noreturn]] void fail_shape(IntArrayRef sizes, Dtype dtype, const char* op) {
  for (int64_t s : sizes) EMBER_CHECK(s >= 0, "{}: negative size {} in the shape {}", op, s, sizes);
  contiguous_strides(sizes, op);
  int64_t n = numel_of(sizes, op);
  fail(fmt::format("{}: the shape {} ({} elements of {}) needs 2^63 or more bytes", op, sizes, n, dtype));
}
}  // namespace

Tensor empty_tensor(IntArrayRef sizes, Dtype dtype, const char* op) {
  // One pass over the sizes, on the path of every op's result: `span` is the product of
  // the sizes after the first counting a 0 as 1 (the largest stride), `fits` says it and
  // the element and byte counts fit in int64. The detailed message is worked out only on
  // failure.
  const std::size_t nd = sizes.size();
  int64_t span = 1, n = 0, nbytes = 0;
  bool fits = true, empty = false;
  for (std::size_t i = nd; i-- > 1;) {
    int64_t s = sizes[i];
    fits &= s >= 0 && mul_fits(span, s > 1 ? s : 1, span);
    empty |= s == 0;
  }
  if (nd > 0) {
    fits &= sizes[0] >= 0;
    empty |= sizes[0] == 0;
  }
  fits &= empty || mul_fits(span, nd > 0 ? sizes[0] : 1, n);
  if (empty) n = 0;
  fits &= mul_fits(n, element_size(dtype), nbytes);
  if (!fits) fail_shape(sizes, dtype, op);
  // The sizes and dtype name the tensor in an out-of-memory error.
  Storage* st = Storage::allocate(static_cast<std::size_t>(nbytes), sizes, dtype);
  return Tensor(TensorImpl::make_contiguous(st, dtype, sizes, n));
}

Tensor make_view(const Tensor& base, Shape sizes, Shape strides, int64_t offset) {
  TensorImpl* b = base.unsafeGetTensorImpl();
  // make throws on an element count beyond int64: take the reference only after it.
  TensorImpl* t = TensorImpl::make(b->storage, b->dtype, std::move(sizes), std::move(strides), offset);
  b->storage->retain();
  return Tensor(t);
}

}  // namespace detail
}  // namespace ember
