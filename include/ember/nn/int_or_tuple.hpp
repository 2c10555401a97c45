// IntOrTuple: a size argument of the layers' options (kernel_size, stride, padding, ...),
// one number for every spatial dim or one per dim.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace ember {
namespace nn {

// A size argument: one number for every spatial dim, or one per dim: `3` or `{3, 5}`.
class IntOrTuple {
 public:
  IntOrTuple() = default;  // "not given" (a pooling stride that defaults to the kernel size)
  IntOrTuple(int64_t v) : values_{v} {}
  IntOrTuple(std::initializer_list<int64_t> v) : values_(v) {}
  IntOrTuple(std::vector<int64_t> v) : values_(std::move(v)) {}
  const std::vector<int64_t>& values() const { return values_; }
  bool empty() const { return values_.empty(); }
  // The n values: the single one repeated, or the n given; otherwise an ember::Error
  // naming the module and the argument.
  std::vector<int64_t> expand(std::size_t n, const char* module, const char* arg) const;

 private:
  std::vector<int64_t> values_;
};

}  // namespace nn
}  // namespace ember
