// Soak tests: long runs whose memory must plateau. Hidden from a plain ember-tests run
// ([.soak]); CTest runs them as the soak_* tests (tests/CMakeLists.txt), alone with
// `ctest -L soak`.
//
// Each samples the resident size (and the allocator's own counts, which are exact)
// along the run and bounds the growth over its second half. The bounds allow noise of
// the system allocator and page granularity, but not a leak of one small tensor per
// step (or per handed-over tensor).
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "autograd/node.hpp"
#include "helpers.hpp"
#include "memory_helpers.hpp"

using ember::Tensor;
namespace nn = ember::nn;
namespace F = ember::nn::functional;

namespace {

constexpr double kMiB = 1 << 20;

struct Samples {
  std::vector<double> step, rss, allocated, reserved, nodes;
  void take(double at) {
    ember::MemoryStats s = ember::memory_stats();
    step.push_back(at);
    rss.push_back(testing::rss_bytes());
    allocated.push_back(static_cast<double>(s.allocated_bytes));
    reserved.push_back(static_cast<double>(s.reserved_bytes));
    nodes.push_back(static_cast<double>(ember::autograd::live_nodes()));
  }
  // The second half of a series.
  static std::vector<double> late(const std::vector<double>& v) {
    return std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  }
  double late_slope(const std::vector<double>& v) const { return testing::slope(late(step), late(v)); }
};

// Trains for `steps` steps, sampling every 500; the graph of each step is gone by the
// sample, so the live-node count and the allocated bytes must repeat exactly, and the
// resident size must stop growing.
template <class Step>
void check_training_plateaus(int steps, Step&& train_step) {
  const int64_t nodes = ember::autograd::live_nodes();
  Samples s;
  for (int i = 1; i <= steps; ++i) {
    train_step();
    if (i % 500 == 0) s.take(i);
  }
  for (double n : s.nodes) CHECK(n == static_cast<double>(nodes));
  std::vector<double> late_allocated = Samples::late(s.allocated);
  for (double a : late_allocated) CHECK(a == late_allocated.front());
  INFO("RSS from " << s.rss.front() / kMiB << " MiB to " << s.rss.back() / kMiB << " MiB");
  INFO("late RSS slope " << s.late_slope(s.rss) << " bytes/step");
  CHECK(s.late_slope(s.reserved) <= 1.0);
  // A leak of even one {16, 8} float tensor per step would be 512 + 256 bytes a step.
  CHECK(s.late_slope(s.rss) < 64.0 + testing::kAsanSlackBytes / steps);
}

}  // namespace

TEST_CASE("soak: an MLP trains 10^4 steps in bounded memory", "[.soak][soak_mlp]") {
  ember::manual_seed(0);
  nn::Linear fc1(32, 64), fc2(64, 64), fc3(64, 8);
  std::vector<Tensor> params;
  for (auto* m : {fc1.get(), fc2.get(), fc3.get()})
    for (const Tensor& p : m->parameters()) params.push_back(p);
  ember::optim::Adam opt(params, ember::optim::AdamOptions(1e-3));
  Tensor x = ember::randn({16, 32}), target = ember::randn({16, 8});
  double first_loss = -1, last_loss = 0;
  check_training_plateaus(10000, [&] {
    Tensor out = fc3->forward(ember::tanh(fc2->forward(ember::relu(fc1->forward(x)))));
    Tensor loss = F::mse_loss(out, target);
    opt.zero_grad();
    loss.backward();
    opt.step();
    last_loss = loss.item<double>();
    if (first_loss < 0) first_loss = last_loss;
  });
  CHECK(last_loss < first_loss);  // it did train
}

TEST_CASE("soak: an LSTM trains 10^4 steps in bounded memory", "[.soak][soak_lstm]") {
  ember::manual_seed(0);
  nn::LSTMCell cell(8, 32);
  nn::Linear head(32, 8);
  std::vector<Tensor> params = cell->parameters();
  for (const Tensor& p : head->parameters()) params.push_back(p);
  ember::optim::SGD opt(params, ember::optim::SGDOptions(0.05).momentum(0.9));
  Tensor seq = ember::randn({6, 4, 8}), target = ember::randn({4, 8});
  double first_loss = -1, last_loss = 0;
  check_training_plateaus(10000, [&] {
    std::optional<std::tuple<Tensor, Tensor>> state;
    for (int64_t t = 0; t < seq.size(0); ++t) state = cell->forward(seq.select(0, t), state);
    Tensor loss = F::mse_loss(head->forward(std::get<0>(*state)), target);
    opt.zero_grad();
    loss.backward();
    opt.step();
    last_loss = loss.item<double>();
    if (first_loss < 0) first_loss = last_loss;
  });
  CHECK(last_loss < first_loss);
}

TEST_CASE("soak: 10^6 tensors handed from a producer thread to a consumer", "[.soak][soak_threads]") {
  // The producer makes tensors of 1 to 2.5 KB and hands them over in batches; the
  // consumer drops them. Every block is freed on another thread than the one that made it.
  constexpr int kTensors = 1000000, kBatch = 250, kMaxQueued = 8;
  std::mutex mutex;
  std::condition_variable ready, space;
  std::deque<std::vector<Tensor>> queue;
  bool done = false;
  std::vector<double> rss_at;  // every 100,000 consumed
  std::thread consumer([&] {
    int consumed = 0;
    for (;;) {
      std::vector<Tensor> batch;
      {
        std::unique_lock<std::mutex> lock(mutex);
        ready.wait(lock, [&] { return !queue.empty() || done; });
        if (queue.empty()) return;
        batch = std::move(queue.front());
        queue.pop_front();
      }
      space.notify_one();
      for (Tensor& t : batch) {
        t = Tensor();
        if (++consumed % 100000 == 0) rss_at.push_back(testing::rss_bytes());
      }
    }
  });
  std::vector<Tensor> batch;
  for (int i = 0; i < kTensors; ++i) {
    batch.push_back(ember::empty({256 + (int64_t(i) * 7919) % 385}));  // 256..640 floats
    if (batch.size() == kBatch) {
      std::unique_lock<std::mutex> lock(mutex);
      space.wait(lock, [&] { return queue.size() < kMaxQueued; });
      queue.push_back(std::move(batch));
      batch.clear();
      ready.notify_one();
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  ready.notify_one();
  consumer.join();
  REQUIRE(rss_at.size() == 10);
  INFO("RSS after 100,000 tensors " << rss_at.front() / kMiB << " MiB, after 10^6 " << rss_at.back() / kMiB << " MiB");
  // Without reuse, the 900,000 tensors after the first sample would hold ~2 GiB.
  CHECK(rss_at.back() - rss_at.front() < 32 * kMiB + testing::kAsanSlackBytes);
  ember::MemoryStats s = ember::memory_stats();
  CHECK(s.reserved_bytes == s.allocated_bytes + s.cached_bytes);
  CHECK(s.cached_bytes < 64 * kMiB);
}

TEST_CASE("soak: a DataLoader with a worker thread runs many epochs in bounded memory", "[.soak][soak_dataloader]") {
  ember::manual_seed(0);
  Tensor xs = ember::randn({4096, 64}), ys = ember::randn({4096});
  ember::data::DataLoader loader(ember::data::TensorDataset({xs, ys}),
                                 ember::data::DataLoaderOptions().batch_size(32).shuffle(true).seed(1).num_workers(1));
  Samples s;
  double total = 0;
  for (int epoch = 1; epoch <= 100; ++epoch) {
    for (auto& batch : loader) total += (batch[0].sum() + batch[1].sum()).item<double>();
    s.take(epoch);
  }
  CHECK(std::isfinite(total));
  INFO("RSS from " << s.rss.front() / kMiB << " MiB to " << s.rss.back() / kMiB << " MiB");
  // An epoch moves 1 MiB of batches through the worker.
  CHECK(s.late_slope(s.rss) < 16 * 1024 + testing::kAsanSlackBytes / 100);
  CHECK(s.late_slope(s.reserved) <= 1.0);
  std::vector<double> late_allocated = Samples::late(s.allocated);
  for (double a : late_allocated) CHECK(a == late_allocated.front());
}
