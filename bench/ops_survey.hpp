// The `ops` workload: common ops one at a time, forward alone and forward + backward,
// at the sizes a model meets them, in µs per call (the median of five rounds, each of
// as many calls as take about 20 ms). Written once for both libraries: the including
// file defines the namespace aliases NS (ember or torch) and F (their functional
// namespace), then expands EMBER_BENCH_OPS_TENSORS (the inputs, named as the list uses
// them) and defines the few calls whose spelling differs between the two
// (ops_max_pool2d, ops_avg_pool2d, ops_batch_norm_eval, ops_batch_norm1d_eval,
// ops_batch_norm_train, ops_lstm_cell), then expands EMBER_BENCH_OPS_LIST(X) with X(name, call).
#pragma once
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "bench/common.hpp"

namespace bench {

template <class F>
void ops_figure(const char* name, int threads, F&& call) {
  call();
  const double once = time_once(call);
  const int64_t calls = std::max<int64_t>(1, static_cast<int64_t>(0.02 / std::max(once, 1e-7)));
  std::vector<double> us;
  for (int r = 0; r < 5; ++r)
    us.push_back(time_once([&] {
                   for (int64_t i = 0; i < calls; ++i) call();
                 }) /
                 static_cast<double>(calls) * 1e6);
  std::sort(us.begin(), us.end());
  emit("ops", name, threads, "us", us[2]);
}

}  // namespace bench

// Inputs: float32 unless named otherwise; *_g require gradients, g_* are the incoming
// gradients of the backward rows.
#define EMBER_BENCH_OPS_TENSORS                                                                                    \
  auto m1 = NS::randn({256, 1024}), s1 = NS::randn({64, 256}), s2 = NS::randn({256, 256});                         \
  auto emb = NS::randn({10000, 128});                                                                              \
  auto idx = NS::randint(0, 10000, {512}), idx2 = NS::randint(0, 10000, {4096});                                   \
  auto m2 = NS::randn({1024, 1024});                                                                               \
  auto gidx = NS::randint(0, 1024, {1024, 1024});                                                                  \
  auto v1 = NS::randn({1 << 20}), v2 = NS::randn({1 << 20}), vpos = NS::rand({1 << 20}) + 0.1;                     \
  auto mask = v1 > 0;                                                                                              \
  auto row = NS::randn({1024}), col = NS::randn({1024, 1});                                                        \
  auto img = NS::randn({32, 64, 56, 56});                                                                          \
  auto rm = NS::zeros({64}), rv = NS::ones({64}), bn_w = NS::ones({64}), bn_b = NS::zeros({64});                   \
  auto ba = NS::randn({64, 128, 64}), bb2 = NS::randn({64, 64, 128});                                              \
  auto lin_x = NS::randn({64, 512}), lin_w = NS::randn({512, 512}), lin_b = NS::randn({512});                      \
  auto cimg = NS::randn({8, 64, 28, 28}), cw = NS::randn({64, 64, 3, 3});                                          \
  auto logits = NS::randn({256, 1000});                                                                            \
  auto tgt = NS::randint(0, 1000, {256});                                                                          \
  auto square = NS::randn({4096, 4096}), heads = NS::randn({64, 16, 256, 64});                                     \
  auto lin_x_g = NS::randn({64, 512}).requires_grad_(true), lin_w_g = NS::randn({512, 512}).requires_grad_(true);  \
  auto lin_b_g = NS::randn({512}).requires_grad_(true), g_lin = NS::randn({64, 512});                              \
  auto v1_g = NS::randn({1 << 20}).requires_grad_(true), g_v = NS::randn({1 << 20});                               \
  auto m2_g = NS::randn({1024, 1024}).requires_grad_(true), g_m2 = NS::randn({1024, 1024});                        \
  auto g_row = NS::randn({1024});                                                                                  \
  auto img_g = NS::randn({32, 64, 28, 28}).requires_grad_(true), g_img = NS::randn({32, 64, 28, 28});              \
  auto bn_w_g = NS::ones({64}).requires_grad_(true), bn_b_g = NS::zeros({64}).requires_grad_(true);                \
  auto g_pool = NS::randn({32, 64, 14, 14});                                                                       \
  auto logits_g = NS::randn({256, 1000}).requires_grad_(true);                                                     \
  auto emb_g = NS::randn({10000, 128}).requires_grad_(true), g_emb = NS::randn({4096, 128});                       \
  auto cimg_g = NS::randn({8, 64, 28, 28}).requires_grad_(true), cw_g = NS::randn({64, 64, 3, 3}).requires_grad_(true); \
  auto g_conv = NS::randn({8, 64, 26, 26});                                                                        \
  auto mma_g = NS::randn({256, 256}).requires_grad_(true), mmb_g = NS::randn({256, 256}).requires_grad_(true);     \
  auto g_mm = NS::randn({256, 256});                                                                               \
  auto m1_g = NS::randn({256, 1024}).requires_grad_(true), g_cat = NS::randn({256, 4096});                         \
  auto lstm_x = NS::randn({32, 32}), lstm_h = NS::randn({32, 128}), lstm_c = NS::randn({32, 128});                 \
  auto w_ih = NS::randn({512, 32}).requires_grad_(true), w_hh = NS::randn({512, 128}).requires_grad_(true);        \
  auto b_ih = NS::randn({512}).requires_grad_(true), b_hh = NS::randn({512}).requires_grad_(true);                 \
  auto bn1_x = NS::randn({4096, 512}), rm512 = NS::zeros({512}), rv512 = NS::ones({512});                        \
  auto bn1_x_g = NS::randn({4096, 512}).requires_grad_(true), g_bn1 = NS::randn({4096, 512});                      \
  auto bn1_w_g = NS::ones({512}).requires_grad_(true), bn1_b_g = NS::zeros({512}).requires_grad_(true);            \
  auto layer_norm_1024 = F::LayerNormFuncOptions({1024});                                                          \
  auto dropout_half = F::DropoutFuncOptions().p(0.5).training(true);

// Forward rows run under no-grad; "+bwd" rows run forward and backward.
#define EMBER_BENCH_OPS_LIST(X)                                                                                   \
  X("cat dim0 4x[256,1024]", [&] { NoGrad ng; NS::cat({m1, m1, m1, m1}, 0); })                                  \
  X("cat dim1 4x[256,1024]", [&] { NoGrad ng; NS::cat({m1, m1, m1, m1}, 1); })                                  \
  X("stack 8x[64,256]", [&] { NoGrad ng; NS::stack({s1, s1, s1, s1, s1, s1, s1, s1}, 0); })                     \
  X("index_select 512 rows of [10000,128]", [&] { NoGrad ng; NS::index_select(emb, 0, idx); })                  \
  X("embedding 512 rows of [10000,128]", [&] { NoGrad ng; F::embedding(idx, emb); })                           \
  X("gather dim1 [1024,1024]", [&] { NoGrad ng; NS::gather(m2, 1, gidx); })                                     \
  X("argmax dim1 [1024,1024]", [&] { NoGrad ng; m2.argmax(1); })                                                \
  X("amax dim1 [1024,1024]", [&] { NoGrad ng; NS::amax(m2, {1}); })                                             \
  X("mean dim0 [1024,1024]", [&] { NoGrad ng; m2.mean({0}); })                                                  \
  X("var dim1 [1024,1024]", [&] { NoGrad ng; m2.var({1}); })                                                    \
  X("softmax dim1 [1024,1024]", [&] { NoGrad ng; NS::softmax(m2, 1); })                                         \
  X("softmax dim0 [1024,1024]", [&] { NoGrad ng; NS::softmax(m2, 0); })                                         \
  X("layer_norm [1024,1024]", [&] { NoGrad ng; F::layer_norm(m2, layer_norm_1024); })                           \
  X("cumsum dim1 [1024,1024]", [&] { NoGrad ng; NS::cumsum(m2, 1); })                                           \
  X("sort dim1 [256,1024]", [&] { NoGrad ng; NS::sort(m1, 1); })                                                \
  X("topk 10 dim1 [1024,1024]", [&] { NoGrad ng; NS::topk(m2, 10, 1); })                                        \
  X("where [2^20]", [&] { NoGrad ng; NS::where(mask, v1, v2); })                                                \
  X("masked_fill [2^20]", [&] { NoGrad ng; v1.masked_fill(mask, 0.0); })                                        \
  X("eq [2^20]", [&] { NoGrad ng; v1.eq(v2); })                                                                 \
  X("pow 2 [2^20]", [&] { NoGrad ng; NS::pow(v1, 2); })                                                         \
  X("pow 1.5 [2^20]", [&] { NoGrad ng; NS::pow(vpos, 1.5); })                                                   \
  X("add row broadcast [1024,1024]", [&] { NoGrad ng; m2 + row; })                                              \
  X("add column broadcast [1024,1024]", [&] { NoGrad ng; m2 + col; })                                           \
  X("clamp [2^20]", [&] { NoGrad ng; NS::clamp(v1, -0.5, 0.5); })                                               \
  X("log [2^20]", [&] { NoGrad ng; NS::log(vpos); })                                                            \
  X("gelu [2^20]", [&] { NoGrad ng; F::gelu(v1); })                                                             \
  X("silu [2^20]", [&] { NoGrad ng; F::silu(v1); })                                                             \
  X("to float64 [2^20]", [&] { NoGrad ng; v1.to(NS::kFloat64); })                                               \
  X("t().contiguous() [4096,4096]", [&] { NoGrad ng; square.t().contiguous(); })                                \
  X("permute(0,2,1,3).contiguous() [64,16,256,64]", [&] { NoGrad ng; heads.permute({0, 2, 1, 3}).contiguous(); }) \
  X("max_pool2d 2x2 [32,64,56,56]", [&] { NoGrad ng; ops_max_pool2d(img); })                                    \
  X("avg_pool2d 2x2 [32,64,56,56]", [&] { NoGrad ng; ops_avg_pool2d(img); })                                    \
  X("batch_norm eval [32,64,56,56]", [&] { NoGrad ng; ops_batch_norm_eval(img); })                              \
  X("batch_norm1d eval [4096,512]", [&] { NoGrad ng; ops_batch_norm1d_eval(bn1_x); })                            \
  X("bmm [64,128,64]x[64,64,128]", [&] { NoGrad ng; NS::bmm(ba, bb2); })                                        \
  X("linear [64,512]x[512,512]", [&] { NoGrad ng; F::linear(lin_x, lin_w, lin_b); })                            \
  X("conv2d [8,64,28,28] k3", [&] { NoGrad ng; F::conv2d(cimg, cw); })                                          \
  X("cross_entropy [256,1000]", [&] { NoGrad ng; F::cross_entropy(logits, tgt); })                              \
  X("nonzero [2^20]", [&] { NoGrad ng; NS::nonzero(mask); })                                                    \
  X("randn [2^20]", [&] { NoGrad ng; NS::randn({1 << 20}); })                                                   \
  X("rand [2^20]", [&] { NoGrad ng; NS::rand({1 << 20}); })                                                     \
  X("arange [2^20]", [&] { NoGrad ng; NS::arange(0, 1 << 20); })                                                \
  X("linear+bwd [64,512]x[512,512]", [&] { F::linear(lin_x_g, lin_w_g, lin_b_g).backward(g_lin); })             \
  X("relu+bwd [2^20]", [&] { NS::relu(v1_g).backward(g_v); })                                                   \
  X("gelu+bwd [2^20]", [&] { F::gelu(v1_g).backward(g_v); })                                                    \
  X("tanh+bwd [2^20]", [&] { NS::tanh(v1_g).backward(g_v); })                                                   \
  X("sigmoid+bwd [2^20]", [&] { NS::sigmoid(v1_g).backward(g_v); })                                             \
  X("softmax+bwd dim1 [1024,1024]", [&] { NS::softmax(m2_g, 1).backward(g_m2); })                               \
  X("log_softmax+bwd dim1 [1024,1024]", [&] { NS::log_softmax(m2_g, 1).backward(g_m2); })                       \
  X("layer_norm+bwd [1024,1024]", [&] { F::layer_norm(m2_g, layer_norm_1024).backward(g_m2); })                 \
  X("batch_norm train+bwd [32,64,28,28]", [&] { ops_batch_norm_train(img_g, bn_w_g, bn_b_g).backward(g_img); }) \
  X("batch_norm1d train+bwd [4096,512]", [&] { ops_batch_norm_train(bn1_x_g, bn1_w_g, bn1_b_g).backward(g_bn1); }) \
  X("max_pool2d+bwd [32,64,28,28]", [&] { ops_max_pool2d(img_g).backward(g_pool); })                            \
  X("cross_entropy+bwd [256,1000]", [&] { F::cross_entropy(logits_g, tgt).backward(); })                        \
  X("mse_loss+bwd [2^20]", [&] { F::mse_loss(v1_g, v2).backward(); })                                           \
  X("embedding+bwd 4096 rows of [10000,128]", [&] { F::embedding(idx2, emb_g).backward(g_emb); })               \
  X("index_select+bwd 4096 rows of [10000,128]", [&] { NS::index_select(emb_g, 0, idx2).backward(g_emb); })     \
  X("conv2d+bwd [8,64,28,28] k3", [&] { F::conv2d(cimg_g, cw_g).backward(g_conv); })                            \
  X("matmul+bwd [256,256]", [&] { NS::matmul(mma_g, mmb_g).backward(g_mm); })                                   \
  X("sum+bwd [1024,1024]", [&] { m2_g.sum().backward(); })                                                      \
  X("mean dim1+bwd [1024,1024]", [&] { m2_g.mean({1}).backward(g_row); })                                       \
  X("cat dim1+bwd 4x[256,1024]", [&] { NS::cat({m1_g, m1_g, m1_g, m1_g}, 1).backward(g_cat); })                 \
  X("lstm_cell+bwd batch 32, 32 to 128", [&] { ops_lstm_cell_sum(lstm_x, lstm_h, lstm_c).backward(); })         \
  X("dropout train [2^20]", [&] { NoGrad ng; F::dropout(v1, dropout_half); })
