// scatter(_), scatter_add_, index_add(_), index_copy(_), index_fill(_) and index_put with
// accumulate: values against PyTorch 1.13 (the expected lists were printed by the same
// torch calls on the same inputs), gradients by gradcheck (first and second order), and
// the errors of user mistakes.
#include "helpers.hpp"

using ember::Tensor;
using testing::values;

namespace {
Tensor ints(std::vector<int64_t> v, ember::IntArrayRef shape) { return ember::tensor(v, shape); }
Tensor ints(std::vector<int64_t> v) { return ember::tensor(v); }
Tensor iota(int64_t rows, int64_t cols) { return ember::arange(rows * cols, ember::kFloat64).reshape({rows, cols}); }
}  // namespace

TEST_CASE("scatter writes src or a value at the index along a dim", "[tensorops]") {
  Tensor x = ember::zeros({3, 4}, ember::kFloat64);
  Tensor idx = ints({2, 0, 1, 2, 0, 1, 2, 0}, {2, 4});
  Tensor src = ember::arange(1, 9, ember::kFloat64).reshape({2, 4});
  CHECK(values(ember::scatter(x, 0, idx, src)) == std::vector<double>{5, 2, 0, 8, 0, 6, 3, 0, 1, 0, 7, 4});
  CHECK(values(x.scatter(1, ints({3, 0, 1}, {3, 1}), 2.5)) ==
        std::vector<double>{0, 0, 0, 2.5, 2.5, 0, 0, 0, 0, 2.5, 0, 0});
  CHECK(values(x) == std::vector<double>(12, 0.0));  // out of place leaves x alone
  x.scatter_(0, idx, src);
  CHECK(values(x) == std::vector<double>{5, 2, 0, 8, 0, 6, 3, 0, 1, 0, 7, 4});
  x.scatter_add_(0, idx, src);
  CHECK(values(x) == std::vector<double>{10, 4, 0, 16, 0, 12, 6, 0, 2, 0, 14, 8});
  x.scatter_(1, ints({3, 0, 1}, {3, 1}), 2.5);
  CHECK(values(x) == std::vector<double>{10, 4, 0, 2.5, 2.5, 12, 6, 0, 2, 2.5, 14, 8});
  // In place under autograd: the overwritten elements get no gradient.
  Tensor leaf = testing::leaf({3, 4});
  Tensor y = leaf * 1.0;
  y.scatter_(1, ints({3, 0, 1}, {3, 1}), 0.0);
  y.sum().backward();
  CHECK(values(leaf.grad()) == std::vector<double>{1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1});
}

TEST_CASE("index_add, index_copy and index_fill write whole slices", "[tensorops]") {
  Tensor x = iota(3, 4);
  Tensor s = ember::tensor(std::vector<double>{1, 10, 100}).reshape({1, 3}).expand({3, 3}).contiguous();
  // Repeated indices add up; alpha scales the source.
  CHECK(values(ember::index_add(x, 1, ints({0, 3, 0}), s, 2)) ==
        std::vector<double>{202, 1, 2, 23, 206, 5, 6, 27, 210, 9, 10, 31});
  Tensor rows = ember::tensor(std::vector<double>{-1, -2, -3, -4, -5, -6, -7, -8}).reshape({2, 4});
  CHECK(values(x.index_copy(0, ints({2, 0}), rows)) ==
        std::vector<double>{-5, -6, -7, -8, 4, 5, 6, 7, -1, -2, -3, -4});
  CHECK(values(x.index_fill(1, ints({1, 2}), -1.5)) ==
        std::vector<double>{0, -1.5, -1.5, 3, 4, -1.5, -1.5, 7, 8, -1.5, -1.5, 11});
  Tensor y = x.clone();
  y.index_add_(1, ints({0, 3, 0}), s, 2);
  CHECK(values(y) == std::vector<double>{202, 1, 2, 23, 206, 5, 6, 27, 210, 9, 10, 31});
  y.index_fill_(0, ints({1}), ember::scalar_tensor(7.0, ember::kFloat64));
  CHECK(values(y.select(0, 1)) == std::vector<double>(4, 7.0));
  y.index_copy_(0, ints({1}), rows.narrow(0, 0, 1));
  CHECK(values(y.select(0, 1)) == std::vector<double>{-1, -2, -3, -4});
  // int64 tensors work too.
  Tensor xi = ember::zeros({4}, ember::kInt64);
  CHECK(xi.index_add(0, ints({1, 1, 3}), ints({5, 6, 7}), 1).tolist<int64_t>() == std::vector<int64_t>{0, 11, 0, 7});
}

TEST_CASE("index_put with accumulate adds at repeated indices", "[tensorops]") {
  Tensor x = iota(3, 4);
  Tensor v = ember::tensor(std::vector<double>{1, 2, 3});
  Tensor y = x.clone();
  y.index_put_({ints({0, 0, 2}), ints({1, 1, 3})}, v, true);
  CHECK(values(y) == std::vector<double>{0, 4, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14});
  Tensor z = x.clone();
  z.index_put_({ints({1, 1})}, ember::tensor(std::vector<double>{1, 2, 3, 4}), true);
  CHECK(values(z) == std::vector<double>{0, 1, 2, 3, 6, 9, 12, 15, 8, 9, 10, 11});
  // Without accumulate the last write stands, as the TensorIndex form.
  Tensor w = ember::index_put(x, {ints({0, 2})}, ember::zeros({4}, ember::kFloat64), false);
  CHECK(values(w) == std::vector<double>{0, 0, 0, 0, 4, 5, 6, 7, 0, 0, 0, 0});
  // A nullopt entry takes the dim whole.
  Tensor c = ember::index_put(x, {std::nullopt, ints({0})}, ember::ones({3, 1}, ember::kFloat64), true);
  CHECK(values(c.select(1, 0)) == std::vector<double>{1, 5, 9});
}

TEST_CASE("scatters along a dim: gradients", "[tensorops]") {
  using In = const std::vector<Tensor>&;
  Tensor x = testing::leaf({3, 4}), src = testing::leaf({2, 4});
  Tensor perm = ints({2, 0, 1, 0, 0, 1, 2, 2}, {2, 4});  // no index repeats within a column
  CHECK(testing::gradcheck2([perm](In in) { return ember::scatter(in[0], 0, perm, in[1]); }, {x, src}));
  CHECK(testing::gradcheck2([perm](In in) { return ember::scatter(in[0], 0, perm, 0.5); }, {x}));
  Tensor s = testing::leaf({3, 3});
  CHECK(testing::gradcheck2([](In in) { return ember::index_add(in[0], 1, ints({0, 3, 0}), in[1], 2); }, {x, s}));
  Tensor rows = testing::leaf({2, 4});
  CHECK(testing::gradcheck2([](In in) { return ember::index_copy(in[0], 0, ints({2, 0}), in[1]); }, {x, rows}));
  Tensor value = testing::leaf({});
  CHECK(testing::gradcheck2([](In in) { return ember::index_fill(in[0], 1, ints({1, 2}), in[1]); }, {x, value}));
  Tensor v = testing::leaf({3});
  CHECK(testing::gradcheck2(
      [](In in) { return ember::index_put(in[0], {ints({0, 0, 2}), ints({1, 1, 3})}, in[1], true); }, {x, v}));
  // In place under autograd: the history moves onto the tensor.
  Tensor base = testing::leaf({3, 4}), row = testing::leaf({1, 4});
  Tensor y = base * 1.0;
  y.index_add_(0, ints({1}), row, 3);
  (y * y).sum().backward();
  Tensor want_base = (base.detach() * 2).index_add(0, ints({1}), row.detach() * 6);
  CHECK(ember::allclose(base.grad(), want_base));
  CHECK(ember::allclose(row.grad(), (want_base.select(0, 1) * 3).unsqueeze(0)));
}

TEST_CASE("scatters along a dim: mistakes are errors naming the op and the shapes", "[tensorops]") {
  Tensor x = ember::zeros({3, 4}, ember::kFloat64);
  Tensor src = ember::ones({2, 4}, ember::kFloat64);
  CHECK_THROWS_WITH(ember::scatter(x, 0, ember::zeros({2, 4}), src), Catch::Contains("scatter") && Catch::Contains("int64"));
  CHECK_THROWS_WITH(ember::scatter(x, 0, ints({0, 1}), src), Catch::Contains("scatter") && Catch::Contains("[3, 4]"));
  CHECK_THROWS_WITH(ember::scatter(x, 2, ints({0}, {1, 1}), src), Catch::Contains("scatter"));
  CHECK_THROWS_WITH(ember::scatter(x, 0, ints({5}, {1, 1}), src), Catch::Contains("scatter") && Catch::Contains("5"));
  CHECK_THROWS_WITH(ember::scatter(x, 0, ints({0}, {1, 1}), ember::ones({1, 1})), Catch::Contains("dtype"));
  CHECK_THROWS_WITH(ember::index_add(x, 0, ints({0, 1}), ember::ones({3, 4}, ember::kFloat64)),
                    Catch::Contains("index_add") && Catch::Contains("[3, 4]"));
  CHECK_THROWS_WITH(ember::index_add(x, 0, ember::zeros({2}), src), Catch::Contains("index_add") && Catch::Contains("int64"));
  CHECK_THROWS_WITH(ember::index_add(x, 0, ints({0, 1}, {1, 2}), src), Catch::Contains("index_add") && Catch::Contains("1-D"));
  CHECK_THROWS_WITH(ember::index_add(x, 0, ints({0, 1}), ember::ones({2, 4})), Catch::Contains("index_add") && Catch::Contains("dtype"));
  CHECK_THROWS_WITH(ember::index_copy(x, 3, ints({0}), src), Catch::Contains("index_copy"));
  CHECK_THROWS_WITH(ember::index_copy(x, 0, ints({0, 7}), src), Catch::Contains("index_copy") && Catch::Contains("7"));
  CHECK_THROWS_WITH(ember::index_fill(x, 0, ints({0}), ember::ones({2}, ember::kFloat64)),
                    Catch::Contains("index_fill") && Catch::Contains("0-dimensional"));
  CHECK_THROWS_WITH(x.clone().index_put_({ints({0, 1})}, ember::ones({3}, ember::kFloat64), true),
                    Catch::Contains("index_put_") && Catch::Contains("[3]"));
}
