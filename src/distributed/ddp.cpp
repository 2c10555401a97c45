// DistributedDataParallel: buckets, gradient hooks and the rank-0 broadcasts.
#include "ember/nn/parallel/distributed.hpp"

#include <algorithm>
#include <map>
#include <unordered_set>

#include "autograd/node.hpp"  // the recorded graph, walked for find_unused_parameters
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/distributed.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace nn {
namespace parallel {

namespace {
// PyTorch caps the first bucket at 1 MB so that the first all-reduce starts early.
constexpr double kFirstBucketBytes = 1024.0 * 1024.0;

struct Bucket {
  std::vector<std::size_t> params;  // indices into Reducer::params
  std::vector<int64_t> offsets;     // where each one's gradient starts in flat
  Tensor flat;
  std::size_t pending = 0;
  bool ready = false;
  std::shared_ptr<distributed::Work> work;
  distributed::FutureTensor future;  // with a comm hook
};
}  // namespace

struct DistributedDataParallel::Reducer {
  std::shared_ptr<Module> module;
  distributed::ProcessGroup* group = nullptr;
  Options options;
  std::vector<Tensor> params;                    // those that require grad, registration order
  std::vector<std::size_t> bucket_of, slot_of;   // per parameter
  std::vector<Bucket> buckets;
  std::vector<unsigned> hook_ids;
  bool require_sync = true;
  // Set by a synchronised forward, cleared when its backward has written the averages.
  bool armed = false;
  std::vector<char> param_ready;
  std::size_t next_launch = 0;
  // find_unused_parameters: what this forward's graph does not reach, marked ready by the
  // first hook of its backward (as PyTorch), so that a zero_grad between forward and
  // backward is seen.
  std::vector<std::size_t> unused;
  // Which parameters got a gradient from this rank's backward (PyTorch's local_used_map).
  std::vector<char> locally_used;
  distributed::CommHook comm_hook;
  bool started = false;  // a forward has run (a comm hook must come before)
  // static_graph: the unused parameters the first iteration found.
  bool graph_recorded = false;
  std::vector<std::size_t> static_unused;

  bool tracks_usage() const { return options.find_unused_parameters || options.static_graph; }

  void build_buckets() {
    // Reverse registration order: backward produces the last layers' gradients first.
    std::map<int, std::size_t> open;  // dtype -> index of its bucket being filled
    std::map<int, double> open_bytes;
    // (A bucket_cap_mb below 1 MB caps the first bucket too.)
    double cap = std::min(kFirstBucketBytes, options.bucket_cap_mb * 1024.0 * 1024.0);
    bucket_of.assign(params.size(), 0);
    slot_of.assign(params.size(), 0);
    for (std::size_t k = params.size(); k-- > 0;) {
      const Tensor& p = params[k];
      int key = static_cast<int>(p.dtype());
      auto it = open.find(key);
      if (it == open.end()) {
        buckets.emplace_back();
        it = open.emplace(key, buckets.size() - 1).first;
        open_bytes[key] = 0;
      }
      Bucket& b = buckets[it->second];
      bucket_of[k] = it->second;
      slot_of[k] = b.params.size();
      b.offsets.push_back(b.params.empty() ? 0 : b.offsets.back() + params[b.params.back()].numel());
      b.params.push_back(k);
      open_bytes[key] += static_cast<double>(p.numel()) * static_cast<double>(p.element_size());
      if (open_bytes[key] >= cap) {
        open.erase(it);
        cap = options.bucket_cap_mb * 1024.0 * 1024.0;
      }
    }
    for (Bucket& b : buckets) {
      int64_t n = b.offsets.back() + params[b.params.back()].numel();
      b.flat = ember::zeros({n}, params[b.params.front()].dtype());
    }
  }

  Tensor slot(std::size_t k) {
    Bucket& b = buckets[bucket_of[k]];
    const Tensor& p = params[k];
    return b.flat.narrow(0, b.offsets[slot_of[k]], p.numel()).view(p.sizes());
  }

  void arm() {
    armed = true;
    param_ready.assign(params.size(), 0);
    locally_used.assign(params.size(), 0);
    next_launch = 0;
    unused.clear();
    for (Bucket& b : buckets) {
      b.pending = b.params.size();
      b.ready = false;
      b.work.reset();
    }
  }

  // The gradient .grad() will hold after this backward, in k's slot.
  void mark_ready(std::size_t k, const Tensor& incoming) {
    NoGradGuard no_grad;
    if (incoming.defined()) locally_used[k] = 1;
    Tensor dst = slot(k);
    const Tensor& old = params[k].grad();
    if (incoming.defined() && old.defined())
      dst.copy_(old + incoming);
    else if (incoming.defined())
      dst.copy_(incoming);
    else if (old.defined())
      dst.copy_(old);
    else
      dst.zero_();
    param_ready[k] = 1;
    Bucket& b = buckets[bucket_of[k]];
    if (--b.pending == 0) b.ready = true;
    try {
      // Launch in bucket order, so that every rank issues the same sequence of collectives.
      while (next_launch < buckets.size() && buckets[next_launch].ready) {
        launch(next_launch);
        ++next_launch;
      }
      if (next_launch == buckets.size()) finish();
    } catch (...) {
      armed = false;  // the error (a lost peer, a timeout) is this backward's, not the next forward's
      throw;
    }
  }

  void launch(std::size_t i) {
    Bucket& b = buckets[i];
    if (!comm_hook) {
      std::vector<Tensor> ts{b.flat};
      b.work = group->allreduce(ts);
      return;
    }
    std::vector<Tensor> grads, ps;
    for (std::size_t j = 0; j < b.params.size(); ++j) {
      grads.push_back(slot(b.params[j]));
      ps.push_back(params[b.params[j]]);
    }
    distributed::GradBucket gb(i, buckets.size(), b.flat, std::move(grads), std::move(ps));
    b.future = comm_hook(gb);
  }

  void finish() {
    NoGradGuard no_grad;
    // Which parameters some rank used: the sum over ranks of the local flags.
    std::vector<char> global_used(params.size(), 1);
    if (tracks_usage() && !params.empty()) {
      Tensor used = ember::zeros({static_cast<int64_t>(params.size())}, kInt32);
      int32_t* u = used.data_ptr<int32_t>();
      for (std::size_t k = 0; k < params.size(); ++k) u[k] = locally_used[k];
      std::vector<Tensor> ts{used};
      group->allreduce(ts)->wait();
      for (std::size_t k = 0; k < params.size(); ++k) global_used[k] = u[k] != 0;
    }
    double world = static_cast<double>(group->getSize());
    for (Bucket& b : buckets) {
      if (comm_hook) {
        Tensor out = b.future.wait();
        EMBER_CHECK(out.defined() && out.numel() == b.flat.numel() && out.dtype() == b.flat.dtype(),
                    "DistributedDataParallel: the comm hook returned {} {} for a bucket of {} {}",
                    out.defined() ? out.dtype() : b.flat.dtype(), out.defined() ? out.sizes() : IntArrayRef{},
                    b.flat.dtype(), b.flat.sizes());
        if (out.data_ptr() != b.flat.data_ptr()) b.flat.copy_(out.reshape({-1}));
      } else {
        b.work->wait();
        b.flat.div_(world);
      }
    }
    for (std::size_t k = 0; k < params.size(); ++k) {
      if (!global_used[k]) continue;  // as PyTorch: a parameter no rank used keeps its grad
      Tensor avg = slot(k);
      Tensor& g = params[k].mutable_grad();
      if (options.gradient_as_bucket_view) {
        // .grad() is the bucket's view: the average is there already.
        if (!g.defined() || g.data_ptr() != avg.data_ptr()) g = avg;
      } else if (g.defined()) {
        g.copy_(avg);
      } else {
        g = avg.clone();
      }
    }
    armed = false;
  }

  // The parameters that the output's recorded graph reaches.
  std::unordered_set<const void*> reached_leaves(const Tensor& output) {
    std::unordered_set<const void*> leaves;
    std::unordered_set<const autograd::Node*> seen;
    std::vector<autograd::Node*> stack;
    if (auto fn = output.grad_fn()) stack.push_back(fn.get());
    while (!stack.empty()) {
      autograd::Node* n = stack.back();
      stack.pop_back();
      if (!seen.insert(n).second) continue;
      if (n->is_accumulator()) {
        leaves.insert(static_cast<autograd::AccumulateGrad*>(n)->variable.unsafeGetTensorImpl());
        continue;
      }
      for (const autograd::Edge& e : n->next)
        if (e.fn) stack.push_back(e.fn.get());
    }
    return leaves;
  }
};

namespace {
void broadcast_from_rank0(distributed::ProcessGroup& group, const std::vector<Tensor>& tensors) {
  if (group.getSize() == 1) return;
  NoGradGuard no_grad;
  for (const Tensor& t : tensors) {
    std::vector<Tensor> ts{t};
    group.broadcast(ts)->wait();
  }
}
}  // namespace

DistributedDataParallel::DistributedDataParallel(Module& module, const Options& options)
    : DistributedDataParallel(std::shared_ptr<Module>(&module, [](Module*) {}), options) {}

DistributedDataParallel::DistributedDataParallel(std::shared_ptr<Module> module, const Options& options)
    : reducer_(std::make_shared<Reducer>()) {
  EMBER_CHECK(module, "DistributedDataParallel: the module is empty");
  EMBER_CHECK(options.bucket_cap_mb > 0, "DistributedDataParallel: bucket_cap_mb must be positive, got {}",
              options.bucket_cap_mb);
  EMBER_CHECK(options.process_group || distributed::is_initialized(),
              "DistributedDataParallel: the default process group is not initialized; call "
              "init_process_group first or pass options.process_group");
  Reducer& r = *reducer_;
  r.module = std::move(module);
  r.options = options;
  r.group = options.process_group ? options.process_group : &distributed::default_group();
  for (const Tensor& p : r.module->parameters()) {
    EMBER_CHECK(p.is_contiguous(), "DistributedDataParallel: parameters must be contiguous; one has shape {}",
                p.sizes());
    if (p.requires_grad()) r.params.push_back(p);
  }
  broadcast_from_rank0(*r.group, r.module->parameters());
  broadcast_from_rank0(*r.group, r.module->buffers());
  r.build_buckets();
  // The hooks hold the reducer weakly: a destroyed DDP leaves its module's tensors working.
  std::weak_ptr<Reducer> weak = reducer_;
  for (std::size_t k = 0; k < r.params.size(); ++k) {
    r.hook_ids.push_back(r.params[k].register_hook([weak, k](const Tensor& g) -> Tensor {
      auto self = weak.lock();
      if (!self || !self->armed || self->param_ready[k]) return Tensor();
      std::vector<std::size_t> unused;
      unused.swap(self->unused);
      for (std::size_t u : unused) self->mark_ready(u, Tensor());
      self->mark_ready(k, g);
      // .grad() gets the average from the reducer; the engine's own accumulation must add nothing.
      return ember::zeros_like(g);
    }));
  }
}

DistributedDataParallel::~DistributedDataParallel() {
  if (!reducer_) return;
  // A destructor must not throw: a hook that is already gone is simply skipped.
  for (std::size_t k = 0; k < reducer_->params.size() && k < reducer_->hook_ids.size(); ++k) {
    try {
      reducer_->params[k].remove_hook(reducer_->hook_ids[k]);
    } catch (const Error&) {
    }
  }
}
DistributedDataParallel::DistributedDataParallel(DistributedDataParallel&&) noexcept = default;
DistributedDataParallel& DistributedDataParallel::operator=(DistributedDataParallel&&) noexcept = default;

Tensor DistributedDataParallel::forward(const Tensor& input) {
  Reducer& r = *reducer_;
  EMBER_CHECK(!r.armed,
              "DistributedDataParallel::forward: the previous iteration's gradient reduction did not finish: "
              "{} of {} parameters got no gradient in backward (was backward not called, or does the output "
              "not depend on every parameter? then set find_unused_parameters)",
              std::count(r.param_ready.begin(), r.param_ready.end(), 0), r.params.size());
  if (r.options.broadcast_buffers) broadcast_from_rank0(*r.group, r.module->buffers());
  r.started = true;
  Tensor out = r.module->call(input);
  if (r.require_sync && is_grad_enabled() && !r.params.empty() && out.requires_grad()) {
    r.arm();
    if (r.options.static_graph && r.graph_recorded) {
      r.unused = r.static_unused;
    } else if (r.tracks_usage()) {
      auto used = r.reached_leaves(out);
      for (std::size_t k = 0; k < r.params.size(); ++k)
        if (!used.count(r.params[k].unsafeGetTensorImpl())) r.unused.push_back(k);
      if (r.options.static_graph) {
        r.static_unused = r.unused;
        r.graph_recorded = true;
      }
    }
  }
  return out;
}

void DistributedDataParallel::register_comm_hook(distributed::CommHook hook) {
  Reducer& r = *reducer_;
  EMBER_CHECK(hook, "DistributedDataParallel::register_comm_hook: the hook is empty");
  EMBER_CHECK(!r.comm_hook, "DistributedDataParallel::register_comm_hook: a comm hook is registered already; "
                            "register_comm_hook can only be called once");
  EMBER_CHECK(!r.started, "DistributedDataParallel::register_comm_hook: call it before the first forward");
  r.comm_hook = std::move(hook);
}

Module& DistributedDataParallel::module() const { return *reducer_->module; }
std::vector<Tensor> DistributedDataParallel::parameters() const { return reducer_->module->parameters(); }

DistributedDataParallel::NoSyncGuard DistributedDataParallel::no_sync() {
  bool previous = reducer_->require_sync;
  reducer_->require_sync = false;
  return NoSyncGuard(reducer_, previous);
}
DistributedDataParallel::NoSyncGuard::~NoSyncGuard() {
  if (reducer_) reducer_->require_sync = previous_;
}
bool DistributedDataParallel::require_backward_grad_sync() const { return reducer_->require_sync; }

std::vector<std::vector<std::size_t>> DistributedDataParallel::bucket_indices() const {
  // Reducer indices count only the parameters that require grad; map them to parameters().
  std::vector<Tensor> all = reducer_->module->parameters();
  std::vector<std::vector<std::size_t>> out;
  for (const Bucket& b : reducer_->buckets) {
    out.emplace_back();
    for (std::size_t k : b.params) {
      const void* impl = reducer_->params[k].unsafeGetTensorImpl();
      for (std::size_t i = 0; i < all.size(); ++i)
        if (all[i].unsafeGetTensorImpl() == impl) out.back().push_back(i);
    }
  }
  return out;
}

}  // namespace parallel
}  // namespace nn
}  // namespace ember
