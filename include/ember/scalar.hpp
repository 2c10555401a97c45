// A number passed to an op (`x + 2`, `clamp(x, 0.5)`): a double, an int64 or a bool,
// remembering which, since PyTorch's promotion depends on it (int tensor * 2 stays int,
// int tensor * 2.5 becomes float).
#pragma once
#include <cstdint>
#include <type_traits>

#include "ember/dtype.hpp"

namespace ember {

class Scalar {
 public:
  Scalar() : kind_(Dtype::Int64), i_(0) {}
  Scalar(bool v) : kind_(Dtype::Bool), i_(v ? 1 : 0) {}
  template <class T, std::enable_if_t<std::is_integral<T>::value && !std::is_same<T, bool>::value, int> = 0>
  Scalar(T v) : kind_(Dtype::Int64), i_(static_cast<int64_t>(v)) {}
  template <class T, std::enable_if_t<std::is_floating_point<T>::value, int> = 0>
  Scalar(T v) : kind_(Dtype::Float64), d_(static_cast<double>(v)) {}

  bool is_floating_point() const { return kind_ == Dtype::Float64; }
  bool is_integral() const { return kind_ == Dtype::Int64; }
  bool is_boolean() const { return kind_ == Dtype::Bool; }
  // Float64 for a floating value, Int64 for an integer, Bool for a bool.
  Dtype kind() const { return kind_; }

  double to_double() const { return kind_ == Dtype::Float64 ? d_ : static_cast<double>(i_); }
  int64_t to_int() const { return kind_ == Dtype::Float64 ? static_cast<int64_t>(d_) : i_; }
  bool to_bool() const { return kind_ == Dtype::Float64 ? d_ != 0.0 : i_ != 0; }
  // LibTorch's spellings (`x.item().toFloat()`).
  float toFloat() const { return static_cast<float>(to_double()); }
  double toDouble() const { return to_double(); }
  int toInt() const { return static_cast<int>(to_int()); }
  int64_t toLong() const { return to_int(); }
  bool toBool() const { return to_bool(); }
  // The number as element type T (any of the ten), converted as PyTorch converts.
  template <class T>
  T to() const {
    if constexpr (is_float_type_v<T>)
      return element_cast<T>(to_double());
    else if constexpr (std::is_same<T, bool>::value)
      return to_bool();
    else if (kind_ == Dtype::Float64)
      return element_cast<T>(d_);
    else
      return element_cast<T>(i_);
  }

 private:
  Dtype kind_;
  union {
    double d_;
    int64_t i_;
  };
};

}  // namespace ember
