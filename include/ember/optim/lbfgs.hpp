// L-BFGS (torch.optim.LBFGS): a quasi-Newton method that keeps the last history_size
// curvature pairs. step(closure) is required: the closure clears the gradients,
// computes the loss, calls backward() and returns the loss; step may call it up to
// max_eval times. One parameter group only, as in PyTorch.
//
//   optim::LBFGS lbfgs(model->parameters(), optim::LBFGSOptions(1).max_iter(20));
//   lbfgs.step([&] { lbfgs.zero_grad(); Tensor loss = f(); loss.backward(); return loss; });
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ember/optim/optimizer.hpp"

namespace ember {
namespace optim {

class LBFGSOptions : public OptimizerOptions {
 public:
  explicit LBFGSOptions(double lr = 1.0);
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<LBFGSOptions>(*this); }
  const char* optimizer_name() const override { return "LBFGS"; }
  void visit(OptionVisitor& v) override;
  void validate() const override;

  using OptimizerOptions::lr;
  LBFGSOptions& lr(double v) { lr_ = v; return *this; }
  int64_t max_iter() const { return static_cast<int64_t>(max_iter_.get()); }
  LBFGSOptions& max_iter(int64_t v) { max_iter_ = static_cast<double>(v); return *this; }
  // Default: max_iter * 5 / 4.
  int64_t max_eval() const;
  LBFGSOptions& max_eval(int64_t v) { max_eval_ = static_cast<double>(v); return *this; }
  double tolerance_grad() const { return tolerance_grad_.get(); }
  LBFGSOptions& tolerance_grad(double v) { tolerance_grad_ = v; return *this; }
  double tolerance_change() const { return tolerance_change_.get(); }
  LBFGSOptions& tolerance_change(double v) { tolerance_change_ = v; return *this; }
  int64_t history_size() const { return static_cast<int64_t>(history_size_.get()); }
  LBFGSOptions& history_size(int64_t v) { history_size_ = static_cast<double>(v); return *this; }
  // "strong_wolfe" or none (a fixed step of lr).
  const std::optional<std::string>& line_search_fn() const { return line_search_fn_; }
  LBFGSOptions& line_search_fn(std::optional<std::string> v) { line_search_fn_ = std::move(v); return *this; }

 private:
  Option<double> max_iter_{20};
  Option<double> max_eval_{-1};  // -1: max_iter * 5 / 4
  Option<double> tolerance_grad_{1e-7};
  Option<double> tolerance_change_{1e-9};
  Option<double> history_size_{100};
  std::optional<std::string> line_search_fn_;
};

// The state kept on the first parameter, as PyTorch does. state_dict() holds the last
// direction, the previous gradient and the counters; the curvature history is kept in
// memory only.
struct LBFGSParamState : ParamState {
  Tensor d, prev_flat_grad;
  double t = 0, prev_loss = 0, H_diag = 1;
  int64_t func_evals = 0, n_iter = 0;
  std::vector<Tensor> old_dirs, old_stps;
  std::vector<double> ro;
  std::vector<std::pair<const char*, Tensor*>> tensors() override {
    return {{"d", &d}, {"prev_flat_grad", &prev_flat_grad}};
  }
  int64_t* step_count() override { return &n_iter; }
};

class LBFGS : public Optimizer {
 public:
  LBFGS(std::vector<Tensor> params, const LBFGSOptions& defaults = LBFGSOptions());
  LBFGS(std::vector<ParamGroup> groups, const LBFGSOptions& defaults = LBFGSOptions());
  // Runs up to max_iter iterations; returns the loss of the first closure call. An
  // empty closure is an ember::Error.
  Tensor step(const LossClosure& closure) override;

 protected:
  void update(ParamGroup& group) override;  // unused: step does the work
  std::unique_ptr<ParamState> make_state(const Tensor& param, const OptimizerOptions& options) const override;

 private:
  Tensor gather_flat_grad();
  void add_to_params(double step_size, const Tensor& direction);
  // Strong-Wolfe line search from the current parameters along d; returns the new loss,
  // the new flat gradient, the step and the number of closure calls.
  std::tuple<double, Tensor, double, int64_t> strong_wolfe(const LossClosure& closure, double loss,
                                                           const Tensor& flat_grad, double t, const Tensor& d,
                                                           double gtd, double tolerance_change, int64_t max_ls);
  double loss_and_grad_at(const LossClosure& closure, const std::vector<Tensor>& start, double t, const Tensor& d,
                          Tensor& grad);
};

}  // namespace optim
}  // namespace ember
