// ember::Tensor: a cheap, reference-counted handle to an n-dimensional array that
// autograd can track. Copying a Tensor shares the data, as in PyTorch.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/detail/tensor_impl.hpp"
#include "ember/device.hpp"
#include "ember/dtype.hpp"
#include "ember/error.hpp"
#include "ember/options.hpp"
#include "ember/scalar.hpp"
#include "ember/small_vector.hpp"

namespace ember {

class Tensor;
namespace autograd {
struct Node;
}
namespace indexing {
class TensorIndex;
}

namespace detail {
[[noreturn]] void throw_undefined(const char* what);
}

class Tensor {
 public:
  Tensor() noexcept : impl_(nullptr) {}
  // Takes over one reference to impl.
  explicit Tensor(detail::TensorImpl* impl) noexcept : impl_(impl) {}
  Tensor(const Tensor& o) noexcept : impl_(o.impl_) {
    if (impl_) impl_->retain();
  }
  Tensor(Tensor&& o) noexcept : impl_(o.impl_) { o.impl_ = nullptr; }
  Tensor& operator=(const Tensor& o) & noexcept {
    if (o.impl_) o.impl_->retain();
    if (impl_) impl_->release();
    impl_ = o.impl_;
    return *this;
  }
  Tensor& operator=(Tensor&& o) & noexcept {
    if (this != &o) {
      if (impl_) impl_->release();
      impl_ = o.impl_;
      o.impl_ = nullptr;
    }
    return *this;
  }
  // `x[0] = 5` and `x.index({...}) = y` write into the view, as in PyTorch.
  Tensor& operator=(const Tensor& src) &&;
  Tensor& operator=(Scalar value) &&;
  ~Tensor() {
    if (impl_) impl_->release();
  }

  // ---- metadata ----
  bool defined() const { return impl_ != nullptr; }
  IntArrayRef sizes() const { return IntArrayRef(impl().sizes); }
  IntArrayRef strides() const { return IntArrayRef(impl().strides); }
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return static_cast<int64_t>(impl().sizes.size()); }
  int64_t ndimension() const { return dim(); }
  int64_t numel() const { return impl().numel; }
  Dtype dtype() const { return impl().dtype; }
  Dtype scalar_type() const { return impl().dtype; }
  int64_t element_size() const { return ember::element_size(dtype()); }
  int64_t nbytes() const { return numel() * element_size(); }
  int64_t storage_offset() const { return impl().offset; }
  bool is_contiguous() const { return impl().contiguous; }
  bool is_floating_point() const { return ember::is_floating_point(dtype()); }
  TensorOptions options() const { return TensorOptions(dtype()); }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  // True when both tensors view the same storage.
  bool is_alias_of(const Tensor& o) const;
  // Points this tensor at new_data's storage, dtype and layout in place, so every handle
  // sharing this tensor (a module's member, an optimizer's list) sees it; the autograd
  // state (requires_grad, grad) stays (torch::Tensor::set_data).
  void set_data(const Tensor& new_data) const;
  // The number of in-place writes to this tensor's storage so far.
  uint32_t _version() const { return impl().storage->version.load(std::memory_order_relaxed); }

  template <class T>
  T* data_ptr() const;
  void* data_ptr() const { return impl().data(); }
  // The single value of a one-element tensor.
  template <class T>
  T item() const;
  Scalar item() const;
  // The truth of a one-element tensor (LibTorch's is_nonzero); any other number of
  // elements is an ember::Error ("Boolean value of Tensor with more than one value is ambiguous").
  bool is_nonzero() const;
  // Always kStrided: ember's tensors are dense (LibTorch's layout()).
  Layout layout() const { return kStrided; }
  // The elements in row-major order, converted to T.
  template <class T>
  std::vector<T> tolist() const;

  // ---- conversion and copies ----
  Tensor to(Dtype dtype, bool copy = false) const;
  Tensor to(const TensorOptions& options, bool copy = false) const;
  // Devices (<ember/device.hpp>): every tensor is on the CPU; another device is an error.
  Tensor to(Device device, bool non_blocking = false, bool copy = false) const;
  Tensor to(Device device, Dtype dtype, bool non_blocking = false, bool copy = false) const;
  Device device() const { return Device(kCPU); }
  bool is_cpu() const { return true; }
  bool is_cuda() const { return false; }
  Tensor cpu() const { return *this; }
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor detach() const;
  Tensor& detach_();
  // LibTorch's spellings of detach(): `x.data()` (Python's x.data), `tensor_data()` and
  // `variable_data()`, each the same storage with no autograd history. Unlike PyTorch's
  // x.data, an in-place change through them still bumps the version that autograd
  // checks, so a saved tensor changed that way is reported instead of silently used.
  Tensor data() const { return detach(); }
  // LibTorch's older spelling of data_ptr<T>() (deprecated there, kept for its users).
  template <class T>
  T* data() const {
    return data_ptr<T>();
  }
  Tensor tensor_data() const { return detach(); }
  Tensor variable_data() const { return detach(); }

  // ---- autograd ----
  bool requires_grad() const;
  Tensor& requires_grad_(bool requires_grad = true);
  Tensor& set_requires_grad(bool requires_grad) { return requires_grad_(requires_grad); }
  // A Tensor is a handle: LibTorch lets a const one (x.grad()) change the tensor it names.
  const Tensor& set_requires_grad(bool requires_grad) const {
    return const_cast<Tensor&>(*this).requires_grad_(requires_grad);
  }
  bool is_leaf() const;
  // The accumulated gradient (undefined until a backward pass reaches this leaf).
  const Tensor& grad() const;
  // Assign to it to set or clear the gradient: `x.mutable_grad() = ember::Tensor();`.
  Tensor& mutable_grad();
  // Zeroes the gradient, or drops it when set_to_none (PyTorch's default).
  void zero_grad(bool set_to_none = true);
  void backward(const Tensor& gradient = Tensor(), std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false) const;
  // Accumulates only into `inputs` (PyTorch's inputs=). An empty list is an error, as in
  // PyTorch; an overload rather than a default so that `{x}` and `{}` both stay a list.
  void backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph,
                const std::vector<Tensor>& inputs) const;
  // Keeps .grad() for a non-leaf tensor after backward.
  void retain_grad() const;
  bool retains_grad() const;
  // hook(grad) runs when this tensor's gradient is computed; a defined return value
  // replaces the gradient. Returns a handle for remove_hook.
  template <class F>
  unsigned register_hook(F&& hook) const {
    if constexpr (std::is_void<decltype(hook(std::declval<const Tensor&>()))>::value) {
      return register_grad_hook([h = std::forward<F>(hook)](const Tensor& g) {
        h(g);
        return Tensor();
      });
    } else {
      return register_grad_hook(std::forward<F>(hook));
    }
  }
  unsigned register_grad_hook(std::function<Tensor(const Tensor&)> hook) const;
  void remove_hook(unsigned handle) const;
  // The node that produced this tensor (null for leaves and tensors outside autograd).
  std::shared_ptr<autograd::Node> grad_fn() const;
  uint32_t output_nr() const;
  // Internal, for autograd: the block that exists only for tensors in autograd.
  autograd::AutogradMeta* autograd_meta() const { return impl_ ? impl_->autograd : nullptr; }

  // ---- generated from the op table (ember/detail/ops.def): the ops of the common shapes ----
#define EMBER_METHOD_UNARY_MethodInPlace(NAME) \
  Tensor NAME() const;                         \
  Tensor& NAME##_();
#define EMBER_METHOD_UNARY_Method(NAME) Tensor NAME() const;
#define EMBER_METHOD_UNARY_Function(NAME)
#define EMBER_METHOD_UNARY_CustomFunction(NAME)
#define EMBER_METHOD_UNARY_Internal(NAME)
#define EMBER_METHOD_BINARY_TensorOnly(NAME) Tensor NAME(const Tensor& other) const;
#define EMBER_METHOD_BINARY_TensorScalar(NAME) \
  Tensor NAME(const Tensor& other) const;      \
  Tensor NAME(Scalar other) const;
#define EMBER_METHOD_BINARY_Custom(NAME)
#define EMBER_METHOD_REDUCTION_SumLike(NAME)                         \
  Tensor NAME(std::optional<Dtype> dtype = std::nullopt) const; \
  Tensor NAME(IntArrayRef dim, bool keepdim = false, std::optional<Dtype> dtype = std::nullopt) const;
#define EMBER_METHOD_REDUCTION_Dims(NAME) Tensor NAME(IntArrayRef dim = {}, bool keepdim = false) const;
#define EMBER_METHOD_REDUCTION_AllDimOrOne(NAME) \
  Tensor NAME() const;                           \
  Tensor NAME(int64_t dim, bool keepdim = false) const;
#define EMBER_METHOD_REDUCTION_Custom(NAME)
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_METHOD_UNARY_##API(NAME)
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_METHOD_BINARY_##API(NAME)
#define EMBER_COMPARE_OP(NAME, ENUM, OPERATOR, ONNX) EMBER_METHOD_BINARY_TensorScalar(NAME)
#define EMBER_REDUCTION_OP(NAME, DTYPE, GRAD, API) EMBER_METHOD_REDUCTION_##API(NAME)
#include "ember/detail/ops.def"
#undef EMBER_METHOD_UNARY_MethodInPlace
#undef EMBER_METHOD_UNARY_Method
#undef EMBER_METHOD_UNARY_Function
#undef EMBER_METHOD_UNARY_CustomFunction
#undef EMBER_METHOD_UNARY_Internal
#undef EMBER_METHOD_BINARY_TensorOnly
#undef EMBER_METHOD_BINARY_TensorScalar
#undef EMBER_METHOD_BINARY_Custom
#undef EMBER_METHOD_REDUCTION_SumLike
#undef EMBER_METHOD_REDUCTION_Dims
#undef EMBER_METHOD_REDUCTION_AllDimOrOne
#undef EMBER_METHOD_REDUCTION_Custom

  // ---- elementwise, hand-written ----
  Tensor add(const Tensor& other, Scalar alpha = 1) const;
  Tensor add(Scalar other, Scalar alpha = 1) const;
  Tensor sub(const Tensor& other, Scalar alpha = 1) const;
  Tensor sub(Scalar other, Scalar alpha = 1) const;
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;
  Tensor clamp_min(Scalar min) const;
  Tensor clamp_max(Scalar max) const;
  Tensor where(const Tensor& condition, const Tensor& other) const;
  Tensor logical_not() const;
  Tensor isnan() const;
  Tensor isinf() const;
  Tensor isposinf() const;
  Tensor isneginf() const;
  Tensor isfinite() const;
  Tensor logical_and(const Tensor& other) const;
  Tensor logical_or(const Tensor& other) const;
  bool equal(const Tensor& other) const;
  bool allclose(const Tensor& other, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false) const;

  // ---- in place (bump the version counter; the table's MethodInPlace rows add NAME_()) ----
  Tensor& add_(const Tensor& other, Scalar alpha = 1);
  Tensor& add_(Scalar other, Scalar alpha = 1);
  Tensor& sub_(const Tensor& other, Scalar alpha = 1);
  Tensor& sub_(Scalar other, Scalar alpha = 1);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(Scalar other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(Scalar other);
  Tensor& pow_(Scalar exponent);
  Tensor& zero_();
  const Tensor& zero_() const { return const_cast<Tensor&>(*this).zero_(); }  // x.grad().zero_()
  Tensor& fill_(Scalar value);
  Tensor& fill_(const Tensor& value);
  Tensor& copy_(const Tensor& src);
  Tensor& clamp_(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
  Tensor& masked_fill_(const Tensor& mask, Scalar value);
  Tensor& uniform_(double from = 0, double to = 1);
  Tensor& normal_(double mean = 0, double std = 1);
  // Whole numbers drawn uniformly from [from, to) (PyTorch's random_): random_(to) from
  // 0; random_() over the dtype's whole range where it fits in int64 (floats: up to
  // 2^mantissa bits, as PyTorch).
  Tensor& random_(int64_t from, std::optional<int64_t> to);
  Tensor& random_(int64_t to);
  Tensor& random_();
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, const Tensor& value);
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, Scalar value);
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, const Tensor& value);
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, Scalar value);

  Tensor& operator+=(const Tensor& o) { return add_(o); }
  Tensor& operator+=(Scalar o) { return add_(o); }
  Tensor& operator-=(const Tensor& o) { return sub_(o); }
  Tensor& operator-=(Scalar o) { return sub_(o); }
  Tensor& operator*=(const Tensor& o) { return mul_(o); }
  Tensor& operator*=(Scalar o) { return mul_(o); }
  Tensor& operator/=(const Tensor& o) { return div_(o); }
  Tensor& operator/=(Scalar o) { return div_(o); }

  // ---- reductions (sum, mean, amax, amin, all and any come from the op table) ----
  Tensor prod(std::optional<Dtype> dtype = std::nullopt) const;
  Tensor prod(int64_t dim, bool keepdim = false, std::optional<Dtype> dtype = std::nullopt) const;
  Tensor max() const;
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor var() const { return var_unbiased(true); }
  template <class B, std::enable_if_t<std::is_same<B, bool>::value, int> = 0>
  Tensor var(B unbiased) const {
    return var_unbiased(unbiased);
  }
  Tensor var_unbiased(bool unbiased) const;
  Tensor var(IntArrayRef dim, bool unbiased = true, bool keepdim = false) const;
  Tensor var(std::optional<IntArrayRef> dim, std::optional<int64_t> correction, bool keepdim) const;
  Tensor std() const { return std_unbiased(true); }
  template <class B, std::enable_if_t<std::is_same<B, bool>::value, int> = 0>
  Tensor std(B unbiased) const {
    return std_unbiased(unbiased);
  }
  Tensor std_unbiased(bool unbiased) const;
  Tensor std(IntArrayRef dim, bool unbiased = true, bool keepdim = false) const;
  Tensor std(std::optional<IntArrayRef> dim, std::optional<int64_t> correction, bool keepdim) const;
  Tensor logsumexp(IntArrayRef dim, bool keepdim = false) const;
  Tensor norm(Scalar p = 2) const;
  Tensor norm(std::optional<Scalar> p, IntArrayRef dim, bool keepdim = false) const;
  Tensor cumsum(int64_t dim, std::optional<Dtype> dtype = std::nullopt) const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;

  // ---- shape (views share storage) ----
  Tensor reshape(IntArrayRef shape) const;
  Tensor view(IntArrayRef shape) const;
  Tensor view_as(const Tensor& other) const;
  Tensor reshape_as(const Tensor& other) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;
  Tensor mT() const;
  Tensor permute(IntArrayRef dims) const;
  Tensor expand(IntArrayRef size) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unflatten(int64_t dim, IntArrayRef sizes) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor slice(int64_t dim = 0, std::optional<int64_t> start = std::nullopt,
               std::optional<int64_t> end = std::nullopt, int64_t step = 1) const;
  Tensor flip(IntArrayRef dims) const;
  Tensor repeat(IntArrayRef repeats) const;
  std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;
  std::vector<Tensor> split(IntArrayRef split_sizes, int64_t dim = 0) const;
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;
  std::vector<Tensor> unbind(int64_t dim = 0) const;
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor masked_fill(const Tensor& mask, Scalar value) const;
  Tensor masked_fill(const Tensor& mask, const Tensor& value) const;
  Tensor masked_select(const Tensor& mask) const;
  Tensor tril(int64_t diagonal = 0) const;
  Tensor triu(int64_t diagonal = 0) const;
  Tensor nonzero() const;
  Tensor index(std::initializer_list<indexing::TensorIndex> indices) const;
  Tensor index(const std::vector<indexing::TensorIndex>& indices) const;
  Tensor operator[](int64_t index) const;
  Tensor operator[](const Tensor& index) const;

  // ---- linear algebra ----
  Tensor matmul(const Tensor& other) const;
  Tensor mm(const Tensor& other) const;
  Tensor bmm(const Tensor& other) const;
  Tensor dot(const Tensor& other) const;
  Tensor outer(const Tensor& other) const;
  // torch.det and friends (ember/linalg.hpp), as Tensor methods.
  Tensor det() const;
  Tensor logdet() const;
  std::tuple<Tensor, Tensor> slogdet() const;
  Tensor inverse() const;
  Tensor cholesky(bool upper = false) const;
  Tensor matrix_power(int64_t n) const;
  Tensor pinverse(double rcond = 1e-15) const;

  // ---- sorting, scatters along one dim, more elementwise ops, resizing ----
  std::tuple<Tensor, Tensor> sort(int64_t dim = -1, bool descending = false) const;
  std::tuple<Tensor, Tensor> sort(std::optional<bool> stable, int64_t dim = -1, bool descending = false) const;
  Tensor argsort(int64_t dim = -1, bool descending = false) const;
  Tensor argsort_stable(bool stable, int64_t dim = -1, bool descending = false) const;
  template <class B, std::enable_if_t<std::is_same<B, bool>::value, int> = 0>
  Tensor argsort(B stable, int64_t dim = -1, bool descending = false) const {
    return argsort_stable(stable, dim, descending);
  }
  Tensor msort() const;
  std::tuple<Tensor, Tensor> topk(int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter(int64_t dim, const Tensor& index, Scalar value) const;
  Tensor& scatter_(int64_t dim, const Tensor& index, const Tensor& src);
  Tensor& scatter_(int64_t dim, const Tensor& index, Scalar value);
  Tensor& scatter_add_(int64_t dim, const Tensor& index, const Tensor& src);
  Tensor index_add(int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha = 1) const;
  Tensor& index_add_(int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha = 1);
  Tensor index_copy(int64_t dim, const Tensor& index, const Tensor& source) const;
  Tensor& index_copy_(int64_t dim, const Tensor& index, const Tensor& source);
  Tensor index_fill(int64_t dim, const Tensor& index, Scalar value) const;
  Tensor index_fill(int64_t dim, const Tensor& index, const Tensor& value) const;
  Tensor& index_fill_(int64_t dim, const Tensor& index, Scalar value);
  Tensor& index_fill_(int64_t dim, const Tensor& index, const Tensor& value);
  // ATen's form: one optional index tensor per leading dim; accumulate adds (repeated
  // indices add up) instead of writing.
  Tensor& index_put_(const std::vector<std::optional<Tensor>>& indices, const Tensor& values, bool accumulate);
  Tensor lerp(const Tensor& end, Scalar weight) const;
  Tensor lerp(const Tensor& end, const Tensor& weight) const;
  Tensor& lerp_(const Tensor& end, Scalar weight);
  Tensor& lerp_(const Tensor& end, const Tensor& weight);
  Tensor clamp(const std::optional<Tensor>& min, const std::optional<Tensor>& max = std::nullopt) const;
  Tensor clamp(std::nullopt_t min, std::nullopt_t max = std::nullopt) const;
  Tensor clamp_min(const Tensor& min) const;
  Tensor clamp_max(const Tensor& max) const;
  Tensor max(const Tensor& other) const;
  Tensor min(const Tensor& other) const;
  Tensor cumprod(int64_t dim, std::optional<Dtype> dtype = std::nullopt) const;
  Tensor logcumsumexp(int64_t dim) const;
  // Gives the tensor these sizes with contiguous strides. The data stays as the flat
  // prefix; when the storage must grow, the new elements are uninitialised. Refused for a
  // tensor that requires grad, and for growing a storage that other tensors share.
  const Tensor& resize_(IntArrayRef sizes) const;
  const Tensor& resize_as_(const Tensor& other) const;

  std::string toString() const;  // "ember.FloatTensor [2, 3]" style summary

 private:
  const detail::TensorImpl& impl() const {
    if (!impl_) detail::throw_undefined("tensor");
    return *impl_;
  }

 public:
  detail::TensorImpl* unsafeGetTensorImpl() const { return impl_; }
  detail::TensorImpl* release_impl() {
    auto* p = impl_;
    impl_ = nullptr;
    return p;
  }

 private:
  detail::TensorImpl* impl_ = nullptr;
};

template <class T>
T* Tensor::data_ptr() const {
  if (dtype() != DtypeOf<std::remove_const_t<T>>::value) detail::throw_undefined("data_ptr: dtype mismatch");
  return static_cast<T*>(impl().data());
}

std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::ostream& operator<<(std::ostream& os, IntArrayRef sizes);

// ---- operators, tensor and scalar on either side ----
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, Scalar b);
Tensor operator+(Scalar a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, Scalar b);
Tensor operator-(Scalar a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, Scalar b);
Tensor operator*(Scalar a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, Scalar b);
Tensor operator/(Scalar a, const Tensor& b);
// remainder: the result takes the divisor's sign, as Python's % (LibTorch's operator%).
Tensor operator%(const Tensor& a, const Tensor& b);
Tensor operator%(const Tensor& a, Scalar b);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, Scalar b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, Scalar b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, Scalar b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, Scalar b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, Scalar b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, Scalar b);
Tensor operator!(const Tensor& a);
Tensor operator&&(const Tensor& a, const Tensor& b) = delete;  // use logical_and
Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);

}  // namespace ember
