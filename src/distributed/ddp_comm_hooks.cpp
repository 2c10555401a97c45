// The built-in DDP communication hooks (torch.distributed.algorithms.ddp_comm_hooks.default_hooks).
#include "ember/creation.hpp"
#include "ember/distributed.hpp"
#include "ember/nn/parallel/distributed.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace distributed {

FutureTensor FutureTensor::ready(Tensor value) {
  return FutureTensor(nullptr, [value] { return value; });
}

Tensor FutureTensor::wait() {
  EMBER_CHECK(value_, "FutureTensor::wait: an empty future (a comm hook returned FutureTensor())");
  if (work_) work_->wait();
  return value_();
}

namespace algorithms {
namespace ddp_comm_hooks {
namespace {
ProcessGroup& group_or_default(ProcessGroup* g) { return g ? *g : default_group(); }
}  // namespace

FutureTensor allreduce_hook(ProcessGroup* process_group, GradBucket& bucket) {
  ProcessGroup& g = group_or_default(process_group);
  Tensor buffer = bucket.buffer();
  buffer.div_(static_cast<double>(g.getSize()));
  std::vector<Tensor> ts{buffer};
  return FutureTensor(g.allreduce(ts), [buffer] { return buffer; });
}

FutureTensor fp16_compress_hook(ProcessGroup* process_group, GradBucket& bucket) {
  ProcessGroup& g = group_or_default(process_group);
  Tensor buffer = bucket.buffer();
  // As PyTorch: cast, then divide in float16, then all-reduce the float16 sum.
  Tensor compressed = buffer.to(kFloat16).div_(static_cast<double>(g.getSize()));
  std::vector<Tensor> ts{compressed};
  return FutureTensor(g.allreduce(ts), [buffer, compressed]() mutable {
    buffer.copy_(compressed);
    return buffer;
  });
}

}  // namespace ddp_comm_hooks
}  // namespace algorithms
}  // namespace distributed
}  // namespace ember
