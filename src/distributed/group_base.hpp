// What both backends share: the group's thread (ops run there in call order, so an async
// op and the sync ops after it never interleave on the wire), the header every rank
// exchanges before a collective's payload, and the reductions.
#pragma once
#include <fmt/format.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "ember/distributed.hpp"

namespace ember {
namespace distributed {
namespace detail {

// A Work finished by the group's thread.
class QueuedWork : public Work {
 public:
  bool is_completed() override;
  bool is_success() override;
  bool wait() override;
  void finish(std::exception_ptr error);

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::exception_ptr error_;
};

// A Work completed by its first wait(), on the waiting thread: send and recv, which must
// not hold up the group's thread (a send completes only once its recv is posted).
class DeferredWork : public Work {
 public:
  explicit DeferredWork(std::function<void()> complete) : complete_(std::move(complete)) {}
  bool is_completed() override;
  bool is_success() override;
  bool wait() override;

 private:
  std::mutex mutex_;
  std::function<void()> complete_;
  bool done_ = false;
  std::exception_ptr error_;
};

// Sent before every payload: a collective proceeds only when all ranks sent the same one.
struct Header {
  int64_t magic = 0x656d626572;  // "ember"
  int64_t op = 0;                // which collective (OpKind)
  int64_t dtype = 0;
  int64_t numel = 0;
  int64_t shape_hash = 0;
  int64_t extra = 0;  // the root, the reduce op or the tag
};
enum class OpKind : int64_t { AllReduce = 1, Broadcast, AllGather, ReduceScatter, Send, Barrier };
// The collectives of src/distributed/collectives_more.cpp.
constexpr OpKind kReduceOp = static_cast<OpKind>(16), kGatherOp = static_cast<OpKind>(17),
                 kScatterOp = static_cast<OpKind>(18), kAllToAllOp = static_cast<OpKind>(19);
const char* op_kind_name(OpKind kind);
Header make_header(OpKind kind, const Tensor& t, int64_t extra);
// "float32 tensor of shape hash ..." for messages.
std::string describe(const Header& h);

// c = a (op) b, elementwise, for n elements of dtype.
void reduce_into(Dtype dtype, ReduceOp op, void* c, const void* a, const void* b, size_t n);
// x /= divisor (AVG = SUM then this), floating dtypes only.
void divide_in_place(Dtype dtype, void* x, size_t n, int divisor);

// A mismatch between ranks found before any payload moved: the group stays usable.
struct MismatchError : Error {
  using Error::Error;
};

// While one lives on a thread, an op that thread enqueues runs on that thread at once
// when no other op is queued or running: the module functions called with
// async_op=false would only wait for it, and handing it to the group's thread and back
// costs two thread wake-ups, which on a loaded machine take as long as a small
// collective. The order of ops stays the call order.
class RunHereScope {
 public:
  explicit RunHereScope(bool on);
  ~RunHereScope();

 private:
  bool previous_;
};

// The group's thread and the argument checks; the backends fill in the transfers, which
// run on that thread and throw ember::Error (or anything: it is wrapped) on failure.
class QueuedGroup : public ProcessGroup {
 public:
  ~QueuedGroup() override;
  std::shared_ptr<Work> allreduce(std::vector<Tensor>& tensors, const AllreduceOptions& opts) override;
  std::shared_ptr<Work> broadcast(std::vector<Tensor>& tensors, const BroadcastOptions& opts) override;
  std::shared_ptr<Work> allgather(std::vector<std::vector<Tensor>>& outputTensors,
                                  std::vector<Tensor>& inputTensors) override;
  std::shared_ptr<Work> reduce_scatter(std::vector<Tensor>& outputTensors,
                                       std::vector<std::vector<Tensor>>& inputTensors,
                                       const ReduceScatterOptions& opts) override;
  std::shared_ptr<Work> send(std::vector<Tensor>& tensors, int dstRank, int tag) override;
  std::shared_ptr<Work> recv(std::vector<Tensor>& tensors, int srcRank, int tag) override;
  std::shared_ptr<Work> barrier() override;
  // src/distributed/collectives_more.cpp
  std::shared_ptr<Work> reduce(std::vector<Tensor>& tensors, const ReduceOptions& opts) override;
  std::shared_ptr<Work> gather(std::vector<std::vector<Tensor>>& outputTensors, std::vector<Tensor>& inputTensors,
                               const GatherOptions& opts) override;
  std::shared_ptr<Work> scatter(std::vector<Tensor>& outputTensors, std::vector<std::vector<Tensor>>& inputTensors,
                                const ScatterOptions& opts) override;
  std::shared_ptr<Work> alltoall_base(Tensor& outputTensor, Tensor& inputTensor, std::vector<int64_t>& outputSplitSizes,
                                      std::vector<int64_t>& inputSplitSizes, const AllToAllOptions& opts) override;
  std::shared_ptr<Work> alltoall(std::vector<Tensor>& outputTensors, std::vector<Tensor>& inputTensors,
                                 const AllToAllOptions& opts) override;
  // all_gather_into_tensor: output holds the world's inputs one after the other.
  std::shared_ptr<Work> allgather_flat(const Tensor& output, const Tensor& input);
  // Stops the thread after the queued ops; the backend's destructor calls it first.
  void shutdown();

 protected:
  QueuedGroup(int rank, int size, std::chrono::milliseconds timeout);
  void start();

  // Sends `mine` to every other rank and fills all[r] with rank r's; names the ranks that
  // did not answer within the timeout.
  virtual void exchange_headers(const Header& mine, Header* all, const char* op) = 0;
  virtual void do_allreduce(void* data, size_t numel, Dtype dtype, ReduceOp op) = 0;
  virtual void do_broadcast(void* data, size_t bytes, int root) = 0;
  virtual void do_allgather(const void* in, void* out, size_t bytes) = 0;
  // in: size_ blocks of numel elements; out: this rank's block reduced over ranks.
  virtual void do_reduce_scatter(const void* in, void* out, size_t numel, Dtype dtype, ReduceOp op) = 0;
  // Post the header then the payload now; their Work waits for them. The recv posts its
  // payload after its header arrived and matched (check_recv_header).
  virtual std::shared_ptr<Work> post_send(const Tensor& t, int dst, int tag) = 0;
  virtual std::shared_ptr<Work> post_recv(const Tensor& t, int src, int tag) = 0;
  void check_recv_header(const Header& theirs, const Tensor& t, int src, int tag) const;
  // The payload size a header announces, for taking a mismatched payload off the wire
  // (0 when the header is not one, or implausibly large).
  static size_t announced_bytes(const Header& h);
  virtual void do_barrier() = 0;
  // counts[r * size_ + j]: the bytes rank r sends rank j. in: this rank's blocks for ranks
  // 0, 1, ... one after the other; out: the blocks from ranks 0, 1, ... The default pads
  // every rank's blocks to the longest and all-gathers them (collectives_more.cpp).
  virtual void do_alltoallv(const void* in, void* out, const std::vector<int64_t>& counts);

  // Whether a transfer failed (the wire may hold half an op); read after shutdown().
  bool is_broken() const { return !broken_.empty(); }
  // "all_reduce (gloo, rank 0 of 2)" prefixes every error.
  std::string where(const char* op) const;

 private:
  std::shared_ptr<Work> enqueue(const char* op, std::function<void()> body);
  void check_headers(const Header& mine, const char* op);
  void run();
  // all_to_all's body: checks that every pair agrees on its counts, then moves the blocks.
  void alltoall_checked(const char* op, const void* in, void* out, const std::vector<int64_t>& send_counts,
                        const std::vector<int64_t>& recv_counts, int64_t element_bytes);

  std::mutex mutex_;
  std::condition_variable queue_cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  bool running_ = false;  // an op runs, on the group's thread or on its caller's (RunHereScope)
  std::thread thread_;
  std::string broken_;  // set by a transfer error: the wire may hold half an op
};

}  // namespace detail
}  // namespace distributed
}  // namespace ember
