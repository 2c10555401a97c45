// The contiguous SIMD loops at every length around their unrolling (0..67 elements: no
// vector, part of one, one to four AVX-512 vectors, and the tails between), in place
// and into new tensors, contiguous and through strided views, and across the split
// between threads. Expected values come from a plain scalar loop over the same inputs:
// the inputs are small multiples of 1/16, so every sum, product and partial sum here is
// exact in float32 and any order of operations must give the same bits. The loops are
// those of the instruction set chosen at load time: EMBER_SIMD=sse2 or avx2 caps it, so
// `EMBER_SIMD=sse2 ember-tests "[simd]"` checks the narrower loops on a wider CPU.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "helpers.hpp"

using ember::Tensor;

namespace {

float value_a(int64_t i) { return static_cast<float>((i * 37) % 101 - 50) / 8.0f; }
float value_b(int64_t i) { return static_cast<float>((i * 53) % 71 - 35) / 16.0f; }

Tensor filled(int64_t n, float (*f)(int64_t)) {
  Tensor t = ember::empty({n});
  float* p = t.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) p[i] = f(i);
  return t;
}

// Every other element of a 2n buffer: a view that is not contiguous.
Tensor strided(int64_t n, float (*f)(int64_t)) {
  Tensor base = ember::zeros({2 * n + 1});
  float* p = base.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) p[2 * i] = f(i);
  return base.slice(0, 0, 2 * n, 2);
}

std::vector<float> to_vector(const Tensor& t) {
  Tensor c = t.contiguous();
  const float* p = c.data_ptr<float>();
  return std::vector<float>(p, p + c.numel());
}

struct Expected {
  std::vector<float> add, mul, relu;
  float sum = 0;
};

Expected expected(int64_t n) {
  Expected e;
  for (int64_t i = 0; i < n; ++i) {
    float a = value_a(i), b = value_b(i);
    e.add.push_back(a + b);
    e.mul.push_back(a * b);
    e.relu.push_back(a > 0 ? a : 0.0f);
    e.sum += a;
  }
  return e;
}

void check_all(int64_t n, bool contiguous) {
  CAPTURE(n, contiguous, ember::simd_instruction_set());
  auto make = [&](float (*f)(int64_t)) { return contiguous ? filled(n, f) : strided(n, f); };
  const Expected e = expected(n);
  Tensor b = make(value_b);
  Tensor x = make(value_a);
  x.add_(b);
  CHECK(to_vector(x) == e.add);
  x = make(value_a);
  x.mul_(b);
  CHECK(to_vector(x) == e.mul);
  x = make(value_a);
  x.relu_();
  CHECK(to_vector(x) == e.relu);
  // The allocating forms run the same loops.
  CHECK(to_vector(make(value_a) + b) == e.add);
  CHECK(to_vector(ember::relu(make(value_a))) == e.relu);
  CHECK(make(value_a).sum().item<float>() == e.sum);
}

}  // namespace

TEST_CASE("in-place add mul relu and sum are exact at every length from 0 to 67", "[elementwise][reduction][simd]") {
  for (int64_t n = 0; n <= 67; ++n) {
    check_all(n, true);
    check_all(n, false);
  }
}

TEST_CASE("in-place ops and sums split across threads give the one-thread bits", "[elementwise][reduction][simd]") {
  // Odd sizes past the grain, so that the threads' pieces end inside a vector.
  const int before = ember::get_num_threads();
  for (int64_t n : {int64_t(65537), int64_t(300007)}) {
    const Expected e = expected(n);
    for (int threads : {1, 2, 3}) {
      ember::set_num_threads(threads);
      CAPTURE(n, threads);
      check_all(n, true);
      check_all(n, false);
      // A sum over dim 1 of rows long enough to be cut into segments.
      Tensor m = filled(n - 1, value_a).view({2, (n - 1) / 2});
      std::vector<float> rows = to_vector(m.sum({1}));
      float r0 = 0, r1 = 0;
      for (int64_t i = 0; i < (n - 1) / 2; ++i) {
        r0 += value_a(i);
        r1 += value_a(i + (n - 1) / 2);
      }
      CHECK(rows == std::vector<float>{r0, r1});
    }
  }
  ember::set_num_threads(before);
}

// max and min over every length, with an infinity or a NaN at every position: an
// infinity is an ordinary value (softmax over a causal mask's -inf relies on it), a NaN
// wins. Expected values from a plain scalar loop; float32 and float64 (two lanes per
// SSE2 vector, where the main loop starts at the third element).
template <class T>
void check_extremes_with_special_values() {
  const T inf = std::numeric_limits<T>::infinity();
  const T nan = std::numeric_limits<T>::quiet_NaN();
  for (int64_t n = 1; n <= 40; ++n)
    for (int64_t at = 0; at < n; ++at)
      for (T special : {inf, -inf, nan}) {
        Tensor t = ember::empty({n}, ember::TensorOptions().dtype(ember::DtypeOf<T>::value));
        T* p = t.data_ptr<T>();
        for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(value_a(i));
        p[at] = special;
        T hi = p[0], lo = p[0];
        bool has_nan = false;
        for (int64_t i = 0; i < n; ++i) {
          has_nan |= p[i] != p[i];
          hi = p[i] > hi ? p[i] : hi;
          lo = p[i] < lo ? p[i] : lo;
        }
        INFO("n " << n << " special at " << at << " value " << special);
        T got_max = ember::amax(t).template item<T>(), got_min = ember::amin(t).template item<T>();
        if (has_nan) {
          CHECK(got_max != got_max);
          CHECK(got_min != got_min);
        } else {
          CHECK(got_max == hi);
          CHECK(got_min == lo);
        }
      }
}

TEST_CASE("max and min treat infinities as values and let NaN win at every length and position", "[reduction][simd]") {
  check_extremes_with_special_values<float>();
  check_extremes_with_special_values<double>();
}

TEST_CASE("softmax over a row with -inf entries past the first vector has no NaN", "[reduction][simd]") {
  // A causal mask's row: the later half -inf. Expected: exp(x - max) / sum, in double.
  for (auto dtype : {ember::kFloat32, ember::kFloat64}) {
    const int64_t n = 37;
    std::vector<double> x(n);
    for (int64_t i = 0; i < n; ++i) x[i] = i < 18 ? value_a(i) : -std::numeric_limits<double>::infinity();
    Tensor t = ember::tensor(x).to(dtype);
    Tensor y = ember::softmax(t, 0).to(ember::kFloat64);
    double m = *std::max_element(x.begin(), x.end()), s = 0;
    for (double v : x) s += std::exp(v - m);
    for (int64_t i = 0; i < n; ++i) {
      INFO("dtype " << dtype << " element " << i);
      CHECK(y[i].item<double>() == Approx(std::exp(x[i] - m) / s).margin(1e-6));
    }
  }
}
