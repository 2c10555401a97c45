// Dtype dispatch: runs a generic lambda body with T bound to the C++ element type of a
// runtime dtype. A core header, since printing and item() dispatch on dtypes too.
// (The choice of SIMD instruction set is elsewhere: ops/simd/isa.cpp.)
#pragma once
#include <cstdint>

#include "ember/dtype.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace detail {
// A dtype reached a kernel that does not handle it. Every caller checks the dtype
// first and names the user's op in that error, so this is a bug in the library;
// `kernel` is the C++ function that dispatched.
// Cold and out of line: it must not grow the dispatching functions (the small-op fast
// paths) it is written into.
[[noreturn]] __attribute__((cold, noinline)) inline void unexpected_dtype(const char* kernel, Dtype dt, const char* handled) {
  // A narrow dtype (int32 ... uint8, float16, bfloat16) reaches the few kernels that do not
  // convert it to its kernel dtype yet: a user's error to report, not a bug.
  if (kernel_dtype(dt) != dt)
    fail(fmt::format("{}: not supported for {} tensors (computes in {} and {}); convert the inputs with .to({})",
                     kernel, dt, handled, dtype_name(kernel_dtype(dt)), dtype_name(kernel_dtype(dt))));
  fail(fmt::format("{}: internal error: dtype {} reached a kernel for {} only", kernel, dt, handled));
}

template <class T>
struct TypeTag {
  using type = T;
};
// f(TypeTag<T>{}) with T the element type of dt, any of the ten: the form of
// EMBER_DISPATCH_EVERY for templates whose own parameter is called T.
template <class F>
decltype(auto) visit_dtype(Dtype dt, F&& f) {
  switch (dt) {
    case Dtype::Float32: return f(TypeTag<float>{});
    case Dtype::Float64: return f(TypeTag<double>{});
    case Dtype::Int64: return f(TypeTag<int64_t>{});
    case Dtype::Bool: return f(TypeTag<bool>{});
    case Dtype::Int32: return f(TypeTag<int32_t>{});
    case Dtype::Int16: return f(TypeTag<int16_t>{});
    case Dtype::Int8: return f(TypeTag<int8_t>{});
    case Dtype::UInt8: return f(TypeTag<uint8_t>{});
    case Dtype::Float16: return f(TypeTag<Half>{});
    case Dtype::BFloat16: return f(TypeTag<BFloat16>{});
  }
  unexpected_dtype("visit_dtype", dt, "the ten dtypes");
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
// T is any of the four types kernels compute in (bool, int64, float32, float64). The
// narrow dtypes reach them converted (see kernel_dtype in ember/dtype.hpp).
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
      default: break;                                                                              \
    }                                                                                              \
    ::ember::detail::unexpected_dtype(ember_dispatch_kernel_, DT, "bool, int64, float32 and float64");              \
  }()
// T is any of the ten element types: for code that moves or converts elements (copy,
// fill, printing), not for arithmetic.
#define EMBER_DISPATCH_EVERY(DT, ...)                                                       \
  [&, ember_dispatch_kernel_ = static_cast<const char*>(__func__)] {                        \
    switch (DT) {                                                                           \
      EMBER_DISPATCH_CASE_(Float32, float, __VA_ARGS__)                                     \
      EMBER_DISPATCH_CASE_(Float64, double, __VA_ARGS__)                                    \
      EMBER_DISPATCH_CASE_(Int64, int64_t, __VA_ARGS__)                                     \
      EMBER_DISPATCH_CASE_(Bool, bool, __VA_ARGS__)                                         \
      EMBER_DISPATCH_CASE_(Int32, int32_t, __VA_ARGS__)                                     \
      EMBER_DISPATCH_CASE_(Int16, int16_t, __VA_ARGS__)                                     \
      EMBER_DISPATCH_CASE_(Int8, int8_t, __VA_ARGS__)                                       \
      EMBER_DISPATCH_CASE_(UInt8, uint8_t, __VA_ARGS__)                                     \
      EMBER_DISPATCH_CASE_(Float16, ::ember::Half, __VA_ARGS__)                             \
      EMBER_DISPATCH_CASE_(BFloat16, ::ember::BFloat16, __VA_ARGS__)                        \
    }                                                                                       \
    ::ember::detail::unexpected_dtype(ember_dispatch_kernel_, DT, "the ten dtypes");        \
  }()
#define EMBER_DISPATCH_CASE_(ENUM, TYPE, ...) \
  case Dtype::ENUM: {                         \
    using T = TYPE;                           \
    return __VA_ARGS__();                     \
  }
