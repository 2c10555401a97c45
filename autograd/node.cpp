#include "autograd/node.hpp"

#include "autograd/anomaly.hpp"
#include "autograd/record.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"

namespace ember {
namespace autograd {

namespace {
std::atomic<uint64_t> g_sequence{1};
std::atomic<int64_t> g_live_nodes{0};
}  // namespace

uint64_t next_sequence_nr() { return g_sequence.fetch_add(1, std::memory_order_relaxed); }
int64_t live_nodes() { return g_live_nodes.load(std::memory_order_relaxed); }

Node::Node() { g_live_nodes.fetch_add(1, std::memory_order_relaxed); }

// Destroys the graph behind this node without recursion: children whose last owner is
// this node are taken apart in a loop, so a 10,000-step unrolled RNN frees fine.
Node::~Node() {
  g_live_nodes.fetch_sub(1, std::memory_order_relaxed);
  std::vector<std::shared_ptr<Node>> stack;
  auto take = [&stack](Node& n) {
    for (Edge& e : n.next)
      if (e.fn) stack.push_back(std::move(e.fn));
    n.next.clear();
    for (SavedTensor& s : n.saved)
      if (s.grad_fn) stack.push_back(std::move(s.grad_fn));
  };
  take(*this);
  while (!stack.empty()) {
    std::shared_ptr<Node> n = std::move(stack.back());
    stack.pop_back();
    if (n.use_count() == 1) take(*n);
  }
}

void Node::release_saved() {
  if (!saved.empty()) {
    saved.clear();
    released = true;
  }
}

Tensor Node::unpack(std::size_t i) {
  EMBER_CHECK(!released,
              "backward: trying to backward through the graph a second time (the tensors {} saved for backward "
              "were freed after the first backward); pass retain_graph=true to the first backward",
              name());
  SavedTensor& s = saved[i];
  if (!s.data.defined()) return Tensor();
  uint32_t now = s.data._version();
  EMBER_CHECK(now == s.version,
              "backward: one of the tensors needed for gradient computation has been modified by an in-place "
              "operation: {} saved a tensor of shape {} at version {}, and it is now at version {}{}",
              name(), s.data.sizes(), s.version, now, version_error_note(*this, s.data));
  if (!grad_mode_enabled()) return s.data;
  // create_graph: hand out the saved tensor connected to its history.
  std::shared_ptr<Node> fn;
  if (s.is_output) {
    if (!s.output_requires_grad) return s.data;
    fn = s.owner.lock();
  } else {
    fn = s.grad_fn;
  }
  if (!fn) return s.data;
  Tensor alias = ember::detail::make_view(s.data, s.data.sizes().shape(), s.data.strides().shape(),
                                          s.data.storage_offset());
  AutogradMeta& m = meta_of(alias);
  m.grad_fn = std::move(fn);
  m.output_nr = s.output_nr;
  return alias;
}

AutogradMeta& meta_of(const Tensor& t) {
  auto* impl = t.unsafeGetTensorImpl();
  if (!impl->autograd) impl->autograd = new AutogradMeta();
  return *impl->autograd;
}

void note_no_grad_view(const Tensor& base, Tensor& view) {
  if (grad_mode_enabled() || !requires_grad(base) || !view.defined() || !is_floating_point(view.dtype())) return;
  meta_of(view).no_grad_view = true;
}

Edge gradient_edge(const Tensor& t) {
  AutogradMeta* m = t.autograd_meta();
  if (!m) return {};
  if (m->grad_fn) return {m->grad_fn, m->output_nr};
  if (!m->requires_grad) return {};
  // A leaf (a parameter, say) may be used by ops on several threads at once.
  std::lock_guard<SpinLock> lock(m->accumulator_lock);
  std::shared_ptr<Node> acc = m->grad_accumulator.lock();
  if (!acc) {
    acc = std::allocate_shared<AccumulateGrad>(ember::detail::CachedAllocator<char>(), t);
    m->grad_accumulator = acc;
  }
  return {std::move(acc), 0};
}

SavedTensor save(const Tensor& t) {
  SavedTensor s;
  if (!t.defined()) return s;
  s.version = t._version();
  AutogradMeta* m = t.autograd_meta();
  if (m && m->grad_fn) {
    // Keep the history apart from the data so the graph can be freed without recursion.
    s.data = ember::detail::make_view(t, t.sizes().shape(), t.strides().shape(), t.storage_offset());
    s.grad_fn = m->grad_fn;
    s.output_nr = m->output_nr;
  } else {
    s.data = t;
  }
  return s;
}

SavedTensor save_output(const Tensor& t) {
  SavedTensor s;
  s.is_output = true;
  s.version = t._version();
  s.data = ember::detail::make_view(t, t.sizes().shape(), t.strides().shape(), t.storage_offset());
  return s;
}

TensorList AccumulateGrad::apply(TensorList&& grads) {
  Tensor g = std::move(grads[0]);
  AutogradMeta& m = meta_of(variable);
  for (auto& h : m.leaf_hooks) {
    Tensor r = h.second(g);
    if (r.defined()) g = std::move(r);
  }
  if (!g.defined()) return {};
  // Backward calls on several threads may reach this leaf at once (as in PyTorch, their
  // gradients add up); the hooks above run outside the lock, since they may record ops
  // on this very leaf.
  std::lock_guard<SpinLock> lock(m.grad_lock);
  if (!m.grad.defined()) {
    if (grad_mode_enabled()) {
      m.grad = g;  // create_graph: keep the gradient's own history
    } else {
      // Steal the buffer when nobody else can see it; otherwise copy, so that later
      // in-place accumulation never writes into a tensor the user holds.
      auto* impl = g.unsafeGetTensorImpl();
      bool sole = impl->refs.load() == 1 && impl->storage->refs.load() == 1 && g.is_contiguous() &&
                  !requires_grad(g);
      m.grad = sole ? g : g.detach().clone();
    }
  } else if (grad_mode_enabled()) {
    m.grad = m.grad + g;
  } else {
    m.grad.add_(g);
  }
  return {};
}

Tensor sum_to(const Tensor& g, IntArrayRef sizes) {
  if (g.sizes().equals(sizes)) return g;
  int64_t lead = g.dim() - static_cast<int64_t>(sizes.size());
  EMBER_CHECK(lead >= 0, "sum_to: cannot reduce a gradient of shape {} to shape {}", g.sizes(), sizes);
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < lead; ++i) dims.push_back(i);
  for (std::size_t i = 0; i < sizes.size(); ++i)
    if (sizes[i] == 1 && g.size(lead + static_cast<int64_t>(i)) != 1) dims.push_back(lead + static_cast<int64_t>(i));
  Tensor r = dims.empty() ? g : ember::sum(g, dims, true);
  if (lead > 0 || !r.sizes().equals(sizes)) r = r.reshape(sizes);
  return r;
}

namespace detail {

TensorList FunctionNodeBase::apply(TensorList&& grads) {
  // Outputs that got no gradient contribute zeros; `got` remembers which did.
  uint64_t got = ~uint64_t(0);
  for (std::size_t i = 0; i < grads.size(); ++i)
    if (!grads[i].defined() && i < outputs.size()) {
      grads[i] = ember::zeros(outputs[i].sizes, outputs[i].dtype);
      if (i < 64) got &= ~(uint64_t(1) << i);
    }
  Ctx ctx(this, needs, got);
  TensorList out = call(grads, ctx);
  EMBER_CHECK(out.size() == inputs.size(), "backward of {}: returned {} gradients for {} inputs", op_name,
              out.size(), inputs.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    Tensor& g = out[i];
    if (!g.defined() || !next[i].fn) continue;
    const InputMeta& in = inputs[i];
    if (!g.sizes().equals(in.sizes)) g = sum_to(g, in.sizes);
    if (g.dtype() != in.dtype) g = g.to(in.dtype);
  }
  return out;
}

namespace {
template <class Inputs, class Outputs>
void attach_impl(FunctionNodeBase* node, std::shared_ptr<Node> shared, const Inputs& inputs, const Outputs& outputs,
                 SavedList&& saved, bool views) {
  node->seq = next_sequence_nr();
  node->num_outputs = static_cast<uint32_t>(outputs.size());
  node->next.reserve(inputs.size());
  node->inputs.reserve(inputs.size());
  uint64_t bit = 1;
  for (const Tensor& t : inputs) {
    if (t.defined()) {
      Edge e = gradient_edge(t);
      if (e.fn && is_floating_point(t.dtype()) && bit) node->needs |= bit;
      node->inputs.push_back({t.sizes().shape(), t.dtype()});
      node->next.push_back(std::move(e));
    } else {
      node->inputs.push_back({Shape(), Dtype::Float32});
      node->next.push_back({});
    }
    bit <<= 1;
  }
  if (outputs.size() > 1) {
    for (Tensor* o : outputs) node->outputs.push_back({o->sizes().shape(), o->dtype()});
  }
  node->saved = std::move(saved);
  for (SavedTensor& s : node->saved) {
    if (s.is_output) {
      s.owner = shared;
      // Find which output it is (by storage and offset); its grad must flow to that slot.
      uint32_t k = 0;
      for (Tensor* o : outputs) {
        if (o->is_alias_of(s.data) && o->storage_offset() == s.data.storage_offset()) {
          s.output_nr = k;
          s.output_requires_grad = is_floating_point(o->dtype());
          break;
        }
        ++k;
      }
    }
  }
  uint32_t k = 0;
  for (Tensor* o : outputs) {
    if (o->defined() && is_floating_point(o->dtype())) {
      AutogradMeta& m = meta_of(*o);
      m.grad_fn = shared;
      m.output_nr = k;
      m.is_view = views;
    }
    ++k;
  }
  note_creation(*node);
}
}  // namespace

void attach(FunctionNodeBase* node, std::shared_ptr<Node> shared, std::initializer_list<Tensor> inputs,
            std::initializer_list<Tensor*> outputs, SavedList&& saved, bool views) {
  attach_impl(node, std::move(shared), inputs, outputs, std::move(saved), views);
}
void attach(FunctionNodeBase* node, std::shared_ptr<Node> shared, const std::vector<Tensor>& inputs,
            const std::vector<Tensor*>& outputs, SavedList&& saved, bool views) {
  attach_impl(node, std::move(shared), inputs, outputs, std::move(saved), views);
}

}  // namespace detail
}  // namespace autograd


}  // namespace ember
