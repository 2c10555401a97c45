// Placeholder until this family is written.
#include "ember/functions.hpp"
#include "ember/indexing.hpp"
#include "src/check.hpp"

namespace ember {
Tensor reshape(const Tensor& x, IntArrayRef shape) { detail::fail("reshape: not implemented yet"); }
Tensor view(const Tensor& x, IntArrayRef shape) { detail::fail("view: not implemented yet"); }
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) { detail::fail("transpose: not implemented yet"); }
Tensor t(const Tensor& x) { detail::fail("t: not implemented yet"); }
Tensor permute(const Tensor& x, IntArrayRef dims) { detail::fail("permute: not implemented yet"); }
Tensor expand(const Tensor& x, IntArrayRef size) { detail::fail("expand: not implemented yet"); }
Tensor squeeze(const Tensor& x) { detail::fail("squeeze: not implemented yet"); }
Tensor squeeze(const Tensor& x, int64_t dim) { detail::fail("squeeze: not implemented yet"); }
Tensor unsqueeze(const Tensor& x, int64_t dim) { detail::fail("unsqueeze: not implemented yet"); }
Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) { detail::fail("flatten: not implemented yet"); }
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) { detail::fail("narrow: not implemented yet"); }
Tensor select(const Tensor& x, int64_t dim, int64_t index) { detail::fail("select: not implemented yet"); }
Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) { detail::fail("slice: not implemented yet"); }
Tensor flip(const Tensor& x, IntArrayRef dims) { detail::fail("flip: not implemented yet"); }
Tensor repeat(const Tensor& x, IntArrayRef repeats) { detail::fail("repeat: not implemented yet"); }
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) { detail::fail("cat: not implemented yet"); }
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) { detail::fail("stack: not implemented yet"); }
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) { detail::fail("split: not implemented yet"); }
std::vector<Tensor> split(const Tensor& x, IntArrayRef split_sizes, int64_t dim) { detail::fail("split: not implemented yet"); }
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) { detail::fail("chunk: not implemented yet"); }
std::vector<Tensor> unbind(const Tensor& x, int64_t dim) { detail::fail("unbind: not implemented yet"); }
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) { detail::fail("index_select: not implemented yet"); }
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) { detail::fail("gather: not implemented yet"); }
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) { detail::fail("scatter_add: not implemented yet"); }
Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value) { detail::fail("masked_fill: not implemented yet"); }
Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value) { detail::fail("masked_fill: not implemented yet"); }
Tensor masked_select(const Tensor& x, const Tensor& mask) { detail::fail("masked_select: not implemented yet"); }
Tensor nonzero(const Tensor& x) { detail::fail("nonzero: not implemented yet"); }
Tensor pad(const Tensor& x, IntArrayRef pad, Scalar value) { detail::fail("pad: not implemented yet"); }
Tensor tril(const Tensor& x, int64_t diagonal) { detail::fail("tril: not implemented yet"); }
Tensor triu(const Tensor& x, int64_t diagonal) { detail::fail("triu: not implemented yet"); }
Tensor broadcast_to(const Tensor& x, IntArrayRef size) { detail::fail("broadcast_to: not implemented yet"); }
std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& tensors) { detail::fail("broadcast_tensors: not implemented yet"); }
Tensor index(const Tensor&, const std::vector<indexing::TensorIndex>&) { detail::fail("index: not implemented yet"); }
Tensor& index_put_(Tensor&, const std::vector<indexing::TensorIndex>&, const Tensor&) { detail::fail("index_put_: not implemented yet"); }
Tensor index_put(const Tensor&, const std::vector<indexing::TensorIndex>&, const Tensor&) { detail::fail("index_put: not implemented yet"); }
}  // namespace ember
