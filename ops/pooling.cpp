#include "ops/pooling.hpp"

#include <algorithm>
#include <type_traits>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <cmath>
#include <limits>
#include <utility>

#include "src/core/dtype_dispatch.hpp"
#include "ops/elementwise.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/parallel.hpp"

namespace ember {
namespace kernels {
namespace {

using detail::empty_tensor;

Tensor contiguous_of(const Tensor& t) { return t.is_contiguous() ? t : contiguous_as(t, t.dtype()); }

// t's sizes with the last two replaced by h, w.
Shape with_plane(IntArrayRef sizes, int64_t h, int64_t w) {
  Shape s = sizes.shape();
  s[s.size() - 2] = h;
  s[s.size() - 1] = w;
  return s;
}

// The number of [H, W] planes in a tensor: the product of its leading dims.
int64_t planes_of(IntArrayRef sizes) {
  int64_t n = 1;
  for (std::size_t d = 0; d + 2 < sizes.size(); ++d) n *= sizes[d];
  return n;
}

// f(begin, end) over planes, split across threads when the work is large enough.
template <class F>
void for_planes(int64_t planes, int64_t per_plane, F&& f) {
  int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, per_plane));
  parallel_for(0, planes, grain, std::forward<F>(f));
}

// The rows [lo, hi) of a pooling window starting at `start` (may be negative), clipped
// to the input, for average pooling: the unclipped extent (for count_include_pad) stops
// at the far padding edge.
struct Span {
  int64_t lo, hi, padded;
};
Span avg_span(int64_t o, int64_t in, int64_t k, int64_t s, int64_t p) {
  int64_t start = o * s - p;
  int64_t end = std::min(start + k, in + p);
  return {std::max<int64_t>(start, 0), std::min(end, in), end - start};
}
Span adaptive_span(int64_t o, int64_t in, int64_t out) {
  int64_t lo = (o * in) / out;
  int64_t hi = ((o + 1) * in + out - 1) / out;
  return {lo, hi, hi - lo};
}

// ---- max ----

// Branch-free: on random data a branch per element mispredicts half the time, which
// profiled as most of the 2x2 kernel's time.
template <class T>
inline void take_max(T v, int64_t i, T& m, int64_t& mi) {
  bool take = (v > m) | (v != v);
  m = take ? v : m;
  mi = take ? i : mi;
}

#if defined(__SSE2__)
// Four float outputs at once (SSE2, which every x86-64 has). The window's four candidates
// are taken in PyTorch's order (row 0 left, right, row 1 left, right), each replacing the
// maximum when greater or NaN; `code` records which one won (0..3).
inline int64_t max_pool_2x2_row_sse(const float* r0, const float* r1, float* yr, int64_t* ir, int64_t W,
                                    int64_t base, int64_t Wo) {
  int64_t ow = 0;
  alignas(16) int32_t code[4];
  for (; ow + 4 <= Wo; ow += 4) {
    __m128 a0 = _mm_loadu_ps(r0 + 2 * ow), a1 = _mm_loadu_ps(r0 + 2 * ow + 4);
    __m128 b0 = _mm_loadu_ps(r1 + 2 * ow), b1 = _mm_loadu_ps(r1 + 2 * ow + 4);
    __m128 c[4] = {_mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)), _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)),
                   _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)), _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1))};
    __m128 m = c[0];
    __m128i k = _mm_setzero_si128();
    for (int j = 1; j < 4; ++j) {
      __m128 take = _mm_or_ps(_mm_cmpgt_ps(c[j], m), _mm_cmpunord_ps(c[j], c[j]));
      m = _mm_or_ps(_mm_and_ps(take, c[j]), _mm_andnot_ps(take, m));
      __m128i t = _mm_castps_si128(take);
      k = _mm_or_si128(_mm_and_si128(t, _mm_set1_epi32(j)), _mm_andnot_si128(t, k));
    }
    _mm_storeu_ps(yr + ow, m);
    _mm_store_si128(reinterpret_cast<__m128i*>(code), k);
    for (int j = 0; j < 4; ++j) ir[ow + j] = base + 2 * (ow + j) + (code[j] & 1) + (code[j] >> 1) * W;
  }
  return ow;
}
#endif

// 2x2 windows at stride 2 without padding or dilation: the shape every small CNN uses.
template <class T>
void max_pool_2x2(const T* x, T* y, int64_t* idx, int64_t W, int64_t Ho, int64_t Wo) {
  for (int64_t oh = 0; oh < Ho; ++oh) {
    const T* r0 = x + 2 * oh * W;
    const T* r1 = r0 + W;
    T* yr = y + oh * Wo;
    int64_t* ir = idx + oh * Wo;
    int64_t ow = 0;
#if defined(__SSE2__)
    if constexpr (std::is_same<T, float>::value) ow = max_pool_2x2_row_sse(r0, r1, yr, ir, W, 2 * oh * W, Wo);
#endif
    for (; ow < Wo; ++ow) {
      int64_t i = 2 * ow;
      T m = r0[i];
      int64_t mi = i;
      take_max(r0[i + 1], i + 1, m, mi);
      take_max(r1[i], i + W, m, mi);
      take_max(r1[i + 1], i + W + 1, m, mi);
      yr[ow] = m;
      ir[ow] = mi + 2 * oh * W;
    }
  }
}

template <class T>
void max_pool_plane(const T* x, T* y, int64_t* idx, int64_t H, int64_t W, int64_t Ho, int64_t Wo,
                    const Pool2dParams& p) {
  const int64_t kh = p.kernel[0], kw = p.kernel[1], sh = p.stride[0], sw = p.stride[1];
  const int64_t dh = p.dilation[0], dw = p.dilation[1];
  for (int64_t oh = 0; oh < Ho; ++oh) {
    int64_t h0 = oh * sh - p.padding[0];
    for (int64_t ow = 0; ow < Wo; ++ow) {
      int64_t w0 = ow * sw - p.padding[1];
      // A window of padding alone yields -inf and index -1 (no input gets its gradient).
      T m = -std::numeric_limits<T>::infinity();
      int64_t mi = -1;
      for (int64_t i = 0; i < kh; ++i) {
        int64_t ih = h0 + i * dh;
        if (ih < 0 || ih >= H) continue;
        for (int64_t j = 0; j < kw; ++j) {
          int64_t iw = w0 + j * dw;
          if (iw < 0 || iw >= W) continue;
          T v = x[ih * W + iw];
          if (mi < 0) {
            m = v, mi = ih * W + iw;
          } else {
            take_max(v, ih * W + iw, m, mi);
          }
        }
      }
      y[oh * Wo + ow] = m;
      idx[oh * Wo + ow] = mi;
    }
  }
}

}  // namespace

int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation,
                         bool ceil_mode) {
  // In 128 bits: kernel, stride, padding and dilation are user input, and their products
  // and sums can pass int64. A size beyond int64 comes back as INT64_MAX, which the
  // output's allocation then refuses.
  using wide = __int128;
  wide num = wide(in) + 2 * wide(padding) - wide(dilation) * (wide(kernel) - 1) - 1 + (ceil_mode ? wide(stride) - 1 : 0);
  wide out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= wide(in) + padding) --out;
  const wide limit = std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(out > limit ? limit : (out < -limit ? -limit : out));
}

std::tuple<Tensor, Tensor> max_pool2d(const Tensor& x_, const Pool2dParams& p) {
  Tensor x = contiguous_of(x_);
  int64_t H = x.size(-2), W = x.size(-1);
  int64_t Ho = pool_output_size(H, p.kernel[0], p.stride[0], p.padding[0], p.dilation[0], p.ceil_mode);
  int64_t Wo = pool_output_size(W, p.kernel[1], p.stride[1], p.padding[1], p.dilation[1], p.ceil_mode);
  Shape out = with_plane(x.sizes(), Ho, Wo);
  Tensor y = empty_tensor(out, x.dtype()), idx = empty_tensor(out, Dtype::Int64);
  if (y.numel() == 0) return {y, idx};
  bool two_by_two = p.kernel == std::array<int64_t, 2>{2, 2} && p.stride == std::array<int64_t, 2>{2, 2} &&
                    p.padding == std::array<int64_t, 2>{0, 0} && p.dilation == std::array<int64_t, 2>{1, 1};
  EMBER_DISPATCH_FLOAT(x.dtype(), [&] {
    const T* xp = x.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    int64_t* ip = idx.data_ptr<int64_t>();
    for_planes(planes_of(x.sizes()), H * W, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        // With ceil_mode the last window may hang over the edge: the general loop clips.
        if (two_by_two && 2 * Ho <= H && 2 * Wo <= W)
          max_pool_2x2(xp + c * H * W, yp + c * Ho * Wo, ip + c * Ho * Wo, W, Ho, Wo);
        else
          max_pool_plane(xp + c * H * W, yp + c * Ho * Wo, ip + c * Ho * Wo, H, W, Ho, Wo, p);
      }
    });
  });
  return {y, idx};
}

Tensor max_pool2d_backward(const Tensor& gy_, const Tensor& idx_, int64_t H, int64_t W) {
  Tensor gy = contiguous_of(gy_), idx = contiguous_of(idx_);
  Tensor gx = empty_tensor(with_plane(gy.sizes(), H, W), gy.dtype());
  if (gx.numel() == 0) return gx;
  int64_t L = gy.size(-2) * gy.size(-1);
  EMBER_DISPATCH_FLOAT(gy.dtype(), [&] {
    const T* g = gy.data_ptr<T>();
    const int64_t* ip = idx.data_ptr<int64_t>();
    T* out = gx.data_ptr<T>();
    for_planes(planes_of(gy.sizes()), H * W, [&](int64_t b, int64_t e) {
      std::fill(out + b * H * W, out + e * H * W, T(0));
      for (int64_t c = b; c < e; ++c)
        for (int64_t i = 0; i < L; ++i)
          if (ip[c * L + i] >= 0) out[c * H * W + ip[c * L + i]] += g[c * L + i];
    });
  });
  return gx;
}

Tensor max_pool2d_gather(const Tensor& g_, const Tensor& idx_) {
  Tensor g = contiguous_of(g_), idx = contiguous_of(idx_);
  Tensor out = empty_tensor(idx.sizes(), g.dtype());
  if (out.numel() == 0) return out;
  int64_t HW = g.size(-2) * g.size(-1), L = idx.size(-2) * idx.size(-1);
  EMBER_DISPATCH_FLOAT(g.dtype(), [&] {
    const T* gp = g.data_ptr<T>();
    const int64_t* ip = idx.data_ptr<int64_t>();
    T* o = out.data_ptr<T>();
    for_planes(planes_of(idx.sizes()), L, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c)
        for (int64_t i = 0; i < L; ++i) {
          int64_t k = ip[c * L + i];
          o[c * L + i] = k >= 0 ? gp[c * HW + k] : T(0);
        }
    });
  });
  return out;
}

namespace {
template <class T>
void max_pool_volume(const T* x, T* y, int64_t* idx, const std::array<int64_t, 3>& in,
                     const std::array<int64_t, 3>& out, const Pool3dParams& p) {
  for (int64_t od = 0; od < out[0]; ++od)
    for (int64_t oh = 0; oh < out[1]; ++oh)
      for (int64_t ow = 0; ow < out[2]; ++ow) {
        int64_t d0 = od * p.stride[0] - p.padding[0], h0 = oh * p.stride[1] - p.padding[1];
        int64_t w0 = ow * p.stride[2] - p.padding[2];
        // A window of padding alone yields -inf and index -1, as in the 2-d kernel.
        T m = -std::numeric_limits<T>::infinity();
        int64_t mi = -1;
        for (int64_t a = 0; a < p.kernel[0]; ++a) {
          int64_t id = d0 + a * p.dilation[0];
          if (id < 0 || id >= in[0]) continue;
          for (int64_t b = 0; b < p.kernel[1]; ++b) {
            int64_t ih = h0 + b * p.dilation[1];
            if (ih < 0 || ih >= in[1]) continue;
            for (int64_t c = 0; c < p.kernel[2]; ++c) {
              int64_t iw = w0 + c * p.dilation[2];
              if (iw < 0 || iw >= in[2]) continue;
              int64_t i = (id * in[1] + ih) * in[2] + iw;
              if (mi < 0) {
                m = x[i], mi = i;
              } else {
                take_max(x[i], i, m, mi);
              }
            }
          }
        }
        int64_t o = (od * out[1] + oh) * out[2] + ow;
        y[o] = m;
        idx[o] = mi;
      }
}
}  // namespace

std::tuple<Tensor, Tensor> max_pool3d(const Tensor& x_, const Pool3dParams& p) {
  Tensor x = contiguous_of(x_);
  std::array<int64_t, 3> in{x.size(-3), x.size(-2), x.size(-1)}, out{};
  for (int d = 0; d < 3; ++d)
    out[d] = pool_output_size(in[d], p.kernel[d], p.stride[d], p.padding[d], p.dilation[d], p.ceil_mode);
  Shape shape = x.sizes().shape();
  for (int d = 0; d < 3; ++d) shape[shape.size() - 3 + d] = out[d];
  Tensor y = empty_tensor(shape, x.dtype()), idx = empty_tensor(shape, Dtype::Int64);
  if (y.numel() == 0) return {y, idx};
  int64_t vin = in[0] * in[1] * in[2], vout = out[0] * out[1] * out[2];
  int64_t volumes = x.numel() / vin;
  EMBER_DISPATCH_FLOAT(x.dtype(), [&] {
    const T* xp = x.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    int64_t* ip = idx.data_ptr<int64_t>();
    for_planes(volumes, vin, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) max_pool_volume(xp + c * vin, yp + c * vout, ip + c * vout, in, out, p);
    });
  });
  return {y, idx};
}

Tensor max_unpool(const Tensor& x_, const Tensor& idx_, int64_t P) {
  Tensor x = contiguous_of(x_), idx = contiguous_of(idx_);
  Shape shape = x.sizes().shape();
  shape.back() = P;
  Tensor out = empty_tensor(shape, x.dtype());
  if (out.numel() == 0) return out;
  int64_t L = x.size(-1), planes = out.numel() / P;
  EMBER_DISPATCH_FLOAT(x.dtype(), [&] {
    const T* xp = x.data_ptr<T>();
    const int64_t* ip = idx.data_ptr<int64_t>();
    T* o = out.data_ptr<T>();
    for_planes(planes, P, [&](int64_t b, int64_t e) {
      std::fill(o + b * P, o + e * P, T(0));
      for (int64_t c = b; c < e; ++c)
        for (int64_t i = 0; i < L; ++i) o[c * P + ip[c * L + i]] = xp[c * L + i];
    });
  });
  return out;
}

// ---- averages ----

namespace {
// Runs y[o] = sum(x over span(o)) / divisor(o) (forward) or its adjoint (backward) over
// planes. span_h(oh) and span_w(ow) give the window; divisor(sh, sw) its divisor.
template <class T, class SpanH, class SpanW, class Div>
void average_planes(const T* in, T* out, int64_t planes, int64_t H, int64_t W, int64_t Ho, int64_t Wo,
                    bool backward, SpanH span_h, SpanW span_w, Div divisor) {
  for_planes(planes, H * W, [&](int64_t b, int64_t e) {
    if (backward) std::fill(out + b * H * W, out + e * H * W, T(0));
    for (int64_t c = b; c < e; ++c) {
      for (int64_t oh = 0; oh < Ho; ++oh) {
        Span sh = span_h(oh);
        for (int64_t ow = 0; ow < Wo; ++ow) {
          Span sw = span_w(ow);
          T d = static_cast<T>(divisor(sh, sw));
          if (!backward) {
            const T* xp = in + c * H * W;
            T s = 0;
            for (int64_t ih = sh.lo; ih < sh.hi; ++ih)
              for (int64_t iw = sw.lo; iw < sw.hi; ++iw) s += xp[ih * W + iw];
            out[(c * Ho + oh) * Wo + ow] = s / d;
          } else {
            T* gp = out + c * H * W;
            T v = in[(c * Ho + oh) * Wo + ow] / d;
            for (int64_t ih = sh.lo; ih < sh.hi; ++ih)
              for (int64_t iw = sw.lo; iw < sw.hi; ++iw) gp[ih * W + iw] += v;
          }
        }
      }
    }
  });
}

Tensor avg_pool_run(const Tensor& in_, int64_t H, int64_t W, int64_t Ho, int64_t Wo, bool backward,
                    const Pool2dParams& p) {
  Tensor in = contiguous_of(in_);
  Tensor out = empty_tensor(with_plane(in.sizes(), backward ? H : Ho, backward ? W : Wo), in.dtype());
  if (out.numel() == 0) return out;
  if (in.numel() == 0) {
    fill(out, 0);
    return out;
  }
  EMBER_DISPATCH_FLOAT(in.dtype(), [&] {
    average_planes<T>(
        in.data_ptr<T>(), out.data_ptr<T>(), planes_of(in.sizes()), H, W, Ho, Wo, backward,
        [&](int64_t o) { return avg_span(o, H, p.kernel[0], p.stride[0], p.padding[0]); },
        [&](int64_t o) { return avg_span(o, W, p.kernel[1], p.stride[1], p.padding[1]); },
        [&](const Span& a, const Span& b) {
          if (p.divisor_override != 0) return p.divisor_override;
          return p.count_include_pad ? a.padded * b.padded : (a.hi - a.lo) * (b.hi - b.lo);
        });
  });
  return out;
}

Tensor adaptive_run(const Tensor& in_, int64_t H, int64_t W, int64_t Ho, int64_t Wo, bool backward) {
  Tensor in = contiguous_of(in_);
  Tensor out = empty_tensor(with_plane(in.sizes(), backward ? H : Ho, backward ? W : Wo), in.dtype());
  if (out.numel() == 0) return out;
  if (in.numel() == 0) {
    fill(out, 0);
    return out;
  }
  EMBER_DISPATCH_FLOAT(in.dtype(), [&] {
    average_planes<T>(
        in.data_ptr<T>(), out.data_ptr<T>(), planes_of(in.sizes()), H, W, Ho, Wo, backward,
        [&](int64_t o) { return adaptive_span(o, H, Ho); }, [&](int64_t o) { return adaptive_span(o, W, Wo); },
        [](const Span& a, const Span& b) { return a.padded * b.padded; });
  });
  return out;
}
}  // namespace

Tensor avg_pool2d(const Tensor& x, const Pool2dParams& p) {
  int64_t H = x.size(-2), W = x.size(-1);
  int64_t Ho = pool_output_size(H, p.kernel[0], p.stride[0], p.padding[0], 1, p.ceil_mode);
  int64_t Wo = pool_output_size(W, p.kernel[1], p.stride[1], p.padding[1], 1, p.ceil_mode);
  return avg_pool_run(x, H, W, Ho, Wo, false, p);
}

Tensor avg_pool2d_backward(const Tensor& gy, int64_t H, int64_t W, const Pool2dParams& p) {
  return avg_pool_run(gy, H, W, gy.size(-2), gy.size(-1), true, p);
}

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t Ho, int64_t Wo) {
  return adaptive_run(x, x.size(-2), x.size(-1), Ho, Wo, false);
}

Tensor adaptive_avg_pool2d_backward(const Tensor& gy, int64_t H, int64_t W) {
  return adaptive_run(gy, H, W, gy.size(-2), gy.size(-1), true);
}

}  // namespace kernels
}  // namespace ember
