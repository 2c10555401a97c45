// Fused LSTM and GRU cell kernels: no autograd here (autograd/nn_layers.cpp records
// their backward).
//
// A cell step on a small batch is a few small GEMMs and a handful of elementwise passes
// over [N, hidden] data; composed of separate ops it spends most of its time allocating
// and re-reading intermediates. These kernels run the gate GEMMs straight into one
// workspace and do all the elementwise work in one pass per row, keeping the activated
// gates for the backward.
//
// Operands, all of one float dtype (any layout; non-contiguous ones are copied):
// x [N, I], h [N, H], c [N, H], w_ih [G*H, I], w_hh [G*H, H], b_ih / b_hh [G*H] or
// undefined, with G = 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n), as PyTorch orders them.
#pragma once
#include <vector>

#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

// What a backward needs to compute; a gradient not asked for comes back undefined.
struct CellNeeds {
  bool input = true, hx = true, cx = true, w_ih = true, w_hh = true, b_ih = true, b_hh = true;
};

struct CellGrads {
  Tensor input, hx, cx, w_ih, w_hh, b_ih, b_hh;
};

struct LstmCellForward {
  Tensor hy, cy;
  // [N, 5H]: the activated gates i, f, g, o, then tanh(cy); what the backward reads.
  Tensor saved;
};
LstmCellForward lstm_cell_forward(const Tensor& x, const Tensor& h, const Tensor& c, const Tensor& w_ih,
                                  const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh);

// grad_hy / grad_cy may be undefined (that output unused: a zero gradient). `saved` is
// lstm_cell_forward's.
CellGrads lstm_cell_backward(const Tensor& grad_hy, const Tensor& grad_cy, const Tensor& x, const Tensor& h,
                             const Tensor& c, const Tensor& w_ih, const Tensor& w_hh, const Tensor& saved,
                             const CellNeeds& needs);

// ---- The LSTM over an unrolled sequence (autograd/rnn_cells.cpp chains its steps) ----
// float32 where rnn_gemm runs. The two gate GEMMs become one: x and h side by side,
// xh [N, I + H], against the weights packed once per sequence, [w_ih | w_hh]^T in
// panels. The weight gradients of all the steps are one GEMM per weight at the end,
// over all their rows.

struct LstmPackedWeights {
  Tensor w_ih, w_hh;  // contiguous [4H, I] and [4H, H] (the operands, when they are)
  Tensor panels;      // [w_ih | w_hh]^T, [I + H, 4H], in rnn_gemm_panels' layout
  Tensor bias;        // b_ih + b_hh [4H]; undefined when neither is defined
  int64_t gates = 0, inputs = 0;  // 4H and I + H
  bool finite = true;  // every weight finite: a zero row of dG then gives a zero row of dG W
};
LstmPackedWeights lstm_pack_weights(const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh);
// Writes [x | h] into `into`, a contiguous [N, I + H] tensor.
void lstm_pack_inputs(const Tensor& x, const Tensor& h, const Tensor& into);
// Whether every element of the h columns of such an xh (from input_size on) is +0 or -0.
bool lstm_state_is_zero(const Tensor& xh, int64_t input_size);
// The cell on packed operands; `saved` as lstm_cell_forward's. `k_used` (>= 0): every
// column of xh from k_used on is zero (a sequence's first step from a zero state: only
// x's columns count), so the gate product leaves them out where the packed weights are
// finite (0 * inf is NaN).
LstmCellForward lstm_cell_forward_packed(const Tensor& xh, const Tensor& c, const LstmPackedWeights& w,
                                         int64_t k_used = -1);

// The unrolled chain's backward step, float32 where rnn_gemm runs. Rows of the gate
// gradient that are all zeros (+0 or -0) need no product: a character model's batch is
// padded to its longest word and the padded steps' targets are ignored, so their rows
// are exactly zero. They are left out as the gradient is written:
//  - lstm_gate_grads_kept writes the kept rows one under another from the start of
//    `room` (room for N rows of 4H) and appends their batch rows to `rows`; returns how
//    many it kept. A zero row is kept anyway when `keep_all` (the packed weights are
//    not all finite: 0 * inf is NaN) or when its row of xh (`xh`, N rows of `k_xh`) is
//    not finite.
//  - lstm_input_grads_kept: dx = dG_kept w_ih, dh = dG_kept w_hh [N, ...] from those
//    rows, the rows not kept zero.
struct LstmKeptGateGrads {
  int64_t count = 0;
  Tensor cx;  // [N, H], every row
};
LstmKeptGateGrads lstm_gate_grads_kept(const Tensor& grad_hy, const Tensor& grad_cy, const Tensor& c,
                                       const Tensor& saved, const Tensor& room, const float* xh, int64_t k_xh,
                                       bool keep_all, std::vector<int64_t>& rows);
void lstm_input_grads_kept(const float* dgates_kept, const std::vector<int64_t>& rows, int64_t N,
                           const LstmPackedWeights& w, bool need_x, bool need_h, Tensor& dx, Tensor& dh);

// The weight gradients summed over all the steps' rows, stacked: dgates [R', 4H] and
// xh [R, I + H] (both contiguous) give dW_ih = dG^T x, dW_hh = dG^T h and db = the
// column sums of dG, one GEMM each. Row r of dG goes with row xh_rows[r] of xh (null:
// with row r, and R' = R).
struct LstmWeightGrads {
  Tensor w_ih, w_hh, bias;
};
LstmWeightGrads lstm_weight_grads(const Tensor& dgates, const Tensor& xh, int64_t input_size, bool need_ih,
                                  bool need_hh, bool need_bias, const int64_t* xh_rows = nullptr);

struct GruCellForward {
  Tensor hy;
  // [N, 6H]: r, z, n (activated), then h W_hh^T + b_hh (its r, z, n parts); the backward
  // reads r, z, n and the n part, which n multiplied by r.
  Tensor saved;
};
GruCellForward gru_cell_forward(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                                const Tensor& b_ih, const Tensor& b_hh);

// grad_hy may be undefined. The result's cx is always undefined.
CellGrads gru_cell_backward(const Tensor& grad_hy, const Tensor& x, const Tensor& h, const Tensor& w_ih,
                            const Tensor& w_hh, const Tensor& saved, const CellNeeds& needs);

}  // namespace kernels
}  // namespace ember
