// The recurrent cells' own float GEMM (ops/rnn_gemm.cpp), against a plain triple loop in
// double written here: every row count from 1 to 40 (full tiles, the split tails of 1 to
// 3 rows after a full tile, and short products of fewer rows than a tile), column counts
// that leave masked lanes, inner sizes past one block of the kernel, A read in either
// layout, B row-major and in panels, accumulation into C, and C started from a bias
// row. Tagged [simd]: CTest runs it once per instruction set (AVX-512 and AVX2 have their
// own tiles; under SSE2 the kernel is not available, which is checked too).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <ember/version.hpp>

#include "ops/rnn_gemm.hpp"

namespace {

using ember::kernels::rnn_gemm;
using ember::kernels::rnn_gemm_panels;

// Deterministic values in [-1, 1) that differ from element to element.
std::vector<float> values(int64_t n, uint32_t seed) {
  std::vector<float> v(static_cast<std::size_t>(n));
  uint32_t s = seed * 2654435761u + 1;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>(s >> 8) / static_cast<float>(1 << 23) - 1.0f;
  }
  return v;
}

// C (+)= A B in double, with A's element (i, p) at a[i * a_row + p * a_col].
std::vector<double> reference(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row, int64_t a_col,
                              const float* b, int64_t ldb, const std::vector<float>& c0, int64_t ldc, bool accumulate) {
  std::vector<double> c(static_cast<std::size_t>(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = accumulate ? c0[static_cast<std::size_t>(i * ldc + j)] : 0.0;
      for (int64_t p = 0; p < k; ++p) s += double(a[i * a_row + p * a_col]) * double(b[p * ldb + j]);
      c[static_cast<std::size_t>(i * n + j)] = s;
    }
  return c;
}

// The largest difference from the reference over C's m x n block, and whether the
// padding around it (past n in each row) was left alone.
// With `biased` (and not accumulating), C starts from a bias row instead of zeros.
void check_product(int64_t m, int64_t n, int64_t k, bool transposed_a, bool panels, bool accumulate,
                   bool biased = false) {
  INFO("m " << m << ", n " << n << ", k " << k << ", A transposed " << transposed_a << ", panels " << panels
            << ", accumulate " << accumulate << ", bias " << biased);
  const int64_t ldc = n + 3, ldb = n + 5;
  std::vector<float> a = values(m * k, 1), b = values(k * ldb, 2), c = values(m * ldc, 3);
  const std::vector<float> c0 = c;
  // A as [m, k] row-major, or stored transposed ([k, m]: element (i, p) at p * m + i).
  const int64_t a_row = transposed_a ? 1 : k, a_col = transposed_a ? m : 1;
  std::vector<double> want = reference(m, n, k, a.data(), a_row, a_col, b.data(), ldb, c0, ldc, accumulate);
  const std::vector<float> bias = values(n, 4);
  const float* row = biased ? bias.data() : nullptr;
  if (biased && !accumulate)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) want[static_cast<std::size_t>(i * n + j)] += bias[static_cast<std::size_t>(j)];
  if (panels) {
    const int64_t w = ember::kernels::rnn_panel_width();
    const int64_t strips = (n + w - 1) / w;
    std::vector<float> packed(static_cast<std::size_t>(strips * k * w), 0.0f);
    for (int64_t q = 0; q < strips; ++q)
      for (int64_t p = 0; p < k; ++p)
        for (int64_t j = 0; j < w && q * w + j < n; ++j)
          packed[static_cast<std::size_t>((q * k + p) * w + j)] = b[static_cast<std::size_t>(p * ldb + q * w + j)];
    rnn_gemm_panels(m, n, k, a.data(), a_row, a_col, packed.data(), c.data(), ldc, accumulate, row);
  } else {
    rnn_gemm(m, n, k, a.data(), a_row, a_col, b.data(), ldb, c.data(), ldc, accumulate, row);
  }
  double worst = 0;
  bool padding_kept = true;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j)
      worst = std::max(worst, std::abs(c[static_cast<std::size_t>(i * ldc + j)] - want[static_cast<std::size_t>(i * n + j)]));
    for (int64_t j = n; j < ldc; ++j)
      padding_kept = padding_kept && c[static_cast<std::size_t>(i * ldc + j)] == c0[static_cast<std::size_t>(i * ldc + j)];
  }
  // float32 sums of k products of values below 1: a few ulps of k.
  CHECK(worst <= 1e-6 * double(k + 1) * 4);
  CHECK(padding_kept);
}

}  // namespace

TEST_CASE("rnn_gemm: every row count, masked columns, long inner sizes, both layouts", "[simd][rnn_gemm]") {
  const std::string set = ember::simd_instruction_set();
  REQUIRE(ember::kernels::rnn_gemm_available() == (set == "avx2" || set == "avx512"));
  if (!ember::kernels::rnn_gemm_available()) {
    CHECK(ember::kernels::rnn_panel_width() == 0);
    return;
  }
  CHECK(ember::kernels::rnn_panel_width() == (set == "avx512" ? 32 : 16));
  for (int64_t m = 1; m <= 40; ++m) check_product(m, 37, 19, false, false, false);
  for (int64_t m : {1, 7, 8, 9, 14, 17, 32})
    for (int64_t n : {1, 8, 16, 31, 32, 33, 70})
      for (bool transposed : {false, true})
        for (bool panels : {false, true}) {
          check_product(m, n, 300, transposed, panels, m % 2 == 1);
          check_product(m, n, 150, transposed, panels, false, true);
        }
  // No inner terms: C is zeroed, or left as it was when accumulating.
  check_product(5, 20, 0, false, false, false);
  check_product(5, 20, 0, false, false, true);
  check_product(5, 20, 0, false, true, false, true);
  // A bias row is ignored when accumulating.
  check_product(9, 40, 33, false, true, true, true);
}

TEST_CASE("rnn_gemm_panels: a product over the first rows of taller panels", "[simd][rnn_gemm]") {
  if (!ember::kernels::rnn_gemm_available()) {
    CHECK(ember::kernels::rnn_panel_width() == 0);
    return;
  }
  // Panels of 70 rows; the product uses the first 23 (A has 23 columns).
  const int64_t m = 13, n = 50, rows = 70, k = 23, w = ember::kernels::rnn_panel_width();
  const int64_t strips = (n + w - 1) / w;
  std::vector<float> a = values(m * k, 5), b = values(rows * n, 6), c(static_cast<std::size_t>(m * n));
  std::vector<float> packed(static_cast<std::size_t>(strips * rows * w), 0.0f);
  for (int64_t q = 0; q < strips; ++q)
    for (int64_t p = 0; p < rows; ++p)
      for (int64_t j = 0; j < w && q * w + j < n; ++j)
        packed[static_cast<std::size_t>((q * rows + p) * w + j)] = b[static_cast<std::size_t>(p * n + q * w + j)];
  ember::kernels::rnn_gemm_panels(m, n, k, a.data(), k, 1, packed.data(), c.data(), n, false, nullptr, rows);
  std::vector<double> want = reference(m, n, k, a.data(), k, 1, b.data(), n, c, n, false);
  double worst = 0;
  for (std::size_t i = 0; i < c.size(); ++i) worst = std::max(worst, std::abs(c[i] - want[i]));
  CHECK(worst <= 1e-6 * double(k + 1) * 4);
}
