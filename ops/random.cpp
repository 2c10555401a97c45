#include "ops/random.hpp"

#include <cmath>
#include <mutex>

#include "ember/creation.hpp"
#include "ops/elementwise.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"

namespace ember {
namespace detail {
namespace {
std::mutex g_mutex;
std::mt19937_64 g_engine(67280421310721ull);

// Writes n values produced by gen() into a contiguous tensor of any dtype.
template <class Gen>
void fill_with(Tensor& t, Gen gen) {
  Tensor c = t.is_contiguous() ? t : empty_tensor(t.sizes(), t.dtype());
  int64_t n = c.numel();
  std::lock_guard<std::mutex> lock(g_mutex);
  switch (c.dtype()) {
    case Dtype::Float32: {
      float* p = static_cast<float*>(c.data_ptr());
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(gen());
      break;
    }
    case Dtype::Float64: {
      double* p = static_cast<double*>(c.data_ptr());
      for (int64_t i = 0; i < n; ++i) p[i] = gen();
      break;
    }
    case Dtype::Int64: {
      int64_t* p = static_cast<int64_t*>(c.data_ptr());
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<int64_t>(gen());
      break;
    }
    case Dtype::Bool: {
      bool* p = static_cast<bool*>(c.data_ptr());
      for (int64_t i = 0; i < n; ++i) p[i] = gen() != 0;
      break;
    }
  }
  if (!c.is_same(t)) {
    Tensor dst = t;
    kernels::copy(dst, c);
  }
}
}  // namespace

std::mt19937_64& generator() { return g_engine; }

void fill_uniform(Tensor& t, double from, double to) {
  EMBER_CHECK(is_floating_point(t.dtype()), "uniform_: expected a floating tensor, got {} of shape {}", t.dtype(),
              t.sizes());
  EMBER_CHECK(from <= to, "uniform_: from {} must not exceed to {}", from, to);
  std::uniform_real_distribution<double> d(from, to);
  fill_with(t, [&] { return d(g_engine); });
}

void fill_normal(Tensor& t, double mean, double std) {
  EMBER_CHECK(is_floating_point(t.dtype()), "normal_: expected a floating tensor, got {} of shape {}", t.dtype(),
              t.sizes());
  EMBER_CHECK(std >= 0, "normal_: std must be non-negative, got {}", std);
  std::normal_distribution<double> d(mean, std);
  fill_with(t, [&] { return d(g_engine); });
}

void fill_randint(Tensor& t, int64_t low, int64_t high) {
  EMBER_CHECK(low < high, "randint: low {} must be less than high {}", low, high);
  std::uniform_int_distribution<int64_t> d(low, high - 1);
  fill_with(t, [&] { return static_cast<double>(d(g_engine)); });
}

}  // namespace detail

void manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(detail::g_mutex);
  detail::g_engine.seed(seed);
}

}  // namespace ember
