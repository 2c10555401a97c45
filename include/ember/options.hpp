// TensorOptions, as in PyTorch: `ember::zeros({2, 3}, ember::dtype(ember::kFloat64)
// .requires_grad())`, or pass a Dtype directly: `ember::ones({3}, ember::kInt64)`.
#pragma once
#include <optional>

#include "ember/device.hpp"
#include "ember/dtype.hpp"

namespace ember {

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

}  // namespace ember
