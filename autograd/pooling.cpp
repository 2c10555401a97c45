// Pooling: max_pool2d, avg_pool2d, adaptive_avg_pool2d.
// Placeholder: each function throws until its implementation lands.
#include "ember/error.hpp"
#include "ember/nn/functional.hpp"

namespace ember {
namespace nn {
namespace functional {
namespace {
[[noreturn]] void not_yet(const char* op) { throw Error(std::string(op) + ": not implemented yet"); }
}  // namespace


Tensor max_pool2d(const Tensor&, IntArrayRef, IntArrayRef, IntArrayRef, IntArrayRef, bool) { not_yet("max_pool2d"); }
Tensor avg_pool2d(const Tensor&, IntArrayRef, IntArrayRef, IntArrayRef, bool, bool) { not_yet("avg_pool2d"); }
Tensor adaptive_avg_pool2d(const Tensor&, IntArrayRef) { not_yet("adaptive_avg_pool2d"); }

}  // namespace functional
}  // namespace nn
}  // namespace ember
