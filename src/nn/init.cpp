// torch.nn.init. Everything runs under NoGradGuard with in-place ops, so a parameter
// that requires grad can be re-initialised and stays a leaf.
#include "ember/nn/init.hpp"

#include <cmath>
#include <iterator>
#include <string>
#include <vector>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/error.hpp"
#include "ember/warning.hpp"

namespace ember {
namespace nn {
namespace init {

namespace {
void check_defined(const Tensor& t, const char* fn) {
  if (!t.defined()) throw Error(std::string("nn::init::") + fn + ": the tensor is undefined");
}

int64_t fan_for(const Tensor& t, const std::string& mode, const char* fn) {
  auto fans = _calculate_fan_in_and_fan_out(t);
  if (mode == "fan_in") return fans.first;
  if (mode == "fan_out") return fans.second;
  throw Error(std::string("nn::init::") + fn + ": mode " + mode + " not supported, please use one of fan_in, fan_out");
}
}  // namespace

double calculate_gain(const std::string& nonlinearity, std::optional<double> param) {
  static const char* const linear_fns[] = {"linear",           "conv1d",           "conv2d",          "conv3d",
                                           "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"};
  for (const char* name : linear_fns)
    if (nonlinearity == name) return 1;
  if (nonlinearity == "sigmoid") return 1;
  if (nonlinearity == "tanh") return 5.0 / 3;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1 + slope * slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4;
  throw Error("nn::init::calculate_gain: unsupported nonlinearity " + nonlinearity);
}

std::pair<int64_t, int64_t> _calculate_fan_in_and_fan_out(const Tensor& tensor) {
  check_defined(tensor, "_calculate_fan_in_and_fan_out");
  if (tensor.dim() < 2)
    throw Error("nn::init: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions, got " +
                std::to_string(tensor.dim()) + " dims");
  int64_t receptive = 1;
  for (int64_t d = 2; d < tensor.dim(); ++d) receptive *= tensor.size(d);
  return {tensor.size(1) * receptive, tensor.size(0) * receptive};
}

// Tensor::uniform_/normal_ refuse a leaf that requires grad even under NoGradGuard, so
// the values are drawn into a fresh tensor and copied in.
Tensor uniform_(Tensor tensor, double a, double b) {
  check_defined(tensor, "uniform_");
  if (b < a) throw Error("nn::init::uniform_: a (" + std::to_string(a) + ") must not exceed b (" + std::to_string(b) + ")");
  NoGradGuard guard;
  tensor.copy_(empty_like(tensor).uniform_(a, b));
  return tensor;
}

Tensor normal_(Tensor tensor, double mean, double std) {
  check_defined(tensor, "normal_");
  if (std < 0) throw Error("nn::init::normal_: std must be non-negative, got " + std::to_string(std));
  NoGradGuard guard;
  tensor.copy_(empty_like(tensor).normal_(mean, std));
  return tensor;
}

Tensor constant_(Tensor tensor, double value) {
  check_defined(tensor, "constant_");
  NoGradGuard guard;
  tensor.fill_(value);
  return tensor;
}

Tensor ones_(Tensor tensor) { return constant_(std::move(tensor), 1); }
Tensor zeros_(Tensor tensor) { return constant_(std::move(tensor), 0); }

Tensor eye_(Tensor tensor) {
  check_defined(tensor, "eye_");
  if (tensor.dim() != 2)
    throw Error("nn::init::eye_: only 2-dimensional tensors are supported, got " + std::to_string(tensor.dim()) +
                " dims");
  NoGradGuard guard;
  tensor.copy_(eye(tensor.size(0), tensor.size(1), tensor.dtype()));
  return tensor;
}

Tensor xavier_uniform_(Tensor tensor, double gain) {
  auto fans = _calculate_fan_in_and_fan_out(tensor);
  double std = gain * std::sqrt(2.0 / static_cast<double>(fans.first + fans.second));
  double bound = std::sqrt(3.0) * std;
  return uniform_(std::move(tensor), -bound, bound);
}

Tensor xavier_normal_(Tensor tensor, double gain) {
  auto fans = _calculate_fan_in_and_fan_out(tensor);
  double std = gain * std::sqrt(2.0 / static_cast<double>(fans.first + fans.second));
  return normal_(std::move(tensor), 0, std);
}

Tensor kaiming_uniform_(Tensor tensor, double a, const std::string& mode, const std::string& nonlinearity) {
  check_defined(tensor, "kaiming_uniform_");
  if (tensor.numel() == 0) return tensor;  // PyTorch warns and leaves it
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan_for(tensor, mode, "kaiming_uniform_")));
  double bound = std::sqrt(3.0) * std;
  return uniform_(std::move(tensor), -bound, bound);
}

Tensor kaiming_normal_(Tensor tensor, double a, const std::string& mode, const std::string& nonlinearity) {
  check_defined(tensor, "kaiming_normal_");
  if (tensor.numel() == 0) return tensor;
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan_for(tensor, mode, "kaiming_normal_")));
  return normal_(std::move(tensor), 0, std);
}

Tensor orthogonal_(Tensor tensor, double gain) {
  check_defined(tensor, "orthogonal_");
  if (tensor.dim() < 2)
    throw Error("nn::init::orthogonal_: only tensors with 2 or more dimensions are supported, got " +
                std::to_string(tensor.dim()) + " dims");
  if (tensor.numel() == 0) return tensor;
  const int64_t rows = tensor.size(0), cols = tensor.numel() / rows;
  // Orthonormalise the columns of a tall m x n normal matrix (m >= n): QR with R's
  // diagonal positive, which Gram-Schmidt gives directly. Each column is orthogonalised
  // twice against the previous ones, which keeps it orthogonal to rounding error.
  const bool wide = rows < cols;
  const int64_t m = wide ? cols : rows, n = wide ? rows : cols;
  // The draw is PyTorch's (a normal [rows, cols] tensor of the tensor's dtype), so with
  // the same seed the result equals PyTorch's up to the rounding of the factorisation.
  Tensor drawn = randn({rows, cols}, tensor.dtype()).to(kFloat64);
  std::vector<double> a = (wide ? drawn : drawn.t()).contiguous().tolist<double>();  // column j at a[j*m ...]
  for (int64_t j = 0; j < n; ++j) {
    double* cj = a.data() + j * m;
    for (int pass = 0; pass < 2; ++pass)
      for (int64_t k = 0; k < j; ++k) {
        const double* ck = a.data() + k * m;
        double dot = 0;
        for (int64_t i = 0; i < m; ++i) dot += ck[i] * cj[i];
        for (int64_t i = 0; i < m; ++i) cj[i] -= dot * ck[i];
      }
    double norm = 0;
    for (int64_t i = 0; i < m; ++i) norm += cj[i] * cj[i];
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < m; ++i) cj[i] /= norm;
  }
  // a holds Q^T ([n, m], rows orthonormal). The result is [rows, cols]: Q^T when wide, Q when tall.
  Tensor q = ember::tensor(a, {n, m}, kFloat64);
  if (!wide) q = q.t();
  NoGradGuard guard;
  tensor.view({rows, cols}).copy_(q * gain);
  return tensor;
}

// ---- LibTorch 1.4's enums ----

namespace {
struct LegacyName {
  const char* enum_name;  // "Tanh"
  const char* constant;   // "kTanh"
  const char* mode;       // "tanh"
};
constexpr LegacyName kNonlinearityNames[] = {
    {"Linear", "kLinear", "linear"},
    {"Conv1D", "kConv1D", "conv1d"},
    {"Conv2D", "kConv2D", "conv2d"},
    {"Conv3D", "kConv3D", "conv3d"},
    {"ConvTranspose1D", "kConvTranspose1D", "conv_transpose1d"},
    {"ConvTranspose2D", "kConvTranspose2D", "conv_transpose2d"},
    {"ConvTranspose3D", "kConvTranspose3D", "conv_transpose3d"},
    {"Sigmoid", "kSigmoid", "sigmoid"},
    {"Tanh", "kTanh", "tanh"},
    {"ReLU", "kReLU", "relu"},
    {"LeakyReLU", "kLeakyReLU", "leaky_relu"},
};
constexpr LegacyName kFanModeNames[] = {{"FanIn", "kFanIn", "fan_in"}, {"FanOut", "kFanOut", "fan_out"}};

// The mode string of a deprecated enum value, after a warning that names its replacement.
const char* legacy_mode(const char* op, const char* enum_type, const LegacyName& name) {
  warn(std::string("nn::init::") + op + ": nn::init::" + enum_type + "::" + name.enum_name +
       " is deprecated (as in LibTorch); use ember::" + name.constant + " (torch::" + name.constant +
       " in LibTorch) instead");
  return name.mode;
}
const LegacyName& lookup(const LegacyName* names, std::size_t count, int value, const char* enum_type) {
  if (value < 0 || static_cast<std::size_t>(value) >= count)
    throw Error(std::string("nn::init: invalid nn::init::") + enum_type + " value " + std::to_string(value));
  return names[value];
}
}  // namespace

double calculate_gain(Nonlinearity nonlinearity, std::optional<double> param) {
  const LegacyName& name = lookup(kNonlinearityNames, std::size(kNonlinearityNames), static_cast<int>(nonlinearity),
                                  "Nonlinearity");
  return calculate_gain(legacy_mode("calculate_gain", "Nonlinearity", name), param);
}

Tensor kaiming_uniform_(Tensor tensor, double a, FanMode mode, const std::string& nonlinearity) {
  const LegacyName& name = lookup(kFanModeNames, std::size(kFanModeNames), static_cast<int>(mode), "FanMode");
  return kaiming_uniform_(std::move(tensor), a, legacy_mode("kaiming_uniform_", "FanMode", name), nonlinearity);
}

Tensor kaiming_normal_(Tensor tensor, double a, FanMode mode, const std::string& nonlinearity) {
  const LegacyName& name = lookup(kFanModeNames, std::size(kFanModeNames), static_cast<int>(mode), "FanMode");
  return kaiming_normal_(std::move(tensor), a, legacy_mode("kaiming_normal_", "FanMode", name), nonlinearity);
}

}  // namespace init
}  // namespace nn
}  // namespace ember
