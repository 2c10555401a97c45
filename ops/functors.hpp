// Elementwise operations written once for a scalar T and for an xsimd batch: V is
// either. Unqualified math calls find std:: versions (via ember::kernels::vm) for
// scalars and xsimd's by argument-dependent lookup for batches.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

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
template <class T> if_scalar<T> abs(T x) { return x < 0 ? -x : x; }
template <class T> if_scalar<T> pow(T x, T y) { return std::pow(x, y); }
template <class T> if_scalar<T> select(bool c, T a, T b) { return c ? a : b; }
// NaN-propagating max/min, as torch.maximum/minimum.
template <class V> V fmax_nan(V a, V b) { return select((a != a) | (a > b), a, b); }
template <class V> V fmin_nan(V a, V b) { return select((a != a) | (a < b), a, b); }
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

#define EMBER_UNARY(NAME, EXPR)                    \
  template <class T>                               \
  struct NAME {                                    \
    template <class V>                             \
    V operator()(V x) const {                      \
      using namespace vm;                          \
      using E = elem_t<V>;                         \
      (void)sizeof(E);                             \
      return EXPR;                                 \
    }                                              \
  };

EMBER_UNARY(NegOp, -x)
EMBER_UNARY(AbsOp, abs(x))
EMBER_UNARY(ExpOp, exp(x))
EMBER_UNARY(Expm1Op, expm1(x))
EMBER_UNARY(LogOp, log(x))
EMBER_UNARY(Log1pOp, log1p(x))
EMBER_UNARY(SqrtOp, sqrt(x))
EMBER_UNARY(RsqrtOp, V(E(1)) / sqrt(x))
EMBER_UNARY(ReciprocalOp, V(E(1)) / x)
EMBER_UNARY(SquareOp, x* x)
EMBER_UNARY(SinOp, sin(x))
EMBER_UNARY(CosOp, cos(x))
EMBER_UNARY(TanhOp, tanh(x))
EMBER_UNARY(SigmoidOp, V(E(1)) / (V(E(1)) + exp(-x)))
EMBER_UNARY(ReluOp, select(x > V(E(0)), x, V(E(0))))
EMBER_UNARY(GeluOp, V(E(0.5)) * x * (V(E(1)) + erf(x * V(E(0.70710678118654752440)))))
EMBER_UNARY(GeluTanhOp, V(E(0.5)) * x * (V(E(1)) + tanh(V(E(0.79788456080286535588)) * (x + V(E(0.044715)) * x * x * x))))
EMBER_UNARY(SiluOp, x / (V(E(1)) + exp(-x)))
EMBER_UNARY(ErfOp, erf(x))
EMBER_UNARY(SignOp, select(x > V(E(0)), V(E(1)), select(x < V(E(0)), V(E(-1)), V(E(0)))))
// Backward helpers (gradient of the op given the input x), fused to one pass.
EMBER_UNARY(SigmoidGradOp, (V(E(1)) / (V(E(1)) + exp(-x))) * (V(E(1)) - V(E(1)) / (V(E(1)) + exp(-x))))
EMBER_UNARY(ReluMaskOp, select(x > V(E(0)), V(E(1)), V(E(0))))
#undef EMBER_UNARY

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
struct PowScalarOp {
  T exponent;
  template <class V>
  V operator()(V x) const {
    using namespace vm;
    return pow(x, V(exponent));
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

#define EMBER_BINARY(NAME, EXPR)            \
  template <class T>                        \
  struct NAME {                             \
    template <class V>                      \
    V operator()(V a, V b) const {          \
      using namespace vm;                   \
      return EXPR;                          \
    }                                       \
  };
EMBER_BINARY(AddOp, a + b)
EMBER_BINARY(SubOp, a - b)
EMBER_BINARY(MulOp, a* b)
EMBER_BINARY(DivOp, a / b)
EMBER_BINARY(PowOp, pow(a, b))
EMBER_BINARY(MaxOp, fmax_nan(a, b))
EMBER_BINARY(MinOp, fmin_nan(a, b))
#undef EMBER_BINARY

template <class T>
struct AddAlphaOp {  // a + alpha * b
  T alpha;
  template <class V>
  V operator()(V a, V b) const {
    return a + V(alpha) * b;
  }
};

// The ops that have SIMD loops, for the per-instruction-set kernel tables.
#define EMBER_SIMD_UNARY_OPS(X)                                                                                   \
  X(NegOp) X(AbsOp) X(ExpOp) X(Expm1Op) X(LogOp) X(Log1pOp) X(SqrtOp) X(RsqrtOp) X(ReciprocalOp) X(SquareOp)      \
      X(SinOp) X(CosOp) X(TanhOp) X(SigmoidOp) X(ReluOp) X(GeluOp) X(GeluTanhOp) X(SiluOp) X(ErfOp) X(SignOp)     \
          X(SigmoidGradOp) X(ReluMaskOp) X(SoftplusOp) X(LeakyReluOp) X(EluOp) X(ClampOp) X(PowScalarOp)          \
              X(AffineOp)
#define EMBER_SIMD_BINARY_OPS(X) X(AddOp) X(SubOp) X(MulOp) X(DivOp) X(PowOp) X(MaxOp) X(MinOp) X(AddAlphaOp)

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

// Picks the best loops for this CPU; runs once, before the first kernel.
const char* simd_arch_name();

}  // namespace kernels
}  // namespace ember
