// Autograd controls: grad mode guards, autograd::grad, gradcheck.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ember/autograd/function.hpp"
#include "ember/ordered_dict.hpp"
#include "ember/tensor.hpp"

namespace ember {

// Whether ops record themselves for backward on this thread.
bool is_grad_enabled();
void set_grad_enabled(bool enabled);

// While alive, ops on this thread record nothing (torch::NoGradGuard).
class NoGradGuard {
 public:
  NoGradGuard() : prev_(is_grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// While alive, ops record again, even inside a NoGradGuard (torch::enable_grad).
class EnableGradGuard {
 public:
  EnableGradGuard() : prev_(is_grad_enabled()) { set_grad_enabled(true); }
  ~EnableGradGuard() { set_grad_enabled(prev_); }
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool prev_;
};

// While alive, grad mode is `enabled` on this thread; the previous mode comes back at
// the end of the scope (LibTorch's torch::AutoGradMode; AutoGradMode(false) is NoGradGuard).
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled) : prev_(is_grad_enabled()) { set_grad_enabled(enabled); }
  ~AutoGradMode() { set_grad_enabled(prev_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool prev_;
};

namespace autograd {

// LibTorch's name for a tensor seen by autograd; the same type as Tensor, as in LibTorch.
using Variable = Tensor;

// LibTorch's thread-local grad-mode switch: GradMode::is_enabled() / set_enabled(bool).
struct GradMode {
  static bool is_enabled() { return is_grad_enabled(); }
  static void set_enabled(bool enabled) { set_grad_enabled(enabled); }
};
using ember::AutoGradMode;

// A new leaf sharing data's storage, with no history, requiring grad when asked
// (LibTorch's torch::autograd::make_variable(data, requires_grad)).
inline Variable make_variable(const Tensor& data, bool requires_grad = false) {
  Tensor leaf = data.detach();
  if (requires_grad) leaf.set_requires_grad(true);
  return leaf;
}

// The gradients of sum_i <outputs[i], grad_outputs[i]> with respect to inputs, without
// touching any .grad(). An input that the outputs do not depend on gives an error,
// or an undefined tensor when allow_unused.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {},
                         std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                         bool allow_unused = false);

// Backward from several roots at once.
void backward(const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false);

// The recorded backward graph as Graphviz DOT text, as torchviz.make_dot draws it: one
// box per backward node named as PyTorch names it (AddmmBackward0, AccumulateGrad) with
// the shapes of the tensors it saved, the leaves in light blue labelled with their
// names from `params` (module.named_parameters()) and shapes, the outputs in olive
// green, edges from each node's inputs towards the outputs. `dot -Tsvg` draws it.
std::string to_dot(const std::vector<Tensor>& outputs, const OrderedDict<Tensor>& params = {});
std::string to_dot(const Tensor& output, const OrderedDict<Tensor>& params = {});

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
  // Also compare second derivatives (gradgradcheck).
  bool check_second_order = false;
  // Throw ember::Error describing the first mismatch instead of returning false.
  bool raise_exception = true;
};

// Compares the analytic gradients of fn at inputs with central finite differences, in
// float64 (the inputs are converted). Every floating input that requires grad is checked.
bool gradcheck(const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& fn,
               const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});
bool gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
               const GradcheckOptions& options = {});
// gradcheck of the first-order gradients themselves (second derivatives).
bool gradgradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
                   const GradcheckOptions& options = {});

// Anomaly detection (torch::autograd::DetectAnomalyGuard). While on, every recorded op
// keeps where it was created (the user's file and line, and the nn::Module path), a
// backward that produces NaN or Inf throws ember::Error naming the op, the output, the
// shapes and the creation site, and errors in backward (such as a saved tensor changed in
// place) name the sites involved. Off, it costs nothing measurable. The setting is
// global, as in PyTorch. check_nan=false keeps the sites but skips the NaN/Inf check.
void set_detect_anomaly(bool enabled, bool check_nan = true);
bool is_anomaly_enabled();
bool is_anomaly_check_nan_enabled();

// Turns anomaly detection on for a scope and restores the previous setting after.
class DetectAnomalyGuard {
 public:
  explicit DetectAnomalyGuard(bool check_nan = true)
      : prev_enabled_(is_anomaly_enabled()), prev_check_nan_(is_anomaly_check_nan_enabled()) {
    set_detect_anomaly(true, check_nan);
  }
  ~DetectAnomalyGuard() { set_detect_anomaly(prev_enabled_, prev_check_nan_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_enabled_;
  bool prev_check_nan_;
};

namespace internal {
// The module path stack that anomaly detection reports (pushed by nn::ModuleHolder).
const void* current_module_key();
std::string current_module_path();
void push_module_path(const void* key, std::string path);
void pop_module_path();
}  // namespace internal

}  // namespace autograd
}  // namespace ember
