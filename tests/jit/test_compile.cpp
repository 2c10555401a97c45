// jit::compile: one graph per input shape, the cache bound, the eager fallback, and
// calls from several threads (the reference is the eager function itself).
#include <catch2/catch.hpp>
#include <ember/ember.hpp>
#include <ember/jit.hpp>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "jit_test_helpers.hpp"

namespace {
namespace jit = ember::jit;
namespace nn = ember::nn;
using ember::Tensor;

struct CaptureWarnings : ember::WarningHandler {
  std::vector<std::string> seen;
  void process(const ember::Warning& w) override { seen.push_back(w.msg()); }
};

// An Elman cell unrolled over the sequence's own length: the loop count is a shape,
// so each length is its own graph.
std::vector<Tensor> unroll(const Tensor& w, const std::vector<Tensor>& xs) {
  const Tensor& seq = xs[0];  // [T, N, H]
  Tensor h = ember::zeros({seq.size(1), seq.size(2)});
  for (int64_t t = 0; t < seq.size(0); ++t) h = ember::tanh(ember::matmul(h, w) + seq.select(0, t));
  return {h};
}
}  // namespace

TEST_CASE("compile traces once per input shape and replays afterwards", "[jit][compile]") {
  ember::manual_seed(4);
  Tensor w = ember::randn({3, 3}) * 0.5;
  auto f = [w](const std::vector<Tensor>& xs) { return unroll(w, xs); };
  jit::CompiledFunction rnn = jit::compile(f);
  for (int64_t len : {3, 5, 3, 5, 1}) {
    Tensor x = ember::randn({len, 2, 3});
    std::vector<Tensor> got = rnn(std::vector<Tensor>{x});
    CHECK(ember::allclose(got[0], f({x})[0], 1e-5, 1e-6));
  }
  CHECK(rnn.traces() == 3);
  CHECK(rnn.cached_graphs() == 3);
  auto g5 = rnn.graph_for({ember::zeros({5, 2, 3})});
  REQUIRE(g5 != nullptr);
  // Five steps of matmul, select, add, tanh, less the first matmul: the captured w and
  // the zeros() state are constants, so constant folding computed zeros @ w once.
  CHECK(g5->nodes().size() == 19);
  CHECK(rnn.graph_for({ember::zeros({4, 2, 3})}) == nullptr);
}

TEST_CASE("compile keeps at most max_graphs graphs, dropping the least recently used", "[jit][compile]") {
  auto f = [](const std::vector<Tensor>& xs) { return std::vector<Tensor>{xs[0].exp().sum(0)}; };
  jit::CompileOptions options;
  options.max_graphs = 2;
  jit::CompiledFunction c = jit::compile(f, options);
  c(ember::zeros({1}));
  c(ember::zeros({2}));
  c(ember::zeros({1}));  // 1 is now the most recent
  c(ember::zeros({3}));  // drops 2
  CHECK(c.cached_graphs() == 2);
  CHECK(c.graph_for({ember::zeros({2})}) == nullptr);
  CHECK(c.graph_for({ember::zeros({1})}) != nullptr);
  CHECK(c.traces() == 3);
  c(ember::zeros({2}));
  CHECK(c.traces() == 4);
  CHECK_THROWS_WITH(jit::compile(f, jit::CompileOptions{0}), Catch::Contains("max_graphs must be at least 1, got 0"));
}

TEST_CASE("a graph a thread replays without the lock goes when its cache entry goes", "[jit][compile]") {
  auto f = [](const std::vector<Tensor>& xs) { return std::vector<Tensor>{xs[0].exp().sum(0) * 2.0}; };
  jit::CompileOptions options;
  options.max_graphs = 1;
  jit::CompiledFunction c = jit::compile(f, options);
  for (int i = 0; i < 3; ++i) c(ember::zeros({2}));  // traced, then replayed from this thread's slot
  CHECK(c.traces() == 1);
  c(ember::zeros({3}));  // drops the graph for [2]
  CHECK(c.graph_for({ember::zeros({2})}) == nullptr);
  Tensor x = ember::randn({2});
  CHECK(ember::allclose(c(x), f({x})[0], 1e-6, 1e-6));  // traced again, not the dropped graph
  CHECK(c.traces() == 3);
  CHECK(c.cached_graphs() == 1);
  CHECK(c.graph_for({ember::zeros({2})}) != nullptr);
  // Gradient mode is part of the key, on the lock-free path too.
  Tensor y = c(x);
  {
    ember::NoGradGuard no_grad;
    CHECK(ember::allclose(c(x), y));
  }
  CHECK(c.traces() == 4);
}

TEST_CASE("compile runs eagerly, with one warning, where the trace is refused", "[jit][compile]") {
  CaptureWarnings capture;
  ember::WarningUtils::WarningHandlerGuard guard(&capture);
  auto f = [](const std::vector<Tensor>& xs) {
    return std::vector<Tensor>{xs[0] * xs[0].sum().item<double>()};  // depends on a value read into C++
  };
  jit::CompiledFunction c = jit::compile(f);
  Tensor x = ember::rand({4}) + 1;
  CHECK(ember::allclose(c(x), f({x})[0]));
  Tensor x2 = ember::rand({4}) + 1;
  CHECK(ember::allclose(c(x2), f({x2})[0]));
  int eager_warnings = 0;
  for (const std::string& w : capture.seen)
    if (w.find("jit::compile: running the function eagerly for inputs (float32[4])") != std::string::npos)
      ++eager_warnings;
  CHECK(eager_warnings == 1);
  CHECK(c.traces() == 1);
  CHECK(c.graph_for({x}) == nullptr);
}

TEST_CASE("a compiled module replays its optimised graph", "[jit][compile]") {
  ember::manual_seed(5);
  nn::Sequential mlp(nn::Linear(8, 16), nn::GELU(), nn::Dropout(0.2), nn::Linear(16, 2));
  mlp->eval();
  jit::CompiledFunction c = jit::compile(mlp);
  Tensor x = ember::randn({4, 8});
  CHECK(ember::allclose(c(x), mlp->forward(x)));
  CHECK(jit_test::ops_of(*c.graph_for({x})) == jit_test::Ops{"linear", "gelu", "linear"});
}

TEST_CASE("a compiled model answers from several threads at once", "[jit][compile][threads]") {
  ember::manual_seed(6);
  nn::Sequential mlp(nn::Linear(16, 32), nn::ReLU(), nn::Linear(32, 4));
  ember::NoGradGuard no_grad;
  jit::CompiledFunction c = jit::compile(mlp);
  const int kThreads = 4, kCalls = 25;
  std::vector<Tensor> inputs, want;
  for (int i = 0; i < kThreads; ++i) {
    inputs.push_back(ember::randn({2, 16}));
    want.push_back(mlp->forward(inputs.back()));
  }
  std::vector<int> good(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      ember::NoGradGuard no_grad_here;  // grad mode is per thread
      for (int i = 0; i < kCalls; ++i)
        if (ember::allclose(c(inputs[static_cast<std::size_t>(t)]), want[static_cast<std::size_t>(t)])) ++good[t];
    });
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) CHECK(good[static_cast<std::size_t>(t)] == kCalls);
  CHECK(c.traces() == 1);  // one shape, traced once however the threads raced
}

TEST_CASE("compiled replays flush subnormals unless told not to, and leave the caller's mode as it was",
          "[jit][compile][denormal]") {
  // 2^-100 * 2^-40 = 2^-140 is subnormal (the smallest normal float is 2^-126): an IEEE
  // fact, checked with std::fpclassify. Replays run under FlushDenormalGuard, so where
  // the CPU can flush the compiled result is 0.
  const float subnormal = std::ldexp(1.0f, -140);
  REQUIRE(std::fpclassify(subnormal) == FP_SUBNORMAL);
  const bool can_flush = ember::set_flush_denormal(false);
  ember::NoGradGuard no_grad;
  auto f = [](const std::vector<Tensor>& xs) { return std::vector<Tensor>{xs[0] * std::ldexp(1.0f, -40)}; };
  Tensor x = ember::full({8}, std::ldexp(1.0f, -100));
  jit::CompiledFunction flushing = jit::compile(f);
  jit::CompileOptions ieee_options;
  ieee_options.flush_denormal = false;
  jit::CompiledFunction ieee = jit::compile(f, ieee_options);
  for (int call = 0; call < 3; ++call) {  // the traced call and the replays
    INFO("call " << call);
    CHECK(flushing(x)[0].item<float>() == (can_flush ? 0.0f : subnormal));
    CHECK(ieee(x)[0].item<float>() == subnormal);
    // The caller's thread keeps IEEE arithmetic after the replay.
    CHECK((x * std::ldexp(1.0f, -40))[0].item<float>() == subnormal);
  }
}
