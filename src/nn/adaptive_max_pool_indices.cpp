// F::adaptive_max_pool{1,2,3}d_with_indices and the AdaptiveMaxPool modules'
// forward_with_indices, composed from public ops: each output cell's window is narrowed
// out of the input, its argmax (the first maximum, as PyTorch's kernel keeps on a tie)
// is looked up in the same window of a tensor of flat plane positions, and the values
// are gathered at those positions, so the gradient reaches the chosen element alone.
#include <string>
#include <tuple>
#include <vector>

#include "ember/creation.hpp"
#include "ember/error.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "ember/nn/modules_extra.hpp"
#include "ember/nn/modules_nd.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {

namespace {
// PyTorch's adaptive window of output cell i: [floor(i * in / out), ceil((i + 1) * in / out)).
int64_t window_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
int64_t window_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

// The flat plane positions of the maxima of input over the last out.size() dims, cell
// by cell: the cells of pooled dim k (and, recursively, those after it) stacked in order.
// positions has the pooled dims' shape and is narrowed alongside the input.
Tensor argmax_positions(const Tensor& input, const Tensor& positions, const std::vector<int64_t>& out, std::size_t k) {
  const int64_t n = static_cast<int64_t>(out.size());
  if (k == out.size()) {
    Tensor values = input.flatten(input.dim() - n, -1);
    Tensor local = values.argmax(-1, /*keepdim=*/true);
    Tensor window = positions.flatten().expand(values.sizes());
    return window.gather(-1, local).squeeze(-1);
  }
  const int64_t dim = input.dim() - n + static_cast<int64_t>(k), len = input.size(dim);
  const int64_t pos_dim = static_cast<int64_t>(k);
  std::vector<Tensor> cells;
  for (int64_t i = 0; i < out[k]; ++i) {
    const int64_t s = window_start(i, len, out[k]), e = window_end(i, len, out[k]);
    cells.push_back(argmax_positions(input.narrow(dim, s, e - s), positions.narrow(pos_dim, s, e - s), out, k + 1));
  }
  return ember::stack(cells, static_cast<int64_t>(k) - n);
}

std::tuple<Tensor, Tensor> adaptive_max_with_indices(const Tensor& input, IntArrayRef output_size, int64_t dims,
                                                     const char* op) {
  if (!input.defined()) throw Error(std::string(op) + ": input is undefined");
  if (input.dim() != dims + 1 && input.dim() != dims + 2)
    throw Error(std::string(op) + ": expected " + std::to_string(dims + 1) + "D or " + std::to_string(dims + 2) +
                "D input, got " + repr::shape_str(input.sizes()));
  std::vector<int64_t> out(output_size.begin(), output_size.end());
  if (out.size() == 1 && dims > 1) out.assign(static_cast<std::size_t>(dims), out[0]);
  if (static_cast<int64_t>(out.size()) != dims)
    throw Error(std::string(op) + ": output_size must have " + std::to_string(dims) + " elements, got " +
                repr::shape_str(out));
  for (int64_t o : out)
    if (o <= 0) throw Error(std::string(op) + ": output_size must be positive, got " + repr::shape_str(out));
  std::vector<int64_t> plane;
  for (int64_t d = input.dim() - dims; d < input.dim(); ++d) {
    if (input.size(d) == 0)
      throw Error(std::string(op) + ": input " + repr::shape_str(input.sizes()) + " has an empty pooled dim");
    plane.push_back(input.size(d));
  }
  int64_t plane_numel = 1;
  for (int64_t s : plane) plane_numel *= s;
  Tensor positions = ember::arange(plane_numel, TensorOptions(kInt64)).view(plane);
  Tensor indices = argmax_positions(input.detach(), positions, out, 0);
  Tensor values = input.flatten(input.dim() - dims, -1).gather(-1, indices.flatten(input.dim() - dims, -1));
  return {values.view(indices.sizes()), indices};
}
}  // namespace

namespace functional {
std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input, IntArrayRef output_size) {
  return adaptive_max_with_indices(input, output_size, 1, "adaptive_max_pool1d_with_indices");
}
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input, IntArrayRef output_size) {
  return adaptive_max_with_indices(input, output_size, 2, "adaptive_max_pool2d_with_indices");
}
std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(const Tensor& input, IntArrayRef output_size) {
  return adaptive_max_with_indices(input, output_size, 3, "adaptive_max_pool3d_with_indices");
}
std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input, const AdaptiveMaxPool1dFuncOptions& o) {
  return adaptive_max_pool1d_with_indices(input, o.output_size().values());
}
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input, const AdaptiveMaxPool2dFuncOptions& o) {
  return adaptive_max_pool2d_with_indices(input, o.output_size().values());
}
std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(const Tensor& input, const AdaptiveMaxPool3dFuncOptions& o) {
  return adaptive_max_pool3d_with_indices(input, o.output_size().values());
}
}  // namespace functional

std::tuple<Tensor, Tensor> AdaptiveMaxPool1dImpl::forward_with_indices(const Tensor& input) {
  return functional::adaptive_max_pool1d_with_indices(input, options);
}
std::tuple<Tensor, Tensor> AdaptiveMaxPool2dImpl::forward_with_indices(const Tensor& input) {
  return functional::adaptive_max_pool2d_with_indices(input, options);
}
std::tuple<Tensor, Tensor> AdaptiveMaxPool3dImpl::forward_with_indices(const Tensor& input) {
  return functional::adaptive_max_pool3d_with_indices(input, options);
}

}  // namespace nn
}  // namespace ember
