// Scalar special functions, written from their series, asymptotic expansions and
// continued fractions (Abramowitz & Stegun, chapters 6, 7, 9 and 26; the Euler-Maclaurin
// formula for the Hurwitz zeta function). Most compute in double and round once to
// float; the gamma-family functions whose edge values PyTorch computes in the input's
// own precision (digamma and trigamma at negative arguments, zeta) are templates on T.
#include "ops/special_math.hpp"

#include <cmath>
#include <limits>

namespace ember {
namespace kernels {
namespace special_fn {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kSqrtPi = 1.77245385090551602730;
constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kSqrtHalfPi = 1.25331413731550025121;  // sqrt(pi / 2)
template <class T> constexpr T nan_v() { return std::numeric_limits<T>::quiet_NaN(); }
template <class T> constexpr T inf_v() { return std::numeric_limits<T>::infinity(); }

// ---- digamma and trigamma ----
// psi(x) for x >= 10 from the asymptotic expansion
//   psi(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k),
// whose terms B_2k / 2k are 1/12, -1/120, 1/252, -1/240, 1/132, -691/32760, 1/12.
template <class T> T digamma_large(T x) {
  if (x >= T(1e17)) return std::log(x) - T(0.5) / x;
  T z = T(1) / (x * x);
  T series = z * (T(1.0 / 12) +
                  z * (T(-1.0 / 120) +
                       z * (T(1.0 / 252) +
                            z * (T(-1.0 / 240) + z * (T(1.0 / 132) + z * (T(-691.0 / 32760) + z * T(1.0 / 12)))))));
  return std::log(x) - T(0.5) / x - series;
}
// As PyTorch: psi(+0) = -inf, psi(-0) = +inf, NaN at negative integers and -inf; below
// zero the reflection psi(x) = psi(1 - x) - pi / tan(pi x), with tan taken of the
// fractional part (exact) so that large negative x keep their accuracy.
template <class T> T digamma_t(T x) {
  if (x == T(0)) return std::copysign(inf_v<T>(), -x);
  if (x < T(0)) {
    if (x == std::trunc(x)) return nan_v<T>();
    T whole;
    T frac = std::modf(x, &whole);
    return digamma_t(T(1) - x) - T(kPi) / std::tan(T(kPi) * frac);
  }
  // psi(x) = psi(x + 1) - 1/x lifts x into the asymptotic range.
  T shift = 0;
  while (x < T(10)) {
    shift -= T(1) / x;
    x += T(1);
  }
  return shift + digamma_large(x);
}
// psi'(x): below 1/2 the reflection psi'(x) = -psi'(1 - x) + pi^2 / sin^2(pi x), then
// six steps of psi'(x) = psi'(x + 1) + 1/x^2 and the asymptotic expansion
//   psi'(x) ~ 1/x + 1/(2x^2) + sum_k B_2k / x^(2k+1).
template <class T> T trigamma_t(T x) {
  T sign = 1, result = 0;
  if (x < T(0.5)) {
    sign = -1;
    T s = std::sin(T(kPi) * x);
    result -= T(kPi * kPi) / (s * s);
    x = T(1) - x;
  }
  for (int i = 0; i < 6; ++i) {
    result += T(1) / (x * x);
    x += T(1);
  }
  T ixx = T(1) / (x * x);
  result += (T(1) + T(1) / (T(2) * x) + ixx * (T(1.0 / 6) - ixx * (T(1.0 / 30) - ixx * T(1.0 / 42)))) / x;
  return sign * result;
}

// ---- Hurwitz zeta ----
// (2k)! / B_2k for k = 1..12: the Euler-Maclaurin correction terms' denominators.
constexpr double kZetaBernoulli[12] = {
    12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
    -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15, 1.8152105401943546773e17,
    -7.1661652561756670113e18};
// zeta(x, q) = sum_{k<N} (q+k)^-x + (q+N)^(1-x)/(x-1) - (q+N)^-x / 2
//              + sum_j B_2j/(2j)! x(x+1)...(x+2j-2) (q+N)^(-x-2j+1),
// summing at least 10 terms directly (and up to q + N > 9) before the correction.
// Edge values as PyTorch: inf at x == 1 and at q a non-positive integer, NaN for x < 1
// and for q < 0 with x not an integer.
template <class T> T zeta_t(T x, T q) {
  const T eps = std::numeric_limits<T>::epsilon();
  if (x == T(1)) return inf_v<T>();
  if (x < T(1)) return nan_v<T>();
  if (q <= T(0)) {
    if (q == std::floor(q)) return inf_v<T>();
    if (x != std::floor(x)) return nan_v<T>();
  }
  T s = std::pow(q, -x);
  T a = q, b = 0;
  int i = 0;
  while (i < 9 || a <= T(9)) {
    ++i;
    a += T(1);
    b = std::pow(a, -x);
    s += b;
    // A term that underflows to zero ends the sum (for a large x every term may, and
    // 0 / 0 would not stop it); an infinite x or q keeps PyTorch's inf or NaN.
    if ((b == T(0) && std::isfinite(a) && std::isfinite(x)) || std::fabs(b / s) < eps) return s;
  }
  T w = a;
  s += b * w / (x - T(1)) - T(0.5) * b;
  T factor = 1, k = 0;
  for (int j = 0; j < 12; ++j) {
    factor *= x + k;
    b /= w;
    T term = factor * b / T(kZetaBernoulli[j]);
    s += term;
    if (std::fabs(term / s) < eps) return s;
    k += T(1);
    factor *= x + k;
    b /= w;
    k += T(1);
  }
  return s;
}

// ---- error-function family (double) ----
// exp(x * x) without the rounding error of x * x (which exp would magnify by x^2):
// x * x = p + e exactly, and exp(p + e) = exp(p) (1 + e) to double precision.
double exp_x_squared(double x) {
  double p = x * x;
  double e = std::fma(x, x, -p);
  return std::exp(p) * (1.0 + e);
}
// erfcx(x) = exp(x^2) erfc(x). Up to x = 10 erfc is still a normal double and the
// product is accurate; beyond, the asymptotic series
//   erfcx(x) ~ 1/(x sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2x^2)^k
// (A&S 7.1.23) converges to double precision within a few terms.
double erfcx_d(double x) {
  if (std::isnan(x)) return x;
  if (x < 0.0) {
    // erfcx(x) = 2 exp(x^2) - erfcx(-x), with exp(x^2) rounded as PyTorch rounds it.
    if (x < -26.7) return inf_v<double>();
    return 2.0 * std::exp(x * x) - erfcx_d(-x);
  }
  if (x < 10.0) return exp_x_squared(x) * std::erfc(x);
  if (x > 1e8) return 1.0 / (x * kSqrtPi);  // the first correction is below 1e-16
  double inv2x2 = 1.0 / (2.0 * x * x), term = 1.0, sum = 1.0;
  for (int k = 1; k < 60; ++k) {
    term *= -(2.0 * k - 1.0) * inv2x2;
    sum += term;
    if (std::fabs(term) < 1e-17 * sum) break;
  }
  return sum / (x * kSqrtPi);
}
// log of the standard normal distribution function, as PyTorch forms it: below -1 from
// erfcx (erfc would underflow), above from log1p of the small upper tail.
// In the input's own precision (so that x / sqrt 2 rounds as PyTorch's does: erfc
// magnifies that rounding by 2 t^2 in the upper tail).
template <class T> T log_ndtr_t(T x) {
  T t = x * T(0.70710678118654752440);
  if (x < T(-1)) return std::log(static_cast<T>(erfcx_d(-t)) / T(2)) - t * t;
  return std::log1p(-std::erfc(t) / T(2));
}
double log_ndtr_d(double x) { return log_ndtr_t(x); }
// The normal quantile of a lower-tail probability 0 < q <= 0.5 (so x <= 0). Start from
// A&S 26.2.23 (error below 4.5e-4), then Newton steps on log Phi(x) = log q: the
// derivative of log Phi is phi / Phi = 1 / (erfcx(-x / sqrt 2) sqrt(pi / 2)), and the
// logarithm keeps its precision even where q is subnormal.
double normal_lower_quantile(double q) {
  double t = std::sqrt(-2.0 * std::log(q));
  double x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
  double log_q = std::log(q);
  for (int i = 0; i < 8; ++i) {
    double step = (log_ndtr_d(x) - log_q) * erfcx_d(-x / kSqrt2) * kSqrtHalfPi;
    x -= step;
    if (std::fabs(step) <= 1e-17 * std::fabs(x)) break;
  }
  return x;
}
// Near the median, Newton steps on Phi(x) - 1/2 = erf(x / sqrt 2) / 2 = q - 1/2, which
// both sides give to full relative precision.
double normal_central_quantile(double q) {
  double d = q - 0.5;  // exact for q in [0.25, 0.75]
  double x = d * 2.0 * kSqrtHalfPi;
  for (int i = 0; i < 10; ++i) {
    double phi = std::exp(-0.5 * x * x) / (2.0 * kSqrtHalfPi);
    double step = (std::erf(x / kSqrt2) / 2.0 - d) / phi;
    x -= step;
    if (std::fabs(step) <= 1e-17 * std::fabs(x)) break;
  }
  return x;
}
// ndtri: -inf at 0, +inf at 1, NaN outside [0, 1].
double ndtri_d(double p) {
  if (std::isnan(p) || p < 0.0 || p > 1.0) return nan_v<double>();
  if (p == 0.0) return -inf_v<double>();
  if (p == 1.0) return inf_v<double>();
  if (p >= 0.25 && p <= 0.75) return normal_central_quantile(p);
  if (p < 0.5) return normal_lower_quantile(p);
  return -normal_lower_quantile(1.0 - p);  // 1 - p is exact here
}
// erfinv(y) = x with erf(x) = y: Newton on erf near 0; in the tails the normal quantile
// (erfinv(y) = -ndtri((1 - |y|) / 2) / sqrt 2) polished by one Newton step on
// erfc(x) = 1 - |y|, which is exact in the tails where erf itself is flat.
double erfinv_d(double y) {
  if (std::isnan(y) || y < -1.0 || y > 1.0) return nan_v<double>();
  if (y == 1.0) return inf_v<double>();
  if (y == -1.0) return -inf_v<double>();
  if (y == 0.0) return y;
  double a = std::fabs(y), x;
  if (a <= 0.5) {
    x = a * kSqrtPi / 2.0;
    for (int i = 0; i < 10; ++i) {
      double step = (std::erf(x) - a) / (2.0 / kSqrtPi * std::exp(-x * x));
      x -= step;
      if (std::fabs(step) <= 1e-17 * x) break;
    }
  } else {
    double c = 1.0 - a;  // exact
    x = -normal_lower_quantile(c / 2.0) / kSqrt2;
    x += (std::erfc(x) - c) / (2.0 / kSqrtPi * std::exp(-x * x));
  }
  return std::copysign(x, y);
}

// ---- modified Bessel functions of the first kind, orders 0 and 1 (double) ----
// Below 20 the power series (A&S 9.6.10) of positive terms,
//   I_v(x) = (x/2)^v sum_k (x^2/4)^k / (k! (k+v)!);
// above, the asymptotic expansion (A&S 9.7.1) of the scaled function,
//   e^-x I_v(x) ~ 1/sqrt(2 pi x) sum_k (-1)^k (mu-1)(mu-9)...(mu-(2k-1)^2) / (k! (8x)^k),
// mu = 4 v^2, whose smallest term at x >= 20 is below double precision.
double bessel_i_series(int order, double x) {
  double q = x * x / 4.0, term = order == 0 ? 1.0 : x / 2.0, sum = term;
  for (int k = 1; k < 500; ++k) {
    term *= q / (double(k) * double(k + order));
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}
double bessel_ie_asymptotic(int order, double x) {  // x >= 20
  double mu = 4.0 * order * order, term = 1.0, sum = 1.0;
  for (int k = 1; k < 60; ++k) {
    double odd = 2.0 * k - 1.0;
    term *= -(mu - odd * odd) / (k * 8.0 * x);
    sum += term;
    if (std::fabs(term) < 1e-17 * std::fabs(sum)) break;
  }
  return sum / std::sqrt(2.0 * kPi * x);
}
constexpr double kBesselSeriesLimit = 20.0;
// Scaled: e^-|x| I_v(|x|) for x >= 0 (I_0 is even, I_1 odd).
double bessel_ie_abs(int order, double a) {
  if (a <= kBesselSeriesLimit) return bessel_i_series(order, a) * std::exp(-a);
  return bessel_ie_asymptotic(order, a);
}
// PyTorch: i0(+-inf) and i1(+-inf) are NaN (inf * 0 in its scaled form), i0e(+-inf) = 0.
double i0_d(double x) {
  double a = std::fabs(x);
  if (std::isinf(a)) return nan_v<double>();
  if (a <= kBesselSeriesLimit) return bessel_i_series(0, a);
  return std::exp(a) * bessel_ie_asymptotic(0, a);
}
double i0e_d(double x) {
  double a = std::fabs(x);
  if (std::isinf(a)) return 0.0;
  return bessel_ie_abs(0, a);
}
double i1_d(double x) {
  double a = std::fabs(x);
  if (std::isinf(a)) return nan_v<double>();
  double r = a <= kBesselSeriesLimit ? bessel_i_series(1, a) : std::exp(a) * bessel_ie_asymptotic(1, a);
  return x < 0 ? -r : r;
}
double i1e_d(double x) {
  double a = std::fabs(x);
  double r = std::isinf(a) ? 0.0 : bessel_ie_abs(1, a);
  return x < 0 ? -r : r;
}

// ---- regularized incomplete gamma (double) ----
// Stirling's series remainder lgamma(a) - ((a - 1/2) log a - a + log(2 pi) / 2), a >= 20.
double stirling_remainder(double a) {
  double z = 1.0 / (a * a);
  return (1.0 / 12 + z * (-1.0 / 360 + z * (1.0 / 1260 + z * (-1.0 / 1680 + z * (1.0 / 1188 + z * (-691.0 / 360360)))))) / a;
}
// x^a e^-x / Gamma(a). For large a the exponent is rearranged with Stirling's series,
//   a (log(x / a) - d) + log(a / 2 pi) / 2 - stirling_remainder(a),  d = (x - a) / a,
// so that it does not lose a log a's worth of digits to cancellation; near x = a,
// log(x / a) - d is log1p(d) - d.
double igamma_prefactor(double a, double x) {
  if (a < 20.0) return std::exp(a * std::log(x) - x - std::lgamma(a));
  double d = (x - a) / a;
  double shape = std::fabs(d) < 0.5 ? std::log1p(d) - d : std::log(x / a) - d;
  return std::exp(a * shape + 0.5 * std::log(a / (2.0 * kPi)) - stirling_remainder(a));
}
// P(a, x) by its series (A&S 6.5.29): e^-x x^a / Gamma(a + 1) sum_n x^n / ((a+1)...(a+n)).
double igamma_series(double a, double x) {
  double term = 1.0, sum = 1.0;
  for (int n = 1; n < 10000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return igamma_prefactor(a, x) / a * sum;
}
// Q(a, x) by its continued fraction (A&S 6.5.31, in the even form), evaluated by the
// modified Lentz method.
double igammac_fraction(double a, double x) {
  const double tiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
  for (int n = 1; n < 10000; ++n) {
    double an = -n * (n - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < 1e-16) break;
  }
  return igamma_prefactor(a, x) * h;
}
// Q(a, x) for a < 1 and x <= 1.1, where 1 - P(a, x) would cancel: with
// u = x^a / Gamma(a + 1) and P = u S, S = sum_n (-x)^n a / (n! (a + n)) (A&S 6.5.29),
//   Q = 1 - u S = -expm1(log u) + u (1 - S).
double igammac_small_a(double a, double x) {
  double log_u = a * std::log(x) - std::lgamma(1.0 + a);
  double term = 1.0, one_minus_s = 0.0;
  for (int n = 1; n < 200; ++n) {
    term *= -x / n;
    double t = -term * a / (a + n);
    one_minus_s += t;
    if (std::fabs(t) < 1e-17 * std::fabs(one_minus_s)) break;
  }
  return -std::expm1(log_u) + std::exp(log_u) * one_minus_s;
}
// The edge rules of PyTorch's igamma, in its order (so that, as there, P(NaN, 0) = 0
// and P(NaN, inf) = 1): NaN for a < 0 or x < 0 and at a = x = 0; P(0, x > 0) = 1;
// P(a, 0) = 0; P(inf, x) = 0 unless x is inf (NaN); P(a, inf) = 1. Returns false
// when none applies.
bool igamma_edge(double a, double x, double& p) {
  if (a < 0.0 || x < 0.0) return p = nan_v<double>(), true;
  if (a == 0.0) return p = x > 0.0 ? 1.0 : nan_v<double>(), true;
  if (x == 0.0) return p = 0.0, true;
  if (std::isinf(a)) return p = std::isinf(x) ? nan_v<double>() : 0.0, true;
  if (std::isinf(x)) return p = 1.0, true;
  if (std::isnan(a) || std::isnan(x)) return p = nan_v<double>(), true;
  return false;
}
double igamma_d(double a, double x) {
  double p;
  if (igamma_edge(a, x, p)) return p;
  if (x < a + 1.0) return igamma_series(a, x);
  return 1.0 - igammac_fraction(a, x);
}
double igammac_d(double a, double x) {
  double p;
  if (igamma_edge(a, x, p)) return 1.0 - p;  // NaN stays NaN
  if (a < 1.0 && x <= 1.1) return igammac_small_a(a, x);
  if (x < a + 1.0) return 1.0 - igamma_series(a, x);
  return igammac_fraction(a, x);
}
}  // namespace

// lgamma is the C library's, as PyTorch's CPU kernel.
float lgamma(float x) { return std::lgamma(x); }
double lgamma(double x) { return std::lgamma(x); }
float digamma(float x) { return digamma_t(x); }
double digamma(double x) { return digamma_t(x); }
float trigamma(float x) { return trigamma_t(x); }
double trigamma(double x) { return trigamma_t(x); }
float zeta(float x, float q) { return zeta_t(x, q); }
double zeta(double x, double q) { return zeta_t(x, q); }

#define EMBER_SPECIAL_VIA_DOUBLE(NAME)                                    \
  float NAME(float x) { return static_cast<float>(NAME##_d(x)); }       \
  double NAME(double x) { return NAME##_d(x); }
EMBER_SPECIAL_VIA_DOUBLE(erfinv)
EMBER_SPECIAL_VIA_DOUBLE(ndtri)
EMBER_SPECIAL_VIA_DOUBLE(i0e)
EMBER_SPECIAL_VIA_DOUBLE(i1e)
#undef EMBER_SPECIAL_VIA_DOUBLE

// In float PyTorch forms 2 exp(x^2) for x < 0 in float; so does this.
float erfcx(float x) { return x < 0.f && x >= -26.7f ? 2.f * std::exp(x * x) - float(erfcx_d(-x)) : float(erfcx_d(x)); }
double erfcx(double x) { return erfcx_d(x); }
float log_ndtr(float x) { return log_ndtr_t(x); }
double log_ndtr(double x) { return log_ndtr_t(x); }
// I_0 and I_1 grow as e^|x|, formed by PyTorch as exp(|x|) times a scaled factor: in
// float they overflow where expf(|x|) does, a little before their own value would.
float i0(float x) { return std::isinf(std::exp(std::fabs(x))) && !std::isinf(x) ? inf_v<float>() : float(i0_d(x)); }
double i0(double x) { return i0_d(x); }
float i1(float x) {
  if (std::isinf(std::exp(std::fabs(x))) && !std::isinf(x)) return std::copysign(inf_v<float>(), x);
  return float(i1_d(x));
}
double i1(double x) { return i1_d(x); }

float igamma(float a, float x) { return static_cast<float>(igamma_d(a, x)); }
double igamma(double a, double x) { return igamma_d(a, x); }
float igammac(float a, float x) { return static_cast<float>(igammac_d(a, x)); }
double igammac(double a, double x) { return igammac_d(a, x); }

}  // namespace special_fn
}  // namespace kernels
}  // namespace ember
