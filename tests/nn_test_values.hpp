// Deterministic values for module tests whose expected outputs were computed by PyTorch
// scripts that fill the same values (see the comments in test_rnn.cpp and
// test_attention.cpp), and a closeness check.
#pragma once
#include <cmath>
#include <vector>

#include "helpers.hpp"

namespace testing {

// Fills parameter j of a module (registration order = PyTorch's state_dict order), flat
// element i, with 0.5 * sin(0.7 i + 1.3 j + seed); the PyTorch scripts do the same.
inline void fill_params(ember::nn::Module& m, double seed) {
  ember::NoGradGuard no_grad;
  int j = 0;
  for (auto& item : m.named_parameters()) {
    ember::Tensor& p = item.second;
    std::vector<double> v(static_cast<std::size_t>(p.numel()));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.5 * std::sin(0.7 * double(i) + 1.3 * j + seed);
    p.copy_(ember::tensor(v, p.sizes(), ember::kFloat64));
    ++j;
  }
}

// cos(a i + b) over the flat elements, float64.
inline ember::Tensor seq(ember::IntArrayRef shape, double a, double b) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::cos(a * double(i) + b);
  return ember::tensor(v, shape, ember::kFloat64);
}

inline void require_close(const ember::Tensor& got, const std::vector<double>& want, double tol = 1e-9) {
  std::vector<double> g = values(got);
  REQUIRE(g.size() == want.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i);
    REQUIRE(g[i] == Approx(want[i]).margin(tol));
  }
}

inline void require_close(const ember::Tensor& got, const ember::Tensor& want, double tol = 1e-9) {
  REQUIRE(got.sizes().vec() == want.sizes().vec());
  require_close(got, values(want), tol);
}

}  // namespace testing
