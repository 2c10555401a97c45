// Cyclic schedules: CyclicLR (triangles between base_lr and max_lr) and
// CosineAnnealingWarmRestarts, in PyTorch 1.13's formulas and order of operations.
#include <cmath>

#include "ember/optim/lr_scheduler.hpp"
#include "src/optim/common.hpp"

namespace ember {
namespace optim {

using internal::kPi;
using internal::per_group;

// ---- CosineAnnealingWarmRestarts ----

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult,
                                                         double eta_min)
    : LRScheduler(optimizer), T_0_(T_0), T_i_(T_0), T_mult_(T_mult), eta_min_(eta_min) {
  name_ = "CosineAnnealingWarmRestarts";
  if (T_0 <= 0) throw Error("CosineAnnealingWarmRestarts: expected a positive integer T_0, but got " + std::to_string(T_0));
  if (T_mult < 1)
    throw Error("CosineAnnealingWarmRestarts: expected an integer T_mult >= 1, but got " + std::to_string(T_mult));
  initial_step();
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  if (!epoch_given_) {
    if (last_epoch_ == 0) {  // the first step: PyTorch's step(0)
      T_i_ = T_0_;
      T_cur_ = 0;
    } else {
      T_cur_ = T_cur_ + 1;
      if (T_cur_ >= static_cast<double>(T_i_)) {
        T_cur_ = T_cur_ - static_cast<double>(T_i_);
        T_i_ = T_i_ * T_mult_;
      }
    }
  }
  std::vector<double> lrs(base_lrs_.size());
  for (std::size_t i = 0; i < lrs.size(); ++i)
    lrs[i] = eta_min_ + (base_lrs_[i] - eta_min_) * (1 + std::cos(kPi * T_cur_ / static_cast<double>(T_i_))) / 2;
  return lrs;
}

void CosineAnnealingWarmRestarts::step(double epoch) {
  if (!(epoch >= 0))
    throw Error("CosineAnnealingWarmRestarts.step: expected a non-negative epoch, but got " +
                internal::format_double(epoch));
  const double T_0 = static_cast<double>(T_0_);
  if (epoch >= T_0) {
    if (T_mult_ == 1) {
      T_cur_ = std::fmod(epoch, T_0);
    } else {
      const double m = static_cast<double>(T_mult_);
      auto n = static_cast<int64_t>(std::log(epoch / T_0 * (m - 1) + 1) / std::log(m));
      T_cur_ = epoch - T_0 * (std::pow(m, static_cast<double>(n)) - 1) / (m - 1);
      T_i_ = T_0_ * static_cast<int64_t>(std::pow(m, static_cast<double>(n)));
    }
  } else {
    T_i_ = T_0_;
    T_cur_ = epoch;
  }
  ++step_count_;
  last_epoch_ = static_cast<int64_t>(std::floor(epoch));
  epoch_given_ = true;
  std::vector<double> lrs = get_lr();
  epoch_given_ = false;
  apply_lrs(lrs);
}

void CosineAnnealingWarmRestarts::save_settings(StateDict& d) const {
  d.insert("T_0", internal::count_tensor(T_0_));
  d.insert("T_i", internal::count_tensor(T_i_));
  d.insert("T_mult", internal::count_tensor(T_mult_));
  d.insert("eta_min", internal::real_tensor(eta_min_));
  d.insert("T_cur", internal::real_tensor(T_cur_));
}
void CosineAnnealingWarmRestarts::load_settings(const StateDict& d) {
  const char* who = "CosineAnnealingWarmRestarts.load_state_dict";
  T_0_ = internal::read_count(d, "T_0", who);
  T_i_ = internal::read_count(d, "T_i", who);
  T_mult_ = internal::read_count(d, "T_mult", who);
  eta_min_ = internal::read_real(d, "eta_min", who);
  T_cur_ = internal::read_real(d, "T_cur", who);
}

// ---- CyclicLR ----

CyclicLR::CyclicLR(Optimizer& optimizer, const CyclicLROptions& o)
    : LRScheduler(optimizer),
      mode_(o.mode),
      gamma_(o.gamma),
      scale_fn_(o.scale_fn),
      cycle_momentum_(o.cycle_momentum) {
  name_ = "CyclicLR";
  const std::string who = "CyclicLR";
  auto& groups = optimizer.param_groups();
  std::vector<double> base_lrs = per_group(o.base_lr, groups.size(), who, "base_lr");
  max_lrs_ = per_group(o.max_lr, groups.size(), who, "max_lr");
  if (!(o.step_size_up > 0)) throw Error(who + ": step_size_up must be positive, got " + internal::format_double(o.step_size_up));
  double down = o.step_size_down ? *o.step_size_down : o.step_size_up;
  if (!(down > 0)) throw Error(who + ": step_size_down must be positive, got " + internal::format_double(down));
  total_size_ = o.step_size_up + down;
  step_ratio_ = o.step_size_up / total_size_;
  if (scale_fn_) {
    if (o.scale_mode != "cycle" && o.scale_mode != "iterations")
      throw Error(who + ": scale_mode must be 'cycle' or 'iterations', got '" + o.scale_mode + "'");
    scale_by_cycle_ = o.scale_mode == "cycle";
  } else if (mode_ == "triangular" || mode_ == "triangular2") {
    scale_by_cycle_ = true;
  } else if (mode_ == "exp_range") {
    scale_by_cycle_ = false;
  } else {
    throw Error(who + ": mode is invalid and scale_fn is empty: expected 'triangular', 'triangular2' or "
                      "'exp_range', got '" + mode_ + "'");
  }
  for (std::size_t i = 0; i < groups.size(); ++i) groups[i].set_lr(base_lrs[i]);
  if (cycle_momentum_) {
    const OptimizerOptions& defaults = optimizer.defaults();
    if (!defaults.has("momentum") && !defaults.has("betas"))
      throw Error(who + ": optimizer must support momentum with `cycle_momentum` option enabled (" +
                  optimizer.name() + " has neither momentum nor betas)");
    use_beta1_ = !defaults.has("momentum");
    base_momentums_ = per_group(o.base_momentum, groups.size(), who, "base_momentum");
    max_momentums_ = per_group(o.max_momentum, groups.size(), who, "max_momentum");
    for (std::size_t i = 0; i < groups.size(); ++i) {
      OptimizerOptions& go = groups[i].options();
      if (use_beta1_)
        go.set("betas", {base_momentums_[i], go.get("betas")[1]});
      else
        go.set("momentum", {base_momentums_[i]});
    }
  }
  base_lrs_ = base_lrs;
  initial_step();
}

double CyclicLR::scale(double x) const {
  if (scale_fn_) return scale_fn_(x);
  if (mode_ == "triangular") return 1.0;
  if (mode_ == "triangular2") return 1 / std::pow(2.0, x - 1);
  return std::pow(gamma_, x);  // exp_range
}

std::vector<double> CyclicLR::get_lr() {
  const double epoch = static_cast<double>(last_epoch_);
  const double cycle = std::floor(1 + epoch / total_size_);
  const double x = 1. + epoch / total_size_ - cycle;
  const double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
  const double s = scale(scale_by_cycle_ ? cycle : epoch);
  std::vector<double> lrs(base_lrs_.size());
  for (std::size_t i = 0; i < lrs.size(); ++i) {
    double base_height = (max_lrs_[i] - base_lrs_[i]) * scale_factor;
    lrs[i] = base_lrs_[i] + base_height * s;
  }
  if (cycle_momentum_) {
    auto& groups = optimizer_.param_groups();
    for (std::size_t i = 0; i < groups.size(); ++i) {
      double base_height = (max_momentums_[i] - base_momentums_[i]) * scale_factor;
      double momentum = max_momentums_[i] - base_height * s;
      OptimizerOptions& go = groups[i].options();
      if (use_beta1_)
        go.set("betas", {momentum, go.get("betas")[1]});
      else
        go.set("momentum", {momentum});
    }
  }
  return lrs;
}

}  // namespace optim
}  // namespace ember
