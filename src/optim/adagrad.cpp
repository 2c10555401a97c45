#include "ember/optim/adagrad.hpp"

#include "ember/creation.hpp"
#include "src/optim/common.hpp"

namespace ember {
namespace optim {

using internal::format_double;

void AdagradOptions::visit(OptionVisitor& v) {
  v("lr", lr_);
  v("lr_decay", lr_decay_);
  v("eps", eps_);
  v("weight_decay", weight_decay_);
  v("initial_accumulator_value", initial_accumulator_value_);
  v("maximize", maximize_);
}

void AdagradOptions::validate() const {
  if (!(lr() >= 0)) throw Error("Adagrad: invalid learning rate: " + format_double(lr()));
  if (!(lr_decay() >= 0)) throw Error("Adagrad: invalid lr_decay value: " + format_double(lr_decay()));
  if (!(weight_decay() >= 0)) throw Error("Adagrad: invalid weight_decay value: " + format_double(weight_decay()));
  if (!(initial_accumulator_value() >= 0))
    throw Error("Adagrad: invalid initial_accumulator_value value: " + format_double(initial_accumulator_value()));
  if (!(eps() >= 0)) throw Error("Adagrad: invalid epsilon value: " + format_double(eps()));
}

Adagrad::Adagrad(std::vector<Tensor> params, const AdagradOptions& defaults)
    : Optimizer({ParamGroup(std::move(params))}, defaults.clone()) {
  init_state();
}
Adagrad::Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& defaults)
    : Optimizer(std::move(groups), defaults.clone()) {
  init_state();
}

void Adagrad::init_state() {
  for (ParamGroup& g : param_groups())
    for (Tensor& p : g.params()) state_for<AdagradParamState>(p, g.options());
}

std::unique_ptr<ParamState> Adagrad::make_state(const Tensor& p, const OptimizerOptions& options) const {
  auto s = std::make_unique<AdagradParamState>();
  s->sum = full_like(p, static_cast<const AdagradOptions&>(options).initial_accumulator_value());
  return s;
}

void Adagrad::update(ParamGroup& group) {
  const auto& o = static_cast<const AdagradOptions&>(group.options());
  for (Tensor& p : group.params()) {
    if (!p.grad().defined()) continue;
    auto& s = state_for<AdagradParamState>(p, o);
    s.step += 1;
    Tensor grad = o.maximize() ? p.grad().neg() : p.grad();
    if (o.weight_decay() != 0) grad = grad.add(p, o.weight_decay());
    const double clr = o.lr() / (1 + static_cast<double>(s.step - 1) * o.lr_decay());
    s.sum.add_(grad * grad);
    Tensor std = s.sum.sqrt().add_(o.eps());
    p.add_(grad / std, -clr);
  }
}

}  // namespace optim
}  // namespace ember
