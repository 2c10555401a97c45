// rnn_gemm (see rnn_gemm.hpp): tiles of 6 rows by 32 columns of C, 12 zmm accumulators,
// each step of the inner loop 6 broadcasts of A and 2 loads of B for 12 FMAs; columns
// past n are masked off.
#include "ops/rnn_gemm.hpp"

#include <cstring>

#include <immintrin.h>

#include "ember/version.hpp"

namespace ember {
namespace kernels {
namespace {

#define EMBER_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,fma")))

template <int MR>
EMBER_AVX512 void tile(int64_t k, const float* a, int64_t a_row, int64_t a_col, const float* b, int64_t ldb, float* c,
                       int64_t ldc, __mmask16 m0, __mmask16 m1, bool accumulate) {
  __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    if (accumulate) {
      acc0[i] = _mm512_maskz_loadu_ps(m0, c + i * ldc);
      acc1[i] = _mm512_maskz_loadu_ps(m1, c + i * ldc + 16);
    } else {
      acc0[i] = _mm512_setzero_ps();
      acc1[i] = _mm512_setzero_ps();
    }
  }
  for (int64_t p = 0; p < k; ++p) {
    const float* bp = b + p * ldb;
    __m512 b0 = _mm512_maskz_loadu_ps(m0, bp);
    __m512 b1 = _mm512_maskz_loadu_ps(m1, bp + 16);
    const float* ap = a + p * a_col;
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      __m512 av = _mm512_set1_ps(ap[i * a_row]);
      acc0[i] = _mm512_fmadd_ps(av, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(av, b1, acc1[i]);
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    _mm512_mask_storeu_ps(c + i * ldc, m0, acc0[i]);
    _mm512_mask_storeu_ps(c + i * ldc + 16, m1, acc1[i]);
  }
}

// One block of at most kKBlock inner terms: its 32 columns of B (16 KiB) stay in L1
// while every row tile of C passes over them.
constexpr int64_t kKBlock = 128;

EMBER_AVX512 void gemm_block(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row, int64_t a_col,
                             const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  constexpr int MR = 6;
  for (int64_t j = 0; j < n; j += 32) {
    const int64_t w = n - j < 32 ? n - j : 32;
    const __mmask16 m0 = w >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << w) - 1);
    const __mmask16 m1 = w >= 32 ? __mmask16(0xFFFF) : w <= 16 ? __mmask16(0) : __mmask16((1u << (w - 16)) - 1);
    int64_t i = 0;
    for (; i + MR <= m; i += MR)
      tile<MR>(k, a + i * a_row, a_row, a_col, b + j, ldb, c + i * ldc + j, ldc, m0, m1, accumulate);
    const float* ai = a + i * a_row;
    float* ci = c + i * ldc + j;
    switch (m - i) {
      case 5: tile<5>(k, ai, a_row, a_col, b + j, ldb, ci, ldc, m0, m1, accumulate); break;
      case 4: tile<4>(k, ai, a_row, a_col, b + j, ldb, ci, ldc, m0, m1, accumulate); break;
      case 3: tile<3>(k, ai, a_row, a_col, b + j, ldb, ci, ldc, m0, m1, accumulate); break;
      case 2: tile<2>(k, ai, a_row, a_col, b + j, ldb, ci, ldc, m0, m1, accumulate); break;
      case 1: tile<1>(k, ai, a_row, a_col, b + j, ldb, ci, ldc, m0, m1, accumulate); break;
      default: break;
    }
  }
}

EMBER_AVX512 void gemm_avx512(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row, int64_t a_col,
                              const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  if (k == 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i) std::memset(c + i * ldc, 0, static_cast<std::size_t>(n) * sizeof(float));
    return;
  }
  for (int64_t p = 0; p < k; p += kKBlock) {
    const int64_t kb = k - p < kKBlock ? k - p : kKBlock;
    gemm_block(m, n, kb, a + p * a_col, a_row, a_col, b + p * ldb, ldb, c, ldc, accumulate || p > 0);
  }
}

bool choose() { return std::strcmp(ember::simd_instruction_set(), "avx512") == 0; }

}  // namespace

bool rnn_gemm_available() {
  static const bool available = choose();
  return available;
}

void rnn_gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row, int64_t a_col, const float* b,
              int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  gemm_avx512(m, n, k, a, a_row, a_col, b, ldb, c, ldc, accumulate);
}

}  // namespace kernels
}  // namespace ember
