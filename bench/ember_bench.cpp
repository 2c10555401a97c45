// The benchmark workloads of BENCHMARKS.md on ember, through its public API only.
// Prints one JSON line per figure (see common.hpp); bench/run.sh compares them with
// torch-bench's.
#include <ember/ember.hpp>

#include "bench/common.hpp"
#include "bench/ops_survey.hpp"
#include "bench/cpu_model.hpp"
#include "bench/ember_mlp.hpp"
#include "bench/mlp_step.hpp"
#include "bench/models.hpp"

namespace {

using ember::Tensor;
using namespace bench;

void overhead_add(int threads) {
  Tensor a = ember::randn({kSmall}), b = ember::randn({kSmall}), c;
  overhead_add_figure(threads, [&] {
    for (int64_t i = 0; i < kOverheadAddIters; ++i) c = a + b;
  });
}

void overhead_autograd(int threads) {
  Tensor a = ember::randn({kSmall}, ember::requires_grad()), b = ember::randn({kSmall}, ember::requires_grad());
  overhead_autograd_figure(threads, [&] {
    for (int64_t r = 0; r < kOverheadAutogradReps; ++r) {
      Tensor x = a;
      for (int64_t s = 0; s < kOverheadAutogradSteps; ++s) x = x * b + a;
      x.sum().backward();
    }
  });
}

void elementwise(int threads) {
  Tensor a = ember::randn({kElementwiseN}), b = ember::randn({kElementwiseN});
  Tensor work = ember::empty({kElementwiseN}), scratch = ember::empty({kElementwiseN}), c;
  const float* src = a.data_ptr<float>();
  float* inplace_buf = work.data_ptr<float>();
  Tensor square = a.view({4096, 4096}), heads = a.view({64, 16, 256, 64});
  float* other_buf = scratch.data_ptr<float>();
  // A new output every call (the previous one is freed as c is replaced).
  std::vector<ElementwiseOp> fresh = {
      {"add/new", 2, [&] { c = a + b; }},        {"mul/new", 2, [&] { c = a * b; }},
      {"exp/new", 1, [&] { c = ember::exp(a); }}, {"tanh/new", 1, [&] { c = ember::tanh(a); }},
      {"relu/new", 1, [&] { c = ember::relu(a); }}, {"sigmoid/new", 1, [&] { c = ember::sigmoid(a); }},
      // Layout copies of the same 2^24 floats: a [4096, 4096] matrix transposed, and an
      // attention's [batch 64, heads 16, seq 256, dim 64] split into [64, 256, 16, 64].
      {"transpose/new", 1, [&] { c = square.t().contiguous(); }},
      {"permute/new", 1, [&] { c = heads.permute({0, 2, 1, 3}).contiguous(); }},
  };
  // Into existing memory: ember's public API writes into an existing tensor through the
  // in-place forms; `work` is refilled from `a` by the memcpy round before each call.
  std::vector<ElementwiseOp> inplace = {
      {"add/inplace", 2, [&] { work.add_(b); }},  {"mul/inplace", 2, [&] { work.mul_(b); }},
      {"exp/inplace", 1, [&] { work.exp_(); }},   {"tanh/inplace", 1, [&] { work.tanh_(); }},
      {"relu/inplace", 1, [&] { work.relu_(); }}, {"sigmoid/inplace", 1, [&] { work.sigmoid_(); }},
  };
  for (const auto& op : fresh) elementwise_vs_memcpy(op, src, other_buf, threads);
  for (const auto& op : inplace) elementwise_vs_memcpy(op, src, inplace_buf, threads);
}

void reduce(int threads) {
  Tensor x = ember::randn({kElementwiseN});
  Tensor m = ember::randn({kReduceRows, kReduceCols});
  Tensor r;
  reduce_vs_read("sum/all", x.data_ptr<float>(), kElementwiseN, threads, [&] { r = x.sum(); });
  reduce_vs_read("sum/dim1", m.data_ptr<float>(), kReduceRows * kReduceCols, threads, [&] { r = m.sum({1}); });
}

void matmul(int threads) {
  for (int64_t n : kMatmulSizes) {
    Tensor a = ember::randn({n, n}), b = ember::randn({n, n}), c = ember::empty({n, n}), y;
    matmul_vs_sgemm(n, a.data_ptr<float>(), b.data_ptr<float>(), c.data_ptr<float>(), threads,
                    [&] { y = ember::matmul(a, b); });
  }
}

#if EMBER_BENCH_MODELS
// mlp_step (bench/mlp_step.hpp): the mlp_fmnist network (bench/ember_mlp.hpp) at width
// s.hidden, one training step on the next s.batch Fashion-MNIST images.

void mlp_step(const StepSize& s, int threads) {
  ember::manual_seed(0);
  auto net = std::make_shared<bench::Mlp>(s.hidden);
  ember::optim::Adam optimizer(net->parameters(), ember::optim::AdamOptions(1e-3));
  ImageSet set = load_fashion_mnist(true);
  Tensor images = ember::empty({set.count, set.rows * set.cols});
  scale_pixels(set, images.data_ptr<float>());
  Tensor labels = ember::from_blob(set.labels.data(), {set.count}, ember::kInt64).clone();
  int64_t step = 0;
  mlp_step_figure(s, threads, [&] {
    const int64_t first = step_first_row(step++, s.batch, set.count);
    Tensor x = images.narrow(0, first, s.batch), y = labels.narrow(0, first, s.batch);
    Tensor loss = ember::nn::functional::cross_entropy(net->forward(x), y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  });
}
#endif

// The `ops` workload (bench/ops_survey.hpp).
void ops(int threads) {
  namespace NS = ember;
  namespace F = ember::nn::functional;
  using NoGrad = ember::NoGradGuard;
  EMBER_BENCH_OPS_TENSORS
  auto ops_max_pool2d = [](const Tensor& x) { return F::max_pool2d(x, 2); };
  auto ops_avg_pool2d = [](const Tensor& x) { return F::avg_pool2d(x, 2); };
  auto ops_batch_norm_eval = [&](const Tensor& x) { return F::batch_norm(x, rm, rv, bn_w, bn_b, false); };
  // weight ones, bias zeros: the running stats' tensors
  auto ops_batch_norm1d_eval = [&](const Tensor& x) { return F::batch_norm(x, rm512, rv512, rv512, rm512, false); };
  auto ops_batch_norm_train = [](const Tensor& x, const Tensor& w, const Tensor& b) {
    return F::batch_norm(x, Tensor(), Tensor(), w, b, true);
  };
  auto ops_lstm_cell_sum = [&](const Tensor& x, const Tensor& h, const Tensor& c) {
    auto [h1, c1] = F::lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh);
    return h1.sum() + c1.sum();
  };
#define EMBER_BENCH_OP(name, call) bench::ops_figure(name, threads, call);
  EMBER_BENCH_OPS_LIST(EMBER_BENCH_OP)
#undef EMBER_BENCH_OP
}

}  // namespace

int main(int argc, char** argv) {
  StepSize step_size = take_step_flags(argc, argv);
  Options o = parse_options(argc, argv, "ember-bench");
  ember::set_num_threads(o.threads);
  ember::manual_seed(0);
  // Which machine and which of ember's kernels the figures come from (bench/compare.py).
  std::printf("{\"machine\":\"ember\",\"cpu\":\"%s\",\"isa\":\"%s\",\"matmul\":\"%s\"}\n", cpu_model().c_str(),
              ember::simd_instruction_set(), ember::matmul_backend());
  if (o.wants("overhead_add")) overhead_add(o.threads);
  if (o.wants("overhead_autograd")) overhead_autograd(o.threads);
  if (o.wants("elementwise")) elementwise(o.threads);
  if (o.wants("reduce")) reduce(o.threads);
  if (o.wants("matmul")) matmul(o.threads);
  if (o.wants("ops")) ops(o.threads);
#if EMBER_BENCH_MODELS
  if (o.wants("conv2d")) bench::models::conv2d(o.threads);
  if (o.wants("mlp_fmnist")) bench::models::mlp_fmnist(o.threads);
  if (o.wants("cnn_fmnist")) bench::models::cnn_fmnist(o.threads);
  if (o.wants("lstm_words")) bench::models::lstm_words(o.threads);
  if (named(o, "mlp_step")) mlp_step(step_size, o.threads);
#else
  for (const char* w : {"conv2d", "mlp_fmnist", "cnn_fmnist", "lstm_words", "mlp_step"})
    if (!o.only.empty() && o.wants(w)) std::fprintf(stderr, "ember-bench: built without nn modules; %s skipped\n", w);
#endif
  return 0;
}
