// LibTorch nn API: ParameterDict's pop and clear, adaptive max pooling with indices
// (values, indices and gradients printed by PyTorch 1.13 in
// tests/adaptive_max_indices_values.hpp, from tests/python/adaptive_max_indices_values.py),
// and ConvTranspose{1,2,3}d's forward(input, output_size) (output shapes and error
// texts as PyTorch 1.13 gives them for the same modules, noted at each check).
#include <catch2/catch.hpp>

#include <vector>

#include "adaptive_max_indices_values.hpp"
#include "ember/ember.hpp"
#include "ember/nn.hpp"
#include "helpers.hpp"

using ember::Tensor;
using testing::values;
namespace nn = ember::nn;
namespace F = ember::nn::functional;

TEST_CASE("ParameterDict: pop returns and removes a parameter, clear removes all", "[nn][nn_gaps]") {
  nn::ParameterDict dict;
  dict->insert("a", ember::ones({2}));
  dict->insert("b", ember::zeros({3}));
  dict->insert("c", ember::ones({1}));
  Tensor b = dict->pop("b");
  CHECK(b.sizes().equals({3}));
  CHECK(b.requires_grad());
  CHECK(dict->keys() == std::vector<std::string>{"a", "c"});
  CHECK(dict->parameters().size() == 2);
  CHECK_THROWS_WITH(dict->pop("b"), Catch::Contains("ParameterDict") && Catch::Contains("'b'"));
  dict->clear();
  CHECK(dict->empty());
  CHECK(dict->parameters().empty());
  dict->insert("b", ember::ones({4}));  // usable again after clear
  CHECK(dict->size() == 1);
}

TEST_CASE("adaptive_max_pool*d_with_indices match PyTorch's values, indices and gradients", "[nn][nn_gaps]") {
  for (const auto& c : adaptive_max_indices_values::cases()) {
    INFO("dims " << c.dims << ", input " << c.input_shape.size() << "-d");
    int64_t n = 1;
    for (int64_t s : c.input_shape) n *= s;
    // pattern(n, shape) = ((arange(n) * 7) % 11 - 5) * 0.5, as the generator builds it
    Tensor x = ((ember::arange(n) * 7).remainder(11) - 5).to(ember::kFloat64).view(c.input_shape) * 0.5;
    x.requires_grad_();
    Tensor y, idx;
    if (c.dims == 1) std::tie(y, idx) = F::adaptive_max_pool1d_with_indices(x, c.output_size);
    if (c.dims == 2) std::tie(y, idx) = F::adaptive_max_pool2d_with_indices(x, c.output_size);
    if (c.dims == 3) std::tie(y, idx) = F::adaptive_max_pool3d_with_indices(x, c.output_size);
    REQUIRE(y.sizes().equals(c.out_shape));
    CHECK(idx.dtype() == ember::kInt64);
    CHECK(values(y) == c.y);
    CHECK(idx.tolist<int64_t>() == c.indices);
    int64_t m = y.numel();
    Tensor w = ((ember::arange(m) * 7).remainder(11) - 5).to(ember::kFloat64).view(c.out_shape) * 0.5 + 0.25;
    (y * w).sum().backward();
    CHECK(values(x.grad()) == c.grad);
    // The plain form gives the same values.
    if (c.dims == 2) CHECK(values(F::adaptive_max_pool2d(x, c.output_size)) == c.y);
  }
}

TEST_CASE("AdaptiveMaxPool modules' forward_with_indices", "[nn][nn_gaps]") {
  Tensor x = ember::arange(24).to(ember::kFloat32).view({1, 2, 3, 4});
  nn::AdaptiveMaxPool2d pool(nn::AdaptiveMaxPool2dOptions({1, 2}));
  auto [y, idx] = pool->forward_with_indices(x);
  // PyTorch 1.13: AdaptiveMaxPool2d((1, 2), return_indices=True)(arange(24.).view(1, 2, 3, 4))
  // gives indices [9, 11, 9, 11]; AdaptiveMaxPool1d(2) on view(2, 12) [5, 11, 5, 11];
  // AdaptiveMaxPool3d(1) on the [1, 2, 3, 4] input (unbatched, C = 1) [23].
  CHECK(idx.tolist<int64_t>() == std::vector<int64_t>{9, 11, 9, 11});
  CHECK(values(y) == std::vector<double>{9, 11, 21, 23});
  nn::AdaptiveMaxPool1d pool1(2);
  CHECK(std::get<1>(pool1->forward_with_indices(x.view({2, 12}))).tolist<int64_t>() ==
        std::vector<int64_t>{5, 11, 5, 11});
  nn::AdaptiveMaxPool3d pool3(1);
  CHECK(std::get<1>(pool3->forward_with_indices(x.view({1, 2, 3, 4}))).tolist<int64_t>() == std::vector<int64_t>{23});
}

TEST_CASE("adaptive_max_pool*d_with_indices refuse bad arguments naming the op and shapes", "[nn][nn_gaps][errors]") {
  Tensor x = ember::ones({2, 3, 4});
  CHECK_THROWS_WITH(F::adaptive_max_pool2d_with_indices(ember::ones({4}), {2, 2}),
                    Catch::Contains("adaptive_max_pool2d_with_indices") && Catch::Contains("[4]"));
  CHECK_THROWS_WITH(F::adaptive_max_pool2d_with_indices(x, {2, 0}), Catch::Contains("positive") && Catch::Contains("[2, 0]"));
  CHECK_THROWS_WITH(F::adaptive_max_pool3d_with_indices(ember::ones({1, 2, 0, 3}), {1, 1, 1}),
                    Catch::Contains("empty pooled dim") && Catch::Contains("[1, 2, 0, 3]"));
  CHECK_THROWS_WITH(F::adaptive_max_pool1d_with_indices(x, {2, 2}), Catch::Contains("1 elements"));
}

TEST_CASE("ConvTranspose*d forward(input, output_size) picks the output size", "[nn][nn_gaps]") {
  ember::manual_seed(3);
  nn::ConvTranspose2d conv(nn::ConvTranspose2dOptions(2, 3, 3).stride(2).padding(1));
  Tensor x = ember::randn({1, 2, 4, 5});
  // PyTorch: ConvTranspose2d(2, 3, 3, stride=2, padding=1)(x, output_size=[8, 10]) -> [1, 3, 8, 10],
  // and output_size=[1, 3, 7, 9] -> [1, 3, 7, 9].
  Tensor y = conv->forward(x, {8, 10});
  CHECK(y.sizes().equals({1, 3, 8, 10}));
  CHECK(conv->forward(x, {1, 3, 7, 9}).sizes().equals({1, 3, 7, 9}));
  // The same as the functional form with the output_padding that size needs.
  Tensor same = F::conv_transpose2d(x, conv->weight, conv->bias, {2, 2}, {1, 1}, {1, 1});
  CHECK(values(y) == values(same));
  // PyTorch: "requested an output size of [9, 9], but valid sizes range from [7, 9] to
  // [8, 10] (for an input of torch.Size([4, 5]))"
  CHECK_THROWS_WITH(conv->forward(x, {9, 9}), Catch::Contains("ConvTranspose2d") &&
                                                   Catch::Contains("requested an output size of [9, 9], but valid sizes "
                                                                   "range from [7, 9] to [8, 10] (for an input of [4, 5])"));
  // PyTorch: "for 4D input, output_size must have 2 or 4 elements (got 1)"
  CHECK_THROWS_WITH(conv->forward(x, {7}), Catch::Contains("for 4D input, output_size must have 2 or 4 elements (got 1)"));

  // PyTorch: ConvTranspose1d(2, 3, 3, stride=3)(randn(2, 2, 4), output_size=[12]) -> [2, 3, 12]
  nn::ConvTranspose1d conv1(nn::ConvTranspose1dOptions(2, 3, 3).stride(3));
  CHECK(conv1->forward(ember::randn({2, 2, 4}), {12}).sizes().equals({2, 3, 12}));
  // PyTorch: ConvTranspose3d(1, 1, 2, stride=2)(randn(1, 3, 3, 3), output_size=[7, 6, 7]) -> [1, 7, 6, 7]
  nn::ConvTranspose3d conv3(nn::ConvTranspose3dOptions(1, 1, 2).stride(2));
  Tensor x3 = ember::randn({1, 3, 3, 3}).requires_grad_();
  Tensor y3 = conv3->forward(x3, {7, 6, 7});
  CHECK(y3.sizes().equals({1, 7, 6, 7}));
  y3.sum().backward();
  CHECK(x3.grad().sizes().equals({1, 3, 3, 3}));
}
