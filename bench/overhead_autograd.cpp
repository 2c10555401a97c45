// overhead_autograd: the cost of recording small ops. a and b have shape {8} and
// require grad; 50 steps of x = x * b + a, then x.sum().backward(), repeated 2000
// times. Prints nanoseconds per recorded op (the 100 muls and adds of a repeat, forward
// and backward time together, as ember-bench's overhead_autograd), median of 5 runs.
// Usage: overhead_autograd [anomaly|off] [repeats]   ("anomaly" turns anomaly detection on;
// fewer repeats suit instruction counting under valgrind)
// Build: c++ -O2 -std=c++17 -DEMBER_HAS_ANOMALY -Iinclude bench/overhead_autograd.cpp -Lbuild -lember
// (without -DEMBER_HAS_ANOMALY it also builds against versions before anomaly detection).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ember/ember.hpp"

int main(int argc, char** argv) {
  bool anomaly = argc > 1 && std::strcmp(argv[1], "anomaly") == 0;
#ifdef EMBER_HAS_ANOMALY
  ember::autograd::set_detect_anomaly(anomaly);
#else
  if (anomaly) { std::fprintf(stderr, "built without anomaly mode\n"); return 1; }
#endif
  ember::Tensor a = ember::randn({8}, ember::requires_grad());
  ember::Tensor b = ember::randn({8}, ember::requires_grad());
  const int steps = 50, reps = argc > 2 ? std::atoi(argv[2]) : 2000;
  const double ops_per_rep = 2 * steps;  // mul and add per step (as ember-bench counts)
  std::vector<double> runs;
  for (int run = 0; run < 5; ++run) {
    auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) {
      ember::Tensor x = a;
      for (int s = 0; s < steps; ++s) x = x * b + a;
      x.sum().backward();
    }
    auto t1 = std::chrono::steady_clock::now();
    runs.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / (reps * ops_per_rep));
  }
  std::sort(runs.begin(), runs.end());
  std::printf("overhead_autograd%s: %.1f ns per recorded op (median of 5; runs %.1f..%.1f)\n",
              anomaly ? " (anomaly on)" : "", runs[2], runs[0], runs[4]);
  return 0;
}
