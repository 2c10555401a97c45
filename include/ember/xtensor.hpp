// ember <-> xtensor, without copying. Optional: ember.hpp does not include it, and only
// code that includes it needs the xtensor and xtl headers.
//
//   ember::Tensor t = ember::randn({3, 4});
//   auto a = ember::as_xtensor<float>(t);           // an xtensor expression over t's memory
//   a(1, 2) = 5.f;                                  // t[1][2] is now 5
//   double s = xt::sum(a)();                        // any xtensor algorithm
//
//   xt::xarray<double> x = {{1., 2.}, {3., 4.}};
//   ember::Tensor v = ember::from_xtensor(x);       // shares x's memory; x must outlive v
//   ember::Tensor c = ember::from_xtensor_copy(x * 2.0);  // owns its data
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xcontainer.hpp>
#include <xtensor/xexpression.hpp>
#include <xtensor/xstrided_view.hpp>

#include "ember/creation.hpp"
#include "ember/error.hpp"
#include "ember/tensor.hpp"

namespace ember {

namespace detail {

template <class T>
constexpr bool is_xtensor_element =
    std::is_same<T, float>::value || std::is_same<T, double>::value || std::is_same<T, int64_t>::value ||
    std::is_same<T, bool>::value;

// The flat buffer under an xtensor view of a tensor. It holds a copy of the Tensor
// handle, so the memory stays alive as long as any copy of the view does.
template <class T>
using xtensor_buffer = xt::xbuffer_adaptor<T*, xt::no_ownership, std::shared_ptr<const Tensor>>;
template <class T>
using xtensor_flat = xt::xtensor_adaptor<xtensor_buffer<T>, 1, xt::layout_type::row_major>;

// T may be const, for a read-only view.
template <class T>
auto as_xtensor_impl(const Tensor& t) {
  using Elem = std::remove_const_t<T>;
  if (!t.defined()) throw Error("as_xtensor: the tensor is undefined");
  if (t.dtype() != DtypeOf<Elem>::value) {
    throw Error(std::string("as_xtensor: the tensor holds ") + dtype_name(t.dtype()) + " but the view asks for " +
                dtype_name(DtypeOf<Elem>::value));
  }
  const std::size_t ndim = static_cast<std::size_t>(t.dim());
  std::vector<std::size_t> shape(ndim);
  std::vector<std::ptrdiff_t> strides(ndim);
  // The view spans [lowest, highest] element of the tensor; `offset` is where element
  // (0, ..., 0) sits in that span (past the start when a stride is negative).
  std::ptrdiff_t low = 0, high = 0;
  for (std::size_t d = 0; d < ndim; ++d) {
    int64_t n = t.size(static_cast<int64_t>(d));
    shape[d] = static_cast<std::size_t>(n);
    // xtensor broadcasts a dim of size 1 by giving it stride 0; any other stride there
    // would make it step out of the tensor.
    strides[d] = n == 1 ? 0 : static_cast<std::ptrdiff_t>(t.stride(static_cast<int64_t>(d)));
    if (n > 1) (strides[d] < 0 ? low : high) += strides[d] * static_cast<std::ptrdiff_t>(n - 1);
  }
  const std::size_t span = t.numel() == 0 ? 0 : static_cast<std::size_t>(high - low + 1);
  T* base = static_cast<T*>(t.data_ptr()) + low;

  xtensor_buffer<T> buffer(base, span, std::make_shared<const Tensor>(t));
  xtensor_flat<T> flat(std::move(buffer), std::array<std::size_t, 1>{span});
  // A row-major contiguous tensor gets the static layout, which lets xtensor use its
  // linear (SIMD) paths; any other view is walked through its strides.
  xt::layout_type layout = t.is_contiguous() ? xt::layout_type::row_major : xt::layout_type::dynamic;
  return xt::strided_view(std::move(flat), std::move(shape), std::move(strides), static_cast<std::size_t>(-low),
                          layout);
}

}  // namespace detail

// An xtensor expression over the tensor's own memory, respecting its sizes, strides and
// offset: reads see the tensor's values and writes change the tensor (they do not bump
// its autograd version counter, as with data_ptr()). Every view of a tensor works,
// including transposed, sliced and expanded ones (writing through an expanded view
// writes the shared element). T must be the tensor's element type exactly (float for
// float32, double for float64, int64_t, bool); otherwise it throws ember::Error.
// The view keeps the tensor's memory alive. Use as_xtensor<const T> for a read-only view.
template <class T>
auto as_xtensor(const Tensor& t) {
  static_assert(detail::is_xtensor_element<std::remove_const_t<T>>,
                "as_xtensor: T must be float, double, int64_t or bool");
  return detail::as_xtensor_impl<T>(t);
}

// The type as_xtensor<T> returns, for declaring members and parameters.
template <class T>
using xtensor_view = decltype(as_xtensor<T>(std::declval<const Tensor&>()));

// Wraps an xtensor container (xt::xarray, xt::xtensor, or an xt::adapt of your own
// memory) as a Tensor WITHOUT copying: the tensor reads and writes the container's
// memory. The container must outlive the tensor and every view of it, and must not be
// resized while they live; use from_xtensor_copy when that is not certain.
// Row-major and column-major layouts both work (the strides carry them). Options may
// ask for requires_grad; a dtype other than the container's is an error.
template <class D>
Tensor from_xtensor(xt::xcontainer<D>& container, const TensorOptions& options = {}) {
  using Elem = std::remove_const_t<typename D::value_type>;
  static_assert(detail::is_xtensor_element<Elem>, "from_xtensor: the element type must be float, double, int64_t or bool");
  constexpr Dtype dtype = DtypeOf<Elem>::value;
  if (options.has_dtype() && options.dtype() != dtype) {
    throw Error(std::string("from_xtensor: the container holds ") + dtype_name(dtype) +
                " and a view cannot change that to " + dtype_name(options.dtype()) + "; use from_xtensor_copy");
  }
  std::vector<int64_t> sizes(container.shape().begin(), container.shape().end());
  std::vector<int64_t> strides(container.strides().begin(), container.strides().end());
  return from_blob(static_cast<void*>(container.data() + container.data_offset()), sizes, strides,
                   options.dtype(dtype));
}

// A new tensor holding a copy of any xtensor expression's values. Integer element types
// other than int64 are converted to int64, as PyTorch's torch.tensor does for Python ints;
// options may name another dtype to convert to, and requires_grad.
template <class E>
Tensor from_xtensor_copy(const xt::xexpression<E>& expression, const TensorOptions& options = {}) {
  using Value = std::decay_t<typename E::value_type>;
  static_assert(std::is_arithmetic<Value>::value, "from_xtensor_copy: the element type must be a number or bool");
  using Elem = std::conditional_t<
      std::is_same<Value, bool>::value, bool,
      std::conditional_t<std::is_same<Value, float>::value, float,
                         std::conditional_t<std::is_floating_point<Value>::value, double, int64_t>>>;
  // Evaluate once into row-major order, then copy into the tensor's own storage.
  xt::xarray<Elem, xt::layout_type::row_major> values = expression.derived_cast();
  std::vector<int64_t> sizes(values.shape().begin(), values.shape().end());
  Tensor t = empty(sizes, DtypeOf<Elem>::value);
  std::copy(values.storage().begin(), values.storage().end(), static_cast<Elem*>(t.data_ptr()));
  // The options may ask for another dtype (converted) and for requires_grad.
  if (options.has_dtype()) t = t.to(options.dtype());
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

}  // namespace ember
