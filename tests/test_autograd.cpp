// The autograd engine: accumulation, retain_graph, create_graph, autograd::grad, hooks,
// guards, freeing of the graph, and the errors users hit.
#include <memory>

#include "autograd/node.hpp"
#include "helpers.hpp"

using ember::Tensor;
using testing::values;

TEST_CASE("gradients accumulate on leaves across backward calls", "[autograd]") {
  Tensor x = ember::tensor({1.0, 2.0, 3.0}, ember::requires_grad());
  REQUIRE(x.is_leaf());
  REQUIRE(!x.grad().defined());
  (x * x).backward(ember::ones({3}));
  REQUIRE(values(x.grad()) == std::vector<double>{2, 4, 6});
  (x * 3).backward(ember::ones({3}));
  REQUIRE(values(x.grad()) == std::vector<double>{5, 7, 9});
  x.zero_grad(false);
  REQUIRE(values(x.grad()) == std::vector<double>{0, 0, 0});
  x.zero_grad();
  REQUIRE(!x.grad().defined());
  (x * 2).backward(ember::ones({3}));
  REQUIRE(values(x.grad()) == std::vector<double>{2, 2, 2});
  x.mutable_grad() = Tensor();
  REQUIRE(!x.grad().defined());
}

TEST_CASE("a tensor used twice sums its gradients, diamond graphs work", "[autograd]") {
  Tensor x = ember::tensor({2.0}, ember::requires_grad());
  Tensor a = x * 3;
  Tensor b = ember::exp(x);
  Tensor y = a * b + a;  // d/dx = 3e^x + 3x e^x + 3
  y.backward(ember::ones({1}));
  double e = std::exp(2.0);
  REQUIRE(values(x.grad())[0] == Approx(3 * e + 6 * e + 3).epsilon(1e-6));
}

TEST_CASE("backward from a non-scalar needs a gradient", "[autograd][errors]") {
  Tensor x = ember::ones({2, 3}, ember::requires_grad());
  Tensor y = x * 2;
  REQUIRE_THROWS_AS(y.backward(), ember::Error);
  REQUIRE_THROWS_WITH(y.backward(), Catch::Contains("backward") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(y.backward(ember::ones({3})), Catch::Contains("[3]") && Catch::Contains("[2, 3]"));
}

TEST_CASE("backward twice through a freed graph is an error, retain_graph allows it", "[autograd][errors]") {
  Tensor x = ember::tensor({0.5}, ember::requires_grad());
  Tensor y = ember::tanh(x);
  y.backward(ember::ones({1}), true);
  y.backward(ember::ones({1}));
  double d = 1 - std::tanh(0.5) * std::tanh(0.5);
  REQUIRE(values(x.grad())[0] == Approx(2 * d));
  REQUIRE_THROWS_AS(y.backward(ember::ones({1})), ember::Error);
  REQUIRE_THROWS_WITH(y.backward(ember::ones({1})), Catch::Contains("second time") && Catch::Contains("tanh"));
}

TEST_CASE("a saved tensor changed in place is caught by its version", "[autograd][errors]") {
  Tensor x = ember::tensor({1.0, 2.0}, ember::requires_grad());
  Tensor y = ember::exp(x);  // saves its output
  Tensor z = y * 1;
  uint32_t before = y._version();
  {
    ember::NoGradGuard g;
    y.add_(1);
  }
  REQUIRE(y._version() == before + 1);
  REQUIRE_THROWS_AS(y.backward(ember::ones({2})), ember::Error);
  REQUIRE_THROWS_WITH(y.backward(ember::ones({2})), Catch::Contains("in-place") && Catch::Contains("exp") &&
                                                         Catch::Contains("version"));
}

TEST_CASE("integer tensors cannot require grad, leaves that require grad cannot change in place",
          "[autograd][errors]") {
  REQUIRE_THROWS_WITH(ember::tensor({1, 2}).requires_grad_(), Catch::Contains("int64") && Catch::Contains("[2]"));
  REQUIRE_THROWS_AS(ember::zeros({2}, ember::dtype(ember::kInt64).requires_grad(true)), ember::Error);
  Tensor w = ember::ones({3}, ember::requires_grad());
  REQUIRE_THROWS_WITH(w.add_(1), Catch::Contains("add_") && Catch::Contains("leaf") && Catch::Contains("[3]"));
  REQUIRE_THROWS_AS(w.mul_(w), ember::Error);
  {
    ember::NoGradGuard g;
    w.sub_(ember::ones({3}), 0.5);  // an optimizer step
  }
  REQUIRE(values(w) == std::vector<double>{0.5, 0.5, 0.5});
  Tensor y = w * 2;
  REQUIRE_THROWS_WITH(y.requires_grad_(false), Catch::Contains("leaf"));
}

TEST_CASE("NoGradGuard, EnableGradGuard and detach stop or restore recording", "[autograd]") {
  Tensor x = ember::ones({2}, ember::requires_grad());
  {
    ember::NoGradGuard g;
    REQUIRE(!ember::is_grad_enabled());
    Tensor y = x * 2;
    REQUIRE(!y.requires_grad());
    {
      ember::EnableGradGuard e;
      REQUIRE((x * 2).requires_grad());
    }
    REQUIRE(!ember::is_grad_enabled());
  }
  REQUIRE(ember::is_grad_enabled());
  Tensor d = (x * 2).detach();
  REQUIRE(!d.requires_grad());
  REQUIRE(d.is_leaf());
  Tensor y = x * 2;
  REQUIRE(y.grad_fn() != nullptr);
  REQUIRE(std::string(y.grad_fn()->name()) == "mul");
  REQUIRE(!y.is_leaf());
  REQUIRE_THROWS_WITH((x.detach() * 2).backward(ember::ones({2})), Catch::Contains("does not require grad"));
}

TEST_CASE("autograd::grad returns gradients without touching .grad", "[autograd]") {
  Tensor x = ember::tensor({1.0, 2.0}, ember::requires_grad());
  Tensor w = ember::tensor({3.0, 4.0}, ember::requires_grad());
  Tensor unused = ember::tensor({1.0}, ember::requires_grad());
  Tensor y = x * w;
  auto g = ember::autograd::grad({y}, {x, w}, {ember::ones({2})}, true);
  REQUIRE(values(g[0]) == std::vector<double>{3, 4});
  REQUIRE(values(g[1]) == std::vector<double>{1, 2});
  REQUIRE(!x.grad().defined());
  REQUIRE_THROWS_WITH(ember::autograd::grad({y}, {unused}, {ember::ones({2})}, true),
                      Catch::Contains("allow_unused"));
  auto g2 = ember::autograd::grad({y}, {unused, x}, {ember::ones({2})}, true, false, true);
  REQUIRE(!g2[0].defined());
  REQUIRE(values(g2[1]) == std::vector<double>{3, 4});
  // a non-leaf input
  Tensor h = x * 2;
  Tensor z = h * h;
  auto gh = ember::autograd::grad({z}, {h}, {ember::ones({2})});
  REQUIRE(values(gh[0]) == std::vector<double>{4, 8});
}

TEST_CASE("create_graph gives higher-order derivatives", "[autograd]") {
  Tensor x = ember::tensor({0.3, -1.2}, ember::requires_grad());
  Tensor y = x * x * x;  // y' = 3x^2, y'' = 6x, y''' = 6
  auto d1 = ember::autograd::grad({y}, {x}, {ember::ones({2})}, true, true);
  REQUIRE(d1[0].requires_grad());
  auto d2 = ember::autograd::grad({d1[0]}, {x}, {ember::ones({2})}, true, true);
  auto d3 = ember::autograd::grad({d2[0]}, {x}, {ember::ones({2})});
  REQUIRE(values(d1[0])[1] == Approx(3 * 1.44));
  REQUIRE(values(d2[0])[0] == Approx(1.8));
  REQUIRE(values(d3[0]) == std::vector<double>{6, 6});
  // backward(create_graph) leaves a differentiable .grad
  Tensor t = ember::tensor({0.7}, ember::requires_grad());
  Tensor u = ember::tanh(t);
  u.backward(ember::ones({1}), std::nullopt, true);
  Tensor g = t.grad();
  REQUIRE(g.requires_grad());
  auto gg = ember::autograd::grad({g}, {t}, {ember::ones({1})});
  double th = std::tanh(0.7);
  REQUIRE(values(gg[0])[0] == Approx(-2 * th * (1 - th * th)));
  // As in PyTorch, a .grad built with create_graph refers back to the leaf through its
  // graph: clearing it breaks that cycle.
  t.mutable_grad() = Tensor();
}

TEST_CASE("tensor hooks see and may replace gradients", "[autograd]") {
  Tensor x = ember::tensor({1.0, 2.0}, ember::requires_grad());
  std::vector<double> seen;
  x.register_hook([&](const Tensor& g) { seen = values(g); });
  Tensor h = x * 3;
  unsigned id = h.register_hook([](const Tensor& g) { return g * 10; });
  (h * h).backward(ember::ones({2}));
  // d(h^2)/dh = 2h = [6, 12], times 10 by the hook, times 3 into x
  REQUIRE(seen == std::vector<double>{180, 360});
  REQUIRE(values(x.grad()) == std::vector<double>{180, 360});
  Tensor h2 = x * 3;
  h2.register_hook([](const Tensor& g) { return g * 10; });
  unsigned id2 = h2.register_hook([](const Tensor& g) { return g * 0; });
  h2.remove_hook(id2);
  x.zero_grad();
  h2.backward(ember::ones({2}));
  REQUIRE(values(x.grad()) == std::vector<double>{30, 30});
  (void)id;
}

TEST_CASE("retain_grad keeps a non-leaf gradient", "[autograd]") {
  Tensor x = ember::tensor({1.0, 2.0}, ember::requires_grad());
  Tensor h = x * 2;
  h.retain_grad();
  REQUIRE(h.retains_grad());
  (h * h).backward(ember::ones({2}));
  REQUIRE(values(h.grad()) == std::vector<double>{4, 8});
}

// Expected values below are PyTorch 1.13's (python3-torch), for the same steps in Python.
TEST_CASE("retain_grad follows the tensor through in-place ops", "[autograd][retain_grad]") {
  // a = ones(2, 2).clone(); a.retain_grad(); a.mul_(2); (a + 1).sum().backward()
  // PyTorch: a.grad is all 1 (the gradient of the newest version), not 2.
  Tensor a = ember::ones({2, 2}, ember::requires_grad()).clone();
  a.retain_grad();
  a.mul_(2);
  (a + 1).sum().backward();
  REQUIRE(a.retains_grad());
  REQUIRE(values(a.grad()) == std::vector<double>{1, 1, 1, 1});

  // Two in-place ops: x = [1, 2, 3]; a = x * 1; a.mul_(3); a.add_(1); (a * a).sum()
  // PyTorch: a.grad = [8, 14, 20] (2a with a = [4, 7, 10]), x.grad = [24, 42, 60].
  Tensor x = ember::tensor({1.0, 2.0, 3.0}, ember::requires_grad());
  Tensor b = x * 1;
  b.retain_grad();
  b.mul_(3);
  b.add_(1);
  (b * b).sum().backward();
  REQUIRE(values(b.grad()) == std::vector<double>{8, 14, 20});
  REQUIRE(values(x.grad()) == std::vector<double>{24, 42, 60});
}

TEST_CASE("retain_grad keeps accumulating across an in-place op, other hooks stay with the old version",
          "[autograd][retain_grad]") {
  // x = [1, 2]; a = x * 2; a.retain_grad(); (a * 5).sum().backward(retain_graph=True)
  // PyTorch: a.grad = [5, 5]; then a.mul_(3); (a * a).sum().backward() adds 2a = [12, 24]:
  // a.grad = [17, 29].
  Tensor x = ember::tensor({1.0, 2.0}, ember::requires_grad());
  Tensor a = x * 2;
  a.retain_grad();
  (a * 5).sum().backward(Tensor(), true);
  REQUIRE(values(a.grad()) == std::vector<double>{5, 5});
  a.mul_(3);
  (a * a).sum().backward();
  REQUIRE(values(a.grad()) == std::vector<double>{17, 29});

  // x = [1, 2]; c = x * 2; c.retain_grad(); c.register_hook(h); c.mul_(3); (c * c).sum()
  // PyTorch: the hook sees the old version's gradient [36, 72]; c.grad = [12, 24];
  // x.grad = [72, 144].
  Tensor y = ember::tensor({1.0, 2.0}, ember::requires_grad());
  Tensor c = y * 2;
  c.retain_grad();
  std::vector<double> seen;
  c.register_grad_hook([&](const Tensor& g) {
    seen = values(g);
    return Tensor();
  });
  c.mul_(3);
  (c * c).sum().backward();
  REQUIRE(seen == std::vector<double>{36, 72});
  REQUIRE(values(c.grad()) == std::vector<double>{12, 24});
  REQUIRE(values(y.grad()) == std::vector<double>{72, 144});
}

TEST_CASE("backward with inputs accumulates only into them, an empty inputs list is an error",
          "[autograd][errors]") {
  // y = ones(2); w = ones(2); (y * 2 * w).sum().backward(inputs=[y])
  // PyTorch: y.grad = [2, 2], w.grad is None.
  Tensor y = ember::ones({2}, ember::requires_grad());
  Tensor w = ember::ones({2}, ember::requires_grad());
  (y * 2 * w).sum().backward(Tensor(), std::nullopt, false, {y});
  REQUIRE(values(y.grad()) == std::vector<double>{2, 2});
  REQUIRE(!w.grad().defined());

  // PyTorch: z.backward(inputs=[]) raises "'inputs' argument to backward() cannot be empty."
  // (LibTorch's Tensor::backward says the same); nothing is accumulated.
  Tensor z = (y * 2 * w).sum();
  std::string msg = testing::error_of([&] { z.backward(Tensor(), std::nullopt, false, std::vector<Tensor>{}); });
  REQUIRE(msg.find("'inputs' argument to backward() cannot be empty") != std::string::npos);
  REQUIRE(msg.find("[]") != std::string::npos);  // the output's shape (a scalar)
  // `{}` in that place is an empty list too: the overload with inputs has no default.
  REQUIRE_THROWS_AS(z.backward(Tensor(), std::nullopt, false, {}), ember::Error);
  REQUIRE(values(y.grad()) == std::vector<double>{2, 2});
  REQUIRE(!w.grad().defined());
  // Without inputs, every leaf gets its gradient.
  z.backward();
  REQUIRE(values(y.grad()) == std::vector<double>{4, 4});
  REQUIRE(values(w.grad()) == std::vector<double>{2, 2});
}

TEST_CASE("the graph is owned by its outputs and freed with them", "[autograd]") {
  std::weak_ptr<ember::autograd::Node> node;
  Tensor x = ember::ones({3}, ember::requires_grad());
  {
    Tensor y = ember::tanh(x * 2) + 1;
    node = y.grad_fn();
    REQUIRE(!node.expired());
  }
  REQUIRE(node.expired());
  // after backward without retain_graph the graph still exists until the output dies
  Tensor z = ember::exp(x);
  node = z.grad_fn();
  z.backward(ember::ones({3}));
  REQUIRE(!node.expired());
  z = Tensor();
  REQUIRE(node.expired());
}

TEST_CASE("a 10,000-step chain back-propagates and frees without deep recursion", "[autograd]") {
  Tensor x = ember::tensor({1.0}, ember::requires_grad());
  Tensor h = x;
  for (int i = 0; i < 10000; ++i) h = ember::tanh(h * 0.5 + 0.1) * 2;
  std::weak_ptr<ember::autograd::Node> node = h.grad_fn();
  h.backward(ember::ones({1}));
  REQUIRE(x.grad().defined());
  REQUIRE(std::isfinite(values(x.grad())[0]));
  h = Tensor();
  REQUIRE(node.expired());
}

TEST_CASE("requires_grad follows from inputs, outputs of int ops do not require grad", "[autograd]") {
  Tensor x = ember::ones({2}, ember::requires_grad());
  Tensor c = ember::ones({2});
  REQUIRE((x + c).requires_grad());
  REQUIRE(!(c + c).requires_grad());
  REQUIRE(!(x > c).requires_grad());
  Tensor f = ember::ones({2}, ember::dtype(ember::kFloat64).requires_grad(true));
  REQUIRE(f.requires_grad());
  REQUIRE(f.dtype() == ember::kFloat64);
  // gradients come back in the leaf's dtype even through a promotion
  Tensor y = (x * f);
  REQUIRE(y.dtype() == ember::kFloat64);
  y.backward(ember::ones({2}, ember::kFloat64));
  REQUIRE(x.grad().dtype() == ember::kFloat32);
  REQUIRE(values(x.grad()) == std::vector<double>{1, 1});
}

TEST_CASE("gradcheck reports a wrong backward", "[autograd][gradcheck]") {
  // Hooks let the test corrupt a correct gradient: gradcheck must notice.
  auto bad = [](const std::vector<Tensor>& in) {
    Tensor y = in[0] * 2;
    if (y.requires_grad()) y.register_hook([](const Tensor& g) { return g * 1.5; });
    return y * 1;
  };
  Tensor x = testing::leaf({3});
  REQUIRE_THROWS_WITH(ember::autograd::gradcheck(bad, {x}), Catch::Contains("Jacobian mismatch"));
  ember::autograd::GradcheckOptions quiet;
  quiet.raise_exception = false;
  REQUIRE(!ember::autograd::gradcheck(bad, {x}, quiet));
}

TEST_CASE("autograd::grad with no inputs is an error, as in PyTorch", "[autograd][errors]") {
  ember::Tensor w = ember::ones({2}, ember::requires_grad());
  ember::Tensor y = (w * 2).sum();
  CHECK_THAT(testing::error_of([&] { ember::autograd::grad({y}, {}); }),
             Catch::Matchers::Contains("autograd::grad: grad requires non-empty inputs"));
}

TEST_CASE("gradients meeting at a node are summed in place only where nobody else holds them", "[autograd]") {
  // The engine sums into the first gradient when it holds the only reference to it.
  // Expected values are the hand-derived derivatives, written out.
  SECTION("a gradient the user passed is never written") {
    Tensor x = ember::tensor({1.0, 2.0}, ember::requires_grad());
    Tensor y = x * 1.0;
    Tensor z = y + y;  // add's backward hands the same gradient to both of its inputs
    Tensor g = ember::tensor({3.0, 4.0});
    z.backward(g);
    CHECK(values(g) == std::vector<double>{3, 4});
    CHECK(values(x.grad()) == std::vector<double>{6, 8});
  }
  SECTION("a gradient a hook kept is never written by a later sum") {
    // w = y + 1 hands its gradient on to y unchanged, where it meets y's other gradient;
    // w is recorded after y * 5, so its backward runs first and its gradient (the one
    // the hook kept) is the first in y's buffer.
    Tensor x = ember::tensor({1.0, 2.0}, ember::requires_grad());
    Tensor y = x * 2.0;
    Tensor other = (y * 5.0).sum();
    Tensor w = y + 1.0;
    Tensor kept;
    w.register_hook([&](const Tensor& g) { kept = g; });
    Tensor loss = other + (w * 3.0).sum();
    loss.backward();
    CHECK(values(kept) == std::vector<double>{3, 3});
    CHECK(values(x.grad()) == std::vector<double>{16, 16});
  }
  SECTION("an unrolled loop over slices: every slice's gradient lands in its place") {
    Tensor x = ember::arange(24, ember::kFloat64).view({4, 3, 2}).requires_grad_(true);
    Tensor loss;
    for (int64_t t = 0; t < 4; ++t) {
      Tensor term = (x[t] * double(t + 1)).sum();  // d/dx[t] = t + 1
      loss = loss.defined() ? loss + term : term;
    }
    loss.backward();
    for (int64_t t = 0; t < 4; ++t) CHECK(ember::equal(x.grad()[t], ember::full({3, 2}, double(t + 1), ember::kFloat64)));
  }
  SECTION("narrow and slice regions, overlapping, along an inner dim, summed into one gradient") {
    // The regions' gradients are added where they view: d/dx of sum(w_i * region_i).
    Tensor x = ember::zeros({2, 6}, ember::kFloat64).requires_grad_(true);
    Tensor loss = (x.narrow(1, 0, 3) * 2.0).sum() + (x.narrow(1, 2, 3) * 3.0).sum() +
                  (x.slice(1, 4, 6) * 5.0).sum() + (x.select(1, 5) * 7.0).sum() + (x.select(0, 1) * 11.0).sum();
    loss.backward();
    // Columns 0-1: 2; 2: 2 + 3; 3: 3; 4: 3 + 5; 5: 5 + 7; row 1 also + 11 everywhere.
    const std::vector<double> row0{2, 2, 5, 3, 8, 12};
    std::vector<double> want = row0;
    for (double v : row0) want.push_back(v + 11);
    CHECK(values(x.grad()) == want);
  }
  SECTION("a summed gradient someone else holds is not added into") {
    // y = x + 1 hands its gradient, which a hook keeps, on to x unchanged; recorded after
    // the narrow, it arrives at x first and must stay as it was.
    Tensor x = ember::zeros({3}, ember::kFloat64).requires_grad_(true);
    Tensor other = (x.narrow(0, 1, 2) * 4.0).sum();
    Tensor y = x + 1.0;
    Tensor kept;
    y.register_hook([&](const Tensor& g) { kept = g; });
    Tensor loss = other + (y * 2.0).sum();
    loss.backward();
    CHECK(values(x.grad()) == std::vector<double>{2, 6, 6});
    CHECK(values(kept) == std::vector<double>{2, 2, 2});
  }
  SECTION("create_graph keeps the sums differentiable") {
    Tensor x = ember::tensor({1.5}, ember::requires_grad());
    Tensor y = x * x;
    Tensor loss = y * x + y;  // x^3 + x^2: first derivative 3x^2 + 2x, second 6x + 2
    std::vector<Tensor> g = ember::autograd::grad({loss}, {x}, {}, std::nullopt, true);
    CHECK(g[0].item<double>() == Approx(3 * 1.5 * 1.5 + 2 * 1.5));
    std::vector<Tensor> gg = ember::autograd::grad({g[0]}, {x});
    CHECK(gg[0].item<double>() == Approx(6 * 1.5 + 2));
  }
}
