// The narrow dtypes: int32, int16, int8, uint8, float16 and bfloat16. Every expected value
// comes from PyTorch 1.13 (python3-torch): tests/dtypes_narrow_values.hpp is written by
// scripts/dtypes/gen_narrow_values.py and the promotion table in include/ember/dtype.hpp by
// scripts/dtypes/gen_promotion_table.py.
#include <ember/detail/op_table.hpp>

#include <cmath>
#include <functional>
#include <map>
#include <string>

#include "dtypes_narrow_values.hpp"
#include "helpers.hpp"

using ember::Dtype;
using ember::Tensor;
namespace v = dtypes_narrow_values;

namespace {

const Dtype kNarrow[] = {ember::kInt32, ember::kInt16, ember::kInt8, ember::kUInt8, ember::kFloat16, ember::kBFloat16};

Tensor make(const std::vector<double>& values, Dtype dt) {
  return ember::tensor(values, ember::kFloat64).to(dt);
}
std::vector<double> values_of(const Tensor& t) { return t.to(ember::kFloat64).reshape({-1}).tolist<double>(); }

// Each op-table row as PyTorch's call with the arguments scripts/dtypes/gen_narrow_values.py uses.
using Op = std::function<Tensor(const Tensor&, const Tensor&)>;
// The rows' public functions: ember::NAME, except zeta, which is ember::special::zeta.
namespace rows {
using namespace ember;
using ember::special::zeta;
}  // namespace rows
std::map<std::string, Op> ops() {
  std::map<std::string, Op> m;
#define EMBER_ROW_PLAIN(NAME) m[#NAME] = [](const Tensor& x, const Tensor&) { return rows::NAME(x); };
#define EMBER_ROW_MethodInPlace EMBER_ROW_PLAIN
#define EMBER_ROW_Method EMBER_ROW_PLAIN
#define EMBER_ROW_Function EMBER_ROW_PLAIN
#define EMBER_ROW_CustomFunction(NAME)
#define EMBER_ROW_Internal(NAME)
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_ROW_##API(NAME)
#include "ember/detail/ops.def"
#undef EMBER_ROW_PLAIN
#define EMBER_ROW_BINARY(NAME) m[#NAME] = [](const Tensor& a, const Tensor& b) { return rows::NAME(a, b); };
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_ROW_BINARY(NAME)
#define EMBER_COMPARE_OP(NAME, ENUM, OPERATOR, ONNX) EMBER_ROW_BINARY(NAME)
#include "ember/detail/ops.def"
  EMBER_ROW_BINARY(logical_and)
  EMBER_ROW_BINARY(logical_or)
#undef EMBER_ROW_BINARY
  m["gelu"] = [](const Tensor& x, const Tensor&) { return ember::gelu(x); };
  // The special functions that are ember::special::NAME only.
  m["erfcx"] = [](const Tensor& x, const Tensor&) { return ember::special::erfcx(x); };
  m["i0e"] = [](const Tensor& x, const Tensor&) { return ember::special::i0e(x); };
  m["i1"] = [](const Tensor& x, const Tensor&) { return ember::special::i1(x); };
  m["i1e"] = [](const Tensor& x, const Tensor&) { return ember::special::i1e(x); };
  m["ndtri"] = [](const Tensor& x, const Tensor&) { return ember::special::ndtri(x); };
  m["log_ndtr"] = [](const Tensor& x, const Tensor&) { return ember::special::log_ndtr(x); };
  m["softplus"] = [](const Tensor& x, const Tensor&) { return ember::softplus(x); };
  m["leaky_relu"] = [](const Tensor& x, const Tensor&) { return ember::leaky_relu(x, 0.01); };
  m["elu"] = [](const Tensor& x, const Tensor&) { return ember::elu(x); };
  m["clamp"] = [](const Tensor& x, const Tensor&) { return ember::clamp(x, 0, 4); };
  m["where"] = [](const Tensor& a, const Tensor& b) { return ember::where(a > b, a, b); };
  m["logical_not"] = [](const Tensor& x, const Tensor&) { return ember::logical_not(x); };
  m["isnan"] = [](const Tensor& x, const Tensor&) { return ember::isnan(x); };
  m["isinf"] = [](const Tensor& x, const Tensor&) { return ember::isinf(x); };
  m["isposinf"] = [](const Tensor& x, const Tensor&) { return ember::isposinf(x); };
  m["isneginf"] = [](const Tensor& x, const Tensor&) { return ember::isneginf(x); };
  m["isfinite"] = [](const Tensor& x, const Tensor&) { return ember::isfinite(x); };
  m["sum"] = [](const Tensor& x, const Tensor&) { return ember::sum(x); };
  m["mean"] = [](const Tensor& x, const Tensor&) { return ember::mean(x); };
  m["prod"] = [](const Tensor& x, const Tensor&) { return ember::prod(x); };
  m["amax"] = [](const Tensor& x, const Tensor&) { return ember::amax(x); };
  m["amin"] = [](const Tensor& x, const Tensor&) { return ember::amin(x); };
  m["max"] = [](const Tensor& x, const Tensor&) { return ember::max(x); };
  m["min"] = [](const Tensor& x, const Tensor&) { return ember::min(x); };
  m["argmax"] = [](const Tensor& x, const Tensor&) { return ember::argmax(x); };
  m["argmin"] = [](const Tensor& x, const Tensor&) { return ember::argmin(x); };
  m["var"] = [](const Tensor& x, const Tensor&) { return ember::var(x); };
  m["std"] = [](const Tensor& x, const Tensor&) { return ember::std(x); };
  m["logsumexp"] = [](const Tensor& x, const Tensor&) { return ember::logsumexp(x, {0}); };
  m["norm"] = [](const Tensor& x, const Tensor&) { return ember::norm(x); };
  m["all"] = [](const Tensor& x, const Tensor&) { return ember::all(x); };
  m["any"] = [](const Tensor& x, const Tensor&) { return ember::any(x); };
  m["cumsum"] = [](const Tensor& x, const Tensor&) { return ember::cumsum(x, 0); };
  m["softmax"] = [](const Tensor& x, const Tensor&) { return ember::softmax(x, 0); };
  m["log_softmax"] = [](const Tensor& x, const Tensor&) { return ember::log_softmax(x, 0); };
  return m;
}

// One unit in the last place of a float16 / bfloat16 value near v (relative), times a
// few: PyTorch rounds some intermediate results where ember keeps float32.
// float32 results (of integer inputs) allow a few float32 units: ember's vectorised
// math functions and PyTorch's differ in the last bit.
double tolerance(Dtype dt, double v) {
  double eps = dt == ember::kFloat16 ? 1.0 / 1024 : dt == ember::kBFloat16 ? 1.0 / 128 : dt == ember::kFloat32 ? 1e-6 : 0.0;
  return 2 * eps * std::max(1.0, std::fabs(v));
}
bool same_value(double a, double b, double tol) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= tol;
}

}  // namespace

TEST_CASE("float16 and bfloat16 round to nearest even as PyTorch converts float32", "[dtypes_narrow]") {
  for (const auto& c : v::roundings()) {
    INFO("value " << c.value);
    // A NaN may come out as any NaN pattern (PyTorch's vectorised bfloat16 conversion
    // gives 0xffff, its scalar one 0x7fc0).
    if (!std::isnan(c.value)) {
      CHECK(ember::Half(c.value).x == c.half_bits);
      CHECK(ember::BFloat16(c.value).x == c.bfloat16_bits);
    }
    CHECK(same_value(static_cast<float>(ember::Half(c.value)), c.half_value, 0));
    CHECK(same_value(static_cast<float>(ember::BFloat16(c.value)), c.bfloat16_value, 0));
    // Through tensors as well: to() and item().
    Tensor f = ember::full({1}, static_cast<double>(c.value), ember::kFloat32);
    CHECK(same_value(f.to(ember::kFloat16).item<double>(), c.half_value, 0));
    CHECK(same_value(f.to(ember::kBFloat16).item<double>(), c.bfloat16_value, 0));
  }
  // Every float16 bit pattern survives float and back (NaNs stay NaNs).
  for (uint32_t bits = 0; bits < 0x10000u; ++bits) {
    ember::Half h = ember::Half::from_bits(static_cast<uint16_t>(bits));
    float f = h;
    if (std::isnan(f)) continue;
    REQUIRE(ember::Half(f).x == bits);
  }
}

TEST_CASE("conversion to the narrow integers wraps around as in PyTorch", "[dtypes_narrow]") {
  for (const auto& c : v::conversions()) {
    INFO(c.value << " to " << ember::dtype_name(c.dtype));
    CHECK(ember::full({1}, c.value, ember::kFloat64).to(c.dtype).item<double>() == c.from_float64);
    CHECK(ember::full({1}, static_cast<int64_t>(c.value), ember::kInt64).to(c.dtype).item<double>() == c.from_int64);
  }
}

TEST_CASE("promotion table and result_type follow torch.promote_types and torch.result_type", "[dtypes_narrow]") {
  // The table itself is generated from torch.promote_types; here the ops use it: a
  // 1-d tensor with a number or with a 0-dim tensor, through result_type and add.
  for (const auto& c : v::result_types()) {
    Tensor a = ember::ones({2}, c.tensor);
    Dtype got;
    switch (c.other) {
      case 0: got = ember::result_type(a, 2.5); break;
      case 1: got = ember::result_type(a, 2); break;
      case 2: got = ember::result_type(a, true); break;
      default: got = ember::result_type(a, ember::ones({}, c.zero_dim)); break;
    }
    INFO(ember::dtype_name(c.tensor) << " with case " << c.other << " " << ember::dtype_name(c.zero_dim));
    CHECK(got == c.result);
  }
  // Same-priority pairs: two 1-d tensors.
  for (int i = 0; i < ember::kNumDtypes; ++i)
    for (int j = 0; j < ember::kNumDtypes; ++j) {
      Dtype a = static_cast<Dtype>(i), b = static_cast<Dtype>(j);
      INFO(ember::dtype_name(a) << " + " << ember::dtype_name(b));
      CHECK(ember::result_type(ember::ones({2}, a), ember::ones({2}, b)) == ember::promote_types(a, b));
      if (a != ember::kBool || b != ember::kBool)
        CHECK((ember::ones({2}, a) + ember::ones({2}, b)).dtype() == ember::promote_types(a, b));
    }
  // The rows named in PyTorch's documentation.
  CHECK(ember::promote_types(ember::kUInt8, ember::kInt8) == ember::kInt16);
  CHECK(ember::promote_types(ember::kFloat16, ember::kBFloat16) == ember::kFloat32);
  CHECK(ember::promote_types(ember::kInt32, ember::kFloat16) == ember::kFloat16);
}

TEST_CASE("every op-table row on every narrow dtype gives PyTorch results", "[dtypes_narrow]") {
  const auto table = ops();
  // Every row of the registry has a call here, so a new row is swept too.
  for (const auto& row : ember::detail::kOps) {
    INFO("row " << row.name);
    CHECK(table.count(std::string(row.name)) == 1);
  }
  int compared = 0;
  for (const auto& c : v::op_cases()) {
    INFO(c.op << " on " << ember::dtype_name(c.dtype) << (c.torch_refuses ? " (reference in the kernel dtype)" : ""));
    const auto it = table.find(c.op);
    REQUIRE(it != table.end());
    Tensor a = make(v::input_a(c.dtype), c.dtype), b = make(v::input_b(c.dtype), c.dtype);
    if (c.kernel_refuses) {
      // PyTorch refuses the op for integers (frac, silu, mean...): ember computes a
      // narrow integer as int64, so it does whatever it does for int64.
      const Dtype k = ember::kernel_dtype(c.dtype);
      Tensor ref;
      try {
        ref = it->second(a.to(k), b.to(k));
      } catch (const ember::Error&) {
        CHECK_THROWS_AS(it->second(a, b), ember::Error);
        continue;
      }
      Tensor got = it->second(a, b);
      CHECK(got.dtype() == (ref.dtype() == k ? c.dtype : ref.dtype()));
      std::vector<double> g = values_of(got), r = values_of(ref.to(got.dtype()));
      REQUIRE(g.size() == r.size());
      for (std::size_t i = 0; i < g.size(); ++i) CHECK(same_value(g[i], r[i], 0));
      continue;
    }
    Tensor got = it->second(a, b);
    CHECK(got.dtype() == c.result);
    std::vector<double> g = values_of(got);
    REQUIRE(g.size() == c.values.size());
    for (std::size_t i = 0; i < g.size(); ++i) {
      INFO("element " << i << ": ember " << g[i] << ", PyTorch " << c.values[i]);
      CHECK(same_value(g[i], c.values[i], tolerance(c.result, c.values[i])));
    }
    ++compared;
  }
  CHECK(compared > 300);
}

TEST_CASE("int8 and uint8 arithmetic wraps around", "[dtypes_narrow]") {
  // PyTorch: torch.tensor([100, -100], dtype=int8) * 2 == [-56, 56];
  // torch.tensor([250], dtype=uint8) + 10 == [4]; torch.tensor([0], dtype=uint8) - 1 == [255].
  Tensor a = ember::tensor({100, -100}, ember::kInt8);
  CHECK((a * 2).dtype() == ember::kInt8);
  CHECK((a * 2).tolist<int64_t>() == std::vector<int64_t>{-56, 56});
  CHECK((ember::tensor({250}, ember::kUInt8) + 10).tolist<int64_t>() == std::vector<int64_t>{4});
  CHECK((ember::tensor({0}, ember::kUInt8) - 1).tolist<int64_t>() == std::vector<int64_t>{255});
  // In place into the narrow tensor too: a += 100 gives [-56, 0].
  a += 100;
  CHECK(a.tolist<int64_t>() == std::vector<int64_t>{-56, 0});
}

TEST_CASE("factories, item, tolist and data_ptr take every narrow dtype", "[dtypes_narrow]") {
  for (Dtype dt : kNarrow) {
    INFO(ember::dtype_name(dt));
    CHECK(ember::zeros({3}, dt).dtype() == dt);
    CHECK(ember::ones({2, 2}, dt).sum().item<double>() == 4);
    CHECK(ember::full({2}, 3, dt).tolist<double>() == std::vector<double>{3, 3});
    CHECK(ember::empty({4}, dt).element_size() == ember::element_size(dt));
    CHECK(ember::arange(0, 5, dt).tolist<double>() == std::vector<double>{0, 1, 2, 3, 4});
    CHECK(ember::tensor({1, 2}, dt).tolist<double>() == std::vector<double>{1, 2});
    Tensor c = ember::cat({ember::ones({2}, dt), ember::zeros({1}, dt)});
    CHECK(c.dtype() == dt);
    CHECK(c.tolist<double>() == std::vector<double>{1, 1, 0});
    Tensor s = ember::stack({ember::ones({2}, dt), ember::ones({2}, dt)});
    CHECK(s.sizes().vec() == std::vector<int64_t>{2, 2});
    CHECK(s.index({1, 0}).item<double>() == 1);
    Tensor r = ember::randint(0, 10, {50}, dt);
    CHECK(r.dtype() == dt);
    CHECK(r.min().item<double>() >= 0);
    CHECK(r.max().item<double>() < 10);
    CHECK((ember::ones({3}, dt) == ember::ones({3}, dt)).all().item<bool>());
  }
  CHECK(*ember::tensor({7}, ember::kInt32).data_ptr<int32_t>() == 7);
  CHECK(*ember::tensor({-7}, ember::kInt16).data_ptr<int16_t>() == -7);
  CHECK(*ember::tensor({-7}, ember::kInt8).data_ptr<int8_t>() == -7);
  CHECK(*ember::tensor({200}, ember::kUInt8).data_ptr<uint8_t>() == 200);
  CHECK(static_cast<float>(*ember::tensor({1.5}, ember::kHalf).data_ptr<ember::Half>()) == 1.5f);
  CHECK(static_cast<float>(*ember::tensor({1.5}, ember::kBFloat16).data_ptr<ember::BFloat16>()) == 1.5f);
  CHECK(static_cast<float>(ember::tensor({0.1}, ember::kHalf).item<ember::Half>()) == ember::Half(0.1f));
  CHECK_THROWS_AS(ember::tensor({1}, ember::kInt8).data_ptr<int32_t>(), ember::Error);
}

TEST_CASE("narrow dtypes print as PyTorch prints them", "[dtypes_narrow]") {
  // PyTorch 1.13: print(torch.tensor([1, 2], dtype=...)) for each dtype, with ember's
  // dtype suffix spelling (dtype=int32 for dtype=int32, as for float64 and int64).
  CHECK(testing::str(ember::tensor({1, 2}, ember::kInt32)) == "tensor([1, 2], dtype=int32)");
  CHECK(testing::str(ember::tensor({1, -2}, ember::kInt16)) == "tensor([ 1, -2], dtype=int16)");
  CHECK(testing::str(ember::tensor({1, -2}, ember::kInt8)) == "tensor([ 1, -2], dtype=int8)");
  CHECK(testing::str(ember::tensor({1, 255}, ember::kUInt8)) == "tensor([  1, 255], dtype=uint8)");
  CHECK(testing::str(ember::tensor({1.5, 2}, ember::kHalf)) == "tensor([1.5000, 2.0000], dtype=float16)");
  CHECK(testing::str(ember::tensor({0.1, 2}, ember::kBFloat16)) == "tensor([0.1001, 2.0000], dtype=bfloat16)");
  CHECK(std::string(ember::dtype_name(ember::kBFloat16)) == "bfloat16");
  CHECK(std::string(ember::dtype_name(ember::kByte)) == "uint8");
}

TEST_CASE("only floating narrow dtypes may require grad and half gradients flow", "[dtypes_narrow]") {
  for (Dtype dt : {ember::kInt32, ember::kInt16, ember::kInt8, ember::kUInt8}) {
    Tensor t = ember::ones({2}, dt);
    CHECK_THROWS_WITH(t.requires_grad_(true),
                      Catch::Matchers::Contains("only Tensors of floating point dtype can require gradients") &&
                          Catch::Matchers::Contains(ember::dtype_name(dt)));
  }
  // PyTorch: x = torch.tensor([1., 2., 3.], dtype=float16, requires_grad=True);
  // (x * x).sum().backward() gives x.grad == [2., 4., 6.] in float16.
  for (Dtype dt : {ember::kFloat16, ember::kBFloat16}) {
    Tensor x = ember::tensor({1.0, 2.0, 3.0}, dt).requires_grad_(true);
    Tensor y = (x * x).sum();
    CHECK(y.dtype() == dt);
    y.backward();
    REQUIRE(x.grad().defined());
    CHECK(x.grad().dtype() == dt);
    CHECK(x.grad().tolist<double>() == std::vector<double>{2, 4, 6});
  }
}

// ---- checkpoints with PyTorch (run by tests/python/dtypes_interop.py) ----

namespace {
// The values dtypes_interop.py gives each dtype: (k * 37) % 251 - 100 for the signed
// integers, (k * 37) % 251 for uint8, (k - 5.5) / 3 for the floats, k = 0..11, shape [3, 4].
Tensor interop_values(Dtype dt) {
  Tensor k = ember::arange(12, ember::kFloat64);
  Tensor v = ember::is_floating_point(dt) ? (k - 5.5) / 3 : ember::remainder(k * 37, 251);
  if (ember::is_integral(dt, false) && dt != ember::kUInt8) v = v - 100;
  return v.to(dt).reshape({3, 4});
}
std::string interop_dir() {
  const char* dir = std::getenv("EMBER_DTYPES_INTEROP_DIR");
  REQUIRE(dir != nullptr);  // set by dtypes_interop.py
  return dir;
}
}  // namespace

TEST_CASE("dtypes interop: ember reads torch.save and safetensors of every narrow dtype", "[.][dtypes_interop]") {
  const std::string dir = interop_dir();
  for (const char* file : {"/torch.pt", "/torch.safetensors"}) {
    INFO(file);
    ember::StateDict got = ember::load(dir + file);
    for (Dtype dt : kNarrow) {
      INFO(ember::dtype_name(dt));
      const Tensor& t = got.at(ember::dtype_name(dt));
      CHECK(t.dtype() == dt);
      CHECK(t.sizes().vec() == std::vector<int64_t>{3, 4});
      CHECK(values_of(t) == values_of(interop_values(dt)));
    }
    // The transposed view torch saved keeps its values.
    CHECK(values_of(got.at("int8_t")) == values_of(interop_values(ember::kInt8).t()));
  }
}

TEST_CASE("dtypes interop: ember writes every narrow dtype for torch", "[.][dtypes_interop]") {
  const std::string dir = interop_dir();
  ember::StateDict d;
  for (Dtype dt : kNarrow) d.insert(ember::dtype_name(dt), interop_values(dt));
  d.insert("int8_t", interop_values(ember::kInt8).t());
  ember::save(d, dir + "/ember.pt");
  ember::save(d, dir + "/ember.safetensors");
}
