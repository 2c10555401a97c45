// ember-tensorboard-bench: what logging to TensorBoard costs.
//   scalar_caller   add_scalar on the calling thread, ns per call over 10^5 calls, as
//                   wall time and as the calling thread's CPU time (the writer thread
//                   encodes and writes meanwhile; on a loaded machine the wall time
//                   also holds the time the caller waits for a core)
//   scalar_e2e      10^6 add_scalar calls until close() returns: every event encoded,
//                   written and flushed (s)
//   histogram       add_histogram of 10^6 float32 values (PyTorch's default bins) up to
//                   the end of flush() (ms)
//   images          add_images of 64 28x28 one-channel float images (a grid PNG) up to
//                   the end of flush() (ms)
// Each figure is the median over --repeat rounds (default 7), one JSON line with the
// CPU's model name and ember's SIMD instruction set. Logs go to a fresh temporary dir.
//
//   ember-tensorboard-bench [--repeat N]
#include <ember/ember.hpp>
#include <ember/tensorboard.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cpu_model.hpp"

namespace {
using Clock = std::chrono::steady_clock;
namespace tb = ember::tensorboard;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void print(const char* workload, const char* metric, double value, const std::string& cpu) {
  std::printf("{\"workload\": \"%s\", \"metric\": \"%s\", \"value\": %.4g, \"cpu\": \"%s\", \"simd\": \"%s\"}\n",
              workload, metric, value, cpu.c_str(), ember::simd_instruction_set());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 7;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: ember-tensorboard-bench [--repeat N]\n");
      return 2;
    }
  }
  char tmpl[] = "/tmp/ember_tb_bench_XXXXXX";
  const std::string root = mkdtemp(tmpl);
  const std::string cpu = cpu_model();
  int run = 0;
  auto next_dir = [&] { return root + "/run" + std::to_string(run++); };

  std::vector<double> caller, caller_cpu, e2e, histogram, images;
  const ember::Tensor values = ember::randn({1000000});
  const ember::Tensor batch = ember::rand({64, 1, 28, 28});
  for (int r = 0; r < repeat; ++r) {
    {
      tb::SummaryWriter writer(next_dir());
      const int n = 100000;
      const auto t0 = Clock::now();
      const double cpu0 = thread_cpu_seconds();
      for (int i = 0; i < n; ++i) writer.add_scalar("loss/train", 0.5 + 1e-6 * i, i);
      caller_cpu.push_back((thread_cpu_seconds() - cpu0) / n * 1e9);
      caller.push_back(seconds_since(t0) / n * 1e9);
    }
    {
      const auto t0 = Clock::now();
      tb::SummaryWriter writer(next_dir());
      for (int i = 0; i < 1000000; ++i) writer.add_scalar("loss/train", 0.5 + 1e-7 * i, i);
      writer.close();
      e2e.push_back(seconds_since(t0));
    }
    {
      tb::SummaryWriter writer(next_dir());
      const auto t0 = Clock::now();
      writer.add_histogram("weights", values, r);
      writer.flush();
      histogram.push_back(seconds_since(t0) * 1e3);
    }
    {
      tb::SummaryWriter writer(next_dir());
      const auto t0 = Clock::now();
      writer.add_images("batch", batch, r);
      writer.flush();
      images.push_back(seconds_since(t0) * 1e3);
    }
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root);
  }
  print("scalar_caller", "ns_per_add_scalar", median(caller), cpu);
  print("scalar_caller", "cpu_ns_per_add_scalar", median(caller_cpu), cpu);
  print("scalar_e2e", "s_per_1e6_scalars", median(e2e), cpu);
  print("histogram", "ms_per_1e6_values", median(histogram), cpu);
  print("images", "ms_per_64x28x28", median(images), cpu);
  std::filesystem::remove_all(root);
  return 0;
}
