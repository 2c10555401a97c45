// torch.nn.functional in C++: the differentiable neural-network functions.
//
//   namespace F = ember::nn::functional;
//   Tensor y = F::conv2d(x, w, b, /*stride=*/1, /*padding=*/1);
//   Tensor loss = F::cross_entropy(logits, target);
//
// Names, argument order and defaults follow PyTorch. A size argument (stride, padding,
// kernel_size, ...) takes one number for every spatial dim or one per dim: `2` or `{2, 1}`.
// `reduction` is "mean" (the default), "sum" or "none".
#pragma once
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/functions.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace nn {
namespace functional {

using ember::log_softmax;
using ember::pad;
using ember::softmax;

// ---- linear and convolution ----
// y = x W^T + b over the last dim of x; weight is [out, in], bias [out] or undefined.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});
// input [N, C_in, L] (or unbatched [C_in, L]), weight [C_out, C_in / groups, K].
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
              IntArrayRef padding = 0, IntArrayRef dilation = 1, int64_t groups = 1);
// input [N, C_in, H, W] (or unbatched [C_in, H, W]), weight [C_out, C_in / groups, kH, kW].
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
              IntArrayRef padding = 0, IntArrayRef dilation = 1, int64_t groups = 1);
// weight [C_in, C_out / groups, kH, kW]; the gradient of conv2d with respect to its input.
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
                        IntArrayRef padding = 0, IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);

// ---- pooling; stride defaults to kernel_size (an empty stride) ----
Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  IntArrayRef dilation = 1, bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size);

// ---- activations beyond ember/functions.hpp ----
using ember::elu;
using ember::gelu;
using ember::leaky_relu;
using ember::relu;
using ember::sigmoid;
using ember::silu;
using ember::softplus;
using ember::tanh;

// ---- dropout: zeroes each element with probability p and scales the rest by 1/(1-p)
// when training; the identity otherwise. Draws from ember's generator (manual_seed).
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true);

// ---- losses ----
// input: logits [N, C] or [N, C, d1, ...] (or [C]); target: class indices int64 [N, d1, ...]
// or class probabilities shaped like input. weight: per-class rescaling [C] or undefined.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                     int64_t ignore_index = -100, const std::string& reduction = "mean",
                     double label_smoothing = 0.0);
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = {}, int64_t ignore_index = -100,
                const std::string& reduction = "mean");
Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
Tensor l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
                      double beta = 1.0);
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                            const std::string& reduction = "mean");
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                                        const std::string& reduction = "mean", const Tensor& pos_weight = {});

// ---- embedding: rows of weight [num_embeddings, dim] picked by int64 indices of any shape.
// Rows at padding_idx get no gradient.
Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx = std::nullopt);

// ---- normalization ----
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
// input [N, C, ...]. In training, normalizes with the batch statistics and, when the
// running tensors are given, updates them in place: running = (1 - momentum) * running +
// momentum * batch (the unbiased variance for running_var). Otherwise uses the running ones.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                  double momentum = 0.1, double eps = 1e-5);
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);

// ---- recurrent cells; gates in PyTorch's order (LSTM: i, f, g, o; GRU: r, z, n) ----
// input [N, in] (or [in]), hx/cx [N, hidden]; w_ih [4*hidden, in], w_hh [4*hidden, hidden].
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const Tensor& hx, const Tensor& cx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih = {}, const Tensor& b_hh = {});
Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                const Tensor& b_ih = {}, const Tensor& b_hh = {});
Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = {}, const Tensor& b_hh = {});
Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = {}, const Tensor& b_hh = {});

// ---- attention: softmax(q k^T * scale + mask) v over the last two dims.
// q [..., L, E], k [..., S, E], v [..., S, Ev]. attn_mask is bool (true = attend) or
// float (added to the scores); is_causal masks out keys after each query. scale
// defaults to 1/sqrt(E).
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = {}, double dropout_p = 0.0, bool is_causal = false,
                                    std::optional<double> scale = std::nullopt);

// ---- shape helpers ----
Tensor one_hot(const Tensor& indices, int64_t num_classes = -1);
Tensor normalize(const Tensor& input, double p = 2.0, int64_t dim = 1, double eps = 1e-12);

}  // namespace functional
}  // namespace nn

// torch::lstm_cell, gru_cell, rnn_tanh_cell and rnn_relu_cell at the top level, in
// LibTorch's form: lstm_cell takes its state as one list {h, c} (LibTorch's TensorList)
// and each bias may be absent (std::nullopt). They compute what nn::functional's cells
// compute; the other three are those functions themselves.
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const std::vector<Tensor>& hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const std::optional<Tensor>& b_ih = std::nullopt,
                                     const std::optional<Tensor>& b_hh = std::nullopt);
using nn::functional::gru_cell;
using nn::functional::rnn_relu_cell;
using nn::functional::rnn_tanh_cell;

}  // namespace ember

// The other losses and distances, and the options forms of every loss.
#include "ember/nn/functional_loss.hpp"
#include "ember/nn/functional_extra.hpp"  // activations, padding modes, 1-d pooling, more norms
#include "ember/nn/functional_upsampling.hpp"  // interpolate
#include "ember/nn/functional_vision.hpp"      // affine_grid, grid_sample
#include "ember/nn/functional_nd.hpp"  // 3-d conv and pooling, unpooling, fold
#include "ember/nn/functional_pool_indices.hpp"  // adaptive_max_pool*d_with_indices
