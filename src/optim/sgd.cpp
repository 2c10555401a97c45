#include "ember/optim/sgd.hpp"

#include <limits>

#include "src/optim/common.hpp"

namespace ember {
namespace optim {

using internal::format_double;

SGDOptions::SGDOptions() : OptimizerOptions(std::numeric_limits<double>::quiet_NaN()) {}
SGDOptions::SGDOptions(double lr) : OptimizerOptions(lr) { lr_ = lr; }

void SGDOptions::visit(OptionVisitor& v) {
  v("lr", lr_);
  v("momentum", momentum_);
  v("dampening", dampening_);
  v("weight_decay", weight_decay_);
  v("nesterov", nesterov_);
  v("maximize", maximize_);
}

void SGDOptions::validate() const {
  if (lr() < 0) throw Error("SGD: invalid learning rate: " + format_double(lr()));
  if (momentum() < 0) throw Error("SGD: invalid momentum value: " + format_double(momentum()));
  if (weight_decay() < 0) throw Error("SGD: invalid weight_decay value: " + format_double(weight_decay()));
  if (nesterov() && (momentum() <= 0 || dampening() != 0))
    throw Error("SGD: Nesterov momentum requires a momentum and zero dampening (momentum " +
                format_double(momentum()) + ", dampening " + format_double(dampening()) + ")");
}

SGD::SGD(std::vector<Tensor> params, const SGDOptions& defaults)
    : Optimizer({ParamGroup(std::move(params))}, defaults.clone()) {}
SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& defaults) : Optimizer(std::move(groups), defaults.clone()) {}

std::unique_ptr<ParamState> SGD::make_state(const Tensor&, const OptimizerOptions&) const {
  return std::make_unique<SGDParamState>();
}

void SGD::update(ParamGroup& group) {
  const auto& o = static_cast<const SGDOptions&>(group.options());
  for (Tensor& p : group.params()) {
    if (!p.grad().defined()) continue;
    Tensor d_p = o.maximize() ? p.grad().neg() : p.grad();
    if (o.weight_decay() != 0) d_p = d_p.add(p, o.weight_decay());
    if (o.momentum() != 0) {
      Tensor& buf = state_for<SGDParamState>(p, o).momentum_buffer;
      if (!buf.defined())
        buf = d_p.clone();
      else
        buf.mul_(o.momentum()).add_(d_p, 1 - o.dampening());
      d_p = o.nesterov() ? d_p.add(buf, o.momentum()) : buf;
    }
    p.add_(d_p, -o.lr());
  }
}

}  // namespace optim
}  // namespace ember
