// The unrolled recurrence over a packed batch. Step t runs the cell on the first
// batch_sizes[t] rows only (the batch is sorted longest first), so the recorded graph is
// exactly the dynamic one: no work and no gradient for padded steps, and each sequence's
// final state is its own last step's.
//
// Forward direction: as the batch shrinks, the rows that just finished are set aside
// (narrow views, no copy) and joined back, in order, once at the end.
// Reverse direction: the batch grows as t goes down; a sequence joins at its own last
// step with its initial state.
#include "src/nn/rnn_run.hpp"

#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"

namespace ember {
namespace nn {
namespace detail {

namespace {

namespace F = ember::nn::functional;

struct State {
  Tensor h, c;  // c only for the LSTM
};

State narrow_state(const State& s, int64_t start, int64_t length) {
  return {s.h.narrow(0, start, length), s.c.defined() ? s.c.narrow(0, start, length) : Tensor()};
}

// An LSTM step with proj_size (PyTorch's LSTM with projections): the fused cell wants a
// square w_hh, so the gates are composed here; h = W_hr (o * tanh(c)).
State projected_lstm_step(const Tensor& x, const State& s, const CellWeights& w) {
  Tensor gates = F::linear(x, w.w_ih, w.b_ih) + F::linear(s.h, w.w_hh, w.b_hh);
  std::vector<Tensor> g = gates.chunk(4, 1);  // i, f, g, o
  Tensor c = ember::sigmoid(g[1]) * s.c + ember::sigmoid(g[0]) * ember::tanh(g[2]);
  Tensor h = ember::sigmoid(g[3]) * ember::tanh(c);
  return {F::linear(h, w.w_hr), c};
}

State cell_step(CellKind kind, const Tensor& x, const State& s, const CellWeights& w) {
  switch (kind) {
    case CellKind::Lstm: {
      if (w.w_hr.defined()) return projected_lstm_step(x, s, w);
      auto [h, c] = F::lstm_cell(x, s.h, s.c, w.w_ih, w.w_hh, w.b_ih, w.b_hh);
      return {h, c};
    }
    case CellKind::Gru:
      return {F::gru_cell(x, s.h, w.w_ih, w.w_hh, w.b_ih, w.b_hh), {}};
    case CellKind::RnnRelu:
      return {F::rnn_relu_cell(x, s.h, w.w_ih, w.w_hh, w.b_ih, w.b_hh), {}};
    case CellKind::RnnTanh:
    default:
      return {F::rnn_tanh_cell(x, s.h, w.w_ih, w.w_hh, w.b_ih, w.b_hh), {}};
  }
}

// Runs one direction over the steps xs (xs[t] has batch_sizes[t] rows); fills ys[t]
// with each step's h and returns the final state of all N rows.
State run_direction(CellKind kind, const CellWeights& w, const std::vector<Tensor>& xs,
                    const std::vector<int64_t>& bs, const State& init, bool reverse, std::vector<Tensor>& ys) {
  const int64_t T = static_cast<int64_t>(xs.size());
  ys.assign(static_cast<std::size_t>(T), Tensor());
  if (!reverse) {
    State s = init;
    int64_t active = bs[0];
    std::vector<State> finished;  // later entries hold lower rows
    for (int64_t t = 0; t < T; ++t) {
      if (bs[t] < active) {
        finished.push_back(narrow_state(s, bs[t], active - bs[t]));
        s = narrow_state(s, 0, bs[t]);
        active = bs[t];
      }
      s = cell_step(kind, xs[t], s, w);
      ys[t] = s.h;
    }
    if (finished.empty()) return s;
    std::vector<Tensor> hs{s.h}, cs{s.c};
    for (auto it = finished.rbegin(); it != finished.rend(); ++it) {
      hs.push_back(it->h);
      cs.push_back(it->c);
    }
    return {ember::cat(hs, 0), s.c.defined() ? ember::cat(cs, 0) : Tensor()};
  }
  int64_t active = bs[T - 1];
  State s = narrow_state(init, 0, active);
  for (int64_t t = T - 1; t >= 0; --t) {
    if (bs[t] > active) {
      State joining = narrow_state(init, active, bs[t] - active);
      s.h = ember::cat({s.h, joining.h}, 0);
      if (s.c.defined()) s.c = ember::cat({s.c, joining.c}, 0);
      active = bs[t];
    }
    s = cell_step(kind, xs[t], s, w);
    ys[t] = s.h;
  }
  return s;
}

}  // namespace

RecurrentRun run_recurrent(CellKind kind, const std::vector<CellWeights>& weights, int64_t num_layers,
                           bool bidirectional, double dropout, bool training, const Tensor& data,
                           const std::vector<int64_t>& batch_sizes, const Tensor& h0, const Tensor& c0) {
  const int64_t D = bidirectional ? 2 : 1;
  const bool lstm = kind == CellKind::Lstm;
  Tensor layer_input = data;
  std::vector<Tensor> h_finals, c_finals, ys;
  for (int64_t l = 0; l < num_layers; ++l) {
    // The steps are contiguous row blocks of the packed data: views, no copy.
    std::vector<Tensor> xs = layer_input.split(IntArrayRef(batch_sizes), 0);
    std::vector<Tensor> outputs;
    for (int64_t d = 0; d < D; ++d) {
      const int64_t k = l * D + d;
      State init{h0.select(0, k), lstm ? c0.select(0, k) : Tensor()};
      State fin = run_direction(kind, weights[static_cast<std::size_t>(k)], xs, batch_sizes, init, d == 1, ys);
      h_finals.push_back(fin.h);
      if (lstm) c_finals.push_back(fin.c);
      outputs.push_back(ys.size() == 1 ? ys[0] : ember::cat(ys, 0));
    }
    layer_input = D == 1 ? outputs[0] : ember::cat(outputs, 1);
    if (dropout > 0 && training && l + 1 < num_layers) layer_input = F::dropout(layer_input, dropout, true);
  }
  RecurrentRun run;
  run.data = layer_input;
  run.h_n = ember::stack(h_finals, 0);
  if (lstm) run.c_n = ember::stack(c_finals, 0);
  return run;
}

}  // namespace detail
}  // namespace nn
}  // namespace ember
