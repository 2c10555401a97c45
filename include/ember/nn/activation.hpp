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
#define EMBER_PLAIN_ACTIVATION_MODULE(Name)                      \
  class Name##Impl : public Module {                      \
   public:                                                \
    Name##Impl() : Module(#Name) {}                       \
    EMBER_CLONE_FROM_NOTHING                              \
    Tensor forward(const Tensor& input) override;         \
  };                                                      \
  EMBER_MODULE(Name)

EMBER_PLAIN_ACTIVATION_MODULE(LogSigmoid);
EMBER_PLAIN_ACTIVATION_MODULE(Mish);
EMBER_PLAIN_ACTIVATION_MODULE(Softsign);
EMBER_PLAIN_ACTIVATION_MODULE(Tanhshrink);
// softmax over the channels (dim -3) of [N, C, H, W] or [C, H, W].
EMBER_PLAIN_ACTIVATION_MODULE(Softmax2d);
#undef EMBER_PLAIN_ACTIVATION_MODULE

// An activation configured by NameOptions, printed with extra_repr.
#define EMBER_OPTIONS_ACTIVATION_MODULE(Name, DEFAULT_ARG)                         \
  class Name##Impl : public Module {                                        \
   public:                                                                  \
    explicit Name##Impl(const Name##Options& options DEFAULT_ARG);          \
    EMBER_CLONE_FROM_OPTIONS                                                \
    Tensor forward(const Tensor& input) override;                           \
    std::string extra_repr() const override;                                \
    Name##Options options;                                                  \
  };                                                                        \
  EMBER_MODULE(Name)
#define EMBER_DEFAULT_OPTIONS = {}
#define EMBER_NO_DEFAULT

EMBER_OPTIONS_ACTIVATION_MODULE(ELU, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION_MODULE(SELU, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION_MODULE(CELU, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION_MODULE(GLU, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION_MODULE(Hardshrink, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION_MODULE(Softshrink, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION_MODULE(Hardtanh, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION_MODULE(ReLU6, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION_MODULE(Softplus, EMBER_DEFAULT_OPTIONS);
EMBER_OPTIONS_ACTIVATION_MODULE(Softmin, EMBER_NO_DEFAULT);
EMBER_OPTIONS_ACTIVATION_MODULE(LogSoftmax, EMBER_NO_DEFAULT);
// Training mode: each negative element is scaled by a slope drawn from U(lower, upper)
// (ember's generator); eval mode: by (lower + upper) / 2.
EMBER_OPTIONS_ACTIVATION_MODULE(RReLU, EMBER_DEFAULT_OPTIONS);
#undef EMBER_OPTIONS_ACTIVATION_MODULE
#undef EMBER_DEFAULT_OPTIONS
#undef EMBER_NO_DEFAULT

// y = x where x > threshold, else value.
class ThresholdImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
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
  EMBER_CLONE_FROM_OPTIONS
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
