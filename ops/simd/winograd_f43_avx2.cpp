// The AVX2 loops of the Winograd F(4x4, 3x3) convolution (ops/winograd_f43.hpp).
// Compiled with -mavx2 -mfma (CMakeLists.txt's ember_simd_avx2). Everything but the
// header's functions is in an anonymous namespace and no standard-library template is
// instantiated here, so no AVX2 copy of a shared inline function can stand in for the
// baseline one elsewhere.
//
// Per image, and per block of TB tiles of it (sized to stay in the second-level cache):
//   1. the image, zero-padded, as [row][column][channel] (8x8 transposes), so that one
//      load takes 8 channels of one position;
//   2. the input transform V[k][tile][c] = (B^T d B)[k], 8 channels per vector;
//   3. for each of the 36 values k, M[k][tile][co] = sum over c of V[k][tile][c] U[k][c][co]:
//      a GEMM with a 6x16 register block (12 accumulators);
//   4. the output transform A^T M A (+ bias), 8 output channels per vector, stored four
//      columns at a time after a 4x4 transpose.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "ops/winograd_f43.hpp"

namespace ember {
namespace kernels {
namespace winograd {
namespace f43 {

namespace {

inline int64_t lesser(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t greater(int64_t a, int64_t b) { return a > b ? a : b; }

struct Dims : Shape {
  int64_t Ho, Wo;  // output plane
  int64_t th, tw;  // tiles down and across
  int64_t Hp, Wp;  // the padded input plane: 4 th + 2 by 4 tw + 2
  int64_t TB;      // tiles per block
};

Dims dims_of(const Shape& s) {
  Dims d{};
  static_cast<Shape&>(d) = s;
  d.Ho = s.H + 2 * s.ph - 2;
  d.Wo = s.W + 2 * s.pw - 2;
  d.th = (d.Ho + 3) / 4;
  d.tw = (d.Wo + 3) / 4;
  d.Hp = 4 * d.th + 2;
  d.Wp = 4 * d.tw + 2;
  // V and M of one block in about 512 KiB, a multiple of the GEMM's 6 rows.
  const int64_t fit = (512 * 1024) / (36 * (s.C + s.Co) * 4);
  d.TB = greater(6, lesser(96, fit / 6 * 6));
  return d;
}

// r[j] becomes column j of the 8x8 matrix whose rows were r[0..7].
inline void transpose8(__m256 (&r)[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// One image into the interior of xt [Hp][Wp][C]; the border is left as it is (zero).
void pack_image(const float* x, const Dims& d, float* xt) {
  const int64_t plane = d.H * d.W;
  for (int64_t c0 = 0; c0 < d.C; c0 += 8)
    for (int64_t h = 0; h < d.H; ++h) {
      const float* src = x + (c0 * d.H + h) * d.W;
      float* dst = xt + ((h + d.ph) * d.Wp + d.pw) * d.C + c0;
      int64_t w = 0;
      for (; w + 8 <= d.W; w += 8) {
        __m256 r[8];
        for (int k = 0; k < 8; ++k) r[k] = _mm256_loadu_ps(src + k * plane + w);
        transpose8(r);
        for (int j = 0; j < 8; ++j) _mm256_storeu_ps(dst + (w + j) * d.C, r[j]);
      }
      for (; w < d.W; ++w)
        for (int k = 0; k < 8; ++k) dst[w * d.C + k] = src[k * plane + w];
    }
}

// The transforms are those of F(4, 3) on the points 0, 1, -1, 2, -1/2 and infinity
// (Toom-Cook). The usual 0, +-1, +-2 take fewer additions, but their products reach
// 8x and 64x the data; with -1/2 in place of -2 the float32 error against float64,
// simulated over 32 input channels (ops/simd/winograd_points.py), was 2.3x smaller
// (1.5e-6 to 2.0e-6 of the largest output, against 2.9e-6 to 5.4e-6), about that of
// oneDNN's Winograd kernel. Every coefficient is a
// small binary fraction, so none is rounded.
//
// The rows of B^T applied to six values:
//   d0 + 1.5 d1 - 2 d2 - 1.5 d3 + d4,   -d1 - 2.5 d2 - 0.5 d3 + d4,
//   d1 + 0.5 d2 - 2.5 d3 + d4,          -0.5 d1 - d2 + 0.5 d3 + d4,
//   2 d1 - d2 - 2 d3 + d4,               d1 + 1.5 d2 - 2 d3 - 1.5 d4 + d5.
inline void input_1d(const __m256 (&d)[6], __m256 (&v)[6]) {
  const __m256 s = _mm256_sub_ps(d[3], d[1]), e = _mm256_sub_ps(d[4], d[2]);
  const __m256 half = _mm256_set1_ps(0.5f), three_halves = _mm256_set1_ps(1.5f);
  const __m256 two = _mm256_set1_ps(2.0f), five_halves = _mm256_set1_ps(2.5f);
  v[0] = _mm256_fnmadd_ps(three_halves, s, _mm256_sub_ps(_mm256_add_ps(d[0], e), d[2]));
  v[1] = _mm256_fnmadd_ps(five_halves, d[2], _mm256_fnmadd_ps(half, d[3], _mm256_sub_ps(d[4], d[1])));
  v[2] = _mm256_fnmadd_ps(five_halves, d[3], _mm256_fmadd_ps(half, d[2], _mm256_add_ps(d[4], d[1])));
  v[3] = _mm256_fmadd_ps(half, s, e);
  v[4] = _mm256_fnmadd_ps(two, s, e);
  v[5] = _mm256_fnmadd_ps(three_halves, e, _mm256_fnmadd_ps(two, d[3], _mm256_add_ps(d[5], d[1])));
}

// The rows of A^T applied to six values: m0 + m1 + m2 + m3 + m4,
// m1 - m2 + 2 m3 - 0.5 m4, m1 + m2 + 4 m3 + 0.25 m4, m1 - m2 + 8 m3 - 0.125 m4 + m5.
inline void output_1d(const __m256 (&m)[6], __m256 (&y)[4]) {
  const __m256 s12 = _mm256_add_ps(m[1], m[2]), d12 = _mm256_sub_ps(m[1], m[2]);
  y[0] = _mm256_add_ps(_mm256_add_ps(m[0], s12), _mm256_add_ps(m[3], m[4]));
  y[1] = _mm256_fmadd_ps(_mm256_set1_ps(2.0f), m[3], _mm256_fnmadd_ps(_mm256_set1_ps(0.5f), m[4], d12));
  y[2] = _mm256_fmadd_ps(_mm256_set1_ps(4.0f), m[3], _mm256_fmadd_ps(_mm256_set1_ps(0.25f), m[4], s12));
  y[3] = _mm256_add_ps(
      _mm256_fmadd_ps(_mm256_set1_ps(8.0f), m[3], _mm256_fnmadd_ps(_mm256_set1_ps(0.125f), m[4], d12)), m[5]);
}

// V[k][b][c] for the block's tiles first .. first + count - 1 of the image in xt.
void input_transform(const float* xt, const Dims& d, int64_t first, int64_t count, float* V) {
  for (int64_t b = 0; b < count; ++b) {
    const int64_t t = first + b, ty = t / d.tw, tx = t % d.tw;
    const float* base = xt + (4 * ty * d.Wp + 4 * tx) * d.C;
    for (int64_t c0 = 0; c0 < d.C; c0 += 8) {
      __m256 cols[6][6];  // cols[r][j]: B^T applied down column j
      for (int j = 0; j < 6; ++j) {
        __m256 in[6], out[6];
        for (int i = 0; i < 6; ++i) in[i] = _mm256_loadu_ps(base + (i * d.Wp + j) * d.C + c0);
        input_1d(in, out);
        for (int r = 0; r < 6; ++r) cols[r][j] = out[r];
      }
      for (int r = 0; r < 6; ++r) {
        __m256 out[6];
        input_1d(cols[r], out);
        for (int q = 0; q < 6; ++q) _mm256_storeu_ps(V + ((r * 6 + q) * d.TB + b) * d.C + c0, out[q]);
      }
    }
  }
}

// m[r][0..15] = sum over k < K of a[r * lda + k] b[k][0..15], for R rows.
template <int R>
inline void gemm_rows(const float* a, int64_t lda, const float* b, int64_t K, float* m, int64_t ldm) {
  __m256 acc[R][2];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int64_t k = 0; k < K; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b + 16 * k), b1 = _mm256_loadu_ps(b + 16 * k + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r * lda + k);
      acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_ps(m + r * ldm, acc[r][0]);
    _mm256_storeu_ps(m + r * ldm + 8, acc[r][1]);
  }
}

// M[k][b][co] = sum over c of V[k][b][c] U[k][co / 16][c][co % 16], for the block's
// `count` tiles.
void multiply(const float* V, const float* U, float* M, const Dims& d, int64_t count) {
  const int64_t panels = d.Co / 16;
  for (int64_t k = 0; k < 36; ++k) {
    const float* Vk = V + k * d.TB * d.C;
    float* Mk = M + k * d.TB * d.Co;
    for (int64_t p = 0; p < panels; ++p) {
      const float* Up = U + (k * panels + p) * d.C * 16;
      int64_t r = 0;
      for (; r + 6 <= count; r += 6) gemm_rows<6>(Vk + r * d.C, d.C, Up, d.C, Mk + r * d.Co + p * 16, d.Co);
      const float* a = Vk + r * d.C;
      float* m = Mk + r * d.Co + p * 16;
      switch (count - r) {
        case 5: gemm_rows<5>(a, d.C, Up, d.C, m, d.Co); break;
        case 4: gemm_rows<4>(a, d.C, Up, d.C, m, d.Co); break;
        case 3: gemm_rows<3>(a, d.C, Up, d.C, m, d.Co); break;
        case 2: gemm_rows<2>(a, d.C, Up, d.C, m, d.Co); break;
        case 1: gemm_rows<1>(a, d.C, Up, d.C, m, d.Co); break;
        default: break;
      }
    }
  }
}

// y's 4x4 outputs of the block's tiles, from M: Y = A^T M A + bias.
void output_transform(const float* M, const float* bias, const Dims& d, int64_t first, int64_t count, float* y) {
  const int64_t plane = d.Ho * d.Wo;
  for (int64_t b = 0; b < count; ++b) {
    const int64_t t = first + b, ty = t / d.tw, tx = t % d.tw;
    const int64_t oy = 4 * ty, ox = 4 * tx;
    const bool whole = oy + 4 <= d.Ho && ox + 4 <= d.Wo;
    for (int64_t co0 = 0; co0 < d.Co; co0 += 8) {
      __m256 rows[6][4];  // rows[r][j]: A applied along row r
      for (int r = 0; r < 6; ++r) {
        __m256 in[6];
        for (int q = 0; q < 6; ++q) in[q] = _mm256_loadu_ps(M + ((r * 6 + q) * d.TB + b) * d.Co + co0);
        output_1d(in, rows[r]);
      }
      const __m256 shift = bias ? _mm256_loadu_ps(bias + co0) : _mm256_setzero_ps();
      __m256 out[4][4];  // out[i][j]: output row oy + i, column ox + j, 8 channels
      for (int j = 0; j < 4; ++j) {
        __m256 in[6], res[4];
        for (int r = 0; r < 6; ++r) in[r] = rows[r][j];
        output_1d(in, res);
        for (int i = 0; i < 4; ++i) out[i][j] = _mm256_add_ps(res[i], shift);
      }
      float* yc = y + co0 * plane + oy * d.Wo + ox;
      if (whole) {
        for (int i = 0; i < 4; ++i) {
          // 4 columns x 8 channels to 8 channels x 4 columns: one 16-byte store each.
          __m128 l0 = _mm256_castps256_ps128(out[i][0]), l1 = _mm256_castps256_ps128(out[i][1]);
          __m128 l2 = _mm256_castps256_ps128(out[i][2]), l3 = _mm256_castps256_ps128(out[i][3]);
          __m128 h0 = _mm256_extractf128_ps(out[i][0], 1), h1 = _mm256_extractf128_ps(out[i][1], 1);
          __m128 h2 = _mm256_extractf128_ps(out[i][2], 1), h3 = _mm256_extractf128_ps(out[i][3], 1);
          _MM_TRANSPOSE4_PS(l0, l1, l2, l3);
          _MM_TRANSPOSE4_PS(h0, h1, h2, h3);
          float* row = yc + i * d.Wo;
          _mm_storeu_ps(row, l0);
          _mm_storeu_ps(row + plane, l1);
          _mm_storeu_ps(row + 2 * plane, l2);
          _mm_storeu_ps(row + 3 * plane, l3);
          _mm_storeu_ps(row + 4 * plane, h0);
          _mm_storeu_ps(row + 5 * plane, h1);
          _mm_storeu_ps(row + 6 * plane, h2);
          _mm_storeu_ps(row + 7 * plane, h3);
        }
      } else {
        alignas(32) float lanes[4][4][8];
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) _mm256_store_ps(lanes[i][j], out[i][j]);
        const int64_t rows_in = lesser(4, d.Ho - oy), cols_in = lesser(4, d.Wo - ox);
        for (int l = 0; l < 8; ++l)
          for (int64_t i = 0; i < rows_in; ++i)
            for (int64_t j = 0; j < cols_in; ++j) yc[l * plane + i * d.Wo + j] = lanes[i][j][l];
      }
    }
  }
}

}  // namespace

void transform_weights(const float* w, int64_t C, int64_t Co, float* u) {
  // G, the filter transform's 6x3 matrix: row j is (1, p, p^2) / prod over the other
  // finite points q of (p - q), for p = 0, 1, -1, 2, -1/2, and (0, 0, 1) for infinity.
  // In float, 8 output channels per vector: the scalar double loop took 370 us for
  // 64 x 32 filters, as long as the forward pass of 8 images at 14x14. The float
  // rounding of G and of the sums adds a few ulps to U, far below the transforms' own.
  static const float G[6][3] = {{1.0f, 0.0f, 0.0f},
                                {-1.0f / 3, -1.0f / 3, -1.0f / 3},
                                {1.0f / 3, -1.0f / 3, 1.0f / 3},
                                {1.0f / 15, 2.0f / 15, 4.0f / 15},
                                {-16.0f / 15, 8.0f / 15, -4.0f / 15},
                                {0.0f, 0.0f, 1.0f}};
  const int64_t panels = Co / 16;
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t half = 0; half < 2; ++half) {
        // g[t]: tap t of the 8 filters co = 16 p + 8 half + l, l = 0 .. 7.
        alignas(32) float taps[9][8];
        for (int l = 0; l < 8; ++l) {
          const float* f = w + ((16 * p + 8 * half + l) * C + c) * 9;
          for (int t = 0; t < 9; ++t) taps[t][l] = f[t];
        }
        __m256 g[9];
        for (int t = 0; t < 9; ++t) g[t] = _mm256_load_ps(taps[t]);
        __m256 left[6][3];  // G g
        for (int i = 0; i < 6; ++i)
          for (int j = 0; j < 3; ++j)
            left[i][j] = _mm256_fmadd_ps(
                _mm256_set1_ps(G[i][2]), g[6 + j],
                _mm256_fmadd_ps(_mm256_set1_ps(G[i][1]), g[3 + j], _mm256_mul_ps(_mm256_set1_ps(G[i][0]), g[j])));
        for (int i = 0; i < 6; ++i)
          for (int q = 0; q < 6; ++q) {
            const __m256 v = _mm256_fmadd_ps(
                left[i][2], _mm256_set1_ps(G[q][2]),
                _mm256_fmadd_ps(left[i][1], _mm256_set1_ps(G[q][1]), _mm256_mul_ps(left[i][0], _mm256_set1_ps(G[q][0]))));
            _mm256_storeu_ps(u + (((i * 6 + q) * panels + p) * C + c) * 16 + 8 * half, v);
          }
      }
}

int64_t scratch_floats(const Shape& s) {
  const Dims d = dims_of(s);
  return d.Hp * d.Wp * d.C + 36 * d.TB * (d.C + d.Co);
}

void run_images(const float* x, const float* u, const float* bias, float* y, int64_t images, const Shape& s,
                float* scratch) {
  const Dims d = dims_of(s);
  float* xt = scratch;
  float* V = xt + d.Hp * d.Wp * d.C;
  float* M = V + 36 * d.TB * d.C;
  // The padding and the rows and columns past the last whole tile stay zero for every image.
  std::memset(xt, 0, static_cast<std::size_t>(d.Hp * d.Wp * d.C) * sizeof(float));
  const int64_t tiles = d.th * d.tw;
  for (int64_t n = 0; n < images; ++n) {
    pack_image(x + n * d.C * d.H * d.W, d, xt);
    float* yn = y + n * d.Co * d.Ho * d.Wo;
    for (int64_t first = 0; first < tiles; first += d.TB) {
      const int64_t count = lesser(d.TB, tiles - first);
      input_transform(xt, d, first, count, V);
      multiply(V, u, M, d, count);
      output_transform(M, bias, d, first, count, yn);
    }
  }
}

}  // namespace f43
}  // namespace winograd
}  // namespace kernels
}  // namespace ember
