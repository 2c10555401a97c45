// torch.special's functions, composed from ember's differentiable ops (so their
// gradients come from those ops'). Where a formula would divide by zero or take log(0)
// at a point that the function defines separately (sinc at 0, entr at 0, xlogy at
// x = 0), a harmless value is substituted there, chosen so that the forward gives the
// defined value and the backward gives PyTorch's gradient.
#include "ember/special.hpp"

#include <cmath>
#include <limits>

#include "ember/creation.hpp"
#include "ember/functions.hpp"

namespace ember {

namespace {
// x * f(y), where f(y) is replaced by 0 where x == 0 and f(y) would be -inf or NaN
// (y <= pole). This is PyTorch's xlogy: 0 at x == 0 unless y is NaN, and its gradients:
// d/dx = f(y) (0 where replaced), d/dy = x f'(y).
Tensor x_times(const Tensor& x, const Tensor& y, double pole, Tensor (*f)(const Tensor&)) {
  Tensor replaced = logical_and(x == 0, y <= pole);
  return x * where(replaced, Scalar(0.0), f(y));
}
// A scalar operand as a 0-dim tensor of the other operand's float dtype (the result is
// a float either way).
Tensor as_tensor_like(Scalar s, const Tensor& other) {
  return full({}, s, TensorOptions(is_floating_point(other.dtype()) ? other.dtype() : get_default_dtype()));
}
}  // namespace

Tensor logit(const Tensor& x, std::optional<double> eps) {
  Tensor p = eps ? clamp(x, *eps, 1.0 - *eps) : x;
  return log(p / (1 - p));
}

Tensor xlogy(const Tensor& x, const Tensor& y) { return x_times(x, y, 0.0, [](const Tensor& t) { return log(t); }); }
Tensor xlogy(const Tensor& x, Scalar y) { return xlogy(x, as_tensor_like(y, x)); }
Tensor xlogy(Scalar x, const Tensor& y) { return xlogy(as_tensor_like(x, y), y); }

Tensor sinc(const Tensor& x) {
  Tensor zero = x == 0;
  Tensor pix = where(zero, Scalar(1.0), x) * M_PI;
  return where(zero, Scalar(1.0), sin(pix) / pix);
}

namespace special {

Tensor expit(const Tensor& x) { return sigmoid(x); }
Tensor erf(const Tensor& x) { return ember::erf(x); }
Tensor erfc(const Tensor& x) { return ember::erfc(x); }
Tensor exp2(const Tensor& x) { return ember::exp2(x); }
Tensor expm1(const Tensor& x) { return ember::expm1(x); }
Tensor log1p(const Tensor& x) { return ember::log1p(x); }
Tensor round(const Tensor& x) { return ember::round(x); }
Tensor logit(const Tensor& x, std::optional<double> eps) { return ember::logit(x, eps); }
Tensor xlogy(const Tensor& x, const Tensor& y) { return ember::xlogy(x, y); }
Tensor xlogy(const Tensor& x, Scalar y) { return ember::xlogy(x, y); }
Tensor xlogy(Scalar x, const Tensor& y) { return ember::xlogy(x, y); }
Tensor sinc(const Tensor& x) { return ember::sinc(x); }
Tensor softmax(const Tensor& x, int64_t dim) { return ember::softmax(x, dim); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return ember::log_softmax(x, dim); }
Tensor logsumexp(const Tensor& x, IntArrayRef dim, bool keepdim) { return ember::logsumexp(x, dim, keepdim); }

Tensor xlog1py(const Tensor& x, const Tensor& y) {
  return x_times(x, y, -1.0, [](const Tensor& t) { return ember::log1p(t); });
}
Tensor xlog1py(const Tensor& x, Scalar y) { return xlog1py(x, as_tensor_like(y, x)); }
Tensor xlog1py(Scalar x, const Tensor& y) { return xlog1py(as_tensor_like(x, y), y); }

Tensor entr(const Tensor& x) {
  Tensor positive = x > 0;
  Tensor r = -x * ember::log(where(positive, x, Scalar(1.0)));  // 0 at x <= 0
  return where(x < 0, Scalar(-std::numeric_limits<double>::infinity()), r);
}

Tensor ndtr(const Tensor& x) { return ember::erfc(x * -M_SQRT1_2) * 0.5; }

}  // namespace special
}  // namespace ember
