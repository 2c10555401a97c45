// Placeholder until this family is written.
#include "ember/functions.hpp"
#include "ember/indexing.hpp"
#include "src/check.hpp"

namespace ember {
Tensor matmul(const Tensor& a, const Tensor& b) { detail::fail("matmul: not implemented yet"); }
Tensor mm(const Tensor& a, const Tensor& b) { detail::fail("mm: not implemented yet"); }
Tensor bmm(const Tensor& a, const Tensor& b) { detail::fail("bmm: not implemented yet"); }
Tensor dot(const Tensor& a, const Tensor& b) { detail::fail("dot: not implemented yet"); }
Tensor outer(const Tensor& a, const Tensor& b) { detail::fail("outer: not implemented yet"); }
Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) { detail::fail("addmm: not implemented yet"); }
Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands) { detail::fail("einsum: not implemented yet"); }
}  // namespace ember
