#include "ops/channel_affine.hpp"

#include <algorithm>
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

// Planes of fewer elements than this (a BatchNorm1d's [N, C], S = 1) go image by image
// instead, in one plain loop over its channels and positions: a SIMD call per plane of
// one element made eval on [4096, 512] take 47 ms.
constexpr int64_t kShortPlane = 16;

// y[c] = x[c] * scale[c] + shift[c] over one row of C. Not inlined, so that the
// compiler keeps the restrict promises and vectorizes it (inlined into the loop over
// rows, it reloaded every pointer per element).
template <class T>
__attribute__((noinline)) void scale_shift_row(const T* __restrict x, T* __restrict y, const T* __restrict scale, const T* __restrict shift,
                     int64_t C) {
  for (int64_t c = 0; c < C; ++c) y[c] = x[c] * scale[c] + shift[c];
}

// The same for one image of C short planes of S values each.
template <class T>
__attribute__((noinline)) void scale_shift_planes(const T* __restrict x, T* __restrict y, const T* __restrict scale,
                                                  const T* __restrict shift, int64_t C, int64_t S) {
  for (int64_t c = 0; c < C; ++c)
    for (int64_t i = 0; i < S; ++i) y[c * S + i] = x[c * S + i] * scale[c] + shift[c];
}

template <class T>
void affine_images(const T* x, T* y, const T* scale, const T* shift, int64_t N, int64_t C, int64_t S) {
  parallel_for(0, N, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(C * S, 1)), [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      const T* in = x + n * C * S;
      T* out = y + n * C * S;
      if (S == 1)
        scale_shift_row(in, out, scale, shift, C);
      else
        scale_shift_planes(in, out, scale, shift, C, S);
    }
  });
}

template <class T>
void affine_rows(const T* x, T* y, const T* scale, const T* shift, int64_t rows, int64_t C, int64_t S) {
  if (S < kShortPlane) return affine_images(x, y, scale, shift, rows / C, C, S);
  // Each row is one (image, channel) plane of S values; rows go to threads whole.
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(S, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      affine_run(x + r * S, y + r * S, S, scale[r % C], shift[r % C]);
    }
  });
}

}  // namespace

Tensor channel_affine(const Tensor& x, const Tensor& scale, const Tensor& shift) {
  EMBER_CHECK(x.dim() >= 2 && (x.dtype() == Dtype::Float32 || x.dtype() == Dtype::Float64),
              "channel_affine: expected a float32 or float64 input of shape [N, C, ...], got {} {}", x.dtype(),
              x.sizes());
  const int64_t C = x.size(1);
  EMBER_CHECK(scale.dim() == 1 && scale.size(0) == C && shift.dim() == 1 && shift.size(0) == C &&
                  scale.dtype() == x.dtype() && shift.dtype() == x.dtype(),
              "channel_affine: expected scale and shift of shape [{}] and dtype {}, got {} {} and {} {}", C, x.dtype(),
              scale.dtype(), scale.sizes(), shift.dtype(), shift.sizes());
  Tensor y = detail::empty_tensor(x.sizes(), x.dtype());
  if (x.numel() == 0) return y;
  const Tensor xc = x.is_contiguous() ? x : contiguous_as(x, x.dtype());
  const Tensor sc = scale.is_contiguous() ? scale : contiguous_as(scale, scale.dtype());
  const Tensor sh = shift.is_contiguous() ? shift : contiguous_as(shift, shift.dtype());
  const int64_t rows = x.size(0) * C, S = x.numel() / rows;
  if (x.dtype() == Dtype::Float32)
    affine_rows<float>(xc.data_ptr<float>(), y.data_ptr<float>(), sc.data_ptr<float>(), sh.data_ptr<float>(), rows, C,
                       S);
  else
    affine_rows<double>(xc.data_ptr<double>(), y.data_ptr<double>(), sc.data_ptr<double>(), sh.data_ptr<double>(),
                        rows, C, S);
  return y;
}

namespace {

// [N, C] (planes of one value): the channels lie along each row.
// Pass 1 of the backward: per channel A = sum(g) and D = sum(g * (x - mean)), over the
// rows in fixed blocks of kRowBlock whose float sums (one vector loop per row) are
// added in double, so the bits do not depend on the thread count; threads take ranges
// of channels.
constexpr int64_t kRowBlock = 64;

__attribute__((noinline)) void column_sums_block(const float* __restrict g, const float* __restrict x, const float* __restrict mean,
                       float* __restrict a, float* __restrict d, int64_t rows, int64_t C, int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1; ++c) {
    a[c] = 0;
    d[c] = 0;
  }
  for (int64_t n = 0; n < rows; ++n) {
    const float* gr = g + n * C;
    const float* xr = x + n * C;
    for (int64_t c = c0; c < c1; ++c) {
      a[c] += gr[c];
      d[c] += gr[c] * (xr[c] - mean[c]);
    }
  }
}

// The statistics' passes over a block of rows, into float sums for channels [c0, c1).
__attribute__((noinline)) void column_sums_of(const float* __restrict x, float* __restrict s, int64_t rows, int64_t C,
                                              int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1; ++c) s[c] = 0;
  for (int64_t n = 0; n < rows; ++n)
    for (int64_t c = c0; c < c1; ++c) s[c] += x[n * C + c];
}
__attribute__((noinline)) void column_squares_of(const float* __restrict x, const float* __restrict mean,
                                                 float* __restrict s, int64_t rows, int64_t C, int64_t c0,
                                                 int64_t c1) {
  for (int64_t c = c0; c < c1; ++c) s[c] = 0;
  for (int64_t n = 0; n < rows; ++n)
    for (int64_t c = c0; c < c1; ++c) {
      const float d = x[n * C + c] - mean[c];
      s[c] += d * d;
    }
}

// Pass 2: dx[n, c] = kx[c] x + k1[c] + kg[c] g, a row at a time. (Both not inlined,
// like scale_shift_row, so that they are vectorized.)
__attribute__((noinline)) void grad_input_row(const float* __restrict g, const float* __restrict x, const float* __restrict kx,
                    const float* __restrict k1, const float* __restrict kg, float* __restrict out, int64_t C) {
  for (int64_t c = 0; c < C; ++c) out[c] = (kx[c] * x[c] + k1[c]) + kg[c] * g[c];
}

}  // namespace

void column_mean_var(const Tensor& x_in, Tensor* mean_out, Tensor* var_out) {
  EMBER_CHECK(x_in.dim() == 2 && x_in.dtype() == Dtype::Float32 && x_in.size(0) > 0,
              "column_mean_var: expected a float32 [N, C] input with N > 0, got {} {}", x_in.dtype(), x_in.sizes());
  const Tensor x = x_in.is_contiguous() ? x_in : contiguous_as(x_in, x_in.dtype());
  const int64_t N = x.size(0), C = x.size(1);
  *mean_out = detail::empty_tensor({C}, Dtype::Float32);
  *var_out = detail::empty_tensor({C}, Dtype::Float32);
  const float* px = x.data_ptr<float>();
  float* pm = mean_out->data_ptr<float>();
  float* pv = var_out->data_ptr<float>();
  parallel_for(0, C, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(N, 1)), [&](int64_t b, int64_t e) {
    std::vector<float> block(static_cast<std::size_t>(C));
    std::vector<double> total(static_cast<std::size_t>(C));
    auto pass = [&](bool squares) {
      for (int64_t c = b; c < e; ++c) total[static_cast<std::size_t>(c)] = 0;
      for (int64_t n0 = 0; n0 < N; n0 += kRowBlock) {
        const int64_t rows = std::min(kRowBlock, N - n0);
        if (squares)
          column_squares_of(px + n0 * C, pm, block.data(), rows, C, b, e);
        else
          column_sums_of(px + n0 * C, block.data(), rows, C, b, e);
        for (int64_t c = b; c < e; ++c) total[static_cast<std::size_t>(c)] += block[static_cast<std::size_t>(c)];
      }
    };
    pass(false);
    for (int64_t c = b; c < e; ++c) pm[c] = static_cast<float>(total[static_cast<std::size_t>(c)] / double(N));
    pass(true);
    for (int64_t c = b; c < e; ++c) pv[c] = static_cast<float>(total[static_cast<std::size_t>(c)] / double(N));
  });
}

void batch_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                         const Tensor& weight, Tensor* grad_input, Tensor* grad_weight, Tensor* grad_bias) {
  const int64_t N = x.size(0), C = x.size(1), S = x.numel() / std::max<int64_t>(N * C, 1);
  const double M = static_cast<double>(N * S);
  const Tensor gc = grad.is_contiguous() ? grad : contiguous_as(grad, grad.dtype());
  const Tensor xc = x.is_contiguous() ? x : contiguous_as(x, x.dtype());
  const float* pg = gc.data_ptr<float>();
  const float* px = xc.data_ptr<float>();
  const float* pm = mean.data_ptr<float>();
  const float* pr = rstd.data_ptr<float>();
  const Tensor wc = weight.defined() ? contiguous_as(weight, weight.dtype()) : Tensor();
  const float* pw = wc.defined() ? wc.data_ptr<float>() : nullptr;
  std::vector<double> A(static_cast<std::size_t>(C)), B(static_cast<std::size_t>(C));
  if (S == 1) {
    parallel_for(0, C, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(N, 1)), [&](int64_t b, int64_t e) {
      std::vector<float> a(static_cast<std::size_t>(C)), d(static_cast<std::size_t>(C));
      for (int64_t c = b; c < e; ++c) A[static_cast<std::size_t>(c)] = B[static_cast<std::size_t>(c)] = 0;
      for (int64_t n0 = 0; n0 < N; n0 += kRowBlock) {
        const int64_t rows = std::min(kRowBlock, N - n0);
        column_sums_block(pg + n0 * C, px + n0 * C, pm, a.data(), d.data(), rows, C, b, e);
        for (int64_t c = b; c < e; ++c) {
          A[static_cast<std::size_t>(c)] += a[static_cast<std::size_t>(c)];
          B[static_cast<std::size_t>(c)] += d[static_cast<std::size_t>(c)];
        }
      }
      for (int64_t c = b; c < e; ++c) B[static_cast<std::size_t>(c)] *= pr[c];  // sum(g * x^)
    });
  } else {
  // Pass 1: per channel, sum(g) and sum(g * (x - mean)) plane by plane (SIMD sums of
  // floats), added in double.
  parallel_for(0, C, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(N * S, 1)), [&](int64_t b, int64_t e) {
    std::vector<float> centred(static_cast<std::size_t>(S));
    for (int64_t c = b; c < e; ++c) {
      double a = 0, d = 0;
      for (int64_t n = 0; n < N; ++n) {
        const float* g = pg + (n * C + c) * S;
        const float* xs = px + (n * C + c) * S;
        a += SumFold<float>::run(g, S);
        affine_run(xs, centred.data(), S, 1.0f, -pm[c]);
        d += dot_row(g, centred.data(), S);
      }
      A[static_cast<std::size_t>(c)] = a;
      B[static_cast<std::size_t>(c)] = d * pr[c];  // sum(g * x^)
    }
  });
  }
  if (grad_bias) {
    *grad_bias = detail::empty_tensor({C}, x.dtype());
    for (int64_t c = 0; c < C; ++c) grad_bias->data_ptr<float>()[c] = static_cast<float>(A[static_cast<std::size_t>(c)]);
  }
  if (grad_weight) {
    *grad_weight = detail::empty_tensor({C}, x.dtype());
    for (int64_t c = 0; c < C; ++c) grad_weight->data_ptr<float>()[c] = static_cast<float>(B[static_cast<std::size_t>(c)]);
  }
  if (!grad_input) return;
  // Pass 2: dx = k_g * g + k_x * x + k_1 per channel, with k_g = w r,
  // k_x = -w r^2 B / M and k_1 = -w r A / M - k_x * mean.
  *grad_input = detail::empty_tensor(x.sizes(), x.dtype());
  float* po = grad_input->data_ptr<float>();
  if (S == 1) {
    std::vector<float> kx(static_cast<std::size_t>(C)), k1(static_cast<std::size_t>(C)), kg(static_cast<std::size_t>(C));
    for (int64_t c = 0; c < C; ++c) {
      const double w = pw ? pw[c] : 1.0, r = pr[c];
      const double x_coef = -w * r * r * B[static_cast<std::size_t>(c)] / M;
      kx[static_cast<std::size_t>(c)] = static_cast<float>(x_coef);
      k1[static_cast<std::size_t>(c)] = static_cast<float>(-w * r * A[static_cast<std::size_t>(c)] / M - x_coef * pm[c]);
      kg[static_cast<std::size_t>(c)] = static_cast<float>(w * r);
    }
    parallel_for(0, N, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(C, 1)), [&](int64_t b, int64_t e) {
      for (int64_t n = b; n < e; ++n)
        grad_input_row(pg + n * C, px + n * C, kx.data(), k1.data(), kg.data(), po + n * C, C);
    });
    return;
  }
  parallel_for(0, N * C, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(S, 1)), [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; ++row) {
      const int64_t c = row % C;
      const double w = pw ? pw[c] : 1.0, r = pr[c];
      const double kg = w * r, kx = -w * r * r * B[static_cast<std::size_t>(c)] / M;
      const double k1 = -w * r * A[static_cast<std::size_t>(c)] / M - kx * pm[c];
      const float* g = pg + row * S;
      const float* xs = px + row * S;
      float* out = po + row * S;
      affine_run(xs, out, S, static_cast<float>(kx), static_cast<float>(k1));
      binary_row(AddAlphaOp<float>{static_cast<float>(kg)}, out, g, out, S);
    }
  });
}

}  // namespace kernels
}  // namespace ember
