#include "ember/detail/tensor_impl.hpp"

#include <new>

#include "src/check.hpp"

namespace ember {
namespace autograd {
// Defined by the autograd layer; the core only owns the pointer.
void delete_autograd_meta(AutogradMeta* meta);
}  // namespace autograd
namespace detail {

void TensorImpl::refresh() {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  numel = n;
  bool c = true;
  int64_t expected = 1;
  for (std::size_t i = sizes.size(); i-- > 0;) {
    if (sizes[i] == 1) continue;
    if (strides[i] != expected) {
      c = false;
      break;
    }
    expected *= sizes[i];
  }
  contiguous = c || n == 0;
}

// TensorImpls come from the caching allocator too: a small op makes and frees one.
void* cached_alloc(std::size_t nbytes);
void cached_free(void* p, std::size_t nbytes);

TensorImpl* TensorImpl::make_contiguous(Storage* storage, Dtype dtype, IntArrayRef sizes) {
  TensorImpl* t = new (cached_alloc(sizeof(TensorImpl))) TensorImpl;
  t->storage = storage;
  t->dtype = dtype;
  std::size_t nd = sizes.size();
  t->sizes.resize(nd);
  t->strides.resize(nd);
  int64_t s = 1;
  for (std::size_t i = nd; i-- > 0;) {
    t->sizes[i] = sizes[i];
    t->strides[i] = s;
    s *= sizes[i] > 1 ? sizes[i] : 1;
  }
  int64_t n = 1;
  for (int64_t v : sizes) n *= v;
  t->numel = n;
  t->contiguous = true;
  return t;
}

TensorImpl* TensorImpl::make(Storage* storage, Dtype dtype, Shape sizes, Shape strides, int64_t offset) {
  TensorImpl* t = new (cached_alloc(sizeof(TensorImpl))) TensorImpl;
  t->storage = storage;
  t->dtype = dtype;
  t->sizes = std::move(sizes);
  t->strides = std::move(strides);
  t->offset = offset;
  t->refresh();
  return t;
}

void TensorImpl::destroy() {
  if (autograd) autograd::delete_autograd_meta(autograd);
  storage->release();
  this->~TensorImpl();
  cached_free(this, sizeof(TensorImpl));
}

void fail(std::string message) { throw Error(message); }

void throw_undefined(const char* what) {
  throw Error(fmt::format("{}: the tensor is undefined (default-constructed or moved from)", what));
}

}  // namespace detail

static Dtype g_default_dtype = Dtype::Float32;

const char* dtype_name(Dtype t) {
  switch (t) {
    case Dtype::Bool: return "bool";
    case Dtype::Int64: return "int64";
    case Dtype::Float32: return "float32";
    case Dtype::Float64: return "float64";
  }
  return "unknown";
}

Dtype get_default_dtype() { return g_default_dtype; }
void set_default_dtype(Dtype t) {
  EMBER_CHECK(is_floating_point(t), "set_default_dtype: only floating dtypes can be the default, got {}", t);
  g_default_dtype = t;
}

}  // namespace ember
