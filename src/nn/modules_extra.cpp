// The layers of ember/nn/modules_extra.hpp: argument checks, parameters and buffers,
// reprs; forward is the functional of the same name.
#include <cmath>
#include <ostream>
#include <string>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/error.hpp"
#include "ember/nn/functional.hpp"
#include "ember/nn/init.hpp"
#include "ember/nn/modules_extra.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {

namespace F = functional;

namespace {
void require(bool ok, const std::string& module, const std::string& what) {
  if (!ok) throw Error(module + ": " + what);
}
std::string dropout_repr(const DropoutOptions& o) {
  return "p=" + repr::py_float(o.p()) + ", inplace=" + repr::py_bool(o.inplace());
}
void check_p(const std::string& module, double p) {
  require(p >= 0 && p <= 1, module, "p must be in [0, 1], got " + repr::py_float(p));
}
}  // namespace

// ---------------------------------------------------------------- pooling
MaxPool1dImpl::MaxPool1dImpl(const MaxPool1dOptions& o) : Module("MaxPool1d"), options(o) {
  options.kernel_size().expand(1, "MaxPool1d", "kernel_size");
  if (options.stride().empty()) options.stride(options.kernel_size());
  options.stride().expand(1, "MaxPool1d", "stride");
  options.padding().expand(1, "MaxPool1d", "padding");
  options.dilation().expand(1, "MaxPool1d", "dilation");
}
Tensor MaxPool1dImpl::forward(const Tensor& input) { return F::max_pool1d(input, options); }
std::string MaxPool1dImpl::extra_repr() const {
  return "kernel_size=" + repr::py_int_or_tuple(options.kernel_size().values()) +
         ", stride=" + repr::py_int_or_tuple(options.stride().values()) +
         ", padding=" + repr::py_int_or_tuple(options.padding().values()) +
         ", dilation=" + repr::py_int_or_tuple(options.dilation().values()) +
         ", ceil_mode=" + repr::py_bool(options.ceil_mode());
}

AvgPool1dImpl::AvgPool1dImpl(const AvgPool1dOptions& o) : Module("AvgPool1d"), options(o) {
  options.kernel_size().expand(1, "AvgPool1d", "kernel_size");
  if (options.stride().empty()) options.stride(options.kernel_size());
  options.stride().expand(1, "AvgPool1d", "stride");
  options.padding().expand(1, "AvgPool1d", "padding");
}
Tensor AvgPool1dImpl::forward(const Tensor& input) { return F::avg_pool1d(input, options); }
std::string AvgPool1dImpl::extra_repr() const {
  // PyTorch keeps AvgPool1d's sizes as 1-tuples.
  return "kernel_size=" + repr::py_tuple(options.kernel_size().values()) +
         ", stride=" + repr::py_tuple(options.stride().values()) +
         ", padding=" + repr::py_tuple(options.padding().values());
}

AdaptiveAvgPool1dImpl::AdaptiveAvgPool1dImpl(const AdaptiveAvgPool1dOptions& o)
    : Module("AdaptiveAvgPool1d"), options(o) {
  options.output_size().expand(1, "AdaptiveAvgPool1d", "output_size");
}
Tensor AdaptiveAvgPool1dImpl::forward(const Tensor& input) { return F::adaptive_avg_pool1d(input, options); }
std::string AdaptiveAvgPool1dImpl::extra_repr() const {
  return "output_size=" + repr::py_int_or_tuple(options.output_size().values());
}

AdaptiveMaxPool1dImpl::AdaptiveMaxPool1dImpl(const AdaptiveMaxPool1dOptions& o)
    : Module("AdaptiveMaxPool1d"), options(o) {
  options.output_size().expand(1, "AdaptiveMaxPool1d", "output_size");
}
Tensor AdaptiveMaxPool1dImpl::forward(const Tensor& input) { return F::adaptive_max_pool1d(input, options); }
std::string AdaptiveMaxPool1dImpl::extra_repr() const {
  return "output_size=" + repr::py_int_or_tuple(options.output_size().values());
}

AdaptiveMaxPool2dImpl::AdaptiveMaxPool2dImpl(const AdaptiveMaxPool2dOptions& o)
    : Module("AdaptiveMaxPool2d"), options(o) {
  options.output_size().expand(2, "AdaptiveMaxPool2d", "output_size");
}
Tensor AdaptiveMaxPool2dImpl::forward(const Tensor& input) { return F::adaptive_max_pool2d(input, options); }
std::string AdaptiveMaxPool2dImpl::extra_repr() const {
  return "output_size=" + repr::py_int_or_tuple(options.output_size().values());
}

// ---------------------------------------------------------------- normalization
namespace detail {
InstanceNormBase::InstanceNormBase(const char* name, int64_t spatial_dims, const InstanceNormOptions& o)
    : Module(name), options(o), spatial_dims_(spatial_dims) {
  const int64_t c = options.num_features();
  require(c > 0, name, "num_features must be positive, got " + std::to_string(c));
  weight = register_parameter("weight", options.affine() ? ember::empty({c}) : Tensor());
  bias = register_parameter("bias", options.affine() ? ember::empty({c}) : Tensor());
  const bool track = options.track_running_stats();
  running_mean = register_buffer("running_mean", track ? zeros({c}) : Tensor());
  running_var = register_buffer("running_var", track ? ones({c}) : Tensor());
  num_batches_tracked = register_buffer("num_batches_tracked", track ? zeros({}, kInt64) : Tensor());
  reset_parameters();
}

void InstanceNormBase::reset_running_stats() {
  if (!options.track_running_stats()) return;
  NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

void InstanceNormBase::reset_parameters() {
  reset_running_stats();
  if (!options.affine()) return;
  init::ones_(weight);
  init::zeros_(bias);
}

Tensor InstanceNormBase::forward(const Tensor& input) {
  const std::string& name = type_name();
  require(input.defined(), name, "the input is undefined");
  const int64_t batched = spatial_dims_ + 2;
  require(input.dim() == batched || input.dim() == batched - 1, name,
          "expected a " + std::to_string(batched - 1) + "-d or " + std::to_string(batched) + "-d input, got " +
              repr::shape_str(input.sizes()));
  const bool unbatched = input.dim() == batched - 1;
  Tensor x = unbatched ? input.unsqueeze(0) : input;
  require(x.size(1) == options.num_features() || (!options.affine() && !options.track_running_stats()), name,
          "expected " + std::to_string(options.num_features()) + " channels, got input " +
              repr::shape_str(input.sizes()));
  const bool use_input_stats = is_training() || !options.track_running_stats();
  // PyTorch's instance norm keeps num_batches_tracked at 0 (its forward never counts).
  Tensor y = F::instance_norm(x, running_mean, running_var, weight, bias, use_input_stats, options.momentum(),
                              options.eps());
  return unbatched ? y.squeeze(0) : y;
}

std::string InstanceNormBase::extra_repr() const {
  return std::to_string(options.num_features()) + ", eps=" + repr::py_float(options.eps()) +
         ", momentum=" + repr::py_float(options.momentum()) + ", affine=" + repr::py_bool(options.affine()) +
         ", track_running_stats=" + repr::py_bool(options.track_running_stats());
}
}  // namespace detail

LocalResponseNormImpl::LocalResponseNormImpl(const LocalResponseNormOptions& o)
    : Module("LocalResponseNorm"), options(o) {
  require(options.size() > 0, "LocalResponseNorm", "size must be positive, got " + std::to_string(options.size()));
}
Tensor LocalResponseNormImpl::forward(const Tensor& input) { return F::local_response_norm(input, options); }
std::string LocalResponseNormImpl::extra_repr() const {
  return std::to_string(options.size()) + ", alpha=" + repr::py_float(options.alpha()) +
         ", beta=" + repr::py_float(options.beta()) + ", k=" + repr::py_float(options.k());
}

// ---------------------------------------------------------------- shape
PixelShuffleImpl::PixelShuffleImpl(const PixelShuffleOptions& o) : Module("PixelShuffle"), options(o) {
  require(options.upscale_factor() > 0, "PixelShuffle",
          "upscale_factor must be positive, got " + std::to_string(options.upscale_factor()));
}
Tensor PixelShuffleImpl::forward(const Tensor& input) { return F::pixel_shuffle(input, options); }
std::string PixelShuffleImpl::extra_repr() const {
  return "upscale_factor=" + std::to_string(options.upscale_factor());
}

PixelUnshuffleImpl::PixelUnshuffleImpl(const PixelUnshuffleOptions& o) : Module("PixelUnshuffle"), options(o) {
  require(options.downscale_factor() > 0, "PixelUnshuffle",
          "downscale_factor must be positive, got " + std::to_string(options.downscale_factor()));
}
Tensor PixelUnshuffleImpl::forward(const Tensor& input) { return F::pixel_unshuffle(input, options); }
std::string PixelUnshuffleImpl::extra_repr() const {
  return "downscale_factor=" + std::to_string(options.downscale_factor());
}

UnflattenImpl::UnflattenImpl(const UnflattenOptions& o) : Module("Unflatten"), options(o) {
  require(!options.sizes().empty(), "Unflatten", "sizes must not be empty");
  int inferred = 0;
  for (int64_t s : options.sizes()) {
    require(s >= 0 || s == -1, "Unflatten", "sizes must be non-negative or -1, got " + repr::py_tuple(options.sizes()));
    inferred += s == -1;
  }
  require(inferred <= 1, "Unflatten", "at most one size may be -1, got " + repr::py_tuple(options.sizes()));
}
Tensor UnflattenImpl::forward(const Tensor& input) {
  require(input.defined(), "Unflatten", "the input is undefined");
  const int64_t n = input.dim();
  const int64_t d = options.dim() < 0 ? options.dim() + n : options.dim();
  require(d >= 0 && d < n, "Unflatten",
          "dim " + std::to_string(options.dim()) + " is out of range for input " + repr::shape_str(input.sizes()));
  int64_t known = 1;
  bool inferred = false;
  for (int64_t s : options.sizes()) s == -1 ? (void)(inferred = true) : (void)(known *= s);
  const int64_t size = input.size(d);
  require(inferred ? (known != 0 && size % known == 0) : known == size, "Unflatten",
          "sizes " + repr::py_tuple(options.sizes()) + " do not multiply to the size " + std::to_string(size) +
              " of dim " + std::to_string(options.dim()) + " of input " + repr::shape_str(input.sizes()));
  std::vector<int64_t> shape(input.sizes().begin(), input.sizes().begin() + d);
  for (int64_t s : options.sizes()) shape.push_back(s == -1 ? size / known : s);
  shape.insert(shape.end(), input.sizes().begin() + d + 1, input.sizes().end());
  return input.reshape(shape);
}
std::string UnflattenImpl::extra_repr() const {
  return "dim=" + std::to_string(options.dim()) + ", unflattened_size=" + repr::py_tuple(options.sizes());
}

// ---------------------------------------------------------------- dropout
Dropout2dImpl::Dropout2dImpl(const Dropout2dOptions& o) : Module("Dropout2d"), options(o) {
  check_p("Dropout2d", options.p());
}
Tensor Dropout2dImpl::forward(const Tensor& input) {
  return F::dropout2d(input, options.p(), is_training(), options.inplace());
}
std::string Dropout2dImpl::extra_repr() const { return dropout_repr(options); }

Dropout3dImpl::Dropout3dImpl(const Dropout3dOptions& o) : Module("Dropout3d"), options(o) {
  check_p("Dropout3d", options.p());
}
Tensor Dropout3dImpl::forward(const Tensor& input) {
  return F::dropout3d(input, options.p(), is_training(), options.inplace());
}
std::string Dropout3dImpl::extra_repr() const { return dropout_repr(options); }

AlphaDropoutImpl::AlphaDropoutImpl(const AlphaDropoutOptions& o) : Module("AlphaDropout"), options(o) {
  check_p("AlphaDropout", options.p());
}
Tensor AlphaDropoutImpl::forward(const Tensor& input) {
  return F::alpha_dropout(input, options.p(), is_training(), options.inplace());
}
std::string AlphaDropoutImpl::extra_repr() const { return dropout_repr(options); }

FeatureAlphaDropoutImpl::FeatureAlphaDropoutImpl(const FeatureAlphaDropoutOptions& o)
    : Module("FeatureAlphaDropout"), options(o) {
  check_p("FeatureAlphaDropout", options.p());
}
Tensor FeatureAlphaDropoutImpl::forward(const Tensor& input) {
  return F::feature_alpha_dropout(input, options.p(), is_training(), options.inplace());
}
std::string FeatureAlphaDropoutImpl::extra_repr() const { return dropout_repr(options); }

// ---------------------------------------------------------------- bilinear
BilinearImpl::BilinearImpl(const BilinearOptions& o) : Module("Bilinear"), options(o) {
  require(options.in1_features() > 0 && options.in2_features() > 0 && options.out_features() > 0, "Bilinear",
          "in1_features, in2_features and out_features must be positive, got " +
              std::to_string(options.in1_features()) + ", " + std::to_string(options.in2_features()) + ", " +
              std::to_string(options.out_features()));
  weight = register_parameter(
      "weight", ember::empty({options.out_features(), options.in1_features(), options.in2_features()}));
  bias = register_parameter("bias", options.bias() ? ember::empty({options.out_features()}) : Tensor());
  reset_parameters();
}
void BilinearImpl::reset_parameters() {
  // PyTorch's Bilinear.reset_parameters: U(-1/sqrt(in1), 1/sqrt(in1)) for both.
  const double bound = 1.0 / std::sqrt(double(options.in1_features()));
  init::uniform_(weight, -bound, bound);
  if (bias.defined()) init::uniform_(bias, -bound, bound);
}
Tensor BilinearImpl::forward(const Tensor& input1, const Tensor& input2) {
  return F::bilinear(input1, input2, weight, bias);
}
std::string BilinearImpl::extra_repr() const {
  return "in1_features=" + std::to_string(options.in1_features()) +
         ", in2_features=" + std::to_string(options.in2_features()) +
         ", out_features=" + std::to_string(options.out_features()) + ", bias=" + repr::py_bool(options.bias());
}

// ---------------------------------------------------------------- Functional
FunctionalImpl::FunctionalImpl(Function function) : Module("Functional"), function_(std::move(function)) {
  require(static_cast<bool>(function_), "Functional", "the function is empty");
}
Tensor FunctionalImpl::forward(const Tensor& input) { return function_(input); }
std::shared_ptr<Module> FunctionalImpl::clone(const std::optional<Device>& device) const {
  if (device) ember::detail::check_cpu(*device, "Functional::clone");
  auto copy = std::make_shared<FunctionalImpl>(function_);
  copy->train(is_training());
  return copy;
}
void FunctionalImpl::pretty_print(std::ostream& os) const { os << "torch::nn::Functional()"; }

}  // namespace nn
}  // namespace ember
