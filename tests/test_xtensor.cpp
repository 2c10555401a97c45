// ember/xtensor.hpp: tensors seen as xtensor expressions and xtensor containers seen as
// tensors, both without copying, plus the copying path.
#include <ember/xtensor.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xtensor.hpp>

#include "helpers.hpp"

using ember::Tensor;

namespace {
// 0, 1, ..., n-1 as float32 with the given shape.
Tensor iota(int64_t n, ember::IntArrayRef shape) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = static_cast<float>(i);
  return ember::tensor(v, shape);
}
}  // namespace

TEST_CASE("xtensor: a contiguous tensor as an xtensor view, written through", "[xtensor]") {
  Tensor t = iota(6, {2, 3});
  auto a = ember::as_xtensor<float>(t);
  REQUIRE(a.dimension() == 2);
  CHECK(a.shape()[0] == 2);
  CHECK(a.shape()[1] == 3);
  CHECK(a(1, 2) == 5.f);
  CHECK(xt::sum(a)() == 15.f);
  a(0, 1) = 42.f;
  a += 1.f;
  CHECK(t.tolist<float>() == std::vector<float>{1, 43, 3, 4, 5, 6});
  // And the other way: the tensor's in-place ops show in the view.
  t.fill_(2);
  CHECK(a(1, 1) == 2.f);
}

TEST_CASE("xtensor: views follow strides and offsets", "[xtensor]") {
  Tensor base = iota(16, {4, 4});
  SECTION("transposed") {
    Tensor tr = ember::detail::make_view(base, {4, 4}, {1, 4}, 0);
    auto a = ember::as_xtensor<float>(tr);
    CHECK(a(1, 0) == 1.f);
    CHECK(a(0, 1) == 4.f);
    CHECK(a(3, 2) == 11.f);
  }
  SECTION("a block with an offset: fill touches only its elements") {
    Tensor block = ember::detail::make_view(base, {2, 2}, {4, 1}, 5);  // rows 1-2, cols 1-2
    auto a = ember::as_xtensor<float>(block);
    CHECK(a(0, 0) == 5.f);
    CHECK(a(1, 1) == 10.f);
    a.fill(-1.f);
    std::vector<float> v = base.tolist<float>();
    CHECK(v[5] == -1.f);
    CHECK(v[6] == -1.f);
    CHECK(v[9] == -1.f);
    CHECK(v[10] == -1.f);
    CHECK(v[4] == 4.f);
    CHECK(v[7] == 7.f);
    CHECK(v[8] == 8.f);
    CHECK(v[11] == 11.f);
    CHECK(xt::sum(a)() == -4.f);
  }
  SECTION("a contiguous row with an offset: the fast linear paths stay inside it") {
    Tensor row = ember::detail::make_view(base, {1, 4}, {4, 1}, 8);  // row 2
    auto a = ember::as_xtensor<float>(row);
    a.fill(0.5f);
    a *= 2.f;
    std::vector<float> v = base.tolist<float>();
    CHECK(v[7] == 7.f);
    CHECK(v[8] == 1.f);
    CHECK(v[11] == 1.f);
    CHECK(v[12] == 12.f);
  }
  SECTION("expanded (stride 0) and size-1 dims broadcast in expressions") {
    Tensor row = ember::detail::make_view(base, {3, 4}, {0, 1}, 4);  // row 1, repeated
    auto a = ember::as_xtensor<float>(row);
    CHECK(a(2, 3) == 7.f);
    Tensor col = ember::detail::make_view(base, {4, 1}, {4, 4}, 0);  // column 0, odd stride on the size-1 dim
    auto c = ember::as_xtensor<float>(col);
    xt::xarray<float> sum = c + xt::xarray<float>{{0.f, 100.f}};
    REQUIRE(sum.shape()[1] == 2);
    CHECK(sum(3, 0) == 12.f);
    CHECK(sum(3, 1) == 112.f);
  }
}

TEST_CASE("xtensor: dtypes must match, other element types and ranks", "[xtensor]") {
  CHECK_THROWS_AS(ember::as_xtensor<double>(ember::zeros({2})), ember::Error);
  CHECK_THROWS_AS(ember::as_xtensor<int64_t>(ember::zeros({2})), ember::Error);
  CHECK_THROWS_AS(ember::as_xtensor<float>(Tensor()), ember::Error);

  auto i = ember::as_xtensor<int64_t>(ember::tensor({{1, 2}, {3, 4}}));
  CHECK(i(1, 0) == 3);
  auto b = ember::as_xtensor<bool>(ember::tensor({true, false}));
  CHECK(b(0));
  CHECK_FALSE(b(1));
  auto d = ember::as_xtensor<const double>(ember::scalar_tensor(2.5, ember::kFloat64));
  CHECK(d.dimension() == 0);
  CHECK(d() == 2.5);
  auto e = ember::as_xtensor<float>(ember::zeros({0, 3}));
  CHECK(e.size() == 0);
}

TEST_CASE("xtensor: the view keeps the tensor's memory alive", "[xtensor]") {
  ember::xtensor_view<float> a = ember::as_xtensor<float>(ember::full({3}, 1.5));
  CHECK(a(2) == 1.5f);
  auto copy = a;
  CHECK(copy(0) == 1.5f);
}

TEST_CASE("xtensor: containers as tensors without copying", "[xtensor]") {
  xt::xarray<double> x = {{1., 2., 3.}, {4., 5., 6.}};
  Tensor t = ember::from_xtensor(x);
  CHECK(t.dtype() == ember::kFloat64);
  CHECK(t.sizes().equals({2, 3}));
  CHECK(t.is_contiguous());
  CHECK(t.tolist<double>() == std::vector<double>{1, 2, 3, 4, 5, 6});
  x(1, 1) = 50.;
  CHECK(t.tolist<double>()[4] == 50.);
  t.mul_(2);
  CHECK(x(0, 2) == 6.);

  xt::xarray<float, xt::layout_type::column_major> cm = {{1.f, 2.f}, {3.f, 4.f}};
  Tensor c = ember::from_xtensor(cm);
  CHECK_FALSE(c.is_contiguous());
  CHECK(c.tolist<float>() == std::vector<float>{1, 2, 3, 4});

  xt::xtensor<int64_t, 1> n = {7, 8, 9};
  Tensor ti = ember::from_xtensor(n);
  CHECK(ti.dtype() == ember::kInt64);
  CHECK(ti.tolist<int64_t>() == std::vector<int64_t>{7, 8, 9});

  xt::xarray<float> w = {0.5f, -1.f};
  Tensor leaf = ember::from_xtensor(w, ember::requires_grad());
  CHECK(leaf.requires_grad());
  CHECK_THROWS_AS(ember::from_xtensor(w, ember::kFloat64), ember::Error);
}

TEST_CASE("xtensor: copying any expression into a new tensor", "[xtensor]") {
  xt::xarray<double> x = {{1., 2.}, {3., 4.}};
  Tensor t = ember::from_xtensor_copy(x * 2.0);
  CHECK(t.dtype() == ember::kFloat64);
  CHECK(t.tolist<double>() == std::vector<double>{2, 4, 6, 8});
  x(0, 0) = 100.;
  CHECK(t.tolist<double>()[0] == 2.);

  xt::xarray<int> ints = {1, 2, 3};
  Tensor ti = ember::from_xtensor_copy(ints);
  CHECK(ti.dtype() == ember::kInt64);
  CHECK(ti.tolist<int64_t>() == std::vector<int64_t>{1, 2, 3});

  Tensor f = ember::from_xtensor_copy(x, ember::dtype(ember::kFloat32).requires_grad(true));
  CHECK(f.dtype() == ember::kFloat32);
  CHECK(f.requires_grad());

  // Round trip: a tensor's view copied back into a tensor.
  Tensor tr = ember::detail::make_view(t, {2, 2}, {1, 2}, 0);
  Tensor back = ember::from_xtensor_copy(ember::as_xtensor<double>(tr));
  CHECK(back.tolist<double>() == std::vector<double>{2, 6, 4, 8});
}
