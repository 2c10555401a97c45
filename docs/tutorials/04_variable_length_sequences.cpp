// Tutorial 4: variable-length sequences.
//
// The graph is recorded anew on every run, so a model may loop as long as its data
// says: here a batch of sequences of different lengths, three ways.
//   ember-run docs/tutorials/04_variable_length_sequences.cpp
#include <ember/ember.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <vector>

namespace nn = ember::nn;
namespace R = ember::nn::utils::rnn;
using ember::indexing::None;
using ember::indexing::Slice;

static void expect(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "tutorial check failed: " << what << "\n";
    std::exit(1);
  }
}

int main() {
  ember::manual_seed(0);
  const int64_t features = 4, hidden = 8;
  const std::vector<int64_t> lengths = {5, 3, 2};  // three sequences, longest first
  const int64_t steps = *std::max_element(lengths.begin(), lengths.end());
  const auto batch = static_cast<int64_t>(lengths.size());
  // A padded batch [T, N, features]: sequence i is valid for its first lengths[i] steps.
  ember::Tensor x = ember::randn({steps, batch, features});

  // 1. A plain C++ loop over an LSTMCell, as long as this batch's longest sequence.
  // Each step updates only the sequences still going (a mask), so a short sequence keeps
  // the state it had at its own last step.
  nn::LSTMCell cell(features, hidden);
  ember::Tensor h = ember::zeros({batch, hidden}), c = ember::zeros({batch, hidden});
  for (int64_t t = 0; t < steps; ++t) {
    auto [h_new, c_new] = cell(x[t], std::make_tuple(h, c));
    std::vector<float> going;
    for (int64_t length : lengths) going.push_back(t < length ? 1.0f : 0.0f);
    ember::Tensor mask = ember::tensor(going).unsqueeze(1);  // [N, 1]
    h = mask * h_new + (1 - mask) * h;
    c = mask * c_new + (1 - mask) * c;
  }
  ember::Tensor loss = h.square().sum();
  loss.backward();  // the gradient flows through exactly the steps each sequence took
  expect(cell->named_parameters().size() == 4 && cell->parameters()[0].grad().defined(), "the cell got gradients");

  // 2. nn::LSTM takes the lengths itself: each sequence gets exactly the result it would
  // get alone, and steps past its end are zero in the output.
  nn::LSTM lstm(features, hidden);
  auto [output, state] = lstm->forward(x, lengths);
  auto [h_n, c_n] = state;
  for (int64_t i = 0; i < batch; ++i) {
    // Sequence i alone: its own steps, a batch of one.
    ember::Tensor alone = x.index({Slice(0, lengths[i]), Slice(i, i + 1)});
    auto [alone_out, alone_state] = lstm->forward(alone);
    expect(ember::allclose(std::get<0>(alone_state)[0][0], h_n[0][i], 1e-5, 1e-6),
           "h_n of each sequence is what it gets alone");
    expect(ember::allclose(alone_out.index({Slice(), 0}), output.index({Slice(0, lengths[i]), i}), 1e-5, 1e-6),
           "the output steps of each sequence are what it gets alone");
  }
  expect(output.index({Slice(lengths[2], None), 2}).abs().sum().item<float>() == 0.0f,
         "steps past a sequence's end are zero");

  // 3. PyTorch's packed sequences, for code that already uses them.
  R::PackedSequence packed = R::pack_padded_sequence(x, lengths);
  std::cout << "batch sizes per step: " << packed.batch_sizes() << "\n";
  expect(packed.batch_sizes_vec() == std::vector<int64_t>{3, 3, 2, 1, 1}, "3 sequences at steps 0-1, 2 at step 2, ...");
  auto [packed_out, packed_state] = lstm->forward_with_packed_input(packed);
  auto [padded, out_lengths] = R::pad_packed_sequence(packed_out);
  expect(ember::allclose(padded, output, 1e-5, 1e-6), "packed and length forms agree");
  expect(out_lengths.tolist<int64_t>() == lengths, "pad_packed_sequence returns the lengths");
  std::cout << "tutorial 4: ok\n";
}
