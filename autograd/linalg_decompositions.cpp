// Differentiable torch.linalg decompositions and solvers: each LAPACK kernel call
// (ops/linalg_lapack.cpp) with its backward beside it. Every backward is written with
// ember's differentiable ops (matmul, solve, inv, ...), so create_graph gives second
// derivatives. The formulas are PyTorch's (real case); where they divide by eigenvalue
// gaps or singular values, the terms of outputs that got no gradient are skipped
// (Ctx::got), as PyTorch skips undefined gradients.
#include <string>

#include "autograd/prelude.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/linalg.hpp"
#include "ops/linalg_lapack.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace linalg {
namespace {

// [..., n] -> [..., n, n] with v on the diagonal.
Tensor diag_embed(const Tensor& v) { return v.unsqueeze(-1) * ember::eye(v.size(-1), v.dtype()); }

// x (a square matrix batch) with its diagonal replaced by ones; used for the gap matrices
// whose diagonal is zero and whose off-diagonal entries are divided by.
Tensor ones_on_diagonal(const Tensor& x) { return x + ember::eye(x.size(-1), x.dtype()); }

// X R^{-T} for an invertible R: the solve of R Y = X^T, transposed.
Tensor times_inverse_transpose(const Tensor& x, const Tensor& r) { return solve(r, x.mT()).mT(); }

// The lower triangle mirrored onto the upper one (PyTorch's copyltu).
Tensor copy_lower_to_upper(const Tensor& m) { return m.tril() + m.tril(-1).mT(); }

// The gradient of A = Q R (Q [m, n], R [n, n] with m >= n) from gQ and gR.
Tensor qr_backward_tall(const Tensor& gq, const Tensor& gr, const Tensor& q, const Tensor& r) {
  Tensor m = matmul(r, gr.mT()) - matmul(gq.mT(), q);
  return times_inverse_transpose(gq + matmul(q, copy_lower_to_upper(m)), r);
}

// The cofactor matrix of A, also for a singular A, through A = U S Vh:
// cof(A) = det(U) det(Vh) U diag(p) Vh with p_i the product of the s_j, j != i.
Tensor cofactors_by_svd(const Tensor& a) {
  auto [u, s, vh] = svd(a, false);
  Tensor sign = (k::det(u.detach()) * k::det(vh.detach())).unsqueeze(-1).unsqueeze(-1);
  Tensor eye = ember::eye(s.size(-1), s.dtype());
  Tensor others = ember::prod(s.unsqueeze(-2) * (1 - eye) + eye, -1);  // p_i: s_i replaced by 1
  return sign * matmul(u * others.unsqueeze(-2), vh);
}

}  // namespace

Tensor det(const Tensor& A) {
  Tensor d = k::det(A);
  if (needs_grad(A))
    record("linalg_det", {A}, {&d}, {save(A), save_output(d)}, [](const Grads& g, Ctx& c) {
      Tensor a = c.saved(0), dt = c.saved(1);
      // d det / dA is the cofactor matrix: det(A) A^{-T} when A is invertible.
      if (!ember::any(ember::eq(dt.detach(), 0)).item<bool>())
        return Grads{(g[0] * dt).unsqueeze(-1).unsqueeze(-1) * inv(a).mT()};
      return Grads{g[0].unsqueeze(-1).unsqueeze(-1) * cofactors_by_svd(a)};
    });
  return d;
}

std::tuple<Tensor, Tensor> slogdet(const Tensor& A) {
  auto [sign, logabs] = k::slogdet(A);
  if (needs_grad(A))
    record("linalg_slogdet", {A}, {&sign, &logabs}, {save(A)}, [](const Grads& g, Ctx& c) {
      // The sign is piecewise constant: only log|det| has a gradient, A^{-T}.
      return Grads{g[1].unsqueeze(-1).unsqueeze(-1) * inv(c.saved(0)).mT()};
    });
  return {sign, logabs};
}

Tensor inv(const Tensor& A) {
  Tensor y = k::inv(A);
  if (needs_grad(A))
    record("linalg_inv", {A}, {&y}, {save_output(y)}, [](const Grads& g, Ctx& c) {
      Tensor yt = c.saved(0).mT();
      return Grads{-matmul(yt, matmul(g[0], yt))};
    });
  return y;
}

namespace {

// A X = B for a batch of matrices B (no vector rule): the recorded op.
Tensor solve_matrices(const Tensor& A, const Tensor& B, const char* op) {
  Tensor x = k::solve(A, B, op);
  if (needs_grad(A, B))
    record("linalg_solve", {A, B}, {&x}, {save(A), save_output(x)}, [](const Grads& g, Ctx& c) {
      // gB = A^{-T} g; gA = -gB X^T. The node sums broadcast batch dims back.
      Tensor gb = solve_matrices(c.saved(0).mT(), g[0], "linalg.solve");
      Tensor ga = c.needs(0) ? -matmul(gb, c.saved(1).mT()) : Tensor();
      return Grads{ga, c.needs(1) ? gb : Tensor()};
    });
  return x;
}

}  // namespace

Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left, bool unitriangular) {
  const char* op = "linalg.solve_triangular";
  k::check_matrix(A, op, true);
  detail::check_defined(B, op, "B");
  EMBER_CHECK(B.dim() >= 2, "{}: The input tensor B must have at least 2 dimensions, but it has shape {}", op,
              B.sizes());
  // Only the triangle counts (so its gradient is triangular too, as in PyTorch).
  Tensor tri = upper ? A.triu(unitriangular ? 1 : 0) : A.tril(unitriangular ? -1 : 0);
  if (unitriangular) tri = tri + ember::eye(A.size(-1), A.dtype());
  return left ? solve_matrices(tri, B, op) : solve_matrices(tri.mT(), B.mT(), op).mT();
}

Tensor solve(const Tensor& A, const Tensor& B) {
  k::check_matrix(A, "linalg.solve", true);
  detail::check_defined(B, "linalg.solve", "B");
  // B is a batch of vectors when 1-D or shaped like A without its last dim (PyTorch's rule).
  bool vector = B.dim() == 1;
  if (B.dim() == A.dim() - 1) {
    vector = true;
    for (int64_t d = 0; d < B.dim(); ++d) vector = vector && B.size(d) == A.size(d);
  }
  if (vector) return solve_matrices(A, B.unsqueeze(-1), "linalg.solve").squeeze(-1);
  return solve_matrices(A, B, "linalg.solve");
}

Tensor cholesky(const Tensor& A, bool upper) {
  Tensor l = k::cholesky(A);
  if (needs_grad(A))
    record("linalg_cholesky", {A}, {&l}, {save_output(l)}, [](const Grads& g, Ctx& c) {
      // gA = L^{-T} Phi L^{-1}, Phi = P with its strict lower half halved into both halves,
      // P = tril(L^T gL).
      Tensor L = c.saved(0);
      Tensor p = matmul(L.mT(), g[0]).tril();
      Tensor phi = (p + p.tril(-1).mT()) * 0.5;
      Tensor left = solve(L.mT(), phi);                // L^{-T} Phi
      return Grads{solve(L.mT(), left.mT()).mT()};  // (L^{-T} (L^{-T} Phi)^T)^T = L^{-T} Phi L^{-1}
    });
  return upper ? l.mT() : l;
}

std::tuple<Tensor, Tensor> qr(const Tensor& A, const std::string& mode) {
  EMBER_CHECK(mode == "reduced" || mode == "complete" || mode == "r",
              "linalg.qr: qr received unrecognized mode '{}' but expected one of 'reduced' (default), 'r', or "
              "'complete' (shape {})",
              mode, A.defined() ? A.sizes() : IntArrayRef());
  auto [q, r] = k::qr(A, mode == "complete", mode != "r");
  if (needs_grad(A)) {
    int64_t m = A.size(-2), n = A.size(-1);
    bool differentiable = mode != "r" && !(mode == "complete" && m > n);
    record("linalg_qr", {A}, {&q, &r}, {save_output(q), save_output(r)},
           [mode, m, n, differentiable](const Grads& g, Ctx& c) {
             EMBER_CHECK(differentiable,
                         mode == "r" ? "linalg.qr: The derivative of linalg.qr depends on Q, which is not computed "
                                       "when mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                                       "differentiate through linalg.qr (A has {} rows, {} cols)"
                                     : "linalg.qr: The QR decomposition is not differentiable when mode='complete' "
                                       "and nrows > ncols ({} rows, {} cols)",
                         m, n);
             Tensor q = c.saved(0), r = c.saved(1);
             if (m >= n) return Grads{qr_backward_tall(g[0], g[1], q, r)};
             // Wide A = Q [X | Y], R = [U | D]: X = Q U is a square QR, and Y = Q D.
             Tensor u = r.narrow(-1, 0, m), d = r.narrow(-1, m, n - m);
             Tensor gu = g[1].narrow(-1, 0, m), gd = g[1].narrow(-1, m, n - m);
             Tensor y = matmul(q, d);
             Tensor gx = qr_backward_tall(g[0] + matmul(y, gd.mT()), gu, q, u);
             return Grads{ember::cat({gx, matmul(q, gd)}, -1)};
           });
  }
  return {q, r};
}

namespace {

bool uplo_lower(const std::string& uplo, const char* op, const Tensor& A) {
  EMBER_CHECK(uplo == "L" || uplo == "l" || uplo == "U" || uplo == "u",
              "{}: Expected UPLO argument to be 'L' or 'U', but got {} (shape {})", op, uplo,
              A.defined() ? A.sizes() : IntArrayRef());
  return uplo == "L" || uplo == "l";
}

// V diag(gL) V^T.
Tensor eigenvalue_gradient(const Tensor& gl, const Tensor& v) { return matmul(v * gl.unsqueeze(-2), v.mT()); }

}  // namespace

std::tuple<Tensor, Tensor> eigh(const Tensor& A, const std::string& UPLO) {
  bool lower = uplo_lower(UPLO, "linalg.eigh", A);
  auto [w, v] = k::eigh(A, lower, true, "linalg.eigh");
  if (needs_grad(A))
    record("linalg_eigh", {A}, {&w, &v}, {save_output(w), save_output(v)}, [](const Grads& g, Ctx& c) {
      Tensor L = c.saved(0), V = c.saved(1);
      if (!c.got(1)) return Grads{eigenvalue_gradient(g[0], V)};
      // gA = V (skew(V^T gV) / E + diag(gL)) V^T, E_ij = L_j - L_i.
      Tensor vg = matmul(V.mT(), g[1]);
      vg = (vg - vg.mT()) * 0.5;
      Tensor gap = ones_on_diagonal(L.unsqueeze(-2) - L.unsqueeze(-1));
      Tensor inner = vg / gap + diag_embed(g[0]);
      return Grads{matmul(V, matmul(inner, V.mT()))};
    });
  return {w, v};
}

Tensor eigvalsh(const Tensor& A, const std::string& UPLO) {
  bool lower = uplo_lower(UPLO, "linalg.eigvalsh", A);
  bool grad = needs_grad(A);
  auto [w, v] = k::eigh(A, lower, grad, "linalg.eigvalsh");
  if (grad)
    record("linalg_eigvalsh", {A}, {&w}, {save(A), save(v)}, [lower](const Grads& g, Ctx& c) {
      // Under create_graph the vectors must carry A's history: recompute them differentiably.
      Tensor V = is_grad_enabled() ? std::get<1>(eigh(c.saved(0), lower ? "L" : "U")) : c.saved(1);
      return Grads{eigenvalue_gradient(g[0], V)};
    });
  return w;
}

std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices) {
  auto [u, s, vh] = k::svd(A, full_matrices, true, "linalg.svd");
  if (needs_grad(A))
    record("linalg_svd", {A}, {&u, &s, &vh}, {save_output(u), save_output(s), save_output(vh)},
           [](const Grads& g, Ctx& c) {
             Tensor S = c.saved(1);
             int64_t kk = S.size(-1);
             // The complete bases' extra vectors are arbitrary: only the first k count.
             Tensor U = c.saved(0).narrow(-1, 0, kk), Vh = c.saved(2).narrow(-2, 0, kk);
             Tensor gU = g[0].narrow(-1, 0, kk), gVh = g[2].narrow(-2, 0, kk);
             int64_t m = U.size(-2), n = Vh.size(-1);
             bool has_u = c.got(0), has_v = c.got(2);
             if (!has_u && !has_v) return Grads{matmul(U * g[1].unsqueeze(-2), Vh)};
             // inner = (skew(U^T gU) S + S skew(Vh gVh^T)) / E + diag(gS), E_ij = S_j^2 - S_i^2.
             Tensor s2 = S * S;
             Tensor gap = ones_on_diagonal(s2.unsqueeze(-2) - s2.unsqueeze(-1));
             Tensor inner;
             if (has_u) {
               Tensor uu = matmul(U.mT(), gU);
               inner = (uu - uu.mT()) * S.unsqueeze(-2);
             }
             if (has_v) {
               Tensor vv = matmul(Vh, gVh.mT());
               Tensor term = S.unsqueeze(-1) * (vv - vv.mT());
               inner = inner.defined() ? inner + term : term;
             }
             inner = inner / gap + diag_embed(g[1]);
             if (m > n && has_u) {
               // The part of gU outside U's span: (I - U U^T) gU S^{-1}.
               Tensor gus = gU / S.unsqueeze(-2);
               Tensor ga = matmul(U, inner) + gus - matmul(U, matmul(U.mT(), gus));
               return Grads{matmul(ga, Vh)};
             }
             if (m < n && has_v) {
               Tensor svh = gVh / S.unsqueeze(-1);
               Tensor ga = matmul(inner, Vh) + svh - matmul(matmul(svh, Vh.mT()), Vh);
               return Grads{matmul(U, ga)};
             }
             return Grads{matmul(U, matmul(inner, Vh))};
           });
  return {u, s, vh};
}

Tensor svdvals(const Tensor& A) {
  bool grad = needs_grad(A);
  auto [u, s, vh] = k::svd(A, false, grad, "linalg.svdvals");
  if (grad)
    record("linalg_svdvals", {A}, {&s}, {save(A), save(u), save(vh)}, [](const Grads& g, Ctx& c) {
      // gA = U diag(gS) Vh. Under create_graph U and Vh must carry A's history: recompute
      // them differentiably.
      Tensor U = c.saved(1), Vh = c.saved(2);
      if (is_grad_enabled()) {
        auto usv = svd(c.saved(0), false);
        U = std::get<0>(usv), Vh = std::get<2>(usv);
      }
      return Grads{matmul(U * g[0].unsqueeze(-2), Vh)};
    });
  return s;
}

}  // namespace linalg
}  // namespace ember
