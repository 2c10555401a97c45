// torch.nn.init: fill a tensor in place (without recording autograd) from ember's
// generator, so `ember::manual_seed` makes every initialisation reproducible.
// Each function returns its argument, as PyTorch's do.
//
//   nn::init::kaiming_normal_(conv->weight, 0, "fan_out", "relu");
//   nn::init::zeros_(conv->bias);
#pragma once
#include <optional>
#include <string>
#include <utility>

#include "ember/tensor.hpp"

namespace ember {
namespace nn {
namespace init {

// The recommended gain for a nonlinearity: "linear", "conv1d", "conv2d", "conv3d",
// "conv_transpose1d/2d/3d", "sigmoid" -> 1; "tanh" -> 5/3; "relu" -> sqrt(2);
// "leaky_relu" -> sqrt(2 / (1 + slope^2)) with slope = param (default 0.01); "selu" -> 3/4.
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = std::nullopt);
// (fan_in, fan_out) of a weight of 2 or more dims: size(1) and size(0), times the
// product of the remaining (receptive field) dims.
std::pair<int64_t, int64_t> _calculate_fan_in_and_fan_out(const Tensor& tensor);

Tensor uniform_(Tensor tensor, double a = 0, double b = 1);
Tensor normal_(Tensor tensor, double mean = 0, double std = 1);
Tensor constant_(Tensor tensor, double value);
Tensor ones_(Tensor tensor);
Tensor zeros_(Tensor tensor);
// The identity matrix (2-dim tensors).
Tensor eye_(Tensor tensor);

// U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor tensor, double gain = 1);
// N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor tensor, double gain = 1);
// U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a);
// mode "fan_in" (default) or "fan_out".
Tensor kaiming_uniform_(Tensor tensor, double a = 0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu");
// N(0, std^2) with std = gain / sqrt(fan).
Tensor kaiming_normal_(Tensor tensor, double a = 0, const std::string& mode = "fan_in",
                       const std::string& nonlinearity = "leaky_relu");
// A (semi-)orthogonal matrix times gain: the tensor viewed as [size(0), numel / size(0)]
// gets orthonormal rows (or columns, when it is tall), from the QR decomposition of a
// normal matrix with R's diagonal made positive, as PyTorch's.
Tensor orthogonal_(Tensor tensor, double gain = 1);

// LibTorch 1.4's enums for the same choices, deprecated there in favour of the constants
// (ember::kTanh, ember::kFanIn, ...). They still work and warn, naming the constant to use.
enum class Nonlinearity {
  Linear,
  Conv1D,
  Conv2D,
  Conv3D,
  ConvTranspose1D,
  ConvTranspose2D,
  ConvTranspose3D,
  Sigmoid,
  Tanh,
  ReLU,
  LeakyReLU
};
enum class FanMode { FanIn, FanOut };
double calculate_gain(Nonlinearity nonlinearity, std::optional<double> param = std::nullopt);
Tensor kaiming_uniform_(Tensor tensor, double a, FanMode mode, const std::string& nonlinearity = "leaky_relu");
Tensor kaiming_normal_(Tensor tensor, double a, FanMode mode, const std::string& nonlinearity = "leaky_relu");

}  // namespace init
}  // namespace nn
}  // namespace ember
