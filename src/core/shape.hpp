// Shape arithmetic shared by every op: strides, dim wrapping, broadcasting.
#pragma once
#include <cstdint>

#include "ember/small_vector.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace detail {

// Row-major strides for sizes; throws an Error naming op when one does not fit in int64
// (possible even with no element: [0, 2^62, 4]).
Shape contiguous_strides(IntArrayRef sizes, const char* op = "contiguous_strides");
// The product of the sizes; throws an Error naming op when it does not fit in int64
// (a zero size makes it 0 whatever the other sizes are).
int64_t numel_of(IntArrayRef sizes, const char* op = "numel");
// Turns a possibly negative dim into [0, ndim); throws an Error naming op otherwise. A
// 0-dim tensor accepts dims 0 and -1.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);
// The same for a dim of x, also naming x's shape in the error (x must be defined).
int64_t wrap_dim(const Tensor& x, int64_t dim, const char* op);
// A bitmask of the dims a dim list names (bit i: dim i; an empty list: all dims; a
// 0-dim tensor: 0); throws on a dim out of range or named twice.
uint64_t dim_mask(IntArrayRef dims, int64_t ndim, const char* op);
// The same for dims of x, also naming x's shape in the errors (x must be defined).
uint64_t dim_mask(const Tensor& x, IntArrayRef dims, const char* op);
// The mask of one wrapped dim of a tensor with ndim dims (0 for a 0-dim tensor).
uint64_t dim_bit(int64_t wrapped, int64_t ndim);
// The number of elements a reduction over the dims in mask folds into each output.
int64_t reduced_numel(IntArrayRef sizes, uint64_t mask);
// The sizes after reducing the dims in mask, keeping them as size 1 or dropping them.
Shape reduced_shape(IntArrayRef sizes, uint64_t mask, bool keepdim);
// Checks that t is defined, naming the op and the argument in the error.
void check_defined(const Tensor& t, const char* op, const char* arg = "input");

}  // namespace detail
}  // namespace ember

namespace ember {
// Broadcast shape of two shapes; throws ember::Error naming `op` when they do not broadcast.
Shape broadcast_shapes(IntArrayRef a, IntArrayRef b, const char* op);
}  // namespace ember
