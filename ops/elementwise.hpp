// Elementwise kernels: no autograd here. Each returns a new contiguous tensor, or
// writes into `out` (any strides; in-place ops pass the tensor itself).
#pragma once
#include <optional>

#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

// One input: a kernel NAME and NAME_out per unary row of the table. Integer inputs of
// the FloatOnly ops compute in the default float dtype.
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) \
  Tensor NAME(const Tensor& x);                              \
  void NAME##_out(Tensor& out, const Tensor& x);
#include "ember/detail/ops.def"

// The parameterised rows (EMBER_UNARY_PARAM_OP).
Tensor softplus(const Tensor& x, double beta, double threshold);
Tensor leaky_relu(const Tensor& x, double slope);
Tensor elu(const Tensor& x, double alpha);
Tensor clamp(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi);
void clamp_out(Tensor& out, const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi);
Tensor pow_scalar(const Tensor& x, Scalar exponent);

// Two inputs, broadcast: one enumerator per binary row of the table. `Scalar` forms
// take the number without making a tensor.
enum class Binary {
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) FUNCTOR,
#include "ember/detail/ops.def"
};
Tensor binary(Binary op, const Tensor& a, const Tensor& b);
Tensor binary(Binary op, const Tensor& a, Scalar b);
Tensor binary(Binary op, Scalar a, const Tensor& b);
void binary_out(Tensor& out, Binary op, const Tensor& a, const Tensor& b);
void binary_out(Tensor& out, Binary op, const Tensor& a, Scalar b);
// a + alpha * b
Tensor add_scaled(const Tensor& a, const Tensor& b, Scalar alpha);
void add_scaled_out(Tensor& out, const Tensor& a, const Tensor& b, Scalar alpha);

enum class Compare {
#define EMBER_COMPARE_OP(NAME, ENUM, OPERATOR, ONNX) ENUM,
#include "ember/detail/ops.def"
};
Tensor compare(Compare op, const Tensor& a, const Tensor& b);
Tensor compare(Compare op, const Tensor& a, Scalar b);
enum class Logical { And, Or };
Tensor logical(Logical op, const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& x);
Tensor isnan(const Tensor& x);
// Infinities (either sign, +inf only, -inf only) and finite values: false, false, false
// and true everywhere for integer and bool tensors, as in PyTorch.
Tensor isinf(const Tensor& x);
Tensor isposinf(const Tensor& x);
Tensor isneginf(const Tensor& x);
Tensor isfinite(const Tensor& x);
// cond ? a : b, broadcast; a and b already of one dtype.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// ReLU's backward in one pass: grad where output > 0, else 0. Only for contiguous
// float32/float64 tensors of one shape and dtype; otherwise an undefined tensor (the
// caller composes it from compare and where).
Tensor relu_backward(const Tensor& grad, const Tensor& output);

// dst = src (broadcast to dst's shape, converted to dst's dtype), any strides.
void copy(Tensor& dst, const Tensor& src);
void fill(Tensor& dst, Scalar value);
// A contiguous copy of x in dtype.
Tensor contiguous_as(const Tensor& x, Dtype dtype);

// torch.result_type for tensors and numbers.
Dtype result_type(const Tensor& a, const Tensor& b);
Dtype result_type(const Tensor& a, Scalar b);

}  // namespace kernels
}  // namespace ember
