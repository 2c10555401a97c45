// torch.nn's loss and distance modules: each holds its options (ember/nn/loss_options.hpp)
// and calls the functional form (ember/nn/functional.hpp) in forward. As in PyTorch,
// a class weight (and BCEWithLogitsLoss's pos_weight) is a buffer named "weight"
// ("pos_weight"), so it follows module.to(dtype) and appears in the state dict.
//
//   nn::CrossEntropyLoss ce(nn::CrossEntropyLossOptions().label_smoothing(0.1));
//   Tensor loss = ce(logits, target);
//   nn::TripletMarginLoss triplet(nn::TripletMarginLossOptions().margin(0.5));
//   Tensor l = triplet(anchor, positive, negative);
#pragma once
#include "ember/nn/loss_options.hpp"
#include "ember/nn/module.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace nn {

// ---- distances ----
class CosineSimilarityImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit CosineSimilarityImpl(const CosineSimilarityOptions& options = {});
  Tensor forward(const Tensor& x1, const Tensor& x2);
  CosineSimilarityOptions options;
};
EMBER_MODULE(CosineSimilarity);

class PairwiseDistanceImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit PairwiseDistanceImpl(const PairwiseDistanceOptions& options = {});
  Tensor forward(const Tensor& x1, const Tensor& x2);
  PairwiseDistanceOptions options;
};
EMBER_MODULE(PairwiseDistance);

// ---- losses ----
class L1LossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit L1LossImpl(const L1LossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  L1LossOptions options;
};
EMBER_MODULE(L1Loss);

class MSELossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit MSELossImpl(const MSELossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  MSELossOptions options;
};
EMBER_MODULE(MSELoss);

class SmoothL1LossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit SmoothL1LossImpl(const SmoothL1LossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  SmoothL1LossOptions options;
};
EMBER_MODULE(SmoothL1Loss);

class HuberLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit HuberLossImpl(const HuberLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  HuberLossOptions options;
};
EMBER_MODULE(HuberLoss);

class KLDivLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit KLDivLossImpl(const KLDivLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  KLDivLossOptions options;
};
EMBER_MODULE(KLDivLoss);

class CrossEntropyLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit CrossEntropyLossImpl(const CrossEntropyLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  CrossEntropyLossOptions options;
  Tensor weight;  // the options' weight, registered as a buffer
};
EMBER_MODULE(CrossEntropyLoss);

class NLLLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit NLLLossImpl(const NLLLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  NLLLossOptions options;
  Tensor weight;  // the options' weight, registered as a buffer
};
EMBER_MODULE(NLLLoss);

class BCELossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit BCELossImpl(const BCELossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  BCELossOptions options;
  Tensor weight;  // the options' weight, registered as a buffer
};
EMBER_MODULE(BCELoss);

class BCEWithLogitsLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  BCEWithLogitsLossOptions options;
  Tensor weight;  // the options' weight, registered as a buffer
  Tensor pos_weight;  // the options' pos_weight, registered as a buffer
};
EMBER_MODULE(BCEWithLogitsLoss);

class MarginRankingLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit MarginRankingLossImpl(const MarginRankingLossOptions& options = {});
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  MarginRankingLossOptions options;
};
EMBER_MODULE(MarginRankingLoss);

class HingeEmbeddingLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit HingeEmbeddingLossImpl(const HingeEmbeddingLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  HingeEmbeddingLossOptions options;
};
EMBER_MODULE(HingeEmbeddingLoss);

class SoftMarginLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit SoftMarginLossImpl(const SoftMarginLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  SoftMarginLossOptions options;
};
EMBER_MODULE(SoftMarginLoss);

class CosineEmbeddingLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit CosineEmbeddingLossImpl(const CosineEmbeddingLossOptions& options = {});
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  CosineEmbeddingLossOptions options;
};
EMBER_MODULE(CosineEmbeddingLoss);

class MultiMarginLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit MultiMarginLossImpl(const MultiMarginLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  MultiMarginLossOptions options;
  Tensor weight;  // the options' weight, registered as a buffer
};
EMBER_MODULE(MultiMarginLoss);

class MultiLabelMarginLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit MultiLabelMarginLossImpl(const MultiLabelMarginLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  MultiLabelMarginLossOptions options;
};
EMBER_MODULE(MultiLabelMarginLoss);

class MultiLabelSoftMarginLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit MultiLabelSoftMarginLossImpl(const MultiLabelSoftMarginLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  MultiLabelSoftMarginLossOptions options;
  Tensor weight;  // the options' weight, registered as a buffer
};
EMBER_MODULE(MultiLabelSoftMarginLoss);

class TripletMarginLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit TripletMarginLossImpl(const TripletMarginLossOptions& options = {});
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative);
  TripletMarginLossOptions options;
};
EMBER_MODULE(TripletMarginLoss);

class TripletMarginWithDistanceLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit TripletMarginWithDistanceLossImpl(const TripletMarginWithDistanceLossOptions& options = {});
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative);
  TripletMarginWithDistanceLossOptions options;
  // Without a distance function, PyTorch's default: a PairwiseDistance submodule.
  PairwiseDistance distance_function{nullptr};
};
EMBER_MODULE(TripletMarginWithDistanceLoss);

class PoissonNLLLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit PoissonNLLLossImpl(const PoissonNLLLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target);
  PoissonNLLLossOptions options;
};
EMBER_MODULE(PoissonNLLLoss);

class CTCLossImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit CTCLossImpl(const CTCLossOptions& options = {});
  Tensor forward(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                 const Tensor& target_lengths);
  CTCLossOptions options;
};
EMBER_MODULE(CTCLoss);

}  // namespace nn
}  // namespace ember
