// sort, argsort, msort and topk: values and indices against PyTorch 1.13 (CPU, stable
// sort; the expected lists were printed by torch.sort / torch.topk on the same inputs),
// gradients by gradcheck (first and second order), and the errors of user mistakes.
#include <cmath>
#include <limits>

#include "helpers.hpp"

using ember::Tensor;
using testing::values;

namespace {
Tensor f64(std::vector<double> v, ember::IntArrayRef shape) { return ember::tensor(v, shape); }
std::vector<int64_t> ivalues(const Tensor& t) { return t.tolist<int64_t>(); }
// Values with NaN compared as equal to NaN.
bool same_values(const Tensor& t, const std::vector<double>& want) {
  std::vector<double> got = values(t);
  if (got.size() != want.size()) return false;
  for (std::size_t i = 0; i < got.size(); ++i)
    if (!(got[i] == want[i] || (std::isnan(got[i]) && std::isnan(want[i])))) return false;
  return true;
}
}  // namespace

TEST_CASE("sort is stable and puts NaN above every number, as PyTorch", "[tensorops]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor x = f64({3, 1, nan, 1, -2, 3, 0, 1}, {8});
  auto [v, i] = ember::sort(x);
  CHECK(same_values(v, {-2, 0, 1, 1, 1, 3, 3, nan}));
  CHECK(ivalues(i) == std::vector<int64_t>{4, 6, 1, 3, 7, 0, 5, 2});
  auto [vd, id] = x.sort(/*stable=*/true, 0, /*descending=*/true);
  CHECK(same_values(vd, {nan, 3, 3, 1, 1, 1, 0, -2}));
  CHECK(ivalues(id) == std::vector<int64_t>{2, 0, 5, 1, 3, 7, 6, 4});
  CHECK(i.dtype() == ember::kInt64);
}

TEST_CASE("sort, argsort and msort along a dim of a 2-D tensor", "[tensorops]") {
  Tensor m = f64({2, 1, 2, 0, 1, 1, 3, 2, 2, 0, 1, 2}, {3, 4});
  auto [v0, i0] = ember::sort(m, 0);
  CHECK(values(v0) == std::vector<double>{1, 0, 1, 0, 2, 1, 2, 2, 2, 1, 3, 2});
  CHECK(ivalues(i0) == std::vector<int64_t>{1, 2, 2, 0, 0, 0, 0, 1, 2, 1, 1, 2});
  auto [v1, i1] = m.sort(1, true);
  CHECK(values(v1) == std::vector<double>{2, 2, 1, 0, 3, 2, 1, 1, 2, 2, 1, 0});
  CHECK(ivalues(i1) == std::vector<int64_t>{0, 2, 1, 3, 2, 3, 0, 1, 0, 3, 2, 1});
  CHECK(ivalues(ember::argsort(m, /*stable=*/true, 1)) == std::vector<int64_t>{3, 1, 0, 2, 0, 1, 3, 2, 1, 2, 0, 3});
  CHECK(ivalues(m.argsort()) == ivalues(ember::argsort(m, 1)));
  CHECK(values(ember::msort(m)) == values(v0));
  // A transposed (non-contiguous) input sorts the same as its contiguous copy.
  Tensor t = m.t();
  CHECK(ivalues(std::get<1>(t.sort(0))) == ivalues(std::get<1>(t.contiguous().sort(0))));
  // int64 keeps its dtype.
  auto [vi, ii] = ember::sort(ember::tensor(std::vector<int64_t>{4, -1, 7, -1, 0}));
  CHECK(vi.dtype() == ember::kInt64);
  CHECK(ivalues(vi) == std::vector<int64_t>{-1, -1, 0, 4, 7});
  CHECK(ivalues(ii) == std::vector<int64_t>{1, 3, 4, 0, 2});
  // A 0-dim tensor sorts to itself with index 0.
  auto [vs, is] = ember::sort(ember::scalar_tensor(2.5));
  CHECK(vs.dim() == 0);
  CHECK(vs.item<double>() == 2.5);
  CHECK(is.item<int64_t>() == 0);
}

TEST_CASE("topk: the k largest or smallest along a dim", "[tensorops]") {
  Tensor n = f64({5, 1, 4, 2, 3, 0, 9, 7, 8, 6}, {2, 5});
  auto [v, i] = ember::topk(n, 3);
  CHECK(v.sizes().vec() == std::vector<int64_t>{2, 3});
  CHECK(values(v) == std::vector<double>{5, 4, 3, 9, 8, 7});
  CHECK(ivalues(i) == std::vector<int64_t>{0, 2, 4, 1, 3, 2});
  auto [vs, is] = n.topk(2, 0, /*largest=*/false);
  CHECK(values(vs) == std::vector<double>{0, 1, 4, 2, 3, 5, 9, 7, 8, 6});
  CHECK(ivalues(is) == std::vector<int64_t>{1, 0, 0, 0, 0, 0, 1, 1, 1, 1});
  auto [v0, i0] = ember::topk(n, 0);
  CHECK(v0.sizes().vec() == std::vector<int64_t>{2, 0});
}

TEST_CASE("sort and topk: gradients go back through the indices", "[tensorops]") {
  Tensor x = testing::leaf({3, 5});
  CHECK(testing::gradcheck2([](const std::vector<Tensor>& in) { return std::get<0>(ember::sort(in[0], 1, true)); },
                            {x}));
  CHECK(testing::gradcheck2([](const std::vector<Tensor>& in) { return std::get<0>(ember::sort(in[0], 0)); }, {x}));
  CHECK(testing::gradcheck2([](const std::vector<Tensor>& in) { return std::get<0>(ember::topk(in[0], 2, 1)); }, {x}));
  CHECK(testing::gradcheck2([](const std::vector<Tensor>& in) { return ember::msort(in[0]); }, {x}));
  // The gradient of a top-2 lands on the two largest elements only.
  Tensor y = f64({1, 5, 3, 4}, {4});
  y.requires_grad_(true);
  std::get<0>(y.topk(2)).sum().backward();
  CHECK(values(y.grad()) == std::vector<double>{0, 1, 0, 1});
  CHECK_FALSE(ember::argsort(y).requires_grad());
}

TEST_CASE("sort and topk: mistakes are errors naming the op and the shape", "[tensorops]") {
  Tensor m = ember::zeros({2, 3});
  CHECK_THROWS_WITH(ember::sort(m, 2), Catch::Contains("sort") && Catch::Contains("[2, 3]"));
  CHECK_THROWS_WITH(ember::argsort(m, -3), Catch::Contains("argsort"));
  CHECK_THROWS_WITH(ember::topk(m, 4), Catch::Contains("topk") && Catch::Contains("k (4)") && Catch::Contains("[2, 3]"));
  CHECK_THROWS_WITH(ember::topk(m, -1, 0), Catch::Contains("topk") && Catch::Contains("size 2"));
  CHECK_THROWS_WITH(m.topk(1, 5), Catch::Contains("topk"));
  CHECK_THROWS_AS(ember::sort(Tensor()), ember::Error);
}

TEST_CASE("sort and topk in every dtype against a stable sort written here", "[tensorops]") {
  // The kernels sort order-preserving integer keys; the reference is std::stable_sort
  // with the comparison spelled out (NaN above every number, -0 equal to +0, ties in
  // their original order), in both directions, with many ties and NaNs, along a middle
  // dim (a stride other than 1), and topk's first k of the same order.
  ember::manual_seed(41);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64, ember::kInt64, ember::kInt32, ember::kInt16,
                          ember::kInt8, ember::kUInt8, ember::kBool}) {
    const bool floating = dt == ember::kFloat32 || dt == ember::kFloat64;
    Tensor base = ember::randint(-4, 5, {3, 50, 2}, ember::kFloat64);  // many ties
    if (dt == ember::kUInt8 || dt == ember::kBool) base = base.abs();
    if (floating) {
      base = base + ember::randn({3, 50, 2}, ember::kFloat64) * 0.1;
      base.select(1, 7).fill_(nan);
      base.select(1, 9).fill_(0.0);  // +0 before -0: a sign-aware order would swap them
      base.select(1, 11).fill_(-0.0);
      base.select(1, 13).fill_(nan);
      base.select(1, 20).fill_(1.5);  // exact ties among the noisy values
      base.select(1, 30).fill_(1.5);
    }
    Tensor x = base.to(dt);
    const Tensor xd = x.to(ember::kFloat64);
    for (bool descending : {false, true}) {
      INFO("dtype " << dt << ", descending " << descending);
      auto [v, i] = ember::sort(x, 1, descending);
      auto [tv, ti] = ember::topk(x, 5, 1, /*largest=*/descending);
      for (int64_t a = 0; a < 3; ++a)
        for (int64_t c = 0; c < 2; ++c) {
          std::vector<double> line;
          for (int64_t j = 0; j < 50; ++j) line.push_back(xd[a][j][c].item<double>());
          std::vector<int64_t> order(50);
          for (int64_t j = 0; j < 50; ++j) order[static_cast<std::size_t>(j)] = j;
          std::stable_sort(order.begin(), order.end(), [&](int64_t p, int64_t q) {
            const double u = line[static_cast<std::size_t>(p)], w = line[static_cast<std::size_t>(q)];
            if (std::isnan(u) || std::isnan(w)) return std::isnan(w) ? (!std::isnan(u) && !descending) : descending;
            return descending ? u > w : u < w;
          });
          for (int64_t j = 0; j < 50; ++j) {
            CHECK(i[a][j][c].item<int64_t>() == order[static_cast<std::size_t>(j)]);
            if (j < 5) CHECK(ti[a][j][c].item<int64_t>() == order[static_cast<std::size_t>(j)]);
          }
        }
    }
  }
}
