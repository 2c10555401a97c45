// The recurrent cells' own float GEMM for the AVX-512 machines, where BLAS's kernel
// may use only half the vector width (OpenBLAS runs its AVX2 kernel on AMD's AVX-512
// chips). The LSTM's products are small (a few dozen rows) and their B operand is
// already laid out for it (weights packed once per sequence), so one register-blocked
// loop without packing serves them.
#pragma once
#include <cstdint>

namespace ember {
namespace kernels {

// Whether rnn_gemm runs here (the chosen instruction set is AVX-512).
bool rnn_gemm_available();

// C[m, n] = A B (+ C when accumulate), where A's element (i, p) is a[i * a_row + p * a_col]
// (either layout, transposed or not), B is row-major [k, n] with row pitch ldb, and C
// row-major with row pitch ldc. Only when rnn_gemm_available().
void rnn_gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row, int64_t a_col, const float* b,
              int64_t ldb, float* c, int64_t ldc, bool accumulate);

}  // namespace kernels
}  // namespace ember
