// Custom autograd functions (ember/autograd/function.hpp): the node that runs a user's
// static backward, the context it shares with forward, and how forward's outputs get
// their history (dirty inputs, non-differentiable outputs, outputs saved for backward).
#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>

#include "autograd/anomaly.hpp"
#include "autograd/inplace.hpp"
#include "autograd/node.hpp"
#include "autograd/record.hpp"
#include "ember/autograd.hpp"
#include "ember/autograd/function.hpp"
#include "ember/creation.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace autograd {

namespace {
std::string demangle(const char* mangled) {
  int status = 0;
  char* s = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = status == 0 && s ? s : mangled;
  std::free(s);
  return out;
}

bool same_tensor(const Tensor& a, const Tensor& b) {
  return a.defined() && a.unsafeGetTensorImpl() == b.unsafeGetTensorImpl();
}
bool contains(const variable_list& list, const Tensor& t) {
  return std::any_of(list.begin(), list.end(), [&](const Tensor& x) { return same_tensor(x, t); });
}

// Whether a tensor of shape `from` broadcasts to shape `to` (trailing dims equal or 1).
template <class A, class B>
bool expands_to(const A& from, const B& to) {
  const std::size_t nf = from.size(), nt = to.size();
  if (nf > nt) return false;
  for (std::size_t k = 0; k < nf; ++k) {
    const int64_t f = from[nf - 1 - k], t = to[nt - 1 - k];
    if (f != t && f != 1) return false;
  }
  return true;
}

// One call of a custom function. Its context lives inside it.
struct CustomNode final : Node {
  std::string fn_name;
  internal::BackwardFn backward = nullptr;
  AutogradContext ctx;
  CachedVector<InputMeta> inputs;
  CachedVector<InputMeta> outputs;  // what materialize_grads fills with zeros
  std::vector<bool> arg_is_tensor;  // per argument slot of forward (empty: tensors only)
  bool is_executable = false;       // grad mode was on and an input required grad

  const char* name() const override { return fn_name.c_str(); }
  TensorList apply(TensorList&& grads) override;
};
}  // namespace

// Reaches the context's private parts from this file only.
struct CustomFunctionAccess {
  static variable_list& to_save(AutogradContext& c) { return c.to_save_; }
  static const variable_list& dirty(AutogradContext& c) { return c.dirty_; }
  static const variable_list& non_differentiable(AutogradContext& c) { return c.non_differentiable_; }
  static void clear_marks(AutogradContext& c) {
    c.dirty_.clear();
    c.non_differentiable_.clear();
  }
  static bool materialize(const AutogradContext& c) { return c.materialize_grads_; }
  static Node*& node(AutogradContext& c) { return c.node_; }
  static Node* node(const AutogradContext& c) { return c.node_; }
};
using Access = CustomFunctionAccess;

namespace {
TensorList CustomNode::apply(TensorList&& grads) {
  variable_list in(std::make_move_iterator(grads.begin()), std::make_move_iterator(grads.end()));
  if (Access::materialize(ctx)) {
    for (std::size_t i = 0; i < in.size() && i < outputs.size(); ++i)
      if (!in[i].defined()) in[i] = ember::zeros(outputs[i].sizes, outputs[i].dtype);
  }
  variable_list out = backward(&ctx, std::move(in));
  // One gradient per argument of forward, as LibTorch counts them: the slots of the
  // arguments that are not tensors must hold undefined tensors, and are dropped.
  if (!arg_is_tensor.empty() && arg_is_tensor.size() != inputs.size() && out.size() == arg_is_tensor.size()) {
    variable_list kept;
    kept.reserve(inputs.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (arg_is_tensor[i]) {
        kept.push_back(std::move(out[i]));
      } else {
        EMBER_CHECK(!out[i].defined(),
                    "{}::backward returned a gradient different than None at position {}, but the corresponding "
                    "forward input was not a Variable",
                    fn_name, i + 1);
      }
    }
    out = std::move(kept);
  }
  // As LibTorch: surplus gradients are allowed only when they are all undefined.
  if (out.size() > inputs.size()) {
    bool surplus_undefined =
        std::all_of(out.begin() + static_cast<std::ptrdiff_t>(inputs.size()), out.end(),
                    [](const Tensor& g) { return !g.defined(); });
    if (surplus_undefined) out.resize(inputs.size());
  }
  const std::size_t expected = arg_is_tensor.empty() ? inputs.size() : arg_is_tensor.size();
  EMBER_CHECK(out.size() == inputs.size(),
              "{}::backward returned an incorrect number of gradients: expected {} (one per input of forward), "
              "got {}",
              fn_name, expected, out.size());
  TensorList result;
  result.reserve(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    Tensor g = std::move(out[i]);
    if (g.defined() && next[i].fn) {
      const InputMeta& m = inputs[i];
      if (!g.sizes().equals(m.sizes)) {
        // As LibTorch: the input's shape must expand to the gradient's, which is then summed.
        EMBER_CHECK(expands_to(m.sizes, g.sizes()),
                    "{}::backward returned an invalid gradient at index {} - got {} but expected shape compatible "
                    "with {}",
                    fn_name, i, g.sizes(), m.sizes);
        g = sum_to(g, m.sizes);
      }
      if (g.dtype() != m.dtype) g = g.to(m.dtype);
    }
    result.push_back(std::move(g));
  }
  return result;
}
}  // namespace

void AutogradContext::save_for_backward(variable_list to_save) { to_save_ = std::move(to_save); }

variable_list AutogradContext::get_saved_variables() const {
  Node* n = node_;
  EMBER_CHECK(n, "get_saved_variables: the context belongs to no function");
  variable_list out;
  if (n->released) n->unpack(0);  // throws the "backward a second time" error
  out.reserve(n->saved.size());
  for (std::size_t i = 0; i < n->saved.size(); ++i) out.push_back(n->unpack(i));
  return out;
}

void AutogradContext::mark_dirty(const variable_list& inputs) { dirty_ = inputs; }
void AutogradContext::mark_non_differentiable(const variable_list& outputs) { non_differentiable_ = outputs; }

bool AutogradContext::needs_input_grad(std::size_t index) const {
  auto* n = static_cast<CustomNode*>(node_);
  EMBER_CHECK(n && index < n->next.size(), "{}: needs_input_grad({}) but the function has {} inputs",
              n ? n->fn_name : std::string("AutogradContext"), index, n ? n->next.size() : 0);
  return n->is_executable && n->next[index].fn != nullptr;
}

const char* IValue::tagKind() const {
  static const char* const kinds[] = {"None",   "Tensor",  "Bool",       "Int",
                                      "Double", "String",  "IntList",    "DoubleList", "TensorList"};
  return kinds[v_.index()];
}
void IValue::wrong_type(const char* want) const {
  ember::detail::fail(fmt::format("IValue: expected {} but the value holds {}", want, tagKind()));
}

namespace internal {

ForwardNoGrad::ForwardNoGrad() : prev(is_grad_enabled()) { set_grad_enabled(false); }
ForwardNoGrad::~ForwardNoGrad() { set_grad_enabled(prev); }

std::shared_ptr<Node> make_custom_node(const char* mangled_name, BackwardFn backward, const variable_list& inputs,
                                       const std::vector<bool>& arg_is_tensor) {
  auto node = std::make_shared<CustomNode>();
  node->arg_is_tensor = arg_is_tensor;
  node->fn_name = demangle(mangled_name);
  node->backward = backward;
  Access::node(node->ctx) = node.get();
  node->is_executable = needs_grad_list(inputs);
  node->next.reserve(inputs.size());
  for (const Tensor& t : inputs) {
    node->inputs.push_back(t.defined() ? InputMeta{t.sizes().shape(), t.dtype()} : InputMeta{Shape(), kFloat32});
    Edge e;
    if (node->is_executable && t.defined() && is_floating_point(t.dtype())) e = gradient_edge(t);
    node->next.push_back(std::move(e));
  }
  return node;
}

AutogradContext* context_of(const std::shared_ptr<Node>& node) { return &static_cast<CustomNode*>(node.get())->ctx; }

void wrap_custom_outputs(const std::shared_ptr<Node>& shared, variable_list& outputs) {
  auto* node = static_cast<CustomNode*>(shared.get());
  AutogradContext& ctx = node->ctx;
  const variable_list& dirty = Access::dirty(ctx);
  const variable_list& non_diff = Access::non_differentiable(ctx);
  for (const Tensor& d : dirty)
    EMBER_CHECK(contains(outputs, d),
                "{}: an input marked dirty (shape {}) was not returned by forward; return every tensor changed in "
                "place",
                node->fn_name, d.defined() ? d.sizes().shape() : Shape());
  // In-place change of a dirty input: bump its version as LibTorch does, so a tensor
  // saved before the call notices even if forward wrote through raw memory.
  for (const Tensor& d : dirty) bump_version(d, node->fn_name.c_str());

  node->num_outputs = static_cast<uint32_t>(outputs.size());
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    Tensor& o = outputs[k];
    node->outputs.push_back(o.defined() ? InputMeta{o.sizes().shape(), o.dtype()} : InputMeta{Shape(), kFloat32});
    if (!node->is_executable || !o.defined()) continue;
    bool differentiable = is_floating_point(o.dtype()) && !contains(non_diff, o);
    bool is_dirty = contains(dirty, o);
    if (is_dirty) {
      AutogradMeta* m = o.autograd_meta();
      EMBER_CHECK(!(m && m->requires_grad && !m->grad_fn),
                  "{}: a leaf Variable that requires grad is being used in an in-place operation (shape {}, "
                  "mark_dirty) while autograd records",
                  node->fn_name, o.sizes());
      EMBER_CHECK(!(m && m->is_view),
                  "{}: in-place change (mark_dirty) of a view (shape {}) of a tensor that requires grad is not "
                  "supported",
                  node->fn_name, o.sizes());
      // The tensor keeps its identity and takes this function as its history.
      rebase_history(meta_of(o), differentiable ? shared : nullptr, static_cast<uint32_t>(k));
      continue;
    }
    if (!differentiable) continue;
    if (requires_grad(o) || o.autograd_meta()) {
      // An input (or any tensor with autograd state) returned as it is: hand out an
      // alias that carries the new history, leaving the caller's tensor alone.
      o = ember::detail::make_view(o, o.sizes().shape(), o.strides().shape(), o.storage_offset());
    }
    AutogradMeta& m = meta_of(o);
    m.grad_fn = shared;
    m.output_nr = static_cast<uint32_t>(k);
  }
  // Saved tensors: outputs are saved without owning the node, others with their history.
  SavedList saved;
  for (const Tensor& t : Access::to_save(ctx)) {
    auto out = std::find_if(outputs.begin(), outputs.end(), [&](const Tensor& o) { return same_tensor(o, t); });
    bool output_with_history = out != outputs.end() && out->autograd_meta() && out->autograd_meta()->grad_fn == shared;
    if (output_with_history) {
      SavedTensor s = save_output(t);
      s.owner = shared;
      s.output_nr = static_cast<uint32_t>(out - outputs.begin());
      s.output_requires_grad = true;
      saved.push_back(std::move(s));
    } else {
      saved.push_back(save(t));
    }
  }
  // The context must not keep the outputs alive: they hold this node (a cycle).
  Access::to_save(ctx).clear();
  Access::clear_marks(ctx);
  node->saved = std::move(saved);
  if (node->is_executable) {
    node->seq = next_sequence_nr();
    note_creation(*node);
  }
}

}  // namespace internal
}  // namespace autograd
}  // namespace ember
