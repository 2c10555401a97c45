// ExpandingArray<D>: exactly D values, given as D values or as one value repeated D times
// (LibTorch's torch::ExpandingArray, as in kernel_size(3) for a 3x3 kernel).
//
//   ember::ExpandingArray<2> k(3);         // {3, 3}
//   ember::ExpandingArray<3> s({1, 2, 2});
//   (*k)[0];  k->size();  std::vector<int64_t> v = k;
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "ember/error.hpp"

namespace ember {

template <std::size_t D, class T = int64_t>
class ExpandingArray {
 public:
  // D values; another count is an ember::Error.
  ExpandingArray(std::initializer_list<T> values) { assign(values.begin(), values.size()); }
  ExpandingArray(const std::vector<T>& values) { assign(values.data(), values.size()); }
  ExpandingArray(const std::array<T, D>& values) : values_(values) {}
  // One value for every position.
  ExpandingArray(T single) { values_.fill(single); }

  std::array<T, D>& operator*() { return values_; }
  const std::array<T, D>& operator*() const { return values_; }
  std::array<T, D>* operator->() { return &values_; }
  const std::array<T, D>* operator->() const { return &values_; }
  T& operator[](std::size_t i) { return values_[i]; }
  const T& operator[](std::size_t i) const { return values_[i]; }
  operator std::vector<T>() const { return std::vector<T>(values_.begin(), values_.end()); }
  static constexpr std::size_t size() { return D; }

 private:
  void assign(const T* values, std::size_t count) {
    if (count != D)
      throw Error("ExpandingArray<" + std::to_string(D) + ">: Expected " + std::to_string(D) +
                  " values, but instead got " + std::to_string(count));
    for (std::size_t i = 0; i < D; ++i) values_[i] = values[i];
  }
  std::array<T, D> values_{};
};

}  // namespace ember
