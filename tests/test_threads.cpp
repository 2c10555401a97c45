// ember used from several threads at once: the thread pool shared by calling threads,
// changing the thread count while others compute, backward from several threads (through
// a shared parameter and through independent graphs), the DataLoader's worker, and
// inference on one module shared by several threads. scripts/ci/tsan.sh runs these under
// ThreadSanitizer; the release and AddressSanitizer suites run them too.
//
// Catch2's assertion macros are not thread-safe, so the threads only record what they
// saw and the assertions run on the main thread after the threads are joined.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <numeric>
#include <thread>
#include <vector>

#include "helpers.hpp"
#include "src/core/parallel.hpp"
#include "thread_count_scope.hpp"

using ember::Tensor;

namespace {

// Runs body(i) on n threads and joins them.
template <class F>
void on_threads(int n, F body) {
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) threads.emplace_back([&body, i] { body(i); });
  for (std::thread& t : threads) t.join();
}

// Big enough that ember splits the op over its pool (several grains of kGrainSize).
constexpr int64_t kLarge = 6 * ember::kGrainSize + 123;

}  // namespace

TEST_CASE("threads: several calling threads share the pool, every index is visited once", "[threads]") {
  ThreadCountScope threads(4);
  const int callers = 4;
  const int64_t n = 8 * ember::kGrainSize + 17;
  std::vector<std::vector<int>> visits(callers, std::vector<int>(static_cast<std::size_t>(n), 0));
  std::vector<int> saw_nested(callers, 0);
  on_threads(callers, [&](int c) {
    for (int round = 0; round < 5; ++round) {
      ember::parallel_for(0, n, ember::kGrainSize, [&](int64_t b, int64_t e) {
        // Inside a piece, parallel_for runs inline (never nests).
        if (!ember::in_parallel_region()) saw_nested[static_cast<std::size_t>(c)] = 1;
        for (int64_t i = b; i < e; ++i) ++visits[static_cast<std::size_t>(c)][static_cast<std::size_t>(i)];
      });
    }
  });
  for (int c = 0; c < callers; ++c) {
    CHECK(saw_nested[static_cast<std::size_t>(c)] == 0);
    const auto& v = visits[static_cast<std::size_t>(c)];
    CHECK(std::all_of(v.begin(), v.end(), [](int k) { return k == 5; }));
  }
}

TEST_CASE("threads: an exception in one caller's loop reaches that caller only", "[threads]") {
  ThreadCountScope threads(3);
  std::vector<int> threw(2, 0);
  std::vector<int64_t> sums(2, 0);
  on_threads(2, [&](int c) {
    for (int round = 0; round < 4; ++round) {
      try {
        std::atomic<int64_t> sum{0};
        ember::parallel_for(0, 4 * ember::kGrainSize, ember::kGrainSize, [&](int64_t b, int64_t e) {
          if (c == 0 && b >= 2 * ember::kGrainSize) throw std::runtime_error("piece failed");
          sum.fetch_add(e - b);
        });
        sums[static_cast<std::size_t>(c)] += sum.load();
      } catch (const std::runtime_error&) {
        ++threw[static_cast<std::size_t>(c)];
      }
    }
  });
  CHECK(threw[0] == 4);
  CHECK(threw[1] == 0);
  CHECK(sums[1] == 4 * 4 * ember::kGrainSize);
}

TEST_CASE("threads: set_num_threads while other threads run large ops", "[threads]") {
  ThreadCountScope threads(2);
  Tensor a = ember::arange(kLarge, ember::kFloat32) / 1000;
  Tensor b = ember::full({kLarge}, 0.5, ember::kFloat32);
  // The expected values, computed with one thread (no pool at all).
  Tensor expected;
  {
    ThreadCountScope one(1);
    expected = ember::exp(a * b) + a;
  }
  std::atomic<bool> done{false};
  std::vector<int> mismatches(2, 0);
  std::thread changer([&] {
    for (int k = 0; !done.load(); ++k) {
      ember::set_num_threads(1 + k % 4);
      std::this_thread::yield();
    }
  });
  on_threads(2, [&](int c) {
    for (int round = 0; round < 40; ++round) {
      Tensor r = ember::exp(a * b) + a;
      if (!ember::equal(r, expected)) ++mismatches[static_cast<std::size_t>(c)];
    }
  });
  done = true;
  changer.join();
  CHECK(mismatches == std::vector<int>{0, 0});
  CHECK(ember::get_num_threads() >= 1);
}

TEST_CASE("threads: backward from two threads through a shared parameter sums the gradients", "[threads]") {
  // loss_t = sum(x_t * w + w * w), so d loss_t / dw = x_t + 2 w (by hand), and the
  // accumulated gradient after `rounds` backward passes per thread is
  // rounds * sum_t (x_t + 2 w).
  const int workers = 2, rounds = 25;
  Tensor w = ember::linspace(-1.0, 1.0, 64, ember::kFloat64).requires_grad_(true);
  std::vector<Tensor> xs;
  for (int t = 0; t < workers; ++t) xs.push_back(ember::rand({64}, ember::kFloat64) + t);
  on_threads(workers, [&](int t) {
    for (int round = 0; round < rounds; ++round) {
      Tensor loss = (xs[static_cast<std::size_t>(t)] * w + w * w).sum();
      loss.backward();
    }
  });
  Tensor expected = ember::zeros({64}, ember::kFloat64);
  {
    ember::NoGradGuard no_grad;
    for (const Tensor& x : xs) expected = expected + rounds * (x + 2 * w);
  }
  REQUIRE(w.grad().defined());
  CHECK(ember::allclose(w.grad(), expected, 1e-12, 1e-12));
}

TEST_CASE("threads: training steps of one shared Linear from two threads accumulate both", "[threads]") {
  // The module's weight and bias are leaves reached from both threads' graphs; each
  // thread's loss is sum(fc(x_t)), whose gradient is sum over rows of x_t for the weight
  // (every output row) and the row count for the bias (by hand).
  ember::nn::Linear fc(8, 3);
  std::vector<Tensor> xs{ember::rand({5, 8}, ember::kFloat32), ember::rand({7, 8}, ember::kFloat32)};
  const int rounds = 20;
  on_threads(2, [&](int t) {
    for (int round = 0; round < rounds; ++round) fc->forward(xs[static_cast<std::size_t>(t)]).sum().backward();
  });
  Tensor x_sum = (xs[0].sum(0) + xs[1].sum(0)) * rounds;
  CHECK(ember::allclose(fc->weight.grad(), x_sum.unsqueeze(0).expand({3, 8}), 1e-5, 1e-4));
  CHECK(ember::allclose(fc->bias.grad(), ember::full({3}, 12.0 * rounds), 1e-6, 1e-6));
}

TEST_CASE("threads: backward on independent graphs in four threads", "[threads]") {
  // Each thread: y = sum(tanh(a) * b); dy/da = (1 - tanh(a)^2) * b, dy/db = tanh(a) (by hand).
  const int workers = 4;
  std::vector<Tensor> as, bs;
  for (int t = 0; t < workers; ++t) {
    as.push_back(ember::rand({300}, ember::kFloat64).requires_grad_(true));
    bs.push_back(ember::rand({300}, ember::kFloat64).requires_grad_(true));
  }
  on_threads(workers, [&](int t) {
    Tensor& a = as[static_cast<std::size_t>(t)];
    Tensor& b = bs[static_cast<std::size_t>(t)];
    for (int round = 0; round < 3; ++round) {
      a.mutable_grad() = Tensor();
      b.mutable_grad() = Tensor();
      (ember::tanh(a) * b).sum().backward();
    }
  });
  ember::NoGradGuard no_grad;
  for (int t = 0; t < workers; ++t) {
    Tensor th = ember::tanh(as[static_cast<std::size_t>(t)]);
    CHECK(ember::allclose(as[static_cast<std::size_t>(t)].grad(), (1 - th * th) * bs[static_cast<std::size_t>(t)]));
    CHECK(ember::allclose(bs[static_cast<std::size_t>(t)].grad(), th));
  }
}

TEST_CASE("threads: inference on one shared module from four threads equals one thread's", "[threads]") {
  ember::nn::Sequential net(ember::nn::Linear(16, 32), ember::nn::ReLU(), ember::nn::Linear(32, 4));
  Tensor x = ember::rand({10, 16}, ember::kFloat32);
  Tensor expected;
  {
    ember::NoGradGuard no_grad;
    expected = net->forward(x);
  }
  const int workers = 4;
  std::vector<int> mismatches(workers, 0);
  on_threads(workers, [&](int t) {
    ember::NoGradGuard no_grad;  // grad mode is per thread
    for (int round = 0; round < 20; ++round)
      if (!ember::equal(net->forward(x), expected)) ++mismatches[static_cast<std::size_t>(t)];
  });
  CHECK(mismatches == std::vector<int>(workers, 0));
  CHECK(!expected.requires_grad());
}

TEST_CASE("threads: DataLoader workers run beside training threads", "[threads]") {
  // Two loaders consumed on two threads at once, each with its background worker; every
  // epoch must see every sample once.
  const int64_t n = 200;
  Tensor rows = ember::arange(n, ember::kInt64).unsqueeze(1).expand({n, 3}).contiguous();
  std::vector<int> bad_epochs(2, 0);
  on_threads(2, [&](int t) {
    ember::data::DataLoader loader(
        ember::data::TensorDataset({rows}),
        ember::data::DataLoaderOptions().batch_size(16).shuffle(true).seed(static_cast<uint64_t>(t)).prefetch(2));
    for (int epoch = 0; epoch < 4; ++epoch) {
      std::vector<int64_t> seen;
      for (auto& batch : loader) {
        std::vector<int64_t> first = batch[0].select(1, 0).tolist<int64_t>();
        seen.insert(seen.end(), first.begin(), first.end());
      }
      std::sort(seen.begin(), seen.end());
      std::vector<int64_t> all(static_cast<std::size_t>(n));
      std::iota(all.begin(), all.end(), int64_t(0));
      if (seen != all) ++bad_epochs[static_cast<std::size_t>(t)];
    }
    // An epoch left early, then the loader destroyed while its worker is ahead.
    for (auto& batch : loader) {
      (void)batch;
      break;
    }
  });
  CHECK(bad_epochs == std::vector<int>{0, 0});
}
