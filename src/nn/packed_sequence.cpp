// Packing and unpacking variable-length batches. Each direction is one gather
// (index_select) over the flattened [T * N, *] rows, so packing, unpacking, sorting and
// the batch_first layout all cost one differentiable copy.
#include <algorithm>
#include <numeric>

#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/nn/rnn.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace nn {
namespace utils {
namespace rnn {

namespace {

Shape trailing_sizes(const Tensor& t, int64_t from) {
  Shape s;
  for (int64_t d = from; d < t.dim(); ++d) s.push_back(t.size(d));
  return s;
}

Tensor int64_tensor(const std::vector<int64_t>& v) { return ember::tensor(v, kInt64); }

// Packs input laid out [T, N, *] (or [N, T, *]); `op` names the public function in errors.
PackedSequence pack_impl(const char* op, const Tensor& input, const std::vector<int64_t>& lengths, bool batch_first,
                         bool enforce_sorted) {
  EMBER_CHECK(input.dim() >= 2, "{}: expected input of at least 2 dims ({}), got {}", op,
              batch_first ? "[N, T, *]" : "[T, N, *]", input.sizes());
  const int64_t T = input.size(batch_first ? 1 : 0);
  const int64_t N = input.size(batch_first ? 0 : 1);
  const int64_t n_len = static_cast<int64_t>(lengths.size());
  EMBER_CHECK(n_len == N, "{}: got {} lengths for a batch of {} (input {}, batch_first={})", op, n_len, N,
              input.sizes(), batch_first);
  for (int64_t len : lengths) {
    EMBER_CHECK(len >= 1, "{}: every length must be at least 1, got lengths {}", op, IntArrayRef(lengths));
    EMBER_CHECK(len <= T, "{}: length {} exceeds the {} time steps of input {} (lengths {}, batch_first={})", op,
                len, T, input.sizes(), IntArrayRef(lengths), batch_first);
  }
  std::vector<int64_t> order(N);
  std::iota(order.begin(), order.end(), 0);
  if (enforce_sorted) {
    for (int64_t b = 1; b < N; ++b)
      EMBER_CHECK(lengths[b - 1] >= lengths[b],
                  "{}: lengths {} are not sorted in decreasing order; sort the batch or pass enforce_sorted=false",
                  op, IntArrayRef(lengths));
  } else {
    // Stable, so that equal lengths keep their order, as PyTorch's sort does on CPU.
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return lengths[a] > lengths[b]; });
  }
  const int64_t max_len = lengths[order[0]];
  std::vector<int64_t> batch_sizes(max_len);
  for (int64_t t = 0; t < max_len; ++t) {
    int64_t n = 0;
    while (n < N && lengths[order[n]] > t) ++n;
    batch_sizes[t] = n;
  }

  Tensor flat = input.flatten(0, 1);
  bool identity = !batch_first && max_len == T && batch_sizes.back() == N;
  for (int64_t b = 0; identity && b < N; ++b) identity = order[b] == b;
  Tensor data;
  if (identity) {
    data = flat;  // every sequence is full length: the rows are already in packed order
  } else {
    std::vector<int64_t> rows;
    rows.reserve(static_cast<std::size_t>(std::accumulate(batch_sizes.begin(), batch_sizes.end(), int64_t{0})));
    for (int64_t t = 0; t < max_len; ++t)
      for (int64_t j = 0; j < batch_sizes[t]; ++j) rows.push_back(batch_first ? order[j] * T + t : t * N + order[j]);
    data = flat.index_select(0, int64_tensor(rows));
  }
  if (enforce_sorted) return PackedSequence(data, int64_tensor(batch_sizes));
  std::vector<int64_t> inverse(N);
  for (int64_t j = 0; j < N; ++j) inverse[order[j]] = j;
  return PackedSequence(data, int64_tensor(batch_sizes), int64_tensor(order), int64_tensor(inverse));
}

std::vector<int64_t> lengths_from_tensor(const char* op, const Tensor& lengths) {
  EMBER_CHECK(lengths.dim() == 1 && lengths.dtype() == kInt64,
              "{}: expected lengths as a 1-dim int64 tensor, got {} of dtype {}", op, lengths.sizes(),
              lengths.dtype());
  return lengths.tolist<int64_t>();
}

}  // namespace

PackedSequence::PackedSequence(Tensor data, Tensor batch_sizes, Tensor sorted_indices, Tensor unsorted_indices)
    : data_(std::move(data)),
      batch_sizes_(std::move(batch_sizes)),
      sorted_indices_(std::move(sorted_indices)),
      unsorted_indices_(std::move(unsorted_indices)) {
  EMBER_CHECK(data_.defined() && data_.dim() >= 1, "PackedSequence: expected data of at least 1 dim [sum of lengths, *]");
  EMBER_CHECK(batch_sizes_.defined() && batch_sizes_.dim() == 1 && batch_sizes_.dtype() == kInt64 &&
                  batch_sizes_.numel() >= 1,
              "PackedSequence: expected batch_sizes as a non-empty 1-dim int64 tensor, got {}",
              batch_sizes_.defined() ? batch_sizes_.toString() : std::string("undefined"));
  sizes_ = batch_sizes_.tolist<int64_t>();
  int64_t total = 0;
  for (std::size_t t = 0; t < sizes_.size(); ++t) {
    EMBER_CHECK(sizes_[t] >= 1 && (t == 0 || sizes_[t] <= sizes_[t - 1]),
                "PackedSequence: batch_sizes {} must be positive and non-increasing", IntArrayRef(sizes_));
    total += sizes_[t];
  }
  EMBER_CHECK(total == data_.size(0), "PackedSequence: batch_sizes {} add up to {} rows but data has {} rows ({})",
              IntArrayRef(sizes_), total, data_.size(0), data_.sizes());
  if (unsorted_indices_.defined() || sorted_indices_.defined()) {
    EMBER_CHECK(sorted_indices_.defined() && unsorted_indices_.defined() && sorted_indices_.dim() == 1 &&
                    unsorted_indices_.dim() == 1 && sorted_indices_.numel() == sizes_[0] &&
                    unsorted_indices_.numel() == sizes_[0],
                "PackedSequence: sorted_indices and unsorted_indices must both be given, each with {} entries",
                sizes_[0]);
  }
}

PackedSequence pack_padded_sequence(const Tensor& input, const std::vector<int64_t>& lengths, bool batch_first,
                                    bool enforce_sorted) {
  return pack_impl("pack_padded_sequence", input, lengths, batch_first, enforce_sorted);
}

PackedSequence pack_padded_sequence(const Tensor& input, const Tensor& lengths, bool batch_first,
                                    bool enforce_sorted) {
  return pack_impl("pack_padded_sequence", input, lengths_from_tensor("pack_padded_sequence", lengths), batch_first,
                   enforce_sorted);
}

std::tuple<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence, bool batch_first, double padding_value,
                                               std::optional<int64_t> total_length) {
  EMBER_CHECK(sequence.defined(), "pad_packed_sequence: the PackedSequence is empty");
  const std::vector<int64_t>& bs = sequence.batch_sizes_vec();
  const Tensor& data = sequence.data();
  const int64_t T = static_cast<int64_t>(bs.size());
  const int64_t N = bs[0];
  int64_t T_out = T;
  if (total_length) {
    EMBER_CHECK(*total_length >= T,
                "pad_packed_sequence: total_length {} is less than the longest sequence's length {}", *total_length,
                T);
    T_out = *total_length;
  }
  // Sequence j (in sorted order) lasts while bs[t] > j.
  std::vector<int64_t> sorted_len(N, 0), offset(T, 0);
  for (int64_t t = 0; t < T; ++t) {
    offset[t] = t ? offset[t - 1] + bs[t - 1] : 0;
    for (int64_t j = 0; j < bs[t]; ++j) ++sorted_len[j];
  }
  std::vector<int64_t> position(N);  // where original sequence b sits in sorted order
  if (sequence.unsorted_indices().defined())
    position = sequence.unsorted_indices().tolist<int64_t>();
  else
    std::iota(position.begin(), position.end(), 0);
  std::vector<int64_t> lengths(N);
  bool identity = !batch_first && T_out == T && bs.back() == N;
  for (int64_t b = 0; b < N; ++b) {
    lengths[b] = sorted_len[position[b]];
    identity = identity && position[b] == b;
  }
  Shape out_sizes = batch_first ? Shape{N, T_out} : Shape{T_out, N};
  Shape rest = trailing_sizes(data, 1);
  for (int64_t s : rest) out_sizes.push_back(s);
  if (identity) return {data.reshape(out_sizes), int64_tensor(lengths)};

  // One extra row of padding_value at the end: every padded position gathers from it.
  Shape pad_row_sizes{1};
  for (int64_t s : rest) pad_row_sizes.push_back(s);
  Tensor extended = ember::cat({data, ember::full(pad_row_sizes, padding_value, data.dtype())}, 0);
  const int64_t pad_row = data.size(0);
  std::vector<int64_t> rows(static_cast<std::size_t>(T_out * N));
  for (int64_t t = 0; t < T_out; ++t) {
    for (int64_t b = 0; b < N; ++b) {
      int64_t j = position[b];
      int64_t src = t < T && j < bs[t] ? offset[t] + j : pad_row;
      rows[static_cast<std::size_t>(batch_first ? b * T_out + t : t * N + b)] = src;
    }
  }
  Tensor padded = extended.index_select(0, int64_tensor(rows)).reshape(out_sizes);
  return {padded, int64_tensor(lengths)};
}

Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first, double padding_value) {
  EMBER_CHECK(!sequences.empty(), "pad_sequence: expected at least one sequence, got an empty list");
  const Tensor& first = sequences[0];
  EMBER_CHECK(first.dim() >= 1, "pad_sequence: expected sequences of at least 1 dim [L, *], got {}", first.sizes());
  int64_t max_len = 0;
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    const Tensor& s = sequences[i];
    EMBER_CHECK(s.dim() == first.dim() && trailing_sizes(s, 1) == trailing_sizes(first, 1),
                "pad_sequence: sequence {} has shape {} but sequence 0 has {}; all must agree after dim 0", i,
                s.sizes(), first.sizes());
    max_len = std::max(max_len, s.size(0));
  }
  std::vector<Tensor> padded;
  padded.reserve(sequences.size());
  for (const Tensor& s : sequences) {
    if (s.size(0) == max_len) {
      padded.push_back(s);
      continue;
    }
    std::vector<int64_t> amount(static_cast<std::size_t>(2 * s.dim()), 0);
    amount.back() = max_len - s.size(0);  // the pair for dim 0 comes last
    padded.push_back(ember::pad(s, amount, padding_value));
  }
  return ember::stack(padded, batch_first ? 0 : 1);
}

PackedSequence pack_sequence(const std::vector<Tensor>& sequences, bool enforce_sorted) {
  EMBER_CHECK(!sequences.empty(), "pack_sequence: expected at least one sequence, got an empty list");
  std::vector<int64_t> lengths;
  for (const Tensor& s : sequences) {
    EMBER_CHECK(s.dim() >= 1, "pack_sequence: expected sequences of at least 1 dim [L, *], got {}", s.sizes());
    lengths.push_back(s.size(0));
  }
  return pack_impl("pack_sequence", pad_sequence(sequences), lengths, false, enforce_sorted);
}

}  // namespace rnn
}  // namespace utils
}  // namespace nn
}  // namespace ember
