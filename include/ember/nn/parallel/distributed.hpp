// nn::parallel::DistributedDataParallel: PyTorch's DDP in C++ spelling, part of the
// ember::distributed library (link ember::distributed; libember itself knows nothing of it).
//
//   dist::init_process_group("gloo");
//   auto net = nn::Sequential(nn::Linear(20, 16), nn::Tanh(), nn::Linear(16, 4));
//   nn::parallel::DistributedDataParallel ddp(net);   // rank 0's weights everywhere
//   optim::SGD opt(ddp.parameters(), 0.1);
//   opt.zero_grad();
//   loss_fn(ddp.forward(x), y).backward();           // gradients averaged over ranks
//   opt.step();
//
// Gradients are grouped into buckets (bucket_cap_mb each, the first one 1 MB, filled in
// reverse order of registration, one dtype per bucket). A hook on each parameter copies
// its gradient into its bucket's flat buffer; a bucket whose gradients are all there is
// all-reduced at once, asynchronously, while backward goes on with the earlier layers
// (buckets are launched in bucket order, the same on every rank). ember's engine has no
// end-of-backward callback: the hook that completes the last bucket waits for every
// bucket, divides by the world size and writes the averages into .grad(), so that
// backward() returns with the gradients synchronised, as in PyTorch.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "ember/nn/module.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace distributed {
class ProcessGroup;
class Work;

// What a communication hook returns: the part of c10::ivalue::Future that DDP uses.
// wait() waits for the work (if any) and returns the bucket's reduced gradients.
class FutureTensor {
 public:
  FutureTensor() = default;
  FutureTensor(std::shared_ptr<Work> work, std::function<Tensor()> value)
      : work_(std::move(work)), value_(std::move(value)) {}
  // An already computed value.
  static FutureTensor ready(Tensor value);
  Tensor wait();

 private:
  std::shared_ptr<Work> work_;
  std::function<Tensor()> value_;
};

// PyTorch's GradBucket, as a communication hook sees it: buffer() is the bucket's flat
// gradients (this rank's, not yet divided by the world size), gradients() views into it
// per parameter, parameters() the parameters in the same order.
class GradBucket {
 public:
  GradBucket(std::size_t index, std::size_t bucket_count, Tensor buffer, std::vector<Tensor> gradients,
             std::vector<Tensor> parameters)
      : index_(index), count_(bucket_count), buffer_(std::move(buffer)), gradients_(std::move(gradients)),
        parameters_(std::move(parameters)) {}
  std::size_t index() const { return index_; }
  bool is_last() const { return index_ + 1 == count_; }
  const Tensor& buffer() const { return buffer_; }
  void set_buffer(const Tensor& buffer) { buffer_ = buffer; }
  const std::vector<Tensor>& gradients() const { return gradients_; }
  const std::vector<Tensor>& parameters() const { return parameters_; }

 private:
  std::size_t index_, count_;
  Tensor buffer_;
  std::vector<Tensor> gradients_, parameters_;
};

// hook(bucket) -> the bucket's averaged gradients, once the future is waited on.
using CommHook = std::function<FutureTensor(GradBucket&)>;

namespace algorithms {
namespace ddp_comm_hooks {
// torch.distributed.algorithms.ddp_comm_hooks.default_hooks: the state is the process
// group (null: the default group, as PyTorch's None).
// Divides the buffer by the group's size and all-reduces it (DDP's own behaviour).
FutureTensor allreduce_hook(ProcessGroup* process_group, GradBucket& bucket);
// Casts the buffer to float16, divides it by the group's size, all-reduces it and
// casts the result back into the buffer: half the bytes on the wire.
FutureTensor fp16_compress_hook(ProcessGroup* process_group, GradBucket& bucket);
}  // namespace ddp_comm_hooks
}  // namespace algorithms
}  // namespace distributed
namespace nn {
namespace parallel {

struct DistributedDataParallelOptions {
  // The group to synchronise over; null means the default group (init_process_group).
  distributed::ProcessGroup* process_group = nullptr;
  double bucket_cap_mb = 25.0;
  // Mark the parameters that the forward's output does not depend on as ready at once, so
  // that their buckets complete (without it such a parameter makes the next forward throw).
  // As in PyTorch, a parameter that no rank used keeps its .grad() as it was (undefined
  // after zero_grad()); one that some ranks used gets the sum over ranks divided by the
  // world size (the others contribute zeros). This costs one more all-reduce per backward.
  bool find_unused_parameters = false;
  // Copy rank 0's buffers (batch-norm running statistics) to every rank before each forward.
  bool broadcast_buffers = true;
  // Each parameter's .grad() becomes a view into its bucket (from the first synchronised
  // backward on): no copy from the bucket into .grad(), and no second copy of the
  // gradients in memory. zero_grad() with set_to_none drops the view; the next backward
  // makes it again.
  bool gradient_as_bucket_view = false;
  // The set of parameters used by forward is the same every iteration: the first
  // iteration finds the unused ones (as find_unused_parameters), the later ones reuse
  // that set without walking the graph.
  bool static_graph = false;
};

class DistributedDataParallel {
 public:
  using Options = DistributedDataParallelOptions;
  // Broadcasts rank 0's parameters and buffers to every rank (a collective: every rank
  // constructs its DDP at the same point).
  explicit DistributedDataParallel(std::shared_ptr<Module> module, const Options& options = Options());
  // A module owned elsewhere; it must outlive the DDP.
  explicit DistributedDataParallel(Module& module, const Options& options = Options());
  template <class Impl>
  explicit DistributedDataParallel(const ModuleHolder<Impl>& holder, const Options& options = Options())
      : DistributedDataParallel(std::shared_ptr<Module>(holder.module_ptr()), options) {}
  ~DistributedDataParallel();
  DistributedDataParallel(DistributedDataParallel&&) noexcept;
  DistributedDataParallel& operator=(DistributedDataParallel&&) noexcept;

  // Broadcasts the buffers (broadcast_buffers), then calls the module (with its hooks).
  Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }

  Module& module() const;
  std::vector<Tensor> parameters() const;

  // While alive, the backward of forwards run under it does not communicate: gradients
  // accumulate locally, and the next backward outside it all-reduces the sum.
  struct Reducer;  // the buckets and the hooks' state (src/distributed/ddp.cpp)

  class NoSyncGuard {
   public:
    ~NoSyncGuard();
    NoSyncGuard(NoSyncGuard&& other) noexcept = default;
    NoSyncGuard(const NoSyncGuard&) = delete;
    NoSyncGuard& operator=(const NoSyncGuard&) = delete;
    NoSyncGuard& operator=(NoSyncGuard&&) = delete;

   private:
    friend class DistributedDataParallel;
    NoSyncGuard(std::shared_ptr<Reducer> reducer, bool previous) : reducer_(std::move(reducer)), previous_(previous) {}
    std::shared_ptr<Reducer> reducer_;  // not the DDP itself, which may be moved meanwhile
    bool previous_;
  };
  NoSyncGuard no_sync();
  bool require_backward_grad_sync() const;

  // PyTorch's register_comm_hook: hook(state, bucket) replaces the all-reduce of each
  // bucket, e.g. register_comm_hook(nullptr, ddp_comm_hooks::fp16_compress_hook). Once
  // only, and before the first forward; the hook must average (DDP no longer divides).
  template <class State, class Hook>
  void register_comm_hook(State state, Hook hook) {
    register_comm_hook(distributed::CommHook(
        [state, hook](distributed::GradBucket& bucket) { return hook(state, bucket); }));
  }
  void register_comm_hook(distributed::CommHook hook);

  // The buckets as indices into parameters(), in launch order.
  std::vector<std::vector<std::size_t>> bucket_indices() const;


 private:
  std::shared_ptr<Reducer> reducer_;
};

}  // namespace parallel
}  // namespace nn
}  // namespace ember
