// ember::linalg (torch.linalg): values against PyTorch 1.13, gradcheck of first and
// second order, and the errors. Expected values were printed by PyTorch 1.13 (Debian's
// python3-torch) with /usr/bin/python3, torch.float64, for the matrices defined below:
//   A = [[4,1,2],[1,3,.5],[2,.5,5]] (symmetric positive-definite), W = [[1,2,0],[0,1,3],[2,-1,1]],
//   B = [[1,2],[3,4],[5,6]], T = [[1,2,3],[4,5,6],[7,8,10],[1,-1,2]] (4 x 3).
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "helpers.hpp"

using ember::Tensor;
using testing::error_of;
using testing::leaf;
using testing::values;
namespace la = ember::linalg;

namespace {

Tensor mat(std::vector<double> v, std::vector<int64_t> shape, ember::Dtype dt = ember::kFloat64) {
  return ember::tensor(v, shape, dt);
}
Tensor A3() { return mat({4, 1, 2, 1, 3, .5, 2, .5, 5}, {3, 3}); }
Tensor W3() { return mat({1, 2, 0, 0, 1, 3, 2, -1, 1}, {3, 3}); }
Tensor B32() { return mat({1, 2, 3, 4, 5, 6}, {3, 2}); }
Tensor T43() { return mat({1, 2, 3, 4, 5, 6, 7, 8, 10, 1, -1, 2}, {4, 3}); }

void check_close(const Tensor& got, std::vector<int64_t> shape, const std::vector<double>& want, double tol = 1e-10) {
  REQUIRE(got.sizes().vec() == shape);
  std::vector<double> g = values(got);
  REQUIRE(g.size() == want.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i);
    CHECK(g[i] == Approx(want[i]).margin(tol).epsilon(tol));
  }
}

// A symmetric positive-definite batch built from a free leaf X: X X^T + n I.
Tensor spd(const Tensor& x) { return ember::matmul(x, x.mT()) + ember::eye(x.size(-1), x.dtype()) * 3.0; }
// A symmetric matrix from a free leaf.
Tensor sym(const Tensor& x) { return x + x.mT(); }

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
void check_grad(const char* what, const Fn& f, const std::vector<Tensor>& inputs) {
  INFO(what);
  CHECK(ember::autograd::gradcheck(f, inputs, testing::second_order()));
}

// A leaf that is well away from singular: a random matrix plus a multiple of I.
Tensor well_conditioned(std::vector<int64_t> shape) {
  Tensor x = ember::rand(shape, ember::kFloat64) * 2 - 1 + ember::eye(shape.back(), ember::kFloat64) * 3.0;
  return x.detach().requires_grad_(true);
}

}  // namespace

TEST_CASE("linalg det, slogdet, inv, solve and cholesky match PyTorch", "[linalg]") {
  Tensor S = ember::stack({A3(), W3()});
  check_close(la::det(S), {2}, {44.0, 16.0});
  check_close(ember::det(W3()), {}, {16.0});
  check_close(W3().det(), {}, {16.0});
  check_close(W3().inverse(), {3, 3}, {0.25, -0.125, 0.375, 0.375, 0.0625, -0.1875, -0.125, 0.3125, 0.0625});
  check_close(W3().logdet(), {}, {2.772588722239781});
  check_close(std::get<1>(W3().slogdet()), {}, {2.772588722239781});
  check_close(A3().cholesky(), {3, 3}, {2.0, 0.0, 0.0, 0.5, 1.6583123951777, 0.0, 1.0, 0.0, 2.0});
  check_close(W3().matrix_power(3), {3, 3}, {13.0, 0.0, 18.0, 18.0, 4.0, 0.0, 0.0, 12.0, 4.0});
  check_close(T43().pinverse(), {3, 4},
              {-0.948948948948948, -0.06306306306306288, 0.29429429429429405, 0.1411411411411407, 0.13213213213213193,
               0.07207207207207203, -0.003003003003002897, -0.3993993993993996, 0.549549549549549,
               0.027027027027026952, -0.12612612612612603, 0.22522522522522567});
  check_close(la::det(W3().to(ember::kFloat32)), {}, {16.0}, 1e-5);
  auto [sign, logabs] = la::slogdet(-W3());
  check_close(sign, {}, {-1.0});
  check_close(logabs, {}, {2.772588722239781});
  CHECK(std::isnan(ember::logdet(-W3()).item<double>()));
  check_close(ember::logdet(W3()), {}, {2.772588722239781});
  check_close(la::inv(W3()), {3, 3}, {0.25, -0.125, 0.375, 0.375, 0.0625, -0.1875, -0.125, 0.3125, 0.0625});
  check_close(ember::inverse(W3().to(ember::kFloat32)), {3, 3},
              {0.25, -0.125, 0.375, 0.375, 0.0625, -0.1875, -0.125, 0.3125, 0.0625}, 1e-6);
  // A batch of two against one B: the batch dims broadcast.
  check_close(la::solve(S, B32()), {2, 3, 2},
              {-0.5625, -0.4431818181818182, 1.0, 1.2727272727272727, 1.125, 1.25, 1.75, 2.25, -0.375, -0.125, 1.125,
               1.375});
  check_close(la::solve(W3(), mat({1, 2, 3}, {3})), {3}, {1.125, -0.0625, 0.6875});
  check_close(la::cholesky(A3()), {3, 3}, {2.0, 0.0, 0.0, 0.5, 1.6583123951777, 0.0, 1.0, 0.0, 2.0});
  check_close(la::cholesky(A3(), true), {3, 3}, {2.0, 0.5, 1.0, 0.0, 1.6583123951777, 0.0, 0.0, 0.0, 2.0});
  // A strided (transposed) input reads the same as its contiguous copy.
  check_close(la::det(W3().mT()), {}, {16.0});
  // A singular matrix: det 0, slogdet (0, -inf).
  Tensor sing = mat({1, 2, 2, 4}, {2, 2});
  check_close(la::det(sing), {}, {0.0});
  CHECK(std::get<0>(la::slogdet(sing)).item<double>() == 0.0);
  CHECK(std::get<1>(la::slogdet(sing)).item<double>() == -std::numeric_limits<double>::infinity());
  // 0 x 0: det 1, as in PyTorch.
  check_close(la::det(ember::zeros({0, 0}, ember::kFloat64)), {}, {1.0});
}

TEST_CASE("linalg qr, eigh, svd and pinv match PyTorch", "[linalg]") {
  auto [q, r] = la::qr(T43());
  check_close(q, {4, 3},
              {-0.12216944435630528, -0.3625135725463339, 0.9042248064222357, -0.48867777742522095,
               -0.17171695541668416, 0.0444700724469953, -0.8551861104941366, 0.01907966171296488, -0.2075270047526443,
               -0.12216944435630524, 0.9158237622223161, 0.37058393705829373});
  check_close(r, {3, 3},
              {-8.18535277187245, -9.407047215435503, -12.094774991274218, 0.0, -2.3467983906946857,
               -0.0953983085648254, 0.0, 0.0, 1.6453926805388233});
  auto [qc, rc] = la::qr(T43(), "complete");
  check_close(qc.narrow(1, 3, 1), {4, 1},
              {-0.18983159915049994, 0.8542421961772492, -0.4745789978762496, 0.09491579957524962});
  CHECK(rc.sizes().vec() == std::vector<int64_t>{4, 3});
  auto [qw, rw] = la::qr(T43().mT());
  check_close(rw, {3, 4},
              {-3.7416573867739413, -8.55235974119758, -14.164845821358494, -1.3363062095621223, 0.0,
               1.963961012123933, 3.4914862437758805, -0.2182178902359917, 0.0, 0.0, 0.40824829046386313,
               2.041241452319315});
  CHECK(std::get<0>(la::qr(T43(), "r")).numel() == 0);
  // Rows at the top of the file and every value below: PyTorch 1.13 (see the header).

  auto [w, v] = la::eigh(A3());
  check_close(w, {3}, {2.0965216172967187, 3.0722239520050754, 6.831254430698205});
  // Eigenvectors up to sign: compare |V| and A V = V diag(w).
  check_close(ember::abs(v), {3, 3},
              {0.7167430662893416, 0.3257672733027812, 0.616567158200162, 0.5748726248246245, 0.7765018813719533,
               0.25800444463819483, 0.3947161539048013, 0.5393704773814453, 0.7438270269195071});
  check_close(ember::matmul(A3(), v) - v * w, {3, 3}, std::vector<double>(9, 0.0));
  // UPLO = "U" reads the upper triangle: the lower one may hold anything.
  check_close(la::eigvalsh(A3().triu() + mat({0, 0, 0, 7, 0, 0, 7, 7, 0}, {3, 3}), "U"), {3},
              {2.0965216172967187, 3.0722239520050754, 6.831254430698205});

  check_close(la::svdvals(T43()), {3}, {17.461124885049948, 2.0873690516404917, 0.8671840582845542});
  auto [u, s, vh] = la::svd(T43(), false);
  check_close(ember::abs(u), {4, 3},
              {0.2088170364036852, 0.06062701201556653, 0.9574360420861597, 0.5023410543800172, 0.11582446526455775,
               0.06714483301656438, 0.8357081447625049, 0.034571894914130985, 0.2741741337807665, 0.0751053071997407,
               0.9908147368414997, 0.06030208188059269});
  check_close(ember::matmul(u * s, vh), {4, 3}, values(T43()));
  auto [uf, sf, vhf] = la::svd(T43());
  CHECK(uf.sizes().vec() == std::vector<int64_t>{4, 4});
  check_close(ember::matmul(uf.mT(), uf), {4, 4}, values(ember::eye(4, ember::kFloat64)));
  check_close(la::svdvals(T43().to(ember::kFloat32)), {3}, {17.461124885049948, 2.0873690516404917, 0.8671840582845542},
              1e-5);
  // A wide matrix: U [3, 3], Vh [3, 4], and the product is the matrix.
  auto [uw, sw, vhw] = la::svd(T43().mT(), false);
  check_close(ember::matmul(uw * sw, vhw), {3, 4}, values(T43().mT()));

  check_close(la::pinv(T43()), {3, 4},
              {-0.948948948948948, -0.06306306306306288, 0.29429429429429405, 0.1411411411411407, 0.13213213213213193,
               0.07207207207207203, -0.003003003003002897, -0.3993993993993996, 0.549549549549549,
               0.027027027027026952, -0.12612612612612603, 0.22522522522522567});
  CHECK(la::matrix_rank(mat({1, 2, 2, 4}, {2, 2})).item<int64_t>() == 1);
  CHECK(la::matrix_rank(T43()).dtype() == ember::kInt64);
  // Batched: each matrix on its own (the eigenvalues of 2A are twice those of A).
  Tensor batch = ember::stack({A3(), A3() * 2.0});
  check_close(la::eigvalsh(batch).select(0, 1), {3}, {2 * 2.0965216172967187, 2 * 3.0722239520050754, 2 * 6.831254430698205});
}

TEST_CASE("linalg norms, cross and matrix_power match PyTorch", "[linalg]") {
  Tensor T = T43();
  const double inf = std::numeric_limits<double>::infinity();
  check_close(la::vector_norm(T), {}, {17.60681686165901});
  check_close(la::vector_norm(T, 1), {}, {50.0});
  check_close(la::vector_norm(T, inf), {}, {10.0});
  check_close(la::vector_norm(T, 0), {}, {12.0});
  check_close(la::vector_norm(T, -1), {}, {0.1880456682337139});
  check_close(la::vector_norm(T, 3.5), {}, {12.300324825197459});
  check_close(la::vector_norm(T, 2, {{0}}), {3}, {8.18535277187245, 9.695359714832659, 12.206555615733702});
  check_close(la::vector_norm(T, 2, {{0}}, true), {1, 3}, {8.18535277187245, 9.695359714832659, 12.206555615733702});
  check_close(la::matrix_norm(T), {}, {17.60681686165901});
  check_close(la::matrix_norm(T, "nuc"), {}, {20.415677994974995});
  check_close(la::matrix_norm(T, 1), {}, {21.0});
  check_close(la::matrix_norm(T, -1), {}, {13.0});
  check_close(la::matrix_norm(T, 2), {}, {17.461124885049948});
  check_close(la::matrix_norm(T, -2), {}, {0.8671840582845542});
  check_close(la::matrix_norm(T, inf), {}, {25.0});
  check_close(la::matrix_norm(T, -inf), {}, {4.0});
  check_close(la::matrix_norm(T, inf, {-2, -1}, true), {1, 1}, {25.0});
  // The dims in the other order transpose the matrix: the 1-norm becomes the inf-norm.
  check_close(la::matrix_norm(T, 1, {1, 0}), {}, {25.0});
  check_close(la::matrix_norm(ember::stack({T, T * 2.0}), "nuc", {-2, -1}, true), {2, 1, 1},
              {20.415677994974995, 40.83135598994999});
  check_close(la::norm(T), {}, {17.60681686165901});
  check_close(la::norm(T, 1), {}, {21.0});
  // The order 0 (the count of nonzeros), as a literal and as a Scalar; a literal 0 is
  // the number, not a null string for the named orders.
  check_close(la::norm(T.select(1, 0), 0), {}, {4.0});
  check_close(la::norm(T.select(1, 0), ember::Scalar(0)), {}, {4.0});
  check_close(la::linalg_norm(T.select(1, 0), 0), {}, {4.0});
  check_close(la::matrix_norm(T, 1), {}, {la::matrix_norm(T, ember::Scalar(1)).item<double>()});
  check_close(la::vector_norm(T, 0), {}, {12.0});
  check_close(la::norm(T, "nuc"), {}, {20.415677994974995});
  check_close(la::norm(T, 1, {{1}}), {4}, {6, 15, 25, 4});
  check_close(la::norm(T.select(1, 0), inf), {}, {7.0});

  check_close(la::cross(T.narrow(0, 0, 2), W3().narrow(0, 0, 2)), {2, 3}, {-6.0, 3.0, 0.0, 9.0, -12.0, 4.0});
  // Broadcasting, and another dim.
  check_close(la::cross(T.narrow(0, 0, 2).mT(), W3().select(0, 0).unsqueeze(1), 0), {3, 2},
              {-6.0, -12.0, 3.0, 6.0, 0.0, 3.0});

  check_close(la::matrix_power(W3(), 3), {3, 3}, {13.0, 0.0, 18.0, 18.0, 4.0, 0.0, 0.0, 12.0, 4.0});
  check_close(la::matrix_power(W3(), -2), {3, 3},
              {-0.03125, 0.078125, 0.140625, 0.140625, -0.1015625, 0.1171875, 0.078125, 0.0546875, -0.1015625});
  check_close(ember::matrix_power(W3(), 0), {3, 3}, values(ember::eye(3, ember::kFloat64)));
}

TEST_CASE("linalg gradients of det, inv, solve, cholesky match finite differences", "[linalg]") {
  check_grad("det", [](const std::vector<Tensor>& x) { return la::det(x[0]); }, {well_conditioned({2, 3, 3})});
  {
    // At a singular matrix the gradient is the cofactor matrix: central differences of
    // torch.linalg.det in PyTorch 1.13 (step 1e-6) at S = [[1,2,3],[2,4,6],[1,0,1]]. (PyTorch
    // 1.13's own backward gives zeros here, which the differences contradict.)
    Tensor s = mat({1, 2, 3, 2, 4, 6, 1, 0, 1}, {3, 3}).requires_grad_(true);
    la::det(s).backward();
    check_close(s.grad(), {3, 3}, {4.0, 4.0, -4.0, -2.0, -2.0, 2.0, 0.0, 0.0, 0.0}, 1e-9);
  }
  check_grad("slogdet", [](const std::vector<Tensor>& x) { return std::get<1>(la::slogdet(x[0])); },
             {well_conditioned({3, 3})});
  check_grad("logdet", [](const std::vector<Tensor>& x) { return ember::logdet(x[0]); }, {well_conditioned({3, 3})});
  check_grad("inv", [](const std::vector<Tensor>& x) { return la::inv(x[0]); }, {well_conditioned({2, 3, 3})});
  check_grad("solve matrix", [](const std::vector<Tensor>& x) { return la::solve(x[0], x[1]); },
             {well_conditioned({3, 3}), leaf({3, 2})});
  check_grad("solve vector", [](const std::vector<Tensor>& x) { return la::solve(x[0], x[1]); },
             {well_conditioned({2, 3, 3}), leaf({3})});
  check_grad("solve broadcast", [](const std::vector<Tensor>& x) { return la::solve(x[0], x[1]); },
             {well_conditioned({3, 3}), leaf({2, 3, 2})});
  check_grad("cholesky", [](const std::vector<Tensor>& x) { return la::cholesky(spd(x[0])); }, {leaf({2, 3, 3})});
  check_grad("cholesky upper", [](const std::vector<Tensor>& x) { return la::cholesky(spd(x[0]), true); },
             {leaf({3, 3})});
  check_grad("matrix_power -3", [](const std::vector<Tensor>& x) { return la::matrix_power(x[0], -3); },
             {well_conditioned({3, 3})});
  check_grad("matrix_power 5", [](const std::vector<Tensor>& x) { return la::matrix_power(x[0], 5); },
             {leaf({3, 3}, -0.5, 0.5)});
}

TEST_CASE("linalg gradients of qr, eigh, svd and pinv match finite differences", "[linalg]") {
  // Q and R are unique once R's diagonal sign is fixed by the algorithm, so any loss is fine.
  check_grad("qr tall", [](const std::vector<Tensor>& x) {
    auto [q, r] = la::qr(x[0]);
    return ember::sum(q * 1.5) + ember::sum(r * r);
  }, {leaf({4, 3})});
  check_grad("qr square batch", [](const std::vector<Tensor>& x) { return std::get<0>(la::qr(x[0])); },
             {leaf({2, 3, 3})});
  check_grad("qr wide", [](const std::vector<Tensor>& x) {
    auto [q, r] = la::qr(x[0]);
    return ember::matmul(q, r.square());
  }, {leaf({3, 5})});
  // eigh: eigenvalues, and a loss that does not depend on each eigenvector's sign.
  check_grad("eigh values", [](const std::vector<Tensor>& x) { return std::get<0>(la::eigh(sym(x[0]))); },
             {leaf({2, 3, 3})});
  check_grad("eigh vectors", [](const std::vector<Tensor>& x) {
    auto [w, v] = la::eigh(sym(x[0]));
    return ember::matmul(v * ember::exp(w), v.mT()) + ember::abs(v);
  }, {leaf({3, 3})});
  check_grad("eigvalsh", [](const std::vector<Tensor>& x) { return la::eigvalsh(sym(x[0]), "U"); }, {leaf({3, 3})});
  // svd: U diag(S) Vh, the singular values, and |U| (sign-invariant), as PyTorch's tests do.
  for (std::vector<int64_t> shape : {std::vector<int64_t>{4, 3}, {3, 4}, {2, 3, 3}}) {
    INFO("shape of " << shape.size() << " dims, last " << shape.back());
    check_grad("svd product", [](const std::vector<Tensor>& x) {
      auto [u, s, vh] = la::svd(x[0], false);
      return ember::matmul(u * s.square().unsqueeze(-2), vh);
    }, {leaf(shape)});
    check_grad("svd |U| and |Vh|", [](const std::vector<Tensor>& x) {
      auto [u, s, vh] = la::svd(x[0], false);
      return ember::sum(ember::abs(u)) + ember::sum(ember::abs(vh)) + s;
    }, {leaf(shape)});
    check_grad("svdvals", [](const std::vector<Tensor>& x) { return la::svdvals(x[0]); }, {leaf(shape)});
  }
  check_grad("svd full_matrices", [](const std::vector<Tensor>& x) {
    auto [u, s, vh] = la::svd(x[0]);
    return ember::matmul(u.narrow(-1, 0, 3) * s, vh);
  }, {leaf({4, 3})});
  check_grad("pinv", [](const std::vector<Tensor>& x) { return la::pinv(x[0]); }, {leaf({4, 3})});
}

TEST_CASE("linalg gradients of norms and cross match finite differences", "[linalg]") {
  const double inf = std::numeric_limits<double>::infinity();
  check_grad("vector_norm 2", [](const std::vector<Tensor>& x) { return la::vector_norm(x[0]); }, {leaf({3, 4})});
  check_grad("vector_norm 3 dim", [](const std::vector<Tensor>& x) { return la::vector_norm(x[0], 3, {{1}}); },
             {leaf({3, 4}, 0.5, 2)});
  check_grad("matrix_norm fro", [](const std::vector<Tensor>& x) { return la::matrix_norm(x[0]); }, {leaf({2, 3, 4})});
  check_grad("matrix_norm nuc", [](const std::vector<Tensor>& x) { return la::matrix_norm(x[0], "nuc"); },
             {leaf({2, 3, 4})});
  check_grad("matrix_norm 2", [](const std::vector<Tensor>& x) { return la::matrix_norm(x[0], 2); }, {leaf({3, 4})});
  check_grad("matrix_norm -2", [](const std::vector<Tensor>& x) { return la::matrix_norm(x[0], -2); }, {leaf({4, 3})});
  check_grad("matrix_norm 1", [](const std::vector<Tensor>& x) { return la::matrix_norm(x[0], 1); }, {leaf({3, 4})});
  check_grad("matrix_norm inf", [inf](const std::vector<Tensor>& x) { return la::matrix_norm(x[0], inf); },
             {leaf({3, 4})});
  check_grad("cross", [](const std::vector<Tensor>& x) { return la::cross(x[0], x[1]); }, {leaf({2, 3}), leaf({1, 3})});
}

TEST_CASE("torch.linalg errors name the op and the shapes", "[linalg]") {
  using Catch::Matchers::Contains;
  Tensor r23 = ember::randn({2, 3}, ember::kFloat64);
  CHECK_THAT(error_of([&] { la::det(r23); }), Contains("linalg.det") && Contains("square") && Contains("[2, 3]"));
  CHECK_THAT(error_of([&] { la::inv(ember::randn({3}, ember::kFloat64)); }),
             Contains("linalg.inv") && Contains("at least 2 dimensions"));
  CHECK_THAT(error_of([&] { la::inv(ember::ones({2, 2}, ember::kInt64)); }),
             Contains("linalg.inv") && Contains("floating point") && Contains("int64"));
  CHECK_THAT(error_of([&] { la::inv(mat({1, 2, 2, 4}, {2, 2})); }), Contains("linalg.inv") && Contains("singular"));
  CHECK_THAT(error_of([&] { la::inv(ember::stack({W3(), W3() * 0.0})); }),
             Contains("(Batch element 1)") && Contains("singular"));
  CHECK_THAT(error_of([&] { la::solve(mat({1, 2, 2, 4}, {2, 2}), mat({1, 1}, {2})); }),
             Contains("linalg.solve") && Contains("singular"));
  CHECK_THAT(error_of([&] { la::solve(W3(), ember::randn({4, 2}, ember::kFloat64)); }),
             Contains("linalg.solve") && Contains("[3, 3]") && Contains("[4, 2]"));
  CHECK_THAT(error_of([&] { la::solve(W3(), B32().to(ember::kFloat32)); }), Contains("same dtype"));
  CHECK_THAT(error_of([&] { la::cholesky(W3()); }), Contains("linalg.cholesky") && Contains("positive-definite"));
  CHECK_THAT(error_of([&] { la::qr(r23, "thin"); }), Contains("linalg.qr") && Contains("'thin'"));
  CHECK_THAT(error_of([&] { la::eigh(A3(), "X"); }), Contains("linalg.eigh") && Contains("UPLO"));
  CHECK_THAT(error_of([&] { la::eigh(r23); }), Contains("linalg.eigh") && Contains("square"));
  CHECK_THAT(error_of([&] { la::svd(ember::ones({2, 2}, ember::kInt64)); }), Contains("linalg.svd"));
  CHECK_THAT(error_of([&] { la::matrix_norm(r23, "abc"); }), Contains("linalg.matrix_norm") && Contains("abc"));
  CHECK_THAT(error_of([&] { la::matrix_norm(r23, 3); }), Contains("linalg.matrix_norm") && Contains("Order 3"));
  CHECK_THAT(error_of([&] { la::matrix_norm(ember::randn({3}, ember::kFloat64)); }), Contains("linalg.matrix_norm"));
  CHECK_THAT(error_of([&] { la::vector_norm(ember::ones({2}, ember::kInt64)); }), Contains("linalg.vector_norm"));
  CHECK_THAT(error_of([&] { la::norm(ember::randn({2, 2, 2}, ember::kFloat64), 2); }),
             Contains("linalg.norm") && Contains("1D or 2D"));
  Tensor r32 = ember::randn({3, 2}, ember::kFloat64);
  CHECK_THAT(error_of([&] { la::cross(r32, r32); }), Contains("linalg.cross") && Contains("length 3"));
  CHECK_THAT(error_of([&] { la::matrix_power(r23, 2); }), Contains("linalg.matrix_power") && Contains("[2, 3]"));
  // Backward through mode "r" and through a complete QR of a tall matrix is refused, as in PyTorch.
  Tensor x = leaf({4, 3});
  CHECK_THAT(error_of([&] { std::get<1>(la::qr(x, "r")).sum().backward(); }), Contains("mode='r'"));
  CHECK_THAT(error_of([&] { std::get<0>(la::qr(x, "complete")).sum().backward(); }), Contains("mode='complete'"));
}

TEST_CASE("linalg solve_triangular, matrix_exp, multi_dot, tensorinv and tensorsolve match PyTorch", "[linalg]") {
  // PyTorch 1.13, float64, with A, W, B as at the top of the file and
  // X = arange(1, 17).reshape(2, 2, 2, 2) + 5 * eye(4).reshape(2, 2, 2, 2).
  check_close(la::solve_triangular(W3(), B32(), true), {3, 2}, {25.0, 30.0, -12.0, -14.0, 5.0, 6.0});
  check_close(la::solve_triangular(W3(), B32().mT(), false, false, true), {2, 3}, {-9.0, 8.0, 5.0, -10.0, 10.0, 6.0});
  check_close(la::matrix_exp(W3()), {3, 3},
              {7.895516734644893, 5.453825092957969, 7.7747971369496955, 7.774797136949694, 4.008118166170045,
               8.180737639436954, 5.453825092957969, 2.4562855448208114, 4.008118166170045},
              1e-12);
  check_close(la::matrix_exp(W3() * 0.1), {3, 3},
              {1.1073781675690197, 0.22004097181245208, 0.03307894436196498, 0.033078944361964985, 1.090838695388037,
               0.3300614577186781, 0.2200409718124521, -0.08796785633158273, 1.090838695388037},
              1e-13);
  check_close(la::multi_dot({mat({1, 2, 3}, {3}), W3(), B32()}), {2}, {55.0, 72.0});
  Tensor X = (ember::arange(1, 17, ember::kFloat64) + ember::eye(4, ember::kFloat64).reshape({16}) * 5.0)
                 .reshape({2, 2, 2, 2});
  check_close(la::tensorinv(X, 2), {2, 2, 2, 2},
              {0.2886956521739131, 0.038260869565217404, -0.012173913043478249, -0.06260869565217392,
               0.012173913043478268, 0.18956521739130436, -0.03304347826086954, -0.05565217391304349,
               -0.06434782608695655, -0.05913043478260869, 0.14608695652173914, -0.04869565217391306,
               -0.14086956521739127, -0.10782608695652177, -0.07478260869565222, 0.15826086956521743});
  Tensor rhs = mat({1, 2, 3, 4}, {2, 2});
  check_close(la::tensorsolve(X, rhs), {2, 2},
              {0.0782608695652174, 0.06956521739130436, 0.06086956521739132, 0.05217391304347822});
  check_close(la::tensorsolve(X, rhs, {{0}}), {2, 2},
              {-0.226086956521739, -0.060869565217391286, 0.10434782608695652, 0.26956521739130423});

  check_grad("solve_triangular", [](const std::vector<Tensor>& x) {
    return la::solve_triangular(x[0], x[1], false);
  }, {well_conditioned({2, 3, 3}), leaf({3, 2})});
  check_grad("solve_triangular right unit", [](const std::vector<Tensor>& x) {
    return la::solve_triangular(x[0], x[1], true, false, true);
  }, {leaf({3, 3}), leaf({2, 3})});
  check_grad("matrix_exp", [](const std::vector<Tensor>& x) { return la::matrix_exp(x[0]); }, {leaf({2, 3, 3}, -1, 1)});
  check_grad("multi_dot", [](const std::vector<Tensor>& x) { return la::multi_dot({x[0], x[1], x[2]}); },
             {leaf({3}), leaf({3, 4}), leaf({4, 2})});

  using Catch::Matchers::Contains;
  CHECK_THAT(error_of([&] { la::multi_dot({W3()}); }), Contains("linalg.multi_dot") && Contains("at least 2"));
  CHECK_THAT(error_of([&] { la::tensorinv(T43(), 1); }), Contains("linalg.tensorinv") && Contains("[4, 3]"));
  CHECK_THAT(error_of([&] { la::solve_triangular(W3(), mat({1, 2, 3}, {3}), true); }),
             Contains("linalg.solve_triangular") && Contains("at least 2"));
  CHECK_THAT(error_of([&] { la::matrix_exp(T43()); }), Contains("linalg.matrix_exp") && Contains("square"));
}
