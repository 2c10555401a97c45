#include "ember/detail/tensor_impl.hpp"

#include <new>

#include "src/core/autograd_hooks.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace detail {

namespace {
// The element count of a view's sizes. Ops keep views inside their base's memory, so
// this fails only where an op let a size through unchecked: it throws rather than wrap.
int64_t view_numel(const Shape& sizes) {
  int64_t n = 1;
  bool fits = true, empty = false;
  for (int64_t s : sizes) {
    fits &= mul_fits(n, s, n);
    empty |= s == 0;
  }
  if (empty) return 0;
  if (!fits) fail(fmt::format("view: the shape {} has 2^63 or more elements", sizes));
  return n;
}

// Whether the layout is row-major contiguous. With numel elements (> 0, fitting in
// int64) the running product stays below numel and cannot wrap.
bool is_contiguous_layout(const Shape& sizes, const Shape& strides, int64_t numel) {
  if (numel == 0) return true;
  int64_t expected = 1;
  for (std::size_t i = sizes.size(); i-- > 0;) {
    if (sizes[i] == 1) continue;
    if (strides[i] != expected) return false;
    expected *= sizes[i];
  }
  return true;
}
}  // namespace

void TensorImpl::refresh() {
  numel = view_numel(sizes);
  contiguous = is_contiguous_layout(sizes, strides, numel);
}

// TensorImpls come from the caching allocator too: a small op makes and frees one.
void* cached_alloc(std::size_t nbytes);
void cached_free(void* p, std::size_t nbytes);

TensorImpl* TensorImpl::make_contiguous(Storage* storage, Dtype dtype, IntArrayRef sizes, int64_t numel) {
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
    // The caller checked that every stride fits; the outermost size enters none.
    if (i > 0) s *= sizes[i] > 1 ? sizes[i] : 1;
  }
  t->numel = numel;
  t->contiguous = true;
  return t;
}

TensorImpl* TensorImpl::make(Storage* storage, Dtype dtype, Shape sizes, Shape strides, int64_t offset) {
  int64_t n = view_numel(sizes);  // before anything is allocated, as it may throw
  TensorImpl* t = new (cached_alloc(sizeof(TensorImpl))) TensorImpl;
  t->storage = storage;
  t->dtype = dtype;
  t->contiguous = is_contiguous_layout(sizes, strides, n);
  t->sizes = std::move(sizes);
  t->strides = std::move(strides);
  t->offset = offset;
  t->numel = n;
  return t;
}

void TensorImpl::destroy() {
  if (autograd) autograd_hooks().delete_meta(autograd);  // only autograd makes one
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
    case Dtype::Int32: return "int32";
    case Dtype::Int16: return "int16";
    case Dtype::Int8: return "int8";
    case Dtype::UInt8: return "uint8";
    case Dtype::Float16: return "float16";
    case Dtype::BFloat16: return "bfloat16";
  }
  return "unknown";
}

Dtype get_default_dtype() { return g_default_dtype; }
void set_default_dtype(Dtype t) {
  // PyTorch also takes float16 and bfloat16; ember's kernels compute in the default
  // dtype, so it stays one they compute in.
  EMBER_CHECK(t == Dtype::Float32 || t == Dtype::Float64,
              "set_default_dtype: only float32 and float64 can be the default, got {}", t);
  g_default_dtype = t;
}

}  // namespace ember
