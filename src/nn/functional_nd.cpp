// The options forms of ember/nn/functional_nd.hpp and max_pool1d_with_indices (the 2-d
// op on [N, C, 1, L]: the flat index h * L + w of row 0 is w).
#include <string>
#include <vector>

#include "ember/error.hpp"
#include "ember/nn/functional.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {
namespace functional {

std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                                                   IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  const char* op = "max_pool1d_with_indices";
  if (!input.defined()) throw Error(std::string(op) + ": input is undefined");
  if (input.dim() != 2 && input.dim() != 3)
    throw Error(std::string(op) + ": expected a 2-d or 3-d input ([C, L] or [N, C, L]), got " +
                repr::shape_str(input.sizes()));
  auto one = [&](IntArrayRef v, const char* arg) {
    if (v.size() != 1)
      throw Error(std::string(op) + ": " + arg + " must be one number, got " + repr::shape_str(v));
    return v[0];
  };
  std::vector<int64_t> st = stride.empty() ? std::vector<int64_t>{} : std::vector<int64_t>{1, one(stride, "stride")};
  auto [y, indices] = max_pool2d_with_indices(input.unsqueeze(-2), {1, one(kernel_size, "kernel_size")}, st,
                                              {0, one(padding, "padding")}, {1, one(dilation, "dilation")}, ceil_mode);
  return {y.squeeze(-2), indices.squeeze(-2)};
}

namespace with_options {
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const MaxPool1dOptions& o) {
  return functional::max_pool1d_with_indices(input, o.kernel_size().values(), o.stride().values(),
                                             o.padding().values(), o.dilation().values(), o.ceil_mode());
}
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, const MaxPool3dOptions& o) {
  return functional::max_pool3d_with_indices(input, o.kernel_size().values(), o.stride().values(),
                                             o.padding().values(), o.dilation().values(), o.ceil_mode());
}
Tensor max_pool3d(const Tensor& input, const MaxPool3dOptions& o) {
  return functional::max_pool3d(input, o.kernel_size().values(), o.stride().values(), o.padding().values(),
                                o.dilation().values(), o.ceil_mode());
}
Tensor avg_pool3d(const Tensor& input, const AvgPool3dOptions& o) {
  return functional::avg_pool3d(input, o.kernel_size().values(), o.stride().values(), o.padding().values(),
                                o.ceil_mode(), o.count_include_pad(), o.divisor_override());
}
Tensor adaptive_avg_pool3d(const Tensor& input, const AdaptiveAvgPool3dOptions& o) {
  return functional::adaptive_avg_pool3d(input, o.output_size().values());
}
Tensor adaptive_max_pool3d(const Tensor& input, const AdaptiveMaxPool3dOptions& o) {
  return functional::adaptive_max_pool3d(input, o.output_size().values());
}
}  // namespace with_options

Tensor max_unpool1d(const Tensor& input, const Tensor& indices, const MaxUnpool1dFuncOptions& o) {
  return max_unpool1d(input, indices, o.kernel_size().values(), o.stride().values(), o.padding().values(),
                      o.output_size());
}
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, const MaxUnpool2dFuncOptions& o) {
  return max_unpool2d(input, indices, o.kernel_size().values(), o.stride().values(), o.padding().values(),
                      o.output_size());
}
Tensor max_unpool3d(const Tensor& input, const Tensor& indices, const MaxUnpool3dFuncOptions& o) {
  return max_unpool3d(input, indices, o.kernel_size().values(), o.stride().values(), o.padding().values(),
                      o.output_size());
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
