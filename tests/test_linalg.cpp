// Linear algebra: matmul in every form torch.matmul accepts, mm, bmm, dot, outer,
// addmm and einsum, checked against naive loops written here; strided and broadcast
// layouts; empty dims; int64; errors; gradcheck of first and second order.
#include <functional>
#include <map>
#include <string>

#include "autograd/node.hpp"
#include "helpers.hpp"

using ember::Tensor;
using testing::leaf;
using testing::values;

namespace {

// ---- naive references ----

// Element of t at a multi-index, honouring strides, as a double.
double at(const Tensor& t, const std::vector<int64_t>& idx) {
  int64_t off = 0;
  for (std::size_t d = 0; d < idx.size(); ++d) off += idx[d] * t.stride(static_cast<int64_t>(d));
  switch (t.dtype()) {
    case ember::kFloat32: return static_cast<const float*>(t.data_ptr())[off];
    case ember::kFloat64: return static_cast<const double*>(t.data_ptr())[off];
    default: return static_cast<double>(static_cast<const int64_t*>(t.data_ptr())[off]);
  }
}

std::vector<int64_t> unravel(int64_t flat, const std::vector<int64_t>& shape) {
  std::vector<int64_t> idx(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    idx[d] = flat % shape[d];
    flat /= shape[d];
  }
  return idx;
}

int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

struct Expected {
  std::vector<int64_t> shape;
  std::vector<double> data;
};

// torch.matmul by definition: promote 1-D operands, broadcast batch dims, triple loop.
Expected naive_matmul(const Tensor& a, const Tensor& b) {
  std::vector<int64_t> as = a.sizes().vec(), bs = b.sizes().vec();
  bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  if (a_vec) as.insert(as.begin(), 1);
  if (b_vec) bs.push_back(1);
  int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  std::size_t na = as.size() - 2, nb = bs.size() - 2, nbatch = std::max(na, nb);
  std::vector<int64_t> batch(nbatch);
  for (std::size_t i = 0; i < nbatch; ++i) {
    int64_t sa = i < nbatch - na ? 1 : as[i - (nbatch - na)];
    int64_t sb = i < nbatch - nb ? 1 : bs[i - (nbatch - nb)];
    batch[i] = sa == 1 ? sb : sa;
  }
  Expected e;
  e.shape = batch;
  if (!a_vec) e.shape.push_back(m);
  if (!b_vec) e.shape.push_back(n);
  for (int64_t f = 0; f < numel(batch); ++f) {
    std::vector<int64_t> bi = unravel(f, batch);
    auto operand_index = [&](std::size_t nd, const std::vector<int64_t>& sizes) {
      std::vector<int64_t> idx;
      for (std::size_t i = nbatch - nd; i < nbatch; ++i) idx.push_back(sizes[i - (nbatch - nd)] == 1 ? 0 : bi[i]);
      return idx;
    };
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p) {
          std::vector<int64_t> ia = operand_index(na, as), ib = operand_index(nb, bs);
          if (a_vec) {
            ia = {p};
          } else {
            ia.push_back(i);
            ia.push_back(p);
          }
          if (b_vec) {
            ib = {p};
          } else {
            ib.push_back(p);
            ib.push_back(j);
          }
          acc += at(a, ia) * at(b, ib);
        }
        e.data.push_back(acc);
      }
  }
  return e;
}

// einsum by definition, for equations of letters with an explicit "->": sum over every
// assignment of values to the labels.
Expected naive_einsum(const std::string& eq, const std::vector<Tensor>& ops) {
  std::size_t arrow = eq.find("->");
  std::vector<std::string> terms(1);
  for (char c : eq.substr(0, arrow)) {
    if (c == ',')
      terms.emplace_back();
    else
      terms.back().push_back(c);
  }
  std::string out = eq.substr(arrow + 2);
  std::map<char, int64_t> size;
  for (std::size_t i = 0; i < terms.size(); ++i)
    for (std::size_t d = 0; d < terms[i].size(); ++d) size[terms[i][d]] = ops[i].size(static_cast<int64_t>(d));
  std::string labels;
  std::vector<int64_t> extents;
  for (auto& [c, s] : size) {
    labels.push_back(c);
    extents.push_back(s);
  }
  Expected e;
  for (char c : out) e.shape.push_back(size[c]);
  e.data.assign(static_cast<std::size_t>(numel(e.shape)), 0.0);
  for (int64_t f = 0; f < numel(extents); ++f) {
    std::vector<int64_t> v = unravel(f, extents);
    auto value = [&](char c) { return v[labels.find(c)]; };
    double prod = 1;
    for (std::size_t i = 0; i < terms.size(); ++i) {
      std::vector<int64_t> idx;
      for (char c : terms[i]) idx.push_back(value(c));
      prod *= at(ops[i], idx);
    }
    std::vector<int64_t> oi;
    for (char c : out) oi.push_back(value(c));
    int64_t flat = 0;
    for (std::size_t d = 0; d < oi.size(); ++d) flat = flat * e.shape[d] + oi[d];
    e.data[static_cast<std::size_t>(flat)] += prod;
  }
  return e;
}

void check_equal(const Tensor& got, const Expected& want, double tol) {
  INFO("shape " << got.sizes());
  REQUIRE(got.sizes().vec() == want.shape);
  std::vector<double> g = values(got);
  REQUIRE(g.size() == want.data.size());
  for (std::size_t i = 0; i < g.size(); ++i) REQUIRE(g[i] == Approx(want.data[i]).epsilon(tol).margin(tol));
}

Tensor random(std::vector<int64_t> shape, ember::Dtype dt) {
  if (dt == ember::kInt64) return ember::randint(-5, 6, shape);
  return ember::randn(shape, dt);
}

// A view of fresh memory with the given sizes and strides (elements), filled at random.
Tensor strided(std::vector<int64_t> sizes, std::vector<int64_t> strides, ember::Dtype dt) {
  int64_t extent = 1;
  for (std::size_t d = 0; d < sizes.size(); ++d) extent += (sizes[d] - 1) * strides[d];
  Tensor base = random({extent}, dt);
  return ember::detail::make_view(base, ember::IntArrayRef(sizes).shape(), ember::IntArrayRef(strides).shape(), 0);
}

double tol_of(ember::Dtype dt) { return dt == ember::kFloat32 ? 1e-4 : 1e-10; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ember::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("matmul matches a naive product for every operand form", "[linalg]") {
  using Shapes = std::pair<std::vector<int64_t>, std::vector<int64_t>>;
  std::vector<Shapes> cases = {
      {{5}, {5}},                  // dot
      {{3, 4}, {4, 2}},            // mm
      {{4}, {4, 3}},               // row vector on the left
      {{3, 4}, {4}},               // matrix-vector
      {{2, 3, 4}, {4, 5}},         // batch times one matrix
      {{4, 5}, {2, 5, 3}},         // one matrix times a batch
      {{2, 3, 4}, {2, 4, 5}},      // bmm
      {{2, 1, 3, 4}, {5, 4, 2}},   // broadcast batch dims
      {{2, 3, 4}, {4}},            // batch times vector
      {{4}, {2, 4, 3}},            // vector times batch
      {{1, 3, 4}, {6, 4, 2}},      // size-1 batch broadcast
      {{65, 33}, {33, 17}},        // past the SIMD tile sizes
  };
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64, ember::kInt64}) {
    for (const auto& [sa, sb] : cases) {
      Tensor a = random(sa, dt), b = random(sb, dt);
      INFO(ember::dtype_name(dt) << " " << a.sizes() << " @ " << b.sizes());
      Tensor y = ember::matmul(a, b);
      CHECK(y.dtype() == dt);
      check_equal(y, naive_matmul(a, b), tol_of(dt));
      check_equal(a.matmul(b), naive_matmul(a, b), tol_of(dt));
    }
  }
}

TEST_CASE("matmul reads transposed, sliced and broadcast layouts", "[linalg]") {
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64, ember::kInt64}) {
    INFO(ember::dtype_name(dt));
    // [3, 4] stored transposed, [4, 5] stored transposed.
    Tensor at_ = strided({3, 4}, {1, 3}, dt), bt = strided({4, 5}, {1, 4}, dt);
    check_equal(ember::matmul(at_, bt), naive_matmul(at_, bt), tol_of(dt));
    // Every other row and a padded row pitch.
    Tensor rows = strided({3, 4}, {10, 1}, dt), cols = strided({4, 5}, {1, 9}, dt);
    check_equal(ember::matmul(rows, cols), naive_matmul(rows, cols), tol_of(dt));
    // Every other column: BLAS cannot read it, so it is copied.
    Tensor every_other = strided({3, 4}, {8, 2}, dt);
    check_equal(ember::matmul(every_other, bt), naive_matmul(every_other, bt), tol_of(dt));
    // A batch that repeats one matrix (stride 0), and a matrix whose rows repeat.
    Tensor repeated = strided({3, 2, 4}, {0, 4, 1}, dt), batch = random({3, 4, 2}, dt);
    check_equal(ember::matmul(repeated, batch), naive_matmul(repeated, batch), tol_of(dt));
    Tensor same_rows = strided({3, 4}, {0, 1}, dt);
    check_equal(ember::matmul(same_rows, bt), naive_matmul(same_rows, bt), tol_of(dt));
    // A transposed batch: [2, 3, 4] whose matrices are stored [4, 3].
    Tensor tb = strided({2, 3, 4}, {12, 1, 3}, dt), b2 = strided({2, 4, 5}, {20, 1, 4}, dt);
    check_equal(ember::matmul(tb, b2), naive_matmul(tb, b2), tol_of(dt));
    // Strided and repeated vectors.
    Tensor v = strided({4}, {3}, dt), w = strided({4}, {0}, dt);
    check_equal(ember::matmul(v, bt), naive_matmul(v, bt), tol_of(dt));
    check_equal(ember::matmul(at_, v), naive_matmul(at_, v), tol_of(dt));
    check_equal(ember::matmul(w, bt), naive_matmul(w, bt), tol_of(dt));
    check_equal(ember::matmul(v, w), naive_matmul(v, w), tol_of(dt));
    // A batch whose matrices are padded apart, times one matrix (not one big product).
    Tensor padded = strided({2, 3, 4}, {15, 4, 1}, dt);
    check_equal(ember::matmul(padded, bt), naive_matmul(padded, bt), tol_of(dt));
    // One-row matrices stacked in a batch: folded into one product.
    Tensor one_row = strided({5, 1, 4}, {4, 4, 1}, dt);
    check_equal(ember::matmul(one_row, bt), naive_matmul(one_row, bt), tol_of(dt));
  }
}

TEST_CASE("matmul leaves its inputs unchanged and returns new memory", "[linalg]") {
  Tensor a = ember::randn({3, 4}), b = ember::randn({4, 2});
  std::vector<double> a0 = values(a), b0 = values(b);
  Tensor y = ember::matmul(a, b);
  CHECK(values(a) == a0);
  CHECK(values(b) == b0);
  CHECK_FALSE(y.is_alias_of(a));
  CHECK(y.is_contiguous());
}

TEST_CASE("matmul with zero-size dims", "[linalg]") {
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64, ember::kInt64}) {
    INFO(ember::dtype_name(dt));
    // k = 0: sums of nothing are zeros.
    Tensor y = ember::matmul(random({2, 0}, dt), random({0, 3}, dt));
    CHECK(y.sizes().vec() == std::vector<int64_t>{2, 3});
    CHECK(values(y) == std::vector<double>(6, 0.0));
    CHECK(ember::dot(random({0}, dt), random({0}, dt)).item<double>() == 0.0);
    CHECK(values(ember::matmul(random({2, 2, 0}, dt), random({2, 0, 3}, dt))) == std::vector<double>(12, 0.0));
    // Empty rows, columns or batch.
    CHECK(ember::matmul(random({0, 3}, dt), random({3, 4}, dt)).sizes().vec() == std::vector<int64_t>{0, 4});
    CHECK(ember::matmul(random({2, 3}, dt), random({3, 0}, dt)).sizes().vec() == std::vector<int64_t>{2, 0});
    CHECK(ember::matmul(random({0, 2, 3}, dt), random({3, 4}, dt)).sizes().vec() == std::vector<int64_t>{0, 2, 4});
    CHECK(ember::outer(random({0}, dt), random({3}, dt)).sizes().vec() == std::vector<int64_t>{0, 3});
  }
  Tensor bias = ember::full({2, 3}, 1.5);
  CHECK(values(ember::addmm(bias, ember::randn({2, 0}), ember::randn({0, 3}), 2, 3)) == std::vector<double>(6, 3.0));
}

TEST_CASE("mm, bmm, dot and outer match naive loops", "[linalg]") {
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64, ember::kInt64}) {
    INFO(ember::dtype_name(dt));
    Tensor a = random({3, 4}, dt), b = random({4, 5}, dt);
    check_equal(ember::mm(a, b), naive_matmul(a, b), tol_of(dt));
    check_equal(a.mm(b), naive_matmul(a, b), tol_of(dt));
    Tensor p = random({2, 3, 4}, dt), q = random({2, 4, 5}, dt);
    check_equal(ember::bmm(p, q), naive_matmul(p, q), tol_of(dt));
    check_equal(p.bmm(q), naive_matmul(p, q), tol_of(dt));
    Tensor u = random({6}, dt), v = random({6}, dt), w = strided({6}, {2}, dt);
    Tensor d = ember::dot(u, v);
    CHECK(d.dim() == 0);
    check_equal(d, naive_matmul(u, v), tol_of(dt));
    check_equal(u.dot(w), naive_matmul(u, w), tol_of(dt));
    Tensor x = random({3}, dt), y = random({4}, dt);
    Tensor o = ember::outer(x, y);
    REQUIRE(o.sizes().vec() == std::vector<int64_t>{3, 4});
    std::vector<double> ov = values(o), xv = values(x), yv = values(y);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j) CHECK(ov[i * 4 + j] == Approx(xv[i] * yv[j]).epsilon(tol_of(dt)));
    Tensor every_third = strided({4}, {3}, dt);
    check_equal(x.outer(every_third), naive_einsum("i,j->ij", {x, every_third}), tol_of(dt));
  }
}

TEST_CASE("addmm scales and broadcasts its bias", "[linalg]") {
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64}) {
    Tensor a = random({3, 4}, dt), b = random({4, 5}, dt);
    Expected ab = naive_matmul(a, b);
    std::vector<std::vector<int64_t>> bias_shapes = {{3, 5}, {5}, {1, 5}, {3, 1}, {}};
    for (const auto& bias_shape : bias_shapes) {
      Tensor bias = random(bias_shape, dt);
      INFO("bias " << bias.sizes());
      Tensor y = ember::addmm(bias, a, b, 0.5, 2.0);
      Tensor full_bias = bias + ember::zeros({3, 5}, dt);
      std::vector<double> bv = values(full_bias);
      Expected want = ab;
      for (std::size_t i = 0; i < want.data.size(); ++i) want.data[i] = 0.5 * bv[i] + 2.0 * ab.data[i];
      check_equal(y, want, tol_of(dt));
    }
    // beta = 0 ignores the bias, NaN included.
    Tensor nan_bias = ember::full({3, 5}, std::nan(""), dt);
    check_equal(ember::addmm(nan_bias, a, b, 0, 1), ab, tol_of(dt));
  }
  Tensor ia = random({2, 3}, ember::kInt64), ib = random({3, 2}, ember::kInt64), ibias = random({2}, ember::kInt64);
  Expected want = naive_matmul(ia, ib);
  std::vector<double> bv = values(ibias);
  for (std::size_t i = 0; i < want.data.size(); ++i) want.data[i] = 2 * bv[i % 2] + 3 * want.data[i];
  check_equal(ember::addmm(ibias, ia, ib, 2, 3), want, 0);
}

TEST_CASE("einsum matches a naive sum over its labels", "[linalg]") {
  struct Case {
    std::string eq;
    std::vector<std::vector<int64_t>> shapes;
  };
  std::vector<Case> cases = {
      {"ij,jk->ik", {{3, 4}, {4, 5}}},
      {"bij,bjk->bik", {{2, 3, 4}, {2, 4, 5}}},
      {"i,j->ij", {{3}, {4}}},
      {"ij->ji", {{3, 4}}},
      {"ii->i", {{4, 4}}},
      {"ii->", {{4, 4}}},
      {"iij->ij", {{3, 3, 2}}},
      {"bhqd,bhkd->bhqk", {{2, 2, 3, 4}, {2, 2, 5, 4}}},
      {"ij->j", {{3, 4}}},
      {"ij->", {{3, 4}}},
      {"i,i->", {{5}, {5}}},
      {"ij,ij->ij", {{3, 4}, {3, 4}}},
      {"ij,jk,kl->il", {{2, 3}, {3, 4}, {4, 5}}},
      {"ij,kl->ijkl", {{2, 3}, {4, 2}}},
      {"abc,cd->abd", {{2, 3, 4}, {4, 5}}},
      {"ijk,jil->kl", {{2, 3, 4}, {3, 2, 5}}},
      {"ij,j->i", {{3, 4}, {4}}},
      {"ij,jk->", {{3, 4}, {4, 5}}},
      {"bn,anm,bm->ba", {{2, 3}, {4, 3, 5}, {2, 5}}},
      {"ij,ik->jk", {{0, 3}, {0, 2}}},
      {",ij->ij", {{}, {2, 3}}},
  };
  for (ember::Dtype dt : {ember::kFloat64, ember::kFloat32, ember::kInt64}) {
    for (const Case& c : cases) {
      std::vector<Tensor> ops;
      for (const auto& s : c.shapes) ops.push_back(random(s, dt));
      INFO(c.eq << " " << ember::dtype_name(dt));
      check_equal(ember::einsum(c.eq, ops), naive_einsum(c.eq, ops), tol_of(dt));
    }
  }
}

TEST_CASE("einsum: implicit output, spaces, ellipsis and broadcasting", "[linalg]") {
  Tensor a = ember::randn({3, 4}, ember::kFloat64), b = ember::randn({4, 5}, ember::kFloat64);
  // Implicit output: letters used once, alphabetically.
  check_equal(ember::einsum("ij,jk", {a, b}), naive_einsum("ij,jk->ik", {a, b}), 1e-10);
  check_equal(ember::einsum("ba", {a}), naive_einsum("ba->ab", {a}), 1e-10);
  Tensor sq = ember::randn({4, 4}, ember::kFloat64);
  check_equal(ember::einsum("ii", {sq}), naive_einsum("ii->", {sq}), 1e-10);
  check_equal(ember::einsum(" i j , j k -> i k ", {a, b}), naive_einsum("ij,jk->ik", {a, b}), 1e-10);
  // Upper-case labels come before lower-case ones in an implicit output.
  check_equal(ember::einsum("aB", {a}), naive_einsum("aB->Ba", {a}), 1e-10);

  // "..." over batch dims, broadcasting like matmul.
  Tensor p = ember::randn({2, 1, 3, 4}, ember::kFloat64), q = ember::randn({5, 4, 2}, ember::kFloat64);
  check_equal(ember::einsum("...ij,...jk->...ik", {p, q}), naive_matmul(p, q), 1e-10);
  Tensor r = ember::randn({3, 4}, ember::kFloat64);
  check_equal(ember::einsum("...ij,...jk->...ik", {r, b}), naive_matmul(r, b), 1e-10);
  // Implicit output keeps the "..." dims first.
  Tensor x = ember::randn({2, 3, 4}, ember::kFloat64);
  check_equal(ember::einsum("...j,jk", {x, b}), naive_matmul(x, b), 1e-10);
  // "..." in the middle, and summed away when the output lacks it.
  Tensor m = ember::randn({3, 2, 5, 4}, ember::kFloat64);
  check_equal(ember::einsum("i...j->ij", {m}), naive_einsum("iabj->ij", {m}), 1e-10);
  check_equal(ember::einsum("i...j->j...i", {m}), naive_einsum("iabj->jabi", {m}), 1e-10);
  // A size-1 dim broadcasts against a label's full size.
  Tensor col = ember::randn({3, 1}, ember::kFloat64), row = ember::randn({3, 4}, ember::kFloat64);
  Tensor y = ember::einsum("ij,ij->ij", {col, row});
  check_equal(y, naive_einsum("ij,ij->ij", {col + ember::zeros({3, 4}, ember::kFloat64), row}), 1e-10);
}

TEST_CASE("linalg errors name the op and the shapes", "[linalg]") {
  Tensor a23 = ember::randn({2, 3}), b45 = ember::randn({4, 5});
  CHECK(error_of([&] { ember::matmul(a23, b45); }) ==
        "matmul: cannot multiply [2, 3] by [4, 5]: inner sizes 3 and 4 differ");
  CHECK_THAT(error_of([&] { ember::matmul(ember::randn({3}), ember::randn({4})); }),
             Catch::Contains("inner sizes 3 and 4 differ"));
  CHECK_THAT(error_of([&] { ember::matmul(ember::randn({2, 2, 3}), ember::randn({3, 3, 4})); }),
             Catch::Contains("batch dims [2] and [3] do not broadcast"));
  CHECK_THAT(error_of([&] { ember::matmul(ember::randn({}), a23); }), Catch::Contains("at least 1 dim"));
  CHECK_THAT(error_of([&] { ember::matmul(a23, ember::randn({3, 2}, ember::kFloat64)); }),
             Catch::Contains("expected scalar type float32 but found float64"));
  CHECK_THAT(error_of([&] { ember::matmul(a23, Tensor()); }), Catch::Contains("undefined"));
  CHECK_THAT(error_of([&] { ember::matmul(ember::ones({2, 3}, ember::kBool), ember::ones({3, 2}, ember::kBool)); }),
             Catch::Contains("bool"));

  CHECK_THAT(error_of([&] { ember::mm(ember::randn({2, 3, 4}), b45); }),
             Catch::Contains("mm: expected 2-D tensors, but got shapes [2, 3, 4] and [4, 5]"));
  CHECK(error_of([&] { ember::mm(a23, b45); }) == "mm: cannot multiply [2, 3] by [4, 5]: inner sizes 3 and 4 differ");
  CHECK_THAT(error_of([&] { ember::bmm(a23, b45); }), Catch::Contains("bmm: expected 3-D tensors"));
  CHECK_THAT(error_of([&] { ember::bmm(ember::randn({2, 2, 3}), ember::randn({3, 3, 2})); }),
             Catch::Contains("bmm: batch sizes 2 and 3 differ"));
  CHECK_THAT(error_of([&] { ember::dot(a23, a23); }), Catch::Contains("dot: expected 1-D tensors"));
  CHECK_THAT(error_of([&] { ember::dot(ember::randn({3}), ember::randn({4})); }),
             Catch::Contains("dot: cannot multiply [3] by [4]"));
  CHECK_THAT(error_of([&] { ember::dot(ember::randn({3}), ember::randn({3}, ember::kFloat64)); }),
             Catch::Contains("dot: expected"));
  CHECK_THAT(error_of([&] { ember::outer(a23, ember::randn({3})); }), Catch::Contains("outer: expected 1-D"));
  CHECK_THAT(error_of([&] { ember::addmm(ember::randn({3}), a23, ember::randn({3, 4})); }),
             Catch::Contains("addmm: bias of shape [3] does not broadcast to the result shape [2, 4]"));
  CHECK_THAT(error_of([&] { ember::addmm(Tensor(), a23, ember::randn({3, 4})); }), Catch::Contains("undefined"));

  Tensor s = ember::randn({3, 3});
  CHECK_THAT(error_of([&] { ember::einsum("ij,jk->ik", {s}); }), Catch::Contains("2 input terms but 1 operands"));
  CHECK_THAT(error_of([&] { ember::einsum("ijk->i", {s}); }), Catch::Contains("names 3 dims"));
  CHECK_THAT(error_of([&] { ember::einsum("ij->iz", {s}); }), Catch::Contains("'z'"));
  CHECK_THAT(error_of([&] { ember::einsum("ij->ii", {s}); }), Catch::Contains("more than once"));
  CHECK_THAT(error_of([&] { ember::einsum("i1->i", {s}); }), Catch::Contains("letters"));
  CHECK_THAT(error_of([&] { ember::einsum("ij,jk->ik", {s, ember::randn({4, 2})}); }),
             Catch::Contains("subscript 'j'"));
  CHECK_THAT(error_of([&] { ember::einsum("ii->i", {ember::randn({2, 3})}); }), Catch::Contains("repeats"));
  CHECK_THAT(error_of([&] { ember::einsum("ij", {}); }), Catch::Contains("at least one operand"));
}

TEST_CASE("linalg gradients match finite differences, first and second order", "[linalg]") {
  using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
  auto check = [](const char* what, const Fn& f, const std::vector<Tensor>& inputs) {
    INFO(what);
    CHECK(ember::autograd::gradcheck(f, inputs, testing::second_order()));
  };
  Fn matmul = [](const std::vector<Tensor>& x) { return ember::matmul(x[0], x[1]); };
  check("matmul 1-D x 1-D", matmul, {leaf({4}), leaf({4})});
  check("matmul 2-D x 2-D", matmul, {leaf({3, 4}), leaf({4, 2})});
  check("matmul 1-D x 2-D", matmul, {leaf({4}), leaf({4, 3})});
  check("matmul 2-D x 1-D", matmul, {leaf({3, 4}), leaf({4})});
  check("matmul batch x matrix", matmul, {leaf({2, 3, 4}), leaf({4, 2})});
  check("matmul matrix x batch", matmul, {leaf({3, 4}), leaf({2, 4, 2})});
  check("matmul broadcast batches", matmul, {leaf({2, 1, 2, 3}), leaf({3, 3, 2})});
  check("matmul 1-D x batch", matmul, {leaf({3}), leaf({2, 3, 2})});
  check("matmul batch x 1-D", matmul, {leaf({2, 2, 3}), leaf({3})});
  check("matmul transposed", matmul, {testing::transposed_leaf(3, 4), testing::transposed_leaf(4, 2)});

  check("mm", [](const std::vector<Tensor>& x) { return ember::mm(x[0], x[1]); }, {leaf({3, 4}), leaf({4, 2})});
  check("bmm", [](const std::vector<Tensor>& x) { return ember::bmm(x[0], x[1]); },
        {leaf({2, 3, 4}), leaf({2, 4, 2})});
  check("dot", [](const std::vector<Tensor>& x) { return ember::dot(x[0], x[1]); }, {leaf({5}), leaf({5})});
  check("outer", [](const std::vector<Tensor>& x) { return ember::outer(x[0], x[1]); }, {leaf({3}), leaf({4})});
  Fn addmm = [](const std::vector<Tensor>& x) { return ember::addmm(x[0], x[1], x[2], 0.5, -1.5); };
  check("addmm", addmm, {leaf({3, 2}), leaf({3, 4}), leaf({4, 2})});
  check("addmm broadcast bias", addmm, {leaf({2}), leaf({3, 4}), leaf({4, 2})});
  check("addmm unit scales",
        [](const std::vector<Tensor>& x) { return ember::addmm(x[0], x[1], x[2]); },
        {leaf({1, 2}), leaf({3, 4}), leaf({4, 2})});

  auto einsum = [](std::string eq) -> Fn {
    return [eq](const std::vector<Tensor>& x) { return ember::einsum(eq, x); };
  };
  check("einsum ij,jk->ik", einsum("ij,jk->ik"), {leaf({3, 4}), leaf({4, 2})});
  check("einsum bij,bjk->bik", einsum("bij,bjk->bik"), {leaf({2, 3, 4}), leaf({2, 4, 2})});
  check("einsum i,j->ij", einsum("i,j->ij"), {leaf({3}), leaf({4})});
  check("einsum ij->ji", einsum("ij->ji"), {leaf({3, 4})});
  check("einsum ii->i", einsum("ii->i"), {leaf({3, 3})});
  check("einsum bhqd,bhkd->bhqk", einsum("bhqd,bhkd->bhqk"), {leaf({2, 1, 3, 2}), leaf({2, 1, 2, 2})});
  check("einsum ij->j", einsum("ij->j"), {leaf({3, 4})});
  check("einsum ...ij,...jk->...ik", einsum("...ij,...jk->...ik"), {leaf({2, 2, 3}), leaf({3, 2})});
  check("einsum ij,jk,kl->il", einsum("ij,jk,kl->il"), {leaf({2, 3}), leaf({3, 2}), leaf({2, 2})});
  check("einsum i,i", einsum("i,i"), {leaf({4}), leaf({4})});
}

TEST_CASE("linalg records nothing without grad and keeps results detached", "[linalg]") {
  Tensor a = ember::randn({2, 3}), b = ember::randn({3, 2});
  CHECK_FALSE(ember::matmul(a, b).requires_grad());
  a.requires_grad_(true);
  Tensor y = ember::matmul(a, b);
  CHECK(y.requires_grad());
  CHECK(std::string(y.grad_fn()->name()) == "matmul");
  {
    ember::NoGradGuard guard;
    CHECK_FALSE(ember::matmul(a, b).requires_grad());
  }
  // A gradient reaches only the input that asked for one.
  y.sum().backward();
  REQUIRE(a.grad().defined());
  CHECK_FALSE(b.grad().defined());
  // d sum(a @ b) / da = row sums of b, repeated per row.
  std::vector<double> g = values(a.grad()), bv = values(b);
  for (int i = 0; i < 2; ++i)
    for (int p = 0; p < 3; ++p) CHECK(g[i * 3 + p] == Approx(bv[p * 2] + bv[p * 2 + 1]));
}
