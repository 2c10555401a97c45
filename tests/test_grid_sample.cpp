// F::affine_grid and F::grid_sample against PyTorch 1.13: outputs and the gradients of
// sum(out * w) with respect to the input and the grid, for every mode, padding mode and
// align_corners (tests/grid_sample_values.hpp, printed by
// tests/python/grid_sample_values.py from the same inputs), plus gradcheck and errors.
#include <catch2/catch.hpp>

#include <vector>

#include "ember/ember.hpp"
#include "grid_sample_values.hpp"
#include "helpers.hpp"

using Catch::Matchers::Contains;
using ember::Tensor;
using testing::error_of;
using testing::values;
namespace F = ember::nn::functional;
namespace gv = grid_sample_values;

namespace {
// ((arange(n) % m) - offset) as float64 of the given shape, as the Python script.
Tensor pattern(int64_t n, int64_t m, double offset, std::vector<int64_t> shape) {
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(static_cast<double>(i % m) - offset);
  return ember::tensor(v, ember::kFloat64).view(shape);
}
void check_close(const Tensor& got, const std::vector<double>& want) {
  auto v = values(got);
  REQUIRE(v.size() == want.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    INFO(i);
    CHECK(v[i] == Approx(want[i]).margin(1e-12));
  }
}
}  // namespace

TEST_CASE("grid_sample matches PyTorch for every mode and padding, values and gradients", "[grid_sample]") {
  for (const auto& c : gv::cases4()) {
    INFO(c.mode << " " << c.padding << " align_corners " << c.align);
    Tensor x = (pattern(48, 7, 3, {2, 2, 3, 4}) * 0.5).requires_grad_(true);
    Tensor grid = (pattern(24, 11, 5, {2, 2, 3, 2}) * 0.27).requires_grad_(true);
    Tensor out = F::grid_sample(x, grid, F::GridSampleFuncOptions().mode(c.mode).padding_mode(c.padding).align_corners(c.align));
    REQUIRE(out.sizes() == ember::IntArrayRef({2, 2, 2, 3}));
    check_close(out, c.out);
    Tensor w = pattern(out.numel(), 3, 1, out.sizes().vec());
    (out * w).sum().backward();
    check_close(x.grad(), c.grad_input);
    check_close(grid.grad(), c.grad_grid);
  }
}

TEST_CASE("grid_sample on 5-D inputs and affine_grid match PyTorch", "[grid_sample]") {
  Tensor x5 = pattern(24, 5, 2, {1, 2, 2, 3, 2});
  Tensor grid5 = pattern(12, 7, 3, {1, 2, 2, 1, 3}) * 0.4;
  check_close(F::grid_sample(x5, grid5), gv::out5_bilinear());
  check_close(F::grid_sample(x5, grid5, F::GridSampleFuncOptions().mode(ember::kNearest)), gv::out5_nearest());
  Tensor theta = pattern(12, 5, 2, {2, 2, 3}) * 0.3;
  Tensor theta5 = pattern(12, 7, 3, {1, 3, 4}) * 0.2;
  Tensor g = F::affine_grid(theta, {2, 1, 3, 4});
  CHECK(g.sizes() == ember::IntArrayRef({2, 3, 4, 2}));
  check_close(g, gv::affine4_false());
  check_close(F::affine_grid(theta, {2, 1, 3, 4}, true), gv::affine4_true());
  Tensor g5 = F::affine_grid(theta5, {1, 1, 2, 3, 2});
  CHECK(g5.sizes() == ember::IntArrayRef({1, 2, 3, 2, 3}));
  check_close(g5, gv::affine5_false());
  check_close(F::affine_grid(theta5, {1, 1, 2, 3, 2}, true), gv::affine5_true());
}

TEST_CASE("grid_sample and affine_grid pass gradcheck", "[grid_sample][gradcheck]") {
  // Grid points away from integer pixel positions, where the bilinear weights have kinks.
  Tensor x = testing::leaf({1, 2, 3, 3});
  Tensor grid = (pattern(8, 8, 3.5, {1, 2, 2, 2}) * 0.23 + 0.031).requires_grad_(true);
  for (const char* padding : {"zeros", "border", "reflection"}) {
    INFO(padding);
    CHECK(testing::gradcheck2(
        [&](const std::vector<Tensor>& in) {
          return F::grid_sample(in[0], in[1], F::GridSampleFuncOptions().padding_mode(padding));
        },
        {x, grid}));
  }
  Tensor theta = testing::leaf({2, 2, 3});
  CHECK(testing::gradcheck2([](const std::vector<Tensor>& in) { return F::affine_grid(in[0], {2, 3, 4, 5}); }, {theta}));
  // The spatial transformer: sampling through an affine grid, gradients to theta.
  Tensor small_theta = (testing::leaf({1, 2, 3}, -0.4, 0.4).detach() + ember::tensor({{{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}}}, ember::kFloat64)).requires_grad_(true);
  CHECK(testing::gradcheck2(
      [&](const std::vector<Tensor>& in) { return F::grid_sample(in[0], F::affine_grid(in[1], {1, 2, 3, 3})); },
      {x, small_theta}));
}

TEST_CASE("grid_sample and affine_grid errors name the op and the shapes", "[grid_sample]") {
  Tensor x = ember::zeros({1, 2, 3, 4}, ember::kFloat64);
  Tensor grid = ember::zeros({1, 2, 2, 2}, ember::kFloat64);
  CHECK_THAT(error_of([&] { F::grid_sample(x, ember::zeros({1, 2, 2, 3}, ember::kFloat64)); }),
             Contains("grid_sample") && Contains("[1, 2, 3, 4]") && Contains("[1, 2, 2, 3]"));
  CHECK_THAT(error_of([&] { F::grid_sample(x, grid, F::GridSampleFuncOptions().mode("bicubic")); }),
             Contains("grid_sample") && Contains("bicubic"));
  CHECK_THAT(error_of([&] { F::grid_sample(x, grid, F::GridSampleFuncOptions().padding_mode("wrap")); }),
             Contains("padding_mode") && Contains("wrap"));
  CHECK_THAT(error_of([&] { F::grid_sample(x, grid.to(ember::kFloat32)); }), Contains("float64") && Contains("float32"));
  CHECK_THAT(error_of([&] { F::grid_sample(ember::zeros({2, 3}), grid); }), Contains("4-D or 5-D") && Contains("[2, 3]"));
  CHECK_THAT(error_of([&] { F::affine_grid(ember::zeros({1, 2, 3}), {1, 1, 2, 2, 2}); }),
             Contains("affine_grid") && Contains("[1, 3, 4]") && Contains("[1, 2, 3]"));
  CHECK_THAT(error_of([&] { F::affine_grid(ember::zeros({1, 2, 3}), {1, 2}); }), Contains("affine_grid") && Contains("[1, 2]"));
}
