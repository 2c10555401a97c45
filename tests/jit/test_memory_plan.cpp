// plan_memory and PlannedGraph: where values go (in place, shared offsets, views and
// graph outputs kept out of the arena), replays equal to the eager function (the
// reference), the allocation count of a compiled MLP's steady state, and calls from
// several threads.
#include <catch2/catch.hpp>
#include <ember/detail/allocation_count.hpp>
#include <ember/ember.hpp>
#include <ember/jit.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "jit_test_helpers.hpp"

namespace {
namespace jit = ember::jit;
namespace nn = ember::nn;
using ember::Tensor;
using jit_test::Ops;
using jit_test::ops_of;

// The graph of f traced on `example`, unoptimised and unfused, planned.
jit::PlannedGraph planned(const jit::Function& f, const std::vector<Tensor>& example) {
  return jit::PlannedGraph(std::make_shared<const jit::Graph>(jit::trace(f, example).graph()));
}
// The output value of the first node running `op`.
int value_of(const jit::Graph& g, const std::string& op) {
  for (const jit::Node& n : g.nodes())
    if (n.op == op) return n.outputs[0];
  FAIL("no node " << op);
  return -1;
}
}  // namespace

TEST_CASE("a chain of elementwise nodes runs in place in one arena buffer", "[jit][memplan]") {
  auto f = [](const std::vector<Tensor>& xs) {
    return std::vector<Tensor>{ember::tanh(ember::sin(ember::exp(xs[0]) * 2.0) + 1.0)};
  };
  jit::PlannedGraph p = planned(f, {ember::randn({64})});
  REQUIRE(ops_of(p.graph()) == Ops{"exp", "mul", "sin", "add", "tanh"});
  const jit::MemoryPlan& plan = p.plan();
  CHECK(plan.fallback_nodes == 0);
  CHECK(plan.in_place_nodes == 3);  // mul, sin and add over exp's buffer; tanh makes the output
  CHECK(plan.arena_values == 4);
  CHECK(plan.arena_bytes == 64 * 4);
  CHECK(plan.offset[static_cast<std::size_t>(p.graph().outputs()[0])] == -1);  // the caller's
  ember::NoGradGuard no_grad;
  for (int i = 0; i < 3; ++i) {
    Tensor x = ember::randn({64});
    CHECK(ember::allclose(p({x})[0], f({x})[0], 1e-6, 1e-6));
  }
  CHECK(p.arenas() == 1);
}

TEST_CASE("values alive together get separate memory, and a transposed read blocks writing in place", "[jit][memplan]") {
  auto f = [](const std::vector<Tensor>& xs) {
    Tensor a = ember::exp(xs[0]);
    Tensor b = ember::sin(xs[0]);
    Tensor c = ember::cos(xs[0]);
    Tensor d = a * b;
    Tensor e = d + a.t();  // a is still read here, through a view
    return std::vector<Tensor>{ember::sigmoid(e * c)};
  };
  ember::manual_seed(21);
  jit::PlannedGraph p = planned(f, {ember::randn({8, 8})});
  const jit::Graph& g = p.graph();
  const jit::MemoryPlan& plan = p.plan();
  auto offset = [&](const std::string& op) { return plan.offset[static_cast<std::size_t>(value_of(g, op))]; };
  CHECK(plan.view_nodes == 1);
  CHECK(plan.fallback_nodes == 0);
  // a, b and c are alive together up to d.
  CHECK(offset("exp") != offset("sin"));
  CHECK(offset("exp") != offset("cos"));
  CHECK(offset("sin") != offset("cos"));
  // d may overwrite b (b dies at d), but not a, which the transpose still reads.
  CHECK(offset("mul") == offset("sin"));
  CHECK(offset("add") != offset("exp"));
  ember::NoGradGuard no_grad;
  Tensor x = ember::randn({8, 8});
  CHECK(ember::allclose(p({x})[0], f({x})[0], 1e-6, 1e-6));
}

TEST_CASE("a graph output that views an intermediate is the caller's, not arena memory", "[jit][memplan]") {
  auto f = [](const std::vector<Tensor>& xs) {
    Tensor a = ember::exp(xs[0]);
    return std::vector<Tensor>{a.reshape({-1}), ember::tanh(a)};
  };
  jit::PlannedGraph p = planned(f, {ember::randn({3, 4})});
  CHECK(p.plan().arena_values == 0);  // a is seen through an output: made at each call
  ember::NoGradGuard no_grad;
  Tensor x1 = ember::randn({3, 4}), x2 = ember::randn({3, 4});
  std::vector<Tensor> first = p({x1});
  std::vector<Tensor> second = p({x2});
  CHECK(ember::allclose(first[0], ember::exp(x1).reshape({-1})));  // not overwritten by the second call
  CHECK(ember::allclose(first[1], ember::tanh(ember::exp(x1))));
  CHECK(ember::allclose(second[0], ember::exp(x2).reshape({-1})));
}

TEST_CASE("nodes with no path into a buffer fall back to allocating and are counted", "[jit][memplan]") {
  auto f = [](const std::vector<Tensor>& xs) {
    Tensor s = ember::softmax(ember::exp(xs[0]), 1);
    return std::vector<Tensor>{(ember::tanh(s) * 2.0).exp()};
  };
  jit::PlannedGraph p = planned(f, {ember::randn({2, 5})});
  CHECK(p.plan().fallback_nodes == 1);  // softmax
  CHECK(p.plan().node_mode[1] == jit::MemoryPlan::Mode::Fallback);
  CHECK(p.plan().in_place_nodes == 1);  // the mul over tanh's result (exp makes the output)
  ember::NoGradGuard no_grad;
  Tensor x = ember::randn({2, 5});
  CHECK(ember::allclose(p({x})[0], f({x})[0], 1e-6, 1e-6));
}

TEST_CASE("a planned graph replays with run() when gradients are on", "[jit][memplan]") {
  auto f = [](const std::vector<Tensor>& xs) { return std::vector<Tensor>{ember::tanh(ember::exp(xs[0]) * 2.0)}; };
  jit::PlannedGraph p = planned(f, {ember::randn({4})});
  Tensor x = ember::randn({4}, ember::requires_grad());
  p({x})[0].sum().backward();
  Tensor e = ember::exp(x.detach()), t = ember::tanh(e * 2);
  CHECK(ember::allclose(x.grad(), (1 - t * t) * 2 * e, 1e-5, 1e-6));
}

TEST_CASE("a compiled MLP allocates only its output's storage after the first call", "[jit][memplan]") {
  ember::manual_seed(22);
  nn::Sequential mlp(nn::Flatten(), nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 128), nn::ReLU(),
                     nn::Linear(128, 10));
  mlp->eval();
  ember::NoGradGuard no_grad;
  jit::CompiledFunction c = jit::compile(mlp);
  for (int64_t batch : {int64_t(1), int64_t(64)}) {
    CAPTURE(batch);
    Tensor x = ember::rand({batch, 1, 28, 28});
    Tensor first = c(x);  // traces, plans, makes this thread's arena
    auto pg = c.planned_for({x});
    REQUIRE(pg != nullptr);
    CHECK(ops_of(pg->graph()) == Ops{"flatten", "linear_epilogue", "linear_epilogue", "linear"});
    CHECK(pg->plan().fallback_nodes == 0);
    CHECK(pg->plan().arena_values == 2);  // the two hidden activations; the logits are the caller's
    for (int call = 2; call <= 5; ++call) {
      Tensor xi = ember::rand({batch, 1, 28, 28});
      Tensor want = mlp->forward(xi);
      const std::uint64_t before = ember::detail::storage_allocations();
      Tensor got = c(xi);
      const std::uint64_t made = ember::detail::storage_allocations() - before;
      // Exactly one storage per call: the [batch, 10] result the caller now owns.
      CHECK(made == 1);
      CHECK(ember::allclose(got, want, 1e-5, 1e-6));
    }
    CHECK(pg->arenas() == 1);
  }
}

TEST_CASE("planned replays from several threads each use their own arena", "[jit][memplan][threads]") {
  ember::manual_seed(23);
  nn::Linear l1(16, 32), l2(32, 4);
  auto f = [l1, l2](const std::vector<Tensor>& xs) mutable {
    Tensor a = ember::silu(l1->forward(xs[0]));
    Tensor b = ember::exp(a) * 0.5 + 1.0;  // fused, written over a
    Tensor c = l2->forward(b);
    return std::vector<Tensor>{c, c.reshape({-1})};
  };
  ember::NoGradGuard no_grad;
  jit::CompiledFunction c = jit::compile(f);
  const int kThreads = 4, kCalls = 25;
  std::vector<Tensor> inputs;
  std::vector<std::vector<Tensor>> want;
  for (int i = 0; i < kThreads; ++i) {
    inputs.push_back(ember::randn({3, 16}));
    want.push_back(f({inputs.back()}));
  }
  c(std::vector<Tensor>{inputs[0]});
  std::vector<int> good(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      ember::NoGradGuard no_grad_here;
      const auto tu = static_cast<std::size_t>(t);
      for (int i = 0; i < kCalls; ++i) {
        std::vector<Tensor> got = c(std::vector<Tensor>{inputs[tu]});
        if (ember::allclose(got[0], want[tu][0], 1e-5, 1e-6) && ember::allclose(got[1], want[tu][1], 1e-5, 1e-6))
          ++good[tu];
      }
    });
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) CHECK(good[static_cast<std::size_t>(t)] == kCalls);
  auto pg = c.planned_for({inputs[0]});
  REQUIRE(pg != nullptr);
  CHECK(pg->plan().in_place_nodes >= 1);
  CHECK(pg->arenas() >= 1);
  // One per calling thread at most (this one traced it and called it once): each keeps
  // its own for its next call.
  CHECK(pg->arenas() <= static_cast<std::size_t>(kThreads) + 1);
  const std::size_t made = pg->arenas();
  for (int i = 0; i < 3; ++i) c(std::vector<Tensor>{inputs[0]});
  CHECK(pg->arenas() == made);
}

// Runs fn on a thread of its own and waits for it; an exception comes back as text.
template <class Fn>
std::string on_another_thread(Fn fn) {
  std::string error;
  std::thread th([&] {
    try {
      fn();
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  th.join();
  return error;
}

TEST_CASE("threads after the first read their own copy of small weights, kept up to date", "[jit][memplan][threads]") {
  ember::manual_seed(25);
  nn::Linear first(8, 16);
  nn::Sequential mlp(first, nn::ReLU(), nn::Linear(16, 4));  // shares `first`
  ember::NoGradGuard no_grad;
  jit::CompiledFunction c = jit::compile(mlp);
  Tensor x = ember::randn({2, 8});
  CHECK(ember::allclose(c(x), mlp->forward(x), 1e-5, 1e-6));  // this thread: the originals
  auto pg = c.planned_for({x});
  REQUIRE(pg != nullptr);
  CHECK(pg->arenas() == 1);
  CHECK(pg->weight_copies() == 0);

  // Everything the other thread checks: the eager model (the reference) and the replay
  // after each way a weight can change.
  int checked = 0;
  const std::string error = on_another_thread([&] {
    ember::NoGradGuard no_grad_here;
    auto same = [&] {
      ++checked;
      return ember::allclose(c(x), mlp->forward(x), 1e-5, 1e-6);
    };
    CHECK(same());
    CHECK(pg->weight_copies() == 1);
    Tensor before = c(x);
    first->weight.mul_(2);  // an in-place op bumps the version
    CHECK(same());
    CHECK_FALSE(ember::allclose(c(x), before, 1e-5, 1e-6));
    ember::optim::SGD sgd(mlp->parameters(), ember::optim::SGDOptions(0.5));
    for (Tensor& p : mlp->parameters()) p.mutable_grad() = ember::ones_like(p);
    sgd.step();  // the optimizer's own loop
    CHECK(same());
    first->bias.set_data(ember::randn({16}));  // other memory, same shape
    CHECK(same());
    first->weight.set_data(ember::randn({3, 8}));  // a shape the graph was not traced with
    c(x);
  });
  CHECK(checked == 4);
  CHECK(error.find("jit::PlannedGraph: a weight was replaced by a float32 [3, 8] tensor") != std::string::npos);
  CHECK(pg->arenas() == 2);
  CHECK(pg->weight_copies() == 1);
}

TEST_CASE("linear layers of 16 rows or more read a transposed copy of their weight", "[jit][memplan]") {
  ember::manual_seed(27);
  nn::Linear first(12, 20);
  nn::Sequential mlp(first, nn::ReLU(), nn::Linear(20, 3));
  ember::NoGradGuard no_grad;
  jit::CompiledFunction c = jit::compile(mlp);
  for (int64_t rows : {1, 15, 16, 40}) {
    Tensor x = ember::randn({rows, 12});
    CHECK(ember::allclose(c(x), mlp->forward(x), 1e-5, 1e-6));  // eager: the reference
    auto pg = c.planned_for({x});
    REQUIRE(pg != nullptr);
    CHECK(pg->transposed_weights() == (rows >= 16 ? 2u : 0u));
    CHECK(pg->weight_copies() == 0);  // one thread: no plain copies
  }
  // A transposed copy follows its original like a plain one.
  Tensor x = ember::randn({40, 12});
  Tensor before = c(x);
  first->weight.mul_(-1);
  Tensor after = c(x);
  CHECK(ember::allclose(after, mlp->forward(x), 1e-5, 1e-6));
  CHECK_FALSE(ember::allclose(after, before, 1e-5, 1e-6));
  first->weight.set_data(ember::randn({20, 12}));
  CHECK(ember::allclose(c(x), mlp->forward(x), 1e-5, 1e-6));
  // Off with the copies.
  jit::CompileOptions off;
  off.copy_weights_up_to = 0;
  jit::CompiledFunction shared = jit::compile(mlp, off);
  CHECK(ember::allclose(shared(x), mlp->forward(x), 1e-5, 1e-6));
  CHECK(shared.planned_for({x})->transposed_weights() == 0);
}

TEST_CASE("weights over the size limit are shared by every thread", "[jit][memplan][threads]") {
  ember::manual_seed(26);
  nn::Linear l(8, 4);  // 36 floats: 144 bytes
  ember::NoGradGuard no_grad;
  for (std::size_t limit : {std::size_t(0), std::size_t(143), std::size_t(144)}) {
    jit::CompileOptions options;
    options.copy_weights_up_to = limit;
    jit::CompiledFunction c = jit::compile(l, options);
    Tensor x = ember::randn({3, 8});
    c(x);
    bool same = false;
    on_another_thread([&] {
      ember::NoGradGuard no_grad_here;
      same = ember::allclose(c(x), l->forward(x), 1e-5, 1e-6);
    });
    CHECK(same);
    auto pg = c.planned_for({x});
    REQUIRE(pg != nullptr);
    CHECK(pg->arenas() == 2);
    CHECK(pg->weight_copies() == (limit == 144 ? 1u : 0u));
  }
}

TEST_CASE("a compiled CNN with fallback nodes replays like eager call after call", "[jit][memplan]") {
  ember::manual_seed(24);
  nn::Sequential cnn(nn::Conv2d(nn::Conv2dOptions(1, 4, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
                     nn::Linear(4 * 4 * 4, 16), nn::GELU(), nn::Linear(16, 3));
  cnn->eval();
  ember::NoGradGuard no_grad;
  jit::CompiledFunction c = jit::compile(cnn);
  std::vector<Tensor> results, inputs;
  for (int call = 0; call < 4; ++call) {
    inputs.push_back(ember::randn({2, 1, 8, 8}));
    results.push_back(c(inputs.back()));
  }
  auto pg = c.planned_for({inputs[0]});
  REQUIRE(pg != nullptr);
  CHECK(pg->plan().fallback_nodes == 2);  // conv2d and max_pool2d
  CHECK(pg->plan().arena_values >= 2);
  // Every result is still its own call's answer: no later call wrote over it.
  for (std::size_t i = 0; i < inputs.size(); ++i) CHECK(ember::allclose(results[i], cnn->forward(inputs[i]), 1e-5, 1e-6));
}
