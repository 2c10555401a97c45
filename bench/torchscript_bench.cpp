// torchscript-bench: the TorchScript twin of ember-jit-bench's mlp_infer. Loads the MLP
// that bench/trace_mlp.py traced from ember's weights (torch::jit::load), checks once
// that it gives ember's outputs on ember's inputs (max |difference| <= 1e-5), then
// times it under torch::NoGradGuard as ember-jit-bench times ember: batch-1 latency
// and batch-64 throughput, the median of --repeat rounds (default 7) after a warm-up.
//
//   torchscript-bench --model DIR [--threads N] [--repeat N]
//
// DIR holds mlp_torchscript.pt and mlp_check.pt (trace_mlp.py). --threads sets
// torch::set_num_threads; OpenBLAS's threads follow OPENBLAS_NUM_THREADS (run.sh sets
// it to the same number).
#include <torch/script.h>
#include <torch/utils.h>  // torch::NoGradGuard, torch::set_num_threads

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "cpu_model.hpp"

namespace {
using Clock = std::chrono::steady_clock;


double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

[[noreturn]] void usage(int code) {
  std::fprintf(code ? stderr : stdout, "usage: torchscript-bench --model DIR [--threads N] [--repeat N]\n");
  std::exit(code);
}
}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  int threads = 1, repeat = 7;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") usage(0);
    if (i + 1 >= argc) usage(2);
    if (a == "--model")
      dir = argv[++i];
    else if (a == "--threads")
      threads = std::max(1, std::atoi(argv[++i]));
    else if (a == "--repeat")
      repeat = std::max(1, std::atoi(argv[++i]));
    else
      usage(2);
  }
  if (dir.empty()) usage(2);
  torch::set_num_threads(threads);
  const std::string cpu = cpu_model();
  auto emit = [&](const char* variant, const char* metric, double value) {
    std::printf(
        "{\"workload\":\"mlp_infer\",\"variant\":\"%s\",\"threads\":%d,\"metric\":\"%s\",\"value\":%.6g,"
        "\"cpu\":\"%s\",\"isa\":\"%s\"}\n",
        variant, threads, metric, value, cpu.c_str(), "libtorch");
    std::fflush(stdout);
  };

  torch::jit::Module model = torch::jit::load(dir + "/mlp_torchscript.pt");
  torch::jit::Module check = torch::jit::load(dir + "/mlp_check.pt");
  model.eval();
  torch::NoGradGuard no_grad;
  for (int64_t batch : {int64_t(1), int64_t(64)}) {
    const std::string b = std::to_string(batch);
    torch::Tensor x = check.attr("input_b" + b).toTensor();
    torch::Tensor expected = check.attr("output_b" + b).toTensor();
    torch::Tensor got = model.forward({x}).toTensor();
    const double diff = (got - expected).abs().max().item<double>();
    if (!(diff <= 1e-5)) {
      std::fprintf(stderr, "torchscript-bench: batch %s: TorchScript and ember differ by %g > 1e-5\n", b.c_str(), diff);
      return 1;
    }
    const std::string variant = "batch=" + b;
    emit(variant.c_str(), "max_abs_diff_to_ember", diff);

    std::vector<torch::jit::IValue> args{x};
    const int iters = batch == 1 ? 2000 : 200;
    auto round = [&] {
      auto t0 = Clock::now();
      for (int i = 0; i < iters; ++i) model.forward(args);
      return std::chrono::duration<double>(Clock::now() - t0).count() / iters;
    };
    round();  // warm-up (TorchScript's profiling executor optimises on the first runs)
    std::vector<double> t;
    for (int r = 0; r < repeat; ++r) t.push_back(round());
    const double sec = median(t);
    if (batch == 1)
      emit(variant.c_str(), "torchscript_us", sec * 1e6);
    else
      emit(variant.c_str(), "torchscript_images_per_s", batch / sec);
  }
  return 0;
}
