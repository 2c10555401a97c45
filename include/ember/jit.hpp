// Static graphs from eager code: the optional ember_jit library (CMake target
// ember::jit, header ember/jit.hpp, not pulled in by ember/ember.hpp):
//
//   auto traced = ember::jit::trace(model, ember::randn({1, 784}));   // one eager run, recorded
//   std::cout << traced.graph();                                      // the ops it ran
//   ember::Tensor y = traced(ember::randn({1, 784}));                 // replays the graph
//
// A trace keeps what one run did: the ops on tensors, with their shapes and dtypes.
// What it cannot see is a value read back into C++ (`item()`, `tolist()`) and used to
// decide something (a branch, a loop count): the trace warns when that happens and keeps
// the decision of the traced run. By default `trace` replays the graph on a perturbed
// copy of the example inputs and compares it with an eager run, so a trace that does not
// stand for the function is refused instead of silently wrong (TraceOptions).
// A traced function accepts inputs of the traced shapes and dtypes only; other shapes
// give ember::Error naming the input and both shapes.
//
// A whole training step compiles too, backward and optimizer included:
//
//   auto step = ember::jit::compile([&](const std::vector<ember::Tensor>& xs) {
//     opt.zero_grad();
//     ember::Tensor loss = F::cross_entropy(model->forward(xs[0]), xs[1]);
//     loss.backward();
//     opt.step();
//     return std::vector<ember::Tensor>{loss.detach()};
//   });
//   for (auto& batch : loader) step({batch[0], batch[1]});
//
// The engine's backward runs public ops, so the trace records it as ordinary nodes.
// A tensor the step writes in place that it did not make (a parameter, a gradient, an
// optimizer's buffer, Adam's step count as a tensor) becomes a state value: read live
// and written back at the end of each replay (Graph::updates). Replays run under
// NoGradGuard. The first call per input shape runs eagerly (traced, then dropped: an
// optimizer makes its state on its first step), the second is traced and checked
// against an eager step from the same state, later ones replay. C++ scalars are kept
// as traced: an LR scheduler that changes lr needs a new compile.
//
// compile's replays differ from eager in two float details, both on by default
// (CompileOptions): subnormal floats are flushed to zero, as TensorFlow runs its
// kernels, and Adam multiplies by its bias correction's reciprocal instead of dividing.
// A compiled step's parameters then equal the eager step's to float rounding; with both
// options off they are the same bits.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <iosfwd>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/detail/fused.hpp"
#include "ember/detail/tracing.hpp"
#include "ember/nn/module.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace jit {

using AttrValue = detail::AttrValue;
struct NamedAttr {
  std::string name;
  AttrValue value;
};

enum class ValueKind : uint8_t {
  Input,      // an argument of the traced function, in order
  Parameter,  // a module's parameter or buffer, named by its path ("0.weight"), or other
              // state the function writes (an optimizer's buffer, a gradient); read live
  Constant,   // a tensor the trace met that no traced op made (a copy is kept)
  Result      // an output of a node
};

// One SSA value: made once (by the graph's inputs or one node), read any number of times.
struct Value {
  ValueKind kind = ValueKind::Result;
  Shape sizes;
  Dtype dtype = Dtype::Float32;
  std::string name;  // inputs and parameters
  int node = -1;     // the node that makes a Result
  Tensor tensor;     // a Parameter's tensor (shared with its module) or a Constant's value
};

// One op call: PyTorch's op name, the values it reads (-1 for an absent optional
// input, such as a missing bias), the values it makes, and its other arguments.
struct Node {
  std::string op;
  std::vector<int> inputs;
  std::vector<int> outputs;
  std::vector<NamedAttr> attrs;
  // The program of a "fused" node (passes::fuse_elementwise); its text is the
  // "program" attribute.
  std::shared_ptr<const detail::FusedProgram> fused;
  // The attribute called `name`, or null.
  const AttrValue* attr(std::string_view name) const;
};

// A write the graph makes when it runs: once every node has run, `value` is copied
// into the tensor of the state value `target` (a Parameter). A traced training step ends
// with these: the new parameters, the optimizer's buffers, the gradients. Writes come
// last, so the passes, which see only SSA values, cannot reorder them with the reads.
struct Update {
  int target = -1;
  int value = -1;
  // When target is the gradient of this leaf. A gradient the graph makes afresh (no
  // node reads target) becomes the leaf's grad() as it is, as after an eager backward;
  // one the step accumulates into (zero_grad without set_to_none) is copied into target.
  Tensor grad_of;
};

class Graph {
 public:
  int add_input(std::string name, IntArrayRef sizes, Dtype dtype);
  int add_parameter(std::string name, const Tensor& t);
  int add_constant(const Tensor& t);
  // Adds a node reading `inputs`, with outputs of the given shapes and dtypes; returns
  // the node's index (its output value ids are in nodes()[i].outputs).
  int add_node(std::string op, std::vector<int> inputs, std::vector<NamedAttr> attrs,
               const std::vector<std::pair<Shape, Dtype>>& outputs,
               std::shared_ptr<const detail::FusedProgram> fused = nullptr);
  void set_outputs(std::vector<int> outputs) { outputs_ = std::move(outputs); }
  // Makes constant `id` a Parameter that reads `live` (the tensor the constant was
  // copied from), named `name`: the trace found that the function writes it.
  void make_state(int id, const Tensor& live, std::string name);
  void add_update(int target, int value, Tensor grad_of = Tensor());

  const std::vector<Value>& values() const { return values_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<int>& inputs() const { return inputs_; }
  const std::vector<int>& parameters() const { return parameters_; }
  const std::vector<int>& outputs() const { return outputs_; }
  const std::vector<Update>& updates() const { return updates_; }
  // Whether the graph writes a leaf's gradient: a training step, whose backward is
  // nodes of the graph (it replays without autograd, and may be fused).
  bool is_training_step() const;
  const Value& value(int id) const;

  // PyTorch's graph printing, in ember's spelling:
  //   graph(%x : Float(2, 3), %0.weight : Float(4, 3), ...):
  //     %5 : Float(2, 4) = linear(%x, %0.weight, %0.bias)
  //     return (%5)
  std::string str() const;
  // Checks that every value a node reads is made before it (inputs, parameters,
  // constants or an earlier node's output), that each value is made once, that the
  // outputs exist, and that every op is one the interpreter can run. Throws
  // ember::Error naming the node and the value.
  void lint() const;

 private:
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<int> inputs_, parameters_, outputs_;
  std::vector<Update> updates_;
};
std::ostream& operator<<(std::ostream& os, const Graph& g);

// Runs the graph on `inputs` (checked against the traced shapes and dtypes) by calling
// each node's op in order: the interpreter. Parameters are read as they are now, so a
// trained module's traced graph follows its updated weights. A graph with updates
// writes them once every node has run (two threads must not run it at once); a
// training step (is_training_step) runs under NoGradGuard, since its backward is
// already ordinary nodes.
std::vector<Tensor> run(const Graph& g, const std::vector<Tensor>& inputs);

// The inputs (by position) that `op` writes in place: adam_update_, the optimizer's
// update as one op, writes the parameter and its state. Such a node must be the last
// reader of those values (Graph::lint checks it); the interpreter copies a constant
// before handing it over.
const std::vector<int>& writes_in_place(std::string_view op);

// Whether the interpreter knows `op`, and every op it knows (sorted).
bool can_run(std::string_view op);
std::vector<std::string> runnable_ops();

// Graph-to-graph passes. Each returns a new graph that computes the same outputs from
// the same inputs and parameters; none changes its argument.
namespace passes {
// Drops nodes whose outputs nothing reads (a node with a side effect, such as
// batch_norm updating its running statistics in training, is kept).
Graph eliminate_dead_code(const Graph& g);
// Merges nodes that run the same op on the same values with the same attributes
// (random ops and ops with side effects are never merged).
Graph eliminate_common_subexpressions(const Graph& g);
// Runs, once, every node whose inputs are all constants and keeps its result as a
// constant (parameters are not constants: they may change between calls).
Graph fold_constants(const Graph& g);
// Algebraic identities that leave a value unchanged: x * 1, x / 1, x + 0, x - 0,
// x ** 1, neg(neg(x)), t(t(x)), transpose of the same transpose, a reshape or view to
// the shape a value already has, and dropout outside training. Only where the result has the operand's shape and dtype.
Graph simplify(const Graph& g);
// Replaces each run of consecutive elementwise nodes (op-table rows, float32 or
// float64, every tensor operand of the run's shape and dtype) by one "fused" node that
// computes them in one pass over the elements (ember/detail/fused.hpp); values the
// run makes and others read become the fused node's outputs. Autograd does not see
// inside a fused node: use it for inference (compile fuses under NoGradGuard only).
Graph fuse_elementwise(const Graph& g);
// Replaces a product with a bias and the activation after it by one
// "linear_epilogue(x, weight, bias)" node (attributes: "activation", an op-table row
// or "none", and "transpose_weight", true for linear's [out, in] weight): linear(x, w,
// b) or linear without bias followed by relu, gelu, sigmoid, tanh, silu (any unary
// row of the op table); addmm(b, x, w) (beta = alpha = 1), and mm / matmul of 2-d
// operands followed by an add of a bias of out_features elements, each with or without
// the activation. Only where the intermediate values are read by nothing else. The
// kernel copies the bias into the output, lets the GEMM add the product to it, and
// applies the activation block by block while the output is in cache
// (ember/detail/fused.hpp). Autograd does not see
// inside it: compile applies it under NoGradGuard only, as fuse_elementwise.
Graph fuse_linear_epilogue(const Graph& g);
// Marks each Adam update of a training step (adam_update_; SGD's updates divide by
// nothing) to multiply by the reciprocal of its bias correction where the eager
// optimizer divides (reciprocal_bias_correction): one division per element fewer; the
// parameters then match the eager step's to float rounding, not bit for bit.
Graph reciprocal_optimizer_math(const Graph& g);
// All of the above (fusion excepted), repeated until the graph stops shrinking.
Graph optimize(const Graph& g);
}  // namespace passes

// Memory planning for replay with gradients off. Each value a node makes gets its place
// once, from the node order: nodes that can write into a given buffer (elementwise
// op-table rows, fused nodes, linear and linear_epilogue) write into one arena, at
// offsets chosen so that values alive at the same time never share bytes (a value
// lives from its node to its last reader, or the last reader of any view of it); an
// elementwise node whose input dies there and has its size and dtype writes over it
// (in place). View ops (reshape, view, flatten, transpose, ...) need no buffer.
// Other nodes allocate their results as in run() and count as fallbacks. Graph outputs
// are never arena memory: each call allocates them, so the caller owns its results.
struct MemoryPlan {
  enum class Mode : uint8_t {
    Fallback,  // the interpreter's call: allocates its results
    Into,      // writes into the buffers the plan gives it
    View       // a view op: shares its input's memory, allocates none
  };
  std::vector<Mode> node_mode;  // one per node
  // The one-step program an elementwise op-table node runs as (null for others).
  std::vector<std::shared_ptr<const detail::FusedProgram>> programs;
  // Per value: its byte offset in the arena, or -1 (an input, a parameter, a constant,
  // a view, a fallback's result, or a graph output that is allocated at each call).
  std::vector<int64_t> offset;
  std::size_t arena_bytes = 0;
  int arena_values = 0;    // values placed in the arena
  int in_place_nodes = 0;  // nodes that write over an input that dies there
  int view_nodes = 0;
  int fallback_nodes = 0;  // nodes with no path to write into a given buffer
};
MemoryPlan plan_memory(const Graph& g);

// A graph with its memory plan: calls with gradients off replay it writing into an
// arena. Each call takes an arena of its own from a pool (made on first need, kept for
// the next call), so calls from several threads at once are safe and, once each
// thread's first call is done, a call allocates only its outputs' storage (and any a
// fallback node makes). With gradients on it replays with run(), as autograd needs.
//
// Small weights are copied per thread: when the graph's parameters and constants take
// at most copy_weights_up_to bytes, every arena after the first holds its own copy of
// them, which a call brings up to date first whenever an original has changed (its
// storage's version counter, which in-place ops and the optimizers bump, or its memory,
// after set_data). Two cores reading one copy of a small model's weights, each from its
// own cache, ran 12 % slower per call than with a copy each (the Fashion-MNIST MLP,
// 0.9 MiB, at batch 1 on a 2-core Xeon). A single thread keeps using the originals.
// Within that limit, every arena (the first too) also keeps the float32 weight of each
// linear layer of at least 16 rows transposed to [in, out], the layout its GEMM reads
// fastest (the MLP's 784 x 256 layer at batch 64: 12 % faster with AVX2, 19 % with
// AVX-512). Writing a weight through its raw pointer bumps no version: call another
// in-place op on it (or use 0 here, which turns the copies off).
class PlannedGraph {
 public:
  static constexpr std::size_t kCopyWeightsUpTo = std::size_t(2) << 20;  // 2 MiB
  explicit PlannedGraph(std::shared_ptr<const Graph> graph, std::size_t copy_weights_up_to = kCopyWeightsUpTo);
  std::vector<Tensor> operator()(const std::vector<Tensor>& inputs) const;
  const Graph& graph() const;
  const MemoryPlan& plan() const;
  // Arenas made so far (one per call running at the same time, at most), and how many
  // of them hold their own copy of the weights.
  std::size_t arenas() const;
  std::size_t weight_copies() const;
  // How many nodes read their weight from a transposed copy.
  std::size_t transposed_weights() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

struct TraceOptions {
  // Replay on a perturbed copy of the floating inputs (each element times 1 + u,
  // |u| <= 1e-3) and compare with an eager run of the function on the same copy.
  bool check_trace = true;
  double check_tolerance = 1e-4;  // relative, and as absolute for values near zero
};

using Function = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

// A traced function: its graph and a call operator that replays it.
class TracedFunction {
 public:
  explicit TracedFunction(Graph graph) : graph_(std::move(graph)) {}
  std::vector<Tensor> operator()(const std::vector<Tensor>& inputs) const { return run(graph_, inputs); }
  // One input, one output.
  Tensor operator()(const Tensor& input) const;
  const Graph& graph() const { return graph_; }

 private:
  Graph graph_;
};

// Records the ops of one eager run of fn(example_inputs). With a module, its parameters
// and buffers become the graph's named parameters.
TracedFunction trace_function(const Function& fn, const std::vector<Tensor>& example_inputs,
                              const TraceOptions& options = {});
namespace holder_traits {
template <class T, class = void>
struct is_module_holder : std::false_type {};
template <class T>
struct is_module_holder<T, std::void_t<decltype(std::declval<T&>().module_ptr())>> : std::true_type {};
}  // namespace holder_traits
// Any callable taking and returning std::vector<Tensor> (a lambda, a function).
template <class Fn, std::enable_if_t<!holder_traits::is_module_holder<std::decay_t<Fn>>::value, int> = 0>
TracedFunction trace(Fn&& fn, const std::vector<Tensor>& example_inputs, const TraceOptions& options = {}) {
  return trace_function(Function(std::forward<Fn>(fn)), example_inputs, options);
}
TracedFunction trace(const nn::Module& module, const Function& fn, const std::vector<Tensor>& example_inputs,
                     const TraceOptions& options = {});
// A module holder (nn::Linear, nn::Sequential, a user's TORCH_MODULE) whose
// forward(Tensor) returns a Tensor.
template <class Holder, class = decltype(std::declval<Holder&>()->forward(std::declval<Tensor>()))>
TracedFunction trace(Holder& module, const Tensor& example_input, const TraceOptions& options = {}) {
  auto m = module;
  return trace(*m, [m](const std::vector<Tensor>& xs) mutable { return std::vector<Tensor>{m->forward(xs.at(0))}; },
               {example_input}, options);
}

struct CompileOptions {
  // Graphs kept, one per set of input shapes and dtypes; the least recently used goes.
  std::size_t max_graphs = 8;
  // Run passes::optimize on each new graph.
  bool optimize = true;
  TraceOptions trace;
  // Fuse elementwise runs (passes::fuse_elementwise) and GEMM epilogues
  // (passes::fuse_linear_epilogue) in graphs traced with gradients off and in training
  // steps (whose backward is nodes of the graph); any other graph traced with gradients
  // on is left unfused so that backward works.
  bool fuse = true;
  // Replay graphs traced with gradients off through a PlannedGraph (plan_memory).
  bool plan_memory = true;
  // Weights of at most this many bytes are copied for each calling thread after the
  // first (see PlannedGraph); 0: every thread reads the originals.
  std::size_t copy_weights_up_to = PlannedGraph::kCopyWeightsUpTo;
  // Replays run with subnormal floats flushed to zero, as inputs and as results (x86's
  // DAZ and FTZ, aarch64's FZ: FlushDenormalGuard), as TensorFlow's runtime runs its
  // kernels. Arithmetic on subnormals is slow (a microcode assist per operation on x86),
  // and a training step meets them where Adam's moments decay geometrically for weights
  // whose gradient is zero (ReLU units that stay off, inputs black in most images).
  // Values below 1.2e-38 become 0; false replays with IEEE subnormals, as eager runs.
  bool flush_denormal = true;
  // Training steps' optimizer updates multiply by reciprocals where the eager optimizer
  // divides (passes::reciprocal_optimizer_math): parameters equal the eager step's to
  // float rounding instead of bit for bit.
  bool fast_optimizer_math = true;
};

// jit::compile(fn): a callable that traces fn on the first call with each new set of
// input shapes and dtypes (a guarded cache: a variable-length model gets one graph per
// length seen, up to max_graphs), and replays the optimised graph afterwards. Where
// fn cannot be traced (its trace does not reproduce it, see TraceOptions), it warns
// once per shape and runs fn eagerly for that shape from then on.
// Calls from several threads at once are safe: the cache is locked, each call replays
// with its own buffers (a planned graph's arenas are per call), and a module's
// parameters are only read. Under NoGradGuard, graphs are fused and memory-planned.
// A training step (a function that writes state, see the top of this file) is the
// exception: it writes its parameters, so call it from one thread at a time.
class CompiledFunction {
 public:
  CompiledFunction(Function fn, const nn::Module* module, CompileOptions options);
  std::vector<Tensor> operator()(const std::vector<Tensor>& inputs) const;
  Tensor operator()(const Tensor& input) const;
  // How many graphs the cache holds now, and how many traces were made in all.
  std::size_t cached_graphs() const;
  std::size_t traces() const;
  // The graph for these input shapes and dtypes, or null when none is cached.
  std::shared_ptr<const Graph> graph_for(const std::vector<Tensor>& inputs) const;
  // The planned graph for these inputs (traced with gradients off, plan_memory on), or
  // null.
  std::shared_ptr<const PlannedGraph> planned_for(const std::vector<Tensor>& inputs) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

template <class Fn, std::enable_if_t<!holder_traits::is_module_holder<std::decay_t<Fn>>::value, int> = 0>
CompiledFunction compile(Fn&& fn, const CompileOptions& options = {}) {
  return CompiledFunction(Function(std::forward<Fn>(fn)), nullptr, options);
}
template <class Holder, class = decltype(std::declval<Holder&>()->forward(std::declval<Tensor>()))>
CompiledFunction compile(Holder& module, const CompileOptions& options = {}) {
  auto m = module;
  return CompiledFunction([m](const std::vector<Tensor>& xs) mutable { return std::vector<Tensor>{m->forward(xs.at(0))}; },
                          m.get(), options);
}

}  // namespace jit
}  // namespace ember
