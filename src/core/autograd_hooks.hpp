// What the core needs from the autograd floor above it, reached through function
// pointers that autograd installs when the library loads. The core never links against
// autograd: a program made of the core and the kernels alone (the layering test) links,
// and its tensors simply never require grad.
#pragma once
#include <string>

namespace ember {
class Tensor;
namespace autograd {
struct AutogradMeta;
}
namespace detail {

struct AutogradHooks {
  // Frees a tensor's autograd block when its TensorImpl dies.
  void (*delete_meta)(autograd::AutogradMeta* meta) = nullptr;
  // Tensor::requires_grad_, for the factories' TensorOptions::requires_grad.
  void (*set_requires_grad)(Tensor& t, bool requires_grad) = nullptr;
  // For printing: the name of the op that made t ("" for leaves and plain tensors),
  // and whether t requires grad.
  std::string (*grad_fn_name)(const Tensor& t) = nullptr;
  bool (*requires_grad)(const Tensor& t) = nullptr;
};

// The one table; autograd fills it during static initialisation.
AutogradHooks& autograd_hooks();

// The factories' `requires_grad` option: through the hook, or an ember::Error naming
// `op` when no autograd floor is linked in.
void set_requires_grad(Tensor& t, bool requires_grad, const char* op);

}  // namespace detail
}  // namespace ember
