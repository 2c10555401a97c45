#include "autograd/inplace.hpp"

namespace ember {
namespace autograd {

void check_inplace_allowed(const char* op, const Tensor& self) {
  AutogradMeta* m = self.autograd_meta();
  EMBER_CHECK(!(m && m->requires_grad && !m->grad_fn),
              "{}: a leaf Variable that requires grad is being used in an in-place operation (shape {}): a leaf "
              "cannot be changed in place while autograd records; "
              "use NoGradGuard for updates such as optimizer steps, or an out-of-place op",
              op, self.sizes());
  EMBER_CHECK(!(m && m->no_grad_view && !m->grad_fn),
              "{}: a view (shape {}) was created in no_grad mode and is being modified in place with grad mode "
              "enabled; create the view and change it both inside or both outside no_grad",
              op, self.sizes());
  EMBER_CHECK(!(m && m->is_view),
              "{}: in-place change of a view (shape {}) of a tensor that requires grad is not supported; clone() "
              "the view first, or use an out-of-place op",
              op, self.sizes());
  EMBER_CHECK(is_floating_point(self.dtype()),
              "{}: the tensor changed in place is {} (shape {}) but the result requires grad", op, self.dtype(),
              self.sizes());
}

void take_over(const char* op, Tensor& self, const Tensor& result) {
  EMBER_CHECK(result.sizes().equals(self.sizes()),
              "{}: the result has shape {} but the tensor written in place has shape {}", op, result.sizes(),
              self.sizes());
  {
    GradModeScope off(false);
    kernels::copy(self, result);
  }
  bump_version(self, op);
  AutogradMeta& m = meta_of(self);
  AutogradMeta* rm = result.autograd_meta();
  rebase_history(m, rm ? rm->grad_fn : nullptr, rm ? rm->output_nr : 0);
}

}  // namespace autograd
}  // namespace ember
