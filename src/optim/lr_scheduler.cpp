// The schedulers use PyTorch's chainable formulas (each new lr from the group's current
// one) in the same order of floating-point operations, so their values agree with
// PyTorch's bit for bit.
#include "ember/optim/lr_scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "src/optim/common.hpp"

namespace ember {
namespace optim {

using internal::format_double;

using internal::kPi;
using internal::per_group;

// ---- LRScheduler ----

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) { base_lrs_ = group_lrs(); }

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> lrs;
  for (const ParamGroup& g : optimizer_.param_groups()) lrs.push_back(g.lr());
  return lrs;
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step() {
  auto& groups = optimizer_.param_groups();
  if (groups.size() != base_lrs_.size())
    throw Error(std::string(name_) + ".step: the optimizer has " + std::to_string(groups.size()) +
                " parameter groups, the scheduler was made for " + std::to_string(base_lrs_.size()));
  ++step_count_;
  ++last_epoch_;
  std::vector<double> lrs;
  try {
    lrs = get_lr();
  } catch (...) {
    --step_count_;
    --last_epoch_;
    throw;
  }
  apply_lrs(lrs);
}

void LRScheduler::apply_lrs(const std::vector<double>& lrs) {
  auto& groups = optimizer_.param_groups();
  for (std::size_t i = 0; i < groups.size(); ++i) groups[i].set_lr(lrs[i]);
  last_lr_ = group_lrs();
}

StateDict LRScheduler::state_dict() const {
  StateDict d;
  save_settings(d);
  d.insert("base_lrs", internal::reals_tensor(base_lrs_));
  d.insert("last_epoch", internal::count_tensor(last_epoch_));
  d.insert("_step_count", internal::count_tensor(step_count_));
  d.insert("_last_lr", internal::reals_tensor(last_lr_));
  return d;
}

void LRScheduler::load_state_dict(const StateDict& d) {
  const std::string who = std::string(name_) + ".load_state_dict";
  std::vector<double> base = internal::read_reals(d, "base_lrs", who);
  std::vector<double> last = internal::read_reals(d, "_last_lr", who);
  std::size_t groups = optimizer_.param_groups().size();
  if (base.size() != groups || last.size() != groups)
    throw Error(who + ": the state dict is for " + std::to_string(base.size()) + " parameter groups, the optimizer has " +
                std::to_string(groups));
  int64_t last_epoch = internal::read_count(d, "last_epoch", who);
  int64_t step_count = internal::read_count(d, "_step_count", who);
  load_settings(d);
  base_lrs_ = base;
  last_lr_ = last;
  last_epoch_ = last_epoch;
  step_count_ = step_count;
}

// ---- StepLR ----

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  name_ = "StepLR";
  if (step_size <= 0) throw Error("StepLR: step_size must be positive, got " + std::to_string(step_size));
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

void StepLR::save_settings(StateDict& d) const {
  d.insert("step_size", internal::count_tensor(step_size_));
  d.insert("gamma", internal::real_tensor(gamma_));
}
void StepLR::load_settings(const StateDict& d) {
  step_size_ = internal::read_count(d, "step_size", "StepLR.load_state_dict");
  gamma_ = internal::read_real(d, "gamma", "StepLR.load_state_dict");
}

// ---- MultiStepLR ----

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  name_ = "MultiStepLR";
  std::sort(milestones_.begin(), milestones_.end());
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  auto hits = std::equal_range(milestones_.begin(), milestones_.end(), last_epoch_);
  auto count = hits.second - hits.first;
  if (count == 0) return lrs;
  for (double& lr : lrs) lr = lr * std::pow(gamma_, static_cast<double>(count));
  return lrs;
}

void MultiStepLR::save_settings(StateDict& d) const {
  d.insert("milestones", internal::ints_tensor(milestones_));
  d.insert("gamma", internal::real_tensor(gamma_));
}
void MultiStepLR::load_settings(const StateDict& d) {
  milestones_ = internal::read_ints(d, "milestones", "MultiStepLR.load_state_dict");
  std::sort(milestones_.begin(), milestones_.end());
  gamma_ = internal::read_real(d, "gamma", "MultiStepLR.load_state_dict");
}

// ---- ExponentialLR ----

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {
  name_ = "ExponentialLR";
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

void ExponentialLR::save_settings(StateDict& d) const { d.insert("gamma", internal::real_tensor(gamma_)); }
void ExponentialLR::load_settings(const StateDict& d) {
  gamma_ = internal::read_real(d, "gamma", "ExponentialLR.load_state_dict");
}

// ---- CosineAnnealingLR ----

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  name_ = "CosineAnnealingLR";
  if (T_max <= 0) throw Error("CosineAnnealingLR: T_max must be positive, got " + std::to_string(T_max));
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  const double epoch = static_cast<double>(last_epoch_), T = static_cast<double>(T_max_);
  if (last_epoch_ == 0) return lrs;
  for (std::size_t i = 0; i < lrs.size(); ++i) {
    const double base = base_lrs_[i];
    if (step_count_ == 1 && last_epoch_ > 0) {
      lrs[i] = eta_min_ + (base - eta_min_) * (1 + std::cos(epoch * kPi / T)) / 2;
    } else if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0) {
      lrs[i] = lrs[i] + (base - eta_min_) * (1 - std::cos(kPi / T)) / 2;
    } else {
      lrs[i] = (1 + std::cos(kPi * epoch / T)) / (1 + std::cos(kPi * (epoch - 1) / T)) * (lrs[i] - eta_min_) + eta_min_;
    }
  }
  return lrs;
}

void CosineAnnealingLR::save_settings(StateDict& d) const {
  d.insert("T_max", internal::count_tensor(T_max_));
  d.insert("eta_min", internal::real_tensor(eta_min_));
}
void CosineAnnealingLR::load_settings(const StateDict& d) {
  T_max_ = internal::read_count(d, "T_max", "CosineAnnealingLR.load_state_dict");
  eta_min_ = internal::read_real(d, "eta_min", "CosineAnnealingLR.load_state_dict");
}

// ---- LinearLR ----

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters)
    : LRScheduler(optimizer), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
  name_ = "LinearLR";
  if (!(start_factor >= 0 && start_factor <= 1))
    throw Error("LinearLR: starting multiplicative factor expected to be between 0 and 1, got " +
                format_double(start_factor));
  if (!(end_factor >= 0 && end_factor <= 1))
    throw Error("LinearLR: ending multiplicative factor expected to be between 0 and 1, got " +
                format_double(end_factor));
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * start_factor_;
    return lrs;
  }
  if (last_epoch_ > total_iters_) return lrs;
  const double delta = end_factor_ - start_factor_;
  for (double& lr : lrs)
    lr = lr * (1. + delta / (static_cast<double>(total_iters_) * start_factor_ +
                             static_cast<double>(last_epoch_ - 1) * delta));
  return lrs;
}

void LinearLR::save_settings(StateDict& d) const {
  d.insert("start_factor", internal::real_tensor(start_factor_));
  d.insert("end_factor", internal::real_tensor(end_factor_));
  d.insert("total_iters", internal::count_tensor(total_iters_));
}
void LinearLR::load_settings(const StateDict& d) {
  const char* who = "LinearLR.load_state_dict";
  start_factor_ = internal::read_real(d, "start_factor", who);
  end_factor_ = internal::read_real(d, "end_factor", who);
  total_iters_ = internal::read_count(d, "total_iters", who);
}

// ---- OneCycleLR ----

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& o)
    : LRScheduler(optimizer), cycle_momentum_(o.cycle_momentum) {
  name_ = "OneCycleLR";
  const std::string who = "OneCycleLR";
  if (o.total_steps == 0 && o.epochs == 0 && o.steps_per_epoch == 0)
    throw Error(who + ": you must define either total_steps OR (epochs AND steps_per_epoch)");
  if (o.total_steps != 0) {
    if (o.total_steps < 0)
      throw Error(who + ": expected positive integer total_steps, but got " + std::to_string(o.total_steps));
    total_steps_ = o.total_steps;
  } else {
    if (o.epochs <= 0) throw Error(who + ": expected positive integer epochs, but got " + std::to_string(o.epochs));
    if (o.steps_per_epoch <= 0)
      throw Error(who + ": expected positive integer steps_per_epoch, but got " + std::to_string(o.steps_per_epoch));
    total_steps_ = o.epochs * o.steps_per_epoch;
  }
  if (!(o.pct_start >= 0 && o.pct_start <= 1))
    throw Error(who + ": expected float between 0 and 1 pct_start, but got " + format_double(o.pct_start));
  if (o.anneal_strategy != "cos" && o.anneal_strategy != "linear")
    throw Error(who + ": anneal_strategy must be one of 'cos' or 'linear', instead got '" + o.anneal_strategy + "'");
  linear_ = o.anneal_strategy == "linear";

  // Anchors: lr {0 initial, 1 max, 2 min}; momentum {0 max, 1 base}.
  const double total = static_cast<double>(total_steps_);
  if (o.three_phase)
    phases_ = {{o.pct_start * total - 1, 0, 1, 0, 1}, {2 * o.pct_start * total - 2, 1, 0, 1, 0}, {total - 1, 0, 2, 0, 0}};
  else
    phases_ = {{o.pct_start * total - 1, 0, 1, 0, 1}, {total - 1, 1, 2, 1, 0}};

  auto& groups = optimizer.param_groups();
  std::vector<double> max_lrs = per_group(o.max_lr, groups.size(), who, "max_lr");
  for (double max_lr : max_lrs) {
    double initial = max_lr / o.div_factor;
    lr_anchors_.push_back({initial, max_lr, initial / o.final_div_factor});
  }
  if (cycle_momentum_) {
    const OptimizerOptions& defaults = optimizer.defaults();
    if (!defaults.has("momentum") && !defaults.has("betas"))
      throw Error(who + ": optimizer must support momentum with `cycle_momentum` option enabled (" +
                  optimizer.name() + " has neither momentum nor betas)");
    use_beta1_ = defaults.has("betas");
    std::vector<double> max_m = per_group(o.max_momentum, groups.size(), who, "max_momentum");
    std::vector<double> base_m = per_group(o.base_momentum, groups.size(), who, "base_momentum");
    for (std::size_t i = 0; i < groups.size(); ++i) {
      momentum_anchors_.push_back({max_m[i], base_m[i]});
      OptimizerOptions& go = groups[i].options();
      if (use_beta1_)
        go.set("betas", {max_m[i], go.get("betas")[1]});
      else
        go.set("momentum", {max_m[i]});
    }
  }
  // PyTorch's base class reads the initial lrs this scheduler sets.
  for (std::size_t i = 0; i < groups.size(); ++i) base_lrs_[i] = lr_anchors_[i][0];
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (linear_) return (end - start) * pct + start;
  double cos_out = std::cos(kPi * pct) + 1;
  return end + (start - end) / 2.0 * cos_out;
}

std::vector<double> OneCycleLR::get_lr() {
  const int64_t step_num = last_epoch_;
  if (step_num > total_steps_)
    throw Error("OneCycleLR: tried to step " + std::to_string(step_num + 1) +
                " times. The specified number of total steps is " + std::to_string(total_steps_));
  auto& groups = optimizer_.param_groups();
  std::vector<double> lrs;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    double start_step = 0, lr = 0, momentum = 0;
    for (std::size_t i = 0; i < phases_.size(); ++i) {
      const Phase& ph = phases_[i];
      if (static_cast<double>(step_num) <= ph.end_step || i + 1 == phases_.size()) {
        double pct = (static_cast<double>(step_num) - start_step) / (ph.end_step - start_step);
        lr = anneal(lr_anchors_[g][ph.start_lr], lr_anchors_[g][ph.end_lr], pct);
        if (cycle_momentum_)
          momentum = anneal(momentum_anchors_[g][ph.start_momentum], momentum_anchors_[g][ph.end_momentum], pct);
        break;
      }
      start_step = ph.end_step;
    }
    lrs.push_back(lr);
    if (cycle_momentum_) {
      OptimizerOptions& go = groups[g].options();
      if (use_beta1_)
        go.set("betas", {momentum, go.get("betas")[1]});
      else
        go.set("momentum", {momentum});
    }
  }
  return lrs;
}

void OneCycleLR::save_settings(StateDict& d) const {
  std::vector<double> initial, max, min, max_m, base_m;
  for (const auto& a : lr_anchors_) {
    initial.push_back(a[0]);
    max.push_back(a[1]);
    min.push_back(a[2]);
  }
  for (const auto& a : momentum_anchors_) {
    max_m.push_back(a[0]);
    base_m.push_back(a[1]);
  }
  d.insert("total_steps", internal::count_tensor(total_steps_));
  d.insert("initial_lrs", internal::reals_tensor(initial));
  d.insert("max_lrs", internal::reals_tensor(max));
  d.insert("min_lrs", internal::reals_tensor(min));
  if (cycle_momentum_) {
    d.insert("max_momentums", internal::reals_tensor(max_m));
    d.insert("base_momentums", internal::reals_tensor(base_m));
  }
}

void OneCycleLR::load_settings(const StateDict& d) {
  const std::string who = "OneCycleLR.load_state_dict";
  int64_t total = internal::read_count(d, "total_steps", who);
  std::vector<double> initial = internal::read_reals(d, "initial_lrs", who);
  std::vector<double> max = internal::read_reals(d, "max_lrs", who);
  std::vector<double> min = internal::read_reals(d, "min_lrs", who);
  std::size_t groups = optimizer_.param_groups().size();
  if (initial.size() != groups || max.size() != groups || min.size() != groups)
    throw Error(who + ": lr anchors for " + std::to_string(initial.size()) + " groups, the optimizer has " +
                std::to_string(groups));
  std::vector<std::vector<double>> m_anchors;
  if (cycle_momentum_) {
    std::vector<double> max_m = internal::read_reals(d, "max_momentums", who);
    std::vector<double> base_m = internal::read_reals(d, "base_momentums", who);
    if (max_m.size() != groups || base_m.size() != groups)
      throw Error(who + ": momentum anchors for " + std::to_string(max_m.size()) + " groups, the optimizer has " +
                  std::to_string(groups));
    for (std::size_t i = 0; i < groups; ++i) m_anchors.push_back({max_m[i], base_m[i]});
  }
  total_steps_ = total;
  lr_anchors_.clear();
  for (std::size_t i = 0; i < groups; ++i) lr_anchors_.push_back({initial[i], max[i], min[i]});
  momentum_anchors_ = m_anchors;
}

// ---- ReduceLROnPlateau ----

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& o)
    : optimizer_(optimizer),
      factor_(o.factor),
      patience_(o.patience),
      threshold_(o.threshold),
      cooldown_(o.cooldown),
      eps_(o.eps) {
  const std::string who = "ReduceLROnPlateau";
  if (!(o.factor < 1.0)) throw Error(who + ": factor should be < 1.0, got " + format_double(o.factor));
  min_lrs_ = per_group(o.min_lr, optimizer.param_groups().size(), who, "min_lr");
  if (o.mode != "min" && o.mode != "max") throw Error(who + ": mode '" + o.mode + "' is unknown (use 'min' or 'max')");
  if (o.threshold_mode != "rel" && o.threshold_mode != "abs")
    throw Error(who + ": threshold mode '" + o.threshold_mode + "' is unknown (use 'rel' or 'abs')");
  mode_max_ = o.mode == "max";
  rel_ = o.threshold_mode == "rel";
  best_ = mode_max_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  if (!mode_max_ && rel_) return a < best * (1. - threshold_);
  if (!mode_max_) return a < best - threshold_;
  if (rel_) return a > best * (threshold_ + 1.);
  return a > best + threshold_;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (cooldown_counter_ > 0) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs in cooldown do not count
  }
  auto& groups = optimizer_.param_groups();
  if (num_bad_epochs_ > patience_) {
    if (groups.size() != min_lrs_.size())
      throw Error("ReduceLROnPlateau.step: the optimizer has " + std::to_string(groups.size()) +
                  " parameter groups, the scheduler was made for " + std::to_string(min_lrs_.size()));
    for (std::size_t i = 0; i < groups.size(); ++i) {
      double old_lr = groups[i].lr();
      double new_lr = std::max(old_lr * factor_, min_lrs_[i]);
      if (old_lr - new_lr > eps_) groups[i].set_lr(new_lr);
    }
    cooldown_counter_ = cooldown_;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const ParamGroup& g : groups) last_lr_.push_back(g.lr());
}

StateDict ReduceLROnPlateau::state_dict() const {
  StateDict d;
  d.insert("factor", internal::real_tensor(factor_));
  d.insert("min_lrs", internal::reals_tensor(min_lrs_));
  d.insert("patience", internal::count_tensor(patience_));
  d.insert("cooldown", internal::count_tensor(cooldown_));
  d.insert("cooldown_counter", internal::count_tensor(cooldown_counter_));
  d.insert("threshold", internal::real_tensor(threshold_));
  d.insert("best", internal::real_tensor(best_));
  d.insert("num_bad_epochs", internal::count_tensor(num_bad_epochs_));
  d.insert("eps", internal::real_tensor(eps_));
  d.insert("last_epoch", internal::count_tensor(last_epoch_));
  d.insert("_last_lr", internal::reals_tensor(last_lr_));
  return d;
}

void ReduceLROnPlateau::load_state_dict(const StateDict& d) {
  const std::string who = "ReduceLROnPlateau.load_state_dict";
  std::vector<double> min_lrs = internal::read_reals(d, "min_lrs", who);
  if (min_lrs.size() != optimizer_.param_groups().size())
    throw Error(who + ": expected " + std::to_string(optimizer_.param_groups().size()) + " min_lrs, got " +
                std::to_string(min_lrs.size()));
  double factor = internal::read_real(d, "factor", who);
  int64_t patience = internal::read_count(d, "patience", who);
  int64_t cooldown = internal::read_count(d, "cooldown", who);
  int64_t cooldown_counter = internal::read_count(d, "cooldown_counter", who);
  double threshold = internal::read_real(d, "threshold", who);
  double best = internal::read_real(d, "best", who);
  int64_t bad = internal::read_count(d, "num_bad_epochs", who);
  double eps = internal::read_real(d, "eps", who);
  int64_t last_epoch = internal::read_count(d, "last_epoch", who);
  std::vector<double> last_lr = internal::read_reals(d, "_last_lr", who);
  min_lrs_ = min_lrs;
  factor_ = factor;
  patience_ = patience;
  cooldown_ = cooldown;
  cooldown_counter_ = cooldown_counter;
  threshold_ = threshold;
  best_ = best;
  num_bad_epochs_ = bad;
  eps_ = eps;
  last_epoch_ = last_epoch;
  last_lr_ = last_lr;
}

}  // namespace optim
}  // namespace ember
