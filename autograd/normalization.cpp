// Normalization: layer_norm, batch_norm, group_norm.
// Placeholder: each function throws until its implementation lands.
#include "ember/error.hpp"
#include "ember/nn/functional.hpp"

namespace ember {
namespace nn {
namespace functional {
namespace {
[[noreturn]] void not_yet(const char* op) { throw Error(std::string(op) + ": not implemented yet"); }
}  // namespace


Tensor layer_norm(const Tensor&, IntArrayRef, const Tensor&, const Tensor&, double) { not_yet("layer_norm"); }
Tensor batch_norm(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, bool, double, double) { not_yet("batch_norm"); }
Tensor group_norm(const Tensor&, int64_t, const Tensor&, const Tensor&, double) { not_yet("group_norm"); }

}  // namespace functional
}  // namespace nn
}  // namespace ember
