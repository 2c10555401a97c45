// Losses.
// Placeholder: each function throws until its implementation lands.
#include "ember/error.hpp"
#include "ember/nn/functional.hpp"

namespace ember {
namespace nn {
namespace functional {
namespace {
[[noreturn]] void not_yet(const char* op) { throw Error(std::string(op) + ": not implemented yet"); }
}  // namespace


Tensor cross_entropy(const Tensor&, const Tensor&, const Tensor&, int64_t, const std::string&, double) { not_yet("cross_entropy"); }
Tensor nll_loss(const Tensor&, const Tensor&, const Tensor&, int64_t, const std::string&) { not_yet("nll_loss"); }
Tensor mse_loss(const Tensor&, const Tensor&, const std::string&) { not_yet("mse_loss"); }
Tensor l1_loss(const Tensor&, const Tensor&, const std::string&) { not_yet("l1_loss"); }
Tensor smooth_l1_loss(const Tensor&, const Tensor&, const std::string&, double) { not_yet("smooth_l1_loss"); }
Tensor binary_cross_entropy(const Tensor&, const Tensor&, const Tensor&, const std::string&) { not_yet("binary_cross_entropy"); }
Tensor binary_cross_entropy_with_logits(const Tensor&, const Tensor&, const Tensor&, const std::string&, const Tensor&) { not_yet("binary_cross_entropy_with_logits"); }

}  // namespace functional
}  // namespace nn
}  // namespace ember
