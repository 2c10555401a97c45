#include "src/core/shape.hpp"

#include "src/core/check.hpp"

namespace ember {
namespace detail {

Shape contiguous_strides(IntArrayRef sizes, const char* op) {
  Shape strides(sizes.size());
  int64_t s = 1;
  for (std::size_t i = sizes.size(); i-- > 0;) {
    strides[i] = s;
    // The outermost size never enters a stride.
    if (i > 0)
      EMBER_CHECK(mul_fits(s, sizes[i] > 1 ? sizes[i] : 1, s),
                  "{}: the strides of shape {} do not fit in int64 (the sizes after the first multiply to 2^63 or "
                  "more, counting a 0 as 1)",
                  op, sizes);
  }
  return strides;
}

int64_t numel_of(IntArrayRef sizes, const char* op) {
  int64_t n = 1;
  bool fits = true, empty = false;
  for (int64_t s : sizes) {
    fits &= mul_fits(n, s, n);
    empty |= s == 0;
  }
  if (empty) return 0;
  EMBER_CHECK(fits, "{}: the shape {} has 2^63 or more elements", op, sizes);
  return n;
}

namespace {
// Wraps dim for a tensor with ndim dims; `sizes`, when given, is named in the error.
int64_t wrap_dim_of(int64_t dim, int64_t ndim, const char* op, const IntArrayRef* sizes) {
  int64_t n = ndim > 0 ? ndim : 1;  // a 0-dim tensor accepts dim 0 and -1, as in PyTorch
  if (dim >= -n && dim < n) return dim < 0 ? dim + n : dim;
  if (sizes)
    fail(fmt::format("{}: dim {} is out of range for a tensor with {} dims (shape {}; expected a dim in [{}, {}])", op,
                     dim, ndim, *sizes, -n, n - 1));
  fail(fmt::format("{}: dim {} is out of range for a tensor with {} dims (expected [{}, {}])", op, dim, ndim, -n,
                   n - 1));
}

// The mask of a dim list; `sizes`, when given, is named in the errors. Repeats are
// refused even for a 0-dim tensor (where dims 0 and -1 are the same), as in PyTorch.
uint64_t dim_mask_of(IntArrayRef dims, int64_t ndim, const char* op, const IntArrayRef* sizes) {
  std::string shape = sizes ? fmt::format(" (input shape {})", *sizes) : std::string();
  EMBER_CHECK(ndim <= 64, "{}: tensors with more than 64 dims are not supported{}", op, shape);
  if (dims.empty()) return ndim == 0 ? 0 : (ndim == 64 ? ~uint64_t(0) : ((uint64_t(1) << ndim) - 1));
  uint64_t mask = 0;
  for (int64_t d : dims) {
    int64_t w = wrap_dim_of(d, ndim, op, sizes);
    EMBER_CHECK(!(mask & (uint64_t(1) << w)), "{}: dim {} appears more than once in the dim list {}{}", op, w, dims,
                shape);
    mask |= uint64_t(1) << w;
  }
  return ndim == 0 ? 0 : mask;
}
}  // namespace

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) { return wrap_dim_of(dim, ndim, op, nullptr); }

int64_t wrap_dim(const Tensor& x, int64_t dim, const char* op) {
  check_defined(x, op);
  IntArrayRef sizes = x.sizes();
  return wrap_dim_of(dim, x.dim(), op, &sizes);
}

uint64_t dim_mask(IntArrayRef dims, int64_t ndim, const char* op) { return dim_mask_of(dims, ndim, op, nullptr); }

uint64_t dim_mask(const Tensor& x, IntArrayRef dims, const char* op) {
  check_defined(x, op);
  IntArrayRef sizes = x.sizes();
  return dim_mask_of(dims, x.dim(), op, &sizes);
}

uint64_t dim_bit(int64_t wrapped, int64_t ndim) { return ndim == 0 ? 0 : uint64_t(1) << wrapped; }

int64_t reduced_numel(IntArrayRef sizes, uint64_t mask) {
  int64_t n = 1;
  for (std::size_t i = 0; i < sizes.size(); ++i)
    if ((mask >> i) & 1) n *= sizes[i];
  return n;
}

Shape reduced_shape(IntArrayRef sizes, uint64_t mask, bool keepdim) {
  Shape out;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (mask & (uint64_t(1) << i)) {
      if (keepdim) out.push_back(1);
    } else {
      out.push_back(sizes[i]);
    }
  }
  return out;
}

void check_defined(const Tensor& t, const char* op, const char* arg) {
  EMBER_CHECK(t.defined(), "{}: {} is an undefined tensor", op, arg);
}

}  // namespace detail

Shape broadcast_shapes(IntArrayRef a, IntArrayRef b, const char* op) {
  std::size_t n = a.size() > b.size() ? a.size() : b.size();
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    int64_t sa = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t sb = i < n - b.size() ? 1 : b[i - (n - b.size())];
    EMBER_CHECK(sa == sb || sa == 1 || sb == 1,
                "{}: shapes {} and {} do not broadcast: size {} and size {} at dim {}", op, a, b, sa, sb, i);
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

}  // namespace ember
