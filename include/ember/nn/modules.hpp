// The torch.nn layers: each NameImpl is the module, nn::Name its holder (LibTorch's
// idiom), NameOptions its arguments with PyTorch's defaults. Parameters start as
// PyTorch initialises them, and printing gives PyTorch's repr.
//
//   nn::Linear fc(784, 256);                               // or LinearOptions(784, 256).bias(false)
//   nn::Conv2d conv(nn::Conv2dOptions(3, 16, 3).stride(2).padding(1));
//   nn::BatchNorm2d bn(16);
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/enum.hpp"
#include "ember/nn/int_or_tuple.hpp"
#include "ember/nn/module.hpp"
#include "ember/nn/options/activation.hpp"

namespace ember {
namespace nn {

// IntOrTuple, the size arguments (`3` or `{3, 5}`), is in ember/nn/int_or_tuple.hpp.

// A convolution's padding: sizes as IntOrTuple, or PyTorch's modes "same" (the output has
// the input's size; stride 1 only) and "valid" (no padding): `1`, `{1, 2}`, `ember::kSame`,
// `"same"`.
class ConvPadding {
 public:
  ConvPadding(int64_t v) : sizes_(v) {}
  ConvPadding(std::initializer_list<int64_t> v) : sizes_(v) {}
  ConvPadding(std::vector<int64_t> v) : sizes_(std::move(v)) {}
  ConvPadding(IntOrTuple v) : sizes_(std::move(v)) {}
  ConvPadding(enumtype::kSame) : mode_("same") {}
  ConvPadding(enumtype::kValid) : mode_("valid") {}
  // "same" or "valid"; any other text is an ember::Error naming the text. (A string
  // literal binds to the array form, so `padding(0)` stays a size, not a null pointer.)
  template <std::size_t N>
  ConvPadding(const char (&mode)[N]) : ConvPadding(std::string(mode)) {}
  ConvPadding(const std::string& mode);
  // "" when sizes are given, else "same" or "valid".
  const std::string& mode() const { return mode_; }
  const IntOrTuple& sizes() const { return sizes_; }

 private:
  IntOrTuple sizes_ = 0;
  std::string mode_;
};

// ---------------------------------------------------------------- Linear
struct LinearOptions {
  LinearOptions(int64_t in_features, int64_t out_features) : in_features_(in_features), out_features_(out_features) {}
  EMBER_ARG(int64_t, in_features);
  EMBER_ARG(int64_t, out_features);
  EMBER_ARG(bool, bias) = true;
};

// y = x W^T + b over the last dim. weight [out, in] ~ kaiming_uniform_(a=sqrt(5)),
// bias [out] ~ U(-1/sqrt(in), 1/sqrt(in)).
class LinearImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit LinearImpl(const LinearOptions& options);
  LinearImpl(int64_t in_features, int64_t out_features) : LinearImpl(LinearOptions(in_features, out_features)) {}
  Tensor forward(const Tensor& input) override;
  void reset_parameters();
  std::string extra_repr() const override;

  LinearOptions options;
  Tensor weight, bias;
};
EMBER_MODULE(Linear);

// ---------------------------------------------------------------- convolutions
struct ConvOptions {
  ConvOptions(int64_t in_channels, int64_t out_channels, IntOrTuple kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(std::move(kernel_size)) {}
  EMBER_ARG(int64_t, in_channels);
  EMBER_ARG(int64_t, out_channels);
  EMBER_ARG(IntOrTuple, kernel_size);
  EMBER_ARG(IntOrTuple, stride) = 1;
  EMBER_ARG(ConvPadding, padding) = 0;
  EMBER_ARG(IntOrTuple, dilation) = 1;
  EMBER_ARG(int64_t, groups) = 1;
  EMBER_ARG(bool, bias) = true;
};
using Conv1dOptions = ConvOptions;
using Conv2dOptions = ConvOptions;
using Conv3dOptions = ConvOptions;

struct ConvTransposeOptions {
  ConvTransposeOptions(int64_t in_channels, int64_t out_channels, IntOrTuple kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(std::move(kernel_size)) {}
  EMBER_ARG(int64_t, in_channels);
  EMBER_ARG(int64_t, out_channels);
  EMBER_ARG(IntOrTuple, kernel_size);
  EMBER_ARG(IntOrTuple, stride) = 1;
  EMBER_ARG(IntOrTuple, padding) = 0;
  EMBER_ARG(IntOrTuple, output_padding) = 0;
  EMBER_ARG(int64_t, groups) = 1;
  EMBER_ARG(bool, bias) = true;
  EMBER_ARG(IntOrTuple, dilation) = 1;
};
using ConvTranspose1dOptions = ConvTransposeOptions;
using ConvTranspose2dOptions = ConvTransposeOptions;
using ConvTranspose3dOptions = ConvTransposeOptions;

namespace detail {
// What the convolutions share: the sizes expanded to one per spatial dim, the weight
// ([out, in/groups, k...], or [in, out/groups, k...] when transposed) and bias, PyTorch's
// initialisation and repr.
class ConvBase : public Module {
 public:
  Tensor weight, bias;
  void reset_parameters();
  std::string extra_repr() const override;

  int64_t in_channels, out_channels, groups;
  std::vector<int64_t> kernel_size, stride, padding, dilation, output_padding;

 protected:
  ConvBase(const char* name, std::size_t dims, bool transposed, int64_t in, int64_t out, const IntOrTuple& kernel,
           const IntOrTuple& stride, const ConvPadding& padding, const IntOrTuple& dilation,
           const IntOrTuple& output_padding, int64_t groups, bool bias);
  // "Conv2d: expected input of 3 or 4 dims ..." unless input.dim() is dims+1 or dims+2.
  void check_input(const Tensor& input) const;
  // padding="same" with an odd total padding in some dim: the input padded by one more
  // on the right of that dim (as PyTorch does); otherwise the input itself.
  Tensor pad_for_same(const Tensor& input) const;
  // A transposed convolution's output_padding that gives output_size (the spatial
  // sizes, optionally led by the batch and channel sizes), as PyTorch's _output_padding.
  std::vector<int64_t> output_padding_for(const Tensor& input, IntArrayRef output_size) const;
  bool transposed_;
  std::string padding_mode_;             // "", "same" or "valid"
  std::vector<int64_t> same_extra_pad_;  // F::pad's list for pad_for_same, or empty
};
}  // namespace detail

// input [N, C_in, L] or [C_in, L].
class Conv1dImpl : public detail::ConvBase {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit Conv1dImpl(const Conv1dOptions& options);
  Conv1dImpl(int64_t in_channels, int64_t out_channels, IntOrTuple kernel_size)
      : Conv1dImpl(Conv1dOptions(in_channels, out_channels, std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  Conv1dOptions options;
};
EMBER_MODULE(Conv1d);

// input [N, C_in, H, W] or [C_in, H, W].
class Conv2dImpl : public detail::ConvBase {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit Conv2dImpl(const Conv2dOptions& options);
  Conv2dImpl(int64_t in_channels, int64_t out_channels, IntOrTuple kernel_size)
      : Conv2dImpl(Conv2dOptions(in_channels, out_channels, std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  Conv2dOptions options;
};
EMBER_MODULE(Conv2d);

class ConvTranspose2dImpl : public detail::ConvBase {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit ConvTranspose2dImpl(const ConvTranspose2dOptions& options);
  ConvTranspose2dImpl(int64_t in_channels, int64_t out_channels, IntOrTuple kernel_size)
      : ConvTranspose2dImpl(ConvTranspose2dOptions(in_channels, out_channels, std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  // With the output's size chosen among those the stride allows (output_padding is then
  // derived from it), as LibTorch's forward(input, output_size).
  Tensor forward(const Tensor& input, IntArrayRef output_size);
  ConvTranspose2dOptions options;
};
EMBER_MODULE(ConvTranspose2d);

// ---------------------------------------------------------------- pooling
struct MaxPool2dOptions {
  MaxPool2dOptions(IntOrTuple kernel_size) : kernel_size_(std::move(kernel_size)) {}
  EMBER_ARG(IntOrTuple, kernel_size);
  EMBER_ARG(IntOrTuple, stride);  // not given: kernel_size
  EMBER_ARG(IntOrTuple, padding) = 0;
  EMBER_ARG(IntOrTuple, dilation) = 1;
  EMBER_ARG(bool, ceil_mode) = false;
};

class MaxPool2dImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit MaxPool2dImpl(const MaxPool2dOptions& options);
  MaxPool2dImpl(IntOrTuple kernel_size) : MaxPool2dImpl(MaxPool2dOptions(std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  // The output and, per output, the flat index (h * W + w) of its maximum in its plane.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string extra_repr() const override;
  MaxPool2dOptions options;
};
EMBER_MODULE(MaxPool2d);

struct AvgPool2dOptions {
  AvgPool2dOptions(IntOrTuple kernel_size) : kernel_size_(std::move(kernel_size)) {}
  EMBER_ARG(IntOrTuple, kernel_size);
  EMBER_ARG(IntOrTuple, stride);  // not given: kernel_size
  EMBER_ARG(IntOrTuple, padding) = 0;
  EMBER_ARG(bool, ceil_mode) = false;
  EMBER_ARG(bool, count_include_pad) = true;
  EMBER_ARG(std::optional<int64_t>, divisor_override);  // when given, every window's divisor
};

class AvgPool2dImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit AvgPool2dImpl(const AvgPool2dOptions& options);
  AvgPool2dImpl(IntOrTuple kernel_size) : AvgPool2dImpl(AvgPool2dOptions(std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  AvgPool2dOptions options;
};
EMBER_MODULE(AvgPool2d);

struct AdaptiveAvgPool2dOptions {
  AdaptiveAvgPool2dOptions(IntOrTuple output_size) : output_size_(std::move(output_size)) {}
  EMBER_ARG(IntOrTuple, output_size);
};

class AdaptiveAvgPool2dImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit AdaptiveAvgPool2dImpl(const AdaptiveAvgPool2dOptions& options);
  AdaptiveAvgPool2dImpl(IntOrTuple output_size) : AdaptiveAvgPool2dImpl(AdaptiveAvgPool2dOptions(std::move(output_size))) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  AdaptiveAvgPool2dOptions options;
};
EMBER_MODULE(AdaptiveAvgPool2d);

// ---------------------------------------------------------------- dropout
struct DropoutOptions {
  DropoutOptions(double p = 0.5) : p_(p) {}
  EMBER_ARG(double, p);
  EMBER_ARG(bool, inplace) = false;
};

// Zeroes elements with probability p and scales the rest by 1/(1-p) in training mode;
// the identity in eval mode.
class DropoutImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit DropoutImpl(const DropoutOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  DropoutOptions options;
};
EMBER_MODULE(Dropout);

// ---------------------------------------------------------------- embedding
struct EmbeddingOptions {
  EmbeddingOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  EMBER_ARG(int64_t, num_embeddings);
  EMBER_ARG(int64_t, embedding_dim);
  // A negative index counts from the end; that row starts at zero and gets no gradient.
  EMBER_ARG(std::optional<int64_t>, padding_idx);
  // Rows the input picks whose norm_type-norm exceeds max_norm are renormalised in place
  // (F::embedding). scale_grad_by_freq and sparse must stay false.
  EMBER_ARG(std::optional<double>, max_norm);
  EMBER_ARG(double, norm_type) = 2.;
  EMBER_ARG(bool, scale_grad_by_freq) = false;
  EMBER_ARG(bool, sparse) = false;
};

// LibTorch's Embedding::from_pretrained arguments.
struct EmbeddingFromPretrainedOptions {
  EMBER_ARG(bool, freeze) = true;  // the weight does not require grad
  EMBER_ARG(std::optional<int64_t>, padding_idx);
  EMBER_ARG(std::optional<double>, max_norm);
  EMBER_ARG(double, norm_type) = 2.;
  EMBER_ARG(bool, scale_grad_by_freq) = false;
  EMBER_ARG(bool, sparse) = false;
};

// A lookup table: weight [num_embeddings, embedding_dim] ~ N(0, 1); int64 indices of
// any shape pick rows.
class EmbeddingImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit EmbeddingImpl(const EmbeddingOptions& options);
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim)
      : EmbeddingImpl(EmbeddingOptions(num_embeddings, embedding_dim)) {}
  Tensor forward(const Tensor& input) override;
  void reset_parameters();
  std::string extra_repr() const override;
  // A module over a copy of embeddings [num, dim]; freeze: the weight does not require grad.
  static std::shared_ptr<EmbeddingImpl> from_pretrained(const Tensor& embeddings, bool freeze = true,
                                                        std::optional<int64_t> padding_idx = std::nullopt);

  EmbeddingOptions options;  // padding_idx made non-negative
  Tensor weight;
};

// The holder, with LibTorch's Embedding::from_pretrained: a module over a copy of
// embeddings [num, dim] (the padding row is kept as given, as PyTorch does).
class Embedding : public ModuleHolder<EmbeddingImpl> {
 public:
  using ModuleHolder<EmbeddingImpl>::ModuleHolder;
  Embedding(const ModuleHolder<EmbeddingImpl>& h)
      : ModuleHolder<EmbeddingImpl>(detail::HolderCopyTag{}, h.module_ptr()) {}
  static Embedding from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options = {});
};

// ---------------------------------------------------------------- normalization
struct LayerNormOptions {
  LayerNormOptions(IntOrTuple normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}
  EMBER_ARG(IntOrTuple, normalized_shape);
  EMBER_ARG(double, eps) = 1e-5;
  EMBER_ARG(bool, elementwise_affine) = true;
};

// Normalizes over the trailing normalized_shape dims; weight ones, bias zeros.
class LayerNormImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit LayerNormImpl(const LayerNormOptions& options);
  LayerNormImpl(IntOrTuple normalized_shape) : LayerNormImpl(LayerNormOptions(std::move(normalized_shape))) {}
  Tensor forward(const Tensor& input) override;
  void reset_parameters();
  std::string extra_repr() const override;
  LayerNormOptions options;
  Tensor weight, bias;
};
EMBER_MODULE(LayerNorm);

struct BatchNormOptions {
  BatchNormOptions(int64_t num_features) : num_features_(num_features) {}
  EMBER_ARG(int64_t, num_features);
  EMBER_ARG(double, eps) = 1e-5;
  // None: the running statistics are a cumulative average.
  EMBER_ARG(std::optional<double>, momentum) = 0.1;
  EMBER_ARG(bool, affine) = true;
  EMBER_ARG(bool, track_running_stats) = true;
  // LibTorch's earlier name of track_running_stats (for nn::BatchNorm).
 public:
  BatchNormOptions& stateful(bool on) { return track_running_stats(on); }
  bool stateful() const { return track_running_stats(); }
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;

namespace detail {
// Batch normalization over dim 1. Buffers running_mean (zeros), running_var (ones) and
// num_batches_tracked (int64 0) exist when track_running_stats; training mode normalizes
// with the batch statistics and updates the running ones, eval mode uses the running ones.
class BatchNormBase : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  void reset_running_stats();
  void reset_parameters();
  std::string extra_repr() const override;
  BatchNormOptions options;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 protected:
  BatchNormBase(const char* name, const BatchNormOptions& options);
  virtual void check_input_dim(const Tensor& input) const = 0;
};
}  // namespace detail

// input [N, C] or [N, C, L].
class BatchNorm1dImpl : public detail::BatchNormBase {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit BatchNorm1dImpl(const BatchNorm1dOptions& options) : BatchNormBase("BatchNorm1d", options) {}

 protected:
  void check_input_dim(const Tensor& input) const override;
};
EMBER_MODULE(BatchNorm1d);

// input [N, C, H, W].
class BatchNorm2dImpl : public detail::BatchNormBase {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit BatchNorm2dImpl(const BatchNorm2dOptions& options) : BatchNormBase("BatchNorm2d", options) {}

 protected:
  void check_input_dim(const Tensor& input) const override;
};
EMBER_MODULE(BatchNorm2d);

// LibTorch's earlier nn::BatchNorm, for input [N, C, ...] of any rank >= 2: forward
// normalizes with the running statistics (which options.stateful(), i.e.
// track_running_stats, must keep), pure_forward with the given ones.
class BatchNormImpl : public detail::BatchNormBase {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit BatchNormImpl(const BatchNormOptions& options) : BatchNormBase("BatchNorm", options) {}
  Tensor forward(const Tensor& input) override;
  // Normalizes with mean and variance (shape [C]) in eval mode; in training mode with
  // the batch's statistics, updating mean and variance in place by the momentum.
  Tensor pure_forward(const Tensor& input, const Tensor& mean, const Tensor& variance);

 protected:
  void check_input_dim(const Tensor& input) const override;
};
EMBER_MODULE(BatchNorm);

struct GroupNormOptions {
  GroupNormOptions(int64_t num_groups, int64_t num_channels) : num_groups_(num_groups), num_channels_(num_channels) {}
  EMBER_ARG(int64_t, num_groups);
  EMBER_ARG(int64_t, num_channels);
  EMBER_ARG(double, eps) = 1e-5;
  EMBER_ARG(bool, affine) = true;
};

class GroupNormImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit GroupNormImpl(const GroupNormOptions& options);
  GroupNormImpl(int64_t num_groups, int64_t num_channels)
      : GroupNormImpl(GroupNormOptions(num_groups, num_channels)) {}
  Tensor forward(const Tensor& input) override;
  void reset_parameters();
  std::string extra_repr() const override;
  GroupNormOptions options;
  Tensor weight, bias;
};
EMBER_MODULE(GroupNorm);

// ---------------------------------------------------------------- activations and shape
// ReLUOptions and LeakyReLUOptions are in ember/nn/options/activation.hpp (F::relu takes them too).
class ReLUImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit ReLUImpl(const ReLUOptions& options = {}) : Module("ReLU"), options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  ReLUOptions options;
};
EMBER_MODULE(ReLU);

class LeakyReLUImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit LeakyReLUImpl(const LeakyReLUOptions& options = {}) : Module("LeakyReLU"), options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  LeakyReLUOptions options;
};
EMBER_MODULE(LeakyReLU);

struct GELUOptions {
  // "none" (the exact erf form) or "tanh".
  EMBER_ARG(std::string, approximate) = "none";
};
class GELUImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit GELUImpl(const GELUOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  GELUOptions options;
};
EMBER_MODULE(GELU);

class SiLUImpl : public Module {
 public:
  EMBER_CLONE_FROM_NOTHING
  SiLUImpl() : Module("SiLU") {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(SiLU);

class TanhImpl : public Module {
 public:
  EMBER_CLONE_FROM_NOTHING
  TanhImpl() : Module("Tanh") {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(Tanh);

class SigmoidImpl : public Module {
 public:
  EMBER_CLONE_FROM_NOTHING
  SigmoidImpl() : Module("Sigmoid") {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(Sigmoid);

struct SoftmaxOptions {
  SoftmaxOptions(int64_t dim) : dim_(dim) {}
  EMBER_ARG(int64_t, dim);
};
class SoftmaxImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit SoftmaxImpl(const SoftmaxOptions& options) : Module("Softmax"), options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  SoftmaxOptions options;
};
EMBER_MODULE(Softmax);

struct FlattenOptions {
  EMBER_ARG(int64_t, start_dim) = 1;
  EMBER_ARG(int64_t, end_dim) = -1;
};
class FlattenImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit FlattenImpl(const FlattenOptions& options = {}) : Module("Flatten"), options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  FlattenOptions options;
};
EMBER_MODULE(Flatten);

class IdentityImpl : public Module {
 public:
  EMBER_CLONE_FROM_NOTHING
  IdentityImpl() : Module("Identity") {}
  Tensor forward(const Tensor& input) override { return input; }
};
EMBER_MODULE(Identity);

}  // namespace nn
}  // namespace ember
