// 3x3 float32 convolutions on a Winograd kernel (ops/conv_winograd.cpp): oneDNN's for
// AVX-512, or ember's own F(4x4, 3x3) loops (ops/winograd_f43.hpp) for AVX2: which
// geometries take one, and its results against the same convolution in float64, which
// always runs on im2col + OpenBLAS's dgemm (the independent source here). Also: the
// bits do not depend on the thread count or on how the batch is split, and the
// gradients (the weight gradient on oneDNN's backward pass; the input gradient, at
// padding 1, a Winograd convolution with the weights flipped) and conv_transpose2d (the
// same kernel, with a bias) match float64's.
// CTest runs this file's cases once per instruction set (conv_*_kernels): by default
// oneDNN's kernel runs, under EMBER_SIMD=avx2 ember's loops, under sse2 neither.
#include <ember/functions.hpp>
#include <ember/threads.hpp>
#include <ember/version.hpp>

#include <cmath>
#include <cstdlib>
#include <string>

#include "helpers.hpp"
#include "ops/conv_winograd.hpp"
#include "thread_count_scope.hpp"

using ember::Tensor;
namespace F = ember::nn::functional;
namespace winograd = ember::kernels::winograd;

namespace {

// Whether this process should take a Winograd kernel for c to co channels and this
// many output positions: oneDNN's where its GEMMs are on (the build has oneDNN and the
// instruction set is AVX2 or better) and the set is AVX-512, from 1024 positions; else
// ember's loops, for AVX2 and AVX-512, where c is a multiple of 8 and co of 16, from 512
// positions. Never under EMBER_CONV_WINOGRAD=0.
bool kernel_expected(int64_t c, int64_t co, int64_t positions) {
  const char* off = std::getenv("EMBER_CONV_WINOGRAD");
  if (off && std::string(off) == "0") return false;
  const std::string isa = ember::simd_instruction_set();
  if (std::string(ember::matmul_backend()) == "onednn" && isa == "avx512") return positions >= 1024;
  return (isa == "avx2" || isa == "avx512") && c % 8 == 0 && co % 16 == 0 && positions >= 512;
}

struct Case {
  int64_t n, c, h, w, co, pad;
  bool bias;
};

// Channel counts that are and are not multiples of 8 and 16, square and oblong planes
// (17 x 31 ends in partial 4x4 tiles), both paddings, with and without a bias; each at
// least 1024 output positions but the last, 784 (ember's loops only). [2, 64, 40, 40]
// to 16 has 100 tiles per image, more than ember's loops take in one block.
const Case kCases[] = {{64, 32, 28, 28, 64, 1, false}, {8, 16, 14, 14, 16, 1, true},  {4, 20, 17, 31, 24, 1, true},
                       {4, 24, 17, 31, 32, 1, true},   {3, 48, 30, 18, 32, 0, false}, {16, 32, 14, 14, 64, 1, true},
                       {2, 64, 40, 40, 17, 0, true},   {2, 64, 40, 40, 16, 0, true},  {1, 32, 28, 28, 64, 1, true}};

int64_t positions(const Case& k) {
  return k.n * (k.h + 2 * k.pad - 2) * (k.w + 2 * k.pad - 2);
}

ember::kernels::Conv2dParams params(int64_t pad) {
  ember::kernels::Conv2dParams p;
  p.padding = {pad, pad};
  return p;
}

}  // namespace

TEST_CASE("winograd: the geometries that take the kernel", "[conv][winograd]") {
  INFO("instruction set " << ember::simd_instruction_set() << ", matmul backend " << ember::matmul_backend());
  for (const Case& k : kCases) {
    INFO(k.c << " to " << k.co << " channels");
    CHECK(winograd::applies(k.n, k.c, k.h, k.w, k.co, 3, 3, params(k.pad)) == kernel_expected(k.c, k.co, positions(k)));
  }
  ember::kernels::Conv2dParams strided = params(1), dilated = params(1), grouped = params(1), wide = params(2);
  strided.stride = {2, 2};
  dilated.dilation = {2, 2};
  grouped.groups = 2;
  CHECK_FALSE(winograd::applies(64, 32, 28, 28, 64, 3, 3, strided));
  CHECK_FALSE(winograd::applies(64, 32, 28, 28, 64, 3, 3, dilated));
  CHECK_FALSE(winograd::applies(64, 32, 28, 28, 64, 3, 3, grouped));
  CHECK_FALSE(winograd::applies(64, 32, 28, 28, 64, 3, 3, wide));
  CHECK_FALSE(winograd::applies(64, 32, 28, 28, 64, 5, 5, params(1)));
  CHECK_FALSE(winograd::applies(64, 1, 28, 28, 32, 3, 3, params(1)));  // one input channel: slower there
  CHECK_FALSE(winograd::applies(64, 32, 28, 28, 4, 3, 3, params(1)));  // four output channels
  CHECK_FALSE(winograd::applies(1, 32, 14, 14, 64, 3, 3, params(1)));  // 196 positions: no faster there
  CHECK(winograd::applies(1, 32, 28, 28, 64, 3, 3, params(1)) == kernel_expected(32, 64, 784));
  CHECK(winograd::applies(2, 32, 16, 16, 64, 3, 3, params(1)) == kernel_expected(32, 64, 512));
  CHECK(winograd::applies(1, 32, 32, 32, 64, 3, 3, params(1)) == kernel_expected(32, 64, 1024));
}

TEST_CASE("winograd: float32 convolutions match float64 within the kernel's rounding", "[conv][winograd]") {
  ember::manual_seed(61);
  for (const Case& k : kCases) {
    INFO("x [" << k.n << ", " << k.c << ", " << k.h << ", " << k.w << "] to " << k.co << " channels, padding " << k.pad
               << (k.bias ? ", bias" : ""));
    Tensor x = ember::randn({k.n, k.c, k.h, k.w});
    Tensor w = ember::randn({k.co, k.c, 3, 3}) * (1.0 / std::sqrt(9.0 * static_cast<double>(k.c)));
    Tensor b = k.bias ? ember::randn({k.co}) : Tensor();
    Tensor got = F::conv2d(x, w, b, 1, k.pad);
    Tensor want = F::conv2d(x.to(ember::kFloat64), w.to(ember::kFloat64), k.bias ? b.to(ember::kFloat64) : Tensor(),
                            1, k.pad);
    // Outputs are about 1 in size; the transforms' rounding stays within a few 1e-6
    // (oneDNN's: 8.6e-6 at most on the first case's 64 images, where im2col's was
    // 4.4e-6; ember's loops: 1.1e-6 to 2.8e-6 of the largest output).
    const double err = (got.to(ember::kFloat64) - want).abs().max().item<double>();
    const double scale = want.abs().max().item<double>();
    INFO("max error " << err << ", max output " << scale);
    CHECK(err <= 3e-6 * scale + 1e-6);
  }
}

TEST_CASE("winograd: the bits do not depend on the thread count or the batch split", "[conv][winograd]") {
  ember::manual_seed(62);
  Tensor x = ember::randn({16, 32, 14, 14}), w = ember::randn({64, 32, 3, 3}) * 0.06, b = ember::randn({64});
  Tensor one, two;
  {
    ThreadCountScope threads(1);
    one = F::conv2d(x, w, b, 1, 1);
  }
  {
    ThreadCountScope threads(2);
    two = F::conv2d(x, w, b, 1, 1);
  }
  CHECK(ember::equal(one, two));
  // The first 8 images alone (a batch of 8 x 196 positions still takes the kernel).
  Tensor half = F::conv2d(x.narrow(0, 0, 8), w, b, 1, 1);
  CHECK(ember::equal(half, one.narrow(0, 0, 8)));
}

TEST_CASE("winograd: gradients through a convolution, and conv_transpose2d", "[conv][winograd]") {
  ember::manual_seed(63);
  Tensor x = ember::randn({8, 16, 14, 14}), w = ember::randn({16, 16, 3, 3}) * 0.08, b = ember::randn({16});
  Tensor gy = ember::randn({8, 16, 14, 14});
  auto grads = [&](ember::Dtype dt) {
    Tensor xd = x.to(dt).clone().requires_grad_(), wd = w.to(dt).clone().requires_grad_(),
           bd = b.to(dt).clone().requires_grad_();
    Tensor y = F::conv2d(xd, wd, bd, 1, 1);
    y.backward(gy.to(dt));
    return std::vector<Tensor>{y.detach(), xd.grad(), wd.grad(), bd.grad()};
  };
  std::vector<Tensor> f32 = grads(ember::kFloat32), f64 = grads(ember::kFloat64);
  // The input gradient runs on the Winograd kernel too, and with oneDNN's the weight
  // gradient; measured against float64, their largest errors were 1e-6 to 2e-6 of the
  // largest value (im2col's: 2e-7 to 4e-7).
  for (std::size_t i = 0; i < f32.size(); ++i) {
    const double err = (f32[i].to(ember::kFloat64) - f64[i]).abs().max().item<double>();
    const double scale = f64[i].abs().max().item<double>();
    INFO("output " << i << " (y, dx, dw, db): max error " << err << ", max value " << scale);
    CHECK(err <= 5e-6 * scale);
  }
  // conv_transpose2d at stride 1, padding 1 is the input gradient's kernel with a bias.
  Tensor wt = ember::randn({16, 24, 3, 3}) * 0.08, bt = ember::randn({24});
  Tensor got = F::conv_transpose2d(x, wt, bt, 1, 1);
  Tensor want = F::conv_transpose2d(x.to(ember::kFloat64), wt.to(ember::kFloat64), bt.to(ember::kFloat64), 1, 1);
  CHECK(got.sizes() == want.sizes());
  CHECK(ember::allclose(got.to(ember::kFloat64), want, 1e-5, 1e-5));
}
