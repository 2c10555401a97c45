// L-BFGS against torch.optim.LBFGS (PyTorch 1.13) on the Rosenbrock function from
// (-1.5, 2) in float64, three step(closure) calls, with and without the strong-Wolfe
// line search (max_iter=20, history_size=10; lr 0.1 without the line search, 1 with).
// Expected losses, points and closure counts are what PyTorch printed.
#include <catch2/catch.hpp>

#include <vector>

#include "ember/ember.hpp"

using namespace ember;

namespace {
Tensor rosenbrock(const Tensor& x) {
  Tensor a = x.select(0, 0), b = x.select(0, 1);
  return (1 - a).pow(2) + 100 * (b - a.pow(2)).pow(2);
}

struct Run {
  std::vector<double> losses;
  std::vector<std::vector<double>> points;
  int evals = 0;
  int64_t func_evals = 0, n_iter = 0;
};

Run run(std::optional<std::string> line_search, double lr) {
  Tensor x = tensor({-1.5, 2.0}, TensorOptions().dtype(kFloat64)).requires_grad_();
  optim::LBFGS lbfgs({x}, optim::LBFGSOptions(lr).max_iter(20).history_size(10).line_search_fn(line_search));
  Run r;
  auto closure = [&] {
    lbfgs.zero_grad();
    Tensor loss = rosenbrock(x);
    loss.backward();
    ++r.evals;
    return loss;
  };
  for (int i = 0; i < 3; ++i) {
    r.losses.push_back(lbfgs.step(closure).item<double>());
    r.points.push_back({x[0].item<double>(), x[1].item<double>()});
  }
  auto* st = static_cast<optim::LBFGSParamState*>(lbfgs.state(x));
  r.func_evals = st->func_evals;
  r.n_iter = st->n_iter;
  return r;
}

void check_points(const Run& r, const std::vector<double>& losses, const std::vector<std::vector<double>>& points) {
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("step " << i);
    // Sixty closure calls amplify the last bits of rounding, which differ between
    // builds (fused multiply-adds, vector widths): agree to 1e-7 relative.
    CHECK(r.losses[i] == Approx(losses[i]).epsilon(1e-7).margin(1e-12));
    CHECK(r.points[i][0] == Approx(points[i][0]).epsilon(1e-7).margin(1e-12));
    CHECK(r.points[i][1] == Approx(points[i][1]).epsilon(1e-7).margin(1e-12));
  }
}
}  // namespace

TEST_CASE("LBFGS with a fixed step follows PyTorch on Rosenbrock", "[lbfgs]") {
  Run r = run(std::nullopt, 0.1);
  check_points(r, {12.5, 5.796719760872095, 2.5082579429280814},
               {{-1.3988085856218588, 1.9772657335811301},
                {-0.40264099727779956, 0.08857684810167712},
                {-0.018182138747497936, 0.0075412330487779795}});
  CHECK(r.evals == 60);
  CHECK(r.func_evals == 60);
  CHECK(r.n_iter == 60);
}

TEST_CASE("LBFGS with the strong Wolfe line search follows PyTorch on Rosenbrock", "[lbfgs]") {
  Run r = run(std::string("strong_wolfe"), 1.0);
  check_points(r, {12.5, 1.3079683882673427, 8.526705732565528e-08},
               {{-0.08523120550524242, -0.02882464531631397},
                {0.9997609786712734, 0.9995387882216061},
                {0.9999834179208867, 0.9999669023996953}});
  CHECK(r.evals == 52);
  CHECK(r.func_evals == 52);
  CHECK(r.n_iter == 40);
}

TEST_CASE("LBFGS refuses what PyTorch refuses", "[lbfgs][errors]") {
  Tensor x = zeros({2}).requires_grad_();
  optim::LBFGS lbfgs({x});
  CHECK_THROWS_WITH(lbfgs.step(nullptr), Catch::Matchers::Contains("LBFGS.step: a closure"));
  CHECK_THROWS_WITH(optim::LBFGS({optim::ParamGroup({x}), optim::ParamGroup({zeros({1}).requires_grad_()})}),
                    Catch::Matchers::Contains("LBFGS doesn't support per-parameter options"));
  CHECK_THROWS_WITH(optim::LBFGS({x}, optim::LBFGSOptions().line_search_fn(std::string("backtracking"))),
                    Catch::Matchers::Contains("'backtracking'"));
}
