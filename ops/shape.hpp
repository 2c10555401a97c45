// Shape kernels: views (new metadata over the same storage) and the copies that
// rearrange data (flip, cat, pad, tril/triu). No autograd here; the differentiable
// wrappers live in autograd/shape.cpp. Every function checks its arguments and throws
// ember::Error naming the op.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

// `shape` with its one -1 (if any) inferred so that it holds as many elements as a
// tensor of input_sizes; throws when it cannot.
Shape infer_size(IntArrayRef shape, IntArrayRef input_sizes, const char* op);
// The strides that view a tensor of (sizes, strides) as new_sizes without copying, or
// nothing when its memory layout does not allow it. new_sizes must hold as many elements.
std::optional<Shape> view_strides(IntArrayRef sizes, IntArrayRef strides, IntArrayRef new_sizes);

// ---- views: share x's storage ----
Tensor view(const Tensor& x, IntArrayRef shape);  // throws when the strides do not allow a view
Tensor reshape(const Tensor& x, IntArrayRef shape);  // a view when possible, else a contiguous copy
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor permute(const Tensor& x, IntArrayRef dims);
Tensor expand(const Tensor& x, IntArrayRef size, const char* op = "expand");
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& x, int64_t dim, int64_t index);
Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step);

// Python slicing on a dim of `size`: negative bounds count from the end, out-of-range
// bounds clamp, and an end before the start gives an empty range.
struct SliceRange {
  int64_t start;
  int64_t length;
  // An end bound that gives the same range again: one past the last element taken, so it
  // never exceeds the size (start + length * step can pass int64 for a huge step).
  int64_t stop(int64_t step) const { return length == 0 ? start : start + (length - 1) * step + 1; }
};
SliceRange slice_range(int64_t size, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step);

// ---- copies ----
Tensor flip(const Tensor& x, IntArrayRef dims);
// The tensors (promoted to one dtype) joined along dim. 1-D empty tensors are skipped,
// as PyTorch does for backward compatibility.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim);
// Whether cat skips this tensor (a 1-D tensor with no elements).
inline bool cat_skips(const Tensor& t) { return t.dim() == 1 && t.size(0) == 0; }
// Constant padding, pairs from the last dim backwards; negative pads crop.
Tensor pad(const Tensor& x, IntArrayRef pad, Scalar value);
// The lower (upper == false) or upper triangle of the last two dims, the rest zeroed.
Tensor triangle(const Tensor& x, int64_t diagonal, bool upper);

}  // namespace kernels
}  // namespace ember
