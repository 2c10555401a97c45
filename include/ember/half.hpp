// The 16-bit floating element types, as PyTorch's c10::Half and c10::BFloat16: 16 bits of
// storage that convert to and from float, rounding to nearest, ties to even. Arithmetic
// on them goes through float (the conversion operator), as ember's kernels do: they
// compute float16 and bfloat16 tensors in float32 and round the result back.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace ember {
namespace detail {
inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// IEEE binary16 from float: 1 sign, 5 exponent (bias 15), 10 mantissa bits.
inline uint16_t half_from_float(float f) {
  uint32_t x = float_bits(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  x &= 0x7FFFFFFFu;
  if (x >= 0x7F800000u) return sign | (x > 0x7F800000u ? 0x7E00u : 0x7C00u);  // NaN (quiet), infinity
  if (x >= 0x477FF000u) return sign | 0x7C00u;  // from 65520 up rounds to infinity
  if (x < 0x38800000u) {                         // below 2^-14: a subnormal half (or zero)
    if (x < 0x33000000u) return sign;            // below 2^-25, half the smallest subnormal
    const uint32_t e = x >> 23, mant = (x & 0x7FFFFFu) | 0x800000u;
    const uint32_t shift = 126 - e;  // value = mant * 2^(e-150), in units of 2^-24
    uint32_t r = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (r & 1u))) ++r;
    return static_cast<uint16_t>(sign | r);
  }
  uint32_t h = (x - 0x38000000u) >> 13;  // rebias the exponent (127 -> 15), drop 13 bits
  const uint32_t rem = x & 0x1FFFu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // a carry may raise the exponent
  return static_cast<uint16_t>(sign | h);
}
inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
  if (e == 0x1F) return bits_float(sign | 0x7F800000u | (m << 13));
  if (e == 0) {
    const float v = static_cast<float>(m) * 5.9604644775390625e-8f;  // m * 2^-24, exact
    return sign ? -v : v;
  }
  return bits_float(sign | ((e + 112) << 23) | (m << 13));
}
// bfloat16 is the top half of a float: round the low 16 bits away, ties to even.
inline uint16_t bfloat16_from_float(float f) {
  if (f != f) return 0x7FC0u;  // NaN
  const uint32_t x = float_bits(f);
  return static_cast<uint16_t>((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);
}
inline float bfloat16_to_float(uint16_t b) { return bits_float(static_cast<uint32_t>(b) << 16); }
}  // namespace detail

struct Half {
  uint16_t x = 0;  // the bits
  struct from_bits_t {};
  Half() = default;
  constexpr Half(uint16_t bits, from_bits_t) : x(bits) {}
  Half(float f) : x(detail::half_from_float(f)) {}
  operator float() const { return detail::half_to_float(x); }
  static Half from_bits(uint16_t bits) { return Half(bits, from_bits_t{}); }
};

struct BFloat16 {
  uint16_t x = 0;  // the bits
  struct from_bits_t {};
  BFloat16() = default;
  constexpr BFloat16(uint16_t bits, from_bits_t) : x(bits) {}
  BFloat16(float f) : x(detail::bfloat16_from_float(f)) {}
  operator float() const { return detail::bfloat16_to_float(x); }
  static BFloat16 from_bits(uint16_t bits) { return BFloat16(bits, from_bits_t{}); }
};

// Whether T is one of ember's floating element types (std::is_floating_point does not
// know the 16-bit ones).
template <class T>
constexpr bool is_float_type_v = std::is_floating_point<T>::value || std::is_same<T, Half>::value ||
                                 std::is_same<T, BFloat16>::value;

// One element converted to another element type, as PyTorch converts between dtypes:
// floats to the narrow integers through int64 (so -1.0 becomes 255 as uint8, as PyTorch
// does, instead of C++'s undefined behaviour), integers narrow with two's-complement
// wraparound, anything to bool is "not zero", and the 16-bit floats convert through float.
template <class D, class S>
D element_cast(S v) {
  if constexpr (std::is_same<D, S>::value) {
    return v;
  } else if constexpr (std::is_same<D, bool>::value) {
    if constexpr (std::is_same<S, Half>::value || std::is_same<S, BFloat16>::value)
      return static_cast<float>(v) != 0.0f;
    else
      return v != 0;
  } else if constexpr (std::is_same<D, Half>::value || std::is_same<D, BFloat16>::value) {
    return D(static_cast<float>(v));
  } else if constexpr (std::is_integral<D>::value && is_float_type_v<S>) {
    using Wide = std::conditional_t<std::is_same<S, double>::value, double, float>;
    return static_cast<D>(static_cast<int64_t>(static_cast<Wide>(v)));
  } else {
    return static_cast<D>(v);
  }
}

}  // namespace ember
