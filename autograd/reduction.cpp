// Placeholder until this family is written.
#include "ember/functions.hpp"
#include "ember/indexing.hpp"
#include "src/check.hpp"

namespace ember {
Tensor sum(const Tensor& x, std::optional<Dtype> dtype) { detail::fail("sum: not implemented yet"); }
Tensor sum(const Tensor& x, IntArrayRef dim, bool keepdim, std::optional<Dtype> dtype) { detail::fail("sum: not implemented yet"); }
Tensor mean(const Tensor& x, std::optional<Dtype> dtype) { detail::fail("mean: not implemented yet"); }
Tensor mean(const Tensor& x, IntArrayRef dim, bool keepdim, std::optional<Dtype> dtype) { detail::fail("mean: not implemented yet"); }
Tensor prod(const Tensor& x, std::optional<Dtype> dtype) { detail::fail("prod: not implemented yet"); }
Tensor prod(const Tensor& x, int64_t dim, bool keepdim, std::optional<Dtype> dtype) { detail::fail("prod: not implemented yet"); }
Tensor amax(const Tensor& x, IntArrayRef dim, bool keepdim) { detail::fail("amax: not implemented yet"); }
Tensor amin(const Tensor& x, IntArrayRef dim, bool keepdim) { detail::fail("amin: not implemented yet"); }
Tensor max(const Tensor& x) { detail::fail("max: not implemented yet"); }
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) { detail::fail("max: not implemented yet"); }
Tensor min(const Tensor& x) { detail::fail("min: not implemented yet"); }
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) { detail::fail("min: not implemented yet"); }
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) { detail::fail("argmax: not implemented yet"); }
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) { detail::fail("argmin: not implemented yet"); }
Tensor var(const Tensor& x, bool unbiased) { detail::fail("var: not implemented yet"); }
Tensor var(const Tensor& x, IntArrayRef dim, bool unbiased, bool keepdim) { detail::fail("var: not implemented yet"); }
Tensor var(const Tensor& x, std::optional<IntArrayRef> dim, std::optional<int64_t> correction, bool keepdim) { detail::fail("var: not implemented yet"); }
Tensor std(const Tensor& x, bool unbiased) { detail::fail("std: not implemented yet"); }
Tensor std(const Tensor& x, IntArrayRef dim, bool unbiased, bool keepdim) { detail::fail("std: not implemented yet"); }
Tensor std(const Tensor& x, std::optional<IntArrayRef> dim, std::optional<int64_t> correction, bool keepdim) { detail::fail("std: not implemented yet"); }
Tensor logsumexp(const Tensor& x, IntArrayRef dim, bool keepdim) { detail::fail("logsumexp: not implemented yet"); }
Tensor norm(const Tensor& x, Scalar p) { detail::fail("norm: not implemented yet"); }
Tensor norm(const Tensor& x, std::optional<Scalar> p, IntArrayRef dim, bool keepdim) { detail::fail("norm: not implemented yet"); }
Tensor cumsum(const Tensor& x, int64_t dim, std::optional<Dtype> dtype) { detail::fail("cumsum: not implemented yet"); }
Tensor all(const Tensor& x) { detail::fail("all: not implemented yet"); }
Tensor all(const Tensor& x, int64_t dim, bool keepdim) { detail::fail("all: not implemented yet"); }
Tensor any(const Tensor& x) { detail::fail("any: not implemented yet"); }
Tensor any(const Tensor& x, int64_t dim, bool keepdim) { detail::fail("any: not implemented yet"); }
Tensor softmax(const Tensor& x, int64_t dim) { detail::fail("softmax: not implemented yet"); }
Tensor log_softmax(const Tensor& x, int64_t dim) { detail::fail("log_softmax: not implemented yet"); }
}  // namespace ember
