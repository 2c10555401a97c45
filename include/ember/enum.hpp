// LibTorch's mode constants (torch::kMean, torch::kReLU, torch::kReflect, ...). Each is
// an empty tag that converts to the string PyTorch's Python API uses for the same
// mode ("mean", "relu", "reflect"), so every ember function and option that takes a
// mode as a string takes the constant too:
//   ember::nn::functional::mse_loss(x, y, ember::kSum)  ==  mse_loss(x, y, "sum")
// name() gives LibTorch's spelling ("kSum"), as torch::enumtype::get_enum_name.
#pragma once
#include <ostream>
#include <string>

namespace ember {
namespace enumtype {

// Every constant once: LibTorch's name and PyTorch's string for it.
#define EMBER_ENUM_TAGS(X) \
  X(kLinear, "linear") \
  X(kConv1D, "conv1d") \
  X(kConv2D, "conv2d") \
  X(kConv3D, "conv3d") \
  X(kConvTranspose1D, "conv_transpose1d") \
  X(kConvTranspose2D, "conv_transpose2d") \
  X(kConvTranspose3D, "conv_transpose3d") \
  X(kSigmoid, "sigmoid") \
  X(kTanh, "tanh") \
  X(kReLU, "relu") \
  X(kGELU, "gelu") \
  X(kMish, "mish") \
  X(kSiLU, "silu") \
  X(kLeakyReLU, "leaky_relu") \
  X(kFanIn, "fan_in") \
  X(kFanOut, "fan_out") \
  X(kConstant, "constant") \
  X(kReflect, "reflect") \
  X(kReplicate, "replicate") \
  X(kCircular, "circular") \
  X(kNearest, "nearest") \
  X(kNearestExact, "nearest-exact") \
  X(kBilinear, "bilinear") \
  X(kBicubic, "bicubic") \
  X(kTrilinear, "trilinear") \
  X(kArea, "area") \
  X(kSum, "sum") \
  X(kMean, "mean") \
  X(kMax, "max") \
  X(kNone, "none") \
  X(kBatchMean, "batchmean") \
  X(kZeros, "zeros") \
  X(kBorder, "border") \
  X(kReflection, "reflection") \
  X(kRNN_TANH, "RNN_TANH") \
  X(kRNN_RELU, "RNN_RELU") \
  X(kLSTM, "LSTM") \
  X(kGRU, "GRU") \
  X(kValid, "valid") \
  X(kSame, "same")

#define EMBER_ENUM_TAG(NAME, TEXT)                                                       \
  struct NAME {                                                                          \
    static constexpr const char* text() { return TEXT; }                                 \
    static constexpr const char* name() { return #NAME; }                                \
    operator std::string() const { return TEXT; }                                        \
    friend bool operator==(NAME, NAME) { return true; }                                  \
    friend bool operator==(NAME, const std::string& s) { return s == TEXT; }             \
    friend bool operator==(const std::string& s, NAME) { return s == TEXT; }             \
    friend std::ostream& operator<<(std::ostream& os, NAME) { return os << #NAME; }      \
  };
EMBER_ENUM_TAGS(EMBER_ENUM_TAG)
#undef EMBER_ENUM_TAG

// LibTorch's torch::enumtype::get_enum_name.
template <class Tag>
std::string get_enum_name(Tag) {
  return Tag::name();
}

}  // namespace enumtype

// The constants themselves, in ember:: as LibTorch has them in torch::.
#define EMBER_ENUM_CONSTANT(NAME, TEXT) constexpr enumtype::NAME NAME{};
EMBER_ENUM_TAGS(EMBER_ENUM_CONSTANT)
#undef EMBER_ENUM_CONSTANT

}  // namespace ember
