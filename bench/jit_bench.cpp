// ember-jit-bench: compiled (ember::jit::compile) against eager ember, same process.
//   fusion     gelu(x * w + b) on 2^22 float32 elements: GB/s over the three inputs
//              read and the output written (16 MiB each), eager and compiled (fused)
//   mlp_infer  the Fashion-MNIST MLP (784-256-128-10, ReLU) under NoGradGuard:
//              batch-1 latency and batch-64 throughput, eager and compiled
//   train_step one epoch of that MLP's training (cross_entropy, Adam, batch 64), eager
//              steps against a compiled step: images/s and test accuracy
// Every figure is one JSON line, as ember-bench prints them, with the CPU's model name
// and ember's SIMD instruction set. Eager and compiled alternate round by round; each
// figure is the median over --repeat rounds (default 7), and `compiled_over_eager` the
// median of the per-round speed ratios (steadier on a loaded machine than a ratio of
// medians).
//
//   ember-jit-bench [--threads N] [--only fusion,mlp_infer,train_step] [--repeat N] [--export DIR]
//
// --threads sets ember's thread count (and OpenBLAS's); default: ember's default.
// --export DIR writes DIR/mlp_ember.pt (torch.load reads it): the MLP's weights under
// torch.nn.Sequential's names, the inputs the benchmark times (input_b1, input_b64) and
// the compiled model's outputs for them (output_b1, output_b64). bench/trace_mlp.py
// turns it into the TorchScript model torchscript-bench times, so both sides run the
// same weights on the same inputs.
#include <ember/ember.hpp>
#include <ember/jit.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "cpu_model.hpp"

namespace {
using Clock = std::chrono::steady_clock;


struct Output {
  int threads = 1;
  std::string cpu;
  void emit(const char* workload, const char* variant, const char* metric, double value) const {
    std::printf(
        "{\"workload\":\"%s\",\"variant\":\"%s\",\"threads\":%d,\"metric\":\"%s\",\"value\":%.6g,\"cpu\":\"%s\","
        "\"isa\":\"%s\"}\n",
        workload, variant, threads, metric, value, cpu.c_str(), ember::simd_instruction_set());
    std::fflush(stdout);
  }
};

double seconds_per_call(int iters, const std::function<void()>& f) {
  auto t0 = Clock::now();
  for (int i = 0; i < iters; ++i) f();
  return std::chrono::duration<double>(Clock::now() - t0).count() / iters;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Seconds per call of eager and compiled, alternating round by round after one warm-up
// round; returns {median eager, median compiled, median per-round eager/compiled}.
struct Timing {
  double eager, compiled, speedup;
};
Timing alternate(int repeat, int iters, const std::function<void()>& eager, const std::function<void()>& compiled) {
  seconds_per_call(iters, eager);
  seconds_per_call(iters, compiled);
  std::vector<double> te, tc, ratio;
  for (int r = 0; r < repeat; ++r) {
    te.push_back(seconds_per_call(iters, eager));
    tc.push_back(seconds_per_call(iters, compiled));
    ratio.push_back(te.back() / tc.back());
  }
  return {median(te), median(tc), median(ratio)};
}

void fusion(const Output& out, int repeat) {
  const int64_t n = int64_t(1) << 22;
  ember::manual_seed(0);
  ember::Tensor x = ember::randn({n}), w = ember::randn({n}), b = ember::randn({n});
  auto f = [](const std::vector<ember::Tensor>& xs) {
    return std::vector<ember::Tensor>{ember::gelu(xs[0] * xs[1] + xs[2])};
  };
  ember::NoGradGuard no_grad;
  ember::jit::CompiledFunction c = ember::jit::compile(f);
  std::vector<ember::Tensor> in = {x, w, b};
  c(in);  // trace
  const double bytes = 4.0 * n * sizeof(float);
  Timing t = alternate(repeat, 10, [&] { f(in); }, [&] { c(in); });
  const char* v = "gelu(x*w+b),n=2^22";
  out.emit("fusion", v, "eager_gbps", bytes / t.eager / 1e9);
  out.emit("fusion", v, "compiled_gbps", bytes / t.compiled / 1e9);
  out.emit("fusion", v, "compiled_over_eager", t.speedup);
}

ember::nn::Sequential make_mlp() {
  ember::manual_seed(0);
  ember::nn::Sequential mlp(ember::nn::Flatten(), ember::nn::Linear(784, 256), ember::nn::ReLU(),
                            ember::nn::Linear(256, 128), ember::nn::ReLU(), ember::nn::Linear(128, 10));
  mlp->eval();
  return mlp;
}

// The inputs the benchmark times: uniform [0, 1) pixels, seeded so that --export writes
// the same ones.
ember::Tensor mlp_input(int64_t batch) {
  ember::manual_seed(static_cast<uint64_t>(1000 + batch));
  return ember::rand({batch, 1, 28, 28});
}

void mlp_infer(const Output& out, int repeat) {
  ember::nn::Sequential mlp = make_mlp();
  ember::NoGradGuard no_grad;
  ember::jit::CompiledFunction c = ember::jit::compile(mlp);
  for (int64_t batch : {int64_t(1), int64_t(64)}) {
    ember::Tensor x = mlp_input(batch);
    c(x);  // trace
    const int iters = batch == 1 ? 2000 : 200;
    Timing t = alternate(repeat, iters, [&] { mlp->forward(x); }, [&] { c(x); });
    if (batch == 1) {
      out.emit("mlp_infer", "batch=1", "eager_us", t.eager * 1e6);
      out.emit("mlp_infer", "batch=1", "compiled_us", t.compiled * 1e6);
    } else {
      out.emit("mlp_infer", "batch=64", "eager_images_per_s", batch / t.eager);
      out.emit("mlp_infer", "batch=64", "compiled_images_per_s", batch / t.compiled);
    }
    out.emit("mlp_infer", batch == 1 ? "batch=1" : "batch=64", "compiled_over_eager", t.speedup);
  }
}

// train_step: one epoch of the Fashion-MNIST MLP (784-256-128-10, ReLU, cross_entropy,
// Adam 1e-3, batch 64, one shuffled order), eager steps against one compiled step
// (jit::compile of zero_grad, forward, backward and step): images/s, each a median of
// --repeat epochs from the same initial weights (the variants alternate), and the test
// accuracy after the epoch. A third variant runs the eager steps with subnormals
// flushed (ember::set_flush_denormal(true)), the mode compiled steps replay in
// (jit::CompileOptions::flush_denormal), to show what of the gain is that mode.
void train_step(const Output& out, int repeat) {
  namespace F = ember::nn::functional;
  namespace data = ember::data;
  data::FashionMNIST train_set(data::FashionMNIST::kDefaultRoot, true);
  data::FashionMNIST test_set(data::FashionMNIST::kDefaultRoot, false);
  enum class Mode { eager, eager_flush, compiled };
  auto epoch = [&](Mode mode, double* accuracy) {
    ember::manual_seed(0);
    ember::nn::Sequential mlp(ember::nn::Flatten(), ember::nn::Linear(784, 256), ember::nn::ReLU(),
                              ember::nn::Linear(256, 128), ember::nn::ReLU(), ember::nn::Linear(128, 10));
    ember::optim::Adam opt(mlp->parameters(), ember::optim::AdamOptions(1e-3));
    auto step = [&](const std::vector<ember::Tensor>& xs) {
      opt.zero_grad();
      ember::Tensor loss = F::cross_entropy(mlp->forward(xs[0]), xs[1]);
      loss.backward();
      opt.step();
      return std::vector<ember::Tensor>{loss.detach()};
    };
    ember::jit::CompiledFunction c = ember::jit::compile(step);
    data::DataLoader loader(train_set, data::DataLoaderOptions().batch_size(64).num_workers(0).shuffle(true).seed(0));
    mlp->train();
    auto t0 = Clock::now();
    {
      ember::FlushDenormalGuard flush(mode == Mode::eager_flush);
      for (auto& batch : loader) {
        std::vector<ember::Tensor> xs{batch[0], batch[1]};
        if (mode == Mode::compiled)
          c(xs);
        else
          step(xs);
      }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    ember::NoGradGuard no_grad;
    mlp->eval();
    int64_t correct = 0;
    for (auto& batch : data::DataLoader(test_set, data::DataLoaderOptions().batch_size(1000).num_workers(0)))
      correct += mlp->forward(batch[0]).argmax(1).eq(batch[1]).sum().item<int64_t>();
    *accuracy = double(correct) / double(test_set.size());
    return double(train_set.size()) / seconds;
  };
  std::vector<double> eager, eager_flush, compiled;
  double eager_accuracy = 0, eager_flush_accuracy = 0, compiled_accuracy = 0;
  for (int r = 0; r < repeat; ++r) {
    eager.push_back(epoch(Mode::eager, &eager_accuracy));
    compiled.push_back(epoch(Mode::compiled, &compiled_accuracy));
    eager_flush.push_back(epoch(Mode::eager_flush, &eager_flush_accuracy));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double e = median(eager), ef = median(eager_flush), c = median(compiled);
  out.emit("train_step", "mlp_fmnist", "eager_images_per_s", e);
  out.emit("train_step", "mlp_fmnist", "compiled_images_per_s", c);
  out.emit("train_step", "mlp_fmnist", "compiled_over_eager", c / e);
  out.emit("train_step", "mlp_fmnist", "eager_flush_images_per_s", ef);
  out.emit("train_step", "mlp_fmnist", "compiled_over_eager_flush", c / ef);
  out.emit("train_step", "mlp_fmnist", "eager_test_accuracy", eager_accuracy);
  out.emit("train_step", "mlp_fmnist", "compiled_test_accuracy", compiled_accuracy);
  out.emit("train_step", "mlp_fmnist", "eager_flush_test_accuracy", eager_flush_accuracy);
}

void export_mlp(const std::string& dir) {
  ember::nn::Sequential mlp = make_mlp();
  ember::NoGradGuard no_grad;
  ember::jit::CompiledFunction c = ember::jit::compile(mlp);
  ember::StateDict dict;
  for (const auto& item : mlp->named_parameters()) dict.insert(item.key(), item.value());
  for (int64_t batch : {int64_t(1), int64_t(64)}) {
    ember::Tensor x = mlp_input(batch);
    c(x);  // the first call traces; the second replays the graph, as the timed calls do
    dict.insert("input_b" + std::to_string(batch), x);
    dict.insert("output_b" + std::to_string(batch), c(x));
  }
  const std::string path = dir + "/mlp_ember.pt";
  ember::save(dict, path);
  std::fprintf(stderr, "ember-jit-bench: wrote %s\n", path.c_str());
}

[[noreturn]] void usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: ember-jit-bench [--threads N] [--only fusion,mlp_infer,train_step] [--repeat N] [--export DIR]\n");
  std::exit(code);
}
}  // namespace

int main(int argc, char** argv) {
  std::string only, export_dir;
  int repeat = 7, threads = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") usage(0);
    if (i + 1 >= argc) usage(2);
    if (a == "--only")
      only = argv[++i];
    else if (a == "--repeat")
      repeat = std::max(1, std::atoi(argv[++i]));
    else if (a == "--threads")
      threads = std::atoi(argv[++i]);
    else if (a == "--export")
      export_dir = argv[++i];
    else
      usage(2);
  }
  if (threads > 0) ember::set_num_threads(threads);
  if (!export_dir.empty()) {
    export_mlp(export_dir);
    return 0;
  }
  Output out{ember::get_num_threads(), cpu_model()};
  auto wants = [&](const char* w) { return only.empty() || ("," + only + ",").find(std::string(",") + w + ",") != std::string::npos; };
  if (wants("fusion")) fusion(out, repeat);
  if (wants("mlp_infer")) mlp_infer(out, repeat);
  if (wants("train_step")) train_step(out, repeat);
  return 0;
}
