// The arguments of the loss and distance modules, with PyTorch's defaults, in LibTorch's
// spelling. The functional forms take the same structs under LibTorch's functional names
// (F::MSELossFuncOptions is nn::MSELossOptions):
//
//   nn::MSELoss mse(nn::MSELossOptions().reduction(ember::kSum));
//   F::cross_entropy(x, t, F::CrossEntropyFuncOptions().label_smoothing(0.1));
//   nn::KLDivLossOptions(ember::kBatchMean).log_target(true);
//
// `reduction` holds PyTorch's string ("mean", "sum", "none", and "batchmean" for
// kl_div); the LibTorch constants ember::kMean, kSum, kNone, kBatchMean convert to it.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "ember/enum.hpp"
#include "ember/nn/arg.hpp"
#include "ember/tensor.hpp"

// The options whose only argument is the reduction can be made from a mode constant,
// as LibTorch's can: nn::MSELossOptions(ember::kSum). A template, so that
// F::mse_loss(x, y, ember::kSum) still means the string overload.
#define EMBER_REDUCTION_CTOR(Name)                               \
  Name() = default;                                              \
  template <class Mode, class = decltype(Mode::text())>          \
  Name(Mode) : reduction_(Mode::text()) {}

namespace ember {
namespace nn {

struct L1LossOptions {
  EMBER_REDUCTION_CTOR(L1LossOptions)
  EMBER_ARG(std::string, reduction) = "mean";
};

struct MSELossOptions {
  EMBER_REDUCTION_CTOR(MSELossOptions)
  EMBER_ARG(std::string, reduction) = "mean";
};

struct SmoothL1LossOptions {
  EMBER_REDUCTION_CTOR(SmoothL1LossOptions)
  EMBER_ARG(std::string, reduction) = "mean";
  EMBER_ARG(double, beta) = 1.0;
};

struct HuberLossOptions {
  EMBER_REDUCTION_CTOR(HuberLossOptions)
  EMBER_ARG(std::string, reduction) = "mean";
  EMBER_ARG(double, delta) = 1.0;
};

// reduction also takes "batchmean" (the sum divided by the batch size).
struct KLDivLossOptions {
  EMBER_REDUCTION_CTOR(KLDivLossOptions)
  EMBER_ARG(std::string, reduction) = "mean";
  EMBER_ARG(bool, log_target) = false;
};

struct CrossEntropyLossOptions {
  EMBER_ARG(Tensor, weight);
  EMBER_ARG(int64_t, ignore_index) = -100;
  EMBER_ARG(std::string, reduction) = "mean";
  EMBER_ARG(double, label_smoothing) = 0.0;
};

struct NLLLossOptions {
  EMBER_ARG(Tensor, weight);
  EMBER_ARG(int64_t, ignore_index) = -100;
  EMBER_ARG(std::string, reduction) = "mean";
};

struct BCELossOptions {
  EMBER_ARG(Tensor, weight);
  EMBER_ARG(std::string, reduction) = "mean";
};

struct BCEWithLogitsLossOptions {
  EMBER_ARG(Tensor, weight);
  EMBER_ARG(std::string, reduction) = "mean";
  EMBER_ARG(Tensor, pos_weight);
};

struct MarginRankingLossOptions {
  EMBER_ARG(double, margin) = 0.0;
  EMBER_ARG(std::string, reduction) = "mean";
};

struct HingeEmbeddingLossOptions {
  EMBER_ARG(double, margin) = 1.0;
  EMBER_ARG(std::string, reduction) = "mean";
};

struct SoftMarginLossOptions {
  EMBER_REDUCTION_CTOR(SoftMarginLossOptions)
  EMBER_ARG(std::string, reduction) = "mean";
};

struct CosineEmbeddingLossOptions {
  EMBER_ARG(double, margin) = 0.0;
  EMBER_ARG(std::string, reduction) = "mean";
};

// p is 1 or 2; weight [C] rescales the loss of each sample by its target's class.
struct MultiMarginLossOptions {
  EMBER_ARG(int64_t, p) = 1;
  EMBER_ARG(double, margin) = 1.0;
  EMBER_ARG(Tensor, weight);
  EMBER_ARG(std::string, reduction) = "mean";
};

struct MultiLabelMarginLossOptions {
  EMBER_REDUCTION_CTOR(MultiLabelMarginLossOptions)
  EMBER_ARG(std::string, reduction) = "mean";
};

struct MultiLabelSoftMarginLossOptions {
  EMBER_ARG(Tensor, weight);
  EMBER_ARG(std::string, reduction) = "mean";
};

struct TripletMarginLossOptions {
  EMBER_ARG(double, margin) = 1.0;
  EMBER_ARG(double, p) = 2.0;
  EMBER_ARG(double, eps) = 1e-6;
  EMBER_ARG(bool, swap) = false;
  EMBER_ARG(std::string, reduction) = "mean";
};

// distance_function(a, b) gives one distance per sample; unset, pairwise_distance.
struct TripletMarginWithDistanceLossOptions {
  using distance_function_t = std::function<Tensor(const Tensor&, const Tensor&)>;
  EMBER_ARG(std::optional<distance_function_t>, distance_function) = std::nullopt;
  EMBER_ARG(double, margin) = 1.0;
  EMBER_ARG(bool, swap) = false;
  EMBER_ARG(std::string, reduction) = "mean";
};

struct PoissonNLLLossOptions {
  EMBER_ARG(bool, log_input) = true;
  EMBER_ARG(bool, full) = false;
  EMBER_ARG(double, eps) = 1e-8;
  EMBER_ARG(std::string, reduction) = "mean";
};

// blank: the class index of the blank label.
struct CTCLossOptions {
  EMBER_ARG(int64_t, blank) = 0;
  EMBER_ARG(std::string, reduction) = "mean";
  EMBER_ARG(bool, zero_infinity) = false;
};

// ---- distances ----
struct CosineSimilarityOptions {
  EMBER_ARG(int64_t, dim) = 1;
  EMBER_ARG(double, eps) = 1e-8;
};

struct PairwiseDistanceOptions {
  PairwiseDistanceOptions() = default;
  // The norm's order alone: PairwiseDistanceOptions(1) (LibTorch's early constructor).
  explicit PairwiseDistanceOptions(double p) : p_(p) {}
  EMBER_ARG(double, p) = 2.0;
  EMBER_ARG(double, eps) = 1e-6;
  EMBER_ARG(bool, keepdim) = false;
};

namespace functional {
// LibTorch's names for the options of the functional forms.
using L1LossFuncOptions = L1LossOptions;
using MSELossFuncOptions = MSELossOptions;
using SmoothL1LossFuncOptions = SmoothL1LossOptions;
using HuberLossFuncOptions = HuberLossOptions;
using KLDivFuncOptions = KLDivLossOptions;
using CrossEntropyFuncOptions = CrossEntropyLossOptions;
using NLLLossFuncOptions = NLLLossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using MarginRankingLossFuncOptions = MarginRankingLossOptions;
using HingeEmbeddingLossFuncOptions = HingeEmbeddingLossOptions;
using SoftMarginLossFuncOptions = SoftMarginLossOptions;
using CosineEmbeddingLossFuncOptions = CosineEmbeddingLossOptions;
using MultiMarginLossFuncOptions = MultiMarginLossOptions;
using MultilabelMarginLossFuncOptions = MultiLabelMarginLossOptions;
using MultilabelSoftMarginLossFuncOptions = MultiLabelSoftMarginLossOptions;
using TripletMarginLossFuncOptions = TripletMarginLossOptions;
using TripletMarginWithDistanceLossFuncOptions = TripletMarginWithDistanceLossOptions;
using PoissonNLLLossFuncOptions = PoissonNLLLossOptions;
using CTCLossFuncOptions = CTCLossOptions;
using CosineSimilarityFuncOptions = CosineSimilarityOptions;
using PairwiseDistanceFuncOptions = PairwiseDistanceOptions;
}  // namespace functional

}  // namespace nn
}  // namespace ember

#undef EMBER_REDUCTION_CTOR
