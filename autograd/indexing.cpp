// Differentiable indexing: x.index({...}), index_put(_), index_select, gather,
// scatter_add, masked_fill, masked_select, nonzero.
//
// x.index({...}) runs in two stages. The basic indices (integers, slices, None,
// Ellipsis, bools) become a chain of view ops (select, slice, unsqueeze), each
// differentiable on its own, so a purely basic index gives a view. The index tensors
// that remain (int64 tensors, and bool masks turned into one int64 tensor per mask dim
// with nonzero) then drive one advanced-index gather, whose backward scatters the
// gradient back with accumulation (repeated indices add up). index_put uses the same
// plan to write instead of read.
#include <algorithm>

#include "autograd/inplace.hpp"
#include "autograd/prelude.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/indexing.hpp"
#include "ops/elementwise.hpp"
#include "ops/indexing.hpp"
#include "ops/shape.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
using autograd::SavedTensor;
using indexing::TensorIndex;

namespace {

std::size_t u(int64_t i) { return static_cast<std::size_t>(i); }

// ---- the index tensors of a recorded op, saved with version checks ----

std::vector<SavedTensor> save_indices(const k::AdvancedIndex& a) {
  std::vector<SavedTensor> s;
  for (const Tensor& t : a.indices) s.push_back(save(t));
  return s;
}
// What the backward closure keeps: everything but the tensors, which live in the node's
// saved list (and are freed with it).
k::AdvancedIndex without_tensors(const k::AdvancedIndex& a) {
  k::AdvancedIndex m;
  m.indices.resize(a.indices.size());
  m.error_dims = a.error_dims;
  m.wrap_negative = a.wrap_negative;
  return m;
}
k::AdvancedIndex restore(const k::AdvancedIndex& meta, Ctx& c) {
  k::AdvancedIndex a = meta;
  for (std::size_t i = 0; i < a.indices.size(); ++i) a.indices[i] = c.saved(i);
  return a;
}

// The rank of x[indices] for advanced indices, without computing it.
int64_t advanced_rank(int64_t x_dim, const k::AdvancedIndex& a) {
  int64_t indexed = 0, broadcast = 0;
  for (const Tensor& t : a.indices) {
    if (!t.defined()) continue;
    ++indexed;
    broadcast = std::max(broadcast, t.dim());
  }
  return x_dim - indexed + broadcast;
}

// A value with more dims than the result it is written to loses its leading size-1
// dims (differentiably, so its gradient keeps its shape).
Tensor fit_rank(const Tensor& value, int64_t rank) {
  if (value.dim() <= rank) return value;
  int64_t drop = 0;
  while (value.dim() - drop > rank && value.size(drop) == 1) ++drop;
  if (drop == 0) return value;
  return ember::reshape(value, IntArrayRef(value.sizes().data() + drop, u(value.dim() - drop)));
}

Tensor put(const Tensor& x, const k::AdvancedIndex& a, const Tensor& value, bool accumulate, const char* op);

// x[a] as a differentiable op.
Tensor take(const Tensor& x, const k::AdvancedIndex& a, const char* op) {
  Tensor y = k::index(x, a, op);
  if (needs_grad(x)) {
    Shape in = x.sizes().shape();
    record(op, {x}, {&y}, save_indices(a), [in, meta = without_tensors(a)](const Grads& g, Ctx& c) {
      if (backward_takes_kernels()) {
        // Not recorded nor traced: accumulate into fresh zeros in place (put copies its
        // input first, to stay differentiable).
        Tensor dense = ember::zeros(in, g[0].dtype());
        k::index_put_(dense, restore(meta, c), g[0], true, "index_backward");
        return Grads{dense};
      }
      return Grads{put(ember::zeros(in, g[0].dtype()), restore(meta, c), g[0], true, "index_backward")};
    });
  }
  return y;
}

// A copy of x with x[a] = value (or += value) as a differentiable op.
Tensor put(const Tensor& x, const k::AdvancedIndex& a, const Tensor& value_in, bool accumulate, const char* op) {
  Tensor value = fit_rank(value_in, advanced_rank(x.dim(), a));
  Tensor y = k::contiguous_as(x, x.dtype());
  k::index_put_(y, a, value, accumulate, op);
  if (needs_grad(x, value)) {
    record(op, {x, value}, {&y}, save_indices(a),
           [accumulate, meta = without_tensors(a)](const Grads& g, Ctx& c) {
             k::AdvancedIndex ix = restore(meta, c);
             Tensor gx, gv;
             if (c.needs(0))
               gx = accumulate ? g[0] : put(g[0], ix, ember::zeros({}, g[0].dtype()), false, "index_put");
             if (c.needs(1)) gv = take(g[0], ix, "index");  // summed to the value's shape by the node
             return Grads{gx, gv};
           });
  }
  return y;
}

// ---- x.index({...}): the plan ----

struct Step {
  enum Kind { Select, Slice, Unsqueeze } kind;
  int64_t dim;
  int64_t start = 0, end = 0, step = 1;  // Select uses start as the index
};

struct IndexPlan {
  std::vector<Step> steps;  // the basic part, applied in order
  Shape view_sizes;         // the shape after the basic part
  k::AdvancedIndex adv;     // per dim of that view; no defined entry: basic only
  bool has_advanced() const {
    for (const Tensor& t : adv.indices)
      if (t.defined()) return true;
    return false;
  }
  int64_t result_rank() const {
    int64_t n = static_cast<int64_t>(view_sizes.size());
    return has_advanced() ? advanced_rank(n, adv) : n;
  }
};

IndexPlan plan_index(const Tensor& x, const std::vector<TensorIndex>& indices, const char* op) {
  using Kind = TensorIndex::Kind;
  int64_t consumed = 0, ellipses = 0;
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const TensorIndex& ix = indices[i];
    switch (ix.kind()) {
      case Kind::Integer:
      case Kind::Slice: ++consumed; break;
      case Kind::Ellipsis: ++ellipses; break;
      case Kind::Tensor: {
        const Tensor& t = ix.tensor();
        EMBER_CHECK(t.defined(), "{}: index {} is an undefined tensor", op, i);
        EMBER_CHECK(t.dtype() == Dtype::Int64 || t.dtype() == Dtype::Bool,
                    "{}: tensors used as indices must be int64 or bool, got {} (shape {}) at index {}", op, t.dtype(),
                    t.sizes(), i);
        consumed += t.dtype() == Dtype::Bool ? t.dim() : 1;
        break;
      }
      default: break;
    }
  }
  EMBER_CHECK(ellipses <= 1, "{}: an index can only have a single ellipsis (...)", op);
  EMBER_CHECK(consumed <= x.dim(), "{}: too many indices for a tensor of dimension {} (shape {}): got {}", op, x.dim(),
              x.sizes(), consumed);

  IndexPlan p;
  Shape& sizes = p.view_sizes;
  sizes = x.sizes().shape();
  std::vector<Tensor> adv(u(x.dim()));
  std::vector<int64_t> src(u(x.dim()));  // the dim of x each view dim comes from; -1 for new dims
  for (int64_t d = 0; d < x.dim(); ++d) src[u(d)] = d;
  int64_t cur = 0;  // the next dim of the view to index
  auto insert_dim = [&](Tensor index) {
    p.steps.push_back({Step::Unsqueeze, cur});
    sizes.insert(sizes.begin() + cur, 1);
    adv.insert(adv.begin() + cur, std::move(index));
    src.insert(src.begin() + cur, -1);
  };
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const TensorIndex& ix = indices[i];
    switch (ix.kind()) {
      case Kind::None:
        insert_dim(Tensor());
        ++cur;
        break;
      case Kind::Boolean:
        insert_dim(Tensor());
        if (!ix.boolean()) {
          p.steps.push_back({Step::Slice, cur, 0, 0, 1});
          sizes[u(cur)] = 0;
        }
        ++cur;
        break;
      case Kind::Ellipsis: cur += x.dim() - consumed; break;
      case Kind::Integer: {
        int64_t size = sizes[u(cur)], v = ix.integer();
        EMBER_CHECK(v >= -size && v < size, "{}: index {} is out of bounds for dim {} with size {}", op, v,
                    src[u(cur)], size);
        p.steps.push_back({Step::Select, cur, v < 0 ? v + size : v});
        sizes.erase(sizes.begin() + cur);
        adv.erase(adv.begin() + cur);
        src.erase(src.begin() + cur);
        break;
      }
      case Kind::Slice: {
        const indexing::Slice& s = ix.slice();
        int64_t step = s.step().value_or(1);
        EMBER_CHECK(step > 0, "{}: slice step must be positive, got {}", op, step);
        k::SliceRange r = k::slice_range(sizes[u(cur)], s.start(), s.stop(), step);
        p.steps.push_back({Step::Slice, cur, r.start, r.stop(step), step});
        sizes[u(cur)] = r.length;
        ++cur;
        break;
      }
      case Kind::Tensor: {
        const Tensor& t = ix.tensor();
        if (t.dtype() == Dtype::Int64) {
          adv[u(cur++)] = t;
        } else if (t.dim() == 0) {
          // A 0-dim mask adds a dim holding the element once (true) or not at all (false).
          insert_dim(ember::zeros({t.item<bool>() ? 1 : 0}, kInt64));
          ++cur;
        } else {
          IntArrayRef covered(sizes.data() + cur, u(t.dim()));
          EMBER_CHECK(t.sizes().equals(covered),
                      "{}: the mask of shape {} (index {}) does not match the indexed shape {} at dims {} to {} of "
                      "the tensor of shape {}",
                      op, t.sizes(), i, covered, src[u(cur)], src[u(cur)] + t.dim() - 1, x.sizes());
          Tensor nz = k::nonzero(t);
          for (int64_t j = 0; j < t.dim(); ++j) adv[u(cur++)] = k::select(nz, 1, j);
        }
        break;
      }
    }
  }
  p.adv.indices = std::move(adv);
  p.adv.error_dims.resize(src.size());
  for (std::size_t d = 0; d < src.size(); ++d)
    p.adv.error_dims[d] = src[d] >= 0 ? src[d] : static_cast<int64_t>(d);
  return p;
}

// The basic part of the plan, as differentiable views of t.
Tensor apply_basic(const IndexPlan& p, const Tensor& t) {
  Tensor v = t;
  for (const Step& s : p.steps) {
    switch (s.kind) {
      case Step::Select: v = ember::select(v, s.dim, s.start); break;
      case Step::Slice: v = ember::slice(v, s.dim, s.start, s.end, s.step); break;
      case Step::Unsqueeze: v = ember::unsqueeze(v, s.dim); break;
    }
  }
  return v;
}

// Writes value into view[adv] (view: the basic part already applied to the target).
// With accumulate, adds value instead (repeated indices add up).
void write(Tensor view, const IndexPlan& p, const Tensor& value, const char* op, bool accumulate = false) {
  if (p.has_advanced()) return k::index_put_(view, p.adv, value, accumulate, op);
  // Basic indices only: a plain broadcast copy into the view.
  Tensor v = value;
  while (v.dim() > view.dim() && v.size(0) == 1) v = k::squeeze(v, 0);
  bool fits = v.dim() <= view.dim();
  for (int64_t i = 0; fits && i < v.dim(); ++i) fits = v.size(-1 - i) == view.size(-1 - i) || v.size(-1 - i) == 1;
  EMBER_CHECK(fits, "{}: shape mismatch: a value of shape {} cannot be broadcast to the indexed shape {}", op,
              value.sizes(), view.sizes());
  // The value may overlap the memory it is written to: read it from a copy then.
  if (v.is_alias_of(view)) v = k::contiguous_as(v, v.dtype());
  if (accumulate)
    k::binary_out(view, k::Binary::Add, view, v);
  else
    k::copy(view, v);
}

Tensor index_with(const Tensor& x, const IndexPlan& p) {
  Tensor v = apply_basic(p, x);
  return p.has_advanced() ? take(v, p.adv, "index") : v;
}

Tensor index_put_with(const Tensor& x, const IndexPlan& p, const Tensor& value_in, const char* op,
                      bool accumulate = false) {
  Tensor value = fit_rank(value_in, p.result_rank());
  Tensor y = k::contiguous_as(x, x.dtype());
  write(apply_basic(p, y), p, value, op, accumulate);
  if (needs_grad(x, value)) {
    IndexPlan meta = p;
    meta.adv = without_tensors(p.adv);
    record(op, {x, value}, {&y}, save_indices(p.adv), [meta, accumulate](const Grads& g, Ctx& c) {
      IndexPlan ix = meta;
      ix.adv = restore(meta.adv, c);
      Tensor gx, gv;
      if (c.needs(0))
        gx = accumulate ? g[0] : index_put_with(g[0], ix, ember::zeros({}, g[0].dtype()), "index_put");
      if (c.needs(1)) gv = index_with(g[0], ix);  // summed to the value's shape by the node
      return Grads{gx, gv};
    });
  }
  return y;
}

void check_index_tensor(const Tensor& index, const char* op) {
  detail::check_defined(index, op, "index");
  EMBER_CHECK(index.dtype() == Dtype::Int64, "{}: the index must be an int64 tensor, got {} (shape {})", op,
              index.dtype(), index.sizes());
}

void check_mask(const Tensor& mask, const char* op) {
  detail::check_defined(mask, op, "mask");
  EMBER_CHECK(mask.dtype() == Dtype::Bool, "{}: the mask must be a bool tensor, got {} (shape {})", op, mask.dtype(),
              mask.sizes());
}

}  // namespace

// ---- x.index({...}) and index_put ----

Tensor index(const Tensor& x, const std::vector<TensorIndex>& indices) {
  detail::check_defined(x, "index");
  // As LibTorch: x.index({}) is not x[()]; say so rather than return x itself.
  EMBER_CHECK(!indices.empty(), "index: passing an empty index list to Tensor::index() is not valid syntax (tensor of shape {})",
              x.sizes());
  return index_with(x, plan_index(x, indices, "index"));
}

Tensor index_put(const Tensor& x, const std::vector<TensorIndex>& indices, const Tensor& value) {
  detail::check_defined(x, "index_put");
  detail::check_defined(value, "index_put", "value");
  return index_put_with(x, plan_index(x, indices, "index_put"), value, "index_put");
}

Tensor& index_put_(Tensor& x, const std::vector<TensorIndex>& indices, const Tensor& value) {
  detail::check_defined(x, "index_put_");
  detail::check_defined(value, "index_put_", "value");
  IndexPlan p = plan_index(x, indices, "index_put_");
  return autograd::inplace(
      "index_put_", x, value.requires_grad(), [&] { write(apply_basic(p, x), p, value, "index_put_"); },
      [&](const Tensor& old) { return index_put_with(old, p, value, "index_put_"); });
}

// ---- gathers and scatters along one dim ----

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  detail::check_defined(x, "index_select");
  check_index_tensor(index, "index_select");
  EMBER_CHECK(index.dim() <= 1, "index_select: the index must be 0-D or 1-D, got shape {}", index.sizes());
  int64_t d = detail::wrap_dim(dim, x.dim(), "index_select");
  if (x.dim() == 0) return ember::reshape(index_select(ember::reshape(x, {1}), 0, index), index.sizes());
  k::AdvancedIndex a;
  a.indices.resize(u(d + 1));
  a.indices[u(d)] = index.dim() == 0 ? k::reshape(index, {1}) : index;
  a.wrap_negative = false;  // as PyTorch: index_select takes no negative indices
  return take(x, a, "index_select");
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  Tensor y = k::gather(x, dim, index);
  if (needs_grad(x)) {
    Shape in = x.sizes().shape();
    record("gather", {x}, {&y}, {save(index)}, [in, dim](const Grads& g, Ctx& c) {
      return Grads{ember::scatter_add(ember::zeros(in, g[0].dtype()), dim, c.saved(0), g[0])};
    });
  }
  return y;
}

namespace {
// The gradient of the src of a scatter: g gathered at the index, padded with zeros where
// src reaches beyond the index (those elements are not used).
struct SrcGradient {
  std::vector<int64_t> fill;  // pad's pairs, from the last dim backwards; empty: none
  Shape src_sizes;
  SrcGradient(const Tensor& index, const Tensor& src) : src_sizes(src.sizes().shape()) {
    bool smaller = false;
    if (index.dim() == src.dim()) {
      for (int64_t d = src.dim() - 1; d >= 0; --d) {
        int64_t extra = src.size(d) - index.size(d);
        fill.insert(fill.end(), {0, extra});
        smaller = smaller || extra != 0;
      }
    }
    if (!smaller) fill.clear();
  }
  Tensor operator()(const Tensor& g, int64_t dim, const Tensor& index) const {
    Tensor gs = ember::gather(g, dim, index);
    if (!fill.empty()) gs = ember::pad(gs, fill);
    // A 0-dim index with a one-element src (or the reverse) differ only in rank.
    if (gs.dim() != static_cast<int64_t>(src_sizes.size())) gs = ember::reshape(gs, src_sizes);
    return gs;
  }
};
}  // namespace

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  Tensor y = k::scatter_add(x, dim, index, src);
  if (needs_grad(x, src)) {
    record("scatter_add", {x, src}, {&y}, {save(index)}, [dim, src_grad = SrcGradient(index, src)](const Grads& g, Ctx& c) {
      return Grads{g[0], c.needs(1) ? src_grad(g[0], dim, c.saved(0)) : Tensor()};
    });
  }
  return y;
}

// ---- masks ----

Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value) {
  detail::check_defined(x, "masked_fill");
  check_mask(mask, "masked_fill");
  detail::check_defined(value, "masked_fill", "value");
  EMBER_CHECK(value.dim() == 0, "masked_fill: the value must be a 0-dim tensor, got shape {}", value.sizes());
  broadcast_shapes(x.sizes(), mask.sizes(), "masked_fill");
  // where's backward sends the gradient to x off the mask and to value on it.
  return ember::where(mask, value.to(x.dtype()), x);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value) {
  detail::check_defined(x, "masked_fill");
  return masked_fill(x, mask, ember::scalar_tensor(value, x.dtype()));
}

Tensor masked_select(const Tensor& x, const Tensor& mask) {
  detail::check_defined(x, "masked_select");
  check_mask(mask, "masked_select");
  Shape shape = broadcast_shapes(x.sizes(), mask.sizes(), "masked_select");
  if (shape.empty()) shape.push_back(1);  // the result is 1-D even for 0-dim inputs
  // x broadcast (expand sums the gradient back), indexed by the mask's nonzero positions.
  Tensor nz = k::nonzero(k::expand(mask, shape, "masked_select"));
  k::AdvancedIndex a;
  for (int64_t j = 0; j < nz.size(1); ++j) a.indices.push_back(k::select(nz, 1, j));
  return take(ember::expand(x, shape), a, "masked_select");
}

Tensor nonzero(const Tensor& x) { return k::nonzero(x); }

// ---- scatters along one dim: scatter, index_add, index_copy, index_fill ----

// x where the index does not write, g's elements elsewhere: the written elements of x
// are gone, so their gradient is zero.
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  Tensor y = k::scatter(x, dim, index, src, "scatter");
  if (needs_grad(x, src)) {
    record("scatter", {x, src}, {&y}, {save(index)}, [dim, src_grad = SrcGradient(index, src)](const Grads& g, Ctx& c) {
      Tensor index = c.saved(0);
      Tensor gx = c.needs(0) ? ember::scatter(g[0], dim, index, Scalar(0)) : Tensor();
      return Grads{gx, c.needs(1) ? src_grad(g[0], dim, index) : Tensor()};
    });
  }
  return y;
}

Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, Scalar value) {
  detail::check_defined(x, "scatter");
  detail::check_defined(index, "scatter", "index");
  Tensor y = k::scatter(x, dim, index, ember::full(index.sizes(), value, x.dtype()), "scatter");
  if (needs_grad(x)) {
    record("scatter", {x}, {&y}, {save(index)}, [dim](const Grads& g, Ctx& c) {
      return Grads{ember::scatter(g[0], dim, c.saved(0), Scalar(0))};
    });
  }
  return y;
}

namespace {

// index_add, index_copy and index_fill write whole slices x.select(dim, index[i]): an
// advanced index on one dim.
struct AlongDim {
  Tensor x;          // at least 1-D
  int64_t dim;       // wrapped
  k::AdvancedIndex index;
  bool scalar;       // x was 0-dim: the result goes back to 0-dim
};

AlongDim along_dim(const char* op, const Tensor& x_in, int64_t dim, const Tensor& index) {
  detail::check_defined(x_in, op);
  check_index_tensor(index, op);
  EMBER_CHECK(index.dim() <= 1, "{}: the index must be 0-D or 1-D, got shape {} (input shape {})", op, index.sizes(),
              x_in.sizes());
  AlongDim a;
  a.scalar = x_in.dim() == 0;
  a.x = a.scalar ? ember::reshape(x_in, {1}) : x_in;
  a.dim = detail::wrap_dim(x_in, dim, op);
  a.index.indices.resize(u(a.dim + 1));
  a.index.indices[u(a.dim)] = index.dim() == 0 ? k::reshape(index, {1}) : index;
  a.index.wrap_negative = false;  // as PyTorch: no negative indices here
  return a;
}

// source must be x with dim `dim` of the index's length, and of x's dtype.
Tensor checked_source(const char* op, const Tensor& x_in, const AlongDim& a, const Tensor& index,
                      const Tensor& source) {
  detail::check_defined(source, op, "source");
  EMBER_CHECK(source.dtype() == x_in.dtype(),
              "{}: self ({}, shape {}) and source ({}, shape {}) must have the same dtype", op, x_in.dtype(),
              x_in.sizes(), source.dtype(), source.sizes());
  Tensor s = source.dim() == 0 ? ember::reshape(source, {1}) : source;
  bool fits = s.dim() == a.x.dim();
  for (int64_t d = 0; fits && d < s.dim(); ++d)
    fits = s.size(d) == (d == a.dim ? index.numel() : a.x.size(d));
  EMBER_CHECK(fits,
              "{}: source of shape {} does not fit: it must be the input's shape {} with dim {} of the index's length "
              "{}",
              op, source.sizes(), x_in.sizes(), a.dim, index.numel());
  return s;
}

Tensor back_to_rank(const AlongDim& a, const Tensor& y) { return a.scalar ? ember::reshape(y, {}) : y; }

Tensor scaled(const Tensor& source, Scalar alpha) {
  bool unit = !alpha.is_floating_point() && alpha.to_int() == 1;
  return unit ? source : source * alpha;
}

Tensor fill_value(const char* op, const Tensor& x, const Tensor& value) {
  detail::check_defined(value, op, "value");
  EMBER_CHECK(value.dim() == 0, "{}: only supports a 0-dimensional value tensor, got shape {} (input shape {})", op,
              value.sizes(), x.sizes());
  return value.dtype() == x.dtype() ? value : value.to(x.dtype());
}

}  // namespace

Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) {
  AlongDim a = along_dim("index_add", x, dim, index);
  Tensor s = checked_source("index_add", x, a, index, source);
  return back_to_rank(a, put(a.x, a.index, scaled(s, alpha), true, "index_add"));
}

Tensor index_copy(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source) {
  AlongDim a = along_dim("index_copy", x, dim, index);
  Tensor s = checked_source("index_copy", x, a, index, source);
  return back_to_rank(a, put(a.x, a.index, s, false, "index_copy"));
}

Tensor index_fill(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& value) {
  AlongDim a = along_dim("index_fill", x, dim, index);
  return back_to_rank(a, put(a.x, a.index, fill_value("index_fill", x, value), false, "index_fill"));
}
Tensor index_fill(const Tensor& x, int64_t dim, const Tensor& index, Scalar value) {
  detail::check_defined(x, "index_fill");
  return index_fill(x, dim, index, ember::scalar_tensor(value, x.dtype()));
}

// ---- in place: straight into the tensor outside autograd ----
Tensor& Tensor::index_add_(int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) {
  AlongDim a = along_dim("index_add_", *this, dim, index);
  Tensor s = checked_source("index_add_", *this, a, index, source);
  return autograd::inplace(
      "index_add_", *this, source.requires_grad(),
      [&] { k::index_put_(a.x, a.index, scaled(s, alpha), true, "index_add_"); },
      [&](const Tensor& old) { return ember::index_add(old, dim, index, source, alpha); });
}
Tensor& Tensor::index_copy_(int64_t dim, const Tensor& index, const Tensor& source) {
  AlongDim a = along_dim("index_copy_", *this, dim, index);
  Tensor s = checked_source("index_copy_", *this, a, index, source);
  return autograd::inplace(
      "index_copy_", *this, source.requires_grad(), [&] { k::index_put_(a.x, a.index, s, false, "index_copy_"); },
      [&](const Tensor& old) { return ember::index_copy(old, dim, index, source); });
}
Tensor& Tensor::index_fill_(int64_t dim, const Tensor& index, const Tensor& value) {
  AlongDim a = along_dim("index_fill_", *this, dim, index);
  Tensor v = fill_value("index_fill_", *this, value);
  return autograd::inplace(
      "index_fill_", *this, value.requires_grad(), [&] { k::index_put_(a.x, a.index, v, false, "index_fill_"); },
      [&](const Tensor& old) { return ember::index_fill(old, dim, index, value); });
}
Tensor& Tensor::index_fill_(int64_t dim, const Tensor& index, Scalar value) {
  detail::check_defined(*this, "index_fill_");
  return index_fill_(dim, index, ember::scalar_tensor(value, dtype()));
}

Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Tensor& src) {
  return autograd::inplace(
      "scatter_", *this, src.defined() && src.requires_grad(),
      [&] {
        Tensor y = k::scatter(*this, dim, index, src, "scatter_");
        k::copy(*this, y);
      },
      [&](const Tensor& old) { return ember::scatter(old, dim, index, src); });
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, Scalar value) {
  detail::check_defined(*this, "scatter_");
  detail::check_defined(index, "scatter_", "index");
  return scatter_(dim, index, ember::full(index.sizes(), value, dtype()));
}
Tensor& Tensor::scatter_add_(int64_t dim, const Tensor& index, const Tensor& src) {
  return autograd::inplace(
      "scatter_add_", *this, src.defined() && src.requires_grad(),
      [&] {
        Tensor y = k::scatter_add(*this, dim, index, src);
        k::copy(*this, y);
      },
      [&](const Tensor& old) { return ember::scatter_add(old, dim, index, src); });
}

// ---- ATen's index_put: one optional index tensor per leading dim ----
namespace {
std::vector<TensorIndex> as_tensor_indices(const std::vector<std::optional<Tensor>>& indices) {
  std::vector<TensorIndex> out;
  for (const auto& t : indices) {
    if (t && t->defined())
      out.emplace_back(*t);
    else
      out.emplace_back(indexing::Slice());
  }
  return out;
}
}  // namespace

Tensor index_put(const Tensor& x, const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                 bool accumulate) {
  detail::check_defined(x, "index_put");
  detail::check_defined(values, "index_put", "values");
  return index_put_with(x, plan_index(x, as_tensor_indices(indices), "index_put"), values, "index_put", accumulate);
}

Tensor& index_put_(Tensor& x, const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                   bool accumulate) {
  detail::check_defined(x, "index_put_");
  detail::check_defined(values, "index_put_", "values");
  IndexPlan p = plan_index(x, as_tensor_indices(indices), "index_put_");
  return autograd::inplace(
      "index_put_", x, values.requires_grad(),
      [&] { write(apply_basic(p, x), p, values, "index_put_", accumulate); },
      [&](const Tensor& old) { return index_put_with(old, p, values, "index_put_", accumulate); });
}
Tensor& Tensor::index_put_(const std::vector<std::optional<Tensor>>& indices, const Tensor& values, bool accumulate) {
  return ember::index_put_(*this, indices, values, accumulate);
}

}  // namespace ember
