// Making tensors: from values, filled, ranges, random.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <vector>

#include "ember/tensor.hpp"

namespace ember {

namespace detail {
// A nested braced list of numbers: `ember::tensor({{1, 2}, {3, 4}})`.
class NestedData {
 public:
  NestedData(bool v) : scalar_(v), is_scalar_(true) {}
  NestedData(int v) : scalar_(v), is_scalar_(true) {}
  NestedData(long v) : scalar_(v), is_scalar_(true) {}
  NestedData(long long v) : scalar_(v), is_scalar_(true) {}
  NestedData(unsigned v) : scalar_(static_cast<int64_t>(v)), is_scalar_(true) {}
  NestedData(float v) : scalar_(v), is_scalar_(true) {}
  NestedData(double v) : scalar_(v), is_scalar_(true) {}
  NestedData(std::initializer_list<NestedData> list) : list_(list) {}

  bool is_scalar() const { return is_scalar_; }
  Scalar scalar() const { return scalar_; }
  const std::vector<NestedData>& list() const { return list_; }

 private:
  Scalar scalar_;
  bool is_scalar_ = false;
  std::vector<NestedData> list_;
};
}  // namespace detail

// From nested braced lists; the dtype is inferred as PyTorch does (ints give int64,
// floats the default float dtype, bools bool) unless options name one.
Tensor tensor(detail::NestedData data, const TensorOptions& options = {});
// From a flat vector in row-major order, with a shape (default: 1-D), copying.
Tensor tensor_from_data(const void* data, Dtype dtype, int64_t count, IntArrayRef shape, const TensorOptions& options);
template <class T>
Tensor tensor(const std::vector<T>& data, IntArrayRef shape, const TensorOptions& options = {}) {
  return tensor_from_data(data.data(), DtypeOf<T>::value, static_cast<int64_t>(data.size()), shape, options);
}
template <class T>
Tensor tensor(const std::vector<T>& data, const TensorOptions& options = {}) {
  int64_t n = static_cast<int64_t>(data.size());
  return tensor_from_data(data.data(), DtypeOf<T>::value, n, IntArrayRef(&n, 1), options);
}
// A 0-dim tensor holding one value.
Tensor scalar_tensor(Scalar value, const TensorOptions& options = {});

// Wraps user memory without copying. The memory must outlive the tensor (or pass a
// deleter, called when the last view is gone). Strides are in elements.
Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& options = {});
Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const TensorOptions& options = {});
Tensor from_blob(void* data, IntArrayRef sizes, std::function<void(void*)> deleter,
                 const TensorOptions& options = {});

Tensor empty(IntArrayRef size, const TensorOptions& options = {});
Tensor zeros(IntArrayRef size, const TensorOptions& options = {});
Tensor ones(IntArrayRef size, const TensorOptions& options = {});
Tensor full(IntArrayRef size, Scalar value, const TensorOptions& options = {});
Tensor eye(int64_t n, const TensorOptions& options = {});
Tensor eye(int64_t n, int64_t m, const TensorOptions& options = {});
// [0, end), [start, end) with step. Integer arguments give int64, as in PyTorch.
Tensor arange(Scalar end, const TensorOptions& options = {});
Tensor arange(Scalar start, Scalar end, const TensorOptions& options = {});
Tensor arange(Scalar start, Scalar end, Scalar step, const TensorOptions& options = {});
Tensor linspace(Scalar start, Scalar end, int64_t steps, const TensorOptions& options = {});

// Random numbers from ember's generator (see manual_seed): the same stream and values
// as PyTorch 1.13's CPU generator with the same seed.
Tensor rand(IntArrayRef size, const TensorOptions& options = {});
Tensor randn(IntArrayRef size, const TensorOptions& options = {});
Tensor randint(int64_t high, IntArrayRef size, const TensorOptions& options = kInt64);
Tensor randint(int64_t low, int64_t high, IntArrayRef size, const TensorOptions& options = kInt64);
Tensor randperm(int64_t n, const TensorOptions& options = kInt64);
Tensor bernoulli(const Tensor& p);
void manual_seed(uint64_t seed);
// The generator's whole state in PyTorch 1.13's layout (torch.get_rng_state()'s 5056
// bytes), as an int64 tensor of byte values; set_rng_state restores it, also from
// bytes PyTorch produced. initial_seed is the last seed given to manual_seed.
Tensor get_rng_state();
void set_rng_state(const Tensor& state);
uint64_t initial_seed();

// Same shape as `like`, and its dtype unless options name one.
Tensor empty_like(const Tensor& like, const TensorOptions& options = {});
Tensor zeros_like(const Tensor& like, const TensorOptions& options = {});
Tensor ones_like(const Tensor& like, const TensorOptions& options = {});
Tensor full_like(const Tensor& like, Scalar value, const TensorOptions& options = {});
Tensor rand_like(const Tensor& like, const TensorOptions& options = {});
Tensor randn_like(const Tensor& like, const TensorOptions& options = {});
Tensor randint_like(const Tensor& like, int64_t low, int64_t high, const TensorOptions& options = {});

}  // namespace ember
