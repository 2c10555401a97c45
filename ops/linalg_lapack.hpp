// Matrix decompositions and solvers on LAPACK (ops/lapack.hpp): no autograd here. Each
// takes float32 or float64 tensors of shape [..., rows, cols], works on every matrix of
// the leading (batch) dims, and throws ember::Error naming the op (PyTorch's name, such
// as "linalg.inv") and the shape for a wrong dtype, too few dims, a non-square matrix,
// and a failed factorization (singular, not positive-definite, no convergence).
#pragma once
#include <tuple>

#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

// Checks shared with the composed ops in autograd/: a defined float32/float64 tensor with
// at least 2 dims, and (square) equal last two sizes.
void check_matrix(const Tensor& a, const char* op, bool square);

// (sign, log|det|) of each matrix, from an LU factorization; a singular matrix gives
// (0, -inf).
std::tuple<Tensor, Tensor> slogdet(const Tensor& a, const char* op = "linalg.slogdet");
// det of each matrix (0 for a singular one).
Tensor det(const Tensor& a, const char* op = "linalg.det");
// The inverse; throws for a singular matrix.
Tensor inv(const Tensor& a, const char* op = "linalg.inv");
// X with A X = B, for a [..., n, n] and b [..., n, k] whose batch dims broadcast;
// throws for a singular A.
Tensor solve(const Tensor& a, const Tensor& b, const char* op = "linalg.solve");
// The lower Cholesky factor L (A = L L^T, read from A's lower triangle); throws when A
// is not positive-definite.
Tensor cholesky(const Tensor& a, const char* op = "linalg.cholesky");
// (Q, R). complete: Q is [m, m] and R [m, n]; otherwise Q [m, k] and R [k, n], k = min(m, n).
// compute_q false leaves Q an empty [0] tensor (mode "r").
std::tuple<Tensor, Tensor> qr(const Tensor& a, bool complete, bool compute_q, const char* op = "linalg.qr");
// (eigenvalues ascending, eigenvectors as columns) of the symmetric matrix read from the
// lower (lower = true) or upper triangle; vectors false leaves the second an empty [0].
std::tuple<Tensor, Tensor> eigh(const Tensor& a, bool lower, bool vectors, const char* op = "linalg.eigh");
// (U, S descending, Vh) with A = U diag(S) Vh; full: U [m, m] and Vh [n, n], otherwise
// [m, k] and [k, n]. vectors false computes S only (U and Vh empty [0]).
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& a, bool full, bool vectors, const char* op = "linalg.svd");

}  // namespace kernels
}  // namespace ember
