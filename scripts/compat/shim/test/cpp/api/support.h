// Test helpers that LibTorch's C++ API tests take from their support header, written against the
// `torch` (= ember) names. Helpers are templates where they touch the tensor API, so a name ember
// lacks is reported at the test that uses the helper rather than breaking the whole file.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>

// Runs `statement`, which must throw; the exception's message must contain `substring`.
#define ASSERT_THROWS_WITH(statement, substring)                                                   \
  {                                                                                                \
    std::string shim_thrown_message;                                                               \
    bool shim_threw = false;                                                                       \
    try {                                                                                          \
      (void)statement;                                                                             \
    } catch (const std::exception& shim_error) {                                                   \
      shim_threw = true;                                                                           \
      shim_thrown_message = shim_error.what();                                                     \
    }                                                                                              \
    if (!shim_threw) FAIL() << "Expected `" #statement "` to throw";                              \
    if (shim_thrown_message.find(substring) == std::string::npos)                                 \
      FAIL() << "Error message \"" << shim_thrown_message << "\" does not contain \"" << (substring) \
             << "\"";                                                                              \
  }

namespace ember::test {

// A module to which tests add submodules without declaring a class.
struct SimpleContainer : torch::nn::Module {
  template <typename ModuleHolder>
  ModuleHolder add(ModuleHolder module_holder, std::string name = std::string()) {
    return this->register_module(std::move(name), module_holder);
  }
};

struct SeedingFixture : public ::testing::Test {
  SeedingFixture() { torch::manual_seed(0); }
};

struct CerrRedirect {
  explicit CerrRedirect(std::streambuf* new_buffer) : previous(std::cerr.rdbuf(new_buffer)) {}
  ~CerrRedirect() { std::cerr.rdbuf(previous); }
  std::streambuf* previous;
};

template <typename T>
bool pointer_equal(T first, T second) {
  return first.template data_ptr<float>() == second.template data_ptr<float>();
}

// A tensor against a number: its single value within 1e-4.
template <typename T, typename N, std::enable_if_t<std::is_arithmetic_v<N>, int> = 0>
void assert_tensor_equal(T a, N b) {
  ASSERT_TRUE(std::abs(a.template item<N>() - b) < 1e-4);
}

// Two tensors: same sizes, NaNs (and with allow_inf, infinities) in the same places, largest
// absolute difference elsewhere at most 1e-5. Method calls keep every tensor name dependent.
template <typename T, std::enable_if_t<!std::is_arithmetic_v<T>, int> = 0>
void assert_tensor_equal(T a, T b, bool allow_inf = false) {
  ASSERT_TRUE(a.sizes() == b.sizes());
  if (a.numel() == 0) return;
  a = a.to(b.scalar_type() == a.scalar_type() && a.is_floating_point() ? a.scalar_type() : torch::kFloat64);
  b = b.to(a.scalar_type());
  auto nan_mask = a.isnan();
  ASSERT_TRUE(nan_mask.equal(b.isnan()));
  auto diff = (a - b).masked_fill(nan_mask, 0);
  if (allow_inf) {
    auto inf_mask = a.isinf();
    ASSERT_TRUE(inf_mask.equal(b.isinf()));
    diff = diff.masked_fill(inf_mask, 0);
  }
  ASSERT_LE(diff.abs().max().template item<double>(), 1e-5);
}

template <typename T>
void assert_tensor_not_equal(T x, T y) {
  if (x.sizes() != y.sizes()) return;
  ASSERT_GT(x.numel(), 0);
  x = x.to(torch::kFloat64);
  y = y.to(torch::kFloat64);
  auto nan_mask = x.isnan();
  if (nan_mask.equal(y.isnan())) {
    auto diff = (x - y).masked_fill(nan_mask, 0);
    ASSERT_GE(diff.abs().max().template item<double>(), 1e-5);
  }
}

inline int count_substr_occurrences(const std::string& str, const std::string& substr) {
  int count = 0;
  for (size_t pos = str.find(substr); pos != std::string::npos; pos = str.find(substr, pos + substr.size())) {
    ++count;
  }
  return count;
}

// Sets the default dtype for its lifetime; one at a time across threads.
struct AutoDefaultDtypeMode {
  template <typename Dtype>
  explicit AutoDefaultDtypeMode(Dtype dtype) : previous(torch::get_default_dtype()) {
    mutex().lock();
    torch::set_default_dtype(dtype);
  }
  ~AutoDefaultDtypeMode() {
    torch::set_default_dtype(previous);
    mutex().unlock();
  }
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  decltype(torch::get_default_dtype()) previous;
};

}  // namespace ember::test
