// reduce, gather, scatter and all_to_all, built on the backends' all-reduce, all-gather
// and broadcast: every backend and every subgroup gets them, with the same header check
// (shape and dtype mismatches across ranks throw before any payload moves).
#include <algorithm>
#include <cstring>

#include <fmt/ranges.h>

#include "ember/creation.hpp"
#include "src/core/check.hpp"
#include "src/distributed/group_base.hpp"

namespace ember {
namespace distributed {
namespace detail {
namespace {
void check_tensor(const Tensor& t, const char* op, const char* what) {
  EMBER_CHECK(t.defined(), "{}: {} is an undefined tensor", op, what);
  EMBER_CHECK(t.is_contiguous(), "{}: {} must be contiguous (shape {}, strides {})", op, what, t.sizes(), t.strides());
}
void check_root(int root, int size, const char* op, const char* name) {
  EMBER_CHECK(root >= 0 && root < size, "{}: {} {} is not a rank of a group of {}", op, name, root, size);
}
void check_like(const Tensor& t, const Tensor& like, const char* op, const char* what, const char* other) {
  EMBER_CHECK(t.dtype() == like.dtype() && t.numel() == like.numel(), "{}: {} is {} {}, {} {} {}", op, what,
              t.dtype(), t.sizes(), other, like.dtype(), like.sizes());
}
// The split sizes of all_to_all_single: given, or rows / world size each.
std::vector<int64_t> splits_of(const std::vector<int64_t>& given, int64_t rows, int size, const char* op,
                               const char* which) {
  if (given.empty()) {
    EMBER_CHECK(rows % size == 0,
                "{}: without {}, the {}'s first dimension ({}) must divide by the world size {}", op,
                std::string(which) + "_split_sizes", which, rows, size);
    return std::vector<int64_t>(size, rows / size);
  }
  EMBER_CHECK(static_cast<int>(given.size()) == size, "{}: {}_split_sizes has {} entries, the world size is {}", op,
              which, given.size(), size);
  int64_t sum = 0;
  for (int64_t s : given) {
    EMBER_CHECK(s >= 0, "{}: {}_split_sizes {} holds a negative size", op, which, given);
    sum += s;
  }
  EMBER_CHECK(sum == rows, "{}: {}_split_sizes {} add up to {}, the {}'s first dimension is {}", op, which, given, sum,
              which, rows);
  return given;
}
}  // namespace

std::shared_ptr<Work> QueuedGroup::reduce(std::vector<Tensor>& tensors, const ReduceOptions& opts) {
  const char* op = "reduce";
  EMBER_CHECK(tensors.size() == 1, "{}: expected one tensor, got {}", op, tensors.size());
  Tensor t = tensors[0];
  check_tensor(t, op, "the tensor");
  check_root(opts.rootRank, size_, op, "dst");
  EMBER_CHECK(opts.reduceOp != ReduceOp::AVG || is_floating_point(t.dtype()),
              "{}: ReduceOp::AVG needs a floating-point tensor, got {}", op, t.dtype());
  ReduceOp rop = opts.reduceOp;
  int root = opts.rootRank;
  return enqueue(op, [this, t, rop, root, op] {
    check_headers(make_header(kReduceOp, t, root * 16 + static_cast<int64_t>(rop)), op);
    // Reduced in a copy: the other ranks' tensors stay as they were.
    std::vector<char> copy(t.nbytes());
    if (!copy.empty()) std::memcpy(copy.data(), t.data_ptr(), copy.size());
    do_allreduce(copy.data(), t.numel(), t.dtype(), rop);
    if (rank_ != root) return;
    if (!copy.empty()) std::memcpy(t.data_ptr(), copy.data(), copy.size());
    if (rop == ReduceOp::AVG) divide_in_place(t.dtype(), t.data_ptr(), t.numel(), size_);
  });
}

std::shared_ptr<Work> QueuedGroup::gather(std::vector<std::vector<Tensor>>& outputTensors,
                                          std::vector<Tensor>& inputTensors, const GatherOptions& opts) {
  const char* op = "gather";
  EMBER_CHECK(inputTensors.size() == 1, "{}: expected one input tensor, got {}", op, inputTensors.size());
  Tensor in = inputTensors[0];
  check_tensor(in, op, "the input");
  int root = opts.rootRank;
  check_root(root, size_, op, "dst");
  std::vector<Tensor> outs;
  if (rank_ == root) {
    EMBER_CHECK(outputTensors.size() == 1, "{}: expected one list of outputs on dst {}, got {}", op, root,
                outputTensors.size());
    outs = outputTensors[0];
    EMBER_CHECK(static_cast<int>(outs.size()) == size_, "{}: gather_list on dst {} must hold {} tensors (the group's size), got {}",
                op, root, size_, outs.size());
    for (const Tensor& o : outs) {
      check_tensor(o, op, "an output");
      check_like(o, in, op, "a gather_list tensor", "the input");
    }
  } else {
    EMBER_CHECK(outputTensors.empty() || (outputTensors.size() == 1 && outputTensors[0].empty()),
                "{}: gather_list must be empty on rank {}, which is not dst {}", op, rank_, root);
  }
  return enqueue(op, [this, in, outs, root, op] {
    check_headers(make_header(kGatherOp, in, root), op);
    size_t bytes = in.nbytes();
    std::vector<char> all(bytes * size_);
    do_allgather(in.data_ptr(), all.data(), bytes);
    if (rank_ != root) return;
    for (int r = 0; r < size_; ++r)
      if (bytes) std::memcpy(outs[r].data_ptr(), all.data() + r * bytes, bytes);
  });
}

std::shared_ptr<Work> QueuedGroup::scatter(std::vector<Tensor>& outputTensors,
                                           std::vector<std::vector<Tensor>>& inputTensors, const ScatterOptions& opts) {
  const char* op = "scatter";
  EMBER_CHECK(outputTensors.size() == 1, "{}: expected one output tensor, got {}", op, outputTensors.size());
  Tensor out = outputTensors[0];
  check_tensor(out, op, "the output");
  int root = opts.rootRank;
  check_root(root, size_, op, "src");
  std::vector<Tensor> ins;
  if (rank_ == root) {
    EMBER_CHECK(inputTensors.size() == 1, "{}: expected one list of inputs on src {}, got {}", op, root,
                inputTensors.size());
    ins = inputTensors[0];
    EMBER_CHECK(static_cast<int>(ins.size()) == size_,
                "{}: scatter_list on src {} must hold {} tensors (the group's size), got {}", op, root, size_,
                ins.size());
    for (const Tensor& i : ins) {
      check_tensor(i, op, "an input");
      check_like(i, out, op, "a scatter_list tensor", "the output");
    }
  } else {
    EMBER_CHECK(inputTensors.empty() || (inputTensors.size() == 1 && inputTensors[0].empty()),
                "{}: scatter_list must be empty on rank {}, which is not src {}", op, rank_, root);
  }
  return enqueue(op, [this, out, ins, root, op] {
    check_headers(make_header(kScatterOp, out, root), op);
    size_t bytes = out.nbytes();
    std::vector<char> all(bytes * size_);
    if (rank_ == root)
      for (int r = 0; r < size_; ++r)
        if (bytes) std::memcpy(all.data() + r * bytes, ins[r].data_ptr(), bytes);
    do_broadcast(all.data(), all.size(), root);
    if (bytes) std::memcpy(out.data_ptr(), all.data() + rank_ * bytes, bytes);
  });
}

std::shared_ptr<Work> QueuedGroup::alltoall_base(Tensor& outputTensor, Tensor& inputTensor,
                                                 std::vector<int64_t>& outputSplitSizes,
                                                 std::vector<int64_t>& inputSplitSizes, const AllToAllOptions&) {
  const char* op = "all_to_all_single";
  Tensor in = inputTensor, out = outputTensor;
  check_tensor(in, op, "the input");
  check_tensor(out, op, "the output");
  EMBER_CHECK(in.dim() >= 1 && out.dim() >= 1, "{}: the input ({}) and the output ({}) need a first dimension", op,
              in.sizes(), out.sizes());
  EMBER_CHECK(in.dtype() == out.dtype(), "{}: the input is {}, the output {}", op, in.dtype(), out.dtype());
  auto trailing = [](const Tensor& t) { return std::vector<int64_t>(t.sizes().begin() + 1, t.sizes().end()); };
  EMBER_CHECK(trailing(in) == trailing(out), "{}: the input {} and the output {} differ beyond the first dimension", op,
              in.sizes(), out.sizes());
  std::vector<int64_t> in_split = splits_of(inputSplitSizes, in.size(0), size_, op, "input");
  std::vector<int64_t> out_split = splits_of(outputSplitSizes, out.size(0), size_, op, "output");
  int64_t row = 1;
  for (int64_t d : trailing(in)) row *= d;
  std::vector<int64_t> send(size_), recv(size_);
  for (int r = 0; r < size_; ++r) {
    send[r] = in_split[r] * row;
    recv[r] = out_split[r] * row;
  }
  return enqueue(op, [this, in, out, send, recv, op] {
    check_headers(make_header(kAllToAllOp, in.narrow(0, 0, 0), 0), op);
    alltoall_checked(op, in.data_ptr(), out.data_ptr(), send, recv, in.element_size());
  });
}

std::shared_ptr<Work> QueuedGroup::alltoall(std::vector<Tensor>& outputTensors, std::vector<Tensor>& inputTensors,
                                            const AllToAllOptions&) {
  const char* op = "all_to_all";
  EMBER_CHECK(static_cast<int>(inputTensors.size()) == size_ && static_cast<int>(outputTensors.size()) == size_,
              "{}: expected {} input and output tensors (the group's size), got {} and {}", op, size_,
              inputTensors.size(), outputTensors.size());
  std::vector<Tensor> ins = inputTensors, outs = outputTensors;
  std::vector<int64_t> send(size_), recv(size_);
  for (int r = 0; r < size_; ++r) {
    check_tensor(ins[r], op, "an input");
    check_tensor(outs[r], op, "an output");
    EMBER_CHECK(ins[r].dtype() == ins[0].dtype() && outs[r].dtype() == ins[0].dtype(),
                "{}: every tensor must have one dtype: input {} is {}, output {} is {}, input 0 is {}", op, r,
                ins[r].dtype(), r, outs[r].dtype(), ins[0].dtype());
    send[r] = ins[r].numel();
    recv[r] = outs[r].numel();
  }
  Dtype dtype = ins[0].dtype();
  return enqueue(op, [this, ins, outs, send, recv, dtype, op] {
    check_headers(make_header(kAllToAllOp, ember::empty({0}, dtype), 1), op);
    int64_t es = element_size(dtype), total_in = 0, total_out = 0;
    for (int r = 0; r < size_; ++r) {
      total_in += send[r] * es;
      total_out += recv[r] * es;
    }
    std::vector<char> packed(total_in), unpacked(total_out);
    int64_t at = 0;
    for (int r = 0; r < size_; ++r) {
      if (send[r]) std::memcpy(packed.data() + at, ins[r].data_ptr(), send[r] * es);
      at += send[r] * es;
    }
    alltoall_checked(op, packed.data(), unpacked.data(), send, recv, es);
    at = 0;
    for (int r = 0; r < size_; ++r) {
      if (recv[r]) std::memcpy(outs[r].data_ptr(), unpacked.data() + at, recv[r] * es);
      at += recv[r] * es;
    }
  });
}

void QueuedGroup::alltoall_checked(const char* op, const void* in, void* out, const std::vector<int64_t>& send_counts,
                                   const std::vector<int64_t>& recv_counts, int64_t element_bytes) {
  // Every rank learns every rank's counts, so that all of them see the same mismatch and
  // throw before a payload moves.
  std::vector<int64_t> mine(send_counts);
  mine.insert(mine.end(), recv_counts.begin(), recv_counts.end());
  std::vector<int64_t> all(mine.size() * size_);
  do_allgather(mine.data(), all.data(), mine.size() * sizeof(int64_t));
  std::vector<int64_t> counts(size_ * size_);
  for (int r = 0; r < size_; ++r)
    for (int j = 0; j < size_; ++j) {
      int64_t sends = all[r * 2 * size_ + j], expects = all[j * 2 * size_ + size_ + r];
      if (sends != expects)
        throw MismatchError(fmt::format("{}: rank {} sends {} elements to rank {}, which expects {} from it",
                                        where(op), r, sends, j, expects));
      counts[r * size_ + j] = sends * element_bytes;
    }
  do_alltoallv(in, out, counts);
}

void QueuedGroup::do_alltoallv(const void* in, void* out, const std::vector<int64_t>& counts) {
  std::vector<int64_t> total(size_, 0);
  for (int r = 0; r < size_; ++r)
    for (int j = 0; j < size_; ++j) total[r] += counts[r * size_ + j];
  int64_t longest = *std::max_element(total.begin(), total.end());
  if (longest == 0) return;
  std::vector<char> mine(longest, 0), all(longest * size_);
  if (total[rank_]) std::memcpy(mine.data(), in, total[rank_]);
  do_allgather(mine.data(), all.data(), longest);
  char* o = static_cast<char*>(out);
  for (int r = 0; r < size_; ++r) {
    int64_t skip = 0;
    for (int j = 0; j < rank_; ++j) skip += counts[r * size_ + j];
    int64_t n = counts[r * size_ + rank_];
    if (n) std::memcpy(o, all.data() + r * longest + skip, n);
    o += n;
  }
}

}  // namespace detail
}  // namespace distributed
}  // namespace ember
