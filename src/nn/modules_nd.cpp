// The modules of ember/nn/modules_nd.hpp (and the forward_with_indices of MaxPool1d and
// MaxPool2d): argument checks at construction, PyTorch's repr; the computation is the
// functional op's.
#include "ember/nn/modules_nd.hpp"

#include <string>

#include "ember/error.hpp"
#include "ember/nn/functional.hpp"
#include "ember/nn/functional_options.hpp"
#include "ember/nn/modules_extra.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {

namespace F = functional;

namespace {
void require(bool ok, const std::string& module, const std::string& what) {
  if (!ok) throw Error(module + ": " + what);
}

// The sizes of a pooling module: one value or `dims`; kernel and stride positive.
void check_pool_sizes(const char* module, std::size_t dims, const IntOrTuple& kernel, const IntOrTuple& stride,
                      const IntOrTuple& padding) {
  for (int64_t k : kernel.expand(dims, module, "kernel_size"))
    require(k > 0, module, "kernel_size must be positive, got " + repr::py_int_or_tuple(kernel.values()));
  if (!stride.empty())
    for (int64_t s : stride.expand(dims, module, "stride"))
      require(s > 0, module, "stride must be positive, got " + repr::py_int_or_tuple(stride.values()));
  for (int64_t p : padding.expand(dims, module, "padding"))
    require(p >= 0, module, "padding must be non-negative, got " + repr::py_int_or_tuple(padding.values()));
}

void check_output_padding(const char* module, const detail::ConvBase& c) {
  for (std::size_t i = 0; i < c.output_padding.size(); ++i)
    require(c.output_padding[i] >= 0 && (c.output_padding[i] < c.stride[i] || c.output_padding[i] < c.dilation[i]),
            module,
            "output_padding must be smaller than either stride or dilation, got output_padding=" +
                repr::py_tuple(c.output_padding) + ", stride=" + repr::py_tuple(c.stride) +
                ", dilation=" + repr::py_tuple(c.dilation));
}
}  // namespace

// ---------------------------------------------------------------- convolutions

Conv3dImpl::Conv3dImpl(const Conv3dOptions& o)
    : ConvBase("Conv3d", 3, false, o.in_channels(), o.out_channels(), o.kernel_size(), o.stride(), o.padding(),
               o.dilation(), 0, o.groups(), o.bias()),
      options(o) {}

Tensor Conv3dImpl::forward(const Tensor& input) {
  check_input(input);
  return F::conv3d(pad_for_same(input), weight, bias, stride, padding, dilation, groups);
}

ConvTranspose1dImpl::ConvTranspose1dImpl(const ConvTranspose1dOptions& o)
    : ConvBase("ConvTranspose1d", 1, true, o.in_channels(), o.out_channels(), o.kernel_size(), o.stride(),
               o.padding(), o.dilation(), o.output_padding(), o.groups(), o.bias()),
      options(o) {
  check_output_padding("ConvTranspose1d", *this);
}

Tensor ConvTranspose1dImpl::forward(const Tensor& input) {
  check_input(input);
  return F::conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation);
}

ConvTranspose3dImpl::ConvTranspose3dImpl(const ConvTranspose3dOptions& o)
    : ConvBase("ConvTranspose3d", 3, true, o.in_channels(), o.out_channels(), o.kernel_size(), o.stride(),
               o.padding(), o.dilation(), o.output_padding(), o.groups(), o.bias()),
      options(o) {
  check_output_padding("ConvTranspose3d", *this);
}

Tensor ConvTranspose3dImpl::forward(const Tensor& input) {
  check_input(input);
  return F::conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation);
}

// ---------------------------------------------------------------- max pooling with indices

std::tuple<Tensor, Tensor> MaxPool1dImpl::forward_with_indices(const Tensor& input) {
  return F::max_pool1d_with_indices(input, options);
}

std::tuple<Tensor, Tensor> MaxPool2dImpl::forward_with_indices(const Tensor& input) {
  return F::max_pool2d_with_indices(input, options);
}

// ---------------------------------------------------------------- 3-d pooling

MaxPool3dImpl::MaxPool3dImpl(const MaxPool3dOptions& o) : Module("MaxPool3d"), options(o) {
  check_pool_sizes("MaxPool3d", 3, options.kernel_size(), options.stride(), options.padding());
  options.dilation().expand(3, "MaxPool3d", "dilation");
  if (options.stride().empty()) options.stride(options.kernel_size());
}
Tensor MaxPool3dImpl::forward(const Tensor& input) { return F::max_pool3d(input, options); }
std::tuple<Tensor, Tensor> MaxPool3dImpl::forward_with_indices(const Tensor& input) {
  return F::max_pool3d_with_indices(input, options);
}
std::string MaxPool3dImpl::extra_repr() const {
  return "kernel_size=" + repr::py_int_or_tuple(options.kernel_size().values()) +
         ", stride=" + repr::py_int_or_tuple(options.stride().values()) +
         ", padding=" + repr::py_int_or_tuple(options.padding().values()) +
         ", dilation=" + repr::py_int_or_tuple(options.dilation().values()) +
         ", ceil_mode=" + repr::py_bool(options.ceil_mode());
}

AvgPool3dImpl::AvgPool3dImpl(const AvgPool3dOptions& o) : Module("AvgPool3d"), options(o) {
  check_pool_sizes("AvgPool3d", 3, options.kernel_size(), options.stride(), options.padding());
  if (options.stride().empty()) options.stride(options.kernel_size());
}
Tensor AvgPool3dImpl::forward(const Tensor& input) { return F::avg_pool3d(input, options); }
std::string AvgPool3dImpl::extra_repr() const {
  return "kernel_size=" + repr::py_int_or_tuple(options.kernel_size().values()) +
         ", stride=" + repr::py_int_or_tuple(options.stride().values()) +
         ", padding=" + repr::py_int_or_tuple(options.padding().values());
}

AdaptiveAvgPool3dImpl::AdaptiveAvgPool3dImpl(const AdaptiveAvgPool3dOptions& o)
    : Module("AdaptiveAvgPool3d"), options(o) {
  options.output_size().expand(3, "AdaptiveAvgPool3d", "output_size");
}
Tensor AdaptiveAvgPool3dImpl::forward(const Tensor& input) { return F::adaptive_avg_pool3d(input, options); }
std::string AdaptiveAvgPool3dImpl::extra_repr() const {
  return "output_size=" + repr::py_int_or_tuple(options.output_size().values());
}

AdaptiveMaxPool3dImpl::AdaptiveMaxPool3dImpl(const AdaptiveMaxPool3dOptions& o)
    : Module("AdaptiveMaxPool3d"), options(o) {
  options.output_size().expand(3, "AdaptiveMaxPool3d", "output_size");
}
Tensor AdaptiveMaxPool3dImpl::forward(const Tensor& input) { return F::adaptive_max_pool3d(input, options); }
std::string AdaptiveMaxPool3dImpl::extra_repr() const {
  return "output_size=" + repr::py_int_or_tuple(options.output_size().values());
}

// ---------------------------------------------------------------- max unpooling

namespace {
std::string unpool_name(int d) { return "MaxUnpool" + std::to_string(d) + "d"; }
}  // namespace

template <int D>
MaxUnpoolImpl<D>::MaxUnpoolImpl(const MaxUnpoolOptions<D>& o) : Module(unpool_name(D)), options(o) {
  std::string name = unpool_name(D);
  check_pool_sizes(name.c_str(), D, options.kernel_size(), options.stride(), options.padding());
  // PyTorch stores every size as a D-tuple, the stride defaulting to the kernel size.
  options.kernel_size(options.kernel_size().expand(D, name.c_str(), "kernel_size"));
  if (options.stride().empty()) options.stride(options.kernel_size());
  options.stride(options.stride().expand(D, name.c_str(), "stride"));
  options.padding(options.padding().expand(D, name.c_str(), "padding"));
}

template <int D>
Tensor MaxUnpoolImpl<D>::forward(const Tensor& input, const Tensor& indices,
                                 const std::optional<std::vector<int64_t>>& output_size) {
  MaxUnpoolFuncOptions<D> o(options.kernel_size());
  o.stride(options.stride()).padding(options.padding()).output_size(output_size);
  if constexpr (D == 1) return F::max_unpool1d(input, indices, o);
  if constexpr (D == 2) return F::max_unpool2d(input, indices, o);
  if constexpr (D == 3) return F::max_unpool3d(input, indices, o);
}

template <int D>
std::string MaxUnpoolImpl<D>::extra_repr() const {
  return "kernel_size=" + repr::py_tuple(options.kernel_size().values()) +
         ", stride=" + repr::py_tuple(options.stride().values()) +
         ", padding=" + repr::py_tuple(options.padding().values());
}

template class MaxUnpoolImpl<1>;
template class MaxUnpoolImpl<2>;
template class MaxUnpoolImpl<3>;

// ---------------------------------------------------------------- fold, unfold, lp pooling

FoldImpl::FoldImpl(const FoldOptions& o) : Module("Fold"), options(o) {
  options.output_size().expand(2, "Fold", "output_size");
  check_pool_sizes("Fold", 2, options.kernel_size(), options.stride(), options.padding());
  options.dilation().expand(2, "Fold", "dilation");
}
Tensor FoldImpl::forward(const Tensor& input) { return F::fold(input, options); }
std::string FoldImpl::extra_repr() const {
  return "output_size=" + repr::py_int_or_tuple(options.output_size().values()) +
         ", kernel_size=" + repr::py_int_or_tuple(options.kernel_size().values()) +
         ", dilation=" + repr::py_int_or_tuple(options.dilation().values()) +
         ", padding=" + repr::py_int_or_tuple(options.padding().values()) +
         ", stride=" + repr::py_int_or_tuple(options.stride().values());
}

UnfoldImpl::UnfoldImpl(const UnfoldOptions& o) : Module("Unfold"), options(o) {
  check_pool_sizes("Unfold", 2, options.kernel_size(), options.stride(), options.padding());
  options.dilation().expand(2, "Unfold", "dilation");
}
Tensor UnfoldImpl::forward(const Tensor& input) { return F::unfold(input, options); }
std::string UnfoldImpl::extra_repr() const {
  return "kernel_size=" + repr::py_int_or_tuple(options.kernel_size().values()) +
         ", dilation=" + repr::py_int_or_tuple(options.dilation().values()) +
         ", padding=" + repr::py_int_or_tuple(options.padding().values()) +
         ", stride=" + repr::py_int_or_tuple(options.stride().values());
}

template <int D>
LPPoolImpl<D>::LPPoolImpl(const LPPoolOptions<D>& o) : Module("LPPool" + std::to_string(D) + "d"), options(o) {
  std::string name = type_name();
  check_pool_sizes(name.c_str(), D, options.kernel_size(), options.stride(), 0);
}
template <int D>
Tensor LPPoolImpl<D>::forward(const Tensor& input) {
  if constexpr (D == 1) return F::lp_pool1d(input, options);
  if constexpr (D == 2) return F::lp_pool2d(input, options);
}
template <int D>
std::string LPPoolImpl<D>::extra_repr() const {
  // PyTorch prints a stride that was not given as None.
  return "norm_type=" + repr::py_float(options.norm_type()) +
         ", kernel_size=" + repr::py_int_or_tuple(options.kernel_size().values()) + ", stride=" +
         (options.stride().empty() ? std::string("None") : repr::py_int_or_tuple(options.stride().values())) +
         ", ceil_mode=" + repr::py_bool(options.ceil_mode());
}
template class LPPoolImpl<1>;
template class LPPoolImpl<2>;

}  // namespace nn
}  // namespace ember
