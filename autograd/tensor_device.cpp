// Tensor::to(Device): the CPU is the only device, so moving there is the identity (or a
// copy when asked); any other device is an ember::Error.
#include "ember/tensor.hpp"

namespace ember {

Tensor Tensor::to(Device device, bool /*non_blocking*/, bool copy) const {
  detail::check_cpu(device, "to");
  return copy ? clone() : *this;
}

Tensor Tensor::to(Device device, Dtype dtype, bool /*non_blocking*/, bool copy) const {
  detail::check_cpu(device, "to");
  return to(dtype, copy);
}

}  // namespace ember
