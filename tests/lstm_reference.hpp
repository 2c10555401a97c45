// An LSTM cell composed from ember's ordinary ops: the reference the fused cell and the
// chained steps are checked against (PyTorch's LSTMCell formulas, gates i, f, g, o).
#pragma once

#include <tuple>
#include <vector>

#include "helpers.hpp"

inline std::tuple<ember::Tensor, ember::Tensor> lstm_ref(const ember::Tensor& x, const ember::Tensor& h,
                                                         const ember::Tensor& c, const ember::Tensor& w_ih,
                                                         const ember::Tensor& w_hh, const ember::Tensor& b_ih,
                                                         const ember::Tensor& b_hh) {
  ember::Tensor gates = ember::matmul(x, w_ih.t()) + ember::matmul(h, w_hh.t());
  if (b_ih.defined()) gates = gates + b_ih;
  if (b_hh.defined()) gates = gates + b_hh;
  std::vector<ember::Tensor> q = gates.chunk(4, -1);
  ember::Tensor i = ember::sigmoid(q[0]), f = ember::sigmoid(q[1]), g = ember::tanh(q[2]), o = ember::sigmoid(q[3]);
  ember::Tensor cy = f * c + i * g;
  return {o * ember::tanh(cy), cy};
}
