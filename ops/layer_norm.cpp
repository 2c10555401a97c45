// Per row: the mean (the blocked SIMD sum, in double across blocks), the centred row
// written into y, its sum of squares (a SIMD dot product of y with itself), then y
// scaled by rstd and, where given, multiplied by weight and shifted by bias, each a SIMD
// loop over the row while it is in the first-level cache. The composed form (mean, var,
// sub, mul, mul, add as whole-tensor ops) read and wrote the tensor six times.
#include "ops/layer_norm.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/elementwise.hpp"
#include "ops/functors.hpp"
#include "ops/reduction_folds.hpp"
#include "ops/row_loops.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/parallel.hpp"

namespace ember {
namespace kernels {
namespace {

float row_sum(const float* p, int64_t n) { return static_cast<float>(sum_row(p, n)); }

void affine(const float* x, float* y, int64_t n, float a, float b) { affine_run(x, y, n, a, b); }

// y = op(y, v) for a binary functor (MulOp, AddOp) over a row.
template <class Op>
void with_vector(float* y, const float* v, int64_t n) {
  binary_row(Op{}, y, v, y, n);
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
      const float var = static_cast<float>(dot_row(out, out, D)) / static_cast<float>(D);
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

void layer_norm_rows_backward(const Tensor& grad, const Tensor& x, int64_t D, const Tensor& mean, const Tensor& rstd,
                              const Tensor& weight, Tensor* grad_input, Tensor* grad_weight, Tensor* grad_bias) {
  constexpr int64_t kChunk = 64;  // rows per partial sum of dweight and dbias
  const int64_t rows = x.numel() / D;
  const Tensor gc = grad.is_contiguous() ? grad : contiguous_as(grad, grad.dtype());
  const Tensor xc = x.is_contiguous() ? x : contiguous_as(x, x.dtype());
  const Tensor wc = !weight.defined() || weight.is_contiguous() ? weight : contiguous_as(weight, weight.dtype());
  const float* pg = gc.data_ptr<float>();
  const float* px = xc.data_ptr<float>();
  const float* pw = wc.defined() ? wc.data_ptr<float>() : nullptr;
  const float* pm = mean.data_ptr<float>();
  const float* pr = rstd.data_ptr<float>();
  float* pgx = nullptr;
  if (grad_input) {
    *grad_input = detail::empty_tensor(x.sizes(), x.dtype());
    pgx = grad_input->data_ptr<float>();
  }
  const int64_t chunks = (rows + kChunk - 1) / kChunk;
  Tensor partial_w, partial_b;  // [chunks, D]
  if (grad_weight) partial_w = detail::empty_tensor({chunks, D}, x.dtype());
  if (grad_bias) partial_b = detail::empty_tensor({chunks, D}, x.dtype());
  float* ppw = grad_weight ? partial_w.data_ptr<float>() : nullptr;
  float* ppb = grad_bias ? partial_b.data_ptr<float>() : nullptr;
  parallel_for(0, chunks, std::max<int64_t>(1, kGrainSize / (kChunk * D)), [&](int64_t cb, int64_t ce) {
    std::vector<float> xhat(static_cast<std::size_t>(D)), gh(static_cast<std::size_t>(D));
    for (int64_t chunk = cb; chunk < ce; ++chunk) {
      float* cw = ppw ? ppw + chunk * D : nullptr;
      float* cbias = ppb ? ppb + chunk * D : nullptr;
      if (cw) std::fill(cw, cw + D, 0.0f);
      if (cbias) std::fill(cbias, cbias + D, 0.0f);
      for (int64_t r = chunk * kChunk; r < std::min(rows, (chunk + 1) * kChunk); ++r) {
        const float* g = pg + r * D;
        const float s = pr[r];
        affine(px + r * D, xhat.data(), D, s, -pm[r] * s);
        if (cw)
          for (int64_t j = 0; j < D; ++j) cw[j] += g[j] * xhat[static_cast<std::size_t>(j)];
        if (cbias)
          for (int64_t j = 0; j < D; ++j) cbias[j] += g[j];
        if (!pgx) continue;
        const float* h = g;
        if (pw) {
          std::copy(g, g + D, gh.begin());
          with_vector<MulOp<float>>(gh.data(), pw, D);
          h = gh.data();
        }
        const float a = row_sum(h, D) / static_cast<float>(D);
        const float b = static_cast<float>(dot_row(h, xhat.data(), D)) / static_cast<float>(D);
        // dx = h * s - a * s - x^ * (b * s)
        float* out = pgx + r * D;
        affine(h, out, D, s, -a * s);
        binary_row(AddAlphaOp<float>{-b * s}, out, xhat.data(), out, D);
      }
    }
  });
  // The chunks' partial sums, added in chunk order.
  auto total = [&](const float* partial, Tensor* out) {
    *out = detail::empty_tensor({D}, x.dtype());
    float* o = out->data_ptr<float>();
    std::copy(partial, partial + D, o);
    for (int64_t c = 1; c < chunks; ++c)
      for (int64_t j = 0; j < D; ++j) o[j] += partial[c * D + j];
  };
  if (grad_weight) total(ppw, grad_weight);
  if (grad_bias) total(ppb, grad_bias);
}

}  // namespace kernels
}  // namespace ember
