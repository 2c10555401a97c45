// Per row: the mean (the blocked SIMD sum, in double across blocks), the centred row
// written into y, its sum of squares (a SIMD dot product of y with itself), then y
// scaled by rstd and, where given, multiplied by weight and shifted by bias, each a SIMD
// loop over the row while it is in the first-level cache. The composed form (mean, var,
// sub, mul, mul, add as whole-tensor ops) read and wrote the tensor six times.
#include "ops/layer_norm.hpp"

#include <algorithm>
#include <cmath>

#include "ops/elementwise.hpp"
#include "ops/functors.hpp"
#include "ops/reduction_folds.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/parallel.hpp"

namespace ember {
namespace kernels {
namespace {

float row_sum(const float* p, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; i += kSegment) s += SumFold<float>::run(p + i, std::min(kSegment, n - i));
  return static_cast<float>(s);
}

float row_sum_of_squares(const float* p, int64_t n) {
  if (auto dot = ContigGemv<float>::rows_dot) {
    float out = 0;
    dot(1, n, p, n, p, 1.0f, 0.0f, &out);
    return out;
  }
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(p[i]) * p[i];
  return static_cast<float>(s);
}

void affine(const float* x, float* y, int64_t n, float a, float b) {
  const AffineOp<float> op{a, b};
  if (auto f = Contig<AffineOp<float>, float>::unary) return f(op, x, y, n);
  for (int64_t i = 0; i < n; ++i) y[i] = op(x[i]);
}

template <class Op>
void with_vector(float* y, const float* v, int64_t n) {
  const Op op{};
  if (auto f = Contig<Op, float>::binary) return f(op, y, v, y, n, BinaryMode::VV);
  for (int64_t i = 0; i < n; ++i) y[i] = op(y[i], v[i]);
}

}  // namespace

Tensor layer_norm_rows(const Tensor& x, int64_t D, const Tensor& weight, const Tensor& bias, double eps, Tensor* mean,
                       Tensor* rstd) {
  EMBER_CHECK(x.dtype() == Dtype::Float32 && D > 0 && x.numel() % D == 0,
              "layer_norm: the row kernel takes float32 rows of {} elements, got {} {}", D, x.dtype(), x.sizes());
  const int64_t rows = x.numel() / D;
  Tensor y = detail::empty_tensor(x.sizes(), x.dtype());
  *mean = detail::empty_tensor({rows}, x.dtype());
  *rstd = detail::empty_tensor({rows}, x.dtype());
  const Tensor xc = x.is_contiguous() ? x : contiguous_as(x, x.dtype());
  const Tensor wc = !weight.defined() || weight.is_contiguous() ? weight : contiguous_as(weight, weight.dtype());
  const Tensor bc = !bias.defined() || bias.is_contiguous() ? bias : contiguous_as(bias, bias.dtype());
  const float* px = xc.data_ptr<float>();
  const float* pw = wc.defined() ? wc.data_ptr<float>() : nullptr;
  const float* pb = bc.defined() ? bc.data_ptr<float>() : nullptr;
  float* py = y.data_ptr<float>();
  float* pm = mean->data_ptr<float>();
  float* pr = rstd->data_ptr<float>();
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / D), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* in = px + r * D;
      float* out = py + r * D;
      const float m = row_sum(in, D) / static_cast<float>(D);
      affine(in, out, D, 1.0f, -m);
      const float var = row_sum_of_squares(out, D) / static_cast<float>(D);
      const float s = static_cast<float>(1.0 / std::sqrt(static_cast<double>(var) + eps));
      affine(out, out, D, s, 0.0f);
      if (pw) with_vector<MulOp<float>>(out, pw, D);
      if (pb) with_vector<AddOp<float>>(out, pb, D);
      pm[r] = m;
      pr[r] = s;
    }
  });
  return y;
}

}  // namespace kernels
}  // namespace ember
