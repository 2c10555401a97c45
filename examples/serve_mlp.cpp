// Serving a trained model from several threads: loads the Fashion-MNIST MLP from a
// checkpoint written by fmnist_mlp, compiles it (ember::jit::compile: traced once,
// optimised, replayed), and answers a bounded stream of requests from N threads that
// share the weights. Prints the throughput and the p50 / p99 latency of one request.
//
// Threads: ember's thread count (ember::set_num_threads, which sets OpenBLAS's too) is
// one setting for the whole process, used by every request thread. Left at the core
// count, N request threads would each ask for every core inside each op (N x cores
// threads on cores cores, and ember's pool runs one caller's loop at a time), so
// serving sets it to cores / N (at least 1): with 2 request threads on 2 cores, each
// request runs its ops on one thread. --intra-op-threads overrides that.
//
//   ./fmnist_mlp --epochs 1 --checkpoint mlp.safetensors
//   ./serve_mlp --checkpoint mlp.safetensors --threads 2 --requests 20000
//   ./serve_mlp --threads 1 --eager        # the same without compiling; no checkpoint:
//                                          # freshly initialised weights
#include <ember/ember.hpp>
#include <ember/jit.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "common/flags.hpp"
#include "common/fmnist_mlp_model.hpp"

int main(int argc, char** argv) {
  example::Flags flags("serve_mlp", "answers requests with the Fashion-MNIST MLP from several threads");
  flags.add("checkpoint", "", "a checkpoint written by fmnist_mlp (.safetensors or .pt); none: random weights")
      .add("threads", "2", "threads answering requests")
      .add("requests", "20000", "requests in all, shared out between the threads")
      .add("batch", "1", "images per request")
      .add("intra-op-threads", "0", "ember's thread count inside each op; 0: cores / --threads, at least 1")
      .add_switch("json", "print the figures as JSON lines (bench/run.sh reads them)")
      .add_switch("eager", "run the model eagerly instead of compiling it");
  flags.parse(argc, argv);
  const int threads = static_cast<int>(flags.integer("threads"));
  const int64_t requests = flags.integer("requests"), batch = flags.integer("batch");
  if (threads < 1 || requests < 1 || batch < 1) flags.fail("--threads, --requests and --batch must be positive");
  int intra_op = static_cast<int>(flags.integer("intra-op-threads"));
  if (intra_op < 0) flags.fail("--intra-op-threads must be 0 (automatic) or positive");
  if (intra_op == 0)
    intra_op = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / threads);
  ember::set_num_threads(intra_op);

  ember::manual_seed(0);
  auto model = std::make_shared<MLP>();
  if (!flags.str("checkpoint").empty())
    model->load_state_dict(ember::strip_prefix(ember::load(flags.str("checkpoint")), "model."));
  model->eval();
  ember::nn::ModuleHolder<MLP> holder(model);
  ember::jit::CompiledFunction compiled = ember::jit::compile(holder);

  // One input per thread, made up front so that only the model is timed.
  std::vector<ember::Tensor> inputs;
  for (int t = 0; t < threads; ++t) inputs.push_back(ember::rand({batch, 1, 28, 28}));
  const bool eager = flags.on("eager");
  {
    ember::NoGradGuard no_grad;
    if (!eager) compiled(inputs[0]);  // the first call traces; serving starts warm
  }

  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(threads));
  std::atomic<int64_t> next{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      ember::NoGradGuard no_grad;  // per thread, as grad mode is
      std::vector<double>& mine = latencies[static_cast<std::size_t>(t)];
      const ember::Tensor& x = inputs[static_cast<std::size_t>(t)];
      while (next.fetch_add(1) < requests) {
        auto t0 = std::chrono::steady_clock::now();
        ember::Tensor logits = eager ? model->forward(x) : compiled(x);
        auto t1 = std::chrono::steady_clock::now();
        if (logits.size(1) != 10) std::abort();
        mine.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
    });
  for (std::thread& w : workers) w.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all[std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()))]; };
  const double per_second = static_cast<double>(all.size()) / seconds;
  if (flags.on("json")) {
    const std::string variant = std::string(eager ? "eager" : "compiled") + ",batch=" + std::to_string(batch) +
                                ",intra_op=" + std::to_string(intra_op);
    auto emit = [&](const char* metric, double value) {
      std::printf("{\"workload\":\"serve_mlp\",\"variant\":\"%s\",\"threads\":%d,\"metric\":\"%s\",\"value\":%.6g,"
                  "\"isa\":\"%s\"}\n",
                  variant.c_str(), threads, metric, value, ember::simd_instruction_set());
    };
    emit("requests_per_s", per_second);
    emit("p50_us", pct(0.50));
    emit("p99_us", pct(0.99));
    return 0;
  }
  std::printf("serve_mlp: %s, %d thread%s (%d inside each op), batch %lld: %lld requests in %.3f s = %.0f requests/s, "
              "latency p50 %.1f us, p99 %.1f us\n",
              eager ? "eager" : "compiled", threads, threads == 1 ? "" : "s", intra_op, static_cast<long long>(batch),
              static_cast<long long>(all.size()), seconds, per_second, pct(0.50), pct(0.99));
  return 0;
}
