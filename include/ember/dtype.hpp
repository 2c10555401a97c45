// Element types and PyTorch's type-promotion rules.
#pragma once
#include <cstdint>
#include <iosfwd>

namespace ember {

enum class Dtype : uint8_t { Bool = 0, Int64 = 1, Float32 = 2, Float64 = 3 };
using ScalarType = Dtype;  // PyTorch's name for the same thing

// PyTorch's C++ spellings.
constexpr Dtype kBool = Dtype::Bool;
constexpr Dtype kInt64 = Dtype::Int64;
constexpr Dtype kLong = Dtype::Int64;
constexpr Dtype kFloat32 = Dtype::Float32;
constexpr Dtype kFloat = Dtype::Float32;
constexpr Dtype kFloat64 = Dtype::Float64;
constexpr Dtype kDouble = Dtype::Float64;
// And the Python ones.
constexpr Dtype float32 = Dtype::Float32;
constexpr Dtype float64 = Dtype::Float64;
constexpr Dtype int64 = Dtype::Int64;
constexpr Dtype bool_ = Dtype::Bool;

constexpr bool is_floating_point(Dtype t) { return t == Dtype::Float32 || t == Dtype::Float64; }
constexpr bool is_integral(Dtype t, bool include_bool) {
  return t == Dtype::Int64 || (include_bool && t == Dtype::Bool);
}
constexpr int64_t element_size(Dtype t) {
  return t == Dtype::Bool ? 1 : t == Dtype::Float32 ? 4 : 8;
}
const char* dtype_name(Dtype t);  // "float32", ...
std::ostream& operator<<(std::ostream& os, Dtype t);

// The promoted type of two tensor dtypes of the same priority (torch.promote_types).
constexpr Dtype promote_types(Dtype a, Dtype b) { return a > b ? a : b; }

// The default floating dtype: float32, as in PyTorch.
Dtype get_default_dtype();
void set_default_dtype(Dtype t);

template <class T>
struct DtypeOf;
template <>
struct DtypeOf<float> {
  static constexpr Dtype value = Dtype::Float32;
};
template <>
struct DtypeOf<double> {
  static constexpr Dtype value = Dtype::Float64;
};
template <>
struct DtypeOf<int64_t> {
  static constexpr Dtype value = Dtype::Int64;
};
template <>
struct DtypeOf<bool> {
  static constexpr Dtype value = Dtype::Bool;
};

}  // namespace ember
