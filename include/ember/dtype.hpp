// Element types and PyTorch's type-promotion rules.
#pragma once
#include <cstdint>
#include <iosfwd>

#include "ember/half.hpp"

namespace ember {

// The first four keep their numbers (ember's own checkpoint format stores them); the
// narrow types follow.
enum class Dtype : uint8_t {
  Bool = 0,
  Int64 = 1,
  Float32 = 2,
  Float64 = 3,
  Int32 = 4,
  Int16 = 5,
  Int8 = 6,
  UInt8 = 7,
  Float16 = 8,
  BFloat16 = 9,
};
constexpr int kNumDtypes = 10;
using ScalarType = Dtype;  // PyTorch's name for the same thing

// PyTorch's C++ spellings.
constexpr Dtype kBool = Dtype::Bool;
constexpr Dtype kInt64 = Dtype::Int64;
constexpr Dtype kLong = Dtype::Int64;
constexpr Dtype kInt32 = Dtype::Int32;
constexpr Dtype kInt = Dtype::Int32;
constexpr Dtype kInt16 = Dtype::Int16;
constexpr Dtype kShort = Dtype::Int16;
constexpr Dtype kInt8 = Dtype::Int8;
constexpr Dtype kChar = Dtype::Int8;
constexpr Dtype kUInt8 = Dtype::UInt8;
constexpr Dtype kByte = Dtype::UInt8;
constexpr Dtype kFloat16 = Dtype::Float16;
constexpr Dtype kHalf = Dtype::Float16;
constexpr Dtype kBFloat16 = Dtype::BFloat16;
constexpr Dtype kFloat32 = Dtype::Float32;
constexpr Dtype kFloat = Dtype::Float32;
constexpr Dtype kFloat64 = Dtype::Float64;
constexpr Dtype kDouble = Dtype::Float64;
// And the Python ones.
constexpr Dtype float32 = Dtype::Float32;
constexpr Dtype float64 = Dtype::Float64;
constexpr Dtype float16 = Dtype::Float16;
constexpr Dtype half = Dtype::Float16;
constexpr Dtype bfloat16 = Dtype::BFloat16;
constexpr Dtype int64 = Dtype::Int64;
constexpr Dtype int32 = Dtype::Int32;
constexpr Dtype int16 = Dtype::Int16;
constexpr Dtype int8 = Dtype::Int8;
constexpr Dtype uint8 = Dtype::UInt8;
constexpr Dtype bool_ = Dtype::Bool;

constexpr bool is_floating_point(Dtype t) {
  return t == Dtype::Float32 || t == Dtype::Float64 || t == Dtype::Float16 || t == Dtype::BFloat16;
}
constexpr bool is_integral(Dtype t, bool include_bool) {
  return t == Dtype::Int64 || t == Dtype::Int32 || t == Dtype::Int16 || t == Dtype::Int8 || t == Dtype::UInt8 ||
         (include_bool && t == Dtype::Bool);
}
// In bytes. A table, not a switch: every tensor allocation asks.
constexpr int64_t element_size(Dtype t) {
  constexpr int8_t bytes[kNumDtypes] = {1, 8, 4, 8, 4, 2, 1, 1, 2, 2};  // in enumerator order
  return bytes[static_cast<int>(t)];
}
// The dtype kernels compute a dtype in: the narrow integers in int64 (wrapping around
// when the result is narrowed back, as PyTorch's arithmetic does), float16 and bfloat16
// in float32 (rounded back, as PyTorch's CPU kernels do). The others compute as they are.
constexpr Dtype kernel_dtype(Dtype t) {
  switch (t) {
    case Dtype::Int32:
    case Dtype::Int16:
    case Dtype::Int8:
    case Dtype::UInt8: return Dtype::Int64;
    case Dtype::Float16:
    case Dtype::BFloat16: return Dtype::Float32;
    default: return t;
  }
}
const char* dtype_name(Dtype t);  // "float32", "bfloat16", ...
std::ostream& operator<<(std::ostream& os, Dtype t);

// The promoted type of two tensor dtypes of the same priority (torch.promote_types).
constexpr Dtype promote_types(Dtype a, Dtype b) {
  constexpr Dtype table[kNumDtypes][kNumDtypes] = {
#include "ember/detail/promotion_table.inc"
  };
  return table[static_cast<int>(a)][static_cast<int>(b)];
}

// The default floating dtype: float32, as in PyTorch.
Dtype get_default_dtype();
void set_default_dtype(Dtype t);

template <class T>
struct DtypeOf;
#define EMBER_DTYPE_OF(TYPE, DTYPE)              \
  template <>                                    \
  struct DtypeOf<TYPE> {                         \
    static constexpr Dtype value = Dtype::DTYPE; \
  };
EMBER_DTYPE_OF(float, Float32)
EMBER_DTYPE_OF(double, Float64)
EMBER_DTYPE_OF(int64_t, Int64)
EMBER_DTYPE_OF(bool, Bool)
EMBER_DTYPE_OF(int32_t, Int32)
EMBER_DTYPE_OF(int16_t, Int16)
EMBER_DTYPE_OF(int8_t, Int8)
EMBER_DTYPE_OF(uint8_t, UInt8)
EMBER_DTYPE_OF(Half, Float16)
EMBER_DTYPE_OF(BFloat16, BFloat16)
#undef EMBER_DTYPE_OF

}  // namespace ember
