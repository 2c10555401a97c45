// Adam and AdamW (torch.optim.Adam, torch.optim.AdamW), with amsgrad and maximize.
#pragma once
#include "ember/optim/optimizer.hpp"

namespace ember {
namespace optim {

// The options Adam and AdamW share; Self is the concrete type the setters return.
template <class Self>
class AdamFamilyOptions : public OptimizerOptions {
 public:
  std::unique_ptr<OptimizerOptions> clone() const override {
    return std::make_unique<Self>(static_cast<const Self&>(*this));
  }
  void visit(OptionVisitor& v) override {
    v("lr", lr_);
    v("betas", betas_);
    v("eps", eps_);
    v("weight_decay", weight_decay_);
    v("amsgrad", amsgrad_);
    v("maximize", maximize_);
  }
  void validate() const override;

  using OptimizerOptions::lr;
  Self& lr(double v) { lr_ = v; return self(); }
  const Betas& betas() const { return betas_.get(); }
  Self& betas(const Betas& v) { betas_ = v; return self(); }
  double eps() const { return eps_.get(); }
  Self& eps(double v) { eps_ = v; return self(); }
  double weight_decay() const { return weight_decay_.get(); }
  Self& weight_decay(double v) { weight_decay_ = v; return self(); }
  bool amsgrad() const { return amsgrad_.get(); }
  Self& amsgrad(bool v) { amsgrad_ = v; return self(); }
  bool maximize() const { return maximize_.get(); }
  Self& maximize(bool v) { maximize_ = v; return self(); }

 protected:
  // lr is "given" only when passed explicitly, so a group's AdamOptions() takes the
  // optimizer's lr.
  AdamFamilyOptions(double default_lr, bool lr_given, double default_weight_decay)
      : OptimizerOptions(default_lr), weight_decay_(default_weight_decay) {
    if (lr_given) lr_ = default_lr;
  }

 private:
  Self& self() { return static_cast<Self&>(*this); }
  Option<Betas> betas_{Betas(0.9, 0.999)};
  Option<double> eps_{1e-8};
  Option<double> weight_decay_;
  Option<bool> amsgrad_{false};
  Option<bool> maximize_{false};
};

class AdamOptions : public AdamFamilyOptions<AdamOptions> {
 public:
  AdamOptions() : AdamFamilyOptions(1e-3, false, 0.0) {}
  explicit AdamOptions(double lr) : AdamFamilyOptions(lr, true, 0.0) {}
  const char* optimizer_name() const override { return "Adam"; }
};

// AdamW's weight decay is decoupled (param *= 1 - lr * weight_decay) and defaults to 1e-2.
class AdamWOptions : public AdamFamilyOptions<AdamWOptions> {
 public:
  AdamWOptions() : AdamFamilyOptions(1e-3, false, 1e-2) {}
  explicit AdamWOptions(double lr) : AdamFamilyOptions(lr, true, 1e-2) {}
  const char* optimizer_name() const override { return "AdamW"; }
};

struct AdamParamState : ParamState {
  int64_t step = 0;
  Tensor exp_avg;
  Tensor exp_avg_sq;
  Tensor max_exp_avg_sq;  // only with amsgrad
  std::vector<std::pair<const char*, Tensor*>> tensors() override {
    return {{"exp_avg", &exp_avg}, {"exp_avg_sq", &exp_avg_sq}, {"max_exp_avg_sq", &max_exp_avg_sq}};
  }
  int64_t* step_count() override { return &step; }
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& defaults = AdamOptions());
  Adam(std::vector<ParamGroup> groups, const AdamOptions& defaults = AdamOptions());

 protected:
  void update(ParamGroup& group) override;
  std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const override;
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& defaults = AdamWOptions());
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& defaults = AdamWOptions());

 protected:
  void update(ParamGroup& group) override;
  std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const override;
};

}  // namespace optim
}  // namespace ember
