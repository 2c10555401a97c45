// Tensor's methods and operators: thin forwarders to the free functions, plus the
// in-place elementwise ops, copies and conversions.
#include <cstring>
#include <limits>
#include <optional>

#include "autograd/inplace.hpp"
#include "autograd/prelude.hpp"
#include "autograd/trace.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/indexing.hpp"
#include "ops/elementwise.hpp"
#include "ops/random.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
using autograd::inplace;

// `x[0] = y`: writes into the view.
Tensor& Tensor::operator=(const Tensor& src) && { return copy_(src); }
Tensor& Tensor::operator=(Scalar value) && { return fill_(value); }

// ---- conversion and copies (differentiable) ----
Tensor Tensor::to(Dtype d, bool copy) const {
  detail::check_defined(*this, "to");
  if (d == dtype() && !copy) return *this;
  Tensor y = k::contiguous_as(*this, d);
  // Only a floating result carries a gradient: converting to an integer or bool dtype
  // gives a plain tensor, as in PyTorch.
  if (ember::is_floating_point(d) && needs_grad(*this)) {
    Dtype from = dtype();
    record("to", {*this}, {&y}, {}, [from](const Grads& g, Ctx&) { return Grads{g[0].to(from)}; });
  }
  return y;
}
Tensor Tensor::to(const TensorOptions& o, bool copy) const {
  // As LibTorch: the flag is set with requires_grad_(), never by a conversion.
  EMBER_CHECK(!o.requires_grad(), "to(options) expects unset requires_grad flag, but got options.requires_grad set "
              "as true (tensor of shape {}); call requires_grad_() on the result instead", sizes());
  return to(o.has_dtype() ? o.dtype() : dtype(), copy);
}
Tensor Tensor::clone() const {
  detail::check_defined(*this, "clone");
  Tensor y = k::contiguous_as(*this, dtype());
  EMBER_TRACE("clone", {*this}, {y});
  if (needs_grad(*this)) record("clone", {*this}, {&y}, {}, [](const Grads& g, Ctx&) { return Grads{g[0]}; });
  return y;
}
Tensor Tensor::contiguous() const {
  EMBER_TRACE_CALL("contiguous", ({*this}), ({}), contiguous());
  detail::check_defined(*this, "contiguous");
  return is_contiguous() ? *this : clone();
}

// ---- in place ----
#define EMBER_INPLACE_BINARY(NAME, KOP, FN)                                                              \
  Tensor& Tensor::NAME(const Tensor& o) {                                                                \
    detail::check_defined(o, #NAME, "argument");                                                         \
    return inplace(                                                                                      \
        #NAME, *this, o.requires_grad(), [&] { k::binary_out(*this, k::Binary::KOP, *this, o); },        \
        [&](const Tensor& old) { return FN(old, o); });                                                  \
  }                                                                                                      \
  Tensor& Tensor::NAME(Scalar o) {                                                                       \
    return inplace(                                                                                      \
        #NAME, *this, false, [&] { k::binary_out(*this, k::Binary::KOP, *this, o); },                    \
        [&](const Tensor& old) { return FN(old, o); });                                                  \
  }
EMBER_INPLACE_BINARY(mul_, Mul, ember::mul)
EMBER_INPLACE_BINARY(div_, Div, ember::div)
#undef EMBER_INPLACE_BINARY

Tensor& Tensor::add_(const Tensor& o, Scalar alpha) {
  detail::check_defined(o, "add_", "argument");
  return inplace(
      "add_", *this, o.requires_grad(), [&] { k::add_scaled_out(*this, *this, o, alpha); },
      [&](const Tensor& old) { return ember::add(old, o, alpha); });
}
Tensor& Tensor::add_(Scalar o, Scalar alpha) {
  Scalar v = alpha.is_floating_point() || o.is_floating_point() ? Scalar(o.to_double() * alpha.to_double())
                                                                 : Scalar(o.to_int() * alpha.to_int());
  return inplace(
      "add_", *this, false, [&] { k::binary_out(*this, k::Binary::Add, *this, v); },
      [&](const Tensor& old) { return ember::add(old, v); });
}
Tensor& Tensor::sub_(const Tensor& o, Scalar alpha) {
  return add_(o, alpha.is_floating_point() ? Scalar(-alpha.to_double()) : Scalar(-alpha.to_int()));
}
Tensor& Tensor::sub_(Scalar o, Scalar alpha) {
  return add_(o, alpha.is_floating_point() ? Scalar(-alpha.to_double()) : Scalar(-alpha.to_int()));
}
Tensor& Tensor::pow_(Scalar e) {
  return inplace(
      "pow_", *this, false, [&] { k::copy(*this, k::pow_scalar(*this, e)); },
      [&](const Tensor& old) { return ember::pow(old, e); });
}

Tensor& Tensor::zero_() { return fill_(0); }
Tensor& Tensor::fill_(Scalar v) {
  return inplace(
      "fill_", *this, false, [&] { k::fill(*this, v); },
      [&](const Tensor& old) { return ember::zeros_like(old) + ember::scalar_tensor(v, old.dtype()); });
}
Tensor& Tensor::fill_(const Tensor& v) {
  detail::check_defined(v, "fill_", "value");
  EMBER_CHECK(v.dim() == 0, "fill_: the value must be a 0-dim tensor, got shape {}", v.sizes());
  return copy_(v);
}
Tensor& Tensor::copy_(const Tensor& src) {
  detail::check_defined(src, "copy_", "source");
  return inplace(
      "copy_", *this, src.requires_grad(), [&] { k::copy(*this, src); },
      [&](const Tensor& old) { return ember::zeros_like(old) + src.to(old.dtype()); });
}
Tensor& Tensor::clamp_(std::optional<Scalar> min, std::optional<Scalar> max) {
  return inplace(
      "clamp_", *this, false, [&] { k::clamp_out(*this, *this, min, max); },
      [&](const Tensor& old) { return ember::clamp(old, min, max); });
}
Tensor& Tensor::masked_fill_(const Tensor& mask, Scalar value) {
  detail::check_defined(mask, "masked_fill_", "mask");
  return inplace(
      "masked_fill_", *this, false,
      [&] { k::copy(*this, k::where(mask, ember::scalar_tensor(value, dtype()), *this)); },
      [&](const Tensor& old) { return ember::masked_fill(old, mask, value); });
}
// Random fills have no gradient: under NoGradGuard (initialisers) they may overwrite any
// tensor; while autograd records, only tensors that do not require grad.
static void check_random_fill_allowed(const char* op, const Tensor& self) {
  EMBER_CHECK(!(autograd::grad_mode_enabled() && self.requires_grad()),
              "{}: a tensor that requires grad (shape {}) cannot be refilled while autograd records; "
              "use NoGradGuard (as nn::init does)", op, self.sizes());
}

Tensor& Tensor::uniform_(double from, double to) {
  check_random_fill_allowed("uniform_", *this);
  NoGradGuard g;
  detail::fill_uniform(*this, from, to);
  autograd::bump_version(*this, "uniform_");
  return *this;
}
Tensor& Tensor::normal_(double mean, double std) {
  check_random_fill_allowed("normal_", *this);
  NoGradGuard g;
  detail::fill_normal(*this, mean, std);
  autograd::bump_version(*this, "normal_");
  return *this;
}
Tensor& Tensor::random_(int64_t from, std::optional<int64_t> to) {
  check_random_fill_allowed("random_", *this);
  int64_t high = 0;
  if (to) {
    high = *to;
  } else {
    // PyTorch's upper end without `to`: the dtype's largest value (for floats the largest
    // whole number their mantissa holds exactly), plus one.
    switch (dtype()) {
      case kFloat32: high = (int64_t(1) << 24) + 1; break;
      case kFloat64: high = (int64_t(1) << 53) + 1; break;
      case kFloat16: high = (int64_t(1) << 11) + 1; break;
      case kBFloat16: high = (int64_t(1) << 8) + 1; break;
      case kInt32: high = int64_t(std::numeric_limits<int32_t>::max()) + 1; break;
      case kInt16: high = int64_t(std::numeric_limits<int16_t>::max()) + 1; break;
      case kInt8: high = int64_t(std::numeric_limits<int8_t>::max()) + 1; break;
      case kUInt8: high = int64_t(std::numeric_limits<uint8_t>::max()) + 1; break;
      case kBool: high = 2; break;
      default: high = std::numeric_limits<int64_t>::max(); break;
    }
  }
  EMBER_CHECK(from < high, "random_: expects 'from' to be less than 'to', but got from={} >= to={} (shape {})", from,
              high, sizes());
  NoGradGuard g;
  Tensor drawn = ember::randint(from, high, sizes());
  k::copy(*this, drawn);
  autograd::bump_version(*this, "random_");
  return *this;
}
Tensor& Tensor::random_(int64_t to) { return random_(0, to); }
Tensor& Tensor::random_() { return random_(0, std::nullopt); }
Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> i, const Tensor& v) {
  return ember::index_put_(*this, std::vector<indexing::TensorIndex>(i), v);
}
Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> i, Scalar v) {
  return ember::index_put_(*this, std::vector<indexing::TensorIndex>(i), ember::scalar_tensor(v, dtype()));
}
Tensor& Tensor::index_put_(const std::vector<indexing::TensorIndex>& i, const Tensor& v) {
  return ember::index_put_(*this, i, v);
}
Tensor& Tensor::index_put_(const std::vector<indexing::TensorIndex>& i, Scalar v) {
  return ember::index_put_(*this, i, ember::scalar_tensor(v, dtype()));
}
Tensor Tensor::index(std::initializer_list<indexing::TensorIndex> i) const {
  return ember::index(*this, std::vector<indexing::TensorIndex>(i));
}
Tensor Tensor::index(const std::vector<indexing::TensorIndex>& i) const { return ember::index(*this, i); }
Tensor Tensor::operator[](int64_t i) const { return select(0, i); }
Tensor Tensor::operator[](const Tensor& i) const { return ember::index(*this, {indexing::TensorIndex(i)}); }

// ---- forwarders ----
Tensor Tensor::add(const Tensor& o, Scalar a) const { return ember::add(*this, o, a); }
Tensor Tensor::add(Scalar o, Scalar a) const { return ember::add(*this, o, a); }
Tensor Tensor::sub(const Tensor& o, Scalar a) const { return ember::sub(*this, o, a); }
Tensor Tensor::sub(Scalar o, Scalar a) const { return ember::sub(*this, o, a); }
// The methods of the op table's rows (ember/detail/ops.def): forward to the free
// function; the in-place form runs the kernel into the tensor itself.
#define EMBER_FORWARD_METHOD(NAME) \
  Tensor Tensor::NAME() const { return ember::NAME(*this); }
#define EMBER_FORWARD_UNARY_MethodInPlace(NAME)                                                        \
  EMBER_FORWARD_METHOD(NAME)                                                                           \
  Tensor& Tensor::NAME##_() {                                                                          \
    return inplace(                                                                                    \
        #NAME "_", *this, false, [&] { k::NAME##_out(*this, *this); },                                 \
        [](const Tensor& old) { return ember::NAME(old); });                                           \
  }
#define EMBER_FORWARD_UNARY_Method EMBER_FORWARD_METHOD
#define EMBER_FORWARD_UNARY_Function(NAME)
#define EMBER_FORWARD_UNARY_CustomFunction(NAME)
#define EMBER_FORWARD_UNARY_Internal(NAME)
#define EMBER_FORWARD_BINARY_TensorOnly(NAME) \
  Tensor Tensor::NAME(const Tensor& o) const { return ember::NAME(*this, o); }
#define EMBER_FORWARD_BINARY_TensorScalar(NAME)                                  \
  Tensor Tensor::NAME(const Tensor& o) const { return ember::NAME(*this, o); } \
  Tensor Tensor::NAME(Scalar o) const { return ember::NAME(*this, o); }
#define EMBER_FORWARD_BINARY_Custom(NAME)
#define EMBER_FORWARD_REDUCTION_SumLike(NAME)                                                       \
  Tensor Tensor::NAME(std::optional<Dtype> d) const { return ember::NAME(*this, d); }               \
  Tensor Tensor::NAME(IntArrayRef dim, bool keepdim, std::optional<Dtype> d) const {                \
    return ember::NAME(*this, dim, keepdim, d);                                                     \
  }
#define EMBER_FORWARD_REDUCTION_Dims(NAME) \
  Tensor Tensor::NAME(IntArrayRef dim, bool keepdim) const { return ember::NAME(*this, dim, keepdim); }
#define EMBER_FORWARD_REDUCTION_AllDimOrOne(NAME)                  \
  EMBER_FORWARD_METHOD(NAME)                                       \
  Tensor Tensor::NAME(int64_t dim, bool keepdim) const { return ember::NAME(*this, dim, keepdim); }
#define EMBER_FORWARD_REDUCTION_Custom(NAME)
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_FORWARD_UNARY_##API(NAME)
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_FORWARD_BINARY_##API(NAME)
#define EMBER_COMPARE_OP(NAME, ENUM, OPERATOR, ONNX) EMBER_FORWARD_BINARY_TensorScalar(NAME)
#define EMBER_REDUCTION_OP(NAME, DTYPE, GRAD, API) EMBER_FORWARD_REDUCTION_##API(NAME)
#include "ember/detail/ops.def"

#define EMBER_FORWARD_UNARY(NAME) EMBER_FORWARD_METHOD(NAME)
EMBER_FORWARD_UNARY(logical_not)
EMBER_FORWARD_UNARY(isnan)
EMBER_FORWARD_UNARY(isinf)
EMBER_FORWARD_UNARY(isposinf)
EMBER_FORWARD_UNARY(isneginf)
EMBER_FORWARD_UNARY(isfinite)
EMBER_FORWARD_UNARY(t)
EMBER_FORWARD_UNARY(squeeze)
EMBER_FORWARD_UNARY(nonzero)
#undef EMBER_FORWARD_UNARY
#undef EMBER_FORWARD_METHOD
Tensor Tensor::clamp(std::optional<Scalar> lo, std::optional<Scalar> hi) const { return ember::clamp(*this, lo, hi); }
Tensor Tensor::clamp_min(Scalar lo) const { return ember::clamp_min(*this, lo); }
Tensor Tensor::clamp_max(Scalar hi) const { return ember::clamp_max(*this, hi); }
Tensor Tensor::where(const Tensor& c, const Tensor& o) const { return ember::where(c, *this, o); }
Tensor Tensor::logical_and(const Tensor& o) const { return ember::logical_and(*this, o); }
Tensor Tensor::logical_or(const Tensor& o) const { return ember::logical_or(*this, o); }
bool Tensor::equal(const Tensor& o) const { return ember::equal(*this, o); }
bool Tensor::allclose(const Tensor& o, double r, double a, bool n) const { return ember::allclose(*this, o, r, a, n); }

Tensor Tensor::prod(std::optional<Dtype> d) const { return ember::prod(*this, d); }
Tensor Tensor::prod(int64_t dim, bool k, std::optional<Dtype> d) const { return ember::prod(*this, dim, k, d); }
Tensor Tensor::max() const { return ember::max(*this); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool k) const { return ember::max(*this, dim, k); }
Tensor Tensor::min() const { return ember::min(*this); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool k) const { return ember::min(*this, dim, k); }
Tensor Tensor::argmax(std::optional<int64_t> dim, bool k) const { return ember::argmax(*this, dim, k); }
Tensor Tensor::argmin(std::optional<int64_t> dim, bool k) const { return ember::argmin(*this, dim, k); }
Tensor Tensor::var_unbiased(bool u) const { return ember::var_unbiased(*this, u); }
Tensor Tensor::var(IntArrayRef dim, bool u, bool k) const { return ember::var(*this, dim, u, k); }
Tensor Tensor::var(std::optional<IntArrayRef> dim, std::optional<int64_t> c, bool k) const {
  return ember::var(*this, dim, c, k);
}
Tensor Tensor::std_unbiased(bool u) const { return ember::std_unbiased(*this, u); }
Tensor Tensor::std(IntArrayRef dim, bool u, bool k) const { return ember::std(*this, dim, u, k); }
Tensor Tensor::std(std::optional<IntArrayRef> dim, std::optional<int64_t> c, bool k) const {
  return ember::std(*this, dim, c, k);
}
Tensor Tensor::logsumexp(IntArrayRef dim, bool k) const { return ember::logsumexp(*this, dim, k); }
Tensor Tensor::norm(Scalar p) const { return ember::norm(*this, p); }
Tensor Tensor::norm(std::optional<Scalar> p, IntArrayRef dim, bool k) const { return ember::norm(*this, p, dim, k); }
Tensor Tensor::cumsum(int64_t dim, std::optional<Dtype> d) const { return ember::cumsum(*this, dim, d); }
Tensor Tensor::softmax(int64_t dim) const { return ember::softmax(*this, dim); }
Tensor Tensor::log_softmax(int64_t dim) const { return ember::log_softmax(*this, dim); }

Tensor Tensor::reshape(IntArrayRef s) const { return ember::reshape(*this, s); }
Tensor Tensor::view(IntArrayRef s) const { return ember::view(*this, s); }
Tensor Tensor::view_as(const Tensor& o) const { return ember::view(*this, o.sizes()); }
Tensor Tensor::reshape_as(const Tensor& o) const { return ember::reshape(*this, o.sizes()); }
Tensor Tensor::transpose(int64_t a, int64_t b) const { return ember::transpose(*this, a, b); }
Tensor Tensor::mT() const { return ember::transpose(*this, -2, -1); }
Tensor Tensor::permute(IntArrayRef d) const { return ember::permute(*this, d); }
Tensor Tensor::expand(IntArrayRef s) const { return ember::expand(*this, s); }
Tensor Tensor::expand_as(const Tensor& o) const { return ember::expand(*this, o.sizes()); }
Tensor Tensor::squeeze(int64_t d) const { return ember::squeeze(*this, d); }
Tensor Tensor::unsqueeze(int64_t d) const { return ember::unsqueeze(*this, d); }
Tensor Tensor::flatten(int64_t s, int64_t e) const { return ember::flatten(*this, s, e); }
Tensor Tensor::unflatten(int64_t d, IntArrayRef sizes) const {
  int64_t w = detail::wrap_dim(d, dim(), "unflatten");
  std::vector<int64_t> shape(this->sizes().begin(), this->sizes().end());
  shape.erase(shape.begin() + w);
  shape.insert(shape.begin() + w, sizes.begin(), sizes.end());
  return ember::reshape(*this, shape);
}
Tensor Tensor::narrow(int64_t d, int64_t s, int64_t l) const { return ember::narrow(*this, d, s, l); }
Tensor Tensor::select(int64_t d, int64_t i) const { return ember::select(*this, d, i); }
Tensor Tensor::slice(int64_t d, std::optional<int64_t> s, std::optional<int64_t> e, int64_t st) const {
  return ember::slice(*this, d, s, e, st);
}
Tensor Tensor::flip(IntArrayRef d) const { return ember::flip(*this, d); }
Tensor Tensor::repeat(IntArrayRef r) const { return ember::repeat(*this, r); }
std::vector<Tensor> Tensor::split(int64_t s, int64_t d) const { return ember::split(*this, s, d); }
std::vector<Tensor> Tensor::split(IntArrayRef s, int64_t d) const { return ember::split(*this, s, d); }
std::vector<Tensor> Tensor::chunk(int64_t c, int64_t d) const { return ember::chunk(*this, c, d); }
std::vector<Tensor> Tensor::unbind(int64_t d) const { return ember::unbind(*this, d); }
Tensor Tensor::index_select(int64_t d, const Tensor& i) const { return ember::index_select(*this, d, i); }
Tensor Tensor::gather(int64_t d, const Tensor& i) const { return ember::gather(*this, d, i); }
Tensor Tensor::scatter_add(int64_t d, const Tensor& i, const Tensor& s) const {
  return ember::scatter_add(*this, d, i, s);
}
Tensor Tensor::masked_fill(const Tensor& m, Scalar v) const { return ember::masked_fill(*this, m, v); }
Tensor Tensor::masked_fill(const Tensor& m, const Tensor& v) const { return ember::masked_fill(*this, m, v); }
Tensor Tensor::masked_select(const Tensor& m) const { return ember::masked_select(*this, m); }
Tensor Tensor::tril(int64_t d) const { return ember::tril(*this, d); }
Tensor Tensor::triu(int64_t d) const { return ember::triu(*this, d); }

Tensor Tensor::matmul(const Tensor& o) const { return ember::matmul(*this, o); }
Tensor Tensor::mm(const Tensor& o) const { return ember::mm(*this, o); }
Tensor Tensor::bmm(const Tensor& o) const { return ember::bmm(*this, o); }
Tensor Tensor::dot(const Tensor& o) const { return ember::dot(*this, o); }
Tensor Tensor::outer(const Tensor& o) const { return ember::outer(*this, o); }

// ---- operators ----
Tensor operator-(const Tensor& x) { return ember::neg(x); }
Tensor operator+(const Tensor& a, const Tensor& b) { return ember::add(a, b); }
Tensor operator+(const Tensor& a, Scalar b) { return ember::add(a, b); }
Tensor operator+(Scalar a, const Tensor& b) { return ember::add(b, a); }
Tensor operator-(const Tensor& a, const Tensor& b) { return ember::sub(a, b); }
Tensor operator-(const Tensor& a, Scalar b) { return ember::sub(a, b); }
Tensor operator-(Scalar a, const Tensor& b) { return ember::rsub(b, a); }
Tensor operator*(const Tensor& a, const Tensor& b) { return ember::mul(a, b); }
Tensor operator*(const Tensor& a, Scalar b) { return ember::mul(a, b); }
Tensor operator*(Scalar a, const Tensor& b) { return ember::mul(b, a); }
Tensor operator/(const Tensor& a, const Tensor& b) { return ember::div(a, b); }
Tensor operator/(const Tensor& a, Scalar b) { return ember::div(a, b); }
Tensor operator/(Scalar a, const Tensor& b) { return ember::rdiv(b, a); }
Tensor operator%(const Tensor& a, const Tensor& b) { return ember::remainder(a, b); }
Tensor operator%(const Tensor& a, Scalar b) { return ember::remainder(a, b); }
Tensor operator==(const Tensor& a, const Tensor& b) { return ember::eq(a, b); }
Tensor operator==(const Tensor& a, Scalar b) { return ember::eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ember::ne(a, b); }
Tensor operator!=(const Tensor& a, Scalar b) { return ember::ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return ember::lt(a, b); }
Tensor operator<(const Tensor& a, Scalar b) { return ember::lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return ember::le(a, b); }
Tensor operator<=(const Tensor& a, Scalar b) { return ember::le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return ember::gt(a, b); }
Tensor operator>(const Tensor& a, Scalar b) { return ember::gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ember::ge(a, b); }
Tensor operator>=(const Tensor& a, Scalar b) { return ember::ge(a, b); }
Tensor operator!(const Tensor& a) { return ember::logical_not(a); }
Tensor operator&(const Tensor& a, const Tensor& b) { return ember::logical_and(a, b); }
Tensor operator|(const Tensor& a, const Tensor& b) { return ember::logical_or(a, b); }

// ---- sorting, scatters along one dim, more elementwise ops (forwarders) ----
std::tuple<Tensor, Tensor> Tensor::sort(int64_t dim, bool descending) const { return ember::sort(*this, dim, descending); }
std::tuple<Tensor, Tensor> Tensor::sort(std::optional<bool> stable, int64_t dim, bool descending) const {
  return ember::sort(*this, stable, dim, descending);
}
Tensor Tensor::argsort(int64_t dim, bool descending) const { return ember::argsort(*this, dim, descending); }
Tensor Tensor::argsort_stable(bool stable, int64_t dim, bool descending) const {
  return ember::argsort_stable(*this, stable, dim, descending);
}
Tensor Tensor::msort() const { return ember::msort(*this); }
std::tuple<Tensor, Tensor> Tensor::topk(int64_t k, int64_t dim, bool largest, bool sorted) const {
  return ember::topk(*this, k, dim, largest, sorted);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src) const {
  return ember::scatter(*this, dim, index, src);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, Scalar value) const {
  return ember::scatter(*this, dim, index, value);
}
Tensor Tensor::index_add(int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) const {
  return ember::index_add(*this, dim, index, source, alpha);
}
Tensor Tensor::index_copy(int64_t dim, const Tensor& index, const Tensor& source) const {
  return ember::index_copy(*this, dim, index, source);
}
Tensor Tensor::index_fill(int64_t dim, const Tensor& index, Scalar value) const {
  return ember::index_fill(*this, dim, index, value);
}
Tensor Tensor::index_fill(int64_t dim, const Tensor& index, const Tensor& value) const {
  return ember::index_fill(*this, dim, index, value);
}
Tensor Tensor::lerp(const Tensor& end, Scalar weight) const { return ember::lerp(*this, end, weight); }
Tensor Tensor::lerp(const Tensor& end, const Tensor& weight) const { return ember::lerp(*this, end, weight); }
Tensor& Tensor::lerp_(const Tensor& end, Scalar weight) {
  detail::check_defined(end, "lerp_", "end");
  return inplace(
      "lerp_", *this, end.requires_grad(), [&] { k::copy(*this, ember::lerp(*this, end, weight)); },
      [&](const Tensor& old) { return ember::lerp(old, end, weight); });
}
Tensor& Tensor::lerp_(const Tensor& end, const Tensor& weight) {
  detail::check_defined(end, "lerp_", "end");
  detail::check_defined(weight, "lerp_", "weight");
  return inplace(
      "lerp_", *this, end.requires_grad() || weight.requires_grad(),
      [&] { k::copy(*this, ember::lerp(*this, end, weight)); },
      [&](const Tensor& old) { return ember::lerp(old, end, weight); });
}
Tensor Tensor::clamp(const std::optional<Tensor>& lo, const std::optional<Tensor>& hi) const {
  return ember::clamp(*this, lo, hi);
}
Tensor Tensor::clamp(std::nullopt_t, std::nullopt_t) const { return ember::clamp(*this, std::nullopt, std::nullopt); }
Tensor Tensor::clamp_min(const Tensor& lo) const { return ember::clamp_min(*this, lo); }
Tensor Tensor::clamp_max(const Tensor& hi) const { return ember::clamp_max(*this, hi); }
Tensor Tensor::max(const Tensor& other) const { return ember::max(*this, other); }
Tensor Tensor::min(const Tensor& other) const { return ember::min(*this, other); }
Tensor Tensor::cumprod(int64_t dim, std::optional<Dtype> d) const { return ember::cumprod(*this, dim, d); }
Tensor Tensor::logcumsumexp(int64_t dim) const { return ember::logcumsumexp(*this, dim); }

// ---- resizing: sizes and storage change in place, as torch's resize_ ----
const Tensor& Tensor::resize_(IntArrayRef new_sizes) const {
  detail::check_defined(*this, "resize_");
  EMBER_CHECK(!requires_grad(), "resize_: cannot resize a tensor that requires grad (shape {} to {})", sizes(),
              new_sizes);
  for (int64_t s : new_sizes)
    EMBER_CHECK(s >= 0, "resize_: negative size {} in the requested shape {} (tensor of shape {})", s, new_sizes,
                sizes());
  Shape strides = detail::contiguous_strides(new_sizes, "resize_");
  const int64_t numel = detail::numel_of(new_sizes, "resize_");
  detail::TensorImpl* impl = unsafeGetTensorImpl();
  int64_t elements = 0, bytes = 0;
  EMBER_CHECK(detail::add_fits(impl->offset, numel, elements) && detail::mul_fits(elements, element_size(), bytes),
              "resize_: shape {} at storage offset {} needs more bytes than fit in int64", new_sizes, impl->offset);
  detail::Storage* old = impl->storage;
  if (numel > 0 && static_cast<std::size_t>(bytes) > old->nbytes) {
    // The storage has to move; every tensor that shares it would keep the old one.
    EMBER_CHECK(old->refs.load(std::memory_order_acquire) == 1,
                "resize_: cannot grow shape {} to {}: its storage ({} bytes) is shared with other tensors (a view, "
                "its base, or a tensor saved for backward)",
                sizes(), new_sizes, old->nbytes);
    EMBER_CHECK(old->deleter == nullptr,
                "resize_: cannot grow shape {} to {}: the tensor wraps memory it does not own (from_blob)", sizes(),
                new_sizes);
    detail::Storage* fresh = detail::Storage::allocate(static_cast<std::size_t>(bytes), new_sizes, dtype());
    if (old->nbytes > 0) std::memcpy(fresh->data, old->data, old->nbytes);  // the data stays as the flat prefix
    fresh->version.store(old->version.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    impl->storage = fresh;
    old->release();
  }
  impl->sizes = new_sizes.shape();
  impl->strides = std::move(strides);
  impl->refresh();
  return *this;
}
const Tensor& Tensor::resize_as_(const Tensor& other) const {
  detail::check_defined(other, "resize_as_", "other");
  return resize_(other.sizes());
}

}  // namespace ember
