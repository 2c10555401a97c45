#include "ops/linalg.hpp"

#include <algorithm>

#include "ops/blas.hpp"
#include "ops/elementwise.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace kernels {
namespace {

using blas::fits_int;
using detail::empty_tensor;

// ---- operands as BLAS sees them ----

// How a 1-D operand becomes a matrix: a row on the left of a product, a column on the right.
enum class Side { Row, Column };

// A batch of matrices inside one tensor: the batch dims, and each matrix's rows x cols
// with element strides rs and cs. `owner` keeps the memory alive (the input itself, or
// its contiguous copy when BLAS cannot read the input's layout).
struct Mat {
  Tensor owner;
  Side side = Side::Row;
  char* data = nullptr;
  Shape batch_sizes, batch_strides;
  int64_t rows = 0, cols = 0, rs = 0, cs = 0;
};

Mat as_mat(const Tensor& t, Side side) {
  Mat m;
  m.owner = t;
  m.side = side;
  m.data = static_cast<char*>(t.data_ptr());
  IntArrayRef sz = t.sizes(), st = t.strides();
  std::size_t d = sz.size();
  if (d == 1) {
    if (side == Side::Row) {
      m.rows = 1, m.cols = sz[0], m.rs = 0, m.cs = st[0];
    } else {
      m.rows = sz[0], m.cols = 1, m.rs = st[0], m.cs = 1;
    }
    return m;
  }
  m.batch_sizes = Shape(sz.begin(), sz.end() - 2);
  m.batch_strides = Shape(st.begin(), st.end() - 2);
  m.rows = sz[d - 2], m.cols = sz[d - 1], m.rs = st[d - 2], m.cs = st[d - 1];
  return m;
}

// How BLAS reads one matrix: as stored (row-major, unit column stride) or as the
// transpose of a row-major matrix (unit row stride), with leading dimension ld.
struct Layout {
  bool ok = false;
  bool trans = false;
  int64_t ld = 0;
};

Layout blas_layout(const Mat& m) {
  // A size-1 dim is never stepped over, so its stride does not matter.
  int64_t r = m.rows, c = m.cols;
  if ((c <= 1 || m.cs == 1) && (r <= 1 || m.rs >= std::max<int64_t>(1, c)))
    return {true, false, r <= 1 ? std::max<int64_t>(1, c) : m.rs};
  if ((r <= 1 || m.rs == 1) && (c <= 1 || m.cs >= std::max<int64_t>(1, r)))
    return {true, true, c <= 1 ? std::max<int64_t>(1, r) : m.cs};
  return {};
}

// The layout BLAS will use for m, copying m's tensor to contiguous memory only when BLAS
// cannot read it as it is (a zero or otherwise irregular stride in the matrix dims).
Layout readable_layout(Mat& m) {
  Layout l = blas_layout(m);
  if (!l.ok || !fits_int(l.ld)) {
    m = as_mat(contiguous_as(m.owner, m.owner.dtype()), m.side);
    l = blas_layout(m);
  }
  return l;
}

// The batch strides of m aligned to the broadcast batch shape (0 where m broadcasts).
Shape aligned_batch_strides(const Mat& m, IntArrayRef batch) {
  std::size_t nb = batch.size(), mb = m.batch_sizes.size();
  Shape s(nb, 0);
  for (std::size_t i = nb - mb; i < nb; ++i) {
    std::size_t j = i - (nb - mb);
    s[i] = m.batch_sizes[j] == 1 ? 0 : m.batch_strides[j];
  }
  return s;
}

// ---- the products ----

// Calls f(a_offset, b_offset, batch_index) for every matrix of the broadcast batch,
// offsets in elements.
template <class F>
void for_each_batch(IntArrayRef batch, const Shape& sa, const Shape& sb, F&& f) {
  std::size_t nb = batch.size();
  int64_t count = detail::numel_of(batch);
  Shape idx(nb, 0);
  int64_t oa = 0, ob = 0;
  for (int64_t i = 0; i < count; ++i) {
    f(oa, ob, i);
    for (std::size_t d = nb; d-- > 0;) {
      oa += sa[d], ob += sb[d];
      if (++idx[d] < batch[d]) break;
      oa -= sa[d] * batch[d], ob -= sb[d] * batch[d];
      idx[d] = 0;
    }
  }
}

// When b is the same matrix for every batch entry and a's matrices sit at a constant
// row pitch one after another (a contiguous [batch..., m, k], say), the whole batch is
// one [batch * m, k] x [k, n] product: one large sgemm instead of many small ones.
// Returns the row pitch, or 0 when a does not stack that way.
int64_t stacked_row_pitch(const Mat& A, const Layout& la, IntArrayRef batch, const Shape& sa, const Shape& sb) {
  int64_t count = detail::numel_of(batch);
  if (count <= 1 || la.trans || (A.cols > 1 && A.cs != 1)) return 0;
  for (std::size_t d = 0; d < batch.size(); ++d)
    if (batch[d] > 1 && sb[d] != 0) return 0;
  int64_t pitch = 0;
  if (A.rows > 1) {
    pitch = A.rs;
  } else {
    for (std::size_t d = batch.size(); d-- > 0 && !pitch;)
      if (batch[d] > 1) pitch = sa[d];
  }
  if (pitch < std::max<int64_t>(1, A.cols) || !fits_int(pitch) || !fits_int(count * A.rows)) return 0;
  int64_t expected = A.rows * pitch;
  for (std::size_t d = batch.size(); d-- > 0;) {
    if (batch[d] == 1) continue;
    if (sa[d] != expected) return 0;
    expected *= batch[d];
  }
  return pitch;
}

// C = alpha * A @ B + beta * C over the broadcast batch; C is contiguous
// [batch..., A.rows, B.cols]. With beta == 0, C is not read.
template <class T>
void gemm_blas(Mat& A, Mat& B, T* C, IntArrayRef batch, T alpha, T beta, const char* op) {
  int64_t M = A.rows, N = B.cols, K = A.cols;
  Layout la = readable_layout(A), lb = readable_layout(B);
  Shape sa = aligned_batch_strides(A, batch), sb = aligned_batch_strides(B, batch);
  const T* a = reinterpret_cast<const T*>(A.data);
  const T* b = reinterpret_cast<const T*>(B.data);
  if (int64_t pitch = stacked_row_pitch(A, la, batch, sa, sb)) {
    blas::gemm(op, false, lb.trans, detail::numel_of(batch) * M, N, K, alpha, a, pitch, b, lb.ld, beta, C, N);
    return;
  }
  for_each_batch(batch, sa, sb, [&](int64_t oa, int64_t ob, int64_t i) {
    blas::gemm(op, la.trans, lb.trans, M, N, K, alpha, a + oa, la.ld, b + ob, lb.ld, beta, C + i * M * N, N);
  });
}

// int64 has no BLAS: a plain loop over any strides, rows of C accumulated in order.
void gemm_int(const Mat& A, const Mat& B, int64_t* C, IntArrayRef batch, int64_t alpha, int64_t beta) {
  int64_t M = A.rows, N = B.cols, K = A.cols;
  Shape sa = aligned_batch_strides(A, batch), sb = aligned_batch_strides(B, batch);
  const int64_t* a0 = reinterpret_cast<const int64_t*>(A.data);
  const int64_t* b0 = reinterpret_cast<const int64_t*>(B.data);
  for_each_batch(batch, sa, sb, [&](int64_t oa, int64_t ob, int64_t bi) {
    for (int64_t i = 0; i < M; ++i) {
      int64_t* c = C + (bi * M + i) * N;
      for (int64_t j = 0; j < N; ++j) c[j] = beta == 0 ? 0 : beta * c[j];
      for (int64_t p = 0; p < K; ++p) {
        int64_t av = alpha * a0[oa + i * A.rs + p * A.cs];
        const int64_t* brow = b0 + ob + p * B.rs;
        for (int64_t j = 0; j < N; ++j) c[j] += av * brow[j * B.cs];
      }
    }
  });
}

// out = alpha * A @ B + beta * out, out contiguous with A.rows x B.cols matrices. Empty
// sums (A.cols == 0) give beta * out, zeros when beta is 0 (out may be garbage then).
void gemm_into(Tensor& out, Mat& A, Mat& B, IntArrayRef batch, Scalar alpha, Scalar beta, const char* op) {
  if (out.numel() == 0) return;
  switch (out.dtype()) {
    case Dtype::Float32:
      return gemm_blas<float>(A, B, out.data_ptr<float>(), batch, alpha.to<float>(), beta.to<float>(), op);
    case Dtype::Float64:
      return gemm_blas<double>(A, B, out.data_ptr<double>(), batch, alpha.to<double>(), beta.to<double>(), op);
    case Dtype::Int64:
      return gemm_int(A, B, out.data_ptr<int64_t>(), batch, alpha.to<int64_t>(), beta.to<int64_t>());
    default:
      detail::fail(fmt::format("{}: bool tensors are not supported", op));
  }
}

// ---- checks shared by the whole family ----

void check_pair(const Tensor& a, const Tensor& b, const char* op) {
  detail::check_defined(a, op, "first operand");
  detail::check_defined(b, op, "second operand");
  EMBER_CHECK(a.dtype() == b.dtype(),
              "{}: expected both operands to have one dtype, but found {} and {} (expected scalar type {} but found "
              "{}; shapes {} and {})",
              op, a.dtype(), b.dtype(), a.dtype(), b.dtype(), a.sizes(), b.sizes());
  EMBER_CHECK(a.dtype() != Dtype::Bool, "{}: not supported for bool tensors (shapes {} and {})", op, a.sizes(),
              b.sizes());
}

void check_dims(const Tensor& a, const Tensor& b, int64_t dims, const char* op) {
  EMBER_CHECK(a.dim() == dims && b.dim() == dims, "{}: expected {}-D tensors, but got shapes {} and {}", op, dims,
              a.sizes(), b.sizes());
}

void check_inner(const Tensor& a, const Tensor& b, int64_t ka, int64_t kb, const char* op) {
  EMBER_CHECK(ka == kb, "{}: cannot multiply {} by {}: inner sizes {} and {} differ", op, a.sizes(), b.sizes(), ka,
              kb);
}

// The broadcast of two operands' batch dims, with an error that shows the whole shapes.
Shape broadcast_batch(const Mat& A, const Mat& B, const Tensor& a, const Tensor& b, const char* op) {
  const Shape& x = A.batch_sizes;
  const Shape& y = B.batch_sizes;
  std::size_t n = std::max(x.size(), y.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    int64_t sx = i < n - x.size() ? 1 : x[i - (n - x.size())];
    int64_t sy = i < n - y.size() ? 1 : y[i - (n - y.size())];
    EMBER_CHECK(sx == sy || sx == 1 || sy == 1,
                "{}: cannot multiply {} by {}: batch dims {} and {} do not broadcast", op, a.sizes(), b.sizes(), x, y);
    out[i] = sx == 1 ? sy : sx;
  }
  return out;
}

template <class T>
T dot_loop(int64_t n, const T* x, int64_t sx, const T* y, int64_t sy) {
  T acc = 0;
  for (int64_t i = 0; i < n; ++i) acc += x[i * sx] * y[i * sy];
  return acc;
}

// The narrow dtypes multiply in their kernel dtype (int64, float32) and are converted back.
bool is_narrow(const Tensor& t) { return kernel_dtype(t.dtype()) != t.dtype(); }
Tensor widened(const Tensor& t) { return contiguous_as(t, kernel_dtype(t.dtype())); }
Tensor narrowed(const Tensor& r, Dtype dt) { return contiguous_as(r, dt); }

// BLAS steps through a vector only forward and only with a nonzero, int-sized stride.
bool blas_stride(int64_t s) { return s > 0 && fits_int(s); }

}  // namespace

Tensor dot(const Tensor& a, const Tensor& b) {
  check_pair(a, b, "dot");
  check_dims(a, b, 1, "dot");
  int64_t n = a.size(0);
  check_inner(a, b, n, b.size(0), "dot");
  if (is_narrow(a)) return narrowed(dot(widened(a), widened(b)), a.dtype());
  Tensor out = empty_tensor({}, a.dtype());
  int64_t sx = a.stride(0), sy = b.stride(0);
  bool use_blas = fits_int(n) && blas_stride(sx) && blas_stride(sy);
  switch (a.dtype()) {
    case Dtype::Float32: {
      const float *x = a.data_ptr<float>(), *y = b.data_ptr<float>();
      *out.data_ptr<float>() = use_blas ? blas::dot("dot", n, x, sx, y, sy) : dot_loop(n, x, sx, y, sy);
      break;
    }
    case Dtype::Float64: {
      const double *x = a.data_ptr<double>(), *y = b.data_ptr<double>();
      *out.data_ptr<double>() = use_blas ? blas::dot("dot", n, x, sx, y, sy) : dot_loop(n, x, sx, y, sy);
      break;
    }
    default:
      *out.data_ptr<int64_t>() = dot_loop(n, a.data_ptr<int64_t>(), sx, b.data_ptr<int64_t>(), sy);
  }
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b, const char* op) {
  check_pair(a, b, op);
  EMBER_CHECK(a.dim() >= 1 && b.dim() >= 1, "{}: both arguments need at least 1 dim, but they have shapes {} and {}",
              op, a.sizes(), b.sizes());
  if (a.dim() == 1 && b.dim() == 1) {
    check_inner(a, b, a.size(0), b.size(0), op);
    return dot(a, b);
  }
  if (is_narrow(a)) return narrowed(matmul(widened(a), widened(b), op), a.dtype());
  Mat A = as_mat(a, Side::Row), B = as_mat(b, Side::Column);
  check_inner(a, b, A.cols, B.rows, op);
  Shape batch = broadcast_batch(A, B, a, b, op);
  // The result drops the dim that a 1-D operand was promoted with.
  Shape shape = batch;
  if (a.dim() >= 2) shape.push_back(A.rows);
  if (b.dim() >= 2) shape.push_back(B.cols);
  Tensor out = empty_tensor(shape, a.dtype());
  gemm_into(out, A, B, batch, 1, 0, op);
  return out;
}

Tensor mm(const Tensor& a, const Tensor& b) {
  check_pair(a, b, "mm");
  check_dims(a, b, 2, "mm");
  return matmul(a, b, "mm");
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_pair(a, b, "bmm");
  check_dims(a, b, 3, "bmm");
  EMBER_CHECK(a.size(0) == b.size(0), "bmm: batch sizes {} and {} differ (shapes {} and {})", a.size(0), b.size(0),
              a.sizes(), b.sizes());
  return matmul(a, b, "bmm");
}

Tensor outer(const Tensor& a, const Tensor& b) {
  check_pair(a, b, "outer");
  check_dims(a, b, 1, "outer");
  if (is_narrow(a)) return narrowed(outer(widened(a), widened(b)), a.dtype());
  // a as an [m, 1] column times b as a [1, n] row: a gemm with k = 1.
  Mat A = as_mat(a, Side::Column), B = as_mat(b, Side::Row);
  Tensor out = empty_tensor({A.rows, B.cols}, a.dtype());
  gemm_into(out, A, B, {}, 1, 0, "outer");
  return out;
}

Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
  detail::check_defined(bias, "addmm", "bias");
  check_pair(a, b, "addmm");
  check_dims(a, b, 2, "addmm");
  check_inner(a, b, a.size(1), b.size(0), "addmm");
  EMBER_CHECK(bias.dtype() == a.dtype(), "addmm: expected the bias to have dtype {} like the matrices, but found {}",
              a.dtype(), bias.dtype());
  if (is_narrow(a)) return narrowed(addmm(widened(bias), widened(a), widened(b), beta, alpha), a.dtype());
  int64_t m = a.size(0), n = b.size(1);
  Shape shape{m, n};
  IntArrayRef bs = bias.sizes();
  bool fits = bs.size() <= 2;
  for (std::size_t i = 0; fits && i < bs.size(); ++i)
    fits = bs[i] == 1 || bs[i] == shape[2 - bs.size() + i];
  EMBER_CHECK(fits, "addmm: bias of shape {} does not broadcast to the result shape {} of {} @ {}", bs, shape,
              a.sizes(), b.sizes());
  Tensor out = empty_tensor(shape, a.dtype());
  bool use_bias = beta.to_double() != 0.0;
  if (use_bias) copy(out, bias);
  Mat A = as_mat(a, Side::Row), B = as_mat(b, Side::Column);
  gemm_into(out, A, B, {}, alpha, use_bias ? beta : Scalar(0), "addmm");
  return out;
}

}  // namespace kernels
}  // namespace ember
