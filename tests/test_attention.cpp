// MultiheadAttention: PyTorch's values, a reference written here with core ops per head,
// the mask forms against each other, gradcheck, and the errors.
#include <cmath>
#include <limits>
#include <sstream>

#include "ember/nn/attention.hpp"
#include "nn_test_values.hpp"

using ember::Tensor;
using Catch::Matchers::Contains;
namespace nn = ember::nn;

using testing::fill_params;
using testing::require_close;
using testing::seq;

namespace {

// One batch element, one head at a time, with plain matmul/softmax: q [L, E], k, v
// [S, E], an additive mask [L, S] or undefined. Returns {out [L, E], weights [H, L, S]}.
std::vector<Tensor> reference(nn::MultiheadAttentionImpl& m, const Tensor& q, const Tensor& k, const Tensor& v,
                              const Tensor& mask) {
  const int64_t E = m.options.embed_dim(), H = m.options.num_heads(), hd = E / H;
  Tensor w = m.in_proj_weight, b = m.in_proj_bias;
  Tensor qp = q.matmul(w.narrow(0, 0, E).t()) + b.narrow(0, 0, E);
  Tensor kp = k.matmul(w.narrow(0, E, E).t()) + b.narrow(0, E, E);
  Tensor vp = v.matmul(w.narrow(0, 2 * E, E).t()) + b.narrow(0, 2 * E, E);
  std::vector<Tensor> heads, weights;
  for (int64_t h = 0; h < H; ++h) {
    Tensor s = qp.narrow(1, h * hd, hd).matmul(kp.narrow(1, h * hd, hd).t()) / std::sqrt(double(hd));
    if (mask.defined()) s = s + mask;
    Tensor a = ember::softmax(s, 1);
    weights.push_back(a);
    heads.push_back(a.matmul(vp.narrow(1, h * hd, hd)));
  }
  Tensor out = ember::cat(heads, 1).matmul(m.out_proj->weight.t()) + m.out_proj->bias;
  return {out, ember::stack(weights, 0)};
}

const double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("MultiheadAttention parameters and initialisation follow PyTorch", "[attention]") {
  nn::MultiheadAttention mha(8, 2);
  std::vector<std::string> names;
  for (auto& item : mha->named_parameters()) names.push_back(item.first);
  CHECK(names == std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"});
  CHECK(mha->in_proj_weight.sizes().vec() == std::vector<int64_t>{24, 8});
  CHECK(mha->in_proj_bias.sizes().vec() == std::vector<int64_t>{24});
  CHECK(mha->out_proj->weight.sizes().vec() == std::vector<int64_t>{8, 8});
  CHECK(mha->in_proj_bias.abs().sum().item<double>() == 0.0);
  CHECK(mha->out_proj->bias.abs().sum().item<double>() == 0.0);
  const double bound = std::sqrt(6.0 / (24 + 8));  // xavier_uniform_
  CHECK(mha->in_proj_weight.abs().max().item<double>() <= bound);
  CHECK(mha->in_proj_weight.abs().max().item<double>() > bound / 2);
  nn::MultiheadAttention no_bias(nn::MultiheadAttentionOptions(8, 2).bias(false));
  CHECK(no_bias->parameters().size() == 2);
}

TEST_CASE("MultiheadAttention rejects bad shapes", "[attention]") {
  REQUIRE_THROWS_WITH(nn::MultiheadAttention(10, 3), Contains("MultiheadAttention: embed_dim 10 must be divisible by num_heads 3"));
  nn::MultiheadAttention mha(4, 2);
  Tensor q = ember::zeros({3, 2, 4}), k = ember::zeros({5, 2, 4});
  REQUIRE_THROWS_WITH(mha(ember::zeros({3, 2, 5}), k, k),
                      Contains("MultiheadAttention: query [3, 2, 5], key [5, 2, 4] and value [5, 2, 4] must have embed_dim 4 features"));
  REQUIRE_THROWS_WITH(mha(ember::zeros({4}), k, k), Contains("MultiheadAttention: expected query of 3 dims [L, N, E]"));
  REQUIRE_THROWS_WITH(mha(q, k, ember::zeros({6, 2, 4})),
                      Contains("MultiheadAttention: key [5, 2, 4] and value [6, 2, 4] must have the same shape"));
  REQUIRE_THROWS_WITH(mha(q, ember::zeros({5, 3, 4}), ember::zeros({5, 3, 4})),
                      Contains("MultiheadAttention: query [3, 2, 4] and key [5, 3, 4] have different batch sizes"));
  REQUIRE_THROWS_WITH(mha(q, k, k, ember::zeros({2, 4}, ember::kBool)),
                      Contains("MultiheadAttention: expected key_padding_mask of shape [N, S] = [2, 5], got [2, 4]"));
  REQUIRE_THROWS_WITH(mha->forward(q, k, k, {}, true, ember::zeros({3, 4})),
                      Contains("MultiheadAttention: expected attn_mask of shape [L, S] = [3, 5] or [N * num_heads, L, S] = [4, 3, 5], got [3, 4]"));
}

// Values from PyTorch 1.13 (Debian python3-torch), float64: parameters filled with
// 0.5*sin(0.7*i + 1.3*j + 0.4) over the state_dict entries j (as fill_params) and inputs
// cos(a*i + b) (as seq):
//   mha = nn.MultiheadAttention(4, 2)
//   q = seq((3,2,4), .35, .1); k = seq((4,2,4), .45, .7); v = seq((4,2,4), .55, 1.3)
//   kpm = tensor([[False, False, False, True], [False, False, True, True]])
//   out, w = mha(q, k, v, key_padding_mask=kpm)
//   out2, w2 = mha(q, k, v, attn_mask=torch.triu(torch.ones(3, 4, dtype=torch.bool), 1),
//                  average_attn_weights=False)
TEST_CASE("MultiheadAttention matches PyTorch", "[attention][needs-functional]") {
  static const std::vector<double> kMhaOutput{-0.963140977082, -0.108787148731, -0.468801273365, 0.0521614591033, -0.512043984132, -0.689166933682, 0.173795332593, -0.578396512289, -0.612980357011, -0.498691942952, -0.084207877738, -0.282678725543, -0.606272444948, -0.534147482896, -0.0241017861301, -0.360489790246, -1.01049931659, -0.0499193475662, -0.532376048666, 0.113096805122, -0.559461143289, -0.621707972927, 0.094089811946, -0.495654828588};
  static const std::vector<double> kMhaWeights{0.168156882094, 0.553096082734, 0.278747035172, 0, 0.508080835025, 0.174292371194, 0.317626793781, 0, 0.112219368589, 0.608485715941, 0.27929491547, 0, 0.267149258364, 0.732850741636, 0, 0, 0.687714165612, 0.312285834388, 0, 0, 0.466879664343, 0.533120335657, 0, 0};
  static const std::vector<double> kMhaMaskedOutput{-0.492666886701, -0.681566954152, 0.140096494156, -0.52249289496, -0.694406902316, -0.461004754808, -0.0738007536858, -0.339977563255, -0.533701037837, -0.568486983088, -0.0319623047434, -0.31133757756, -0.606272444948, -0.534147482896, -0.0241017861301, -0.360489790246, -1.01049931659, -0.0499193475662, -0.532376048666, 0.113096805122, -0.704757841479, -0.420301688211, -0.140152491885, -0.255644449705};
  static const std::vector<double> kMhaMaskedWeights{1, 0, 0, 0, 0.861694698869, 0.138305301131, 0, 0, 0.0816329748185, 0.805097549065, 0.113269476116, 0, 1, 0, 0, 0, 0.639046285871, 0.360953714129, 0, 0, 0.14280576236, 0.411873882818, 0.445320354823, 0, 1, 0, 0, 0, 0.516240907011, 0.483759092989, 0, 0, 0.296667109332, 0.336437582363, 0.366895308305, 0, 1, 0, 0, 0, 0.859187424212, 0.140812575788, 0, 0, 0.318147321719, 0.365792763471, 0.31605991481, 0};
  nn::MultiheadAttention mha(4, 2);
  mha->to(ember::kFloat64);
  fill_params(*mha, 0.4);
  Tensor q = seq({3, 2, 4}, 0.35, 0.1), k = seq({4, 2, 4}, 0.45, 0.7), v = seq({4, 2, 4}, 0.55, 1.3);
  Tensor kpm = ember::tensor({{false, false, false, true}, {false, false, true, true}});
  auto [out, w] = mha(q, k, v, kpm);
  REQUIRE(w.sizes().vec() == std::vector<int64_t>{2, 3, 4});
  require_close(out, kMhaOutput);
  require_close(w, kMhaWeights);
  Tensor causal = ember::ones({3, 4}, ember::kBool).triu(1);
  auto [out2, w2] = mha->forward(q, k, v, {}, true, causal, /*average_attn_weights=*/false);
  REQUIRE(w2.sizes().vec() == std::vector<int64_t>{2, 2, 3, 4});
  require_close(out2, kMhaMaskedOutput);
  require_close(w2, kMhaMaskedWeights);

  SECTION("the same with is_causal, float masks, batch_first, unbatched, no weights") {
    require_close(std::get<0>(mha->forward(q, k, v, {}, true, {}, true, /*is_causal=*/true)), kMhaMaskedOutput);
    Tensor float_kpm = ember::zeros({2, 4}, ember::kFloat64).masked_fill(kpm, -kInf);
    require_close(std::get<0>(mha(q, k, v, float_kpm)), kMhaOutput);
    require_close(std::get<0>(mha(q, k, v, kpm, /*need_weights=*/false)), kMhaOutput);
    Tensor three_d = causal.unsqueeze(0).expand({4, 3, 4});  // [N * H, L, S]
    require_close(std::get<0>(mha->forward(q, k, v, {}, true, three_d)), kMhaMaskedOutput);
    nn::MultiheadAttention bf(nn::MultiheadAttentionOptions(4, 2).batch_first(true));
    bf->to(ember::kFloat64);
    bf->load_state_dict(mha->state_dict());
    auto [out_bf, w_bf] = bf(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1), kpm);
    require_close(out_bf.transpose(0, 1), out);
    require_close(w_bf, w);
    auto [out_one, w_one] = mha(q.select(1, 1), k.select(1, 1), v.select(1, 1), kpm[1]);
    require_close(out_one, out.select(1, 1));
    require_close(w_one, w[1]);
  }
}

TEST_CASE("MultiheadAttention equals a per-head reference", "[attention][needs-functional]") {
  nn::MultiheadAttention mha(6, 3);
  mha->to(ember::kFloat64);
  {
    ember::NoGradGuard no_grad;
    mha->in_proj_bias.copy_(ember::rand({18}, ember::kFloat64) * 2 - 1);
    mha->out_proj->bias.copy_(ember::rand({6}, ember::kFloat64) * 2 - 1);
  }
  Tensor q = ember::randn({4, 2, 6}, ember::kFloat64), k = ember::randn({5, 2, 6}, ember::kFloat64);
  Tensor v = ember::randn({5, 2, 6}, ember::kFloat64);
  Tensor mask = ember::randn({4, 5}, ember::kFloat64);
  auto [out, w] = mha->forward(q, k, v, {}, true, mask, false);
  for (int64_t b = 0; b < 2; ++b) {
    std::vector<Tensor> ref = reference(*mha, q.select(1, b), k.select(1, b), v.select(1, b), mask);
    require_close(out.select(1, b), ref[0]);
    require_close(w[b], ref[1]);
  }
}

TEST_CASE("MultiheadAttention passes gradcheck", "[attention][needs-functional]") {
  nn::MultiheadAttention mha(4, 2);
  mha->to(ember::kFloat64);
  Tensor q = testing::leaf({3, 2, 4}, -1, 1), k = testing::leaf({2, 2, 4}, -1, 1), v = testing::leaf({2, 2, 4}, -1, 1);
  Tensor kpm = ember::tensor({{false, false}, {false, true}});
  REQUIRE(ember::autograd::gradcheck(
      [&](const std::vector<Tensor>& in) {
        auto [out, w] = mha(in[0], in[1], in[2], kpm);
        return std::vector<Tensor>{out, w};
      },
      {q, k, v}));
  // Dropout on the weights only in training, reproducible with the seed.
  nn::MultiheadAttention drop(nn::MultiheadAttentionOptions(4, 2).dropout(0.5));
  Tensor x = ember::randn({3, 2, 4});
  drop->eval();
  Tensor a = std::get<0>(drop(x, x, x)), b = std::get<0>(drop(x, x, x));
  CHECK(ember::equal(a, b));
  drop->train();
  CHECK(!ember::allclose(std::get<0>(drop(x, x, x)), a));
}
