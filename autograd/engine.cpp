// The backward pass: find the nodes reachable from the roots, run them in reverse
// order of recording (sequence numbers are a topological order, since a node's inputs
// were always made before it), sum the gradients that meet at a node, and hand leaves'
// gradients to their accumulators.
#include <algorithm>
#include <new>

#include "autograd/anomaly.hpp"
#include "autograd/node.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/memory.hpp"
#include "src/check.hpp"

namespace ember {
namespace autograd {
namespace {

std::atomic<uint64_t> g_run_ids{1};

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

// Runs backward from roots. With captures (autograd::grad), returns the gradient that
// reaches each capture point and leaves .grad() alone.
TensorList run_backward(const std::vector<Edge>& roots, TensorList root_grads, bool keep_graph, bool create_graph,
                        const std::vector<Capture>& captures, bool accumulate) {
  GradModeScope mode(create_graph);
  uint64_t run = g_run_ids.fetch_add(1);
  std::vector<Node*> order;
  std::vector<Node*> stack;
  for (const Edge& e : roots) {
    if (e.fn && e.fn->run_id != run) {
      e.fn->run_id = run;
      stack.push_back(e.fn.get());
    }
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    order.push_back(n);
    for (const Edge& e : n->next) {
      if (e.fn && e.fn->run_id != run) {
        e.fn->run_id = run;
        stack.push_back(e.fn.get());
      }
    }
  }
  std::sort(order.begin(), order.end(), [](Node* a, Node* b) { return a->seq > b->seq; });
  for (std::size_t i = 0; i < order.size(); ++i) order[i]->slot = static_cast<int64_t>(i);

  std::vector<TensorList> buffers(order.size());
  auto add_to = [&](Node* fn, uint32_t input_nr, Tensor g) {
    TensorList& buf = buffers[static_cast<std::size_t>(fn->slot)];
    if (buf.empty()) buf.resize(fn->num_outputs);
    Tensor& cur = buf[input_nr];
    cur = cur.defined() ? cur + g : std::move(g);
  };
  for (std::size_t i = 0; i < roots.size(); ++i)
    if (roots[i].fn) add_to(roots[i].fn.get(), roots[i].input_nr, root_grads[i]);

  TensorList captured(captures.size());
  for (Node* n : order) {
    TensorList& buf = buffers[static_cast<std::size_t>(n->slot)];
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
    TensorList in_grads = apply_naming_oom(*n, std::move(buf));
    buf.clear();
    if (!keep_graph) n->release_saved();
    for (std::size_t i = 0; i < in_grads.size() && i < n->next.size(); ++i) {
      const Edge& e = n->next[i];
      if (e.fn && in_grads[i].defined()) add_to(e.fn.get(), e.input_nr, std::move(in_grads[i]));
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
                "backward: tensor of shape {} does not require grad and has no grad_fn (was it made under "
                "NoGradGuard, or from inputs that do not require grad?)",
                t.sizes());
    roots.push_back(gradient_edge(t));
    grads.push_back(root_gradient(t, grad_tensors.empty() ? Tensor() : grad_tensors[i], "backward"));
  }
  run_backward(roots, TensorList(grads.begin(), grads.end()), retain_graph.value_or(create_graph), create_graph, {}, true);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, std::optional<bool> retain_graph, bool create_graph,
                         bool allow_unused) {
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
                  "autograd::grad: input {} (shape {}) was not used to compute the outputs; pass allow_unused=true",
                  i, inputs[i].sizes());
    } else if (!create_graph) {
      result[i] = result[i].detach();
    }
  }
  return result;
}

}  // namespace autograd
}  // namespace ember
