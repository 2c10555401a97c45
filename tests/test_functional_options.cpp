// LibTorch's FuncOptions overloads and PyTorch's padding="same"/"valid".
// Expected values: PyTorch 1.13 (python3-torch), from the inputs built here:
//   x = (arange(60).view(1,2,5,6) % 7) - 3, w = (arange(24).view(2,2,2,3) % 5) - 2,
//   b = [0.5, -1]; F.conv2d(x, w, b, padding='same', dilation=(1, 2))
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "helpers.hpp"

using namespace ember;
namespace F = ember::nn::functional;
using testing::repr;

namespace {
Tensor values(std::vector<double> v, std::vector<int64_t> shape) {
  return tensor(v, TensorOptions().dtype(kFloat64)).view(shape);
}
// (arange(n) % m) - offset, viewed as shape.
Tensor pattern(int64_t n, int64_t m, double offset, std::vector<int64_t> shape) {
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(static_cast<double>(i % m) - offset);
  return values(v, shape);
}
Tensor conv_x() { return pattern(60, 7, 3, {1, 2, 5, 6}); }
Tensor conv_w() { return pattern(24, 5, 2, {2, 2, 2, 3}); }

struct Capture : WarningHandler {
  std::vector<std::string> seen;
  void process(const Warning& w) override { seen.push_back(w.msg()); }
};
}  // namespace

TEST_CASE("conv2d padding same matches PyTorch with an odd total padding and dilation", "[functional_options]") {
  Tensor x = conv_x(), w = conv_w(), b = values({0.5, -1.0}, {2});
  Tensor expected = values({18.5, 1.5,  4.5,   -12.5, -5.5, -6.5, 14.5,  18.5, -6.5, 4.5,  -4.5,  -5.5,
                            -10.5, 14.5, 24.5, -6.5,  3.5,  -4.5, -7.5,  -10.5, 13.5, 24.5, -9.5,  3.5,
                            -2.5, -2.5, -4.5,  -7.5,  2.5,  -1.5, -13.0, -3.0,  -5.0, 24.0, 11.0,  -3.0,
                            -9.0, -13.0, -6.0, -5.0,  11.0, 11.0, -12.0, -9.0,  -21.0, -6.0, -3.0, 11.0,
                            13.0, -12.0, -8.0, -21.0, -3.0, -3.0, 13.0,  16.0,  -7.0, -3.0, -9.0, -5.0},
                           {1, 2, 5, 6});
  Capture capture;
  WarningUtils::WarningHandlerGuard guard(&capture);
  Tensor by_options = F::conv2d(x, w, F::Conv2dFuncOptions().bias(b).padding(kSame).dilation({1, 2}));
  CHECK(allclose(by_options, expected));
  CHECK(capture.seen.size() == 1);
  CHECK_THAT(capture.seen.at(0), Catch::Matchers::Contains("padding='same'"));
  Tensor positional = F::conv2d(x, w, b, 1, "same", {1, 2});
  CHECK(allclose(positional, expected));

  // The module takes the same padding and prints it as PyTorch does.
  nn::Conv2d conv(nn::Conv2dOptions(2, 2, {2, 3}).padding(kSame).dilation({1, 2}));
  {
    NoGradGuard no_grad;
    conv->weight.copy_(w);
    conv->bias.copy_(b);
  }
  CHECK(allclose(conv(x.to(kFloat32)), expected.to(kFloat32)));
  CHECK(repr(conv) ==
        "Conv2d(2, 2, kernel_size=(2, 3), stride=(1, 1), padding=same, dilation=(1, 2))");
}

TEST_CASE("conv padding same and valid in one dim and their gradients", "[functional_options]") {
  // F.conv1d(x1, w1, padding='same') with x1 = (arange(14).view(1,2,7) % 4) - 1.5,
  // w1 = (arange(8).view(2,2,2) % 3) - 1.
  Tensor x = pattern(14, 4, 1.5, {1, 2, 7});
  Tensor w = pattern(8, 3, 1, {2, 2, 2});
  Tensor expected = values({4.5, -0.5, -1.5, -2.5, 4.5, -0.5, -1.0, -2.0, 2.0, 2.0, -2.0, -2.0, 2.0, 0.5}, {1, 2, 7});
  Capture capture;
  WarningUtils::WarningHandlerGuard guard(&capture);
  CHECK(allclose(F::conv1d(x, w, F::Conv1dFuncOptions().padding("same")), expected));
  CHECK(F::conv2d(conv_x(), conv_w(), F::Conv2dFuncOptions().padding(kValid)).sizes() == IntArrayRef({1, 2, 4, 4}));
  CHECK(repr(nn::Conv1d(nn::Conv1dOptions(2, 3, 3).padding("valid"))) ==
        "Conv1d(2, 3, kernel_size=(3,), stride=(1,), padding=valid)");
  Tensor xg = x.detach().requires_grad_(), wg = w.detach().requires_grad_();
  CHECK(autograd::gradcheck([](const std::vector<Tensor>& in) {
    return F::conv1d(in[0], in[1], F::Conv1dFuncOptions().padding(kSame).dilation(3));
  }, {xg, wg}));
}

TEST_CASE("conv padding same refuses strides and unknown mode strings", "[functional_options][errors]") {
  CHECK_THROWS_WITH(F::conv2d(conv_x(), conv_w(), F::Conv2dFuncOptions().padding(kSame).stride(2)),
                    Catch::Matchers::Contains("conv2d: padding='same' is not supported for strided convolutions"));
  CHECK_THROWS_WITH(nn::Conv2d(nn::Conv2dOptions(2, 2, 3).padding(kSame).stride(2)),
                    Catch::Matchers::Contains("Conv2d: padding='same'"));
  CHECK_THROWS_WITH(F::conv2d(conv_x(), conv_w(), Tensor(), 1, "full"),
                    Catch::Matchers::Contains("\"full\""));
}

TEST_CASE("FuncOptions overloads give the positional results", "[functional_options]") {
  manual_seed(3);
  Tensor x = randn({2, 3, 6, 6}, TensorOptions().dtype(kFloat64));
  Tensor w = randn({4, 3, 3, 3}, TensorOptions().dtype(kFloat64));
  Tensor b = randn({4}, TensorOptions().dtype(kFloat64));
  CHECK(allclose(F::conv2d(x, w, F::Conv2dFuncOptions().bias(b).stride(2).padding(1).groups(1)),
                 F::conv2d(x, w, b, 2, 1)));
  Tensor wt = randn({3, 2, 3, 3}, TensorOptions().dtype(kFloat64));
  CHECK(allclose(F::conv_transpose2d(x, wt, F::ConvTranspose2dFuncOptions().stride(2).output_padding(1)),
                 F::conv_transpose2d(x, wt, Tensor(), 2, 0, 1)));
  CHECK(allclose(F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2).padding(1)), F::max_pool2d(x, 3, 2, 1)));
  CHECK(allclose(F::avg_pool2d(x, F::AvgPool2dFuncOptions({2, 3}).count_include_pad(false).padding(1)),
                 F::avg_pool2d(x, {2, 3}, {}, 1, false, false)));
  CHECK(allclose(F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions({3, 2})),
                 F::adaptive_avg_pool2d(x, {3, 2})));
  CHECK(allclose(F::dropout(x, F::DropoutFuncOptions().training(false)), x));
  CHECK(allclose(F::layer_norm(x, F::LayerNormFuncOptions({6, 6}).eps(1e-3)), F::layer_norm(x, {6, 6}, {}, {}, 1e-3)));
  CHECK(allclose(F::group_norm(x, F::GroupNormFuncOptions(3)), F::group_norm(x, 3)));
  CHECK(allclose(F::normalize(x, F::NormalizeFuncOptions().p(1).dim(2)), F::normalize(x, 1, 2)));
  Tensor mean = zeros({3}, TensorOptions().dtype(kFloat64)), var = ones({3}, TensorOptions().dtype(kFloat64));
  Tensor mean2 = mean.clone(), var2 = var.clone();
  CHECK(allclose(F::batch_norm(x, mean, var, F::BatchNormFuncOptions().training(true).momentum(0.3)),
                 F::batch_norm(x, mean2, var2, {}, {}, true, 0.3)));
  CHECK(allclose(mean, mean2));
  CHECK_THROWS_WITH(F::batch_norm(x, mean, var, F::BatchNormFuncOptions().momentum(std::nullopt)),
                    Catch::Matchers::Contains("batch_norm: momentum"));
}

TEST_CASE("dropout in place through its FuncOptions writes into the input", "[functional_options]") {
  manual_seed(1);
  Tensor x = ones({1000});
  Tensor y = F::dropout(x, F::DropoutFuncOptions().p(0.5).inplace(true));
  CHECK(y.is_alias_of(x));
  double zeros_seen = (x == 0).sum().item<double>();
  CHECK(zeros_seen > 400);
  CHECK(zeros_seen < 600);
  CHECK(((x == 0) | (x == 2)).all().item<bool>());
}

TEST_CASE("embedding max_norm renormalises the rows it picks as PyTorch does", "[functional_options]") {
  // F.embedding([[0, 2], [2, 3]], arange(12).view(4, 3), max_norm=5.0) in PyTorch 1.13:
  // rows 2 and 3 are scaled to norm 5 (row 1 is not picked, so it keeps norm 7.07).
  Tensor weight = arange(12, TensorOptions().dtype(kFloat64)).view({4, 3});
  Tensor idx = tensor(std::vector<int64_t>{0, 2, 2, 3}).view({2, 2});
  Tensor out = F::embedding(idx, weight, F::EmbeddingFuncOptions().max_norm(5.0));
  Tensor expected_weight = values({0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 2.457695741422894, 2.8673116983267093,
                                   3.276927655230525, 2.5894590045173, 2.8771766716858886, 3.1648943388544777},
                                  {4, 3});
  CHECK(allclose(weight, expected_weight));
  CHECK(allclose(out, expected_weight.index_select(0, idx.view({-1})).view({2, 2, 3})));
  CHECK_THROWS_WITH(F::embedding(idx, weight, F::EmbeddingFuncOptions().sparse(true)),
                    Catch::Matchers::Contains("embedding: sparse"));
}
