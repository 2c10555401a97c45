// Built against an installed ember: checks that the headers, the library and the
// package files work outside the source tree.
#include <ember/ember.hpp>
#include <iostream>

int main() {
  ember::Tensor w = ember::tensor({1.0, -2.0, 0.5}, ember::requires_grad());
  ember::Tensor loss = (w * w).sum();
  loss.backward();
  std::vector<float> g = w.grad().tolist<float>();
  bool ok = g.size() == 3 && g[0] == 2.0f && g[1] == -4.0f && g[2] == 1.0f;
  std::cout << (ok ? "consumer ok" : "consumer wrong gradient") << "\n";
  return ok ? 0 : 1;
}
