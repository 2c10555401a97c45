// One rank of a multi-process test of nn::parallel::DistributedDataParallel and
// data::samplers::DistributedSampler, started by launch.py (Gloo on loopback, or mpirun).
//   distributed_ddp_check <gloo|mpi> <scenario> <timeout_ms>
//   distributed_ddp_check sampler_dump      (no group: prints sampler indices for check_sampler.py)
// The expected values come from one process training on the union of the ranks' batches
// (computed here, on every rank, by plain ember autograd without any communication):
// data parallelism with averaged gradients must give the same parameters (within 1e-9).
// It prints "PASS <scenario> rank <r>" and exits 0 when every check held.
#include <ember/data/distributed_sampler.hpp>
#include <ember/distributed.hpp>
#include <ember/ember.hpp>
#include <ember/nn/parallel/distributed.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "rank_checks.hpp"

namespace nn = ember::nn;
namespace F = ember::nn::functional;
using DDP = ember::nn::parallel::DistributedDataParallel;
using Clock = std::chrono::steady_clock;

namespace {

double max_diff(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, (a[i] - b[i]).abs().max().item<double>());
  return m;
}

// The fixed dataset: the same on every rank (its own seed, whatever the model seeds).
constexpr int64_t kIn = 20, kHidden = 16, kOut = 4, kB = 4;
Tensor g_x, g_y;
void make_data(int64_t rows) {
  ember::manual_seed(1234);
  g_x = ember::randn({rows, kIn}, ember::kFloat64);
  g_y = ember::randn({rows, kOut}, ember::kFloat64);
}
Tensor rows(const Tensor& t, int64_t start, int64_t n) { return t.narrow(0, start, n); }

nn::Sequential make_mlp(uint64_t seed) {
  ember::manual_seed(seed);
  nn::Sequential m(nn::Linear(kIn, kHidden), nn::Tanh(), nn::Linear(kHidden, kOut));
  m->to(ember::kFloat64);
  return m;
}

// A ProcessGroup that passes every op to the default group and notes when each
// all-reduce was launched.
class RecordingGroup : public dist::ProcessGroup {
 public:
  explicit RecordingGroup(dist::ProcessGroup& inner)
      : ProcessGroup(inner.getRank(), inner.getSize(), inner.getTimeout()), inner_(inner) {}
  const std::string getBackendName() const override { return inner_.getBackendName(); }
  std::shared_ptr<dist::Work> allreduce(std::vector<Tensor>& t, const dist::AllreduceOptions& o) override {
    launches.push_back(Clock::now());
    return inner_.allreduce(t, o);
  }
  std::shared_ptr<dist::Work> broadcast(std::vector<Tensor>& t, const dist::BroadcastOptions& o) override {
    ++broadcasts;
    return inner_.broadcast(t, o);
  }
  std::shared_ptr<dist::Work> allgather(std::vector<std::vector<Tensor>>& o, std::vector<Tensor>& i) override {
    return inner_.allgather(o, i);
  }
  std::shared_ptr<dist::Work> reduce_scatter(std::vector<Tensor>& o, std::vector<std::vector<Tensor>>& i,
                                             const dist::ReduceScatterOptions& opts) override {
    return inner_.reduce_scatter(o, i, opts);
  }
  std::shared_ptr<dist::Work> send(std::vector<Tensor>& t, int d, int tag) override { return inner_.send(t, d, tag); }
  std::shared_ptr<dist::Work> recv(std::vector<Tensor>& t, int s, int tag) override { return inner_.recv(t, s, tag); }
  std::shared_ptr<dist::Work> barrier() override { return inner_.barrier(); }
  std::vector<Clock::time_point> launches;
  int broadcasts = 0;

 private:
  dist::ProcessGroup& inner_;
};

// DDP on N ranks with batch kB each == one process with batch N*kB; different initial
// weights per rank, made equal by the broadcast at construction.
void scenario_train() {
  const int steps = 20;
  make_data(steps * g_size * kB);
  nn::Sequential reference = make_mlp(100);  // rank 0's initial weights
  nn::Sequential local = make_mlp(100 + g_rank);
  if (g_rank != 0)
    CHECK(max_diff(local->parameters(), reference->parameters()) > 1e-3, "ranks should start apart");
  DDP::Options opts;
  opts.bucket_cap_mb = 0.0001;  // about 100 bytes: three buckets (b2+W2, b1, W1)
  DDP ddp(local, opts);
  CHECK(ddp.bucket_indices().size() >= 3, "expected several buckets, got %zu", ddp.bucket_indices().size());
  CHECK(max_diff(local->parameters(), reference->parameters()) == 0, "not rank 0's weights after construction");
  ember::optim::SGD opt(ddp.parameters(), ember::optim::SGDOptions(0.1).momentum(0.9));
  ember::optim::SGD ref_opt(reference->parameters(), ember::optim::SGDOptions(0.1).momentum(0.9));
  for (int s = 0; s < steps; ++s) {
    int64_t base = s * g_size * kB;
    opt.zero_grad();
    F::mse_loss(ddp.forward(rows(g_x, base + g_rank * kB, kB)), rows(g_y, base + g_rank * kB, kB)).backward();
    opt.step();
    ref_opt.zero_grad();
    F::mse_loss(reference->forward(rows(g_x, base, g_size * kB)), rows(g_y, base, g_size * kB)).backward();
    ref_opt.step();
  }
  double d = max_diff(local->parameters(), reference->parameters());
  CHECK(d < 1e-9, "after %d steps the parameters differ from one process's by %g", steps, d);
  std::printf("rank %d: train max |ddp - single process| = %.3g\n", g_rank, d);
}

// no_sync: the first micro-batch's backward does not communicate; the second all-reduces
// the sum. The same as one process summing the two micro-batches' mean losses.
void scenario_no_sync() {
  const int steps = 5;
  make_data(steps * 2 * g_size * kB);
  nn::Sequential reference = make_mlp(100);
  nn::Sequential local = make_mlp(100 + g_rank);
  RecordingGroup group(dist::default_group());
  DDP::Options opts;
  opts.process_group = &group;
  DDP ddp(local, opts);
  ember::optim::SGD opt(ddp.parameters(), ember::optim::SGDOptions(0.05));
  ember::optim::SGD ref_opt(reference->parameters(), ember::optim::SGDOptions(0.05));
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    ref_opt.zero_grad();
    for (int k = 0; k < 2; ++k) {
      int64_t base = (s * 2 + k) * g_size * kB;
      std::size_t before = group.launches.size();
      if (k == 0) {
        auto guard = ddp.no_sync();
        CHECK(!ddp.require_backward_grad_sync(), "inside no_sync");
        F::mse_loss(ddp.forward(rows(g_x, base + g_rank * kB, kB)), rows(g_y, base + g_rank * kB, kB)).backward();
        CHECK(group.launches.size() == before, "no_sync's backward launched %zu all-reduces",
              group.launches.size() - before);
      } else {
        CHECK(ddp.require_backward_grad_sync(), "after no_sync");
        F::mse_loss(ddp.forward(rows(g_x, base + g_rank * kB, kB)), rows(g_y, base + g_rank * kB, kB)).backward();
        CHECK(group.launches.size() > before, "the synced backward launched no all-reduce");
      }
      F::mse_loss(reference->forward(rows(g_x, base, g_size * kB)), rows(g_y, base, g_size * kB)).backward();
    }
    opt.step();
    ref_opt.step();
  }
  double d = max_diff(local->parameters(), reference->parameters());
  CHECK(d < 1e-9, "no_sync accumulation differs from one process by %g", d);
}

// A net whose middle layer is skipped on some steps by some ranks only.
struct BranchNetImpl : nn::Module {
  BranchNetImpl() {
    fc1 = register_module("fc1", nn::Linear(kIn, kHidden));
    fc2 = register_module("fc2", nn::Linear(kHidden, kHidden));
    fc3 = register_module("fc3", nn::Linear(kHidden, kOut));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = fc1->forward(x).tanh();
    if (!skip) h = fc2->forward(h).tanh();
    return fc3->forward(h);
  }
  nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  bool skip = false;
};
EMBER_MODULE(BranchNet);

BranchNet make_branch(uint64_t seed) {
  ember::manual_seed(seed);
  BranchNet m;
  m->to(ember::kFloat64);
  return m;
}

void scenario_unused() {
  const int steps = 6;
  make_data(steps * g_size * kB);
  BranchNet reference = make_branch(100);
  BranchNet local = make_branch(100 + g_rank);
  DDP::Options opts;
  opts.find_unused_parameters = true;
  opts.bucket_cap_mb = 0.001;
  DDP ddp(local, opts);
  ember::optim::SGD opt(ddp.parameters(), ember::optim::SGDOptions(0.1));
  ember::optim::SGD ref_opt(reference->parameters(), ember::optim::SGDOptions(0.1));
  auto skips = [](int s, int r) { return s % 2 == 0 && r == 1; };  // rank 1, every other step
  for (int s = 0; s < steps; ++s) {
    int64_t base = s * g_size * kB;
    opt.zero_grad();
    local->skip = skips(s, g_rank);
    F::mse_loss(ddp.forward(rows(g_x, base + g_rank * kB, kB)), rows(g_y, base + g_rank * kB, kB)).backward();
    opt.step();
    // One process: the mean over ranks of each rank's loss, each with its own branch.
    ref_opt.zero_grad();
    Tensor total;
    for (int r = 0; r < g_size; ++r) {
      reference->skip = skips(s, r);
      Tensor l = F::mse_loss(reference->forward(rows(g_x, base + r * kB, kB)), rows(g_y, base + r * kB, kB));
      total = total.defined() ? total + l : l;
    }
    (total / static_cast<double>(g_size)).backward();
    ref_opt.step();
  }
  double d = max_diff(local->parameters(), reference->parameters());
  CHECK(d < 1e-9, "find_unused_parameters training differs from one process by %g", d);

  // Without find_unused_parameters a skipped layer leaves the reduction unfinished: the
  // next forward says so (every rank skips, so that no rank waits on another).
  BranchNet other = make_branch(7);
  DDP strict(other);
  other->skip = true;
  F::mse_loss(strict.forward(rows(g_x, 0, kB)), rows(g_y, 0, kB)).backward();
  expect_error([&] { strict.forward(rows(g_x, 0, kB)); }, {"did not finish"}, "unfinished reduction");
  expect_error([&] { strict.forward(rows(g_x, 0, kB)); }, {"2 of 6 parameters"}, "unfinished reduction count");
}

// The first bucket's all-reduce is launched while backward is still producing gradients:
// before the hook on the first layer's weight (the last gradient backward makes) runs.
void scenario_overlap() {
  make_data(64);
  ember::manual_seed(5);
  nn::Sequential net(nn::Linear(64, 256), nn::Tanh(), nn::Linear(256, 256), nn::Tanh(), nn::Linear(256, 256),
                     nn::Tanh(), nn::Linear(256, 8));
  net->to(ember::kFloat64);
  Clock::time_point last_grad{};
  // Registered before DDP's own hooks, so it runs as the gradient arrives.
  net->parameters()[0].register_hook([&](const Tensor&) { last_grad = Clock::now(); });
  RecordingGroup group(dist::default_group());
  DDP::Options opts;
  opts.process_group = &group;
  opts.bucket_cap_mb = 0.25;  // each 256x256 float64 weight (512 KB) closes a bucket
  DDP ddp(net, opts);
  std::size_t buckets = ddp.bucket_indices().size();
  CHECK(buckets >= 3, "expected at least 3 buckets, got %zu", buckets);
  Tensor x = ember::randn({32, 64}, ember::kFloat64);
  for (int it = 0; it < 3; ++it) {
    group.launches.clear();
    Tensor loss = ddp.forward(x).pow(2).mean();
    loss.backward();
    Clock::time_point end = Clock::now();
    CHECK(group.launches.size() == buckets, "launched %zu all-reduces for %zu buckets", group.launches.size(),
          buckets);
    if (group.launches.empty()) return;
    CHECK(group.launches.front() < last_grad, "the first bucket was launched after the last gradient");
    CHECK(last_grad < end, "backward returned before the last gradient");
    using us = std::chrono::microseconds;
    std::printf("rank %d: first all-reduce launched %lld us before the last gradient, backward ended %lld us after it\n",
                g_rank, static_cast<long long>(std::chrono::duration_cast<us>(last_grad - group.launches.front()).count()),
                static_cast<long long>(std::chrono::duration_cast<us>(end - last_grad).count()));
  }
  // Every rank holds the same averaged gradient: its all-reduce MAX equals itself.
  for (const Tensor& p : net->parameters()) {
    Tensor g = p.grad().clone();
    dist::all_reduce(g, dist::ReduceOp::MAX);
    CHECK(max_diff({g}, {p.grad()}) == 0, "gradients differ across ranks");
  }
}

// Buffers: rank 0's at construction and at each forward (unless broadcast_buffers=false).
void scenario_buffers() {
  for (bool bcast : {true, false}) {
    ember::manual_seed(100 + g_rank);
    nn::Sequential net(nn::Linear(kIn, 8), nn::BatchNorm1d(8));
    net->to(ember::kFloat64);
    Tensor mean = net->named_buffers()["1.running_mean"];
    mean.fill_(10.0 + g_rank);
    DDP::Options opts;
    opts.broadcast_buffers = bcast;
    DDP ddp(*net, opts);  // a Module& owned by the caller
    CHECK(mean.eq(10.0).all().item<bool>(), "construction did not broadcast rank 0's running_mean");
    mean.fill_(static_cast<double>(g_rank));
    ddp.module().eval();  // running statistics stay as the broadcast leaves them
    ddp.forward(ember::randn({4, kIn}, ember::kFloat64));
    double want = bcast ? 0.0 : static_cast<double>(g_rank);
    CHECK(mean.eq(want).all().item<bool>(), "broadcast_buffers=%d: running_mean %g, want %g", bcast,
          mean[0].item<double>(), want);
  }
}

// ---- the twin of ddp_twin.py: the same training under PyTorch's DDP ----
// Rank 0 writes to $EMBER_DDP_TWIN_DIR/ember.txt the data, rank 0's initial weights, the
// gradients after each backward ("none" for an undefined one) and the final weights of
// each variant; ddp_twin.py runs torch.nn.parallel.DistributedDataParallel on the same
// and compares. The skip patterns are in both files: keep them in step.
FILE* g_twin = nullptr;
void twin_write(const std::string& label, const Tensor& t) {
  if (!g_twin) return;
  std::fprintf(g_twin, "%s", label.c_str());
  if (!t.defined()) {
    std::fprintf(g_twin, " none\n");
    return;
  }
  Tensor d = t.to(ember::kFloat64).contiguous();
  for (int64_t i = 0; i < d.numel(); ++i) std::fprintf(g_twin, " %.17g", d.data_ptr<double>()[i]);
  std::fprintf(g_twin, "\n");
}
// Which ranks skip fc2 at each step, per variant.
bool twin_skips(const std::string& variant, int step, int rank) {
  if (variant == "unused") return step == 0 || step == 3 || (step == 1 && rank == 1);
  if (variant == "bucket_view_static") return true;
  return false;
}

void scenario_twin() {
  const char* dir = std::getenv("EMBER_DDP_TWIN_DIR");
  if (g_rank == 0 && dir) g_twin = std::fopen((std::string(dir) + "/ember.txt").c_str(), "w");
  const int steps = 4;
  make_data(steps * g_size * kB);
  twin_write("x", g_x);
  twin_write("y", g_y);
  namespace hooks = dist::algorithms::ddp_comm_hooks;
  for (std::string variant : {"unused", "allreduce_hook", "fp16_compress_hook", "bucket_view_static"}) {
    BranchNet local = make_branch(100 + g_rank);
    DDP::Options opts;
    opts.bucket_cap_mb = 0.001;
    opts.find_unused_parameters = variant == "unused";
    opts.gradient_as_bucket_view = opts.static_graph = variant == "bucket_view_static";
    DDP ddp(local, opts);
    if (variant == "allreduce_hook") ddp.register_comm_hook(nullptr, hooks::allreduce_hook);
    if (variant == "fp16_compress_hook") ddp.register_comm_hook(nullptr, hooks::fp16_compress_hook);
    auto named = local->named_parameters();
    for (auto& kv : named) twin_write("init " + variant + " " + kv.key(), kv.value());
    ember::optim::SGD opt(ddp.parameters(), ember::optim::SGDOptions(0.1));
    std::vector<const void*> grad_ptrs;
    for (int s = 0; s < steps; ++s) {
      int64_t base = s * g_size * kB;
      // unused: step 3 keeps step 2's gradients (no zero_grad): fc2, unused by every rank,
      // must keep them as they were.
      if (!(variant == "unused" && s == 3)) opt.zero_grad();
      local->skip = twin_skips(variant, s, g_rank);
      F::mse_loss(ddp.forward(rows(g_x, base + g_rank * kB, kB)), rows(g_y, base + g_rank * kB, kB)).backward();
      for (auto& kv : named)
        twin_write("grad " + variant + " " + std::to_string(s) + " " + kv.key(), kv.value().grad());
      if (variant == "bucket_view_static") {
        // The gradients are views into the buckets: the same memory every step.
        std::vector<const void*> ptrs;
        for (auto& kv : named) ptrs.push_back(kv.value().grad().defined() ? kv.value().grad().data_ptr() : nullptr);
        if (s > 0) CHECK(ptrs == grad_ptrs, "gradient_as_bucket_view: .grad() moved at step %d", s);
        grad_ptrs = ptrs;
        CHECK(!local->fc2->weight.grad().defined(), "static_graph: fc2, never used, has a gradient");
        // Within a bucket, consecutive parameters' gradients are adjacent in memory.
        for (const auto& bucket : ddp.bucket_indices()) {
          std::vector<Tensor> ps = ddp.parameters();
          for (std::size_t j = 1; j < bucket.size(); ++j) {
            const Tensor& a = ps[bucket[j - 1]].grad();
            const Tensor& b = ps[bucket[j]].grad();
            if (!a.defined() || !b.defined()) continue;
            CHECK(static_cast<const char*>(a.data_ptr()) + a.nbytes() == b.data_ptr(),
                  "gradient_as_bucket_view: gradients %zu and %zu of a bucket are not adjacent", bucket[j - 1],
                  bucket[j]);
          }
        }
      }
      opt.step();
    }
    for (auto& kv : named) twin_write("final " + variant + " " + kv.key(), kv.value());
    if (variant == "unused") {
      expect_error([&] { ddp.register_comm_hook(nullptr, hooks::allreduce_hook); }, {"before the first forward"},
                   "comm hook after forward");
    }
  }
  BranchNet other = make_branch(1);
  DDP twice(other);
  twice.register_comm_hook(nullptr, hooks::allreduce_hook);
  expect_error([&] { twice.register_comm_hook(nullptr, hooks::fp16_compress_hook); }, {"can only be called once"},
               "second comm hook");
  // A hook that returns a tensor of the wrong size.
  BranchNet third = make_branch(2);
  DDP bad(third);
  bad.register_comm_hook(dist::CommHook([](dist::GradBucket&) { return dist::FutureTensor::ready(ember::zeros({3})); }));
  expect_error([&] { F::mse_loss(bad.forward(rows(g_x, 0, kB)), rows(g_y, 0, kB)).backward(); },
               {"the comm hook returned float32 [3]"}, "hook result shape");
  if (g_twin) std::fclose(g_twin);
}

// PyTorch's formula, written out here: rank r of n takes indices[r::n] of the padded list.
std::vector<std::size_t> formula(std::size_t size, std::size_t n, std::size_t r, bool drop_last) {
  std::size_t per = drop_last ? size / n : (size + n - 1) / n;
  std::vector<std::size_t> all;
  for (std::size_t i = 0; i < size; ++i) all.push_back(i);
  std::size_t total = per * n;
  while (all.size() < total) all.push_back(all[all.size() - size]);
  all.resize(total);
  std::vector<std::size_t> mine;
  for (std::size_t i = r; i < total; i += n) mine.push_back(all[i]);
  return mine;
}

void scenario_sampler() {
  namespace S = ember::data::samplers;
  for (std::size_t size : {0, 1, 2, 10, 11, 13})
    for (bool drop : {false, true}) {
      S::DistributedSampler s(size, -1, -1, /*shuffle=*/false, 0, drop);  // rank and size from the group
      CHECK(s.num_replicas() == g_size && s.rank() == g_rank, "defaults from the group");
      CHECK(s.indices() == formula(size, g_size, g_rank, drop), "size %zu drop_last %d", size, drop);
      CHECK(s.size() == s.indices().size(), "size() %zu", s.size());
    }
  // Shuffled: every rank's share together is the dataset (padded), the same permutation
  // on every rank; gathered and compared through an all-gather.
  S::DistributedSampler s(23, -1, -1, true, 42);
  s.set_epoch(3);
  std::vector<std::size_t> mine = s.indices();
  {
    // PyTorch's formula over torch.randperm(23) seeded with seed + epoch (ember's global
    // randperm reproduces torch's), padded and strided here.
    ember::manual_seed(42 + 3);
    Tensor perm = ember::randperm(23);
    std::vector<std::size_t> pos = formula(23, g_size, g_rank, false), want;
    for (std::size_t p : pos) want.push_back(static_cast<std::size_t>(perm[static_cast<int64_t>(p)].item<int64_t>()));
    CHECK(mine == want, "shuffled indices differ from randperm(23) after manual_seed(45)");
  }
  Tensor t = ember::tensor(std::vector<int64_t>(mine.begin(), mine.end()));
  std::vector<Tensor> all(g_size);
  for (auto& a : all) a = ember::empty_like(t);
  dist::all_gather(all, t);
  std::vector<int> count(23, 0);
  for (auto& a : all)
    for (int64_t i = 0; i < a.numel(); ++i) ++count[a[i].item<int64_t>()];
  int total = 0;
  for (int c : count) {
    CHECK(c >= 1, "an index missing from the ranks' shares");
    total += c;
  }
  CHECK(total == static_cast<int>(s.total_size()), "padded total %d", total);
  // The caller's generator is left as it was.
  ember::manual_seed(9);
  Tensor a = ember::rand({3});
  ember::manual_seed(9);
  s.set_epoch(4);
  Tensor b = ember::rand({3});
  CHECK(a.equal(b), "set_epoch disturbed the global generator");
  // The DataLoader takes it as its sampler.
  ember::data::TensorDataset ds({ember::arange(23, ember::kFloat64)});
  auto sampler = std::make_shared<S::DistributedSampler>(23, -1, -1, true, 42);
  sampler->set_epoch(3);
  std::vector<std::size_t> seen;
  ember::data::DataLoader loader(ds, ember::data::DataLoaderOptions().batch_size(5).sampler(sampler));
  for (auto& batch : loader)
    for (int64_t i = 0; i < batch[0].numel(); ++i) seen.push_back(static_cast<std::size_t>(batch[0][i].item<double>()));
  CHECK(seen == mine, "the DataLoader's order is not the sampler's");
  expect_error([] { S::DistributedSampler(10, 2, 2); }, {"invalid rank 2"}, "rank out of range");
  DDP::Options bad;
  bad.bucket_cap_mb = 0;
  nn::Sequential net = make_mlp(1);
  expect_error([&] { DDP ddp(net, bad); }, {"bucket_cap_mb must be positive, got 0"}, "bucket cap");
  expect_error([] { S::DistributedSampler(10, 0, 0); }, {"num_replicas must be positive"}, "no replicas");
}

// For check_sampler.py: one line per configuration, compared with PyTorch's sampler.
int sampler_dump() {
  namespace S = ember::data::samplers;
  for (std::size_t size : {1, 7, 10, 23, 100})
    for (int n : {1, 2, 3, 4})
      for (bool shuffle : {true, false})
        for (bool drop : {false, true})
          for (uint64_t seed : {0, 17})
            for (uint64_t epoch : {0, 5})
              for (int r = 0; r < n; ++r) {
                S::DistributedSampler s(size, n, r, shuffle, seed, drop);
                s.set_epoch(epoch);
                std::printf("%zu %d %d %d %d %llu %llu :", size, n, r, shuffle, drop,
                            static_cast<unsigned long long>(seed), static_cast<unsigned long long>(epoch));
                for (std::size_t i : s.indices()) std::printf(" %zu", i);
                std::printf("\n");
              }
  return 0;
}

// Mistakes that need no group, checked before init_process_group.
void errors_before_init() {
  nn::Sequential net = make_mlp(1);
  expect_error([&] { DDP ddp(net); }, {"default process group is not initialized"}, "DDP without a group");
  expect_error([] { ember::data::samplers::DistributedSampler s(10); }, {"not initialized"}, "sampler without a group");
  ember::data::samplers::DistributedSampler s(10, 2, 1, false);  // explicit: no group needed
  CHECK(s.indices() == formula(10, 2, 1, false), "explicit rank without a group");
}

int run(const std::string& backend, const std::string& scenario, int timeout_ms) {
  errors_before_init();
  dist::InitOptions o;
  o.timeout = std::chrono::milliseconds(timeout_ms);
  dist::init_process_group(backend, o);
  g_rank = dist::get_rank();
  g_size = dist::get_world_size();
  if (scenario == "train")
    scenario_train();
  else if (scenario == "no_sync")
    scenario_no_sync();
  else if (scenario == "unused")
    scenario_unused();
  else if (scenario == "overlap")
    scenario_overlap();
  else if (scenario == "buffers")
    scenario_buffers();
  else if (scenario == "sampler")
    scenario_sampler();
  else if (scenario == "twin")
    scenario_twin();
  else
    CHECK(false, "unknown scenario %s", scenario.c_str());
  dist::barrier();
  dist::destroy_process_group();
  if (g_failures) return 1;
  std::printf("PASS %s rank %d\n", scenario.c_str(), g_rank);
  std::fflush(stdout);
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "sampler_dump") return sampler_dump();
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s <gloo|mpi> <scenario> <timeout_ms> | sampler_dump\n", argv[0]);
    return 2;
  }
  try {
    return run(argv[1], argv[2], std::atoi(argv[3]));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: FAIL: uncaught %s\n", g_rank, e.what());
    return 1;
  }
}
