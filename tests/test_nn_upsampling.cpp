// F::interpolate and the upsampling modules of ember/nn/upsampling.hpp: values against
// PyTorch, float64 gradcheck of every mode, PyTorch's reprs and argument errors.
// Expected values were printed by PyTorch 1.13 (/usr/bin/python3 with torch,
// torch.nn.functional.interpolate on the same inputs); the reference cases
// (scripts/reference/specs.jsonl, op interpolate) also compare gradients.
#include <cmath>
#include <sstream>

#include "helpers.hpp"

using Catch::Matchers::Contains;
using ember::Tensor;
using testing::error_of;
using testing::values;
namespace nn = ember::nn;
namespace F = ember::nn::functional;
using testing::repr;

namespace {

// x1 = arange(5)^2 as [1, 1, 5]; x2 = arange(12)^2 * 0.5 as [1, 1, 3, 4];
// x3 = arange(8)^2 as [1, 1, 2, 2, 2] (float64, as in the Python that made the values).
Tensor squares(const std::vector<int64_t>& shape, double factor) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  Tensor a = ember::arange(n, ember::TensorOptions(ember::kFloat64));
  return (a * a * factor).reshape(shape);
}

void check_values(const Tensor& got, std::vector<int64_t> shape, const std::vector<double>& want) {
  REQUIRE(got.sizes().vec() == shape);
  const std::vector<double> v = values(got);
  REQUIRE(v.size() == want.size());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == Approx(want[i]).margin(1e-9));
}
}  // namespace

TEST_CASE("interpolate: nearest values match PyTorch", "[upsampling]") {
  const Tensor x1 = squares({1, 1, 5}, 1.0);
  const Tensor x2 = squares({1, 1, 3, 4}, 0.5);
  const Tensor x3 = squares({1, 1, 2, 2, 2}, 1.0);
  check_values(F::interpolate(x1, F::InterpolateFuncOptions().size({7})), {1, 1, 7}, {0, 0, 1, 4, 4, 9, 16});
  // scale_factor 1.7 is used as given (source = floor(dst / 1.7)) ...
  check_values(F::interpolate(x1, F::InterpolateFuncOptions().scale_factor({1.7})), {1, 1, 8},
               {0, 0, 1, 1, 4, 4, 9, 16});
  // ... unless recompute_scale_factor, which uses in/out = 5/8.
  check_values(F::interpolate(x1, F::InterpolateFuncOptions().scale_factor({1.7}).recompute_scale_factor(true)),
               {1, 1, 8}, {0, 0, 1, 1, 4, 9, 9, 16});
  check_values(F::interpolate(x2, F::InterpolateFuncOptions().size({5, 3}).mode(ember::kNearest)), {1, 1, 5, 3},
               {0.0, 0.5, 2.0, 0.0, 0.5, 2.0, 8.0, 12.5, 18.0, 8.0, 12.5, 18.0, 32.0, 40.5, 50.0});
  check_values(F::interpolate(x2, F::InterpolateFuncOptions().size({5, 3}).mode(ember::kNearestExact)), {1, 1, 5, 3},
               {0.0, 2.0, 4.5, 0.0, 2.0, 4.5, 8.0, 18.0, 24.5, 32.0, 50.0, 60.5, 32.0, 50.0, 60.5});
  const Tensor y3 = F::interpolate(x3, F::InterpolateFuncOptions().scale_factor({2, 2, 2}));
  check_values(y3, {1, 1, 4, 4, 4},
               {0,  0,  1,  1,  0,  0,  1,  1,  4,  4,  9,  9,  4,  4,  9,  9,  0,  0,  1,  1,  0,  0,
                1,  1,  4,  4,  9,  9,  4,  4,  9,  9,  16, 16, 25, 25, 16, 16, 25, 25, 36, 36, 49, 49,
                36, 36, 49, 49, 16, 16, 25, 25, 16, 16, 25, 25, 36, 36, 49, 49, 36, 36, 49, 49});
}

TEST_CASE("interpolate: linear, bilinear, bicubic and trilinear values match PyTorch", "[upsampling]") {
  const Tensor x1 = squares({1, 1, 5}, 1.0);
  const Tensor x2 = squares({1, 1, 3, 4}, 0.5);
  const Tensor x3 = squares({1, 1, 2, 2, 2}, 1.0);
  using O = F::InterpolateFuncOptions;
  check_values(F::interpolate(x1, O().size({8}).mode(ember::kLinear).align_corners(false)), {1, 1, 8},
               {0.0, 0.4375, 1.1875, 3.0625, 5.5625, 8.6875, 12.9375, 16.0});
  check_values(F::interpolate(x1, O().size({8}).mode(ember::kLinear).align_corners(true)), {1, 1, 8},
               {0.0, 0.5714285714, 1.4285714286, 3.1428571429, 5.4285714286, 8.2857142857, 12.0, 16.0});
  // align_corners unset means false.
  check_values(F::interpolate(x1, O().scale_factor({1.5}).mode(ember::kLinear)), {1, 1, 7},
               {0.0, 0.5, 1.5, 3.5, 6.5, 10.1666666667, 14.8333333333});
  check_values(F::interpolate(x2, O().size({4, 6}).mode(ember::kBilinear).align_corners(false)), {1, 1, 4, 6},
               {0.0,  0.25,  0.75,          1.75,          3.25, 4.5,  5.0,  6.5,           8.6666666667,
                11.3333333333, 14.5, 17.0, 17.0, 20.0,  24.1666666667, 28.8333333333, 34.0, 38.0,
                32.0, 36.25, 42.0833333333, 48.4166666667, 55.25, 60.5});
  check_values(F::interpolate(x2, O().size({2, 7}).mode(ember::kBilinear).align_corners(true)), {1, 1, 2, 7},
               {0.0, 0.25, 0.5, 1.25, 2.0, 3.25, 4.5, 32.0, 36.25, 40.5, 45.25, 50.0, 55.25, 60.5});
  check_values(F::interpolate(x2, O().scale_factor({2, 0.5}).mode(ember::kBilinear).align_corners(false)),
               {1, 1, 6, 2}, {0.25, 3.25, 2.75, 7.75, 7.75, 16.75, 16.75, 29.75, 29.75, 46.75, 36.25, 55.25});
  check_values(F::interpolate(x2, O().size({4, 5}).mode(ember::kBicubic).align_corners(false)), {1, 1, 4, 5},
               {-0.5871518555, -0.5544458008, 0.0576171875,  1.6026801758,  3.1988862305,
                2.321355957,   3.9698588867,  6.7216796875,  10.4065004883, 13.618503418,
                17.139706543,  21.3142036133, 27.4111328125, 34.4410620117, 40.179059082,
                33.1888393555, 38.9791333008, 47.2158203125, 56.3855073242, 63.7393012695});
  check_values(F::interpolate(x3, O().size({3, 3, 2}).mode(ember::kTrilinear).align_corners(false)), {1, 1, 3, 3, 2},
               {0, 1, 2, 5, 4, 9, 8, 13, 14, 21, 20, 29, 16, 25, 26, 37, 36, 49});
}

TEST_CASE("interpolate: float32 keeps its dtype", "[upsampling]") {
  const Tensor x = squares({1, 1, 5}, 1.0).to(ember::kFloat32);
  const Tensor y = F::interpolate(x, F::InterpolateFuncOptions().size({8}).mode(ember::kLinear).align_corners(false));
  CHECK(y.dtype() == ember::kFloat32);
  check_values(y, {1, 1, 8}, {0.0, 0.4375, 1.1875, 3.0625, 5.5625, 8.6875, 12.9375, 16.0});
}

TEST_CASE("interpolate: gradcheck of every mode (float64)", "[upsampling]") {
  using O = F::InterpolateFuncOptions;
  struct Case {
    const char* name;
    std::vector<int64_t> shape;
    O options;
  };
  const std::vector<Case> cases = {
      {"nearest 1d", {2, 1, 4}, O().scale_factor({1.7})},
      {"nearest 2d", {1, 2, 3, 3}, O().size({5, 2})},
      {"nearest 3d", {1, 1, 2, 3, 2}, O().scale_factor({2, 1.5, 1})},
      {"nearest-exact 2d", {1, 1, 3, 4}, O().size({5, 3}).mode(ember::kNearestExact)},
      {"linear", {2, 1, 4}, O().size({7}).mode(ember::kLinear).align_corners(false)},
      {"linear ac", {2, 1, 4}, O().size({7}).mode(ember::kLinear).align_corners(true)},
      {"bilinear", {1, 2, 3, 3}, O().scale_factor({1.5, 2}).mode(ember::kBilinear).align_corners(false)},
      {"bilinear ac", {1, 1, 3, 3}, O().size({4, 2}).mode(ember::kBilinear).align_corners(true)},
      {"bicubic", {1, 1, 3, 4}, O().size({5, 3}).mode(ember::kBicubic).align_corners(false)},
      {"trilinear", {1, 1, 2, 2, 3}, O().size({3, 3, 2}).mode(ember::kTrilinear).align_corners(true)},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    Tensor x = testing::leaf(c.shape);
    const O options = c.options;
    CHECK(ember::autograd::gradcheck([options](const std::vector<Tensor>& in) { return F::interpolate(in[0], options); },
                                     {x}));
  }
}

TEST_CASE("Upsample modules: forward is interpolate, repr is PyTorch's", "[upsampling]") {
  // Reprs printed by PyTorch 1.13's nn.Upsample / UpsamplingNearest2d / UpsamplingBilinear2d.
  nn::Upsample near(nn::UpsampleOptions().scale_factor({2.0}).mode(ember::kNearest));
  CHECK(repr(near) == "Upsample(scale_factor=2.0, mode=nearest)");
  nn::Upsample bil(nn::UpsampleOptions().size({4, 6}).mode(ember::kBilinear).align_corners(false));
  CHECK(repr(bil) == "Upsample(size=(4, 6), mode=bilinear)");
  CHECK(repr(nn::Upsample(nn::UpsampleOptions().scale_factor({2, 3}).mode(ember::kBilinear))) ==
        "Upsample(scale_factor=(2.0, 3.0), mode=bilinear)");
  CHECK(repr(nn::UpsamplingNearest2d(nn::UpsamplingNearest2dOptions().scale_factor({2, 2}))) ==
        "UpsamplingNearest2d(scale_factor=(2.0, 2.0), mode=nearest)");
  CHECK(repr(nn::UpsamplingBilinear2d(nn::UpsamplingBilinear2dOptions().size({5, 5}))) ==
        "UpsamplingBilinear2d(size=(5, 5), mode=bilinear)");

  const Tensor x2 = squares({1, 1, 3, 4}, 0.5);
  const Tensor want = F::interpolate(x2, F::InterpolateFuncOptions().size({4, 6}).mode(ember::kBilinear).align_corners(false));
  CHECK(ember::allclose(bil->forward(x2), want, 0, 0));
  const Tensor want_ac =
      F::interpolate(x2, F::InterpolateFuncOptions().size({5, 5}).mode(ember::kBilinear).align_corners(true));
  CHECK(ember::allclose(nn::UpsamplingBilinear2d(nn::UpsamplingBilinear2dOptions().size({5, 5}))->forward(x2), want_ac, 0, 0));
  CHECK(nn::UpsamplingNearest2d(nn::UpsamplingNearest2dOptions().scale_factor({2, 2}))->forward(x2).sizes().vec() ==
        std::vector<int64_t>{1, 1, 6, 8});
}

TEST_CASE("interpolate: argument errors name the op and the shapes", "[upsampling]") {
  using O = F::InterpolateFuncOptions;
  const Tensor x2 = squares({1, 1, 3, 4}, 0.5);
  const Tensor x1 = squares({1, 1, 5}, 1.0);
  std::string e = error_of([&] { F::interpolate(x2, O().size({4, 4}).scale_factor({2, 2})); });
  CHECK_THAT(e, Contains("interpolate") && Contains("[1, 1, 3, 4]") && Contains("only one of size or scale_factor"));
  e = error_of([&] { F::interpolate(x2, O()); });
  CHECK_THAT(e, Contains("interpolate") && Contains("[1, 1, 3, 4]") && Contains("either size or scale_factor"));
  e = error_of([&] { F::interpolate(x1, O().size({4, 4}).mode(ember::kBilinear)); });
  CHECK_THAT(e, Contains("interpolate") && Contains("[1, 1, 5]") && Contains("needs a 4-d input"));
  e = error_of([&] { F::interpolate(x2, O().size({4}).mode(ember::kLinear)); });
  CHECK_THAT(e, Contains("[1, 1, 3, 4]") && Contains("needs a 3-d input"));
  e = error_of([&] { F::interpolate(x2, O().size({4, 4}).align_corners(true)); });
  CHECK_THAT(e, Contains("interpolate") && Contains("[1, 1, 3, 4]") && Contains("align_corners"));
  e = error_of([&] { F::interpolate(x2, O().size({4})); });
  CHECK_THAT(e, Contains("[1, 1, 3, 4]") && Contains("size needs one value per spatial dim"));
  e = error_of([&] { F::interpolate(squares({5}, 1.0), O().size({4})); });
  CHECK_THAT(e, Contains("[5]") && Contains("3-d, 4-d or 5-d"));
  e = error_of([&] { F::interpolate(x2, O().scale_factor({0.1, 0.1})); });
  CHECK_THAT(e, Contains("output size [0, 0]"));
  e = error_of([&] { F::interpolate(x2, O().size({4, 4}).mode("bogus")); });
  CHECK_THAT(e, Contains("unknown mode"));
  e = error_of([&] { nn::Upsample(nn::UpsampleOptions().size({8}).mode(ember::kLinear))->forward(x2); });
  CHECK_THAT(e, Contains("[1, 1, 3, 4]") && Contains("needs a 3-d input"));
}
