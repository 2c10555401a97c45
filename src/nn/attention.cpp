// MultiheadAttention, following torch.nn.functional.multi_head_attention_forward:
// project q, k, v; split the embedding into heads; softmax(q k^T / sqrt(head_dim) +
// masks) v; merge the heads; project out.
#include "ember/nn/attention.hpp"

#include <cmath>
#include <limits>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace nn {

namespace F = ember::nn::functional;

MultiheadAttentionImpl::MultiheadAttentionImpl(const MultiheadAttentionOptions& options_)
    : Module("MultiheadAttention"), options(options_) {
  const int64_t E = options.embed_dim(), H = options.num_heads();
  EMBER_CHECK(E > 0 && H > 0, "MultiheadAttention: embed_dim and num_heads must be positive, got {} and {}", E, H);
  EMBER_CHECK(E % H == 0, "MultiheadAttention: embed_dim {} must be divisible by num_heads {}", E, H);
  EMBER_CHECK(options.dropout() >= 0 && options.dropout() <= 1, "MultiheadAttention: dropout must be in [0, 1], got {}",
              options.dropout());
  in_proj_weight = register_parameter("in_proj_weight", ember::empty({3 * E, E}));
  in_proj_bias = register_parameter("in_proj_bias", options.bias() ? ember::empty({3 * E}) : Tensor());
  out_proj = register_module("out_proj", Linear(LinearOptions(E, E).bias(options.bias())));
  reset_parameters();
}

void MultiheadAttentionImpl::reset_parameters() {
  NoGradGuard no_grad;
  // xavier_uniform_ over the stacked [3E, E] matrix, as PyTorch does.
  const double bound = std::sqrt(6.0 / static_cast<double>(in_proj_weight.size(0) + in_proj_weight.size(1)));
  // Drawn into a fresh tensor and copied: Tensor::uniform_ refuses leaves that require
  // grad even under NoGradGuard, copy_ does not.
  in_proj_weight.copy_(ember::empty(in_proj_weight.sizes(), in_proj_weight.dtype()).uniform_(-bound, bound));
  if (in_proj_bias.defined()) in_proj_bias.zero_();
  if (out_proj->bias.defined()) out_proj->bias.zero_();
}

namespace {

const double kNegInf = -std::numeric_limits<double>::infinity();

// A mask as a float tensor to add to the scores: bool true becomes -inf.
Tensor additive(const Tensor& mask, Dtype dtype) {
  if (mask.dtype() == kBool) return ember::zeros(mask.sizes(), dtype).masked_fill(mask, kNegInf);
  return mask;
}

}  // namespace

std::tuple<Tensor, Tensor> MultiheadAttentionImpl::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                           const Tensor& key_padding_mask, bool need_weights,
                                                           const Tensor& attn_mask, bool average_attn_weights,
                                                           bool is_causal) {
  const int64_t E = options.embed_dim(), H = options.num_heads(), hd = E / H;
  const char* layout = options.batch_first() ? "[N, L, E]" : "[L, N, E]";
  EMBER_CHECK(query.defined() && key.defined() && value.defined(),
              "MultiheadAttention: query, key and value must all be defined");
  EMBER_CHECK(query.dim() == 3 || query.dim() == 2,
              "MultiheadAttention: expected query of 3 dims {} or unbatched [L, E], got {}", layout, query.sizes());
  EMBER_CHECK(key.dim() == query.dim() && value.dim() == query.dim(),
              "MultiheadAttention: query {}, key {} and value {} must all be batched (3 dims) or all unbatched (2 dims)",
              query.sizes(), key.sizes(), value.sizes());
  EMBER_CHECK(query.size(-1) == E && key.size(-1) == E && value.size(-1) == E,
              "MultiheadAttention: query {}, key {} and value {} must have embed_dim {} features", query.sizes(),
              key.sizes(), value.sizes(), E);
  EMBER_CHECK(key.sizes().vec() == value.sizes().vec(), "MultiheadAttention: key {} and value {} must have the same shape",
              key.sizes(), value.sizes());
  const bool batched = query.dim() == 3;
  // Sequence-first from here on: [L, N, E] and [S, N, E].
  auto seq_first = [&](const Tensor& t) {
    return !batched ? t.unsqueeze(1) : options.batch_first() ? t.transpose(0, 1) : t;
  };
  Tensor q_in = seq_first(query), k_in = seq_first(key), v_in = seq_first(value);
  const int64_t L = q_in.size(0), N = q_in.size(1), S = k_in.size(0);
  EMBER_CHECK(k_in.size(1) == N, "MultiheadAttention: query {} and key {} have different batch sizes", query.sizes(),
              key.sizes());

  // The masks, summed into one additive mask that broadcasts to [N, H, L, S].
  Tensor mask;
  if (attn_mask.defined()) {
    const bool two_d = attn_mask.dim() == 2 && attn_mask.size(0) == L && attn_mask.size(1) == S;
    const bool three_d =
        attn_mask.dim() == 3 && attn_mask.size(0) == N * H && attn_mask.size(1) == L && attn_mask.size(2) == S;
    EMBER_CHECK(two_d || three_d,
                "MultiheadAttention: expected attn_mask of shape [L, S] = [{}, {}] or [N * num_heads, L, S] = "
                "[{}, {}, {}], got {}",
                L, S, N * H, L, S, attn_mask.sizes());
    mask = additive(attn_mask, query.dtype());
    if (three_d) mask = mask.reshape({N, H, L, S});
  } else if (is_causal) {
    mask = ember::full({L, S}, kNegInf, query.dtype()).triu(1);
  }
  if (key_padding_mask.defined()) {
    const bool ok = batched ? key_padding_mask.dim() == 2 && key_padding_mask.size(0) == N &&
                                  key_padding_mask.size(1) == S
                            : key_padding_mask.dim() == 1 && key_padding_mask.size(0) == S;
    EMBER_CHECK(ok, "MultiheadAttention: expected key_padding_mask of shape {}, got {}",
                batched ? fmt::format("[N, S] = [{}, {}]", N, S) : fmt::format("[S] = [{}]", S),
                key_padding_mask.sizes());
    Tensor kpm = additive(key_padding_mask, query.dtype()).reshape({N, 1, 1, S});
    mask = mask.defined() ? mask + kpm : kpm;
  }

  // Projections, then heads: [L, N, E] -> [N, H, L, hd].
  const Tensor& w = in_proj_weight;
  const Tensor& b = in_proj_bias;
  auto project = [&](const Tensor& x, int64_t part) {
    return F::linear(x, w.narrow(0, part * E, E), b.defined() ? b.narrow(0, part * E, E) : Tensor());
  };
  auto heads = [&](const Tensor& x, int64_t len) { return x.reshape({len, N, H, hd}).permute({1, 2, 0, 3}); };
  Tensor q = heads(project(q_in, 0), L), k = heads(project(k_in, 1), S), v = heads(project(v_in, 2), S);
  const double p = is_training() ? options.dropout() : 0.0;

  Tensor attn, weights;
  if (need_weights) {
    // PyTorch scales q before the product.
    Tensor scores = ember::matmul(q * (1.0 / std::sqrt(static_cast<double>(hd))), k.transpose(-2, -1));
    if (mask.defined()) scores = scores + mask;
    weights = ember::softmax(scores, -1);
    if (p > 0) weights = F::dropout(weights, p, true);
    attn = ember::matmul(weights, v);
  } else {
    attn = F::scaled_dot_product_attention(q, k, v, mask, p);
  }
  // Merge the heads: [N, H, L, hd] -> [L, N, E].
  Tensor out = out_proj(attn.permute({2, 0, 1, 3}).reshape({L * N, E})).view({L, N, E});
  if (!batched)
    out = out.squeeze(1);
  else if (options.batch_first())
    out = out.transpose(0, 1);
  if (weights.defined()) {
    if (average_attn_weights) weights = weights.mean({1});
    if (!batched) weights = weights.squeeze(0);
  }
  return {out, weights};
}

}  // namespace nn
}  // namespace ember
