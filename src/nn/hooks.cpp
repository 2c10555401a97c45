// Module hooks (PyTorch's register_forward_pre_hook, register_forward_hook and
// register_full_backward_hook). The backward hook follows PyTorch's BackwardHook: the
// module's input and output pass through identity views whose gradient hooks see
// grad_output first, then grad_input, and the user's hook runs once grad_input is known.
#include <map>

#include "ember/autograd.hpp"
#include "ember/nn/module.hpp"

namespace ember {
namespace nn {

namespace detail {
struct ModuleHooks {
  uint64_t next_id = 1;
  std::map<uint64_t, ForwardPreHook> pre;  // by id: registration order
  std::map<uint64_t, ForwardHook> forward;
  std::map<uint64_t, BackwardHook> backward;
  bool empty() const { return pre.empty() && forward.empty() && backward.empty(); }
};

void throw_hooks_need_one_tensor(const Module& m) {
  throw Error(m.type_name() + ": module hooks need a module called with one tensor that returns one tensor");
}
}  // namespace detail

void RemovableHandle::remove() {
  if (auto hooks = hooks_.lock()) {
    hooks->pre.erase(id_);
    hooks->forward.erase(id_);
    hooks->backward.erase(id_);
  }
}

detail::ModuleHooks& Module::hooks() {
  if (!hooks_) hooks_ = std::make_shared<detail::ModuleHooks>();
  return *hooks_;
}

RemovableHandle Module::add_hook(int, ForwardPreHook hook) {
  uint64_t id = hooks().next_id++;
  hooks_->pre.emplace(id, std::move(hook));
  return RemovableHandle(hooks_, id);
}
RemovableHandle Module::add_hook(int, ForwardHook hook) {
  uint64_t id = hooks().next_id++;
  hooks_->forward.emplace(id, std::move(hook));
  return RemovableHandle(hooks_, id);
}
RemovableHandle Module::add_hook(int, BackwardHook hook) {
  uint64_t id = hooks().next_id++;
  hooks_->backward.emplace(id, std::move(hook));
  return RemovableHandle(hooks_, id);
}

bool Module::any_hook() const { return !hooks_->empty(); }

Tensor Module::call(const Tensor& input) {
  if (!has_hooks()) {
    detail::ModuleCallScope scope(*this);
    return forward(input);
  }
  return call_with_hooks(input, [this](const Tensor& x) { return forward(x); });
}

namespace {
// Runs the backward hooks with grad_input and the grad_output kept from the output's
// hook; the last defined replacement wins, as the hooks run in registration order.
Tensor run_backward_hooks(Module& module, const std::map<uint64_t, BackwardHook>& hooks, const Tensor& grad_input,
                          const Tensor& grad_output) {
  std::vector<Tensor> current{grad_input};
  for (const auto& item : hooks) {
    std::vector<Tensor> replaced = item.second(module, current, {grad_output});
    if (replaced.empty()) continue;
    if (replaced.size() != 1)
      throw Error(module.type_name() + ": a backward hook returned " + std::to_string(replaced.size()) +
                  " gradients for a module with 1 input");
    if (replaced[0].defined()) current = replaced;
  }
  return current[0];
}
}  // namespace

Tensor Module::call_with_hooks(const Tensor& input, const std::function<Tensor(const Tensor&)>& run_forward) {
  // Copies, so that a hook removing itself (or another) does not disturb this call.
  std::shared_ptr<detail::ModuleHooks> hooks = hooks_;
  auto pre = hooks->pre;
  auto post = hooks->forward;
  auto backward = hooks->backward;

  Tensor x = input;
  for (const auto& item : pre) {
    Tensor replaced = item.second(*this, x);
    if (replaced.defined()) x = replaced;
  }
  const bool hook_backward = !backward.empty() && is_grad_enabled();
  // The grad_output seen by the output's hook, for the hook on the input.
  auto grad_output = std::make_shared<Tensor>();
  if (hook_backward && x.requires_grad()) {
    x = x.view(x.sizes());  // an identity node at the module's input boundary
    x.register_hook([this, backward, grad_output](const Tensor& g) {
      return run_backward_hooks(*this, backward, g, *grad_output);
    });
  }
  Tensor out;
  {
    detail::ModuleCallScope scope(*this);
    out = run_forward(x);
  }
  for (const auto& item : post) {
    Tensor replaced = item.second(*this, input, out);
    if (replaced.defined()) out = replaced;
  }
  if (hook_backward && out.requires_grad()) {
    out = out.view(out.sizes());
    bool input_has_grad = x.requires_grad();
    out.register_hook([this, backward, grad_output, input_has_grad](const Tensor& g) {
      *grad_output = g;
      // Without an input that needs a gradient the hooks run here, with grad_input undefined.
      if (!input_has_grad) run_backward_hooks(*this, backward, Tensor(), g);
    });
  }
  return out;
}

}  // namespace nn
}  // namespace ember
