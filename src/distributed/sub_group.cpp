// SubGroup: the backends' primitives over the default group's sends and receives, through
// the group's first member (a star: simple, and the default group's transport does the work).
#include "src/distributed/sub_group.hpp"

#include <cstring>

#include "ember/creation.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace distributed {
namespace detail {
namespace {
// Tags on the default group: 2^29 + (group id << 20) + sequence for the subgroup's own
// messages, 2^28 + (group id << 20) + tag for its users' sends.
constexpr int kInternalTags = 1 << 29, kUserTags = 1 << 28, kTagBits = 20;
}  // namespace

std::string ranks_text(const std::vector<int>& ranks) {
  std::string s;
  for (int r : ranks) s += (s.empty() ? "" : ", ") + std::to_string(r);
  return "global ranks " + s;
}

void NonMemberGroup::refuse(const char* op) const {
  throw Error(fmt::format("{}: global rank {} is not a member of this group ({}); new_group gave it the non-member group",
                          op, me_, ranks_text(ranks_)));
}

SubGroup::SubGroup(ProcessGroup& parent, std::vector<int> ranks, int id, std::chrono::milliseconds timeout)
    : QueuedGroup(0, static_cast<int>(ranks.size()), timeout),
      parent_(&parent),
      ranks_(std::move(ranks)),
      id_(id),
      backend_(parent.getBackendName()) {
  for (int i = 0; i < size_; ++i)
    if (ranks_[i] == parent.getRank()) rank_ = i;
  start();
}

SubGroup::~SubGroup() { shutdown(); }

ProcessGroup& SubGroup::parent(const char* op) const {
  EMBER_CHECK(is_initialized() && &default_group() == parent_,
              "{}: the default process group this subgroup was made from has been destroyed", where(op));
  return *parent_;
}

int SubGroup::next_tag() { return kInternalTags + ((id_ & 0xFF) << kTagBits) + static_cast<int>(seq_++ & 0xFFFFF); }

std::shared_ptr<Work> SubGroup::send_bytes(const void* data, size_t bytes, int dst, int tag) {
  std::vector<Tensor> ts{from_blob(const_cast<void*>(data), {static_cast<int64_t>(bytes)}, kUInt8)};
  return parent("send").send(ts, ranks_[dst], tag);
}
std::shared_ptr<Work> SubGroup::recv_bytes(void* data, size_t bytes, int src, int tag) {
  std::vector<Tensor> ts{from_blob(data, {static_cast<int64_t>(bytes)}, kUInt8)};
  return parent("recv").recv(ts, ranks_[src], tag);
}

void SubGroup::exchange_headers(const Header& mine, Header* all, const char*) {
  int tag = next_tag();
  all[rank_] = mine;
  std::vector<std::shared_ptr<Work>> sends, recvs;
  for (int r = 0; r < size_; ++r)
    if (r != rank_) sends.push_back(send_bytes(&mine, sizeof mine, r, tag));
  for (int r = 0; r < size_; ++r)
    if (r != rank_) recvs.push_back(recv_bytes(&all[r], sizeof(Header), r, tag));
  for (auto& w : recvs) w->wait();
  for (auto& w : sends) w->wait();
}

void SubGroup::do_allreduce(void* data, size_t numel, Dtype dtype, ReduceOp op) {
  int up = next_tag(), down = next_tag();
  if (numel == 0 || size_ == 1) return;
  size_t bytes = numel * element_size(dtype);
  if (rank_ == 0) {
    // Reduced in rank order, then sent back to everyone.
    std::vector<char> theirs(bytes);
    for (int r = 1; r < size_; ++r) {
      recv_bytes(theirs.data(), bytes, r, up)->wait();
      reduce_into(dtype, op, data, data, theirs.data(), numel);
    }
    std::vector<std::shared_ptr<Work>> sends;
    for (int r = 1; r < size_; ++r) sends.push_back(send_bytes(data, bytes, r, down));
    for (auto& w : sends) w->wait();
  } else {
    auto s = send_bytes(data, bytes, 0, up);
    recv_bytes(data, bytes, 0, down)->wait();
    s->wait();
  }
}

void SubGroup::do_broadcast(void* data, size_t bytes, int root) {
  int tag = next_tag();
  if (bytes == 0 || size_ == 1) return;
  if (rank_ == root) {
    std::vector<std::shared_ptr<Work>> sends;
    for (int r = 0; r < size_; ++r)
      if (r != root) sends.push_back(send_bytes(data, bytes, r, tag));
    for (auto& w : sends) w->wait();
  } else {
    recv_bytes(data, bytes, root, tag)->wait();
  }
}

void SubGroup::do_allgather(const void* in, void* out, size_t bytes) {
  int tag = next_tag();
  if (bytes == 0) return;
  char* o = static_cast<char*>(out);
  std::memmove(o + rank_ * bytes, in, bytes);
  std::vector<std::shared_ptr<Work>> sends, recvs;
  for (int r = 0; r < size_; ++r)
    if (r != rank_) sends.push_back(send_bytes(o + rank_ * bytes, bytes, r, tag));
  for (int r = 0; r < size_; ++r)
    if (r != rank_) recvs.push_back(recv_bytes(o + r * bytes, bytes, r, tag));
  for (auto& w : recvs) w->wait();
  for (auto& w : sends) w->wait();
}

void SubGroup::do_reduce_scatter(const void* in, void* out, size_t numel, Dtype dtype, ReduceOp op) {
  size_t bytes = numel * element_size(dtype);
  std::vector<char> all(static_cast<const char*>(in), static_cast<const char*>(in) + bytes * size_);
  do_allreduce(all.data(), numel * size_, dtype, op == ReduceOp::AVG ? ReduceOp::SUM : op);
  if (bytes) std::memcpy(out, all.data() + rank_ * bytes, bytes);
}

std::shared_ptr<Work> SubGroup::post_send(const Tensor& t, int dst, int tag) {
  EMBER_CHECK(tag < (1 << kTagBits), "{}: tag {} is above a subgroup's limit {}", where("send"), tag,
              (1 << kTagBits) - 1);
  std::vector<Tensor> ts{t};
  return parent("send").send(ts, ranks_[dst], kUserTags + ((id_ & 0xFF) << kTagBits) + tag);
}

std::shared_ptr<Work> SubGroup::post_recv(const Tensor& t, int src, int tag) {
  EMBER_CHECK(tag < (1 << kTagBits), "{}: tag {} is above a subgroup's limit {}", where("recv"), tag,
              (1 << kTagBits) - 1);
  std::vector<Tensor> ts{t};
  return parent("recv").recv(ts, ranks_[src], kUserTags + ((id_ & 0xFF) << kTagBits) + tag);
}

}  // namespace detail
}  // namespace distributed
}  // namespace ember
