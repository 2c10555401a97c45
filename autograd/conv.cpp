// Convolutions: conv1d, conv2d, conv_transpose2d.
// Placeholder: each function throws until its implementation lands.
#include "ember/error.hpp"
#include "ember/nn/functional.hpp"

namespace ember {
namespace nn {
namespace functional {
namespace {
[[noreturn]] void not_yet(const char* op) { throw Error(std::string(op) + ": not implemented yet"); }
}  // namespace


Tensor conv1d(const Tensor&, const Tensor&, const Tensor&, IntArrayRef, IntArrayRef, IntArrayRef, int64_t) { not_yet("conv1d"); }
Tensor conv2d(const Tensor&, const Tensor&, const Tensor&, IntArrayRef, IntArrayRef, IntArrayRef, int64_t) { not_yet("conv2d"); }
Tensor conv_transpose2d(const Tensor&, const Tensor&, const Tensor&, IntArrayRef, IntArrayRef, IntArrayRef, int64_t, IntArrayRef) { not_yet("conv_transpose2d"); }

}  // namespace functional
}  // namespace nn
}  // namespace ember
