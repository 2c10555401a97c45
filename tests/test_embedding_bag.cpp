// EmbeddingBag and F::embedding_bag against PyTorch 1.13 (Debian python3-torch), and
// Embedding::from_pretrained against LibTorch's. The expected values were printed by
// tests/python/embedding_bag_values.py: weight 0.5 * sin(0.7 i + 0.4) as a [6, 3]
// float64 tensor, loss sum(out * cos(0.3 i + 0.2)).
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "nn_test_values.hpp"

using namespace testing;
using Catch::Matchers::Contains;
using ember::Tensor;
namespace nn = ember::nn;
namespace F = ember::nn::functional;

namespace {

static const std::vector<double> kBag_sum{-0.197609429764754, -0.44532079282574, -0.48359082869145, 0, 0, 0, -0.497718126653189, -0.411414297484354, -0.131615895682901, -0.0997113703541078, 0.478824006824581, 0.832160971762178};
static const std::vector<double> kBag_sum_grad{-0.970958165149591, -0.998294775794753, -0.936456687290796, 0.980066577841242, 0.877582561890373, 0.696706709347165, 0.00910841269165108, -0.12071221390438, -0.239749977943631, -0.970958165149591, -0.998294775794753, -0.936456687290796, 0, 0, 0, -0.416146836547142, -0.666276021279824, -0.856888753368947};
static const std::vector<double> kBag_mean{-0.0988047148823769, -0.22266039641287, -0.241795414345725, 0, 0, 0, -0.497718126653189, -0.411414297484354, -0.131615895682901, -0.0332371234513693, 0.15960800227486, 0.277386990587393};
static const std::vector<double> kBag_mean_grad{-0.32365272171653, -0.332764925264918, -0.312152229096932, 0.490033288920621, 0.438791280945186, 0.348353354673583, 0.166380567204091, 0.106026355680269, 0.0362011255766506, -0.32365272171653, -0.332764925264918, -0.312152229096932, 0, 0, 0, -0.416146836547142, -0.666276021279824, -0.856888753368947};
static const std::vector<double> kBag_max{0.299236072051978, -0.0291870717137898, -0.139707749099463, 0, 0, 0, -0.497718126653189, -0.411414297484354, -0.131615895682901, 0.202424960308299, 0.449354047905813, 0.486923815439098};
static const std::vector<double> kBag_max_grad{0, 0, -0.936456687290796, 0.980066577841242, 0.877582561890373, 0, 0, 0, 0.696706709347165, -0.970958165149591, -0.998294775794753, 0, 0, 0, 0, -0.416146836547142, -0.666276021279824, -0.856888753368947};
static const std::vector<double> kBagWeighted{-0.0760552502912473, -0.279322694896815, -0.351220311554909, 0, 0, 0, 0.145038053759019, 0.310922459312896, 0.330575173954476, -0.120662654085515, 0.181423579653691, 0.398183469060136};
static const std::vector<double> kBagWeighted_grad{-0.970820906991812, -0.998153653234829, -0.936324306386706, 0.980066577841242, 0.877582561890373, 0.696706709347165, -0.00704107590374445, -0.0880965138361165, -0.161282552561058, 0.0877220050905448, 0.14044818654724, 0.180628549789651, 0.150509998680265, 0.398100033356693, 0.610128977695275, 0.376226761910799, 0.602361589733056, 0.774689250728594};
static const std::vector<double> kBagWeighted_grad_psw{0.0280715591512695, -0.949468693889125, 0.00984954409272845, 0.594019485899663, 0.203187349319293, -0.799176169515294, 1.02867057253543, -1.08988134858048};
static const std::vector<double> kBagMaxNorm{-0.0471587965822169, -0.345784907365636, -0.481782973176777, -0.752326556128105, -0.625977127852066, -0.205220875184767};
static const std::vector<double> kBagMaxNorm_weight{0.584127513462976, 1.33681104009215, 1.46077144631729, 0.655096150676993, -0.0638971705453872, -0.752838654039441, -0.749413743841426, -0.627672644185884, -0.210727292314114, 0.607274880924897, 1.34806214371744, 1.45483471626763, 0.877375789337645, -0.112726680692714, -1.04981203139031, -0.755239368414783, -0.624281611518247, -0.19971445805542};

Tensor weight() {
  std::vector<double> v(18);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.5 * std::sin(0.7 * double(i) + 0.4);
  return ember::tensor(v, {6, 3}, ember::kFloat64).requires_grad_(true);
}

void backward_loss(const Tensor& out) { (out * seq(out.sizes(), 0.3, 0.2)).sum().backward(); }

Tensor longs(const std::vector<int64_t>& v) { return ember::tensor(v, {static_cast<int64_t>(v.size())}); }

}  // namespace

TEST_CASE("embedding_bag matches PyTorch in every mode", "[embedding_bag]") {
  // Bags [1, 2], [], [4, 5, 4] and [3, 2, 0]; index 4 is padding.
  Tensor idx = longs({1, 2, 4, 5, 4, 3, 2, 0}), offsets = longs({0, 2, 2, 5});
  const std::vector<std::pair<std::string, std::pair<const std::vector<double>*, const std::vector<double>*>>> modes{
      {"sum", {&kBag_sum, &kBag_sum_grad}}, {"mean", {&kBag_mean, &kBag_mean_grad}}, {"max", {&kBag_max, &kBag_max_grad}}};
  for (const auto& [mode, expected] : modes) {
    INFO("mode " << mode);
    Tensor w = weight();
    Tensor out = F::embedding_bag(idx, w, F::EmbeddingBagFuncOptions().offsets(offsets).mode(mode).padding_idx(4));
    REQUIRE(out.sizes().vec() == std::vector<int64_t>{4, 3});
    require_close(out, *expected.first);
    backward_loss(out);
    require_close(w.grad(), *expected.second);
  }
  // The module with the same weight and LibTorch's mode constants.
  nn::EmbeddingBag bag(nn::EmbeddingBagOptions(6, 3).mode(ember::kMax).padding_idx(-2)._weight(weight()));
  REQUIRE(bag->options.padding_idx() == 4);
  require_close(bag(idx, offsets), kBag_max);
}

TEST_CASE("embedding_bag with per_sample_weights and include_last_offset matches PyTorch", "[embedding_bag]") {
  Tensor idx = longs({1, 2, 4, 5, 4, 3, 2, 0});
  Tensor w = weight();
  std::vector<double> p(8);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = std::cos(0.9 * double(i));
  Tensor psw = ember::tensor(p, {8}, ember::kFloat64).requires_grad_(true);
  nn::EmbeddingBag bag(nn::EmbeddingBagOptions(6, 3).mode(ember::kSum).include_last_offset(true));
  bag->to(ember::kFloat64);
  {
    ember::NoGradGuard no_grad;
    bag->weight.copy_(w);
  }
  Tensor out = bag(idx, longs({0, 3, 3, 6, 8}), psw);
  require_close(out, kBagWeighted);
  backward_loss(out);
  require_close(bag->weight.grad(), kBagWeighted_grad);
  require_close(psw.grad(), kBagWeighted_grad_psw);
}

TEST_CASE("embedding_bag max_norm renormalises the picked rows as PyTorch", "[embedding_bag]") {
  Tensor w = weight().detach() * 3;
  Tensor out = F::embedding_bag(ember::tensor({{1, 2}, {2, 5}}), w, F::EmbeddingBagFuncOptions().max_norm(1.0));
  require_close(out, kBagMaxNorm);
  require_close(w, kBagMaxNorm_weight);
}

TEST_CASE("embedding_bag passes gradcheck", "[embedding_bag]") {
  Tensor idx = longs({0, 2, 2, 3, 1}), offsets = longs({0, 1, 1, 4});
  for (const char* mode : {"sum", "mean", "max"}) {
    INFO("mode " << mode);
    REQUIRE(ember::autograd::gradcheck(
        [&](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{
              F::embedding_bag(idx, in[0], F::EmbeddingBagFuncOptions().offsets(offsets).mode(mode).padding_idx(3))};
        },
        {leaf({4, 3}, -1, 1)}));
  }
  REQUIRE(ember::autograd::gradcheck(
      [&](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{F::embedding_bag(
            idx, in[0], F::EmbeddingBagFuncOptions().offsets(offsets).mode("sum").per_sample_weights(in[1]))};
      },
      {leaf({4, 3}, -1, 1), leaf({5}, -1, 1)}));
}

TEST_CASE("EmbeddingBag from_pretrained, initialisation and repr as PyTorch", "[embedding_bag]") {
  Tensor w = weight().detach();
  nn::EmbeddingBag frozen = nn::EmbeddingBag::from_pretrained(w);
  REQUIRE_FALSE(frozen->weight.requires_grad());
  REQUIRE(values(frozen->weight) == values(w));
  REQUIRE(frozen->options.mode() == "mean");
  nn::EmbeddingBag trained = nn::EmbeddingBag::from_pretrained(
      w, nn::EmbeddingBagFromPretrainedOptions().freeze(false).mode(ember::kSum).padding_idx(0));
  REQUIRE(trained->weight.requires_grad());
  // from_pretrained keeps the given padding row (PyTorch does not zero it).
  REQUIRE(values(trained->weight[0]) == values(w[0]));
  // A 2-D input: each row one bag; index 0 is padding, left out of the first.
  require_close(trained(ember::tensor({{0, 1}, {2, 3}})), ember::stack({w[1], w[2] + w[3]}));

  nn::EmbeddingBag fresh(nn::EmbeddingBagOptions(10, 3).padding_idx(-1));
  REQUIRE(values(fresh->weight[9]) == std::vector<double>{0, 0, 0});
  // repr(nn.EmbeddingBag(10, 3, padding_idx=-1)), repr(nn.EmbeddingBag(10, 3, mode='sum', max_norm=1.0))
  std::ostringstream a, b;
  a << fresh;
  b << nn::EmbeddingBag(nn::EmbeddingBagOptions(10, 3).mode(ember::kSum).max_norm(1.0));
  REQUIRE(a.str() == "EmbeddingBag(10, 3, mode=mean, padding_idx=9)");
  REQUIRE(b.str() == "EmbeddingBag(10, 3, max_norm=1.0, mode=sum)");
}

TEST_CASE("embedding_bag names the mistake", "[embedding_bag]") {
  Tensor w = weight().detach();
  Tensor idx = longs({1, 2, 3});
  auto bag = [&](const Tensor& input, const F::EmbeddingBagFuncOptions& o) { F::embedding_bag(input, w, o); };
  REQUIRE_THROWS_WITH(bag(idx, {}), Contains("embedding_bag: offsets has to be a 1-D tensor for a 1-D input [3], got none"));
  REQUIRE_THROWS_WITH(bag(ember::tensor({{1, 2}}), F::EmbeddingBagFuncOptions().offsets(longs({0}))),
                      Contains("embedding_bag: offsets must be undefined for a 2-D input [1, 2]"));
  REQUIRE_THROWS_WITH(bag(idx, F::EmbeddingBagFuncOptions().offsets(longs({1}))),
                      Contains("embedding_bag: offsets[0] has to be 0"));
  REQUIRE_THROWS_WITH(bag(idx, F::EmbeddingBagFuncOptions().offsets(longs({0, 2, 1}))),
                      Contains("embedding_bag: offsets must be non-decreasing and at most the input's length 3, got 2 then 1"));
  REQUIRE_THROWS_WITH(bag(longs({1, 6}), F::EmbeddingBagFuncOptions().offsets(longs({0}))),
                      Contains("embedding_bag: index 6 is out of range for weight of shape [6, 3]"));
  REQUIRE_THROWS_WITH(bag(idx, F::EmbeddingBagFuncOptions().offsets(longs({0})).per_sample_weights(ember::ones({2}))),
                      Contains("embedding_bag: per_sample_weights [2] must have the same shape as the input [3]"));
  REQUIRE_THROWS_WITH(bag(idx, F::EmbeddingBagFuncOptions().offsets(longs({0})).per_sample_weights(ember::ones({3}))),
                      Contains("embedding_bag: per_sample_weights is only supported for mode \"sum\", got mode \"mean\""));
  REQUIRE_THROWS_WITH(bag(idx, F::EmbeddingBagFuncOptions().offsets(longs({0})).mode("min")),
                      Contains("embedding_bag: mode has to be one of sum, mean or max, got \"min\""));
  REQUIRE_THROWS_WITH(bag(ember::zeros({3}), F::EmbeddingBagFuncOptions().offsets(longs({0}))),
                      Contains("embedding_bag: expected input of dtype int64"));
  REQUIRE_THROWS_WITH(nn::EmbeddingBag(nn::EmbeddingBagOptions(4, 3).padding_idx(4)),
                      Contains("EmbeddingBag: padding_idx must be within num_embeddings (4), got 4"));
  REQUIRE_THROWS_WITH(nn::EmbeddingBag::from_pretrained(ember::zeros({3})),
                      Contains("EmbeddingBag::from_pretrained: embeddings must be 2-dimensional, got [3]"));
}

TEST_CASE("Embedding from_pretrained takes LibTorch's options", "[embedding_bag]") {
  Tensor w = weight().detach();
  nn::Embedding frozen = nn::Embedding::from_pretrained(w);
  REQUIRE_FALSE(frozen->weight.requires_grad());
  REQUIRE(frozen->weight.dtype() == ember::kFloat64);  // the embeddings' dtype, as PyTorch
  REQUIRE(values(frozen->weight) == values(w));
  nn::Embedding trained =
      nn::Embedding::from_pretrained(w, nn::EmbeddingFromPretrainedOptions().freeze(false).padding_idx(-1));
  REQUIRE(trained->weight.requires_grad());
  REQUIRE(trained->options.padding_idx() == 5);
  // The padding row keeps its given values but gets no gradient.
  REQUIRE(values(trained->weight[5]) == values(w[5]));
  trained(longs({5, 1, 5})).sum().backward();
  REQUIRE(values(trained->weight.grad()[5]) == std::vector<double>{0, 0, 0});
  REQUIRE(values(trained->weight.grad()[1]) == std::vector<double>{1, 1, 1});
  // max_norm renormalises the looked-up rows of the module's own copy.
  nn::Embedding capped = nn::Embedding::from_pretrained(w * 3, nn::EmbeddingFromPretrainedOptions().max_norm(1.0));
  Tensor row = capped(longs({2}));
  REQUIRE(row.norm().item<double>() == Approx(1.0).margin(1e-6));
  REQUIRE(values(w[2]) == values(weight().detach()[2]));
  // repr(nn.Embedding.from_pretrained(w, padding_idx=-1)) and with max_norm=1.0
  std::ostringstream a, b;
  a << trained;
  b << capped;
  REQUIRE(a.str() == "Embedding(6, 3, padding_idx=5)");
  REQUIRE(b.str() == "Embedding(6, 3, max_norm=1.0)");
  REQUIRE_THROWS_WITH(nn::Embedding::from_pretrained(ember::zeros({3})),
                      Contains("Embedding::from_pretrained: embeddings must be 2-dimensional, got [3]"));
}
