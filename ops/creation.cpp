// Making tensors.
#include "ember/creation.hpp"

#include <cmath>
#include <cstring>
#include <mutex>

#include "ember/autograd.hpp"
#include "ops/elementwise.hpp"
#include "ops/random.hpp"
#include "src/core/autograd_hooks.hpp"
#include "src/core/check.hpp"
#include "src/core/dtype_dispatch.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/parallel.hpp"
#include "src/core/shape.hpp"

namespace ember {
using detail::empty_tensor;

namespace {
Tensor finish(Tensor t, const TensorOptions& o) {
  if (o.requires_grad()) detail::set_requires_grad(t, true, "requires_grad");
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

// Converting a double outside int64's range (or NaN) to int64 is undefined: an integer
// arange or linspace checks its end values first, as PyTorch does.
void check_int64_value(double v, const char* op) {
  constexpr double two_63 = 9223372036854775808.0;
  EMBER_CHECK(v >= -two_63 && v < two_63, "{}: the value {} cannot be converted to int64 without overflow", op, v);
}

// Writes value_of(i) (a Scalar) into element i of the contiguous 1-d tensor t,
// converted as fill converts a Scalar, across threads for long tensors (value_of must
// not throw).
template <class ValueOf>
void fill_each(Tensor& t, ValueOf&& value_of) {
  EMBER_DISPATCH_EVERY(t.dtype(), [&] {
    T* p = static_cast<T*>(t.data_ptr());
    parallel_for(0, t.numel(), kGrainSize, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) p[i] = value_of(i).template to<T>();
    });
  });
}

// arange's values, first + i * stride in V (int64 or double) converted to T as a Scalar
// of V would convert them: a function of its own with a restrict pointer, which the
// compiler vectorizes (through fill_each every element went through a Scalar).
template <class T, class V>
__attribute__((noinline)) void fill_affine(T* __restrict p, int64_t begin, int64_t end, V first, V stride) {
  for (int64_t i = begin; i < end; ++i) {
    const V v = first + static_cast<V>(i) * stride;
    if constexpr (std::is_same<T, bool>::value)
      p[i] = v != 0;
    else if constexpr (is_float_type_v<T>)
      p[i] = element_cast<T>(static_cast<double>(v));
    else
      p[i] = element_cast<T>(v);
  }
}

template <class V>
void fill_range(Tensor& t, V first, V stride) {
  EMBER_DISPATCH_EVERY(t.dtype(), [&] {
    T* p = static_cast<T*>(t.data_ptr());
    parallel_for(0, t.numel(), kGrainSize, [&](int64_t begin, int64_t end) { fill_affine(p, begin, end, first, stride); });
  });
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
  Tensor t = empty_tensor(shape, dt, "tensor");
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Scalar& s = values[i];
    switch (dt) {
      case Dtype::Float32: static_cast<float*>(t.data_ptr())[i] = s.to<float>(); break;
      case Dtype::Float64: static_cast<double*>(t.data_ptr())[i] = s.to<double>(); break;
      case Dtype::Int64: static_cast<int64_t*>(t.data_ptr())[i] = s.to<int64_t>(); break;
      case Dtype::Bool: static_cast<bool*>(t.data_ptr())[i] = s.to<bool>(); break;
      default: {
        Tensor e = detail::make_view(t, {}, {}, static_cast<int64_t>(i));
        kernels::fill(e, s);
      }
    }
  }
  return finish(t, o);
}

Tensor tensor_from_data(const void* data, Dtype dtype, int64_t count, IntArrayRef shape, const TensorOptions& o) {
  for (int64_t s : shape) EMBER_CHECK(s >= 0, "tensor: negative size {} in the shape {}", s, shape);
  int64_t n = detail::numel_of(shape, "tensor");
  EMBER_CHECK(n == count, "tensor: {} values do not fill shape {} ({} elements)", count, shape, n);
  Tensor t = empty_tensor(shape, dtype, "tensor");
  if (n) std::memcpy(t.data_ptr(), data, static_cast<std::size_t>(n * element_size(dtype)));
  if (o.has_dtype() && o.dtype() != t.dtype()) t = kernels::contiguous_as(t, o.dtype());
  return finish(t, o);
}

Tensor scalar_tensor(Scalar v, const TensorOptions& o) {
  Dtype dt = o.has_dtype() ? o.dtype() : (v.is_floating_point() ? get_default_dtype() : v.is_integral() ? kInt64 : kBool);
  Tensor t = empty_tensor({}, dt, "scalar_tensor");
  kernels::fill(t, v);
  return finish(t, o);
}

Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const TensorOptions& o) {
  EMBER_CHECK(sizes.size() == strides.size(), "from_blob: {} sizes {} but {} strides {}", sizes.size(), sizes,
              strides.size(), strides);
  for (std::size_t i = 0; i < sizes.size(); ++i)
    EMBER_CHECK(sizes[i] >= 0 && strides[i] >= 0, "from_blob: negative size or stride in {} / {}", sizes, strides);
  const int64_t n = detail::numel_of(sizes, "from_blob");
  EMBER_CHECK(data != nullptr || n == 0, "from_blob: data is null for shape {}", sizes);
  // The memory the view reaches: 1 + sum (size - 1) * stride elements, or none at all.
  Dtype dt = o.dtype();
  int64_t extent = n == 0 ? 0 : 1, nbytes = 0;
  bool fits = true;
  for (std::size_t i = 0; i < sizes.size() && n > 0; ++i) {
    int64_t reach = 0;
    fits &= detail::mul_fits(sizes[i] - 1, strides[i], reach) && detail::add_fits(extent, reach, extent);
  }
  fits &= detail::mul_fits(extent, element_size(dt), nbytes);
  EMBER_CHECK(fits, "from_blob: sizes {} with strides {} reach 2^63 or more bytes of {}", sizes, strides, dt);
  auto* st = detail::Storage::wrap(data, static_cast<std::size_t>(nbytes), nullptr, nullptr);
  return finish(Tensor(detail::TensorImpl::make(st, dt, sizes.shape(), strides.shape(), 0)), o);
}
Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& o) {
  for (int64_t s : sizes) EMBER_CHECK(s >= 0, "from_blob: negative size {} in the shape {}", s, sizes);
  return from_blob(data, sizes, detail::contiguous_strides(sizes, "from_blob"), o);
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

Tensor empty(IntArrayRef size, const TensorOptions& o) { return finish(empty_tensor(size, o.dtype(), "empty"), o); }
Tensor full(IntArrayRef size, Scalar v, const TensorOptions& o) {
  Dtype dt = o.has_dtype() ? o.dtype() : (v.is_floating_point() ? get_default_dtype() : v.is_integral() ? kInt64 : kBool);
  Tensor t = empty_tensor(size, dt, "full");
  kernels::fill(t, v);
  return finish(t, o);
}
Tensor zeros(IntArrayRef size, const TensorOptions& o) {
  Tensor t = empty_tensor(size, o.dtype(), "zeros");
  if (t.numel()) std::memset(t.data_ptr(), 0, static_cast<std::size_t>(t.nbytes()));
  return finish(t, o);
}
Tensor ones(IntArrayRef size, const TensorOptions& o) { return full(size, 1, o.dtype(o.dtype())); }
Tensor eye(int64_t n, const TensorOptions& o) { return eye(n, n, o); }
Tensor eye(int64_t n, int64_t m, const TensorOptions& o) {
  EMBER_CHECK(n >= 0 && m >= 0, "eye: sizes must be non-negative, got {} and {}", n, m);
  Tensor t = empty_tensor({n, m}, o.dtype(), "eye");
  if (t.numel()) std::memset(t.data_ptr(), 0, static_cast<std::size_t>(t.nbytes()));
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
  // PyTorch's wording; an infinite bound would make the length infinity cast to int64.
  EMBER_CHECK(std::isfinite(s) && std::isfinite(e), "arange: unsupported range: {} -> {}", start.to_double(),
              end.to_double());
  EMBER_CHECK(st != 0 && !std::isnan(st), "arange: step must be nonzero");
  EMBER_CHECK((st > 0 && e >= s) || (st < 0 && e <= s),
              "arange: upper bound {} and lower bound {} are inconsistent with step sign {}", e, s, st);
  // (e - s) / st is finite and >= 0 here; a length of 2^63 or more has no int64.
  double length = std::ceil((e - s) / st);
  EMBER_CHECK(length < 9223372036854775808.0,
              "arange: the range {} -> {} with step {} has {} elements, 2^63 or more", s, e, st, length);
  int64_t n = static_cast<int64_t>(length);
  const bool integer_values = !(any_float || is_floating_point(dt));
  if (dt == Dtype::Int64 && !integer_values && n > 0) {
    check_int64_value(s, "arange");
    check_int64_value(s + static_cast<double>(n - 1) * st, "arange");
  }
  Tensor t = empty_tensor({n}, dt, "arange");
  const int64_t first = integer_values ? start.to_int() : 0, stride = integer_values ? step.to_int() : 0;
  if (!integer_values) {
    fill_range(t, s, st);
    return finish(t, o);
  }
  // The length comes from doubles, which can round it up past the last int64 value. The
  // values run monotonically from the first to the last, so the last fitting means they
  // all do; otherwise the first that does not is named.
  auto value_at = [&](int64_t i, int64_t* value) {
    return detail::mul_fits(i, stride, *value) && detail::add_fits(first, *value, *value);
  };
  int64_t last = 0;
  if (n > 0 && !value_at(n - 1, &last)) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t value = 0;
      EMBER_CHECK(value_at(i, &value), "arange: element {} of {} -> {} with step {} does not fit in int64", i, first,
                  end.to_int(), stride);
    }
  }
  fill_range(t, first, stride);
  return finish(t, o);
}

Tensor linspace(Scalar start, Scalar end, int64_t steps, const TensorOptions& o) {
  EMBER_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got {}", steps);
  Tensor t = empty_tensor({steps}, o.dtype(), "linspace");
  double s = start.to_double(), e = end.to_double();
  // Non-finite bounds give NaNs in a floating tensor, as in PyTorch; an integer one
  // refuses them (and bounds beyond int64) instead of converting them.
  if (o.dtype() == Dtype::Int64 && steps > 0) {
    check_int64_value(s, "linspace");
    if (steps > 1) check_int64_value(e, "linspace");
  }
  double step = steps > 1 ? (e - s) / static_cast<double>(steps - 1) : 0.0;
  // PyTorch fills the second half backwards from the end for symmetry.
  fill_each(t, [&](int64_t i) {
    return Scalar(i < steps / 2 ? s + step * static_cast<double>(i) : e - step * static_cast<double>(steps - 1 - i));
  });
  return finish(t, o);
}

Tensor rand(IntArrayRef size, const TensorOptions& o) {
  Tensor t = empty_tensor(size, o.dtype(), "rand");
  detail::fill_uniform(t, 0, 1);
  return finish(t, o);
}
Tensor randn(IntArrayRef size, const TensorOptions& o) {
  Tensor t = empty_tensor(size, o.dtype(), "randn");
  detail::fill_normal(t, 0, 1);
  return finish(t, o);
}
Tensor randint(int64_t high, IntArrayRef size, const TensorOptions& o) { return randint(0, high, size, o); }
Tensor randint(int64_t low, int64_t high, IntArrayRef size, const TensorOptions& o) {
  Tensor t = empty_tensor(size, o.dtype(), "randint");
  detail::fill_randint(t, low, high);
  return finish(t, o);
}
Tensor randperm(int64_t n, const TensorOptions& o) {
  EMBER_CHECK(n >= 0, "randperm: n must be non-negative, got {}", n);
  std::vector<int64_t> v(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
  {
    // PyTorch's CPU shuffle: position i swaps with i + (32-bit draw mod the n - i left).
    std::lock_guard<std::mutex> lock(detail::generator_mutex());
    auto& g = detail::generator();
    for (int64_t i = 0; i + 1 < n; ++i) {
      int64_t z = static_cast<int64_t>(g.random() % static_cast<uint64_t>(n - i));
      std::swap(v[static_cast<std::size_t>(i)], v[static_cast<std::size_t>(z + i)]);
    }
  }
  return tensor(v, IntArrayRef(&n, 1), o.has_dtype() ? o : TensorOptions(kInt64));
}
Tensor bernoulli(const Tensor& p) {
  detail::check_defined(p, "bernoulli");
  EMBER_CHECK(is_floating_point(p.dtype()), "bernoulli: expected floating probabilities, got {} of shape {}",
              p.dtype(), p.sizes());
  NoGradGuard guard;
  Tensor probs = kernels::contiguous_as(p, p.dtype());
  Tensor out = empty_tensor(p.sizes(), p.dtype(), "bernoulli");
  detail::fill_bernoulli_from(out, probs);
  return out;
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
