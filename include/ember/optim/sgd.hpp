// SGD with momentum, dampening, weight decay and Nesterov momentum (torch.optim.SGD).
#pragma once
#include "ember/optim/optimizer.hpp"

namespace ember {
namespace optim {

class SGDOptions : public OptimizerOptions {
 public:
  // Without an lr, as PyTorch's lr=required: every parameter group must then give one.
  SGDOptions();
  explicit SGDOptions(double lr);
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<SGDOptions>(*this); }
  const char* optimizer_name() const override { return "SGD"; }
  void visit(OptionVisitor& v) override;
  void validate() const override;

  using OptimizerOptions::lr;
  SGDOptions& lr(double v) { lr_ = v; return *this; }
  double momentum() const { return momentum_.get(); }
  SGDOptions& momentum(double v) { momentum_ = v; return *this; }
  double dampening() const { return dampening_.get(); }
  SGDOptions& dampening(double v) { dampening_ = v; return *this; }
  double weight_decay() const { return weight_decay_.get(); }
  SGDOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  bool nesterov() const { return nesterov_.get(); }
  SGDOptions& nesterov(bool v) { nesterov_ = v; return *this; }
  bool maximize() const { return maximize_.get(); }
  SGDOptions& maximize(bool v) { maximize_ = v; return *this; }

 private:
  Option<double> momentum_{0.0};
  Option<double> dampening_{0.0};
  Option<double> weight_decay_{0.0};
  Option<bool> nesterov_{false};
  Option<bool> maximize_{false};
};

struct SGDParamState : ParamState {
  Tensor momentum_buffer;  // made on the first step with momentum != 0
  std::vector<std::pair<const char*, Tensor*>> tensors() override { return {{"momentum_buffer", &momentum_buffer}}; }
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& defaults);
  SGD(std::vector<ParamGroup> groups, const SGDOptions& defaults = SGDOptions());

 protected:
  void update(ParamGroup& group) override;
  std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const override;
};

}  // namespace optim
}  // namespace ember
