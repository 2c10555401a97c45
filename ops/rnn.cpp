// Fused LSTM / GRU cells (see rnn.hpp). Each step is: the bias rows, the two gate GEMMs
// accumulated into one workspace, then one pass per batch row that applies the
// activations (the SIMD sigmoid / tanh loops, in place) and combines the gates. The
// backward is one pass per row for the gate gradients, then GEMMs for the rest.
#include "ops/rnn.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "ember/version.hpp"
#include "ops/blas.hpp"
#include "ops/rnn_gemm.hpp"
#include "src/core/dtype_dispatch.hpp"
#include "ops/elementwise.hpp"
#include "ops/functors.hpp"
#include "src/core/make_tensor.hpp"

namespace ember {
namespace kernels {
namespace {

using detail::empty_tensor;

// t as a contiguous tensor of dtype dt (t itself when it already is one).
Tensor dense(const Tensor& t, Dtype dt) {
  if (!t.defined() || (t.is_contiguous() && t.dtype() == dt)) return t;
  return contiguous_as(t, dt);
}

template <class T>
T* ptr(const Tensor& t) {
  return t.defined() ? static_cast<T*>(t.data_ptr()) : nullptr;
}

// y = op(y) over n elements in place, with the SIMD loop of the running CPU when there is one.
template <class Op, class T>
void apply_in_place(T* y, int64_t n) {
  Op op;
  if (auto f = Contig<Op, T>::unary)
    f(op, y, y, n);
  else
    for (int64_t i = 0; i < n; ++i) y[i] = op(y[i]);
}
template <class T>
void sigmoid_in_place(T* y, int64_t n) {
  apply_in_place<SigmoidOp<T>>(y, n);
}
template <class T>
void tanh_in_place(T* y, int64_t n) {
  apply_in_place<TanhOp<T>>(y, n);
}

// Sets each of `rows` rows (pitch ld) of `width` elements to b1 + b2 (either may be
// null). Returns false, writing nothing, when both are null.
template <class T>
bool fill_bias(T* out, int64_t ld, int64_t rows, int64_t width, const T* b1, const T* b2) {
  if (!b1 && !b2) return false;
  for (int64_t r = 0; r < rows; ++r) {
    T* row = out + r * ld;
    if (b1 && b2)
      for (int64_t j = 0; j < width; ++j) row[j] = b1[j] + b2[j];
    else
      std::memcpy(row, b1 ? b1 : b2, static_cast<std::size_t>(width) * sizeof(T));
  }
  return true;
}

// Whether every element of p[0, n) is +0 or -0 (all bits but the sign clear).
template <class T>
bool all_zero(const T* p, int64_t n) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  constexpr Bits magnitude = ~Bits(0) >> 1;
  Bits any = 0;
  for (int64_t i = 0; i < n; ++i) {
    Bits b;
    std::memcpy(&b, p + i, sizeof b);
    any |= b & magnitude;
  }
  return any == 0;
}

// Whether every element of p[0, n) is finite: none has all exponent bits set. (Integer
// operations, which the compiler vectorizes; a float sum would run as one serial chain.)
template <class T>
bool all_finite(const T* p, int64_t n) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  constexpr Bits exponent = sizeof(T) == 4 ? Bits(0x7f800000u) : Bits(0x7ff0000000000000ull);
  Bits bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    Bits b;
    std::memcpy(&b, p + i, sizeof b);
    bad |= Bits((b & exponent) == exponent);
  }
  return bad == 0;
}

// The rows `rows` of src (pitch ld, `width` used), one under another in dst (pitch width).
template <class T>
void gather_rows(const T* src, int64_t ld, int64_t width, const std::vector<int64_t>& rows, T* dst) {
  for (std::size_t r = 0; r < rows.size(); ++r)
    std::memcpy(dst + static_cast<int64_t>(r) * width, src + rows[r] * ld, static_cast<std::size_t>(width) * sizeof(T));
}

// out[j] = sum over rows of in[r * ld + j], j < width.
template <class T>
void column_sums(const T* in, int64_t ld, int64_t rows, int64_t width, T* out) {
  std::fill(out, out + width, T(0));
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = in + r * ld;
    for (int64_t j = 0; j < width; ++j) out[j] += row[j];
  }
}

// The bias gradients: both biases of a cell get the same column sums (LSTM), or each its
// own block of the workspace (GRU, where ld_hh points at the hh half).
template <class T>
void bias_grads(CellGrads& g, const CellNeeds& needs, Dtype dt, const T* d_ih, const T* d_hh, int64_t ld,
                int64_t rows, int64_t width) {
  if (needs.b_ih) {
    g.b_ih = empty_tensor({width}, dt);
    column_sums(d_ih, ld, rows, width, ptr<T>(g.b_ih));
  }
  if (needs.b_hh) {
    g.b_hh = empty_tensor({width}, dt);
    if (d_hh == d_ih && g.b_ih.defined())
      std::memcpy(ptr<T>(g.b_hh), ptr<T>(g.b_ih), static_cast<std::size_t>(width) * sizeof(T));
    else
      column_sums(d_hh, ld, rows, width, ptr<T>(g.b_hh));
  }
}

// The four products that take a gate gradient dG [N, GH] (pitch ld) back to the inputs
// and weights: dx = dG W_ih, dh (+)= dG_hh W_hh, dW_ih = dG^T x, dW_hh = dG_hh^T h.
// dG_hh is dG for the LSTM; the GRU's hh half differs in its n block.
template <class T>
void gate_products(CellGrads& g, const CellNeeds& needs, Dtype dt, const T* dg_ih, const T* dg_hh, int64_t ld,
                   int64_t N, int64_t I, int64_t H, int64_t GH, const Tensor& x, const Tensor& h, const Tensor& w_ih,
                   const Tensor& w_hh, bool hx_started) {
  if (needs.input) {
    g.input = empty_tensor({N, I}, dt);
    blas::gemm("rnn cell backward", false, false, N, I, GH, T(1), dg_ih, ld, ptr<T>(w_ih), I, T(0), ptr<T>(g.input), I);
  }
  if (needs.hx) {
    if (!hx_started) g.hx = empty_tensor({N, H}, dt);
    blas::gemm("rnn cell backward", false, false, N, H, GH, T(1), dg_hh, ld, ptr<T>(w_hh), H, hx_started ? T(1) : T(0),
               ptr<T>(g.hx), H);
  }
  if (needs.w_ih) {
    g.w_ih = empty_tensor({GH, I}, dt);
    blas::gemm("rnn cell backward", true, false, GH, I, N, T(1), dg_ih, ld, ptr<T>(x), I, T(0), ptr<T>(g.w_ih), I);
  }
  if (needs.w_hh) {
    g.w_hh = empty_tensor({GH, H}, dt);
    blas::gemm("rnn cell backward", true, false, GH, H, N, T(1), dg_hh, ld, ptr<T>(h), H, T(0), ptr<T>(g.w_hh), H);
  }
}

// A gradient of the given shape: g made dense, or zeros when g is undefined.
Tensor dense_grad(const Tensor& g, IntArrayRef sizes, Dtype dt) {
  if (g.defined()) return dense(g, dt);
  Tensor z = empty_tensor(sizes, dt);
  std::memset(z.data_ptr(), 0, static_cast<std::size_t>(z.numel()) * (dt == Dtype::Float32 ? 4 : 8));
  return z;
}

// ---- the per-row elementwise passes (restrict: lets the compiler vectorize them) ----

// LSTM forward on one batch row, gates (i, f, g, o) already activated:
// cy = f c + i g, tc = tanh(cy) (computed later, in place), hy = o tc.
template <class T>
void lstm_state_row(int64_t H, const T* __restrict gates, const T* __restrict c, T* __restrict cy,
                    T* __restrict tc) {
  const T *ig = gates, *fg = gates + H, *gg = gates + 2 * H;
  for (int64_t j = 0; j < H; ++j) {
    T v = fg[j] * c[j] + ig[j] * gg[j];
    cy[j] = v;
    tc[j] = v;
  }
}
template <class T>
void mul_row(int64_t n, const T* __restrict a, const T* __restrict b, T* __restrict y) {
  for (int64_t j = 0; j < n; ++j) y[j] = a[j] * b[j];
}

// The LSTM's elementwise part on the gate pre-activations ws [N, 5H] (the last H
// columns are scratch): activates the gates in place, then cy, tanh(cy) and hy.
template <class T>
void lstm_activate(int64_t N, int64_t H, T* ws, const T* cp, T* hp, T* cyp) {
  const int64_t ld = 5 * H;
  for (int64_t n = 0; n < N; ++n) {
    T* row = ws + n * ld;
    sigmoid_in_place(row, 2 * H);  // i, f
    tanh_in_place(row + 2 * H, H);  // g
    sigmoid_in_place(row + 3 * H, H);  // o
    T* tc = row + 4 * H;
    lstm_state_row(H, row, cp + n * H, cyp + n * H, tc);
    tanh_in_place(tc, H);
    mul_row(H, row + 3 * H, tc, hp + n * H);
  }
}

// LSTM backward on one row: the pre-activation gate gradients dg (i, f, g, o) and the
// cell state's gradient dcx, from the saved row (gates, then tanh(cy)). Returns whether
// any gate gradient is other than +0 or -0 (a NaN counts), for the chain to leave zero
// rows out; the test rides along in the same vector loop.
template <class T>
__attribute__((always_inline)) inline bool lstm_grad_row_body(int64_t H, const T* __restrict saved,
                                                              const T* __restrict dhy, const T* __restrict dcy,
                                                              const T* __restrict c, T* __restrict dg,
                                                              T* __restrict dcx) {
  const T *ig = saved, *fg = saved + H, *gg = saved + 2 * H, *og = saved + 3 * H, *tc = saved + 4 * H;
  T *di = dg, *df = dg + H, *dgg = dg + 2 * H, *dout = dg + 3 * H;
  int nonzero = 0;
  for (int64_t j = 0; j < H; ++j) {
    // The cell state's total gradient: its own, plus the path through h = o tanh(c).
    T t = tc[j], o = og[j], i = ig[j], f = fg[j], gv = gg[j];
    T dc = dcy[j] + dhy[j] * o * (T(1) - t * t);
    T a = dc * gv * i * (T(1) - i), b = dc * c[j] * f * (T(1) - f), d = dc * i * (T(1) - gv * gv);
    T e = dhy[j] * t * o * (T(1) - o);
    di[j] = a;
    df[j] = b;
    dgg[j] = d;
    dout[j] = e;
    dcx[j] = dc * f;
    nonzero |= (a != T(0)) | (b != T(0)) | (d != T(0)) | (e != T(0));
  }
  return nonzero != 0;
}

// The same loop compiled for AVX2 (8 lanes rather than SSE2's 4), run when ember's
// chosen instruction set has it.
__attribute__((target("avx2,fma"))) bool lstm_grad_row_avx2(int64_t H, const float* saved, const float* dhy,
                                                            const float* dcy, const float* c, float* dg,
                                                            float* dcx) {
  return lstm_grad_row_body(H, saved, dhy, dcy, c, dg, dcx);
}

bool rows_take_avx2() {
  static const bool avx2 = std::strcmp(simd_instruction_set(), "sse2") != 0;
  return avx2;
}

template <class T>
bool lstm_grad_row(int64_t H, const T* saved, const T* dhy, const T* dcy, const T* c, T* dg, T* dcx) {
  if constexpr (std::is_same_v<T, float>) {
    if (rows_take_avx2()) return lstm_grad_row_avx2(H, saved, dhy, dcy, c, dg, dcx);
  }
  return lstm_grad_row_body(H, saved, dhy, dcy, c, dg, dcx);
}

// GRU forward, in two halves around the activations: a = gi + gh on r, z; then, with r
// activated, n's pre-activation gi_n + r gh_n; then hy = n + z (h - n).
template <class T>
void add_row(int64_t n, T* __restrict a, const T* __restrict b) {
  for (int64_t j = 0; j < n; ++j) a[j] += b[j];
}
template <class T>
void gru_n_row(int64_t H, const T* __restrict r, const T* __restrict ghn, T* __restrict n) {
  for (int64_t j = 0; j < H; ++j) n[j] += r[j] * ghn[j];
}
template <class T>
void gru_out_row(int64_t H, const T* __restrict z, const T* __restrict n, const T* __restrict h, T* __restrict y) {
  for (int64_t j = 0; j < H; ++j) y[j] = n[j] + z[j] * (h[j] - n[j]);  // (1 - z) n + z h
}

// GRU backward on one row: d (ih half r, z, n, then hh half r, z, n) and the direct part
// of dh (h' = ... + z h).
template <class T>
void gru_grad_row(int64_t H, const T* __restrict saved, const T* __restrict dy, const T* __restrict h,
                  T* __restrict d, T* __restrict dh) {
  const T *rg = saved, *zg = saved + H, *ng = saved + 2 * H, *ghn = saved + 5 * H;
  T *dr = d, *dz = d + H, *dn = d + 2 * H;
  for (int64_t j = 0; j < H; ++j) {
    T r = rg[j], z = zg[j], nv = ng[j], g = dy[j];
    T dpre_n = g * (T(1) - z) * (T(1) - nv * nv);
    dz[j] = g * (h[j] - nv) * z * (T(1) - z);
    dr[j] = dpre_n * ghn[j] * r * (T(1) - r);
    dn[j] = dpre_n;
    dh[j] = g * z;
  }
  std::memcpy(d + 3 * H, d, static_cast<std::size_t>(2 * H) * sizeof(T));
  mul_row(H, dn, rg, d + 5 * H);
}

// A cell step's outputs: hy, cy and the [N, 5H] workspace the backward reads.
LstmCellForward lstm_outputs(int64_t N, int64_t H, Dtype dt) {
  LstmCellForward r;
  r.saved = empty_tensor({N, 5 * H}, dt);
  r.hy = empty_tensor({N, H}, dt);
  r.cy = empty_tensor({N, H}, dt);
  return r;
}

}  // namespace

LstmCellForward lstm_cell_forward(const Tensor& x_in, const Tensor& h_in, const Tensor& c_in, const Tensor& w_ih_in,
                                  const Tensor& w_hh_in, const Tensor& b_ih_in, const Tensor& b_hh_in) {
  const Dtype dt = x_in.dtype();
  Tensor x = dense(x_in, dt), h = dense(h_in, dt), c = dense(c_in, dt);
  Tensor w_ih = dense(w_ih_in, dt), w_hh = dense(w_hh_in, dt), b_ih = dense(b_ih_in, dt), b_hh = dense(b_hh_in, dt);
  const int64_t N = x.size(0), I = x.size(1), H = h.size(1), ld = 5 * H;
  LstmCellForward r = lstm_outputs(N, H, dt);
  EMBER_DISPATCH_FLOAT(dt, [&] {
    T* ws = ptr<T>(r.saved);
    bool biased = fill_bias(ws, ld, N, 4 * H, ptr<T>(b_ih), ptr<T>(b_hh));
    blas::gemm("lstm_cell", false, true, N, 4 * H, I, T(1), ptr<T>(x), I, ptr<T>(w_ih), I, biased ? T(1) : T(0), ws,
               ld);
    blas::gemm("lstm_cell", false, true, N, 4 * H, H, T(1), ptr<T>(h), H, ptr<T>(w_hh), H, T(1), ws, ld);
    lstm_activate(N, H, ws, ptr<T>(c), ptr<T>(r.hy), ptr<T>(r.cy));
  });
  return r;
}

CellGrads lstm_cell_backward(const Tensor& grad_hy, const Tensor& grad_cy, const Tensor& x_in, const Tensor& h_in,
                             const Tensor& c_in, const Tensor& w_ih_in, const Tensor& w_hh_in, const Tensor& saved,
                             const CellNeeds& needs) {
  const Dtype dt = saved.dtype();
  const int64_t N = saved.size(0), H = saved.size(1) / 5, I = w_ih_in.size(1), ld = 5 * H;
  Tensor gh = dense_grad(grad_hy, {N, H}, dt), gc = dense_grad(grad_cy, {N, H}, dt);
  Tensor c = dense(c_in, dt);
  Tensor dgates = empty_tensor({N, 4 * H}, dt);
  CellGrads g;
  // Written even when cx needs no gradient: one branch-free pass.
  g.cx = empty_tensor({N, H}, dt);
  EMBER_DISPATCH_FLOAT(dt, [&] {
    const T *ws = ptr<T>(saved), *ghp = ptr<T>(gh), *gcp = ptr<T>(gc), *cp = ptr<T>(c);
    T *dg = ptr<T>(dgates), *dcx = ptr<T>(g.cx);
    for (int64_t n = 0; n < N; ++n)
      lstm_grad_row(H, ws + n * ld, ghp + n * H, gcp + n * H, cp + n * H, dg + n * 4 * H, dcx + n * H);
    Tensor x = dense(x_in, dt), h = dense(h_in, dt), w_ih = dense(w_ih_in, dt), w_hh = dense(w_hh_in, dt);
    gate_products<T>(g, needs, dt, dg, dg, 4 * H, N, I, H, 4 * H, x, h, w_ih, w_hh, false);
    bias_grads<T>(g, needs, dt, dg, dg, 4 * H, N, 4 * H);
  });
  if (!needs.cx) g.cx = Tensor();
  return g;
}

GruCellForward gru_cell_forward(const Tensor& x_in, const Tensor& h_in, const Tensor& w_ih_in, const Tensor& w_hh_in,
                                const Tensor& b_ih_in, const Tensor& b_hh_in) {
  const Dtype dt = x_in.dtype();
  Tensor x = dense(x_in, dt), h = dense(h_in, dt);
  Tensor w_ih = dense(w_ih_in, dt), w_hh = dense(w_hh_in, dt), b_ih = dense(b_ih_in, dt), b_hh = dense(b_hh_in, dt);
  const int64_t N = x.size(0), I = x.size(1), H = h.size(1), ld = 6 * H;
  GruCellForward r;
  r.saved = empty_tensor({N, ld}, dt);
  r.hy = empty_tensor({N, H}, dt);
  EMBER_DISPATCH_FLOAT(dt, [&] {
    // The two products stay apart: n takes r * (h W_hn^T + b_hn), not their sum.
    T *ws = ptr<T>(r.saved), *wsh = ws + 3 * H;
    bool bi = fill_bias(ws, ld, N, 3 * H, ptr<T>(b_ih), static_cast<const T*>(nullptr));
    blas::gemm("gru_cell", false, true, N, 3 * H, I, T(1), ptr<T>(x), I, ptr<T>(w_ih), I, bi ? T(1) : T(0), ws, ld);
    bool bh = fill_bias(wsh, ld, N, 3 * H, ptr<T>(b_hh), static_cast<const T*>(nullptr));
    blas::gemm("gru_cell", false, true, N, 3 * H, H, T(1), ptr<T>(h), H, ptr<T>(w_hh), H, bh ? T(1) : T(0), wsh, ld);
    const T* hp = ptr<T>(h);
    T* yp = ptr<T>(r.hy);
    for (int64_t n = 0; n < N; ++n) {
      T *a = ws + n * ld, *b = a + 3 * H;
      add_row(2 * H, a, b);
      sigmoid_in_place(a, 2 * H);  // r, z
      gru_n_row(H, a, b + 2 * H, a + 2 * H);
      tanh_in_place(a + 2 * H, H);  // n
      gru_out_row(H, a + H, a + 2 * H, hp + n * H, yp + n * H);
    }
  });
  return r;
}

CellGrads gru_cell_backward(const Tensor& grad_hy, const Tensor& x_in, const Tensor& h_in, const Tensor& w_ih_in,
                            const Tensor& w_hh_in, const Tensor& saved, const CellNeeds& needs) {
  const Dtype dt = saved.dtype();
  const int64_t N = saved.size(0), H = saved.size(1) / 6, I = w_ih_in.size(1), ld = 6 * H;
  Tensor gy = dense_grad(grad_hy, {N, H}, dt);
  Tensor h = dense(h_in, dt);
  // Gate gradients: the ih half [0, 3H) and the hh half [3H, 6H); they differ only in n.
  Tensor dws = empty_tensor({N, ld}, dt);
  CellGrads g;
  // The direct part of dh, to which the GEMM adds; written even when not needed.
  g.hx = empty_tensor({N, H}, dt);
  EMBER_DISPATCH_FLOAT(dt, [&] {
    const T *ws = ptr<T>(saved), *gp = ptr<T>(gy), *hp = ptr<T>(h);
    T *d = ptr<T>(dws), *dhx = ptr<T>(g.hx);
    for (int64_t n = 0; n < N; ++n) gru_grad_row(H, ws + n * ld, gp + n * H, hp + n * H, d + n * ld, dhx + n * H);
    Tensor x = dense(x_in, dt), w_ih = dense(w_ih_in, dt), w_hh = dense(w_hh_in, dt);
    gate_products<T>(g, needs, dt, d, d + 3 * H, ld, N, I, H, 3 * H, x, h, w_ih, w_hh, true);
    bias_grads<T>(g, needs, dt, d, d + 3 * H, ld, N, 3 * H);
  });
  if (!needs.hx) g.hx = Tensor();
  return g;
}

namespace {

// Columns [col, col + cols) of the panels (rows of `rows` columns each, width w) from
// src [G, cols] row-major: panel q, row col + p, lane j = src[q w + j, p]. The full
// panels are one strided copy (a transpose per panel, which the copy kernel tiles); the
// last, partial one an element loop (its lanes past G stay as they are: zero).
void fill_panels(const Tensor& panels, int64_t rows, int64_t col, const Tensor& src, int64_t w) {
  const int64_t G = src.size(0), cols = src.size(1), full = G / w;
  if (full > 0 && cols > 0) {
    Tensor dst = detail::make_view(panels, {full, cols, w}, {rows * w, w, 1}, col * w);
    Tensor from = detail::make_view(src, {full, cols, w}, {w * cols, 1, cols}, 0);
    copy(dst, from);
  }
  float* last = ptr<float>(panels) + full * rows * w;
  const float* s = ptr<float>(src);
  for (int64_t j = full * w; j < G; ++j)
    for (int64_t p = 0; p < cols; ++p) last[(col + p) * w + j % w] = s[j * cols + p];
}

}  // namespace

LstmPackedWeights lstm_pack_weights(const Tensor& w_ih_in, const Tensor& w_hh_in, const Tensor& b_ih_in,
                                    const Tensor& b_hh_in) {
  const Dtype dt = Dtype::Float32;
  EMBER_CHECK(w_ih_in.dtype() == dt && rnn_gemm_available(),
              "lstm_pack_weights: float32 where rnn_gemm runs only, got {}", w_ih_in.dtype());
  LstmPackedWeights out;
  out.w_ih = dense(w_ih_in, dt);
  out.w_hh = dense(w_hh_in, dt);
  Tensor b_ih = dense(b_ih_in, dt), b_hh = dense(b_hh_in, dt);
  const int64_t G = out.w_ih.size(0), I = out.w_ih.size(1), H = out.w_hh.size(1), K = I + H;
  out.gates = G;
  out.inputs = K;
  out.finite = all_finite(ptr<float>(out.w_ih), G * I) && all_finite(ptr<float>(out.w_hh), G * H);
  // B = [w_ih | w_hh]^T: B(p, j) = W[j, p] at [j / width][p][j % width].
  const int64_t width = rnn_panel_width(), strips = (G + width - 1) / width;
  out.panels = empty_tensor({strips * K * width}, dt);
  if (G % width != 0) {  // the last panel's lanes past G are zero
    float* last = ptr<float>(out.panels) + (strips - 1) * K * width;
    std::fill(last, last + K * width, 0.0f);
  }
  fill_panels(out.panels, K, 0, out.w_ih, width);
  fill_panels(out.panels, K, I, out.w_hh, width);
  if (b_ih.defined() || b_hh.defined()) {
    out.bias = empty_tensor({G}, dt);
    fill_bias(ptr<float>(out.bias), G, 1, G, ptr<float>(b_ih), ptr<float>(b_hh));
  }
  return out;
}

void lstm_pack_inputs(const Tensor& x_in, const Tensor& h_in, const Tensor& out) {
  const Dtype dt = x_in.dtype();
  Tensor x = dense(x_in, dt), h = dense(h_in, dt);
  const int64_t N = x.size(0), I = x.size(1), H = h.size(1);
  EMBER_DISPATCH_FLOAT(dt, [&] {
    const T *a = ptr<T>(x), *b = ptr<T>(h);
    T* o = ptr<T>(out);
    for (int64_t r = 0; r < N; ++r) {
      std::copy(a + r * I, a + (r + 1) * I, o + r * (I + H));
      std::copy(b + r * H, b + (r + 1) * H, o + r * (I + H) + I);
    }
  });
}

bool lstm_state_is_zero(const Tensor& xh, int64_t I) {
  const int64_t N = xh.size(0), K = xh.size(1);
  bool zero = true;
  EMBER_DISPATCH_FLOAT(xh.dtype(), [&] {
    const T* p = ptr<T>(xh);
    for (int64_t r = 0; r < N && zero; ++r) zero = all_zero(p + r * K + I, K - I);
  });
  return zero;
}

LstmCellForward lstm_cell_forward_packed(const Tensor& xh, const Tensor& c_in, const LstmPackedWeights& w,
                                         int64_t k_used) {
  const Dtype dt = Dtype::Float32;
  Tensor c = dense(c_in, dt);
  const int64_t N = xh.size(0), K = xh.size(1), H = c.size(1), ld = 5 * H;
  LstmCellForward r = lstm_outputs(N, H, dt);
  float* ws = ptr<float>(r.saved);
  // Each row starts from the bias. With k_used, the product stops at the columns of xh
  // past which all are zero.
  const int64_t k = k_used >= 0 && w.finite ? k_used : K;
  rnn_gemm_panels(N, 4 * H, k, ptr<float>(xh), K, 1, ptr<float>(w.panels), ws, ld, false, ptr<float>(w.bias), K);
  lstm_activate(N, H, ws, ptr<float>(c), ptr<float>(r.hy), ptr<float>(r.cy));
  return r;
}

LstmKeptGateGrads lstm_gate_grads_kept(const Tensor& grad_hy, const Tensor& grad_cy, const Tensor& c_in,
                                       const Tensor& saved, const Tensor& room, const float* xh, int64_t k_xh,
                                       bool keep_all, std::vector<int64_t>& rows) {
  EMBER_CHECK(saved.dtype() == Dtype::Float32 && room.dtype() == Dtype::Float32,
              "lstm_gate_grads_kept: float32 only, got {}", saved.dtype());
  const Dtype dt = Dtype::Float32;
  const int64_t N = saved.size(0), H = saved.size(1) / 5, ld = 5 * H, G = 4 * H;
  Tensor gh = dense_grad(grad_hy, {N, H}, dt), gc = dense_grad(grad_cy, {N, H}, dt);
  Tensor c = dense(c_in, dt);
  LstmKeptGateGrads g;
  g.cx = empty_tensor({N, H}, dt);
  const float *ws = ptr<float>(saved), *ghp = ptr<float>(gh), *gcp = ptr<float>(gc), *cp = ptr<float>(c);
  float *dg = ptr<float>(room), *dcx = ptr<float>(g.cx);
  for (int64_t n = 0; n < N; ++n) {
    // Written at the next free row; a row left out is overwritten by the next one.
    float* at = dg + g.count * G;
    const bool nonzero = lstm_grad_row(H, ws + n * ld, ghp + n * H, gcp + n * H, cp + n * H, at, dcx + n * H);
    if (keep_all || nonzero || (xh && !all_finite(xh + n * k_xh, k_xh))) {
      rows.push_back(n);
      ++g.count;
    }
  }
  return g;
}

void lstm_input_grads_kept(const float* dg, const std::vector<int64_t>& rows, int64_t N, const LstmPackedWeights& w,
                           bool need_x, bool need_h, Tensor& dx, Tensor& dh) {
  const int64_t k = static_cast<int64_t>(rows.size()), G = w.gates;
  // All rows kept (in order): the products go straight into dx and dh.
  const bool all = k == N;
  auto part = [&](const Tensor& weight, Tensor& out) {
    const int64_t width = weight.size(1);
    const float* wp = ptr<float>(weight);
    out = empty_tensor({N, width}, Dtype::Float32);
    float* o = ptr<float>(out);
    if (all) {
      rnn_gemm(N, width, G, dg, G, 1, wp, width, o, width, false);
      return;
    }
    std::memset(o, 0, static_cast<std::size_t>(N * width) * sizeof(float));
    if (k == 0) return;
    Tensor prod = empty_tensor({k, width}, Dtype::Float32);
    float* pp = ptr<float>(prod);
    rnn_gemm(k, width, G, dg, G, 1, wp, width, pp, width, false);
    for (int64_t r = 0; r < k; ++r)
      std::memcpy(o + rows[static_cast<std::size_t>(r)] * width, pp + r * width,
                  static_cast<std::size_t>(width) * sizeof(float));
  };
  if (need_x) part(w.w_ih, dx);
  if (need_h) part(w.w_hh, dh);
}

namespace {

// Columns [col, col + width) of the given rows of src (pitch ld) in rnn_gemm_panels'
// layout for a B of rows.size() rows: panel q holds columns [q w, q w + w) of every row,
// zeros past `width`.
void pack_panels(const float* src, int64_t ld, int64_t col, int64_t width, const std::vector<int64_t>& rows,
                 float* out) {
  const int64_t w = rnn_panel_width(), n = static_cast<int64_t>(rows.size());
  for (int64_t q = 0; q * w < width; ++q) {
    const int64_t used = std::min(w, width - q * w);
    float* panel = out + q * n * w;
    for (int64_t r = 0; r < n; ++r) {
      std::memcpy(panel + r * w, src + rows[static_cast<std::size_t>(r)] * ld + col + q * w,
                  static_cast<std::size_t>(used) * sizeof(float));
      if (used < w) std::memset(panel + r * w + used, 0, static_cast<std::size_t>(w - used) * sizeof(float));
    }
  }
}

// dW [G, width] = dG^T (columns [col, col + width) of xh), over the given rows of both:
// xh's rows packed in panels, dG read transposed in place (its rows gathered first when
// some are left out). float only (the template lets the dtype dispatch name it for double).
template <class T>
void weight_grad_own(const T* dg, int64_t G, const T* xh, int64_t K, int64_t col, int64_t width,
                     const std::vector<int64_t>& rows, T* out) {
  if constexpr (std::is_same_v<T, float>) {
    const int64_t w = rnn_panel_width(), n = static_cast<int64_t>(rows.size());
    Tensor panels = empty_tensor({std::max<int64_t>((width + w - 1) / w * n * w, 1)}, Dtype::Float32);
    pack_panels(xh, K, col, width, rows, ptr<float>(panels));
    rnn_gemm_panels(G, width, n, dg, 1, G, ptr<float>(panels), out, width, false);
  }
}

}  // namespace

LstmWeightGrads lstm_weight_grads(const Tensor& dg_all, const Tensor& xh_all, int64_t I, bool need_ih,
                                  bool need_hh, bool need_bias, const int64_t* xh_rows) {
  LstmWeightGrads out;
  const Dtype dt = dg_all.dtype();
  const int64_t G = dg_all.size(1), K = xh_all.size(1), H = K - I, k = dg_all.size(0);
  // The row of xh each row of dG goes with.
  std::vector<int64_t> rows(static_cast<std::size_t>(k));
  for (int64_t r = 0; r < k; ++r) rows[static_cast<std::size_t>(r)] = xh_rows ? xh_rows[r] : r;
  EMBER_DISPATCH_FLOAT(dt, [&] {
    const T *dg = ptr<T>(dg_all), *x = ptr<T>(xh_all);
    if (std::is_same_v<T, float> && rnn_gemm_available()) {
      // dW = dG^T xh straight into each weight's layout; xh's rows in panels, as the
      // forward's weights are (read in place, their rows lie a whole pitch apart).
      if (need_ih) {
        out.w_ih = empty_tensor({G, I}, dt);
        weight_grad_own(dg, G, x, K, 0, I, rows, ptr<T>(out.w_ih));
      }
      if (need_hh) {
        out.w_hh = empty_tensor({G, H}, dt);
        weight_grad_own(dg, G, x, K, I, H, rows, ptr<T>(out.w_hh));
      }
      need_ih = need_hh = false;
    }
    if (need_ih || need_hh) {
      // BLAS: xh's rows gathered to one matrix in dG's order (unless they already are).
      Tensor xh_kept;
      if (xh_rows) {
        xh_kept = empty_tensor({std::max<int64_t>(k, 1), K}, dt);
        gather_rows(x, K, K, rows, ptr<T>(xh_kept));
        x = ptr<T>(xh_kept);
      }
      if (need_ih) {
        out.w_ih = empty_tensor({G, I}, dt);
        blas::gemm("lstm_cell backward", true, false, G, I, k, T(1), dg, G, x, K, T(0), ptr<T>(out.w_ih), I);
      }
      if (need_hh) {
        out.w_hh = empty_tensor({G, H}, dt);
        blas::gemm("lstm_cell backward", true, false, G, H, k, T(1), dg, G, x + I, K, T(0), ptr<T>(out.w_hh), H);
      }
    }
    if (need_bias) {
      out.bias = empty_tensor({G}, dt);
      column_sums(dg, G, k, G, ptr<T>(out.bias));
    }
  });
  return out;
}

}  // namespace kernels
}  // namespace ember
