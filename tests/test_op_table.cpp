// The op table (include/ember/detail/ops.def) and its registry (op_table.hpp): the
// registry lists what the rows say, and what each row says about an op (its dtype rule,
// whether it is differentiable) holds for the op the row produced.
#include <ember/detail/op_table.hpp>
#include <ember/special.hpp>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "helpers.hpp"

using ember::Tensor;
using ember::detail::DtypeRule;
using ember::detail::op_info;
using ember::detail::OpKind;

namespace {

// The registry answers at compile time.
constexpr const ember::detail::OpInfo& row(std::string_view name) { return ember::detail::kOps[ember::detail::op_index(name)]; }
static_assert(ember::detail::op_index("exp") >= 0 && row("exp").kind == OpKind::Unary, "exp is a unary row");
static_assert(row("add").kind == OpKind::Binary && row("add").differentiable, "add is binary");
static_assert(row("sum").kind == OpKind::Reduction, "sum is a reduction");
static_assert(!row("eq").differentiable && row("eq").dtype == DtypeRule::BoolResult, "eq gives bools");
static_assert(ember::detail::op_index("gelu_tanh") == -1, "internal kernels are not in the registry");

struct UnaryRow {
  std::string name;
  DtypeRule dtype;
  bool differentiable;
  std::function<Tensor(const Tensor&)> fn;
};

// Every unary row whose public function takes just the tensor, with that function.
std::vector<UnaryRow> unary_rows() {
  std::vector<UnaryRow> rows;
#define EMBER_ROW_PLAIN(NAME, DTYPE, GRAD) \
  rows.push_back({#NAME, DtypeRule::DTYPE, std::string(#GRAD) == "Grad", [](const Tensor& x) { return ember::NAME(x); }});
#define EMBER_ROW_MethodInPlace EMBER_ROW_PLAIN
#define EMBER_ROW_Method EMBER_ROW_PLAIN
#define EMBER_ROW_Function EMBER_ROW_PLAIN
#define EMBER_ROW_CustomFunction(NAME, DTYPE, GRAD)
#define EMBER_ROW_Internal(NAME, DTYPE, GRAD)
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_ROW_##API(NAME, DTYPE, GRAD)
#include "ember/detail/ops.def"
#undef EMBER_ROW_PLAIN
  return rows;
}

struct BinaryRow {
  std::string name;
  DtypeRule dtype;
  bool differentiable;
  std::function<Tensor(const Tensor&, const Tensor&)> fn;
};

namespace custom_binary {
using ember::add;
using ember::sub;
using ember::special::zeta;
}  // namespace custom_binary
// Differentiable in the second input only (the first's derivative is not implemented,
// in PyTorch either).
bool grad_in_second_only(const std::string& name) { return name == "zeta" || name == "igamma" || name == "igammac"; }

std::vector<BinaryRow> binary_rows() {
  std::vector<BinaryRow> rows;
#define EMBER_ROW_PLAIN(NAME, DTYPE, GRAD)                                 \
  rows.push_back({#NAME, DtypeRule::DTYPE, std::string(#GRAD) == "Grad", \
                  [](const Tensor& a, const Tensor& b) { return ember::NAME(a, b); }});
#define EMBER_ROW_TensorScalar EMBER_ROW_PLAIN
#define EMBER_ROW_TensorOnly EMBER_ROW_PLAIN
// add and sub: alpha defaults to 1; zeta is ember::special::zeta.
#define EMBER_ROW_Custom(NAME, DTYPE, GRAD)                                \
  rows.push_back({#NAME, DtypeRule::DTYPE, std::string(#GRAD) == "Grad", \
                  [](const Tensor& a, const Tensor& b) { return custom_binary::NAME(a, b); }});
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_ROW_##API(NAME, DTYPE, GRAD)
#define EMBER_COMPARE_OP(NAME, ENUM, OPERATOR, ONNX) EMBER_ROW_PLAIN(NAME, BoolResult, NoGrad)
#include "ember/detail/ops.def"
  return rows;
}
#undef EMBER_ROW_PLAIN

// The dtype a row's rule gives for one integer input (or two).
ember::Dtype expected_for_int64(DtypeRule rule) {
  switch (rule) {
    case DtypeRule::FloatOnly:
    case DtypeRule::PromoteFloat: return ember::get_default_dtype();
    case DtypeRule::BoolResult: return ember::kBool;
    default: return ember::kInt64;
  }
}

}  // namespace

TEST_CASE("the op registry lists each public row once, by PyTorch name", "[op_table]") {
  std::set<std::string> names;
  for (const auto& op : ember::detail::kOps) {
    INFO(op.name);
    REQUIRE(names.insert(std::string(op.name)).second);
    REQUIRE(op_info(op.name) == &op);
  }
  REQUIRE(names.size() == ember::detail::kNumOps);
  for (const char* name : {"neg", "exp", "gelu", "clamp", "mul", "maximum", "ge", "where", "amax", "softmax"})
    REQUIRE(names.count(name) == 1);
  REQUIRE(op_info("no_such_op") == nullptr);
  REQUIRE(op_info("relu")->tensor_method);
  REQUIRE_FALSE(op_info("silu")->tensor_method);  // torch.Tensor has no silu method either
}

TEST_CASE("unary rows: the dtype rule and the gradient the row promises hold", "[op_table]") {
  auto rows = unary_rows();
  REQUIRE(rows.size() >= 15);
  for (const auto& row : rows) {
    INFO(row.name);
    // The registry carries the same facts as the row.
    const auto* info = op_info(row.name);
    REQUIRE(info != nullptr);
    REQUIRE(info->kind == OpKind::Unary);
    REQUIRE(info->dtype == row.dtype);
    REQUIRE(info->differentiable == row.differentiable);

    Tensor ints = ember::arange(1, 5);  // int64, positive (inside every op's domain)
    REQUIRE(row.fn(ints).dtype() == expected_for_int64(row.dtype));
    for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64})
      REQUIRE(row.fn(ember::rand({3}, dt) + 0.5).dtype() == dt);

    Tensor x = testing::leaf({4}, 0.5, 2);
    Tensor y = row.fn(x);
    REQUIRE(y.requires_grad() == row.differentiable);
    if (row.differentiable) {
      y.sum().backward();
      REQUIRE(x.grad().sizes().equals(x.sizes()));
    }
  }
}

TEST_CASE("binary rows: the dtype rule and the gradient the row promises hold", "[op_table]") {
  auto rows = binary_rows();
  REQUIRE(rows.size() >= 13);
  for (const auto& row : rows) {
    INFO(row.name);
    const auto* info = op_info(row.name);
    REQUIRE(info != nullptr);
    REQUIRE(info->kind == OpKind::Binary);
    REQUIRE(info->dtype == row.dtype);
    REQUIRE(info->differentiable == row.differentiable);

    Tensor a = ember::arange(1, 5), b = ember::arange(2, 6);
    REQUIRE(row.fn(a, b).dtype() == expected_for_int64(row.dtype));

    Tensor x = testing::leaf({2, 3}, 0.5, 2), w = testing::leaf({3}, 0.5, 2);
    if (grad_in_second_only(row.name)) x = x.detach() + 1;  // zeta needs x > 1
    Tensor y = row.fn(x, w);
    REQUIRE(y.sizes().equals(x.sizes()));  // broadcasts
    REQUIRE(y.requires_grad() == row.differentiable);
    if (row.differentiable) {
      y.sum().backward();
      REQUIRE(w.grad().sizes().equals(w.sizes()));
    }
  }
}
