// The autograd methods of Tensor.
#include <algorithm>
#include "autograd/node.hpp"
#include "ember/autograd.hpp"
#include "ember/functions.hpp"
#include "src/core/autograd_hooks.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/shape.hpp"

namespace ember {
using autograd::AutogradMeta;
using autograd::meta_of;

namespace {
std::atomic<unsigned> g_hook_ids{1};
// The core reaches autograd only through these (see src/core/autograd_hooks.hpp).
[[maybe_unused]] const bool g_hooks_installed = [] {
  auto& h = detail::autograd_hooks();
  h.delete_meta = [](AutogradMeta* m) { delete m; };
  h.set_requires_grad = [](Tensor& t, bool r) { t.requires_grad_(r); };
  h.grad_fn_name = [](const Tensor& t) {
    auto fn = t.grad_fn();
    return fn ? fn->name() : std::string();
  };
  h.requires_grad = [](const Tensor& t) { return t.requires_grad(); };
  return true;
}();

// Keeps what reaches the node for the tensor in *slot (adding to what is there).
autograd::Hook retain_grad_hook(std::weak_ptr<Tensor> slot) {
  return [slot](const Tensor& g) {
    if (auto s = slot.lock()) *s = s->defined() ? *s + g : g.detach().clone();
    return Tensor();
  };
}

const Tensor& undefined_tensor() {
  static const Tensor t;
  return t;
}
}  // namespace

bool Tensor::requires_grad() const { return defined() && autograd::requires_grad(*this); }

Tensor& Tensor::requires_grad_(bool r) {
  detail::check_defined(*this, "requires_grad_");
  AutogradMeta* m = autograd_meta();
  if (m && m->grad_fn) {
    EMBER_CHECK(r, "requires_grad_: can only change the flag of leaf tensors; this tensor of shape {} was made by "
                   "{} (use detach() for a tensor that does not require grad)",
                sizes(), m->grad_fn->name());
    return *this;
  }
  EMBER_CHECK(!r || is_floating_point(), "requires_grad_: only Tensors of floating point dtype can require gradients, "
                                         "got a {} tensor of shape {}",
              dtype(), sizes());
  if (!r && !m) return *this;
  meta_of(*this).requires_grad = r;
  return *this;
}

bool Tensor::is_leaf() const {
  AutogradMeta* m = autograd_meta();
  return !m || !m->grad_fn;
}

const Tensor& Tensor::grad() const {
  detail::check_defined(*this, "grad");
  AutogradMeta* m = autograd_meta();
  if (!m) return undefined_tensor();
  if (m->retained_grad) return *m->retained_grad;
  return m->grad;
}

Tensor& Tensor::mutable_grad() {
  detail::check_defined(*this, "mutable_grad");
  return meta_of(*this).grad;
}

void Tensor::zero_grad(bool set_to_none) {
  AutogradMeta* m = autograd_meta();
  if (!m || !m->grad.defined()) return;
  if (set_to_none) {
    m->grad = Tensor();
  } else {
    NoGradGuard guard;
    m->grad = m->grad.detach();
    m->grad.zero_();
  }
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph) const {
  detail::check_defined(*this, "backward");
  autograd::backward({*this}, gradient.defined() ? std::vector<Tensor>{gradient} : std::vector<Tensor>{},
                     retain_graph, create_graph);
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph,
                      const std::vector<Tensor>& inputs) const {
  detail::check_defined(*this, "backward");
  // As PyTorch and LibTorch: a list given and empty is a mistake, not "every leaf".
  EMBER_CHECK(!inputs.empty(),
              "backward: 'inputs' argument to backward() cannot be empty. (output of shape {}; leave inputs out to "
              "accumulate into every leaf)",
              sizes());
  // Accumulate only into the given inputs.
  std::vector<Tensor> grads = autograd::grad({*this}, inputs, gradient.defined() ? std::vector<Tensor>{gradient}
                                                                                  : std::vector<Tensor>{},
                                             retain_graph, create_graph, true);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!grads[i].defined()) continue;
    autograd::AutogradMeta& m = meta_of(inputs[i]);
    std::lock_guard<autograd::SpinLock> lock(m.grad_lock);  // as AccumulateGrad does
    Tensor& g = m.grad;
    g = g.defined() ? (create_graph ? g + grads[i] : g.add_(grads[i])) : grads[i];
  }
}

void Tensor::retain_grad() const {
  detail::check_defined(*this, "retain_grad");
  EMBER_CHECK(requires_grad(), "retain_grad: the tensor of shape {} does not require grad", sizes());
  AutogradMeta& m = meta_of(*this);
  if (!m.grad_fn || m.retained_grad) return;  // leaves keep their grad anyway
  m.retained_grad = std::make_shared<Tensor>();
  // An id of its own, so that rebase_history finds this tensor's hook and no other.
  m.retain_grad_hook_id = g_hook_ids.fetch_add(1);
  m.grad_fn->pre_hooks.push_back({m.output_nr, {m.retain_grad_hook_id, retain_grad_hook(m.retained_grad)}});
}

namespace autograd {

void rebase_history(AutogradMeta& m, std::shared_ptr<Node> fn, uint32_t output_nr) {
  if (m.retained_grad && m.grad_fn) {
    // The old version's node no longer fills the retained grad; the new one does.
    auto& pre = m.grad_fn->pre_hooks;
    pre.erase(std::remove_if(pre.begin(), pre.end(), [&](auto& h) { return h.second.first == m.retain_grad_hook_id; }),
              pre.end());
    if (fn) fn->pre_hooks.push_back({output_nr, {m.retain_grad_hook_id, retain_grad_hook(m.retained_grad)}});
  }
  m.grad_fn = std::move(fn);
  m.output_nr = output_nr;
}

}  // namespace autograd

bool Tensor::retains_grad() const {
  AutogradMeta* m = autograd_meta();
  return m && m->retained_grad;
}

unsigned Tensor::register_grad_hook(std::function<Tensor(const Tensor&)> hook) const {
  detail::check_defined(*this, "register_hook");
  EMBER_CHECK(requires_grad(), "register_hook: cannot register a hook on a tensor of shape {} that does not "
                               "require grad",
              sizes());
  unsigned id = g_hook_ids.fetch_add(1);
  AutogradMeta& m = meta_of(*this);
  m.hook_ids.push_back(id);
  if (m.grad_fn)
    m.grad_fn->pre_hooks.push_back({m.output_nr, {id, std::move(hook)}});
  else
    m.leaf_hooks.push_back({id, std::move(hook)});
  return id;
}

// A handle this tensor never gave out is a mistake (LibTorch: "Invalid index"); removing
// one of its own handles twice does nothing, as in LibTorch.
void Tensor::remove_hook(unsigned handle) const {
  detail::check_defined(*this, "remove_hook");
  AutogradMeta* m = autograd_meta();
  const bool own = m && std::find(m->hook_ids.begin(), m->hook_ids.end(), handle) != m->hook_ids.end();
  EMBER_CHECK(own, "remove_hook: Invalid index: the tensor of shape {} has no hook with handle {}", sizes(), handle);
  auto& leaf = m->leaf_hooks;
  leaf.erase(std::remove_if(leaf.begin(), leaf.end(), [&](auto& h) { return h.first == handle; }), leaf.end());
  if (m->grad_fn) {
    auto& pre = m->grad_fn->pre_hooks;
    pre.erase(std::remove_if(pre.begin(), pre.end(), [&](auto& h) { return h.second.first == handle; }), pre.end());
  }
}

std::shared_ptr<autograd::Node> Tensor::grad_fn() const {
  AutogradMeta* m = autograd_meta();
  return m ? m->grad_fn : nullptr;
}

uint32_t Tensor::output_nr() const {
  AutogradMeta* m = autograd_meta();
  return m ? m->output_nr : 0;
}

Tensor Tensor::detach() const {
  detail::check_defined(*this, "detach");
  return detail::make_view(*this, sizes().shape(), strides().shape(), storage_offset());
}

Tensor& Tensor::detach_() {
  detail::check_defined(*this, "detach_");
  AutogradMeta* m = autograd_meta();
  if (m) {
    m->grad_fn.reset();
    m->requires_grad = false;
    m->is_view = false;
  }
  return *this;
}

}  // namespace ember
