// Anomaly detection: NaN/Inf in backward names the op, its output, the shapes and the
// line where the user created it; in-place errors name both sites; module paths;
// double backward names the node whose backward made the failing one.
// This file is compiled with line tables (-g1, see CMakeLists.txt) so sites have lines.
#include <cmath>

#include "helpers.hpp"

using ember::Tensor;
using testing::error_of;

namespace {
std::string line_ref(int line) { return "test_anomaly.cpp:" + std::to_string(line); }

// Runs f with anomaly detection on and returns its error message.
std::string anomaly_error_of(const std::function<void()>& f) {
  ember::autograd::DetectAnomalyGuard guard;
  return error_of(f);
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct Scaler : ember::nn::Module {
  Scaler() : ember::nn::Module("Scaler") {}
  Tensor forward(const Tensor& x) override { return ember::log(x); }  // NaN for x < 0
};
struct Net : ember::nn::Module {
  ember::nn::ModuleHolder<Scaler> scale{std::make_shared<Scaler>()};
  Net() : ember::nn::Module("Net") { register_module("scale", scale.ptr()); }
  Tensor forward(const Tensor& x) override { return scale(x * 2); }
};
}  // namespace

TEST_CASE("anomaly mode is off by default, the guard turns it on and restores it", "[autograd][anomaly]") {
  REQUIRE(!ember::autograd::is_anomaly_enabled());
  {
    ember::autograd::DetectAnomalyGuard guard;
    REQUIRE(ember::autograd::is_anomaly_enabled());
    REQUIRE(ember::autograd::is_anomaly_check_nan_enabled());
  }
  REQUIRE(!ember::autograd::is_anomaly_enabled());
  ember::autograd::set_detect_anomaly(true, false);
  REQUIRE(ember::autograd::is_anomaly_enabled());
  REQUIRE(!ember::autograd::is_anomaly_check_nan_enabled());
  ember::autograd::set_detect_anomaly(false);
  REQUIRE(!ember::autograd::is_anomaly_enabled());
}

TEST_CASE("anomaly: sqrt(sqrt(x - 2)) blames the sqrt whose backward first goes non-finite, with its line",
          "[autograd][anomaly]") {
  // At x = 1 the inner sqrt is NaN, so the outer sqrt's backward (g / (2 sqrt(y))) is the
  // first node to return NaN. PyTorch 1.13 blames the same node: with the two calls on
  // separate lines, torch.autograd.detect_anomaly() reports SqrtBackward0 at the outer line.
  Tensor x = ember::tensor({1.0, 3.0}, ember::requires_grad());
  int inner_line = 0, outer_line = 0;
  std::string msg = anomaly_error_of([&] {
    inner_line = __LINE__ + 1;
    Tensor inner = ember::sqrt(x - 2);
    outer_line = __LINE__ + 1;
    Tensor outer = ember::sqrt(inner);
    outer.sum().backward();
  });
  INFO(msg);
  REQUIRE(contains(msg, "backward of sqrt returned NaN values in its output 0"));
  REQUIRE(contains(msg, "shape [2]"));
  REQUIRE(contains(msg, line_ref(outer_line)));
  // The NaN the outer sqrt saw came from the inner one, which the report names too.
  REQUIRE(contains(msg, "input 0 of sqrt came from sqrt, created at "));
  REQUIRE(contains(msg, line_ref(inner_line)));
  // Without anomaly mode, backward gives NaN and no error.
  Tensor y = ember::sqrt(ember::sqrt(x - 2)).sum();
  y.backward();
  REQUIRE(std::isnan(testing::values(x.grad())[0]));
}

TEST_CASE("anomaly: where the inner sqrt is the first to fail, it is blamed, by its line", "[autograd][anomaly]") {
  // At x = 2 the inner sqrt is 0: sqrt(0 + 1) has a finite backward (0.5), and the inner
  // sqrt's backward 0.5 / (2 sqrt(0)) is Inf.
  Tensor x = ember::tensor({2.0}, ember::requires_grad());
  int inner_line = 0;
  std::string msg = anomaly_error_of([&] {
    inner_line = __LINE__ + 1;
    Tensor inner = ember::sqrt(x - 2);
    Tensor outer = ember::sqrt(inner + 1);
    outer.sum().backward();
  });
  INFO(msg);
  REQUIRE(contains(msg, "backward of sqrt returned Inf values in its output 0"));
  REQUIRE(contains(msg, line_ref(inner_line)));
  REQUIRE(!contains(msg, line_ref(inner_line + 1)));
}

TEST_CASE("anomaly: a NaN from log of a negative value is caught", "[autograd][anomaly]") {
  // log(-3) is NaN in the forward pass; log's own backward (g / x) stays finite, so the
  // first backward to return NaN is mul's (2 y g with y = NaN), as in PyTorch. The report
  // names mul and, as the source of the NaN it saved, log and its line.
  Tensor x = ember::tensor({-1.0, 2.0}, ember::requires_grad());
  int log_line = 0, mul_line = 0;
  std::string msg = anomaly_error_of([&] {
    Tensor y = x * 3;
    log_line = __LINE__ + 1;
    Tensor z = ember::log(y);
    mul_line = __LINE__ + 1;
    Tensor w = z * z;
    w.sum().backward();
  });
  INFO(msg);
  REQUIRE(contains(msg, "backward of mul returned NaN values"));
  REQUIRE(contains(msg, line_ref(mul_line)));
  REQUIRE(contains(msg, "saved tensor 0 of mul holds NaN; it was made by log, created at "));
  REQUIRE(contains(msg, line_ref(log_line)));
}

TEST_CASE("anomaly: log backward of NaN input names log and the module path", "[autograd][anomaly]") {
  Tensor x = ember::tensor({std::nan(""), 1.0}, ember::requires_grad());
  std::string msg = anomaly_error_of([&] {
    ember::nn::ModuleHolder<Net> holder(std::make_shared<Net>());
    holder(x).sum().backward();
  });
  INFO(msg);
  REQUIRE(contains(msg, "backward of log returned NaN"));
  REQUIRE(contains(msg, "inside module Net.scale"));
}

TEST_CASE("anomaly: module paths run through Sequential", "[autograd][anomaly]") {
  ember::nn::Sequential seq(ember::nn::Linear(2, 2), std::make_shared<Scaler>());
  Tensor x = ember::tensor({{std::nan(""), 1.0}}, ember::requires_grad());
  std::string msg = anomaly_error_of([&] { seq(x).sum().backward(); });
  INFO(msg);
  REQUIRE(contains(msg, "inside module Sequential.1"));
}

TEST_CASE("anomaly: the in-place error names the saving op and the in-place op, with their lines",
          "[autograd][anomaly]") {
  Tensor a = ember::tensor({1.0, 2.0}, ember::requires_grad());
  int save_line = 0, inplace_line = 0;
  std::string msg = anomaly_error_of([&] {
    Tensor b = a * 1;
    save_line = __LINE__ + 1;
    Tensor c = ember::exp(b);  // exp saves its output
    inplace_line = __LINE__ + 1;
    c.add_(1);
    c.sum().backward();
  });
  INFO(msg);
  REQUIRE(contains(msg, "modified by an in-place operation"));
  REQUIRE(contains(msg, "saved by exp, created at "));
  REQUIRE(contains(msg, line_ref(save_line)));
  REQUIRE(contains(msg, "add_"));
  REQUIRE(contains(msg, line_ref(inplace_line)));
  // Off, the error is the plain one.
  Tensor b = a * 1;
  Tensor c = ember::exp(b);
  c.add_(1);
  std::string plain = error_of([&] { c.sum().backward(); });
  REQUIRE(contains(plain, "modified by an in-place operation"));
  REQUIRE(!contains(plain, "created at"));
}

TEST_CASE("anomaly: double backward names the forward node whose backward created the failing node",
          "[autograd][anomaly]") {
  // y = sqrt(x) at x = 0: dy/dx = 1 / (2 sqrt(x)) = Inf is fine to compute with
  // create_graph, but differentiating it again goes through ops sqrt's backward recorded.
  Tensor x = ember::tensor({0.0, 4.0}, ember::requires_grad());
  int line = 0;
  std::string msg = anomaly_error_of([&] {
    line = __LINE__ + 1;
    Tensor y = ember::sqrt(x * 1).sum();
    ember::autograd::set_detect_anomaly(true, false);  // first-order Inf is expected here
    Tensor g = ember::autograd::grad({y}, {x}, {}, std::nullopt, true)[0];
    ember::autograd::set_detect_anomaly(true, true);
    g.sum().backward();
  });
  INFO(msg);
  REQUIRE(contains(msg, "values in its output"));
  REQUIRE(contains(msg, "was made by the backward of sqrt, created at "));
  REQUIRE(contains(msg, line_ref(line)));
}

TEST_CASE("anomaly: check_nan=false keeps going past NaN", "[autograd][anomaly]") {
  Tensor x = ember::tensor({-1.0}, ember::requires_grad());
  ember::autograd::DetectAnomalyGuard guard(false);
  ember::log(x * 1).sum().backward();
  REQUIRE(testing::values(x.grad())[0] == -1.0);  // d/dx log(x) = 1/x, finite at -1
}
