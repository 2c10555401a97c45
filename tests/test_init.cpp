// nn::init: gains and fans (values from PyTorch 1.13's torch.nn.init), distributions
// checked by their statistics on large tensors, orthogonality, reproducibility.
#include <cmath>

#include "helpers.hpp"

using Catch::Matchers::Contains;
using ember::Tensor;
namespace init = ember::nn::init;

namespace {
double mean_of(const Tensor& t) { return t.to(ember::kFloat64).mean().item<double>(); }
double std_of(const Tensor& t) { return t.to(ember::kFloat64).std().item<double>(); }
double min_of(const Tensor& t) { return t.min().item<double>(); }
double max_of(const Tensor& t) { return t.max().item<double>(); }
}  // namespace

TEST_CASE("init: calculate_gain matches PyTorch", "[init]") {
  // Values from PyTorch 1.13: torch.nn.init.calculate_gain(name[, param]).
  REQUIRE(init::calculate_gain("linear") == 1);
  REQUIRE(init::calculate_gain("conv2d") == 1);
  REQUIRE(init::calculate_gain("sigmoid") == 1);
  REQUIRE(init::calculate_gain("tanh") == Approx(1.6666666666666667).epsilon(1e-15));
  REQUIRE(init::calculate_gain("relu") == Approx(1.4142135623730951).epsilon(1e-15));
  REQUIRE(init::calculate_gain("leaky_relu") == Approx(1.4141428569978354).epsilon(1e-15));
  REQUIRE(init::calculate_gain("leaky_relu", 0.2) == Approx(1.3867504905630728).epsilon(1e-15));
  REQUIRE(init::calculate_gain("leaky_relu", std::sqrt(5.0)) == Approx(0.5773502691896257).epsilon(1e-15));
  REQUIRE(init::calculate_gain("selu") == 0.75);
  REQUIRE_THROWS_WITH(init::calculate_gain("foo"), "nn::init::calculate_gain: unsupported nonlinearity foo");
}

TEST_CASE("init: fan in and fan out", "[init]") {
  auto f = init::_calculate_fan_in_and_fan_out(ember::empty({16, 3, 5, 5}));
  REQUIRE(f.first == 75);  // PyTorch 1.13 gives (75, 400)
  REQUIRE(f.second == 400);
  f = init::_calculate_fan_in_and_fan_out(ember::empty({3, 4}));
  REQUIRE(f.first == 4);
  REQUIRE(f.second == 3);
  REQUIRE_THROWS_WITH(init::_calculate_fan_in_and_fan_out(ember::empty({5})),
                      Contains("fewer than 2 dimensions, got 1 dims"));
}

TEST_CASE("init: uniform_, normal_, constant_, ones_, zeros_, eye_", "[init]") {
  ember::manual_seed(1);
  Tensor t = ember::empty({400, 500});
  init::uniform_(t, -2, 3);
  REQUIRE(min_of(t) >= -2);
  REQUIRE(max_of(t) <= 3);
  REQUIRE(mean_of(t) == Approx(0.5).margin(0.02));
  REQUIRE(std_of(t) == Approx(5 / std::sqrt(12.0)).epsilon(0.01));
  init::normal_(t, 1.5, 0.5);
  REQUIRE(mean_of(t) == Approx(1.5).margin(0.005));
  REQUIRE(std_of(t) == Approx(0.5).epsilon(0.01));
  init::constant_(t, 0.25);
  REQUIRE(min_of(t) == 0.25);
  REQUIRE(max_of(t) == 0.25);
  init::ones_(t);
  REQUIRE(mean_of(t) == 1);
  init::zeros_(t);
  REQUIRE(t.abs().max().item<double>() == 0);
  Tensor e = ember::empty({2, 3});
  init::eye_(e);
  REQUIRE(testing::values(e) == std::vector<double>{1, 0, 0, 0, 1, 0});
  REQUIRE_THROWS_WITH(init::eye_(ember::empty({2})), Contains("only 2-dimensional tensors"));
}

TEST_CASE("init: xavier_uniform_ and xavier_normal_", "[init]") {
  ember::manual_seed(2);
  Tensor t = ember::empty({300, 200});  // fan_in 200, fan_out 300
  init::xavier_uniform_(t, 2.0);
  double bound = 2.0 * std::sqrt(6.0 / 500);
  REQUIRE(min_of(t) >= -bound);
  REQUIRE(max_of(t) <= bound);
  REQUIRE(max_of(t) > 0.99 * bound);
  REQUIRE(std_of(t) == Approx(2.0 * std::sqrt(2.0 / 500)).epsilon(0.01));
  init::xavier_normal_(t);
  REQUIRE(mean_of(t) == Approx(0).margin(0.001));
  REQUIRE(std_of(t) == Approx(std::sqrt(2.0 / 500)).epsilon(0.01));
}

TEST_CASE("init: kaiming_uniform_ and kaiming_normal_ with modes and nonlinearities", "[init]") {
  ember::manual_seed(3);
  Tensor t = ember::empty({256, 64, 3, 3});  // fan_in 576, fan_out 2304
  init::kaiming_uniform_(t, 0, "fan_in", "relu");
  double bound = std::sqrt(2.0) * std::sqrt(3.0 / 576);
  REQUIRE(min_of(t) >= -bound);
  REQUIRE(max_of(t) <= bound);
  REQUIRE(std_of(t) == Approx(std::sqrt(2.0 / 576)).epsilon(0.01));
  init::kaiming_normal_(t, 0, "fan_out", "relu");
  REQUIRE(std_of(t) == Approx(std::sqrt(2.0 / 2304)).epsilon(0.01));
  REQUIRE(mean_of(t) == Approx(0).margin(0.001));
  // a = sqrt(5) with leaky_relu: bound 1/sqrt(fan_in), PyTorch's Linear/Conv default.
  init::kaiming_uniform_(t, std::sqrt(5.0));
  REQUIRE(max_of(t) <= 1 / std::sqrt(576.0));
  REQUIRE(max_of(t) > 0.99 / std::sqrt(576.0));
  REQUIRE_THROWS_WITH(init::kaiming_uniform_(t, 0, "fan_avg"),
                      "nn::init::kaiming_uniform_: mode fan_avg not supported, please use one of fan_in, fan_out");
  REQUIRE_THROWS_WITH(init::kaiming_normal_(t, 0, "fan_in", "swish"), Contains("unsupported nonlinearity swish"));
}

TEST_CASE("init: orthogonal_ gives orthonormal rows or columns", "[init]") {
  ember::manual_seed(4);
  SECTION("wide: W W^T = I") {
    Tensor w = ember::empty({20, 50});
    init::orthogonal_(w);
    REQUIRE(ember::matmul(w, w.t()).allclose(ember::eye(20), 1e-5, 1e-5));
  }
  SECTION("tall: W^T W = I") {
    Tensor w = ember::empty({50, 20}, ember::kFloat64);
    init::orthogonal_(w);
    REQUIRE(ember::matmul(w.t(), w).allclose(ember::eye(20, ember::kFloat64), 1e-12, 1e-12));
  }
  SECTION("square, with gain") {
    Tensor w = ember::empty({30, 30}, ember::kFloat64);
    init::orthogonal_(w, 2.0);
    REQUIRE(ember::matmul(w, w.t()).allclose(ember::eye(30, ember::kFloat64) * 4, 1e-12, 1e-12));
    REQUIRE(ember::matmul(w.t(), w).allclose(ember::eye(30, ember::kFloat64) * 4, 1e-12, 1e-12));
  }
  SECTION("a conv weight is flattened to [out, in*k*k]") {
    Tensor w = ember::empty({8, 2, 3, 3});
    init::orthogonal_(w);
    Tensor m = w.reshape({8, 18});
    REQUIRE(ember::matmul(m, m.t()).allclose(ember::eye(8), 1e-5, 1e-5));
  }
  REQUIRE_THROWS_WITH(init::orthogonal_(ember::empty({4})),
                      "nn::init::orthogonal_: only tensors with 2 or more dimensions are supported, got 1 dims");
}

TEST_CASE("init: manual_seed makes every initialiser reproducible", "[init]") {
  auto draw = [] {
    ember::manual_seed(42);
    Tensor a = ember::empty({5, 7});
    init::kaiming_uniform_(a);
    Tensor b = ember::empty({7, 5});
    init::orthogonal_(b);
    Tensor c = ember::empty({3, 3});
    init::xavier_normal_(c);
    return ember::cat({a.flatten(), b.flatten(), c.flatten()});
  };
  REQUIRE(draw().equal(draw()));
}

TEST_CASE("init: a parameter stays a leaf that requires grad, and nothing is recorded", "[init]") {
  Tensor p = ember::empty({4, 4}).requires_grad_();
  init::normal_(p);
  init::kaiming_uniform_(p);
  init::orthogonal_(p);
  init::zeros_(p);
  REQUIRE(p.is_leaf());
  REQUIRE(p.requires_grad());
  REQUIRE(p.grad_fn() == nullptr);
  REQUIRE_THROWS_WITH(init::uniform_(Tensor()), "nn::init::uniform_: the tensor is undefined");
}
