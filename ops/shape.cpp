#include "ops/shape.hpp"

#include <algorithm>

#include "ops/elementwise.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace kernels {

using detail::empty_tensor;
using detail::make_view;
using detail::wrap_dim;

namespace {
std::size_t u(int64_t i) { return static_cast<std::size_t>(i); }
}  // namespace

Shape infer_size(IntArrayRef shape, IntArrayRef input_sizes, const char* op) {
  int64_t numel = detail::numel_of(input_sizes, op);
  Shape out(shape.begin(), shape.end());
  int64_t infer = -1;
  int64_t known = 1;
  bool fits = true, empty = false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      EMBER_CHECK(infer < 0, "{}: only one dimension can be inferred (-1), got shape {}", op, shape);
      infer = static_cast<int64_t>(i);
    } else {
      EMBER_CHECK(shape[i] >= 0, "{}: invalid size {} in shape {}", op, shape[i], shape);
      fits &= detail::mul_fits(known, shape[i], known);
      empty |= shape[i] == 0;
    }
  }
  // A product that wrapped could land on the input's element count.
  if (empty) known = 0;
  EMBER_CHECK(fits || empty, "{}: the shape {} has 2^63 or more elements (input shape {})", op, shape, input_sizes);
  if (infer >= 0) {
    // With a zero among the other sizes any value would do: PyTorch refuses, so do we.
    EMBER_CHECK(known != 0 && numel % known == 0,
                "{}: shape {} is invalid for an input of shape {} ({} elements)", op, shape, input_sizes, numel);
    out[u(infer)] = numel / known;
  } else {
    EMBER_CHECK(known == numel, "{}: shape {} is invalid for an input of shape {} ({} elements)", op, shape,
                input_sizes, numel);
  }
  return out;
}

// Walks the old dims from the innermost outwards in "chunks" of dims that are laid out
// contiguously with each other, and matches each chunk with a run of new dims holding
// the same number of elements. A new dim that would straddle two chunks makes a view
// impossible.
std::optional<Shape> view_strides(IntArrayRef sizes, IntArrayRef strides, IntArrayRef new_sizes) {
  Shape out(new_sizes.size());
  const int64_t nv = static_cast<int64_t>(new_sizes.size());
  if (sizes.empty()) {
    // One element: any strides do.
    for (auto& s : out) s = 1;
    return out;
  }
  if (detail::numel_of(sizes) == 0) {
    // No element is ever read: keep the strides when the shape is unchanged, else
    // use contiguous ones.
    if (sizes.equals(new_sizes)) return Shape(strides.begin(), strides.end());
    return detail::contiguous_strides(new_sizes, "view");
  }
  int64_t view_d = nv - 1;
  int64_t chunk_base_stride = strides.back();
  int64_t tensor_numel = 1;
  int64_t view_numel = 1;
  // The element counts stay within numel. A chunk's full span (count * base stride) can
  // pass int64 for a strided view (from_blob): such a span is no stride of the tensor,
  // and a new dim that would get it has size 1, where any stride does.
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= sizes[u(d)];
    int64_t span = 0;
    bool chunk_ends = d == 0 || (sizes[u(d - 1)] != 1 && (!detail::mul_fits(tensor_numel, chunk_base_stride, span) ||
                                                          strides[u(d - 1)] != span));
    if (!chunk_ends) continue;
    while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[u(view_d)] == 1)) {
      if (!detail::mul_fits(view_numel, chunk_base_stride, out[u(view_d)])) out[u(view_d)] = 1;
      view_numel *= new_sizes[u(view_d)];
      --view_d;
    }
    if (view_numel != tensor_numel) return std::nullopt;
    if (d > 0) {
      chunk_base_stride = strides[u(d - 1)];
      tensor_numel = 1;
      view_numel = 1;
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}

// ---- views ----
Tensor view(const Tensor& x, IntArrayRef shape) {
  detail::check_defined(x, "view");
  Shape sizes = infer_size(shape, x.sizes(), "view");
  std::optional<Shape> st = view_strides(x.sizes(), x.strides(), sizes);
  EMBER_CHECK(st.has_value(),
              "view: a tensor of shape {} and strides {} cannot be viewed as shape {} without copying (the dims to "
              "merge are not contiguous in memory); use reshape instead",
              x.sizes(), x.strides(), sizes);
  return make_view(x, std::move(sizes), std::move(*st), x.storage_offset());
}

Tensor reshape(const Tensor& x, IntArrayRef shape) {
  detail::check_defined(x, "reshape");
  Shape sizes = infer_size(shape, x.sizes(), "reshape");
  if (std::optional<Shape> st = view_strides(x.sizes(), x.strides(), sizes))
    return make_view(x, std::move(sizes), std::move(*st), x.storage_offset());
  Tensor c = contiguous_as(x, x.dtype());
  Shape st = detail::contiguous_strides(sizes, "reshape");
  return make_view(c, std::move(sizes), std::move(st), 0);
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  detail::check_defined(x, "transpose");
  int64_t n = x.dim();
  int64_t a = wrap_dim(dim0, n, "transpose"), b = wrap_dim(dim1, n, "transpose");
  Shape sizes = x.sizes().shape(), strides = x.strides().shape();
  if (n > 0) {
    std::swap(sizes[u(a)], sizes[u(b)]);
    std::swap(strides[u(a)], strides[u(b)]);
  }
  return make_view(x, std::move(sizes), std::move(strides), x.storage_offset());
}

Tensor permute(const Tensor& x, IntArrayRef dims) {
  detail::check_defined(x, "permute");
  int64_t n = x.dim();
  EMBER_CHECK(static_cast<int64_t>(dims.size()) == n,
              "permute: got {} dims {} for a tensor with {} dims (shape {}); name each dim once", dims.size(), dims, n,
              x.sizes());
  detail::dim_mask(dims, n, "permute");  // rejects repeated dims
  Shape sizes(u(n)), strides(u(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t d = wrap_dim(dims[u(i)], n, "permute");
    sizes[u(i)] = x.sizes()[u(d)];
    strides[u(i)] = x.strides()[u(d)];
  }
  return make_view(x, std::move(sizes), std::move(strides), x.storage_offset());
}

Tensor expand(const Tensor& x, IntArrayRef size, const char* op) {
  detail::check_defined(x, op);
  const int64_t n = static_cast<int64_t>(size.size()), xd = x.dim();
  EMBER_CHECK(n >= xd,
              "{}: the target shape {} has fewer dims than the tensor (shape {}); expanding can only add leading dims",
              op, size, x.sizes());
  Shape sizes(u(n)), strides(u(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t j = i - (n - xd);
    int64_t target = size[u(i)];
    if (j < 0) {
      EMBER_CHECK(target >= 0, "{}: the size {} is not allowed for the new leading dim {} (target shape {})", op,
                  target, i, size);
      sizes[u(i)] = target;
      strides[u(i)] = 0;
      continue;
    }
    int64_t have = x.sizes()[u(j)];
    if (target == -1) target = have;
    EMBER_CHECK(target >= 0, "{}: invalid size {} in the target shape {}", op, target, size);
    if (have == target) {
      sizes[u(i)] = have;
      strides[u(i)] = x.strides()[u(j)];
    } else {
      EMBER_CHECK(have == 1,
                  "{}: the expanded size of the tensor ({}) must match the existing size ({}) at non-singleton dim "
                  "{}; target shape {}, tensor shape {}",
                  op, target, have, i, size, x.sizes());
      sizes[u(i)] = target;
      strides[u(i)] = 0;
    }
  }
  detail::numel_of(sizes, op);  // throws, naming op, when the new sizes multiply past int64
  return make_view(x, std::move(sizes), std::move(strides), x.storage_offset());
}

Tensor squeeze(const Tensor& x) {
  detail::check_defined(x, "squeeze");
  Shape sizes, strides;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (x.sizes()[u(d)] == 1) continue;
    sizes.push_back(x.sizes()[u(d)]);
    strides.push_back(x.strides()[u(d)]);
  }
  return make_view(x, std::move(sizes), std::move(strides), x.storage_offset());
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  detail::check_defined(x, "squeeze");
  int64_t d = wrap_dim(dim, x.dim(), "squeeze");
  Shape sizes = x.sizes().shape(), strides = x.strides().shape();
  if (x.dim() > 0 && sizes[u(d)] == 1) {
    sizes.erase(sizes.begin() + d);
    strides.erase(strides.begin() + d);
  }
  return make_view(x, std::move(sizes), std::move(strides), x.storage_offset());
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  detail::check_defined(x, "unsqueeze");
  int64_t n = x.dim();
  int64_t d = wrap_dim(dim, n + 1, "unsqueeze");
  Shape sizes = x.sizes().shape(), strides = x.strides().shape();
  // The stride a contiguous tensor would have there, so contiguity is kept. A strided
  // view's size * stride can pass int64; any stride does for a size-1 dim then.
  int64_t st = 1;
  if (d < n && !detail::mul_fits(sizes[u(d)], strides[u(d)], st)) st = 1;
  sizes.insert(sizes.begin() + d, 1);
  strides.insert(strides.begin() + d, st);
  return make_view(x, std::move(sizes), std::move(strides), x.storage_offset());
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  detail::check_defined(x, "narrow");
  EMBER_CHECK(x.dim() > 0, "narrow: cannot narrow a 0-dim tensor");
  int64_t d = wrap_dim(dim, x.dim(), "narrow");
  int64_t size = x.sizes()[u(d)];
  EMBER_CHECK(start >= -size && start <= size, "narrow: start {} is out of range for dim {} of size {} (shape {})",
              start, d, size, x.sizes());
  if (start < 0) start += size;
  EMBER_CHECK(length >= 0, "narrow: length must be non-negative, got {}", length);
  // length > size - start, not start + length > size: the sum can pass int64.
  EMBER_CHECK(length <= size - start, "narrow: start ({}) + length ({}) exceeds the size {} of dim {} (shape {})",
              start, length, size, d, x.sizes());
  Shape sizes = x.sizes().shape();
  sizes[u(d)] = length;
  return make_view(x, std::move(sizes), x.strides().shape(), x.storage_offset() + start * x.strides()[u(d)]);
}

Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  detail::check_defined(x, "select");
  EMBER_CHECK(x.dim() > 0, "select: cannot select from a 0-dim tensor");
  int64_t d = wrap_dim(dim, x.dim(), "select");
  int64_t size = x.sizes()[u(d)];
  EMBER_CHECK(index >= -size && index < size, "select: index {} is out of range for dim {} with size {} (shape {})",
              index, d, size, x.sizes());
  if (index < 0) index += size;
  Shape sizes = x.sizes().shape(), strides = x.strides().shape();
  int64_t offset = x.storage_offset() + index * strides[u(d)];
  sizes.erase(sizes.begin() + d);
  strides.erase(strides.begin() + d);
  return make_view(x, std::move(sizes), std::move(strides), offset);
}

SliceRange slice_range(int64_t size, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) {
  auto clamp = [size](int64_t v) {
    if (v < 0) v += size;
    return v < 0 ? 0 : (v > size ? size : v);
  };
  int64_t s = start ? clamp(*start) : 0;
  int64_t e = end ? clamp(*end) : size;
  if (e < s) e = s;
  // ceil((e - s) / step) without forming e - s + step - 1, which passes int64 for a huge
  // step (PyTorch 1.13 overflows there; Python's list slicing gives the elements below).
  return {s, e == s ? 0 : (e - s - 1) / step + 1};
}

Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) {
  detail::check_defined(x, "slice");
  EMBER_CHECK(x.dim() > 0, "slice: cannot slice a 0-dim tensor");
  EMBER_CHECK(step > 0, "slice: step must be positive, got {}", step);
  int64_t d = wrap_dim(dim, x.dim(), "slice");
  SliceRange r = slice_range(x.sizes()[u(d)], start, end, step);
  Shape sizes = x.sizes().shape(), strides = x.strides().shape();
  // With two or more elements taken both products lie inside x's memory. Otherwise they
  // can pass int64 (a start at the end of a strided view, a huge step), and then the
  // offset of a range with no element and the stride of a size-1 dim do not matter.
  int64_t offset = 0, stride = 0;
  if (!detail::mul_fits(r.start, strides[u(d)], offset) || !detail::add_fits(offset, x.storage_offset(), offset))
    offset = x.storage_offset();
  if (!detail::mul_fits(strides[u(d)], step, stride)) stride = strides[u(d)];
  sizes[u(d)] = r.length;
  strides[u(d)] = stride;
  return make_view(x, std::move(sizes), std::move(strides), offset);
}

// ---- copies ----
Tensor flip(const Tensor& x, IntArrayRef dims) {
  detail::check_defined(x, "flip");
  uint64_t mask = dims.empty() ? 0 : detail::dim_mask(dims, x.dim(), "flip");
  if (x.numel() == 0) return contiguous_as(x, x.dtype());
  // Read x through a view that walks the flipped dims backwards.
  Shape strides = x.strides().shape();
  int64_t offset = x.storage_offset();
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (!(mask & (uint64_t(1) << d))) continue;
    offset += (x.sizes()[u(d)] - 1) * strides[u(d)];
    strides[u(d)] = -strides[u(d)];
  }
  return contiguous_as(make_view(x, x.sizes().shape(), std::move(strides), offset), x.dtype());
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), "cat: expected a non-empty list of tensors");
  const Tensor* ref = nullptr;
  std::size_t ref_i = 0;
  Dtype dt = Dtype::Bool;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    EMBER_CHECK(t.defined(), "cat: tensor {} is undefined", i);
    EMBER_CHECK(t.dim() > 0, "cat: zero-dimensional tensor (at position {}) cannot be concatenated", i);
    dt = i == 0 ? t.dtype() : promote_types(dt, t.dtype());
    if (!ref && !cat_skips(t)) {
      ref = &t;
      ref_i = i;
    }
  }
  if (!ref) return empty_tensor({0}, dt);
  int64_t d = wrap_dim(dim, ref->dim(), "cat");
  Shape out_sizes = ref->sizes().shape();
  out_sizes[u(d)] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (cat_skips(t)) continue;
    EMBER_CHECK(t.dim() == ref->dim(),
                "cat: tensors must have the same number of dims: tensor {} has shape {} but tensor {} has shape {}",
                ref_i, ref->sizes(), i, t.sizes());
    for (int64_t k = 0; k < t.dim(); ++k)
      EMBER_CHECK(k == d || t.sizes()[u(k)] == ref->sizes()[u(k)],
                  "cat: sizes of tensors must match except in dim {}: tensor {} has shape {} but tensor {} has shape "
                  "{}",
                  d, ref_i, ref->sizes(), i, t.sizes());
    EMBER_CHECK(detail::add_fits(out_sizes[u(d)], t.sizes()[u(d)], out_sizes[u(d)]),
                "cat: the sizes along dim {} add up to 2^63 or more (tensor {} has shape {})", d, i, t.sizes());
  }
  Tensor out = empty_tensor(out_sizes, dt, "cat");
  int64_t offset = 0;
  for (const Tensor& t : tensors) {
    if (cat_skips(t)) continue;
    int64_t len = t.sizes()[u(d)];
    if (len > 0 && t.numel() > 0) {
      Tensor part = narrow(out, d, offset, len);
      copy(part, t);
    }
    offset += len;
  }
  return out;
}

Tensor pad(const Tensor& x, IntArrayRef pad, Scalar value) {
  detail::check_defined(x, "pad");
  const int64_t n = x.dim();
  EMBER_CHECK(pad.size() % 2 == 0, "pad: the padding must have an even number of values (pairs), got {}", pad);
  const int64_t pairs = static_cast<int64_t>(pad.size() / 2);
  EMBER_CHECK(pairs <= n, "pad: padding {} covers {} dims but the input has only {} (shape {})", pad, pairs, n,
              x.sizes());
  Shape out_sizes = x.sizes().shape();
  for (int64_t i = 0; i < pairs; ++i) {
    int64_t d = n - 1 - i;
    int64_t lo = pad[u(2 * i)], hi = pad[u(2 * i + 1)];
    int64_t size = 0;
    EMBER_CHECK(detail::add_fits(out_sizes[u(d)], lo, size) && detail::add_fits(size, hi, size),
                "pad: padding ({}, {}) of dim {} (size {}) gives a size beyond int64 (input shape {})", lo, hi, d,
                x.sizes()[u(d)], x.sizes());
    EMBER_CHECK(size >= 0, "pad: padding ({}, {}) of dim {} (size {}) gives a negative size {} (input shape {})", lo,
                hi, d, x.sizes()[u(d)], size, x.sizes());
    out_sizes[u(d)] = size;
  }
  Tensor out = empty_tensor(out_sizes, x.dtype(), "pad");
  if (out.numel() == 0) return out;
  fill(out, value);
  // The part of x that survives the cropping goes into the middle of out.
  Tensor src = x, dst = out;
  // How much a negative padding crops, at most the whole size (-p can pass int64).
  auto cropped = [](int64_t p, int64_t size) { return p >= 0 ? 0 : (p <= -size ? size : -p); };
  for (int64_t i = 0; i < pairs; ++i) {
    int64_t d = n - 1 - i;
    int64_t lo = pad[u(2 * i)], hi = pad[u(2 * i + 1)];
    int64_t size = x.sizes()[u(d)];
    int64_t src_start = cropped(lo, size);
    int64_t len = size - cropped(hi, size) - src_start;
    if (len <= 0) return out;  // everything was cropped away
    src = narrow(src, d, src_start, len);
    dst = narrow(dst, d, std::max<int64_t>(0, lo), len);
  }
  if (src.numel() > 0) copy(dst, src);
  return out;
}

Tensor triangle(const Tensor& x, int64_t diagonal, bool upper) {
  const char* op = upper ? "triu" : "tril";
  detail::check_defined(x, op);
  EMBER_CHECK(x.dim() >= 2, "{}: expects a tensor with at least 2 dims, got shape {}", op, x.sizes());
  const int64_t rows = x.size(-2), cols = x.size(-1);
  Tensor mask = empty_tensor({rows, cols}, Dtype::Bool);
  bool* m = mask.data_ptr<bool>();
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) m[i * cols + j] = upper ? (j - i >= diagonal) : (j - i <= diagonal);
  Tensor zero = empty_tensor({}, x.dtype());
  fill(zero, 0);
  return where(mask, x, zero);
}

}  // namespace kernels
}  // namespace ember
