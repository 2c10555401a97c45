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
