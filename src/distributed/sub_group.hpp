// new_group's groups: a member's SubGroup, whose collectives travel over the default
// group's point-to-point messages, and the non-member sentinel whose every op throws.
#pragma once
#include <vector>

#include "src/distributed/group_base.hpp"

namespace ember {
namespace distributed {
namespace detail {

// What both kinds of subgroup know: the global ranks in it, ascending.
class HasGlobalRanks {
 public:
  virtual ~HasGlobalRanks() = default;
  virtual const std::vector<int>& global_ranks() const = 0;
};

// "global ranks 0, 2" for messages.
std::string ranks_text(const std::vector<int>& ranks);

class SubGroup : public QueuedGroup, public HasGlobalRanks {
 public:
  SubGroup(ProcessGroup& parent, std::vector<int> ranks, int id, std::chrono::milliseconds timeout);
  ~SubGroup() override;
  const std::string getBackendName() const override { return backend_; }
  const std::vector<int>& global_ranks() const override { return ranks_; }

 protected:
  void exchange_headers(const Header& mine, Header* all, const char* op) override;
  void do_allreduce(void* data, size_t numel, Dtype dtype, ReduceOp op) override;
  void do_broadcast(void* data, size_t bytes, int root) override;
  void do_allgather(const void* in, void* out, size_t bytes) override;
  void do_reduce_scatter(const void* in, void* out, size_t numel, Dtype dtype, ReduceOp op) override;
  std::shared_ptr<Work> post_send(const Tensor& t, int dst, int tag) override;
  std::shared_ptr<Work> post_recv(const Tensor& t, int src, int tag) override;
  void do_barrier() override {}  // the header exchange before it already met every member

 private:
  ProcessGroup& parent(const char* op) const;
  std::shared_ptr<Work> send_bytes(const void* data, size_t bytes, int dst, int tag);
  std::shared_ptr<Work> recv_bytes(void* data, size_t bytes, int src, int tag);
  int next_tag();

  ProcessGroup* parent_;
  std::vector<int> ranks_;
  int id_;
  uint32_t seq_ = 0;
  std::string backend_;
};

class NonMemberGroup : public ProcessGroup, public HasGlobalRanks {
 public:
  NonMemberGroup(std::vector<int> ranks, int global_rank, std::string backend, std::chrono::milliseconds timeout)
      : ProcessGroup(-1, -1, timeout), ranks_(std::move(ranks)), me_(global_rank), backend_(std::move(backend)) {}
  const std::string getBackendName() const override { return backend_; }
  const std::vector<int>& global_ranks() const override { return ranks_; }
  [[noreturn]] void refuse(const char* op) const;

  std::shared_ptr<Work> allreduce(std::vector<Tensor>&, const AllreduceOptions&) override { refuse("all_reduce"); }
  std::shared_ptr<Work> broadcast(std::vector<Tensor>&, const BroadcastOptions&) override { refuse("broadcast"); }
  std::shared_ptr<Work> allgather(std::vector<std::vector<Tensor>>&, std::vector<Tensor>&) override {
    refuse("all_gather");
  }
  std::shared_ptr<Work> reduce_scatter(std::vector<Tensor>&, std::vector<std::vector<Tensor>>&,
                                       const ReduceScatterOptions&) override {
    refuse("reduce_scatter");
  }
  std::shared_ptr<Work> reduce(std::vector<Tensor>&, const ReduceOptions&) override { refuse("reduce"); }
  std::shared_ptr<Work> gather(std::vector<std::vector<Tensor>>&, std::vector<Tensor>&, const GatherOptions&) override {
    refuse("gather");
  }
  std::shared_ptr<Work> scatter(std::vector<Tensor>&, std::vector<std::vector<Tensor>>&, const ScatterOptions&) override {
    refuse("scatter");
  }
  std::shared_ptr<Work> alltoall_base(Tensor&, Tensor&, std::vector<int64_t>&, std::vector<int64_t>&,
                                      const AllToAllOptions&) override {
    refuse("all_to_all_single");
  }
  std::shared_ptr<Work> alltoall(std::vector<Tensor>&, std::vector<Tensor>&, const AllToAllOptions&) override {
    refuse("all_to_all");
  }
  std::shared_ptr<Work> send(std::vector<Tensor>&, int, int) override { refuse("send"); }
  std::shared_ptr<Work> recv(std::vector<Tensor>&, int, int) override { refuse("recv"); }
  std::shared_ptr<Work> barrier() override { refuse("barrier"); }

 private:
  std::vector<int> ranks_;
  int me_;
  std::string backend_;
};

}  // namespace detail
}  // namespace distributed
}  // namespace ember
