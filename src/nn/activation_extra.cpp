// The activations of ember/nn/activation.hpp and their functionals, each composed from
// ember's differentiable ops (so backward and double backward come from those ops).
#include <cmath>
#include <string>

#include "ember/creation.hpp"
#include "ember/autograd.hpp"
#include "ember/error.hpp"
#include "ember/functions.hpp"
#include "ember/nn/activation.hpp"
#include "ember/nn/functional.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {
namespace functional {

namespace {
// inplace=True: the result is written into the input, which is returned.
Tensor maybe_into_input(const Tensor& input, const Tensor& out, bool inplace) {
  if (!inplace) return out;
  Tensor target = input;
  return target.copy_(out);
}

Tensor converted(const Tensor& input, const std::optional<Dtype>& dtype) {
  return dtype ? input.to(*dtype) : input;
}
}  // namespace

Tensor relu(const Tensor& input, const ReLUFuncOptions& o) {
  if (!o.inplace()) return ember::relu(input);
  Tensor target = input;
  return target.relu_();
}
Tensor leaky_relu(const Tensor& input, const LeakyReLUFuncOptions& o) {
  return maybe_into_input(input, ember::leaky_relu(input, o.negative_slope()), o.inplace());
}
Tensor elu(const Tensor& input, const ELUFuncOptions& o) {
  return maybe_into_input(input, ember::elu(input, o.alpha()), o.inplace());
}
Tensor softplus(const Tensor& input, const SoftplusFuncOptions& o) {
  return ember::softplus(input, o.beta(), o.threshold());
}
Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& o) {
  return ember::softmax(converted(input, o.dtype()), o.dim());
}
Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& o) {
  return ember::log_softmax(converted(input, o.dtype()), o.dim());
}

Tensor selu(const Tensor& input, bool inplace) {
  // The constants of Klambauer et al. (2017), as PyTorch uses them.
  constexpr double kAlpha = 1.6732632423543772848170429916717;
  constexpr double kScale = 1.0507009873554804934193349852946;
  return maybe_into_input(input, ember::elu(input, kAlpha) * kScale, inplace);
}
Tensor selu(const Tensor& input, const SELUFuncOptions& o) { return selu(input, o.inplace()); }

Tensor celu(const Tensor& input, double alpha, bool inplace) {
  if (alpha == 0) throw Error("celu: alpha must not be 0 (input " + repr::shape_str(input.sizes()) + ")");
  // alpha * elu(x / alpha, 1) is x for x > 0 and alpha * (exp(x / alpha) - 1) otherwise.
  return maybe_into_input(input, ember::elu(input / alpha, 1.0) * alpha, inplace);
}
Tensor celu(const Tensor& input, const CELUFuncOptions& o) { return celu(input, o.alpha(), o.inplace()); }

Tensor hardshrink(const Tensor& input, double lambda) {
  return ember::where(input.abs() > lambda, input, Scalar(0.0));
}
Tensor hardshrink(const Tensor& input, const HardshrinkFuncOptions& o) { return hardshrink(input, o.lambda()); }

Tensor softshrink(const Tensor& input, double lambda) {
  if (lambda < 0)
    throw Error("softshrink: lambda must be greater or equal to 0, got " + repr::py_float(lambda) + " (input " +
                repr::shape_str(input.sizes()) + ")");
  Tensor shrunk = ember::where(input > lambda, input - lambda, input + lambda);
  return ember::where(input.abs() > lambda, shrunk, Scalar(0.0));
}
Tensor softshrink(const Tensor& input, const SoftshrinkFuncOptions& o) { return softshrink(input, o.lambda()); }

Tensor hardtanh(const Tensor& input, double min_val, double max_val, bool inplace) {
  if (max_val < min_val)
    throw Error("hardtanh: max_val (" + repr::py_float(max_val) + ") must be greater than or equal to min_val (" +
                repr::py_float(min_val) + ") (input " + repr::shape_str(input.sizes()) + ")");
  return maybe_into_input(input, ember::clamp(input, Scalar(min_val), Scalar(max_val)), inplace);
}
Tensor hardtanh(const Tensor& input, const HardtanhFuncOptions& o) {
  return hardtanh(input, o.min_val(), o.max_val(), o.inplace());
}

Tensor relu6(const Tensor& input, bool inplace) { return hardtanh(input, 0.0, 6.0, inplace); }
Tensor relu6(const Tensor& input, const ReLU6FuncOptions& o) { return relu6(input, o.inplace()); }

Tensor logsigmoid(const Tensor& input) { return -ember::softplus(-input); }

Tensor softmin(const Tensor& input, int64_t dim, std::optional<Dtype> dtype) {
  return ember::softmax(-converted(input, dtype), dim);
}
Tensor softmin(const Tensor& input, const SoftminFuncOptions& o) { return softmin(input, o.dim(), o.dtype()); }

Tensor prelu(const Tensor& input, const Tensor& weight) {
  const auto shapes = [&] {
    return " (input " + repr::shape_str(input.sizes()) + ", weight " + repr::shape_str(weight.sizes()) + ")";
  };
  if (!input.defined() || !weight.defined()) throw Error("prelu: input and weight must be defined");
  if (weight.dim() > 1) throw Error("prelu: weight must be a scalar or 1-d tensor" + shapes());
  const int64_t channels = input.dim() >= 2 ? input.size(1) : 1;
  if (weight.numel() != 1 && weight.numel() != channels)
    throw Error("prelu: weight has " + std::to_string(weight.numel()) + " elements, expected 1 or the " +
                std::to_string(channels) + " channels of the input" + shapes());
  Tensor slope;
  if (weight.numel() == 1) {
    slope = weight.reshape({});
  } else {
    std::vector<int64_t> shape(static_cast<std::size_t>(input.dim() - 1), 1);
    shape[0] = channels;  // [C, 1, ..., 1] lines up with dims 1.. of input
    slope = weight.reshape(shape);
  }
  return ember::where(input > 0.0, input, input * slope);
}

Tensor rrelu(const Tensor& input, double lower, double upper, bool training, bool inplace) {
  if (lower > upper)
    throw Error("rrelu: lower (" + repr::py_float(lower) + ") must be less than or equal to upper (" +
                repr::py_float(upper) + ") (input " + repr::shape_str(input.sizes()) + ")");
  if (!training) return maybe_into_input(input, ember::leaky_relu(input, (lower + upper) / 2), inplace);
  Tensor slope;
  {
    NoGradGuard no_grad;
    slope = ember::rand_like(input) * (upper - lower) + lower;
  }
  return maybe_into_input(input, ember::where(input >= 0.0, input, input * slope), inplace);
}
Tensor rrelu(const Tensor& input, const RReLUFuncOptions& o) {
  return rrelu(input, o.lower(), o.upper(), o.training(), o.inplace());
}

Tensor glu(const Tensor& input, int64_t dim) {
  if (input.dim() == 0) throw Error("glu: does not support a 0-dim input");
  const int64_t d = dim < 0 ? dim + input.dim() : dim;
  if (d < 0 || d >= input.dim())
    throw Error("glu: dim " + std::to_string(dim) + " is out of range for input " + repr::shape_str(input.sizes()));
  if (input.size(d) % 2 != 0)
    throw Error("glu: halving only works on an even length, but dim " + std::to_string(dim) + " of input " +
                repr::shape_str(input.sizes()) + " has size " + std::to_string(input.size(d)));
  const int64_t half = input.size(d) / 2;
  return input.narrow(d, 0, half) * ember::sigmoid(input.narrow(d, half, half));
}
Tensor glu(const Tensor& input, const GLUFuncOptions& o) { return glu(input, o.dim()); }

Tensor mish(const Tensor& input) { return input * ember::tanh(ember::softplus(input)); }
Tensor softsign(const Tensor& input) { return input / (input.abs() + 1.0); }
Tensor tanhshrink(const Tensor& input) { return input - ember::tanh(input); }

Tensor threshold(const Tensor& input, double threshold, double value, bool inplace) {
  return maybe_into_input(input, ember::where(input > threshold, input, Scalar(value)), inplace);
}
Tensor threshold(const Tensor& input, const ThresholdFuncOptions& o) {
  return threshold(input, o.threshold(), o.value(), o.inplace());
}

}  // namespace functional

// ---------------------------------------------------------------- modules
namespace F = functional;

namespace {
std::string with_inplace(std::string text, bool inplace) {
  if (!inplace) return text;
  return text.empty() ? "inplace=True" : text + ", inplace=True";
}
// Python prints an int argument without ".0": Softplus(beta=1, threshold=20) as
// PyTorch's defaults are ints; an integral double is printed that way too.
std::string py_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(int64_t(v));
  return repr::py_float(v);
}
}  // namespace

Tensor LogSigmoidImpl::forward(const Tensor& input) { return F::logsigmoid(input); }
Tensor MishImpl::forward(const Tensor& input) { return F::mish(input); }
Tensor SoftsignImpl::forward(const Tensor& input) { return F::softsign(input); }
Tensor TanhshrinkImpl::forward(const Tensor& input) { return F::tanhshrink(input); }
Tensor Softmax2dImpl::forward(const Tensor& input) {
  if (input.dim() != 3 && input.dim() != 4)
    throw Error("Softmax2d: expected a 3-d or 4-d input ([C, H, W] or [N, C, H, W]), got " +
                repr::shape_str(input.sizes()));
  return ember::softmax(input, -3);
}

ELUImpl::ELUImpl(const ELUOptions& o) : Module("ELU"), options(o) {}
Tensor ELUImpl::forward(const Tensor& input) { return F::elu(input, options); }
std::string ELUImpl::extra_repr() const {
  return with_inplace("alpha=" + repr::py_float(options.alpha()), options.inplace());
}

SELUImpl::SELUImpl(const SELUOptions& o) : Module("SELU"), options(o) {}
Tensor SELUImpl::forward(const Tensor& input) { return F::selu(input, options); }
std::string SELUImpl::extra_repr() const { return with_inplace("", options.inplace()); }

CELUImpl::CELUImpl(const CELUOptions& o) : Module("CELU"), options(o) {
  if (options.alpha() == 0) throw Error("CELU: alpha must not be 0");
}
Tensor CELUImpl::forward(const Tensor& input) { return F::celu(input, options); }
std::string CELUImpl::extra_repr() const {
  return with_inplace("alpha=" + repr::py_float(options.alpha()), options.inplace());
}

GLUImpl::GLUImpl(const GLUOptions& o) : Module("GLU"), options(o) {}
Tensor GLUImpl::forward(const Tensor& input) { return F::glu(input, options); }
std::string GLUImpl::extra_repr() const { return "dim=" + std::to_string(options.dim()); }

HardshrinkImpl::HardshrinkImpl(const HardshrinkOptions& o) : Module("Hardshrink"), options(o) {}
Tensor HardshrinkImpl::forward(const Tensor& input) { return F::hardshrink(input, options); }
std::string HardshrinkImpl::extra_repr() const { return repr::py_float(options.lambda()); }

SoftshrinkImpl::SoftshrinkImpl(const SoftshrinkOptions& o) : Module("Softshrink"), options(o) {
  if (options.lambda() < 0)
    throw Error("Softshrink: lambda must be greater or equal to 0, got " + repr::py_float(options.lambda()));
}
Tensor SoftshrinkImpl::forward(const Tensor& input) { return F::softshrink(input, options); }
std::string SoftshrinkImpl::extra_repr() const { return repr::py_float(options.lambda()); }

HardtanhImpl::HardtanhImpl(const HardtanhOptions& o) : Module("Hardtanh"), options(o) {
  if (options.max_val() < options.min_val())
    throw Error("Hardtanh: max_val (" + repr::py_float(options.max_val()) +
                ") must be greater than or equal to min_val (" + repr::py_float(options.min_val()) + ")");
}
Tensor HardtanhImpl::forward(const Tensor& input) { return F::hardtanh(input, options); }
std::string HardtanhImpl::extra_repr() const {
  return with_inplace("min_val=" + repr::py_float(options.min_val()) + ", max_val=" + repr::py_float(options.max_val()),
                      options.inplace());
}

ReLU6Impl::ReLU6Impl(const ReLU6Options& o) : Module("ReLU6"), options(o) {}
Tensor ReLU6Impl::forward(const Tensor& input) { return F::relu6(input, options); }
std::string ReLU6Impl::extra_repr() const { return with_inplace("", options.inplace()); }

SoftplusImpl::SoftplusImpl(const SoftplusOptions& o) : Module("Softplus"), options(o) {}
Tensor SoftplusImpl::forward(const Tensor& input) { return F::softplus(input, options); }
std::string SoftplusImpl::extra_repr() const {
  return "beta=" + py_number(options.beta()) + ", threshold=" + py_number(options.threshold());
}

SoftminImpl::SoftminImpl(const SoftminOptions& o) : Module("Softmin"), options(o) {}
Tensor SoftminImpl::forward(const Tensor& input) { return F::softmin(input, options.dim()); }
std::string SoftminImpl::extra_repr() const { return "dim=" + std::to_string(options.dim()); }

LogSoftmaxImpl::LogSoftmaxImpl(const LogSoftmaxOptions& o) : Module("LogSoftmax"), options(o) {}
Tensor LogSoftmaxImpl::forward(const Tensor& input) { return ember::log_softmax(input, options.dim()); }
std::string LogSoftmaxImpl::extra_repr() const { return "dim=" + std::to_string(options.dim()); }

RReLUImpl::RReLUImpl(const RReLUOptions& o) : Module("RReLU"), options(o) {
  if (options.lower() > options.upper())
    throw Error("RReLU: lower (" + repr::py_float(options.lower()) + ") must be less than or equal to upper (" +
                repr::py_float(options.upper()) + ")");
}
Tensor RReLUImpl::forward(const Tensor& input) {
  return F::rrelu(input, options.lower(), options.upper(), is_training(), options.inplace());
}
std::string RReLUImpl::extra_repr() const {
  return with_inplace("lower=" + repr::py_float(options.lower()) + ", upper=" + repr::py_float(options.upper()),
                      options.inplace());
}

ThresholdImpl::ThresholdImpl(const ThresholdOptions& o) : Module("Threshold"), options(o) {}
Tensor ThresholdImpl::forward(const Tensor& input) { return F::threshold(input, options); }
std::string ThresholdImpl::extra_repr() const {
  return with_inplace("threshold=" + py_number(options.threshold()) + ", value=" + py_number(options.value()),
                      options.inplace());
}

PReLUImpl::PReLUImpl(const PReLUOptions& o) : Module("PReLU"), options(o) {
  if (options.num_parameters() < 1)
    throw Error("PReLU: num_parameters must be at least 1, got " + std::to_string(options.num_parameters()));
  weight = register_parameter("weight", ember::empty({options.num_parameters()}));
  reset_parameters();
}
void PReLUImpl::reset_parameters() {
  NoGradGuard no_grad;
  weight.fill_(options.init());
}
Tensor PReLUImpl::forward(const Tensor& input) { return F::prelu(input, weight); }
std::string PReLUImpl::extra_repr() const { return "num_parameters=" + std::to_string(options.num_parameters()); }

}  // namespace nn
}  // namespace ember
