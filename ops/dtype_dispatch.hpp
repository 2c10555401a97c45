// Dtype dispatch: runs a generic lambda body with T bound to the C++ element type of a
// runtime dtype. (The choice of SIMD instruction set is elsewhere: ops/simd/isa.cpp.)
#pragma once
#include <cstdint>

#include "ember/dtype.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace detail {
// A dtype reached a kernel that does not handle it. Every caller checks the dtype
// first and names the user's op in that error, so this is a bug in the library;
// `kernel` is the C++ function that dispatched.
[[noreturn]] inline void unexpected_dtype(const char* kernel, Dtype dt, const char* handled) {
  fail(fmt::format("{}: internal error: dtype {} reached a kernel for {} only", kernel, dt, handled));
}
}  // namespace detail
}  // namespace ember

// T is float for float32 and double for float64. The callers have checked that the dtype
// is one of the two (naming the op in their error); any other dtype throws.
#define EMBER_DISPATCH_FLOAT(DT, ...)                                                              \
  [&, ember_dispatch_kernel_ = static_cast<const char*>(__func__)] {                               \
    switch (DT) {                                                                                  \
      case Dtype::Float32: {                                                                       \
        using T = float;                                                                           \
        return __VA_ARGS__();                                                                      \
      }                                                                                            \
      case Dtype::Float64: {                                                                       \
        using T = double;                                                                          \
        return __VA_ARGS__();                                                                      \
      }                                                                                            \
      default: ::ember::detail::unexpected_dtype(ember_dispatch_kernel_, DT, "float32 and float64"); \
    }                                                                                              \
  }()
// T is any of the four element types.
#define EMBER_DISPATCH_ALL(DT, ...)                                                                \
  [&, ember_dispatch_kernel_ = static_cast<const char*>(__func__)] {                               \
    switch (DT) {                                                                                  \
      case Dtype::Float32: {                                                                       \
        using T = float;                                                                           \
        return __VA_ARGS__();                                                                      \
      }                                                                                            \
      case Dtype::Float64: {                                                                       \
        using T = double;                                                                          \
        return __VA_ARGS__();                                                                      \
      }                                                                                            \
      case Dtype::Int64: {                                                                         \
        using T = int64_t;                                                                         \
        return __VA_ARGS__();                                                                      \
      }                                                                                            \
      case Dtype::Bool: {                                                                          \
        using T = bool;                                                                            \
        return __VA_ARGS__();                                                                      \
      }                                                                                            \
    }                                                                                              \
    ::ember::detail::unexpected_dtype(ember_dispatch_kernel_, DT, "the four dtypes");              \
  }()
