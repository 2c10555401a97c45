// The one helper every differentiable op uses to record itself:
//
//   Tensor tanh(const Tensor& x) {
//     Tensor y = kernels::tanh(x);
//     if (needs_grad(x))
//       record("tanh", {x}, {&y}, {save_output(y)},
//              [](const Grads& g, Ctx& c) { return Grads{g[0] * (1 - c.saved(0).square())}; });
//     return y;
//   }
//
// The backward lambda sits beside the forward call and is written with ember's own
// differentiable ops, so create_graph gives higher-order gradients for free. A gradient
// it returns for a broadcast input may keep the broadcast shape: the node sums it back
// to the input's shape (sum_to) and casts it to the input's dtype.
#pragma once
#include <initializer_list>
#include <utility>

#include "autograd/node.hpp"

namespace ember {
namespace autograd {

using Grads = TensorList;

// What a backward lambda sees besides the incoming gradients.
class Ctx {
 public:
  Ctx(Node* node, uint64_t needs, uint64_t got = ~uint64_t(0)) : node_(node), needs_(needs), got_(got) {}
  // Saved tensor i, version-checked.
  Tensor saved(std::size_t i) { return node_->unpack(i); }
  // Whether input i needs a gradient at all (skip computing the others).
  // Inputs past the 64th are always reported as needing a gradient.
  bool needs(std::size_t i) const { return i >= 64 || ((needs_ >> i) & 1); }
  // Whether output i received a gradient (the node fills the others with zeros). A
  // formula that divides by something that may vanish (eigenvalue gaps, singular
  // values) skips the terms of outputs nobody used, as PyTorch's undefined gradients do.
  bool got(std::size_t i) const { return i >= 64 || ((got_ >> i) & 1); }

 private:
  Node* node_;
  uint64_t needs_;
  uint64_t got_;
};

struct InputMeta {
  Shape sizes;
  Dtype dtype;
};

// Sums g over the dims that broadcasting added or expanded, giving shape `sizes`.
Tensor sum_to(const Tensor& g, IntArrayRef sizes);

namespace detail {
struct FunctionNodeBase : Node {
  const char* op_name;
  CachedVector<InputMeta> inputs;
  CachedVector<InputMeta> outputs;  // kept only for multi-output ops (to fill zeros)
  uint64_t needs = 0;
  const char* name() const override { return op_name; }
  TensorList apply(TensorList&& grads) override;
  virtual TensorList call(const TensorList& grads, Ctx& ctx) = 0;
};

template <class F>
struct FunctionNode final : FunctionNodeBase {
  F fn;
  explicit FunctionNode(F f) : fn(std::move(f)) {}
  TensorList call(const TensorList& grads, Ctx& ctx) override { return fn(grads, ctx); }
};

void attach(FunctionNodeBase* node, std::shared_ptr<Node> shared, std::initializer_list<Tensor> inputs,
            std::initializer_list<Tensor*> outputs, SavedList&& saved, bool outputs_are_views);
void attach(FunctionNodeBase* node, std::shared_ptr<Node> shared, const std::vector<Tensor>& inputs,
            const std::vector<Tensor*>& outputs, SavedList&& saved, bool outputs_are_views);
}  // namespace detail

// Whether an op on these inputs must record itself.
// Called by view ops that record nothing: marks view as a no-grad view (AutogradMeta's
// no_grad_view) when grad mode is off and base requires grad.
void note_no_grad_view(const Tensor& base, Tensor& view);

template <class... Ts>
inline bool needs_grad(const Ts&... ts) {
  return grad_mode_enabled() && (requires_grad(ts) || ...);
}
inline bool needs_grad_list(const std::vector<Tensor>& ts) {
  if (!grad_mode_enabled()) return false;
  for (const Tensor& t : ts)
    if (t.defined() && requires_grad(t)) return true;
  return false;
}

namespace detail {
template <class F, class Inputs, class Outputs, class Saved>
void record_impl(const char* name, const Inputs& inputs, const Outputs& outputs, const Saved& saved, F&& fn,
                 bool views) {
  auto node = std::allocate_shared<FunctionNode<std::decay_t<F>>>(ember::detail::CachedAllocator<char>(),
                                                                   std::forward<F>(fn));
  node->op_name = name;
  auto* raw = node.get();
  attach(raw, std::move(node), inputs, outputs, SavedList(saved.begin(), saved.end()), views);
}
}  // namespace detail

// `saved` is a braced list ({save(a), save_output(y)}) or a std::vector<SavedTensor>.
template <class F>
void record(const char* name, std::initializer_list<Tensor> inputs, std::initializer_list<Tensor*> outputs,
            std::initializer_list<SavedTensor> saved, F&& fn) {
  detail::record_impl(name, inputs, outputs, saved, std::forward<F>(fn), false);
}
template <class F>
void record(const char* name, std::initializer_list<Tensor> inputs, std::initializer_list<Tensor*> outputs,
            const std::vector<SavedTensor>& saved, F&& fn) {
  detail::record_impl(name, inputs, outputs, saved, std::forward<F>(fn), false);
}
template <class F>
void record(const char* name, const std::vector<Tensor>& inputs, const std::vector<Tensor*>& outputs,
            std::initializer_list<SavedTensor> saved, F&& fn) {
  detail::record_impl(name, inputs, outputs, saved, std::forward<F>(fn), false);
}
template <class F>
void record(const char* name, const std::vector<Tensor>& inputs, const std::vector<Tensor*>& outputs,
            const std::vector<SavedTensor>& saved, F&& fn) {
  detail::record_impl(name, inputs, outputs, saved, std::forward<F>(fn), false);
}

// For view ops: the outputs share storage with the input, so in-place ops on them are
// refused while autograd tracks them.
template <class F>
void record_view(const char* name, const Tensor& input, Tensor* output, std::initializer_list<SavedTensor> saved,
                 F&& fn) {
  detail::record_impl(name, std::initializer_list<Tensor>{input}, std::initializer_list<Tensor*>{output}, saved,
                      std::forward<F>(fn), true);
}
template <class F>
void record_view(const char* name, const Tensor& input, Tensor* output, const std::vector<SavedTensor>& saved,
                 F&& fn) {
  detail::record_impl(name, std::initializer_list<Tensor>{input}, std::initializer_list<Tensor*>{output}, saved,
                      std::forward<F>(fn), true);
}

}  // namespace autograd
}  // namespace ember
