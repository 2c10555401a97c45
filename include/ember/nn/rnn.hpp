// Recurrent layers and variable-length batches, as torch.nn.RNN/LSTM/GRU, their cells
// and torch.nn.utils.rnn.
//
//   namespace R = ember::nn::utils::rnn;
//   R::PackedSequence p = R::pack_padded_sequence(x, {5, 3, 2});   // x [T, N, *]
//   auto [y, lengths] = R::pad_packed_sequence(p);
//
// A PackedSequence stores the steps of a batch sorted by length, longest first, one time
// step after another: data holds batch_sizes[0] rows of step 0, then batch_sizes[1] rows
// of step 1, and so on. A recurrent module runs step t on the first batch_sizes[t] rows.
#pragma once
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include <string>

#include "ember/nn/module.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace nn {
namespace utils {
namespace rnn {

class PackedSequence {
 public:
  PackedSequence() = default;
  // batch_sizes: int64 [T]; sorted_indices/unsorted_indices: int64 [N] or undefined
  // (undefined when the batch was already sorted by length).
  PackedSequence(Tensor data, Tensor batch_sizes, Tensor sorted_indices = {}, Tensor unsorted_indices = {});

  const Tensor& data() const { return data_; }
  const Tensor& batch_sizes() const { return batch_sizes_; }
  const Tensor& sorted_indices() const { return sorted_indices_; }
  const Tensor& unsorted_indices() const { return unsorted_indices_; }
  bool defined() const { return data_.defined(); }
  // batch_sizes as plain numbers.
  const std::vector<int64_t>& batch_sizes_vec() const { return sizes_; }

 private:
  Tensor data_, batch_sizes_, sorted_indices_, unsorted_indices_;
  std::vector<int64_t> sizes_;
};

// input [T, N, *] ([N, T, *] when batch_first); lengths: one per sequence, each in
// [1, T]. enforce_sorted: lengths must be in decreasing order; otherwise they are sorted
// here and the order is restored by pad_packed_sequence and by the modules' h_n.
PackedSequence pack_padded_sequence(const Tensor& input, const std::vector<int64_t>& lengths, bool batch_first = false,
                                    bool enforce_sorted = true);
PackedSequence pack_padded_sequence(const Tensor& input, const Tensor& lengths, bool batch_first = false,
                                    bool enforce_sorted = true);

// The inverse: (padded [T, N, *] or [N, T, *], lengths int64 [N]). total_length pads the
// time dim to that many steps (at least the longest sequence).
std::tuple<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence, bool batch_first = false,
                                               double padding_value = 0.0,
                                               std::optional<int64_t> total_length = std::nullopt);

// Stacks sequences [L_i, *] into [max L, N, *] ([N, max L, *] when batch_first).
Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first = false, double padding_value = 0.0);

// Packs sequences [L_i, *]; with enforce_sorted they must come longest first.
PackedSequence pack_sequence(const std::vector<Tensor>& sequences, bool enforce_sorted = true);

}  // namespace rnn
}  // namespace utils

using utils::rnn::PackedSequence;

// ---- options (LibTorch's spelling: LSTMOptions(10, 20).num_layers(2).bidirectional(true)) ----

class RNNCellOptions {
 public:
  RNNCellOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  EMBER_ARG(int64_t, input_size);
  EMBER_ARG(int64_t, hidden_size);
  EMBER_ARG(bool, bias) = true;
  EMBER_ARG(std::string, nonlinearity) = "tanh";  // "tanh" or "relu"
};

class LSTMCellOptions {
 public:
  LSTMCellOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  EMBER_ARG(int64_t, input_size);
  EMBER_ARG(int64_t, hidden_size);
  EMBER_ARG(bool, bias) = true;
};
using GRUCellOptions = LSTMCellOptions;

class RNNOptions {
 public:
  RNNOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  EMBER_ARG(int64_t, input_size);
  EMBER_ARG(int64_t, hidden_size);
  EMBER_ARG(int64_t, num_layers) = 1;
  EMBER_ARG(std::string, nonlinearity) = "tanh";  // RNN only: "tanh" or "relu"
  EMBER_ARG(bool, bias) = true;
  EMBER_ARG(bool, batch_first) = false;
  EMBER_ARG(double, dropout) = 0.0;  // between layers, in training only
  EMBER_ARG(bool, bidirectional) = false;
  // LSTM only: when positive, h is projected to proj_size features after each step
  // (weight_hr_l{k} [proj_size, hidden_size]); h0, h_n and the output then have
  // proj_size features, c0 and c_n keep hidden_size.
  EMBER_ARG(int64_t, proj_size) = 0;
};
using LSTMOptions = RNNOptions;
using GRUOptions = RNNOptions;

// ---- cells: one time step. input [N, input_size] or unbatched [input_size]; a missing
// hidden state is zeros. Parameters as PyTorch: weight_ih [G * hidden, input],
// weight_hh [G * hidden, hidden], bias_ih, bias_hh [G * hidden], with G = 1 (RNN),
// 4 (LSTM: gates i, f, g, o) or 3 (GRU: r, z, n); all start uniform in
// [-1/sqrt(hidden), 1/sqrt(hidden)]. ----

namespace detail {
class CellBase : public Module {
 public:
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;
  void reset_parameters();
  std::string extra_repr() const override;

 protected:
  CellBase(const char* type_name, int64_t gates, int64_t input_size, int64_t hidden_size, bool bias);
  // Checks input and the hidden state (hx may be undefined: zeros); unbatched inputs
  // gain a batch dim of 1, which the caller removes again when `unbatched`.
  Tensor prepare_input(const Tensor& input, bool& unbatched) const;
  Tensor prepare_hidden(const Tensor& hx, const Tensor& input, bool unbatched, const char* what) const;

  int64_t input_size_, hidden_size_;
  bool bias_;
  std::string nonlinearity_ = "tanh";
};
}  // namespace detail

class RNNCellImpl : public detail::CellBase {
 public:
  EMBER_CLONE_FROM_OPTIONS
  RNNCellImpl(int64_t input_size, int64_t hidden_size) : RNNCellImpl(RNNCellOptions(input_size, hidden_size)) {}
  explicit RNNCellImpl(const RNNCellOptions& options);
  Tensor forward(const Tensor& input) override { return forward(input, Tensor()); }
  Tensor forward(const Tensor& input, const Tensor& hx);
  RNNCellOptions options;
};
EMBER_MODULE(RNNCell);

class LSTMCellImpl : public detail::CellBase {
 public:
  EMBER_CLONE_FROM_OPTIONS
  LSTMCellImpl(int64_t input_size, int64_t hidden_size) : LSTMCellImpl(LSTMCellOptions(input_size, hidden_size)) {}
  explicit LSTMCellImpl(const LSTMCellOptions& options);
  // Returns (h, c).
  std::tuple<Tensor, Tensor> forward(const Tensor& input,
                                     const std::optional<std::tuple<Tensor, Tensor>>& hx = std::nullopt);
  LSTMCellOptions options;
};
EMBER_MODULE(LSTMCell);

class GRUCellImpl : public detail::CellBase {
 public:
  EMBER_CLONE_FROM_OPTIONS
  GRUCellImpl(int64_t input_size, int64_t hidden_size) : GRUCellImpl(GRUCellOptions(input_size, hidden_size)) {}
  explicit GRUCellImpl(const GRUCellOptions& options);
  Tensor forward(const Tensor& input) override { return forward(input, Tensor()); }
  Tensor forward(const Tensor& input, const Tensor& hx);
  GRUCellOptions options;
};
EMBER_MODULE(GRUCell);

// ---- multi-layer recurrent modules ----
// input [T, N, input_size] ([N, T, input_size] when batch_first) or unbatched
// [T, input_size]; h0/c0 [num_layers * D, N, hidden] (D = 2 when bidirectional), zeros
// when missing. output [T, N, D * hidden] (the last layer's h at every step, forward and
// reverse halves side by side), h_n/c_n [num_layers * D, N, hidden].
// Parameters named as PyTorch so state_dicts move both ways: weight_ih_l{k},
// weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (and weight_hr_l{k} with an LSTM's
// proj_size), and the same with _reverse.
//
// Variable-length batches: forward(input, lengths, hx) or forward_with_packed_input.
// Each sequence then runs as if alone: output steps past its length are zero, h_n/c_n
// hold its state at its own last step, and the reverse direction starts there.

namespace detail {
enum class CellKind { RnnTanh, RnnRelu, Lstm, Gru };
// One layer in one direction; biases may be undefined, w_hr (the LSTM projection) is
// undefined without proj_size.
struct CellWeights {
  Tensor w_ih, w_hh, b_ih, b_hh, w_hr;
};

class RNNBase : public Module {
 public:
  RNNOptions options;
  void reset_parameters();
  std::string extra_repr() const override;
  // Every weight, in PyTorch's order (layer by layer, forward then reverse direction,
  // w_ih, w_hh, b_ih, b_hh).
  const std::vector<Tensor>& flat_weights() const { return flat_weights_; }

 protected:
  RNNBase(const char* type_name, const RNNOptions& options, int64_t gates, CellKind kind);

  struct Result {
    Tensor output;          // padded layout, for the tensor forms
    PackedSequence packed;  // for forward_with_packed_input
    Tensor h_n, c_n;
  };
  // lengths: null for equal-length sequences.
  Result run_padded(const Tensor& input, const std::vector<int64_t>* lengths, const Tensor& h0, const Tensor& c0);
  Result run_packed(const PackedSequence& input, const Tensor& h0, const Tensor& c0);

 private:
  // state [L * D, batch, features] (zeros when undefined).
  Tensor check_state(const Tensor& state, int64_t batch, int64_t features, bool unbatched, const char* what,
                     const Tensor& like) const;
  // h's features: proj_size when projecting, hidden_size otherwise.
  int64_t h_features() const { return options.proj_size() > 0 ? options.proj_size() : options.hidden_size(); }
  CellKind kind_;
  int64_t gates_;
  std::vector<Tensor> flat_weights_;
  std::vector<CellWeights> cells_;  // per layer and direction, layer-major
};
}  // namespace detail

class RNNImpl : public detail::RNNBase {
 public:
  RNNImpl(int64_t input_size, int64_t hidden_size) : RNNImpl(RNNOptions(input_size, hidden_size)) {}
  explicit RNNImpl(const RNNOptions& options);
  // (output, h_n)
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = {});
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const std::vector<int64_t>& lengths, const Tensor& hx = {});
  std::tuple<PackedSequence, Tensor> forward_with_packed_input(const PackedSequence& input, const Tensor& hx = {});
};
EMBER_MODULE(RNN);

class LSTMImpl : public detail::RNNBase {
 public:
  using State = std::tuple<Tensor, Tensor>;  // (h, c)
  LSTMImpl(int64_t input_size, int64_t hidden_size) : LSTMImpl(LSTMOptions(input_size, hidden_size)) {}
  explicit LSTMImpl(const LSTMOptions& options);
  // (output, (h_n, c_n))
  std::tuple<Tensor, State> forward(const Tensor& input, const std::optional<State>& hx = std::nullopt);
  std::tuple<Tensor, State> forward(const Tensor& input, const std::vector<int64_t>& lengths,
                                    const std::optional<State>& hx = std::nullopt);
  std::tuple<PackedSequence, State> forward_with_packed_input(const PackedSequence& input,
                                                              const std::optional<State>& hx = std::nullopt);
};
EMBER_MODULE(LSTM);

class GRUImpl : public detail::RNNBase {
 public:
  GRUImpl(int64_t input_size, int64_t hidden_size) : GRUImpl(GRUOptions(input_size, hidden_size)) {}
  explicit GRUImpl(const GRUOptions& options);
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = {});
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const std::vector<int64_t>& lengths, const Tensor& hx = {});
  std::tuple<PackedSequence, Tensor> forward_with_packed_input(const PackedSequence& input, const Tensor& hx = {});
};
EMBER_MODULE(GRU);

}  // namespace nn
}  // namespace ember
