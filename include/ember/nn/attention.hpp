// torch.nn.MultiheadAttention: attention over num_heads slices of the embedding.
//
//   nn::MultiheadAttention mha(/*embed_dim=*/64, /*num_heads=*/8);
//   auto [out, weights] = mha(q, k, v);   // q [L, N, E], k and v [S, N, E]
#pragma once
#include <cstdint>
#include <tuple>

#include "ember/nn/modules.hpp"
#include "ember/nn/module.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace nn {

class MultiheadAttentionOptions {
 public:
  MultiheadAttentionOptions(int64_t embed_dim, int64_t num_heads) : embed_dim_(embed_dim), num_heads_(num_heads) {}
  EMBER_ARG(int64_t, embed_dim);
  EMBER_ARG(int64_t, num_heads);
  EMBER_ARG(double, dropout) = 0.0;  // on the attention weights, in training only
  EMBER_ARG(bool, bias) = true;
  EMBER_ARG(bool, batch_first) = false;
};

// Parameters as PyTorch: in_proj_weight [3E, E] (the q, k and v projections stacked,
// xavier-uniform), in_proj_bias [3E] (zeros), out_proj (a Linear E -> E, bias zeros).
// Keys and values have embed_dim features (PyTorch's kdim = vdim = embed_dim).
class MultiheadAttentionImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  MultiheadAttentionImpl(int64_t embed_dim, int64_t num_heads)
      : MultiheadAttentionImpl(MultiheadAttentionOptions(embed_dim, num_heads)) {}
  explicit MultiheadAttentionImpl(const MultiheadAttentionOptions& options);

  // query [L, N, E], key and value [S, N, E] ([N, L, E] ... when batch_first), or
  // unbatched [L, E] and [S, E].
  // key_padding_mask [N, S] (or [S]): true (bool) marks keys to ignore; a float mask is
  //   added to the scores.
  // attn_mask [L, S] or [N * num_heads, L, S]: true (bool) forbids attending; float is
  //   added to the scores.
  // is_causal without attn_mask: each query attends only to keys at or before its
  //   position; with attn_mask it is a hint that attn_mask is that causal mask.
  // Returns (attn_output shaped like query, attn_weights): the weights are [N, L, S]
  // averaged over heads, [N, num_heads, L, S] without averaging, undefined unless
  // need_weights.
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const Tensor& key_padding_mask = {}, bool need_weights = true,
                                     const Tensor& attn_mask = {}, bool average_attn_weights = true,
                                     bool is_causal = false);
  void reset_parameters();

  MultiheadAttentionOptions options;
  Tensor in_proj_weight, in_proj_bias;
  Linear out_proj{nullptr};
};
EMBER_MODULE(MultiheadAttention);

}  // namespace nn
}  // namespace ember
