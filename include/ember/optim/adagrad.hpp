// Adagrad (torch.optim.Adagrad).
#pragma once
#include "ember/optim/optimizer.hpp"

namespace ember {
namespace optim {

class AdagradOptions : public OptimizerOptions {
 public:
  AdagradOptions() : OptimizerOptions(1e-2) {}
  explicit AdagradOptions(double lr) : OptimizerOptions(lr) { lr_ = lr; }
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdagradOptions>(*this); }
  const char* optimizer_name() const override { return "Adagrad"; }
  void visit(OptionVisitor& v) override;
  void validate() const override;

  using OptimizerOptions::lr;
  AdagradOptions& lr(double v) { lr_ = v; return *this; }
  double lr_decay() const { return lr_decay_.get(); }
  AdagradOptions& lr_decay(double v) { lr_decay_ = v; return *this; }
  double weight_decay() const { return weight_decay_.get(); }
  AdagradOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  double initial_accumulator_value() const { return initial_accumulator_value_.get(); }
  AdagradOptions& initial_accumulator_value(double v) { initial_accumulator_value_ = v; return *this; }
  double eps() const { return eps_.get(); }
  AdagradOptions& eps(double v) { eps_ = v; return *this; }
  bool maximize() const { return maximize_.get(); }
  AdagradOptions& maximize(bool v) { maximize_ = v; return *this; }

 private:
  Option<double> lr_decay_{0.0};
  Option<double> weight_decay_{0.0};
  Option<double> initial_accumulator_value_{0.0};
  Option<double> eps_{1e-10};
  Option<bool> maximize_{false};
};

struct AdagradParamState : ParamState {
  int64_t step = 0;
  Tensor sum;
  std::vector<std::pair<const char*, Tensor*>> tensors() override { return {{"sum", &sum}}; }
  int64_t* step_count() override { return &step; }
};

// As in PyTorch, every parameter's state (sum = initial_accumulator_value) exists from
// construction on.
class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, const AdagradOptions& defaults = AdagradOptions());
  Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& defaults = AdagradOptions());

 protected:
  void update(ParamGroup& group) override;
  std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const override;

 private:
  void init_state();
};

}  // namespace optim
}  // namespace ember
