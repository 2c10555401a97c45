// Grad mode: whether ops on this thread record for autograd. The flag lives in the core
// (as PyTorch keeps GradMode in c10) so that the factories and NoGradGuard work
// without the autograd floor, which only reads it.
#include "ember/autograd.hpp"

namespace ember {
namespace {
// initial-exec: read by every op; see src/core/allocator.cpp for why.
__attribute__((tls_model("initial-exec"))) thread_local bool t_grad_enabled = true;
}  // namespace

bool is_grad_enabled() { return t_grad_enabled; }
void set_grad_enabled(bool enabled) { t_grad_enabled = enabled; }

}  // namespace ember
