// Linear, the convolutions, pooling, dropout and embedding modules: argument checks,
// PyTorch's initialisation and repr; the computation is the functional op's.
#include <cmath>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/nn/functional.hpp"
#include "ember/nn/functional_options.hpp"
#include "ember/nn/init.hpp"
#include "ember/nn/modules.hpp"
#include "src/nn/conv_padding.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {

namespace F = functional;

std::vector<int64_t> IntOrTuple::expand(std::size_t n, const char* module, const char* arg) const {
  if (values_.size() == 1) return std::vector<int64_t>(n, values_[0]);
  if (values_.size() == n) return values_;
  throw Error(std::string(module) + ": " + arg + " must be one number or " + std::to_string(n) + " numbers, got " +
              repr::py_tuple(values_));
}

namespace {
void require(bool ok, const std::string& module, const std::string& what) {
  if (!ok) throw Error(module + ": " + what);
}

// PyTorch's Linear/Conv reset_parameters: weight ~ kaiming_uniform_(a=sqrt(5)), i.e.
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias from the same range.
void reset_affine(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    int64_t fan_in = init::_calculate_fan_in_and_fan_out(weight).first;
    double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0;
    init::uniform_(bias, -bound, bound);
  }
}
}  // namespace

// ---------------------------------------------------------------- Linear

LinearImpl::LinearImpl(const LinearOptions& options_) : Module("Linear"), options(options_) {
  require(options.in_features() >= 0 && options.out_features() >= 0, "Linear",
          "in_features and out_features must be non-negative, got " + std::to_string(options.in_features()) + " and " +
              std::to_string(options.out_features()));
  weight = register_parameter("weight", ember::empty({options.out_features(), options.in_features()}));
  bias = register_parameter("bias", options.bias() ? ember::empty({options.out_features()}) : Tensor());
  reset_parameters();
}

void LinearImpl::reset_parameters() { reset_affine(weight, bias); }

Tensor LinearImpl::forward(const Tensor& input) {
  if (input.dim() == 0 || input.size(-1) != options.in_features())
    throw Error("Linear: expected input with last dim " + std::to_string(options.in_features()) +
                " (in_features), got " + repr::shape_str(input.sizes()));
  return functional::linear(input, weight, bias);
}

std::string LinearImpl::extra_repr() const {
  return "in_features=" + std::to_string(options.in_features()) +
         ", out_features=" + std::to_string(options.out_features()) + ", bias=" + repr::py_bool(bias.defined());
}

// ---------------------------------------------------------------- convolutions

namespace detail {

ConvBase::ConvBase(const char* name, std::size_t dims, bool transposed, int64_t in, int64_t out,
                   const IntOrTuple& kernel, const IntOrTuple& stride_, const ConvPadding& padding_,
                   const IntOrTuple& dilation_, const IntOrTuple& output_padding_, int64_t groups_, bool with_bias)
    : Module(name), in_channels(in), out_channels(out), groups(groups_), transposed_(transposed) {
  require(groups > 0, name, "groups must be a positive integer, got " + std::to_string(groups));
  require(in > 0 && out > 0, name,
          "in_channels and out_channels must be positive, got " + std::to_string(in) + " and " + std::to_string(out));
  require(in % groups == 0, name,
          "in_channels must be divisible by groups, got in_channels=" + std::to_string(in) +
              ", groups=" + std::to_string(groups));
  require(out % groups == 0, name,
          "out_channels must be divisible by groups, got out_channels=" + std::to_string(out) +
              ", groups=" + std::to_string(groups));
  kernel_size = kernel.expand(dims, name, "kernel_size");
  stride = stride_.expand(dims, name, "stride");
  dilation = dilation_.expand(dims, name, "dilation");
  padding_mode_ = padding_.mode();
  if (padding_mode_.empty()) {
    padding = padding_.sizes().expand(dims, name, "padding");
  } else {
    SamePadding p = conv_mode_padding(name, padding_mode_, kernel_size, stride, dilation);
    padding = p.symmetric;
    same_extra_pad_ = p.extra_right;
  }
  output_padding = output_padding_.expand(dims, name, "output_padding");
  for (std::size_t i = 0; i < dims; ++i) {
    require(kernel_size[i] > 0, name, "kernel_size must be positive, got " + repr::py_tuple(kernel_size));
    require(stride[i] > 0, name, "stride must be positive, got " + repr::py_tuple(stride));
    require(padding[i] >= 0, name, "padding must be non-negative, got " + repr::py_tuple(padding));
    require(dilation[i] > 0, name, "dilation must be positive, got " + repr::py_tuple(dilation));
  }
  Shape shape{transposed ? in : out, transposed ? out / groups : in / groups};
  for (int64_t k : kernel_size) shape.push_back(k);
  weight = register_parameter("weight", ember::empty(shape));
  bias = register_parameter("bias", with_bias ? ember::empty({out}) : Tensor());
  reset_parameters();
}

void ConvBase::reset_parameters() { reset_affine(weight, bias); }

void ConvBase::check_input(const Tensor& input) const {
  int64_t dims = static_cast<int64_t>(kernel_size.size());
  if (input.dim() != dims + 1 && input.dim() != dims + 2)
    throw Error(type_name() + ": expected " + std::to_string(dims + 1) + "D (unbatched) or " +
                std::to_string(dims + 2) + "D (batched) input, got " + repr::shape_str(input.sizes()));
  int64_t channels = input.size(input.dim() - dims - 1);
  if (channels != in_channels)
    throw Error(type_name() + ": expected input with " + std::to_string(in_channels) + " channels, got " +
                repr::shape_str(input.sizes()));
}

Tensor ConvBase::pad_for_same(const Tensor& input) const {
  return same_extra_pad_.empty() ? input : ember::pad(input, same_extra_pad_);
}

// PyTorch's _ConvNd.extra_repr: non-default arguments only, always as tuples.
std::string ConvBase::extra_repr() const {
  auto all = [](const std::vector<int64_t>& v, int64_t x) {
    for (int64_t e : v)
      if (e != x) return false;
    return true;
  };
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                  ", kernel_size=" + repr::py_tuple(kernel_size) + ", stride=" + repr::py_tuple(stride);
  if (!padding_mode_.empty()) s += ", padding=" + padding_mode_;
  else if (!all(padding, 0)) s += ", padding=" + repr::py_tuple(padding);
  if (!all(dilation, 1)) s += ", dilation=" + repr::py_tuple(dilation);
  if (!all(output_padding, 0)) s += ", output_padding=" + repr::py_tuple(output_padding);
  if (groups != 1) s += ", groups=" + std::to_string(groups);
  if (!bias.defined()) s += ", bias=False";
  return s;
}

}  // namespace detail

Conv1dImpl::Conv1dImpl(const Conv1dOptions& o)
    : ConvBase("Conv1d", 1, false, o.in_channels(), o.out_channels(), o.kernel_size(), o.stride(), o.padding(),
               o.dilation(), 0, o.groups(), o.bias()),
      options(o) {}

Tensor Conv1dImpl::forward(const Tensor& input) {
  check_input(input);
  return F::conv1d(pad_for_same(input), weight, bias, stride, padding, dilation, groups);
}

Conv2dImpl::Conv2dImpl(const Conv2dOptions& o)
    : ConvBase("Conv2d", 2, false, o.in_channels(), o.out_channels(), o.kernel_size(), o.stride(), o.padding(),
               o.dilation(), 0, o.groups(), o.bias()),
      options(o) {}

Tensor Conv2dImpl::forward(const Tensor& input) {
  check_input(input);
  return F::conv2d(pad_for_same(input), weight, bias, stride, padding, dilation, groups);
}

ConvTranspose2dImpl::ConvTranspose2dImpl(const ConvTranspose2dOptions& o)
    : ConvBase("ConvTranspose2d", 2, true, o.in_channels(), o.out_channels(), o.kernel_size(), o.stride(),
               o.padding(), o.dilation(), o.output_padding(), o.groups(), o.bias()),
      options(o) {
  for (std::size_t i = 0; i < 2; ++i)
    require(output_padding[i] >= 0 && (output_padding[i] < stride[i] || output_padding[i] < dilation[i]),
            "ConvTranspose2d",
            "output_padding must be smaller than either stride or dilation, got output_padding=" +
                repr::py_tuple(output_padding) + ", stride=" + repr::py_tuple(stride) +
                ", dilation=" + repr::py_tuple(dilation));
}

Tensor ConvTranspose2dImpl::forward(const Tensor& input) {
  check_input(input);
  return F::conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation);
}

// ---------------------------------------------------------------- pooling

namespace {
void check_pool_input(const Tensor& input, const std::string& module) {
  if (input.dim() != 3 && input.dim() != 4)
    throw Error(module + ": expected 3D (unbatched) or 4D (batched) input, got " + repr::shape_str(input.sizes()));
}
void check_pool_sizes(const char* module, const IntOrTuple& kernel, const IntOrTuple& stride,
                      const IntOrTuple& padding) {
  for (int64_t k : kernel.expand(2, module, "kernel_size"))
    require(k > 0, module, "kernel_size must be positive, got " + repr::py_int_or_tuple(kernel.values()));
  if (!stride.empty())
    for (int64_t s : stride.expand(2, module, "stride"))
      require(s > 0, module, "stride must be positive, got " + repr::py_int_or_tuple(stride.values()));
  padding.expand(2, module, "padding");
}
}  // namespace

MaxPool2dImpl::MaxPool2dImpl(const MaxPool2dOptions& o) : Module("MaxPool2d"), options(o) {
  check_pool_sizes("MaxPool2d", options.kernel_size(), options.stride(), options.padding());
  options.dilation().expand(2, "MaxPool2d", "dilation");
  // As PyTorch stores it: a stride not given is the kernel size.
  if (options.stride().empty()) options.stride(options.kernel_size());
}

Tensor MaxPool2dImpl::forward(const Tensor& input) {
  check_pool_input(input, "MaxPool2d");
  return F::max_pool2d(input, options.kernel_size().values(), options.stride().values(), options.padding().values(),
                       options.dilation().values(), options.ceil_mode());
}

std::string MaxPool2dImpl::extra_repr() const {
  return "kernel_size=" + repr::py_int_or_tuple(options.kernel_size().values()) +
         ", stride=" + repr::py_int_or_tuple(options.stride().values()) +
         ", padding=" + repr::py_int_or_tuple(options.padding().values()) +
         ", dilation=" + repr::py_int_or_tuple(options.dilation().values()) +
         ", ceil_mode=" + repr::py_bool(options.ceil_mode());
}

AvgPool2dImpl::AvgPool2dImpl(const AvgPool2dOptions& o) : Module("AvgPool2d"), options(o) {
  check_pool_sizes("AvgPool2d", options.kernel_size(), options.stride(), options.padding());
  if (options.stride().empty()) options.stride(options.kernel_size());
}

Tensor AvgPool2dImpl::forward(const Tensor& input) {
  check_pool_input(input, "AvgPool2d");
  return F::avg_pool2d(input, options.kernel_size().values(), options.stride().values(), options.padding().values(),
                       options.ceil_mode(), options.count_include_pad(), options.divisor_override());
}

std::string AvgPool2dImpl::extra_repr() const {
  return "kernel_size=" + repr::py_int_or_tuple(options.kernel_size().values()) +
         ", stride=" + repr::py_int_or_tuple(options.stride().values()) +
         ", padding=" + repr::py_int_or_tuple(options.padding().values());
}

AdaptiveAvgPool2dImpl::AdaptiveAvgPool2dImpl(const AdaptiveAvgPool2dOptions& o)
    : Module("AdaptiveAvgPool2d"), options(o) {
  for (int64_t s : options.output_size().expand(2, "AdaptiveAvgPool2d", "output_size"))
    require(s > 0, "AdaptiveAvgPool2d",
            "output_size must be positive, got " + repr::py_int_or_tuple(options.output_size().values()));
}

Tensor AdaptiveAvgPool2dImpl::forward(const Tensor& input) {
  check_pool_input(input, "AdaptiveAvgPool2d");
  return F::adaptive_avg_pool2d(input, options.output_size().values());
}

std::string AdaptiveAvgPool2dImpl::extra_repr() const {
  return "output_size=" + repr::py_int_or_tuple(options.output_size().values());
}

// ---------------------------------------------------------------- dropout

DropoutImpl::DropoutImpl(const DropoutOptions& o) : Module("Dropout"), options(o) {
  require(options.p() >= 0 && options.p() <= 1, "Dropout",
          "dropout probability has to be between 0 and 1, but got " + repr::py_float(options.p()));
}

Tensor DropoutImpl::forward(const Tensor& input) {
  Tensor out = F::dropout(input, options.p(), is_training());
  if (!options.inplace()) return out;
  Tensor target = input;
  return target.copy_(out);
}

std::string DropoutImpl::extra_repr() const {
  return "p=" + repr::py_float(options.p()) + ", inplace=" + repr::py_bool(options.inplace());
}

// ---------------------------------------------------------------- embedding

EmbeddingImpl::EmbeddingImpl(const EmbeddingOptions& o) : Module("Embedding"), options(o) {
  const int64_t n = options.num_embeddings();
  require(n > 0 && options.embedding_dim() > 0, "Embedding",
          "num_embeddings and embedding_dim must be positive, got " + std::to_string(n) + " and " +
              std::to_string(options.embedding_dim()));
  if (options.padding_idx()) {
    int64_t p = *options.padding_idx();
    require(p < n && p >= -n, "Embedding",
            "padding_idx must be within num_embeddings (" + std::to_string(n) + "), got " + std::to_string(p));
    if (p < 0) options.padding_idx(p + n);
  }
  weight = register_parameter("weight", ember::empty({n, options.embedding_dim()}));
  reset_parameters();
}

void EmbeddingImpl::reset_parameters() {
  init::normal_(weight);
  if (options.padding_idx()) {
    NoGradGuard guard;
    weight[*options.padding_idx()].fill_(0);
  }
}

Tensor EmbeddingImpl::forward(const Tensor& input) {
  if (input.dtype() != kInt64)
    throw Error(std::string("Embedding: expected int64 indices, got ") + dtype_name(input.dtype()));
  return F::embedding(input, weight,
                      F::EmbeddingFuncOptions()
                          .padding_idx(options.padding_idx())
                          .max_norm(options.max_norm())
                          .norm_type(options.norm_type())
                          .scale_grad_by_freq(options.scale_grad_by_freq())
                          .sparse(options.sparse()));
}

std::string EmbeddingImpl::extra_repr() const {
  std::string s = std::to_string(options.num_embeddings()) + ", " + std::to_string(options.embedding_dim());
  if (options.padding_idx()) s += ", padding_idx=" + std::to_string(*options.padding_idx());
  if (options.max_norm()) s += ", max_norm=" + repr::py_float(*options.max_norm());
  if (options.norm_type() != 2) s += ", norm_type=" + repr::py_float(options.norm_type());
  if (options.scale_grad_by_freq()) s += ", scale_grad_by_freq=True";
  if (options.sparse()) s += ", sparse=True";
  return s;
}

Embedding Embedding::from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& o) {
  Embedding m(EmbeddingImpl::from_pretrained(embeddings, o.freeze(), o.padding_idx()));
  m->options.max_norm(o.max_norm()).norm_type(o.norm_type()).scale_grad_by_freq(o.scale_grad_by_freq()).sparse(
      o.sparse());
  return m;
}

std::shared_ptr<EmbeddingImpl> EmbeddingImpl::from_pretrained(const Tensor& embeddings, bool freeze,
                                                              std::optional<int64_t> padding_idx) {
  if (!embeddings.defined() || embeddings.dim() != 2)
    throw Error("Embedding::from_pretrained: embeddings must be 2-dimensional, got " +
                (embeddings.defined() ? repr::shape_str(embeddings.sizes()) : std::string("undefined")));
  auto m = std::make_shared<EmbeddingImpl>(
      EmbeddingOptions(embeddings.size(0), embeddings.size(1)).padding_idx(padding_idx));
  // The weight takes the embeddings' dtype, as PyTorch's Parameter(embeddings) does.
  if (embeddings.is_floating_point()) m->to(embeddings.dtype());
  {
    NoGradGuard guard;
    m->weight.copy_(embeddings);
  }
  m->weight.requires_grad_(!freeze);
  return m;
}

}  // namespace nn
}  // namespace ember
