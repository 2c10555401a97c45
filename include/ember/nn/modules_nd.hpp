// The 3-d convolution and pooling layers, the transposed 1-d and 3-d convolutions and
// max unpooling, Fold / Unfold and LPPool1d / 2d. LibTorch's option structs and defaults; printing gives PyTorch's repr.
// Each forward is the functional of the same name (ember/nn/functional_nd.hpp).
//
//   nn::Conv3d conv(nn::Conv3dOptions(1, 8, 3).padding(1));
//   nn::MaxPool3d pool(2);
//   auto [y, idx] = pool->forward_with_indices(x);
//   nn::MaxUnpool3d unpool(2);
//   Tensor back = unpool->forward(y, idx);
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/nn/modules.hpp"
#include "ember/nn/options/pooling.hpp"

namespace ember {
namespace nn {

// ---------------------------------------------------------------- convolutions
// input [N, C_in, D, H, W] or [C_in, D, H, W].
class Conv3dImpl : public detail::ConvBase {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit Conv3dImpl(const Conv3dOptions& options);
  Conv3dImpl(int64_t in_channels, int64_t out_channels, IntOrTuple kernel_size)
      : Conv3dImpl(Conv3dOptions(in_channels, out_channels, std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  Conv3dOptions options;
};
EMBER_MODULE(Conv3d);

// input [N, C_in, L] or [C_in, L]; weight [C_in, C_out / groups, K].
class ConvTranspose1dImpl : public detail::ConvBase {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit ConvTranspose1dImpl(const ConvTranspose1dOptions& options);
  ConvTranspose1dImpl(int64_t in_channels, int64_t out_channels, IntOrTuple kernel_size)
      : ConvTranspose1dImpl(ConvTranspose1dOptions(in_channels, out_channels, std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input, IntArrayRef output_size);  // as ConvTranspose2d's
  ConvTranspose1dOptions options;
};
EMBER_MODULE(ConvTranspose1d);

// input [N, C_in, D, H, W] or [C_in, D, H, W]; weight [C_in, C_out / groups, kD, kH, kW].
class ConvTranspose3dImpl : public detail::ConvBase {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit ConvTranspose3dImpl(const ConvTranspose3dOptions& options);
  ConvTranspose3dImpl(int64_t in_channels, int64_t out_channels, IntOrTuple kernel_size)
      : ConvTranspose3dImpl(ConvTranspose3dOptions(in_channels, out_channels, std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input, IntArrayRef output_size);  // as ConvTranspose2d's
  ConvTranspose3dOptions options;
};
EMBER_MODULE(ConvTranspose3d);

// ---------------------------------------------------------------- 3-d pooling
// input [N, C, D, H, W] or [C, D, H, W].
class MaxPool3dImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit MaxPool3dImpl(const MaxPool3dOptions& options);
  MaxPool3dImpl(IntOrTuple kernel_size) : MaxPool3dImpl(MaxPool3dOptions(std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  // The output and, per output, the flat index (d * H + h) * W + w of its maximum.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string extra_repr() const override;
  MaxPool3dOptions options;
};
EMBER_MODULE(MaxPool3d);

class AvgPool3dImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit AvgPool3dImpl(const AvgPool3dOptions& options);
  AvgPool3dImpl(IntOrTuple kernel_size) : AvgPool3dImpl(AvgPool3dOptions(std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  AvgPool3dOptions options;
};
EMBER_MODULE(AvgPool3d);

class AdaptiveAvgPool3dImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit AdaptiveAvgPool3dImpl(const AdaptiveAvgPool3dOptions& options);
  AdaptiveAvgPool3dImpl(IntOrTuple output_size) : AdaptiveAvgPool3dImpl(AdaptiveAvgPool3dOptions(std::move(output_size))) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  AdaptiveAvgPool3dOptions options;
};
EMBER_MODULE(AdaptiveAvgPool3d);

class AdaptiveMaxPool3dImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit AdaptiveMaxPool3dImpl(const AdaptiveMaxPool3dOptions& options);
  AdaptiveMaxPool3dImpl(IntOrTuple output_size) : AdaptiveMaxPool3dImpl(AdaptiveMaxPool3dOptions(std::move(output_size))) {}
  Tensor forward(const Tensor& input) override;
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string extra_repr() const override;
  AdaptiveMaxPool3dOptions options;
};
EMBER_MODULE(AdaptiveMaxPool3d);

// ---------------------------------------------------------------- max unpooling
// forward(input, indices, output_size): F::max_unpoolNd with the module's sizes.
template <int D>
class MaxUnpoolImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit MaxUnpoolImpl(const MaxUnpoolOptions<D>& options);
  MaxUnpoolImpl(IntOrTuple kernel_size) : MaxUnpoolImpl(MaxUnpoolOptions<D>(std::move(kernel_size))) {}
  using Module::forward;
  Tensor forward(const Tensor& input, const Tensor& indices,
                 const std::optional<std::vector<int64_t>>& output_size = std::nullopt);
  std::string extra_repr() const override;
  MaxUnpoolOptions<D> options;
};
using MaxUnpool1dImpl = MaxUnpoolImpl<1>;
using MaxUnpool2dImpl = MaxUnpoolImpl<2>;
using MaxUnpool3dImpl = MaxUnpoolImpl<3>;
extern template class MaxUnpoolImpl<1>;
extern template class MaxUnpoolImpl<2>;
extern template class MaxUnpoolImpl<3>;
EMBER_MODULE(MaxUnpool1d);
EMBER_MODULE(MaxUnpool2d);
EMBER_MODULE(MaxUnpool3d);

// ---------------------------------------------------------------- fold, unfold, lp pooling
class FoldImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit FoldImpl(const FoldOptions& options);
  FoldImpl(IntOrTuple output_size, IntOrTuple kernel_size)
      : FoldImpl(FoldOptions(std::move(output_size), std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  FoldOptions options;
};
EMBER_MODULE(Fold);

class UnfoldImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit UnfoldImpl(const UnfoldOptions& options);
  UnfoldImpl(IntOrTuple kernel_size) : UnfoldImpl(UnfoldOptions(std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  UnfoldOptions options;
};
EMBER_MODULE(Unfold);

template <int D>
class LPPoolImpl : public Module {
 public:
  EMBER_CLONE_FROM_OPTIONS
  explicit LPPoolImpl(const LPPoolOptions<D>& options);
  LPPoolImpl(double norm_type, IntOrTuple kernel_size) : LPPoolImpl(LPPoolOptions<D>(norm_type, std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  LPPoolOptions<D> options;
};
using LPPool1dImpl = LPPoolImpl<1>;
using LPPool2dImpl = LPPoolImpl<2>;
extern template class LPPoolImpl<1>;
extern template class LPPoolImpl<2>;
EMBER_MODULE(LPPool1d);
EMBER_MODULE(LPPool2d);

}  // namespace nn
}  // namespace ember
