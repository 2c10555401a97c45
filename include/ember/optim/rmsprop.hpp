// RMSprop with momentum and the centered variant (torch.optim.RMSprop).
#pragma once
#include "ember/optim/optimizer.hpp"

namespace ember {
namespace optim {

class RMSpropOptions : public OptimizerOptions {
 public:
  RMSpropOptions() : OptimizerOptions(1e-2) {}
  explicit RMSpropOptions(double lr) : OptimizerOptions(lr) { lr_ = lr; }
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<RMSpropOptions>(*this); }
  const char* optimizer_name() const override { return "RMSprop"; }
  void visit(OptionVisitor& v) override;
  void validate() const override;

  using OptimizerOptions::lr;
  RMSpropOptions& lr(double v) { lr_ = v; return *this; }
  double alpha() const { return alpha_.get(); }
  RMSpropOptions& alpha(double v) { alpha_ = v; return *this; }
  double eps() const { return eps_.get(); }
  RMSpropOptions& eps(double v) { eps_ = v; return *this; }
  double weight_decay() const { return weight_decay_.get(); }
  RMSpropOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  double momentum() const { return momentum_.get(); }
  RMSpropOptions& momentum(double v) { momentum_ = v; return *this; }
  bool centered() const { return centered_.get(); }
  RMSpropOptions& centered(bool v) { centered_ = v; return *this; }
  bool maximize() const { return maximize_.get(); }
  RMSpropOptions& maximize(bool v) { maximize_ = v; return *this; }

 private:
  Option<double> alpha_{0.99};
  Option<double> eps_{1e-8};
  Option<double> weight_decay_{0.0};
  Option<double> momentum_{0.0};
  Option<bool> centered_{false};
  Option<bool> maximize_{false};
};

struct RMSpropParamState : ParamState {
  int64_t step = 0;
  Tensor square_avg;
  Tensor momentum_buffer;  // only with momentum > 0
  Tensor grad_avg;         // only when centered
  std::vector<std::pair<const char*, Tensor*>> tensors() override {
    return {{"square_avg", &square_avg}, {"momentum_buffer", &momentum_buffer}, {"grad_avg", &grad_avg}};
  }
  int64_t* step_count() override { return &step; }
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, const RMSpropOptions& defaults = RMSpropOptions());
  RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& defaults = RMSpropOptions());

 protected:
  void update(ParamGroup& group) override;
  std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const override;
};

}  // namespace optim
}  // namespace ember
