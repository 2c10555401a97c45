// The backward pass: find the nodes reachable from the roots, run them in reverse
// order of recording (sequence numbers are a topological order, since a node's inputs
// were always made before it), sum the gradients that meet at a node, and hand leaves'
// gradients to their accumulators as soon as the last node feeding one has run.
#include <algorithm>
#include <new>

#include "autograd/anomaly.hpp"
#include "autograd/node.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/memory.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace autograd {
namespace {

// Whether a gradient sum may go into `cur` in place: outside create_graph (where the sum
// is recorded), when the buffer holds the only reference to cur and to its memory (not
// a tensor a backward function also returned elsewhere, or one the user passed), and
// the sum has cur's shape and dtype. Many gradients meet at one node in an unrolled
// model: each step's slice x[t] of the input sends back a full-size gradient, and new
// sums made each one a fresh allocation and a third pass over memory.
bool sole_buffer(const Tensor& cur, const Tensor& g) {
  if (is_grad_enabled() || requires_grad(cur) || !cur.is_contiguous()) return false;
  if (cur.dtype() != g.dtype() || !cur.sizes().equals(g.sizes())) return false;
  const detail::TensorImpl* impl = cur.unsafeGetTensorImpl();
  return impl->refs.load(std::memory_order_acquire) == 1 && impl->storage->refs.load(std::memory_order_acquire) == 1;
}

// The nodes one backward call reaches, each with its index into that call's gradient
// buffers. The table belongs to the call rather than marks kept on the nodes, because
// several threads may run backward at once through graphs that share nodes (the
// accumulator of a parameter used by all of them). Open addressing, kept at most half
// full; a graph of a few hundred nodes needs one allocation.
class VisitTable {
 public:
  VisitTable() : slots_(128) {}
  // n's index; added with the next free index when n is new (then `added` is true).
  uint32_t insert(Node* n, bool& added) {
    if (2 * (count_ + 1) > slots_.size()) grow();
    Entry& e = find(n);
    added = e.node == nullptr;
    if (added) e = {n, count_++};
    return e.index;
  }
  uint32_t at(Node* n) { return find(n).index; }  // n must be present
  uint32_t size() const { return count_; }

 private:
  struct Entry {
    Node* node = nullptr;
    uint32_t index = 0;
  };
  Entry& find(Node* n) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = (reinterpret_cast<std::uintptr_t>(n) >> 4) * 0x9E3779B97F4A7C15ull >> 32 & mask;
    while (slots_[i].node != nullptr && slots_[i].node != n) i = (i + 1) & mask;
    return slots_[i];
  }
  void grow() {
    CachedVector<Entry> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Entry& e : old)
      if (e.node) find(e.node) = e;
  }
  CachedVector<Entry> slots_;
  uint32_t count_ = 0;
};

// Runs a node's backward; running out of memory there says which op's backward it was.
TensorList apply_naming_oom(Node& n, TensorList&& grads) {
  try {
    return anomaly_enabled() ? apply_with_anomaly_checks(n, std::move(grads)) : n.apply(std::move(grads));
  } catch (const OutOfMemoryError& e) {
    throw OutOfMemoryError(fmt::format("{}, in the backward of {}", e.what(), n.name()));
  } catch (const std::bad_alloc&) {
    throw OutOfMemoryError(fmt::format("out of memory in the backward of {}", n.name()));
  }
}

struct Capture {
  Node* fn;
  uint32_t slot;
};

// A node to run, with its index into the call's buffers and where the indices of the
// nodes its edges lead to start in the call's `targets` (found once, while collecting).
struct Visit {
  Node* node;
  uint32_t index;
  uint32_t first_target;
};

// Runs backward from roots. With captures (autograd::grad), returns the gradient that
// reaches each capture point and leaves .grad() alone.
TensorList run_backward(const std::vector<Edge>& roots, TensorList root_grads, bool keep_graph, bool create_graph,
                        const std::vector<Capture>& captures, bool accumulate) {
  GradModeScope mode(create_graph);
  VisitTable visited;
  std::vector<Visit> order;
  std::vector<Visit> stack;
  CachedVector<uint32_t> targets;  // per visited node, the index of each edge's node
  order.reserve(64);
  targets.reserve(128);
  auto reach = [&](Node* n) {
    bool added;
    uint32_t index = visited.insert(n, added);
    if (added) stack.push_back({n, index, 0});
    return index;
  };
  for (const Edge& e : roots)
    if (e.fn) reach(e.fn.get());
  while (!stack.empty()) {
    Visit v = stack.back();
    stack.pop_back();
    v.first_target = static_cast<uint32_t>(targets.size());
    for (const Edge& e : v.node->next) targets.push_back(e.fn ? reach(e.fn.get()) : 0);
    order.push_back(v);
  }
  // A leaf's accumulator (sequence number 0) runs right after the first-recorded node
  // that feeds it, not after the whole graph: its gradient, and its hooks, come as soon
  // as they are complete (data-parallel training sends them while backward goes on).
  std::vector<uint64_t> key(visited.size(), ~uint64_t{0});
  for (const Visit& v : order) {
    if (v.node->is_accumulator()) continue;
    key[v.index] = v.node->seq;
    for (std::size_t i = 0; i < v.node->next.size(); ++i) {
      const Edge& e = v.node->next[i];
      if (e.fn && e.fn->is_accumulator()) {
        uint64_t& k = key[targets[v.first_target + i]];
        k = std::min(k, v.node->seq);
      }
    }
  }
  std::sort(order.begin(), order.end(), [&key](const Visit& a, const Visit& b) {
    uint64_t ka = key[a.index], kb = key[b.index];
    return ka != kb ? ka > kb : !a.node->is_accumulator() && b.node->is_accumulator();
  });

  std::vector<TensorList> buffers(visited.size());
  auto add_to = [&](uint32_t index, Node* fn, uint32_t input_nr, Tensor g) {
    TensorList& buf = buffers[index];
    if (buf.empty()) buf.resize(fn->num_outputs);
    Tensor& cur = buf[input_nr];
    if (!cur.defined())
      cur = std::move(g);
    else if (sole_buffer(cur, g))
      cur.add_(g);  // nobody else sees cur: sum into it rather than into a new tensor
    else
      cur = cur + g;
  };
  for (std::size_t i = 0; i < roots.size(); ++i)
    if (roots[i].fn) add_to(visited.at(roots[i].fn.get()), roots[i].fn.get(), roots[i].input_nr, root_grads[i]);

  // A view node's gradient added straight into the region of its input's summed
  // gradient, when that sum already exists and may be written in place (see SliceOf).
  auto add_into_slice = [&](Node& n, TensorList& buf, uint32_t first_target) {
    if (n.next.size() != 1 || !n.next[0].fn || buf.size() != 1 || !buf[0].defined()) return false;
    TensorList& into = buffers[targets[first_target]];
    if (into.empty()) return false;
    Tensor& cur = into[n.next[0].input_nr];
    const SliceOf& s = n.slice;
    if (!cur.defined() || s.dim >= cur.dim() || s.start + s.length > cur.size(s.dim)) return false;
    if (!sole_buffer(cur, cur) || buf[0].dtype() != cur.dtype()) return false;  // before the view below
    Tensor g = s.dropped ? buf[0].unsqueeze(s.dim) : buf[0];
    Tensor region = cur.narrow(s.dim, s.start, s.length);
    if (!region.sizes().equals(g.sizes())) return false;
    region.add_(g);
    return true;
  };

  TensorList captured(captures.size());
  for (const Visit& v : order) {
    Node* n = v.node;
    TensorList& buf = buffers[v.index];
    if (buf.empty()) continue;
    for (auto& h : n->pre_hooks) {
      Tensor& g = buf[h.first];
      if (!g.defined()) continue;
      Tensor r = h.second.second(g);
      if (r.defined()) g = std::move(r);
    }
    bool is_capture = false;
    for (std::size_t c = 0; c < captures.size(); ++c) {
      if (captures[c].fn == n) {
        captured[c] = buf[captures[c].slot];
        is_capture = true;
      }
    }
    if (n->is_accumulator() && (!accumulate || is_capture)) continue;
    if (n->slice.dim >= 0 && add_into_slice(*n, buf, v.first_target)) {
      buf.clear();
      if (!keep_graph) n->release_saved();
      continue;
    }
    TensorList in_grads = apply_naming_oom(*n, std::move(buf));
    buf.clear();
    if (!keep_graph) n->release_saved();
    for (std::size_t i = 0; i < in_grads.size() && i < n->next.size(); ++i) {
      const Edge& e = n->next[i];
      if (e.fn && in_grads[i].defined())
        add_to(targets[v.first_target + i], e.fn.get(), e.input_nr, std::move(in_grads[i]));
    }
  }
  return captured;
}

Tensor root_gradient(const Tensor& out, const Tensor& given, const char* op) {
  if (given.defined()) {
    EMBER_CHECK(given.sizes().equals(out.sizes()), "{}: the gradient has shape {} but the output has shape {}", op,
                given.sizes(), out.sizes());
    return given.dtype() == out.dtype() ? given : given.to(out.dtype());
  }
  EMBER_CHECK(out.numel() == 1,
              "{}: grad can be implicitly created only for scalar outputs, but the output has shape {}; pass a "
              "gradient of that shape",
              op, out.sizes());
  return ember::ones_like(out);
}

}  // namespace

GradModeScope::GradModeScope(bool enabled) : prev_(is_grad_enabled()) { set_grad_enabled(enabled); }
GradModeScope::~GradModeScope() { set_grad_enabled(prev_); }

void backward(const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors,
              std::optional<bool> retain_graph, bool create_graph) {
  EMBER_CHECK(grad_tensors.empty() || grad_tensors.size() == tensors.size(),
              "backward: got {} gradients for {} tensors", grad_tensors.size(), tensors.size());
  std::vector<Edge> roots;
  TensorList grads;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    EMBER_CHECK(t.defined(), "backward: tensor {} is undefined", i);
    EMBER_CHECK(requires_grad(t),
                "backward: element {} of tensors does not require grad and does not have a grad_fn (shape {}; "
                "was it made under NoGradGuard, or from inputs that do not require grad?)",
                i, t.sizes());
    roots.push_back(gradient_edge(t));
    grads.push_back(root_gradient(t, grad_tensors.empty() ? Tensor() : grad_tensors[i], "backward"));
  }
  run_backward(roots, TensorList(grads.begin(), grads.end()), retain_graph.value_or(create_graph), create_graph, {}, true);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, std::optional<bool> retain_graph, bool create_graph,
                         bool allow_unused) {
  // As PyTorch: an empty input list is a mistake (there is nothing to differentiate by).
  EMBER_CHECK(!inputs.empty(), "autograd::grad: grad requires non-empty inputs");
  EMBER_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(),
              "autograd::grad: got {} grad_outputs for {} outputs", grad_outputs.size(), outputs.size());
  std::vector<Edge> roots;
  TensorList grads;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& t = outputs[i];
    EMBER_CHECK(t.defined(), "autograd::grad: output {} is undefined", i);
    EMBER_CHECK(requires_grad(t), "autograd::grad: output {} (shape {}) does not require grad and has no grad_fn", i,
                t.sizes());
    roots.push_back(gradient_edge(t));
    grads.push_back(root_gradient(t, grad_outputs.empty() ? Tensor() : grad_outputs[i], "autograd::grad"));
  }
  std::vector<Capture> captures;
  std::vector<std::shared_ptr<Node>> keep;  // accumulators made here must live through the run
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    EMBER_CHECK(t.defined(), "autograd::grad: input {} is undefined", i);
    EMBER_CHECK(requires_grad(t), "autograd::grad: input {} (shape {}) does not require grad", i, t.sizes());
    Edge e = gradient_edge(t);
    captures.push_back({e.fn.get(), e.input_nr});
    keep.push_back(std::move(e.fn));
  }
  TensorList captured_grads =
      run_backward(roots, TensorList(grads.begin(), grads.end()), retain_graph.value_or(create_graph), create_graph, captures, false);
  std::vector<Tensor> result(captured_grads.begin(), captured_grads.end());
  for (std::size_t i = 0; i < result.size(); ++i) {
    if (!result[i].defined()) {
      EMBER_CHECK(allow_unused,
                  "autograd::grad: input {} (shape {}) was not used to compute the outputs; pass allow_unused=true (Set allow_unused=True if this "
                  "is the desired behavior)",
                  i, inputs[i].sizes());
    } else if (!create_graph) {
      result[i] = result[i].detach();
    }
  }
  return result;
}

}  // namespace autograd
}  // namespace ember
