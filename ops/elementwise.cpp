#include "ops/elementwise.hpp"
#include "ops/copy_layout.hpp"

#include <cmath>
#include <cstring>
#include <limits>

#include "ember/detail/op_table.hpp"
#include "src/core/dtype_dispatch.hpp"
#include "ops/functors.hpp"
#include "ops/loops.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace kernels {
namespace {

using detail::empty_tensor;

// ---- type promotion (torch.result_type) ----
int category(Dtype t) { return t == Dtype::Bool ? 0 : is_floating_point(t) ? 2 : 1; }
struct ResultState {
  std::optional<Dtype> dim, zero, wrapped;
  void add(std::optional<Dtype>& slot, Dtype t) { slot = slot ? promote_types(*slot, t) : t; }
  Dtype result() const {
    std::optional<Dtype> r = dim;
    for (auto s : {zero, wrapped}) {
      if (!s) continue;
      if (!r || category(*s) > category(*r)) r = r ? promote_types(*r, *s) : *s;
    }
    return r ? *r : Dtype::Float32;
  }
};
void add_tensor(ResultState& st, const Tensor& t) { st.add(t.dim() > 0 ? st.dim : st.zero, t.dtype()); }
void add_scalar(ResultState& st, Scalar s) {
  st.add(st.wrapped, s.is_floating_point() ? get_default_dtype() : s.is_integral() ? Dtype::Int64 : Dtype::Bool);
}

Tensor as_dtype(const Tensor& t, Dtype d) { return t.dtype() == d ? t : contiguous_as(t, d); }
Dtype float_of(Dtype d) { return is_floating_point(d) ? d : get_default_dtype(); }
// float32 or float64: the dtypes the float kernels are instantiated for.
bool is_kernel_float(Dtype d) { return d == Dtype::Float32 || d == Dtype::Float64; }
// The narrow dtypes compute in kernel_dtype(dt) and are rounded back to dt at the end:
// `out` is the result in dt, `wide` a tensor of the same shape to compute in (out itself
// when dt is a kernel dtype). narrow() copies wide's values into out.
struct Narrowing {
  Tensor out, wide;
  Narrowing(IntArrayRef sizes, Dtype dt) : out(empty_tensor(sizes, dt)) {
    wide = kernel_dtype(dt) == dt ? out : empty_tensor(sizes, kernel_dtype(dt));
  }
  Narrowing(Tensor& given) : out(given) {
    wide = kernel_dtype(given.dtype()) == given.dtype() ? given : empty_tensor(given.sizes(), kernel_dtype(given.dtype()));
  }
  Tensor narrow() {
    if (!wide.is_same(out)) copy(out, wide);
    return out;
  }
};

const char* binary_name(Binary op) {
  switch (op) {
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) \
  case Binary::FUNCTOR: return #NAME;
#include "ember/detail/ops.def"
  }
  return "binary";
}

// ---- unary ----
template <class T, class Op>
void unary_loop(const Op& op, Tensor& out, const Tensor& x) {
  auto simd = Contig<Op, T>::unary;
  if (x.is_contiguous() && out.is_contiguous() && x.sizes().equals(out.sizes())) {
    const T* xp = static_cast<const T*>(x.data_ptr());
    T* yp = static_cast<T*>(out.data_ptr());
    parallel_for(0, x.numel(), kGrainSize, [&](int64_t b, int64_t e) {
      if (simd)
        simd(op, xp + b, yp + b, e - b);
      else
        for (int64_t i = b; i < e; ++i) yp[i] = op(xp[i]);
    });
    return;
  }
  int64_t st[2][kMaxLoopDims];
  broadcast_strides(out, out.sizes(), st[0]);
  broadcast_strides(x, out.sizes(), st[1]);
  Loop<2> L = make_loop<2>(out.sizes(), st);
  run<2>(L, {static_cast<char*>(out.data_ptr()), static_cast<char*>(x.data_ptr())},
         [&](char** p, const int64_t* s, int64_t n) {
           if (simd && s[0] == sizeof(T) && s[1] == sizeof(T)) {
             simd(op, reinterpret_cast<const T*>(p[1]), reinterpret_cast<T*>(p[0]), n);
             return;
           }
           for (int64_t i = 0; i < n; ++i)
             *reinterpret_cast<T*>(p[0] + i * s[0]) = op(*reinterpret_cast<const T*>(p[1] + i * s[1]));
         });
}

// A float-valued op: integer inputs compute in the default float dtype.
template <template <class> class Op, class... Args>
Tensor unary_float(const Tensor& x, Args... args) {
  detail::check_defined(x, "elementwise op");
  Narrowing r(x.sizes(), float_of(x.dtype()));
  Tensor xin = as_dtype(x, r.wide.dtype());
  EMBER_DISPATCH_FLOAT(r.wide.dtype(), [&] { unary_loop<T>(Op<T>{static_cast<T>(args)...}, r.wide, xin); });
  return r.narrow();
}
template <template <class> class Op>
void unary_float_out(Tensor& out, const Tensor& x) {
  EMBER_CHECK(is_floating_point(out.dtype()), "in-place op: the result is a float, which cannot be stored in a "
                                              "{} tensor of shape {}",
              out.dtype(), out.sizes());
  Narrowing r(out);
  Tensor xin = as_dtype(x, r.wide.dtype());
  EMBER_DISPATCH_FLOAT(r.wide.dtype(), [&] { unary_loop<T>(Op<T>{}, r.wide, xin); });
  r.narrow();
}
// An op that keeps integer dtypes (neg, abs, square, relu, sign).
template <template <class> class Op>
Tensor unary_keep(const Tensor& x) {
  detail::check_defined(x, "elementwise op");
  Narrowing r(x.sizes(), x.dtype() == Dtype::Bool ? Dtype::Int64 : x.dtype());
  Tensor xin = as_dtype(x, r.wide.dtype());
  if (r.wide.dtype() == Dtype::Int64)
    unary_loop<int64_t>(Op<int64_t>{}, r.wide, xin);
  else
    EMBER_DISPATCH_FLOAT(r.wide.dtype(), [&] { unary_loop<T>(Op<T>{}, r.wide, xin); });
  return r.narrow();
}
template <template <class> class Op>
void unary_keep_out(Tensor& out, const Tensor& x) {
  if (out.dtype() == Dtype::Bool)
    detail::fail(fmt::format("in-place op: not supported on a bool tensor of shape {}", out.sizes()));
  Narrowing r(out);
  Tensor xin = as_dtype(x, r.wide.dtype());
  if (r.wide.dtype() == Dtype::Int64)
    unary_loop<int64_t>(Op<int64_t>{}, r.wide, xin);
  else
    EMBER_DISPATCH_FLOAT(r.wide.dtype(), [&] { unary_loop<T>(Op<T>{}, r.wide, xin); });
  r.narrow();
}

// ---- binary ----
template <class T, class Op>
void binary_loop(const Op& op, Tensor& out, const char* a_ptr, const int64_t* a_st, const char* b_ptr,
                 const int64_t* b_st) {
  auto simd = Contig<Op, T>::binary;
  int64_t st[3][kMaxLoopDims];
  broadcast_strides(out, out.sizes(), st[0]);
  for (std::size_t i = 0; i < out.sizes().size(); ++i) {
    st[1][i] = a_st[i];
    st[2][i] = b_st[i];
  }
  Loop<3> L = make_loop<3>(out.sizes(), st);
  run<3>(L, {static_cast<char*>(out.data_ptr()), const_cast<char*>(a_ptr), const_cast<char*>(b_ptr)},
         [&](char** p, const int64_t* s, int64_t n) {
           T* y = reinterpret_cast<T*>(p[0]);
           const T* a = reinterpret_cast<const T*>(p[1]);
           const T* b = reinterpret_cast<const T*>(p[2]);
           constexpr int64_t E = sizeof(T);
           if (simd && s[0] == E) {
             if (s[1] == E && s[2] == E) return simd(op, a, b, y, n, BinaryMode::VV);
             if (s[1] == E && s[2] == 0) return simd(op, a, b, y, n, BinaryMode::VS);
             if (s[1] == 0 && s[2] == E) return simd(op, a, b, y, n, BinaryMode::SV);
           }
           for (int64_t i = 0; i < n; ++i)
             *reinterpret_cast<T*>(p[0] + i * s[0]) =
                 op(*reinterpret_cast<const T*>(p[1] + i * s[1]), *reinterpret_cast<const T*>(p[2] + i * s[2]));
         });
}

// Whether a binary row computes in floating point only (so never in int64).
constexpr bool computes_in_float(Binary op) {
  switch (op) {
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) \
  case Binary::FUNCTOR: return detail::DtypeRule::DTYPE == detail::DtypeRule::PromoteFloat;
#include "ember/detail/ops.def"
  }
  return false;
}

template <class T>
void binary_dispatch(Binary op, Tensor& out, const char* a, const int64_t* as, const char* b, const int64_t* bs,
                     std::optional<double> alpha = std::nullopt) {
  if (alpha) return binary_loop<T>(AddAlphaOp<T>{static_cast<T>(*alpha)}, out, a, as, b, bs);
  if (std::is_integral<T>::value && computes_in_float(op))
    detail::fail(fmt::format("{}: computed in floating point, never in {}", binary_name(op), DtypeOf<T>::value));
  switch (op) {
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) \
  case Binary::FUNCTOR: return binary_loop<T>(FUNCTOR##Op<T>{}, out, a, as, b, bs);
#include "ember/detail/ops.def"
  }
}

// The small-tensor fast path: same dtype, same shape, both contiguous. Skips the
// general loop set-up, which dominates for tiny tensors.
template <class T, template <class> class Op>
void contig_run(const T* a, const T* b, T* y, int64_t n, BinaryMode mode) {
  auto simd = Contig<Op<T>, T>::binary;
  Op<T> op{};
  parallel_for(0, n, kGrainSize, [&](int64_t lo, int64_t hi) {
    const T* ap = mode == BinaryMode::SV ? a : a + lo;
    const T* bp = mode == BinaryMode::VS ? b : b + lo;
    if (simd) return simd(op, ap, bp, y + lo, hi - lo, mode);
    for (int64_t i = 0; i < hi - lo; ++i)
      y[lo + i] = op(mode == BinaryMode::SV ? *a : ap[i], mode == BinaryMode::VS ? *b : bp[i]);
  });
}
// Which ops take the fast path: the arithmetic that small-tensor code (training loops,
// the overhead benchmark) runs most. A policy, not a list of ops: an op left out runs
// the general loop. Listing every binary row here cost 13 instructions per call in the
// overhead_add benchmark (a bigger switch and prologue).
template <class T>
bool contig_binary(Binary op, const T* a, const T* b, T* y, int64_t n, BinaryMode mode) {
  switch (op) {
    case Binary::Add: contig_run<T, AddOp>(a, b, y, n, mode); return true;
    case Binary::Sub: contig_run<T, SubOp>(a, b, y, n, mode); return true;
    case Binary::Mul: contig_run<T, MulOp>(a, b, y, n, mode); return true;
    case Binary::Div: contig_run<T, DivOp>(a, b, y, n, mode); return true;
    default: return false;
  }
}

// The dtype a binary op computes in (its row's dtype rule): promoted, bool arithmetic
// as int64; PromoteFloat rows (true division) in float.
// The result is in that dtype; the kernel runs in kernel_dtype of it.
Dtype compute_dtype(Binary op, Dtype promoted) {
  if (computes_in_float(op)) return float_of(promoted);
  if (promoted == Dtype::Bool) return Dtype::Int64;
  return promoted;
}

void binary_into(Tensor& out, Binary op, const Tensor& a, const Tensor& b, Dtype dt, std::optional<double> alpha) {
  dt = kernel_dtype(dt);
  Tensor ain = as_dtype(a, dt), bin = as_dtype(b, dt);
  Tensor target = out.dtype() == dt ? out : empty_tensor(out.sizes(), dt);
  int64_t as[kMaxLoopDims], bs[kMaxLoopDims];
  broadcast_strides(ain, target.sizes(), as);
  broadcast_strides(bin, target.sizes(), bs);
  const char* ap = static_cast<const char*>(ain.data_ptr());
  const char* bp = static_cast<const char*>(bin.data_ptr());
  EMBER_DISPATCH_ALL(dt, [&] {
    if constexpr (std::is_same<T, bool>::value)
      detail::fail("binary op on bool");
    else
      binary_dispatch<T>(op, target, ap, as, bp, bs, alpha);
  });
  if (!target.is_same(out)) copy(out, target);
}

void binary_scalar_into(Tensor& out, Binary op, const Tensor& a, Scalar s, bool scalar_first, Dtype dt,
                        std::optional<double> alpha = std::nullopt) {
  dt = kernel_dtype(dt);
  Tensor ain = as_dtype(a, dt);
  Tensor target = out.dtype() == dt ? out : empty_tensor(out.sizes(), dt);
  int64_t as[kMaxLoopDims], zs[kMaxLoopDims] = {};
  broadcast_strides(ain, target.sizes(), as);
  const char* ap = static_cast<const char*>(ain.data_ptr());
  EMBER_DISPATCH_ALL(dt, [&] {
    if constexpr (std::is_same<T, bool>::value) {
      detail::fail("binary op on bool");
    } else {
      T v = s.to<T>();
      const char* sp = reinterpret_cast<const char*>(&v);
      if (scalar_first)
        binary_dispatch<T>(op, target, sp, zs, ap, as, alpha);
      else
        binary_dispatch<T>(op, target, ap, as, sp, zs, alpha);
    }
  });
  if (!target.is_same(out)) copy(out, target);
}

void check_out_shape(const char* op, const Tensor& out, IntArrayRef shape) {
  EMBER_CHECK(out.sizes().equals(shape),
              "{}_: the result has shape {} but the tensor written in place has shape {} (in-place ops cannot "
              "broadcast the tensor they write to)",
              op, shape, out.sizes());
}

void check_out_dtype(const char* op, const Tensor& out, Dtype result) {
  // PyTorch's can_cast: a result may be stored in a dtype of the same or a higher
  // category (bool < integer < float), whatever its width.
  EMBER_CHECK(category(result) <= category(out.dtype()),
              "{}_: the result type {} cannot be cast to the {} tensor written in place (shape {})", op, result,
              out.dtype(), out.sizes());
}

}  // namespace

Dtype result_type(const Tensor& a, const Tensor& b) {
  ResultState st;
  add_tensor(st, a);
  add_tensor(st, b);
  return st.result();
}
Dtype result_type(const Tensor& a, Scalar b) {
  ResultState st;
  add_tensor(st, a);
  add_scalar(st, b);
  return st.result();
}

// ---- unary entry points: one pair per unary row of the table ----
#define EMBER_UNARY_KERNEL_FloatOnly(NAME, OP)                 \
  Tensor NAME(const Tensor& x) { return unary_float<OP>(x); } \
  void NAME##_out(Tensor& out, const Tensor& x) { unary_float_out<OP>(out, x); }
#define EMBER_UNARY_KERNEL_KeepNumeric(NAME, OP)              \
  Tensor NAME(const Tensor& x) { return unary_keep<OP>(x); } \
  void NAME##_out(Tensor& out, const Tensor& x) { unary_keep_out<OP>(out, x); }
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_UNARY_KERNEL_##DTYPE(NAME, FUNCTOR##Op)
#include "ember/detail/ops.def"
#undef EMBER_UNARY_KERNEL_FloatOnly
#undef EMBER_UNARY_KERNEL_KeepNumeric

Tensor softplus(const Tensor& x, double beta, double threshold) {
  return unary_float<SoftplusOp>(x, beta, threshold);
}
Tensor leaky_relu(const Tensor& x, double slope) { return unary_float<LeakyReluOp>(x, slope); }
Tensor elu(const Tensor& x, double alpha) { return unary_float<EluOp>(x, alpha); }
Tensor pow_scalar(const Tensor& x, Scalar e) {
  detail::check_defined(x, "pow");
  if (!is_floating_point(x.dtype()) && !e.is_floating_point()) return binary(Binary::Pow, x, e);
  if (is_floating_point(x.dtype())) {
    // The exponents PyTorch's kernel computes without pow, the same way (x * x for 2,
    // sqrt for 0.5, ...): the general loop goes through exp and log, 5x slower for a
    // square.
    const double v = e.to_double();
    if (v == 2) return square(x);
    if (v == 3) return binary(Binary::Mul, square(x), x);
    if (v == 0.5) return sqrt(x);
    if (v == -0.5) return rsqrt(x);
    if (v == -1) return reciprocal(x);
    if (v == -2) return reciprocal(square(x));
  }
  return unary_float<PowScalarOp>(x, e.to_double());
}

void clamp_out(Tensor& given, const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  Narrowing r(given);
  Tensor& out = r.wide;
  Tensor xin = as_dtype(x, out.dtype());
  EMBER_DISPATCH_ALL(out.dtype(), [&] {
    if constexpr (std::is_same<T, bool>::value) {
      detail::fail(fmt::format("clamp: not supported on a bool tensor of shape {}", x.sizes()));
    } else {
      T l = lo ? lo->to<T>() : std::numeric_limits<T>::lowest();
      T h = hi ? hi->to<T>() : std::numeric_limits<T>::max();
      if (std::is_floating_point<T>::value) {
        if (!lo) l = -std::numeric_limits<T>::infinity();
        if (!hi) h = std::numeric_limits<T>::infinity();
      }
      unary_loop<T>(ClampOp<T>{l, h}, out, xin);
    }
  });
  r.narrow();
}
Tensor clamp(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  detail::check_defined(x, "clamp");
  EMBER_CHECK(lo || hi, "clamp: at least one of min and max must be given (input shape {})", x.sizes());
  ResultState st;
  add_tensor(st, x);
  if (lo) add_scalar(st, *lo);
  if (hi) add_scalar(st, *hi);
  Tensor out = empty_tensor(x.sizes(), st.result());
  clamp_out(out, x, lo, hi);
  return out;
}

// ---- binary entry points ----
namespace {
// Everything but the fast path of binary(op, a, b), out of line so that the fast path
// stays small (and its data_ptr calls inlined).
__attribute__((noinline)) Tensor binary_general(Binary op, const Tensor& a, const Tensor& b) {
  Dtype dt = compute_dtype(op, result_type(a, b));
  Tensor out;
  if (a.sizes().equals(b.sizes()))
    out = empty_tensor(a.sizes(), dt);
  else
    out = empty_tensor(broadcast_shapes(a.sizes(), b.sizes(), binary_name(op)), dt);
  binary_into(out, op, a, b, dt, std::nullopt);
  return out;
}
}  // namespace
Tensor binary(Binary op, const Tensor& a, const Tensor& b) {
  detail::check_defined(a, binary_name(op), "first argument");
  detail::check_defined(b, binary_name(op), "second argument");
  if (a.dtype() == b.dtype() && is_kernel_float(a.dtype()) && a.is_contiguous() && b.is_contiguous() &&
      a.sizes().equals(b.sizes())) {
    Tensor out = empty_tensor(a.sizes(), a.dtype());
    bool done = EMBER_DISPATCH_FLOAT(a.dtype(), [&] {
      return contig_binary<T>(op, static_cast<const T*>(a.data_ptr()), static_cast<const T*>(b.data_ptr()),
                              static_cast<T*>(out.data_ptr()), a.numel(), BinaryMode::VV);
    });
    if (done) return out;
  }
  return binary_general(op, a, b);
}
Tensor binary(Binary op, const Tensor& a, Scalar b) {
  detail::check_defined(a, binary_name(op));
  if (is_kernel_float(a.dtype()) && a.is_contiguous()) {
    Tensor out = empty_tensor(a.sizes(), a.dtype());
    bool done = EMBER_DISPATCH_FLOAT(a.dtype(), [&] {
      T v = b.to<T>();
      return contig_binary<T>(op, static_cast<const T*>(a.data_ptr()), &v, static_cast<T*>(out.data_ptr()),
                              a.numel(), BinaryMode::VS);
    });
    if (done) return out;
  }
  Dtype dt = compute_dtype(op, result_type(a, b));
  Tensor out = empty_tensor(a.sizes(), dt);
  binary_scalar_into(out, op, a, b, false, dt);
  return out;
}
Tensor binary(Binary op, Scalar a, const Tensor& b) {
  detail::check_defined(b, binary_name(op));
  Dtype dt = compute_dtype(op, result_type(b, a));
  Tensor out = empty_tensor(b.sizes(), dt);
  binary_scalar_into(out, op, b, a, true, dt);
  return out;
}
void binary_out(Tensor& out, Binary op, const Tensor& a, const Tensor& b) {
  Shape shape = broadcast_shapes(a.sizes(), b.sizes(), binary_name(op));
  check_out_shape(binary_name(op), out, shape);
  Dtype dt = compute_dtype(op, result_type(a, b));
  check_out_dtype(binary_name(op), out, dt);
  if (is_floating_point(out.dtype())) dt = out.dtype();
  binary_into(out, op, a, b, dt, std::nullopt);
}
void binary_out(Tensor& out, Binary op, const Tensor& a, Scalar b) {
  check_out_shape(binary_name(op), out, a.sizes());
  Dtype dt = compute_dtype(op, result_type(a, b));
  check_out_dtype(binary_name(op), out, dt);
  if (is_floating_point(out.dtype())) dt = out.dtype();
  binary_scalar_into(out, op, a, b, false, dt);
}
Tensor add_scaled(const Tensor& a, const Tensor& b, Scalar alpha) {
  detail::check_defined(a, "add", "first argument");
  detail::check_defined(b, "add", "second argument");
  Dtype dt = compute_dtype(Binary::Add, result_type(a, b));
  EMBER_CHECK(is_floating_point(dt) || !alpha.is_floating_point(),
              "add: a float alpha {} needs a float result, but the inputs are {} and {}", alpha.to_double(),
              a.dtype(), b.dtype());
  Tensor out = empty_tensor(broadcast_shapes(a.sizes(), b.sizes(), "add"), dt);
  binary_into(out, Binary::Add, a, b, dt, alpha.to_double());
  return out;
}
void add_scaled_out(Tensor& out, const Tensor& a, const Tensor& b, Scalar alpha) {
  Shape shape = broadcast_shapes(a.sizes(), b.sizes(), "add");
  check_out_shape("add", out, shape);
  Dtype dt = compute_dtype(Binary::Add, result_type(a, b));
  check_out_dtype("add", out, dt);
  if (is_floating_point(out.dtype())) dt = out.dtype();
  // add_(b) passes alpha 1: the plain add loop then, without a multiply per element.
  const bool unit = alpha.is_floating_point() ? alpha.to_double() == 1.0 : alpha.to_int() == 1;
  binary_into(out, Binary::Add, a, b, dt, unit ? std::nullopt : std::optional<double>(alpha.to_double()));
}

// ---- comparisons and logic ----
namespace {
template <class T>
bool cmp(Compare op, T a, T b) {
  switch (op) {
#define EMBER_COMPARE_OP(NAME, ENUM, OPERATOR, ONNX) \
  case Compare::ENUM: return a OPERATOR b;
#include "ember/detail/ops.def"
  }
  return false;
}
const char* compare_name(Compare op) {
  switch (op) {
#define EMBER_COMPARE_OP(NAME, ENUM, OPERATOR, ONNX) \
  case Compare::ENUM: return #NAME;
#include "ember/detail/ops.def"
  }
  return "compare";
}
// out (bool) = f(a, b) over broadcast a, b of dtype dt.
template <class F>
Tensor bool_binary(const char* name, const Tensor& a, const char* bp, const int64_t* bs_in, IntArrayRef b_sizes,
                   Dtype dt, F f) {
  Shape shape = broadcast_shapes(a.sizes(), b_sizes, name);
  Tensor out = empty_tensor(shape, Dtype::Bool);
  Tensor ain = as_dtype(a, dt);
  int64_t st[3][kMaxLoopDims];
  broadcast_strides(out, shape, st[0]);
  broadcast_strides(ain, shape, st[1]);
  int64_t nd = static_cast<int64_t>(shape.size()), bd = static_cast<int64_t>(b_sizes.size());
  for (int64_t i = 0; i < nd; ++i) st[2][i] = i - (nd - bd) < 0 ? 0 : bs_in[i - (nd - bd)];
  Loop<3> L = make_loop<3>(shape, st);
  EMBER_DISPATCH_ALL(dt, [&] {
    run<3>(L, {static_cast<char*>(out.data_ptr()), static_cast<char*>(ain.data_ptr()), const_cast<char*>(bp)},
           [&](char** p, const int64_t* s, int64_t n) {
             bool* o = reinterpret_cast<bool*>(p[0]);
             const T* x = reinterpret_cast<const T*>(p[1]);
             const T* y = reinterpret_cast<const T*>(p[2]);
             // Contiguous runs (against a tensor or a broadcast scalar) as plain loops the
             // compiler vectorizes.
             if (s[0] == 1 && s[1] == static_cast<int64_t>(sizeof(T)) && s[2] == static_cast<int64_t>(sizeof(T))) {
               for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
               return;
             }
             if (s[0] == 1 && s[1] == static_cast<int64_t>(sizeof(T)) && s[2] == 0) {
               const T v = *y;
               for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], v);
               return;
             }
             for (int64_t i = 0; i < n; ++i)
               *reinterpret_cast<bool*>(p[0] + i * s[0]) =
                   f(*reinterpret_cast<const T*>(p[1] + i * s[1]), *reinterpret_cast<const T*>(p[2] + i * s[2]));
           });
  });
  return out;
}
// Calls run(f) with f the comparison op as a function object of its own, so that each
// loop compares one way (a switch inside the loop kept it from vectorizing).
template <class Run>
Tensor with_comparison(Compare op, Run&& run) {
  switch (op) {
#define EMBER_COMPARE_OP(NAME, ENUM, OPERATOR, ONNX) \
  case Compare::ENUM: return run([](auto x, auto y) { return x OPERATOR y; });
#include "ember/detail/ops.def"
  }
  return run([](auto, auto) { return false; });
}
template <class F>
Tensor bool_binary_tensors(const char* name, const Tensor& a, const Tensor& b, Dtype dt, F f) {
  Tensor bin = as_dtype(b, dt);
  int64_t bs[kMaxLoopDims];
  broadcast_strides(bin, bin.sizes(), bs);
  return bool_binary(name, a, static_cast<const char*>(bin.data_ptr()), bs, bin.sizes(), dt, f);
}
}  // namespace

Tensor compare(Compare op, const Tensor& a, const Tensor& b) {
  detail::check_defined(a, compare_name(op), "first argument");
  detail::check_defined(b, compare_name(op), "second argument");
  return with_comparison(op, [&](auto f) {
    return bool_binary_tensors(compare_name(op), a, b, kernel_dtype(result_type(a, b)), f);
  });
}
Tensor compare(Compare op, const Tensor& a, Scalar b) {
  detail::check_defined(a, compare_name(op));
  Dtype dt = kernel_dtype(result_type(a, b));
  return EMBER_DISPATCH_ALL(dt, [&] {
    T v = b.to<T>();
    int64_t zs[kMaxLoopDims] = {};
    return with_comparison(op, [&](auto f) {
      return bool_binary(compare_name(op), a, reinterpret_cast<const char*>(&v), zs, a.sizes(), dt, f);
    });
  });
}
Tensor logical(Logical op, const Tensor& a, const Tensor& b) {
  const char* name = op == Logical::And ? "logical_and" : "logical_or";
  detail::check_defined(a, name, "first argument");
  detail::check_defined(b, name, "second argument");
  return bool_binary_tensors(name, as_dtype(a, Dtype::Bool), b, Dtype::Bool, [op](bool x, bool y) {
    return op == Logical::And ? (x && y) : (x || y);
  });
}
Tensor logical_not(const Tensor& x) {
  detail::check_defined(x, "logical_not");
  Tensor out = contiguous_as(x, Dtype::Bool);
  bool* p = out.data_ptr<bool>();
  for (int64_t i = 0; i < out.numel(); ++i) p[i] = !p[i];
  return out;
}
Tensor isnan(const Tensor& x) {
  detail::check_defined(x, "isnan");
  return compare(Compare::Ne, x, x);
}
namespace {
// A bool tensor of x's shape filled with `value`: the answer for integer and bool dtypes.
Tensor all_of_shape(const Tensor& x, bool value) {
  Tensor out = empty_tensor(x.sizes(), Dtype::Bool);
  fill(out, value);
  return out;
}
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace
Tensor isinf(const Tensor& x) {
  detail::check_defined(x, "isinf");
  if (!is_floating_point(x.dtype())) return all_of_shape(x, false);
  return compare(Compare::Eq, abs(x), kInf);
}
Tensor isposinf(const Tensor& x) {
  detail::check_defined(x, "isposinf");
  if (!is_floating_point(x.dtype())) return all_of_shape(x, false);
  return compare(Compare::Eq, x, kInf);
}
Tensor isneginf(const Tensor& x) {
  detail::check_defined(x, "isneginf");
  if (!is_floating_point(x.dtype())) return all_of_shape(x, false);
  return compare(Compare::Eq, x, -kInf);
}
Tensor isfinite(const Tensor& x) {
  detail::check_defined(x, "isfinite");
  if (!is_floating_point(x.dtype())) return all_of_shape(x, true);
  return compare(Compare::Lt, abs(x), kInf);  // NaN compares false: not finite
}

// c ? a : b without a branch: a random mask made the branchy loop mispredict every
// other element (5 ns each); as a bit select the loop vectorizes.
template <class T>
inline T select_bits(bool c, T a, T b) {
  using U = std::conditional_t<sizeof(T) == 1, uint8_t,
                               std::conditional_t<sizeof(T) == 2, uint16_t,
                                                  std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;
  static_assert(sizeof(U) == sizeof(T), "select_bits: no unsigned type of this size");
  U ua, ub;
  std::memcpy(&ua, &a, sizeof(T));
  std::memcpy(&ub, &b, sizeof(T));
  const U m = static_cast<U>(U(0) - static_cast<U>(c));
  const U r = static_cast<U>((ua & m) | (ub & static_cast<U>(~m)));
  T out;
  std::memcpy(static_cast<void*>(&out), &r, sizeof(T));  // Half and BFloat16 are plain bits too
  return out;
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  detail::check_defined(cond, "where", "condition");
  detail::check_defined(a, "where", "first argument");
  detail::check_defined(b, "where", "second argument");
  EMBER_CHECK(cond.dtype() == Dtype::Bool, "where: the condition must be a bool tensor, got {} of shape {}",
              cond.dtype(), cond.sizes());
  Dtype dt = result_type(a, b);
  Shape shape = broadcast_shapes(broadcast_shapes(cond.sizes(), a.sizes(), "where"), b.sizes(), "where");
  Tensor out = empty_tensor(shape, dt);
  Tensor ain = as_dtype(a, dt), bin = as_dtype(b, dt);
  int64_t st[4][kMaxLoopDims];
  broadcast_strides(out, shape, st[0]);
  broadcast_strides(cond, shape, st[1]);
  broadcast_strides(ain, shape, st[2]);
  broadcast_strides(bin, shape, st[3]);
  Loop<4> L = make_loop<4>(shape, st);
  EMBER_DISPATCH_EVERY(dt, [&] {
    run<4>(L,
           {static_cast<char*>(out.data_ptr()), static_cast<char*>(cond.data_ptr()),
            static_cast<char*>(ain.data_ptr()), static_cast<char*>(bin.data_ptr())},
           [&](char** p, const int64_t* s, int64_t n) {
             T* o = reinterpret_cast<T*>(p[0]);
             const bool* c = reinterpret_cast<const bool*>(p[1]);
             const T* x = reinterpret_cast<const T*>(p[2]);
             const T* y = reinterpret_cast<const T*>(p[3]);
             constexpr auto e = static_cast<int64_t>(sizeof(T));
             // Contiguous runs, with either side possibly a broadcast scalar (masked_fill's
             // value), as plain loops the compiler vectorizes.
             if (s[0] == e && s[1] == 1 && (s[2] == e || s[2] == 0) && (s[3] == e || s[3] == 0)) {
               if (s[2] == e && s[3] == e) {
                 for (int64_t i = 0; i < n; ++i) o[i] = select_bits(c[i], x[i], y[i]);
               } else if (s[2] == 0 && s[3] == e) {
                 const T v = *x;
                 for (int64_t i = 0; i < n; ++i) o[i] = select_bits(c[i], v, y[i]);
               } else if (s[2] == e && s[3] == 0) {
                 const T v = *y;
                 for (int64_t i = 0; i < n; ++i) o[i] = select_bits(c[i], x[i], v);
               } else {
                 const T u = *x, v = *y;
                 for (int64_t i = 0; i < n; ++i) o[i] = select_bits(c[i], u, v);
               }
               return;
             }
             for (int64_t i = 0; i < n; ++i)
               *reinterpret_cast<T*>(p[0] + i * s[0]) = *reinterpret_cast<const bool*>(p[1] + i * s[1])
                                                            ? *reinterpret_cast<const T*>(p[2] + i * s[2])
                                                            : *reinterpret_cast<const T*>(p[3] + i * s[3]);
           });
  });
  return out;
}

// ---- copies ----
namespace {

// A contiguous run converted from S to D: a function of its own with restrict pointers,
// which the compiler vectorizes (float to double and back, ints to floats); the strided
// loop it replaces ran an element at a time.
template <class D, class S>
__attribute__((noinline)) void convert_run(D* __restrict dst, const S* __restrict src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = element_cast<D>(src[i]);
}

}  // namespace

void copy(Tensor& dst, const Tensor& src) {
  detail::check_defined(dst, "copy_", "destination");
  detail::check_defined(src, "copy_", "source");
  Shape shape = broadcast_shapes(dst.sizes(), src.sizes(), "copy_");
  EMBER_CHECK(shape.size() == dst.sizes().size() && IntArrayRef(shape).equals(dst.sizes()),
              "copy_: cannot copy a tensor of shape {} into one of shape {}", src.sizes(), dst.sizes());
  if (dst.numel() == 0) return;
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous() && src.sizes().equals(dst.sizes())) {
    char* d = static_cast<char*>(dst.data_ptr());
    const char* s = static_cast<const char*>(src.data_ptr());
    if (d == s) return;
    int64_t es = dst.element_size();
    parallel_for(0, dst.numel(), kGrainSize * 4,
                 [&](int64_t b, int64_t e) { std::memcpy(d + b * es, s + b * es, static_cast<size_t>((e - b) * es)); });
    return;
  }
  int64_t st[2][kMaxLoopDims];
  broadcast_strides(dst, shape, st[0]);
  broadcast_strides(src, shape, st[1]);
  Loop<2> L = make_loop<2>(shape, st);
  if (dst.dtype() == src.dtype() &&
      copy_layout(static_cast<char*>(dst.data_ptr()), static_cast<const char*>(src.data_ptr()), L, dst.element_size()))
    return;
  EMBER_DISPATCH_EVERY(dst.dtype(), [&] {
    using D = T;
    EMBER_DISPATCH_EVERY(src.dtype(), [&] {
      using S = T;
      run<2>(L, {static_cast<char*>(dst.data_ptr()), static_cast<char*>(src.data_ptr())},
             [&](char** p, const int64_t* s, int64_t n) {
               if (std::is_same<D, S>::value && s[0] == sizeof(D) && s[1] == sizeof(D)) {
                 std::memcpy(p[0], p[1], static_cast<size_t>(n) * sizeof(D));
                 return;
               }
               if (s[0] == sizeof(D) && s[1] == sizeof(S)) {
                 convert_run(reinterpret_cast<D*>(p[0]), reinterpret_cast<const S*>(p[1]), n);
                 return;
               }
               for (int64_t i = 0; i < n; ++i)
                 *reinterpret_cast<D*>(p[0] + i * s[0]) = element_cast<D>(*reinterpret_cast<const S*>(p[1] + i * s[1]));
             });
    });
  });
}

void fill(Tensor& dst, Scalar value) {
  detail::check_defined(dst, "fill_");
  EMBER_DISPATCH_EVERY(dst.dtype(), [&] {
    T v = value.to<T>();
    if (dst.is_contiguous()) {
      T* p = static_cast<T*>(dst.data_ptr());
      parallel_for(0, dst.numel(), kGrainSize, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) p[i] = v;
      });
      return;
    }
    int64_t st[1][kMaxLoopDims];
    broadcast_strides(dst, dst.sizes(), st[0]);
    Loop<1> L = make_loop<1>(dst.sizes(), st);
    run<1>(L, {static_cast<char*>(dst.data_ptr())}, [&](char** p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = v;
    });
  });
}

Tensor contiguous_as(const Tensor& x, Dtype dtype) {
  Tensor out = empty_tensor(x.sizes(), dtype);
  copy(out, x);
  return out;
}

}  // namespace kernels
}  // namespace ember
