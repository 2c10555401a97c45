// 3x3 float32 convolutions on oneDNN's Winograd kernel (F(4x4, 3x3), its
// jit_wino_4x3 for AVX-512), behind kernels::conv2d and its two gradients.
// Winograd's minimal filtering does 2.25x fewer multiply-adds than im2col + GEMM; on
// ember's conv2d benchmark (64 images of 32 channels at 28x28 to 64 channels) the
// forward pass takes 4.1-4.8 ms against 11.4 ms, forward and backward 15 ms against
// 31-38 (bench/README.md, "Convolutions on Winograd"). The price is rounding: the
// transforms add and subtract scaled values, and in tests/test_conv_winograd.cpp's
// shapes the largest error against float64 was 7.6e-6 where im2col's was 4.0e-6
// (outputs up to about 6; the gradients: 1e-6 to 2e-6 of their largest value, against
// 2e-7 to 4e-7). EMBER_CONV_WINOGRAD=0 turns it off.
//
// oneDNN has this kernel only for AVX-512, so under EMBER_SIMD=avx2 (which caps
// oneDNN's instruction set too), on AVX2 machines and in builds without oneDNN every
// convolution stays on im2col + GEMM.
#pragma once
#include <cstdint>

#include "ops/conv.hpp"

namespace ember {
namespace kernels {
namespace winograd {

// Whether a float32 conv2d of this geometry runs on the Winograd kernel: 3x3, stride 1,
// no dilation, one group, padding at most 1, the switch on, and shapes where it
// measured faster than im2col + GEMM (at least 8 input and output channels and 1024
// output positions). False when the kernel is not available (no oneDNN, or an
// instruction set below AVX-512).
bool applies(int64_t N, int64_t C, int64_t H, int64_t W, int64_t Co, int64_t kh, int64_t kw, const Conv2dParams& p);

// y [N, Co, H', W'] = x [N, C, H, W] (*) w [Co, C, 3, 3] + bias (when not null), all
// contiguous, on the calling thread alone. Only for a geometry that applies() accepts.
// Each image's result does not depend on N, so a batch split between threads gives the
// same bits as one call.
void forward(const float* x, const float* w, const float* bias, float* y, int64_t N, int64_t C, int64_t H, int64_t W,
             int64_t Co, const Conv2dParams& p);

// gw [Co, C, 3, 3], the gradient in w of the convolution above for the output gradient
// gy [N, Co, H', W'], for a geometry that applies() accepts. The batch is cut into one
// chunk per thread (as many as ember's thread count, the count of images and
// positions allow), and the chunks' sums are added in chunk order, as the im2col path
// does. False, with gw untouched, when oneDNN has no such kernel for the shape.
bool weight_grad(const float* x, const float* gy, float* gw, int64_t N, int64_t C, int64_t H, int64_t W, int64_t Co,
                 const Conv2dParams& p);

}  // namespace winograd
}  // namespace kernels
}  // namespace ember
