#include "ops/indexing.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <type_traits>

#include "ops/elementwise.hpp"
#include "ops/functors.hpp"
#include "ops/loops.hpp"
#include "ops/shape.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/parallel.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace kernels {
namespace {

using detail::empty_tensor;

std::size_t u(int64_t i) { return static_cast<std::size_t>(i); }

// f(T{}) with T the C++ type of dt.
template <class F>
void dispatch_all(Dtype dt, F&& f) {
  switch (dt) {
    case Dtype::Float32: return f(float());
    case Dtype::Float64: return f(double());
    case Dtype::Int64: return f(int64_t());
    case Dtype::Bool: return f(bool());
    case Dtype::Int32: return f(int32_t());
    case Dtype::Int16: return f(int16_t());
    case Dtype::Int8: return f(int8_t());
    case Dtype::UInt8: return f(uint8_t());
    case Dtype::Float16: return f(Half());
    case Dtype::BFloat16: return f(BFloat16());
  }
}
// f(E{}) with E an unsigned integer as wide as one element: moving data needs no types.
template <class F>
void dispatch_bytes(int64_t element_size, F&& f) {
  switch (element_size) {
    case 1: return f(uint8_t());
    case 2: return f(uint16_t());
    case 4: return f(uint32_t());
    default: return f(uint64_t());
  }
}

template <class T>
void accumulate_into(T& dst, T v) {
  if constexpr (std::is_same<T, bool>::value)
    dst = dst || v;
  else if constexpr (std::is_same<T, Half>::value || std::is_same<T, BFloat16>::value)
    dst = T(static_cast<float>(dst) + static_cast<float>(v));  // rounded once per sum, as PyTorch's CPU kernel
  else
    dst = static_cast<T>(dst + v);  // narrow integers wrap around
}

void check_index_dtype(const Tensor& index, const char* op) {
  EMBER_CHECK(index.dtype() == Dtype::Int64, "{}: tensors used as indices must be int64 (or bool masks), got {} of shape {}",
              op, index.dtype(), index.sizes());
}

// The element offsets of a row-major walk over dims of the given sizes and strides.
std::vector<int64_t> offsets_of(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<int64_t> out(u(n));
  const int64_t nd = static_cast<int64_t>(sizes.size());
  std::vector<int64_t> idx(sizes.size(), 0);
  int64_t off = 0;
  for (int64_t k = 0; k < n; ++k) {
    out[u(k)] = off;
    for (int64_t d = nd - 1; d >= 0; --d) {
      ++idx[u(d)];
      off += strides[u(d)];
      if (idx[u(d)] < sizes[u(d)]) break;
      off -= idx[u(d)] * strides[u(d)];
      idx[u(d)] = 0;
    }
  }
  return out;
}

// Advanced indexing reduced to three lists of element offsets into the indexed tensor:
// result element (o, b, i) in row-major order reads offset outer[o] + mid[b] + inner[i],
// where b runs over the broadcast index shape and o, i over the dims not indexed that
// come before and after it in the result.
struct Plan {
  Shape out_sizes;
  std::vector<int64_t> outer, mid, inner;
};

Plan make_plan(IntArrayRef sizes, IntArrayRef strides, const AdvancedIndex& ai, const char* op) {
  const int64_t n = static_cast<int64_t>(sizes.size());
  EMBER_CHECK(static_cast<int64_t>(ai.indices.size()) <= n, "{}: {} indices for a tensor with {} dims (shape {})", op,
              ai.indices.size(), n, sizes);
  auto error_dim = [&](int64_t d) { return u(d) < ai.error_dims.size() ? ai.error_dims[u(d)] : d; };

  std::vector<int64_t> dims;
  Shape bshape;
  for (std::size_t d = 0; d < ai.indices.size(); ++d) {
    const Tensor& t = ai.indices[d];
    if (!t.defined()) continue;
    check_index_dtype(t, op);
    if (dims.empty()) {
      bshape = t.sizes().shape();
    } else {
      IntArrayRef prev = bshape;
      std::size_t nb = std::max(prev.size(), t.sizes().size());
      Shape next(nb);
      for (std::size_t i = 0; i < nb; ++i) {
        int64_t a = i < nb - prev.size() ? 1 : prev[i - (nb - prev.size())];
        int64_t b = i < nb - t.sizes().size() ? 1 : t.sizes()[i - (nb - t.sizes().size())];
        EMBER_CHECK(a == b || a == 1 || b == 1,
                    "{}: the index tensors cannot be broadcast together: shape {} (indexing dim {}) against {}", op,
                    t.sizes(), error_dim(static_cast<int64_t>(d)), prev);
        next[i] = a == 1 ? b : a;
      }
      bshape = std::move(next);
    }
    dims.push_back(static_cast<int64_t>(d));
  }
  EMBER_CHECK(!dims.empty(), "{}: no index tensor given", op);

  Plan p;
  const int64_t nb = detail::numel_of(bshape, op);
  p.mid.assign(u(nb), 0);
  for (int64_t d : dims) {
    const int64_t size = sizes[u(d)], stride = strides[u(d)];
    Tensor idx = contiguous_as(expand(ai.indices[u(d)], bshape, op), Dtype::Int64);
    const int64_t* v = idx.data_ptr<int64_t>();
    for (int64_t b = 0; b < nb; ++b) {
      int64_t i = v[b];
      if (i < 0 && ai.wrap_negative) i += size;
      EMBER_CHECK(i >= 0 && i < size, "{}: index {} is out of bounds for dim {} with size {}", op, v[b],
                  error_dim(d), size);
      p.mid[u(b)] += i * stride;
    }
  }

  // Adjacent index tensors put the broadcast dims where they were; otherwise in front.
  const bool adjacent = dims.back() - dims.front() + 1 == static_cast<int64_t>(dims.size());
  std::vector<int64_t> os, ost, is, ist;
  for (int64_t d = 0; d < n; ++d) {
    bool indexed = u(d) < ai.indices.size() && ai.indices[u(d)].defined();
    if (indexed) continue;
    bool before = adjacent && d < dims.front();
    (before ? os : is).push_back(sizes[u(d)]);
    (before ? ost : ist).push_back(strides[u(d)]);
  }
  for (int64_t s : os) p.out_sizes.push_back(s);
  for (int64_t s : bshape) p.out_sizes.push_back(s);
  for (int64_t s : is) p.out_sizes.push_back(s);
  p.outer = offsets_of(os, ost);
  p.inner = offsets_of(is, ist);
  return p;
}

// Every value of index in [0, size), or an error naming the first one that is not.
void check_range(const Tensor& index, int64_t size, int64_t dim, const char* op) {
  if (index.numel() == 0) return;
  const Tensor c = index.is_contiguous() ? index : contiguous_as(index, Dtype::Int64);
  const int64_t* p = c.data_ptr<int64_t>();
  const int64_t n = c.numel();
  // The extremes first, in a loop that vectorizes; the first bad value only on failure.
  int64_t lo = p[0], hi = p[0];
  for (int64_t i = 1; i < n; ++i) {
    lo = std::min(lo, p[i]);
    hi = std::max(hi, p[i]);
  }
  if (lo >= 0 && hi < size) return;
  for (int64_t i = 0; i < n; ++i)
    EMBER_CHECK(p[i] >= 0 && p[i] < size, "{}: index {} is out of bounds for dim {} with size {}", op, p[i], dim,
                size);
}

// A 0-dim tensor as a 1-D one of one element: gather and scatter_add treat them alike.
Tensor at_least_1d(const Tensor& t) { return t.dim() == 0 ? reshape(t, {1}) : t; }

}  // namespace

Shape index_shape(const Tensor& x, const AdvancedIndex& ai, const char* op) {
  detail::check_defined(x, op);
  return make_plan(x.sizes(), x.strides(), ai, op).out_sizes;
}

Tensor index(const Tensor& x, const AdvancedIndex& ai, const char* op) {
  detail::check_defined(x, op);
  Plan p = make_plan(x.sizes(), x.strides(), ai, op);
  Tensor out = empty_tensor(p.out_sizes, x.dtype(), op);
  if (out.numel() == 0) return out;
  const int64_t nb = static_cast<int64_t>(p.mid.size()), ni = static_cast<int64_t>(p.inner.size());
  const int64_t rows = static_cast<int64_t>(p.outer.size()) * nb;
  // Dims after the indexed ones that are contiguous in x copy as one block.
  bool block = true;
  for (int64_t i = 0; i < ni && block; ++i) block = p.inner[u(i)] == i;
  dispatch_bytes(x.element_size(), [&](auto tag) {
    using E = decltype(tag);
    const E* src = static_cast<const E*>(x.data_ptr());
    E* dst = static_cast<E*>(out.data_ptr());
    parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / ni), [&](int64_t begin, int64_t end) {
      int64_t o = begin / nb, b = begin % nb;
      for (int64_t r = begin; r < end; ++r) {
        const E* s = src + p.outer[u(o)] + p.mid[u(b)];
        E* d = dst + r * ni;
        if (block)
          std::copy(s, s + ni, d);
        else
          for (int64_t i = 0; i < ni; ++i) d[i] = s[p.inner[u(i)]];
        if (++b == nb) {
          b = 0;
          ++o;
        }
      }
    });
  });
  return out;
}

void index_put_(Tensor& dst, const AdvancedIndex& ai, const Tensor& value, bool accumulate, const char* op) {
  detail::check_defined(dst, op);
  detail::check_defined(value, op, "value");
  Plan p = make_plan(dst.sizes(), dst.strides(), ai, op);
  IntArrayRef target = p.out_sizes;
  // Leading size-1 dims of the value beyond the result's rank are dropped, as in PyTorch.
  Tensor v = value;
  while (v.dim() > static_cast<int64_t>(target.size()) && v.size(0) == 1) v = squeeze(v, 0);
  bool fits = v.dim() <= static_cast<int64_t>(target.size());
  for (int64_t i = 0; fits && i < v.dim(); ++i) {
    int64_t vs = v.size(-1 - i), ts = target[target.size() - 1 - u(i)];
    fits = vs == ts || vs == 1;
  }
  EMBER_CHECK(fits, "{}: shape mismatch: a value of shape {} cannot be broadcast to the indexed shape {}", op,
              value.sizes(), target);
  const int64_t total = detail::numel_of(target, op);
  if (total == 0) return;
  // A private contiguous copy, so the value may alias dst without harm.
  const bool single = v.numel() == 1;
  Tensor src = contiguous_as(single ? v : expand(v, target, op), dst.dtype());
  const int64_t step = single ? 0 : 1;
  const int64_t nb = static_cast<int64_t>(p.mid.size()), ni = static_cast<int64_t>(p.inner.size());
  // Serial on purpose: repeated indices must add up (and write in a fixed order).
  // Dims after the indexed ones that are contiguous in dst: a whole row at a time.
  bool block = step == 1 && ni >= 16;  // a SIMD call per shorter row costs more than it saves
  for (int64_t i = 0; i < ni && block; ++i) block = p.inner[u(i)] == i;
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* d = static_cast<T*>(dst.data_ptr());
    const T* s = static_cast<const T*>(src.data_ptr());
    int64_t pos = 0;
    for (int64_t o = 0; o < static_cast<int64_t>(p.outer.size()); ++o) {
      for (int64_t b = 0; b < nb; ++b) {
        T* base = d + p.outer[u(o)] + p.mid[u(b)];
        if constexpr (std::is_same<T, float>::value || std::is_same<T, double>::value) {
          if (block) {
            // The same additions in the same order, as SIMD loops over the row.
            if (accumulate && Contig<AddOp<T>, T>::binary)
              Contig<AddOp<T>, T>::binary(AddOp<T>{}, base, s + pos, base, ni, BinaryMode::VV);
            else if (accumulate)
              for (int64_t i = 0; i < ni; ++i) base[i] += s[pos + i];
            else
              std::copy(s + pos, s + pos + ni, base);
            pos += ni;
            continue;
          }
        }
        for (int64_t i = 0; i < ni; ++i, ++pos) {
          T val = s[pos * step];
          if (accumulate)
            accumulate_into(base[p.inner[u(i)]], val);
          else
            base[p.inner[u(i)]] = val;
        }
      }
    }
  });
}

Tensor gather(const Tensor& x_in, int64_t dim, const Tensor& index_in) {
  detail::check_defined(x_in, "gather");
  detail::check_defined(index_in, "gather", "index");
  EMBER_CHECK(index_in.dtype() == Dtype::Int64, "gather: the index must be an int64 tensor, got {} (shape {})",
              index_in.dtype(), index_in.sizes());
  Tensor x = at_least_1d(x_in), index = at_least_1d(index_in);
  EMBER_CHECK(index.dim() == x.dim(),
              "gather: the index must have as many dims as the input: index shape {}, input shape {}",
              index_in.sizes(), x_in.sizes());
  const int64_t d = detail::wrap_dim(dim, x.dim(), "gather");
  for (int64_t k = 0; k < x.dim(); ++k)
    EMBER_CHECK(k == d || index.size(k) <= x.size(k),
                "gather: index shape {} is larger than input shape {} at dim {} (only dim {} may differ)",
                index_in.sizes(), x_in.sizes(), k, d);
  Tensor out = empty_tensor(index.sizes(), x.dtype());
  // The indices are checked as they are read (a bad one reads element 0 instead and is
  // reported after the loop, by check_range's message): one pass over them, not two.
  const auto size = static_cast<uint64_t>(x.size(d));
  std::atomic<bool> bad{false};
  if (out.numel() > 0) {
    const int64_t es = x.element_size();
    int64_t st[3][kMaxLoopDims];
    for (int64_t k = 0; k < x.dim(); ++k) {
      st[0][k] = out.stride(k) * es;
      st[1][k] = index.stride(k) * 8;
      st[2][k] = k == d ? 0 : x.stride(k) * es;
    }
    const int64_t dim_stride = x.stride(d);
    Loop<3> L = make_loop<3>(index.sizes(), st);
    dispatch_bytes(es, [&](auto tag) {
      using E = decltype(tag);
      run<3>(L, {static_cast<char*>(out.data_ptr()), static_cast<char*>(index.data_ptr()),
                 static_cast<char*>(x.data_ptr())},
             [&](char** p, const int64_t* s, int64_t n) {
               // Along the gathered dim itself (x's stride 0 there): one row of x, read at
               // the indices.
               bool out_of_range = false;
               auto checked = [&](int64_t v) {
                 const bool ok = static_cast<uint64_t>(v) < size;
                 out_of_range |= !ok;
                 return ok ? v : 0;
               };
               if (s[0] == static_cast<int64_t>(sizeof(E)) && s[1] == 8 && s[2] == 0) {
                 E* o = reinterpret_cast<E*>(p[0]);
                 const int64_t* idx = reinterpret_cast<const int64_t*>(p[1]);
                 const E* row = reinterpret_cast<const E*>(p[2]);
                 for (int64_t i = 0; i < n; ++i) o[i] = row[checked(idx[i]) * dim_stride];
               } else {
                 for (int64_t i = 0; i < n; ++i) {
                   const int64_t v = checked(*reinterpret_cast<const int64_t*>(p[1] + i * s[1]));
                   *reinterpret_cast<E*>(p[0] + i * s[0]) =
                       reinterpret_cast<const E*>(p[2] + i * s[2])[v * dim_stride];
                 }
               }
               if (out_of_range) bad.store(true, std::memory_order_relaxed);
             });
    });
  }
  if (bad.load()) check_range(index, x.size(d), d, "gather");
  return index_in.dim() == 0 ? reshape(out, {}) : out;
}

namespace {
// scatter (accumulate false: one of the repeated writes wins) and scatter_add (true).
Tensor scatter_impl(const Tensor& x_in, int64_t dim, const Tensor& index_in, const Tensor& src_in, bool accumulate,
                    const char* op) {
  detail::check_defined(x_in, op);
  detail::check_defined(index_in, op, "index");
  detail::check_defined(src_in, op, "src");
  EMBER_CHECK(index_in.dtype() == Dtype::Int64, "{}: the index must be an int64 tensor, got {} (shape {})", op,
              index_in.dtype(), index_in.sizes());
  EMBER_CHECK(src_in.dtype() == x_in.dtype(), "{}: src ({}, shape {}) must have the input's dtype {}", op,
              src_in.dtype(), src_in.sizes(), x_in.dtype());
  Tensor x = at_least_1d(x_in), index = at_least_1d(index_in), src = at_least_1d(src_in);
  EMBER_CHECK(index.dim() == x.dim() && src.dim() == x.dim(),
              "{}: input, index and src must have the same number of dims: shapes {}, {} and {}", op,
              x_in.sizes(), index_in.sizes(), src_in.sizes());
  const int64_t d = detail::wrap_dim(dim, x.dim(), op);
  for (int64_t k = 0; k < x.dim(); ++k) {
    EMBER_CHECK(index.size(k) <= src.size(k), "{}: index shape {} is larger than src shape {} at dim {}", op,
                index_in.sizes(), src_in.sizes(), k);
    EMBER_CHECK(k == d || index.size(k) <= x.size(k),
                "{}: index shape {} is larger than input shape {} at dim {} (only dim {} may differ)", op,
                index_in.sizes(), x_in.sizes(), k, d);
  }
  check_range(index, x.size(d), d, op);
  Tensor out = contiguous_as(x, x.dtype());
  if (index.numel() > 0) {
    const int64_t es = x.element_size();
    int64_t st[3][kMaxLoopDims];
    for (int64_t k = 0; k < x.dim(); ++k) {
      st[0][k] = k == d ? 0 : out.stride(k) * es;
      st[1][k] = index.stride(k) * 8;
      st[2][k] = src.stride(k) * es;
    }
    const int64_t dim_stride = out.stride(d);
    Loop<3> L = make_loop<3>(index.sizes(), st);
    dispatch_all(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      // Serial: several source elements may land on one output element.
      run_range<3>(L,
                   {static_cast<char*>(out.data_ptr()), static_cast<char*>(index.data_ptr()),
                    static_cast<char*>(src.data_ptr())},
                   0, L.numel, [&](char** p, const int64_t* s, int64_t n) {
                     for (int64_t i = 0; i < n; ++i) {
                       int64_t v = *reinterpret_cast<const int64_t*>(p[1] + i * s[1]);
                       T* o = reinterpret_cast<T*>(p[0] + i * s[0]) + v * dim_stride;
                       const T v_src = *reinterpret_cast<const T*>(p[2] + i * s[2]);
                       if (accumulate)
                         accumulate_into(*o, v_src);
                       else
                         *o = v_src;
                     }
                   });
    });
  }
  return x_in.dim() == 0 ? reshape(out, {}) : out;
}

}  // namespace

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl(x, dim, index, src, true, "scatter_add");
}
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, const char* op) {
  return scatter_impl(x, dim, index, src, false, op);
}

namespace {
template <class T>
void add_rows(T* out, const T* g, const int64_t* idx, int64_t n, int64_t dim, std::optional<int64_t> pad) {
  const AddOp<T> add{};
  auto f = Contig<AddOp<T>, T>::binary;
  for (int64_t i = 0; i < n; ++i) {
    if (pad && idx[i] == *pad) continue;
    T* row = out + idx[i] * dim;
    if (f)
      f(add, row, g + i * dim, row, dim, BinaryMode::VV);
    else
      for (int64_t j = 0; j < dim; ++j) row[j] += g[i * dim + j];
  }
}
}  // namespace

Tensor embedding_backward(const Tensor& grad, const Tensor& indices, int64_t num, std::optional<int64_t> padding_idx) {
  if (grad.dtype() != Dtype::Float32 && grad.dtype() != Dtype::Float64) return Tensor();
  const int64_t n = indices.numel();
  const int64_t dim = n == 0 ? (grad.dim() > 0 ? grad.size(-1) : 0) : grad.numel() / n;
  Tensor out = detail::empty_tensor({num, dim}, grad.dtype());
  std::memset(out.data_ptr(), 0, static_cast<std::size_t>(out.numel()) * out.element_size());
  if (n == 0 || dim == 0) return out;
  const Tensor g = grad.is_contiguous() ? grad : contiguous_as(grad, grad.dtype());
  const Tensor ix = indices.is_contiguous() ? indices : contiguous_as(indices, Dtype::Int64);
  // Serial, in index order: a repeated index adds its rows in the order scatter_add would.
  if (grad.dtype() == Dtype::Float32)
    add_rows<float>(out.data_ptr<float>(), g.data_ptr<float>(), ix.data_ptr<int64_t>(), n, dim, padding_idx);
  else
    add_rows<double>(out.data_ptr<double>(), g.data_ptr<double>(), ix.data_ptr<int64_t>(), n, dim, padding_idx);
  return out;
}

Tensor nonzero(const Tensor& x) {
  detail::check_defined(x, "nonzero");
  Tensor b = contiguous_as(x, Dtype::Bool);
  const bool* v = b.data_ptr<bool>();
  const int64_t n = b.numel(), nd = x.dim();
  int64_t count = 0;
  for (int64_t k = 0; k < n; ++k) count += v[k];
  // One spare row: every element writes its index and only nonzero ones advance, which
  // avoids a hard-to-predict branch per element.
  Tensor buf = empty_tensor({count + 1, nd}, Dtype::Int64);
  int64_t* o = buf.data_ptr<int64_t>();
  const int64_t inner = nd > 0 ? x.size(-1) : 1;
  std::vector<int64_t> idx(u(nd), 0);  // the index of the current row's first element
  for (int64_t k = 0; k < n; k += inner) {
    for (int64_t j = 0; j < inner; ++j) {
      for (int64_t d = 0; d + 1 < nd; ++d) o[d] = idx[u(d)];
      if (nd > 0) o[nd - 1] = j;
      o += v[k + j] ? nd : 0;
    }
    for (int64_t d = nd - 2; d >= 0; --d) {
      if (++idx[u(d)] < x.size(d)) break;
      idx[u(d)] = 0;
    }
  }
  return detail::make_view(buf, {count, nd}, {nd, 1}, 0);
}

}  // namespace kernels
}  // namespace ember
