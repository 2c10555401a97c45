// The Transformer modules against PyTorch 1.13 (Debian python3-torch): outputs and
// gradients of a scalar loss in eval mode, float64. The expected values were printed by
// tests/python/transformer_values.py, which fills parameters and inputs as fill_params
// and seq do (tests/nn_test_values.hpp); the loss is sum(out * seq(out.shape, 0.3, 0.2)).
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "nn_test_values.hpp"

using namespace testing;
using Catch::Matchers::Contains;
using ember::Tensor;
namespace nn = ember::nn;

namespace {

static const std::vector<double> kEncLayerOut{0.463862220289377, 0.405347280086416, -0.741743691184383, -0.0374775301905767, 0.356641197656626, 0.474294221169391, -0.649650510138922, -0.0183992560213851, 0.755707764058818, 0.415203436911368, -0.812341969108293, -0.28489958273244, 0.653351069176326, 0.618272703984099, -0.847263672191599, -0.273519786458641, 0.45512251454657, 0.368889235309101, -0.719044726388872, -0.0221387797773788, 0.352120730068272, 0.519245513482631, -0.659087331914908, -0.0323356843300375};
static const std::vector<double> kEncLayerGradSrc{0.255936774063048, -0.35874947768892, 0.273870557655844, -0.0109859282548366, -0.117450050311892, 0.0523390893046299, 0.41420240459846, -0.328813488268867, -0.167536931350033, 0.110512342092711, -0.186766035799603, -0.0877716938462028, -0.299496205859146, -0.231472628222306, -0.230714623320303, -0.132559234720734, 0.405673882068481, -0.226296666346481, -0.183602931674051, 0.0375532544124836, 0.489915749098775, -0.989745400377035, 0.383347246495146, 0.219377953391212};
static const std::vector<double> kEncLayerGradLinear1{0.510512032260753, 0.170032730311712, -0.134416906564004, -0.0999290497604673, 0.0193424252754397, 0.017339095541486, -0.00451051405639149, 0.0518115147241661, -0.388149876330283, -0.0839771337749026, 0.106509560114801, 0.110724623309753, -0.0763159546331637, -0.0335822237206741, -0.0181279918051133, -0.162509038823531, -0.562963444181197, -0.15782784858872, 0.18355380156157, 0.313789431463725, 0, 0, 0, 0};
static const std::vector<double> kEncLayerPreNormOut{0.345050218533518, 0.68723435554282, -0.960332253005229, -0.564613551858287, -0.913766414550571, -0.750740811356656, -2.35233266468, -1.57169034411213, -1.50642289588833, -1.02124001695664, -1.66298202766047, -0.556353462105943, -0.180740369829104, 0.424074538118421, -0.359533890552804, 0.492277318973804, 0.302764871614091, 0.633777231646567, -1.1147463312138, -0.631284964010053, -1.02727793974784, -0.870726703862345, -2.36475476063027, -1.54688795837175};
static const std::vector<double> kEncLayerPreNormGradSrc{1.03577034735575, 0.914491828812976, 0.641125636228808, 0.416564158106827, 0.165987488227822, -0.0606647884639137, -0.310262271852988, -0.83636063713317, -0.863184143014956, -0.954808339692, -1.00399992302319, -0.940605975873944, -0.752243262306137, -0.645603927259212, -0.351164925318567, 0.0634989229949197, 0.354470441109273, 0.522819898460996, 0.699198745816465, 0.964591745509939, 1.18966672078064, 0.893155193873767, 0.713049518222613, 0.73120244666685};
static const std::vector<double> kEncLayerPreNormGradInProj{0.00707334504742737, 0.00201923543805557, -0.0034678266651078, -0.00315067259003822, -0.00757183584894514, -0.00219660519086067, 0.00374403680546937, 0.003454958450728, 0.000312974028041459, -0.000615419433212062, -0.000195233616755315, 3.64333276011792e-05, -0.000187943320347147, 0.000505416536030437, 7.61087449291104e-05, -0.000162422788467792, 0.0108648029394446, 0.00257665081304733, -0.00259379463970553, 0.00128447466850557, 0.000223063623547026, 0.000173463938592836, -2.07415828588396e-05, 5.12810006038028e-05, 0.00108416014161873, -0.000562975890510328, -0.000479972413078225, -4.12664657253068e-05, -0.000964393998806063, 0.000696452486147801, 0.000479714432484437, 7.71349301223469e-05, -0.259970355430484, -0.0373457050916255, 0.0542855290761759, -0.0567898448880619, 0.113501244288912, 0.0510840089795561, -0.0844675484466475, -0.120112683258494, 0.467825519179132, 0.124099385549223, -0.191534250430758, -0.122795630380718, 0.550304271826589, 0.126369169760668, -0.196172610655898, -0.0738708617880117};
static const std::vector<double> kDecLayerOut{0.388167894191262, -0.530936286429398, -0.558361582160774, 0.138906387517377, 0.307726888221046, -0.423027358336262, -0.121962468876088, -0.264371242792498, 0.216044184847832, -0.410566485583327, -0.529735662926376, 0.469515607566617, 0.368562313399065, -0.483971478483646, -0.170460759946968, -0.398120807583124, 0.320179842195161, -0.513609310255041, -0.621189291158386, 0.263058398384322, 0.218758598411041, -0.384325430329215, -0.436546447427737, 0.423059345061856};
static const std::vector<double> kDecLayerGradTgt{0.0030741339170297, 0.0829553622391302, 0.225540208312429, -0.114933466338815, 0.0168593334587559, 0.21413159779195, -0.0919469072504915, -0.331283219601046, 0.00878930598546776, 0.264825402069825, -0.229693225334865, 0.165083483062728, 0.00557358225698021, -0.0681490032609324, 0.0074638298820079, -0.00740724734667053, -0.0445767872534425, -0.240072928265309, -0.247664388014803, 0.482224203375681, 0.0155601269093901, -0.0689444789191539, 0.233677607825322, -0.162000398262593};
static const std::vector<double> kDecLayerGradMemory{0.00983095674652123, -0.0135258891763302, -0.0305212980717055, -0.0331620635755195, -0.000330190988500026, 0.00693217357109837, 0.0109342285820095, 0.0097937450387666, 0.0496771483679999, 0.0201915488220114, -0.018790451636623, -0.0489350090816471, 0, 0, 0, 0, -0.00632179678637681, -0.0156324626090129, -0.0175909370026642, -0.0112761188579895, 0.0168264536499375, 0.0133563969128276, 0.00360461800815651, -0.007842469069461, 0, 0, 0, 0, -0.00152197637183564, 0.00256651766932402, 0.00544793834765604, 0.0057671084947001};
static const std::vector<double> kDecLayerGradCrossInProj{-0.0218866687067732, -0.0139660423704015, -0.00339091964954008, 0.00224067188698743, 0.0233877080380543, 0.0151880499980043, 0.0042637608752402, -0.00221448025391799, 0.0160057427373759, 0.0114436134781345, 0.00964201391217001, -0.0014769595477379, -0.0117533876215073, -0.00825975885992571, -0.0075277419922606, 0.00150725904476936, -0.0161529458928817, -0.0156531809905836, -0.0137551640495019, -0.0106284392702122, -0.00581338490020959, -0.00628932644022853, -0.00620346118053595, -0.00556345920905187, 0.0331304198720372, 0.0275135413433573, 0.0194389601087132, 0.00962795446166426, -0.00645168356831138, -0.00549367544490955, -0.0040449336555595, -0.00223486998958688, 0.0590897201719467, 0.0783579033068099, 0.0906266083087963, 0.094799908299364, 0.104149627234397, 0.139890181942826, 0.163134763326408, 0.171807002158347, 0.0841560824086468, 0.115006766060813, 0.135584237819807, 0.144050373418279, 0.0937204158476488, 0.109909596330539, 0.116280879911611, 0.112265138803851};
static const std::vector<double> kTransformerOut{-0.182652124860063, 0.44060062064593, 0.0784088923050542, -0.479599220402096, -0.315826777224145, 0.399565411418495, 0.0399150646156887, -0.482088421600989, -0.394725765437628, 0.273974172196195, -0.0909630982104837, -0.486218907075936, -0.394803195602777, 0.278531556333441, -0.0750203813558134, -0.485930799309267, -0.344031044905474, 0.457511789079361, -0.020504375833803, -0.482755333887655, -0.248198875381226, 0.551175308083579, -0.0102232674060667, -0.480595593129579};
static const std::vector<double> kTransformerGradSrc{0.00346162580392385, -0.00190419689473586, -0.0013560867862763, -0.000201342122911689, 0.00260641151864206, -0.00260406274688388, -0.000760132422911269, 0.000757783651153093, 0.00199607833120319, -7.5270232455265e-06, -0.0024343130649727, 0.00044576175701504, 0.00321542733450575, -0.00133941477255059, -0.00224538912030472, 0.000369376558349553, 0.00255775518515447, -0.00176308043428672, -0.00063448521592123, -0.00016018953494652, 0.00186664628725961, -0.00178523078332529, -0.000424982603133576, 0.000343567099199249, 0, 0, 0, 0, 0.00247180761550353, -0.00128767126459539, -0.00151915696126516, 0.000335020610357016};
static const std::vector<double> kTransformerGradTgt{0.362736415862211, 0.293151155470835, -0.111022751869489, -0.544864819463557, -0.0358773014025351, 0.0422378580323922, -0.058837948529524, 0.0524773918996668, 0.00102416763876663, -0.182863058256765, -0.0572004373900305, 0.239039328008029, -0.00865109415385987, -0.107730212896881, 0.0225999899087867, 0.0937813171419541, 0.0930668984758901, 0.0797174791870197, 0.0703191183470005, -0.24310349600991, 0.399553165184778, 0.293016811823501, -0.0458371338367259, -0.646732843171553};
static const std::vector<double> kTransformerGradEnc1Linear2{0, 0.0044395614649089, 0, 0.00750398581331909, 0, 0.0137405428545458, 0, -0.00250754574226123, 0, -0.00413211180845341, 0, -0.00747202030876309, 0, -0.00220054707386672, 0, -0.0041194755769357, 0, -0.00867342301503098, 0, 0.000268531351219051, 0, 0.000747601572070013, 0, 0.00240490046924831};
static const std::vector<double> kTransformerGradDecNorm{-0.47244970508624, 1.35783693039359, 0.956701031247649, -1.20854579927188};

Tensor input(ember::IntArrayRef shape, double a, double b) { return seq(shape, a, b).requires_grad_(true); }

void backward_loss(const Tensor& out) { (out * seq(out.sizes(), 0.3, 0.2)).sum().backward(); }

}  // namespace

TEST_CASE("TransformerEncoderLayer matches PyTorch", "[transformer]") {
  SECTION("post-norm relu, sequence first") {
    nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(6));
    layer->to(ember::kFloat64);
    layer->eval();
    fill_params(*layer, 0.1);
    Tensor src = input({3, 2, 4}, 0.4, 0.3);
    Tensor out = layer(src);
    require_close(out, kEncLayerOut);
    backward_loss(out);
    require_close(src.grad(), kEncLayerGradSrc);
    require_close(layer->linear1->weight.grad(), kEncLayerGradLinear1);
  }
  SECTION("pre-norm gelu, batch first, causal mask and key padding mask") {
    nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(4, 2)
                                          .dim_feedforward(6)
                                          .activation(ember::kGELU)
                                          .layer_norm_eps(1e-3)
                                          .batch_first(true)
                                          .norm_first(true));
    layer->to(ember::kFloat64);
    layer->eval();
    fill_params(*layer, 0.2);
    Tensor src = input({2, 3, 4}, 0.4, 0.3);
    Tensor mask = ember::ones({3, 3}, ember::kBool).triu(1);
    Tensor kpm = ember::tensor({{false, false, true}, {false, false, false}});
    Tensor out = layer(src, mask, kpm);
    require_close(out, kEncLayerPreNormOut);
    backward_loss(out);
    require_close(src.grad(), kEncLayerPreNormGradSrc);
    require_close(layer->self_attn->in_proj_weight.grad(), kEncLayerPreNormGradInProj);
    // gelu as a function gives the same.
    nn::TransformerEncoderLayer with_fn(nn::TransformerEncoderLayerOptions(4, 2)
                                            .dim_feedforward(6)
                                            .activation([](const Tensor& x) { return ember::gelu(x); })
                                            .layer_norm_eps(1e-3)
                                            .batch_first(true)
                                            .norm_first(true));
    with_fn->to(ember::kFloat64);
    with_fn->eval();
    fill_params(*with_fn, 0.2);
    require_close(with_fn(src.detach(), mask, kpm), kEncLayerPreNormOut);
  }
}

TEST_CASE("TransformerDecoderLayer matches PyTorch", "[transformer]") {
  nn::TransformerDecoderLayer layer(nn::TransformerDecoderLayerOptions(4, 2).dim_feedforward(5));
  layer->to(ember::kFloat64);
  layer->eval();
  fill_params(*layer, 0.3);
  Tensor tgt = input({3, 2, 4}, 0.5, 0.1), memory = input({4, 2, 4}, 0.3, 0.9);
  Tensor tgt_mask = nn::TransformerImpl::generate_square_subsequent_mask(3);
  Tensor mem_kpm = ember::tensor({{false, false, false, true}, {false, true, false, false}});
  Tensor out = layer(tgt, memory, tgt_mask, Tensor(), Tensor(), mem_kpm);
  require_close(out, kDecLayerOut);
  backward_loss(out);
  require_close(tgt.grad(), kDecLayerGradTgt);
  require_close(memory.grad(), kDecLayerGradMemory);
  require_close(layer->multihead_attn->in_proj_weight.grad(), kDecLayerGradCrossInProj);
}

TEST_CASE("Transformer matches PyTorch", "[transformer]") {
  nn::Transformer model(nn::TransformerOptions(4, 2, 2, 1).dim_feedforward(6).norm_first(true));
  model->to(ember::kFloat64);
  model->eval();
  fill_params(*model, 0.4);
  Tensor src = input({4, 2, 4}, 0.45, 0.2), tgt = input({3, 2, 4}, 0.35, 0.6);
  Tensor src_kpm = ember::tensor({{false, false, false, true}, {false, false, false, false}});
  Tensor memory_mask = ember::zeros({3, 4}, ember::kFloat64);
  {
    ember::NoGradGuard no_grad;
    memory_mask.index_put_({0, 3}, ember::tensor(-1.5, ember::kFloat64));
  }
  Tensor out = model(src, tgt, Tensor(), nn::TransformerImpl::generate_square_subsequent_mask(3), memory_mask, src_kpm,
                     Tensor(), src_kpm);
  require_close(out, kTransformerOut);
  backward_loss(out);
  require_close(src.grad(), kTransformerGradSrc);
  require_close(tgt.grad(), kTransformerGradTgt);
  require_close(model->encoder->layers->at<nn::TransformerEncoderLayerImpl>(1).linear2->weight.grad(),
                kTransformerGradEnc1Linear2);
  auto& decoder_norm = dynamic_cast<nn::LayerNormImpl&>(*model->decoder->norm);
  require_close(decoder_norm.weight.grad(), kTransformerGradDecNorm);

  SECTION("batch first and unbatched give the same") {
    nn::Transformer bf(nn::TransformerOptions(4, 2, 2, 1).dim_feedforward(6).norm_first(true).batch_first(true));
    bf->to(ember::kFloat64);
    bf->eval();
    bf->load_state_dict(model->state_dict());
    Tensor out_bf = bf(src.detach().transpose(0, 1), tgt.detach().transpose(0, 1), Tensor(),
                       nn::TransformerImpl::generate_square_subsequent_mask(3), memory_mask, src_kpm, Tensor(), src_kpm);
    require_close(out_bf.transpose(0, 1), out);
    Tensor out_one = model(src.detach().select(1, 1), tgt.detach().select(1, 1), Tensor(),
                           nn::TransformerImpl::generate_square_subsequent_mask(3), memory_mask, src_kpm[1], Tensor(),
                           src_kpm[1]);
    require_close(out_one, out.select(1, 1));
  }
}

TEST_CASE("Transformer generate_square_subsequent_mask is PyTorch's", "[transformer]") {
  // torch.nn.Transformer.generate_square_subsequent_mask(3)
  const double inf = std::numeric_limits<double>::infinity();
  Tensor mask = nn::TransformerImpl::generate_square_subsequent_mask(3);
  REQUIRE(mask.dtype() == ember::get_default_dtype());
  REQUIRE(values(mask) == std::vector<double>{0, -inf, -inf, 0, 0, -inf, 0, 0, 0});
  REQUIRE(nn::TransformerImpl::generate_square_subsequent_mask(0).numel() == 0);
  REQUIRE_THROWS_WITH(nn::TransformerImpl::generate_square_subsequent_mask(-1),
                      Contains("generate_square_subsequent_mask: sz must be non-negative, got -1"));
}

TEST_CASE("Transformer layers pass gradcheck", "[transformer]") {
  nn::TransformerEncoderLayer enc(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(3).activation("gelu"));
  enc->to(ember::kFloat64);
  enc->eval();
  Tensor kpm = ember::tensor({{false, true, false}, {false, false, false}});
  REQUIRE(ember::autograd::gradcheck(
      [&](const std::vector<Tensor>& in) { return std::vector<Tensor>{enc(in[0], Tensor(), kpm)}; },
      {leaf({3, 2, 4}, -1, 1)}));
  nn::TransformerDecoderLayer dec(nn::TransformerDecoderLayerOptions(4, 2).dim_feedforward(3).norm_first(true));
  dec->to(ember::kFloat64);
  dec->eval();
  REQUIRE(ember::autograd::gradcheck(
      [&](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{dec(in[0], in[1], nn::TransformerImpl::generate_square_subsequent_mask(2))};
      },
      {leaf({2, 2, 4}, -1, 1), leaf({3, 2, 4}, -1, 1)}));
}

TEST_CASE("TransformerEncoder copies its layer", "[transformer]") {
  nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(6));
  nn::TransformerEncoder encoder(nn::TransformerEncoderOptions(layer, 2).norm(nn::LayerNorm(4)));
  REQUIRE(encoder->layers->size() == 2);
  auto& first = encoder->layers->at<nn::TransformerEncoderLayerImpl>(0);
  auto& second = encoder->layers->at<nn::TransformerEncoderLayerImpl>(1);
  // Equal values (copy.deepcopy of one layer), separate tensors.
  REQUIRE(values(first.linear1->weight) == values(layer->linear1->weight));
  REQUIRE(values(second.linear1->weight) == values(layer->linear1->weight));
  REQUIRE(first.linear1->weight.data_ptr() != second.linear1->weight.data_ptr());
  // PyTorch's state_dict keys: 2 layers x 12 + the norm's 2.
  auto keys = encoder->state_dict().keys();
  REQUIRE(keys.size() == 26);
  REQUIRE(keys.front() == "layers.0.self_attn.in_proj_weight");
  REQUIRE(keys.back() == "norm.bias");
  // Training mode uses dropout; eval mode is deterministic.
  Tensor x = ember::randn({3, 2, 4});
  encoder->eval();
  REQUIRE(values(encoder(x)) == values(encoder(x)));
  encoder->train();
  REQUIRE(values(encoder(x)) != values(encoder(x)));
}

TEST_CASE("Transformer modules print as PyTorch", "[transformer]") {
  // repr(nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, dim_feedforward=6), 2,
  // norm=nn.LayerNorm(4))) from transformer_values.py, except that PyTorch's out_proj
  // class is NonDynamicallyQuantizableLinear (a Linear subclass), which ember prints as Linear.
  const std::string layer_repr =
      "TransformerEncoderLayer(\n"
      "      (self_attn): MultiheadAttention(\n"
      "        (out_proj): Linear(in_features=4, out_features=4, bias=True)\n"
      "      )\n"
      "      (linear1): Linear(in_features=4, out_features=6, bias=True)\n"
      "      (dropout): Dropout(p=0.1, inplace=False)\n"
      "      (linear2): Linear(in_features=6, out_features=4, bias=True)\n"
      "      (norm1): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"
      "      (norm2): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"
      "      (dropout1): Dropout(p=0.1, inplace=False)\n"
      "      (dropout2): Dropout(p=0.1, inplace=False)\n"
      "    )\n";
  const std::string want = "TransformerEncoder(\n  (layers): ModuleList(\n    (0): " + layer_repr + "    (1): " +
                           layer_repr + "  )\n  (norm): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n)";
  nn::TransformerEncoder encoder(
      nn::TransformerEncoderOptions(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(6), 2).norm(nn::LayerNorm(4)));
  std::ostringstream os;
  os << encoder;
  REQUIRE(os.str() == want);
}

TEST_CASE("Transformer modules reject wrong options and shapes", "[transformer]") {
  REQUIRE_THROWS_WITH(nn::TransformerEncoderLayer(10, 3),
                      Contains("TransformerEncoderLayer: d_model 10 must be divisible by nhead 3"));
  REQUIRE_THROWS_WITH(nn::TransformerDecoderLayer(nn::TransformerDecoderLayerOptions(4, 2).dropout(1.5)),
                      Contains("TransformerDecoderLayer: dropout must be in [0, 1], got 1.5"));
  REQUIRE_THROWS_WITH(nn::TransformerEncoderLayerOptions(4, 2).activation("tanh"),
                      Contains("Transformer: activation should be relu or gelu, not \"tanh\""));
  REQUIRE_THROWS_WITH(nn::TransformerEncoder(nn::TransformerEncoderLayer(nullptr), 2),
                      Contains("TransformerEncoder: encoder_layer is empty"));
  REQUIRE_THROWS_WITH(nn::TransformerDecoder(nn::TransformerDecoderOptions(nn::TransformerDecoderLayerOptions(4, 2), -1)),
                      Contains("TransformerDecoder: num_layers must be non-negative, got -1"));

  nn::TransformerEncoderLayer enc(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(6));
  REQUIRE_THROWS_WITH(enc(ember::zeros({3, 2, 5})),
                      Contains("TransformerEncoderLayer: expected src of shape [S, N, E] or unbatched [S, E] with E = "
                               "d_model = 4, got [3, 2, 5]"));
  REQUIRE_THROWS_WITH(enc(ember::zeros({3, 2, 4}), ember::zeros({3, 2})),
                      Contains("MultiheadAttention: expected attn_mask of shape [L, S] = [3, 3]"));
  nn::TransformerDecoderLayer dec(nn::TransformerDecoderLayerOptions(4, 2).dim_feedforward(6));
  REQUIRE_THROWS_WITH(dec(ember::zeros({3, 2, 4}), ember::zeros({5, 4})),
                      Contains("TransformerDecoderLayer: tgt [3, 2, 4] and memory [5, 4] must both be batched"));
  nn::Transformer model(nn::TransformerOptions(4, 2, 1, 1).dim_feedforward(6));
  REQUIRE_THROWS_WITH(model(ember::zeros({5, 2, 4}), ember::zeros({3, 3, 4})),
                      Contains("Transformer: the batch number of src [5, 2, 4] and tgt [3, 3, 4] must be equal"));
  REQUIRE_THROWS_WITH(model(ember::zeros({5, 2, 4}), ember::zeros({3, 2, 6})),
                      Contains("Transformer: the feature number of src [5, 2, 4] and tgt [3, 2, 6] must be equal to d_model 4"));
}

TEST_CASE("Transformer takes a custom encoder and decoder", "[transformer]") {
  nn::TransformerEncoder enc(
      nn::TransformerEncoderOptions(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(6), 1));
  nn::TransformerDecoder dec(
      nn::TransformerDecoderOptions(nn::TransformerDecoderLayerOptions(4, 2).dim_feedforward(6), 1));
  nn::Transformer model(nn::TransformerOptions(4, 2).custom_encoder(enc).custom_decoder(dec));
  REQUIRE(model->encoder.get() == enc.get());
  REQUIRE(model->decoder.get() == dec.get());
  REQUIRE(model->parameters().size() == enc->parameters().size() + dec->parameters().size());
  model->eval();
  Tensor src = ember::randn({5, 2, 4}), tgt = ember::randn({3, 2, 4});
  REQUIRE(values(model(src, tgt)) == values(dec(tgt, enc(src))));
}
