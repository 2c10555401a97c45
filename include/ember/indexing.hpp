// x.index({Slice(0, 2), None, Ellipsis, 1, idx}) and x.index_put_({...}, v), in the
// spirit of LibTorch's indexing API (which mirrors Python's x[0:2, None, ..., 1, idx]).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ember/error.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace indexing {

// Python's start:stop:step; std::nullopt (or ember::None) means "from the start/to the end".
struct NoneType {};
constexpr NoneType None{};
struct EllipsisType {};
constexpr EllipsisType Ellipsis{};

class Slice {
 public:
  Slice(std::optional<int64_t> start = std::nullopt, std::optional<int64_t> stop = std::nullopt,
        std::optional<int64_t> step = std::nullopt)
      : start_(start), stop_(stop), step_(step) {}
  Slice(NoneType, std::optional<int64_t> stop = std::nullopt, std::optional<int64_t> step = std::nullopt)
      : stop_(stop), step_(step) {}
  Slice(std::optional<int64_t> start, NoneType, std::optional<int64_t> step = std::nullopt)
      : start_(start), step_(step) {}
  Slice(NoneType, NoneType, std::optional<int64_t> step = std::nullopt) : step_(step) {}
  // Plain integers pick these over the optional overloads. int64_t, not int: an int
  // overload would take Slice(2, INT64_MAX, INT64_MAX) too and truncate it to (2, -1, -1).
  Slice(int64_t start, int64_t stop) : start_(start), stop_(stop) {}
  Slice(int64_t start, int64_t stop, int64_t step) : start_(start), stop_(stop), step_(step) {}
  std::optional<int64_t> start() const { return start_; }
  std::optional<int64_t> stop() const { return stop_; }
  std::optional<int64_t> step() const { return step_; }

 private:
  std::optional<int64_t> start_, stop_, step_;
};

class TensorIndex {
 public:
  enum class Kind { None, Ellipsis, Integer, Boolean, Slice, Tensor };
  TensorIndex(NoneType) : kind_(Kind::None) {}
  TensorIndex(EllipsisType) : kind_(Kind::Ellipsis) {}
  TensorIndex(int v) : kind_(Kind::Integer), integer_(v) {}
  TensorIndex(long v) : kind_(Kind::Integer), integer_(v) {}
  TensorIndex(long long v) : kind_(Kind::Integer), integer_(v) {}
  TensorIndex(bool v) : kind_(Kind::Boolean), boolean_(v) {}
  // "..." is an ellipsis, as in LibTorch (`x.index({"...", 0})`). Without this a string
  // would convert to bool and silently index with `true`.
  TensorIndex(const char* text) : kind_(Kind::Ellipsis) {
    if (text == nullptr || std::string(text) != "...")
      throw Error("index: a string index must be \"...\" (an ellipsis), got \"" + std::string(text ? text : "") + "\"");
  }
  TensorIndex(Slice s) : kind_(Kind::Slice), slice_(s) {}
  // An int64 index tensor or a bool mask.
  TensorIndex(Tensor t) : kind_(Kind::Tensor), tensor_(std::move(t)) {}

  Kind kind() const { return kind_; }
  int64_t integer() const { return integer_; }
  bool boolean() const { return boolean_; }
  const Slice& slice() const { return slice_; }
  const Tensor& tensor() const { return tensor_; }

 private:
  Kind kind_;
  int64_t integer_ = 0;
  bool boolean_ = false;
  Slice slice_;
  Tensor tensor_;
};

// As LibTorch prints them: a slice as start:stop:step with LibTorch's stand-ins for
// None (0, INT64_MAX, 1), an index as None, ..., an integer, true/false, a slice or the
// tensor, and a list of indices in parentheses: "(None, ..., 1, 0:9223372036854775807:2)".
std::ostream& operator<<(std::ostream& os, const Slice& slice);
std::ostream& operator<<(std::ostream& os, const TensorIndex& index);
std::ostream& operator<<(std::ostream& os, const std::vector<TensorIndex>& indices);

}  // namespace indexing

// x.index({...}) and x.index_put_({...}, v) as free functions.
Tensor index(const Tensor& x, const std::vector<indexing::TensorIndex>& indices);
Tensor& index_put_(Tensor& x, const std::vector<indexing::TensorIndex>& indices, const Tensor& value);
// Out of place: a copy of x with the indexed elements replaced by value (differentiable).
Tensor index_put(const Tensor& x, const std::vector<indexing::TensorIndex>& indices, const Tensor& value);
// ATen's form: one optional int64 (or bool) index tensor per leading dim, nullopt taking
// the dim whole; with accumulate, values add up at repeated indices instead of writing.
Tensor index_put(const Tensor& x, const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                 bool accumulate);
Tensor& index_put_(Tensor& x, const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                   bool accumulate);

using indexing::Ellipsis;
using indexing::None;
using indexing::Slice;
using indexing::TensorIndex;

}  // namespace ember
