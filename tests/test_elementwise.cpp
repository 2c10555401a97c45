// Elementwise ops: values against the C++ standard library, broadcasting, type
// promotion, in-place forms, gradcheck (first and second order) and errors.
#include <cmath>
#include <functional>

#include "helpers.hpp"

using ember::Tensor;
using testing::leaf;
using testing::values;

namespace {
struct UnaryCase {
  const char* name;
  std::function<Tensor(const Tensor&)> op;
  std::function<double(double)> ref;  // the C++ standard library's answer
  double lo, hi;                      // input range (keeps log/sqrt in their domain)
};

double sigmoid_ref(double x) { return 1 / (1 + std::exp(-x)); }

std::vector<UnaryCase> unary_cases() {
  return {
      {"neg", [](const Tensor& x) { return ember::neg(x); }, [](double x) { return -x; }, -3, 3},
      {"abs", [](const Tensor& x) { return ember::abs(x); }, [](double x) { return std::fabs(x); }, -3, 3},
      {"exp", [](const Tensor& x) { return ember::exp(x); }, [](double x) { return std::exp(x); }, -3, 3},
      {"expm1", [](const Tensor& x) { return ember::expm1(x); }, [](double x) { return std::expm1(x); }, -3, 3},
      {"log", [](const Tensor& x) { return ember::log(x); }, [](double x) { return std::log(x); }, 0.2, 4},
      {"log1p", [](const Tensor& x) { return ember::log1p(x); }, [](double x) { return std::log1p(x); }, -0.5, 4},
      {"sqrt", [](const Tensor& x) { return ember::sqrt(x); }, [](double x) { return std::sqrt(x); }, 0.2, 4},
      {"rsqrt", [](const Tensor& x) { return ember::rsqrt(x); }, [](double x) { return 1 / std::sqrt(x); }, 0.2, 4},
      {"reciprocal", [](const Tensor& x) { return ember::reciprocal(x); }, [](double x) { return 1 / x; }, 0.3, 3},
      {"square", [](const Tensor& x) { return ember::square(x); }, [](double x) { return x * x; }, -3, 3},
      {"sin", [](const Tensor& x) { return ember::sin(x); }, [](double x) { return std::sin(x); }, -3, 3},
      {"cos", [](const Tensor& x) { return ember::cos(x); }, [](double x) { return std::cos(x); }, -3, 3},
      {"tanh", [](const Tensor& x) { return ember::tanh(x); }, [](double x) { return std::tanh(x); }, -3, 3},
      {"sigmoid", [](const Tensor& x) { return ember::sigmoid(x); }, sigmoid_ref, -3, 3},
      {"relu", [](const Tensor& x) { return ember::relu(x); }, [](double x) { return x > 0 ? x : 0; }, -3, 3},
      {"gelu", [](const Tensor& x) { return ember::gelu(x); },
       [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }, -3, 3},
      {"gelu_tanh", [](const Tensor& x) { return ember::gelu(x, "tanh"); },
       [](double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }, -3, 3},
      {"silu", [](const Tensor& x) { return ember::silu(x); }, [](double x) { return x * sigmoid_ref(x); }, -3, 3},
      {"softplus", [](const Tensor& x) { return ember::softplus(x, 2, 3); },
       [](double x) { return 2 * x > 3 ? x : std::log1p(std::exp(2 * x)) / 2; }, -3, 3},
      {"erf", [](const Tensor& x) { return ember::erf(x); }, [](double x) { return std::erf(x); }, -3, 3},
      {"erfc", [](const Tensor& x) { return ember::erfc(x); }, [](double x) { return std::erfc(x); }, -3, 3},
      {"exp2", [](const Tensor& x) { return ember::exp2(x); }, [](double x) { return std::exp2(x); }, -3, 3},
      {"log2", [](const Tensor& x) { return ember::log2(x); }, [](double x) { return std::log2(x); }, 0.2, 4},
      {"log10", [](const Tensor& x) { return ember::log10(x); }, [](double x) { return std::log10(x); }, 0.2, 4},
      {"tan", [](const Tensor& x) { return ember::tan(x); }, [](double x) { return std::tan(x); }, -1.2, 1.2},
      {"asin", [](const Tensor& x) { return ember::asin(x); }, [](double x) { return std::asin(x); }, -0.9, 0.9},
      {"acos", [](const Tensor& x) { return ember::acos(x); }, [](double x) { return std::acos(x); }, -0.9, 0.9},
      {"atan", [](const Tensor& x) { return ember::atan(x); }, [](double x) { return std::atan(x); }, -3, 3},
      {"sinh", [](const Tensor& x) { return ember::sinh(x); }, [](double x) { return std::sinh(x); }, -3, 3},
      {"cosh", [](const Tensor& x) { return ember::cosh(x); }, [](double x) { return std::cosh(x); }, -3, 3},
      {"asinh", [](const Tensor& x) { return ember::asinh(x); }, [](double x) { return std::asinh(x); }, -3, 3},
      {"acosh", [](const Tensor& x) { return ember::acosh(x); }, [](double x) { return std::acosh(x); }, 1.2, 4},
      {"atanh", [](const Tensor& x) { return ember::atanh(x); }, [](double x) { return std::atanh(x); }, -0.9, 0.9},
      {"leaky_relu", [](const Tensor& x) { return ember::leaky_relu(x, 0.1); },
       [](double x) { return x > 0 ? x : 0.1 * x; }, -3, 3},
      {"elu", [](const Tensor& x) { return ember::elu(x, 0.7); },
       [](double x) { return x > 0 ? x : 0.7 * std::expm1(x); }, -3, 3},
      {"clamp", [](const Tensor& x) { return ember::clamp(x, -1.0, 0.5); },
       [](double x) { return x < -1 ? -1 : x > 0.5 ? 0.5 : x; }, -3, 3},
      {"pow_scalar", [](const Tensor& x) { return ember::pow(x, 2.5); }, [](double x) { return std::pow(x, 2.5); }, 0.2,
       3},
  };
}
}  // namespace

TEST_CASE("unary ops match the standard library in float32 and float64", "[elementwise]") {
  for (const auto& c : unary_cases()) {
    INFO(c.name);
    for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64}) {
      // 1000 elements: exercises the SIMD body and the tail.
      Tensor x = (ember::rand({1000}, ember::kFloat64) * (c.hi - c.lo) + c.lo).to(dt);
      Tensor y = c.op(x);
      REQUIRE(y.dtype() == dt);
      REQUIRE(y.sizes().equals(x.sizes()));
      auto xs = values(x), ys = values(y);
      double tol = dt == ember::kFloat32 ? 2e-6 : 1e-13;
      for (std::size_t i = 0; i < xs.size(); ++i) {
        double want = c.ref(xs[i]);
        REQUIRE(std::fabs(ys[i] - want) <= tol * (1 + std::fabs(want)));
      }
    }
  }
}

TEST_CASE("unary ops pass gradcheck, first and second order, contiguous and strided", "[elementwise][gradcheck]") {
  for (const auto& c : unary_cases()) {
    INFO(c.name);
    auto fn = [&](const std::vector<Tensor>& in) { return c.op(in[0]); };
    CHECK(ember::autograd::gradcheck(fn, {leaf({3, 4}, c.lo, c.hi)}, testing::second_order()));
    CHECK(ember::autograd::gradcheck(fn, {testing::transposed_leaf(3, 2, c.lo, c.hi)}));
    CHECK(ember::autograd::gradcheck(fn, {leaf({0, 3}, c.lo, c.hi)}));
  }
}

TEST_CASE("floor ceil round trunc and frac match PyTorch", "[elementwise]") {
  // Expected values: torch.floor/ceil/round/trunc/frac of the same float64 tensor,
  // printed by PyTorch 1.13. round is half to even; negative zeros compare equal.
  std::vector<double> in{-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -1.7, 1.2, 3.75};
  std::vector<std::pair<const char*, std::vector<double>>> want{
      {"floor", {-3, -2, -1, 0, 1, 2, -2, 1, 3}},
      {"ceil", {-2, -1, 0, 1, 2, 3, -1, 2, 4}},
      {"round", {-2, -2, 0, 0, 2, 2, -2, 1, 4}},
      {"trunc", {-2, -1, 0, 0, 1, 2, -1, 1, 3}},
      {"frac", {-0.5, -0.5, -0.5, 0.5, 0.5, 0.5, -0.7, 0.19999999999999996, 0.75}},
  };
  for (ember::Dtype dt : {ember::kFloat64, ember::kFloat32}) {
    Tensor x = ember::tensor(in, ember::kFloat64).to(dt);
    std::vector<Tensor> got{ember::floor(x), x.ceil(), ember::round(x), x.trunc(), ember::frac(x)};
    for (std::size_t i = 0; i < want.size(); ++i) {
      INFO(want[i].first << " " << dt);
      REQUIRE(got[i].dtype() == dt);
      auto v = values(got[i]);
      for (std::size_t j = 0; j < in.size(); ++j) REQUIRE(v[j] == Approx(want[i].second[j]).margin(1e-6));
    }
  }
  // In place, through the table's MethodInPlace rows.
  Tensor y = ember::tensor(std::vector<double>{0.5, 1.5, -2.5});
  y.round_();
  CHECK(values(y) == std::vector<double>{0, 2, -2});
  // Integers are already whole: same values, int64 kept (torch.floor(int64) is int64).
  Tensor i = ember::tensor(std::vector<int64_t>{-3, 0, 7});
  for (const Tensor& r : {ember::floor(i), ember::ceil(i), ember::round(i), ember::trunc(i)}) {
    CHECK(r.dtype() == ember::kInt64);
    CHECK(values(r) == std::vector<double>{-3, 0, 7});
  }
  // frac of an integer computes in the default float dtype, as every FloatOnly row.
  CHECK(ember::frac(i).dtype() == ember::get_default_dtype());
  CHECK(values(ember::frac(i)) == std::vector<double>{0, 0, 0});
  // Gradients: zero for the steps, one for frac, as PyTorch's formulas.
  Tensor x = ember::tensor(in, ember::TensorOptions(ember::kFloat64).requires_grad(true));
  (ember::floor(x) + ember::ceil(x) + ember::round(x) + ember::trunc(x) + ember::frac(x) * 2).sum().backward();
  CHECK(values(x.grad()) == std::vector<double>(in.size(), 2.0));
}

TEST_CASE("binary ops broadcast and match hand computation", "[elementwise]") {
  Tensor a = ember::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  Tensor b = ember::tensor({10.0, 20.0, 30.0});
  REQUIRE(values(a + b) == std::vector<double>{11, 22, 33, 14, 25, 36});
  REQUIRE(values(a - b) == std::vector<double>{-9, -18, -27, -6, -15, -24});
  REQUIRE(values(a * b) == std::vector<double>{10, 40, 90, 40, 100, 180});
  REQUIRE(values(ember::add(a, b, 2)) == std::vector<double>{21, 42, 63, 24, 45, 66});
  REQUIRE(values(ember::sub(a, b, 0.5)) == std::vector<double>{-4, -8, -12, -1, -5, -9});
  Tensor col = ember::tensor({{2.0}, {4.0}});
  REQUIRE(values(a / col) == std::vector<double>{0.5, 1, 1.5, 1, 1.25, 1.5});
  REQUIRE(values(ember::maximum(a, ember::tensor({2.0, 2.0, 7.0}))) == std::vector<double>{2, 2, 7, 4, 5, 7});
  REQUIRE(values(ember::minimum(a, ember::tensor({2.0, 2.0, 7.0}))) == std::vector<double>{1, 2, 3, 2, 2, 6});
  REQUIRE(values(ember::pow(col, ember::tensor({1.0, 2.0}))) == std::vector<double>{2, 4, 4, 16});
  // scalars on either side
  REQUIRE(values(2 - a) == std::vector<double>{1, 0, -1, -2, -3, -4});
  REQUIRE(values(a * 2) == std::vector<double>{2, 4, 6, 8, 10, 12});
  auto q = values(12 / a);
  std::vector<double> q_want{12, 6, 4, 3, 2.4, 2};
  for (std::size_t k = 0; k < q.size(); ++k) REQUIRE(q[k] == Approx(q_want[k]).epsilon(1e-6));
  auto p2 = values(ember::pow(2.0, b.to(ember::kFloat64) / 10));
  for (std::size_t k = 0; k < 3; ++k) REQUIRE(p2[k] == Approx(std::pow(2.0, k + 1.0)).epsilon(1e-12));
  REQUIRE(values(-a) == std::vector<double>{-1, -2, -3, -4, -5, -6});
  // broadcasting both ways: [2,1] with [3] gives [2,3]
  REQUIRE((col + b).sizes().equals({2, 3}));
  // where
  Tensor cond = ember::tensor({true, false, true});
  REQUIRE(values(ember::where(cond, a, b)) == std::vector<double>{1, 20, 3, 4, 20, 6});
}

TEST_CASE("large strided and broadcast binary ops agree with a scalar loop", "[elementwise]") {
  Tensor a = ember::randn({257, 129});
  Tensor b = ember::randn({129});
  Tensor at = ember::detail::make_view(ember::randn({129, 257}), {257, 129}, {1, 257}, 0);
  for (const Tensor& x : {a, at}) {
    Tensor y = x * b + 1;
    auto xs = values(x), bs = values(b), ys = values(y);
    for (int64_t i = 0; i < 257; ++i)
      for (int64_t j = 0; j < 129; ++j) {
        std::size_t k = static_cast<std::size_t>(i * 129 + j);
        REQUIRE(ys[k] == Approx(xs[k] * bs[static_cast<std::size_t>(j)] + 1).epsilon(1e-6).margin(1e-6));
      }
  }
}

TEST_CASE("type promotion follows PyTorch", "[elementwise]") {
  Tensor i = ember::tensor({1, 2, 3});
  Tensor f = ember::tensor({1.0, 2.0, 3.0});
  Tensor d = ember::tensor({1.0, 2.0, 3.0}, ember::kFloat64);
  REQUIRE(i.dtype() == ember::kInt64);
  REQUIRE(f.dtype() == ember::kFloat32);
  REQUIRE((i + i).dtype() == ember::kInt64);
  REQUIRE((i * 2).dtype() == ember::kInt64);
  REQUIRE((i * 2.5).dtype() == ember::kFloat32);
  REQUIRE((i / i).dtype() == ember::kFloat32);  // true division
  REQUIRE((i + f).dtype() == ember::kFloat32);
  REQUIRE((f + d).dtype() == ember::kFloat64);
  // a 0-dim tensor does not promote a dimensioned one within the same category
  REQUIRE((f + ember::scalar_tensor(2.0, ember::kFloat64)).dtype() == ember::kFloat32);
  // ... but does across categories
  REQUIRE((i + ember::scalar_tensor(2.0, ember::kFloat64)).dtype() == ember::kFloat64);
  REQUIRE(ember::exp(i).dtype() == ember::kFloat32);
  REQUIRE(ember::abs(i).dtype() == ember::kInt64);
  REQUIRE(values(i * 3) == std::vector<double>{3, 6, 9});
  REQUIRE(values(ember::pow(i, 2)) == std::vector<double>{1, 4, 9});
  REQUIRE((i == 2).dtype() == ember::kBool);
  REQUIRE(values(i > 1) == std::vector<double>{0, 1, 1});
  REQUIRE(values(f <= ember::tensor({0.5, 2.0, 9.0})) == std::vector<double>{0, 1, 1});
}

TEST_CASE("in-place ops write through views and bump the version", "[elementwise]") {
  Tensor a = ember::zeros({2, 3});
  uint32_t v0 = a._version();
  a.add_(ember::tensor({1.0, 2.0, 3.0}));
  a.mul_(2);
  a.sub_(1);
  a.div_(ember::tensor({{1.0}, {2.0}}));
  REQUIRE(values(a) == std::vector<double>{1, 3, 5, 0.5, 1.5, 2.5});
  REQUIRE(a._version() == v0 + 4);
  a.clamp_(1, 3);
  REQUIRE(values(a) == std::vector<double>{1, 3, 3, 1, 1.5, 2.5});
  a.fill_(7);
  REQUIRE(values(a) == std::vector<double>(6, 7));
  a.zero_();
  REQUIRE(values(a) == std::vector<double>(6, 0));
  Tensor row = ember::detail::make_view(a, {3}, {1}, 3);  // a[1]
  row.copy_(ember::tensor({4.0, 5.0, 6.0}));
  REQUIRE(values(a) == std::vector<double>{0, 0, 0, 4, 5, 6});
  a += 1;
  a -= ember::ones({3});
  a *= 3;
  a /= 3;
  REQUIRE(values(a) == std::vector<double>{0, 0, 0, 4, 5, 6});
  Tensor e = ember::tensor({0.0, 1.0});
  e.exp_();
  REQUIRE(values(e)[1] == Approx(std::exp(1.0)));
}

TEST_CASE("in-place ops inside autograd keep gradients right", "[elementwise][autograd]") {
  Tensor x = leaf({4});
  Tensor w = leaf({4});
  auto fn = [](const std::vector<Tensor>& in) {
    Tensor y = in[0] * 2;  // non-leaf
    y.mul_(in[1]);
    y.add_(in[0], 3);
    y.tanh_();
    return y;
  };
  REQUIRE(ember::autograd::gradcheck(fn, {x, w}));
}

TEST_CASE("binary ops pass gradcheck with broadcasting, second order", "[elementwise][gradcheck]") {
  using F = std::function<Tensor(const Tensor&, const Tensor&)>;
  std::vector<std::pair<const char*, F>> ops = {
      {"add", [](const Tensor& a, const Tensor& b) { return ember::add(a, b, 0.5); }},
      {"sub", [](const Tensor& a, const Tensor& b) { return ember::sub(a, b, 2); }},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b; }},
      {"div", [](const Tensor& a, const Tensor& b) { return a / b; }},
      {"pow", [](const Tensor& a, const Tensor& b) { return ember::pow(a, b); }},
      {"maximum", [](const Tensor& a, const Tensor& b) { return ember::maximum(a, b); }},
      {"minimum", [](const Tensor& a, const Tensor& b) { return ember::minimum(a, b); }},
      {"where", [](const Tensor& a, const Tensor& b) { return ember::where(a > 1, a, b); }},
  };
  for (auto& [name, op] : ops) {
    INFO(name);
    auto fn = [&](const std::vector<Tensor>& in) { return op(in[0], in[1]); };
    CHECK(ember::autograd::gradcheck(fn, {leaf({2, 3}, 0.5, 2), leaf({3}, 0.5, 2)}, testing::second_order()));
    CHECK(ember::autograd::gradcheck(fn, {leaf({2, 1}, 0.5, 2), testing::transposed_leaf(2, 3, 0.5, 2)}));
    CHECK(ember::autograd::gradcheck(fn, {leaf({0, 3}, 0.5, 2), leaf({1, 3}, 0.5, 2)}));
  }
  auto scalar_ops = [](const std::vector<Tensor>& in) { return (2 - in[0]) * 3 / 4 + 1 - ember::pow(2.0, in[0]); };
  CHECK(ember::autograd::gradcheck(scalar_ops, {leaf({5})}, testing::second_order()));
}

TEST_CASE("maximum splits the gradient on ties as PyTorch does", "[elementwise][autograd]") {
  Tensor a = ember::tensor({1.0, 2.0, 3.0}, ember::requires_grad());
  Tensor b = ember::tensor({1.0, 5.0, 0.0}, ember::requires_grad());
  ember::maximum(a, b).backward(ember::ones({3}));
  REQUIRE(values(a.grad()) == std::vector<double>{0.5, 0, 1});
  REQUIRE(values(b.grad()) == std::vector<double>{0.5, 1, 0});
}

// torch.maximum / minimum / clamp propagate a NaN from either side. 37 elements: the SIMD
// body of every instruction set (this case runs once per set) and a scalar tail.
TEST_CASE("maximum, minimum and clamp propagate NaN in the SIMD loops too", "[elementwise]") {
  const double nan = std::nan("");
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64}) {
    INFO(ember::dtype_name(dt));
    std::vector<double> a(37), b(37);
    for (int i = 0; i < 37; ++i) {
      a[i] = i % 3 == 0 ? nan : i;
      b[i] = i % 5 == 0 ? nan : 20 - i;
    }
    Tensor ta = ember::tensor(a).to(dt), tb = ember::tensor(b).to(dt);
    std::vector<double> mx = values(ember::maximum(ta, tb)), mn = values(ember::minimum(ta, tb));
    std::vector<double> cl = values(ember::clamp(ta, -1.0, 10.0));
    for (int i = 0; i < 37; ++i) {
      INFO("element " << i);
      const bool any_nan = std::isnan(a[i]) || std::isnan(b[i]);
      CHECK(std::isnan(mx[i]) == any_nan);
      CHECK(std::isnan(mn[i]) == any_nan);
      if (!any_nan) {
        CHECK(mx[i] == std::max(a[i], b[i]));
        CHECK(mn[i] == std::min(a[i], b[i]));
      }
      CHECK(std::isnan(cl[i]) == std::isnan(a[i]));
    }
  }
}

TEST_CASE("elementwise errors name the op and the shapes", "[elementwise][errors]") {
  Tensor a = ember::ones({2, 3});
  REQUIRE_THROWS_AS(a + ember::ones({4}), ember::Error);
  REQUIRE_THROWS_WITH(a + ember::ones({4}), Catch::Contains("add") && Catch::Contains("[2, 3]") &&
                                                   Catch::Contains("[4]"));
  REQUIRE_THROWS_WITH(a * ember::ones({2, 2}), Catch::Contains("mul") && Catch::Contains("[2, 2]"));
  REQUIRE_THROWS_WITH(ember::where(ember::ones({2}), a, a), Catch::Contains("where") && Catch::Contains("bool"));
  REQUIRE_THROWS_WITH(ember::exp(Tensor()), Catch::Contains("undefined"));
  REQUIRE_THROWS_WITH(a + Tensor(), Catch::Contains("add") && Catch::Contains("undefined"));
  Tensor small = ember::ones({3});
  REQUIRE_THROWS_WITH(small.add_(a), Catch::Contains("add_") && Catch::Contains("[2, 3]") && Catch::Contains("[3]"));
  Tensor ints = ember::tensor({1, 2});
  REQUIRE_THROWS_WITH(ints.mul_(1.5), Catch::Contains("mul_") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(ember::clamp(a, std::nullopt, std::nullopt), Catch::Contains("clamp"));
  REQUIRE_THROWS_WITH(ember::gelu(a, "fast"), Catch::Contains("gelu") && Catch::Contains("fast"));
}
