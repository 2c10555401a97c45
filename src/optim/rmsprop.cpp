#include "ember/optim/rmsprop.hpp"

#include "ember/creation.hpp"
#include "src/optim/common.hpp"

namespace ember {
namespace optim {

using internal::format_double;

void RMSpropOptions::visit(OptionVisitor& v) {
  v("lr", lr_);
  v("alpha", alpha_);
  v("eps", eps_);
  v("weight_decay", weight_decay_);
  v("momentum", momentum_);
  v("centered", centered_);
  v("maximize", maximize_);
}

void RMSpropOptions::validate() const {
  if (!(lr() >= 0)) throw Error("RMSprop: invalid learning rate: " + format_double(lr()));
  if (!(eps() >= 0)) throw Error("RMSprop: invalid epsilon value: " + format_double(eps()));
  if (!(momentum() >= 0)) throw Error("RMSprop: invalid momentum value: " + format_double(momentum()));
  if (!(weight_decay() >= 0)) throw Error("RMSprop: invalid weight_decay value: " + format_double(weight_decay()));
  if (!(alpha() >= 0)) throw Error("RMSprop: invalid alpha value: " + format_double(alpha()));
}

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& defaults)
    : Optimizer({ParamGroup(std::move(params))}, defaults.clone()) {}
RMSprop::RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& defaults)
    : Optimizer(std::move(groups), defaults.clone()) {}

std::unique_ptr<ParamState> RMSprop::make_state(const Tensor& p, const OptimizerOptions& options) const {
  const auto& o = static_cast<const RMSpropOptions&>(options);
  auto s = std::make_unique<RMSpropParamState>();
  s->square_avg = zeros_like(p);
  if (o.momentum() > 0) s->momentum_buffer = zeros_like(p);
  if (o.centered()) s->grad_avg = zeros_like(p);
  return s;
}

void RMSprop::update(ParamGroup& group) {
  const auto& o = static_cast<const RMSpropOptions&>(group.options());
  const double alpha = o.alpha();
  for (Tensor& p : group.params()) {
    if (!p.grad().defined()) continue;
    auto& s = state_for<RMSpropParamState>(p, o);
    s.step += 1;
    Tensor grad = o.maximize() ? p.grad().neg() : p.grad();
    if (o.weight_decay() != 0) grad = grad.add(p, o.weight_decay());

    s.square_avg.mul_(alpha).add_(grad * grad, 1 - alpha);
    Tensor avg;
    if (o.centered()) {
      if (!s.grad_avg.defined()) s.grad_avg = zeros_like(p);  // centered switched on later
      s.grad_avg.mul_(alpha).add_(grad, 1 - alpha);
      avg = s.square_avg.sub(s.grad_avg * s.grad_avg).sqrt_();
    } else {
      avg = s.square_avg.sqrt();
    }
    avg.add_(o.eps());
    if (o.momentum() > 0) {
      if (!s.momentum_buffer.defined()) s.momentum_buffer = zeros_like(p);
      s.momentum_buffer.mul_(o.momentum()).add_(grad / avg);
      p.add_(s.momentum_buffer, -o.lr());
    } else {
      p.add_(grad / avg, -o.lr());
    }
  }
}

}  // namespace optim
}  // namespace ember
