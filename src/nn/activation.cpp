// Activation and shape modules: thin wrappers over ember's differentiable ops.
#include "ember/functions.hpp"
#include "ember/nn/modules.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {

namespace {
// inplace=True: the result is written into the input, which is returned.
Tensor into_input(const Tensor& input, const Tensor& out) {
  Tensor target = input;
  return target.copy_(out);
}
}  // namespace

Tensor ReLUImpl::forward(const Tensor& input) {
  if (!options.inplace()) return relu(input);
  Tensor target = input;
  return target.relu_();
}
std::string ReLUImpl::extra_repr() const { return options.inplace() ? "inplace=True" : ""; }

Tensor LeakyReLUImpl::forward(const Tensor& input) {
  Tensor out = leaky_relu(input, options.negative_slope());
  return options.inplace() ? into_input(input, out) : out;
}
std::string LeakyReLUImpl::extra_repr() const {
  return "negative_slope=" + repr::py_float(options.negative_slope()) + (options.inplace() ? ", inplace=True" : "");
}

GELUImpl::GELUImpl(const GELUOptions& o) : Module("GELU"), options(o) {
  if (options.approximate() != "none" && options.approximate() != "tanh")
    throw Error("GELU: approximate must be 'none' or 'tanh', got '" + options.approximate() + "'");
}
Tensor GELUImpl::forward(const Tensor& input) { return gelu(input, options.approximate()); }
std::string GELUImpl::extra_repr() const { return "approximate='" + options.approximate() + "'"; }

Tensor SiLUImpl::forward(const Tensor& input) { return silu(input); }
Tensor TanhImpl::forward(const Tensor& input) { return tanh(input); }
Tensor SigmoidImpl::forward(const Tensor& input) { return sigmoid(input); }

Tensor SoftmaxImpl::forward(const Tensor& input) { return softmax(input, options.dim()); }
std::string SoftmaxImpl::extra_repr() const { return "dim=" + std::to_string(options.dim()); }

Tensor FlattenImpl::forward(const Tensor& input) { return input.flatten(options.start_dim(), options.end_dim()); }
std::string FlattenImpl::extra_repr() const {
  return "start_dim=" + std::to_string(options.start_dim()) + ", end_dim=" + std::to_string(options.end_dim());
}

}  // namespace nn
}  // namespace ember
