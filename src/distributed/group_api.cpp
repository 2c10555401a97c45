// torch.distributed's module functions that take group= (null: the default group),
// new_group, and reduce, gather, scatter and all_to_all.
#include <algorithm>
#include <atomic>

#include "ember/creation.hpp"
#include "src/core/check.hpp"
#include "src/distributed/sub_group.hpp"

namespace ember {
namespace distributed {
namespace {
std::atomic<int> g_next_group_id{0};

ProcessGroup& resolve(const Group& group, const char* op) {
  if (!group) {
    EMBER_CHECK(is_initialized(), "{}: the default process group is not initialized (call init_process_group)", op);
    return default_group();
  }
  if (auto* n = dynamic_cast<detail::NonMemberGroup*>(group.get())) n->refuse(op);
  return *group;
}

// A global rank (as torch.distributed's module functions take src and dst) in the group.
int group_rank_of(const Group& group, int global_rank, const char* op, const char* name) {
  if (!group) return global_rank;
  auto* g = dynamic_cast<const detail::HasGlobalRanks*>(group.get());
  if (!g) return global_rank;
  const auto& ranks = g->global_ranks();
  auto it = std::find(ranks.begin(), ranks.end(), global_rank);
  EMBER_CHECK(it != ranks.end(), "{}: {} {} is not in the group ({})", op, name, global_rank,
              detail::ranks_text(ranks));
  return static_cast<int>(it - ranks.begin());
}

std::shared_ptr<Work> finish(std::shared_ptr<Work> work, bool async_op) {
  if (!async_op) work->wait();
  return work;
}
}  // namespace

// ---- ProcessGroup's defaults for the ops a subclass may lack ----
std::shared_ptr<Work> ProcessGroup::reduce(std::vector<Tensor>&, const ReduceOptions&) {
  EMBER_CHECK(false, "reduce: the {} process group does not implement it", getBackendName());
  return nullptr;
}
std::shared_ptr<Work> ProcessGroup::gather(std::vector<std::vector<Tensor>>&, std::vector<Tensor>&,
                                           const GatherOptions&) {
  EMBER_CHECK(false, "gather: the {} process group does not implement it", getBackendName());
  return nullptr;
}
std::shared_ptr<Work> ProcessGroup::scatter(std::vector<Tensor>&, std::vector<std::vector<Tensor>>&,
                                            const ScatterOptions&) {
  EMBER_CHECK(false, "scatter: the {} process group does not implement it", getBackendName());
  return nullptr;
}
std::shared_ptr<Work> ProcessGroup::alltoall_base(Tensor&, Tensor&, std::vector<int64_t>&, std::vector<int64_t>&,
                                                  const AllToAllOptions&) {
  EMBER_CHECK(false, "all_to_all_single: the {} process group does not implement it", getBackendName());
  return nullptr;
}
std::shared_ptr<Work> ProcessGroup::alltoall(std::vector<Tensor>&, std::vector<Tensor>&, const AllToAllOptions&) {
  EMBER_CHECK(false, "all_to_all: the {} process group does not implement it", getBackendName());
  return nullptr;
}

Group new_group(const std::vector<int>& ranks, std::chrono::milliseconds timeout) {
  const char* op = "new_group";
  EMBER_CHECK(is_initialized(), "{}: the default process group is not initialized (call init_process_group)", op);
  EMBER_CHECK(timeout.count() > 0, "{}: timeout must be positive, got {} ms", op, timeout.count());
  ProcessGroup& world = default_group();
  int size = world.getSize();
  std::vector<int> sorted = ranks;
  if (sorted.empty())
    for (int r = 0; r < size; ++r) sorted.push_back(r);
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    EMBER_CHECK(sorted[i] >= 0 && sorted[i] < size, "{}: rank {} is not in the default group of {}", op, sorted[i],
                size);
    EMBER_CHECK(i == 0 || sorted[i] != sorted[i - 1], "{}: rank {} appears twice in the ranks", op, sorted[i]);
  }
  // Every rank must make the same groups in the same order (the ids, hence the message
  // tags, depend on it): check it with one all-gather over the default group.
  int id = g_next_group_id++;
  int64_t hash = 1469598103934665603ll;
  for (int r : sorted) hash = (hash ^ r) * 1099511628211ll;
  Tensor mine = ember::tensor(std::vector<double>{0, 0}, {2}).to(kInt64);
  mine.data_ptr<int64_t>()[0] = id;
  mine.data_ptr<int64_t>()[1] = hash;
  Tensor all = ember::zeros({2 * size}, kInt64);
  all_gather_into_tensor(all, mine);
  for (int r = 0; r < size; ++r)
    EMBER_CHECK(all.data_ptr<int64_t>()[2 * r] == id && all.data_ptr<int64_t>()[2 * r + 1] == hash,
                "{}: rank {} asked for another group (this rank: {}, its new_group call number {})", op, r,
                detail::ranks_text(sorted), id);
  int me = world.getRank();
  if (!std::binary_search(sorted.begin(), sorted.end(), me))
    return std::make_shared<detail::NonMemberGroup>(sorted, me, world.getBackendName(), timeout);
  return std::make_shared<detail::SubGroup>(world, sorted, id, timeout);
}

int get_rank(const Group& group) {
  if (!group) return get_rank();
  return group->getRank();
}
int get_world_size(const Group& group) {
  if (!group) return get_world_size();
  return group->getSize();
}
std::vector<int> get_process_group_ranks(const Group& group) {
  if (group)
    if (auto* g = dynamic_cast<const detail::HasGlobalRanks*>(group.get())) return g->global_ranks();
  std::vector<int> all;
  for (int r = 0, n = group ? group->getSize() : get_world_size(); r < n; ++r) all.push_back(r);
  return all;
}
int get_global_rank(const Group& group, int group_rank) {
  std::vector<int> ranks = get_process_group_ranks(group);
  EMBER_CHECK(group_rank >= 0 && group_rank < static_cast<int>(ranks.size()),
              "get_global_rank: group rank {} is not in a group of {}", group_rank, ranks.size());
  return ranks[group_rank];
}
int get_group_rank(const Group& group, int global_rank) {
  std::vector<int> ranks = get_process_group_ranks(group);
  auto it = std::find(ranks.begin(), ranks.end(), global_rank);
  EMBER_CHECK(it != ranks.end(), "get_group_rank: global rank {} is not in the group ({})", global_rank,
              detail::ranks_text(ranks));
  return static_cast<int>(it - ranks.begin());
}

// ---- the existing collectives with group= ----
std::shared_ptr<Work> all_reduce(const Tensor& tensor, ReduceOp op, const Group& group, bool async_op) {
  std::vector<Tensor> ts{tensor};
  AllreduceOptions o;
  o.reduceOp = op;
  return finish(resolve(group, "all_reduce").allreduce(ts, o), async_op);
}
std::shared_ptr<Work> broadcast(const Tensor& tensor, int src, const Group& group, bool async_op) {
  ProcessGroup& g = resolve(group, "broadcast");
  std::vector<Tensor> ts{tensor};
  BroadcastOptions o;
  o.rootRank = group_rank_of(group, src, "broadcast", "src");
  return finish(g.broadcast(ts, o), async_op);
}
std::shared_ptr<Work> all_gather(std::vector<Tensor>& outputs, const Tensor& input, const Group& group,
                                 bool async_op) {
  ProcessGroup& g = resolve(group, "all_gather");
  std::vector<std::vector<Tensor>> outs{outputs};
  std::vector<Tensor> ins{input};
  return finish(g.allgather(outs, ins), async_op);
}
std::shared_ptr<Work> all_gather_into_tensor(const Tensor& output, const Tensor& input, const Group& group,
                                             bool async_op) {
  ProcessGroup& g = resolve(group, "all_gather_into_tensor");
  auto* q = dynamic_cast<detail::QueuedGroup*>(&g);
  EMBER_CHECK(q, "all_gather_into_tensor: unsupported process group");
  return finish(q->allgather_flat(output, input), async_op);
}
std::shared_ptr<Work> reduce_scatter(const Tensor& output, const std::vector<Tensor>& inputs, ReduceOp op,
                                     const Group& group, bool async_op) {
  ProcessGroup& g = resolve(group, "reduce_scatter");
  std::vector<Tensor> outs{output};
  std::vector<std::vector<Tensor>> ins{inputs};
  ReduceScatterOptions o;
  o.reduceOp = op;
  return finish(g.reduce_scatter(outs, ins, o), async_op);
}
std::shared_ptr<Work> barrier(const Group& group, bool async_op) {
  return finish(resolve(group, "barrier").barrier(), async_op);
}
std::shared_ptr<Work> isend(const Tensor& tensor, int dst, const Group& group, int tag) {
  ProcessGroup& g = resolve(group, "isend");
  std::vector<Tensor> ts{tensor};
  return g.send(ts, group_rank_of(group, dst, "isend", "dst"), tag);
}
std::shared_ptr<Work> irecv(const Tensor& tensor, int src, const Group& group, int tag) {
  ProcessGroup& g = resolve(group, "irecv");
  std::vector<Tensor> ts{tensor};
  return g.recv(ts, group_rank_of(group, src, "irecv", "src"), tag);
}
std::shared_ptr<Work> send(const Tensor& tensor, int dst, const Group& group, int tag) {
  return finish(isend(tensor, dst, group, tag), false);
}
std::shared_ptr<Work> recv(const Tensor& tensor, int src, const Group& group, int tag) {
  return finish(irecv(tensor, src, group, tag), false);
}

// ---- reduce, gather, scatter, all_to_all ----
std::shared_ptr<Work> reduce(const Tensor& tensor, int dst, ReduceOp op, const Group& group, bool async_op) {
  ProcessGroup& g = resolve(group, "reduce");
  std::vector<Tensor> ts{tensor};
  ReduceOptions o;
  o.reduceOp = op;
  o.rootRank = group_rank_of(group, dst, "reduce", "dst");
  return finish(g.reduce(ts, o), async_op);
}

std::shared_ptr<Work> gather(const Tensor& tensor, const std::vector<Tensor>& gather_list, int dst, const Group& group,
                             bool async_op) {
  ProcessGroup& g = resolve(group, "gather");
  std::vector<std::vector<Tensor>> outs;
  if (!gather_list.empty()) outs.push_back(gather_list);
  if (g.getRank() == group_rank_of(group, dst, "gather", "dst") && outs.empty()) outs.emplace_back();
  std::vector<Tensor> ins{tensor};
  GatherOptions o;
  o.rootRank = group_rank_of(group, dst, "gather", "dst");
  return finish(g.gather(outs, ins, o), async_op);
}

std::shared_ptr<Work> scatter(const Tensor& tensor, const std::vector<Tensor>& scatter_list, int src,
                              const Group& group, bool async_op) {
  ProcessGroup& g = resolve(group, "scatter");
  std::vector<Tensor> outs{tensor};
  std::vector<std::vector<Tensor>> ins;
  if (!scatter_list.empty()) ins.push_back(scatter_list);
  if (g.getRank() == group_rank_of(group, src, "scatter", "src") && ins.empty()) ins.emplace_back();
  ScatterOptions o;
  o.rootRank = group_rank_of(group, src, "scatter", "src");
  return finish(g.scatter(outs, ins, o), async_op);
}

std::shared_ptr<Work> all_to_all(const std::vector<Tensor>& output_tensor_list,
                                 const std::vector<Tensor>& input_tensor_list, const Group& group, bool async_op) {
  ProcessGroup& g = resolve(group, "all_to_all");
  std::vector<Tensor> outs = output_tensor_list, ins = input_tensor_list;
  return finish(g.alltoall(outs, ins), async_op);
}

std::shared_ptr<Work> all_to_all_single(const Tensor& output, const Tensor& input,
                                        const std::vector<int64_t>& output_split_sizes,
                                        const std::vector<int64_t>& input_split_sizes, const Group& group,
                                        bool async_op) {
  ProcessGroup& g = resolve(group, "all_to_all_single");
  Tensor out = output, in = input;
  std::vector<int64_t> os = output_split_sizes, is = input_split_sizes;
  return finish(g.alltoall_base(out, in, os, is), async_op);
}

}  // namespace distributed
}  // namespace ember
