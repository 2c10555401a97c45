// Tensor's own accessors: sizes, strides, elements and values, which need nothing
// above the core. Methods that record for autograd live in autograd/.
#include <vector>

#include "ember/tensor.hpp"
#include "src/core/autograd_hooks.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"
#include "src/core/dtype_dispatch.hpp"
#include "src/core/tracing.hpp"

namespace ember {

// ---- metadata and access ----
int64_t Tensor::size(int64_t d) const {
  EMBER_CHECK(dim() > 0, "size: dim {} is out of range for a 0-dim tensor", d);
  return sizes()[static_cast<std::size_t>(detail::wrap_dim(d, dim(), "size"))];
}
int64_t Tensor::stride(int64_t d) const {
  EMBER_CHECK(dim() > 0, "stride: dim {} is out of range for a 0-dim tensor", d);
  return strides()[static_cast<std::size_t>(detail::wrap_dim(d, dim(), "stride"))];
}
bool Tensor::is_alias_of(const Tensor& o) const {
  return defined() && o.defined() && impl_->storage == o.impl_->storage;
}
void Tensor::set_data(const Tensor& new_data) const {
  detail::check_defined(*this, "set_data", "self");
  detail::check_defined(new_data, "set_data", "new_data");
  detail::TensorImpl* d = impl_;
  const detail::TensorImpl* s = new_data.impl_;
  if (d == s) return;
  s->storage->retain();
  d->storage->release();
  d->storage = s->storage;
  d->dtype = s->dtype;
  d->offset = s->offset;
  d->sizes = s->sizes;
  d->strides = s->strides;
  d->refresh();
}

namespace {
void check_one_element(const Tensor& t) {
  detail::check_defined(t, "item");
  EMBER_CHECK(t.numel() == 1, "item: a tensor with {} elements (shape {}) cannot be converted to a number; it "
                              "needs exactly one",
              t.numel(), t.sizes());
  if (detail::OpTracer* tracer = detail::tracer()) tracer->read_back("item", t);
}
}  // namespace

template <class T>
T Tensor::item() const {
  check_one_element(*this);
  return detail::visit_dtype(dtype(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    return element_cast<T>(*static_cast<const E*>(data_ptr()));
  });
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;
template int Tensor::item<int>() const;
template bool Tensor::item<bool>() const;
template int16_t Tensor::item<int16_t>() const;
template int8_t Tensor::item<int8_t>() const;
template uint8_t Tensor::item<uint8_t>() const;
template Half Tensor::item<Half>() const;
template BFloat16 Tensor::item<BFloat16>() const;

Scalar Tensor::item() const {
  check_one_element(*this);
  if (is_floating_point()) return Scalar(item<double>());
  if (dtype() == Dtype::Bool) return Scalar(item<bool>());
  return Scalar(item<int64_t>());
}

namespace {
// Element `offset` (in elements) of t's storage, converted to T.
template <class T>
T element_as(const Tensor& t, int64_t offset) {
  const char* base = static_cast<const char*>(t.data_ptr());
  return detail::visit_dtype(t.dtype(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    return element_cast<T>(reinterpret_cast<const E*>(base)[offset]);
  });
}
}  // namespace

// Walks any layout in row-major order with an odometer over the indices: tolist is
// for reading results out, not a hot path, so it needs no kernel.
template <class T>
std::vector<T> Tensor::tolist() const {
  detail::check_defined(*this, "tolist");
  if (detail::OpTracer* tracer = detail::tracer()) tracer->read_back("tolist", *this);
  std::vector<T> out;
  const int64_t n = numel();
  out.reserve(static_cast<std::size_t>(n));
  if (n == 0) return out;
  const auto sz = sizes();
  const auto st = strides();
  const std::size_t nd = sz.size();
  std::vector<int64_t> index(nd, 0);
  int64_t offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    out.push_back(element_as<T>(*this, offset));
    for (std::size_t d = nd; d-- > 0;) {
      if (++index[d] < sz[d]) {
        offset += st[d];
        break;
      }
      offset -= st[d] * (sz[d] - 1);
      index[d] = 0;
    }
  }
  return out;
}
template std::vector<float> Tensor::tolist<float>() const;
template std::vector<double> Tensor::tolist<double>() const;
template std::vector<int64_t> Tensor::tolist<int64_t>() const;
template std::vector<int32_t> Tensor::tolist<int32_t>() const;
template std::vector<int16_t> Tensor::tolist<int16_t>() const;
template std::vector<int8_t> Tensor::tolist<int8_t>() const;
template std::vector<uint8_t> Tensor::tolist<uint8_t>() const;
template std::vector<Half> Tensor::tolist<Half>() const;
template std::vector<BFloat16> Tensor::tolist<BFloat16>() const;


namespace detail {
AutogradHooks& autograd_hooks() {
  static AutogradHooks hooks;
  return hooks;
}
void set_requires_grad(Tensor& t, bool requires_grad, const char* op) {
  auto fn = autograd_hooks().set_requires_grad;
  EMBER_CHECK(fn || !requires_grad, "{}: requires_grad needs the autograd part of ember, which this program "
              "does not link", op);
  if (fn) fn(t, requires_grad);
}
}  // namespace detail

}  // namespace ember
