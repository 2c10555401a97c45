// Internal: runs a stack of recurrent layers over a packed batch. Shared by RNN, LSTM and
// GRU; the modules deal with layouts (padded, batch_first, unsorted) and hand this the
// packed rows sorted by length, longest first.
#pragma once
#include <cstdint>
#include <vector>

#include "ember/nn/rnn.hpp"

namespace ember {
namespace nn {
namespace detail {

struct RecurrentRun {
  Tensor data;  // [sum(batch_sizes), D * hidden], the last layer's outputs, packed
  Tensor h_n;   // [L * D, N, hidden], each sequence's state after its own last step
  Tensor c_n;   // the same for the LSTM cell state; undefined otherwise
};

// data: [sum(batch_sizes), input_size] packed rows; batch_sizes non-increasing, N =
// batch_sizes[0]. weights: L * D entries, layer-major (l0, l0_reverse, l1, ...).
// h0 (and c0 for LSTM): [L * D, N, hidden] in the packed (sorted) batch order.
// dropout applies to every layer's output but the last, only when training.
RecurrentRun run_recurrent(CellKind kind, const std::vector<CellWeights>& weights, int64_t num_layers,
                           bool bidirectional, double dropout, bool training, const Tensor& data,
                           const std::vector<int64_t>& batch_sizes, const Tensor& h0, const Tensor& c0);

}  // namespace detail
}  // namespace nn
}  // namespace ember
