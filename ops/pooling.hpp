// Pooling kernels: no autograd here. Every kernel works on the last two dims of a tensor
// of two or more dims (every leading dim is a plane: [N, C, H, W] and [C, H, W] alike),
// float32 or float64, any layout (a non-contiguous input is copied once). Arguments are
// checked by the caller (autograd/pooling.cpp), which knows the user's op name.
#pragma once
#include <array>
#include <cstdint>
#include <tuple>

#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

struct Pool2dParams {
  std::array<int64_t, 2> kernel{1, 1};
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> dilation{1, 1};
  bool ceil_mode = false;
  bool count_include_pad = true;  // avg_pool2d only
  int64_t divisor_override = 0;   // avg_pool2d only: when non-zero, every window's divisor
};

// A 3-d max pooling's window over the last three dims (depth, height, width).
struct Pool3dParams {
  std::array<int64_t, 3> kernel{1, 1, 1};
  std::array<int64_t, 3> stride{1, 1, 1};
  std::array<int64_t, 3> padding{0, 0, 0};
  std::array<int64_t, 3> dilation{1, 1, 1};
  bool ceil_mode = false;
};

// PyTorch's pooling output length: floor (or ceil) of (in + 2p - d(k - 1) - 1) / s, plus
// one; with ceil_mode, a last window that would start inside the right padding is dropped.
int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation,
                         bool ceil_mode);

// The maxima and, per output, the flat index (h * W + w) of the input element chosen in
// its plane (int64). A NaN in a window wins, as in PyTorch.
std::tuple<Tensor, Tensor> max_pool2d(const Tensor& x, const Pool2dParams& p);
// Gradient of max_pool2d: a zero [..., H, W] tensor with each gy added at its index.
Tensor max_pool2d_backward(const Tensor& gy, const Tensor& indices, int64_t H, int64_t W);
// The adjoint of max_pool2d_backward: g [..., H, W] read at the indices (0 at index -1).
Tensor max_pool2d_gather(const Tensor& g, const Tensor& indices);

// max_pool2d over the last three dims [..., D, H, W]: the maxima and the flat index
// ((d * H + h) * W + w) of each in its [D, H, W] volume.
std::tuple<Tensor, Tensor> max_pool3d(const Tensor& x, const Pool3dParams& p);

// max_unpool: a zero [..., P] tensor with x [..., L] written at indices [..., L] (each in
// [0, P), checked by the caller). A later write to one index replaces an earlier one, as
// PyTorch's CPU kernel does. Its gradient is max_pool2d_gather on [..., 1, P].
Tensor max_unpool(const Tensor& x, const Tensor& indices, int64_t P);

// Window averages; the divisor follows count_include_pad as PyTorch does.
Tensor avg_pool2d(const Tensor& x, const Pool2dParams& p);
// Gradient of avg_pool2d (its adjoint): each gy spread evenly over its window.
Tensor avg_pool2d_backward(const Tensor& gy, int64_t H, int64_t W, const Pool2dParams& p);

// Output position i averages input [floor(i * In / Out), ceil((i + 1) * In / Out)).
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t Ho, int64_t Wo);
Tensor adaptive_avg_pool2d_backward(const Tensor& gy, int64_t H, int64_t W);

}  // namespace kernels
}  // namespace ember
