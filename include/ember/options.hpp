// TensorOptions, as in PyTorch: `ember::zeros({2, 3}, ember::dtype(ember::kFloat64)
// .requires_grad())`, or pass a Dtype directly: `ember::ones({3}, ember::kInt64)`.
#pragma once
#include <optional>

#include "ember/device.hpp"
#include "ember/dtype.hpp"
#include "ember/layout.hpp"

namespace ember {
namespace detail {
[[noreturn]] void refuse_layout(Layout layout, const char* op);
}  // namespace detail

// LibTorch spells std::optional as torch::optional (c10::optional).
using std::nullopt;
using std::optional;

class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(Dtype d) : dtype_(d) {}

  TensorOptions dtype(Dtype d) const {
    TensorOptions o = *this;
    o.dtype_ = d;
    return o;
  }
  TensorOptions requires_grad(bool r) const {
    TensorOptions o = *this;
    o.requires_grad_ = r;
    return o;
  }
  // Only the CPU is accepted (see <ember/device.hpp>); another device is an ember::Error here.
  TensorOptions device(Device d) const {
    detail::check_cpu(d, "TensorOptions::device");
    return *this;
  }
  Device device() const { return Device(kCPU); }
  // Only kStrided is accepted: ember has no sparse tensors (an ember::Error here).
  TensorOptions layout(Layout l) const {
    if (l != kStrided) detail::refuse_layout(l, "TensorOptions::layout");
    return *this;
  }
  Layout layout() const { return kStrided; }
  bool has_dtype() const { return dtype_.has_value(); }
  // The dtype asked for, or the default float dtype.
  Dtype dtype() const { return dtype_ ? *dtype_ : get_default_dtype(); }
  std::optional<Dtype> dtype_opt() const { return dtype_; }
  bool requires_grad() const { return requires_grad_; }

 private:
  std::optional<Dtype> dtype_;
  bool requires_grad_ = false;
};

inline TensorOptions dtype(Dtype d) { return TensorOptions().dtype(d); }
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }
inline TensorOptions device(Device d) { return TensorOptions().device(d); }
inline TensorOptions layout(Layout l) { return TensorOptions().layout(l); }

}  // namespace ember
