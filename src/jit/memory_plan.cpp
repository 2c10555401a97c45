// plan_memory and PlannedGraph: where each value of a graph lives during a replay with
// gradients off, and the replay that writes there. One arena per call in flight,
// pooled, so the steady state allocates only what the caller gets back.
#include <algorithm>
#include <mutex>
#include <unordered_set>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/detail/fused.hpp"
#include "ember/detail/tensor_impl.hpp"
#include "ember/jit.hpp"
#include "src/core/check.hpp"
#include "src/jit/attrs.hpp"
#include "src/jit/fusion.hpp"
#include "src/jit/interpreter.hpp"
#include "src/jit/thread_slots.hpp"

namespace ember {
namespace jit {
namespace {

using Mode = MemoryPlan::Mode;
constexpr int64_t kAlign = 64;

// Ops whose result is a view of their first input (or, for reshape and contiguous,
// sometimes a copy: treated as a view, which only keeps the input alive longer).
const std::unordered_set<std::string>& view_ops() {
  static const std::unordered_set<std::string> ops = {"reshape", "view",   "flatten", "transpose", "t",
                                                      "permute", "squeeze", "unsqueeze", "narrow", "select",
                                                      "slice",   "contiguous"};
  return ops;
}

bool float_value(const Value& v) { return v.dtype == kFloat32 || v.dtype == kFloat64; }

// How node n runs under the plan, and the program of an elementwise row.
Mode mode_of(const Graph& g, const Node& n, std::shared_ptr<const detail::FusedProgram>* program) {
  if (n.op == "fused" && n.fused) return Mode::Into;
  if ((n.op == "linear" || n.op == "linear_epilogue") && n.inputs.size() == 3 && n.outputs.size() == 1 &&
      float_value(g.value(n.outputs[0])))
    return Mode::Into;
  if (view_ops().count(n.op)) return Mode::View;
  if ((*program = single_node_program(g, n))) return Mode::Into;
  return Mode::Fallback;
}

// Whether node n may write its one output over an input's memory: each step reads an
// element before the last step writes it (see run_fused_into).
bool may_write_over_input(const MemoryPlan& plan, const Node& n, std::size_t k) {
  if (n.outputs.size() != 1) return false;
  const detail::FusedProgram* p = plan.programs[k] ? plan.programs[k].get() : n.fused.get();
  return p && p->outputs.size() == 1 && !p->steps.empty() && p->outputs[0] == p->steps.back().out;
}

int64_t nbytes_of(const Value& v) {
  int64_t n = 1;
  for (int64_t s : v.sizes) n *= s;
  return n * static_cast<int64_t>(element_size(v.dtype));
}

}  // namespace

MemoryPlan plan_memory(const Graph& g) {
  const std::size_t n_nodes = g.nodes().size(), n_values = g.values().size();
  const int escape = static_cast<int>(n_nodes);  // "alive after the last node": a graph output
  MemoryPlan plan;
  plan.node_mode.resize(n_nodes);
  plan.programs.resize(n_nodes);
  plan.offset.assign(n_values, -1);

  std::vector<int> last_use(n_values, -1);
  for (std::size_t k = 0; k < n_nodes; ++k)
    for (int id : g.nodes()[k].inputs)
      if (id >= 0) last_use[static_cast<std::size_t>(id)] = static_cast<int>(k);
  for (int id : g.outputs()) last_use[static_cast<std::size_t>(id)] = escape;

  // Which buffers (named by the value that owns each) a value may share memory with:
  // an Into node's output owns its buffer; a view's or a fallback's output may be (or
  // hold) any buffer its inputs hold, so those buffers stay alive as long as it does.
  std::vector<bool> owns(n_values, false);
  std::vector<std::vector<int>> holds(n_values);
  std::vector<int> def(n_values, -1), end(n_values, -1);
  for (std::size_t k = 0; k < n_nodes; ++k) {
    const Node& n = g.nodes()[k];
    plan.node_mode[k] = mode_of(g, n, &plan.programs[k]);
    for (int o : n.outputs) {
      const auto ou = static_cast<std::size_t>(o);
      def[ou] = static_cast<int>(k);
      if (plan.node_mode[k] == Mode::Into) {
        owns[ou] = true;
        holds[ou] = {o};
        continue;
      }
      for (int id : n.inputs)
        if (id >= 0)
          for (int b : holds[static_cast<std::size_t>(id)])
            if (std::find(holds[ou].begin(), holds[ou].end(), b) == holds[ou].end()) holds[ou].push_back(b);
    }
    if (plan.node_mode[k] == Mode::View) ++plan.view_nodes;
    if (plan.node_mode[k] == Mode::Fallback) ++plan.fallback_nodes;
  }
  // A buffer lives from its node to the last use of anything that holds it (a value
  // nothing reads still needs its buffer while its node runs).
  for (std::size_t v = 0; v < n_values; ++v)
    for (int b : holds[v]) {
      int& e = end[static_cast<std::size_t>(b)];
      e = std::max({e, last_use[v], def[static_cast<std::size_t>(b)]});
    }

  // In place: an elementwise node writes over an input buffer that dies there, when
  // no other operand of the node holds that buffer (a transposed view of it would be
  // read at other places than the ones being written).
  std::vector<int> root(n_values);
  for (std::size_t v = 0; v < n_values; ++v) root[v] = static_cast<int>(v);
  auto find = [&](int v) {
    while (root[static_cast<std::size_t>(v)] != v) v = root[static_cast<std::size_t>(v)];
    return v;
  };
  for (std::size_t k = 0; k < n_nodes; ++k) {
    const Node& n = g.nodes()[k];
    if (plan.node_mode[k] != Mode::Into || !may_write_over_input(plan, n, k)) continue;
    const int o = n.outputs[0];
    const Value& out = g.value(o);
    if (end[static_cast<std::size_t>(o)] >= escape) continue;
    for (int u : n.inputs) {
      if (u < 0 || !owns[static_cast<std::size_t>(u)]) continue;
      const int r = find(u);
      const Value& in = g.value(u);
      if (end[static_cast<std::size_t>(r)] != static_cast<int>(k) || in.dtype != out.dtype ||
          nbytes_of(in) != nbytes_of(out))
        continue;
      bool shared = false;
      for (int w : n.inputs)
        if (w >= 0 && w != u)
          for (int b : holds[static_cast<std::size_t>(w)]) shared = shared || find(b) == r;
      if (shared) continue;
      root[static_cast<std::size_t>(o)] = r;
      end[static_cast<std::size_t>(r)] = end[static_cast<std::size_t>(o)];
      ++plan.in_place_nodes;
      break;
    }
  }

  // Offsets: the biggest buffers first, each at the lowest aligned offset clear of the
  // buffers already placed whose lifetimes overlap its own.
  std::vector<int> roots;
  for (std::size_t v = 0; v < n_values; ++v)
    if (owns[v] && root[v] == static_cast<int>(v) && end[v] < escape) roots.push_back(static_cast<int>(v));
  auto bytes = [&](int v) { return (nbytes_of(g.value(v)) + kAlign - 1) / kAlign * kAlign; };
  std::stable_sort(roots.begin(), roots.end(), [&](int a, int b) { return bytes(a) > bytes(b); });
  std::vector<int> placed;
  for (int r : roots) {
    const auto ru = static_cast<std::size_t>(r);
    std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) byte ranges
    for (int p : placed) {
      const auto pu = static_cast<std::size_t>(p);
      if (def[pu] <= end[ru] && def[ru] <= end[pu]) busy.emplace_back(plan.offset[pu], plan.offset[pu] + bytes(p));
    }
    std::sort(busy.begin(), busy.end());
    int64_t at = 0;
    for (const auto& [b, e] : busy) {
      if (at + bytes(r) <= b) break;
      at = std::max(at, e);
    }
    plan.offset[ru] = at;
    plan.arena_bytes = std::max(plan.arena_bytes, static_cast<std::size_t>(at + bytes(r)));
    placed.push_back(r);
  }
  for (std::size_t v = 0; v < n_values; ++v)
    if (owns[v] && root[v] != static_cast<int>(v)) plan.offset[v] = plan.offset[static_cast<std::size_t>(find(static_cast<int>(v)))];
  for (std::size_t v = 0; v < n_values; ++v)
    if (plan.offset[v] >= 0) ++plan.arena_values;
  return plan;
}

namespace {

// Whether a value is the same tensor in every call: a parameter or a constant.
bool is_static(const Value& v) { return v.kind == ValueKind::Parameter || v.kind == ValueKind::Constant; }

// Linear layers of at least this many rows read their weight from a copy transposed to
// [in, out] when the weights are copied at all: the GEMM then reads it row by row, as
// it wants B. For the Fashion-MNIST MLP at batch 64 on the Xeon, oneDNN took 300 µs
// for the 784 x 256 layer that way against 340 with the weight as [out, in] (AVX2),
// and 155 against 192 µs with AVX-512. A single row is a matrix-vector product, which
// ember's own loop runs fastest on [out, in].
constexpr int64_t kTransposeRows = 16;

// Whether node n of g reads its weight (input 1) from a transposed copy.
bool pretransposed(const Graph& g, const Node& n) {
  if (n.op != "linear" && !(n.op == "linear_epilogue" && attr_bool(n, "transpose_weight"))) return false;
  if (n.inputs.size() != 3 || n.inputs[0] < 0 || n.inputs[1] < 0) return false;
  const Value& x = g.value(n.inputs[0]);
  const Value& w = g.value(n.inputs[1]);
  if (!is_static(w) || !w.tensor.defined() || !w.tensor.is_contiguous() || w.tensor.dim() != 2 ||
      w.tensor.dtype() != kFloat32 || x.dtype != kFloat32 || x.sizes.empty())
    return false;
  int64_t rows = 1;
  for (std::size_t d = 0; d + 1 < x.sizes.size(); ++d) rows *= x.sizes[d];
  return rows >= kTransposeRows;
}

// A weight's copy in one arena (see PlannedGraph), and what the copy was taken from:
// the original's storage, address and version at the time.
struct WeightCopy {
  const Tensor* original;  // the graph's own handle, which lives as long as the graph
  bool transposed = false;  // a 2-d float32 weight kept as [in, out] (see pretransposed)
  Tensor copy;
  const detail::Storage* storage = nullptr;
  const void* data = nullptr;
  uint32_t version = 0;

  // Copies the original again if it changed since the last time.
  void refresh() {
    const detail::TensorImpl* impl = original->unsafeGetTensorImpl();
    const uint32_t now = impl->storage->version.load(std::memory_order_acquire);
    if (impl->storage == storage && impl->data() == data && now == version) return;
    EMBER_CHECK(original->is_contiguous() && original->numel() == copy.numel() && original->dtype() == copy.dtype(),
                "jit::PlannedGraph: a weight was replaced by a {} {} tensor after the graph was traced with {} {}",
                original->dtype(), original->sizes(), copy.dtype(), copy.sizes());
    NoGradGuard no_grad;  // a copy, not a step of the model
    copy.copy_(transposed ? original->t() : *original);
    storage = impl->storage;
    data = impl->data();
    version = now;
  }
};

// The bytes of the graph's parameters and constants that an arena would copy: those
// that are contiguous (others are read in place).
std::size_t weight_bytes(const Graph& g) {
  std::size_t total = 0;
  for (const Value& v : g.values())
    if (is_static(v) && v.tensor.defined() && v.tensor.is_contiguous())
      total += static_cast<std::size_t>(v.tensor.numel()) * element_size(v.tensor.dtype());
  return total;
}

// One call's memory: the arena and, made once, a tensor over its place for every
// value in it; the value table, kept to spare its allocation; and each node's argument
// list with its parameters and constants already in place. Those stay for the arena's
// life: copying a shared weight's handle in every call would change its reference
// count from every serving thread at once, and that cache line's travels between cores
// cost more than the rest of a small model's bookkeeping.
struct Arena {
  Tensor block;
  std::vector<Tensor> slots;
  std::vector<Tensor> env;
  std::vector<std::vector<Tensor>> args;  // per node; the per-call entries are emptied after it runs
  std::vector<WeightCopy> weights;        // empty unless this arena copies them

  // copy_weights: copy every weight; transposed (per node): the nodes whose weight
  // comes from a transposed copy in any case.
  Arena(const Graph& g, const MemoryPlan& plan, bool copy_weights, const std::vector<char>& transposed)
      : slots(g.values().size()), env(g.values().size()), args(g.nodes().size()) {
    // value -> index in weights, for its plain and its transposed copy
    std::vector<int> copy_of(g.values().size(), -1), transposed_of(g.values().size(), -1);
    for (std::size_t k = 0; k < g.nodes().size(); ++k) {
      const Node& n = g.nodes()[k];
      args[k].resize(n.inputs.size());
      for (std::size_t i = 0; i < n.inputs.size(); ++i) {
        if (n.inputs[i] < 0 || !is_static(g.value(n.inputs[i]))) continue;
        const auto v = static_cast<std::size_t>(n.inputs[i]);
        const Tensor& original = g.value(n.inputs[i]).tensor;
        const bool transpose = transposed[k] && i == 1;
        if (transpose || (copy_weights && original.defined() && original.is_contiguous())) {
          int& index = transpose ? transposed_of[v] : copy_of[v];
          if (index < 0) {
            index = static_cast<int>(weights.size());
            WeightCopy& w = weights.emplace_back();
            w.original = &original;
            w.transposed = transpose;
            w.copy = transpose ? ember::empty({original.size(1), original.size(0)}, original.dtype())
                               : ember::empty(original.sizes(), original.dtype());
            w.refresh();
          }
          args[k][i] = weights[static_cast<std::size_t>(index)].copy;
        } else {
          args[k][i] = original;
        }
      }
    }
    const int64_t words = static_cast<int64_t>((plan.arena_bytes + 7) / 8);
    block = ember::empty({std::max<int64_t>(words, 1)}, kFloat64);
    detail::Storage* storage = block.unsafeGetTensorImpl()->storage;
    for (std::size_t v = 0; v < slots.size(); ++v) {
      if (plan.offset[v] < 0) continue;
      const Value& val = g.values()[v];
      const int64_t elem = static_cast<int64_t>(element_size(val.dtype));
      Shape sizes(val.sizes.begin(), val.sizes.end()), strides(sizes.size());
      int64_t stride = 1;
      for (std::size_t d = sizes.size(); d-- > 0;) {
        strides[d] = stride;
        stride *= std::max<int64_t>(sizes[d], 1);
      }
      storage->retain();
      slots[v] = Tensor(detail::TensorImpl::make(storage, val.dtype, sizes, strides, plan.offset[v] / elem));
    }
  }
};

}  // namespace

struct PlannedGraph::State {
  std::shared_ptr<const Graph> graph;
  MemoryPlan plan;
  std::vector<Runner> runners;  // per node, looked up once (null for Into nodes)
  // Per node, the positions of the inputs that change from call to call (not a
  // parameter, a constant or an absent optional input), found once.
  std::vector<std::vector<std::size_t>> per_call;
  // Each thread's own arena, in its slot (see thread_slots.hpp); a call whose slot is
  // taken borrows one from the pool instead.
  internal::ThreadSlots<std::unique_ptr<Arena>> slots;
  bool small_weights = false;  // whether arenas after the first copy the weights
  std::vector<char> transposed;  // per node: reads its weight from a transposed copy
  mutable std::mutex mutex;    // guards the pool and the counts
  std::vector<std::unique_ptr<Arena>> pool;
  std::size_t made = 0, copies = 0;

  std::unique_ptr<Arena> make() {
    bool copy = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      copy = small_weights && made > 0;
      ++made;
      if (copy) ++copies;
    }
    return std::make_unique<Arena>(*graph, plan, copy, transposed);
  }
  std::unique_ptr<Arena> take() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!pool.empty()) {
        std::unique_ptr<Arena> a = std::move(pool.back());
        pool.pop_back();
        return a;
      }
    }
    return make();
  }
  void give(std::unique_ptr<Arena> a) {
    std::lock_guard<std::mutex> lock(mutex);
    pool.push_back(std::move(a));
  }
};

PlannedGraph::PlannedGraph(std::shared_ptr<const Graph> graph, std::size_t copy_weights_up_to)
    : state_(std::make_shared<State>()) {
  EMBER_CHECK(graph != nullptr, "jit::PlannedGraph: the graph is null");
  state_->plan = plan_memory(*graph);
  const std::size_t bytes = weight_bytes(*graph);
  state_->small_weights = bytes > 0 && bytes <= copy_weights_up_to;
  for (std::size_t k = 0; k < graph->nodes().size(); ++k) {
    const Node& n = graph->nodes()[k];
    state_->transposed.push_back(state_->small_weights && state_->plan.node_mode[k] == Mode::Into &&
                                 pretransposed(*graph, n));
    state_->runners.push_back(state_->plan.node_mode[k] == Mode::Into ? nullptr : runner_of(n.op));
    std::vector<std::size_t>& positions = state_->per_call.emplace_back();
    for (std::size_t i = 0; i < n.inputs.size(); ++i)
      if (n.inputs[i] >= 0 && !is_static(graph->value(n.inputs[i]))) positions.push_back(i);
  }
  state_->graph = std::move(graph);
}

const Graph& PlannedGraph::graph() const { return *state_->graph; }
const MemoryPlan& PlannedGraph::plan() const { return state_->plan; }
std::size_t PlannedGraph::arenas() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->made;
}
std::size_t PlannedGraph::transposed_weights() const {
  return static_cast<std::size_t>(std::count(state_->transposed.begin(), state_->transposed.end(), 1));
}
std::size_t PlannedGraph::weight_copies() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->copies;
}

std::vector<Tensor> PlannedGraph::operator()(const std::vector<Tensor>& inputs) const {
  // Writing into planned buffers bypasses autograd; with gradients on, replay as usual.
  if (is_grad_enabled()) return run(*state_->graph, inputs);
  const Graph& g = *state_->graph;
  const MemoryPlan& plan = state_->plan;
  check_inputs(g, inputs);
  // The calling thread's arena, or one from the pool, given back however the call ends
  // with its value table emptied, so that it holds no tensor of this call.
  struct Lease {
    State& s;
    internal::ThreadSlots<std::unique_ptr<Arena>>::Taken taken;
    std::unique_ptr<Arena> pooled;
    Arena* a;
    explicit Lease(State& state) : s(state), taken(state.slots) {
      if (std::unique_ptr<Arena>* own = taken.get()) {
        if (!*own) *own = s.make();
        a = own->get();
      } else {
        pooled = s.take();
        a = pooled.get();
      }
    }
    ~Lease() {
      for (Tensor& t : a->env) t = Tensor();
      if (pooled) s.give(std::move(pooled));
    }
  } lease{*state_};
  for (WeightCopy& w : lease.a->weights) w.refresh();
  std::vector<Tensor>& env = lease.a->env;
  const std::vector<Tensor>& slots = lease.a->slots;
  for (std::size_t i = 0; i < inputs.size(); ++i) env[static_cast<std::size_t>(g.inputs()[i])] = inputs[i];

  std::vector<Tensor> outs;
  for (std::size_t k = 0; k < g.nodes().size(); ++k) {
    const Node& n = g.nodes()[k];
    std::vector<Tensor>& args = lease.a->args[k];
    // This call's values into the node's argument list (parameters and constants are
    // there already), taken out again once it ran.
    struct Fill {
      std::vector<Tensor>& args;
      const std::vector<std::size_t>& positions;
      ~Fill() {
        for (std::size_t i : positions) args[i] = Tensor();
      }
    } fill{args, state_->per_call[k]};
    for (std::size_t i : fill.positions) args[i] = env[static_cast<std::size_t>(n.inputs[i])];
    if (plan.node_mode[k] != Mode::Into) {
      outs = state_->runners[k](args, n);
      EMBER_CHECK(outs.size() == n.outputs.size(), "jit: op '{}' gave {} outputs where the graph has {}", n.op,
                  outs.size(), n.outputs.size());
    } else {
      outs.clear();
      for (int o : n.outputs) {
        const auto ou = static_cast<std::size_t>(o);
        const Value& v = g.value(o);
        outs.push_back(plan.offset[ou] >= 0 ? slots[ou] : ember::empty(v.sizes, v.dtype));
      }
      const bool transposed = state_->transposed[k] != 0;  // then the weight is [in, out]
      if (n.op == "linear")
        detail::linear_epilogue(args[0], args[1], args[2], !transposed, "none", outs[0]);
      else if (n.op == "linear_epilogue")
        detail::linear_epilogue(args[0], args[1], args[2], !transposed && attr_bool(n, "transpose_weight"),
                                attr_string(n, "activation"), outs[0]);
      else
        detail::run_fused_into(plan.programs[k] ? *plan.programs[k] : *n.fused, args, outs);
    }
    for (std::size_t i = 0; i < outs.size(); ++i) env[static_cast<std::size_t>(n.outputs[i])] = std::move(outs[i]);
  }
  // Results that are parameters or constants come from the graph itself.
  for (int id : g.outputs())
    if (is_static(g.value(id))) env[static_cast<std::size_t>(id)] = g.value(id).tensor;
  std::vector<Tensor> results;
  for (int id : g.outputs()) results.push_back(env[static_cast<std::size_t>(id)]);
  return results;
}

}  // namespace jit
}  // namespace ember
