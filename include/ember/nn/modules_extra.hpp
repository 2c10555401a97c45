// More torch.nn layers: 1-d and adaptive max pooling, instance and local response
// normalization, pixel (un)shuffle, Unflatten, the feature and alpha dropouts, Bilinear
// and nn::Functional. LibTorch's option structs and defaults; printing gives PyTorch's
// repr. Each forward is the functional of the same name (ember/nn/functional_extra.hpp).
//
//   nn::MaxPool1d pool(nn::MaxPool1dOptions(3).stride(2));
//   nn::InstanceNorm2d norm(nn::InstanceNorm2dOptions(16).affine(true));
//   nn::Functional act(ember::relu);
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "ember/nn/modules.hpp"
#include "ember/nn/options/normalization.hpp"
#include "ember/nn/options/pooling.hpp"
#include "ember/nn/options/vision.hpp"

namespace ember {
namespace nn {

// ---------------------------------------------------------------- pooling
// input [N, C, L] or [C, L].
class MaxPool1dImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit MaxPool1dImpl(const MaxPool1dOptions& options);
  MaxPool1dImpl(IntOrTuple kernel_size) : MaxPool1dImpl(MaxPool1dOptions(std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  // The output and, per output, the index of its maximum along L.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string extra_repr() const override;
  MaxPool1dOptions options;
};
EMBER_MODULE(MaxPool1d);

class AvgPool1dImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit AvgPool1dImpl(const AvgPool1dOptions& options);
  AvgPool1dImpl(IntOrTuple kernel_size) : AvgPool1dImpl(AvgPool1dOptions(std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  AvgPool1dOptions options;
};
EMBER_MODULE(AvgPool1d);

#define EMBER_ADAPTIVE_POOL_MODULE(Name)                                                 \
  class Name##Impl : public Module {                                                     \
   public:                                                                               \
    explicit Name##Impl(const Name##Options& options);                                   \
    Name##Impl(IntOrTuple output_size) : Name##Impl(Name##Options(std::move(output_size))) {} \
    Tensor forward(const Tensor& input) override;                                        \
    std::string extra_repr() const override;                                             \
    Name##Options options;                                                               \
    EMBER_ADAPTIVE_POOL_INDICES_##Name                                                   \
  };                                                                                     \
  EMBER_MODULE(Name)
// The max pools also return the maxima's positions (LibTorch's forward_with_indices).
#define EMBER_ADAPTIVE_POOL_INDICES_AdaptiveAvgPool1d
#define EMBER_ADAPTIVE_POOL_INDICES_AdaptiveMaxPool1d std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
#define EMBER_ADAPTIVE_POOL_INDICES_AdaptiveMaxPool2d std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
EMBER_ADAPTIVE_POOL_MODULE(AdaptiveAvgPool1d);  // input [N, C, L] or [C, L]
EMBER_ADAPTIVE_POOL_MODULE(AdaptiveMaxPool1d);  // input [N, C, L] or [C, L]
EMBER_ADAPTIVE_POOL_MODULE(AdaptiveMaxPool2d);  // input [N, C, H, W] or [C, H, W]
#undef EMBER_ADAPTIVE_POOL_MODULE
#undef EMBER_ADAPTIVE_POOL_INDICES_AdaptiveAvgPool1d
#undef EMBER_ADAPTIVE_POOL_INDICES_AdaptiveMaxPool1d
#undef EMBER_ADAPTIVE_POOL_INDICES_AdaptiveMaxPool2d

// ---------------------------------------------------------------- normalization
namespace detail {
// Instance normalization over the spatial dims of each (sample, channel). weight (ones)
// and bias (zeros) [C] when affine; running_mean, running_var and num_batches_tracked
// when track_running_stats, used in eval mode and updated in training mode.
class InstanceNormBase : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  void reset_running_stats();
  void reset_parameters();
  std::string extra_repr() const override;
  InstanceNormOptions options;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 protected:
  InstanceNormBase(const char* name, int64_t spatial_dims, const InstanceNormOptions& options);
  int64_t spatial_dims_;
};
}  // namespace detail

#define EMBER_INSTANCE_NORM_MODULE(Name, DIMS)                                                  \
  class Name##Impl : public detail::InstanceNormBase {                                          \
   public:                                                                                      \
    explicit Name##Impl(const Name##Options& options) : InstanceNormBase(#Name, DIMS, options) {} \
  };                                                                                            \
  EMBER_MODULE(Name)
EMBER_INSTANCE_NORM_MODULE(InstanceNorm1d, 1);  // input [N, C, L] or [C, L]
EMBER_INSTANCE_NORM_MODULE(InstanceNorm2d, 2);  // input [N, C, H, W] or [C, H, W]
EMBER_INSTANCE_NORM_MODULE(InstanceNorm3d, 3);  // input [N, C, D, H, W] or [C, D, H, W]
#undef EMBER_INSTANCE_NORM_MODULE

class LocalResponseNormImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit LocalResponseNormImpl(const LocalResponseNormOptions& options);
  LocalResponseNormImpl(int64_t size) : LocalResponseNormImpl(LocalResponseNormOptions(size)) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  LocalResponseNormOptions options;
};
EMBER_MODULE(LocalResponseNorm);

// ---------------------------------------------------------------- shape
class PixelShuffleImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit PixelShuffleImpl(const PixelShuffleOptions& options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  PixelShuffleOptions options;
};
EMBER_MODULE(PixelShuffle);

class PixelUnshuffleImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit PixelUnshuffleImpl(const PixelUnshuffleOptions& options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  PixelUnshuffleOptions options;
};
EMBER_MODULE(PixelUnshuffle);

struct UnflattenOptions {
  UnflattenOptions(int64_t dim, std::vector<int64_t> sizes) : dim_(dim), sizes_(std::move(sizes)) {}
  EMBER_ARG(int64_t, dim);
  // The sizes dim becomes; one of them may be -1 (inferred).
  EMBER_ARG(std::vector<int64_t>, sizes);
};
class UnflattenImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit UnflattenImpl(const UnflattenOptions& options);
  UnflattenImpl(int64_t dim, std::vector<int64_t> sizes) : UnflattenImpl(UnflattenOptions(dim, std::move(sizes))) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  UnflattenOptions options;
};
EMBER_MODULE(Unflatten);

// ---------------------------------------------------------------- dropout
using Dropout2dOptions = DropoutOptions;
using Dropout3dOptions = DropoutOptions;
using AlphaDropoutOptions = DropoutOptions;
using FeatureAlphaDropoutOptions = DropoutOptions;

// Dropout2d, Dropout3d: whole channels; AlphaDropout, FeatureAlphaDropout: SELU-preserving.
// Active in training mode, the identity in eval mode.
#define EMBER_DROPOUT_MODULE(Name)                                    \
  class Name##Impl : public Module {                                  \
   public:                                                            \
    explicit Name##Impl(const Name##Options& options = {});           \
    Tensor forward(const Tensor& input) override;                     \
    std::string extra_repr() const override;                          \
    Name##Options options;                                            \
  };                                                                  \
  EMBER_MODULE(Name)
EMBER_DROPOUT_MODULE(Dropout2d);
EMBER_DROPOUT_MODULE(Dropout3d);
EMBER_DROPOUT_MODULE(AlphaDropout);
EMBER_DROPOUT_MODULE(FeatureAlphaDropout);
#undef EMBER_DROPOUT_MODULE

// ---------------------------------------------------------------- bilinear
struct BilinearOptions {
  BilinearOptions(int64_t in1_features, int64_t in2_features, int64_t out_features)
      : in1_features_(in1_features), in2_features_(in2_features), out_features_(out_features) {}
  EMBER_ARG(int64_t, in1_features);
  EMBER_ARG(int64_t, in2_features);
  EMBER_ARG(int64_t, out_features);
  EMBER_ARG(bool, bias) = true;
};

// y = x1^T W x2 + b: weight [out, in1, in2] and bias [out] ~ U(-1/sqrt(in1), 1/sqrt(in1)).
class BilinearImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit BilinearImpl(const BilinearOptions& options);
  BilinearImpl(int64_t in1_features, int64_t in2_features, int64_t out_features)
      : BilinearImpl(BilinearOptions(in1_features, in2_features, out_features)) {}
  using Module::forward;
  Tensor forward(const Tensor& input1, const Tensor& input2);
  void reset_parameters();
  std::string extra_repr() const override;
  BilinearOptions options;
  Tensor weight, bias;
};
EMBER_MODULE(Bilinear);

// ---------------------------------------------------------------- Functional
// A function as a module, for Sequential: nn::Functional(ember::relu), or with the
// arguments after the input bound: nn::Functional(ember::leaky_relu, 0.2). Printed as
// LibTorch prints it, "torch::nn::Functional()".
class FunctionalImpl : public Module {
 public:
  using Function = std::function<Tensor(Tensor)>;
  explicit FunctionalImpl(Function function);
  template <class SomeFunction, class First, class... Rest>
  FunctionalImpl(SomeFunction original, First&& first, Rest&&... rest)
      : FunctionalImpl(Function(std::bind(original, std::placeholders::_1, std::forward<First>(first),
                                          std::forward<Rest>(rest)...))) {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  // Another FunctionalImpl calling the same function.
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;

 private:
  Function function_;
};
EMBER_MODULE(Functional);

}  // namespace nn
}  // namespace ember
