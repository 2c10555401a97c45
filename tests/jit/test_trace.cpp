// jit::trace: the graph one eager run records, its printing and lint, and replay
// against eager results (the independent source here is ember's own eager run of the
// same function, on inputs the graph never saw).
#include <catch2/catch.hpp>
#include <ember/ember.hpp>
#include <ember/jit.hpp>
#include <string>
#include <vector>

#include "jit_test_helpers.hpp"

namespace {
namespace jit = ember::jit;
namespace nn = ember::nn;
using ember::Tensor;

using jit_test::Ops;
using jit_test::ops_of;

struct CaptureWarnings : ember::WarningHandler {
  std::vector<std::string> seen;
  void process(const ember::Warning& w) override { seen.push_back(w.msg()); }
};

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("trace records each op of a function once, in order", "[jit]") {
  auto f = [](const std::vector<Tensor>& xs) {
    return std::vector<Tensor>{ember::relu(xs[0] * xs[1] + 1).sum(1)};
  };
  ember::manual_seed(0);
  auto traced = jit::trace(f, {ember::randn({2, 3}), ember::randn({2, 3})});
  const jit::Graph& g = traced.graph();
  CHECK(ops_of(g) == std::vector<std::string>{"mul", "add", "relu", "sum"});
  CHECK(g.inputs().size() == 2);
  CHECK(g.outputs().size() == 1);
  CHECK(g.value(g.outputs()[0]).sizes == ember::Shape{2});
  g.lint();
  std::string text = g.str();
  INFO(text);
  CHECK(contains(text, "graph(%x0 : Float(2, 3),\n      %x1 : Float(2, 3)):"));
  CHECK(contains(text, "= mul(%x0, %x1)"));
  CHECK(contains(text, "= add[other=1]("));
  CHECK(contains(text, "= sum[dim=[1], keepdim=False, dtype=None]("));
  CHECK(contains(text, "return ("));

  // Replay on inputs the trace never saw.
  Tensor a = ember::randn({2, 3}), b = ember::randn({2, 3});
  std::vector<Tensor> got = traced({a, b});
  REQUIRE(got.size() == 1);
  CHECK(ember::allclose(got[0], f({a, b})[0]));
}

TEST_CASE("trace of a module names its parameters by path and follows their updates", "[jit]") {
  ember::manual_seed(1);
  nn::Sequential mlp(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 3));
  auto traced = jit::trace(mlp, ember::randn({5, 4}));
  const jit::Graph& g = traced.graph();
  CHECK(ops_of(g) == std::vector<std::string>{"linear", "relu", "linear"});
  std::vector<std::string> names;
  for (int id : g.parameters()) names.push_back(g.value(id).name);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  CHECK(contains(g.str(), "= linear(%x0, %0.weight, %0.bias)"));

  Tensor x = ember::randn({5, 4});
  CHECK(ember::allclose(traced(x), mlp->forward(x)));
  // An optimizer-like update in place: the graph reads the parameters as they are now.
  {
    ember::NoGradGuard no_grad;
    for (Tensor& p : mlp->parameters()) p.mul_(0.5).add_(0.1);
  }
  CHECK(ember::allclose(traced(x), mlp->forward(x)));
}

TEST_CASE("trace of a small CNN with batch norm in eval mode replays equal to eager", "[jit]") {
  ember::manual_seed(2);
  nn::Sequential cnn(nn::Conv2d(nn::Conv2dOptions(1, 4, 3).padding(1)), nn::BatchNorm2d(4), nn::ReLU(),
                     nn::MaxPool2d(2), nn::Flatten(), nn::Linear(4 * 4 * 4, 10), nn::LogSoftmax(1));
  cnn->eval();
  auto traced = jit::trace(cnn, ember::randn({2, 1, 8, 8}));
  CHECK(ops_of(traced.graph()) == std::vector<std::string>{"conv2d", "batch_norm", "relu", "max_pool2d", "flatten",
                                                           "linear", "log_softmax"});
  Tensor x = ember::randn({2, 1, 8, 8});
  CHECK(ember::allclose(traced(x), cnn->forward(x), 1e-5, 1e-6));
}

TEST_CASE("an in-place op is recorded as its out-of-place form", "[jit]") {
  auto f = [](const std::vector<Tensor>& xs) {
    Tensor y = xs[0] * 2;
    y.add_(1);
    y.relu_();
    return std::vector<Tensor>{y};
  };
  auto traced = jit::trace(f, {ember::randn({3})});
  CHECK(ops_of(traced.graph()) == std::vector<std::string>{"mul", "add", "relu"});
  Tensor x = ember::tensor({-2.0f, 0.25f, 1.0f});
  CHECK(ember::allclose(traced(x), ember::tensor({0.0f, 1.5f, 3.0f})));  // relu(2x + 1), by hand
}

TEST_CASE("a value read back with item warns, and a trace that depends on it is refused", "[jit]") {
  CaptureWarnings capture;
  ember::WarningUtils::WarningHandlerGuard guard(&capture);
  auto scale_by_sum = [](const std::vector<Tensor>& xs) {
    double s = xs[0].sum().item<double>();  // a number in C++: the graph cannot follow it
    return std::vector<Tensor>{xs[0] * s};
  };
  Tensor x = ember::rand({4}) + 1;
  CHECK_THROWS_WITH(jit::trace(scale_by_sum, {x}), Catch::Contains("does not reproduce the function"));
  REQUIRE_FALSE(capture.seen.empty());
  CHECK(contains(capture.seen[0], "item() read a value made by 'sum'"));

  // With the check off the trace is kept, baked-in value and all.
  capture.seen.clear();
  auto traced = jit::trace(scale_by_sum, {x}, jit::TraceOptions{false});
  CHECK(capture.seen.size() == 1);
  CHECK(ops_of(traced.graph()) == std::vector<std::string>{"sum", "mul"});
}

TEST_CASE("a traced function refuses inputs of other shapes or dtypes, naming both", "[jit]") {
  auto f = [](const std::vector<Tensor>& xs) { return std::vector<Tensor>{ember::tanh(xs[0])}; };
  auto traced = jit::trace(f, {ember::zeros({2, 4})});
  CHECK_THROWS_WITH(traced(ember::zeros({3, 4})),
                    Catch::Contains("input 0 has shape [3, 4]") && Catch::Contains("traced with shape [2, 4]"));
  CHECK_THROWS_WITH(traced(ember::zeros({2, 4}, ember::kFloat64)), Catch::Contains("dtype float64"));
  CHECK_THROWS_WITH(traced(std::vector<Tensor>{}), Catch::Contains("the graph takes 1 inputs, got 0"));
}

TEST_CASE("lint finds values read before they are made and ops it cannot run", "[jit]") {
  jit::Graph g;
  int x = g.add_input("x", {3}, ember::kFloat32);
  int n0 = g.add_node("exp", {x}, {}, {{ember::Shape{3}, ember::kFloat32}});
  g.set_outputs({g.nodes()[static_cast<std::size_t>(n0)].outputs[0]});
  g.lint();
  CHECK(ember::allclose(jit::run(g, {ember::zeros({3})})[0], ember::ones({3})));

  jit::Graph bad;
  int y = bad.add_input("y", {3}, ember::kFloat32);
  bad.add_node("exp", {y + 5}, {}, {{ember::Shape{3}, ember::kFloat32}});
  CHECK_THROWS_WITH(bad.lint(), Catch::Contains("node 0 (exp) reads %5, which does not exist"));

  jit::Graph unknown;
  int z = unknown.add_input("z", {3}, ember::kFloat32);
  unknown.add_node("no_such_op", {z}, {}, {{ember::Shape{3}, ember::kFloat32}});
  CHECK_THROWS_WITH(unknown.lint(), Catch::Contains("node 0 (no_such_op) is an op the interpreter does not know"));

  jit::Graph order;
  int w = order.add_input("w", {3}, ember::kFloat32);
  order.add_node("exp", {w + 2}, {}, {{ember::Shape{3}, ember::kFloat32}});  // reads node 1's output
  order.add_node("exp", {w}, {}, {{ember::Shape{3}, ember::kFloat32}});
  CHECK_THROWS_WITH(order.lint(), Catch::Contains("reads %2 before any node makes it"));
}

TEST_CASE("tracing inside a trace is refused and the tracer is removed after an error", "[jit]") {
  auto inner = [](const std::vector<Tensor>& xs) { return std::vector<Tensor>{xs[0] + 1}; };
  auto outer = [&](const std::vector<Tensor>& xs) {
    jit::trace(inner, xs);
    return xs;
  };
  CHECK_THROWS_WITH(jit::trace(outer, {ember::zeros({2})}), Catch::Contains("already tracing"));
  CHECK(ember::detail::current_tracer() == nullptr);
}

TEST_CASE("isinf, isposinf, isneginf and isfinite trace and replay", "[jit]") {
  auto fn = [](const std::vector<Tensor>& xs) {
    Tensor zero = xs[0] - xs[0];
    Tensor v = ember::cat({xs[0], xs[0] / zero});  // x, then +-inf by x's sign
    return std::vector<Tensor>{ember::isinf(v), ember::isposinf(v), ember::isneginf(v), ember::isfinite(v)};
  };
  jit::TracedFunction traced = jit::trace(fn, {ember::randn({5})});
  const std::vector<std::string> ops = ops_of(traced.graph());
  CHECK(std::vector<std::string>(ops.end() - 4, ops.end()) ==
        std::vector<std::string>{"isinf", "isposinf", "isneginf", "isfinite"});
  Tensor x = ember::randn({5});
  std::vector<Tensor> want = fn({x}), got = traced(std::vector<Tensor>{x});
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(ember::equal(got[i], want[i]));
  CHECK(want[0].any().item<bool>());  // the infinities are there to find
}
