// The graph passes: each one's effect on a traced graph (before/after op lists) and
// the optimised graph's results against the eager function on fresh inputs.
#include <catch2/catch.hpp>
#include <ember/ember.hpp>
#include <ember/jit.hpp>
#include <string>
#include <vector>

#include "jit_test_helpers.hpp"

namespace {
namespace jit = ember::jit;
namespace passes = ember::jit::passes;
namespace nn = ember::nn;
using ember::Tensor;
using jit_test::Ops;
using jit_test::ops_of;

// The optimised graph must give the eager results on inputs the trace never saw.
template <class F>
void check_equal(const jit::Graph& g, F f, const std::vector<Tensor>& inputs) {
  g.lint();
  std::vector<Tensor> want = f(inputs);
  std::vector<Tensor> got = jit::run(g, inputs);
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].sizes() == want[i].sizes());
    CHECK(got[i].dtype() == want[i].dtype());
    CHECK(ember::allclose(got[i], want[i], 1e-6, 1e-7));
  }
}
}  // namespace

TEST_CASE("dead code elimination drops what no output reads", "[jit][passes]") {
  auto f = [](const std::vector<Tensor>& xs) {
    Tensor unused = xs[0].exp().sum();
    return std::vector<Tensor>{xs[0] * 2};
  };
  auto traced = jit::trace(f, {ember::randn({3})});
  CHECK(ops_of(traced.graph()) == Ops{"exp", "sum", "mul"});
  jit::Graph g = passes::eliminate_dead_code(traced.graph());
  CHECK(ops_of(g) == Ops{"mul"});
  check_equal(g, f, {ember::randn({3})});
}

TEST_CASE("dead code elimination keeps batch norm in training, which updates its statistics", "[jit][passes]") {
  nn::BatchNorm1d bn(3);
  auto f = [bn](const std::vector<Tensor>& xs) mutable {
    bn->forward(xs[0]);  // result unused; the running statistics still change
    return std::vector<Tensor>{xs[0] + 1};
  };
  auto traced = jit::trace(*bn, f, {ember::randn({4, 3})}, jit::TraceOptions{false});
  // The module counts the batch in place (num_batches_tracked += 1): a write of a
  // buffer, kept as the graph's update of it.
  jit::Graph g = passes::eliminate_dead_code(traced.graph());
  CHECK(ops_of(g) == Ops{"add", "batch_norm", "add"});
  REQUIRE(g.updates().size() == 1);
  CHECK(g.value(g.updates()[0].target).name == "num_batches_tracked");
}

TEST_CASE("common subexpression elimination merges equal nodes only", "[jit][passes]") {
  auto f = [](const std::vector<Tensor>& xs) {
    Tensor a = xs[0].sin();
    Tensor b = xs[0].sin();
    Tensor c = a + b;
    Tensor d = c + xs[0].sum(0);
    return std::vector<Tensor>{d + xs[0].sum(1, true)};
  };
  auto traced = jit::trace(f, {ember::randn({3, 3})});
  CHECK(ops_of(traced.graph()) == Ops{"sin", "sin", "add", "sum", "add", "sum", "add"});
  jit::Graph g = passes::eliminate_common_subexpressions(traced.graph());
  // The two sums differ in their attributes and stay.
  CHECK(ops_of(g) == Ops{"sin", "add", "sum", "add", "sum", "add"});
  check_equal(g, f, {ember::randn({3, 3})});
}

TEST_CASE("constant folding runs nodes whose inputs are all constants once", "[jit][passes]") {
  auto f = [](const std::vector<Tensor>& xs) {
    Tensor table = ember::arange(0, 3).to(ember::kFloat32).mul(0.5).exp();  // made inside: constants
    return std::vector<Tensor>{xs[0] * table};
  };
  auto traced = jit::trace(f, {ember::randn({3})});
  CHECK(ops_of(traced.graph()) == Ops{"mul", "exp", "mul"});
  jit::Graph g = passes::fold_constants(traced.graph());
  CHECK(ops_of(g) == Ops{"mul"});
  check_equal(g, f, {ember::randn({3})});
}

TEST_CASE("simplify removes identities and pairs that undo each other", "[jit][passes]") {
  auto f = [](const std::vector<Tensor>& xs) {
    Tensor y = (xs[0] * 1 + 0) / 1;
    y = y.t().t().neg().neg().transpose(0, 1).transpose(1, 0).reshape({2, 3});
    return std::vector<Tensor>{y.exp()};
  };
  auto traced = jit::trace(f, {ember::randn({2, 3})});
  CHECK(traced.graph().nodes().size() == 11);
  jit::Graph g = passes::simplify(traced.graph());
  CHECK(ops_of(passes::eliminate_dead_code(g)) == Ops{"exp"});
  check_equal(passes::eliminate_dead_code(g), f, {ember::randn({2, 3})});
}

TEST_CASE("simplify keeps an identity that changes the dtype or shape", "[jit][passes]") {
  auto f = [](const std::vector<Tensor>& xs) {
    return std::vector<Tensor>{xs[0] * 1.0, xs[0].reshape({6})};  // int64 * 1.0 is float32; a new shape
  };
  auto traced = jit::trace(f, {ember::arange(0, 6).reshape({2, 3})});
  jit::Graph g = passes::optimize(traced.graph());
  CHECK(ops_of(g) == Ops{"mul", "reshape"});
}

TEST_CASE("optimize removes eval-mode dropout from an MLP and keeps its results", "[jit][passes]") {
  ember::manual_seed(3);
  nn::Sequential mlp(nn::Linear(6, 16), nn::ReLU(), nn::Dropout(0.5), nn::Linear(16, 4));
  mlp->eval();
  auto traced = jit::trace(mlp, ember::randn({2, 6}));
  CHECK(ops_of(traced.graph()) == Ops{"linear", "relu", "dropout", "linear"});
  jit::Graph g = passes::optimize(traced.graph());
  CHECK(ops_of(g) == Ops{"linear", "relu", "linear"});
  Tensor x = ember::randn({2, 6});
  CHECK(ember::allclose(jit::run(g, {x})[0], mlp->forward(x)));
}
