// The float32 convolution GEMMs (ops/blas.cpp: oneDNN's sgemm when ember is built
// with it, OpenBLAS otherwise) against the float64 path, which always runs on OpenBLAS:
// the forward pass, the input gradient and the weight gradient of conv2d for every
// stride, padding, dilation and groups combination below, on the same values. The
// float64 figures are the independent source: they are the im2col + OpenBLAS path that
// test_conv.cpp checks against naive loops. Also: a garbage-filled output buffer never
// leaks into a result (beta == 0 must not read C), and float32 results at 1 and 2
// threads are identical (each image's GEMMs run on one thread whatever the count).
// CTest runs this file's cases once per instruction set (EMBER_SIMD caps oneDNN's too).
#include <ember/functions.hpp>
#include <ember/nn/functional.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "helpers.hpp"

using ember::Tensor;
namespace F = ember::nn::functional;

namespace {

struct Combo {
  int64_t N, C, H, W, Co, kh, kw, sh, sw, ph, pw, dh, dw, groups;
  bool bias;
};

std::string describe(const Combo& c) {
  return "N " + std::to_string(c.N) + " C " + std::to_string(c.C) + " " + std::to_string(c.H) + "x" +
         std::to_string(c.W) + " Co " + std::to_string(c.Co) + " k " + std::to_string(c.kh) + "x" +
         std::to_string(c.kw) + " stride " + std::to_string(c.sh) + "x" + std::to_string(c.sw) + " pad " +
         std::to_string(c.ph) + "x" + std::to_string(c.pw) + " dil " + std::to_string(c.dh) + "x" +
         std::to_string(c.dw) + " groups " + std::to_string(c.groups) + (c.bias ? " bias" : "");
}

// The combinations the GEMM path runs: 3x3 and 1x1 kernels (1x1 at stride 1 without
// padding skips im2col), a single input channel (cnn_fmnist's first layer), strides,
// paddings, dilations, groups (depthwise included) and non-square shapes.
const Combo kCombos[] = {
    {3, 1, 12, 12, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, true},    // one input channel
    {2, 6, 9, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, false},     // the benchmark's shape, small
    {2, 6, 9, 9, 8, 1, 1, 1, 1, 0, 0, 1, 1, 1, true},      // 1x1: no im2col
    {2, 6, 9, 9, 8, 1, 1, 2, 2, 0, 0, 1, 1, 1, false},     // 1x1 strided: im2col
    {2, 4, 11, 10, 6, 3, 2, 2, 1, 1, 0, 1, 1, 1, true},    // strides and paddings per dim
    {2, 4, 11, 10, 6, 3, 3, 1, 2, 2, 1, 2, 1, 1, false},   // dilation
    {2, 6, 8, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2, true},      // groups
    {2, 6, 8, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1, 6, false},     // depthwise
    {1, 3, 7, 5, 5, 5, 3, 3, 2, 2, 1, 1, 2, 1, true},      // a kernel bigger than the stride
    {4, 8, 5, 5, 16, 3, 3, 1, 1, 0, 0, 1, 1, 4, false},    // no padding, groups of 2
    {2, 3, 6, 9, 4, 5, 3, 1, 1, 3, 1, 1, 1, 1, true},      // rows of padding only
    {2, 2, 4, 3, 4, 3, 7, 1, 1, 1, 3, 1, 1, 1, false},     // columns of padding only
    {2, 2, 7, 8, 4, 2, 3, 1, 1, 1, 2, 2, 2, 1, true},      // dilated, width kept
};

// y, gx, gw (and gb) of conv2d with y's gradient gy, in x's dtype.
std::vector<Tensor> conv_and_grads(const Tensor& x0, const Tensor& w0, const Tensor& b0, const Tensor& gy,
                                   const Combo& c) {
  Tensor x = x0.detach().clone().requires_grad_(true), w = w0.detach().clone().requires_grad_(true);
  Tensor b = c.bias ? b0.detach().clone().requires_grad_(true) : Tensor();
  Tensor y = F::conv2d(x, w, b, {c.sh, c.sw}, {c.ph, c.pw}, {c.dh, c.dw}, c.groups);
  y.backward(gy.to(y.dtype()));
  std::vector<Tensor> r{y.detach(), x.grad(), w.grad()};
  if (c.bias) r.push_back(b.grad());
  return r;
}

struct Operands {
  Tensor x, w, b, gy;
};

Operands operands(const Combo& c) {
  Operands o;
  o.x = ember::randn({c.N, c.C, c.H, c.W});
  o.w = ember::randn({c.Co, c.C / c.groups, c.kh, c.kw});
  o.b = ember::randn({c.Co});
  int64_t Ho = (c.H + 2 * c.ph - c.dh * (c.kh - 1) - 1) / c.sh + 1;
  int64_t Wo = (c.W + 2 * c.pw - c.dw * (c.kw - 1) - 1) / c.sw + 1;
  o.gy = ember::randn({c.N, c.Co, Ho, Wo});
  return o;
}

}  // namespace

TEST_CASE("float32 convolutions and their gradients match the float64 path", "[conv]") {
  ember::manual_seed(11);
  for (const Combo& c : kCombos) {
    INFO(describe(c));
    Operands o = operands(c);
    std::vector<Tensor> f32 = conv_and_grads(o.x, o.w, o.b, o.gy, c);
    std::vector<Tensor> f64 = conv_and_grads(o.x.to(ember::kFloat64), o.w.to(ember::kFloat64),
                                             o.b.to(ember::kFloat64), o.gy, c);
    const char* names[] = {"output", "input gradient", "weight gradient", "bias gradient"};
    for (std::size_t i = 0; i < f32.size(); ++i) {
      INFO(names[i]);
      REQUIRE(f32[i].dtype() == ember::kFloat32);
      REQUIRE(f32[i].sizes().vec() == f64[i].sizes().vec());
      // Sums of up to a few hundred products of unit normals: float32's rounding stays
      // well inside 1e-4 relative to the largest magnitude.
      double scale = f64[i].abs().max().item<double>() + 1;
      double err = (f32[i].to(ember::kFloat64) - f64[i]).abs().max().item<double>();
      CHECK(err <= 1e-4 * scale);
    }
  }
}

TEST_CASE("float32 convolution outputs never read the garbage of a reused buffer", "[conv]") {
  // A freed NaN-filled block of the output's size is what the caching allocator hands
  // out next: a GEMM that read C with beta == 0 would keep the NaN.
  ember::manual_seed(12);
  Tensor x = ember::randn({4, 3, 10, 10}), w = ember::randn({5, 3, 3, 3}), gy = ember::randn({4, 5, 10, 10});
  for (int round = 0; round < 3; ++round) {
    {
      Tensor junk = ember::full({4, 5, 10, 10}, std::numeric_limits<float>::quiet_NaN());
      Tensor junk_x = ember::full({4, 3, 10, 10}, std::numeric_limits<float>::quiet_NaN());
      Tensor junk_col = ember::full({3 * 9 * 100}, std::numeric_limits<float>::quiet_NaN());
    }
    Tensor xg = x.clone().requires_grad_(true), wg = w.clone().requires_grad_(true);
    Tensor y = F::conv2d(xg, wg, Tensor(), 1, 1);
    y.backward(gy);
    CHECK(ember::isnan(y).sum().item<int64_t>() == 0);
    CHECK(ember::isnan(xg.grad()).sum().item<int64_t>() == 0);
    CHECK(ember::isnan(wg.grad()).sum().item<int64_t>() == 0);
  }
}

TEST_CASE("float32 convolutions give identical results at 1 and 2 threads", "[conv]") {
  ember::manual_seed(13);
  int before = ember::get_num_threads();
  for (const Combo& c : {kCombos[0], kCombos[1], kCombos[6]}) {
    INFO(describe(c));
    Operands o = operands(c);
    ember::set_num_threads(1);
    std::vector<Tensor> one = conv_and_grads(o.x, o.w, o.b, o.gy, c);
    ember::set_num_threads(2);
    std::vector<Tensor> two = conv_and_grads(o.x, o.w, o.b, o.gy, c);
    ember::set_num_threads(before);
    // The output and the input gradient are computed image by image, each on one
    // thread: bit for bit the same. The weight gradient sums per-chunk partial sums,
    // so its rounding may differ.
    CHECK(one[0].equal(two[0]));
    CHECK(one[1].equal(two[1]));
    CHECK(one[2].allclose(two[2], 1e-5, 1e-5));
  }
}
