// jit::compile: a cache of traced, optimised graphs keyed by the inputs' shapes and
// dtypes, with an eager fallback for shapes whose trace was refused.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>

#include "ember/autograd.hpp"
#include "ember/threads.hpp"
#include "ember/warning.hpp"
#include "src/core/check.hpp"
#include "ember/jit.hpp"
#include "src/jit/thread_slots.hpp"
#include "src/jit/trace_run.hpp"

namespace ember {
namespace jit {

namespace {
// What a graph is specialised to: each input's dtype and sizes, and whether gradients
// were on (a graph made without them may be fused, which autograd cannot see into).
using Key = std::pair<bool, std::vector<std::pair<Dtype, std::vector<int64_t>>>>;
Key key_of(const std::vector<Tensor>& inputs) {
  Key k;
  k.first = is_grad_enabled();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    EMBER_CHECK(inputs[i].defined(), "jit::compile: input {} is an undefined tensor", i);
    k.second.emplace_back(inputs[i].dtype(), inputs[i].sizes().vec());
  }
  return k;
}
// Whether inputs are what key k was made from (no allocation, unlike key_of).
bool matches(const Key& k, const std::vector<Tensor>& inputs) {
  if (k.first != is_grad_enabled() || k.second.size() != inputs.size()) return false;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || inputs[i].dtype() != k.second[i].first) return false;
    const IntArrayRef sizes = inputs[i].sizes();
    const std::vector<int64_t>& want = k.second[i].second;
    if (sizes.size() != want.size() || !std::equal(want.begin(), want.end(), sizes.begin())) return false;
  }
  return true;
}
std::string describe(const Key& k) {
  std::string s;
  for (const auto& [dtype, sizes] : k.second)
    s += (s.empty() ? "" : ", ") + fmt::format("{}{}", dtype, IntArrayRef(sizes));
  return s;
}
}  // namespace

struct CompiledFunction::State {
  Function fn;
  const nn::Module* module;
  CompileOptions options;
  // A null graph marks a key that runs eagerly.
  struct Entry {
    Key key;
    std::shared_ptr<const Graph> graph;
    // A training step seen once: its next call traces again (an optimizer makes its
    // state on its first step, so that trace may not stand for the later steps).
    bool trace_again = false;
    std::shared_ptr<const PlannedGraph> planned;  // graphs traced with gradients off
  };
  std::list<Entry> lru;  // most recently used first
  std::map<Key, std::list<Entry>::iterator> index;
  std::size_t traces = 0;
  mutable std::mutex mutex;
  // Bumped (under the mutex) whenever an entry comes or goes.
  alignas(64) std::atomic<std::uint64_t> generation{1};
  // Each thread's last graph: a call for the same key, with no entry come or gone
  // since, replays it without the mutex or a reference count shared between threads.
  // After any change every slot's next call takes the locked path once, which also
  // moves its entry to the front of the LRU list: the list orders the entries by use
  // since the last change, which is what the choice of the one to drop needs.
  struct Recent {
    std::uint64_t generation = 0;
    Key key;
    std::shared_ptr<const Graph> graph;
    std::shared_ptr<const PlannedGraph> planned;
  };
  alignas(64) internal::ThreadSlots<Recent> recent;
};

CompiledFunction::CompiledFunction(Function fn, const nn::Module* module, CompileOptions options)
    : state_(std::make_shared<State>()) {
  EMBER_CHECK(options.max_graphs >= 1, "jit::compile: max_graphs must be at least 1, got {}", options.max_graphs);
  state_->fn = std::move(fn);
  state_->module = module;
  state_->options = options;
}

std::vector<Tensor> CompiledFunction::operator()(const std::vector<Tensor>& inputs) const {
  State& s = *state_;
  internal::ThreadSlots<State::Recent>::Taken taken(s.recent);
  State::Recent* recent = taken.get();
  // A replay of a graph: under the options' subnormal mode (the calling thread's is
  // restored after).
  auto replay = [&s, &inputs](const Graph& graph, const PlannedGraph* planned) {
    FlushDenormalGuard mode(s.options.flush_denormal);
    return planned ? (*planned)(inputs) : run(graph, inputs);
  };
  if (recent && recent->generation == s.generation.load(std::memory_order_acquire) && matches(recent->key, inputs))
    return replay(*recent->graph, recent->planned.get());
  Key key = key_of(inputs);
  std::shared_ptr<const Graph> graph;
  std::shared_ptr<const PlannedGraph> planned;
  {
    std::unique_lock<std::mutex> lock(s.mutex);
    auto it = s.index.find(key);
    const bool again = it != s.index.end() && it->second->trace_again;
    if (it != s.index.end() && !again) {
      s.lru.splice(s.lru.begin(), s.lru, it->second);
      graph = it->second->graph;
      planned = it->second->planned;
      if (recent && graph) *recent = State::Recent{s.generation.load(std::memory_order_relaxed), key, graph, planned};
      lock.unlock();
      if (!graph) return s.fn(inputs);
      return replay(*graph, planned.get());
    }
    // A new key: trace under the lock, so that two threads meeting the same new shape
    // trace it once (the others wait, then replay).
    std::vector<Tensor> results;  // the traced run's outputs
    bool step = false, trace_again = false;
    try {
      TracedFunction traced =
          internal::trace_run(s.module, s.fn, inputs, s.options.trace, &results, again ? nullptr : &trace_again);
      step = !traced.graph().updates().empty();
      if (!trace_again) {
        Graph g = s.options.optimize ? passes::optimize(traced.graph()) : traced.graph();
        // Autograd does not see inside a fused node: fuse only graphs traced without it,
        // or a training step's, whose backward is already nodes of the graph. Memory
        // plans are for inference graphs (no state written).
        const bool inference = !is_grad_enabled() && g.updates().empty();
        const bool fusable = inference || g.is_training_step();
        if (s.options.fuse && fusable) g = passes::fuse_linear_epilogue(g);
        if (s.options.fuse && (!is_grad_enabled() || g.is_training_step())) g = passes::fuse_elementwise(g);
        if (s.options.fast_optimizer_math && g.is_training_step()) g = passes::reciprocal_optimizer_math(g);
        graph = std::make_shared<const Graph>(std::move(g));
        if (s.options.plan_memory && inference) planned = std::make_shared<const PlannedGraph>(graph, s.options.copy_weights_up_to);
      }
    } catch (const Error& e) {
      ember::warn(fmt::format("jit::compile: running the function eagerly for inputs ({}): {}", describe(key),
                              e.what()));
    }
    if (again) {
      s.lru.erase(it->second);
      s.index.erase(it);
    }
    ++s.traces;
    s.generation.fetch_add(1, std::memory_order_release);
    s.lru.push_front(State::Entry{key, graph, trace_again, planned});
    s.index[key] = s.lru.begin();
    if (s.lru.size() > s.options.max_graphs) {
      s.index.erase(s.lru.back().key);
      s.lru.pop_back();
    }
    // A function that writes state has had its effect in the traced run: its results
    // are the call's.
    if (step || trace_again || (!graph && !results.empty())) return results;
  }
  // The first call's results come from the graph too, so every call for a shape
  // computes the same way.
  if (!graph) return s.fn(inputs);
  return replay(*graph, planned.get());
}

Tensor CompiledFunction::operator()(const Tensor& input) const {
  std::vector<Tensor> out = (*this)(std::vector<Tensor>{input});
  EMBER_CHECK(out.size() == 1, "jit::compile: this function returns {} outputs; call it with a vector of inputs",
              out.size());
  return out[0];
}

std::size_t CompiledFunction::cached_graphs() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->lru.size();
}
std::size_t CompiledFunction::traces() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->traces;
}
std::shared_ptr<const PlannedGraph> CompiledFunction::planned_for(const std::vector<Tensor>& inputs) const {
  Key key = key_of(inputs);
  std::lock_guard<std::mutex> lock(state_->mutex);
  auto it = state_->index.find(key);
  return it == state_->index.end() ? nullptr : it->second->planned;
}
std::shared_ptr<const Graph> CompiledFunction::graph_for(const std::vector<Tensor>& inputs) const {
  Key key = key_of(inputs);
  std::lock_guard<std::mutex> lock(state_->mutex);
  auto it = state_->index.find(key);
  return it == state_->index.end() ? nullptr : it->second->graph;
}

}  // namespace jit
}  // namespace ember
