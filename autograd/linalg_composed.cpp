// The torch.linalg ops that are compositions of differentiable ops (norms, cross,
// matrix_power, pinv, matrix_rank) and the torch:: aliases LibTorch has (det, logdet,
// inverse, ...). No backward of their own: gradients of any order come from the parts.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "autograd/prelude.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/linalg.hpp"
#include "ops/linalg_lapack.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace linalg {
namespace {

void check_float(const Tensor& x, const char* op) {
  detail::check_defined(x, op, "input");
  EMBER_CHECK(is_floating_point(x.dtype()), "{}: Expected a floating point tensor as input, but got dtype {} (shape {})",
              op, x.dtype(), x.sizes());
}

// The two wrapped matrix dims of a matrix norm; they must differ.
std::pair<int64_t, int64_t> matrix_dims(const Tensor& A, IntArrayRef dim, const char* op) {
  EMBER_CHECK(dim.size() == 2, "{}: dim must be a 2-tuple, but got {} dims (shape {})", op, dim.size(), A.sizes());
  int64_t d0 = detail::wrap_dim(A, dim[0], op), d1 = detail::wrap_dim(A, dim[1], op);
  EMBER_CHECK(d0 != d1, "{}: dims must be different, but got ({}, {}) (shape {})", op, dim[0], dim[1], A.sizes());
  return {d0, d1};
}

// A with dims d0 and d1 moved to the end, in that order (for the SVD-based norms).
Tensor matrix_last(const Tensor& A, int64_t d0, int64_t d1) {
  std::vector<int64_t> perm;
  for (int64_t d = 0; d < A.dim(); ++d)
    if (d != d0 && d != d1) perm.push_back(d);
  perm.push_back(d0);
  perm.push_back(d1);
  return A.permute(perm);
}

// r reduced over the two matrix dims: put them back as size 1 when keepdim.
Tensor restore_dims(Tensor r, int64_t d0, int64_t d1, bool keepdim) {
  if (!keepdim) return r;
  r = r.unsqueeze(std::min(d0, d1));
  return r.unsqueeze(std::max(d0, d1));
}

// The tolerance of pinv and matrix_rank from the largest singular value.
Tensor tolerance(const Tensor& s, const Tensor& A, std::optional<double> atol, std::optional<double> rtol) {
  double eps = A.dtype() == Dtype::Float32 ? std::numeric_limits<float>::epsilon()
                                           : std::numeric_limits<double>::epsilon();
  double a = atol.value_or(0.0);
  double r = rtol ? *rtol : (atol && *atol > 0 ? 0.0 : eps * static_cast<double>(std::max(A.size(-2), A.size(-1))));
  Tensor smax = s.size(-1) > 0 ? ember::amax(s, {-1}, true) : ember::zeros(s.sizes().vec(), s.dtype());
  return ember::clamp_min(smax * r, a);
}

}  // namespace

Tensor vector_norm(const Tensor& x, Scalar ord, std::optional<IntArrayRef> dim, bool keepdim) {
  check_float(x, "linalg.vector_norm");
  std::vector<int64_t> dims = dim ? dim->vec() : std::vector<int64_t>{};
  return ember::norm(x, ord, dims, keepdim);
}

Tensor matrix_norm(const Tensor& A, const std::string& ord, IntArrayRef dim, bool keepdim) {
  const char* op = "linalg.matrix_norm";
  k::check_matrix(A, op, false);
  auto [d0, d1] = matrix_dims(A, dim, op);
  if (ord == "fro") return ember::norm(A, 2, std::vector<int64_t>{d0, d1}, keepdim);
  EMBER_CHECK(ord == "nuc", "{}: Order {} not supported; expected 'fro' or 'nuc' (shape {})", op, ord, A.sizes());
  return restore_dims(ember::sum(svdvals(matrix_last(A, d0, d1)), {-1}), d0, d1, keepdim);
}

Tensor matrix_norm(const Tensor& A, Scalar ord, IntArrayRef dim, bool keepdim) {
  const char* op = "linalg.matrix_norm";
  k::check_matrix(A, op, false);
  auto [d0, d1] = matrix_dims(A, dim, op);
  double p = ord.to_double();
  double ap = std::abs(p);
  EMBER_CHECK(ap == 2 || ap == 1 || std::isinf(p), "{}: Order {} not supported; expected one of 1, -1, 2, -2, inf, -inf "
              "(shape {})", op, p, A.sizes());
  if (ap == 2) {
    Tensor s = svdvals(matrix_last(A, d0, d1));
    Tensor r = p > 0 ? ember::amax(s, {-1}) : ember::amin(s, {-1});
    return restore_dims(r, d0, d1, keepdim);
  }
  // 1: the largest column sum of |A| (sum over d0, then the max over d1); inf: rows.
  int64_t sum_dim = ap == 1 ? d0 : d1, max_dim = ap == 1 ? d1 : d0;
  Tensor sums = ember::sum(ember::abs(A), {sum_dim}, true);
  Tensor r = p > 0 ? ember::amax(sums, {max_dim}, true) : ember::amin(sums, {max_dim}, true);
  if (keepdim) return r;
  return r.squeeze(std::max(d0, d1)).squeeze(std::min(d0, d1));
}

Tensor norm(const Tensor& A, std::optional<Scalar> ord, std::optional<IntArrayRef> dim, bool keepdim) {
  const char* op = "linalg.norm";
  check_float(A, op);
  if (dim) {
    if (dim->size() == 1) return vector_norm(A, ord.value_or(2), dim, keepdim);
    EMBER_CHECK(dim->size() == 2, "{}: If dim is specified, it must be of length 1 or 2. Got {} (shape {})", op,
                *dim, A.sizes());
    return ord ? matrix_norm(A, *ord, *dim, keepdim) : matrix_norm(A, "fro", *dim, keepdim);
  }
  if (!ord) return vector_norm(A, 2, std::nullopt, keepdim);
  EMBER_CHECK(A.dim() == 1 || A.dim() == 2,
              "{}: If dim is not specified but ord is, the input must be 1D or 2D. Got {}D (shape {})", op, A.dim(),
              A.sizes());
  if (A.dim() == 1) return vector_norm(A, *ord, std::nullopt, keepdim);
  return matrix_norm(A, *ord, {-2, -1}, keepdim);
}

Tensor norm(const Tensor& A, const std::string& ord, std::optional<IntArrayRef> dim, bool keepdim) {
  const char* op = "linalg.norm";
  check_float(A, op);
  if (dim) {
    EMBER_CHECK(dim->size() == 2, "{}: A matrix norm ('{}') needs a dim of length 2, but got {} (shape {})", op, ord,
                *dim, A.sizes());
    return matrix_norm(A, ord, *dim, keepdim);
  }
  EMBER_CHECK(A.dim() == 2, "{}: If dim is not specified but ord is, the input must be 1D or 2D; ord '{}' needs 2D, "
              "but got {}D (shape {})", op, ord, A.dim(), A.sizes());
  return matrix_norm(A, ord, {-2, -1}, keepdim);
}

Tensor cross(const Tensor& a, const Tensor& b, int64_t dim) {
  const char* op = "linalg.cross";
  detail::check_defined(a, op, "input");
  detail::check_defined(b, op, "other");
  EMBER_CHECK(a.dim() == b.dim(), "{}: inputs must have the same number of dimensions, but got shapes {} and {}", op,
              a.sizes(), b.sizes());
  std::vector<Tensor> ab = ember::broadcast_tensors({a, b});
  int64_t d = detail::wrap_dim(ab[0], dim, op);
  EMBER_CHECK(a.size(d) == 3 && b.size(d) == 3, "{}: inputs dimension {} must have length 3. Got {} and {} (shapes {} "
              "and {})", op, dim, a.size(d), b.size(d), a.sizes(), b.sizes());
  auto part = [d](const Tensor& t, int64_t i) { return t.narrow(d, i, 1); };
  const Tensor &x = ab[0], &y = ab[1];
  return ember::cat({part(x, 1) * part(y, 2) - part(x, 2) * part(y, 1),
                     part(x, 2) * part(y, 0) - part(x, 0) * part(y, 2),
                     part(x, 0) * part(y, 1) - part(x, 1) * part(y, 0)},
                    d);
}

Tensor matrix_power(const Tensor& A, int64_t n) {
  const char* op = "linalg.matrix_power";
  detail::check_defined(A, op, "A");
  EMBER_CHECK(A.dim() >= 2 && A.size(-1) == A.size(-2),
              "{}: A must be batches of square matrices, but got shape {}", op, A.sizes());
  if (n == 0) return ember::zeros_like(A) + ember::eye(A.size(-1), A.dtype());
  Tensor base = n < 0 ? inv(A) : A;
  uint64_t e = n < 0 ? uint64_t(0) - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  // Binary powering: the product of base^(2^i) over the set bits of e.
  Tensor result;
  while (true) {
    if (e & 1) result = result.defined() ? matmul(result, base) : base;
    e >>= 1;
    if (!e) break;
    base = matmul(base, base);
  }
  return result;
}

Tensor multi_dot(const std::vector<Tensor>& tensors) {
  const char* op = "linalg.multi_dot";
  EMBER_CHECK(tensors.size() >= 2, "{}: expected at least 2 tensors but got {}", op, tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    detail::check_defined(tensors[i], op, "tensor");
    bool end = i == 0 || i + 1 == tensors.size();
    EMBER_CHECK(tensors[i].dim() == 2 || (end && tensors[i].dim() == 1),
                "{}: tensor {} must be 2D{} but got {}D (shape {})", op, i, end ? " or 1D" : "", tensors[i].dim(),
                tensors[i].sizes());
  }
  Tensor result = tensors[0];
  for (std::size_t i = 1; i < tensors.size(); ++i) result = matmul(result, tensors[i]);
  return result;
}

Tensor matrix_exp(const Tensor& A) {
  const char* op = "linalg.matrix_exp";
  k::check_matrix(A, op, true);
  int64_t n = A.size(-1);
  Tensor eye = ember::eye(n, A.dtype());
  if (A.numel() == 0) return A + eye;
  // Halve A s times so that every matrix has a 1-norm of at most 1/2, where 18 Taylor
  // terms leave an error far below the dtype's precision; then square s times.
  double largest = 0;
  {
    NoGradGuard no_grad;
    largest = ember::amax(ember::sum(ember::abs(A), {-2})).item<double>();
  }
  int s = std::isfinite(largest) && largest > 0.5 ? static_cast<int>(std::ceil(std::log2(largest / 0.5))) : 0;
  Tensor x = s > 0 ? A * std::ldexp(1.0, -s) : A;
  Tensor term = x, result = x + eye;
  for (int k = 2; k <= 18; ++k) {
    term = matmul(term, x) * (1.0 / k);
    result = result + term;
  }
  for (int i = 0; i < s; ++i) result = matmul(result, result);
  return result;
}

Tensor tensorinv(const Tensor& A, int64_t ind) {
  const char* op = "linalg.tensorinv";
  detail::check_defined(A, op, "A");
  EMBER_CHECK(ind > 0 && ind <= A.dim(), "{}: Expected a strictly positive integer ind no larger than the number of "
              "dims, but got ind {} for shape {}", op, ind, A.sizes());
  std::vector<int64_t> rows(A.sizes().begin(), A.sizes().begin() + ind), cols(A.sizes().begin() + ind, A.sizes().end());
  int64_t r = detail::numel_of(rows), c = detail::numel_of(cols);
  EMBER_CHECK(r == c, "{}: Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), "
              "but got {} != {} (shape {}, ind {})", op, c, r, A.sizes(), ind);
  std::vector<int64_t> shape = cols;
  shape.insert(shape.end(), rows.begin(), rows.end());
  return inv(A.reshape({r, c})).reshape(shape);
}

Tensor tensorsolve(const Tensor& A, const Tensor& B, std::optional<IntArrayRef> dims) {
  const char* op = "linalg.tensorsolve";
  detail::check_defined(A, op, "A");
  detail::check_defined(B, op, "B");
  Tensor a = A;
  if (dims) {
    uint64_t moved = detail::dim_mask(A, *dims, op);
    std::vector<int64_t> perm;
    for (int64_t d = 0; d < A.dim(); ++d)
      if (!((moved >> d) & 1)) perm.push_back(d);
    for (int64_t d : *dims) perm.push_back(detail::wrap_dim(A, d, op));
    a = A.permute(perm);
  }
  EMBER_CHECK(a.dim() >= B.dim(), "{}: A must have at least as many dims as B, but got shapes {} and {}", op,
              A.sizes(), B.sizes());
  for (int64_t d = 0; d < B.dim(); ++d)
    EMBER_CHECK(a.size(d) == B.size(d), "{}: the leading dims of A must be B's shape, but got shapes {} and {}", op,
                a.sizes(), B.sizes());
  std::vector<int64_t> x_shape(a.sizes().begin() + B.dim(), a.sizes().end());
  int64_t rows = B.numel(), cols = detail::numel_of(x_shape);
  EMBER_CHECK(rows == cols, "{}: Expected self to satisfy the requirement prod(result.shape) == prod(other.shape), "
              "but got {} != {} (shapes {} and {})", op, cols, rows, A.sizes(), B.sizes());
  return solve(a.reshape({rows, cols}), B.reshape({rows})).reshape(x_shape);
}

Tensor linalg_det(const Tensor& A) { return linalg::det(A); }
Tensor linalg_norm(const Tensor& A, std::optional<Scalar> ord, std::optional<IntArrayRef> dim, bool keepdim) {
  return linalg::norm(A, ord, dim, keepdim);
}
Tensor linalg_norm(const Tensor& A, const std::string& ord, std::optional<IntArrayRef> dim, bool keepdim) {
  return linalg::norm(A, ord, dim, keepdim);
}

Tensor pinv(const Tensor& A, std::optional<double> atol, std::optional<double> rtol) {
  k::check_matrix(A, "linalg.pinv", false);
  auto [u, s, vh] = svd(A, false);
  Tensor keep = ember::gt(s, tolerance(s.detach(), A, atol, rtol));
  // 1/s only where kept; the where also keeps 1/0 out of the gradient.
  Tensor s_inv = ember::where(keep, ember::reciprocal(ember::where(keep, s, Scalar(1))), Scalar(0));
  return matmul(vh.mT() * s_inv.unsqueeze(-2), u.mT());
}

Tensor matrix_rank(const Tensor& A, std::optional<double> atol, std::optional<double> rtol) {
  k::check_matrix(A, "linalg.matrix_rank", false);
  NoGradGuard no_grad;
  Tensor s = svdvals(A);
  return ember::sum(ember::gt(s, tolerance(s, A, atol, rtol)), {-1});
}

}  // namespace linalg

Tensor det(const Tensor& A) { return linalg::det(A); }
Tensor logdet(const Tensor& A) {
  // log(sign) is 0, nan or -inf; the sign carries no gradient.
  auto [sign, logabs] = linalg::slogdet(A);
  return ember::log(sign.detach()) + logabs;
}
std::tuple<Tensor, Tensor> slogdet(const Tensor& A) { return linalg::slogdet(A); }
Tensor inverse(const Tensor& A) { return linalg::inv(A); }
Tensor cholesky(const Tensor& A, bool upper) { return linalg::cholesky(A, upper); }
Tensor matrix_power(const Tensor& A, int64_t n) { return linalg::matrix_power(A, n); }
Tensor pinverse(const Tensor& A, double rcond) { return linalg::pinv(A, 0.0, rcond); }

Tensor Tensor::det() const { return ember::det(*this); }
Tensor Tensor::logdet() const { return ember::logdet(*this); }
std::tuple<Tensor, Tensor> Tensor::slogdet() const { return ember::slogdet(*this); }
Tensor Tensor::inverse() const { return ember::inverse(*this); }
Tensor Tensor::cholesky(bool upper) const { return ember::cholesky(*this, upper); }
Tensor Tensor::matrix_power(int64_t n) const { return ember::matrix_power(*this, n); }
Tensor Tensor::pinverse(double rcond) const { return ember::pinverse(*this, rcond); }

}  // namespace ember
