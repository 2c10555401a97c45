// Elementwise operations written once for a scalar T and for an xsimd batch: V is
// either. Unqualified math calls find std:: versions (via ember::kernels::vm) for
// scalars and xsimd's by argument-dependent lookup for batches.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ops/special_math.hpp"

// The float32 specializations below that hand batches to ember's own SIMD functions are
// always inlined: GCC otherwise calls them once per vector from the loops (it judges the
// SIMD bodies too large), which reloads their constants on every call.
#if defined(__GNUC__)
#define EMBER_FUNCTOR_INLINE inline __attribute__((always_inline))
#else
#define EMBER_FUNCTOR_INLINE inline
#endif

namespace ember {
namespace kernels {
namespace vm {
template <class T>
using if_scalar = std::enable_if_t<std::is_arithmetic<T>::value, T>;
template <class T> if_scalar<T> exp(T x) { return std::exp(x); }
template <class T> if_scalar<T> expm1(T x) { return std::expm1(x); }
template <class T> if_scalar<T> log(T x) { return std::log(x); }
template <class T> if_scalar<T> log1p(T x) { return std::log1p(x); }
template <class T> if_scalar<T> sqrt(T x) { return std::sqrt(x); }
template <class T> if_scalar<T> sin(T x) { return std::sin(x); }
template <class T> if_scalar<T> cos(T x) { return std::cos(x); }
template <class T> if_scalar<T> tanh(T x) { return std::tanh(x); }
template <class T> if_scalar<T> erf(T x) { return std::erf(x); }
template <class T> if_scalar<T> erfc(T x) { return std::erfc(x); }
template <class T> if_scalar<T> exp2(T x) { return std::exp2(x); }
template <class T> if_scalar<T> log2(T x) { return std::log2(x); }
template <class T> if_scalar<T> log10(T x) { return std::log10(x); }
template <class T> if_scalar<T> tan(T x) { return std::tan(x); }
template <class T> if_scalar<T> asin(T x) { return std::asin(x); }
template <class T> if_scalar<T> acos(T x) { return std::acos(x); }
template <class T> if_scalar<T> atan(T x) { return std::atan(x); }
template <class T> if_scalar<T> sinh(T x) { return std::sinh(x); }
template <class T> if_scalar<T> cosh(T x) { return std::cosh(x); }
template <class T> if_scalar<T> asinh(T x) { return std::asinh(x); }
template <class T> if_scalar<T> acosh(T x) { return std::acosh(x); }
template <class T> if_scalar<T> atanh(T x) { return std::atanh(x); }
template <class T> if_scalar<T> floor(T x) { return std::floor(x); }
template <class T> if_scalar<T> ceil(T x) { return std::ceil(x); }
template <class T> if_scalar<T> trunc(T x) { return std::trunc(x); }
// Rounds half to even in the default rounding mode, as torch.round.
template <class T> if_scalar<T> nearbyint(T x) { return std::nearbyint(x); }
template <class T> if_scalar<T> abs(T x) { return x < 0 ? -x : x; }
template <class T> if_scalar<T> pow(T x, T y) { return std::pow(x, y); }
template <class T> if_scalar<T> select(bool c, T a, T b) { return c ? a : b; }
// NaN-propagating max/min, as torch.maximum/minimum. A NaN is found as !(a == a): xsimd's
// AVX and AVX-512 != is the ordered comparison, false for a NaN, where SSE2's is true.
template <class V> V fmax_nan(V a, V b) { return select(!(a == a) | (a > b), a, b); }
template <class V> V fmin_nan(V a, V b) { return select(!(a == a) | (a < b), a, b); }

// Division with rounding, one element at a time: exact for floats (std::fmod, not a
// trunc(a / b) * b estimate that can be off by one b when a / b rounds to an integer)
// and for int64 (a zero divisor is refused before the kernel runs).
template <class T> T fmod_scalar(T a, T b) {
  if constexpr (std::is_integral<T>::value)
    return b == -1 ? T(0) : a % b;  // INT64_MIN % -1 traps on x86
  else
    return std::fmod(a, b);
}
template <class T> T remainder_scalar(T a, T b) {
  T m = fmod_scalar(a, b);
  return m != T(0) && ((m < T(0)) != (b < T(0))) ? m + b : m;
}
// As PyTorch's div(rounding_mode="floor"): floats round (a - fmod(a, b)) / b, which is
// exact, down; a zero divisor gives a / b (inf or nan).
template <class T> T floor_divide_scalar(T a, T b) {
  if constexpr (std::is_integral<T>::value) {
    if (b == -1) return T(0) - a;
    T q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
  } else {
    if (b == T(0)) return a / b;
    T m = std::fmod(a, b);
    T d = (a - m) / b;
    if (m != T(0) && ((b < T(0)) != (m < T(0)))) d -= T(1);
    if (d == T(0)) return std::copysign(T(0), a / b);
    T f = std::floor(d);
    return d - f > T(0.5) ? f + T(1) : f;
  }
}
// f on each lane of a batch (or on a scalar).
template <class V, class F> V lanewise(V a, V b, F f) {
  if constexpr (std::is_arithmetic<V>::value) {
    return f(a, b);
  } else {
    using E = typename V::value_type;
    alignas(64) E x[V::size], y[V::size];
    a.store_aligned(x);
    b.store_aligned(y);
    for (std::size_t i = 0; i < V::size; ++i) x[i] = f(x[i], y[i]);
    return V::load_aligned(x);
  }
}
template <class V> V fmod_of(V a, V b) { return lanewise(a, b, [](auto x, auto y) { return fmod_scalar(x, y); }); }
template <class V> V remainder_of(V a, V b) {
  return lanewise(a, b, [](auto x, auto y) { return remainder_scalar(x, y); });
}
template <class V> V floor_divide_of(V a, V b) {
  return lanewise(a, b, [](auto x, auto y) { return floor_divide_scalar(x, y); });
}
// A special function (ops/special_math.hpp) on each lane of a batch, or on a scalar.
template <class V, class F> V special_of(V x, F f) {
  if constexpr (std::is_arithmetic<V>::value) {
    return f(x);
  } else {
    using E = typename V::value_type;
    alignas(64) E v[V::size];
    x.store_aligned(v);
    for (std::size_t i = 0; i < V::size; ++i) v[i] = f(v[i]);
    return V::load_aligned(v);
  }
}
template <class V, class F> V special_of(V a, V b, F f) {
  return lanewise(a, b, [f](auto p, auto q) {
    using E = decltype(p);
    if constexpr (std::is_integral<E>::value)
      return E(f(double(p), double(q)));  // instantiated, never run: the rows compute in float
    else
      return f(p, q);
  });
}
}  // namespace vm

// The value type of V's elements.
template <class V, class = void>
struct elem {
  using type = V;
};
template <class V>
struct elem<V, std::void_t<typename V::value_type>> {
  using type = typename V::value_type;
};
template <class V>
using elem_t = typename elem<V>::type;

namespace vm {
// Rounding of a float value or batch; integers are already whole and pass through.
template <class V> V floor_of(V x) {
  if constexpr (std::is_integral<elem_t<V>>::value) return x; else return floor(x);
}
template <class V> V ceil_of(V x) {
  if constexpr (std::is_integral<elem_t<V>>::value) return x; else return ceil(x);
}
template <class V> V trunc_of(V x) {
  if constexpr (std::is_integral<elem_t<V>>::value) return x; else return trunc(x);
}
template <class V> V round_of(V x) {
  if constexpr (std::is_integral<elem_t<V>>::value) return x; else return nearbyint(x);
}
}  // namespace vm

// The functors of the table's elementwise rows (include/ember/detail/ops.def).
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ONNX, ...) \
  template <class T>                                        \
  struct FUNCTOR##Op {                                      \
    template <class V>                                      \
    V operator()(V x) const {                               \
      using namespace vm;                                   \
      using E = elem_t<V>;                                  \
      (void)sizeof(E);                                      \
      return __VA_ARGS__;                                   \
    }                                                       \
  };
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ONNX, ...) \
  template <class T>                                         \
  struct FUNCTOR##Op {                                       \
    template <class V>                                       \
    V operator()(V a, V b) const {                           \
      using namespace vm;                                    \
      return __VA_ARGS__;                                    \
    }                                                        \
  };
#include "ember/detail/ops.def"

// Integer powers by squaring (std::pow would go through double); a negative exponent
// truncates toward zero as PyTorch's integer pow does.
template <>
struct PowOp<int64_t> {
  int64_t operator()(int64_t x, int64_t y) const {
    if (y < 0) return x == 1 ? 1 : (x == -1 ? (y % 2 ? -1 : 1) : 0);
    int64_t r = 1;
    while (y) {
      if (y & 1) r *= x;
      x *= x;
      y >>= 1;
    }
    return r;
  }
};

// pow on float32 and float64 batches follows C's pow for every special value, and
// float32 computes through double (ops/simd/pow.hpp, which defines PowBatch for xsimd
// batches and which loops.inl includes); scalars call std::pow.
template <class V>
struct PowBatch;
struct PowFloatingOp {
  template <class V>
  EMBER_FUNCTOR_INLINE V operator()(V a, V b) const {
    if constexpr (std::is_arithmetic<V>::value)
      return std::pow(a, b);
    else
      return PowBatch<V>::apply(a, b);
  }
};
template <>
struct PowOp<float> : PowFloatingOp {};
template <>
struct PowOp<double> : PowFloatingOp {};

// gelu on float32 batches skips erf (see ops/simd/gelu_float.hpp, which defines
// GeluFloatBatch for xsimd batches and which loops.inl includes); scalars (the strided
// loop) keep the table's formula with the C library's erf.
template <class V>
struct GeluFloatBatch;
template <>
struct GeluOp<float> {
  template <class V>
  EMBER_FUNCTOR_INLINE V operator()(V x) const {
    if constexpr (std::is_arithmetic<V>::value)
      return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752440f));
    else
      return GeluFloatBatch<V>::apply(x);
  }
};

// sigmoid and tanh on float32 batches are ember's own (ops/simd/sigmoid_tanh_float.hpp,
// which defines these for xsimd batches and which loops.inl includes); scalars use the
// C library's exp (sigmoid in the same form as the batches) and tanh.
template <class V>
struct SigmoidFloatBatch;
template <class V>
struct TanhFloatBatch;
template <>
struct SigmoidOp<float> {
  template <class V>
  EMBER_FUNCTOR_INLINE V operator()(V x) const {
    if constexpr (std::is_arithmetic<V>::value) {
      // exp of -|x| only: it cannot overflow, and e / (1 + e) keeps the subnormal
      // results below x = -87 that 1 / (1 + exp(-x)) flushes to 0.
      const float e = std::exp(-std::fabs(x));
      return (x < 0.0f ? e : 1.0f) / (1.0f + e);
    } else {
      return SigmoidFloatBatch<V>::apply(x);
    }
  }
};
template <>
struct TanhOp<float> {
  template <class V>
  EMBER_FUNCTOR_INLINE V operator()(V x) const {
    if constexpr (std::is_arithmetic<V>::value)
      return std::tanh(x);
    else
      return TanhFloatBatch<V>::apply(x);
  }
};

// The parameterised functors of the table's EMBER_UNARY_PARAM_OP rows.
template <class T>
struct SoftplusOp {
  T beta, threshold;
  template <class V>
  V operator()(V x) const {
    using namespace vm;
    V bx = x * V(beta);
    return select(bx > V(threshold), x, log1p(exp(bx)) / V(beta));
  }
};
template <class T>
struct LeakyReluOp {
  T slope;
  template <class V>
  V operator()(V x) const {
    using namespace vm;
    return select(x > V(T(0)), x, x * V(slope));
  }
};
template <class T>
struct EluOp {
  T alpha;
  template <class V>
  V operator()(V x) const {
    using namespace vm;
    return select(x > V(T(0)), x, V(alpha) * expm1(x));
  }
};
template <class T>
struct ClampOp {
  T lo, hi;  // -inf / +inf when absent
  template <class V>
  V operator()(V x) const {
    using namespace vm;
    V a = select(x < V(lo), V(lo), x);
    return select(a > V(hi), V(hi), a);
  }
};
template <class T>
struct PowScalarOp {  // the same function as PowOp<T>
  T exponent;
  template <class V>
  V operator()(V x) const {
    return PowOp<T>()(x, V(exponent));
  }
};
template <class T>
struct AffineOp {  // a * x + b
  T a, b;
  template <class V>
  V operator()(V x) const {
    return V(a) * x + V(b);
  }
};

// Not a row of the table: add's alpha form, a fused kernel for add(a, b, alpha).
template <class T>
struct AddAlphaOp {  // a + alpha * b
  T alpha;
  template <class V>
  V operator()(V a, V b) const {
    return a + V(alpha) * b;
  }
};

// Not rows of the table: the gradients of activations, g times the derivative, each one
// pass over g and the saved tensor (the composed forms took 3 to 9), for autograd's
// backward when it is not itself recorded. Their arithmetic follows the composed forms
// in autograd/elementwise.cpp.
template <class T>
struct TanhGradOp {  // (g, y = tanh(x))
  template <class V>
  V operator()(V g, V y) const {
    return g * (V(T(1)) - y * y);
  }
};
template <class T>
struct SigmoidGradOp {  // (g, y = sigmoid(x))
  template <class V>
  V operator()(V g, V y) const {
    return g * y * (V(T(1)) - y);
  }
};
template <class T>
struct SiluGradOp {  // (g, x)
  template <class V>
  V operator()(V g, V x) const {
    using namespace vm;
    const V s = V(T(1)) / (V(T(1)) + exp(-x));
    return g * s * (V(T(1)) + x * (V(T(1)) - s));
  }
};
template <class T>
struct GeluGradOp {  // (g, x), the erf form
  template <class V>
  V operator()(V g, V x) const {
    using namespace vm;
    const V cdf = (erf(x * V(T(0.70710678118654752440))) + V(T(1))) * V(T(0.5));
    const V pdf = exp(x * x * V(T(-0.5))) * V(T(0.39894228040143267794));
    return g * (cdf + x * pdf);
  }
};
// float32 batches take gelu_float's machinery for the gradient as well (Phi(x) from the
// same erfc-free tail, x phi(x) from the same exp; ops/simd/gelu_float.hpp); scalars
// keep the formula above with the C library's erf.
template <class V>
struct GeluGradFloatBatch;
template <>
struct GeluGradOp<float> {
  template <class V>
  EMBER_FUNCTOR_INLINE V operator()(V g, V x) const {
    if constexpr (std::is_arithmetic<V>::value) {
      const float cdf = (std::erf(x * 0.70710678118654752440f) + 1.0f) * 0.5f;
      const float pdf = std::exp(x * x * -0.5f) * 0.39894228040143267794f;
      return g * (cdf + x * pdf);
    } else {
      return GeluGradFloatBatch<V>::apply(g, x);
    }
  }
};
template <class T>
struct GeluTanhGradOp {  // (g, x), the tanh form
  template <class V>
  V operator()(V g, V x) const {
    using namespace vm;
    const V k0 = V(T(0.79788456080286535588)), k1 = V(T(0.044715));
    const V t = tanh((x + x * x * x * k1) * k0);
    const V dinner = (V(T(1)) + x * x * (V(T(3)) * k1)) * k0;
    return g * (V(T(0.5)) * (V(T(1)) + t) + V(T(0.5)) * x * (V(T(1)) - t * t) * dinner);
  }
};

// Every elementwise row of the table and AddAlphaOp have SIMD loops, registered per
// instruction set by ops/simd/loops.inl.
// Function pointers to the contiguous SIMD loops of the best instruction set this CPU
// has; null until registered (then the scalar loop runs).
enum class BinaryMode : int { VV = 0, VS = 1, SV = 2 };  // vector-vector, vector-scalar, scalar-vector
template <class Op, class T>
struct Contig {
  using UnaryFn = void (*)(const Op&, const T*, T*, int64_t);
  using BinaryFn = void (*)(const Op&, const T*, const T*, T*, int64_t, BinaryMode);
  static inline UnaryFn unary = nullptr;
  static inline BinaryFn binary = nullptr;
};

// Sum of a contiguous run, and y[i] += x[i] (for reductions over outer dims).
template <class T>
struct ContigReduce {
  static inline T (*sum)(const T*, int64_t) = nullptr;
  static inline void (*accumulate)(T*, const T*, int64_t) = nullptr;
  static inline T (*max)(const T*, int64_t) = nullptr;
  static inline T (*min)(const T*, int64_t) = nullptr;
  // Sum of a contiguous run in short blocks whose results are added separately: as fast
  // as `sum`, with far less rounding error on long runs.
  static inline T (*sum_blocked)(const T*, int64_t) = nullptr;
  // y[i] += (x0[i] + x1[i]) + (x2[i] + x3[i]): four rows per pass over y.
  static inline void (*accumulate4)(T*, const T*, const T*, const T*, const T*, int64_t) = nullptr;
};

// y[i] = alpha (row i of W) . x + beta y[i] for i < n, W [n, k] row by row (ld apart),
// x contiguous; y is not read when beta is 0. A batch-1 linear layer's product: W is
// read once, in place, four rows at a time (ops/blas.cpp takes it for float32).
template <class T>
struct ContigGemv {
  static inline void (*rows_dot)(int64_t n, int64_t k, const T* w, int64_t ld, const T* x, T alpha, T beta,
                                 T* y) = nullptr;
};

// Picks the best loops for this CPU; runs once, before the first kernel.
const char* simd_arch_name();

}  // namespace kernels
}  // namespace ember
