// float32 matrix products (ops/blas.cpp: oneDNN's sgemm when ember is built with it and
// the CPU allows, OpenBLAS otherwise) against the same products in float64, which always
// run on OpenBLAS's dgemm: the independent source here. Every combination of transposed
// operands (transposed views reach BLAS as transposes, not copies), rows and columns
// taken from wider matrices (leading dimensions larger than the width), shapes on both
// sides of the size where a product is split over ember's threads, and both directions
// of that split. Also: results at 1 and 2 threads are identical bit for bit on oneDNN,
// NaN in an addmm input scaled by beta = 0 never reaches the result, and
// ember::matmul_backend() names the library the instruction set allows.
// CTest runs this file's cases once per instruction set (EMBER_SIMD caps oneDNN's too).
#include <ember/functions.hpp>
#include <ember/threads.hpp>
#include <ember/version.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "helpers.hpp"
#include "thread_count_scope.hpp"

using ember::Tensor;

namespace {

struct Shape {
  int64_t m, n, k;
};

// Small, split by columns (n >= m), split by rows (m > n), a long k with a thin result,
// sizes that are not multiples of any vector width; one row, small and big (a batch-1
// linear layer: ember's own loop when B is transposed, oneDNN or OpenBLAS otherwise), and
// one row with a row count and a length that are not multiples of its four rows or of
// any vector width.
const Shape kShapes[] = {{2, 3, 4},     {17, 33, 65},  {64, 256, 784}, {64, 784, 256}, {256, 784, 64},
                         {300, 70, 200}, {9, 13, 4000}, {129, 515, 67}, {1, 10, 128},  {1, 256, 784},
                         {1, 7, 37},    {1, 3, 5}};

// op(A) [m, k] stored as A or as the transpose of a [k, m] tensor; op(B) likewise. A
// "wide" operand is a column slice of a larger matrix, so its rows have a longer pitch.
Tensor operand(int64_t rows, int64_t cols, bool transposed, bool wide) {
  const int64_t r = transposed ? cols : rows, c = transposed ? rows : cols;
  Tensor t = ember::randn({r, wide ? c + 5 : c}, ember::kFloat32);
  if (wide) t = t.slice(1, 2, 2 + c);
  return transposed ? t.t() : t;
}

std::string describe(const Shape& s, bool ta, bool tb, bool wide) {
  return std::to_string(s.m) + "x" + std::to_string(s.k) + " by " + std::to_string(s.k) + "x" +
         std::to_string(s.n) + (ta ? " A transposed" : "") + (tb ? " B transposed" : "") +
         (wide ? " wide rows" : "");
}

// Largest |float32 - float64| over the float64 product's scale: float32 rounding of a
// k-term sum, compared with a bound that grows as sqrt(k).
void check_close(const Tensor& a, const Tensor& b, const Shape& s, const std::string& what) {
  const Tensor want = ember::matmul(a.to(ember::kFloat64), b.to(ember::kFloat64));
  const Tensor got = ember::matmul(a, b);
  REQUIRE(got.dtype() == ember::kFloat32);
  REQUIRE(got.sizes() == std::vector<int64_t>{s.m, s.n});
  const double err = (got.to(ember::kFloat64) - want).abs().max().item<double>();
  const double bound = 2e-6 * std::sqrt(double(s.k)) * (1.0 + want.abs().max().item<double>());
  INFO(what << ": error " << err << ", bound " << bound);
  CHECK(err <= bound);
}

}  // namespace

TEST_CASE("sgemm: float32 products equal float64 ones to rounding for every transpose and pitch", "[sgemm]") {
  ember::manual_seed(11);
  for (const Shape& s : kShapes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (int wide = 0; wide < 2; ++wide) {
          Tensor a = operand(s.m, s.k, ta, wide), b = operand(s.k, s.n, tb, wide);
          check_close(a, b, s, describe(s, ta, tb, wide));
        }
}

TEST_CASE("sgemm: products at 1 and at 2 threads are identical bit for bit", "[sgemm]") {
  ember::manual_seed(12);
  for (const Shape& s : kShapes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        Tensor a = operand(s.m, s.k, ta, tb), b = operand(s.k, s.n, tb, ta);
        Tensor one, two;
        {
          ThreadCountScope t(1);
          one = ember::matmul(a, b);
        }
        {
          ThreadCountScope t(2);
          two = ember::matmul(a, b);
        }
        INFO(describe(s, ta, tb, false) << " on " << ember::matmul_backend());
        CHECK(ember::allclose(one, two, 1e-4, 1e-3));
        // Bit for bit on oneDNN, whose blocks follow the shape alone; OpenBLAS's threads
        // (EMBER_SIMD=sse2, builds without oneDNN) may sum in another order.
        if (std::string(ember::matmul_backend()) == "onednn") CHECK(ember::equal(one, two));
      }
}

TEST_CASE("sgemm: batched products equal float64 ones and do not depend on the thread count", "[sgemm]") {
  ember::manual_seed(13);
  Tensor a = ember::randn({3, 70, 150}, ember::kFloat32), b = ember::randn({3, 150, 90}, ember::kFloat32);
  Tensor want = ember::bmm(a.to(ember::kFloat64), b.to(ember::kFloat64));
  Tensor one, two;
  {
    ThreadCountScope t(1);
    one = ember::bmm(a, b);
  }
  {
    ThreadCountScope t(2);
    two = ember::bmm(a, b);
  }
  if (std::string(ember::matmul_backend()) == "onednn") CHECK(ember::equal(one, two));
  CHECK((two.to(ember::kFloat64) - want).abs().max().item<double>() < 1e-4);
  CHECK((one.to(ember::kFloat64) - want).abs().max().item<double>() < 1e-4);
}

TEST_CASE("sgemm: addmm with beta 0 ignores NaN in its input", "[sgemm]") {
  // PyTorch's rule (torch.addmm docs): with beta = 0 the input is ignored, NaN included.
  for (int threads = 1; threads <= 2; ++threads) {
    ThreadCountScope t(threads);
    for (const Shape& s : {Shape{4, 5, 6}, Shape{64, 256, 784}, Shape{1, 9, 40}}) {
      Tensor input = ember::full({s.m, s.n}, std::numeric_limits<double>::quiet_NaN(), ember::kFloat32);
      Tensor a = ember::randn({s.m, s.k}, ember::kFloat32), b = ember::randn({s.k, s.n}, ember::kFloat32);
      Tensor got = ember::addmm(input, a, b, /*beta=*/0, /*alpha=*/2);
      INFO(describe(s, false, false, false) << ", " << threads << " thread(s)");
      CHECK(!ember::isnan(got).any().item<bool>());
      CHECK(ember::allclose(got, 2 * ember::matmul(a, b), 1e-5, 1e-5));
    }
  }
}

TEST_CASE("sgemm: one row with alpha and beta equals float64", "[sgemm]") {
  // addmm(input, x, W^T, beta, alpha) with x one row: the batch-1 linear layer's loop
  // adds beta * input (the bias, beta = 1, in linear's case) to alpha x W^T.
  for (const Shape& s : {Shape{1, 9, 40}, Shape{1, 256, 784}}) {
    Tensor input = ember::randn({s.m, s.n}, ember::kFloat32), a = ember::randn({s.m, s.k}, ember::kFloat32);
    Tensor w = ember::randn({s.n, s.k}, ember::kFloat32);
    for (double beta : {1.0, 0.5}) {
      Tensor got = ember::addmm(input, a, w.t(), beta, /*alpha=*/2);
      Tensor want = ember::addmm(input.to(ember::kFloat64), a.to(ember::kFloat64), w.t().to(ember::kFloat64), beta, 2);
      INFO(describe(s, false, true, false) << ", beta " << beta);
      CHECK((got.to(ember::kFloat64) - want).abs().max().item<double>() <= 1e-4);
    }
  }
}

TEST_CASE("sgemm: matmul_backend names oneDNN exactly when the instruction set allows it", "[sgemm]") {
  const std::string backend = ember::matmul_backend(), isa = ember::simd_instruction_set();
  INFO("backend " << backend << ", instruction set " << isa);
  CHECK((backend == "onednn" || backend == "openblas"));
  // oneDNN needs AVX2: under EMBER_SIMD=sse2 OpenBLAS keeps every product.
  if (isa == "sse2") CHECK(backend == "openblas");
}
