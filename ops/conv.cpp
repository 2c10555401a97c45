#include "ops/conv.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "ops/blas.hpp"
#include "ops/conv_winograd.hpp"
#include "src/core/dtype_dispatch.hpp"
#include "ops/elementwise.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/parallel.hpp"

namespace ember {
namespace kernels {
namespace {

using detail::empty_tensor;

// Everything a per-item loop needs, in elements. A group's slice of the im2col matrix is
// K rows (C_in / groups * kH * kW) by L columns (H_out * W_out).
struct Geometry {
  int64_t N = 0, C = 0, H = 0, W = 0;  // input
  int64_t Co = 0, Ho = 0, Wo = 0;      // output
  int64_t kh = 0, kw = 0;
  int64_t G = 1, Cg = 0, Cog = 0;  // groups, input and output channels per group
  int64_t K = 0, L = 0;
  Conv2dParams p;
  // A 1x1 kernel at stride 1 without padding: the im2col matrix is the input itself.
  bool direct = false;
};

Geometry make_geometry(int64_t N, int64_t C, int64_t H, int64_t W, int64_t Co, int64_t Ho, int64_t Wo, int64_t kh,
                       int64_t kw, const Conv2dParams& p) {
  Geometry g;
  g.N = N, g.C = C, g.H = H, g.W = W, g.Co = Co, g.Ho = Ho, g.Wo = Wo, g.kh = kh, g.kw = kw, g.p = p;
  g.G = p.groups, g.Cg = C / p.groups, g.Cog = Co / p.groups;
  g.K = g.Cg * kh * kw;
  g.L = Ho * Wo;
  g.direct = kh == 1 && kw == 1 && p.stride[0] == 1 && p.stride[1] == 1 && p.padding[0] == 0 &&
             p.padding[1] == 0;
  using blas::fits_int;
  EMBER_CHECK(fits_int(g.K) && fits_int(g.L) && fits_int(g.Cog) && fits_int(int64_t(C) * kh * kw),
              "conv2d: a convolution of {} x {} per group with {} output positions is too large for BLAS", g.Cog,
              g.K, g.L);
  return g;
}

// ceil(a / b) for b > 0 and any sign of a.
int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// Calls f(row, ih_or_-1, x_row_offset_base, ow_lo, ow_hi, dw) for every row segment of
// the im2col matrix: row (c, ki, kj), output row oh. Output columns in [ow_lo, ow_hi)
// read input column ow * stride + dw; the others (and every column when the input row
// ih is out of range, ih < 0) read padding.
template <class F>
void for_each_segment(const Geometry& g, F&& f) {
  const int64_t sh = g.p.stride[0], sw = g.p.stride[1];
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        int64_t row = (c * g.kh + ki) * g.kw + kj;
        int64_t dh = ki * g.p.dilation[0] - g.p.padding[0];
        int64_t dw = kj * g.p.dilation[1] - g.p.padding[1];
        int64_t lo = std::min(g.Wo, std::max<int64_t>(0, ceil_div(-dw, sw)));
        int64_t hi = std::max(lo, std::min(g.Wo, ceil_div(g.W - dw, sw)));
        for (int64_t oh = 0; oh < g.Ho; ++oh) {
          int64_t ih = oh * sh + dh;
          bool inside = ih >= 0 && ih < g.H;
          f(row * g.L + oh * g.Wo, inside ? (c * g.H + ih) * g.W : -1, lo, hi, dw);
        }
      }
}

// im2col when the stride is 1 and the output is as wide as the input (padding that keeps
// the width, as 3x3 with padding 1): every row (c, ki, kj) of col is then the input plane
// shifted by (dh, dw) rows and columns, so the in-range output rows are one contiguous
// copy of the plane, after which the at most |dw| columns per row that wrapped around to
// a neighbouring input row are zeroed. One memcpy of a plane instead of one short copy
// and two fills per output row: at cnn_fmnist's widths (14 and 28 columns) those calls
// took a fifth of the second convolution's time.
template <class T>
void im2col_same_width(const T* x, T* col, const Geometry& g) {
  const int64_t Ho = g.Ho, Wo = g.Wo, W = g.W, L = g.L;
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        T* r = col + ((c * g.kh + ki) * g.kw + kj) * L;
        const int64_t dh = ki * g.p.dilation[0] - g.p.padding[0];
        const int64_t dw = kj * g.p.dilation[1] - g.p.padding[1];
        // Output rows [oh0, oh1) read input rows oh + dh inside [0, H); columns [lo, hi)
        // read input columns ow + dw inside [0, W).
        const int64_t oh0 = std::min(Ho, std::max<int64_t>(0, -dh));
        const int64_t oh1 = std::max(oh0, std::min(Ho, g.H - dh));
        const int64_t lo = std::min(Wo, std::max<int64_t>(0, -dw));
        const int64_t hi = std::max(lo, std::min(Wo, W - dw));
        std::fill(r, r + oh0 * Wo, T(0));
        std::fill(r + oh1 * Wo, r + L, T(0));
        if (oh1 == oh0) continue;
        if (hi == lo) {
          std::fill(r + oh0 * Wo, r + oh1 * Wo, T(0));
          continue;
        }
        // From input (oh0 + dh, lo + dw) to (oh1 - 1 + dh, hi - 1 + dw): inside the plane.
        const T* src = x + (c * g.H + oh0 + dh) * W + lo + dw;
        std::memcpy(r + oh0 * Wo + lo, src, sizeof(T) * ((oh1 - oh0 - 1) * W + (hi - lo)));
        for (int64_t oh = oh0; oh < oh1; ++oh) {
          T* row = r + oh * Wo;
          for (int64_t ow = 0; ow < lo; ++ow) row[ow] = T(0);
          for (int64_t ow = hi; ow < Wo; ++ow) row[ow] = T(0);
        }
      }
}

// col [C * kH * kW, L] from one item's input x [C, H, W].
template <class T>
void im2col(const T* x, T* col, const Geometry& g) {
  const int64_t sw = g.p.stride[1], Wo = g.Wo;
  if (sw == 1 && g.p.stride[0] == 1 && Wo == g.W) {
    im2col_same_width(x, col, g);
    return;
  }
  for_each_segment(g, [&](int64_t out, int64_t in, int64_t lo, int64_t hi, int64_t dw) {
    T* r = col + out;
    if (in < 0) {
      std::fill(r, r + Wo, T(0));
      return;
    }
    std::fill(r, r + lo, T(0));
    std::fill(r + hi, r + Wo, T(0));
    const T* xr = x + in;
    if (sw == 1) {
      if (hi > lo) std::memcpy(r + lo, xr + lo + dw, sizeof(T) * (hi - lo));
    } else {
      for (int64_t ow = lo; ow < hi; ++ow) r[ow] = xr[ow * sw + dw];
    }
  });
}

// x [C, H, W] += the columns of col scattered back to where im2col read them (x must be
// zeroed first: positions several windows cover receive the sum).
template <class T>
void col2im(const T* col, T* x, const Geometry& g) {
  const int64_t sw = g.p.stride[1];
  for_each_segment(g, [&](int64_t out, int64_t in, int64_t lo, int64_t hi, int64_t dw) {
    if (in < 0) return;
    const T* r = col + out;
    T* xr = x + in;
    if (sw == 1) {
      T* d = xr + dw;
      for (int64_t ow = lo; ow < hi; ++ow) d[ow] += r[ow];
    } else {
      for (int64_t ow = lo; ow < hi; ++ow) xr[ow * sw + dw] += r[ow];
    }
  });
}

// y[c, :] += bias[c] for a [channels, plane] block.
template <class T>
void add_bias(T* y, const T* bias, int64_t channels, int64_t plane) {
  for (int64_t c = 0; c < channels; ++c) {
    T b = bias[c];
    T* r = y + c * plane;
    for (int64_t i = 0; i < plane; ++i) r[i] += b;
  }
}

// Splits the batch into contiguous chunks, one per thread, and runs f(chunk, begin, end)
// on them in parallel. While the chunks run, OpenBLAS is held to one thread: each chunk
// already has a core, and concurrent calls into a multi-threaded OpenBLAS would queue.
// A single chunk (one thread, or one item) keeps OpenBLAS's own threads.
class BatchSplit {
 public:
  explicit BatchSplit(int64_t n) : chunks_(std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), n))) {}
  int64_t chunks() const { return chunks_; }
  template <class F>
  void run(int64_t n, F&& f) const {
    if (chunks_ == 1) {
      f(0, 0, n);
      return;
    }
    struct Guard {
      int saved = blas::num_threads();
      Guard() { blas::set_num_threads(1); }
      ~Guard() { blas::set_num_threads(saved); }
    } guard;
    int64_t chunks = chunks_;
    parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) f(c, c * n / chunks, (c + 1) * n / chunks);
    });
  }

 private:
  int64_t chunks_;
};

// One im2col buffer per chunk, from the caching allocator (reused across calls).
std::vector<Tensor> col_buffers(const Geometry& g, int64_t chunks, Dtype dt) {
  std::vector<Tensor> bufs;
  if (g.direct) return bufs;
  for (int64_t c = 0; c < chunks; ++c) bufs.push_back(empty_tensor({g.C * g.kh * g.kw * g.L}, dt));
  return bufs;
}

template <class T>
void conv_forward_impl(const T* x, const T* w, const T* bias, T* y, const Geometry& g, Dtype dt) {
  BatchSplit split(g.N);
  std::vector<Tensor> bufs = col_buffers(g, split.chunks(), dt);
  split.run(g.N, [&](int64_t chunk, int64_t begin, int64_t end) {
    T* col = g.direct ? nullptr : bufs[chunk].data_ptr<T>();
    for (int64_t n = begin; n < end; ++n) {
      const T* xn = x + n * g.C * g.H * g.W;
      T* yn = y + n * g.Co * g.L;
      const T* cols = xn;
      if (!g.direct) {
        im2col(xn, col, g);
        cols = col;
      }
      // With a bias, the output starts as the bias and GEMM adds to it (beta = 1): one
      // pass over the output instead of GEMM's zeroing pass plus an adding pass.
      if (bias)
        for (int64_t c = 0; c < g.Co; ++c) std::fill(yn + c * g.L, yn + (c + 1) * g.L, bias[c]);
      for (int64_t gr = 0; gr < g.G; ++gr)
        blas::gemm("conv2d", false, false, g.Cog, g.L, g.K, T(1), w + gr * g.Cog * g.K, g.K, cols + gr * g.K * g.L, g.L,
                   T(bias ? 1 : 0), yn + gr * g.Cog * g.L, g.L);
    }
  });
}

template <class T>
void conv_input_grad_impl(const T* gy, const T* w, const T* bias, T* gx, const Geometry& g, Dtype dt) {
  BatchSplit split(g.N);
  std::vector<Tensor> bufs = col_buffers(g, split.chunks(), dt);
  split.run(g.N, [&](int64_t chunk, int64_t begin, int64_t end) {
    T* col = g.direct ? nullptr : bufs[chunk].data_ptr<T>();
    for (int64_t n = begin; n < end; ++n) {
      const T* gn = gy + n * g.Co * g.L;
      T* xn = gx + n * g.C * g.H * g.W;
      T* cols = g.direct ? xn : col;
      for (int64_t gr = 0; gr < g.G; ++gr)
        blas::gemm("conv2d backward (input)", true, false, g.K, g.L, g.Cog, T(1), w + gr * g.Cog * g.K, g.K,
                   gn + gr * g.Cog * g.L, g.L, T(0), cols + gr * g.K * g.L, g.L);
      if (!g.direct) {
        std::fill(xn, xn + g.C * g.H * g.W, T(0));
        col2im(col, xn, g);
      }
      if (bias) add_bias(xn, bias, g.C, g.H * g.W);
    }
  });
}

template <class T>
void conv_weight_grad_impl(const T* x, const T* gy, T* gw, const Geometry& g, Dtype dt) {
  BatchSplit split(g.N);
  std::vector<Tensor> bufs = col_buffers(g, split.chunks(), dt);
  // Chunk 0 accumulates into gw itself, the others into their own partial sums, added
  // in chunk order afterwards.
  int64_t wsize = g.Co * g.K;
  std::vector<Tensor> partial(split.chunks());
  for (int64_t c = 1; c < split.chunks(); ++c) partial[c] = empty_tensor({wsize}, dt);
  split.run(g.N, [&](int64_t chunk, int64_t begin, int64_t end) {
    T* col = g.direct ? nullptr : bufs[chunk].data_ptr<T>();
    T* acc = chunk == 0 ? gw : partial[chunk].data_ptr<T>();
    std::fill(acc, acc + wsize, T(0));
    for (int64_t n = begin; n < end; ++n) {
      const T* xn = x + n * g.C * g.H * g.W;
      const T* gn = gy + n * g.Co * g.L;
      const T* cols = xn;
      if (!g.direct) {
        im2col(xn, col, g);
        cols = col;
      }
      for (int64_t gr = 0; gr < g.G; ++gr)
        blas::gemm("conv2d backward (weight)", false, true, g.Cog, g.K, g.L, T(1), gn + gr * g.Cog * g.L, g.L,
                   cols + gr * g.K * g.L, g.L, T(1), acc + gr * g.Cog * g.K, g.K);
    }
  });
  for (int64_t c = 1; c < split.chunks(); ++c) {
    const T* pc = partial[c].data_ptr<T>();
    for (int64_t i = 0; i < wsize; ++i) gw[i] += pc[i];
  }
}

Tensor contiguous_of(const Tensor& t, Dtype dt) { return t.is_contiguous() && t.dtype() == dt ? t : contiguous_as(t, dt); }

}  // namespace

int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation) {
  return (in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
}

Tensor conv2d(const Tensor& x_, const Tensor& w_, const Tensor& bias_, const Conv2dParams& p) {
  Dtype dt = x_.dtype();
  Tensor x = contiguous_of(x_, dt), w = contiguous_of(w_, dt);
  Tensor bias = bias_.defined() ? contiguous_of(bias_, dt) : Tensor();
  int64_t kh = w.size(2), kw = w.size(3);
  int64_t Ho = conv_output_size(x.size(2), kh, p.stride[0], p.padding[0], p.dilation[0]);
  int64_t Wo = conv_output_size(x.size(3), kw, p.stride[1], p.padding[1], p.dilation[1]);
  Geometry g = make_geometry(x.size(0), x.size(1), x.size(2), x.size(3), w.size(0), Ho, Wo, kh, kw, p);
  Tensor y = empty_tensor({g.N, g.Co, Ho, Wo}, dt);
  if (y.numel() == 0) return y;
  if (g.K == 0) {  // no input channels: the output is the bias alone
    fill(y, 0);
    if (bias.defined()) EMBER_DISPATCH_FLOAT(dt, [&] {
        for (int64_t n = 0; n < g.N; ++n) add_bias(y.data_ptr<T>() + n * g.Co * g.L, bias.data_ptr<T>(), g.Co, g.L);
      });
    return y;
  }
  if (dt == kFloat32 && winograd::applies(g.N, g.C, g.H, g.W, g.Co, kh, kw, p)) {
    winograd::forward(x.data_ptr<float>(), w.data_ptr<float>(), bias.defined() ? bias.data_ptr<float>() : nullptr,
                      y.data_ptr<float>(), g.N, g.C, g.H, g.W, g.Co, p);
    return y;
  }
  EMBER_DISPATCH_FLOAT(dt, [&] {
    conv_forward_impl<T>(x.data_ptr<T>(), w.data_ptr<T>(), bias.defined() ? bias.data_ptr<T>() : nullptr,
                         y.data_ptr<T>(), g, dt);
  });
  return y;
}

Tensor conv2d_input_grad(const Tensor& gy_, const Tensor& w_, const Tensor& bias_, int64_t H, int64_t W,
                         const Conv2dParams& p) {
  Dtype dt = gy_.dtype();
  Tensor gy = contiguous_of(gy_, dt), w = contiguous_of(w_, dt);
  Tensor bias = bias_.defined() ? contiguous_of(bias_, dt) : Tensor();
  int64_t C = w.size(1) * p.groups;
  Geometry g = make_geometry(gy.size(0), C, H, W, w.size(0), gy.size(2), gy.size(3), w.size(2), w.size(3), p);
  Tensor gx = empty_tensor({g.N, C, H, W}, dt);
  if (gx.numel() == 0) return gx;
  if (g.L == 0 || g.Cog == 0) {  // nothing flows back: zeros (plus the bias)
    fill(gx, 0);
    if (bias.defined()) EMBER_DISPATCH_FLOAT(dt, [&] {
        for (int64_t n = 0; n < g.N; ++n) add_bias(gx.data_ptr<T>() + n * C * H * W, bias.data_ptr<T>(), C, H * W);
      });
    return gx;
  }
  // At stride 1 with padding 1 and a 3x3 kernel, the input gradient is itself such a
  // convolution: of gy with the weights flipped in both taps and with their channel
  // axes swapped. That one may run on the Winograd kernel too.
  if (dt == kFloat32 && p.padding[0] == 1 && p.padding[1] == 1 && g.Ho == H && g.Wo == W &&
      winograd::applies(g.N, g.Co, H, W, C, g.kh, g.kw, p)) {
    Tensor flipped = empty_tensor({C, g.Co, 3, 3}, dt);
    const float* wp = w.data_ptr<float>();
    float* fp = flipped.data_ptr<float>();
    for (int64_t o = 0; o < g.Co; ++o)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t t = 0; t < 9; ++t) fp[(c * g.Co + o) * 9 + (8 - t)] = wp[(o * C + c) * 9 + t];
    winograd::forward(gy.data_ptr<float>(), fp, bias.defined() ? bias.data_ptr<float>() : nullptr,
                      gx.data_ptr<float>(), g.N, g.Co, H, W, C, p);
    return gx;
  }
  EMBER_DISPATCH_FLOAT(dt, [&] {
    conv_input_grad_impl<T>(gy.data_ptr<T>(), w.data_ptr<T>(), bias.defined() ? bias.data_ptr<T>() : nullptr,
                            gx.data_ptr<T>(), g, dt);
  });
  return gx;
}

Tensor conv2d_weight_grad(const Tensor& x_, const Tensor& gy_, int64_t kh, int64_t kw, const Conv2dParams& p) {
  Dtype dt = x_.dtype();
  Tensor x = contiguous_of(x_, dt), gy = contiguous_of(gy_, dt);
  Geometry g = make_geometry(x.size(0), x.size(1), x.size(2), x.size(3), gy.size(1), gy.size(2), gy.size(3), kh,
                             kw, p);
  Tensor gw = empty_tensor({g.Co, g.Cg, kh, kw}, dt);
  if (gw.numel() == 0) return gw;
  if (g.N == 0 || g.L == 0) {
    fill(gw, 0);
    return gw;
  }
  if (dt == kFloat32 && winograd::applies(g.N, g.C, g.H, g.W, g.Co, kh, kw, p) &&
      winograd::weight_grad(x.data_ptr<float>(), gy.data_ptr<float>(), gw.data_ptr<float>(), g.N, g.C, g.H, g.W, g.Co,
                            p))
    return gw;
  EMBER_DISPATCH_FLOAT(dt, [&] { conv_weight_grad_impl<T>(x.data_ptr<T>(), gy.data_ptr<T>(), gw.data_ptr<T>(), g, dt); });
  return gw;
}

}  // namespace kernels
}  // namespace ember
