// all_reduce bandwidth per message size, the median of repeats, printed by rank 0.
//   mpirun -np 2 distributed_bench mpi [max_bytes [min_bytes]] [--json]
//   RANK=.. WORLD_SIZE=.. MASTER_ADDR=.. MASTER_PORT=.. distributed_bench gloo [...]   (or ember-launch)
// --json prints bench/run.sh's JSON lines (workload allreduce) instead of the table.
// barrier is the header exchange alone (every collective starts with one), so its
// latency is the cost of the dtype/shape check.
#include <ember/distributed.hpp>
#include <ember/ember.hpp>

#include "bench/cpu_model.hpp"

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace dist = ember::distributed;

namespace {
template <class F>
double median_seconds(int repeats, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    dist::barrier();
    auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  // Every rank uses rank 0's figure: the slowest rank sets the pace anyway.
  return t[t.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--json")
      json = true;
    else
      args.push_back(argv[i]);
  }
  std::string backend = args.size() > 0 ? args[0] : "gloo";
  long max_bytes = args.size() > 1 ? std::atol(args[1].c_str()) : 64L << 20;
  long min_bytes = args.size() > 2 ? std::atol(args[2].c_str()) : 1024;
  const std::string cpu = cpu_model();
  ember::set_num_threads(1);  // as bench/allreduce_torch.py's torch.set_num_threads(1)
  dist::init_process_group(backend);
  int rank = dist::get_rank(), n = dist::get_world_size();
  double barrier_s = median_seconds(200, [] { dist::barrier(); });
  if (rank == 0 && !json) {
    std::printf("backend %s, %d processes\n", backend.c_str(), n);
    std::printf("barrier (header exchange only): %.1f us\n", barrier_s * 1e6);
    std::printf("%10s %12s %12s %12s\n", "bytes", "median_us", "algbw_GB/s", "busbw_GB/s");
  }
  for (long bytes = min_bytes; bytes <= max_bytes; bytes *= 4) {
    auto t = ember::ones({bytes / 4});
    int repeats = bytes <= (1 << 20) ? 50 : 9;
    dist::all_reduce(t);  // warm up
    double s = median_seconds(repeats, [&] { dist::all_reduce(t); });
    if (rank == 0 && json)
      std::printf("{\"workload\":\"allreduce\",\"variant\":\"bytes=%ld\",\"threads\":1,\"metric\":\"gbps\","
                  "\"value\":%.6g,\"cpu\":\"%s\",\"isa\":\"%s\"}\n",
                  bytes, bytes / s / 1e9, cpu.c_str(), ember::simd_instruction_set());
    else if (rank == 0)
      std::printf("%10ld %12.1f %12.3f %12.3f\n", bytes, s * 1e6, bytes / s / 1e9, bytes / s / 1e9 * 2.0 * (n - 1) / n);
  }
  dist::destroy_process_group();
}
