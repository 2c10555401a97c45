// jit::trace: installs a tracer on the calling thread, runs the function once, and
// turns what the ops reported into a Graph; then, by default, checks the graph against
// an eager run on perturbed inputs.
#include <cmath>
#include <sstream>
#include <unordered_map>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/warning.hpp"
#include "src/core/check.hpp"
#include "src/jit/attrs.hpp"

namespace ember {
namespace jit {

namespace {

const void* key_of(const Tensor& t) { return t.unsafeGetTensorImpl(); }

class GraphTracer final : public detail::OpTracer {
 public:
  Graph graph;

  // Inputs first, then parameters, so that the tensors the function receives are known.
  void add_input(const Tensor& t, std::string name) { bind(t, graph.add_input(std::move(name), t.sizes(), t.dtype())); }
  void add_parameter(const Tensor& t, std::string name) {
    if (!t.defined()) return;
    bind(t, graph.add_parameter(std::move(name), t));
  }

  // The value that stands for t: the one bound to its TensorImpl, or a new constant
  // (a tensor no traced op made: a factory's result, a module's plain member, ...).
  int value_of(const Tensor& t) {
    if (!t.defined()) return -1;
    auto it = ids_.find(key_of(t));
    if (it != ids_.end()) return it->second;
    Tensor copy = t.detach().clone();
    const int id = graph.add_constant(copy);
    bind(t, id);
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

  void alias(const Tensor& t, const Tensor& same_as) override {
    auto it = ids_.find(key_of(same_as));
    if (it == ids_.end()) {
      value_of(same_as);  // a constant until now
      it = ids_.find(key_of(same_as));
    }
    bind(t, it->second);
  }

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

 private:
  void bind(const Tensor& t, int id) {
    ids_[key_of(t)] = id;
    alive_.push_back(t);  // keeps the TensorImpl from being freed and its address reused
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
  std::vector<Tensor> alive_;
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

TracedFunction trace_impl(const nn::Module* module, const Function& fn, const std::vector<Tensor>& example_inputs,
                          const TraceOptions& options) {
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
  std::vector<int> outs;
  for (std::size_t i = 0; i < results.size(); ++i) {
    EMBER_CHECK(results[i].defined(), "jit::trace: output {} of the traced function is an undefined tensor", i);
    outs.push_back(tracer.value_of(results[i]));
  }
  tracer.graph.set_outputs(std::move(outs));
  tracer.graph.lint();
  TracedFunction traced(std::move(tracer.graph));
  if (options.check_trace) check_against_eager(traced, fn, example_inputs, options);
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
  return trace_impl(nullptr, fn, example_inputs, options);
}
TracedFunction trace(const nn::Module& module, const Function& fn, const std::vector<Tensor>& example_inputs,
                     const TraceOptions& options) {
  return trace_impl(&module, fn, example_inputs, options);
}

}  // namespace jit
}  // namespace ember
