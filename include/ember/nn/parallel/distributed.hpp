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
#include <memory>
#include <utility>
#include <vector>

#include "ember/nn/module.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace distributed {
class ProcessGroup;
}
namespace nn {
namespace parallel {

struct DistributedDataParallelOptions {
  // The group to synchronise over; null means the default group (init_process_group).
  distributed::ProcessGroup* process_group = nullptr;
  double bucket_cap_mb = 25.0;
  // Mark the parameters that the forward's output does not depend on as ready at once, so
  // that their buckets complete (without it such a parameter makes the next forward throw).
  bool find_unused_parameters = false;
  // Copy rank 0's buffers (batch-norm running statistics) to every rank before each forward.
  bool broadcast_buffers = true;
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

  // The buckets as indices into parameters(), in launch order.
  std::vector<std::vector<std::size_t>> bucket_indices() const;


 private:
  std::shared_ptr<Reducer> reducer_;
};

}  // namespace parallel
}  // namespace nn
}  // namespace ember
