// The recurrent cells' own float GEMM, with AVX-512 or AVX2 (ember's chosen instruction
// set). The LSTM's products are small (a few dozen rows), where BLAS spends much of its
// time packing its operands, and their B operand is already laid out for a plain
// register-blocked loop (weights packed once per sequence). On AVX-512 machines it also
// uses the full vector width, which OpenBLAS's kernel may not (it runs its AVX2 kernel
// on AMD's AVX-512 chips).
#pragma once
#include <cstdint>

namespace ember {
namespace kernels {

// Whether rnn_gemm runs here (the chosen instruction set is AVX-512 or AVX2).
bool rnn_gemm_available();

// C[m, n] = A B (+ C when accumulate), where A's element (i, p) is a[i * a_row + p * a_col]
// (either layout, transposed or not), B is row-major [k, n] with row pitch ldb, and C
// row-major with row pitch ldc. `row`, when given and not accumulating, is a row of n
// values every row of C starts from (C = 1 row + A B: a bias, without a pass that writes
// it into C first). Only when rnn_gemm_available().
void rnn_gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row, int64_t a_col, const float* b,
              int64_t ldb, float* c, int64_t ldc, bool accumulate, const float* row = nullptr);

// The same with B packed in panels of rnn_panel_width() columns (32 with AVX-512, 16
// with AVX2; 0 where rnn_gemm does not run): panel q holds columns [q w, q w + w) as a
// contiguous row-major [k, w] block (zeros past n), and panel q + 1 follows it. A strip
// of B then streams through consecutive lines; read in place from a row-major B, its
// rows lie a whole row pitch apart. For the LSTM's gate product (32 x 160 by 160 x 512)
// that took 170 rather than 139 GFLOP/s with AVX-512 on a 5th-generation Xeon.
int64_t rnn_panel_width();
// `panel_rows`: the rows each panel holds, when the product uses only its first k (the
// default, -1: k).
void rnn_gemm_panels(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row, int64_t a_col,
                     const float* panels, float* c, int64_t ldc, bool accumulate, const float* row = nullptr,
                     int64_t panel_rows = -1);

}  // namespace kernels
}  // namespace ember
