// isinf, isposinf, isneginf and isfinite (PyTorch's torch.isinf and friends) on every
// floating dtype, on integer and bool tensors and on strided views; traced in
// tests/jit/test_trace.cpp, exported and imported in tests/onnx/export_cases.cpp. The
// expected answers come from the C library's std::isinf / std::isfinite on each element
// read back as double: the independent source here.
#include <ember/ember.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "helpers.hpp"

using ember::Tensor;

namespace {

const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Finite values of every kind (zero, negative zero, tiny, huge for float32) and the three
// non-finite ones.
std::vector<double> specials() {
  return {0.0, -0.0, 1.5, -2.0, 1e-40, 3e38, -3e38, kInf, -kInf, kNaN, 7.0, -kInf};
}

// Each element's answer from the C library, on the values as the dtype stores them.
std::vector<bool> expected(const Tensor& x, const std::string& op) {
  std::vector<double> v = x.contiguous().to(ember::kFloat64).reshape({x.numel()}).tolist<double>();
  std::vector<bool> out;
  for (double d : v) {
    if (op == "isinf") out.push_back(std::isinf(d));
    if (op == "isposinf") out.push_back(std::isinf(d) && d > 0);
    if (op == "isneginf") out.push_back(std::isinf(d) && d < 0);
    if (op == "isfinite") out.push_back(std::isfinite(d));
  }
  return out;
}

Tensor apply(const std::string& op, const Tensor& x) {
  if (op == "isinf") return ember::isinf(x);
  if (op == "isposinf") return ember::isposinf(x);
  if (op == "isneginf") return ember::isneginf(x);
  return ember::isfinite(x);
}

void check_matches(const Tensor& x, const std::string& op) {
  Tensor y = apply(op, x);
  INFO(op << " on " << x.dtype() << " of shape " << x.sizes());
  REQUIRE(y.dtype() == ember::kBool);
  REQUIRE(y.sizes() == x.sizes());
  std::vector<int64_t> got = y.contiguous().to(ember::kInt64).reshape({y.numel()}).tolist<int64_t>();
  std::vector<bool> want = expected(x, op);
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK((got[i] != 0) == want[i]);
  }
}

const char* const kOps[] = {"isinf", "isposinf", "isneginf", "isfinite"};

}  // namespace

TEST_CASE("isinf, isposinf, isneginf and isfinite match the C library on every floating dtype", "[elementwise]") {
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64, ember::kFloat16, ember::kBFloat16}) {
    // float16 overflows 3e38 to inf, which the expected answers read back as such.
    Tensor x = ember::tensor(specials(), ember::kFloat64).to(dt).reshape({3, 4});
    for (const char* op : kOps) {
      check_matches(x, op);
      check_matches(x.t(), op);  // a strided view
    }
  }
}

TEST_CASE("isinf and friends treat integer and bool tensors as finite everywhere", "[elementwise]") {
  // PyTorch: torch.isinf(torch.tensor([1, 2])) is all False, torch.isfinite all True.
  for (ember::Dtype dt : {ember::kInt64, ember::kInt32, ember::kUInt8, ember::kBool}) {
    Tensor x = ember::tensor(std::vector<double>{0, 1, 1, 0, 1, 0}, ember::kFloat64).to(dt).reshape({2, 3});
    INFO(x.dtype());
    CHECK(!ember::isinf(x).any().item<bool>());
    CHECK(!ember::isposinf(x).any().item<bool>());
    CHECK(!ember::isneginf(x).any().item<bool>());
    CHECK(ember::isfinite(x).all().item<bool>());
    CHECK(ember::isfinite(x).sizes() == x.sizes());
  }
}

TEST_CASE("the Tensor methods isnan, isinf, isposinf, isneginf and isfinite equal the functions", "[elementwise]") {
  // PyTorch spells them both ways: x.isfinite().all() checks a loss or a gradient.
  Tensor x = ember::tensor(specials(), ember::kFloat64).to(ember::kFloat32);
  CHECK(ember::equal(x.isnan(), ember::isnan(x)));
  CHECK(ember::equal(x.isinf(), ember::isinf(x)));
  CHECK(ember::equal(x.isposinf(), ember::isposinf(x)));
  CHECK(ember::equal(x.isneginf(), ember::isneginf(x)));
  CHECK(ember::equal(x.isfinite(), ember::isfinite(x)));
  CHECK(!x.isfinite().all().item<bool>());
  CHECK(x.isnan().sum().item<int64_t>() == 1);
}

TEST_CASE("isinf and friends name themselves when given an undefined tensor", "[elementwise]") {
  Tensor undefined;
  for (const char* op : kOps) {
    INFO(op);
    CHECK_THROWS_WITH(apply(op, undefined), Catch::Contains(op));
  }
}
