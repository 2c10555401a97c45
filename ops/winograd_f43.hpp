// Winograd F(4x4, 3x3) convolution with ember's own AVX2 loops, for CPUs where oneDNN's
// Winograd kernel (AVX-512 only) is missing: ops/conv_winograd.cpp chooses between them.
//
// Each 4x4 block of outputs comes from a 6x6 block of inputs: the input block and the
// 3x3 filter go to the transformed domain (B^T d B and G g G^T, 36 values each), the 36
// products are summed over input channels there (36 small GEMMs, one per value), and
// A^T m A brings the sums back. That is 36 multiply-adds per 16 outputs and input
// channel, against 144 for the direct form: the GEMMs do 4x fewer multiply-adds than
// im2col + GEMM. The transforms are Toom-Cook's on the points 0, 1, -1, 2, -1/2 and
// infinity (ops/simd/winograd_f43_avx2.cpp says why these).
//
// The loops (ops/simd/winograd_f43_avx2.cpp) are compiled with AVX2 and FMA only; call
// run_images only where ember's instruction set is AVX2 or better.
#pragma once
#include <cstdint>

namespace ember {
namespace kernels {
namespace winograd {
namespace f43 {

// A stride-1, 3x3, one-group convolution: C input channels (a multiple of 8) of H x W to
// Co output channels (a multiple of 16), padding ph, pw (0 or 1).
struct Shape {
  int64_t C, H, W, Co, ph, pw;
};

// Whether the loops take these channel counts.
inline bool takes(int64_t C, int64_t Co) { return C % 8 == 0 && Co % 16 == 0 && C > 0 && Co > 0; }

// The floats the transformed weights take: 36 * C * Co.
inline int64_t weight_floats(int64_t C, int64_t Co) { return 36 * C * Co; }

// w [Co, C, 3, 3] to its transform G g G^T (in float), laid out for run_images.
void transform_weights(const float* w, int64_t C, int64_t Co, float* u);

// The floats of scratch one run_images call needs for this shape.
int64_t scratch_floats(const Shape& s);

// y [images, Co, H', W'] = x [images, C, H, W] (*) w + bias (when not null), where u is
// transform_weights' result for w. All contiguous; runs on the calling thread.
void run_images(const float* x, const float* u, const float* bias, float* y, int64_t images, const Shape& s,
                float* scratch);

}  // namespace f43
}  // namespace winograd
}  // namespace kernels
}  // namespace ember
