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

EMBER_ENUM_TAG(kLinear, "linear")
EMBER_ENUM_TAG(kConv1D, "conv1d")
EMBER_ENUM_TAG(kConv2D, "conv2d")
EMBER_ENUM_TAG(kConv3D, "conv3d")
EMBER_ENUM_TAG(kConvTranspose1D, "conv_transpose1d")
EMBER_ENUM_TAG(kConvTranspose2D, "conv_transpose2d")
EMBER_ENUM_TAG(kConvTranspose3D, "conv_transpose3d")
EMBER_ENUM_TAG(kSigmoid, "sigmoid")
EMBER_ENUM_TAG(kTanh, "tanh")
EMBER_ENUM_TAG(kReLU, "relu")
EMBER_ENUM_TAG(kGELU, "gelu")
EMBER_ENUM_TAG(kMish, "mish")
EMBER_ENUM_TAG(kSiLU, "silu")
EMBER_ENUM_TAG(kLeakyReLU, "leaky_relu")
EMBER_ENUM_TAG(kFanIn, "fan_in")
EMBER_ENUM_TAG(kFanOut, "fan_out")
EMBER_ENUM_TAG(kConstant, "constant")
EMBER_ENUM_TAG(kReflect, "reflect")
EMBER_ENUM_TAG(kReplicate, "replicate")
EMBER_ENUM_TAG(kCircular, "circular")
EMBER_ENUM_TAG(kNearest, "nearest")
EMBER_ENUM_TAG(kNearestExact, "nearest-exact")
EMBER_ENUM_TAG(kBilinear, "bilinear")
EMBER_ENUM_TAG(kBicubic, "bicubic")
EMBER_ENUM_TAG(kTrilinear, "trilinear")
EMBER_ENUM_TAG(kArea, "area")
EMBER_ENUM_TAG(kSum, "sum")
EMBER_ENUM_TAG(kMean, "mean")
EMBER_ENUM_TAG(kMax, "max")
EMBER_ENUM_TAG(kNone, "none")
EMBER_ENUM_TAG(kBatchMean, "batchmean")
EMBER_ENUM_TAG(kZeros, "zeros")
EMBER_ENUM_TAG(kBorder, "border")
EMBER_ENUM_TAG(kReflection, "reflection")
EMBER_ENUM_TAG(kRNN_TANH, "RNN_TANH")
EMBER_ENUM_TAG(kRNN_RELU, "RNN_RELU")
EMBER_ENUM_TAG(kLSTM, "LSTM")
EMBER_ENUM_TAG(kGRU, "GRU")
EMBER_ENUM_TAG(kValid, "valid")
EMBER_ENUM_TAG(kSame, "same")
#undef EMBER_ENUM_TAG

// LibTorch's torch::enumtype::get_enum_name.
template <class Tag>
std::string get_enum_name(Tag) {
  return Tag::name();
}

}  // namespace enumtype

// The constants themselves, in ember:: as LibTorch has them in torch::.
constexpr enumtype::kLinear kLinear{};
constexpr enumtype::kConv1D kConv1D{};
constexpr enumtype::kConv2D kConv2D{};
constexpr enumtype::kConv3D kConv3D{};
constexpr enumtype::kConvTranspose1D kConvTranspose1D{};
constexpr enumtype::kConvTranspose2D kConvTranspose2D{};
constexpr enumtype::kConvTranspose3D kConvTranspose3D{};
constexpr enumtype::kSigmoid kSigmoid{};
constexpr enumtype::kTanh kTanh{};
constexpr enumtype::kReLU kReLU{};
constexpr enumtype::kGELU kGELU{};
constexpr enumtype::kMish kMish{};
constexpr enumtype::kSiLU kSiLU{};
constexpr enumtype::kLeakyReLU kLeakyReLU{};
constexpr enumtype::kFanIn kFanIn{};
constexpr enumtype::kFanOut kFanOut{};
constexpr enumtype::kConstant kConstant{};
constexpr enumtype::kReflect kReflect{};
constexpr enumtype::kReplicate kReplicate{};
constexpr enumtype::kCircular kCircular{};
constexpr enumtype::kNearest kNearest{};
constexpr enumtype::kNearestExact kNearestExact{};
constexpr enumtype::kBilinear kBilinear{};
constexpr enumtype::kBicubic kBicubic{};
constexpr enumtype::kTrilinear kTrilinear{};
constexpr enumtype::kArea kArea{};
constexpr enumtype::kSum kSum{};
constexpr enumtype::kMean kMean{};
constexpr enumtype::kMax kMax{};
constexpr enumtype::kNone kNone{};
constexpr enumtype::kBatchMean kBatchMean{};
constexpr enumtype::kZeros kZeros{};
constexpr enumtype::kBorder kBorder{};
constexpr enumtype::kReflection kReflection{};
constexpr enumtype::kRNN_TANH kRNN_TANH{};
constexpr enumtype::kRNN_RELU kRNN_RELU{};
constexpr enumtype::kLSTM kLSTM{};
constexpr enumtype::kGRU kGRU{};
constexpr enumtype::kValid kValid{};
constexpr enumtype::kSame kSame{};

}  // namespace ember
