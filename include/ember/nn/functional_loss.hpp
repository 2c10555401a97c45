// The rest of torch.nn.functional's losses and distances, and LibTorch's options forms
// of every loss (F::mse_loss(x, y, F::MSELossFuncOptions().reduction(ember::kSum))).
// Included by ember/nn/functional.hpp; names, argument order and defaults are PyTorch's.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>

#include "ember/nn/functional.hpp"  // the positional forms the options forms call
#include "ember/nn/loss_options.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace nn {
namespace functional {

// ---- regression ----
// 0.5 d^2 where |d| < delta, delta (|d| - delta / 2) beyond; d = input - target.
// A target of another (broadcastable) shape is broadcast with a warning, as in PyTorch.
Tensor huber_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
                  double delta = 1.0);
// input: log-probabilities; target: probabilities (log-probabilities when log_target).
// target (log target - input) summed as reduction says; "batchmean" divides the sum by
// the batch size (input.size(0)), which is the KL divergence's definition.
Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
              bool log_target = false);
// log_input: exp(input) - target input; otherwise input - target log(input + eps).
// full adds Stirling's approximation of log(target!) where target > 1.
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, bool log_input = true, bool full = false,
                        double eps = 1e-8, const std::string& reduction = "mean");

// ---- margins; targets of 1 and -1 ----
// max(0, -target (input1 - input2) + margin).
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin = 0.0,
                           const std::string& reduction = "mean");
// input where target is 1, max(0, margin - input) where target is -1.
Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, double margin = 1.0,
                            const std::string& reduction = "mean");
// log(1 + exp(-target input)).
Tensor soft_margin_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
// input1, input2 [N, D] with target [N] (or [D] with a 0-dim target): 1 - cos where
// target is 1, max(0, cos - margin) where it is -1.
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin = 0.0,
                             const std::string& reduction = "mean");
// input [N, C] (or [C]), target int64 class indices [N] (or []):
// sum over j != y of w[y] max(0, margin - x[y] + x[j])^p / C, with p 1 or 2.
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, int64_t p = 1, double margin = 1.0,
                         const Tensor& weight = {}, const std::string& reduction = "mean");
// input [N, C] (or [C]), target int64 of the same shape: each row's class indices, ended
// by the first -1. sum over listed j and unlisted k of max(0, 1 - (x[j] - x[k])) / C.
Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
// input and target (0 or 1 per class) [N, C]: the binary cross-entropy of sigmoid(input)
// averaged over the classes; weight [C] rescales each class.
Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                                   const std::string& reduction = "mean");
// max(0, margin + d(a, p) - d(a, n)) with d = pairwise_distance(., ., p, eps); swap uses
// min(d(a, n), d(p, n)) as the negative distance.
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           double margin = 1.0, double p = 2.0, double eps = 1e-6, bool swap = false,
                           const std::string& reduction = "mean");
// The same with any distance (pairwise_distance when none is given); margin must be > 0.
Tensor triplet_margin_with_distance_loss(
    const Tensor& anchor, const Tensor& positive, const Tensor& negative,
    std::optional<TripletMarginWithDistanceLossOptions::distance_function_t> distance_function = std::nullopt,
    double margin = 1.0, bool swap = false, const std::string& reduction = "mean");

// ---- sequences ----
// Connectionist temporal classification. log_probs [T, N, C] (or [T, C]) from log_softmax;
// targets int64 [N, S] padded (or all targets concatenated, 1-dim); input_lengths and
// target_lengths integer [N] (or 0-dim). The negative log-likelihood of all alignments;
// "mean" divides each by its target length, then averages. An impossible alignment
// costs inf (0 with zero_infinity).
Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, int64_t blank = 0, const std::string& reduction = "mean",
                bool zero_infinity = false);

// ---- distances ----
// <x1, x2> / (max(|x1|, eps) max(|x2|, eps)) along dim, the inputs broadcast together.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim = 1, double eps = 1e-8);
// The p-norm of x1 - x2 + eps over the last dim.
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p = 2.0, double eps = 1e-6,
                         bool keepdim = false);
// input [N, M]: the p-norm distances between rows i < j, in row-major order of (i, j),
// N (N - 1) / 2 of them.
Tensor pdist(const Tensor& input, double p = 2.0);

// ---- LibTorch's options forms. Templates on the exact options type, so that a mode
// constant or a string in the third place still picks the positional form.
namespace options_detail {
template <class Given, class Wanted>
using if_options = std::enable_if_t<std::is_same<Given, Wanted>::value, int>;
}  // namespace options_detail

#define EMBER_OPTIONS_FORM(fn, Options, params, call) \
  template <class O, options_detail::if_options<O, Options> = 0> \
  inline Tensor fn params { return call; }

EMBER_OPTIONS_FORM(l1_loss, L1LossFuncOptions, (const Tensor& input, const Tensor& target, const O& o),
                   l1_loss(input, target, o.reduction()))
EMBER_OPTIONS_FORM(mse_loss, MSELossFuncOptions, (const Tensor& input, const Tensor& target, const O& o),
                   mse_loss(input, target, o.reduction()))
EMBER_OPTIONS_FORM(smooth_l1_loss, SmoothL1LossFuncOptions, (const Tensor& input, const Tensor& target, const O& o),
                   smooth_l1_loss(input, target, o.reduction(), o.beta()))
EMBER_OPTIONS_FORM(huber_loss, HuberLossFuncOptions, (const Tensor& input, const Tensor& target, const O& o),
                   huber_loss(input, target, o.reduction(), o.delta()))
EMBER_OPTIONS_FORM(kl_div, KLDivFuncOptions, (const Tensor& input, const Tensor& target, const O& o),
                   kl_div(input, target, o.reduction(), o.log_target()))
EMBER_OPTIONS_FORM(cross_entropy, CrossEntropyFuncOptions, (const Tensor& input, const Tensor& target, const O& o),
                   cross_entropy(input, target, o.weight(), o.ignore_index(), o.reduction(), o.label_smoothing()))
EMBER_OPTIONS_FORM(nll_loss, NLLLossFuncOptions, (const Tensor& input, const Tensor& target, const O& o),
                   nll_loss(input, target, o.weight(), o.ignore_index(), o.reduction()))
EMBER_OPTIONS_FORM(binary_cross_entropy, BinaryCrossEntropyFuncOptions,
                   (const Tensor& input, const Tensor& target, const O& o),
                   binary_cross_entropy(input, target, o.weight(), o.reduction()))
EMBER_OPTIONS_FORM(binary_cross_entropy_with_logits, BinaryCrossEntropyWithLogitsFuncOptions,
                   (const Tensor& input, const Tensor& target, const O& o),
                   binary_cross_entropy_with_logits(input, target, o.weight(), o.reduction(), o.pos_weight()))
EMBER_OPTIONS_FORM(poisson_nll_loss, PoissonNLLLossFuncOptions, (const Tensor& input, const Tensor& target, const O& o),
                   poisson_nll_loss(input, target, o.log_input(), o.full(), o.eps(), o.reduction()))
EMBER_OPTIONS_FORM(margin_ranking_loss, MarginRankingLossFuncOptions,
                   (const Tensor& input1, const Tensor& input2, const Tensor& target, const O& o),
                   margin_ranking_loss(input1, input2, target, o.margin(), o.reduction()))
EMBER_OPTIONS_FORM(hinge_embedding_loss, HingeEmbeddingLossFuncOptions,
                   (const Tensor& input, const Tensor& target, const O& o),
                   hinge_embedding_loss(input, target, o.margin(), o.reduction()))
EMBER_OPTIONS_FORM(soft_margin_loss, SoftMarginLossFuncOptions, (const Tensor& input, const Tensor& target, const O& o),
                   soft_margin_loss(input, target, o.reduction()))
EMBER_OPTIONS_FORM(cosine_embedding_loss, CosineEmbeddingLossFuncOptions,
                   (const Tensor& input1, const Tensor& input2, const Tensor& target, const O& o),
                   cosine_embedding_loss(input1, input2, target, o.margin(), o.reduction()))
EMBER_OPTIONS_FORM(multi_margin_loss, MultiMarginLossFuncOptions, (const Tensor& input, const Tensor& target, const O& o),
                   multi_margin_loss(input, target, o.p(), o.margin(), o.weight(), o.reduction()))
EMBER_OPTIONS_FORM(multilabel_margin_loss, MultilabelMarginLossFuncOptions,
                   (const Tensor& input, const Tensor& target, const O& o),
                   multilabel_margin_loss(input, target, o.reduction()))
EMBER_OPTIONS_FORM(multilabel_soft_margin_loss, MultilabelSoftMarginLossFuncOptions,
                   (const Tensor& input, const Tensor& target, const O& o),
                   multilabel_soft_margin_loss(input, target, o.weight(), o.reduction()))
EMBER_OPTIONS_FORM(triplet_margin_loss, TripletMarginLossFuncOptions,
                   (const Tensor& anchor, const Tensor& positive, const Tensor& negative, const O& o),
                   triplet_margin_loss(anchor, positive, negative, o.margin(), o.p(), o.eps(), o.swap(),
                                       o.reduction()))
EMBER_OPTIONS_FORM(triplet_margin_with_distance_loss, TripletMarginWithDistanceLossFuncOptions,
                   (const Tensor& anchor, const Tensor& positive, const Tensor& negative, const O& o),
                   triplet_margin_with_distance_loss(anchor, positive, negative, o.distance_function(), o.margin(),
                                                     o.swap(), o.reduction()))
EMBER_OPTIONS_FORM(ctc_loss, CTCLossFuncOptions,
                   (const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                    const Tensor& target_lengths, const O& o),
                   ctc_loss(log_probs, targets, input_lengths, target_lengths, o.blank(), o.reduction(),
                            o.zero_infinity()))
EMBER_OPTIONS_FORM(cosine_similarity, CosineSimilarityFuncOptions, (const Tensor& x1, const Tensor& x2, const O& o),
                   cosine_similarity(x1, x2, o.dim(), o.eps()))
EMBER_OPTIONS_FORM(pairwise_distance, PairwiseDistanceFuncOptions, (const Tensor& x1, const Tensor& x2, const O& o),
                   pairwise_distance(x1, x2, o.p(), o.eps(), o.keepdim()))

#undef EMBER_OPTIONS_FORM

}  // namespace functional
}  // namespace nn
}  // namespace ember
