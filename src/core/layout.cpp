// Layouts (ember/layout.hpp) and Tensor::is_nonzero.
#include "ember/layout.hpp"

#include <ostream>

#include "ember/tensor.hpp"
#include "src/core/check.hpp"

namespace ember {

std::ostream& operator<<(std::ostream& os, Layout layout) {
  return os << (layout == kStrided ? "Strided" : "Sparse");
}

namespace detail {
void refuse_layout(Layout layout, const char* op) {
  fail(fmt::format("{}: ember has only strided (dense) tensors, got layout {}", op,
                   layout == kStrided ? "Strided" : "Sparse"));
}
}  // namespace detail

bool Tensor::is_nonzero() const {
  EMBER_CHECK(defined(), "is_nonzero: the tensor is undefined");
  EMBER_CHECK(numel() != 0, "is_nonzero: Boolean value of Tensor with no values is ambiguous (shape {})", sizes());
  EMBER_CHECK(numel() == 1, "is_nonzero: Boolean value of Tensor with more than one value is ambiguous (shape {})",
              sizes());
  return item().toDouble() != 0.0;
}

}  // namespace ember
