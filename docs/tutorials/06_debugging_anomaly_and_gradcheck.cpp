// Tutorial 6: debugging gradients with anomaly mode and gradcheck.
//
// Three bugs people meet: a NaN that appears somewhere in backward, a tensor changed in
// place after an op saved it, and a gradient that is simply wrong.
//   ember-run docs/tutorials/06_debugging_anomaly_and_gradcheck.cpp
// (Anomaly reports name file:line when the program has line tables, e.g. -g or -g1; the
// test builds this tutorial with -g1.)
#include <ember/ember.hpp>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>

using ember::Tensor;

static void expect(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "tutorial check failed: " << what << "\n";
    std::exit(1);
  }
}
static bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

int main() {
  // 1. A NaN in backward. log(-1) is NaN; log's own backward (g / x) is finite, but the
  // square after it sends NaN back. Without anomaly mode the gradient is silently NaN.
  Tensor x = ember::tensor({-1.0, 2.0}, ember::requires_grad());
  ember::log(x).square().sum().backward();
  std::cout << "without anomaly mode: x.grad() = " << x.grad() << "\n";
  expect(std::isnan(x.grad().tolist<float>()[0]), "the gradient is NaN, silently");
  x.zero_grad();

  // With anomaly mode on (torch.autograd.detect_anomaly()), every recorded op remembers
  // where it was created, and the first backward that produces NaN or Inf throws,
  // naming the op, the output, the shapes, the lines, and where its NaN input came from.
  {
    ember::autograd::DetectAnomalyGuard anomaly;  // on for this scope only
    try {
      Tensor y = ember::log(x);  // the culprit
      Tensor z = y.square().sum();
      z.backward();
      expect(false, "anomaly mode must throw");
    } catch (const ember::Error& e) {
      std::cout << "anomaly mode:\n" << e.what() << "\n\n";
      expect(contains(e.what(), "NaN"), "the report says NaN");
      expect(contains(e.what(), "log"), "the report names log as the source");
    }
  }

  // 2. A tensor changed in place after an op saved it for backward: the version
  // counter turns a would-be wrong gradient into an error. Anomaly mode adds both sites.
  {
    ember::autograd::DetectAnomalyGuard anomaly;
    Tensor w = ember::tensor({0.5, 1.5}, ember::requires_grad());
    Tensor h = w * 2.0;
    Tensor s = ember::sigmoid(h);  // sigmoid saves its output for backward
    s.mul_(2.0);                   // ... which is then changed in place
    try {
      s.sum().backward();
      expect(false, "the in-place change must be caught");
    } catch (const ember::Error& e) {
      std::cout << "in-place change:\n" << e.what() << "\n\n";
      expect(contains(e.what(), "sigmoid") && contains(e.what(), "mul_"), "the error names both ops");
    }
  }

  // 3. Is a gradient right at all? gradcheck compares analytic gradients with central
  // finite differences in float64, and gradgradcheck does the same for second
  // derivatives. Use them on every hand-written backward (tutorial 3 shows one caught)
  // and on any piece of a model whose gradients you doubt.
  Tensor v = ember::randn({5}, ember::dtype(ember::kFloat64).requires_grad(true));
  auto stable_logsumexp = [](const std::vector<Tensor>& in) {
    Tensor m = in[0].max().detach();  // a constant shift: it changes no gradient
    return ember::log(ember::exp(in[0] - m).sum()) + m;
  };
  expect(ember::autograd::gradcheck(stable_logsumexp, {v}), "gradcheck passes");
  expect(ember::autograd::gradgradcheck(stable_logsumexp, {v}), "gradgradcheck passes");
  // The gradient of logsumexp is softmax: checked against ember::softmax.
  Tensor g = ember::autograd::grad({stable_logsumexp({v})}, {v})[0];
  expect(ember::allclose(g, ember::softmax(v.detach(), 0), 1e-12, 1e-12), "the gradient is softmax");
  std::cout << "tutorial 6: ok\n";
}
