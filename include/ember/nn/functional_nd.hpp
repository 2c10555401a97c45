// torch.nn.functional's 3-d convolutions and poolings, the transposed 1-d and 3-d
// convolutions, max pooling with its indices and its inverse max_unpool, fold / unfold
// and power-average pooling (lp_pool). Included by ember/nn/functional.hpp.
//
//   auto [y, idx] = F::max_pool2d_with_indices(x, F::MaxPool2dFuncOptions(2));
//   Tensor z = F::max_unpool2d(y, idx, F::MaxUnpool2dFuncOptions(2).output_size({5, 5}));
//   Tensor v = F::conv3d(x5, w, F::Conv3dFuncOptions().padding(1));
//
// Positional forms take PyTorch's argument order and defaults; a pooling stride that is
// empty means kernel_size. Inputs may be unbatched (no N dim).
#pragma once
#include <cstdint>
#include <optional>
#include <tuple>
#include <type_traits>
#include <vector>

#include "ember/nn/options/pooling.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace nn {
namespace functional {

// The options form of an op whose positional form takes a size list: a template, so that
// a braced list means the sizes and is never ambiguous with the options struct.
#define EMBER_ND_COMMA ,
#define EMBER_ND_OPTIONS_FORM(RESULT, NAME, OPTIONS)                               \
  namespace with_options {                                                        \
  RESULT NAME(const Tensor& input, const OPTIONS& options);                       \
  }                                                                               \
  template <class O, std::enable_if_t<std::is_same<O, OPTIONS>::value, int> = 0>  \
  RESULT NAME(const Tensor& input, const O& options) {                            \
    return with_options::NAME(input, options);                                    \
  }

// ---------------------------------------------------------------- convolutions
// input [N, C_in, D, H, W] (or unbatched [C_in, D, H, W]), weight [C_out, C_in / groups, kD, kH, kW].
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
              IntArrayRef padding = 0, IntArrayRef dilation = 1, int64_t groups = 1);
// input [N, C_in, L] or [C_in, L], weight [C_in, C_out / groups, K].
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
                        IntArrayRef padding = 0, IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);
// input [N, C_in, D, H, W] or [C_in, D, H, W], weight [C_in, C_out / groups, kD, kH, kW].
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
                        IntArrayRef padding = 0, IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);

// ---------------------------------------------------------------- max pooling with indices
// The output and, per output element, the flat index of its maximum within its own
// plane / volume (w, h * W + w, (d * H + h) * W + w), as PyTorch gives them. The indices
// carry no gradient; the output's gradient goes to the maxima.
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {}, IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1, bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {}, IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1, bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {}, IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1, bool ceil_mode = false);
EMBER_ND_OPTIONS_FORM(std::tuple<Tensor EMBER_ND_COMMA Tensor>, max_pool1d_with_indices, MaxPool1dOptions)

// ---------------------------------------------------------------- 3-d pooling
// input [N, C, D, H, W] or [C, D, H, W].
Tensor max_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  IntArrayRef dilation = 1, bool ceil_mode = false);
Tensor avg_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor adaptive_avg_pool3d(const Tensor& input, IntArrayRef output_size);
// One amax per output cell: meant for small output sizes.
Tensor adaptive_max_pool3d(const Tensor& input, IntArrayRef output_size);
using MaxPool3dFuncOptions = MaxPool3dOptions;
using AvgPool3dFuncOptions = AvgPool3dOptions;
using AdaptiveAvgPool3dFuncOptions = AdaptiveAvgPool3dOptions;
using AdaptiveMaxPool3dFuncOptions = AdaptiveMaxPool3dOptions;
EMBER_ND_OPTIONS_FORM(Tensor, max_pool3d, MaxPool3dFuncOptions)
EMBER_ND_OPTIONS_FORM(Tensor, avg_pool3d, AvgPool3dFuncOptions)
EMBER_ND_OPTIONS_FORM(Tensor, adaptive_avg_pool3d, AdaptiveAvgPool3dFuncOptions)
EMBER_ND_OPTIONS_FORM(Tensor, adaptive_max_pool3d, AdaptiveMaxPool3dFuncOptions)
EMBER_ND_OPTIONS_FORM(std::tuple<Tensor EMBER_ND_COMMA Tensor>, max_pool3d_with_indices, MaxPool3dFuncOptions)

// ---------------------------------------------------------------- max_unpool
// The inverse of max pooling: a zero tensor of the pooling's input size with each input
// value written at its index (from max_pool*_with_indices). The output size is
// (in - 1) * stride - 2 * padding + kernel_size per dim unless output_size ([D...] or
// [N, C, D...]) picks one within stride of it. Where indices repeat, the later value
// stays, as in PyTorch. The gradient gathers at the indices.
Tensor max_unpool1d(const Tensor& input, const Tensor& indices, IntArrayRef kernel_size, IntArrayRef stride = {},
                    IntArrayRef padding = 0, const std::optional<std::vector<int64_t>>& output_size = std::nullopt);
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, IntArrayRef kernel_size, IntArrayRef stride = {},
                    IntArrayRef padding = 0, const std::optional<std::vector<int64_t>>& output_size = std::nullopt);
Tensor max_unpool3d(const Tensor& input, const Tensor& indices, IntArrayRef kernel_size, IntArrayRef stride = {},
                    IntArrayRef padding = 0, const std::optional<std::vector<int64_t>>& output_size = std::nullopt);
using MaxUnpool1dFuncOptions = nn::MaxUnpool1dFuncOptions;
using MaxUnpool2dFuncOptions = nn::MaxUnpool2dFuncOptions;
using MaxUnpool3dFuncOptions = nn::MaxUnpool3dFuncOptions;
Tensor max_unpool1d(const Tensor& input, const Tensor& indices, const MaxUnpool1dFuncOptions& options);
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, const MaxUnpool2dFuncOptions& options);
Tensor max_unpool3d(const Tensor& input, const Tensor& indices, const MaxUnpool3dFuncOptions& options);

// ---------------------------------------------------------------- fold / unfold
// unfold: [N, C, H, W] (or [C, H, W]) to [N, C * kH * kW, L], one column per block, rows
// ordered (c, i, j); fold: the adjoint, [N, C * kH * kW, L] to [N, C, output_size],
// overlapping blocks summed. Composed of grouped (transposed) convolutions, so an
// infinite input element makes its window's other rows NaN.
Tensor unfold(const Tensor& input, IntArrayRef kernel_size, IntArrayRef dilation = 1, IntArrayRef padding = 0,
              IntArrayRef stride = 1);
Tensor fold(const Tensor& input, IntArrayRef output_size, IntArrayRef kernel_size, IntArrayRef dilation = 1,
            IntArrayRef padding = 0, IntArrayRef stride = 1);
using FoldFuncOptions = FoldOptions;
using UnfoldFuncOptions = UnfoldOptions;
EMBER_ND_OPTIONS_FORM(Tensor, unfold, UnfoldFuncOptions)
EMBER_ND_OPTIONS_FORM(Tensor, fold, FoldFuncOptions)

// ---------------------------------------------------------------- power-average pooling
// PyTorch's lp_pool: (window sum of x^norm_type)^(1 / norm_type), without padding.
Tensor lp_pool1d(const Tensor& input, double norm_type, IntArrayRef kernel_size, IntArrayRef stride = {},
                 bool ceil_mode = false);
Tensor lp_pool2d(const Tensor& input, double norm_type, IntArrayRef kernel_size, IntArrayRef stride = {},
                 bool ceil_mode = false);
using LPPool1dFuncOptions = LPPool1dOptions;
using LPPool2dFuncOptions = LPPool2dOptions;
EMBER_ND_OPTIONS_FORM(Tensor, lp_pool1d, LPPool1dFuncOptions)
EMBER_ND_OPTIONS_FORM(Tensor, lp_pool2d, LPPool2dFuncOptions)

#undef EMBER_ND_OPTIONS_FORM
#undef EMBER_ND_COMMA

}  // namespace functional
}  // namespace nn
}  // namespace ember
