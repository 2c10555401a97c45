// Dtype dispatch: runs a generic lambda body with T bound to the C++ type of a runtime
// dtype. (The choice of SIMD instruction set is ops/simd/isa.cpp.)
#pragma once
#include <cstdint>

#include "ember/dtype.hpp"

// T is float or double.
#define EMBER_DISPATCH_FLOAT(DT, ...)           \
  [&] {                                         \
    if ((DT) == Dtype::Float32) {               \
      using T = float;                          \
      return __VA_ARGS__();                     \
    } else {                                    \
      using T = double;                         \
      return __VA_ARGS__();                     \
    }                                           \
  }()
// T is any of the four element types.
#define EMBER_DISPATCH_ALL(DT, ...)                    \
  [&] {                                                \
    switch (DT) {                                      \
      case Dtype::Float32: {                           \
        using T = float;                               \
        return __VA_ARGS__();                          \
      }                                                \
      case Dtype::Float64: {                           \
        using T = double;                              \
        return __VA_ARGS__();                          \
      }                                                \
      case Dtype::Int64: {                             \
        using T = int64_t;                             \
        return __VA_ARGS__();                          \
      }                                                \
      default: {                                       \
        using T = bool;                                \
        return __VA_ARGS__();                          \
      }                                                \
    }                                                  \
  }()
