// The folds of the reduction engine (ops/reduction.cpp), also used by softmax's row
// kernel (ops/softmax.cpp). Private to ops/.
#pragma once
#include <cstdint>
#include <limits>
#include <type_traits>

#include "ops/functors.hpp"
#include "ops/reduction_common.hpp"

namespace ember {
namespace kernels {

using reduction_common::wide_t;

// Contiguous runs are folded in segments of this many elements.
constexpr int64_t kSegment = 16384;

// Each fold: Acc (the accumulator), init, step (one element), merge (two partials), run
// (a contiguous run, n >= 1), rows (acc[i] op= x[i] on T), rows4 (the same for four rows
// at once), finish.
template <class T>
struct SumFold {
  using Acc = wide_t<T>;
  static Acc init() { return Acc(0); }
  static Acc step(Acc a, T v) { return a + v; }
  static Acc merge(Acc a, Acc b) { return a + b; }
  static Acc run(const T* p, int64_t n) {
    if constexpr (std::is_floating_point<T>::value) {
      if (auto f = ContigReduce<T>::sum_blocked) return f(p, n);
    }
    T a = 0;
    for (int64_t i = 0; i < n; ++i) a += p[i];
    return a;
  }
  static void rows(T* acc, const T* x, int64_t n) {
    if constexpr (std::is_floating_point<T>::value) {
      if (auto f = ContigReduce<T>::accumulate) return f(acc, x, n);
    }
    for (int64_t i = 0; i < n; ++i) acc[i] += x[i];
  }
  static void rows4(T* acc, const T* const* x, int64_t n) {
    if constexpr (std::is_floating_point<T>::value) {
      if (auto f = ContigReduce<T>::accumulate4) return f(acc, x[0], x[1], x[2], x[3], n);
    }
    for (int64_t i = 0; i < n; ++i) acc[i] += (x[0][i] + x[1][i]) + (x[2][i] + x[3][i]);
  }
  static T finish(Acc a) { return static_cast<T>(a); }
};

template <class T>
struct ProdFold {
  using Acc = wide_t<T>;
  static Acc init() { return Acc(1); }
  static Acc step(Acc a, T v) { return a * v; }
  static Acc merge(Acc a, Acc b) { return a * b; }
  static Acc run(const T* p, int64_t n) {
    Acc a = 1;
    for (int64_t i = 0; i < n; ++i) a *= p[i];
    return a;
  }
  static void rows(T* acc, const T* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) acc[i] *= x[i];
  }
  static void rows4(T* acc, const T* const* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) acc[i] *= (x[0][i] * x[1][i]) * (x[2][i] * x[3][i]);
  }
  static T finish(Acc a) { return static_cast<T>(a); }
};

template <class T, bool IsMax>
struct ExtremeFold {
  using Acc = T;
  static Acc init() {
    if constexpr (std::is_same<T, bool>::value) return !IsMax;
    if constexpr (std::is_floating_point<T>::value)
      return IsMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    return IsMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
  // NaN wins: once the accumulator is NaN it stays NaN.
  static Acc step(Acc a, T v) { return (v != v || (IsMax ? v > a : v < a)) ? v : a; }
  static Acc merge(Acc a, Acc b) { return step(a, b); }
  static Acc run(const T* p, int64_t n) {
    if constexpr (std::is_floating_point<T>::value) {
      if (auto f = IsMax ? ContigReduce<T>::max : ContigReduce<T>::min) return f(p, n);
    }
    Acc a = p[0];
    for (int64_t i = 1; i < n; ++i) a = step(a, p[i]);
    return a;
  }
  static void rows(T* acc, const T* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) acc[i] = step(acc[i], x[i]);
  }
  static void rows4(T* acc, const T* const* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) acc[i] = step(step(step(step(acc[i], x[0][i]), x[1][i]), x[2][i]), x[3][i]);
  }
  static T finish(Acc a) { return a; }
};

template <bool IsAll>
struct LogicalFold {
  using T = bool;
  using Acc = bool;
  static Acc init() { return IsAll; }
  static Acc step(Acc a, T v) { return IsAll ? (a && v) : (a || v); }
  static Acc merge(Acc a, Acc b) { return step(a, b); }
  static Acc run(const T* p, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      if (p[i] != IsAll) return !IsAll;
    return IsAll;
  }
  static void rows(T* acc, const T* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) acc[i] = step(acc[i], x[i]);
  }
  static void rows4(T* acc, const T* const* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) acc[i] = step(step(step(step(acc[i], x[0][i]), x[1][i]), x[2][i]), x[3][i]);
  }
  static T finish(Acc a) { return a; }
};

}  // namespace kernels
}  // namespace ember
