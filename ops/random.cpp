#include "ops/random.hpp"
#include "src/core/dtype_dispatch.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <vector>

#include "ember/creation.hpp"
#include "ops/elementwise.hpp"
#include "ops/random_box_muller.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"

namespace ember {
namespace detail {
namespace {
constexpr double kPi = 3.14159265358979323846;

std::mutex g_mutex;
CpuGenerator g_generator;

// Writes n values produced by gen() (called in element order, the generator locked)
// into t; a non-contiguous t is filled through a contiguous buffer.
template <class T, class Gen>
void fill_typed(Tensor& c, Gen& gen) {
  T* p = static_cast<T*>(c.data_ptr());
  int64_t n = c.numel();
  for (int64_t i = 0; i < n; ++i) p[i] = gen(T{});
}

// t's elements in the order PyTorch's kernels visit them: a view of t with its dims
// sorted from the largest stride to the smallest (memory order for a permuted tensor).
Tensor in_fill_order(const Tensor& t) {
  if (t.is_contiguous()) return t;
  std::vector<int64_t> order(static_cast<std::size_t>(t.dim()));
  for (std::size_t d = 0; d < order.size(); ++d) order[d] = static_cast<int64_t>(d);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return t.stride(a) > t.stride(b); });
  Shape sizes, strides;
  for (int64_t d : order) {
    sizes.push_back(t.size(d));
    strides.push_back(t.stride(d));
  }
  return make_view(t, sizes, strides, t.storage_offset());
}

// p[i] = fma(p[i], scale, shift): with FMA instructions where the CPU has them, and
// std::fma (libm's, which rounds the same) where not.
__attribute__((always_inline)) inline void scale_uniforms_body(float* p, int64_t n, float scale, float shift) {
  for (int64_t i = 0; i < n; ++i) p[i] = std::fma(p[i], scale, shift);
}
void scale_uniforms_baseline(float* p, int64_t n, float scale, float shift) { scale_uniforms_body(p, n, scale, shift); }
#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void scale_uniforms_fma(float* p, int64_t n, float scale, float shift) {
  scale_uniforms_body(p, n, scale, shift);
}
#endif
void scale_uniforms(float* p, int64_t n, float scale, float shift) {
  static const auto run = [] {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return scale_uniforms_fma;
#endif
    return scale_uniforms_baseline;
  }();
  run(p, n, scale, shift);
}

template <class Gen>
void fill_with(Tensor& t_in, Gen gen) {
  Tensor t = in_fill_order(t_in);
  // The narrow dtypes draw in their kernel dtype (the same draws as int64 or float32)
  // and are converted.
  const Dtype k = kernel_dtype(t.dtype());
  Tensor c = t.is_contiguous() && k == t.dtype() ? t : empty_tensor(t.sizes(), k);
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    switch (c.dtype()) {
      case Dtype::Float32: fill_typed<float>(c, gen); break;
      case Dtype::Float64: fill_typed<double>(c, gen); break;
      case Dtype::Int64: fill_typed<int64_t>(c, gen); break;
      case Dtype::Bool: fill_typed<bool>(c, gen); break;
      default: detail::unexpected_dtype("fill_with", c.dtype(), "bool, int64, float32 and float64");
    }
  }
  if (!c.is_same(t)) {
    Tensor dst = t;
    kernels::copy(dst, c);
  }
}

// Box-Muller on data[j] and data[j + 8] (double uniforms in [0, 1)) for j < 8, the last
// multiply-add fused as in PyTorch's build.
void normal_fill_16_double(double* data, double mean, double std) {
  for (int j = 0; j < 8; ++j) {
    const double u1 = 1 - data[j];  // (0, 1] for the logarithm
    const double u2 = data[j + 8];
    const double radius = std::sqrt(-2 * std::log(u1));
    const double theta = 2.0 * kPi * u2;
    data[j] = std::fma(radius * std::cos(theta), std, mean);
    data[j + 8] = std::fma(radius * std::sin(theta), std, mean);
  }
}

void normal_fill_16(float* data, float mean, float std) { box_muller_16_float(data, mean, std); }
void normal_fill_16(double* data, double mean, double std) { normal_fill_16_double(data, mean, std); }

template <class T>
T uniform01(CpuGenerator& g);
template <>
float uniform01<float>(CpuGenerator& g) { return g.uniform_float(); }
template <>
double uniform01<double>(CpuGenerator& g) { return g.uniform_double(); }

// The blocked normal fill of a contiguous tensor of at least 16 elements: all uniforms
// first, then Box-Muller per block of 16; a partial last block is redone on the last 16
// elements with 16 fresh uniforms.
template <class T>
void normal_fill(T* data, int64_t n, T mean, T std, CpuGenerator& g) {
  for (int64_t i = 0; i < n; ++i) data[i] = uniform01<T>(g);
  for (int64_t i = 0; i + 16 <= n; i += 16) normal_fill_16(data + i, mean, std);
  if (n % 16 != 0) {
    T* tail = data + n - 16;
    for (int i = 0; i < 16; ++i) tail[i] = uniform01<T>(g);
    normal_fill_16(tail, mean, std);
  }
}
}  // namespace

void Mt19937::reseed(uint64_t s) {
  seed = s;
  state[0] = static_cast<uint32_t>(s & 0xffffffffu);
  for (int j = 1; j < kWords; ++j)
    state[j] = 1812433253u * (state[j - 1] ^ (state[j - 1] >> 30)) + static_cast<uint32_t>(j);
  left = 1;
  next = 0;
}

// The recurrence over the 624 words in three runs, so that no index needs a modulo: a
// word's successor and its partner 397 on are read as the one loop over (i + 1) % 624
// and (i + 397) % 624 read them, the later ones already twisted.
void Mt19937::twist() {
  constexpr int kShift = 397;
  auto mix = [](uint32_t word, uint32_t successor, uint32_t partner) {
    const uint32_t y = (word & 0x80000000u) | (successor & 0x7fffffffu);
    return partner ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
  };
  int i = 0;
  for (; i < kWords - kShift; ++i) state[i] = mix(state[i], state[i + 1], state[i + kShift]);
  for (; i < kWords - 1; ++i) state[i] = mix(state[i], state[i + 1], state[i + kShift - kWords]);
  state[kWords - 1] = mix(state[kWords - 1], state[0], state[kShift - 1]);
  left = kWords;
  next = 0;
}

double CpuGenerator::standard_normal() {
  if (has_next_double_normal) {
    has_next_double_normal = false;
    return next_double_normal;
  }
  const double u1 = uniform_double();
  const double u2 = uniform_double();
  const double r = std::sqrt(-2.0 * std::log(1.0 - u2));
  const double theta = 2.0 * kPi * u1;
  has_next_double_normal = true;
  next_double_normal = r * std::sin(theta);
  return r * std::cos(theta);
}

std::mutex& generator_mutex() { return g_mutex; }
CpuGenerator& generator() { return g_generator; }

void fill_uniform(Tensor& t, double from, double to) {
  EMBER_CHECK(is_floating_point(t.dtype()), "uniform_: expected a floating tensor, got {} of shape {}", t.dtype(),
              t.sizes());
  EMBER_CHECK(from <= to, "uniform_: from {} must not exceed to {}", from, to);
  // The bounds are rounded to the tensor's dtype first and the scaling is done in it,
  // u * (to - from) + from as one fused multiply-add (as PyTorch's AVX2 build computes it).
  const float ff = static_cast<float>(from), tf = static_cast<float>(to);
  if (t.dtype() == Dtype::Float32 && t.is_contiguous()) {
    // The draws first, then the scaling in a loop of its own: a fused multiply-add is
    // an instruction there where the CPU has one, not a call into libm per element.
    float* p = static_cast<float*>(t.data_ptr());
    const int64_t n = t.numel();
    {
      std::lock_guard<std::mutex> lock(g_mutex);
      for (int64_t i = 0; i < n; ++i) p[i] = g_generator.uniform_float();
    }
    if (!(ff == 0.0f && tf == 1.0f)) scale_uniforms(p, n, tf - ff, ff);  // fma(u, 1, 0) is u
    return;
  }
  fill_with(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float>) return std::fma(g_generator.uniform_float(), tf - ff, ff);
    else return static_cast<T>(std::fma(g_generator.uniform_double(), to - from, from));
  });
}

void fill_normal(Tensor& t, double mean, double std) {
  EMBER_CHECK(is_floating_point(t.dtype()), "normal_: expected a floating tensor, got {} of shape {}", t.dtype(),
              t.sizes());
  EMBER_CHECK(std >= 0, "normal_: std must be non-negative, got {}", std);
  const int64_t n = t.numel();
  if (n >= 16 && t.is_contiguous()) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (t.dtype() == Dtype::Float32)
      normal_fill<float>(static_cast<float*>(t.data_ptr()), n, static_cast<float>(mean), static_cast<float>(std),
                         g_generator);
    else
      normal_fill<double>(static_cast<double*>(t.data_ptr()), n, mean, std, g_generator);
    return;
  }
  fill_with(t, [&](auto tag) {
    using T = decltype(tag);
    return static_cast<T>(std::fma(g_generator.standard_normal(), std, mean));
  });
}

void fill_randint(Tensor& t, int64_t low, int64_t high) {
  EMBER_CHECK(low < high, "randint: low {} must be less than high {}", low, high);
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  // A range of 2^32 or more takes 64 bits per value, a smaller one 32 (not for bool).
  const bool wide = range >= (1ull << 32) && t.dtype() != Dtype::Bool;
  fill_with(t, [&](auto tag) {
    using T = decltype(tag);
    const uint64_t bits = wide ? g_generator.random64() : g_generator.random();
    return static_cast<T>(static_cast<int64_t>(bits % range + static_cast<uint64_t>(low)));
  });
}

void fill_bernoulli(Tensor& t, double p) {
  EMBER_CHECK(p >= 0 && p <= 1, "bernoulli_: p must be in [0, 1], got {}", p);
  fill_with(t, [&](auto tag) {
    using T = decltype(tag);
    return static_cast<T>(g_generator.uniform_double() < p);
  });
}

void fill_bernoulli_from(Tensor& out, const Tensor& probs) {
  const int64_t n = probs.numel();
  std::lock_guard<std::mutex> lock(g_mutex);
  if (probs.dtype() == Dtype::Float32) {
    const float* p = static_cast<const float*>(probs.data_ptr());
    float* o = static_cast<float*>(out.data_ptr());
    for (int64_t i = 0; i < n; ++i) o[i] = g_generator.uniform_float() < p[i] ? 1.0f : 0.0f;
  } else {
    const double* p = static_cast<const double*>(probs.data_ptr());
    double* o = static_cast<double*>(out.data_ptr());
    for (int64_t i = 0; i < n; ++i) o[i] = g_generator.uniform_double() < p[i] ? 1.0 : 0.0;
  }
}

}  // namespace detail

void manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(detail::g_mutex);
  // The engine takes the low 32 bits, as PyTorch's does; the full seed is remembered.
  detail::g_generator.engine.reseed(seed);
  detail::g_generator.has_next_double_normal = false;
  detail::g_generator.has_next_float_normal = false;
}

}  // namespace ember
