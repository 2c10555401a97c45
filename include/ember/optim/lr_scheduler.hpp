// Learning-rate schedulers (torch.optim.lr_scheduler). Each one adjusts the lr of
// every parameter group of an optimizer; call step() once per epoch (OneCycleLR: once
// per batch) after optimizer.step(). Values follow PyTorch's chainable formulas, so
// they match PyTorch's to the last bit when stepped the same way.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ember/optim/optimizer.hpp"
#include "ember/ordered_dict.hpp"

namespace ember {
namespace optim {

// The base of the epoch-driven schedulers (PyTorch's _LRScheduler). Constructing one
// records each group's lr as its base lr and takes the first step, to epoch 0, as
// PyTorch does.
class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Advances one epoch and sets every group's lr.
  void step();
  // The lrs the last step set, one per group.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() { return optimizer_; }

  // "last_epoch", "_step_count" (int64), "base_lrs", "_last_lr" (1-D float64) and the
  // scheduler's own settings under their PyTorch names ("gamma", "T_max", ...).
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state_dict);

 protected:
  explicit LRScheduler(Optimizer& optimizer);
  // Derived constructors end with this: the first step, to epoch 0.
  void initial_step();
  // The new lr of every group, from the groups' current lrs (PyTorch's get_lr).
  virtual std::vector<double> get_lr() = 0;
  // The scheduler's own settings and counters, for state dicts.
  virtual void save_settings(StateDict&) const {}
  virtual void load_settings(const StateDict&) {}
  // The current lr of every group.
  std::vector<double> group_lrs() const;
  const char* name_ = "LRScheduler";

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;
  std::vector<double> last_lr_;
};

// lr *= gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> get_lr() override;
  void save_settings(StateDict& d) const override;
  void load_settings(const StateDict& d) override;

 private:
  int64_t step_size_;
  double gamma_;
};

// lr *= gamma at each milestone epoch (a milestone listed twice applies gamma twice).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

 protected:
  std::vector<double> get_lr() override;
  void save_settings(StateDict& d) const override;
  void load_settings(const StateDict& d) override;

 private:
  std::vector<int64_t> milestones_;  // sorted
  double gamma_;
};

// lr *= gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  std::vector<double> get_lr() override;
  void save_settings(StateDict& d) const override;
  void load_settings(const StateDict& d) override;

 private:
  double gamma_;
};

// lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2, computed with
// PyTorch's recursive form (so an lr changed from outside carries on), and rising
// again after T_max as PyTorch's does.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);

 protected:
  std::vector<double> get_lr() override;
  void save_settings(StateDict& d) const override;
  void load_settings(const StateDict& d) override;

 private:
  int64_t T_max_;
  double eta_min_;
};

// The factor on base_lr goes linearly from start_factor to end_factor over total_iters
// epochs, then stays.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);

 protected:
  std::vector<double> get_lr() override;
  void save_settings(StateDict& d) const override;
  void load_settings(const StateDict& d) override;

 private:
  double start_factor_;
  double end_factor_;
  int64_t total_iters_;
};

struct OneCycleLROptions {
  // The peak lr: one value for every group, or one per group.
  std::vector<double> max_lr;
  // Either total_steps, or epochs and steps_per_epoch (total = their product).
  int64_t total_steps = 0;
  int64_t epochs = 0;
  int64_t steps_per_epoch = 0;
  double pct_start = 0.3;
  std::string anneal_strategy = "cos";  // or "linear"
  // Cycles the optimizer's momentum (SGD, RMSprop) or beta1 (Adam, AdamW) inversely to the lr.
  bool cycle_momentum = true;
  std::vector<double> base_momentum = {0.85};
  std::vector<double> max_momentum = {0.95};
  double div_factor = 25;           // initial_lr = max_lr / div_factor
  double final_div_factor = 1e4;    // min_lr = initial_lr / final_div_factor
  bool three_phase = false;

  OneCycleLROptions() = default;
  OneCycleLROptions(double max_lr_, int64_t total_steps_) : max_lr{max_lr_}, total_steps(total_steps_) {}
};

// The 1cycle policy: lr rises from max_lr / div_factor to max_lr over pct_start of the
// steps, then anneals to the minimum (three_phase: back to the initial lr, then to the
// minimum). Step it once per batch; stepping past total_steps is an error.
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);
  int64_t total_steps() const { return total_steps_; }

 protected:
  std::vector<double> get_lr() override;
  void save_settings(StateDict& d) const override;
  void load_settings(const StateDict& d) override;

 private:
  struct Phase {
    double end_step;
    int start_lr, end_lr, start_momentum, end_momentum;  // index into the group's anchors
  };
  double anneal(double start, double end, double pct) const;

  int64_t total_steps_;
  bool linear_;
  bool cycle_momentum_;
  bool use_beta1_ = false;
  std::vector<Phase> phases_;
  // Per group: {initial_lr, max_lr, min_lr} and {max_momentum, base_momentum}.
  std::vector<std::vector<double>> lr_anchors_;
  std::vector<std::vector<double>> momentum_anchors_;
};

struct ReduceLROnPlateauOptions {
  std::string mode = "min";           // "min": lower metrics are better; "max": higher
  double factor = 0.1;                // new_lr = lr * factor
  int64_t patience = 10;              // bad epochs tolerated before reducing
  double threshold = 1e-4;            // how much better counts as better
  std::string threshold_mode = "rel";  // "rel" or "abs"
  int64_t cooldown = 0;               // epochs to wait after a reduction
  std::vector<double> min_lr = {0.0};  // one value for every group, or one per group
  double eps = 1e-8;                  // reductions smaller than this are skipped
};

// Reduces the lr when a metric stops improving: step(metric) once per epoch.
class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});
  void step(double metric);
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  double best() const { return best_; }

  // Counters and settings under PyTorch's names ("best", "num_bad_epochs",
  // "cooldown_counter", "last_epoch", "factor", "min_lrs", ...). mode and threshold_mode
  // are strings, so they stay as constructed.
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state_dict);

 private:
  bool is_better(double a, double best) const;

  Optimizer& optimizer_;
  bool mode_max_;
  bool rel_;
  double factor_;
  int64_t patience_;
  double threshold_;
  int64_t cooldown_;
  std::vector<double> min_lrs_;
  double eps_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
  int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace optim
}  // namespace ember
