// Indexing kernels: gathers and scatters driven by int64 index tensors, and nonzero.
// No autograd here; the differentiable wrappers live in autograd/indexing.cpp.
#pragma once
#include <optional>
#include <vector>

#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

// Advanced indexing (NumPy / PyTorch rules). `indices` holds one entry per dim of x,
// an int64 tensor or undefined (the dim is taken whole); missing trailing entries are
// undefined too. The index tensors broadcast together to a shape B. When the indexed
// dims are adjacent B takes their place in the result, otherwise it comes first.
struct AdvancedIndex {
  std::vector<Tensor> indices;
  // The dim of the user's tensor each entry indexes, for error messages (empty: the
  // position in `indices`).
  std::vector<int64_t> error_dims;
  // Whether -1 means the last element (indexing) or is an error (index_select).
  bool wrap_negative = true;
};

// The shape of x[indices].
Shape index_shape(const Tensor& x, const AdvancedIndex& index, const char* op);
// x[indices], a new contiguous tensor.
Tensor index(const Tensor& x, const AdvancedIndex& index, const char* op);
// dst[indices] = value (or += with accumulate; repeated indices then add up). dst may
// be any strided tensor, a view included; value broadcasts to the shape of dst[indices]
// and is converted to dst's dtype.
void index_put_(Tensor& dst, const AdvancedIndex& index, const Tensor& value, bool accumulate, const char* op);

// out[i][j][k] = x[index[i][j][k]][j][k] for dim 0, and so on.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// A copy of x with out[index[i][j][k]][j][k] += src[i][j][k] for dim 0, and so on.
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
// A copy of x with out[index[i][j][k]][j][k] = src[i][j][k] for dim 0, and so on; where
// indices repeat, which of their src elements wins is unspecified, as in PyTorch.
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, const char* op = "scatter");
// The indices of the nonzero elements of x, int64 of shape [n, x.dim()], row-major order.
Tensor nonzero(const Tensor& x);
// Embedding's weight gradient: a [num, dim] tensor of zeros with row i of grad ([n, dim])
// added to row indices[i] (indices: n int64 in [0, num), checked by the forward), in
// index order, rows whose index is padding_idx skipped. float32 or float64 grad; an
// undefined tensor for other dtypes (the caller composes a scatter_add).
Tensor embedding_backward(const Tensor& grad, const Tensor& indices, int64_t num, std::optional<int64_t> padding_idx);

}  // namespace kernels
}  // namespace ember
