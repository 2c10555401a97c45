// ConvTranspose{1,2,3}d's forward(input, output_size): a transposed convolution can give
// `stride` different output sizes for one input size; output_size picks one, and the
// output_padding that yields it is derived as PyTorch's _output_padding does.
#include <string>
#include <vector>

#include "ember/error.hpp"
#include "ember/nn/functional.hpp"
#include "ember/nn/modules.hpp"
#include "ember/nn/modules_nd.hpp"

namespace ember {
namespace nn {

namespace {
std::string list_text(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}
}  // namespace

namespace detail {
std::vector<int64_t> ConvBase::output_padding_for(const Tensor& input, IntArrayRef output_size) const {
  const std::size_t spatial = kernel_size.size();
  const std::size_t leading = static_cast<std::size_t>(input.dim()) == spatial + 2 ? 2 : 1;
  std::vector<int64_t> wanted(output_size.begin(), output_size.end());
  if (wanted.size() == spatial + leading) wanted.erase(wanted.begin(), wanted.begin() + static_cast<std::ptrdiff_t>(leading));
  if (wanted.size() != spatial)
    throw Error(type_name() + ": for " + std::to_string(input.dim()) + "D input, output_size must have " +
                std::to_string(spatial) + " or " + std::to_string(spatial + leading) + " elements (got " +
                std::to_string(output_size.size()) + ")");
  std::vector<int64_t> min_sizes(spatial), max_sizes(spatial), input_sizes(spatial), result(spatial);
  for (std::size_t d = 0; d < spatial; ++d) {
    input_sizes[d] = input.size(static_cast<int64_t>(d + leading));
    min_sizes[d] = (input_sizes[d] - 1) * stride[d] - 2 * padding[d] + dilation[d] * (kernel_size[d] - 1) + 1;
    max_sizes[d] = min_sizes[d] + stride[d] - 1;
  }
  for (std::size_t d = 0; d < spatial; ++d) {
    if (wanted[d] < min_sizes[d] || wanted[d] > max_sizes[d])
      throw Error(type_name() + ": requested an output size of " + list_text(wanted) + ", but valid sizes range from " +
                  list_text(min_sizes) + " to " + list_text(max_sizes) + " (for an input of " + list_text(input_sizes) +
                  ")");
    result[d] = wanted[d] - min_sizes[d];
  }
  return result;
}
}  // namespace detail

Tensor ConvTranspose1dImpl::forward(const Tensor& input, IntArrayRef output_size) {
  check_input(input);
  return functional::conv_transpose1d(input, weight, bias, stride, padding, output_padding_for(input, output_size),
                                      groups, dilation);
}
Tensor ConvTranspose2dImpl::forward(const Tensor& input, IntArrayRef output_size) {
  check_input(input);
  return functional::conv_transpose2d(input, weight, bias, stride, padding, output_padding_for(input, output_size),
                                      groups, dilation);
}
Tensor ConvTranspose3dImpl::forward(const Tensor& input, IntArrayRef output_size) {
  check_input(input);
  return functional::conv_transpose3d(input, weight, bias, stride, padding, output_padding_for(input, output_size),
                                      groups, dilation);
}

}  // namespace nn
}  // namespace ember
