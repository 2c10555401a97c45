// The 3-d convolutions and poolings, the transposed 1-d and 3-d convolutions, max pooling
// with indices and max_unpool: values against PyTorch 1.13 (tests/nn_conv3d_pool_values.hpp,
// printed by scripts/reference/conv3d_pool_values.py from inputs built the same way
// here), gradcheck of first and second order, the modules' reprs (printed by PyTorch
// 1.13's repr of the same modules) and the errors of user mistakes.
#include <ember/nn.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "nn_conv3d_pool_values.hpp"

using ember::Tensor;
using testing::error_of;
using testing::gradcheck2;
using testing::values;
namespace F = ember::nn::functional;
namespace nn = ember::nn;
namespace V = conv3d_pool_values;
using Catch::Matchers::Contains;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// sin(a * i + b) (or cos) over the elements in order: the reference script's seq().
Tensor seq(ember::IntArrayRef shape, double a = 0.37, double b = 0.1, bool cosine = false) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  Tensor t = ember::arange(n, ember::kFloat64) * a + b;
  return (cosine ? t.cos() : t.sin()).reshape(shape);
}
Tensor wseq(ember::IntArrayRef shape) { return seq(shape, 0.23, -0.4, true); }

void check_close(const Tensor& got, ember::IntArrayRef shape, const std::vector<double>& want) {
  REQUIRE(got.sizes().vec() == shape.vec());
  std::vector<double> g = values(got);
  REQUIRE(g.size() == want.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i);
    REQUIRE(g[i] == Approx(want[i]).margin(1e-12).epsilon(1e-12));
  }
}

void check_indices(const Tensor& got, const std::vector<int64_t>& want) {
  REQUIRE(got.dtype() == ember::kInt64);
  CHECK(got.reshape({-1}).tolist<int64_t>() == want);
}

template <class M>
std::string repr(const M& m) {
  std::ostringstream os;
  os << *m;
  return os.str();
}

// Distinct values far apart, so that finite differences never move a maximum.
Tensor distinct(ember::IntArrayRef shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return ember::randperm(n, ember::kFloat64).reshape(shape).requires_grad_(true);
}

}  // namespace

TEST_CASE("max pooling with indices gives PyTorch values and flat indices", "[nn3d]") {
  auto [y1, i1] = F::max_pool1d_with_indices(seq({2, 3, 7}), 3, 2, 1, 1, true);
  check_close(y1, {2, 3, 4}, V::k_mp1_y);
  check_indices(i1, V::k_mp1_i);
  auto [y2, i2] = F::max_pool2d_with_indices(seq({2, 2, 5, 6}), {3, 2}, {2, 1}, {1, 0}, {1, 2}, false);
  check_close(y2, {2, 2, 3, 4}, V::k_mp2_y);
  check_indices(i2, V::k_mp2_i);
  auto [y3, i3] = F::max_pool3d_with_indices(seq({1, 2, 5, 6, 7}), {2, 3, 2}, {2, 2, 3}, {1, 1, 0}, {1, 1, 2}, true);
  check_close(y3, {1, 2, 3, 4, 3}, V::k_mp3_y);
  check_indices(i3, V::k_mp3_i);
  // The plain forms agree, and so do the options forms and the modules.
  CHECK(F::max_pool3d(seq({1, 2, 5, 6, 7}), {2, 3, 2}, {2, 2, 3}, {1, 1, 0}, {1, 1, 2}, true).equal(y3));
  auto [o3, oi3] = F::max_pool3d_with_indices(
      seq({1, 2, 5, 6, 7}), F::MaxPool3dFuncOptions({2, 3, 2}).stride({2, 2, 3}).padding({1, 1, 0}).dilation({1, 1, 2}).ceil_mode(true));
  CHECK(o3.equal(y3));
  CHECK(oi3.equal(i3));
  nn::MaxPool2d pool2(nn::MaxPool2dOptions({3, 2}).stride({2, 1}).padding({1, 0}).dilation({1, 2}));
  auto [m2, mi2] = pool2->forward_with_indices(seq({2, 2, 5, 6}));
  CHECK(m2.equal(y2));
  CHECK(mi2.equal(i2));
  nn::MaxPool1d pool1(nn::MaxPool1dOptions(3).stride(2).padding(1).ceil_mode(true));
  auto [m1, mi1] = pool1->forward_with_indices(seq({2, 3, 7}));
  CHECK(m1.equal(y1));
  CHECK(mi1.equal(i1));
  nn::MaxPool3d pool3(nn::MaxPool3dOptions({2, 3, 2}).stride({2, 2, 3}).padding({1, 1, 0}).dilation({1, 1, 2}).ceil_mode(true));
  auto [m3, mi3] = pool3->forward_with_indices(seq({1, 2, 5, 6, 7}));
  CHECK(m3.equal(y3));
  CHECK(pool3->forward(seq({1, 2, 5, 6, 7})).equal(y3));
  // Unbatched input: the batched result without its batch dim.
  auto [u3, ui3] = F::max_pool3d_with_indices(seq({1, 2, 5, 6, 7}).squeeze(0), 2);
  auto [b3, bi3] = F::max_pool3d_with_indices(seq({1, 2, 5, 6, 7}), 2);
  CHECK(u3.equal(b3.squeeze(0)));
  CHECK(ui3.equal(bi3.squeeze(0)));
}

TEST_CASE("max_unpool gives PyTorch values and inverts max pooling", "[nn3d]") {
  Tensor x3 = seq({1, 2, 5, 6, 7});
  auto [y3, i3] = F::max_pool3d_with_indices(x3, 2);
  check_close(F::max_unpool3d(y3, i3, 2, {}, 0, std::vector<int64_t>{5, 6, 7}), {1, 2, 5, 6, 7}, V::k_up3);
  // Overlapping windows repeat indices: the value is written once, not summed.
  auto [y2, i2] = F::max_pool2d_with_indices(seq({2, 2, 5, 6}), 3, 1, 1);
  check_close(F::max_unpool2d(y2, i2, 3, 1, 1), {2, 2, 5, 6}, V::k_up2_overlap);
  auto [y1, i1] = F::max_pool1d_with_indices(seq({2, 3, 7}), 2);
  Tensor u1 = F::max_unpool1d(y1, i1, F::MaxUnpool1dFuncOptions(2).output_size(std::vector<int64_t>{2, 3, 7}));
  check_close(u1, {2, 3, 7}, V::k_up1);
  nn::MaxUnpool1d unpool1(2);
  CHECK(unpool1->forward(y1, i1, std::vector<int64_t>{7}).equal(u1));
  // Without output_size: (in - 1) * stride - 2 * padding + kernel_size.
  nn::MaxUnpool3d unpool3(2);
  auto [y4, i4] = F::max_pool3d_with_indices(seq({1, 2, 4, 6, 6}), 2);
  CHECK(unpool3->forward(y4, i4).sizes().vec() == std::vector<int64_t>{1, 2, 4, 6, 6});
  // Unbatched.
  CHECK(F::max_unpool2d(y2[0], i2[0], 3, 1, 1).equal(F::max_unpool2d(y2, i2, 3, 1, 1)[0]));
}

TEST_CASE("3-d average and adaptive pooling and divisor_override give PyTorch values", "[nn3d]") {
  Tensor x3 = seq({1, 2, 5, 6, 7});
  check_close(F::avg_pool3d(x3, {3, 2, 3}, {2, 2, 2}, {1, 1, 1}, true, false), {1, 2, 3, 4, 4}, V::k_ap3_a);
  check_close(F::avg_pool3d(x3, {3, 2, 3}, {2, 2, 2}, {1, 0, 1}, false, true, 5), {1, 2, 3, 3, 4}, V::k_ap3_b);
  check_close(F::avg_pool3d(x3, 2, {}, 0, true, true), {1, 2, 3, 3, 4}, V::k_ap3_c);
  check_close(F::avg_pool2d(seq({2, 2, 5, 6}), 3, 2, 1, false, true, 4), {2, 2, 3, 3}, V::k_ap2_div);
  check_close(F::adaptive_avg_pool3d(x3, {2, 4, 3}), {1, 2, 2, 4, 3}, V::k_aap3);
  check_close(F::adaptive_max_pool3d(x3, {2, 4, 3}), {1, 2, 2, 4, 3}, V::k_amp3);
  // Options forms and modules.
  nn::AvgPool3d avg(nn::AvgPool3dOptions({3, 2, 3}).stride(2).padding({1, 0, 1}).divisor_override(5));
  check_close(avg->forward(x3), {1, 2, 3, 3, 4}, V::k_ap3_b);
  nn::AvgPool2d avg2(nn::AvgPool2dOptions(3).stride(2).padding(1).divisor_override(4));
  check_close(avg2->forward(seq({2, 2, 5, 6})), {2, 2, 3, 3}, V::k_ap2_div);
  check_close(F::avg_pool2d(seq({2, 2, 5, 6}), F::AvgPool2dFuncOptions(3).stride(2).padding(1).divisor_override(4)),
              {2, 2, 3, 3}, V::k_ap2_div);
  // avg_pool1d with divisor_override 1 is the window sum.
  Tensor x1 = seq({2, 3, 7});
  Tensor sum1 = F::avg_pool1d(x1, F::AvgPool1dFuncOptions(2).divisor_override(1));
  CHECK(sum1.allclose(F::avg_pool1d(x1, 2) * 2.0, 1e-12, 1e-12));
  check_close(nn::AdaptiveAvgPool3d(nn::AdaptiveAvgPool3dOptions({2, 4, 3}))->forward(x3), {1, 2, 2, 4, 3}, V::k_aap3);
  check_close(nn::AdaptiveMaxPool3d(nn::AdaptiveMaxPool3dOptions({2, 4, 3}))->forward(x3), {1, 2, 2, 4, 3}, V::k_amp3);
  check_close(F::adaptive_avg_pool3d(x3.squeeze(0), {2, 4, 3}), {2, 2, 4, 3}, V::k_aap3);
}

TEST_CASE("conv3d and the 1-d and 3-d transposed convolutions give PyTorch values", "[nn3d]") {
  Tensor x3 = seq({1, 2, 5, 6, 7});
  Tensor b4 = ember::tensor(std::vector<double>{0.5, -0.25, 0.125, 1.0});
  check_close(F::conv3d(x3, wseq({4, 1, 2, 3, 2}), b4, {2, 1, 2}, {1, 0, 1}, {1, 2, 1}, 2), {1, 4, 3, 2, 4}, V::k_c3);
  check_close(F::conv3d(x3, wseq({3, 2, 3, 2, 2}), {}, 1, "same", {2, 1, 1}), {1, 3, 5, 6, 7}, V::k_c3_same);
  check_close(F::conv3d(x3, wseq({3, 2, 3, 2, 2}), F::Conv3dFuncOptions().padding(ember::kSame).dilation({2, 1, 1})),
              {1, 3, 5, 6, 7}, V::k_c3_same);
  Tensor b2 = ember::tensor(std::vector<double>{0.3, -0.7});
  check_close(F::conv_transpose1d(seq({2, 3, 7}), wseq({3, 2, 3}), b2, 2, 1, 1, 1, 2), {2, 2, 16}, V::k_ct1);
  check_close(F::conv_transpose1d(seq({2, 3, 7}), wseq({3, 2, 3}),
                                  F::ConvTranspose1dFuncOptions().bias(b2).stride(2).padding(1).output_padding(1).dilation(2)),
              {2, 2, 16}, V::k_ct1);
  Tensor b4b = ember::tensor(std::vector<double>{0.1, 0.2, 0.3, 0.4});
  check_close(F::conv_transpose3d(seq({1, 2, 3, 2, 3}), wseq({2, 2, 2, 3, 2}), b4b, {2, 1, 3}, {1, 0, 1}, {1, 0, 2}, 2,
                                  {1, 2, 1}),
              {1, 4, 5, 6, 8}, V::k_ct3);
  // The modules, with the weights the reference used.
  nn::Conv3d conv(nn::Conv3dOptions(2, 4, {2, 3, 2}).stride({2, 1, 2}).padding({1, 0, 1}).dilation({1, 2, 1}).groups(2));
  conv->to(ember::kFloat64);
  {
    ember::NoGradGuard guard;
    conv->weight.copy_(wseq({4, 1, 2, 3, 2}));
    conv->bias.copy_(b4);
  }
  check_close(conv->forward(x3), {1, 4, 3, 2, 4}, V::k_c3);
  check_close(conv->forward(x3.squeeze(0)), {4, 3, 2, 4}, V::k_c3);
  nn::ConvTranspose3d convt(
      nn::ConvTranspose3dOptions(2, 4, {2, 3, 2}).stride({2, 1, 3}).padding({1, 0, 1}).output_padding({1, 0, 2}).groups(2).dilation({1, 2, 1}));
  convt->to(ember::kFloat64);
  {
    ember::NoGradGuard guard;
    convt->weight.copy_(wseq({2, 2, 2, 3, 2}));
    convt->bias.copy_(b4b);
  }
  check_close(convt->forward(seq({1, 2, 3, 2, 3})), {1, 4, 5, 6, 8}, V::k_ct3);
  nn::ConvTranspose1d convt1(nn::ConvTranspose1dOptions(3, 2, 3).stride(2).padding(1).output_padding(1).dilation(2));
  convt1->to(ember::kFloat64);
  {
    ember::NoGradGuard guard;
    convt1->weight.copy_(wseq({3, 2, 3}));
    convt1->bias.copy_(b2);
  }
  check_close(convt1->forward(seq({2, 3, 7})), {2, 2, 16}, V::k_ct1);
}

TEST_CASE("3-d convolution and pooling gradients match finite differences to second order", "[nn3d]") {
  SECTION("max_pool3d and its indices") {
    Fn f = [](const std::vector<Tensor>& v) { return F::max_pool3d(v[0], {2, 3, 2}, {1, 2, 1}, {1, 1, 0}, 1, true); };
    CHECK(gradcheck2(f, {distinct({1, 2, 3, 4, 3})}));
    Fn g = [](const std::vector<Tensor>& v) { return std::get<0>(F::max_pool2d_with_indices(v[0], 2, 1)); };
    CHECK(gradcheck2(g, {distinct({2, 4, 3})}));
  }
  SECTION("max_unpool") {
    Tensor x = ember::randperm(60, ember::kFloat64).reshape({1, 2, 3, 5, 2});
    auto [y, idx] = F::max_pool3d_with_indices(x, {1, 2, 2});
    Fn f = [idx = idx](const std::vector<Tensor>& v) { return F::max_unpool3d(v[0], idx, {1, 2, 2}, {}, 0, std::vector<int64_t>{3, 5, 2}); };
    CHECK(gradcheck2(f, {y.detach().requires_grad_(true)}));
    // Windows that do not overlap: with repeated indices the gradient (a gather, as in
    // PyTorch) is not the forward's adjoint.
    auto [y1, i1] = F::max_pool1d_with_indices(x.reshape({2, 3, 10}), 3, 3);
    Fn f1 = [i1 = i1](const std::vector<Tensor>& v) { return F::max_unpool1d(v[0], i1, 3, 3); };
    CHECK(gradcheck2(f1, {y1.detach().requires_grad_(true)}));
  }
  SECTION("avg_pool3d and adaptive pooling") {
    for (bool ceil : {false, true})
      for (bool include_pad : {true, false}) {
        Fn f = [=](const std::vector<Tensor>& v) { return F::avg_pool3d(v[0], {3, 2, 2}, {2, 1, 2}, {1, 1, 0}, ceil, include_pad); };
        CHECK(gradcheck2(f, {testing::leaf({1, 2, 4, 3, 5})}));
      }
    Fn d = [](const std::vector<Tensor>& v) { return F::avg_pool3d(v[0], 2, 1, 1, false, true, 3); };
    CHECK(gradcheck2(d, {testing::leaf({2, 3, 3, 2})}));
    Fn a = [](const std::vector<Tensor>& v) { return F::adaptive_avg_pool3d(v[0], {2, 3, 2}); };
    CHECK(gradcheck2(a, {testing::leaf({1, 2, 3, 4, 5})}));
    Fn m = [](const std::vector<Tensor>& v) { return F::adaptive_max_pool3d(v[0], {2, 1, 2}); };
    CHECK(gradcheck2(m, {distinct({1, 2, 3, 2, 4})}));
  }
  SECTION("conv3d, conv_transpose1d, conv_transpose3d") {
    Fn c3 = [](const std::vector<Tensor>& v) { return F::conv3d(v[0], v[1], v[2], {2, 1, 1}, {1, 0, 1}, {1, 1, 2}, 2); };
    CHECK(gradcheck2(c3, {testing::leaf({1, 2, 4, 3, 4}), testing::leaf({2, 1, 2, 2, 2}), testing::leaf({2})}));
    Fn t1 = [](const std::vector<Tensor>& v) { return F::conv_transpose1d(v[0], v[1], v[2], 2, 1, 1, 1, 1); };
    CHECK(gradcheck2(t1, {testing::leaf({2, 2, 4}), testing::leaf({2, 3, 3}), testing::leaf({3})}));
    Fn t3 = [](const std::vector<Tensor>& v) {
      return F::conv_transpose3d(v[0], v[1], v[2], {2, 1, 2}, {1, 0, 0}, {1, 0, 1}, 2, {1, 2, 1});
    };
    CHECK(gradcheck2(t3, {testing::leaf({1, 2, 2, 2, 3}), testing::leaf({2, 1, 2, 2, 2}), testing::leaf({2})}));
  }
}

TEST_CASE("the new convolution and pooling modules print as PyTorch does", "[nn3d]") {
  // Strings printed by PyTorch 1.13 for the same modules.
  CHECK(repr(nn::MaxPool3d(2)) == "MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  CHECK(repr(nn::MaxPool3d(nn::MaxPool3dOptions({2, 3, 1}).stride(1).padding({1, 0, 0}).dilation(2).ceil_mode(true))) ==
        "MaxPool3d(kernel_size=(2, 3, 1), stride=1, padding=(1, 0, 0), dilation=2, ceil_mode=True)");
  CHECK(repr(nn::AvgPool3d(2)) == "AvgPool3d(kernel_size=2, stride=2, padding=0)");
  CHECK(repr(nn::AdaptiveAvgPool3d(2)) == "AdaptiveAvgPool3d(output_size=2)");
  CHECK(repr(nn::AdaptiveMaxPool3d(nn::AdaptiveMaxPool3dOptions({1, 2, 3}))) == "AdaptiveMaxPool3d(output_size=(1, 2, 3))");
  CHECK(repr(nn::MaxUnpool1d(2)) == "MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))");
  CHECK(repr(nn::MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))");
  CHECK(repr(nn::MaxUnpool3d(nn::MaxUnpool3dOptions(3).stride(2).padding(1))) ==
        "MaxUnpool3d(kernel_size=(3, 3, 3), stride=(2, 2, 2), padding=(1, 1, 1))");
  CHECK(repr(nn::Conv3d(2, 4, 3)) == "Conv3d(2, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1))");
  CHECK(repr(nn::Conv3d(nn::Conv3dOptions(2, 4, {3, 1, 2}).stride(2).padding(1).dilation(2).groups(2).bias(false))) ==
        "Conv3d(2, 4, kernel_size=(3, 1, 2), stride=(2, 2, 2), padding=(1, 1, 1), dilation=(2, 2, 2), groups=2, "
        "bias=False)");
  CHECK(repr(nn::ConvTranspose1d(nn::ConvTranspose1dOptions(2, 4, 3).stride(2).output_padding(1))) ==
        "ConvTranspose1d(2, 4, kernel_size=(3,), stride=(2,), output_padding=(1,))");
  CHECK(repr(nn::ConvTranspose3d(
            nn::ConvTranspose3dOptions(2, 4, 3).stride(2).padding(1).output_padding(1).dilation(2).groups(2))) ==
        "ConvTranspose3d(2, 4, kernel_size=(3, 3, 3), stride=(2, 2, 2), padding=(1, 1, 1), dilation=(2, 2, 2), "
        "output_padding=(1, 1, 1), groups=2)");
  nn::ConvTranspose3d t(2, 4, 3);
  CHECK(t->weight.sizes().vec() == std::vector<int64_t>{2, 4, 3, 3, 3});
}

TEST_CASE("3-d convolution and pooling mistakes name the op and the shapes", "[nn3d]") {
  Tensor x = ember::randn({1, 2, 4, 4, 4});
  CHECK_THAT(error_of([&] { F::max_pool3d(ember::randn({4, 4, 4}), 2); }),
             Contains("max_pool3d") && Contains("[4, 4, 4]"));
  CHECK_THAT(error_of([&] { F::max_pool3d(x, {2, 2}); }), Contains("max_pool3d") && Contains("kernel_size"));
  CHECK_THAT(error_of([&] { F::max_pool3d(x, 2, 2, 2); }), Contains("max_pool3d") && Contains("half the kernel"));
  CHECK_THAT(error_of([&] { F::avg_pool3d(x, 5); }), Contains("avg_pool3d") && Contains("[1, 2, 4, 4, 4]"));
  CHECK_THAT(error_of([&] { F::avg_pool3d(x, 2, {}, 0, false, true, 0); }),
             Contains("avg_pool3d") && Contains("divisor_override"));
  CHECK_THAT(error_of([&] { F::avg_pool2d(ember::randn({1, 4, 4}), 2, {}, 0, false, true, 0); }),
             Contains("avg_pool2d") && Contains("divisor_override"));
  CHECK_THAT(error_of([&] { F::adaptive_avg_pool3d(ember::randn({4, 4}), 2); }),
             Contains("adaptive_avg_pool3d") && Contains("[4, 4]"));
  CHECK_THAT(error_of([&] { F::adaptive_max_pool3d(ember::randn({4, 4}), 2); }),
             Contains("adaptive_max_pool3d") && Contains("[4, 4]"));
  CHECK_THAT(error_of([&] { F::max_pool1d_with_indices(ember::randn({4}), 2); }),
             Contains("max_pool1d_with_indices") && Contains("[4]"));
  auto [y, idx] = F::max_pool2d_with_indices(ember::randn({1, 2, 4, 4}), 2);
  CHECK_THAT(error_of([&] { F::max_unpool2d(y, idx.narrow(3, 0, 1), 2); }),
             Contains("max_unpool2d") && Contains("[1, 2, 2, 1]") && Contains("[1, 2, 2, 2]"));
  CHECK_THAT(error_of([&] { F::max_unpool2d(y, idx, 2, {}, 0, std::vector<int64_t>{9, 4}); }),
             Contains("max_unpool2d") && Contains("output_size") && Contains("[1, 2, 2, 2]"));
  CHECK_THAT(error_of([&] { F::max_unpool2d(y, idx * 10, 2); }),
             Contains("max_unpool2d") && Contains("invalid max index"));
  CHECK_THAT(error_of([&] { F::max_unpool3d(y[0], idx[0], 2); }), Contains("max_unpool3d") && Contains("[2, 2, 2]"));
  CHECK_THAT(error_of([&] { F::conv3d(x, ember::randn({3, 3, 2, 2, 2})); }),
             Contains("conv3d") && Contains("[1, 2, 4, 4, 4]") && Contains("[3, 3, 2, 2, 2]"));
  CHECK_THAT(error_of([&] { F::conv3d(x, ember::randn({3, 2, 5, 2, 2})); }),
             Contains("conv3d") && Contains("larger than the padded input"));
  CHECK_THAT(error_of([&] { F::conv3d(x[0][0], ember::randn({3, 2, 2, 2, 2})); }),
             Contains("conv3d") && Contains("[4, 4, 4]"));
  CHECK_THAT(error_of([&] { F::conv3d(x, ember::randn({3, 2, 2, 2, 2}), ember::randn({2})); }),
             Contains("conv3d") && Contains("bias") && Contains("[2]"));
  CHECK_THAT(error_of([&] { F::conv_transpose3d(x, ember::randn({3, 2, 2, 2, 2})); }),
             Contains("conv_transpose3d") && Contains("[1, 2, 4, 4, 4]") && Contains("[3, 2, 2, 2, 2]"));
  CHECK_THAT(error_of([&] { F::conv_transpose3d(x, ember::randn({2, 2, 2, 2, 2}), {}, 1, 0, 1); }),
             Contains("conv_transpose3d") && Contains("output_padding"));
  CHECK_THAT(error_of([&] { F::conv_transpose1d(ember::randn({1, 3, 5}), ember::randn({2, 2, 3})); }),
             Contains("conv_transpose1d") && Contains("[1, 3, 5]") && Contains("[2, 2, 3]"));
  CHECK_THAT(error_of([&] { nn::Conv3d(2, 4, 3)->forward(ember::randn({1, 3, 4, 4, 4})); }),
             Contains("Conv3d") && Contains("[1, 3, 4, 4, 4]"));
  CHECK_THAT(error_of([&] { nn::ConvTranspose3d(nn::ConvTranspose3dOptions(2, 4, 3).output_padding(1)); }),
             Contains("ConvTranspose3d") && Contains("output_padding"));
  CHECK_THAT(error_of([&] { nn::MaxUnpool3d(nn::MaxUnpool3dOptions({2, 2})); }),
             Contains("MaxUnpool3d") && Contains("kernel_size"));
}

TEST_CASE("fold unfold and lp pooling give PyTorch values and gradients", "[nn3d]") {
  Tensor x2 = seq({2, 2, 5, 6});
  check_close(F::unfold(x2, {2, 3}, {1, 2}, {1, 0}, {2, 1}), {2, 12, 6}, V::k_unfold);
  check_close(F::unfold(x2, F::UnfoldFuncOptions({2, 3}).dilation({1, 2}).padding({1, 0}).stride({2, 1})), {2, 12, 6},
              V::k_unfold);
  CHECK(F::unfold(x2[0], {2, 3}, {1, 2}, {1, 0}, {2, 1}).equal(F::unfold(x2, {2, 3}, {1, 2}, {1, 0}, {2, 1})[0]));
  Tensor cols = seq({2, 8, 15}, 0.29, 0.2);
  check_close(F::fold(cols, {5, 6}, 2, 1, {1, 0}, {2, 1}), {2, 2, 5, 6}, V::k_fold);
  nn::Fold fold(nn::FoldOptions({5, 6}, 2).padding({1, 0}).stride({2, 1}));
  check_close(fold->forward(cols), {2, 2, 5, 6}, V::k_fold);
  nn::Unfold unfold(nn::UnfoldOptions({2, 3}).dilation({1, 2}).padding({1, 0}).stride({2, 1}));
  check_close(unfold->forward(x2), {2, 12, 6}, V::k_unfold);
  Tensor xp = seq({2, 3, 7}).abs() + 0.1;
  check_close(F::lp_pool1d(xp, 3.0, 2, 1, true), {2, 3, 6}, V::k_lp1);
  check_close(nn::LPPool1d(nn::LPPool1dOptions(3.0, 2).stride(1).ceil_mode(true))->forward(xp), {2, 3, 6}, V::k_lp1);
  check_close(F::lp_pool2d(seq({2, 2, 5, 6}).abs() + 0.1, 1.5, {2, 3}, {2, 1}), {2, 2, 2, 4}, V::k_lp2);
  check_close(F::lp_pool2d(seq({2, 2, 5, 6}), F::LPPool2dFuncOptions(2.0, 2)), {2, 2, 2, 3}, V::k_lp2_neg);

  Fn u = [](const std::vector<Tensor>& v) { return F::unfold(v[0], {2, 3}, {1, 2}, {1, 0}, {2, 1}); };
  CHECK(gradcheck2(u, {testing::leaf({1, 2, 4, 6})}));
  Fn f = [](const std::vector<Tensor>& v) { return F::fold(v[0], {4, 5}, 2, 1, {1, 0}, {1, 2}); };
  CHECK(gradcheck2(f, {testing::leaf({1, 8, 10})}));
  Fn l = [](const std::vector<Tensor>& v) { return F::lp_pool2d(v[0], 2.5, 2, 1); };
  CHECK(gradcheck2(l, {testing::leaf({1, 3, 4}, 0.5, 2.0)}));

  // Strings printed by PyTorch 1.13 for the same modules.
  CHECK(repr(nn::Fold(nn::FoldOptions({4, 5}, 2))) == "Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)");
  CHECK(repr(nn::Unfold(nn::UnfoldOptions({2, 3}).padding(1).stride(2))) ==
        "Unfold(kernel_size=(2, 3), dilation=1, padding=1, stride=2)");
  CHECK(repr(nn::LPPool1d(2.0, 3)) == "LPPool1d(norm_type=2.0, kernel_size=3, stride=None, ceil_mode=False)");
  CHECK(repr(nn::LPPool2d(nn::LPPool2dOptions(1.5, {2, 3}).stride(1).ceil_mode(true))) ==
        "LPPool2d(norm_type=1.5, kernel_size=(2, 3), stride=1, ceil_mode=True)");

  CHECK_THAT(error_of([&] { F::unfold(ember::randn({5, 6}), 2); }), Contains("unfold") && Contains("[5, 6]"));
  CHECK_THAT(error_of([&] { F::unfold(x2, 7); }), Contains("unfold") && Contains("[2, 2, 5, 6]"));
  CHECK_THAT(error_of([&] { F::fold(cols, {5, 6}, 3); }), Contains("fold") && Contains("[2, 8, 15]"));
  CHECK_THAT(error_of([&] { F::fold(cols, {5, 5}, 2, 1, {1, 0}, {2, 1}); }),
             Contains("fold") && Contains("[2, 8, 15]") && Contains("blocks"));
  CHECK_THAT(error_of([&] { F::lp_pool2d(x2, 2.0, {1, 2, 3}); }), Contains("lp_pool2d") && Contains("kernel_size"));
}
