#!/usr/bin/env ember-run
// An executable C++ script: `chmod +x least_squares.cpp; ./least_squares.cpp 200` with
// ember-run on PATH (or `ember-run least_squares.cpp 200`, or `ember-repl
// least_squares.cpp 200`). Learns w in y = x w by gradient descent, from data made with
// w = [2, -3], and prints w after the number of steps given (default 100).
#include <ember/ember.hpp>

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
  int steps = argc > 1 ? std::atoi(argv[1]) : 100;
  ember::manual_seed(0);
  ember::Tensor x = ember::randn({64, 2});
  ember::Tensor y = x.matmul(ember::tensor({{2.0}, {-3.0}}));
  ember::Tensor w = ember::zeros({2, 1}, ember::requires_grad());
  for (int step = 0; step < steps; ++step) {
    ember::Tensor loss = (x.matmul(w) - y).square().mean();
    w.zero_grad();
    loss.backward();
    ember::NoGradGuard no_grad;
    w.sub_(w.grad() * 0.1);
  }
  std::cout << w.detach().flatten() << std::endl;
  return 0;
}
