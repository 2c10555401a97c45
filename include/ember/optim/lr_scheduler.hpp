// Learning-rate schedulers (torch.optim.lr_scheduler). Each one adjusts the lr of
// every parameter group of an optimizer; call step() once per epoch (OneCycleLR: once
// per batch) after optimizer.step(). Values follow PyTorch's chainable formulas, so
// they match PyTorch's to the last bit when stepped the same way.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
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
  // Sets every group's lr and records them as the last lrs.
  void apply_lrs(const std::vector<double>& lrs);
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

// lr = base_lr * lr_lambda(epoch); one function for every group, or one per group.
// The functions are not part of state_dict() (PyTorch saves only callable objects' state).
class LambdaLR : public LRScheduler {
 public:
  using Lambda = std::function<double(int64_t)>;
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas);

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<Lambda> lambdas_;
};

// lr *= lr_lambda(epoch) at every step after the first.
class MultiplicativeLR : public LRScheduler {
 public:
  using Lambda = std::function<double(int64_t)>;
  MultiplicativeLR(Optimizer& optimizer, Lambda lr_lambda);
  MultiplicativeLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas);

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<Lambda> lambdas_;
};

// lr = base_lr * factor for the first total_iters epochs, then base_lr.
class ConstantLR : public LRScheduler {
 public:
  ConstantLR(Optimizer& optimizer, double factor = 1.0 / 3, int64_t total_iters = 5);

 protected:
  std::vector<double> get_lr() override;
  void save_settings(StateDict& d) const override;
  void load_settings(const StateDict& d) override;

 private:
  double factor_;
  int64_t total_iters_;
};

// Cosine annealing from base_lr to eta_min over T_i epochs, restarting at base_lr; the
// period starts at T_0 and is multiplied by T_mult at each restart. step() advances one
// epoch; step(epoch) takes a fractional epoch (epoch + batch / batches_per_epoch).
class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult = 1, double eta_min = 0.0);
  using LRScheduler::step;
  void step(double epoch);
  double T_cur() const { return T_cur_; }
  int64_t T_i() const { return T_i_; }

 protected:
  std::vector<double> get_lr() override;
  void save_settings(StateDict& d) const override;
  void load_settings(const StateDict& d) override;

 private:
  int64_t T_0_, T_i_, T_mult_;
  double eta_min_;
  double T_cur_ = -1;
  bool epoch_given_ = false;  // step(epoch) has set T_cur_ and T_i_ already
};

struct CyclicLROptions {
  CyclicLROptions(std::vector<double> base_lr_, std::vector<double> max_lr_)
      : base_lr(std::move(base_lr_)), max_lr(std::move(max_lr_)) {}
  CyclicLROptions(double base_lr_, double max_lr_) : base_lr{base_lr_}, max_lr{max_lr_} {}
  std::vector<double> base_lr;  // one value for every group, or one per group
  std::vector<double> max_lr;
  double step_size_up = 2000;             // steps from base_lr up to max_lr
  std::optional<double> step_size_down;   // steps back down; default step_size_up
  std::string mode = "triangular";        // "triangular", "triangular2" or "exp_range"
  double gamma = 1.0;                     // exp_range: amplitude *= gamma per step
  // A custom amplitude scale (replaces mode), of the cycle number or, with scale_mode
  // "iterations", of the step.
  std::function<double(double)> scale_fn;
  std::string scale_mode = "cycle";
  // Cycles momentum (SGD, RMSprop) or beta1 (Adam) inversely to the lr.
  bool cycle_momentum = true;
  std::vector<double> base_momentum = {0.8};
  std::vector<double> max_momentum = {0.9};
};

// The cyclical learning rate policy: the lr goes between base_lr and max_lr in
// triangles; step it once per batch. Constructing it sets each group's lr to base_lr.
class CyclicLR : public LRScheduler {
 public:
  CyclicLR(Optimizer& optimizer, const CyclicLROptions& options);

 protected:
  std::vector<double> get_lr() override;

 private:
  double scale(double x) const;
  std::vector<double> max_lrs_;
  double total_size_, step_ratio_;
  std::string mode_;
  double gamma_;
  std::function<double(double)> scale_fn_;
  bool scale_by_cycle_;
  bool cycle_momentum_;
  bool use_beta1_ = false;
  std::vector<double> base_momentums_, max_momentums_;
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
