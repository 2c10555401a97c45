// The BLAS door (ops/blas.hpp) on its own: empty products, beta == 0 over
// garbage C, general alpha / beta, row pitches wider than the row, and the
// 32-bit size check. Expected values come from a naive triple loop in double
// written here.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "helpers.hpp"
#include "ops/blas.hpp"

using Catch::Matchers::Contains;

namespace {

// C = alpha * op(A) op(B) + beta * C by definition, in double, for the same
// storage conventions as blas::gemm.
template <class T>
std::vector<double> naive_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const std::vector<T>& a,
                               int64_t lda, const std::vector<T>& b, int64_t ldb, double beta, const std::vector<T>& c,
                               int64_t ldc) {
  std::vector<double> out(c.begin(), c.end());
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        double av = ta ? a[p * lda + i] : a[i * lda + p];
        double bv = tb ? b[j * ldb + p] : b[p * ldb + j];
        acc += av * bv;
      }
      double old = beta == 0 ? 0.0 : beta * c[i * ldc + j];
      out[i * ldc + j] = alpha * acc + old;
    }
  return out;
}

template <class T>
std::vector<T> random_values(std::size_t n) {
  std::uniform_real_distribution<double> d(-1, 1);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(d(testing::rng()));
  return v;
}

template <class T>
void check_gemm_case(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, T beta, bool nan_c) {
  INFO("ta " << ta << " tb " << tb << " m " << m << " n " << n << " k " << k << " alpha " << alpha << " beta " << beta);
  // Pitches one wider than needed, so a write past a row shows in the padding.
  int64_t lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 1, ldc = n + 1;
  std::vector<T> a = random_values<T>(static_cast<std::size_t>((ta ? k : m) * lda));
  std::vector<T> b = random_values<T>(static_cast<std::size_t>((tb ? n : k) * ldb));
  std::vector<T> c = random_values<T>(static_cast<std::size_t>(m * ldc));
  if (nan_c)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = std::numeric_limits<T>::quiet_NaN();
  std::vector<double> want = naive_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  ember::blas::gemm("test", ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
  double tol = std::is_same<T, float>::value ? 1e-5 : 1e-12;
  for (std::size_t i = 0; i < c.size(); ++i) {
    INFO("element " << i);
    if (std::isnan(want[i])) {
      CHECK(std::isnan(c[i]));
    } else if (static_cast<int64_t>(i) % ldc == n) {
      CHECK(static_cast<double>(c[i]) == want[i]);  // the padding column is never written
    } else {
      CHECK(static_cast<double>(c[i]) == Approx(want[i]).margin(tol));
    }
  }
}

}  // namespace

TEST_CASE("blas gemm matches a naive product for every transpose, alpha and beta", "[linalg][blas]") {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      check_gemm_case<float>(ta, tb, 3, 4, 5, 1.0f, 0.0f, false);
      check_gemm_case<double>(ta, tb, 3, 4, 5, 1.0, 0.0, false);
      check_gemm_case<float>(ta, tb, 2, 3, 4, 0.5f, 1.0f, false);
      check_gemm_case<double>(ta, tb, 2, 3, 4, -2.0, 0.25, false);
    }
}

// m == 1 or n == 1 goes to gemv (a batch-1 linear layer): the same contract, with the
// single row or column read through a pitch when it is stored transposed.
TEST_CASE("blas gemm with one row or one column matches a naive product (the gemv path)", "[linalg][blas]") {
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (int64_t k : {int64_t(1), int64_t(37), int64_t(300)}) {
        check_gemm_case<float>(ta, tb, 1, 9, k, 1.0f, 0.0f, false);
        check_gemm_case<float>(ta, tb, 9, 1, k, 1.0f, 0.0f, false);
        check_gemm_case<double>(ta, tb, 1, 9, k, -2.0, 0.25, false);
        check_gemm_case<double>(ta, tb, 9, 1, k, 0.5, 1.0, false);
        check_gemm_case<float>(ta, tb, 1, 1, k, 2.0f, 0.5f, false);
        check_gemm_case<float>(ta, tb, 1, 9, k, 1.0f, 0.0f, true);   // beta == 0 over NaN
        check_gemm_case<double>(ta, tb, 9, 1, k, 1.0, 0.0, true);
      }
}

TEST_CASE("blas gemm with beta == 0 never reads C, NaN included", "[linalg][blas]") {
  check_gemm_case<float>(false, false, 3, 4, 5, 1.0f, 0.0f, true);
  check_gemm_case<double>(true, true, 3, 4, 5, 2.0, 0.0, true);
  // k == 0 as well: zeros, not NaN.
  check_gemm_case<float>(false, false, 3, 4, 0, 1.0f, 0.0f, true);
  check_gemm_case<double>(false, true, 3, 4, 0, 1.0, 0.0, true);
}

TEST_CASE("blas gemm empty products: k == 0 gives beta * C, m or n == 0 touches nothing", "[linalg][blas]") {
  for (double beta : {0.0, 1.0, 3.0}) {
    check_gemm_case<float>(false, false, 2, 3, 0, 1.0f, static_cast<float>(beta), false);
    check_gemm_case<double>(true, false, 2, 3, 0, 2.0, beta, false);
  }
  // m == 0 or n == 0: nothing is read or written, so null pointers are fine.
  float* none = nullptr;
  CHECK_NOTHROW(ember::blas::gemm("test", false, false, 0, 3, 4, 1.0f, none, 4, none, 3, 0.0f, none, 3));
  std::vector<double> c(6, 7.0);
  ember::blas::gemm("test", false, false, 2, 0, 4, 1.0, static_cast<const double*>(nullptr), 4,
                    static_cast<const double*>(nullptr), 1, 0.0, c.data(), 3);
  CHECK(c == std::vector<double>(6, 7.0));
}

TEST_CASE("blas gemm and dot reject sizes beyond 32-bit ints, naming the op and shapes", "[linalg][blas]") {
  // The sizes are checked before any memory is touched, so no buffer is needed.
  const int64_t big = int64_t(std::numeric_limits<int>::max()) + 1;
  const float* none = nullptr;
  float* out = nullptr;
  auto tall = [&] { ember::blas::gemm("mm", false, false, big, 2, 3, 1.0f, none, 3, none, 2, 0.0f, out, 2); };
  CHECK_THROWS_AS(tall(), ember::Error);
  CHECK_THROWS_WITH(tall(), Contains("mm:") && Contains("[2147483648, 3] x [3, 2]"));
  auto deep = [&] { ember::blas::gemm("conv2d", false, false, 2, 3, big, 1.0f, none, big, none, 3, 0.0f, out, 3); };
  CHECK_THROWS_AS(deep(), ember::Error);
  CHECK_THROWS_WITH(deep(), Contains("conv2d:") && Contains("[2, 2147483648] x [2147483648, 3]"));
  const double* dnone = nullptr;
  CHECK_THROWS_AS(ember::blas::dot("dot", big, dnone, 1, dnone, 1), ember::Error);
  CHECK_THROWS_WITH(ember::blas::dot("dot", 4, dnone, big, dnone, 1), Contains("dot:") && Contains("2147483648"));
}

TEST_CASE("matmul and addmm with an empty inner size give zeros or the scaled bias", "[linalg][blas]") {
  // Sums of nothing: PyTorch gives zeros for matmul and beta * bias for addmm.
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64}) {
    INFO(ember::dtype_name(dt));
    ember::Tensor y = ember::matmul(ember::randn({3, 2, 0}, dt), ember::randn({0, 5}, dt));
    CHECK(testing::values(y) == std::vector<double>(30, 0.0));
    ember::Tensor bias = ember::full({4}, 0.5, dt);
    CHECK(testing::values(ember::addmm(bias, ember::randn({2, 0}, dt), ember::randn({0, 4}, dt), 2, 1)) ==
          std::vector<double>(8, 1.0));
  }
}
