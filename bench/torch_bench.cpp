// The benchmark workloads of BENCHMARKS.md on LibTorch, written as a LibTorch user
// would, timed exactly as ember-bench times ember (see common.hpp).
#include <torch/torch.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include "bench/common.hpp"
#include "bench/ops_survey.hpp"
#include "bench/mlp_step.hpp"
#include "bench/models.hpp"

namespace {

using torch::Tensor;
using namespace bench;

void overhead_add(int threads) {
  Tensor a = torch::randn({kSmall}), b = torch::randn({kSmall}), c;
  overhead_add_figure(threads, [&] {
    for (int64_t i = 0; i < kOverheadAddIters; ++i) c = a + b;
  });
}

void overhead_autograd(int threads) {
  Tensor a = torch::randn({kSmall}, torch::requires_grad()), b = torch::randn({kSmall}, torch::requires_grad());
  overhead_autograd_figure(threads, [&] {
    for (int64_t r = 0; r < kOverheadAutogradReps; ++r) {
      Tensor x = a;
      for (int64_t s = 0; s < kOverheadAutogradSteps; ++s) x = x * b + a;
      x.sum().backward();
    }
  });
}

void elementwise(int threads) {
  Tensor a = torch::randn({kElementwiseN}), b = torch::randn({kElementwiseN});
  Tensor work = torch::empty({kElementwiseN}), out = torch::empty({kElementwiseN}), c;
  const float* src = a.data_ptr<float>();
  float* inplace_buf = work.data_ptr<float>();
  Tensor square = a.view({4096, 4096}), heads = a.view({64, 16, 256, 64});
  float* other_buf = out.data_ptr<float>();
  std::vector<ElementwiseOp> fresh = {
      {"add/new", 2, [&] { c = a + b; }},        {"mul/new", 2, [&] { c = a * b; }},
      {"exp/new", 1, [&] { c = torch::exp(a); }}, {"tanh/new", 1, [&] { c = torch::tanh(a); }},
      {"relu/new", 1, [&] { c = torch::relu(a); }}, {"sigmoid/new", 1, [&] { c = torch::sigmoid(a); }},
      // Layout copies of the same 2^24 floats: a [4096, 4096] matrix transposed, and an
      // attention's [batch 64, heads 16, seq 256, dim 64] split into [64, 256, 16, 64].
      {"transpose/new", 1, [&] { c = square.t().contiguous(); }},
      {"permute/new", 1, [&] { c = heads.permute({0, 2, 1, 3}).contiguous(); }},
  };
  // Into an existing output through the *_out functions; `out` doubles as memcpy's
  // destination, which the op then overwrites.
  std::vector<ElementwiseOp> into = {
      {"add/out", 2, [&] { torch::add_out(out, a, b); }},   {"mul/out", 2, [&] { torch::mul_out(out, a, b); }},
      {"exp/out", 1, [&] { torch::exp_out(out, a); }},      {"tanh/out", 1, [&] { torch::tanh_out(out, a); }},
      {"relu/out", 1, [&] { torch::relu_out(out, a); }},    {"sigmoid/out", 1, [&] { torch::sigmoid_out(out, a); }},
  };
  // In place, like ember's form: `work` is refilled from `a` by the memcpy round.
  std::vector<ElementwiseOp> inplace = {
      {"add/inplace", 2, [&] { work.add_(b); }},  {"mul/inplace", 2, [&] { work.mul_(b); }},
      {"exp/inplace", 1, [&] { work.exp_(); }},   {"tanh/inplace", 1, [&] { work.tanh_(); }},
      {"relu/inplace", 1, [&] { work.relu_(); }}, {"sigmoid/inplace", 1, [&] { work.sigmoid_(); }},
  };
  for (const auto& op : fresh) elementwise_vs_memcpy(op, src, other_buf, threads);
  for (const auto& op : into) elementwise_vs_memcpy(op, src, other_buf, threads);
  for (const auto& op : inplace) elementwise_vs_memcpy(op, src, inplace_buf, threads);
}

void reduce(int threads) {
  Tensor x = torch::randn({kElementwiseN});
  Tensor m = torch::randn({kReduceRows, kReduceCols});
  Tensor r;
  reduce_vs_read("sum/all", x.data_ptr<float>(), kElementwiseN, threads, [&] { r = x.sum(); });
  reduce_vs_read("sum/dim1", m.data_ptr<float>(), kReduceRows * kReduceCols, threads, [&] { r = m.sum({1}); });
}

void matmul(int threads) {
  for (int64_t n : kMatmulSizes) {
    Tensor a = torch::randn({n, n}), b = torch::randn({n, n}), c = torch::empty({n, n}), y;
    matmul_vs_sgemm(n, a.data_ptr<float>(), b.data_ptr<float>(), c.data_ptr<float>(), threads,
                    [&] { y = torch::matmul(a, b); });
  }
}

// mlp_step (bench/mlp_step.hpp): the mlp_fmnist network at width s.hidden, one training
// step on the next s.batch Fashion-MNIST images.
struct StepMlpImpl : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  explicit StepMlpImpl(int64_t h) {
    fc1 = register_module("fc1", torch::nn::Linear(784, h));
    fc2 = register_module("fc2", torch::nn::Linear(h, h / 2));
    fc3 = register_module("fc3", torch::nn::Linear(h / 2, 10));
  }
  Tensor forward(const Tensor& x) {
    Tensor h = torch::relu(fc1(x));
    h = torch::relu(fc2(h));
    return fc3(h);
  }
};
TORCH_MODULE(StepMlp);

void mlp_step(const StepSize& s, int threads) {
  torch::manual_seed(0);
  StepMlp net(s.hidden);
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(1e-3));
  ImageSet set = load_fashion_mnist(true);
  Tensor images = torch::empty({set.count, set.rows * set.cols});
  scale_pixels(set, images.data_ptr<float>());
  Tensor labels = torch::tensor(set.labels);
  int64_t step = 0;
  mlp_step_figure(s, threads, [&] {
    const int64_t first = step_first_row(step++, s.batch, set.count);
    Tensor x = images.narrow(0, first, s.batch), y = labels.narrow(0, first, s.batch);
    Tensor loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  });
}

// The `ops` workload (bench/ops_survey.hpp).
void ops(int threads) {
  namespace NS = torch;
  namespace F = torch::nn::functional;
  using NoGrad = torch::NoGradGuard;
  EMBER_BENCH_OPS_TENSORS
  auto ops_max_pool2d = [](const Tensor& x) { return F::max_pool2d(x, F::MaxPool2dFuncOptions(2)); };
  auto ops_avg_pool2d = [](const Tensor& x) { return F::avg_pool2d(x, F::AvgPool2dFuncOptions(2)); };
  auto ops_batch_norm_eval = [&](const Tensor& x) {
    return F::batch_norm(x, rm, rv, F::BatchNormFuncOptions().weight(bn_w).bias(bn_b).training(false));
  };
  auto ops_batch_norm_train = [](const Tensor& x, const Tensor& w, const Tensor& b) {
    return F::batch_norm(x, Tensor(), Tensor(), F::BatchNormFuncOptions().weight(w).bias(b).training(true));
  };
  auto ops_batch_norm1d_eval = [&](const Tensor& x) {  // weight ones, bias zeros: the running stats' tensors
    return F::batch_norm(x, rm512, rv512, F::BatchNormFuncOptions().weight(rv512).bias(rm512).training(false));
  };
  auto ops_lstm_cell_sum = [&](const Tensor& x, const Tensor& h, const Tensor& c) {
    auto [h1, c1] = torch::lstm_cell(x, {h, c}, w_ih, w_hh, b_ih, b_hh);
    return h1.sum() + c1.sum();
  };
#define EMBER_BENCH_OP(name, call) bench::ops_figure(name, threads, call);
  EMBER_BENCH_OPS_LIST(EMBER_BENCH_OP)
#undef EMBER_BENCH_OP
}

}  // namespace

int main(int argc, char** argv) {
  StepSize step_size = take_step_flags(argc, argv);
  Options o = parse_options(argc, argv, "torch-bench");
  // torch::set_num_threads leaves OpenBLAS alone: run.sh sets OPENBLAS_NUM_THREADS too.
  torch::set_num_threads(o.threads);
  torch::manual_seed(0);
  // The instruction-set caps LibTorch ran under (bench/run.sh sets them with EMBER_SIMD):
  // ATen's kernels and oneDNN's each read their own variable.
  const char* aten = std::getenv("ATEN_CPU_CAPABILITY");
  const char* onednn = std::getenv("ONEDNN_MAX_CPU_ISA");
  // And the kernel OpenBLAS chose for its GEMMs (run.sh may set OPENBLAS_CORETYPE),
  // looked up at run time: the BLAS found at link time need not be OpenBLAS.
  using CoreName = char* (*)();
  auto corename = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  std::printf(
      "{\"machine\":\"torch\",\"torch_aten_capability\":\"%s\",\"torch_onednn_isa\":\"%s\","
      "\"torch_openblas_core\":\"%s\"}\n",
      aten && *aten ? aten : "best", onednn && *onednn ? onednn : "best", corename ? corename() : "none");
  if (o.wants("overhead_add")) overhead_add(o.threads);
  if (o.wants("overhead_autograd")) overhead_autograd(o.threads);
  if (o.wants("elementwise")) elementwise(o.threads);
  if (o.wants("reduce")) reduce(o.threads);
  if (o.wants("matmul")) matmul(o.threads);
  if (o.wants("ops")) ops(o.threads);
  if (o.wants("conv2d")) bench::models::conv2d(o.threads);
  if (o.wants("mlp_fmnist")) bench::models::mlp_fmnist(o.threads);
  if (o.wants("cnn_fmnist")) bench::models::cnn_fmnist(o.threads);
  if (o.wants("lstm_words")) bench::models::lstm_words(o.threads);
  if (named(o, "mlp_step")) mlp_step(step_size, o.threads);
  return 0;
}
