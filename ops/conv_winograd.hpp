// 3x3 float32 convolutions on a Winograd kernel, behind kernels::conv2d and its two
// gradients: oneDNN's (F(4x4, 3x3), its jit_wino_4x3) where oneDNN has it, which is
// AVX-512 only, and otherwise, on AVX2 (EMBER_SIMD=avx2 included, which caps oneDNN's
// instruction set too) and in builds without oneDNN, ember's own F(4x4, 3x3) loops
// (ops/winograd_f43.hpp) for channel counts they take (input a multiple of 8, output of
// 16). Winograd F(4x4, 3x3) does 4x fewer multiply-adds in its GEMMs than im2col +
// GEMM, plus its transforms. On ember's conv2d benchmark (64 images of 32
// channels at 28x28 to 64 channels) the forward pass takes 4.1-4.8 ms on oneDNN's
// kernel against 11.4 ms (AVX-512), and 8-10 ms on ember's loops against 19-23 ms
// (AVX2); bench/README.md, "Convolutions on Winograd", has the sweep. The price is
// rounding: the transforms add and subtract scaled values, and in
// tests/test_conv_winograd.cpp's shapes the largest error against float64 was 7.6e-6
// where im2col's was 4.0e-6 (outputs up to about 6; the gradients: 1e-6 to 2e-6 of
// their largest value, against 2e-7 to 4e-7). EMBER_CONV_WINOGRAD=0 turns both off.
//
// ember's loops compute the forward pass (and so the input gradient, a forward
// convolution with the weights flipped); their weight gradient stays on im2col + GEMM.
#pragma once
#include <cstdint>

#include "ops/conv.hpp"

namespace ember {
namespace kernels {
namespace winograd {

// Whether a float32 conv2d of this geometry runs on the Winograd kernel: 3x3, stride 1,
// no dilation, one group, padding at most 1, the switch on, and shapes where it
// measured faster than im2col + GEMM (at least 8 input and output channels, and 1024
// output positions on oneDNN's kernel, 512 on ember's loops). False when neither kernel
// is available for these channels.
bool applies(int64_t N, int64_t C, int64_t H, int64_t W, int64_t Co, int64_t kh, int64_t kw, const Conv2dParams& p);

// y [N, Co, H', W'] = x [N, C, H, W] (*) w [Co, C, 3, 3] + bias (when not null), all
// contiguous; the batch is cut into one chunk per thread. Only for a geometry that
// applies() accepts. Each image's result depends neither on N nor on the thread count.
void forward(const float* x, const float* w, const float* bias, float* y, int64_t N, int64_t C, int64_t H, int64_t W,
             int64_t Co, const Conv2dParams& p);

// gw [Co, C, 3, 3], the gradient in w of the convolution above for the output gradient
// gy [N, Co, H', W'], for a geometry that applies() accepts. The batch is cut into one
// chunk per thread (as many as ember's thread count, the count of images and
// positions allow), and the chunks' sums are added in chunk order, as the im2col path
// does. False, with gw untouched, when oneDNN has no such kernel for the shape (always
// where ember's own loops run the forward pass).
bool weight_grad(const float* x, const float* gy, float* gw, int64_t N, int64_t C, int64_t H, int64_t W, int64_t Co,
                 const Conv2dParams& p);

}  // namespace winograd
}  // namespace kernels
}  // namespace ember
