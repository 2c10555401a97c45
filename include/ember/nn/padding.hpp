// The padding modules: reflection, replication, zero and constant padding of the last
// 1, 2 or 3 dims, LibTorch's option structs and PyTorch's repr. `padding` is one number
// for every side or one per side, from the last dim backwards (left, right, top,
// bottom, front, back), as F::pad takes them.
//
//   nn::ReflectionPad2d pad(nn::ReflectionPad2dOptions({1, 1, 2, 0}));
//   nn::ConstantPad1d pad(nn::ConstantPad1dOptions(2, 3.5));
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "ember/nn/modules.hpp"
#include "ember/nn/options/padding.hpp"

namespace ember {
namespace nn {

// ---------------------------------------------------------------- modules
namespace detail {
// What the padding modules share: the 2 * dims pad amounts, the mode and fill value,
// forward through F::pad, and the repr.
class PadBase : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::vector<int64_t> padding;  // 2 * dims values, last dim first

 protected:
  PadBase(const char* name, std::size_t dims, const IntOrTuple& padding, std::string mode, double value);
  std::string mode_;
  double value_;
  std::size_t dims_;
};
}  // namespace detail

#define EMBER_PAD_MODULE(Name, D, OPTIONS, MODE)                                               \
  class Name##Impl : public detail::PadBase {                                                  \
   public:                                                                                     \
    explicit Name##Impl(const OPTIONS& options)                                                \
        : PadBase(#Name, D, options.padding(), MODE, 0.0), options(options) {}                 \
    Name##Impl(IntOrTuple padding) : Name##Impl(OPTIONS(std::move(padding))) {}                \
    OPTIONS options;                                                                           \
  };                                                                                           \
  EMBER_MODULE(Name)

// input [C, W] or [N, C, W] (1d), [C, H, W] or [N, C, H, W] (2d), [C, D, H, W] or [N, C, D, H, W] (3d).
EMBER_PAD_MODULE(ReflectionPad1d, 1, ReflectionPad1dOptions, "reflect");
EMBER_PAD_MODULE(ReflectionPad2d, 2, ReflectionPad2dOptions, "reflect");
EMBER_PAD_MODULE(ReflectionPad3d, 3, ReflectionPad3dOptions, "reflect");
EMBER_PAD_MODULE(ReplicationPad1d, 1, ReplicationPad1dOptions, "replicate");
EMBER_PAD_MODULE(ReplicationPad2d, 2, ReplicationPad2dOptions, "replicate");
EMBER_PAD_MODULE(ReplicationPad3d, 3, ReplicationPad3dOptions, "replicate");
EMBER_PAD_MODULE(ZeroPad2d, 2, ZeroPad2dOptions, "constant");
#undef EMBER_PAD_MODULE

#define EMBER_CONSTANT_PAD_MODULE(Name, D)                                                      \
  class Name##Impl : public detail::PadBase {                                                   \
   public:                                                                                      \
    explicit Name##Impl(const Name##Options& options)                                           \
        : PadBase(#Name, D, options.padding(), "constant", options.value()), options(options) {} \
    Name##Impl(IntOrTuple padding, double value) : Name##Impl(Name##Options(std::move(padding), value)) {} \
    Name##Options options;                                                                      \
  };                                                                                            \
  EMBER_MODULE(Name)

EMBER_CONSTANT_PAD_MODULE(ConstantPad1d, 1);
EMBER_CONSTANT_PAD_MODULE(ConstantPad2d, 2);
EMBER_CONSTANT_PAD_MODULE(ConstantPad3d, 3);
#undef EMBER_CONSTANT_PAD_MODULE

}  // namespace nn
}  // namespace ember
