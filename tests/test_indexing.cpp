// Indexing: x.index({...}) with basic and advanced indices, index_put(_), index_select,
// gather, scatter_add, the masked ops and nonzero. Values against plain loops, views,
// errors, and gradcheck (first and second order).
#include <functional>

#include "helpers.hpp"
#include "src/core/shape.hpp"

using ember::Ellipsis;
using ember::None;
using ember::Slice;
using ember::Tensor;
using testing::values;

namespace {

Tensor iota(ember::IntArrayRef shape) {
  return ember::arange(ember::detail::numel_of(shape), ember::kFloat64).reshape(shape);
}

Tensor ints(std::vector<int64_t> v, ember::IntArrayRef shape) { return ember::tensor(v, shape); }
Tensor ints(std::vector<int64_t> v) { return ember::tensor(v); }

std::vector<int64_t> shape_of(const Tensor& t) { return t.sizes().vec(); }
std::vector<int64_t> ivalues(const Tensor& t) { return t.tolist<int64_t>(); }

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
// gradcheck, first and second order. The outputs are cloned: the finite differences
// perturb the inputs in place, which would also move an output that is a view of them.
bool gradcheck2(const Fn& fn, const std::vector<Tensor>& inputs) {
  return ember::autograd::gradcheck([fn](const std::vector<Tensor>& v) { return fn(v).clone(); }, inputs,
                                    testing::second_order());
}
Tensor randn_leaf(ember::IntArrayRef shape) {
  return ember::randn(shape, ember::dtype(ember::kFloat64).requires_grad(true));
}

}  // namespace

TEST_CASE("basic indices give views", "[indexing]") {
  Tensor x = iota({3, 4, 5});  // element (i, j, k) = 20 i + 5 j + k
  Tensor a = x.index({1});
  REQUIRE(shape_of(a) == std::vector<int64_t>{4, 5});
  REQUIRE(a.is_alias_of(x));
  REQUIRE(values(a)[0] == 20);

  Tensor b = x.index({Slice(), -1, Slice(1, None, 2)});
  REQUIRE(shape_of(b) == std::vector<int64_t>{3, 2});
  REQUIRE(b.is_alias_of(x));
  REQUIRE(values(b) == std::vector<double>{16, 18, 36, 38, 56, 58});

  Tensor c = x.index({None, Ellipsis, None, 2});
  REQUIRE(shape_of(c) == std::vector<int64_t>{1, 3, 4, 1});
  REQUIRE(values(c)[5] == 20 + 5 + 2);
  REQUIRE(shape_of(x.index({Ellipsis, 0})) == std::vector<int64_t>{3, 4});
  REQUIRE(shape_of(x.index({0, Ellipsis})) == std::vector<int64_t>{4, 5});
  REQUIRE(shape_of(x.index({1, Ellipsis, 2})) == std::vector<int64_t>{4});
  REQUIRE(shape_of(x.index({true})) == std::vector<int64_t>{1, 3, 4, 5});
  REQUIRE(shape_of(x.index({Slice(), false})) == std::vector<int64_t>{3, 0, 4, 5});
  REQUIRE(shape_of(x.index({Slice(5, 10)})) == std::vector<int64_t>{0, 4, 5});
  REQUIRE(shape_of(x.index({Slice(-2, None)})) == std::vector<int64_t>{2, 4, 5});
  REQUIRE(x.index({2, 3, 4}).item<double>() == 59);
  REQUIRE(x.index({-1, -1, -1}).item<double>() == 59);

  // Writes through an indexed view show in the base.
  x.index({1, Slice(0, 2)}).fill_(-1.0);
  std::vector<double> xv = values(x);
  for (int64_t k = 20; k < 30; ++k) REQUIRE(xv[k] == -1);
  REQUIRE(xv[30] == 30);
  x.index({0, 0}) = ember::full({5}, 7.0, ember::kFloat64);
  REQUIRE(values(x)[4] == 7);
}

TEST_CASE("advanced indices follow NumPy's rules", "[indexing]") {
  Tensor x = iota({3, 4, 5});  // element (i, j, k) = 20 i + 5 j + k
  // One index tensor: picks along dim 0, repeats and negatives allowed; a copy.
  Tensor a = x.index({ints({2, 0, -1})});
  REQUIRE(shape_of(a) == std::vector<int64_t>{3, 4, 5});
  REQUIRE(!a.is_alias_of(x));
  std::vector<double> av = values(a);
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t k = 0; k < 20; ++k) REQUIRE(av[r * 20 + k] == (r == 1 ? 0 : 40) + k);

  // Two adjacent index tensors broadcast ([2, 1] with [3] -> [2, 3]) and stay in place.
  Tensor i0 = ints({0, 2}, {2, 1}), i2 = ints({1, 3, 4});
  Tensor b = x.index({Slice(), i0, i2});
  REQUIRE(shape_of(b) == std::vector<int64_t>{3, 2, 3});
  std::vector<double> bv = values(b);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t p = 0; p < 2; ++p)
      for (int64_t q = 0; q < 3; ++q)
        REQUIRE(bv[(i * 2 + p) * 3 + q] == 20 * i + 5 * (p == 0 ? 0 : 2) + std::vector<int64_t>{1, 3, 4}[q]);

  // Separated by a slice: the broadcast dims go first.
  Tensor c = x.index({ints({0, 2}), Slice(), ints({4, 1})});
  REQUIRE(shape_of(c) == std::vector<int64_t>{2, 4});
  std::vector<double> cv = values(c);
  for (int64_t p = 0; p < 2; ++p)
    for (int64_t j = 0; j < 4; ++j) REQUIRE(cv[p * 4 + j] == 20 * (p == 0 ? 0 : 2) + 5 * j + (p == 0 ? 4 : 1));

  // An integer between two index tensors keeps them adjacent (it is a select).
  REQUIRE(shape_of(x.index({ints({0, 1}), 2, ints({3, 3})})) == std::vector<int64_t>{2});
  // Slices and None around an index tensor.
  Tensor d = x.index({None, Slice(1, 3), ints({3}, {1, 1})});
  REQUIRE(shape_of(d) == std::vector<int64_t>{1, 2, 1, 1, 5});
  REQUIRE(values(d)[0] == 20 + 15);
  // A 0-dim index tensor removes the dim, like an integer.
  REQUIRE(shape_of(x.index({Slice(), ember::scalar_tensor(2, ember::kInt64)})) == std::vector<int64_t>{3, 5});
  // An empty index tensor gives an empty result.
  REQUIRE(shape_of(x.index({ember::zeros({0}, ember::kInt64)})) == std::vector<int64_t>{0, 4, 5});
  // A non-contiguous index tensor.
  Tensor idx2d = ints({0, 1, 2, 1}, {2, 2}).t();  // [[0, 2], [1, 1]]
  REQUIRE(values(x.index({idx2d, 0, 0})) == std::vector<double>{0, 40, 20, 20});
  // A non-contiguous indexed tensor.
  Tensor xt = iota({4, 3}).t();  // (i, j) = 3 j + i
  REQUIRE(values(xt.index({ints({2, 0}), ints({1, 3})})) == std::vector<double>{5, 9});
}

TEST_CASE("bool masks select the true positions", "[indexing]") {
  Tensor x = iota({2, 3});
  Tensor mask = ember::tensor({{true, false, true}, {false, false, true}});
  Tensor m = x.index({mask});
  REQUIRE(shape_of(m) == std::vector<int64_t>{3});
  REQUIRE(values(m) == std::vector<double>{0, 2, 5});
  Tensor row_mask = ember::tensor({false, true, true});
  REQUIRE(values(x.index({Slice(), row_mask})) == std::vector<double>{1, 2, 4, 5});
  REQUIRE(shape_of(x.index({ember::tensor({false, false})})) == std::vector<int64_t>{0, 3});
  // A 0-dim mask adds a dim of size 1 (true) or 0 (false).
  REQUIRE(shape_of(x.index({ember::scalar_tensor(true)})) == std::vector<int64_t>{1, 2, 3});
  REQUIRE(shape_of(x.index({ember::scalar_tensor(false)})) == std::vector<int64_t>{0, 2, 3});

  REQUIRE(values(ember::masked_select(x, mask)) == std::vector<double>{0, 2, 5});
  REQUIRE(values(ember::masked_select(x, row_mask)) == std::vector<double>{1, 2, 4, 5});  // broadcast
  REQUIRE(shape_of(ember::masked_select(ember::scalar_tensor(1.0), ember::scalar_tensor(true))) ==
          std::vector<int64_t>{1});

  Tensor nz = ember::nonzero(ember::tensor({{0.0, 1.5, 0.0}, {-2.0, 0.0, 3.0}}));
  REQUIRE(nz.dtype() == ember::kInt64);
  REQUIRE(shape_of(nz) == std::vector<int64_t>{3, 2});
  REQUIRE(ivalues(nz) == std::vector<int64_t>{0, 1, 1, 0, 1, 2});
  REQUIRE(shape_of(ember::nonzero(ember::zeros({2, 2}))) == std::vector<int64_t>{0, 2});
  REQUIRE(shape_of(ember::nonzero(ember::scalar_tensor(5))) == std::vector<int64_t>{1, 0});
  REQUIRE(ivalues(ember::nonzero(iota({2, 3}).t())) == std::vector<int64_t>{0, 1, 1, 0, 1, 1, 2, 0, 2, 1});

  Tensor f = ember::masked_fill(x, mask, -1.5);
  REQUIRE(values(f) == std::vector<double>{-1.5, 1, -1.5, 3, 4, -1.5});
  REQUIRE(values(x.masked_fill(row_mask, ember::scalar_tensor(9.0))) == std::vector<double>{0, 9, 9, 3, 9, 9});
  REQUIRE(ember::masked_fill(ember::arange(3), ember::tensor({true, false, false}), 7).dtype() == ember::kInt64);

  REQUIRE_THROWS_WITH(x.index({ember::tensor({true, false, true})}),
                      Catch::Contains("index") && Catch::Contains("[3]") && Catch::Contains("[2]"));
  REQUIRE_THROWS_WITH(ember::masked_fill(x, ember::ones({2, 3}), 0.0),
                      Catch::Contains("masked_fill") && Catch::Contains("bool"));
  REQUIRE_THROWS_WITH(ember::masked_fill(x, mask, ember::ones({1})),
                      Catch::Contains("masked_fill") && Catch::Contains("0-dim"));
  REQUIRE_THROWS_WITH(ember::masked_fill(x, ember::tensor({true, false}), 0.0),
                      Catch::Contains("masked_fill") && Catch::Contains("[2, 3]") && Catch::Contains("[2]"));
  REQUIRE_THROWS_WITH(ember::masked_select(x, ember::tensor({true, false})),
                      Catch::Contains("masked_select") && Catch::Contains("[2]"));
}

TEST_CASE("index_put_ writes into the indexed positions", "[indexing]") {
  Tensor x = ember::zeros({3, 4}, ember::kFloat64);
  x.index_put_({ints({0, 2}), ints({1, 3})}, ember::tensor({5.0, 6.0}, ember::kFloat64));
  x.index_put_({1}, 2.0);
  x.index_put_({Slice(), 0}, ember::tensor({-1.0, -2.0, -3.0}, ember::kFloat64));
  std::vector<double> expect = {-1, 5, 0, 0, -2, 2, 2, 2, -3, 0, 0, 6};
  REQUIRE(values(x) == expect);
  // Masks, broadcast values and values with extra leading size-1 dims.
  x.index_put_({x.lt(0)}, 0.5);
  REQUIRE(values(x)[4] == 0.5);
  x.index_put_({ints({0, 2})}, ember::tensor({{{1.0, 2.0, 3.0, 4.0}}}, ember::kFloat64));
  REQUIRE(values(x.index({2})) == std::vector<double>{1, 2, 3, 4});
  // Into a strided view of a tensor.
  Tensor base = iota({4, 3});
  Tensor view = base.t();
  view.index_put_({ints({1}), ints({2})}, 100.0);
  REQUIRE(values(base)[7] == 100);
  // The version counter records the write.
  uint32_t v0 = base._version();
  base.index_put_({0}, 1.0);
  REQUIRE(base._version() > v0);
  // A value that overlaps the destination is read before it is overwritten.
  Tensor r = iota({5});
  r.index_put_({Slice(1, None)}, r.index({Slice(0, 4)}));
  REQUIRE(values(r) == std::vector<double>{0, 0, 1, 2, 3});
  // index_put (out of place) leaves x alone.
  Tensor y = ember::index_put(r, {ints({0})}, ember::scalar_tensor(9.0, ember::kFloat64));
  REQUIRE(values(y)[0] == 9);
  REQUIRE(values(r)[0] == 0);

  REQUIRE_THROWS_WITH(x.index_put_({ints({0, 1})}, ember::ones({3}, ember::kFloat64)),
                      Catch::Contains("index_put_") && Catch::Contains("[3]") && Catch::Contains("[2, 4]"));
  REQUIRE_THROWS_WITH(x.index_put_({5}, 1.0),
                      Catch::Contains("index_put_") && Catch::Contains("index 5") && Catch::Contains("size 3"));
}

TEST_CASE("indexing errors name the op and the sizes", "[indexing]") {
  Tensor x = iota({3, 4});
  REQUIRE_THROWS_AS(x.index({ints({5})}), ember::Error);
  REQUIRE_THROWS_WITH(x.index({ints({5})}), Catch::Contains("index: index 5 is out of bounds for dim 0 with size 3"));
  REQUIRE_THROWS_WITH(x.index({Slice(), ints({0, -5})}),
                      Catch::Contains("index -5 is out of bounds for dim 1 with size 4"));
  REQUIRE_THROWS_WITH(x.index({0, ints({4})}), Catch::Contains("index 4 is out of bounds for dim 1 with size 4"));
  REQUIRE_THROWS_WITH(x.index({3}), Catch::Contains("index: index 3 is out of bounds for dim 0 with size 3"));
  REQUIRE_THROWS_WITH(x.index({ember::tensor({0.0, 1.0})}),
                      Catch::Contains("index") && Catch::Contains("int64") && Catch::Contains("float"));
  REQUIRE_THROWS_WITH(x.index({0, 1, 2}), Catch::Contains("index") && Catch::Contains("too many indices") &&
                                              Catch::Contains("[3, 4]"));
  REQUIRE_THROWS_WITH(x.index({Ellipsis, 0, Ellipsis}), Catch::Contains("index") && Catch::Contains("ellipsis"));
  REQUIRE_THROWS_WITH(x.index({Slice(0, 3, -1)}), Catch::Contains("index") && Catch::Contains("step"));
  REQUIRE_THROWS_WITH(x.index({ints({0, 1}), ints({0, 1, 2})}),
                      Catch::Contains("index") && Catch::Contains("[3]") && Catch::Contains("[2]"));
  REQUIRE_THROWS_WITH(x.index({Tensor()}), Catch::Contains("index") && Catch::Contains("undefined"));
}

TEST_CASE("index_select, gather and scatter_add match loops", "[indexing]") {
  Tensor x = iota({3, 4});  // (i, j) = 4 i + j
  Tensor s = x.index_select(1, ints({3, 0, 3}));
  REQUIRE(shape_of(s) == std::vector<int64_t>{3, 3});
  REQUIRE(values(s) == std::vector<double>{3, 0, 3, 7, 4, 7, 11, 8, 11});
  REQUIRE(values(x.index_select(-2, ints({2}))) == std::vector<double>{8, 9, 10, 11});
  REQUIRE(shape_of(x.index_select(0, ember::scalar_tensor(1, ember::kInt64))) == std::vector<int64_t>{1, 4});
  REQUIRE(shape_of(x.index_select(0, ember::zeros({0}, ember::kInt64))) == std::vector<int64_t>{0, 4});
  REQUIRE(values(x.t().index_select(0, ints({1}))) == std::vector<double>{1, 5, 9});
  REQUIRE_THROWS_WITH(x.index_select(0, ints({3})),
                      Catch::Contains("index_select") && Catch::Contains("index 3") && Catch::Contains("size 3"));
  REQUIRE_THROWS_WITH(x.index_select(0, ints({-1})), Catch::Contains("index_select") && Catch::Contains("-1"));
  REQUIRE_THROWS_WITH(x.index_select(0, ints({0, 1}, {1, 2})),
                      Catch::Contains("index_select") && Catch::Contains("[1, 2]"));
  REQUIRE_THROWS_WITH(x.index_select(0, ember::ones({2})), Catch::Contains("index_select") && Catch::Contains("int64"));

  Tensor gi = ints({3, 0, 1, 1, 2, 2}, {3, 2});
  Tensor g = x.gather(1, gi);
  REQUIRE(shape_of(g) == std::vector<int64_t>{3, 2});
  std::vector<int64_t> giv = ivalues(gi);
  std::vector<double> gv = values(g);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 2; ++j) REQUIRE(gv[i * 2 + j] == 4 * i + giv[i * 2 + j]);
  Tensor g0 = x.gather(0, ints({2, 0, 1}, {1, 3}));
  REQUIRE(values(g0) == std::vector<double>{8, 1, 6});
  REQUIRE(values(x.t().gather(0, ints({1, 2}, {1, 2}))) == std::vector<double>{1, 6});
  REQUIRE_THROWS_WITH(x.gather(1, ints({4}, {1, 1})),
                      Catch::Contains("gather") && Catch::Contains("index 4") && Catch::Contains("size 4"));
  REQUIRE_THROWS_WITH(x.gather(1, ints({0}, {1})), Catch::Contains("gather") && Catch::Contains("[1]") &&
                                                       Catch::Contains("[3, 4]"));
  REQUIRE_THROWS_WITH(x.gather(1, ints({0, 0, 0, 0}, {4, 1})),
                      Catch::Contains("gather") && Catch::Contains("[4, 1]") && Catch::Contains("[3, 4]"));

  Tensor base = ember::zeros({2, 5}, ember::kFloat64);
  Tensor idx = ints({0, 1, 0, 4, 4, 4, 2, 3}, {2, 4});
  Tensor src = iota({2, 4}) + 1;
  Tensor sa = base.scatter_add(1, idx, src);
  std::vector<double> expect(10, 0.0);
  std::vector<int64_t> iv = ivalues(idx);
  std::vector<double> sv = values(src);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 4; ++j) expect[i * 5 + iv[i * 4 + j]] += sv[i * 4 + j];
  REQUIRE(values(sa) == expect);
  REQUIRE(values(base) == std::vector<double>(10, 0.0));  // out of place
  // A smaller index uses only part of src.
  Tensor part = base.scatter_add(0, ints({1}, {1, 1}), iota({2, 2}) + 5);
  REQUIRE(values(part)[5] == 5);
  REQUIRE_THROWS_WITH(base.scatter_add(1, ints({5}, {1, 1}), src),
                      Catch::Contains("scatter_add") && Catch::Contains("index 5") && Catch::Contains("size 5"));
  REQUIRE_THROWS_WITH(base.scatter_add(1, idx, ember::ones({2, 4})),
                      Catch::Contains("scatter_add") && Catch::Contains("float32") && Catch::Contains("float64"));
  REQUIRE_THROWS_WITH(base.scatter_add(1, idx, iota({2, 3})),
                      Catch::Contains("scatter_add") && Catch::Contains("[2, 4]") && Catch::Contains("[2, 3]"));
}

TEST_CASE("gradients of advanced indexing add up over repeated indices", "[indexing]") {
  Tensor x = randn_leaf({3});
  Tensor y = x.index({ints({0, 0, 2, 0})});
  y.backward(ember::ones_like(y));
  REQUIRE(values(x.grad()) == std::vector<double>{3, 0, 1});

  Tensor w = randn_leaf({4});
  Tensor s = w.index_select(0, ints({1, 1, 3}));
  s.backward(ember::tensor({1.0, 2.0, 4.0}, ember::kFloat64));
  REQUIRE(values(w.grad()) == std::vector<double>{0, 3, 0, 4});
}

TEST_CASE("index_put_ under autograd", "[indexing]") {
  Tensor x = randn_leaf({3, 2});
  Tensor v = randn_leaf({2});
  Tensor y = x * 1;
  y.index_put_({ints({2, 0}), ints({1, 1})}, v);
  REQUIRE(values(y)[5] == values(v)[0]);
  y.backward(ember::full({3, 2}, 2.0, ember::kFloat64));
  REQUIRE(values(x.grad()) == std::vector<double>{2, 0, 2, 2, 2, 0});
  REQUIRE(values(v.grad()) == std::vector<double>{2, 2});
  // A leaf that requires grad cannot be written in place.
  REQUIRE_THROWS_WITH(x.index_put_({0}, 1.0), Catch::Contains("index_put_") && Catch::Contains("leaf"));
}

TEST_CASE("indexing passes gradcheck", "[indexing][gradcheck]") {
  Tensor x = randn_leaf({3, 4, 2});
  Tensor strided = testing::transposed_leaf(4, 3);
  Tensor mask = ember::tensor({{true, false, true, true}, {false, false, true, false}, {true, true, false, false}});
  CHECK(gradcheck2([](const auto& v) { return v[0].index({1, Slice(std::nullopt, std::nullopt, 2)}); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].index({None, Ellipsis, 1}); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].index({ints({0, 2, 0, -1})}); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].index({ints({0, 2}, {2, 1}), Slice(1, 3), ints({1, 0, 1})}); },
                   {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].index({Slice(), ints({3, 3, 0})}); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].index({ints({1, 1}), ints({2, 2})}); }, {strided}));
  CHECK(gradcheck2([mask](const auto& v) { return v[0].index({mask.t()}); }, {strided}));
  CHECK(gradcheck2([mask](const auto& v) { return v[0].index({mask}); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].index({ember::zeros({0}, ember::kInt64)}); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].index_select(1, ints({2, 0, 2})); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].index_select(0, ints({3})); }, {strided}));
}

TEST_CASE("index_put passes gradcheck for both the tensor and the value", "[indexing][gradcheck]") {
  Tensor x = randn_leaf({3, 4});
  CHECK(gradcheck2([](const auto& v) { return ember::index_put(v[0], {ints({0, 2}), ints({1, 3})}, v[1]); },
                   {x, randn_leaf({2})}));
  CHECK(gradcheck2([](const auto& v) { return ember::index_put(v[0], {Slice(), ints({1, 3})}, v[1]); },
                   {x, randn_leaf({1, 2})}));  // broadcast value
  CHECK(gradcheck2([](const auto& v) { return ember::index_put(v[0], {1, Slice(1, None, 2)}, v[1]); },
                   {testing::transposed_leaf(3, 4), randn_leaf({2})}));
  CHECK(gradcheck2([](const auto& v) { return ember::index_put(v[0], {v[0].detach().gt(0)}, v[1]); },
                   {x, randn_leaf({})}));
  CHECK(gradcheck2(
      [](const auto& v) {
        Tensor y = v[0] * 1;
        y.index_put_({ints({2}), Slice(0, 2)}, v[1]);
        return y;
      },
      {x, randn_leaf({2})}));
}

TEST_CASE("gather, scatter_add and the masked ops pass gradcheck", "[indexing][gradcheck]") {
  Tensor x = randn_leaf({3, 4});
  Tensor idx = ints({3, 0, 1, 1, 2, 2}, {3, 2});
  Tensor mask = ember::tensor({true, false, false, true});
  CHECK(gradcheck2([idx](const auto& v) { return v[0].gather(1, idx); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].gather(0, ints({2, 2, 0}, {1, 3})); },
                   {testing::transposed_leaf(3, 4)}));
  CHECK(gradcheck2([idx](const auto& v) { return v[0].scatter_add(1, idx, v[1]); }, {x, randn_leaf({3, 2})}));
  CHECK(gradcheck2([](const auto& v) { return v[0].scatter_add(0, ints({1, 1}, {1, 2}), v[1]); },
                   {x, randn_leaf({2, 3})}));  // src larger than the index
  CHECK(gradcheck2([mask](const auto& v) { return v[0].masked_fill(mask, 0.5); }, {x}));
  CHECK(gradcheck2([mask](const auto& v) { return v[0].masked_fill(mask, v[1]); }, {x, randn_leaf({})}));
  CHECK(gradcheck2([mask](const auto& v) { return v[0].masked_select(mask); }, {x}));
  CHECK(gradcheck2([mask](const auto& v) { return v[0].masked_select(mask.unsqueeze(1)); }, {randn_leaf({4})}));
}

TEST_CASE("0-dim tensors in gather, scatter_add and index_select", "[indexing]") {
  Tensor v = ember::tensor({1.0, 2.0, 3.0}, ember::kFloat64);
  Tensor i0 = ember::scalar_tensor(2, ember::kInt64);
  Tensor g = v.gather(0, i0);
  REQUIRE(g.dim() == 0);
  REQUIRE(g.item<double>() == 3);
  REQUIRE(values(ember::scalar_tensor(5.0, ember::kFloat64).gather(0, ints({0, 0}))) == std::vector<double>{5, 5});
  Tensor s = v.scatter_add(0, i0, ember::tensor({4.0}, ember::kFloat64));
  REQUIRE(values(s) == std::vector<double>{1, 2, 7});
  Tensor sel = ember::scalar_tensor(4.0, ember::kFloat64).index_select(0, ints({0, 0}));
  REQUIRE(values(sel) == std::vector<double>{4, 4});
  CHECK(gradcheck2([i0](const auto& x) { return x[0].gather(0, i0); }, {randn_leaf({3})}));
  CHECK(gradcheck2([i0](const auto& x) { return x[0].scatter_add(0, i0, x[1]); }, {randn_leaf({3}), randn_leaf({1})}));
  CHECK(gradcheck2([](const auto& x) { return x[0].index_select(0, ints({0, 0})); }, {randn_leaf({})}));
}

TEST_CASE("the string ... is an ellipsis index, other strings are errors", "[indexing][errors]") {
  // x[..., [0, 2]] of arange(9).view(3, 3) in PyTorch: shape [3, 2], columns 0 and 2.
  ember::Tensor x = ember::arange(0, 9).view({3, 3});
  ember::Tensor columns = ember::tensor(std::vector<int64_t>{0, 2});
  ember::Tensor y = x.index({"...", columns});
  CHECK(y.sizes() == std::vector<int64_t>{3, 2});
  CHECK(y.tolist<int64_t>() == std::vector<int64_t>{0, 2, 3, 5, 6, 8});
  CHECK(ember::equal(x.index({"...", 1}), x.index({ember::Ellipsis, 1})));
  CHECK_THAT(testing::error_of([&] { x.index({"abc"}); }),
             Catch::Matchers::Contains("index: a string index must be \"...\" (an ellipsis), got \"abc\""));
}

TEST_CASE("an empty index list is an error, as in LibTorch", "[indexing][errors]") {
  ember::Tensor x = ember::ones({2, 3});
  CHECK_THAT(testing::error_of([&] { x.index({}); }),
             Catch::Matchers::Contains("index: passing an empty index list to Tensor::index() is not valid syntax"));
  CHECK_THAT(testing::error_of([&] { x.index(std::vector<ember::indexing::TensorIndex>{}); }),
             Catch::Matchers::Contains("[2, 3]"));
}

TEST_CASE("gather over a large index, along either dim, checks every index", "[indexing]") {
  // Expected values from the test's own loop over the index.
  ember::manual_seed(10);
  Tensor x = ember::randn({300, 200});
  std::vector<double> xv = values(x);
  for (int64_t dim : {0, 1}) {
    INFO("dim " << dim);
    Tensor index = ember::randint(0, x.size(dim), {300, 200});
    std::vector<int64_t> iv = index.tolist<int64_t>();
    std::vector<double> got = values(x.gather(dim, index));
    for (int64_t i = 0; i < 300; ++i)
      for (int64_t j = 0; j < 200; ++j) {
        const int64_t v = iv[static_cast<std::size_t>(i * 200 + j)];
        const double want = xv[static_cast<std::size_t>(dim == 0 ? v * 200 + j : i * 200 + v)];
        REQUIRE(got[static_cast<std::size_t>(i * 200 + j)] == want);
      }
    // One bad index deep inside (in the second thread's share when there are two),
    // negative or past the end, is named.
    for (int64_t bad : {int64_t(-1), x.size(dim), int64_t(1) << 40}) {
      Tensor broken = index.clone();
      broken.view({-1}).narrow(0, 45000, 1).fill_(bad);
      REQUIRE_THROWS_WITH(x.gather(dim, broken), Catch::Contains("gather") &&
                                                     Catch::Contains("index " + std::to_string(bad)) &&
                                                     Catch::Contains("size " + std::to_string(x.size(dim))));
    }
  }
}

TEST_CASE("index_select's gradient adds repeated rows, along any dim", "[indexing]") {
  // Expected: the test's own loop adding g's slices at their indices.
  ember::manual_seed(17);
  for (int64_t dim : {0, 1, 2}) {
    INFO("dim " << dim);
    Tensor x = ember::randn({6, 7, 40}).requires_grad_(true);
    Tensor index = ember::randint(0, x.size(dim), {25});
    Tensor y = ember::index_select(x, dim, index);
    Tensor g = ember::randn(y.sizes());
    y.backward(g);
    std::vector<int64_t> iv = index.tolist<int64_t>();
    std::vector<double> gv = values(g), want(6 * 7 * 40, 0.0);
    const std::vector<int64_t> ys = y.sizes().vec();
    for (int64_t a = 0; a < ys[0]; ++a)
      for (int64_t b = 0; b < ys[1]; ++b)
        for (int64_t c = 0; c < ys[2]; ++c) {
          int64_t xa = a, xb = b, xc = c;
          if (dim == 0) xa = iv[static_cast<std::size_t>(a)];
          if (dim == 1) xb = iv[static_cast<std::size_t>(b)];
          if (dim == 2) xc = iv[static_cast<std::size_t>(c)];
          want[static_cast<std::size_t>((xa * 7 + xb) * 40 + xc)] += gv[static_cast<std::size_t>((a * ys[1] + b) * ys[2] + c)];
        }
    std::vector<double> got = values(x.grad());
    for (std::size_t i = 0; i < want.size(); ++i) REQUIRE(std::fabs(got[i] - want[i]) <= 1e-5 * (1 + std::fabs(want[i])));
  }
}
