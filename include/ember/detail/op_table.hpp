// The op registry: one OpInfo per public row of ember/detail/ops.def, at compile time,
// so that other code (a tracer, a graph exporter, tests) can enumerate the ops and read
// what each row says about its op without repeating the list.
//
//   if (const auto* info = ember::detail::op_info("exp"))
//     ... info->kind == OpKind::Unary, info->differentiable, info->dtype ...
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ember {
namespace detail {

enum class OpKind : uint8_t { Unary, Binary, Ternary, Reduction };

// How an op's result dtype follows from its inputs; see ops.def for each meaning.
enum class DtypeRule : uint8_t { KeepNumeric, FloatOnly, Promote, PromoteFloat, BoolResult, Int64Result, SameAsInput };

struct OpInfo {
  std::string_view name;  // PyTorch's name
  OpKind kind;
  bool differentiable;
  DtypeRule dtype;
  bool tensor_method;  // also a `Tensor` method
  // The ONNX operator (opset 17) that computes the op alone with no attributes, or
  // empty where ONNX has none (the table's ONNX column; reductions have none here).
  std::string_view onnx;
};

namespace op_table_detail {
constexpr bool is_method(std::string_view api) {
  return api == "MethodInPlace" || api == "Method" || api == "TensorScalar" || api == "TensorOnly" ||
         api == "SumLike" || api == "Dims" || api == "AllDimOrOne" || api == "Custom";
  // Function and CustomFunction: a free function only.
}
constexpr std::string_view onnx_name(std::string_view column) { return column == "None" ? std::string_view() : column; }
}  // namespace op_table_detail

// Every public op of the table, in table order. Internal kernels are not listed.
inline constexpr OpInfo kOps[] = {
#define EMBER_OP_ROW(NAME, KIND, DTYPE, GRAD, API, ONNX)                                                   \
  {#NAME, OpKind::KIND, std::string_view(#GRAD) == "Grad", DtypeRule::DTYPE, op_table_detail::is_method(#API), \
   op_table_detail::onnx_name(#ONNX)},
#define EMBER_OP_ROW_Internal(NAME, KIND, DTYPE, GRAD, ONNX)
#define EMBER_OP_ROW_MethodInPlace(NAME, KIND, DTYPE, GRAD, ONNX) EMBER_OP_ROW(NAME, KIND, DTYPE, GRAD, MethodInPlace, ONNX)
#define EMBER_OP_ROW_Method(NAME, KIND, DTYPE, GRAD, ONNX) EMBER_OP_ROW(NAME, KIND, DTYPE, GRAD, Method, ONNX)
#define EMBER_OP_ROW_Function(NAME, KIND, DTYPE, GRAD, ONNX) EMBER_OP_ROW(NAME, KIND, DTYPE, GRAD, Function, ONNX)
#define EMBER_OP_ROW_Custom(NAME, KIND, DTYPE, GRAD, ONNX) EMBER_OP_ROW(NAME, KIND, DTYPE, GRAD, Custom, ONNX)
#define EMBER_OP_ROW_CustomFunction(NAME, KIND, DTYPE, GRAD, ONNX) EMBER_OP_ROW(NAME, KIND, DTYPE, GRAD, CustomFunction, ONNX)
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ONNX, ...) EMBER_OP_ROW_##API(NAME, Unary, DTYPE, GRAD, ONNX)
#define EMBER_UNARY_PARAM_OP(NAME, FUNCTOR, DTYPE, GRAD, API) EMBER_OP_ROW_##API(NAME, Unary, DTYPE, GRAD, None)
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ONNX, ...) EMBER_OP_ROW(NAME, Binary, DTYPE, GRAD, API, ONNX)
#define EMBER_COMPARE_OP(NAME, ENUM, OPERATOR, ONNX) EMBER_OP_ROW(NAME, Binary, BoolResult, NoGrad, TensorScalar, ONNX)
#define EMBER_OTHER_OP(NAME, KIND, DTYPE, GRAD, API, ONNX) EMBER_OP_ROW(NAME, KIND, DTYPE, GRAD, API, ONNX)
#define EMBER_REDUCTION_OP(NAME, DTYPE, GRAD, API) EMBER_OP_ROW(NAME, Reduction, DTYPE, GRAD, API, None)
#include "ember/detail/ops.def"
#undef EMBER_OP_ROW
#undef EMBER_OP_ROW_Internal
#undef EMBER_OP_ROW_MethodInPlace
#undef EMBER_OP_ROW_Method
#undef EMBER_OP_ROW_Function
#undef EMBER_OP_ROW_Custom
#undef EMBER_OP_ROW_CustomFunction
};

inline constexpr std::size_t kNumOps = sizeof(kOps) / sizeof(kOps[0]);

// The index in kOps of the op called `name` (PyTorch's name), or -1 when ember has none.
// Compile-time checks use this rather than op_info: g++ 12 with sanitizers does not
// treat comparing a pointer into kOps with null as a constant expression.
constexpr std::ptrdiff_t op_index(std::string_view name) {
  for (std::size_t i = 0; i < kNumOps; ++i)
    if (kOps[i].name == name) return static_cast<std::ptrdiff_t>(i);
  return -1;
}

// The row of the op called `name`, or null when ember has none.
constexpr const OpInfo* op_info(std::string_view name) {
  const std::ptrdiff_t i = op_index(name);
  return i < 0 ? nullptr : &kOps[i];
}

}  // namespace detail
}  // namespace ember
