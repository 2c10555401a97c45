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
// row-major with row pitch ldc. Only when rnn_gemm_available().
void rnn_gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row, int64_t a_col, const float* b,
              int64_t ldb, float* c, int64_t ldc, bool accumulate);

}  // namespace kernels
}  // namespace ember
