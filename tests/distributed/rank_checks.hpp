// What the one-rank check programs (distributed_check, distributed_more_check,
// distributed_ddp_check) share: the rank and failure count, CHECK, expect_error, tensors
// from and to lists of values, and each rank's formula with the closed forms of its
// reductions over ranks. Each program is one translation unit, so the definitions live
// here, in an unnamed namespace ([[maybe_unused]]: not every program uses every one).
#pragma once
#include <ember/distributed.hpp>
#include <ember/ember.hpp>

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace {
namespace dist = ember::distributed;
using ember::Dtype;
using ember::Tensor;

int g_rank = -1, g_size = 0, g_failures = 0;

#define CHECK(cond, ...)                                             \
  do {                                                               \
    if (!(cond)) {                                                   \
      std::fprintf(stderr, "rank %d: FAIL %s:%d: %s: ", g_rank, __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                             \
      std::fprintf(stderr, "\n");                                    \
      ++g_failures;                                                  \
    }                                                                \
  } while (0)

// Runs f, which must throw ember::Error whose message contains every one of `parts`.
[[maybe_unused]] void expect_error(const std::function<void()>& f, std::vector<std::string> parts, const char* what) {
  try {
    f();
  } catch (const ember::Error& e) {
    std::string m = e.what();
    for (const auto& p : parts) CHECK(m.find(p) != std::string::npos, "%s: message lacks '%s': %s", what, p.c_str(), m.c_str());
    std::printf("rank %d: %s threw as expected: %s\n", g_rank, what, m.c_str());
    return;
  } catch (const std::exception& e) {
    CHECK(false, "%s threw a non-ember error: %s", what, e.what());
    return;
  }
  CHECK(false, "%s did not throw", what);
}

[[maybe_unused]] Tensor make(const std::vector<double>& values, std::vector<int64_t> shape, Dtype dtype) {
  return ember::tensor(values, shape).to(dtype);
}
[[maybe_unused]] std::vector<double> values_of(const Tensor& t) {
  Tensor d = t.to(ember::kFloat64).contiguous();
  const double* p = d.data_ptr<double>();
  return std::vector<double>(p, p + d.numel());
}
[[maybe_unused]] void expect_values(const Tensor& t, const std::vector<double>& want, const std::string& what) {
  std::vector<double> got = values_of(t);
  CHECK(got.size() == want.size(), "%s: %zu values, want %zu", what.c_str(), got.size(), want.size());
  for (size_t i = 0; i < got.size() && i < want.size(); ++i)
    if (got[i] != want[i]) {
      CHECK(false, "%s: element %zu is %g, want %g", what.c_str(), i, got[i], want[i]);
      return;
    }
}

// Rank r's value at element i: (r + 1) + i % 3, small enough for int8 and exact in every dtype.
[[maybe_unused]] double v(int r, int64_t i) { return (r + 1) + static_cast<double>(i % 3); }
[[maybe_unused]] std::vector<double> fill(int r, int64_t n, double shift = 0) {
  std::vector<double> out(n);
  for (int64_t i = 0; i < n; ++i) out[i] = v(r, i) + shift;
  return out;
}
// Over ranks 0..n-1 of (r + 1) + k: the sum n(n+1)/2 + nk, the product (n+k)!/k!, the
// smallest 1 + k, the largest n + k.
[[maybe_unused]] double closed_form(dist::ReduceOp op, int n, int64_t i) {
  double k = static_cast<double>(i % 3);
  switch (op) {
    case dist::ReduceOp::SUM: return n * (n + 1) / 2.0 + n * k;
    case dist::ReduceOp::AVG: return (n * (n + 1) / 2.0 + n * k) / n;
    case dist::ReduceOp::PRODUCT: return std::tgamma(n + k + 1) / std::tgamma(k + 1);
    case dist::ReduceOp::MIN: return 1 + k;
    case dist::ReduceOp::MAX: return n + k;
  }
  return 0;
}

}  // namespace
