// ember::special (torch.special) and the torch-level logit, xlogy and sinc. Expected
// values were printed by PyTorch 1.13 (/usr/bin/python3, torch.special.NAME on the same
// float64 inputs); gradients are checked by gradcheck (first and second order).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "ember/ember.hpp"
#include "helpers.hpp"

using ember::Tensor;
using testing::values;
namespace special = ember::special;

namespace {
Tensor f64(std::vector<double> v) { return ember::tensor(v, ember::kFloat64); }
void check_values(const Tensor& got, const std::vector<double>& want) {
  auto v = values(got);
  REQUIRE(v.size() == want.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    INFO(i);
    if (std::isinf(want[i])) CHECK(v[i] == want[i]);
    else CHECK(v[i] == Approx(want[i]).epsilon(1e-14).margin(1e-15));
  }
}
}  // namespace

TEST_CASE("special functions match PyTorch", "[special]") {
  Tensor x = f64({-1.5, -0.25, 0.0, 0.3, 2.0});
  Tensor p = f64({0.01, 0.2, 0.5, 0.75, 0.99});
  Tensor y = f64({0.5, 2.0, 0.0, 3.0, 1.5});
  Tensor xx = f64({0.0, 1.5, -2.0, 0.0, 3.0});
  check_values(special::ndtr(x), {0.06680720126885803, 0.4012936743170763, 0.5, 0.6179114221889527, 0.9772498680518208});
  check_values(special::sinc(x), {-0.2122065907891938, 0.9003163161571061, 1.0, 0.8583936913341398, -3.8981718325193755e-17});
  check_values(special::logit(p), {-4.59511985013459, -1.3862943611198906, 0.0, 1.0986122886681098, 4.595119850134589});
  check_values(ember::logit(f64({0.0, 0.05, 1.0}), 0.1), {-2.197224577336219, -2.197224577336219, 2.1972245773362196});
  check_values(special::entr(f64({-1.0, 0.0, 0.5, 2.0})),
               {-std::numeric_limits<double>::infinity(), 0.0, 0.34657359027997264, -1.3862943611198906});
  check_values(special::xlogy(xx, y), {0.0, 1.0397207708399179, std::numeric_limits<double>::infinity(), 0.0, 1.2163953243244932});
  check_values(special::xlog1py(xx, y), {0.0, 1.6479184330021643, -0.0, 0.0, 2.7488721956224653});
  check_values(special::expit(x), {0.18242552380635635, 0.43782349911420193, 0.5, 0.574442516811659, 0.8807970779778823});
  // xlogy(0, nan) is nan; scalar operands on either side.
  CHECK(std::isnan(ember::xlogy(f64({0.0}), f64({std::nan("")})).item<double>()));
  check_values(ember::xlogy(f64({1.0, 2.0}), 3.0), {std::log(3.0), 2 * std::log(3.0)});
  check_values(ember::xlogy(2.0, f64({3.0})), {2 * std::log(3.0)});
  // The aliases are the ops themselves.
  CHECK(testing::same(special::erfc(x), ember::erfc(x)));
  CHECK(testing::same(special::log_softmax(p, 0), ember::log_softmax(p, 0)));
}

TEST_CASE("special functions pass gradcheck, first and second order", "[special][gradcheck]") {
  using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
  Tensor x = testing::leaf({7}, -2, 2);
  Tensor unit = testing::leaf({7}, 0.1, 0.9);
  Tensor pos = testing::leaf({7}, 0.2, 3);
  std::vector<std::pair<Fn, std::vector<Tensor>>> cases{
      {[](const std::vector<Tensor>& in) { return special::ndtr(in[0]); }, {x}},
      {[](const std::vector<Tensor>& in) { return special::sinc(in[0]); }, {x}},
      {[](const std::vector<Tensor>& in) { return special::logit(in[0]); }, {unit}},
      {[](const std::vector<Tensor>& in) { return special::entr(in[0]); }, {pos}},
      {[](const std::vector<Tensor>& in) { return special::xlogy(in[0], in[1]); }, {x, pos}},
      {[](const std::vector<Tensor>& in) { return special::xlog1py(in[0], in[1]); }, {x, pos}},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    CHECK(testing::gradcheck2(cases[i].first, cases[i].second));
  }
  // At the points defined separately the gradients are PyTorch's (printed by PyTorch 1.13
  // for the same sum): d/dx xlogy(0, y) is log(y), or 0 at y = 0; d/dy is x / y (NaN
  // for 0 / 0, as in PyTorch); sinc'(0) = 0.
  Tensor a = ember::tensor(std::vector<double>{0.0, 0.0}, ember::TensorOptions(ember::kFloat64).requires_grad(true));
  Tensor b = ember::tensor(std::vector<double>{0.0, 2.0}, ember::TensorOptions(ember::kFloat64).requires_grad(true));
  (special::xlogy(a, b).sum() + special::sinc(a).sum()).backward();
  CHECK(values(a.grad()) == std::vector<double>{0, std::log(2.0)});
  CHECK(std::isnan(values(b.grad())[0]));
  CHECK(values(b.grad())[1] == 0);
}
