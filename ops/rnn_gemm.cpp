// rnn_gemm (see rnn_gemm.hpp): tiles of C of 2 vectors of columns, 8 rows by 32 columns
// with AVX-512 (16 of its 32 registers accumulate), 6 by 16 with AVX2 (12 of 16); each
// step of the inner loop broadcasts one element of A per row and loads 2 vectors of B,
// for 2 FMAs per row. Columns past n are masked off.
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
                       int64_t ldc, __mmask16 m0, __mmask16 m1, bool accumulate, const float* row) {
  __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    if (accumulate) {
      acc0[i] = _mm512_maskz_loadu_ps(m0, c + i * ldc);
      acc1[i] = _mm512_maskz_loadu_ps(m1, c + i * ldc + 16);
    } else if (row) {
      acc0[i] = _mm512_maskz_loadu_ps(m0, row);
      acc1[i] = _mm512_maskz_loadu_ps(m1, row + 16);
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
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      __m512 av = _mm512_set1_ps(ap[i * a_row]);
      acc0[i] = _mm512_fmadd_ps(av, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(av, b1, acc1[i]);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    _mm512_mask_storeu_ps(c + i * ldc, m0, acc0[i]);
    _mm512_mask_storeu_ps(c + i * ldc + 16, m1, acc1[i]);
  }
}

// Runs tile(first_row, rows) over m rows in tiles of mr rows. A tile of r rows keeps 2r
// accumulators, and the FMA units need about 8 in flight (two units, four cycles each):
// a last tile of 1 to 3 rows would run at a fraction of the rate. So when one is left
// over, the full tile before it is given back, and the two tiles' rows (mr + 1 to
// mr + 3) are split in two about equal tiles of at least 4 rows (AVX2's 6 + 2: 4 + 4).
template <class Tile>
inline void for_row_tiles(int64_t m, int64_t mr, Tile&& tile) {
  const int64_t rest_of_full = m % mr;
  const int64_t full = m / mr - (rest_of_full > 0 && rest_of_full < 4 && m >= mr ? 1 : 0);
  for (int64_t t = 0; t < full; ++t) tile(t * mr, mr);
  const int64_t rest = m - full * mr;
  if (rest > mr) {
    tile(full * mr, (rest + 1) / 2);
    tile(full * mr + (rest + 1) / 2, rest / 2);
  } else if (rest > 0) {
    tile(full * mr, rest);
  }
}

// One block of at most kKBlock inner terms: its 32 columns of B (16 KiB) stay in L1
// while every row tile of C passes over them.
constexpr int64_t kKBlock = 128;

// strip: how far apart the 32-column strips of B start (32 when B is row-major, k x 32
// when it is packed in panels; ldb is then 32).
EMBER_AVX512 void gemm_block(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row, int64_t a_col,
                             const float* b, int64_t ldb, int64_t strip, float* c, int64_t ldc, bool accumulate,
                             const float* row) {
  constexpr int MR = 8;  // 16 accumulators of the 32 zmm registers
  for (int64_t j = 0; j < n; j += 32) {
    const int64_t w = n - j < 32 ? n - j : 32;
    const __mmask16 m0 = w >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << w) - 1);
    const __mmask16 m1 = w >= 32 ? __mmask16(0xFFFF) : w <= 16 ? __mmask16(0) : __mmask16((1u << (w - 16)) - 1);
    const float* bj = b + j / 32 * strip;
    const float* row_j = row ? row + j : nullptr;
    for_row_tiles(m, MR, [&](int64_t i, int64_t rows) {
      const float* ai = a + i * a_row;
      float* ci = c + i * ldc + j;
      switch (rows) {
        case 8: tile<8>(k, ai, a_row, a_col, bj, ldb, ci, ldc, m0, m1, accumulate, row_j); break;
        case 7: tile<7>(k, ai, a_row, a_col, bj, ldb, ci, ldc, m0, m1, accumulate, row_j); break;
        case 6: tile<6>(k, ai, a_row, a_col, bj, ldb, ci, ldc, m0, m1, accumulate, row_j); break;
        case 5: tile<5>(k, ai, a_row, a_col, bj, ldb, ci, ldc, m0, m1, accumulate, row_j); break;
        case 4: tile<4>(k, ai, a_row, a_col, bj, ldb, ci, ldc, m0, m1, accumulate, row_j); break;
        case 3: tile<3>(k, ai, a_row, a_col, bj, ldb, ci, ldc, m0, m1, accumulate, row_j); break;
        case 2: tile<2>(k, ai, a_row, a_col, bj, ldb, ci, ldc, m0, m1, accumulate, row_j); break;
        case 1: tile<1>(k, ai, a_row, a_col, bj, ldb, ci, ldc, m0, m1, accumulate, row_j); break;
        default: break;
      }
    });
  }
}

// ---- the same with AVX2: tiles of 6 rows by 16 columns ----

#define EMBER_AVX2 __attribute__((target("avx2,fma")))

// The lane mask for the first w lanes (all of them from 8 on, none at 0 or below).
EMBER_AVX2 inline __m256i lanes(int64_t w) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(w)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// w: the tile's columns (16 when Full). The masks are made here rather than passed in:
// the row-tile walk calls this from a lambda, which does not inherit the AVX2 target,
// and a vector argument across that boundary would change the calling convention.
template <int MR, bool Full>
EMBER_AVX2 void tile2(int64_t k, const float* a, int64_t a_row, int64_t a_col, const float* b, int64_t ldb, float* c,
                      int64_t ldc, int64_t w, bool accumulate, const float* row) {
  const __m256i m0 = lanes(w), m1 = lanes(w - 8);
  __m256 acc0[MR], acc1[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    if (accumulate) {
      acc0[i] = Full ? _mm256_loadu_ps(c + i * ldc) : _mm256_maskload_ps(c + i * ldc, m0);
      acc1[i] = Full ? _mm256_loadu_ps(c + i * ldc + 8) : _mm256_maskload_ps(c + i * ldc + 8, m1);
    } else if (row) {
      acc0[i] = Full ? _mm256_loadu_ps(row) : _mm256_maskload_ps(row, m0);
      acc1[i] = Full ? _mm256_loadu_ps(row + 8) : _mm256_maskload_ps(row + 8, m1);
    } else {
      acc0[i] = _mm256_setzero_ps();
      acc1[i] = _mm256_setzero_ps();
    }
  }
  for (int64_t p = 0; p < k; ++p) {
    const float* bp = b + p * ldb;
    __m256 b0 = Full ? _mm256_loadu_ps(bp) : _mm256_maskload_ps(bp, m0);
    __m256 b1 = Full ? _mm256_loadu_ps(bp + 8) : _mm256_maskload_ps(bp + 8, m1);
    const float* ap = a + p * a_col;
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      __m256 av = _mm256_broadcast_ss(ap + i * a_row);
      acc0[i] = _mm256_fmadd_ps(av, b0, acc0[i]);
      acc1[i] = _mm256_fmadd_ps(av, b1, acc1[i]);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    if (Full) {
      _mm256_storeu_ps(c + i * ldc, acc0[i]);
      _mm256_storeu_ps(c + i * ldc + 8, acc1[i]);
    } else {
      _mm256_maskstore_ps(c + i * ldc, m0, acc0[i]);
      _mm256_maskstore_ps(c + i * ldc + 8, m1, acc1[i]);
    }
  }
}

template <bool Full>
EMBER_AVX2 void rows2(int64_t m, int64_t k, const float* a, int64_t a_row, int64_t a_col, const float* b, int64_t ldb,
                      float* c, int64_t ldc, int64_t w, bool accumulate, const float* row) {
  constexpr int MR = 6;
  for_row_tiles(m, MR, [&](int64_t i, int64_t rows) {
    const float* ai = a + i * a_row;
    float* ci = c + i * ldc;
    switch (rows) {
      case 6: tile2<6, Full>(k, ai, a_row, a_col, b, ldb, ci, ldc, w, accumulate, row); break;
      case 5: tile2<5, Full>(k, ai, a_row, a_col, b, ldb, ci, ldc, w, accumulate, row); break;
      case 4: tile2<4, Full>(k, ai, a_row, a_col, b, ldb, ci, ldc, w, accumulate, row); break;
      case 3: tile2<3, Full>(k, ai, a_row, a_col, b, ldb, ci, ldc, w, accumulate, row); break;
      case 2: tile2<2, Full>(k, ai, a_row, a_col, b, ldb, ci, ldc, w, accumulate, row); break;
      case 1: tile2<1, Full>(k, ai, a_row, a_col, b, ldb, ci, ldc, w, accumulate, row); break;
      default: break;
    }
  });
}

EMBER_AVX2 void gemm_block_avx2(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row, int64_t a_col,
                                const float* b, int64_t ldb, int64_t strip, float* c, int64_t ldc, bool accumulate,
                             const float* row) {
  for (int64_t j = 0; j < n; j += 16) {
    const int64_t w = n - j < 16 ? n - j : 16;
    const float* bj = b + j / 16 * strip;
    if (w == 16)
      rows2<true>(m, k, a, a_row, a_col, bj, ldb, c + j, ldc, w, accumulate, row ? row + j : nullptr);
    else
      rows2<false>(m, k, a, a_row, a_col, bj, ldb, c + j, ldc, w, accumulate, row ? row + j : nullptr);
  }
}

enum class Kernel { None, Avx2, Avx512 };

Kernel choose() {
  const char* set = ember::simd_instruction_set();
  if (std::strcmp(set, "avx512") == 0) return Kernel::Avx512;
  if (std::strcmp(set, "avx2") == 0) return Kernel::Avx2;
  return Kernel::None;
}

// Chosen on first use: the instruction set is itself chosen while the library loads.
Kernel kernel() {
  static const Kernel chosen = choose();
  return chosen;
}

// Both layouts of B: ldb is its row pitch inside a strip, strip how far apart strips start.
void gemm_strips(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row, int64_t a_col, const float* b,
                 int64_t ldb, int64_t strip, float* c, int64_t ldc, bool accumulate, const float* row) {
  if (k == 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i) {
        if (row)
          std::memcpy(c + i * ldc, row, static_cast<std::size_t>(n) * sizeof(float));
        else
          std::memset(c + i * ldc, 0, static_cast<std::size_t>(n) * sizeof(float));
      }
    return;
  }
  // Either instruction set's block kernel, over blocks of at most kKBlock inner terms.
  auto* block = kernel() == Kernel::Avx512 ? gemm_block : gemm_block_avx2;
  for (int64_t p = 0; p < k; p += kKBlock) {
    const int64_t kb = k - p < kKBlock ? k - p : kKBlock;
    block(m, n, kb, a + p * a_col, a_row, a_col, b + p * ldb, ldb, strip, c, ldc, accumulate || p > 0, row);
  }
}

}  // namespace

bool rnn_gemm_available() { return kernel() != Kernel::None; }

int64_t rnn_panel_width() {
  switch (kernel()) {
    case Kernel::Avx512: return 32;
    case Kernel::Avx2: return 16;
    default: return 0;
  }
}

void rnn_gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row, int64_t a_col, const float* b,
              int64_t ldb, float* c, int64_t ldc, bool accumulate, const float* row) {
  gemm_strips(m, n, k, a, a_row, a_col, b, ldb, rnn_panel_width(), c, ldc, accumulate, row);
}

void rnn_gemm_panels(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row, int64_t a_col,
                     const float* panels, float* c, int64_t ldc, bool accumulate, const float* row,
                     int64_t panel_rows) {
  const int64_t width = rnn_panel_width();
  gemm_strips(m, n, k, a, a_row, a_col, panels, width, (panel_rows < 0 ? k : panel_rows) * width, c, ldc, accumulate,
              row);
}

}  // namespace kernels
}  // namespace ember
