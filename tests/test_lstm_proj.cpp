// LSTM with proj_size (LibTorch's LSTMOptions::proj_size) against PyTorch 1.13 (Debian
// python3-torch), float64: outputs, states and gradients of a scalar loss. The expected
// values were printed by tests/python/lstm_proj_values.py, which fills parameters and
// inputs as fill_params and seq do (tests/nn_test_values.hpp).
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "nn_test_values.hpp"

using namespace testing;
using Catch::Matchers::Contains;
using ember::Tensor;
namespace nn = ember::nn;

namespace {

static const std::vector<double> kProjOut{0.0323735605409056, -0.00338398116386629, -0.373277179535973, 0.321699265678002, 0.14722916282805, 0.00387441064716093, -0.42166893550096, 0.346921812948766, -0.161583819090962, 0.147481738782967, -0.334134934144529, 0.301077922657116, -0.0904896821193015, 0.156765796013931, -0.408519475379484, 0.335596591624186, -0.273251187570842, 0.232687915570917, -0.262099370584324, 0.256028837875133, -0.231166394167031, 0.245146531644607, -0.387613790197493, 0.31741092681188, -0.33856356046058, 0.281413248825055, -0.138116378657501, 0.170891070578663, -0.31433420935885, 0.292106030781907, -0.354036217770965, 0.288653606496257, -0.378622767779639, 0.311553969364069, 0.0729632994975044, 0.012664751567927, -0.360170878146955, 0.313850799079361, -0.299235999325677, 0.25698732132357};
static const std::vector<double> kProjH{-0.293031619344518, 0.201932610965, -0.372690976249323, 0.276184739806577, -0.388036343433607, 0.285034827147438, -0.325801805757307, 0.218996369995236, -0.378622767779639, 0.311553969364069, -0.360170878146955, 0.313850799079361, -0.373277179535973, 0.321699265678002, -0.42166893550096, 0.346921812948766};
static const std::vector<double> kProjC{0.13058819555093, -0.34661697535513, -0.583236850310882, -0.510972999872595, -0.158903360533615, -0.242309692792854, -0.679319360714587, -0.802483691389751, -0.464363722660094, -0.336276214125701, -0.616588332324814, -0.889821080102045, -0.172300650324135, -0.605553215184479, -0.54490114343496, -0.508621007476505, -0.0427933713985225, -0.530404870085426, -0.569194355423586, -0.475029266545761, 0.0890425045250066, -0.415070191642477, -0.536968982846914, -0.473867394190992, -0.0886508052109987, -0.534212490369898, -0.558429758640596, -0.3669016230245, -0.199392941155671, -0.717849217395368, -0.649310427095068, -0.360102236779169};
static const std::vector<double> kProjGradX{0.0197556369782296, 0.0202101636039467, 0.0111595344942101, 0.017543614422114, -0.0115656213067898, -0.0352353646172918, 0.0296724238584864, -0.000259651118710975, -0.0300696081176184, -0.0203927375469773, -0.0724763869761113, -0.0904732591355941, 0.00545867243769412, 0.0171644994348801, 0.0207975941451396, -0.0685479773488441, -0.0530761430352857, -0.0126417693146204, 0.0312859295501581, 0.0826883903005479, 0.0952012090508506, -0.0320423709006121, -0.0414927147379022, -0.0314283864924045, 0.0865617903196236, 0.101034284038549, 0.0679887752699084, 0.0503258220093755, -0.0205434533506942, -0.0817508215996187};
static const std::vector<double> kProjGradH0{0.0315581753305868, 0.0557736277373136, -0.0135991315990592, -0.0352107181247993, -0.00862808855850127, -0.00549569199629035, -0.0107592102662074, -0.0186758544523113, 0.0337189232268131, 0.0125518657535207, 3.31217111198737e-05, 0.0221549134278159, -0.029760629437606, -0.0394638153914088, 0.0415692676119495, 0.0533446012823159};
static const std::vector<double> kProjGradC0{0.0958415174585871, 0.0729126757675457, -0.0204425402710997, -0.0930543824717275, -0.0661410135645649, -0.0882261506726967, 0.00211687858678068, 0.106162988840755, 0.0422991033507031, 0.0985105477507973, 0.0571520854473219, -0.0358664512686391, -0.0454133884768827, -0.138167381848491, -0.0981347604558784, -0.0161775595009606, 0.096651299485478, 0.158325518993329, 0.147349872744978, 0.03225310073413, -0.0301174501463946, -0.098222000326244, -0.118483205773008, -0.0243860080728313, -0.0249113628441766, 0.0428521703298693, 0.0986548907274638, 0.0213757251372941, 0.0487147224829886, -0.0282457244617998, -0.16768816352282, -0.0743682102172395};
static const std::vector<double> kProjGradWhr0{0.0246173615174732, -0.102242184800161, -0.452162064067961, -0.463427096356659, 0.112894675232288, 0.132329791404733, -0.0868042052313886, -0.112028662101176};
static const std::vector<double> kProjGradWhh1Reverse{0.0299040598047008, -0.00253198881176968, 0.0192282151556904, -0.0404601561512544, -0.015639769917914, -0.00117717896678549, -0.0173258631513109, 0.00839271872099136, 0.0126104683802691, -0.0137856367620436, 0.00847060995715621, -0.00928197305028348, -0.0279568668011135, 0.00153614837340773, -0.0269818591437971, -0.02156163997161, -0.100303545467247, 0.0662977152069109, -0.0189626686756711, 0.0399825505817348, 0.12737471222811, 0.0927507984141966, 0.1465037679968, 0.0154641305948371, 0.000368875561189581, 0.00606333873752295, 0.0162671651303408, -0.00828685584195504, 0.0145184613224026, -0.0199501307002379, 0.00362125253655171, -0.0131437673675532};
static const std::vector<double> kProjLenOut{-0.182273018895903, 0.151101831389533, -0.409287910703961, 0.337917148039907, -0.182240561343322, 0.150792183555664, -0.353266723804328, 0.294229010775996, -0.285920617218911, 0.2339116405641, -0.387175407076464, 0.320438049412364, -0.284719658266272, 0.232351517129866, -0.291811590745427, 0.245048984403435, -0.34416707569887, 0.279347361700825, -0.350480603136282, 0.291726684170527, -0.341110825065484, 0.275144192103548, -0.185818412122728, 0.158005716831881, -0.37698640091902, 0.303393642654226, -0.28993907520712, 0.242598896990675, 0, 0, 0, 0, -0.39638231730805, 0.316761782837991, -0.185294208752387, 0.157070992530045, 0, 0, 0, 0};
static const std::vector<double> kProjLenH{-0.291564680021225, 0.189878431159166, -0.278209420676383, 0.202045534729886, -0.351424545524328, 0.267201643324815, -0.274348895735529, 0.195655135937517, -0.39638231730805, 0.316761782837991, -0.341110825065484, 0.275144192103548, -0.409287910703961, 0.337917148039907, -0.353266723804328, 0.294229010775996};
static const std::vector<double> kProjLenGradX{0.0245286742346286, 0.0326203811642452, 0.0253702131248013, 0.0457602971266434, -0.0283258358041689, -0.0890898855528864, 0.0220157047893257, 0.0074837594882873, -0.0105679148370607, -0.0251186845925024, -0.115175606273826, -0.151063640656078, -0.0137391711561218, 0.0130605179531144, 0.0337176413927782, 0.0544983880706942, 0.0497111295579554, 0.0215439500562844, 0.0164193435754339, 0.0822928911622694, 0.109462806173595, 0, 0, 0, 0.0867208405465962, 0.124421041448982, 0.10360408242551, 0, 0, 0};

Tensor input(ember::IntArrayRef shape, double a, double b) { return seq(shape, a, b).requires_grad_(true); }

Tensor loss_of(const Tensor& out, const Tensor& h, const Tensor& c) {
  return (out * seq(out.sizes(), 0.3, 0.2)).sum() + (h * seq(h.sizes(), 0.5, 0.1)).sum() +
         (c * seq(c.sizes(), 0.7, 0.4)).sum();
}

nn::LSTM projected_lstm() {
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true).proj_size(2));
  lstm->to(ember::kFloat64);
  fill_params(*lstm, 0.5);
  return lstm;
}

}  // namespace

TEST_CASE("LSTM proj_size matches PyTorch", "[rnn][lstm_proj]") {
  nn::LSTM lstm = projected_lstm();
  REQUIRE(lstm->named_parameters()["weight_hr_l0"].sizes().vec() == std::vector<int64_t>{2, 4});
  REQUIRE(lstm->named_parameters()["weight_hh_l1_reverse"].sizes().vec() == std::vector<int64_t>{16, 2});
  REQUIRE(lstm->named_parameters()["weight_ih_l1"].sizes().vec() == std::vector<int64_t>{16, 4});
  Tensor x = input({5, 2, 3}, 0.4, 0.3), h0 = input({4, 2, 2}, 0.6, 0.2), c0 = input({4, 2, 4}, 0.25, 0.8);
  auto [out, state] = lstm(x, std::make_tuple(h0, c0));
  auto [h, c] = state;
  REQUIRE(out.sizes().vec() == std::vector<int64_t>{5, 2, 4});
  REQUIRE(h.sizes().vec() == std::vector<int64_t>{4, 2, 2});
  REQUIRE(c.sizes().vec() == std::vector<int64_t>{4, 2, 4});
  require_close(out, kProjOut);
  require_close(h, kProjH);
  require_close(c, kProjC);
  loss_of(out, h, c).backward();
  require_close(x.grad(), kProjGradX);
  require_close(h0.grad(), kProjGradH0);
  require_close(c0.grad(), kProjGradC0);
  require_close(lstm->named_parameters()["weight_hr_l0"].grad(), kProjGradWhr0);
  require_close(lstm->named_parameters()["weight_hh_l1_reverse"].grad(), kProjGradWhh1Reverse);
}

TEST_CASE("LSTM proj_size with variable lengths matches PyTorch", "[rnn][lstm_proj]") {
  nn::LSTM lstm = projected_lstm();
  Tensor x = input({5, 2, 3}, 0.4, 0.3);
  auto [out, state] = lstm(x, std::vector<int64_t>{5, 3});
  auto [h, c] = state;
  require_close(out, kProjLenOut);
  require_close(h, kProjLenH);
  loss_of(out, h, c).backward();
  require_close(x.grad(), kProjLenGradX);
}

TEST_CASE("LSTM proj_size passes gradcheck and prints as PyTorch", "[rnn][lstm_proj]") {
  nn::LSTM lstm(nn::LSTMOptions(2, 3).proj_size(1).batch_first(true));
  lstm->to(ember::kFloat64);
  REQUIRE(ember::autograd::gradcheck(
      [&](const std::vector<Tensor>& in) {
        auto [out, state] = lstm(in[0], std::make_tuple(in[1], in[2]));
        return std::vector<Tensor>{out, std::get<0>(state), std::get<1>(state)};
      },
      {leaf({2, 3, 2}, -1, 1), leaf({1, 2, 1}, -1, 1), leaf({1, 2, 3}, -1, 1)}));
  // repr(nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2))
  std::ostringstream os;
  os << projected_lstm();
  REQUIRE(os.str() == "LSTM(3, 4, proj_size=2, num_layers=2, bidirectional=True)");
}

TEST_CASE("LSTM proj_size names the mistake", "[rnn][lstm_proj]") {
  REQUIRE_THROWS_WITH(nn::LSTM(nn::LSTMOptions(3, 4).proj_size(4)),
                      Contains("LSTM: proj_size 4 has to be smaller than hidden_size 4"));
  REQUIRE_THROWS_WITH(nn::LSTM(nn::LSTMOptions(3, 4).proj_size(-1)),
                      Contains("LSTM: proj_size should be a positive integer or zero to disable projections, got -1"));
  REQUIRE_THROWS_WITH(nn::GRU(nn::GRUOptions(3, 4).proj_size(2)),
                      Contains("GRU: proj_size is only supported for LSTM, got proj_size=2"));
  nn::LSTM lstm(nn::LSTMOptions(3, 4).proj_size(2));
  Tensor x = ember::zeros({5, 2, 3});
  REQUIRE_THROWS_WITH(lstm(x, std::make_tuple(ember::zeros({1, 2, 4}), ember::zeros({1, 2, 4}))),
                      Contains("LSTM: expected h0 of shape [1, 2, 2] (num_layers * num_directions, batch, proj_size), got [1, 2, 4]"));
  REQUIRE_THROWS_WITH(lstm(x, std::make_tuple(ember::zeros({1, 2, 2}), ember::zeros({1, 2, 2}))),
                      Contains("LSTM: expected c0 of shape [1, 2, 4] (num_layers * num_directions, batch, hidden_size), got [1, 2, 2]"));
}
