// The loss and distance modules: each forward calls its functional form with the
// module's options (and its weight buffers, so that module.to(dtype) reaches them).
// PyTorch prints none of their arguments: the repr is the bare name.
#include "ember/nn/functional.hpp"
#include "ember/nn/loss.hpp"

namespace ember {
namespace nn {

namespace F = functional;

CosineSimilarityImpl::CosineSimilarityImpl(const CosineSimilarityOptions& options) : Module("CosineSimilarity"), options(options) {}
Tensor CosineSimilarityImpl::forward(const Tensor& x1, const Tensor& x2) { return F::cosine_similarity(x1, x2, options.dim(), options.eps()); }

PairwiseDistanceImpl::PairwiseDistanceImpl(const PairwiseDistanceOptions& options) : Module("PairwiseDistance"), options(options) {}
Tensor PairwiseDistanceImpl::forward(const Tensor& x1, const Tensor& x2) { return F::pairwise_distance(x1, x2, options.p(), options.eps(), options.keepdim()); }

L1LossImpl::L1LossImpl(const L1LossOptions& options) : Module("L1Loss"), options(options) {}
Tensor L1LossImpl::forward(const Tensor& input, const Tensor& target) { return F::l1_loss(input, target, options.reduction()); }

MSELossImpl::MSELossImpl(const MSELossOptions& options) : Module("MSELoss"), options(options) {}
Tensor MSELossImpl::forward(const Tensor& input, const Tensor& target) { return F::mse_loss(input, target, options.reduction()); }

SmoothL1LossImpl::SmoothL1LossImpl(const SmoothL1LossOptions& options) : Module("SmoothL1Loss"), options(options) {}
Tensor SmoothL1LossImpl::forward(const Tensor& input, const Tensor& target) { return F::smooth_l1_loss(input, target, options.reduction(), options.beta()); }

HuberLossImpl::HuberLossImpl(const HuberLossOptions& options) : Module("HuberLoss"), options(options) {}
Tensor HuberLossImpl::forward(const Tensor& input, const Tensor& target) { return F::huber_loss(input, target, options.reduction(), options.delta()); }

KLDivLossImpl::KLDivLossImpl(const KLDivLossOptions& options) : Module("KLDivLoss"), options(options) {}
Tensor KLDivLossImpl::forward(const Tensor& input, const Tensor& target) { return F::kl_div(input, target, options.reduction(), options.log_target()); }

CrossEntropyLossImpl::CrossEntropyLossImpl(const CrossEntropyLossOptions& options) : Module("CrossEntropyLoss"), options(options) {
  weight = register_buffer("weight", this->options.weight());
}
Tensor CrossEntropyLossImpl::forward(const Tensor& input, const Tensor& target) { return F::cross_entropy(input, target, weight, options.ignore_index(), options.reduction(), options.label_smoothing()); }

NLLLossImpl::NLLLossImpl(const NLLLossOptions& options) : Module("NLLLoss"), options(options) {
  weight = register_buffer("weight", this->options.weight());
}
Tensor NLLLossImpl::forward(const Tensor& input, const Tensor& target) { return F::nll_loss(input, target, weight, options.ignore_index(), options.reduction()); }

BCELossImpl::BCELossImpl(const BCELossOptions& options) : Module("BCELoss"), options(options) {
  weight = register_buffer("weight", this->options.weight());
}
Tensor BCELossImpl::forward(const Tensor& input, const Tensor& target) { return F::binary_cross_entropy(input, target, weight, options.reduction()); }

BCEWithLogitsLossImpl::BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions& options) : Module("BCEWithLogitsLoss"), options(options) {
  weight = register_buffer("weight", this->options.weight());
  pos_weight = register_buffer("pos_weight", this->options.pos_weight());
}
Tensor BCEWithLogitsLossImpl::forward(const Tensor& input, const Tensor& target) { return F::binary_cross_entropy_with_logits(input, target, weight, options.reduction(), pos_weight); }

MarginRankingLossImpl::MarginRankingLossImpl(const MarginRankingLossOptions& options) : Module("MarginRankingLoss"), options(options) {}
Tensor MarginRankingLossImpl::forward(const Tensor& input1, const Tensor& input2, const Tensor& target) { return F::margin_ranking_loss(input1, input2, target, options.margin(), options.reduction()); }

HingeEmbeddingLossImpl::HingeEmbeddingLossImpl(const HingeEmbeddingLossOptions& options) : Module("HingeEmbeddingLoss"), options(options) {}
Tensor HingeEmbeddingLossImpl::forward(const Tensor& input, const Tensor& target) { return F::hinge_embedding_loss(input, target, options.margin(), options.reduction()); }

SoftMarginLossImpl::SoftMarginLossImpl(const SoftMarginLossOptions& options) : Module("SoftMarginLoss"), options(options) {}
Tensor SoftMarginLossImpl::forward(const Tensor& input, const Tensor& target) { return F::soft_margin_loss(input, target, options.reduction()); }

CosineEmbeddingLossImpl::CosineEmbeddingLossImpl(const CosineEmbeddingLossOptions& options) : Module("CosineEmbeddingLoss"), options(options) {}
Tensor CosineEmbeddingLossImpl::forward(const Tensor& input1, const Tensor& input2, const Tensor& target) { return F::cosine_embedding_loss(input1, input2, target, options.margin(), options.reduction()); }

MultiMarginLossImpl::MultiMarginLossImpl(const MultiMarginLossOptions& options) : Module("MultiMarginLoss"), options(options) {
  weight = register_buffer("weight", this->options.weight());
}
Tensor MultiMarginLossImpl::forward(const Tensor& input, const Tensor& target) { return F::multi_margin_loss(input, target, options.p(), options.margin(), weight, options.reduction()); }

MultiLabelMarginLossImpl::MultiLabelMarginLossImpl(const MultiLabelMarginLossOptions& options) : Module("MultiLabelMarginLoss"), options(options) {}
Tensor MultiLabelMarginLossImpl::forward(const Tensor& input, const Tensor& target) { return F::multilabel_margin_loss(input, target, options.reduction()); }

MultiLabelSoftMarginLossImpl::MultiLabelSoftMarginLossImpl(const MultiLabelSoftMarginLossOptions& options) : Module("MultiLabelSoftMarginLoss"), options(options) {
  weight = register_buffer("weight", this->options.weight());
}
Tensor MultiLabelSoftMarginLossImpl::forward(const Tensor& input, const Tensor& target) { return F::multilabel_soft_margin_loss(input, target, weight, options.reduction()); }

TripletMarginLossImpl::TripletMarginLossImpl(const TripletMarginLossOptions& options) : Module("TripletMarginLoss"), options(options) {}
Tensor TripletMarginLossImpl::forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative) { return F::triplet_margin_loss(anchor, positive, negative, options.margin(), options.p(), options.eps(), options.swap(), options.reduction()); }

PoissonNLLLossImpl::PoissonNLLLossImpl(const PoissonNLLLossOptions& options) : Module("PoissonNLLLoss"), options(options) {}
Tensor PoissonNLLLossImpl::forward(const Tensor& input, const Tensor& target) { return F::poisson_nll_loss(input, target, options.log_input(), options.full(), options.eps(), options.reduction()); }

CTCLossImpl::CTCLossImpl(const CTCLossOptions& options) : Module("CTCLoss"), options(options) {}
Tensor CTCLossImpl::forward(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                            const Tensor& target_lengths) {
  return F::ctc_loss(log_probs, targets, input_lengths, target_lengths, options.blank(), options.reduction(),
                     options.zero_infinity());
}

TripletMarginWithDistanceLossImpl::TripletMarginWithDistanceLossImpl(
    const TripletMarginWithDistanceLossOptions& options)
    : Module("TripletMarginWithDistanceLoss"), options(options) {
  // PyTorch's default distance is a PairwiseDistance submodule (it shows in the repr).
  if (!options.distance_function() || !*options.distance_function())
    distance_function = register_module("distance_function", PairwiseDistance());
}
Tensor TripletMarginWithDistanceLossImpl::forward(const Tensor& anchor, const Tensor& positive,
                                                  const Tensor& negative) {
  TripletMarginWithDistanceLossOptions::distance_function_t distance;
  if (distance_function)
    distance = [d = distance_function](const Tensor& a, const Tensor& b) { return d(a, b); };
  else
    distance = *options.distance_function();
  return F::triplet_margin_with_distance_loss(anchor, positive, negative, distance, options.margin(), options.swap(),
                                              options.reduction());
}

}  // namespace nn
}  // namespace ember
