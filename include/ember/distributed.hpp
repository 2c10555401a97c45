// ember::distributed: process groups and collectives between processes, PyTorch's
// torch.distributed in C++ spelling. Two backends: "gloo" (TCP, Gloo library) and "mpi"
// (processes started by mpirun). Not included by ember.hpp; link ember::distributed.
//
//   namespace dist = ember::distributed;
//   dist::init_process_group("gloo");            // RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT
//   auto g = ember::ones({4});
//   dist::all_reduce(g);                          // in place: the sum over all ranks
//   auto w = dist::all_reduce(g, dist::ReduceOp::AVG, /*async_op=*/true);
//   w->wait();
//   dist::destroy_process_group();
//
// Every call waits at most the group's timeout (InitOptions::timeout, 30 minutes by
// default, as PyTorch): a lost or hung peer makes it throw ember::Error naming the op
// and, where known, the rank. Tensors that differ in dtype or shape across the ranks of
// one collective throw ember::Error before any data moves. See docs/DISTRIBUTED.md.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ember/tensor.hpp"

namespace ember {
namespace distributed {

// PyTorch's ReduceOp. AVG is for floating-point tensors only; on bool tensors SUM and MAX
// are a logical or, MIN and PRODUCT a logical and.
enum class ReduceOp { SUM, AVG, PRODUCT, MIN, MAX };
const char* reduce_op_name(ReduceOp op);

constexpr std::chrono::milliseconds kDefaultTimeout = std::chrono::minutes(30);

// What init_process_group reads. rank and world_size of -1 come from the environment
// (RANK and WORLD_SIZE; under mpirun, OMPI_COMM_WORLD_RANK and OMPI_COMM_WORLD_SIZE).
struct InitOptions {
  std::string init_method = "env://";  // "env://" or "file:///path/to/fresh/dir" (gloo)
  int rank = -1;
  int world_size = -1;
  std::chrono::milliseconds timeout = kDefaultTimeout;
};

// The handle on an operation: wait() blocks until it is done and rethrows its error
// (ember::Error); is_completed() does not block. Synchronous calls return a completed Work.
class Work {
 public:
  virtual ~Work() = default;
  virtual bool is_completed() = 0;
  virtual bool is_success() = 0;  // completed without an error
  virtual bool wait() = 0;        // true, or throws the op's ember::Error
};

// LibTorch's option structs (c10d), with their names.
struct AllreduceOptions {
  ReduceOp reduceOp = ReduceOp::SUM;
};
struct BroadcastOptions {
  int rootRank = 0;
};
struct ReduceScatterOptions {
  ReduceOp reduceOp = ReduceOp::SUM;
};
struct ReduceOptions {
  ReduceOp reduceOp = ReduceOp::SUM;
  int rootRank = 0;
};
struct GatherOptions {
  int rootRank = 0;
};
struct ScatterOptions {
  int rootRank = 0;
};
struct AllToAllOptions {};

// LibTorch's c10d::ProcessGroup shape: each op is queued on the group's own thread, in
// call order, and returns its Work. Every rank must call the collectives in the same order.
class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  int getRank() const { return rank_; }
  int getSize() const { return size_; }
  virtual const std::string getBackendName() const = 0;
  std::chrono::milliseconds getTimeout() const { return timeout_; }

  virtual std::shared_ptr<Work> allreduce(std::vector<Tensor>& tensors,
                                          const AllreduceOptions& opts = AllreduceOptions()) = 0;
  virtual std::shared_ptr<Work> broadcast(std::vector<Tensor>& tensors,
                                          const BroadcastOptions& opts = BroadcastOptions()) = 0;
  // outputTensors[0][r] receives rank r's inputTensors[0].
  virtual std::shared_ptr<Work> allgather(std::vector<std::vector<Tensor>>& outputTensors,
                                          std::vector<Tensor>& inputTensors) = 0;
  // outputTensors[0] receives the reduction over ranks of each rank's inputTensors[0][rank].
  virtual std::shared_ptr<Work> reduce_scatter(std::vector<Tensor>& outputTensors,
                                               std::vector<std::vector<Tensor>>& inputTensors,
                                               const ReduceScatterOptions& opts = ReduceScatterOptions()) = 0;
  // The ops below throw ember::Error in a group that does not implement them (as c10d's
  // base class): ember's own groups implement them all.
  // tensors[0] on rootRank receives the reduction over ranks; the other ranks' are unchanged.
  virtual std::shared_ptr<Work> reduce(std::vector<Tensor>& tensors, const ReduceOptions& opts = ReduceOptions());
  // outputTensors[0][r] on rootRank receives rank r's inputTensors[0]; outputTensors is
  // empty on the other ranks.
  virtual std::shared_ptr<Work> gather(std::vector<std::vector<Tensor>>& outputTensors,
                                       std::vector<Tensor>& inputTensors,
                                       const GatherOptions& opts = GatherOptions());
  // outputTensors[0] receives rootRank's inputTensors[0][rank]; inputTensors is empty on
  // the other ranks.
  virtual std::shared_ptr<Work> scatter(std::vector<Tensor>& outputTensors,
                                        std::vector<std::vector<Tensor>>& inputTensors,
                                        const ScatterOptions& opts = ScatterOptions());
  // all_to_all_single: inputTensor's first dimension split into inputSplitSizes rows per
  // rank (equal parts when empty); outputTensor gathers outputSplitSizes rows from each.
  virtual std::shared_ptr<Work> alltoall_base(Tensor& outputTensor, Tensor& inputTensor,
                                              std::vector<int64_t>& outputSplitSizes,
                                              std::vector<int64_t>& inputSplitSizes,
                                              const AllToAllOptions& opts = AllToAllOptions());
  // outputTensors[r] receives rank r's inputTensors[rank].
  virtual std::shared_ptr<Work> alltoall(std::vector<Tensor>& outputTensors, std::vector<Tensor>& inputTensors,
                                         const AllToAllOptions& opts = AllToAllOptions());
  virtual std::shared_ptr<Work> send(std::vector<Tensor>& tensors, int dstRank, int tag) = 0;
  virtual std::shared_ptr<Work> recv(std::vector<Tensor>& tensors, int srcRank, int tag) = 0;
  virtual std::shared_ptr<Work> barrier() = 0;

 protected:
  ProcessGroup(int rank, int size, std::chrono::milliseconds timeout)
      : rank_(rank), size_(size), timeout_(timeout) {}
  int rank_;
  int size_;
  std::chrono::milliseconds timeout_;
};

// ---- the default group, as torch.distributed's module functions ----
// backend: "gloo" or "mpi". Throws ember::Error on a bad backend, init_method or
// environment, or when the rendezvous does not complete within the timeout.
void init_process_group(const std::string& backend, const InitOptions& options = InitOptions());
bool is_initialized();
bool is_available(const std::string& backend);  // built with this backend
int get_rank();
int get_world_size();
std::string get_backend();
ProcessGroup& default_group();
// Joins the group's thread and closes its connections (and MPI, once: MPI cannot be
// initialized again in the same process).
void destroy_process_group();

// Collectives on contiguous CPU tensors of any dtype. They write into the tensors given.
// With async_op false they return once done, with a completed Work; with true, at once.
std::shared_ptr<Work> all_reduce(const Tensor& tensor, ReduceOp op = ReduceOp::SUM, bool async_op = false);
std::shared_ptr<Work> broadcast(const Tensor& tensor, int src, bool async_op = false);
// outputs: world_size tensors shaped as input.
std::shared_ptr<Work> all_gather(std::vector<Tensor>& outputs, const Tensor& input, bool async_op = false);
// output: world_size times input's first dimension.
std::shared_ptr<Work> all_gather_into_tensor(const Tensor& output, const Tensor& input, bool async_op = false);
// inputs: world_size tensors shaped as output.
std::shared_ptr<Work> reduce_scatter(const Tensor& output, const std::vector<Tensor>& inputs,
                                     ReduceOp op = ReduceOp::SUM, bool async_op = false);
std::shared_ptr<Work> send(const Tensor& tensor, int dst, int tag = 0);
std::shared_ptr<Work> recv(const Tensor& tensor, int src, int tag = 0);
std::shared_ptr<Work> isend(const Tensor& tensor, int dst, int tag = 0);
std::shared_ptr<Work> irecv(const Tensor& tensor, int src, int tag = 0);
std::shared_ptr<Work> barrier(bool async_op = false);

// ---- subgroups ----
// A process group over some ranks of the default group (global ranks, any order; the
// group's rank i is the i-th smallest). As in PyTorch every rank of the default group must
// call new_group, in the same order, even the ranks not in `ranks`: they get a non-member
// group (PyTorch's GroupMember.NON_GROUP_MEMBER), whose getRank() and getSize() are -1 and
// whose every collective throws ember::Error naming the op and the group's ranks. An empty
// `ranks` means every rank. A subgroup's collectives travel over the default group's
// point-to-point messages (tags from 2^28 up are reserved for them); destroy it before the
// default group.
using Group = std::shared_ptr<ProcessGroup>;
Group new_group(const std::vector<int>& ranks = {}, std::chrono::milliseconds timeout = kDefaultTimeout);
// The rank in `group` (-1 for a non-member), its size (-1 for a non-member), its global
// ranks; a null group is the default group.
int get_rank(const Group& group);
int get_world_size(const Group& group);
std::vector<int> get_process_group_ranks(const Group& group);
// group rank -> global rank, and back (PyTorch's get_global_rank and get_group_rank).
int get_global_rank(const Group& group, int group_rank);
int get_group_rank(const Group& group, int global_rank);

// The collectives with PyTorch's group= argument (null: the default group). src and dst
// are global ranks, as in torch.distributed's module functions (the ProcessGroup methods
// take the group's ranks, as c10d).
std::shared_ptr<Work> all_reduce(const Tensor& tensor, ReduceOp op, const Group& group, bool async_op = false);
std::shared_ptr<Work> broadcast(const Tensor& tensor, int src, const Group& group, bool async_op = false);
std::shared_ptr<Work> all_gather(std::vector<Tensor>& outputs, const Tensor& input, const Group& group,
                                 bool async_op = false);
std::shared_ptr<Work> all_gather_into_tensor(const Tensor& output, const Tensor& input, const Group& group,
                                             bool async_op = false);
std::shared_ptr<Work> reduce_scatter(const Tensor& output, const std::vector<Tensor>& inputs, ReduceOp op,
                                     const Group& group, bool async_op = false);
std::shared_ptr<Work> barrier(const Group& group, bool async_op = false);
std::shared_ptr<Work> send(const Tensor& tensor, int dst, const Group& group, int tag = 0);
std::shared_ptr<Work> recv(const Tensor& tensor, int src, const Group& group, int tag = 0);
std::shared_ptr<Work> isend(const Tensor& tensor, int dst, const Group& group, int tag = 0);
std::shared_ptr<Work> irecv(const Tensor& tensor, int src, const Group& group, int tag = 0);

// ---- reduce, gather, scatter, all_to_all (PyTorch's signatures, group before async_op) ----
// tensor on dst receives the reduction over the group's ranks; on the others it is unchanged.
std::shared_ptr<Work> reduce(const Tensor& tensor, int dst, ReduceOp op = ReduceOp::SUM, const Group& group = nullptr,
                             bool async_op = false);
// gather_list: on dst, one tensor per rank of the group, each shaped as tensor; on the
// other ranks it must be empty (as PyTorch).
std::shared_ptr<Work> gather(const Tensor& tensor, const std::vector<Tensor>& gather_list, int dst = 0,
                             const Group& group = nullptr, bool async_op = false);
// scatter_list: on src, one tensor per rank of the group, each shaped as tensor; empty on
// the others. tensor receives src's scatter_list[rank].
std::shared_ptr<Work> scatter(const Tensor& tensor, const std::vector<Tensor>& scatter_list, int src = 0,
                              const Group& group = nullptr, bool async_op = false);
// output_tensor_list[r] receives rank r's input_tensor_list[rank]; the sizes may differ
// from pair to pair, but each pair must agree on the element count.
std::shared_ptr<Work> all_to_all(const std::vector<Tensor>& output_tensor_list,
                                 const std::vector<Tensor>& input_tensor_list, const Group& group = nullptr,
                                 bool async_op = false);
// input's first dimension is split into input_split_sizes rows per rank (empty: world
// size equal parts); output receives output_split_sizes rows from each rank (empty: equal
// parts). Rank r's input_split_sizes[j] must equal rank j's output_split_sizes[r].
std::shared_ptr<Work> all_to_all_single(const Tensor& output, const Tensor& input,
                                        const std::vector<int64_t>& output_split_sizes = {},
                                        const std::vector<int64_t>& input_split_sizes = {},
                                        const Group& group = nullptr, bool async_op = false);

}  // namespace distributed
}  // namespace ember
