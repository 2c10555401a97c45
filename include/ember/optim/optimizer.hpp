// The optimizer base (torch.optim.Optimizer): parameter groups with per-group options,
// per-parameter state, zero_grad, and state dicts that resume training bit for bit.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ember/error.hpp"
#include "ember/ordered_dict.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace optim {

// A hyperparameter that remembers whether it was given explicitly. A parameter group's
// options may leave some out; those are taken from the optimizer's defaults, as a
// PyTorch param-group dict that names only "lr" does.
template <class T>
class Option {
 public:
  Option() = default;
  explicit Option(T default_value) : value_(std::move(default_value)) {}
  Option& operator=(T value) {
    value_ = std::move(value);
    set_ = true;
    return *this;
  }
  const T& get() const { return value_; }
  bool is_set() const { return set_; }

 private:
  T value_{};
  bool set_ = false;
};

using Betas = std::tuple<double, double>;

// Visits every hyperparameter of an options object by its PyTorch name.
class OptionVisitor {
 public:
  virtual ~OptionVisitor() = default;
  virtual void operator()(const char* name, Option<double>& value) = 0;
  virtual void operator()(const char* name, Option<bool>& value) = 0;
  virtual void operator()(const char* name, Option<Betas>& value) = 0;
};

// The hyperparameters of one optimizer (defaults, or one parameter group's). Each
// optimizer derives its typed options (AdamOptions, SGDOptions, ...) with LibTorch-style
// chained setters: `AdamOptions(1e-3).betas({0.9, 0.98}).weight_decay(1e-4)`.
class OptimizerOptions {
 public:
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  // The optimizer's name, for messages ("Adam").
  virtual const char* optimizer_name() const = 0;
  // Every hyperparameter, lr first, in PyTorch's order.
  virtual void visit(OptionVisitor& visitor) = 0;
  // Throws ember::Error for values PyTorch rejects (a negative lr, ...).
  virtual void validate() const = 0;

  double lr() const { return lr_.get(); }
  void set_lr(double lr) { lr_ = lr; }

  // Generic access by PyTorch's key, like group["momentum"]: a real or bool option is
  // one value (a bool as 0 or 1), betas two.
  bool has(const std::string& name) const;
  std::vector<double> get(const std::string& name) const;
  void set(const std::string& name, const std::vector<double>& value);
  // Takes every option not given explicitly from `defaults` (same optimizer type).
  void fill_unset_from(const OptimizerOptions& defaults);

 protected:
  explicit OptimizerOptions(double default_lr) : lr_(default_lr) {}
  OptimizerOptions(const OptimizerOptions&) = default;
  OptimizerOptions& operator=(const OptimizerOptions&) = default;
  Option<double> lr_;
};

// Per-parameter state (moment buffers, step counts). Each optimizer defines its own.
class ParamState {
 public:
  virtual ~ParamState() = default;
  // The state's tensors by PyTorch's key, in its order. An undefined tensor is optional
  // state (SGD's momentum buffer before the first step) and is left out of state dicts.
  virtual std::vector<std::pair<const char*, Tensor*>> tensors() = 0;
  // The step count saved as "step", or nullptr for optimizers that keep none.
  virtual int64_t* step_count() { return nullptr; }
};

// A list of parameters optimized with the same options. Options left out (or not given
// at all) come from the optimizer's defaults when the group joins an optimizer.
class Optimizer;

class ParamGroup {
 public:
  ParamGroup(std::vector<Tensor> params);  // NOLINT: implicit, like a PyTorch params list
  ParamGroup(std::vector<Tensor> params, const OptimizerOptions& options);
  ParamGroup(const ParamGroup& other);
  ParamGroup& operator=(const ParamGroup& other);
  ParamGroup(ParamGroup&&) noexcept = default;
  ParamGroup& operator=(ParamGroup&&) noexcept = default;

  std::vector<Tensor>& params() { return params_; }
  const std::vector<Tensor>& params() const { return params_; }
  bool has_options() const { return options_ != nullptr; }
  OptimizerOptions& options();
  const OptimizerOptions& options() const;
  // The options as the optimizer's own type: group.options_as<ember::optim::AdamOptions>().
  template <class O>
  O& options_as() {
    auto* o = dynamic_cast<O*>(&options());
    if (!o) throw Error(std::string("ParamGroup::options_as: the group's options belong to ") +
                        options().optimizer_name());
    return *o;
  }
  template <class O>
  const O& options_as() const {
    return const_cast<ParamGroup*>(this)->options_as<O>();
  }
  double lr() const { return options().lr(); }
  void set_lr(double lr) { options().set_lr(lr); }

 private:
  friend class Optimizer;
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
};

class Optimizer {
 public:
  using LossClosure = std::function<Tensor()>;

  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient (others are skipped), in place
  // and unrecorded. With a closure, first re-evaluates the loss with grad mode on and
  // returns it (otherwise returns an undefined tensor).
  virtual Tensor step(const LossClosure& closure = nullptr);
  // Drops (set_to_none) or zeroes every parameter's gradient.
  void zero_grad(bool set_to_none = true);

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  // Adds a group; options it leaves out come from defaults(). A parameter may belong
  // to only one group.
  void add_param_group(ParamGroup group);
  const OptimizerOptions& defaults() const { return *defaults_; }
  OptimizerOptions& defaults() { return *defaults_; }
  // Every parameter, group by group.
  std::vector<Tensor> parameters() const;
  const char* name() const { return defaults_->optimizer_name(); }

  // The state of one parameter, or nullptr before its first step.
  ParamState* state(const Tensor& param);

  // Flat keys following PyTorch's optimizer.state_dict():
  //   state.I.step (int64), state.I.exp_avg, ...  for parameter I (counted over all
  //                                                groups) that has state
  //   param_groups.G.lr (float64), .betas (1-D float64), .amsgrad (bool), ...,
  //   param_groups.G.params (1-D int64 parameter indices)
  // Like PyTorch, state tensors are the live buffers: clone them to keep a snapshot
  // while training goes on.
  StateDict state_dict() const;
  // Restores options and state from state_dict() output of the same optimizer type on
  // parameters of the same shapes. Checks everything before changing anything.
  void load_state_dict(const StateDict& state_dict);

 protected:
  Optimizer(std::vector<ParamGroup> groups, std::unique_ptr<OptimizerOptions> defaults);
  // Updates one group's parameters; runs under NoGradGuard.
  virtual void update(ParamGroup& group) = 0;
  // A fresh state for param (zeroed buffers, step 0).
  virtual std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const = 0;
  // The parameter's state, made on first use.
  template <class S>
  S& state_for(const Tensor& param, const OptimizerOptions& options) {
    std::unique_ptr<ParamState>& s = state_[param.unsafeGetTensorImpl()];
    if (!s) s = make_state(param, options);
    return static_cast<S&>(*s);
  }

 private:
  std::vector<ParamGroup> groups_;
  std::unique_ptr<OptimizerOptions> defaults_;
  std::unordered_map<const ember::detail::TensorImpl*, std::unique_ptr<ParamState>> state_;
};

}  // namespace optim
}  // namespace ember
