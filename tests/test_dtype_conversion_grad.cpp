// Ops whose result has another dtype, on inputs that require grad: they give a plain
// tensor (no grad) as PyTorch does, rather than refusing. Expected values come from
// PyTorch 1.13 (Debian's python3-torch):
//   w = torch.tensor([0.5, -1.0, 0.0], requires_grad=True); m = torch.tensor([True, False, True])
//   torch.logical_and(w, m) -> [True, False, False]; torch.logical_or(w, m) -> [True, True, True]
//   torch.logical_not(w) -> [False, False, True]; w.eq(0) -> [False, False, True]
//   w.gt(0) -> [True, False, False]; w.to(torch.bool) -> [True, True, False]
//   w.to(torch.int64) -> [0, -1, 0]; w.argmax() -> 0
//   a.data = torch.zeros(3, dtype=torch.float64) keeps a.requires_grad == True
#include "helpers.hpp"

using ember::Tensor;

namespace {
Tensor w() { return ember::tensor({0.5f, -1.0f, 0.0f}, ember::requires_grad()); }
Tensor m() { return ember::tensor({1.0, 0.0, 1.0}).to(ember::kBool); }
std::vector<int64_t> bools(const Tensor& t) {
  REQUIRE(t.dtype() == ember::kBool);
  return t.tolist<int64_t>();
}
}  // namespace

TEST_CASE("ops with a non-floating result accept inputs that require grad", "[autograd][dtype]") {
  CHECK(bools(ember::logical_and(w(), m())) == std::vector<int64_t>{1, 0, 0});
  CHECK(bools(ember::logical_or(w(), m())) == std::vector<int64_t>{1, 1, 1});
  CHECK(bools(ember::logical_not(w())) == std::vector<int64_t>{0, 0, 1});
  CHECK(bools(w().eq(0)) == std::vector<int64_t>{0, 0, 1});
  CHECK(bools(w().gt(0)) == std::vector<int64_t>{1, 0, 0});
  CHECK(w().argmax().item<int64_t>() == 0);
  CHECK_FALSE(ember::logical_and(w(), m()).requires_grad());
}

TEST_CASE("to() a non-floating dtype gives a plain tensor, a floating one keeps the graph", "[autograd][dtype]") {
  Tensor x = w();
  Tensor b = x.to(ember::kBool);
  CHECK(bools(b) == std::vector<int64_t>{1, 1, 0});
  CHECK_FALSE(b.requires_grad());
  Tensor i = x.to(ember::kInt64);
  CHECK(i.tolist<int64_t>() == std::vector<int64_t>{0, -1, 0});
  CHECK_FALSE(i.requires_grad());

  Tensor d = x.to(ember::kFloat64);
  REQUIRE(d.requires_grad());
  (d * 3).sum().backward();
  CHECK(x.grad().tolist<float>() == std::vector<float>{3, 3, 3});
}

TEST_CASE("to(options) with requires_grad set is an error, as in LibTorch", "[autograd][dtype][errors]") {
  Tensor x = ember::ones({2, 3});
  CHECK_THROWS_WITH(x.to(ember::TensorOptions().requires_grad(true)),
                    Catch::Matchers::Contains("to(options)") &&
                        Catch::Matchers::Contains("requires_grad") &&
                        Catch::Matchers::Contains("[2, 3]"));
  CHECK(x.to(ember::TensorOptions().dtype(ember::kFloat64)).dtype() == ember::kFloat64);
}

TEST_CASE("set_data points every handle at new data and keeps the autograd state", "[tensor]") {
  Tensor a = ember::ones({2}, ember::requires_grad());
  Tensor alias = a;
  a.set_data(ember::zeros({3}, ember::kFloat64));
  CHECK(alias.sizes() == std::vector<int64_t>{3});
  CHECK(alias.dtype() == ember::kFloat64);
  CHECK(alias.requires_grad());
  CHECK(alias.tolist<double>() == std::vector<double>{0, 0, 0});
  CHECK_THROWS_WITH(a.set_data(Tensor()), Catch::Matchers::Contains("set_data"));
}
