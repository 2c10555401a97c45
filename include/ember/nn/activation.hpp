// The activation modules beyond those of ember/nn/modules.hpp (ReLU, LeakyReLU, GELU,
// SiLU, Tanh, Sigmoid, Softmax), with LibTorch's option structs and defaults. Each
// module's forward is the functional of the same name in ember/nn/functional_extra.hpp;
// printing gives PyTorch's repr.
//
//   nn::ELU elu(nn::ELUOptions().alpha(0.5));
//   nn::Hardtanh ht(nn::HardtanhOptions().min_val(-2).max_val(2));
//   nn::PReLU prelu(nn::PReLUOptions().num_parameters(16));
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "ember/nn/modules.hpp"
#include "ember/nn/options/activation.hpp"

namespace ember {
namespace nn {

// ---------------------------------------------------------------- modules
// An option-less elementwise activation: NameImpl() and forward only.
#define EMBER_PLAIN_ACTIVATION(Name)                      \
  class Name##Impl : public Module {                      \
   public:                                                \
    Name##Impl() : Module(#Name) {}                       \
    Tensor forward(const Tensor& input) override;         \
  };                                                      \
  EMBER_MODULE(Name)

EMBER_PLAIN_ACTIVATION(LogSigmoid);
EMBER_PLAIN_ACTIVATION(Mish);
EMBER_PLAIN_ACTIVATION(Softsign);
EMBER_PLAIN_ACTIVATION(Tanhshrink);
// softmax over the channels (dim -3) of [N, C, H, W] or [C, H, W].
EMBER_PLAIN_ACTIVATION(Softmax2d);
#undef EMBER_PLAIN_ACTIVATION

// An activation configured by NameOptions, printed with extra_repr.
#define EMBER_OPTIONS_ACTIVATION(Name, DEFAULT_ARG)                         \
  class Name##Impl : public Module {                                        \
   public:                                                                  \
    explicit Name##Impl(const Name##Options& options DEFAULT_ARG);          \
    Tensor forward(const Tensor& input) override;                           \
    std::string extra_repr() const override;                                \
    Name##Options options;                                                  \
  };                                                                        \
  EMBER_MODULE(Name)
#define EMBER_DEFAULT_OPTIONS = {}
#define EMBER_NO_DEFAULT

EMBER_OPTIONS_ACTIVATION(ELU, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION(SELU, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION(CELU, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION(GLU, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION(Hardshrink, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION(Softshrink, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION(Hardtanh, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION(ReLU6, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION(Softplus, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION(Softmin, EMBER_NO_DEFAULT);
EMBER_OPTIONS_ACTIVATION(LogSoftmax, EMBER_NO_DEFAULT);
// Training mode: each negative element is scaled by a slope drawn from U(lower, upper)
// (ember's generator); eval mode: by (lower + upper) / 2.
EMBER_OPTIONS_ACTIVATION(RReLU, EMBER_DEFAULT_OPTIONS);
#undef EMBER_OPTIONS_ACTIVATION
#undef EMBER_DEFAULT_OPTIONS
#undef EMBER_NO_DEFAULT

// y = x where x > threshold, else value.
class ThresholdImpl : public Module {
 public:
  explicit ThresholdImpl(const ThresholdOptions& options);
  ThresholdImpl(double threshold, double value) : ThresholdImpl(ThresholdOptions(threshold, value)) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  ThresholdOptions options;
};
EMBER_MODULE(Threshold);

// y = x where x >= 0, else weight * x; weight [num_parameters] starts at `init`, one
// slope per channel (dim 1) or one shared.
class PReLUImpl : public Module {
 public:
  explicit PReLUImpl(const PReLUOptions& options = {});
  Tensor forward(const Tensor& input) override;
  void reset_parameters();
  std::string extra_repr() const override;
  PReLUOptions options;
  Tensor weight;
};
EMBER_MODULE(PReLU);

}  // namespace nn
}  // namespace ember
