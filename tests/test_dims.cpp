// Dim wrapping and dim lists (src/core/shape.hpp) are one set of rules for every op:
// the reductions, their autograd wrappers and the shape ops agree on what is in range
// and what is a repeat, and their errors name the op and the input's shape.
#include "helpers.hpp"
#include "src/core/shape.hpp"

using Catch::Matchers::Contains;
using ember::Tensor;

TEST_CASE("dim lists: repeats are refused by reductions and flip alike, 0-dim tensors included", "[shape][reduction]") {
  // PyTorch 2.x: torch.tensor(1.).sum([0, -1]), .flip([0, -1]) and
  // torch.ones(2, 3).sum([0, -2]) all raise "dim 0 appears multiple times in the list of dims".
  Tensor scalar = ember::zeros({});
  Tensor x = ember::zeros({2, 3});
  CHECK_THROWS_WITH(ember::sum(scalar, {0, -1}), Contains("sum: dim 0 appears more than once"));
  CHECK_THROWS_WITH(ember::flip(scalar, {0, -1}), Contains("flip: dim 0 appears more than once"));
  CHECK_THROWS_WITH(ember::sum(x, {0, -2}), Contains("sum: dim 0 appears more than once") && Contains("[2, 3]"));
  CHECK_THROWS_WITH(ember::amax(x, {1, 1}), Contains("amax: dim 1 appears more than once") && Contains("[2, 3]"));
  CHECK_THROWS_WITH(ember::flip(x, {1, -1}), Contains("flip: dim 1 appears more than once"));
  // One of each is fine, and a 0-dim tensor accepts 0 and -1 (as in PyTorch).
  CHECK(ember::sum(x, {0, -1}).dim() == 0);
  CHECK(ember::sum(scalar, {-1}).dim() == 0);
  CHECK(ember::flip(scalar, {0}).dim() == 0);
}

TEST_CASE("dims out of range name the op and the input shape in reductions and their kernels", "[shape][reduction]") {
  Tensor x = ember::zeros({2, 3});
  for (auto f : std::vector<std::function<void()>>{[&] { ember::sum(x, {2}); }, [&] { ember::cumsum(x, -3); },
                                                   [&] { ember::max(x, 5); }, [&] { ember::softmax(x, 2); },
                                                   [&] { ember::mean(x, {-3}); }}) {
    CHECK_THROWS_AS(f(), ember::Error);
    CHECK_THROWS_WITH(f(),
                      Contains("is out of range for a tensor with 2 dims (shape [2, 3]; expected a dim in [-2, 1])"));
  }
  CHECK_THROWS_WITH(ember::max(x, 5), Contains("max: dim 5"));
  CHECK_THROWS_WITH(ember::cumsum(x, -3), Contains("cumsum: dim -3"));
  // Wrapping itself: negative dims count from the end.
  CHECK(ember::detail::wrap_dim(x, -1, "test") == 1);
  CHECK(ember::detail::dim_mask(x, {}, "test") == 0b11u);
  CHECK(ember::detail::dim_mask(x, {-1}, "test") == 0b10u);
  CHECK(ember::detail::reduced_numel(x.sizes(), 0b10u) == 3);
}
