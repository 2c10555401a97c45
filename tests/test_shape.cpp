// Shape ops: values against plain loops, views sharing storage, strided and empty
// inputs, negative dims, error messages, and gradcheck (first and second order).
#include <functional>

#include "helpers.hpp"
#include "src/core/shape.hpp"

using ember::Tensor;
using testing::leaf;
using testing::values;

namespace {

// 0, 1, 2, ... as float64 in the given shape.
Tensor iota(ember::IntArrayRef shape) {
  return ember::arange(ember::detail::numel_of(shape), ember::kFloat64).reshape(shape);
}

// Row-major position of a multi-index.
int64_t flat(const std::vector<int64_t>& idx, ember::IntArrayRef sizes) {
  int64_t f = 0;
  for (std::size_t d = 0; d < idx.size(); ++d) f = f * sizes[d] + idx[d];
  return f;
}

// Calls f(idx) for every multi-index of sizes, in row-major order.
void for_each_index(ember::IntArrayRef sizes, const std::function<void(const std::vector<int64_t>&)>& f) {
  int64_t n = ember::detail::numel_of(sizes);
  std::vector<int64_t> idx(sizes.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    f(idx);
    for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
      if (++idx[d] < sizes[d]) break;
      idx[d] = 0;
    }
  }
}

std::vector<int64_t> shape_of(const Tensor& t) { return t.sizes().vec(); }

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
using MultiFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;
// gradcheck, first and second order. The outputs are cloned: the finite differences
// perturb the inputs in place, which would also move an output that is a view of them.
bool gradcheck2(const Fn& fn, const std::vector<Tensor>& inputs) {
  return ember::autograd::gradcheck([fn](const std::vector<Tensor>& v) { return fn(v).clone(); }, inputs,
                                    testing::second_order());
}
bool gradcheck_pieces(const std::function<std::vector<Tensor>(const Tensor&)>& fn, const Tensor& input) {
  MultiFn cloned = [fn](const std::vector<Tensor>& v) {
    std::vector<Tensor> out;
    for (const Tensor& t : fn(v[0])) out.push_back(t.clone());
    return out;
  };
  return ember::autograd::gradcheck(cloned, {input}, testing::second_order());
}

// A float64 leaf of normal values.
Tensor randn_leaf(ember::IntArrayRef shape) {
  return ember::randn(shape, ember::dtype(ember::kFloat64).requires_grad(true));
}

}  // namespace

TEST_CASE("reshape and view keep the elements and share storage when they can", "[shape]") {
  Tensor x = iota({2, 3, 4});
  Tensor y = x.reshape({4, -1});
  REQUIRE(shape_of(y) == std::vector<int64_t>{4, 6});
  REQUIRE(y.is_alias_of(x));
  REQUIRE(values(y) == values(x));
  Tensor v = x.view({6, 4});
  REQUIRE(v.is_alias_of(x));
  REQUIRE(shape_of(x.view({-1})) == std::vector<int64_t>{24});
  REQUIRE(shape_of(x.reshape({1, 24, 1})) == std::vector<int64_t>{1, 24, 1});

  // Writing through a view shows in the base.
  v.index_put_({1, 2}, ember::scalar_tensor(-7.0, ember::kFloat64));
  REQUIRE(values(x)[6] == -7.0);

  // A transposed tensor cannot be flattened without a copy: reshape copies, view refuses.
  Tensor tx = iota({3, 4}).t();
  Tensor r = tx.reshape({-1});
  REQUIRE(!r.is_alias_of(tx));
  std::vector<double> expect;
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 3; ++j) expect.push_back(static_cast<double>(j * 4 + i));
  REQUIRE(values(r) == expect);
  REQUIRE_THROWS_AS(tx.view({12}), ember::Error);
  REQUIRE_THROWS_WITH(tx.view({12}), Catch::Contains("view") && Catch::Contains("[4, 3]") &&
                                         Catch::Contains("[12]") && Catch::Contains("reshape"));
  // Splitting a dim of a transposed tensor is still a view.
  Tensor split = tx.view({2, 2, 3});
  REQUIRE(split.is_alias_of(tx));
  REQUIRE(values(split) == expect);

  REQUIRE_THROWS_WITH(x.reshape({5, 5}), Catch::Contains("reshape") && Catch::Contains("[5, 5]") &&
                                             Catch::Contains("[2, 3, 4]"));
  REQUIRE_THROWS_WITH(x.reshape({-1, -1}), Catch::Contains("only one dimension can be inferred"));
  REQUIRE_THROWS_WITH(x.view({7, -1}), Catch::Contains("view") && Catch::Contains("[7, -1]"));

  // Zero-size tensors: any shape with zero elements, but -1 is ambiguous.
  Tensor z = ember::zeros({0, 3});
  REQUIRE(shape_of(z.reshape({3, 0, 5})) == std::vector<int64_t>{3, 0, 5});
  REQUIRE_THROWS_AS(z.reshape({0, -1}), ember::Error);
  // 0-dim and one-element tensors.
  Tensor s = ember::scalar_tensor(3.0);
  REQUIRE(shape_of(s.reshape({1, 1})) == std::vector<int64_t>{1, 1});
  REQUIRE(ember::ones({1, 1}).reshape({}).dim() == 0);
}

TEST_CASE("transpose, t and permute are views with the dims swapped", "[shape]") {
  Tensor x = iota({2, 3, 4});
  Tensor y = x.transpose(0, -1);
  REQUIRE(shape_of(y) == std::vector<int64_t>{4, 3, 2});
  REQUIRE(y.is_alias_of(x));
  REQUIRE(!y.is_contiguous());
  std::vector<double> xv = values(x), yv = values(y);
  for_each_index(y.sizes(), [&](const std::vector<int64_t>& i) {
    REQUIRE(yv[flat(i, y.sizes())] == xv[flat({i[2], i[1], i[0]}, x.sizes())]);
  });
  REQUIRE(values(x.transpose(1, 1)) == xv);

  Tensor m = iota({2, 3});
  REQUIRE(shape_of(m.t()) == std::vector<int64_t>{3, 2});
  REQUIRE(values(m.t()) == std::vector<double>{0, 3, 1, 4, 2, 5});
  REQUIRE(shape_of(iota({5}).t()) == std::vector<int64_t>{5});
  REQUIRE(ember::scalar_tensor(1.0).t().dim() == 0);
  REQUIRE_THROWS_WITH(x.t(), Catch::Contains("t:") && Catch::Contains("[2, 3, 4]"));

  Tensor p = x.permute({1, -1, 0});
  REQUIRE(shape_of(p) == std::vector<int64_t>{3, 4, 2});
  REQUIRE(p.is_alias_of(x));
  std::vector<double> pv = values(p);
  for_each_index(p.sizes(), [&](const std::vector<int64_t>& i) {
    REQUIRE(pv[flat(i, p.sizes())] == xv[flat({i[2], i[0], i[1]}, x.sizes())]);
  });
  REQUIRE_THROWS_WITH(x.permute({0, 1}), Catch::Contains("permute") && Catch::Contains("[2, 3, 4]"));
  REQUIRE_THROWS_WITH(x.permute({0, 1, 1}), Catch::Contains("permute") && Catch::Contains("more than once"));
  REQUIRE_THROWS_WITH(x.transpose(0, 3), Catch::Contains("transpose") && Catch::Contains("dim 3"));
}

TEST_CASE("expand and broadcast_to repeat size-1 dims without copying", "[shape]") {
  Tensor x = iota({3, 1});
  Tensor y = x.expand({2, 3, 4});
  REQUIRE(shape_of(y) == std::vector<int64_t>{2, 3, 4});
  REQUIRE(y.is_alias_of(x));
  REQUIRE(y.stride(0) == 0);
  REQUIRE(y.stride(2) == 0);
  std::vector<double> yv = values(y);
  for_each_index(y.sizes(), [&](const std::vector<int64_t>& i) { REQUIRE(yv[flat(i, y.sizes())] == i[1]); });
  REQUIRE(shape_of(x.expand({-1, 5})) == std::vector<int64_t>{3, 5});
  REQUIRE(shape_of(ember::broadcast_to(x, {3, 2})) == std::vector<int64_t>{3, 2});
  REQUIRE(shape_of(x.expand({0, 3, 0})) == std::vector<int64_t>{0, 3, 0});
  REQUIRE_THROWS_WITH(iota({3, 1, 2}).expand({3, 4, 2}).expand({3, 5, 2}),
                      Catch::Contains("expand") && Catch::Contains("(5)") && Catch::Contains("(4)") &&
                          Catch::Contains("[3, 5, 2]") && Catch::Contains("[3, 4, 2]"));
  REQUIRE_THROWS_WITH(x.expand({4}), Catch::Contains("expand") && Catch::Contains("[4]") && Catch::Contains("[3, 1]"));
  REQUIRE_THROWS_WITH(x.expand({-1, 3, 1}), Catch::Contains("expand") && Catch::Contains("-1"));
  REQUIRE_THROWS_WITH(ember::broadcast_to(x, {2, 2}), Catch::Contains("broadcast_to"));

  auto bt = ember::broadcast_tensors({iota({3, 1}), iota({4}), ember::scalar_tensor(1.0)});
  REQUIRE(bt.size() == 3);
  for (const Tensor& t : bt) REQUIRE(shape_of(t) == std::vector<int64_t>{3, 4});
  REQUIRE(values(bt[1]) == std::vector<double>{0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3});
  REQUIRE_THROWS_WITH(ember::broadcast_tensors({iota({3}), iota({4})}),
                      Catch::Contains("broadcast_tensors") && Catch::Contains("[3]") && Catch::Contains("[4]"));
}

TEST_CASE("squeeze, unsqueeze and flatten", "[shape]") {
  Tensor x = iota({1, 3, 1, 2});
  REQUIRE(shape_of(x.squeeze()) == std::vector<int64_t>{3, 2});
  REQUIRE(shape_of(x.squeeze(2)) == std::vector<int64_t>{1, 3, 2});
  REQUIRE(shape_of(x.squeeze(-2)) == std::vector<int64_t>{1, 3, 2});
  REQUIRE(shape_of(x.squeeze(1)) == std::vector<int64_t>{1, 3, 1, 2});  // not size 1: unchanged
  REQUIRE(x.squeeze().is_alias_of(x));
  REQUIRE(ember::ones({1}).squeeze(0).dim() == 0);
  REQUIRE(ember::scalar_tensor(2.0).squeeze().dim() == 0);
  REQUIRE_THROWS_WITH(x.squeeze(4), Catch::Contains("squeeze") && Catch::Contains("dim 4"));

  Tensor m = iota({2, 3});
  REQUIRE(shape_of(m.unsqueeze(0)) == std::vector<int64_t>{1, 2, 3});
  REQUIRE(shape_of(m.unsqueeze(2)) == std::vector<int64_t>{2, 3, 1});
  REQUIRE(shape_of(m.unsqueeze(-1)) == std::vector<int64_t>{2, 3, 1});
  REQUIRE(shape_of(m.unsqueeze(-2)) == std::vector<int64_t>{2, 1, 3});
  REQUIRE(m.unsqueeze(1).is_contiguous());
  REQUIRE(m.unsqueeze(1).is_alias_of(m));
  REQUIRE(shape_of(ember::scalar_tensor(1.0).unsqueeze(0)) == std::vector<int64_t>{1});
  REQUIRE_THROWS_WITH(m.unsqueeze(3), Catch::Contains("unsqueeze") && Catch::Contains("dim 3"));

  Tensor y = iota({2, 3, 4, 5});
  REQUIRE(shape_of(y.flatten()) == std::vector<int64_t>{120});
  REQUIRE(shape_of(y.flatten(1)) == std::vector<int64_t>{2, 60});
  REQUIRE(shape_of(y.flatten(-3, -2)) == std::vector<int64_t>{2, 12, 5});
  REQUIRE(shape_of(y.flatten(2, 2)) == std::vector<int64_t>{2, 3, 4, 5});
  REQUIRE(y.flatten(1, 2).is_alias_of(y));
  REQUIRE(values(y.flatten(1, 2)) == values(y));
  REQUIRE(shape_of(ember::scalar_tensor(1.0).flatten()) == std::vector<int64_t>{1});
  // A strided input is copied.
  Tensor ty = y.transpose(0, 3);
  Tensor fy = ty.flatten();
  REQUIRE(!fy.is_alias_of(y));
  REQUIRE(values(fy) == values(ty.contiguous()));
  REQUIRE_THROWS_WITH(y.flatten(2, 1), Catch::Contains("flatten") && Catch::Contains("start_dim"));
}

TEST_CASE("narrow, select and slice are views with Python slicing semantics", "[shape]") {
  Tensor x = iota({4, 5});
  Tensor n = x.narrow(1, 1, 3);
  REQUIRE(shape_of(n) == std::vector<int64_t>{4, 3});
  REQUIRE(n.is_alias_of(x));
  std::vector<double> nv = values(n);
  for_each_index(n.sizes(), [&](const std::vector<int64_t>& i) { REQUIRE(nv[flat(i, n.sizes())] == i[0] * 5 + i[1] + 1); });
  REQUIRE(values(x.narrow(-1, -2, 2)) == values(x.narrow(1, 3, 2)));
  REQUIRE(shape_of(x.narrow(0, 4, 0)) == std::vector<int64_t>{0, 5});
  REQUIRE_THROWS_WITH(x.narrow(1, 3, 3), Catch::Contains("narrow") && Catch::Contains("3") && Catch::Contains("[4, 5]"));
  REQUIRE_THROWS_WITH(x.narrow(0, 6, 0), Catch::Contains("narrow") && Catch::Contains("start 6"));

  Tensor s = x.select(1, -1);
  REQUIRE(shape_of(s) == std::vector<int64_t>{4});
  REQUIRE(values(s) == std::vector<double>{4, 9, 14, 19});
  REQUIRE(values(x[2]) == std::vector<double>{10, 11, 12, 13, 14});
  REQUIRE(x.select(0, 1).select(0, 2).dim() == 0);
  REQUIRE_THROWS_WITH(x.select(0, 4), Catch::Contains("select") && Catch::Contains("index 4") &&
                                          Catch::Contains("size 4"));
  REQUIRE_THROWS_WITH(x.select(1, -6), Catch::Contains("select") && Catch::Contains("-6"));
  REQUIRE_THROWS_WITH(ember::scalar_tensor(1.0).select(0, 0), Catch::Contains("select") && Catch::Contains("0-dim"));

  // Writing through a select and a slice shows in the base.
  x.select(0, 0).fill_(-1.0);
  REQUIRE(values(x)[3] == -1.0);
  Tensor col = x.slice(1, 1, 5, 2);
  col.fill_(100.0);
  REQUIRE(values(x)[6] == 100.0);
  REQUIRE(values(x)[8] == 100.0);
  REQUIRE(values(x)[7] == 7.0);

  Tensor v = iota({7});
  auto sl = [&](std::optional<int64_t> a, std::optional<int64_t> b, int64_t step) {
    return values(v.slice(0, a, b, step));
  };
  REQUIRE(sl(1, 6, 2) == std::vector<double>{1, 3, 5});
  REQUIRE(sl(-3, std::nullopt, 1) == std::vector<double>{4, 5, 6});
  REQUIRE(sl(std::nullopt, -5, 1) == std::vector<double>{0, 1});
  REQUIRE(sl(2, 100, 3) == std::vector<double>{2, 5});
  REQUIRE(sl(-100, 2, 1) == std::vector<double>{0, 1});
  REQUIRE(sl(5, 2, 1).empty());
  REQUIRE(sl(9, 12, 1).empty());
  REQUIRE(sl(std::nullopt, std::nullopt, 10) == std::vector<double>{0});
  REQUIRE(v.slice(0, 5, 2).sizes().vec() == std::vector<int64_t>{0});
  REQUIRE_THROWS_WITH(v.slice(0, 0, 3, 0), Catch::Contains("slice") && Catch::Contains("step"));
  REQUIRE_THROWS_WITH(v.slice(0, 0, 3, -1), Catch::Contains("slice") && Catch::Contains("-1"));
  // Slicing a strided (transposed) tensor.
  Tensor tt = iota({3, 4}).t();  // [4, 3], element (i, j) = j * 4 + i
  REQUIRE(values(tt.slice(0, 1, 4, 2)) == std::vector<double>{1, 5, 9, 3, 7, 11});
}

TEST_CASE("flip and repeat copy the elements in the right order", "[shape]") {
  Tensor x = iota({2, 3, 4});
  std::vector<double> xv = values(x);
  Tensor f = x.flip({0, -1});
  REQUIRE(!f.is_alias_of(x));
  std::vector<double> fv = values(f);
  for_each_index(f.sizes(), [&](const std::vector<int64_t>& i) {
    REQUIRE(fv[flat(i, f.sizes())] == xv[flat({1 - i[0], i[1], 3 - i[2]}, x.sizes())]);
  });
  REQUIRE(values(x.flip({})) == xv);
  Tensor tf = iota({3, 2}).t().flip({1});  // [2, 3] of (i, j) = j * 2 + i, reversed along j
  REQUIRE(values(tf) == std::vector<double>{4, 2, 0, 5, 3, 1});
  REQUIRE(shape_of(ember::zeros({0, 2}).flip({0})) == std::vector<int64_t>{0, 2});
  REQUIRE_THROWS_WITH(x.flip({0, 0}), Catch::Contains("flip") && Catch::Contains("more than once"));

  Tensor m = iota({2, 3});
  Tensor r = m.repeat({2, 1, 2});
  REQUIRE(shape_of(r) == std::vector<int64_t>{2, 2, 6});
  std::vector<double> rv = values(r);
  for_each_index(r.sizes(), [&](const std::vector<int64_t>& i) {
    REQUIRE(rv[flat(i, r.sizes())] == (i[1] % 2) * 3 + i[2] % 3);
  });
  Tensor same = m.repeat({1, 1});
  REQUIRE(!same.is_alias_of(m));
  REQUIRE(values(same) == values(m));
  REQUIRE(shape_of(m.repeat({0, 2})) == std::vector<int64_t>{0, 6});
  REQUIRE(values(m.t().repeat({1, 2})) == std::vector<double>{0, 3, 0, 3, 1, 4, 1, 4, 2, 5, 2, 5});
  REQUIRE_THROWS_WITH(m.repeat({2}), Catch::Contains("repeat") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(m.repeat({1, -1}), Catch::Contains("repeat") && Catch::Contains("non-negative"));
}

TEST_CASE("cat and stack join tensors", "[shape]") {
  Tensor a = iota({2, 3}), b = iota({2, 2}) + 100;
  Tensor c = ember::cat({a, b}, -1);
  REQUIRE(shape_of(c) == std::vector<int64_t>{2, 5});
  REQUIRE(values(c) == std::vector<double>{0, 1, 2, 100, 101, 3, 4, 5, 102, 103});
  REQUIRE(values(ember::cat({a, a}, 0)) == std::vector<double>{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5});
  // Strided inputs, zero-size pieces and the legacy 1-D empty tensor.
  Tensor ct = ember::cat({a.t(), ember::zeros({0, 2}, ember::kFloat64), a.t()}, 0);
  REQUIRE(values(ct) == std::vector<double>{0, 3, 1, 4, 2, 5, 0, 3, 1, 4, 2, 5});
  REQUIRE(shape_of(ember::cat({ember::zeros({0}), a, ember::zeros({0})}, 1)) == std::vector<int64_t>{2, 3});
  REQUIRE(shape_of(ember::cat({ember::zeros({0}), ember::zeros({0})})) == std::vector<int64_t>{0});
  // Dtypes promote.
  Tensor mixed = ember::cat({ember::arange(2), ember::ones({2}, ember::kFloat32)});
  REQUIRE(mixed.dtype() == ember::kFloat32);
  REQUIRE(values(mixed) == std::vector<double>{0, 1, 1, 1});

  REQUIRE_THROWS_WITH(ember::cat({a, iota({3, 3})}, 1),
                      Catch::Contains("cat") && Catch::Contains("[2, 3]") && Catch::Contains("[3, 3]"));
  REQUIRE_THROWS_WITH(ember::cat({a, iota({2, 3, 1})}, 0),
                      Catch::Contains("cat") && Catch::Contains("[2, 3, 1]"));
  REQUIRE_THROWS_WITH(ember::cat({}, 0), Catch::Contains("cat") && Catch::Contains("non-empty"));
  REQUIRE_THROWS_WITH(ember::cat({ember::scalar_tensor(1.0)}, 0), Catch::Contains("cat") && Catch::Contains("zero-dim"));
  REQUIRE_THROWS_WITH(ember::cat({a, a}, 2), Catch::Contains("cat") && Catch::Contains("dim 2"));

  Tensor s = ember::stack({a, a + 10, a + 20}, 1);
  REQUIRE(shape_of(s) == std::vector<int64_t>{2, 3, 3});
  std::vector<double> sv = values(s);
  for_each_index(s.sizes(), [&](const std::vector<int64_t>& i) {
    REQUIRE(sv[flat(i, s.sizes())] == 10 * i[1] + i[0] * 3 + i[2]);
  });
  REQUIRE(shape_of(ember::stack({a, a}, -1)) == std::vector<int64_t>{2, 3, 2});
  REQUIRE(shape_of(ember::stack({ember::scalar_tensor(1.0), ember::scalar_tensor(2.0)})) ==
          std::vector<int64_t>{2});
  REQUIRE_THROWS_WITH(ember::stack({a, b}), Catch::Contains("stack") && Catch::Contains("[2, 3]") &&
                                                Catch::Contains("[2, 2]"));
  REQUIRE_THROWS_WITH(ember::stack({a, a}, 3), Catch::Contains("stack") && Catch::Contains("dim 3"));
}

TEST_CASE("split, chunk and unbind give views of the pieces", "[shape]") {
  Tensor x = iota({5, 2});
  auto parts = x.split(2);
  REQUIRE(parts.size() == 3);
  REQUIRE(shape_of(parts[2]) == std::vector<int64_t>{1, 2});
  REQUIRE(values(parts[1]) == std::vector<double>{4, 5, 6, 7});
  for (const Tensor& p : parts) REQUIRE(p.is_alias_of(x));
  auto uneven = x.split(std::vector<int64_t>{1, 0, 4}, 0);
  REQUIRE(uneven.size() == 3);
  REQUIRE(shape_of(uneven[1]) == std::vector<int64_t>{0, 2});
  REQUIRE(values(uneven[2]) == std::vector<double>{2, 3, 4, 5, 6, 7, 8, 9});
  REQUIRE(x.split(10).size() == 1);
  auto cols = x.split(1, -1);
  REQUIRE(values(cols[1]) == std::vector<double>{1, 3, 5, 7, 9});
  REQUIRE_THROWS_WITH(x.split(std::vector<int64_t>{2, 2}, 0),
                      Catch::Contains("split") && Catch::Contains("[2, 2]") && Catch::Contains("5"));
  REQUIRE_THROWS_WITH(x.split(0), Catch::Contains("split") && Catch::Contains("positive"));

  auto ch = x.chunk(2);
  REQUIRE(ch.size() == 2);
  REQUIRE(shape_of(ch[0]) == std::vector<int64_t>{3, 2});
  REQUIRE(shape_of(ch[1]) == std::vector<int64_t>{2, 2});
  REQUIRE(x.chunk(4).size() == 3);  // chunks of ceil(5 / 4) = 2
  REQUIRE(ember::zeros({0, 2}).chunk(3).size() == 3);
  REQUIRE_THROWS_WITH(x.chunk(0), Catch::Contains("chunk") && Catch::Contains("0"));

  auto rows = x.unbind(1);
  REQUIRE(rows.size() == 2);
  REQUIRE(values(rows[0]) == std::vector<double>{0, 2, 4, 6, 8});
  REQUIRE(rows[0].is_alias_of(x));
  REQUIRE_THROWS_WITH(ember::scalar_tensor(1.0).unbind(), Catch::Contains("unbind"));
}

TEST_CASE("pad adds constant borders and crops with negative pads", "[shape]") {
  Tensor x = iota({2, 3});
  Tensor p = ember::pad(x, {1, 2, 0, 1}, -1.0);
  REQUIRE(shape_of(p) == std::vector<int64_t>{3, 6});
  std::vector<double> pv = values(p);
  for_each_index(p.sizes(), [&](const std::vector<int64_t>& i) {
    int64_t r = i[0], c = i[1] - 1;
    double expect = (r < 2 && c >= 0 && c < 3) ? static_cast<double>(r * 3 + c) : -1.0;
    REQUIRE(pv[flat(i, p.sizes())] == expect);
  });
  // Negative pads crop; mixed with positive ones.
  Tensor c = ember::pad(x, {-1, 1});
  REQUIRE(values(c) == std::vector<double>{1, 2, 0, 4, 5, 0});
  REQUIRE(shape_of(ember::pad(x, {-3, 0})) == std::vector<int64_t>{2, 0});
  REQUIRE(values(ember::pad(x, {0, 0, -1, 0})) == std::vector<double>{3, 4, 5});
  REQUIRE(values(ember::pad(x.t(), {1, 0})) == std::vector<double>{0, 0, 3, 0, 1, 4, 0, 2, 5});
  REQUIRE(values(ember::pad(ember::zeros({0}, ember::kFloat64), {1, 1}, 2.0)) == std::vector<double>{2, 2});
  REQUIRE_THROWS_WITH(ember::pad(x, {1}), Catch::Contains("pad") && Catch::Contains("even"));
  REQUIRE_THROWS_WITH(ember::pad(x, {1, 1, 1, 1, 1, 1}), Catch::Contains("pad") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::pad(x, {-2, -2}), Catch::Contains("pad") && Catch::Contains("negative size"));
}

TEST_CASE("tril and triu keep a triangle", "[shape]") {
  Tensor x = iota({2, 3, 4}) + 1;
  for (int64_t diag : {-1, 0, 2}) {
    std::vector<double> lo = values(x.tril(diag)), up = values(x.triu(diag)), xv = values(x);
    for_each_index(x.sizes(), [&](const std::vector<int64_t>& i) {
      int64_t k = flat(i, x.sizes());
      REQUIRE(lo[k] == (i[2] - i[1] <= diag ? xv[k] : 0.0));
      REQUIRE(up[k] == (i[2] - i[1] >= diag ? xv[k] : 0.0));
    });
  }
  REQUIRE(values(iota({2, 2}).t().triu()) == std::vector<double>{0, 2, 0, 3});
  REQUIRE(ember::ones({3, 3}, ember::kInt64).tril().dtype() == ember::kInt64);
  REQUIRE_THROWS_WITH(iota({3}).tril(), Catch::Contains("tril") && Catch::Contains("[3]"));
}

TEST_CASE("views of a tensor that requires grad refuse in-place changes", "[shape]") {
  Tensor x = randn_leaf({3, 4});
  Tensor y = x * 2;
  Tensor v = y.transpose(0, 1);
  REQUIRE_THROWS_AS(v.mul_(2), ember::Error);
  // The gradient flows back through a chain of views.
  Tensor z = y.reshape({2, 6}).narrow(1, 1, 3).unsqueeze(0).select(1, 1);
  z.backward(ember::ones_like(z));
  std::vector<double> g = values(x.grad());
  for (int64_t k = 0; k < 12; ++k) REQUIRE(g[k] == ((k >= 7 && k <= 9) ? 2.0 : 0.0));
}

TEST_CASE("shape views pass gradcheck", "[shape][gradcheck]") {
  Tensor x = randn_leaf({2, 3, 4});
  Tensor strided = testing::transposed_leaf(3, 4);
  CHECK(gradcheck2([](const auto& v) { return v[0].reshape({4, -1}); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].reshape({-1}); }, {strided}));
  CHECK(gradcheck2([](const auto& v) { return v[0].view({6, 4}); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].transpose(0, -1); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].t(); }, {strided}));
  CHECK(gradcheck2([](const auto& v) { return v[0].permute({2, 0, 1}); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].unsqueeze(1).squeeze(); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].unsqueeze(-1).squeeze(-1); }, {strided}));
  CHECK(gradcheck2([](const auto& v) { return v[0].flatten(0, 1); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].narrow(-1, 1, 2); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].narrow(0, -2, 2); }, {strided}));
  CHECK(gradcheck2([](const auto& v) { return v[0].select(1, -1); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].slice(2, -3, 100, 1); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].slice(2, 0, 4, 2); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].slice(1, 1, std::nullopt, 3); }, {strided}));
  CHECK(gradcheck2([](const auto& v) { return v[0].slice(0, 3, 3, 1); }, {strided}));  // empty
}

TEST_CASE("expand, repeat and broadcasting pass gradcheck", "[shape][gradcheck]") {
  CHECK(gradcheck2([](const auto& v) { return v[0].expand({2, 3, 4}); }, {randn_leaf({3, 1})}));
  CHECK(gradcheck2([](const auto& v) { return ember::broadcast_to(v[0], {2, 3}); }, {randn_leaf({3})}));
  CHECK(gradcheck2([](const auto& v) { return v[0].repeat({2, 1, 3}); }, {randn_leaf({2, 2})}));
  CHECK(gradcheck2([](const auto& v) { return v[0].repeat({2, 2}); }, {testing::transposed_leaf(2, 3)}));
  CHECK(gradcheck2(
      [](const auto& v) {
        auto b = ember::broadcast_tensors({v[0], v[1]});
        return b[0] * b[1];
      },
      {randn_leaf({3, 1}), randn_leaf({4})}));
}

TEST_CASE("copying shape ops pass gradcheck", "[shape][gradcheck]") {
  Tensor x = randn_leaf({2, 3, 4});
  Tensor strided = testing::transposed_leaf(3, 4);
  CHECK(gradcheck2([](const auto& v) { return v[0].flip({0, 2}); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].flip({-1}); }, {strided}));
  CHECK(gradcheck2([](const auto& v) { return ember::pad(v[0], {1, 2, -1, 1}, 0.5); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return ember::pad(v[0], {-1, 0, 2, 0}); }, {strided}));
  CHECK(gradcheck2([](const auto& v) { return v[0].tril(-1); }, {x}));
  CHECK(gradcheck2([](const auto& v) { return v[0].triu(1); }, {strided}));
  CHECK(gradcheck2([](const auto& v) { return ember::cat({v[0], v[1], v[0]}, 1); },
                   {randn_leaf({2, 1, 3}), randn_leaf({2, 2, 3})}));
  CHECK(gradcheck2([](const auto& v) { return ember::cat({v[0], v[1]}, -1); },
                   {strided, randn_leaf({3, 0})}));
  CHECK(gradcheck2([](const auto& v) { return ember::stack({v[0], v[1]}, 1); },
                   {randn_leaf({2, 3}), testing::transposed_leaf(2, 3)}));
}

TEST_CASE("split, chunk and unbind pass gradcheck", "[shape][gradcheck]") {
  Tensor x = randn_leaf({5, 3});
  CHECK(gradcheck_pieces([](const Tensor& t) { return t.split(2); }, x));
  CHECK(gradcheck_pieces([](const Tensor& t) { return t.split(std::vector<int64_t>{1, 2}, 1); }, x));
  CHECK(gradcheck_pieces([](const Tensor& t) { return t.chunk(3, 0); }, x));
  CHECK(gradcheck_pieces([](const Tensor& t) { return t.unbind(1); }, x));
  // Only some pieces used: the others get zero gradient.
  CHECK(gradcheck2([](const auto& v) { return v[0].split(2)[1] * 3; }, {x}));
}

TEST_CASE("zero-size inputs go through the shape ops", "[shape]") {
  Tensor z = ember::zeros({0, 3}, ember::kFloat64);
  REQUIRE(shape_of(z.t()) == std::vector<int64_t>{3, 0});
  REQUIRE(shape_of(z.unsqueeze(1).expand({0, 2, 3})) == std::vector<int64_t>{0, 2, 3});
  REQUIRE(shape_of(z.flip({0, 1})) == std::vector<int64_t>{0, 3});
  REQUIRE(shape_of(z.repeat({2, 2})) == std::vector<int64_t>{0, 6});
  REQUIRE(shape_of(ember::cat({z, z}, 1)) == std::vector<int64_t>{0, 6});
  REQUIRE(shape_of(ember::pad(z, {1, 1, 1, 1})) == std::vector<int64_t>{2, 5});
  REQUIRE(values(ember::pad(z, {0, 0, 1, 0})) == std::vector<double>{0, 0, 0});
  REQUIRE(shape_of(z.tril()) == std::vector<int64_t>{0, 3});
  REQUIRE(z.unbind(0).empty());
  REQUIRE(z.split(2, 1).size() == 2);

  Tensor zg = randn_leaf({0, 3});
  Tensor y = ember::cat({zg.t(), ember::ones({3, 2}, ember::kFloat64)}, 1);
  y.backward(ember::ones_like(y));
  REQUIRE(shape_of(zg.grad()) == std::vector<int64_t>{0, 3});
}
