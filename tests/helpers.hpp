// Shared helpers for the test suite.
#pragma once
#include <catch2/catch.hpp>
#include <ember/ember.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "src/core/make_tensor.hpp"

namespace testing {

// What operator<< prints for t.
inline std::string str(const ember::Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

inline std::mt19937_64& rng() {
  static std::mt19937_64 g(1234);
  return g;
}

// A float64 tensor of normal values that requires grad.
inline ember::Tensor leaf(ember::IntArrayRef shape, double lo = -2, double hi = 2) {
  ember::Tensor t = ember::rand(shape, ember::kFloat64) * (hi - lo) + lo;
  t.requires_grad_(true);
  return t;
}

// A float64 [rows, cols] tensor that is the transpose of a contiguous [cols, rows]
// block: non-contiguous, for checking strided paths.
inline ember::Tensor transposed_leaf(int64_t rows, int64_t cols, double lo = -2, double hi = 2) {
  ember::Tensor base = ember::rand({cols, rows}, ember::kFloat64) * (hi - lo) + lo;
  ember::Tensor t = ember::detail::make_view(base, {rows, cols}, {1, rows}, 0);
  t.requires_grad_(true);
  return t;
}

// Values of a tensor as doubles, row-major.
inline std::vector<double> values(const ember::Tensor& t) { return t.to(ember::kFloat64).tolist<double>(); }

inline ember::autograd::GradcheckOptions second_order() {
  ember::autograd::GradcheckOptions o;
  o.check_second_order = true;
  return o;
}

// First- and second-order gradcheck of f at the inputs.
inline bool gradcheck2(const std::function<ember::Tensor(const std::vector<ember::Tensor>&)>& f,
                       const std::vector<ember::Tensor>& inputs) {
  return ember::autograd::gradcheck(f, inputs, second_order());
}

// What operator<< prints for a module, a module holder or anything else printable: for a
// module, PyTorch's repr.
template <class M>
std::string repr(const M& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

// Same shape and the same values to 1e-12 (for two computations that should agree
// exactly up to rounding).
inline bool same(const ember::Tensor& a, const ember::Tensor& b) {
  return a.sizes() == b.sizes() && ember::allclose(a, b, 1e-12, 1e-12);
}

// The message of the ember::Error that f throws, or "no error".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ember::Error& e) {
    return e.what();
  }
  return "no error";
}

// |got - want| in units of the last place of want rounded to float (the subnormal
// spacing below the normal range).
inline double float_ulps(float got, double want) {
  const float w = static_cast<float>(want);
  const double spacing = std::fabs(w) < std::numeric_limits<float>::min()
                             ? std::numeric_limits<float>::denorm_min()
                             : std::nextafter(std::fabs(w), std::numeric_limits<float>::infinity()) - std::fabs(w);
  return std::fabs(static_cast<double>(got) - want) / spacing;
}

}  // namespace testing
