#include "ops/linalg_lapack.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "src/core/dtype_dispatch.hpp"
#include "ops/elementwise.hpp"
#include "ops/lapack.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/shape.hpp"

// Layout trick used throughout: a contiguous row-major n x n block is, to Fortran, the
// column-major transpose. det(A^T) = det(A); inverting A^T gives (A^{-1})^T, which read
// row-major is A^{-1}; a symmetric matrix's lower triangle is its transpose's upper
// triangle; and the SVD of A^T = U' S V'^T is the SVD of A with U = V' and Vh = U'^T,
// whose column-major buffers read row-major are U and Vh themselves. Only solve's
// right-hand sides, QR and eigh's vectors need an explicit transpose.

namespace ember {
namespace kernels {
namespace {

using detail::empty_tensor;

Tensor contiguous(const Tensor& x) { return x.is_contiguous() ? x : contiguous_as(x, x.dtype()); }

// The leading dims of a [..., r, c] tensor.
Shape batch_of(const Tensor& a) { return Shape(a.sizes().begin(), a.sizes().end() - 2); }

Shape with_dims(const Shape& batch, std::initializer_list<int64_t> last) {
  Shape s = batch;
  for (int64_t d : last) s.push_back(d);
  return s;
}

// LAPACK counts in int.
int lapack_int(int64_t v, const char* op, const Tensor& a) {
  EMBER_CHECK(v <= std::numeric_limits<int>::max(), "{}: the matrices of shape {} are too large for LAPACK", op,
              a.sizes());
  return static_cast<int>(v);
}

// "(Batch element 3): " for batched inputs, as PyTorch prefixes its messages.
std::string batch_prefix(const Tensor& a, int64_t i) {
  return a.dim() > 2 ? fmt::format("(Batch element {}): ", i) : std::string();
}

// Transposes the rows x cols row-major block src into dst (cols x rows row-major, that
// is, src column-major with leading dimension rows).
template <class T>
void transpose_into(const T* src, int64_t rows, int64_t cols, T* dst) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) dst[j * rows + i] = src[i * cols + j];
}

// LU of the (transposed) n x n block in lu; returns getrf's info.
template <class T>
int lu_factor(T* lu, int n, std::vector<int>& ipiv) {
  ipiv.assign(static_cast<std::size_t>(std::max(n, 1)), 0);
  if (n == 0) return 0;
  return lapack::getrf(n, n, lu, n, ipiv.data());
}

// The workspace size LAPACK reported in work[0] after an lwork = -1 query.
template <class T>
int workspace(T reported) {
  return std::max(1, static_cast<int>(reported));
}

}  // namespace

void check_matrix(const Tensor& a, const char* op, bool square) {
  detail::check_defined(a, op, "A");
  EMBER_CHECK(a.dtype() == Dtype::Float32 || a.dtype() == Dtype::Float64,
              "{}: Expected a floating point tensor as input, but got dtype {} (shape {})", op, a.dtype(), a.sizes());
  EMBER_CHECK(a.dim() >= 2, "{}: The input tensor A must have at least 2 dimensions, but it has shape {}", op,
              a.sizes());
  if (square)
    EMBER_CHECK(a.size(-1) == a.size(-2), "{}: A must be batches of square matrices, but they are {} by {} matrices "
                "(shape {})", op, a.size(-2), a.size(-1), a.sizes());
}

std::tuple<Tensor, Tensor> slogdet(const Tensor& a_in, const char* op) {
  check_matrix(a_in, op, true);
  Tensor a = contiguous(a_in);
  int n = lapack_int(a.size(-1), op, a);
  Shape batch = batch_of(a);
  Tensor sign = empty_tensor(batch, a.dtype()), logabs = empty_tensor(batch, a.dtype());
  int64_t count = detail::numel_of(batch);
  EMBER_DISPATCH_FLOAT(a.dtype(), [&] {
    const T* src = a.data_ptr<T>();
    T* s = sign.data_ptr<T>();
    T* l = logabs.data_ptr<T>();
    std::vector<T> lu(static_cast<std::size_t>(n) * n);
    std::vector<int> ipiv;
    for (int64_t b = 0; b < count; ++b) {
      std::copy(src + b * n * n, src + (b + 1) * n * n, lu.begin());
      if (lu_factor(lu.data(), n, ipiv) > 0) {
        s[b] = 0, l[b] = -std::numeric_limits<T>::infinity();
        continue;
      }
      T sg = 1, la = 0;
      for (int i = 0; i < n; ++i) {
        T d = lu[static_cast<std::size_t>(i) * n + i];
        if (ipiv[i] != i + 1) sg = -sg;
        if (d < 0) sg = -sg;
        la += std::log(std::abs(d));
      }
      s[b] = sg, l[b] = la;
    }
  });
  return {sign, logabs};
}

Tensor det(const Tensor& a_in, const char* op) {
  check_matrix(a_in, op, true);
  Tensor a = contiguous(a_in);
  int n = lapack_int(a.size(-1), op, a);
  Shape batch = batch_of(a);
  Tensor out = empty_tensor(batch, a.dtype());
  int64_t count = detail::numel_of(batch);
  EMBER_DISPATCH_FLOAT(a.dtype(), [&] {
    const T* src = a.data_ptr<T>();
    T* o = out.data_ptr<T>();
    std::vector<T> lu(static_cast<std::size_t>(n) * n);
    std::vector<int> ipiv;
    for (int64_t b = 0; b < count; ++b) {
      std::copy(src + b * n * n, src + (b + 1) * n * n, lu.begin());
      lu_factor(lu.data(), n, ipiv);  // a zero pivot (info > 0) makes the product 0
      T d = 1;
      for (int i = 0; i < n; ++i) {
        d *= lu[static_cast<std::size_t>(i) * n + i];
        if (ipiv[i] != i + 1) d = -d;
      }
      o[b] = d;
    }
  });
  return out;
}

Tensor inv(const Tensor& a_in, const char* op) {
  check_matrix(a_in, op, true);
  Tensor a = contiguous(a_in);
  int n = lapack_int(a.size(-1), op, a);
  Tensor out = empty_tensor(a.sizes(), a.dtype());
  int64_t count = detail::numel_of(batch_of(a));
  EMBER_DISPATCH_FLOAT(a.dtype(), [&] {
    const T* src = a.data_ptr<T>();
    T* o = out.data_ptr<T>();
    std::vector<T> lu(static_cast<std::size_t>(n) * n);
    std::vector<int> ipiv;
    for (int64_t b = 0; b < count; ++b) {
      std::copy(src + b * n * n, src + (b + 1) * n * n, lu.begin());
      int info = lu_factor(lu.data(), n, ipiv);
      EMBER_CHECK(info <= 0,
                  "{}: {}The diagonal element {} is zero, the inversion could not be completed because the input "
                  "matrix is singular (shape {})",
                  op, batch_prefix(a, b), info, a.sizes());
      T* x = o + b * n * n;
      std::fill(x, x + n * n, T(0));
      for (int i = 0; i < n; ++i) x[static_cast<std::size_t>(i) * n + i] = 1;
      // lu holds A^T's factors: solving A^T X = I gives A^{-T}, which read row-major is A^{-1}.
      if (n > 0) lapack::getrs('N', n, n, lu.data(), n, ipiv.data(), x, n);
    }
  });
  return out;
}

Tensor solve(const Tensor& a_in, const Tensor& b_in, const char* op) {
  check_matrix(a_in, op, true);
  detail::check_defined(b_in, op, "B");
  EMBER_CHECK(b_in.dtype() == a_in.dtype(), "{}: Expected A and B to have the same dtype, but found {} and {} "
              "(shapes {} and {})", op, a_in.dtype(), b_in.dtype(), a_in.sizes(), b_in.sizes());
  EMBER_CHECK(b_in.dim() >= 2 && b_in.size(-2) == a_in.size(-1),
              "{}: Incompatible shapes of A and B for the equation AX = B ({} and {})", op, a_in.sizes(), b_in.sizes());
  Shape batch = broadcast_shapes(batch_of(a_in), batch_of(b_in), op);
  int64_t n64 = a_in.size(-1), k64 = b_in.size(-1);
  // Both operands materialized at the broadcast batch shape.
  Tensor a = empty_tensor(with_dims(batch, {n64, n64}), a_in.dtype());
  copy(a, a_in);
  Tensor bm = empty_tensor(with_dims(batch, {n64, k64}), a_in.dtype());
  copy(bm, b_in);
  int n = lapack_int(n64, op, a), k = lapack_int(k64, op, bm);
  Tensor out = empty_tensor(bm.sizes(), a.dtype());
  int64_t count = detail::numel_of(batch);
  EMBER_DISPATCH_FLOAT(a.dtype(), [&] {
    const T* src = a.data_ptr<T>();
    const T* rhs = bm.data_ptr<T>();
    T* o = out.data_ptr<T>();
    std::vector<T> lu(static_cast<std::size_t>(n) * n), x(static_cast<std::size_t>(n) * k);
    std::vector<int> ipiv;
    for (int64_t b = 0; b < count; ++b) {
      std::copy(src + b * n * n, src + (b + 1) * n * n, lu.begin());
      int info = lu_factor(lu.data(), n, ipiv);
      EMBER_CHECK(info <= 0, "{}: {}The solver failed because the input matrix is singular (shapes {} and {})", op,
                  batch_prefix(a, b), a_in.sizes(), b_in.sizes());
      if (n == 0 || k == 0) continue;
      // B column-major, then A X = B through A^T's factors with trans = 'T'.
      transpose_into(rhs + b * n * k, n, k, x.data());
      lapack::getrs('T', n, k, lu.data(), n, ipiv.data(), x.data(), n);
      transpose_into(x.data(), k, n, o + b * n * k);
    }
  });
  return out;
}

Tensor cholesky(const Tensor& a_in, const char* op) {
  check_matrix(a_in, op, true);
  Tensor a = contiguous(a_in);
  int n = lapack_int(a.size(-1), op, a);
  Tensor out = empty_tensor(a.sizes(), a.dtype());
  int64_t count = detail::numel_of(batch_of(a));
  EMBER_DISPATCH_FLOAT(a.dtype(), [&] {
    const T* src = a.data_ptr<T>();
    T* o = out.data_ptr<T>();
    for (int64_t b = 0; b < count; ++b) {
      T* l = o + b * n * n;
      std::copy(src + b * n * n, src + (b + 1) * n * n, l);
      // A's lower triangle is the upper triangle of the buffer Fortran sees; the factor
      // U with A^T = U^T U, read row-major, is L.
      int info = n > 0 ? lapack::potrf('U', n, l, n) : 0;
      EMBER_CHECK(info == 0,
                  "{}: {}The factorization could not be completed because the input is not positive-definite (the "
                  "leading minor of order {} is not positive-definite; shape {})",
                  op, batch_prefix(a, b), info, a.sizes());
      for (int i = 0; i < n; ++i)
        for (int j = i + 1; j < n; ++j) l[static_cast<std::size_t>(i) * n + j] = 0;
    }
  });
  return out;
}

std::tuple<Tensor, Tensor> qr(const Tensor& a_in, bool complete, bool compute_q, const char* op) {
  check_matrix(a_in, op, false);
  Tensor a = contiguous(a_in);
  int m = lapack_int(a.size(-2), op, a), n = lapack_int(a.size(-1), op, a);
  int k = std::min(m, n);
  int qcols = complete ? m : k;      // columns of Q
  int rrows = complete ? m : k;      // rows of R
  Shape batch = batch_of(a);
  int64_t count = detail::numel_of(batch);
  Tensor q = compute_q ? empty_tensor(with_dims(batch, {m, qcols}), a.dtype()) : empty_tensor({0}, a.dtype());
  Tensor r = empty_tensor(with_dims(batch, {rrows, n}), a.dtype());
  EMBER_DISPATCH_FLOAT(a.dtype(), [&] {
    const T* src = a.data_ptr<T>();
    T* qo = compute_q ? q.data_ptr<T>() : nullptr;
    T* ro = r.data_ptr<T>();
    int lda = std::max(1, m);
    int bufcols = std::max(n, qcols);
    std::vector<T> buf(static_cast<std::size_t>(lda) * std::max(bufcols, 1)), tau(std::max(k, 1));
    std::vector<T> work(1);
    for (int64_t b = 0; b < count; ++b) {
      std::fill(buf.begin(), buf.end(), T(0));
      transpose_into(src + b * m * n, m, n, buf.data());  // column-major A
      if (k > 0) {
        T query = 0;
        lapack::geqrf(m, n, buf.data(), lda, tau.data(), &query, -1);
        work.resize(workspace(query));
        lapack::geqrf(m, n, buf.data(), lda, tau.data(), work.data(), static_cast<int>(work.size()));
      }
      T* rb = ro + b * int64_t(rrows) * n;
      for (int i = 0; i < rrows; ++i)
        for (int j = 0; j < n; ++j) rb[static_cast<std::size_t>(i) * n + j] = j >= i ? buf[i + std::size_t(j) * lda] : T(0);
      if (!compute_q) continue;
      T* qb = qo + b * int64_t(m) * qcols;
      if (qcols > 0 && m > 0) {
        T query = 0;
        lapack::orgqr(m, qcols, k, buf.data(), lda, tau.data(), &query, -1);
        work.resize(workspace(query));
        lapack::orgqr(m, qcols, k, buf.data(), lda, tau.data(), work.data(), static_cast<int>(work.size()));
      }
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < qcols; ++j) qb[static_cast<std::size_t>(i) * qcols + j] = buf[i + std::size_t(j) * lda];
    }
  });
  return {q, r};
}

std::tuple<Tensor, Tensor> eigh(const Tensor& a_in, bool lower, bool vectors, const char* op) {
  check_matrix(a_in, op, true);
  Tensor a = contiguous(a_in);
  int n = lapack_int(a.size(-1), op, a);
  Shape batch = batch_of(a);
  int64_t count = detail::numel_of(batch);
  Tensor w = empty_tensor(with_dims(batch, {n}), a.dtype());
  Tensor v = vectors ? empty_tensor(a.sizes(), a.dtype()) : empty_tensor({0}, a.dtype());
  EMBER_DISPATCH_FLOAT(a.dtype(), [&] {
    const T* src = a.data_ptr<T>();
    T* wo = w.data_ptr<T>();
    T* vo = vectors ? v.data_ptr<T>() : nullptr;
    std::vector<T> buf(static_cast<std::size_t>(n) * n), work(1);
    std::vector<int> iwork(1);
    char jobz = vectors ? 'V' : 'N';
    char uplo = lower ? 'U' : 'L';  // the row-major lower triangle is Fortran's upper one
    for (int64_t b = 0; b < count; ++b) {
      if (n == 0) continue;
      std::copy(src + b * n * n, src + (b + 1) * n * n, buf.begin());
      T query = 0;
      int iquery = 0;
      lapack::syevd(jobz, uplo, n, buf.data(), n, wo + b * n, &query, -1, &iquery, -1);
      work.resize(workspace(query));
      iwork.resize(std::max(1, iquery));
      int info = lapack::syevd(jobz, uplo, n, buf.data(), n, wo + b * n, work.data(), static_cast<int>(work.size()),
                               iwork.data(), static_cast<int>(iwork.size()));
      EMBER_CHECK(info == 0,
                  "{}: {}The algorithm failed to converge because the input matrix is ill-conditioned or has too many "
                  "repeated eigenvalues (error code: {}; shape {})",
                  op, batch_prefix(a, b), info, a.sizes());
      if (vectors) transpose_into(buf.data(), n, n, vo + b * n * n);  // column j is eigenvector j
    }
  });
  return {w, v};
}

std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& a_in, bool full, bool vectors, const char* op) {
  check_matrix(a_in, op, false);
  Tensor a = contiguous(a_in);
  int m = lapack_int(a.size(-2), op, a), n = lapack_int(a.size(-1), op, a);
  int k = std::min(m, n);
  int ucols = full ? m : k, vrows = full ? n : k;
  Shape batch = batch_of(a);
  int64_t count = detail::numel_of(batch);
  Tensor s = empty_tensor(with_dims(batch, {k}), a.dtype());
  Tensor u = vectors ? empty_tensor(with_dims(batch, {m, ucols}), a.dtype()) : empty_tensor({0}, a.dtype());
  Tensor vh = vectors ? empty_tensor(with_dims(batch, {vrows, n}), a.dtype()) : empty_tensor({0}, a.dtype());
  EMBER_DISPATCH_FLOAT(a.dtype(), [&] {
    const T* src = a.data_ptr<T>();
    T* so = s.data_ptr<T>();
    T* uo = vectors ? u.data_ptr<T>() : nullptr;
    T* vo = vectors ? vh.data_ptr<T>() : nullptr;
    std::vector<T> buf(static_cast<std::size_t>(m) * n), work(1);
    std::vector<int> iwork(static_cast<std::size_t>(8) * std::max(k, 1));
    char jobz = !vectors ? 'N' : full ? 'A' : 'S';
    for (int64_t b = 0; b < count; ++b) {
      T* ub = vectors ? uo + b * int64_t(m) * ucols : nullptr;
      T* vb = vectors ? vo + b * int64_t(vrows) * n : nullptr;
      if (k == 0) {
        // No singular values; the full bases are identities.
        if (vectors) {
          std::fill(ub, ub + int64_t(m) * ucols, T(0));
          for (int i = 0; i < std::min(m, ucols); ++i) ub[static_cast<std::size_t>(i) * ucols + i] = 1;
          std::fill(vb, vb + int64_t(vrows) * n, T(0));
          for (int i = 0; i < std::min(n, vrows); ++i) vb[static_cast<std::size_t>(i) * n + i] = 1;
        }
        continue;
      }
      std::copy(src + b * m * n, src + (b + 1) * m * n, buf.begin());
      // Fortran sees A^T (n x m): its U' lands in vb (Vh of A), its V'^T in ub (U of A).
      T dummy = 0;
      T* fu = vectors ? vb : &dummy;
      T* fvt = vectors ? ub : &dummy;
      int ldu = n, ldvt = vectors ? ucols : 1;
      T query = 0;
      lapack::gesdd(jobz, n, m, buf.data(), n, so + b * k, fu, ldu, fvt, ldvt, &query, -1, iwork.data());
      work.resize(workspace(query));
      int info = lapack::gesdd(jobz, n, m, buf.data(), n, so + b * k, fu, ldu, fvt, ldvt, work.data(),
                               static_cast<int>(work.size()), iwork.data());
      EMBER_CHECK(info == 0,
                  "{}: {}The algorithm failed to converge because the input matrix is ill-conditioned or has too many "
                  "repeated singular values (error code: {}; shape {})",
                  op, batch_prefix(a, b), info, a.sizes());
    }
  });
  return {u, s, vh};
}

}  // namespace kernels
}  // namespace ember
