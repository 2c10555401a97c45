// LayerNorm, BatchNorm1d/2d and GroupNorm: parameters, running-statistics buffers and
// the mode logic of PyTorch's modules; the computation is the functional op's.
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/nn/functional.hpp"
#include "ember/nn/init.hpp"
#include "ember/nn/modules.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {

namespace F = functional;

// ---------------------------------------------------------------- LayerNorm

LayerNormImpl::LayerNormImpl(const LayerNormOptions& o) : Module("LayerNorm"), options(o) {
  const std::vector<int64_t>& shape = options.normalized_shape().values();
  if (shape.empty()) throw Error("LayerNorm: normalized_shape must have at least one dim");
  for (int64_t s : shape)
    if (s <= 0) throw Error("LayerNorm: normalized_shape must be positive, got " + repr::py_tuple(shape));
  if (options.elementwise_affine()) {
    weight = register_parameter("weight", ember::empty(shape));
    bias = register_parameter("bias", ember::empty(shape));
  } else {
    weight = register_parameter("weight", Tensor());
    bias = register_parameter("bias", Tensor());
  }
  reset_parameters();
}

void LayerNormImpl::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor LayerNormImpl::forward(const Tensor& input) {
  const std::vector<int64_t>& shape = options.normalized_shape().values();
  const int64_t k = static_cast<int64_t>(shape.size());
  bool ok = input.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = input.size(input.dim() - k + i) == shape[static_cast<std::size_t>(i)];
  if (!ok) {
    std::string want = "[*";
    for (int64_t s : shape) want += ", " + std::to_string(s);
    throw Error("LayerNorm: expected input with shape " + want + "], got " + repr::shape_str(input.sizes()));
  }
  return F::layer_norm(input, shape, weight, bias, options.eps());
}

std::string LayerNormImpl::extra_repr() const {
  return repr::py_tuple(options.normalized_shape().values()) + ", eps=" + repr::py_float(options.eps()) +
         ", elementwise_affine=" + repr::py_bool(options.elementwise_affine());
}

// ---------------------------------------------------------------- BatchNorm

namespace detail {

BatchNormBase::BatchNormBase(const char* name, const BatchNormOptions& o) : Module(name), options(o) {
  const int64_t c = options.num_features();
  if (c <= 0) throw Error(std::string(name) + ": num_features must be positive, got " + std::to_string(c));
  weight = register_parameter("weight", options.affine() ? ember::empty({c}) : Tensor());
  bias = register_parameter("bias", options.affine() ? ember::empty({c}) : Tensor());
  if (options.track_running_stats()) {
    running_mean = register_buffer("running_mean", zeros({c}));
    running_var = register_buffer("running_var", ones({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  } else {
    running_mean = register_buffer("running_mean", Tensor());
    running_var = register_buffer("running_var", Tensor());
    num_batches_tracked = register_buffer("num_batches_tracked", Tensor());
  }
  reset_parameters();
}

void BatchNormBase::reset_running_stats() {
  if (!options.track_running_stats()) return;
  NoGradGuard guard;
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

void BatchNormBase::reset_parameters() {
  reset_running_stats();
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor BatchNormBase::forward(const Tensor& input) {
  check_input_dim(input);
  if (input.size(1) != options.num_features())
    throw Error(type_name() + ": expected input with " + std::to_string(options.num_features()) +
                " channels (dim 1), got " + repr::shape_str(input.sizes()));
  // PyTorch's _BatchNorm.forward: count the batch, and with momentum None use the
  // cumulative average factor 1 / num_batches_tracked.
  double factor = options.momentum().value_or(0.0);
  if (is_training() && options.track_running_stats()) {
    {
      NoGradGuard guard;
      num_batches_tracked.add_(1);
    }
    if (!options.momentum()) factor = 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>());
  }
  // Batch statistics in training, and also in eval when there are no running ones.
  const bool use_batch_stats = is_training() || !running_mean.defined();
  const bool pass_running = !is_training() || options.track_running_stats();
  return F::batch_norm(input, pass_running ? running_mean : Tensor(), pass_running ? running_var : Tensor(), weight,
                       bias, use_batch_stats, factor, options.eps());
}

std::string BatchNormBase::extra_repr() const {
  return std::to_string(options.num_features()) + ", eps=" + repr::py_float(options.eps()) +
         ", momentum=" + (options.momentum() ? repr::py_float(*options.momentum()) : std::string("None")) +
         ", affine=" + repr::py_bool(options.affine()) +
         ", track_running_stats=" + repr::py_bool(options.track_running_stats());
}

}  // namespace detail

void BatchNorm1dImpl::check_input_dim(const Tensor& input) const {
  if (input.dim() != 2 && input.dim() != 3)
    throw Error("BatchNorm1d: expected 2D or 3D input (got " + std::to_string(input.dim()) + "D input)");
}

void BatchNorm2dImpl::check_input_dim(const Tensor& input) const {
  if (input.dim() != 4)
    throw Error("BatchNorm2d: expected 4D input (got " + std::to_string(input.dim()) + "D input)");
}

Tensor BatchNormImpl::forward(const Tensor& input) {
  if (!options.stateful())
    throw Error("Calling BatchNorm::forward is only permitted when the 'stateful' option is true (was false). "
                "Use BatchNorm::pure_forward instead.");
  return BatchNormBase::forward(input);
}

Tensor BatchNormImpl::pure_forward(const Tensor& input, const Tensor& mean, const Tensor& variance) {
  check_input_dim(input);
  return F::batch_norm(input, mean, variance, weight, bias, is_training(), options.momentum().value_or(0.1),
                       options.eps());
}

void BatchNormImpl::check_input_dim(const Tensor& input) const {
  if (input.dim() < 2)
    throw Error("BatchNorm: expected input of 2 or more dims [N, C, ...] (got " + std::to_string(input.dim()) +
                "D input)");
}

// ---------------------------------------------------------------- GroupNorm

GroupNormImpl::GroupNormImpl(const GroupNormOptions& o) : Module("GroupNorm"), options(o) {
  const int64_t g = options.num_groups(), c = options.num_channels();
  if (g <= 0 || c <= 0)
    throw Error("GroupNorm: num_groups and num_channels must be positive, got " + std::to_string(g) + " and " +
                std::to_string(c));
  if (c % g != 0)
    throw Error("GroupNorm: num_channels must be divisible by num_groups, got num_channels=" + std::to_string(c) +
                ", num_groups=" + std::to_string(g));
  weight = register_parameter("weight", options.affine() ? ember::empty({c}) : Tensor());
  bias = register_parameter("bias", options.affine() ? ember::empty({c}) : Tensor());
  reset_parameters();
}

void GroupNormImpl::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor GroupNormImpl::forward(const Tensor& input) {
  if (input.dim() < 2 || input.size(1) != options.num_channels())
    throw Error("GroupNorm: expected input [N, " + std::to_string(options.num_channels()) + ", *], got " +
                repr::shape_str(input.sizes()));
  return F::group_norm(input, options.num_groups(), weight, bias, options.eps());
}

std::string GroupNormImpl::extra_repr() const {
  return std::to_string(options.num_groups()) + ", " + std::to_string(options.num_channels()) +
         ", eps=" + repr::py_float(options.eps()) + ", affine=" + repr::py_bool(options.affine());
}

}  // namespace nn
}  // namespace ember
