// The differentiable ops as free functions, PyTorch's names and defaults.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "ember/tensor.hpp"

namespace ember {

// ---- generated from the op table (ember/detail/ops.def): the ops of the common shapes ----
#define EMBER_FN_UNARY(NAME) Tensor NAME(const Tensor& x);
#define EMBER_FN_UNARY_MethodInPlace EMBER_FN_UNARY
#define EMBER_FN_UNARY_Method EMBER_FN_UNARY
#define EMBER_FN_UNARY_Function EMBER_FN_UNARY
#define EMBER_FN_UNARY_CustomFunction(NAME)
#define EMBER_FN_UNARY_Internal(NAME)
#define EMBER_FN_BINARY_TensorOnly(NAME) Tensor NAME(const Tensor& a, const Tensor& b);
#define EMBER_FN_BINARY_TensorScalar(NAME) \
  Tensor NAME(const Tensor& a, const Tensor& b); \
  Tensor NAME(const Tensor& a, Scalar b);
#define EMBER_FN_BINARY_Custom(NAME)
#define EMBER_FN_REDUCTION_SumLike(NAME)                                \
  Tensor NAME(const Tensor& x, std::optional<Dtype> dtype = std::nullopt); \
  Tensor NAME(const Tensor& x, IntArrayRef dim, bool keepdim = false, std::optional<Dtype> dtype = std::nullopt);
#define EMBER_FN_REDUCTION_Dims(NAME) Tensor NAME(const Tensor& x, IntArrayRef dim = {}, bool keepdim = false);
#define EMBER_FN_REDUCTION_AllDimOrOne(NAME) \
  Tensor NAME(const Tensor& x);               \
  Tensor NAME(const Tensor& x, int64_t dim, bool keepdim = false);
#define EMBER_FN_REDUCTION_Custom(NAME)
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_FN_UNARY_##API(NAME)
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_FN_BINARY_##API(NAME)
#define EMBER_COMPARE_OP(NAME, ENUM, OPERATOR, ONNX) EMBER_FN_BINARY_TensorScalar(NAME)  // bool results, no gradient
#define EMBER_REDUCTION_OP(NAME, DTYPE, GRAD, API) EMBER_FN_REDUCTION_##API(NAME)
#include "ember/detail/ops.def"
#undef EMBER_FN_UNARY
#undef EMBER_FN_UNARY_MethodInPlace
#undef EMBER_FN_UNARY_Method
#undef EMBER_FN_UNARY_Function
#undef EMBER_FN_UNARY_CustomFunction
#undef EMBER_FN_UNARY_Internal
#undef EMBER_FN_BINARY_TensorOnly
#undef EMBER_FN_BINARY_TensorScalar
#undef EMBER_FN_BINARY_Custom
#undef EMBER_FN_REDUCTION_SumLike
#undef EMBER_FN_REDUCTION_Dims
#undef EMBER_FN_REDUCTION_AllDimOrOne
#undef EMBER_FN_REDUCTION_Custom

// ---- elementwise, one input, with arguments ----
// approximate: "none" (the exact erf form, PyTorch's default) or "tanh".
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
Tensor softplus(const Tensor& x, Scalar beta = 1, Scalar threshold = 20);
Tensor leaky_relu(const Tensor& x, Scalar negative_slope = 0.01);
// scale * (x where x > 0, else alpha * (exp(input_scale * x) - 1)); PyTorch's elu with its
// internal scales (torch::elu in LibTorch; selu and celu are such scalings).
Tensor elu(const Tensor& x, Scalar alpha = 1.0, Scalar scale = 1.0, Scalar input_scale = 1.0);
Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
Tensor clamp_min(const Tensor& x, Scalar min);
Tensor clamp_max(const Tensor& x, Scalar max);
Tensor logical_not(const Tensor& x);
Tensor isnan(const Tensor& x);
// +-inf (isinf), +inf (isposinf), -inf (isneginf), neither infinite nor NaN (isfinite);
// integer and bool tensors are finite everywhere.
Tensor isinf(const Tensor& x);
Tensor isposinf(const Tensor& x);
Tensor isneginf(const Tensor& x);
Tensor isfinite(const Tensor& x);

// ---- elementwise, two inputs, broadcasting ----
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor add(const Tensor& a, Scalar b, Scalar alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor sub(const Tensor& a, Scalar b, Scalar alpha = 1);
Tensor rsub(const Tensor& a, Scalar b);  // b - a
Tensor rdiv(const Tensor& a, Scalar b);  // b / a
Tensor pow(Scalar base, const Tensor& exponent);
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, Scalar b);
Tensor where(const Tensor& condition, Scalar a, const Tensor& b);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);

// ---- comparisons (bool results, no gradient) ----
bool equal(const Tensor& a, const Tensor& b);
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
Tensor isclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);

// ---- reductions; an empty dim list reduces over every dim (sum, mean, amax, amin,
// all and any come from the op table above) ----
Tensor prod(const Tensor& x, std::optional<Dtype> dtype = std::nullopt);
Tensor prod(const Tensor& x, int64_t dim, bool keepdim = false, std::optional<Dtype> dtype = std::nullopt);
Tensor max(const Tensor& x);
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& x);
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
// var(x) and var(x, false); a template so that var(x, {1}) means dims, never `unbiased`.
Tensor var_unbiased(const Tensor& x, bool unbiased);
inline Tensor var(const Tensor& x) { return var_unbiased(x, true); }
template <class B, std::enable_if_t<std::is_same<B, bool>::value, int> = 0>
Tensor var(const Tensor& x, B unbiased) {
  return var_unbiased(x, unbiased);
}
Tensor var(const Tensor& x, IntArrayRef dim, bool unbiased = true, bool keepdim = false);
Tensor var(const Tensor& x, std::optional<IntArrayRef> dim, std::optional<int64_t> correction, bool keepdim);
// std(x) and std(x, false); a template so that std(x, {1}) means dims, never `unbiased`.
Tensor std_unbiased(const Tensor& x, bool unbiased);
inline Tensor std(const Tensor& x) { return std_unbiased(x, true); }
template <class B, std::enable_if_t<std::is_same<B, bool>::value, int> = 0>
Tensor std(const Tensor& x, B unbiased) {
  return std_unbiased(x, unbiased);
}
Tensor std(const Tensor& x, IntArrayRef dim, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& x, std::optional<IntArrayRef> dim, std::optional<int64_t> correction, bool keepdim);
Tensor logsumexp(const Tensor& x, IntArrayRef dim, bool keepdim = false);
Tensor norm(const Tensor& x, Scalar p = 2);
Tensor norm(const Tensor& x, std::optional<Scalar> p, IntArrayRef dim, bool keepdim = false);
Tensor cumsum(const Tensor& x, int64_t dim, std::optional<Dtype> dtype = std::nullopt);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

// ---- shape (views share storage with their input) ----
Tensor reshape(const Tensor& x, IntArrayRef shape);
Tensor view(const Tensor& x, IntArrayRef shape);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor t(const Tensor& x);
Tensor permute(const Tensor& x, IntArrayRef dims);
Tensor expand(const Tensor& x, IntArrayRef size);
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& x, int64_t dim, int64_t index);
Tensor slice(const Tensor& x, int64_t dim = 0, std::optional<int64_t> start = std::nullopt,
             std::optional<int64_t> end = std::nullopt, int64_t step = 1);
Tensor flip(const Tensor& x, IntArrayRef dims);
Tensor repeat(const Tensor& x, IntArrayRef repeats);
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& x, IntArrayRef split_sizes, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
std::vector<Tensor> unbind(const Tensor& x, int64_t dim = 0);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value);
Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value);
Tensor masked_select(const Tensor& x, const Tensor& mask);
Tensor nonzero(const Tensor& x);
// Constant padding; pairs run from the last dim backwards, as torch.nn.functional.pad.
Tensor pad(const Tensor& x, IntArrayRef pad, Scalar value = 0);
Tensor tril(const Tensor& x, int64_t diagonal = 0);
Tensor triu(const Tensor& x, int64_t diagonal = 0);
Tensor broadcast_to(const Tensor& x, IntArrayRef size);
std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& tensors);

// ---- linear algebra ----
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor dot(const Tensor& a, const Tensor& b);
Tensor outer(const Tensor& a, const Tensor& b);
Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, Scalar beta = 1, Scalar alpha = 1);
Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands);

// The dtype an op on these operands computes in (torch.result_type).
Dtype result_type(const Tensor& a, const Tensor& b);
Dtype result_type(const Tensor& a, Scalar b);
// Broadcast shape of two shapes; throws ember::Error naming `op` when they do not broadcast.
Shape broadcast_shapes(IntArrayRef a, IntArrayRef b, const char* op = "broadcast_shapes");

// ---- sorting, scatters along one dim, more elementwise ops ----
// (remainder, fmod and floor_divide, Tensor-Tensor and Tensor-Scalar, come from the op
// table above.)
// Sorted values and the indices they came from. The sort is stable (equal elements keep
// their order, as PyTorch's stable CPU sort); NaN counts as larger than every number.
std::tuple<Tensor, Tensor> sort(const Tensor& x, int64_t dim = -1, bool descending = false);
std::tuple<Tensor, Tensor> sort(const Tensor& x, std::optional<bool> stable, int64_t dim = -1, bool descending = false);
Tensor argsort(const Tensor& x, int64_t dim = -1, bool descending = false);
// argsort(x, true) is the stable form; a template so that argsort(x, 1) means dim 1.
Tensor argsort_stable(const Tensor& x, bool stable, int64_t dim = -1, bool descending = false);
template <class B, std::enable_if_t<std::is_same<B, bool>::value, int> = 0>
Tensor argsort(const Tensor& x, B stable, int64_t dim = -1, bool descending = false) {
  return argsort_stable(x, stable, dim, descending);
}
Tensor msort(const Tensor& x);  // sort along dim 0, values only
// The k largest (smallest) elements along dim and their indices; with sorted, in order.
std::tuple<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);

// A copy of x with out[index[i][j]][j] = src[i][j] (dim 0), and so on.
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, Scalar value);
// A copy of x with alpha * source[i] added to x.select(dim, index[i]) (repeats add up).
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha = 1);
// A copy of x with x.select(dim, index[i]) = source.select(dim, i).
Tensor index_copy(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source);
// A copy of x with x.select(dim, index[i]) = value.
Tensor index_fill(const Tensor& x, int64_t dim, const Tensor& index, Scalar value);
Tensor index_fill(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& value);

// start + weight * (end - start), PyTorch's two-sided form (exact at weight 0 and 1).
Tensor lerp(const Tensor& start, const Tensor& end, Scalar weight);
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight);
// min(max(x, min), max) with tensor bounds, broadcasting; an absent bound is no bound.
Tensor clamp(const Tensor& x, const std::optional<Tensor>& min, const std::optional<Tensor>& max = std::nullopt);
// No bound at all (an error, as in PyTorch); picks one overload for clamp(x, nullopt, nullopt).
Tensor clamp(const Tensor& x, std::nullopt_t min, std::nullopt_t max = std::nullopt);
Tensor clamp_min(const Tensor& x, const Tensor& min);
Tensor clamp_max(const Tensor& x, const Tensor& max);
// Two tensors: the same as maximum / minimum.
Tensor max(const Tensor& a, const Tensor& b);
Tensor min(const Tensor& a, const Tensor& b);
// Running product and log(cumsum(exp(x))) along dim.
Tensor cumprod(const Tensor& x, int64_t dim, std::optional<Dtype> dtype = std::nullopt);
Tensor logcumsumexp(const Tensor& x, int64_t dim);

// torch::binary_cross_entropy and torch::binary_cross_entropy_with_logits at the top
// level, in LibTorch's form: an optional weight and the reduction as a number
// (Reduction::None, Mean or Sum, as at::Reduction). They compute what
// nn::functional's do; the different argument types keep a call with a reduction
// string unambiguous where both are visible.
namespace Reduction {
enum Reduction : int64_t { None = 0, Mean = 1, Sum = 2 };
}
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight = {},
                            int64_t reduction = Reduction::Mean);
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const std::optional<Tensor>& weight = {},
                                        const std::optional<Tensor>& pos_weight = {},
                                        int64_t reduction = Reduction::Mean);

// LibTorch's torch::make_unique (from before C++14's std::make_unique), the same function.
using std::make_unique;

}  // namespace ember
