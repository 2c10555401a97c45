// Convolution kernels: no autograd here. A 2-D convolution is im2col + GEMM (blas::gemm);
// the two adjoints of it (gradient in the input, gradient in the weight) are GEMMs
// followed by col2im, or preceded by im2col. Some 3x3 float32 convolutions run all
// three on oneDNN's Winograd kernel instead (ops/conv_winograd.hpp). conv1d and conv_transpose2d are built
// from these three by the autograd layer.
//
// Shapes are checked by the caller (autograd/conv.cpp), which knows the user's op name;
// these kernels take batched 4-D tensors of one floating dtype (float32 or float64), in
// any layout (a non-contiguous operand is copied once).
#pragma once
#include <array>
#include <cstdint>

#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

struct Conv2dParams {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
};

// floor((in + 2p - d(k - 1) - 1) / s) + 1: the output length of a convolution.
int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation);

// y [N, C_out, H_out, W_out] = x [N, C_in, H, W] (*) w [C_out, C_in / groups, kH, kW],
// plus bias [C_out] when defined.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p);

// The adjoint of conv2d in its input: g [N, C_out, H_out, W_out] and
// w [C_out, C_in / groups, kH, kW] give [N, C_in, H, W] (H, W given: several input sizes
// share one output size), plus bias [C_in] when defined. This is conv_transpose2d.
Tensor conv2d_input_grad(const Tensor& g, const Tensor& w, const Tensor& bias, int64_t H, int64_t W,
                         const Conv2dParams& p);

// The adjoint of conv2d in its weight: x [N, C_in, H, W] and g [N, C_out, H_out, W_out]
// give [C_out, C_in / groups, kH, kW].
Tensor conv2d_weight_grad(const Tensor& x, const Tensor& g, int64_t kH, int64_t kW, const Conv2dParams& p);

}  // namespace kernels
}  // namespace ember
