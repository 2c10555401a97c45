// The upsampling modules: Upsample (F::interpolate with fixed options) and Python's
// UpsamplingNearest2d / UpsamplingBilinear2d, printed as PyTorch prints them.
//   nn::Upsample up(nn::UpsampleOptions().scale_factor({2.0, 2.0}).mode(ember::kBilinear));
#pragma once
#include <string>

#include "ember/nn/functional_upsampling.hpp"
#include "ember/nn/modules.hpp"
#include "ember/nn/options/upsampling.hpp"

namespace ember {
namespace nn {

class UpsampleImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit UpsampleImpl(const UpsampleOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  UpsampleOptions options;

 protected:
  UpsampleImpl(const char* type_name, const UpsampleOptions& options);
};
EMBER_MODULE(Upsample);

// mode "nearest"; [N, C, H, W] input.
class UpsamplingNearest2dImpl : public UpsampleImpl {
 public:
  explicit UpsamplingNearest2dImpl(const UpsamplingNearest2dOptions& options = {});
};
EMBER_MODULE(UpsamplingNearest2d);

// mode "bilinear" with align_corners=True; [N, C, H, W] input.
class UpsamplingBilinear2dImpl : public UpsampleImpl {
 public:
  explicit UpsamplingBilinear2dImpl(const UpsamplingBilinear2dOptions& options = {});
};
EMBER_MODULE(UpsamplingBilinear2d);

}  // namespace nn
}  // namespace ember
