// The layers of ember/nn/modules_extra.hpp and their functionals: PyTorch's reprs,
// gradcheck (float64, first and second order), modules against functionals, running
// statistics, dropout behaviour and argument errors. Values and gradients of the
// functionals against PyTorch are the reference cases (scripts/reference/specs.jsonl,
// ops max_pool1d ... bilinear), run by ctest -R reference.
#include <cmath>
#include <sstream>

#include "helpers.hpp"

using Catch::Matchers::Contains;
using ember::Tensor;
using testing::error_of;
using testing::gradcheck2;
using testing::leaf;
using testing::values;
namespace nn = ember::nn;
namespace F = ember::nn::functional;
using testing::repr;
using testing::same;

namespace {
using Inputs = std::vector<Tensor>;
}  // namespace

TEST_CASE("nn extra modules: repr strings are PyTorch's", "[nn_extra]") {
  // Each expected string is print(module) in PyTorch 1.13 for the same arguments.
  CHECK(repr(nn::MaxPool1d(2)) == "MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  CHECK(repr(nn::MaxPool1d(nn::MaxPool1dOptions(3).stride(1).padding(1).dilation(2).ceil_mode(true))) ==
        "MaxPool1d(kernel_size=3, stride=1, padding=1, dilation=2, ceil_mode=True)");
  CHECK(repr(nn::AvgPool1d(3)) == "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))");
  CHECK(repr(nn::AvgPool1d(nn::AvgPool1dOptions(3).stride(2).padding(1).ceil_mode(true).count_include_pad(false))) ==
        "AvgPool1d(kernel_size=(3,), stride=(2,), padding=(1,))");
  CHECK(repr(nn::AdaptiveAvgPool1d(4)) == "AdaptiveAvgPool1d(output_size=4)");
  CHECK(repr(nn::AdaptiveMaxPool1d(4)) == "AdaptiveMaxPool1d(output_size=4)");
  CHECK(repr(nn::AdaptiveMaxPool2d(nn::AdaptiveMaxPool2dOptions({2, 3}))) == "AdaptiveMaxPool2d(output_size=(2, 3))");
  CHECK(repr(nn::AdaptiveMaxPool2d(2)) == "AdaptiveMaxPool2d(output_size=2)");
  CHECK(repr(nn::InstanceNorm1d(4)) ==
        "InstanceNorm1d(4, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)");
  CHECK(repr(nn::InstanceNorm2d(nn::InstanceNorm2dOptions(3).affine(true).track_running_stats(true))) ==
        "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  CHECK(repr(nn::InstanceNorm3d(nn::InstanceNorm3dOptions(2).eps(1e-3).momentum(0.2))) ==
        "InstanceNorm3d(2, eps=0.001, momentum=0.2, affine=False, track_running_stats=False)");
  CHECK(repr(nn::LocalResponseNorm(3)) == "LocalResponseNorm(3, alpha=0.0001, beta=0.75, k=1.0)");
  CHECK(repr(nn::LocalResponseNorm(nn::LocalResponseNormOptions(2).alpha(1e-3).beta(0.5).k(2))) ==
        "LocalResponseNorm(2, alpha=0.001, beta=0.5, k=2.0)");
  CHECK(repr(nn::PixelShuffle(2)) == "PixelShuffle(upscale_factor=2)");
  CHECK(repr(nn::PixelUnshuffle(3)) == "PixelUnshuffle(downscale_factor=3)");
  CHECK(repr(nn::Unflatten(1, std::vector<int64_t>{2, 5})) == "Unflatten(dim=1, unflattened_size=(2, 5))");
  CHECK(repr(nn::Dropout2d()) == "Dropout2d(p=0.5, inplace=False)");
  CHECK(repr(nn::Dropout3d(0.2)) == "Dropout3d(p=0.2, inplace=False)");
  CHECK(repr(nn::AlphaDropout(0.3)) == "AlphaDropout(p=0.3, inplace=False)");
  CHECK(repr(nn::FeatureAlphaDropout()) == "FeatureAlphaDropout(p=0.5, inplace=False)");
  CHECK(repr(nn::Bilinear(2, 3, 4)) == "Bilinear(in1_features=2, in2_features=3, out_features=4, bias=True)");
  CHECK(repr(nn::Bilinear(nn::BilinearOptions(2, 3, 4).bias(false))) ==
        "Bilinear(in1_features=2, in2_features=3, out_features=4, bias=False)");
  // LibTorch's own print of nn::Functional.
  CHECK(repr(nn::Functional(ember::relu)) == "torch::nn::Functional()");
}

TEST_CASE("nn extra functionals: gradcheck (float64, second order)", "[nn_extra]") {
  Tensor x1 = leaf({2, 3, 7});
  CHECK(gradcheck2([](const Inputs& in) { return F::max_pool1d(in[0], {3}, {2}, {1}); }, {x1}));
  CHECK(gradcheck2([](const Inputs& in) { return F::avg_pool1d(in[0], F::AvgPool1dFuncOptions(3).stride(2)); }, {x1}));
  CHECK(gradcheck2([](const Inputs& in) { return F::adaptive_avg_pool1d(in[0], {3}); }, {x1}));
  CHECK(gradcheck2([](const Inputs& in) { return F::adaptive_max_pool1d(in[0], {3}); }, {x1}));
  Tensor x2 = leaf({2, 2, 5, 4});
  CHECK(gradcheck2([](const Inputs& in) { return F::adaptive_max_pool2d(in[0], {2, 3}); }, {x2}));
  Tensor w = leaf({2}, 0.5, 1.5), b = leaf({2});
  CHECK(gradcheck2([](const Inputs& in) { return F::instance_norm(in[0], {}, {}, in[1], in[2]); }, {x2, w, b}));
  CHECK(gradcheck2([](const Inputs& in) { return F::local_response_norm(in[0], 3, 0.1, 0.75, 1.0); }, {x1}));
  Tensor x4 = leaf({1, 8, 2, 2});
  CHECK(gradcheck2([](const Inputs& in) { return F::pixel_shuffle(in[0], 2); }, {x4}));
  CHECK(gradcheck2([](const Inputs& in) { return F::pixel_unshuffle(in[0], 2); }, {leaf({1, 2, 4, 2})}));
  Tensor a = leaf({3, 2}), c = leaf({3, 4}), wb = leaf({5, 2, 4}), bb = leaf({5});
  CHECK(gradcheck2([](const Inputs& in) { return F::bilinear(in[0], in[1], in[2], in[3]); }, {a, c, wb, bb}));
}

TEST_CASE("nn extra modules: modules equal their functionals", "[nn_extra]") {
  Tensor x = leaf({2, 4, 9});
  CHECK(same(nn::MaxPool1d(nn::MaxPool1dOptions(3).stride(2))(x), F::max_pool1d(x, {3}, {2})));
  CHECK(same(nn::AvgPool1d(2)(x), F::avg_pool1d(x, {2})));
  CHECK(same(nn::AdaptiveAvgPool1d(4)(x), F::adaptive_avg_pool1d(x, F::AdaptiveAvgPool1dFuncOptions(4))));
  CHECK(same(nn::AdaptiveMaxPool1d(4)(x[0]), F::adaptive_max_pool1d(x, {4})[0]));
  CHECK(same(nn::LocalResponseNorm(2)(x), F::local_response_norm(x, F::LocalResponseNormFuncOptions(2))));
  Tensor img = leaf({2, 4, 4, 6});
  CHECK(same(nn::AdaptiveMaxPool2d(2)(img), F::adaptive_max_pool2d(img, {2, 2})));
  // pooling to the full size is the identity, and max pooling to one cell is amax.
  CHECK(same(F::adaptive_max_pool2d(img, {4, 6}), img));
  CHECK(same(F::adaptive_max_pool2d(img, {1, 1}), img.amax({-2, -1}, true)));
  CHECK(same(nn::PixelUnshuffle(2)(img), F::pixel_unshuffle(img, F::PixelUnshuffleFuncOptions(2))));
  CHECK(same(nn::PixelShuffle(2)(nn::PixelUnshuffle(2)(img)), img));
  CHECK(nn::PixelShuffle(2)(ember::zeros({3, 2, 8, 5, 7})).sizes() == std::vector<int64_t>{3, 2, 2, 10, 14});
  CHECK(nn::Unflatten(1, std::vector<int64_t>{2, -1})(img).sizes() == std::vector<int64_t>{2, 2, 2, 4, 6});
  CHECK(nn::Unflatten(-1, std::vector<int64_t>{3, 2})(img).sizes() == std::vector<int64_t>{2, 4, 4, 3, 2});
  nn::Sequential seq(nn::Functional(ember::relu), nn::Functional(ember::leaky_relu, 0.2));
  CHECK(same(seq->forward(x), ember::relu(x)));
  CHECK(same(nn::Functional(ember::leaky_relu, 0.2)(x), ember::leaky_relu(x, 0.2)));
  CHECK(same(nn::Functional([](Tensor t) { return t * 2; })(x), x * 2));
  nn::Bilinear bl(3, 4, 5);
  bl->to(ember::kFloat64);
  Tensor u = leaf({6, 3}), v = leaf({6, 4});
  CHECK(same(bl(u, v), F::bilinear(u, v, bl->weight, bl->bias)));
  CHECK(bl->weight.sizes() == std::vector<int64_t>{5, 3, 4});
  CHECK(bl->weight.abs().max().item<double>() <= 1 / std::sqrt(3.0));
  // y_o = sum_ij u_i W_oij v_j + b_o, written out for one sample and output.
  double expect = bl->bias[2].item<double>();
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 4; ++j)
      expect += u[1][i].item<double>() * bl->weight[2][i][j].item<double>() * v[1][j].item<double>();
  CHECK(bl(u, v)[1][2].item<double>() == Approx(expect).epsilon(1e-5));
}

TEST_CASE("nn extra modules: InstanceNorm tracks running statistics as PyTorch", "[nn_extra]") {
  // x[i] = sin(0.3 i + 0.1), [2, 3, 2, 3] float64; InstanceNorm2d(3, track_running_stats=True,
  // momentum=0.2) after one training step, then eval; numbers from PyTorch 1.13.
  std::vector<double> data(36);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = std::sin(0.3 * double(i) + 0.1);
  Tensor x = ember::tensor(data, {2, 3, 2, 3}, ember::kFloat64);
  nn::InstanceNorm2d m(nn::InstanceNorm2dOptions(3).track_running_stats(true).momentum(0.2));
  m->to(ember::kFloat64);
  CHECK(m->named_parameters().size() == 0);
  CHECK(m->named_buffers().keys() ==
        std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"});
  m(x);
  const std::vector<double> mean = {0.06273588223982329, 0.12692881404780293, -0.1204128670969636};
  const std::vector<double> var = {0.8395692452186608, 0.8236633311526522, 0.8257688530812618};
  for (int i = 0; i < 3; ++i) {
    CHECK(values(m->running_mean)[i] == Approx(mean[i]).epsilon(1e-12));
    CHECK(values(m->running_var)[i] == Approx(var[i]).epsilon(1e-12));
  }
  CHECK(m->num_batches_tracked.item<int64_t>() == 0);  // PyTorch's instance norm never counts
  m->eval();
  const std::vector<double> first = {0.04048686963348379, 0.356529089702925, 0.6346076204122659,
                                     0.8498825348009623,  0.983123965909447, 1.022429853523252};
  std::vector<double> got = values(m(x));
  for (int i = 0; i < 6; ++i) CHECK(got[i] == Approx(first[i]).epsilon(1e-12));
  // Without running statistics, eval still normalizes each instance; affine adds [C] parameters.
  nn::InstanceNorm1d plain(nn::InstanceNorm1dOptions(3).affine(true));
  CHECK(plain->named_parameters().keys() == std::vector<std::string>{"weight", "bias"});
  plain->eval();
  Tensor s = leaf({2, 3, 5});
  CHECK(same(plain(s).to(ember::kFloat64), F::instance_norm(s, {}, {}, plain->weight.to(ember::kFloat64),
                                                            plain->bias.to(ember::kFloat64))));
  CHECK(same(plain(s[0]), plain(s)[0]));  // unbatched input
}

TEST_CASE("nn extra modules: feature and alpha dropout", "[nn_extra]") {
  ember::manual_seed(7);
  Tensor x = ember::ones({4, 16, 3, 3}, ember::kFloat64);
  Tensor y = F::dropout2d(x, 0.5);
  // Each channel is all dropped or all kept (scaled by 2).
  Tensor per_channel_max = y.amax({-2, -1}), per_channel_min = y.amin({-2, -1});
  CHECK(ember::equal(per_channel_max, per_channel_min));
  std::vector<double> v = values(per_channel_max);
  const auto zeros = std::count(v.begin(), v.end(), 0.0), twos = std::count(v.begin(), v.end(), 2.0);
  CHECK(zeros + twos == 64);
  CHECK(zeros > 10);
  CHECK(twos > 10);
  CHECK(same(F::dropout2d(x, 0.5, /*training=*/false), x));
  CHECK(same(F::dropout3d(x.unsqueeze(2), F::Dropout3dFuncOptions().p(0)), x.unsqueeze(2)));
  CHECK(values(F::dropout2d(x, 1.0)) == std::vector<double>(x.numel(), 0.0));
  nn::Dropout2d d2(0.5);
  d2->eval();
  CHECK(same(d2(x), x));

  // Alpha dropout keeps zero mean and unit variance of standard normal input.
  Tensor n = ember::randn({200000}, ember::kFloat64);
  Tensor a = F::alpha_dropout(n, 0.3, /*training=*/true);
  CHECK(a.mean().item<double>() == Approx(0.0).margin(0.02));
  CHECK(a.std().item<double>() == Approx(1.0).margin(0.02));
  CHECK(same(F::alpha_dropout(n, 0.3), n));  // training defaults to false, as LibTorch
  nn::AlphaDropout ad(0.3);
  CHECK(!same(ad(n), n));
  ad->eval();
  CHECK(same(ad(n), n));
  // Feature alpha dropout: one draw per (sample, channel), so each channel is an affine
  // map of itself: dropped channels are constant.
  Tensor f = F::feature_alpha_dropout(ember::randn({8, 8, 5}, ember::kFloat64), 0.5, true);
  Tensor spread = f.amax({-1}) - f.amin({-1});
  CHECK(values(spread).end() != std::find(values(spread).begin(), values(spread).end(), 0.0));
  CHECK(gradcheck2([](const Inputs& in) { return F::dropout2d(in[0], 0.0); }, {leaf({2, 2, 2})}));
}

TEST_CASE("nn extra modules: mistakes throw ember::Error naming the op and the shapes", "[nn_extra]") {
  CHECK_THAT(error_of([] { F::max_pool1d(ember::ones({2, 3, 4, 5}), {2}); }),
             Contains("max_pool1d") && Contains("[2, 3, 4, 5]"));
  CHECK_THAT(error_of([] { F::avg_pool1d(ember::ones({4}), {2}); }), Contains("avg_pool1d") && Contains("[4]"));
  CHECK_THAT(error_of([] { F::max_pool1d(ember::ones({2, 4}), {2, 2}); }), Contains("max_pool1d") && Contains("kernel_size"));
  CHECK_THAT(error_of([] { F::adaptive_max_pool1d(ember::ones({2, 3, 4}), {0}); }), Contains("adaptive_max_pool1d"));
  CHECK_THAT(error_of([] { F::adaptive_max_pool2d(ember::ones({2, 4}), {2}); }),
             Contains("adaptive_max_pool2d") && Contains("[2, 4]"));
  CHECK_THAT(error_of([] { nn::MaxPool1d(nn::MaxPool1dOptions({2, 2})); }), Contains("MaxPool1d"));
  CHECK_THAT(error_of([] { F::instance_norm(ember::ones({2, 3})); }), Contains("instance_norm") && Contains("[2, 3]"));
  CHECK_THAT(error_of([] { F::instance_norm(ember::ones({2, 3, 4}), {}, {}, ember::ones({4})); }),
             Contains("instance_norm") && Contains("[2, 3, 4]") && Contains("[4]"));
  CHECK_THAT(error_of([] { F::instance_norm(ember::ones({2, 3, 4}), {}, {}, {}, {}, false); }),
             Contains("instance_norm") && Contains("use_input_stats"));
  CHECK_THAT(error_of([] { nn::InstanceNorm2d(3)(ember::ones({3, 4})); }), Contains("InstanceNorm2d"));
  CHECK_THAT(error_of([] { nn::InstanceNorm1d(nn::InstanceNorm1dOptions(3).affine(true))(ember::ones({2, 4, 5})); }),
             Contains("InstanceNorm1d") && Contains("[2, 4, 5]"));
  CHECK_THAT(error_of([] { F::local_response_norm(ember::ones({2, 3}), 2); }),
             Contains("local_response_norm") && Contains("[2, 3]"));
  CHECK_THAT(error_of([] { F::pixel_shuffle(ember::ones({1, 6, 2, 2}), 2); }),
             Contains("pixel_shuffle") && Contains("[1, 6, 2, 2]"));
  CHECK_THAT(error_of([] { F::pixel_unshuffle(ember::ones({1, 1, 3, 4}), 2); }),
             Contains("pixel_unshuffle") && Contains("[1, 1, 3, 4]"));
  CHECK_THAT(error_of([] { nn::Unflatten(1, std::vector<int64_t>{2, 4})(ember::ones({2, 6})); }),
             Contains("Unflatten") && Contains("[2, 6]"));
  CHECK_THAT(error_of([] { nn::Unflatten(1, std::vector<int64_t>{-1, -1}); }), Contains("Unflatten"));
  CHECK_THAT(error_of([] { F::dropout2d(ember::ones({2, 3}), 0.5); }), Contains("dropout2d") && Contains("[2, 3]"));
  CHECK_THAT(error_of([] { F::alpha_dropout(ember::ones({2, 3}), 1.5, true); }),
             Contains("alpha_dropout") && Contains("[2, 3]"));
  CHECK_THAT(error_of([] { nn::Dropout3d(-0.1); }), Contains("Dropout3d"));
  CHECK_THAT(error_of([] { F::bilinear(ember::ones({4, 3}), ember::ones({4, 2}), ember::ones({5, 3, 3})); }),
             Contains("bilinear") && Contains("[4, 2]") && Contains("[5, 3, 3]"));
  CHECK_THAT(error_of([] { F::bilinear(ember::ones({4, 3}), ember::ones({5, 2}), ember::ones({5, 3, 2})); }),
             Contains("bilinear") && Contains("[5, 2]"));
  CHECK_THAT(error_of([] { auto f = nn::Functional(nn::FunctionalImpl::Function()); }), Contains("Functional"));
}

TEST_CASE("nn extra modules: ParameterList and ParameterDict", "[nn_extra]") {
  nn::ParameterList list(ember::ones({2, 3}), ember::zeros({4}, ember::kFloat64));
  CHECK(list->size() == 2);
  CHECK(list->named_parameters().keys() == std::vector<std::string>{"0", "1"});
  CHECK(list[1].dtype() == ember::kFloat64);
  CHECK(list->at(0).requires_grad());
  list->append(ember::ones({1}));
  CHECK(list->parameters().size() == 3);
  CHECK_THAT(error_of([&] { list->at(3); }), Contains("ParameterList") && Contains("3"));
  // print(nn.ParameterList(...)) in PyTorch 1.13 for the same shapes and dtypes.
  nn::ParameterList two(ember::ones({2, 3}), ember::ones({4}, ember::kFloat64));
  CHECK(repr(two) ==
        "ParameterList(\n    (0): Parameter containing: [torch.float32 of size 2x3]\n"
        "    (1): Parameter containing: [torch.float64 of size 4]\n)");
  CHECK(repr(nn::ParameterList()) == "ParameterList()");
  CHECK(repr(nn::ParameterList(ember::ones({2, 3}))) ==
        "ParameterList(  (0): Parameter containing: [torch.float32 of size 2x3])");

  nn::ParameterDict dict;
  dict->insert("a", ember::ones({2, 3}));
  CHECK(repr(dict) == "ParameterDict(  (a): Parameter containing: [torch.FloatTensor of size 2x3])");
  dict->insert("b", ember::ones({4}, ember::kFloat64));
  CHECK(repr(dict) ==
        "ParameterDict(\n    (a): Parameter containing: [torch.FloatTensor of size 2x3]\n"
        "    (b): Parameter containing: [torch.DoubleTensor of size 4]\n)");
  CHECK(dict->keys() == std::vector<std::string>{"a", "b"});
  CHECK(dict->contains("b"));
  dict->insert("a", ember::zeros({5}));  // replaces, keeping the position
  CHECK(dict["a"].sizes() == std::vector<int64_t>{5});
  CHECK(dict->named_parameters()["a"].sizes() == std::vector<int64_t>{5});
  CHECK(dict->state_dict().keys() == std::vector<std::string>{"a", "b"});
  CHECK_THAT(error_of([&] { dict->get("c"); }), Contains("ParameterDict") && Contains("'c'"));
  // Inside a model, the optimizer sees them.
  struct Net : nn::Module {
    nn::ParameterDict scales{nullptr};
    Net() : Module("Net") { scales = register_module("scales", nn::ParameterDict()); }
  } net;
  net.scales->insert("s", ember::ones({3}));
  CHECK(net.named_parameters().keys() == std::vector<std::string>{"scales.s"});
}
