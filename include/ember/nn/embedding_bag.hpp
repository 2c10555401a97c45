// torch.nn.EmbeddingBag and F::embedding_bag: sums, means or maxima of bags of embedding
// rows, without building the [n, dim] lookup per bag by hand.
//
//   nn::EmbeddingBag bag(nn::EmbeddingBagOptions(10, 3).mode(ember::kSum));
//   Tensor out = bag(indices, offsets);   // indices [n], offsets [B] -> out [B, 3]
//   Tensor same = bag(indices_2d);        // [B, L]: each row a bag of L
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "ember/enum.hpp"
#include "ember/nn/arg.hpp"
#include "ember/nn/module.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace nn {

// mode: "sum", "mean" or "max" (kSum, kMean, kMax). sparse and scale_grad_by_freq are
// accepted as false only, as in F::embedding.
struct EmbeddingBagOptions {
  EmbeddingBagOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  EMBER_ARG(int64_t, num_embeddings);
  EMBER_ARG(int64_t, embedding_dim);
  EMBER_ARG(std::optional<double>, max_norm);
  EMBER_ARG(double, norm_type) = 2.;
  EMBER_ARG(bool, scale_grad_by_freq) = false;
  EMBER_ARG(std::string, mode) = "mean";
  EMBER_ARG(bool, sparse) = false;
  // The initial weight [num_embeddings, embedding_dim] (copied), instead of N(0, 1).
  EMBER_ARG(Tensor, _weight);
  EMBER_ARG(bool, include_last_offset) = false;
  EMBER_ARG(std::optional<int64_t>, padding_idx);
};

struct EmbeddingBagFromPretrainedOptions {
  EMBER_ARG(bool, freeze) = true;
  EMBER_ARG(std::optional<double>, max_norm);
  EMBER_ARG(double, norm_type) = 2.;
  EMBER_ARG(bool, scale_grad_by_freq) = false;
  EMBER_ARG(std::string, mode) = "mean";
  EMBER_ARG(bool, sparse) = false;
  EMBER_ARG(bool, include_last_offset) = false;
  EMBER_ARG(std::optional<int64_t>, padding_idx);
};

namespace functional {
struct EmbeddingBagFuncOptions {
  // [B] bag starts (or [B + 1] with include_last_offset) for a 1-D input; none for 2-D.
  EMBER_ARG(Tensor, offsets);
  EMBER_ARG(std::optional<double>, max_norm);
  EMBER_ARG(double, norm_type) = 2.;
  EMBER_ARG(bool, scale_grad_by_freq) = false;
  EMBER_ARG(std::string, mode) = "mean";
  EMBER_ARG(bool, sparse) = false;
  // One weight per index (input's shape), mode "sum" only: rows are scaled before summing.
  EMBER_ARG(Tensor, per_sample_weights);
  EMBER_ARG(bool, include_last_offset) = false;
  // Indices equal to it are left out of their bag (and of a mean's count).
  EMBER_ARG(std::optional<int64_t>, padding_idx);
};

// input: int64 indices [n] with offsets, or [B, L] (B bags of L). Returns [B, dim]; an
// empty bag gives zeros. max_norm renormalises the picked rows of weight in place, as
// F::embedding does. Differentiable in weight and per_sample_weights.
Tensor embedding_bag(const Tensor& input, const Tensor& weight, const EmbeddingBagFuncOptions& options = {});
}  // namespace functional

// weight [num_embeddings, embedding_dim] ~ N(0, 1), the padding_idx row zeroed.
class EmbeddingBagImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit EmbeddingBagImpl(const EmbeddingBagOptions& options);
  EmbeddingBagImpl(int64_t num_embeddings, int64_t embedding_dim)
      : EmbeddingBagImpl(EmbeddingBagOptions(num_embeddings, embedding_dim)) {}
  Tensor forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights = {});
  // A 2-D input of fixed-length bags (a 1-D input needs offsets).
  Tensor forward(const Tensor& input) override { return forward(input, Tensor(), Tensor()); }
  void reset_parameters();
  std::string extra_repr() const override;

  EmbeddingBagOptions options;  // padding_idx made non-negative
  Tensor weight;
};

// The holder, with LibTorch's EmbeddingBag::from_pretrained.
class EmbeddingBag : public ModuleHolder<EmbeddingBagImpl> {
 public:
  using ModuleHolder<EmbeddingBagImpl>::ModuleHolder;
  EmbeddingBag(const ModuleHolder<EmbeddingBagImpl>& h)
      : ModuleHolder<EmbeddingBagImpl>(detail::HolderCopyTag{}, h.module_ptr()) {}
  // A module over a copy of embeddings [num, dim]; freeze: the weight does not require grad.
  static EmbeddingBag from_pretrained(const Tensor& embeddings, const EmbeddingBagFromPretrainedOptions& options = {});
};

}  // namespace nn
}  // namespace ember
