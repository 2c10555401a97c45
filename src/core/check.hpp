// Internal helpers for raising ember::Error with a formatted message, and fmt
// formatters for shapes and dtypes so messages read "[2, 3]" and "float32".
#pragma once
#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "ember/dtype.hpp"
#include "ember/error.hpp"
#include "ember/small_vector.hpp"

namespace ember {
namespace detail {
[[noreturn]] void fail(std::string message);

// Sizes, strides, storage offsets and byte counts are computed from user input, so a
// product or sum of them can wrap. These do the arithmetic and say whether the result
// fits in int64 (one instruction and a flag test: cheap enough for every op).
inline bool mul_fits(int64_t a, int64_t b, int64_t& out) { return !__builtin_mul_overflow(a, b, &out); }
inline bool add_fits(int64_t a, int64_t b, int64_t& out) { return !__builtin_add_overflow(a, b, &out); }
}  // namespace detail
}  // namespace ember

// EMBER_CHECK(cond, "matmul: cannot multiply {} by {}", a.sizes(), b.sizes());
#define EMBER_CHECK(cond, ...)                                          \
  do {                                                                  \
    if (!(cond)) ::ember::detail::fail(::fmt::format(__VA_ARGS__));     \
  } while (0)

template <>
struct fmt::formatter<ember::IntArrayRef> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(ember::IntArrayRef s, Ctx& ctx) const {
    std::string out = "[";
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (i) out += ", ";
      out += std::to_string(s[i]);
    }
    out += "]";
    return fmt::formatter<std::string_view>::format(out, ctx);
  }
};
template <>
struct fmt::formatter<ember::Shape> : fmt::formatter<ember::IntArrayRef> {
  template <class Ctx>
  auto format(const ember::Shape& s, Ctx& ctx) const {
    return fmt::formatter<ember::IntArrayRef>::format(ember::IntArrayRef(s), ctx);
  }
};
template <>
struct fmt::formatter<ember::Dtype> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(ember::Dtype d, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(ember::dtype_name(d), ctx);
  }
};
