// Differentiable sorting: sort, argsort, msort, topk. The values are x's elements moved
// along one dim, so their gradient goes back to where each came from: a scatter of the
// incoming gradient through the indices (itself differentiable, so higher orders hold).
#include "autograd/prelude.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ops/sort.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace {

// Records values = x gathered along dim at indices.
void record_moved(const char* op, const Tensor& x, Tensor& values, const Tensor& indices, int64_t dim) {
  if (!needs_grad(x)) return;
  Shape in = x.sizes().shape();
  record(op, {x}, {&values}, {save(indices)}, [in, dim](const Grads& g, Ctx& c) {
    return Grads{ember::scatter_add(ember::zeros(in, g[0].dtype()), dim, c.saved(0), g[0])};
  });
}

}  // namespace

std::tuple<Tensor, Tensor> sort(const Tensor& x, std::optional<bool> stable, int64_t dim, bool descending) {
  (void)stable;  // the sort is always stable, which an unstable sort is also allowed to be
  auto [values, indices] = k::sort(x, dim, descending, "sort");
  record_moved("sort", x, values, indices, dim);
  return {values, indices};
}
std::tuple<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending) {
  return sort(x, std::optional<bool>(), dim, descending);
}

Tensor argsort(const Tensor& x, int64_t dim, bool descending) {
  return k::sort(x, dim, descending, "argsort").second;
}
Tensor argsort_stable(const Tensor& x, bool stable, int64_t dim, bool descending) {
  (void)stable;
  return argsort(x, dim, descending);
}

Tensor msort(const Tensor& x) {
  auto [values, indices] = k::sort(x, 0, false, "msort");
  record_moved("msort", x, values, indices, 0);
  return values;
}

std::tuple<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted) {
  (void)sorted;  // the k elements always come in order, which unsorted allows too
  auto [values, indices] = k::topk(x, k, dim, largest, "topk");
  record_moved("topk", x, values, indices, dim);
  return {values, indices};
}

}  // namespace ember
