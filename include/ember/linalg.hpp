// torch.linalg as ember::linalg: PyTorch's names, arguments and defaults, float32 and
// float64, batched over leading dims, differentiable (gradients of any order, composed
// of ember's own differentiable ops). Decompositions run on OpenBLAS's LAPACK.
//
// As in PyTorch, the gradients of eigh and svd are defined for losses that do not
// depend on the sign (or, for repeated values, the basis) chosen for each vector, and
// need distinct eigenvalues / singular values.
#pragma once
#include <cstddef>
#include <optional>
#include <type_traits>
#include <string>
#include <tuple>
#include <vector>

#include "ember/scalar.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace linalg {

// ---- determinants, inverses, solvers ----
Tensor det(const Tensor& A);
// (sign, log|det|); a singular matrix gives (0, -inf).
std::tuple<Tensor, Tensor> slogdet(const Tensor& A);
Tensor inv(const Tensor& A);
// X with A X = B. B is a batch of vectors when it is 1-D or its shape is A's without the
// last dim; otherwise a batch of matrices. Batch dims broadcast.
Tensor solve(const Tensor& A, const Tensor& B);
// X with A X = B (left) or X A = B (!left) for a triangular A: only the upper or lower
// triangle is read, and with unitriangular the diagonal counts as ones. B is a matrix.
Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left = true, bool unitriangular = false);
// L with A = L L^T (upper: U = L^T with A = U^T U), from A's lower triangle.
Tensor cholesky(const Tensor& A, bool upper = false);
// A^n for an integer n; n < 0 inverts first, n == 0 gives the identity.
Tensor matrix_power(const Tensor& A, int64_t n);

// exp(A) = sum_k A^k / k! (scaling and squaring with a degree-18 Taylor polynomial).
Tensor matrix_exp(const Tensor& A);
// The inverse of A viewed as a matrix of prod(shape[:ind]) rows; the result has shape
// shape[ind:] + shape[:ind].
Tensor tensorinv(const Tensor& A, int64_t ind = 2);
// X with tensordot(A, X, X.dim()) = B; dims of A given in dims move to the end first.
Tensor tensorsolve(const Tensor& A, const Tensor& B, std::optional<IntArrayRef> dims = std::nullopt);

// ---- norms and products ----
// (sum |x|^ord)^(1/ord) over dim (every dim when absent); ord may be inf, -inf or 0.
Tensor vector_norm(const Tensor& x, Scalar ord = 2, std::optional<IntArrayRef> dim = std::nullopt,
                   bool keepdim = false);
// ord: "fro" or "nuc", or 1, -1, 2, -2, inf, -inf; over the two dims in dim.
Tensor matrix_norm(const Tensor& A, const std::string& ord = "fro", IntArrayRef dim = {-2, -1}, bool keepdim = false);
// A string literal picks the named orders (a template, so that a literal 0 still means
// the number 0 and not a null pointer).
template <std::size_t N>
Tensor matrix_norm(const Tensor& A, const char (&ord)[N], IntArrayRef dim = {-2, -1}, bool keepdim = false) {
  return matrix_norm(A, std::string(ord), dim, keepdim);
}
Tensor matrix_norm(const Tensor& A, Scalar ord, IntArrayRef dim = {-2, -1}, bool keepdim = false);
// A number picks the numeric orders: without this, a literal 0 could also be a null
// const char* for the string overload, and the call would be ambiguous.
template <class T, std::enable_if_t<std::is_arithmetic<T>::value, int> = 0>
Tensor matrix_norm(const Tensor& A, T ord, IntArrayRef dim = {-2, -1}, bool keepdim = false) {
  return matrix_norm(A, Scalar(ord), dim, keepdim);
}
// torch.linalg.norm: a vector norm when dim names one dim (or ord is absent and dim too,
// flattening A); a matrix norm when dim names two (or A is 2-D and dim is absent).
Tensor norm(const Tensor& A, std::optional<Scalar> ord = std::nullopt, std::optional<IntArrayRef> dim = std::nullopt,
            bool keepdim = false);
Tensor norm(const Tensor& A, const std::string& ord, std::optional<IntArrayRef> dim = std::nullopt,
            bool keepdim = false);
template <std::size_t N>
Tensor norm(const Tensor& A, const char (&ord)[N], std::optional<IntArrayRef> dim = std::nullopt,
            bool keepdim = false) {
  return norm(A, std::string(ord), dim, keepdim);
}
template <class T, std::enable_if_t<std::is_arithmetic<T>::value, int> = 0>
Tensor norm(const Tensor& A, T ord, std::optional<IntArrayRef> dim = std::nullopt, bool keepdim = false) {
  return norm(A, std::optional<Scalar>(Scalar(ord)), dim, keepdim);
}
// The cross product of 3-vectors along dim; a and b broadcast.
Tensor cross(const Tensor& a, const Tensor& b, int64_t dim = -1);
// The product of a chain of matrices; the first and the last may be vectors.
Tensor multi_dot(const std::vector<Tensor>& tensors);
// LibTorch's other spellings of det and norm.
Tensor linalg_det(const Tensor& A);
Tensor linalg_norm(const Tensor& A, std::optional<Scalar> ord = std::nullopt,
                   std::optional<IntArrayRef> dim = std::nullopt, bool keepdim = false);
Tensor linalg_norm(const Tensor& A, const std::string& ord, std::optional<IntArrayRef> dim = std::nullopt,
                   bool keepdim = false);
template <std::size_t N>
Tensor linalg_norm(const Tensor& A, const char (&ord)[N], std::optional<IntArrayRef> dim = std::nullopt,
                   bool keepdim = false) {
  return linalg_norm(A, std::string(ord), dim, keepdim);
}
template <class T, std::enable_if_t<std::is_arithmetic<T>::value, int> = 0>
Tensor linalg_norm(const Tensor& A, T ord, std::optional<IntArrayRef> dim = std::nullopt, bool keepdim = false) {
  return linalg_norm(A, std::optional<Scalar>(Scalar(ord)), dim, keepdim);
}

// ---- decompositions ----
// mode: "reduced" (Q [m, k], R [k, n]), "complete" (Q [m, m], R [m, n]) or "r" (R only,
// Q an empty tensor; not differentiable, as in PyTorch).
std::tuple<Tensor, Tensor> qr(const Tensor& A, const std::string& mode = "reduced");
// (eigenvalues ascending, eigenvectors as columns) of a symmetric A read from its lower
// (UPLO "L") or upper ("U") triangle.
std::tuple<Tensor, Tensor> eigh(const Tensor& A, const std::string& UPLO = "L");
Tensor eigvalsh(const Tensor& A, const std::string& UPLO = "L");
// (U, S, Vh) with A = U diag(S) Vh, S descending.
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices = true);
Tensor svdvals(const Tensor& A);
// The Moore-Penrose pseudo-inverse through the SVD; singular values at most
// max(atol, rtol * largest) count as zero (rtol defaults to eps * max(m, n) when
// neither is given, as in PyTorch).
Tensor pinv(const Tensor& A, std::optional<double> atol = std::nullopt, std::optional<double> rtol = std::nullopt);
// The number of singular values above the same tolerance (int64).
Tensor matrix_rank(const Tensor& A, std::optional<double> atol = std::nullopt,
                   std::optional<double> rtol = std::nullopt);

}  // namespace linalg

// The torch:: names LibTorch also has.
Tensor det(const Tensor& A);
Tensor logdet(const Tensor& A);  // log(det(A)): nan for det < 0, -inf for det == 0
std::tuple<Tensor, Tensor> slogdet(const Tensor& A);
Tensor inverse(const Tensor& A);
Tensor cholesky(const Tensor& A, bool upper = false);
Tensor matrix_power(const Tensor& A, int64_t n);
Tensor pinverse(const Tensor& A, double rcond = 1e-15);

}  // namespace ember
