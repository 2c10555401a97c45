// jit::trace: installs a tracer on the calling thread, runs the function once, and
// turns what the ops reported into a Graph; then, by default, checks the graph against
// an eager run on perturbed inputs.
#include <cmath>
#include <sstream>
#include <map>
#include <set>
#include <unordered_map>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/warning.hpp"
#include "ember/detail/tensor_impl.hpp"
#include "src/core/check.hpp"
#include "src/jit/attrs.hpp"

namespace ember {
namespace jit {

namespace {

const void* key_of(const Tensor& t) { return t.unsafeGetTensorImpl(); }

// Where a tensor's elements are: its storage, offset, sizes, strides and dtype.
std::vector<int64_t> layout_of(const Tensor& t) {
  const detail::TensorImpl* impl = t.unsafeGetTensorImpl();
  std::vector<int64_t> k{static_cast<int64_t>(reinterpret_cast<std::uintptr_t>(impl->storage)), t.storage_offset(),
                         static_cast<int64_t>(t.dtype()), t.dim()};
  for (int64_t s : t.sizes()) k.push_back(s);
  for (int64_t s : t.strides()) k.push_back(s);
  return k;
}

// Takes the thread's tracer away while the tracer itself runs ops (copies).
struct Untraced {
  detail::OpTracer* saved = detail::current_tracer();
  Untraced() { detail::set_current_tracer(nullptr); }
  ~Untraced() { detail::set_current_tracer(saved); }
};

class GraphTracer final : public detail::OpTracer {
 public:
  Graph graph;

  // Inputs first, then parameters, so that the tensors the function receives are known.
  void add_input(const Tensor& t, std::string name) { bind(t, graph.add_input(std::move(name), t.sizes(), t.dtype())); }
  void add_parameter(const Tensor& t, std::string name) {
    if (!t.defined()) return;
    const int id = graph.add_parameter(std::move(name), t);
    bind(t, id);
    externals_.emplace_back(key_of(t), id);
  }

  // The value that stands for t: the one bound to its TensorImpl, the one whose memory
  // t views in the same layout (a detached alias, a tensor autograd saved for backward),
  // or a new constant (a tensor no traced op made: a factory's result, a module's
  // plain member, an optimizer's buffer, ...).
  int value_of(const Tensor& t) {
    if (!t.defined()) return -1;
    auto it = ids_.find(key_of(t));
    if (it != ids_.end()) return it->second;
    auto same = layouts_.find(layout_of(t));
    if (same != layouts_.end()) {
      const int id = same->second;
      bind(t, id);
      if (graph.value(id).kind != ValueKind::Result) externals_.emplace_back(key_of(t), id);
      return id;
    }
    Tensor copy;
    {
      Untraced untraced;
      copy = t.detach().clone();
    }
    const int id = graph.add_constant(copy);
    bind(t, id);
    externals_.emplace_back(key_of(t), id);
    origin_[id] = key_of(t);
    return id;
  }

  void record(const char* op, std::initializer_list<Tensor> inputs, std::initializer_list<Tensor> outputs,
              std::initializer_list<detail::Attr> attrs) override {
    add(op, inputs.begin(), inputs.size(), outputs.begin(), outputs.size(), attrs);
  }
  void record_list(const char* op, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs,
                   std::initializer_list<detail::Attr> attrs) override {
    add(op, inputs.data(), inputs.size(), outputs.data(), outputs.size(), attrs);
  }

  void alias(const Tensor& t, const Tensor& same_as) override { bind(t, value_of(same_as)); }

  void read_back(const char* api, const Tensor& t) override {
    auto it = ids_.find(key_of(t));
    if (it == ids_.end()) return;  // a constant: nothing the trace follows
    const Value& v = graph.value(it->second);
    std::string made_by = v.kind == ValueKind::Result  ? "'" + graph.nodes()[static_cast<std::size_t>(v.node)].op + "'"
                          : v.kind == ValueKind::Input ? "input %" + v.name
                                                       : "%" + v.name;
    std::string msg = "jit::trace: " + std::string(api) + "() read a value made by " + made_by +
                      " into C++; the graph cannot follow it, so whatever the program decided with it (a branch, a "
                      "loop count, a size) is kept as it was for the example inputs";
    read_backs.push_back(msg);
    ember::warn(msg);
  }

  std::vector<std::string> read_backs;

  // After the run: the tensors that existed outside the function (parameters, an
  // optimizer's buffers) and that it wrote in place become state values that the graph
  // reads live and writes back (updates), and so do the gradients of its leaves.
  // `results` are the function's outputs.
  void bind_state(const std::vector<Tensor>& results) {
    std::vector<Update> updates;
    std::map<int, std::size_t> update_of;  // target value -> its update
    int count = 0;
    for (const auto& [key, entry] : externals_) {
      const int now = ids_.at(key);
      if (now == entry) continue;
      if (graph.value(entry).kind == ValueKind::Constant) {
        const Tensor& origin = held_.at(origin_.at(entry));
        // A tensor made inside the function and dropped (or returned) is a temporary:
        // its writes are ordinary values already, and it stays a constant.
        if (!held_outside(origin, results)) continue;
        graph.make_state(entry, origin, "state" + std::to_string(count++));
      }
      auto found = update_of.find(entry);
      if (found == update_of.end()) {
        update_of.emplace(entry, updates.size());
        updates.push_back(Update{entry, now, Tensor()});
      } else {
        EMBER_CHECK(updates[found->second].value == now,
                    "jit::trace: %{} is written through two tensors that end with different values; the graph cannot "
                    "say which write comes last",
                    graph.value(entry).name);
      }
    }
    // Gradients: a leaf's grad() that the function made, or changed in place.
    std::set<const void*> done;
    for (const auto& [key, entry] : externals_) {
      const Tensor& leaf = held_.at(key);
      if (graph.value(entry).kind != ValueKind::Parameter || !leaf.requires_grad() || !leaf.is_leaf()) continue;
      const Tensor& g = leaf.grad();
      if (!g.defined() || !done.insert(key).second) continue;
      auto bound = ids_.find(key_of(g));
      if (bound == ids_.end()) continue;
      int external = -1;
      for (const auto& [gkey, gentry] : externals_)
        if (gkey == key_of(g)) external = gentry;
      if (external >= 0) {  // a gradient that existed before: written in place, or unchanged
        auto w = update_of.find(external);
        if (w != update_of.end()) updates[w->second].grad_of = leaf;
        continue;
      }
      if (graph.value(bound->second).kind != ValueKind::Result) continue;
      const int state = graph.add_parameter(graph.value(entry).name + ".grad", g);
      updates.push_back(Update{state, bound->second, leaf});
    }
    for (const Update& u : updates) graph.add_update(u.target, u.value, u.grad_of);
  }

 private:
  bool held_outside(const Tensor& t, const std::vector<Tensor>& results) const {
    int32_t mine = 1;  // held_
    for (const Tensor& r : results)
      if (r.defined() && r.is_same(t)) ++mine;
    return t.unsafeGetTensorImpl()->refs.load() > mine;
  }

  void bind(const Tensor& t, int id) {
    ids_[key_of(t)] = id;
    layouts_[layout_of(t)] = id;
    held_.emplace(key_of(t), t);  // keeps the TensorImpl from being freed and its address reused
  }

  void add(const char* op, const Tensor* ins, std::size_t n_in, const Tensor* outs, std::size_t n_out,
           std::initializer_list<detail::Attr> attrs) {
    std::vector<int> in_ids;
    in_ids.reserve(n_in);
    for (std::size_t i = 0; i < n_in; ++i) in_ids.push_back(value_of(ins[i]));
    std::vector<NamedAttr> named;
    for (const detail::Attr& a : attrs) named.push_back({a.name, a.value});
    std::vector<std::pair<Shape, Dtype>> metas;
    for (std::size_t i = 0; i < n_out; ++i) metas.emplace_back(outs[i].sizes().shape(), outs[i].dtype());
    const int node = graph.add_node(op, std::move(in_ids), std::move(named), metas);
    // An output that is the same TensorImpl as an input (contiguous of a contiguous
    // tensor, an in-place op) now stands for the node's output.
    for (std::size_t i = 0; i < n_out; ++i) bind(outs[i], graph.nodes()[static_cast<std::size_t>(node)].outputs[i]);
  }

  std::unordered_map<const void*, int> ids_;
  std::map<std::vector<int64_t>, int> layouts_;
  std::unordered_map<const void*, Tensor> held_;
  std::vector<std::pair<const void*, int>> externals_;  // tensors met from outside, with their first value
  std::unordered_map<int, const void*> origin_;         // constant -> the tensor it copies
};

// Restores the thread's previous tracer (nested traces are refused before this).
struct InstallTracer {
  explicit InstallTracer(detail::OpTracer* t) { detail::set_current_tracer(t); }
  ~InstallTracer() { detail::set_current_tracer(nullptr); }
};

std::vector<Tensor> perturbed(const std::vector<Tensor>& inputs) {
  NoGradGuard no_grad;
  std::vector<Tensor> out;
  for (const Tensor& t : inputs) {
    if (!t.defined() || !t.is_floating_point()) {
      out.push_back(t);
      continue;
    }
    Tensor u = ember::rand(t.sizes(), t.dtype()) * 2e-3 - 1e-3;
    out.push_back(t.detach() * (u + 1));
  }
  return out;
}

void check_against_eager(const TracedFunction& traced, const Function& fn, const std::vector<Tensor>& inputs,
                         const TraceOptions& options) {
  std::vector<Tensor> xs = perturbed(inputs);
  std::vector<Tensor> want, got;
  {
    NoGradGuard no_grad;
    want = fn(xs);
    got = traced(xs);
  }
  EMBER_CHECK(want.size() == got.size(), "jit::trace: the function returned {} outputs on a second run, the graph {}",
              want.size(), got.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EMBER_CHECK(want[i].sizes() == got[i].sizes(),
                "jit::trace: output {} has shape {} when the function runs on perturbed inputs, but the graph gives "
                "{}: the trace kept a size or a branch that depends on the inputs' values",
                i, want[i].sizes(), got[i].sizes());
    Tensor a = want[i].to(kFloat64), b = got[i].to(kFloat64);
    const double tol = options.check_tolerance;
    bool close = ember::allclose(a, b, tol, tol, /*equal_nan=*/true);
    if (!close) {
      double worst = ember::max(ember::abs(a - b)).item<double>();
      ember::detail::fail(fmt::format(
          "jit::trace: the graph does not reproduce the function: on a perturbed copy of the example inputs, output "
          "{} (shape {}) differs from an eager run by up to {}. The trace kept something that depends on the inputs' "
          "values (a value read back with item() or tolist(), see the warnings) or an op that the tracer does not "
          "record yet changed a traced value. Set TraceOptions::check_trace to false to keep the trace anyway.",
          i, want[i].sizes(), worst));
    }
  }
}

// The state a training step's graph writes, copied, so that a check can run the step
// and then put everything back as the traced call left it.
class StateSnapshot {
 public:
  explicit StateSnapshot(const Graph& g) {
    NoGradGuard no_grad;
    for (const Update& u : g.updates()) {
      const Tensor& t = g.value(u.target).tensor;
      entries_.push_back({t, t.clone(), u.grad_of});
    }
  }
  void restore() const {
    NoGradGuard no_grad;
    for (const Entry& e : entries_) {
      Tensor target = e.tensor;
      target.copy_(e.copy);
      Tensor leaf = e.grad_of;
      if (leaf.defined()) leaf.mutable_grad() = e.tensor;
    }
  }
  // The state as it is now, in the snapshot's order.
  std::vector<Tensor> current() const {
    NoGradGuard no_grad;
    std::vector<Tensor> now;
    for (const Entry& e : entries_) {
      Tensor leaf = e.grad_of;
      now.push_back((leaf.defined() && leaf.grad().defined() ? leaf.grad() : e.tensor).clone());
    }
    return now;
  }

 private:
  struct Entry {
    Tensor tensor, copy, grad_of;
  };
  std::vector<Entry> entries_;
};

void compare(const std::vector<Tensor>& want, const std::vector<Tensor>& got, const TraceOptions& options,
             const char* what) {
  EMBER_CHECK(want.size() == got.size(), "jit::trace: the function gave {} {} on a second run, the graph {}",
              want.size(), what, got.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EMBER_CHECK(want[i].sizes() == got[i].sizes(),
                "jit::trace: {} {} has shape {} when the function runs on perturbed inputs, but the graph gives "
                "{}: the trace kept a size or a branch that depends on the inputs' values",
                what, i, want[i].sizes(), got[i].sizes());
    Tensor a = want[i].to(kFloat64), b = got[i].to(kFloat64);
    const double tol = options.check_tolerance;
    if (!ember::allclose(a, b, tol, tol, /*equal_nan=*/true)) {
      double worst = ember::max(ember::abs(a - b)).item<double>();
      ember::detail::fail(fmt::format(
          "jit::trace: the graph does not reproduce the function: on a perturbed copy of the example inputs, {} "
          "{} (shape {}) differs from an eager run by up to {}. The trace kept something that depends on the "
          "inputs' values (a value read back with item() or tolist(), see the warnings), a scalar the program "
          "computed in C++ from its state, or an op that the tracer does not record yet changed a traced value. "
          "Set TraceOptions::check_trace to false to keep the trace anyway.",
          what, i, want[i].sizes(), worst));
    }
  }
}

// A training step's check: run the step eagerly and as the graph from the same state
// (on the same perturbed inputs) and compare outputs and the state each leaves; the
// state is put back afterwards, so the traced call counts as one step.
void check_step_against_eager(const TracedFunction& traced, const Function& fn, const std::vector<Tensor>& inputs,
                              const TraceOptions& options) {
  std::vector<Tensor> xs = perturbed(inputs);
  StateSnapshot before(traced.graph());
  std::vector<Tensor> want, want_state, got, got_state;
  try {
    want = fn(xs);
    want_state = before.current();
    before.restore();
    got = traced(xs);
    got_state = before.current();
    before.restore();
  } catch (...) {
    before.restore();
    throw;
  }
  std::vector<Tensor> detached;
  for (const Tensor& t : want) detached.push_back(t.detach());
  compare(detached, got, options, "output");
  compare(want_state, got_state, options, "written state");
}

TracedFunction trace_impl(const nn::Module* module, const Function& fn, const std::vector<Tensor>& example_inputs,
                          const TraceOptions& options, std::vector<Tensor>* run_results, bool* first_of_steps) {
  EMBER_CHECK(detail::current_tracer() == nullptr,
              "jit::trace: this thread is already tracing; a traced function cannot trace another");
  GraphTracer tracer;
  for (std::size_t i = 0; i < example_inputs.size(); ++i) {
    EMBER_CHECK(example_inputs[i].defined(), "jit::trace: example input {} is an undefined tensor", i);
    tracer.add_input(example_inputs[i], "x" + std::to_string(i));
  }
  if (module) {
    for (const auto& item : module->named_parameters()) tracer.add_parameter(item.value(), item.key());
    for (const auto& item : module->named_buffers()) tracer.add_parameter(item.value(), item.key());
  }
  std::vector<Tensor> results;
  {
    InstallTracer install(&tracer);
    results = fn(example_inputs);
  }
  if (run_results) *run_results = results;
  std::vector<int> outs;
  for (std::size_t i = 0; i < results.size(); ++i) {
    EMBER_CHECK(results[i].defined(), "jit::trace: output {} of the traced function is an undefined tensor", i);
    outs.push_back(tracer.value_of(results[i]));
  }
  tracer.graph.set_outputs(std::move(outs));
  tracer.bind_state(results);
  tracer.graph.lint();
  TracedFunction traced(std::move(tracer.graph));
  const bool step = !traced.graph().updates().empty();
  if (step && first_of_steps) {
    // An optimizer makes its state on its first step, so the first call's trace may not
    // stand for the later ones: the caller traces again next time.
    *first_of_steps = true;
    return traced;
  }
  if (options.check_trace) {
    if (step)
      check_step_against_eager(traced, fn, example_inputs, options);
    else
      check_against_eager(traced, fn, example_inputs, options);
  }
  return traced;
}

}  // namespace

Tensor TracedFunction::operator()(const Tensor& input) const {
  std::vector<Tensor> out = run(graph_, {input});
  EMBER_CHECK(out.size() == 1, "jit: this traced function returns {} outputs; call it with a vector of inputs",
              out.size());
  return out[0];
}

TracedFunction trace_function(const Function& fn, const std::vector<Tensor>& example_inputs,
                              const TraceOptions& options) {
  return trace_impl(nullptr, fn, example_inputs, options, nullptr, nullptr);
}
TracedFunction trace(const nn::Module& module, const Function& fn, const std::vector<Tensor>& example_inputs,
                     const TraceOptions& options) {
  return trace_impl(&module, fn, example_inputs, options, nullptr, nullptr);
}

}  // namespace jit
}  // namespace ember

namespace ember {
namespace jit {
namespace internal {
TracedFunction trace_run(const nn::Module* module, const Function& fn, const std::vector<Tensor>& example_inputs,
                         const TraceOptions& options, std::vector<Tensor>* results, bool* first_of_steps) {
  return trace_impl(module, fn, example_inputs, options, results, first_of_steps);
}
}  // namespace internal
}  // namespace jit
}  // namespace ember
