// The contiguous SIMD loops at every length around their unrolling (0..67 elements: no
// vector, part of one, one to four AVX-512 vectors, and the tails between), in place
// and into new tensors, contiguous and through strided views, and across the split
// between threads. Expected values come from a plain scalar loop over the same inputs:
// the inputs are small multiples of 1/16, so every sum, product and partial sum here is
// exact in float32 and any order of operations must give the same bits. The loops are
// those of the instruction set chosen at load time: EMBER_SIMD=sse2 or avx2 caps it, so
// `EMBER_SIMD=sse2 ember-tests "[simd]"` checks the narrower loops on a wider CPU.
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
