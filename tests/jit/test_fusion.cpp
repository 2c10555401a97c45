// passes::fuse_elementwise and the fused kernel: which runs are fused, the program's
// results against the eager ops (float32 and float64, tails shorter than a block,
// outputs read later), and the kernel's errors.
#include <catch2/catch.hpp>
#include <ember/detail/fused.hpp>
#include <ember/ember.hpp>
#include <ember/jit.hpp>
#include <functional>
#include <string>
#include <vector>

#include "jit_test_helpers.hpp"

namespace {
namespace jit = ember::jit;
using ember::Tensor;
using jit_test::Ops;
using jit_test::ops_of;
}  // namespace

TEST_CASE("fusion turns gelu(x * w + b) into one fused node equal to the eager ops", "[jit][fusion]") {
  auto f = [](const std::vector<Tensor>& xs) { return std::vector<Tensor>{ember::gelu(xs[0] * xs[1] + xs[2])}; };
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64}) {
    // shorter than a block, whole blocks, several blocks and a tail, and (past 16384
    // elements) several threads' chunks and a tail
    for (int64_t n : {int64_t(7), int64_t(1024), int64_t(5000), int64_t(100003)}) {
      std::vector<Tensor> xs = {ember::randn({n}, dt), ember::randn({n}, dt), ember::randn({n}, dt)};
      auto traced = jit::trace(f, xs);
      jit::Graph g = jit::passes::fuse_elementwise(traced.graph());
      CHECK(ops_of(g) == Ops{"fused"});
      CHECK(g.nodes()[0].inputs.size() == 3);
      CHECK(std::get<std::string>(*g.nodes()[0].attr("program")) == "r3 = mul(r0, r1); r4 = add(r3, r2); r5 = gelu(r4)");
      g.lint();
      std::vector<Tensor> fresh = {ember::randn({n}, dt), ember::randn({n}, dt), ember::randn({n}, dt)};
      Tensor got = jit::run(g, fresh)[0];
      CHECK(got.dtype() == dt);
      CHECK(ember::allclose(got, f(fresh)[0], 1e-6, 1e-7));
    }
  }
}

// op(a * b + c) runs as one SIMD loop that takes each vector through all three ops
// (ops/simd/chain.hpp); the eager ops are the reference, and since the loop rounds the
// product and the sum apart just as they do, the results must be the same bits.
TEST_CASE("fusion runs a multiply add activation chain with the eager ops exact results", "[jit][fusion]") {
  using Fn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;
  const std::vector<Fn> fns = {
      [](const std::vector<Tensor>& xs) { return std::vector<Tensor>{ember::gelu(xs[0] * xs[1] + xs[2])}; },
      [](const std::vector<Tensor>& xs) { return std::vector<Tensor>{ember::tanh(xs[2] + xs[1] * xs[0])}; },
      [](const std::vector<Tensor>& xs) { return std::vector<Tensor>{ember::relu(xs[0] * xs[0] + xs[1])}; },
  };
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64})
    for (const Fn& f : fns)
      for (int64_t n : {int64_t(7), int64_t(33), int64_t(100003)}) {
        INFO("dtype " << dt << ", n " << n);
        std::vector<Tensor> xs = {ember::randn({n}, dt) * 3, ember::randn({n}, dt), ember::randn({n}, dt)};
        jit::Graph g = jit::passes::fuse_elementwise(jit::trace(f, xs).graph());
        CHECK(ops_of(g) == Ops{"fused"});
        Tensor got = jit::run(g, xs)[0];
        Tensor want = f(xs)[0];
        CHECK((got - want).abs().max().item<double>() == 0);
      }
}

TEST_CASE("fusion keeps runs apart at ops it cannot fuse and hands out values read later", "[jit][fusion]") {
  auto f = [](const std::vector<Tensor>& xs) {
    Tensor a = ember::tanh(xs[0] * 2.0);  // scalar right operand
    Tensor b = ember::exp(1 - a);         // rsub: scalar on the left
    Tensor s = b.sum(1, true);            // a reduction ends the run
    Tensor c = ember::sigmoid(b / s);     // broadcast operand: not fused
    return std::vector<Tensor>{c, a};     // a is read after its run
  };
  Tensor x = ember::randn({3, 4});
  auto traced = jit::trace(f, {x});
  jit::Graph g = jit::passes::fuse_elementwise(traced.graph());
  CHECK(ops_of(g) == Ops{"fused", "sum", "div", "sigmoid"});
  CHECK(g.nodes()[0].outputs.size() == 2);  // a (a graph output) and b (read by sum and div)
  Tensor x2 = ember::randn({3, 4});
  std::vector<Tensor> got = jit::run(g, {x2}), want = f({x2});
  CHECK(ember::allclose(got[0], want[0], 1e-6, 1e-7));
  CHECK(ember::allclose(got[1], want[1], 1e-6, 1e-7));
}

TEST_CASE("compile fuses under NoGradGuard and leaves graphs with gradients unfused", "[jit][fusion]") {
  auto f = [](const std::vector<Tensor>& xs) { return std::vector<Tensor>{ember::relu(xs[0] * 3 + 1).exp()}; };
  jit::CompiledFunction c = jit::compile(f);
  Tensor x = ember::randn({64}, ember::requires_grad());
  {
    ember::NoGradGuard no_grad;
    CHECK(ember::allclose(c(x), f({x})[0]));
    CHECK(ops_of(*c.graph_for({x})) == Ops{"fused"});
  }
  Tensor y = c(x);  // gradients on: its own, unfused graph, so backward works
  y.sum().backward();
  CHECK(ops_of(*c.graph_for({x})) == Ops{"mul", "add", "relu", "exp"});
  Tensor want = ember::where(x * 3 + 1 > 0, ember::exp(x * 3 + 1) * 3, ember::zeros_like(x)).detach();
  CHECK(ember::allclose(x.grad(), want));
}

TEST_CASE("the fused kernel refuses inputs of different shapes or dtypes and bad programs", "[jit][fusion]") {
  ember::detail::FusedProgram p;
  p.inputs = 2;
  p.registers = 3;
  p.steps.push_back({"add", 2, 0, 1});
  p.outputs = {2};
  CHECK(ember::allclose(ember::detail::run_fused(p, {ember::ones({5}), ember::ones({5})})[0], ember::full({5}, 2.0)));
  CHECK_THROWS_WITH(ember::detail::run_fused(p, {ember::ones({5}), ember::ones({4})}),
                    Catch::Contains("fused: input 1 has shape [4]") && Catch::Contains("input 0 has [5]"));
  CHECK_THROWS_WITH(ember::detail::run_fused(p, {ember::ones({5}, ember::kInt64), ember::ones({5}, ember::kInt64)}),
                    Catch::Contains("fused: inputs must be float32 or float64, got int64"));
  CHECK_THROWS_WITH(ember::detail::run_fused(p, {ember::ones({5})}), Catch::Contains("takes 2 inputs, got 1"));
  p.steps[0].op = "no_such_op";
  CHECK_THROWS_WITH(ember::detail::run_fused(p, {ember::ones({5}), ember::ones({5})}),
                    Catch::Contains("'no_such_op' is not a binary op of the op table"));
  p.steps[0] = {"exp", 2, 2};
  CHECK_THROWS_WITH(ember::detail::run_fused(p, {ember::ones({5}), ember::ones({5})}),
                    Catch::Contains("reads or writes a register out of order"));
}
