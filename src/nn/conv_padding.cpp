#include "src/nn/conv_padding.hpp"

#include "ember/error.hpp"
#include "ember/warning.hpp"
#include "ember/nn/modules.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {

ConvPadding::ConvPadding(const std::string& mode) : mode_(mode) {
  if (mode_ != "same" && mode_ != "valid")
    throw Error("padding: expected \"same\", \"valid\" or sizes, got the string \"" + mode_ + "\"");
}

SamePadding conv_mode_padding(const std::string& op, const std::string& mode, const std::vector<int64_t>& kernel,
                              const std::vector<int64_t>& stride, const std::vector<int64_t>& dilation) {
  SamePadding out;
  std::size_t dims = kernel.size();
  out.symmetric.assign(dims, 0);
  if (mode == "valid") return out;
  for (int64_t s : stride)
    if (s != 1)
      throw Error(op + ": padding='same' is not supported for strided convolutions, got stride=" +
                  repr::py_tuple(stride));
  bool odd = false;
  std::vector<int64_t> right(dims, 0);
  for (std::size_t i = 0; i < dims; ++i) {
    int64_t total = dilation[i] * (kernel[i] - 1);
    out.symmetric[i] = total / 2;
    right[i] = total - total / 2 - out.symmetric[i];
    odd = odd || right[i] != 0;
  }
  if (odd) {
    // PyTorch gives the same warning: the asymmetric padding costs a padded copy.
    EMBER_WARN(op + ": using padding='same' with even kernel lengths and odd dilation may require a "
                    "zero-padded copy of the input be created");
  }
  if (odd)
    for (std::size_t i = dims; i-- > 0;) {  // ember::pad lists the last dim first
      out.extra_right.push_back(0);
      out.extra_right.push_back(right[i]);
    }
  return out;
}

}  // namespace nn
}  // namespace ember
