// Schedulers driven by user functions (LambdaLR, MultiplicativeLR) and ConstantLR, in
// PyTorch's formulas.
#include "ember/optim/lr_scheduler.hpp"

#include "src/optim/common.hpp"

namespace ember {
namespace optim {

namespace {
template <class Lambda>
std::vector<Lambda> lambdas_per_group(std::vector<Lambda> lambdas, const Optimizer& optimizer, const char* who) {
  std::size_t groups = optimizer.param_groups().size();
  if (lambdas.size() == 1 && groups != 1) lambdas.assign(groups, lambdas[0]);
  if (lambdas.size() != groups)
    throw Error(std::string(who) + ": expected " + std::to_string(groups) + " lr_lambdas, but got " +
                std::to_string(lambdas.size()));
  for (const Lambda& f : lambdas)
    if (!f) throw Error(std::string(who) + ": lr_lambda is empty");
  return lambdas;
}
}  // namespace

// ---- LambdaLR ----

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lr_lambda) : LambdaLR(optimizer, std::vector<Lambda>{lr_lambda}) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas)
    : LRScheduler(optimizer), lambdas_(lambdas_per_group(std::move(lr_lambdas), optimizer, "LambdaLR")) {
  name_ = "LambdaLR";
  initial_step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> lrs(base_lrs_.size());
  for (std::size_t i = 0; i < lrs.size(); ++i) lrs[i] = base_lrs_[i] * lambdas_[i](last_epoch_);
  return lrs;
}

// ---- MultiplicativeLR ----

MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, Lambda lr_lambda)
    : MultiplicativeLR(optimizer, std::vector<Lambda>{lr_lambda}) {}

MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas)
    : LRScheduler(optimizer), lambdas_(lambdas_per_group(std::move(lr_lambdas), optimizer, "MultiplicativeLR")) {
  name_ = "MultiplicativeLR";
  initial_step();
}

std::vector<double> MultiplicativeLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ > 0)
    for (std::size_t i = 0; i < lrs.size(); ++i) lrs[i] = lrs[i] * lambdas_[i](last_epoch_);
  return lrs;
}

// ---- ConstantLR ----

ConstantLR::ConstantLR(Optimizer& optimizer, double factor, int64_t total_iters)
    : LRScheduler(optimizer), factor_(factor), total_iters_(total_iters) {
  name_ = "ConstantLR";
  if (!(factor >= 0 && factor <= 1))
    throw Error("ConstantLR: constant multiplicative factor expected to be between 0 and 1, got " +
                internal::format_double(factor));
  initial_step();
}

std::vector<double> ConstantLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  for (double& lr : lrs) {
    if (last_epoch_ == 0)
      lr = lr * factor_;
    else if (last_epoch_ == total_iters_)
      lr = lr * (1.0 / factor_);
  }
  return lrs;
}

void ConstantLR::save_settings(StateDict& d) const {
  d.insert("factor", internal::real_tensor(factor_));
  d.insert("total_iters", internal::count_tensor(total_iters_));
}
void ConstantLR::load_settings(const StateDict& d) {
  factor_ = internal::read_real(d, "factor", "ConstantLR.load_state_dict");
  total_iters_ = internal::read_count(d, "total_iters", "ConstantLR.load_state_dict");
}

}  // namespace optim
}  // namespace ember
