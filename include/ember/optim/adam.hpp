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
  // The count as a 0-dim float64 tensor, made when a step is traced
  // (ember::jit): a graph cannot follow a C++ integer, so the traced update computes the
  // bias corrections from this tensor and advances it. step_tensor_seen is the value it
  // had when `step` was last set from it or into it; a different value means replays of
  // a compiled step advanced it, and then it is the count.
  Tensor step_tensor;
  int64_t step_tensor_seen = 0;
  std::vector<std::pair<const char*, Tensor*>> tensors() override {
    return {{"exp_avg", &exp_avg}, {"exp_avg_sq", &exp_avg_sq}, {"max_exp_avg_sq", &max_exp_avg_sq}};
  }
  int64_t* step_count() override {
    sync_step();
    return &step;
  }
  // Takes the count from step_tensor when compiled steps advanced it.
  void sync_step();
};

// One Adam (decoupled: AdamW) update of one parameter, in place, as one op: param,
// exp_avg, exp_avg_sq (and max_exp_avg_sq with amsgrad) are updated and `step`, a 0-dim
// tensor holding the count, goes up by one; the bias corrections come from its value.
// It runs the same loop as Adam::step. A traced training step (ember::jit) records the
// optimizer's update as this op, so replays follow the count.
// reciprocal_bias_correction: multiply by 1 / sqrt(1 - beta2^step) instead of dividing by
// sqrt(1 - beta2^step), one division per element fewer (Adam is partly bound by the divider);
// each denominator is then within an ulp of Adam::step's, not always the same bits.
// jit::compile's training steps choose it (CompileOptions::fast_optimizer_math).
void adam_update_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq, Tensor& max_exp_avg_sq,
                  Tensor& step, double lr, double beta1, double beta2, double eps, double weight_decay, bool amsgrad,
                  bool maximize, bool decoupled, bool reciprocal_bias_correction = false);

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
