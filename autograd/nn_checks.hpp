// Argument checks shared by the functional nn ops in autograd/ (nn_layers, rnn_cells,
// attention).
#pragma once
#include "ember/tensor.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace nn {
namespace functional {

inline void check_float(const char* op, const char* what, const Tensor& t) {
  detail::check_defined(t, op, what);
  EMBER_CHECK(t.is_floating_point(), "{}: expected a floating-point {}, got {} of shape {}", op, what, t.dtype(),
              t.sizes());
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
