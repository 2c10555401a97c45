// What ember-bench and torch-bench share: the workload sizes of BENCHMARKS.md, the
// command line, the clock, medians and the JSON line every figure is printed as.
// Each program fills a table of workloads with its own library's calls; everything
// else (repetitions, alternating baselines, what a figure counts) lives here, so the
// two sides are timed the same way.
#pragma once
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bench {

// ---- the workloads' sizes ----
constexpr int64_t kOverheadAddIters = 200000;
constexpr int64_t kOverheadAutogradReps = 2000;
constexpr int64_t kOverheadAutogradSteps = 50;  // each step records a mul and an add
constexpr int64_t kSmall = 8;
constexpr int64_t kElementwiseN = int64_t(1) << 24;
constexpr int64_t kReduceRows = 4096, kReduceCols = 4096;
const std::vector<int64_t> kMatmulSizes = {128, 512, 1024, 2048};
// conv2d: input [N, C_in, H, W], weight [C_out, C_in, K, K], stride 1, padding 1, no bias.
constexpr int64_t kConvN = 64, kConvCin = 32, kConvHW = 28, kConvCout = 64, kConvK = 3;
// The training workloads' sizes are in datasets.hpp.

// Variant names, shared so that the two programs' figures line up in compare.py.
constexpr const char* kConvVariant = "64x32x28x28,k=3";
constexpr const char* kMlpVariant = "784-256-128-10,batch=64";
constexpr const char* kCnnVariant = "conv32-conv64-fc128,batch=64";
constexpr const char* kLstmVariant = "emb32-lstm128,batch=32x300";

// Timed figures are medians of this many repetitions, after one warm-up.
constexpr int kReps = 7;
// Alternating-round workloads (elementwise vs memcpy, matmul vs sgemm) run this many rounds.
constexpr int kRounds = 11;

// ---- options ----
struct Options {
  int threads = 1;
  std::vector<std::string> only;  // empty: every workload
  bool wants(const std::string& w) const { return only.empty() || std::find(only.begin(), only.end(), w) != only.end(); }
};

inline Options parse_options(int argc, char** argv, const char* program) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      o.threads = std::atoi(argv[++i]);
    } else if (a == "--only" && i + 1 < argc) {
      std::string list = argv[++i];
      std::size_t start = 0;
      while (start <= list.size()) {
        std::size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        if (comma > start) o.only.push_back(list.substr(start, comma - start));
        start = comma + 1;
      }
    } else {
      std::fprintf(stderr,
                   "usage: %s [--threads N] [--only w1,w2,...]\n"
                   "workloads: overhead_add overhead_autograd elementwise reduce matmul ops conv2d mlp_fmnist\n"
                   "           cnn_fmnist lstm_words\n"
                   "run each training workload in a process of its own (--only) for a meaningful peak RSS\n",
                   program);
      std::exit(a == "--help" || a == "-h" ? 0 : 2);
    }
  }
  if (o.threads < 1) o.threads = 1;
  return o;
}

// ---- timing ----
inline double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// Seconds one call of f takes.
template <class F>
double time_once(F&& f) {
  double t0 = now_seconds();
  f();
  return now_seconds() - t0;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Median seconds of f over kReps repetitions, after one warm-up run.
template <class F>
double median_seconds(F&& f) {
  f();
  std::vector<double> t;
  for (int r = 0; r < kReps; ++r) t.push_back(time_once(f));
  return median(t);
}

// ---- output ----
inline void emit(const char* workload, const std::string& variant, int threads, const char* metric, double value) {
  std::printf("{\"workload\":\"%s\",\"variant\":\"%s\",\"threads\":%d,\"metric\":\"%s\",\"value\":%.6g}\n", workload,
              variant.c_str(), threads, metric, value);
  std::fflush(stdout);
}

// ---- the workloads, in terms of a few library calls ----

// One op of the elementwise workload as a library runs it: one call on 2^24 floats.
struct ElementwiseOp {
  std::string name;  // "add/new", "exp/inplace", ...
  int inputs;        // operands read: 1 or 2 (the result is written once more)
  std::function<void()> run;
};

// GB/s counting every operand read and the result written, for one call taking `sec`.
inline double elementwise_gbps(int inputs, double sec) {
  return double(inputs + 1) * kElementwiseN * sizeof(float) / sec / 1e9;
}

// Times op against memcpy of the same bytes in alternating rounds: memcpy copies `src`
// into `dst` (both 2^24 floats), then the op runs once. An in-place op passes its own
// buffer as dst, so that every round starts from the same values (exp_ applied over and
// over would overflow). Prints the op's median GB/s, memcpy's median GB/s and the median
// of the per-round ratios.
inline void elementwise_vs_memcpy(const ElementwiseOp& op, const float* src, float* dst, int threads) {
  const std::size_t bytes = kElementwiseN * sizeof(float);
  auto copy = [&] { std::memcpy(dst, src, bytes); };
  copy();
  op.run();  // warm-up
  std::vector<double> op_gbps, copy_gbps, ratio;
  for (int r = 0; r < kRounds; ++r) {
    double gc = 2.0 * bytes / time_once(copy) / 1e9;  // read and written
    double go = elementwise_gbps(op.inputs, time_once(op.run));
    copy_gbps.push_back(gc);
    op_gbps.push_back(go);
    ratio.push_back(go / gc);
  }
  emit("elementwise", op.name, threads, "gbps", median(op_gbps));
  emit("elementwise", op.name, threads, "memcpy_gbps", median(copy_gbps));
  emit("elementwise", op.name, threads, "ratio_to_memcpy", median(ratio));
}

// The sum of n floats by a plain loop: eight independent vector accumulators (SSE2, the
// baseline every x86-64 compiler targets), enough loads in flight that the memory system,
// not the adds, sets its pace. The reduce workload's yardstick: how fast this core reads.
inline float read_sum(const float* p, int64_t n) {
  int64_t i = 0;
  float total = 0;
#if defined(__SSE2__)
  __m128 acc[8];
  for (auto& a : acc) a = _mm_setzero_ps();
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 8; ++k) acc[k] = _mm_add_ps(acc[k], _mm_loadu_ps(p + i + 4 * k));
  float lanes[4];
  for (int k = 1; k < 8; ++k) acc[0] = _mm_add_ps(acc[0], acc[k]);
  _mm_storeu_ps(lanes, acc[0]);
  total = lanes[0] + lanes[1] + lanes[2] + lanes[3];
#endif
  for (; i < n; ++i) total += p[i];
  return total;
}

// Times a reduction over the n floats at `data` (the library's own tensor). At one thread
// it alternates with read_sum of the same floats, in rounds of a few calls each, and
// prints the reduction's median GB/s, the plain read's and the median per-round ratio:
// a sum cannot read much faster than that loop, so the ratio says how close to the
// core's reading speed it runs. Above one thread only the reduction's GB/s: a read loop
// on threads of the bench's own would share the cores with the library's pool (LibTorch's
// OpenMP threads spin after each parallel region) and measure that contention instead.
inline void reduce_vs_read(const std::string& variant, const float* data, int64_t n, int threads,
                           const std::function<void()>& f) {
  const int calls = 5;
  const double bytes = double(n) * sizeof(float) * calls;
  auto op = [&] {
    for (int i = 0; i < calls; ++i) f();
  };
  if (threads > 1) {
    emit("reduce", variant, threads, "gbps", bytes / median_seconds(op) / 1e9);
    return;
  }
  volatile float sink = 0;
  auto read = [&] {
    for (int i = 0; i < calls; ++i) sink = sink + read_sum(data, n);
  };
  op();
  read();
  std::vector<double> op_gbps, read_gbps, ratio;
  for (int r = 0; r < kRounds; ++r) {
    const double gr = bytes / time_once(read) / 1e9;
    const double go = bytes / time_once(op) / 1e9;
    read_gbps.push_back(gr);
    op_gbps.push_back(go);
    ratio.push_back(go / gr);
  }
  emit("reduce", variant, threads, "gbps", median(op_gbps));
  emit("reduce", variant, threads, "read_gbps", median(read_gbps));
  emit("reduce", variant, threads, "ratio_to_read", median(ratio));
}

// overhead_add: `loop` runs kOverheadAddIters additions of {8} tensors.
inline void overhead_add_figure(int threads, const std::function<void()>& loop) {
  emit("overhead_add", "shape=8", threads, "ns_per_op", median_seconds(loop) / kOverheadAddIters * 1e9);
}

// overhead_autograd: `rep` runs kOverheadAutogradReps forward-and-backward passes of
// kOverheadAutogradSteps steps, two recorded ops each.
inline void overhead_autograd_figure(int threads, const std::function<void()>& rep) {
  double ops = double(kOverheadAutogradReps) * kOverheadAutogradSteps * 2;
  emit("overhead_autograd", "shape=8,steps=50", threads, "ns_per_op", median_seconds(rep) / ops * 1e9);
}

// Times `product` (c = a @ b through the library, n x n floats) against cblas_sgemm on
// the same buffers, in alternating rounds; each timed figure covers enough calls to
// last a few tens of milliseconds. Prints GFLOP/s of both and the median per-round ratio.
inline void matmul_vs_sgemm(int64_t n, const float* a, const float* b, float* c, int threads,
                            const std::function<void()>& product) {
  const double flops = 2.0 * n * n * n;
  const int calls = static_cast<int>(std::max<double>(1, 2e9 / flops));  // ~20-40 ms per figure
  int in = static_cast<int>(n);
  auto sgemm = [&] {
    for (int i = 0; i < calls; ++i)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in, in, in, 1.0f, a, in, b, in, 0.0f, c, in);
  };
  auto lib = [&] {
    for (int i = 0; i < calls; ++i) product();
  };
  sgemm();
  lib();
  std::vector<double> lib_gf, blas_gf, ratio;
  for (int r = 0; r < kRounds; ++r) {
    double ts = time_once(sgemm);
    double tl = time_once(lib);
    double gs = flops * calls / ts / 1e9, gl = flops * calls / tl / 1e9;
    blas_gf.push_back(gs);
    lib_gf.push_back(gl);
    ratio.push_back(gl / gs);
  }
  std::string v = "n=" + std::to_string(n);
  emit("matmul", v, threads, "gflops", median(lib_gf));
  emit("matmul", v, threads, "sgemm_gflops", median(blas_gf));
  emit("matmul", v, threads, "ratio_to_sgemm", median(ratio));
}

// ---- the model workloads ----

// conv2d: `forward` and `forward_backward` each run one iteration; both are timed as
// the median of kReps after a warm-up and printed in milliseconds.
inline void conv2d_figures(int threads, const std::function<void()>& forward,
                           const std::function<void()>& forward_backward) {
  emit("conv2d", std::string(kConvVariant) + "/fwd", threads, "ms", median_seconds(forward) * 1e3);
  emit("conv2d", std::string(kConvVariant) + "/fwd+bwd", threads, "ms", median_seconds(forward_backward) * 1e3);
}

// What a training workload reports: its throughput (images or words per second of
// training), the quality reached (test accuracy or held-out loss per character), the
// process's peak resident memory (run.sh runs every workload in a process of its own,
// so this is the whole footprint of that workload: library, data, model and training),
// and how much the peak grew from the resident size at the workload's start (the same
// figure when the workloads share a process).
struct TrainingResult {
  double items_per_second = 0;
  double quality = 0;
  double rss_at_start_mib = 0;
};
inline void training_figures(const char* workload, const char* variant, int threads, const char* items_metric,
                             const char* quality_metric, const TrainingResult& r, double peak_rss_mib) {
  emit(workload, variant, threads, items_metric, r.items_per_second);
  emit(workload, variant, threads, quality_metric, r.quality);
  emit(workload, variant, threads, "peak_rss_mib", peak_rss_mib);
  emit(workload, variant, threads, "rss_growth_mib", peak_rss_mib - r.rss_at_start_mib);
}

}  // namespace bench
