// Linear-algebra kernels: no autograd here. Every product goes to OpenBLAS (sgemm,
// dgemm, sdot, ddot) for float32 and float64; int64 uses plain loops. Inputs may have
// any strides: a transposed matrix is handed to BLAS as "transposed" with its own
// leading dimension, and only a layout BLAS cannot read at all is copied.
//
// Each function checks its operands (defined, dims, sizes, one dtype) and throws
// ember::Error naming the op and the shapes.
#pragma once
#include "ember/tensor.hpp"

namespace ember {
namespace kernels {

// torch.matmul: 1-D x 1-D is a dot product, 2-D x 2-D a matrix product, a 1-D operand is
// promoted to a row (left) or column (right) and that dim removed again, and more dims
// are batch dims that broadcast. `op` names the caller in error messages.
Tensor matmul(const Tensor& a, const Tensor& b, const char* op = "matmul");
// Only 2-D x 2-D.
Tensor mm(const Tensor& a, const Tensor& b);
// Only 3-D x 3-D with equal batch sizes (no broadcasting, as in PyTorch).
Tensor bmm(const Tensor& a, const Tensor& b);
// 1-D x 1-D of equal length: a 0-dim tensor.
Tensor dot(const Tensor& a, const Tensor& b);
// 1-D [m] x 1-D [n]: the [m, n] matrix a_i * b_j.
Tensor outer(const Tensor& a, const Tensor& b);
// beta * bias + alpha * (a @ b) for 2-D a and b; bias broadcasts to [m, n]. With
// beta == 0 the bias is ignored, NaN included, as in PyTorch.
Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha);

}  // namespace kernels
}  // namespace ember
