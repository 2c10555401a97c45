// passes::fuse_linear_epilogue and its kernel: which products and activations become
// one node, and the node's results against the eager ops they replace (the reference:
// the same function run eagerly), float32 and float64.
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
namespace nn = ember::nn;
namespace F = ember::nn::functional;
using ember::Tensor;
using jit_test::Ops;
using jit_test::ops_of;

using Activation = std::function<Tensor(const Tensor&)>;
struct Case {
  const char* name;  // the attribute the fused node should carry
  Activation act;
};
std::vector<Case> activations() {
  return {{"relu", [](const Tensor& t) { return ember::relu(t); }},
          {"gelu", [](const Tensor& t) { return ember::gelu(t); }},
          {"gelu_tanh", [](const Tensor& t) { return ember::gelu(t, "tanh"); }},
          {"sigmoid", [](const Tensor& t) { return ember::sigmoid(t); }},
          {"tanh", [](const Tensor& t) { return ember::tanh(t); }},
          {"silu", [](const Tensor& t) { return ember::silu(t); }}};
}
std::string activation_of(const jit::Graph& g, std::size_t node) {
  return std::get<std::string>(*g.nodes()[node].attr("activation"));
}
// Traces f on `shapes`, fuses, checks that one linear_epilogue node is left, and
// compares a replay on fresh inputs with f run eagerly.
void check_fused(const jit::Function& f, const std::vector<std::vector<int64_t>>& shapes, ember::Dtype dt,
                 const std::string& activation) {
  std::vector<Tensor> example, fresh;
  for (const auto& s : shapes) {
    example.push_back(ember::randn(s, dt));
    fresh.push_back(ember::randn(s, dt));
  }
  jit::Graph g = jit::passes::fuse_linear_epilogue(jit::trace(f, example).graph());
  g.lint();
  REQUIRE(ops_of(g) == Ops{"linear_epilogue"});
  CHECK(activation_of(g, 0) == activation);
  Tensor got = jit::run(g, fresh)[0], want = f(fresh)[0];
  CHECK(got.dtype() == dt);
  CHECK(got.sizes() == want.sizes());
  const double tol = dt == ember::kFloat64 ? 1e-12 : 1e-5;
  CHECK(ember::allclose(got, want, tol, tol));
}
}  // namespace

TEST_CASE("epilogue fusion folds each linear and its activation into one node", "[jit][epilogue]") {
  ember::manual_seed(11);
  nn::Sequential mlp(nn::Linear(6, 8), nn::ReLU(), nn::Linear(8, 8), nn::Tanh(), nn::Linear(8, 3));
  auto traced = jit::trace(mlp, ember::randn({4, 6}));
  CHECK(ops_of(traced.graph()) == Ops{"linear", "relu", "linear", "tanh", "linear"});
  jit::Graph g = jit::passes::fuse_linear_epilogue(traced.graph());
  g.lint();
  CHECK(ops_of(g) == Ops{"linear_epilogue", "linear_epilogue", "linear"});  // a lone linear stays
  CHECK(activation_of(g, 0) == "relu");
  CHECK(activation_of(g, 1) == "tanh");
  CHECK(std::get<bool>(*g.nodes()[0].attr("transpose_weight")));
  CHECK(g.nodes()[0].inputs.size() == 3);
  Tensor x = ember::randn({4, 6});
  CHECK(ember::allclose(jit::run(g, {x})[0], mlp->forward(x), 1e-5, 1e-6));
}

TEST_CASE("linear + activation equals the eager ops for every activation, float32 and float64", "[jit][epilogue]") {
  ember::manual_seed(12);
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64}) {
    for (const Case& c : activations()) {
      CAPTURE(c.name, dt);
      Activation act = c.act;
      auto with_bias = [act](const std::vector<Tensor>& xs) {
        return std::vector<Tensor>{act(F::linear(xs[0], xs[1], xs[2]))};
      };
      auto no_bias = [act](const std::vector<Tensor>& xs) {
        return std::vector<Tensor>{act(F::linear(xs[0], xs[1], Tensor()))};
      };
      // 70 rows of 33: several epilogue blocks and two GEMM panels; 3-d input folds.
      check_fused(with_bias, {{70, 19}, {33, 19}, {33}}, dt, c.name);
      check_fused(with_bias, {{5, 7}, {4, 7}, {4}}, dt, c.name);
      check_fused(with_bias, {{2, 3, 7}, {4, 7}, {4}}, dt, c.name);
      check_fused(no_bias, {{5, 7}, {4, 7}}, dt, c.name);
    }
  }
}

TEST_CASE("addmm and matmul + bias fuse with or without an activation", "[jit][epilogue]") {
  ember::manual_seed(13);
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64}) {
    CAPTURE(dt);
    auto addmm_relu = [](const std::vector<Tensor>& xs) {
      return std::vector<Tensor>{ember::relu(ember::addmm(xs[2], xs[0], xs[1]))};
    };
    check_fused(addmm_relu, {{6, 5}, {5, 9}, {9}}, dt, "relu");
    auto bias_first = [](const std::vector<Tensor>& xs) {  // b + x @ w, no activation
      return std::vector<Tensor>{xs[2] + ember::matmul(xs[0], xs[1])};
    };
    check_fused(bias_first, {{6, 5}, {5, 9}, {9}}, dt, "none");
    auto mm_bias_silu = [](const std::vector<Tensor>& xs) {
      return std::vector<Tensor>{ember::silu(ember::mm(xs[0], xs[1]) + xs[2])};
    };
    check_fused(mm_bias_silu, {{6, 5}, {5, 9}, {9}}, dt, "silu");
  }
}

TEST_CASE("epilogue fusion leaves a product whose result is read elsewhere", "[jit][epilogue]") {
  ember::manual_seed(14);
  std::vector<Tensor> xs = {ember::randn({3, 4}), ember::randn({5, 4}), ember::randn({5})};
  auto also_output = [](const std::vector<Tensor>& in) {
    Tensor y = F::linear(in[0], in[1], in[2]);
    return std::vector<Tensor>{ember::relu(y), y};
  };
  jit::Graph g1 = jit::passes::fuse_linear_epilogue(jit::trace(also_output, xs).graph());
  CHECK(ops_of(g1) == Ops{"linear", "relu"});
  auto read_twice = [](const std::vector<Tensor>& in) {
    Tensor y = F::linear(in[0], in[1], in[2]);
    Tensor r = ember::relu(y);  // named, so that the trace's order is fixed
    return std::vector<Tensor>{r + ember::exp(y)};
  };
  jit::Graph g2 = jit::passes::fuse_linear_epilogue(jit::trace(read_twice, xs).graph());
  CHECK(ops_of(g2) == Ops{"linear", "relu", "exp", "add"});
  // The product read again after the bias add: the add fuses only when its result
  // alone goes on; here the matmul's result is read by the sub too.
  auto mm_read_again = [](const std::vector<Tensor>& in) {
    Tensor p = ember::matmul(in[0], in[1].t());
    Tensor a = ember::tanh(p + in[2]);
    return std::vector<Tensor>{a - p};
  };
  jit::Graph g3 = jit::passes::fuse_linear_epilogue(jit::trace(mm_read_again, xs).graph());
  CHECK(ops_of(g3) == Ops{"t", "matmul", "add", "tanh", "sub"});
  CHECK(ember::allclose(jit::run(g3, xs)[0], mm_read_again(xs)[0], 1e-5, 1e-6));
}

TEST_CASE("compile fuses epilogues under NoGradGuard only", "[jit][epilogue]") {
  ember::manual_seed(15);
  nn::Sequential mlp(nn::Linear(6, 8), nn::GELU(), nn::Linear(8, 2));
  jit::CompiledFunction c = jit::compile(mlp);
  Tensor x = ember::randn({3, 6});
  {
    ember::NoGradGuard no_grad;
    CHECK(ember::allclose(c(x), mlp->forward(x), 1e-5, 1e-6));
    CHECK(ops_of(*c.graph_for({x})) == Ops{"linear_epilogue", "linear"});
  }
  Tensor y = c(x);
  CHECK(ops_of(*c.graph_for({x})) == Ops{"linear", "gelu", "linear"});
  y.sum().backward();
  CHECK(mlp->parameters()[0].grad().defined());
}

TEST_CASE("the epilogue kernel refuses mismatched shapes", "[jit][epilogue]") {
  CHECK_THROWS_WITH(ember::detail::linear_epilogue(ember::ones({2, 3}), ember::ones({4, 5}), Tensor(), true, "relu"),
                    Catch::Contains("linear_epilogue: input of shape [2, 3] must have 5 in its last dim"));
  CHECK_THROWS_WITH(ember::detail::linear_epilogue(ember::ones({2, 5}), ember::ones({4, 5}), ember::ones({3}), true,
                                                   "relu"),
                    Catch::Contains("expected a float32 bias of 4 elements"));
  CHECK_THROWS_WITH(ember::detail::linear_epilogue(ember::ones({2, 5}), ember::ones({4, 5}), Tensor(), true, "sum"),
                    Catch::Contains("'sum' is not an activation"));
  CHECK_THROWS_WITH(ember::detail::linear_epilogue(ember::ones({2, 5}), ember::ones({4, 5}), Tensor(), true, "none",
                                                   ember::empty({2, 3})),
                    Catch::Contains("the output must be a contiguous float32 tensor of shape [2, 4]"));
}
