// PyTorch's padding modes of a convolution, turned into sizes: "valid" is no padding;
// "same" pads dilation * (kernel - 1) in each dim, half on the left and the rest on the
// right (ATen's _convolution_mode), so the output keeps the input's size at stride 1.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ember {
namespace nn {

struct SamePadding {
  std::vector<int64_t> symmetric;    // padding for the convolution itself, per dim
  std::vector<int64_t> extra_right;  // ember::pad's list (last dim first) when some dim's
                                     // total is odd, else empty
};

// mode is "same" or "valid"; op names the caller in errors ("Conv2d", "conv2d").
SamePadding conv_mode_padding(const std::string& op, const std::string& mode, const std::vector<int64_t>& kernel,
                              const std::vector<int64_t>& stride, const std::vector<int64_t>& dilation);

}  // namespace nn
}  // namespace ember
