// The `mlp_step` workload of bench/mlp_sweep.sh: the training step of the mlp_fmnist
// network at other widths and batch sizes, to show how each library's cost grows.
// The network is 784-H-H/2-10 with ReLU (H = 256 is mlp_fmnist's 784-256-128-10),
// cross-entropy, Adam (lr 1e-3); a step is forward, zero_grad, backward and the
// optimizer step on the next B Fashion-MNIST training images, taken in file order as a
// view of the whole set (no shuffling or gathering: the table is about the library's
// cost). Real images rather than one fixed random batch: a network fitting a single
// batch over and over drives its gradients, and Adam's second moments, into subnormal
// floats, and then times the CPU's slow subnormal arithmetic (LibTorch's step at H =
// 256, batch 1 took 22 ms that way). Both programs time it here, the same way. It runs
// only when named (`--only mlp_step`), with `--hidden H --batch B`.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>

#include "bench/common.hpp"
#include "bench/datasets.hpp"

namespace bench {

struct StepSize {
  int64_t hidden = 256;
  int64_t batch = 64;
};

// Takes --hidden N and --batch N out of argv, so that parse_options sees the rest.
inline StepSize take_step_flags(int& argc, char** argv) {
  StepSize s;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--hidden" || a == "--batch") && i + 1 < argc) {
      int64_t v = std::atoll(argv[++i]);
      if (v < 1 || (a == "--hidden" && v < 2)) {
        std::fprintf(stderr, "%s: expected a positive size (--hidden at least 2), got %s\n", a.c_str(), argv[i]);
        std::exit(2);
      }
      (a == "--hidden" ? s.hidden : s.batch) = v;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return s;
}

// mlp_step runs only when --only names it: a plain run keeps the suite's workloads.
inline bool named(const Options& o, const char* workload) {
  return std::find(o.only.begin(), o.only.end(), workload) != o.only.end();
}

// The first row of the batch a step number trains on: consecutive batches, wrapping
// around before the end of the set.
inline int64_t step_first_row(int64_t step, int64_t batch, int64_t rows) {
  const int64_t batches = std::max<int64_t>(1, rows / batch);
  return (step % batches) * batch;
}

inline std::string mlp_step_variant(const StepSize& s) {
  return "784-" + std::to_string(s.hidden) + "-" + std::to_string(s.hidden / 2) + "-10,batch=" +
         std::to_string(s.batch);
}

// Prints the images/s of `step` (one training step on s.batch images): the median of
// kReps repetitions, each of as many steps as last about 0.1 s, after a warm-up.
inline void mlp_step_figure(const StepSize& s, int threads, const std::function<void()>& step) {
  step();
  step();
  const double once = time_once(step);
  const int64_t steps = std::max<int64_t>(1, static_cast<int64_t>(0.1 / std::max(once, 1e-7)));
  const double sec = median_seconds([&] {
    for (int64_t i = 0; i < steps; ++i) step();
  });
  emit("mlp_step", mlp_step_variant(s), threads, "images_per_s", double(steps * s.batch) / sec);
}

}  // namespace bench
