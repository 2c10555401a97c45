#include "ember/optim/clip_grad.hpp"

#include <cmath>
#include <limits>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "src/optim/common.hpp"

namespace ember {
namespace nn {
namespace utils {

namespace {
std::vector<Tensor> grads_of(const std::vector<Tensor>& parameters) {
  std::vector<Tensor> grads;
  for (const Tensor& p : parameters)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  return grads;
}
}  // namespace

Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  std::vector<Tensor> grads = grads_of(parameters);
  if (grads.empty()) return scalar_tensor(0.0);
  NoGradGuard no_grad;
  const bool inf = std::isinf(norm_type) && norm_type > 0;
  // The norm of the per-gradient norms, in the widest dtype among the gradients.
  Dtype dt = grads[0].dtype();
  for (const Tensor& g : grads) dt = promote_types(dt, g.dtype());
  std::vector<Tensor> norms;
  for (const Tensor& g : grads) norms.push_back((inf ? g.abs().max() : g.norm(norm_type)).to(dt));
  Tensor total;
  if (inf)
    total = norms.size() == 1 ? norms[0] : stack(norms).max();
  else
    total = stack(norms).norm(norm_type);
  if (error_if_nonfinite) {
    double value = total.to(kFloat64).item<double>();
    if (!std::isfinite(value))
      throw Error("clip_grad_norm_: the total norm of order " + optim::internal::format_double(norm_type) +
                  " for gradients from `parameters` is non-finite (" + optim::internal::format_double(value) +
                  "), so it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                  "norm anyway, set error_if_nonfinite=false");
  }
  // As PyTorch: always multiply (by at most 1), so that no host-side branch is needed.
  Tensor coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
  for (Tensor& g : grads) g.mul_(coef.to(g.dtype()));
  return total;
}

Tensor clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type, bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  NoGradGuard no_grad;
  for (Tensor& g : grads_of(parameters)) g.clamp_(-clip_value, clip_value);
}

void clip_grad_value_(const Tensor& parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{parameter}, clip_value);
}

}  // namespace utils
}  // namespace nn
}  // namespace ember
