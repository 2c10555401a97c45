// Differentiable shape ops. Views (reshape when the strides allow, view, transpose,
// permute, expand, squeeze, unsqueeze, narrow, select, slice and the pieces of split,
// chunk and unbind) share storage with their input and record themselves with
// record_view. Every backward maps the gradient back with ember's own differentiable
// ops, so double backward works: a gradient that must land in part of a larger zero
// tensor is built with pad (or index_put for strided slices).
#include <algorithm>

#include "autograd/trace.hpp"
#include "autograd/prelude.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/indexing.hpp"
#include "ops/shape.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {

namespace {

std::size_t u(int64_t i) { return static_cast<std::size_t>(i); }

// y holds x's elements in another shape; its backward reshapes the gradient back.
void record_reshape(const char* name, const Tensor& x, Tensor& y) {
  if (!needs_grad(x)) {
    if (y.is_alias_of(x)) note_no_grad_view(x, y);
    return;
  }
  Shape in = x.sizes().shape();
  auto back = [in](const Grads& g, Ctx&) { return Grads{ember::reshape(g[0], in)}; };
  if (y.is_alias_of(x))
    record_view(name, x, &y, {}, back);
  else
    record(name, {x}, {&y}, {}, back);
}

// The padding (torch.nn.functional.pad order) that puts `length` elements taken at
// `start` of dim d back where they came from in a tensor of `sizes`.
// Tells the engine which region of its input y's node views (see autograd::SliceOf).
void mark_slice(const Tensor& y, int64_t dim, int64_t start, int64_t length, bool dropped) {
  if (std::shared_ptr<autograd::Node> fn = y.grad_fn()) fn->slice = autograd::SliceOf{dim, start, length, dropped};
}

std::vector<int64_t> pad_back(IntArrayRef sizes, int64_t d, int64_t start, int64_t length) {
  const int64_t n = static_cast<int64_t>(sizes.size());
  std::vector<int64_t> p(u(2 * (n - d)), 0);
  p[u(2 * (n - 1 - d))] = start;
  p[u(2 * (n - 1 - d) + 1)] = sizes[u(d)] - start - length;
  return p;
}

Tensor expand_as_op(const Tensor& x, IntArrayRef size, const char* op) {
  Tensor y = k::expand(x, size, op);
  EMBER_TRACE("expand", {x}, {y}, {{"size", size.vec()}});
  // The node sums the gradient back to x's shape.
  if (needs_grad(x))
    record_view("expand", x, &y, {}, [](const Grads& g, Ctx&) { return Grads{g[0]}; });
  else
    note_no_grad_view(x, y);
  return y;
}

}  // namespace

Tensor reshape(const Tensor& x, IntArrayRef shape) {
  EMBER_TRACE_CALL("reshape", ({x}), ({{"shape", shape.vec()}}), reshape(x, shape));
  Tensor y = k::reshape(x, shape);
  record_reshape("reshape", x, y);
  return y;
}

Tensor view(const Tensor& x, IntArrayRef shape) {
  EMBER_TRACE_CALL("view", ({x}), ({{"size", shape.vec()}}), view(x, shape));
  Tensor y = k::view(x, shape);
  record_reshape("view", x, y);
  return y;
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  EMBER_TRACE_CALL("transpose", ({x}), ({{"dim0", dim0}, {"dim1", dim1}}), transpose(x, dim0, dim1));
  Tensor y = k::transpose(x, dim0, dim1);
  if (needs_grad(x))
    record_view("transpose", x, &y, {},
                [dim0, dim1](const Grads& g, Ctx&) { return Grads{ember::transpose(g[0], dim0, dim1)}; });
  else
    note_no_grad_view(x, y);
  return y;
}

Tensor t(const Tensor& x) {
  EMBER_TRACE_CALL("t", ({x}), ({}), t(x));
  detail::check_defined(x, "t");
  EMBER_CHECK(x.dim() <= 2, "t: expects a tensor with at most 2 dims, got shape {}; use transpose or permute",
              x.sizes());
  return transpose(x, 0, x.dim() < 2 ? 0 : 1);
}

Tensor permute(const Tensor& x, IntArrayRef dims) {
  EMBER_TRACE_CALL("permute", ({x}), ({{"dims", dims.vec()}}), permute(x, dims));
  Tensor y = k::permute(x, dims);
  if (needs_grad(x)) {
    std::vector<int64_t> inverse(dims.size());
    for (std::size_t i = 0; i < dims.size(); ++i)
      inverse[u(detail::wrap_dim(dims[i], x.dim(), "permute"))] = static_cast<int64_t>(i);
    record_view("permute", x, &y, {},
                [inverse](const Grads& g, Ctx&) { return Grads{ember::permute(g[0], inverse)}; });
  } else {
    note_no_grad_view(x, y);
  }
  return y;
}

Tensor expand(const Tensor& x, IntArrayRef size) { return expand_as_op(x, size, "expand"); }
Tensor broadcast_to(const Tensor& x, IntArrayRef size) { return expand_as_op(x, size, "broadcast_to"); }

std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& tensors) {
  if (tensors.empty()) return {};
  for (std::size_t i = 0; i < tensors.size(); ++i)
    EMBER_CHECK(tensors[i].defined(), "broadcast_tensors: tensor {} is undefined", i);
  Shape shape = tensors[0].sizes().shape();
  for (std::size_t i = 1; i < tensors.size(); ++i)
    shape = broadcast_shapes(shape, tensors[i].sizes(), "broadcast_tensors");
  std::vector<Tensor> out;
  out.reserve(tensors.size());
  for (const Tensor& t : tensors) out.push_back(expand_as_op(t, shape, "broadcast_tensors"));
  return out;
}

Tensor squeeze(const Tensor& x) {
  EMBER_TRACE_CALL("squeeze", ({x}), ({{"dim", detail::AttrValue()}}), squeeze(x));
  Tensor y = k::squeeze(x);
  record_reshape("squeeze", x, y);
  return y;
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  EMBER_TRACE_CALL("squeeze", ({x}), ({{"dim", dim}}), squeeze(x, dim));
  Tensor y = k::squeeze(x, dim);
  record_reshape("squeeze", x, y);
  return y;
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  EMBER_TRACE_CALL("unsqueeze", ({x}), ({{"dim", dim}}), unsqueeze(x, dim));
  Tensor y = k::unsqueeze(x, dim);
  record_reshape("unsqueeze", x, y);
  return y;
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  EMBER_TRACE_CALL("flatten", ({x}), ({{"start_dim", start_dim}, {"end_dim", end_dim}}), flatten(x, start_dim, end_dim));
  detail::check_defined(x, "flatten");
  if (x.dim() == 0) return reshape(x, {1});
  int64_t s = detail::wrap_dim(start_dim, x.dim(), "flatten");
  int64_t e = detail::wrap_dim(end_dim, x.dim(), "flatten");
  EMBER_CHECK(s <= e, "flatten: start_dim {} comes after end_dim {} (shape {})", start_dim, end_dim, x.sizes());
  if (s == e) return x;
  std::vector<int64_t> shape;
  int64_t merged = 1;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (d < s || d > e) {
      shape.push_back(x.size(d));
    } else {
      // A tensor with a zero size can have others whose product passes int64.
      EMBER_CHECK(detail::mul_fits(merged, x.size(d), merged),
                  "flatten: merging dims {} to {} of shape {} gives a size of 2^63 or more", s, e, x.sizes());
      if (d == e) shape.push_back(merged);
    }
  }
  return reshape(x, shape);
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  EMBER_TRACE_CALL("narrow", ({x}), ({{"dim", dim}, {"start", start}, {"length", length}}), narrow(x, dim, start, length));
  Tensor y = k::narrow(x, dim, start, length);
  if (needs_grad(x)) {
    int64_t d = detail::wrap_dim(dim, x.dim(), "narrow");
    if (start < 0) start += x.size(d);
    std::vector<int64_t> p = pad_back(x.sizes(), d, start, length);
    record_view("narrow", x, &y, {}, [p](const Grads& g, Ctx&) { return Grads{ember::pad(g[0], p)}; });
    mark_slice(y, d, start, length, false);
  } else {
    note_no_grad_view(x, y);
  }
  return y;
}

Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  EMBER_TRACE_CALL("select", ({x}), ({{"dim", dim}, {"index", index}}), select(x, dim, index));
  Tensor y = k::select(x, dim, index);
  if (needs_grad(x)) {
    int64_t d = detail::wrap_dim(dim, x.dim(), "select");
    if (index < 0) index += x.size(d);
    std::vector<int64_t> p = pad_back(x.sizes(), d, index, 1);
    record_view("select", x, &y, {},
                [p, d](const Grads& g, Ctx&) { return Grads{ember::pad(ember::unsqueeze(g[0], d), p)}; });
    mark_slice(y, d, index, 1, true);
  } else {
    note_no_grad_view(x, y);
  }
  return y;
}

Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) {
  EMBER_TRACE_CALL("slice", ({x}), ({{"dim", dim}, {"start", autograd::opt_attr(start)}, {"end", autograd::opt_attr(end)}, {"step", step}}), slice(x, dim, start, end, step));
  Tensor y = k::slice(x, dim, start, end, step);
  if (needs_grad(x)) {
    int64_t d = detail::wrap_dim(dim, x.dim(), "slice");
    k::SliceRange r = k::slice_range(x.size(d), start, end, step);
    if (step == 1) {
      std::vector<int64_t> p = pad_back(x.sizes(), d, r.start, r.length);
      record_view("slice", x, &y, {}, [p](const Grads& g, Ctx&) { return Grads{ember::pad(g[0], p)}; });
      mark_slice(y, d, r.start, r.length, false);
    } else {
      // Every step-th element: write the gradient into zeros through the same slice.
      Shape in = x.sizes().shape();
      std::vector<indexing::TensorIndex> at(u(d), indexing::Slice());
      at.emplace_back(indexing::Slice(std::optional<int64_t>(r.start), std::optional<int64_t>(r.stop(step)),
                                         std::optional<int64_t>(step)));
      record_view("slice", x, &y, {}, [in, at](const Grads& g, Ctx&) {
        return Grads{ember::index_put(ember::zeros(in, g[0].dtype()), at, g[0])};
      });
    }
  } else {
    note_no_grad_view(x, y);
  }
  return y;
}

Tensor flip(const Tensor& x, IntArrayRef dims) {
  Tensor y = k::flip(x, dims);
  if (needs_grad(x)) {
    std::vector<int64_t> ds = dims.vec();
    record("flip", {x}, {&y}, {}, [ds](const Grads& g, Ctx&) { return Grads{ember::flip(g[0], ds)}; });
  }
  return y;
}

// repeat is expand + reshape: x viewed as [1, s0, 1, s1, ...], expanded to
// [r0, s0, r1, s1, ...] and merged into [r0 * s0, r1 * s1, ...]. Expand's backward sums
// the copies' gradients, so repeat needs no backward of its own.
Tensor repeat(const Tensor& x, IntArrayRef repeats) {
  detail::check_defined(x, "repeat");
  const int64_t n = static_cast<int64_t>(repeats.size());
  EMBER_CHECK(n >= x.dim(), "repeat: {} repeats {} for a tensor with {} dims (shape {}); give at least one per dim",
              n, repeats, x.dim(), x.sizes());
  std::vector<int64_t> split_shape, expanded, out;
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = repeats[u(i)];
    EMBER_CHECK(r >= 0, "repeat: repeats must be non-negative, got {}", repeats);
    int64_t j = i - (n - x.dim());
    int64_t s = j < 0 ? 1 : x.size(j);
    split_shape.insert(split_shape.end(), {1, s});
    expanded.insert(expanded.end(), {r, s});
    int64_t size = 0;
    EMBER_CHECK(detail::mul_fits(r, s, size), "repeat: repeating dim {} of size {} {} times gives a size of 2^63 or more",
                i, s, r);
    out.push_back(size);
  }
  // The result's element count and strides must fit too (a zero size empties it, but
  // its strides still multiply the others).
  detail::numel_of(out, "repeat");
  detail::contiguous_strides(out, "repeat");
  Tensor y = reshape(expand(reshape(x, split_shape), expanded), out);
  // A repeat is always a new tensor, even when no element was copied.
  return y.is_alias_of(x) ? y.clone() : y;
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  if (detail::tracer()) return autograd::trace_call_list("cat", tensors, {{"dim", dim}}, [&] { return cat(tensors, dim); });
  Tensor y = k::cat(tensors, dim);
  if (autograd::needs_grad_list(tensors)) {
    int64_t d = 0;
    for (const Tensor& t : tensors)
      if (!k::cat_skips(t)) {
        d = detail::wrap_dim(dim, t.dim(), "cat");
        break;
      }
    // Each input's slot along dim; -1 marks a skipped legacy empty tensor.
    std::vector<int64_t> lengths;
    for (const Tensor& t : tensors) lengths.push_back(k::cat_skips(t) ? -1 : t.size(d));
    record("cat", tensors, std::vector<Tensor*>{&y}, {}, [d, lengths](const Grads& g, Ctx&) {
      Grads out;
      int64_t offset = 0;
      for (int64_t len : lengths) {
        if (len < 0) {
          out.emplace_back();
          continue;
        }
        out.push_back(ember::narrow(g[0], d, offset, len));
        offset += len;
      }
      return out;
    });
  }
  return y;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  if (detail::tracer()) return autograd::trace_call_list("stack", tensors, {{"dim", dim}}, [&] { return stack(tensors, dim); });
  EMBER_CHECK(!tensors.empty(), "stack: expected a non-empty list of tensors");
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    EMBER_CHECK(tensors[i].defined(), "stack: tensor {} is undefined", i);
    EMBER_CHECK(tensors[i].sizes().equals(tensors[0].sizes()),
                "stack: expects each tensor to be equal size, but got {} at entry 0 and {} at entry {}",
                tensors[0].sizes(), tensors[i].sizes(), i);
  }
  int64_t d = detail::wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  parts.reserve(tensors.size());
  for (const Tensor& t : tensors) parts.push_back(unsqueeze(t, d));
  return cat(parts, d);
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  detail::check_defined(x, "split");
  EMBER_CHECK(x.dim() > 0, "split: cannot split a 0-dim tensor");
  int64_t d = detail::wrap_dim(dim, x.dim(), "split");
  int64_t size = x.size(d);
  EMBER_CHECK(split_size > 0 || (split_size == 0 && size == 0),
              "split: split_size must be positive, got {} (dim {} has size {})", split_size, d, size);
  std::vector<Tensor> out;
  if (size == 0) {
    out.push_back(narrow(x, d, 0, 0));
    return out;
  }
  // start + split_size can pass int64; start + the piece's length cannot.
  for (int64_t start = 0; start < size;) {
    int64_t length = std::min(split_size, size - start);
    out.push_back(narrow(x, d, start, length));
    start += length;
  }
  return out;
}

std::vector<Tensor> split(const Tensor& x, IntArrayRef split_sizes, int64_t dim) {
  detail::check_defined(x, "split");
  EMBER_CHECK(x.dim() > 0, "split: cannot split a 0-dim tensor");
  int64_t d = detail::wrap_dim(dim, x.dim(), "split");
  int64_t total = 0;
  for (int64_t s : split_sizes) {
    EMBER_CHECK(s >= 0, "split: split sizes must be non-negative, got {}", split_sizes);
    EMBER_CHECK(detail::add_fits(total, s, total), "split: split sizes {} add up to 2^63 or more", split_sizes);
  }
  EMBER_CHECK(total == x.size(d), "split: split sizes {} add up to {} but dim {} has size {} (shape {})",
              split_sizes, total, d, x.size(d), x.sizes());
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t s : split_sizes) {
    out.push_back(narrow(x, d, start, s));
    start += s;
  }
  return out;
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  detail::check_defined(x, "chunk");
  EMBER_CHECK(x.dim() > 0, "chunk: expects a tensor with at least 1 dim, got a 0-dim tensor");
  EMBER_CHECK(chunks > 0, "chunk: the number of chunks must be positive, got {}", chunks);
  int64_t d = detail::wrap_dim(dim, x.dim(), "chunk");
  int64_t size = x.size(d);
  // An empty dim still gives the number of chunks asked for, all empty.
  if (size == 0) return split(x, std::vector<int64_t>(u(chunks), 0), d);
  return split(x, size / chunks + (size % chunks != 0), d);  // ceil without size + chunks - 1
}

std::vector<Tensor> unbind(const Tensor& x, int64_t dim) {
  detail::check_defined(x, "unbind");
  EMBER_CHECK(x.dim() > 0, "unbind: cannot unbind a 0-dim tensor");
  int64_t d = detail::wrap_dim(dim, x.dim(), "unbind");
  std::vector<Tensor> out;
  for (int64_t i = 0; i < x.size(d); ++i) out.push_back(select(x, d, i));
  return out;
}

Tensor pad(const Tensor& x, IntArrayRef pad, Scalar value) {
  Tensor y = k::pad(x, pad, value);
  if (needs_grad(x)) {
    // Cropping undoes padding and padding with zeros undoes cropping.
    std::vector<int64_t> back;
    for (int64_t p : pad) back.push_back(-p);
    record("pad", {x}, {&y}, {}, [back](const Grads& g, Ctx&) { return Grads{ember::pad(g[0], back)}; });
  }
  return y;
}

Tensor tril(const Tensor& x, int64_t diagonal) {
  Tensor y = k::triangle(x, diagonal, false);
  if (needs_grad(x))
    record("tril", {x}, {&y}, {}, [diagonal](const Grads& g, Ctx&) { return Grads{ember::tril(g[0], diagonal)}; });
  return y;
}

Tensor triu(const Tensor& x, int64_t diagonal) {
  Tensor y = k::triangle(x, diagonal, true);
  if (needs_grad(x))
    record("triu", {x}, {&y}, {}, [diagonal](const Grads& g, Ctx&) { return Grads{ember::triu(g[0], diagonal)}; });
  return y;
}

}  // namespace ember
