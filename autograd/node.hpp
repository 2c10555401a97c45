// The recording: graph nodes, the edges between them, saved tensors with version
// checks, and the per-tensor autograd block.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "ember/autograd.hpp"
#include "ember/tensor.hpp"
#include "src/core/cached_allocator.hpp"

namespace ember {
namespace autograd {

struct Node;
struct AnomalyInfo;  // autograd/anomaly.hpp
template <class T>
using CachedVector = std::vector<T, ember::detail::CachedAllocator<T>>;
using TensorList = CachedVector<Tensor>;
using Hook = std::function<Tensor(const Tensor&)>;

// Where a gradient goes: input `input_nr` of node `fn`.
struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;
};

// A tensor a node keeps for its backward. It never holds the node that owns it (an
// output is saved as detached data plus a weak link), and it remembers the storage
// version so that an in-place change before backward is caught.
struct SavedTensor {
  Tensor data;                      // detached alias, or the leaf / plain tensor itself
  std::shared_ptr<Node> grad_fn;    // history of a saved non-leaf input
  std::weak_ptr<Node> owner;        // for a saved output: the node that produced it
  uint32_t output_nr = 0;
  uint32_t version = 0;
  bool is_output = false;
  bool output_requires_grad = false;
};

// A one-byte lock for the short sections that guard a leaf's autograd block against
// several threads at once. Uncontended it costs one atomic exchange, which keeps ops on
// leaves (every op on a parameter) cheap; a waiter yields its core.
class SpinLock {
 public:
  void lock() {
    while (locked_.exchange(true, std::memory_order_acquire)) std::this_thread::yield();
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

// The autograd block of a tensor; exists only for tensors that take part in autograd.
struct AutogradMeta {
  static void* operator new(std::size_t n) { return ember::detail::cached_alloc(n); }
  static void operator delete(void* p, std::size_t n) { ember::detail::cached_free(p, n); }
  bool requires_grad = false;  // set on leaves by the user
  bool is_view = false;        // a view of a tensor that requires grad
  // A view made with grad mode off of a tensor that requires grad: it reports requires_grad,
  // as PyTorch's, but has no history, so no gradient reaches it or its base.
  bool no_grad_view = false;
  SpinLock accumulator_lock;   // guards grad_accumulator (ops on several threads use a leaf)
  SpinLock grad_lock;          // guards adding into grad (backward on several threads)
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
  uint32_t output_nr = 0;
  std::weak_ptr<Node> grad_accumulator;
  std::vector<std::pair<unsigned, Hook>> leaf_hooks;
  std::shared_ptr<Tensor> retained_grad;  // retain_grad() on a non-leaf
  unsigned retain_grad_hook_id = 0;       // its pre-hook on grad_fn (see rebase_history)
  std::vector<unsigned> hook_ids;         // every handle register_hook gave out for this tensor
};

// For the nodes of select and narrow (and slice with step 1): the region of their input
// that their output views. Their backward pads the gradient with zeros to the input's
// shape; when the input's gradient is already being summed, the engine adds into that
// region instead (an unrolled loop's x[t], every step, would otherwise be a full-size
// tensor of zeros and a full-size sum each).
struct SliceOf {
  int64_t dim = -1;  // -1: not such a node
  int64_t start = 0, length = 0;
  bool dropped = false;  // select: the output has no dim `dim`
};

struct Node : std::enable_shared_from_this<Node> {
  uint64_t seq = 0;
  uint32_t num_outputs = 1;  // outputs of the forward op = gradients this node receives
  SliceOf slice;
  CachedVector<Edge> next;  // one per input of the forward op
  CachedVector<SavedTensor> saved;
  std::vector<std::pair<uint32_t, std::pair<unsigned, Hook>>> pre_hooks;  // (output_nr, (id, hook))
  bool released = false;
  // Where the node was created; set only while anomaly detection is on.
  std::shared_ptr<const AnomalyInfo> anomaly;

  Node();  // counts itself among the live nodes (live_nodes())
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  virtual ~Node();

  virtual const char* name() const = 0;
  // grads: one per forward output (undefined where none arrived). Returns one per input.
  virtual TensorList apply(TensorList&& grads) = 0;
  virtual bool is_accumulator() const { return false; }
  // Frees what backward needed (after a backward without retain_graph).
  void release_saved();
  // Unpacks saved tensor i, checking its version.
  Tensor unpack(std::size_t i);
};

uint64_t next_sequence_nr();
// Graph nodes alive now, in all threads: a leak check (a finished backward, or dropped
// outputs, must bring it back down).
int64_t live_nodes();
inline bool grad_mode_enabled() { return ember::is_grad_enabled(); }  // the flag lives in the core

AutogradMeta& meta_of(const Tensor& t);  // creates the block if missing
inline AutogradMeta* meta_if(const Tensor& t) { return t.autograd_meta(); }
// Whether t takes part in autograd (a leaf that requires grad, or a tensor with history).
inline bool requires_grad(const Tensor& t) {
  AutogradMeta* m = t.autograd_meta();
  return m && (m->requires_grad || m->grad_fn || m->no_grad_view);
}
// Where t's gradient goes: its grad_fn, or its leaf accumulator.
Edge gradient_edge(const Tensor& t);
// Gives a tensor changed in place its new history (fn, output output_nr). A gradient
// retained with retain_grad() follows the tensor to its new version, as in PyTorch; the
// other hooks stay with the old version.
void rebase_history(AutogradMeta& m, std::shared_ptr<Node> fn, uint32_t output_nr);

// Saves t for backward; save_output for a tensor the op itself produced.
SavedTensor save(const Tensor& t);
using SavedList = CachedVector<SavedTensor>;
SavedTensor save_output(const Tensor& t);

// Accumulates into a leaf's .grad.
struct AccumulateGrad final : Node {
  Tensor variable;
  explicit AccumulateGrad(Tensor v) : variable(std::move(v)) { seq = 0; }
  const char* name() const override { return "AccumulateGrad"; }
  TensorList apply(TensorList&& grads) override;
  bool is_accumulator() const override { return true; }
};

}  // namespace autograd
}  // namespace ember

namespace ember {
namespace autograd {
// Sets grad mode for a scope (the engine runs backward with grad mode = create_graph).
class GradModeScope {
 public:
  explicit GradModeScope(bool enabled);
  ~GradModeScope();

 private:
  bool prev_;
};
}  // namespace autograd
}  // namespace ember
