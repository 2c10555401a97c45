// Making tensors.
#include "ember/creation.hpp"

#include <cmath>
#include <cstring>

#include "ember/autograd.hpp"
#include "ops/elementwise.hpp"
#include "src/check.hpp"
#include "src/random.hpp"
#include "src/shape.hpp"

namespace ember {
using detail::empty_tensor;

namespace {
Tensor finish(Tensor t, const TensorOptions& o) {
  if (o.requires_grad()) t.requires_grad_(true);
  return t;
}

// Walks a nested list: finds its shape, checks it is rectangular, collects the values.
void walk(const detail::NestedData& d, std::size_t depth, Shape& shape, std::vector<Scalar>& values, bool& first_leaf,
          std::size_t& leaf_depth) {
  if (d.is_scalar()) {
    if (first_leaf) {
      leaf_depth = depth;
      first_leaf = false;
    }
    EMBER_CHECK(depth == leaf_depth, "tensor: the nested list is not rectangular (values at depths {} and {})",
                leaf_depth, depth);
    values.push_back(d.scalar());
    return;
  }
  int64_t n = static_cast<int64_t>(d.list().size());
  if (shape.size() <= depth) {
    shape.push_back(n);
  } else {
    EMBER_CHECK(shape[depth] == n, "tensor: the nested list is not rectangular: a list of {} where {} were expected "
                                   "at depth {}",
                n, shape[depth], depth);
  }
  for (const auto& c : d.list()) walk(c, depth + 1, shape, values, first_leaf, leaf_depth);
}

Dtype like_dtype(const Tensor& like, const TensorOptions& o) {
  detail::check_defined(like, "*_like");
  return o.has_dtype() ? o.dtype() : like.dtype();
}
}  // namespace

Tensor tensor(detail::NestedData data, const TensorOptions& o) {
  Shape shape;
  std::vector<Scalar> values;
  bool first = true;
  std::size_t leaf_depth = 0;
  walk(data, 0, shape, values, first, leaf_depth);
  if (!first) shape.resize(leaf_depth);
  Dtype inferred = Dtype::Bool;
  bool any = false;
  for (const Scalar& s : values) {
    Dtype k = s.is_floating_point() ? get_default_dtype() : s.is_integral() ? Dtype::Int64 : Dtype::Bool;
    inferred = any ? (k > inferred ? k : inferred) : k;
    any = true;
  }
  if (!any) inferred = get_default_dtype();
  Dtype dt = o.has_dtype() ? o.dtype() : inferred;
  Tensor t = empty_tensor(shape, dt);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Scalar& s = values[i];
    switch (dt) {
      case Dtype::Float32: static_cast<float*>(t.data_ptr())[i] = s.to<float>(); break;
      case Dtype::Float64: static_cast<double*>(t.data_ptr())[i] = s.to<double>(); break;
      case Dtype::Int64: static_cast<int64_t*>(t.data_ptr())[i] = s.to<int64_t>(); break;
      case Dtype::Bool: static_cast<bool*>(t.data_ptr())[i] = s.to<bool>(); break;
    }
  }
  return finish(t, o);
}

Tensor tensor_from_data(const void* data, Dtype dtype, int64_t count, IntArrayRef shape, const TensorOptions& o) {
  int64_t n = detail::numel_of(shape);
  EMBER_CHECK(n == count, "tensor: {} values do not fill shape {} ({} elements)", count, shape, n);
  Tensor t = empty_tensor(shape, dtype);
  if (n) std::memcpy(t.data_ptr(), data, static_cast<std::size_t>(n * element_size(dtype)));
  if (o.has_dtype() && o.dtype() != t.dtype()) t = kernels::contiguous_as(t, o.dtype());
  return finish(t, o);
}

Tensor scalar_tensor(Scalar v, const TensorOptions& o) {
  Dtype dt = o.has_dtype() ? o.dtype() : (v.is_floating_point() ? get_default_dtype() : v.is_integral() ? kInt64 : kBool);
  Tensor t = empty_tensor({}, dt);
  kernels::fill(t, v);
  return finish(t, o);
}

Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const TensorOptions& o) {
  EMBER_CHECK(data != nullptr || detail::numel_of(sizes) == 0, "from_blob: data is null for shape {}", sizes);
  EMBER_CHECK(sizes.size() == strides.size(), "from_blob: {} sizes {} but {} strides {}", sizes.size(), sizes,
              strides.size(), strides);
  Dtype dt = o.dtype();
  int64_t extent = 1;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    EMBER_CHECK(sizes[i] >= 0 && strides[i] >= 0, "from_blob: negative size or stride in {} / {}", sizes, strides);
    if (sizes[i] == 0) extent = 0;
    if (extent) extent += (sizes[i] - 1) * strides[i];
  }
  auto* st = detail::Storage::wrap(data, static_cast<std::size_t>(extent * element_size(dt)), nullptr, nullptr);
  return finish(Tensor(detail::TensorImpl::make(st, dt, sizes.shape(), strides.shape(), 0)), o);
}
Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& o) {
  return from_blob(data, sizes, detail::contiguous_strides(sizes), o);
}
Tensor from_blob(void* data, IntArrayRef sizes, std::function<void(void*)> deleter, const TensorOptions& o) {
  Tensor t = from_blob(data, sizes, o);
  auto* st = t.unsafeGetTensorImpl()->storage;
  st->deleter_ctx = new std::function<void(void*)>(std::move(deleter));
  st->deleter = [](void* d, void* ctx) {
    auto* f = static_cast<std::function<void(void*)>*>(ctx);
    (*f)(d);
    delete f;
  };
  return t;
}

Tensor empty(IntArrayRef size, const TensorOptions& o) { return finish(empty_tensor(size, o.dtype()), o); }
Tensor full(IntArrayRef size, Scalar v, const TensorOptions& o) {
  Dtype dt = o.has_dtype() ? o.dtype() : (v.is_floating_point() ? get_default_dtype() : v.is_integral() ? kInt64 : kBool);
  Tensor t = empty_tensor(size, dt);
  kernels::fill(t, v);
  return finish(t, o);
}
Tensor zeros(IntArrayRef size, const TensorOptions& o) {
  Tensor t = empty_tensor(size, o.dtype());
  if (t.numel()) std::memset(t.data_ptr(), 0, static_cast<std::size_t>(t.nbytes()));
  return finish(t, o);
}
Tensor ones(IntArrayRef size, const TensorOptions& o) { return full(size, 1, o.dtype(o.dtype())); }
Tensor eye(int64_t n, const TensorOptions& o) { return eye(n, n, o); }
Tensor eye(int64_t n, int64_t m, const TensorOptions& o) {
  EMBER_CHECK(n >= 0 && m >= 0, "eye: sizes must be non-negative, got {} and {}", n, m);
  Tensor t = zeros({n, m}, o.dtype());
  for (int64_t i = 0; i < n && i < m; ++i) {
    Tensor e = detail::make_view(t, {}, {}, i * m + i);
    kernels::fill(e, 1);
  }
  return finish(t, o);
}

Tensor arange(Scalar end, const TensorOptions& o) { return arange(0, end, 1, o); }
Tensor arange(Scalar start, Scalar end, const TensorOptions& o) { return arange(start, end, 1, o); }
Tensor arange(Scalar start, Scalar end, Scalar step, const TensorOptions& o) {
  bool any_float = start.is_floating_point() || end.is_floating_point() || step.is_floating_point();
  Dtype dt = o.has_dtype() ? o.dtype() : (any_float ? get_default_dtype() : kInt64);
  double s = start.to_double(), e = end.to_double(), st = step.to_double();
  EMBER_CHECK(st != 0, "arange: step must be nonzero");
  EMBER_CHECK((st > 0 && e >= s) || (st < 0 && e <= s),
              "arange: upper bound {} and lower bound {} are inconsistent with step sign {}", e, s, st);
  int64_t n = static_cast<int64_t>(std::ceil((e - s) / st));
  Tensor t = empty_tensor({n}, dt);
  for (int64_t i = 0; i < n; ++i) {
    Tensor v = detail::make_view(t, {}, {}, i);
    if (any_float || is_floating_point(dt))
      kernels::fill(v, s + static_cast<double>(i) * st);
    else
      kernels::fill(v, start.to_int() + i * step.to_int());
  }
  return finish(t, o);
}

Tensor linspace(Scalar start, Scalar end, int64_t steps, const TensorOptions& o) {
  EMBER_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got {}", steps);
  Tensor t = empty_tensor({steps}, o.dtype());
  double s = start.to_double(), e = end.to_double();
  double step = steps > 1 ? (e - s) / static_cast<double>(steps - 1) : 0.0;
  for (int64_t i = 0; i < steps; ++i) {
    // PyTorch fills the second half backwards from the end for symmetry.
    double v = i < steps / 2 ? s + step * static_cast<double>(i) : e - step * static_cast<double>(steps - 1 - i);
    Tensor x = detail::make_view(t, {}, {}, i);
    kernels::fill(x, v);
  }
  return finish(t, o);
}

Tensor rand(IntArrayRef size, const TensorOptions& o) {
  Tensor t = empty_tensor(size, o.dtype());
  detail::fill_uniform(t, 0, 1);
  return finish(t, o);
}
Tensor randn(IntArrayRef size, const TensorOptions& o) {
  Tensor t = empty_tensor(size, o.dtype());
  detail::fill_normal(t, 0, 1);
  return finish(t, o);
}
Tensor randint(int64_t high, IntArrayRef size, const TensorOptions& o) { return randint(0, high, size, o); }
Tensor randint(int64_t low, int64_t high, IntArrayRef size, const TensorOptions& o) {
  Tensor t = empty_tensor(size, o.dtype());
  detail::fill_randint(t, low, high);
  return finish(t, o);
}
Tensor randperm(int64_t n, const TensorOptions& o) {
  EMBER_CHECK(n >= 0, "randperm: n must be non-negative, got {}", n);
  std::vector<int64_t> v(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
  auto& g = detail::generator();
  for (int64_t i = n - 1; i > 0; --i) {
    std::uniform_int_distribution<int64_t> d(0, i);
    std::swap(v[static_cast<std::size_t>(i)], v[static_cast<std::size_t>(d(g))]);
  }
  return tensor(v, IntArrayRef(&n, 1), o.has_dtype() ? o : TensorOptions(kInt64));
}
Tensor bernoulli(const Tensor& p) {
  detail::check_defined(p, "bernoulli");
  NoGradGuard guard;
  Tensor u = rand(p.sizes(), p.dtype());
  return kernels::compare(kernels::Compare::Lt, u, p).to(p.dtype());
}

Tensor empty_like(const Tensor& l, const TensorOptions& o) { return empty(l.sizes(), o.dtype(like_dtype(l, o))); }
Tensor zeros_like(const Tensor& l, const TensorOptions& o) { return zeros(l.sizes(), o.dtype(like_dtype(l, o))); }
Tensor ones_like(const Tensor& l, const TensorOptions& o) { return ones(l.sizes(), o.dtype(like_dtype(l, o))); }
Tensor full_like(const Tensor& l, Scalar v, const TensorOptions& o) {
  return full(l.sizes(), v, o.dtype(like_dtype(l, o)));
}
Tensor rand_like(const Tensor& l, const TensorOptions& o) { return rand(l.sizes(), o.dtype(like_dtype(l, o))); }
Tensor randn_like(const Tensor& l, const TensorOptions& o) { return randn(l.sizes(), o.dtype(like_dtype(l, o))); }
Tensor randint_like(const Tensor& l, int64_t low, int64_t high, const TensorOptions& o) {
  return randint(low, high, l.sizes(), o.dtype(like_dtype(l, o)));
}

}  // namespace ember
