// The loss and distance modules (ember/nn/loss.hpp), the functionals of
// ember/nn/functional_loss.hpp and LibTorch's options forms. Values of every functional
// against PyTorch are also in the reference cases (tests/data/reference); here:
// gradcheck of every functional and reduction, modules against their functionals,
// reprs, options, the broadcast warning and the errors users hit. Literal expected
// values were computed by PyTorch 1.13 (python3-torch) as each comment says.
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.hpp"

namespace F = ember::nn::functional;
namespace nn = ember::nn;
using Catch::Contains;
using ember::Tensor;
using testing::error_of;
using testing::leaf;
using testing::values;

namespace {

bool close(const std::vector<double>& a, const std::vector<double>& b, double tol = 1e-9) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(std::fabs(a[i] - b[i]) <= tol * (1 + std::fabs(b[i])))) return false;
  return true;
}

bool same(const Tensor& a, const Tensor& b) { return a.sizes().equals(b.sizes()) && close(values(a), values(b), 1e-12); }

Tensor f64(const std::vector<double>& v, ember::IntArrayRef shape) { return ember::tensor(v, shape); }
Tensor i64(const std::vector<int64_t>& v, ember::IntArrayRef shape) { return ember::tensor(v, shape); }

// The fixed [4, 3] logits and targets of the PyTorch values below.
Tensor x4x3() { return f64({0.2, -1.0, 0.5, 1.5, 0.3, -0.7, -0.4, 0.9, 0.1, 0.0, -0.2, 2.0}, {4, 3}); }
Tensor t4() { return i64({0, 1, 2, 1}, {4}); }
Tensor w3() { return f64({0.5, 1.0, 2.0}, {3}); }

// Values of +1 and -1 in a fixed pattern.
Tensor signs(ember::IntArrayRef shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(i % 3 == 1 ? -1.0 : 1.0);
  return f64(v, shape);
}

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
bool gradcheck(const Fn& f, const std::vector<Tensor>& in) { return ember::autograd::gradcheck(f, in); }

std::string printed(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

struct Capture : ember::WarningHandler {
  std::vector<std::string> seen;
  void process(const ember::Warning& w) override { seen.push_back(w.msg()); }
};

const std::vector<std::string> kReductions{"mean", "sum", "none"};

}  // namespace

// ---------------------------------------------------------------- gradcheck

TEST_CASE("loss functionals: gradcheck in float64 for every reduction", "[loss]") {
  Capture quiet;  // kl_div's warning about 'mean', the broadcast warnings
  ember::WarningUtils::WarningHandlerGuard guard(&quiet);
  Tensor a = leaf({3, 4}), b = leaf({3, 4}), c = leaf({3, 4});
  Tensor logp = (ember::rand({3, 4}, ember::kFloat64) * -2.5 - 0.1).requires_grad_(true);
  Tensor prob = (ember::rand({3, 4}, ember::kFloat64) * 0.9 + 0.05).requires_grad_(true);
  Tensor pm = signs({3, 4});
  for (const std::string& red : kReductions) {
    INFO(red);
    CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::huber_loss(in[0], in[1], red, 0.6); }, {a, b}));
    CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::kl_div(in[0], in[1], red); }, {logp, prob}));
    CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::kl_div(in[0], in[1], red, true); }, {logp, a}));
    CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::poisson_nll_loss(in[0], in[1], true, true, 1e-8, red); },
                    {a, prob * 4}));
    CHECK(gradcheck(
        [&](const std::vector<Tensor>& in) { return F::poisson_nll_loss(in[0], in[1], false, false, 1e-8, red); },
        {prob, b}));
    CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::margin_ranking_loss(in[0], in[1], pm, 0.3, red); },
                    {a, b}));
    CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::hinge_embedding_loss(in[0], pm, 1.5, red); }, {a}));
    CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::soft_margin_loss(in[0], in[1], red); }, {a, b}));
    CHECK(gradcheck(
        [&](const std::vector<Tensor>& in) { return F::cosine_embedding_loss(in[0], in[1], signs({3}), 0.1, red); },
        {a, b}));
    CHECK(gradcheck(
        [&](const std::vector<Tensor>& in) { return F::multi_margin_loss(in[0], i64({3, 0, 1}, {3}), 1, 1.0, in[1], red); },
        {a, prob.narrow(0, 0, 1).reshape({4})}));
    CHECK(gradcheck(
        [&](const std::vector<Tensor>& in) { return F::multi_margin_loss(in[0], i64({3, 0, 1}, {3}), 2, 0.7, {}, red); },
        {a}));
    CHECK(gradcheck(
        [&](const std::vector<Tensor>& in) {
          return F::multilabel_margin_loss(in[0], i64({3, 0, -1, 1, 0, 1, 2, 3, 1, -1, 0, 0}, {3, 4}), red);
        },
        {a}));
    CHECK(gradcheck(
        [&](const std::vector<Tensor>& in) { return F::multilabel_soft_margin_loss(in[0], in[1], in[2], red); },
        {a, prob, (ember::rand({4}, ember::kFloat64) + 0.5).requires_grad_(true)}));
    CHECK(gradcheck(
        [&](const std::vector<Tensor>& in) { return F::triplet_margin_loss(in[0], in[1], in[2], 1.0, 2.0, 1e-6, true, red); },
        {a, b, c}));
    CHECK(gradcheck(
        [&](const std::vector<Tensor>& in) { return F::triplet_margin_loss(in[0], in[1], in[2], 2.0, 3.0, 1e-6, false, red); },
        {a, b, c}));
    auto cosine_distance = [](const Tensor& x, const Tensor& y) { return ember::rsub(F::cosine_similarity(x, y), 1); };
    CHECK(gradcheck(
        [&](const std::vector<Tensor>& in) {
          return F::triplet_margin_with_distance_loss(in[0], in[1], in[2], cosine_distance, 0.5, true, red);
        },
        {a, b, c}));
    CHECK(gradcheck(
        [&](const std::vector<Tensor>& in) {
          return F::triplet_margin_with_distance_loss(in[0], in[1], in[2], std::nullopt, 2.0, false, red);
        },
        {a, b, c}));
  }
  CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::kl_div(in[0], in[1], "batchmean"); }, {logp, prob}));
  // The existing regression losses with a broadcast target.
  Tensor col = leaf({3, 1}), row = leaf({4});
  for (const std::string& red : kReductions) {
    CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::mse_loss(in[0], in[1], red); }, {col, row}));
    CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::l1_loss(in[0], in[1], red); }, {col, row}));
    CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::smooth_l1_loss(in[0], in[1], red, 0.5); }, {col, row}));
    CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::huber_loss(in[0], in[1], red, 0.5); }, {col, row}));
  }
}

TEST_CASE("distance functionals: gradcheck in float64", "[loss]") {
  Tensor a = leaf({3, 4}), b = leaf({3, 4}), r = leaf({4});
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return F::cosine_similarity(in[0], in[1]); }, {a, b}));
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return F::cosine_similarity(in[0], in[1], -1); }, {a, r}));
  CHECK(gradcheck([](const std::vector<Tensor>& in) { return F::cosine_similarity(in[0], in[1], 0); }, {a, b}));
  for (double p : {1.0, 2.0, 3.0}) {
    INFO(p);
    CHECK(gradcheck([p](const std::vector<Tensor>& in) { return F::pairwise_distance(in[0], in[1], p); }, {a, b}));
    CHECK(gradcheck([p](const std::vector<Tensor>& in) { return F::pairwise_distance(in[0], in[1], p, 1e-6, true); },
                    {a, r}));
    CHECK(gradcheck([p](const std::vector<Tensor>& in) { return F::pdist(in[0], p); }, {a}));
  }
}

// ---------------------------------------------------------------- values

TEST_CASE("loss modules: values from PyTorch 1.13", "[loss]") {
  Tensor x = x4x3(), t = t4(), w = w3();
  // nn.CrossEntropyLoss(weight=w, label_smoothing=0.1, ignore_index=2)(x, t)
  nn::CrossEntropyLoss ce(nn::CrossEntropyLossOptions().weight(w).label_smoothing(0.1).ignore_index(2));
  CHECK(close(values(ce(x, t)), {1.8001125219695442}));
  // nn.NLLLoss(weight=w, reduction='sum')(log_softmax(x, 1), t)
  nn::NLLLoss nll(nn::NLLLossOptions().weight(w).reduction(ember::kSum));
  CHECK(close(values(nll(ember::log_softmax(x, 1), t)), {7.139344346367029}));
  // nn.MultiMarginLoss(p=2, margin=0.5, weight=w)(x, t)
  nn::MultiMarginLoss mm(nn::MultiMarginLossOptions().p(2).margin(0.5).weight(w));
  CHECK(close(values(mm(x, t)), {1.1975}));
  // nn.MultiLabelMarginLoss(reduction='none')(x, [[2, 0, -1], [0, 1, 2], [1, -1, 0], [2, 2, -1]])
  nn::MultiLabelMarginLoss mlm(ember::kNone);
  CHECK(close(values(mlm(x, i64({2, 0, -1, 0, 1, 2, 1, -1, 0, 2, 2, -1}, {4, 3}))), {0.0, 0.0, 1.0 / 15, 0.0}));
  // nn.KLDivLoss(reduction='batchmean')(log_softmax(x, 1), p), p with zeros
  Tensor p = f64({0.0, 0.5, 0.5, 0.2, 0.3, 0.5, 1.0, 0.0, 0.0, 0.1, 0.1, 0.8}, {4, 3});
  nn::KLDivLoss kl(ember::kBatchMean);
  CHECK(close(values(kl(ember::log_softmax(x, 1), p)), {0.8378963034833058}));
  // nn.PoissonNLLLoss(log_input=False, full=True)([0.5, 2, 3], [0, 2, 4])
  nn::PoissonNLLLoss pois(nn::PoissonNLLLossOptions().log_input(false).full(true));
  CHECK(close(values(pois(f64({0.5, 2.0, 3.0}, {3}), f64({0.0, 2.0, 4.0}, {3}))), {1.176108701241018}));
  // nn.BCEWithLogitsLoss(weight=[1, 2, 0.5], pos_weight=[3, 1, 0.5])(x, (x > 0).double())
  nn::BCEWithLogitsLoss bcel(nn::BCEWithLogitsLossOptions()
                                 .weight(f64({1.0, 2.0, 0.5}, {3}))
                                 .pos_weight(f64({3.0, 1.0, 0.5}, {3})));
  CHECK(close(values(bcel(x, x.gt(0).to(ember::kFloat64))), {0.6442984721267234}));
  // nn.CosineSimilarity(dim=0)(x, x.flip(0)); nn.PairwiseDistance(p=1.0, keepdim=True)(x, x.flip(0))
  Tensor xf = x.flip({0});
  nn::CosineSimilarity cs(nn::CosineSimilarityOptions().dim(0));
  CHECK(close(values(cs(x, xf)), {-0.489795918367347, 0.48453608247422675, 0.39157894736842097}));
  nn::PairwiseDistance pd(nn::PairwiseDistanceOptions().p(1.0).keepdim(true));
  Tensor d = pd(x, xf);
  CHECK(d.sizes().vec() == std::vector<int64_t>{4, 1});
  CHECK(close(values(d), {2.499999, 3.2999989999999997, 3.300001, 2.500001}));
  // F.pdist(x)
  CHECK(close(values(F::pdist(x)), {2.195449840010015, 2.0322401432901573, 1.711724276862369, 2.1470910553583886,
                                     3.1288975694324033, 2.23159136044214}));
  // F.hinge_embedding_loss(x, target, margin=0.5, reduction='none'): a target of 0 takes both terms.
  Tensor ht = f64({1, -1, 0, -1, 1, 1, 1, 1, -1, -1, -1, -1}, {4, 3});
  CHECK(close(values(F::hinge_embedding_loss(x, ht, 0.5, "none")),
              {0.2, 1.5, 0.5, 0.0, 0.3, -0.7, -0.4, 0.9, 0.4, 0.5, 0.7, 0.0}));
}

TEST_CASE("regression losses broadcast a target of another size with PyTorch's warning", "[loss]") {
  Tensor a = f64({1.0, 2.0, 3.0, 4.0}, {4, 1}), b = f64({0.5, 1.0, 1.5, 2.5}, {4});
  Capture capture;
  ember::WarningUtils::WarningHandlerGuard guard(&capture);
  // F.mse_loss(a, b), F.l1_loss(a, b, reduction='sum'), F.smooth_l1_loss(a, b, beta=0.5),
  // F.huber_loss(a, b, delta=0.8) in PyTorch 1.13 (each warns).
  CHECK(close(values(F::mse_loss(a, b)), {3.0625}));
  CHECK(close(values(F::l1_loss(a, b, "sum")), {23.0}));
  CHECK(close(values(F::smooth_l1_loss(a, b, "mean", 0.5)), {1.203125}));
  CHECK(close(values(F::huber_loss(a, b, "mean", 0.8)), {0.8640625000000001}));
  CHECK(F::mse_loss(a, b, "none").sizes().vec() == std::vector<int64_t>{4, 4});
  REQUIRE(capture.seen.size() == 5);
  for (const char* op : {"mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"}) {
    INFO(op);
    bool found = false;
    for (const std::string& m : capture.seen) found = found || m.rfind(op, 0) == 0;
    CHECK(found);
  }
  CHECK(capture.seen[0] ==
        "mse_loss: Using a target size ([4]) that is different to the input size ([4, 1]). This will likely lead to "
        "incorrect results due to broadcasting. Please ensure they have the same size.");
  // The same sizes warn about nothing; sizes that do not broadcast are an error.
  capture.seen.clear();
  F::mse_loss(a, a);
  F::huber_loss(b, b);
  CHECK(capture.seen.empty());
  Tensor apart = f64({1, 2, 3, 4, 5, 6}, {3, 2});
  CHECK_THROWS_WITH(F::huber_loss(a, apart), Contains("huber_loss") && Contains("[3, 2]") && Contains("[4, 1]"));
  CHECK_THROWS_WITH(F::mse_loss(a, apart), Contains("mse_loss") && Contains("[3, 2]") && Contains("[4, 1]"));
  // kl_div warns about 'mean' (PyTorch's text), not about 'batchmean'.
  Tensor lp = ember::log_softmax(x4x3(), 1), p = ember::softmax(x4x3().flip({0}), 1);
  F::kl_div(lp, p, "batchmean");
  CHECK(capture.seen.empty());
  F::kl_div(lp, p);
  REQUIRE(capture.seen.size() == 1);
  CHECK_THAT(capture.seen[0], Contains("'batchmean' divides only by the batch size"));
}

TEST_CASE("loss modules: forward equals the functional with the same options", "[loss]") {
  Capture quiet;  // kl_div's warning about 'mean', the broadcast warnings
  ember::WarningUtils::WarningHandlerGuard guard(&quiet);
  Tensor a = leaf({3, 4}), b = leaf({3, 4}), c = leaf({3, 4});
  Tensor prob = ember::rand({3, 4}, ember::kFloat64);
  Tensor pm = signs({3, 4}), pm3 = signs({3});
  Tensor t = i64({3, 0, 1}, {3}), w = f64({0.5, 1.0, 2.0, 1.5}, {4});
  for (const std::string& red : kReductions) {
    INFO(red);
    CHECK(same(nn::L1Loss(nn::L1LossOptions().reduction(red))(a, b), F::l1_loss(a, b, red)));
    CHECK(same(nn::MSELoss(nn::MSELossOptions().reduction(red))(a, b), F::mse_loss(a, b, red)));
    CHECK(same(nn::SmoothL1Loss(nn::SmoothL1LossOptions().reduction(red).beta(0.3))(a, b),
               F::smooth_l1_loss(a, b, red, 0.3)));
    CHECK(same(nn::HuberLoss(nn::HuberLossOptions().reduction(red).delta(0.3))(a, b), F::huber_loss(a, b, red, 0.3)));
    CHECK(same(nn::KLDivLoss(nn::KLDivLossOptions().reduction(red).log_target(true))(a, b),
               F::kl_div(a, b, red, true)));
    CHECK(same(nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().reduction(red).weight(w).ignore_index(1))(a, t),
               F::cross_entropy(a, t, w, 1, red)));
    CHECK(same(nn::NLLLoss(nn::NLLLossOptions().reduction(red).weight(w))(a, t), F::nll_loss(a, t, w, -100, red)));
    CHECK(same(nn::BCELoss(nn::BCELossOptions().reduction(red).weight(w))(prob, prob.flip({0})),
               F::binary_cross_entropy(prob, prob.flip({0}), w, red)));
    CHECK(same(nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().reduction(red).weight(w).pos_weight(w * 2))(a, prob),
               F::binary_cross_entropy_with_logits(a, prob, w, red, w * 2)));
    CHECK(same(nn::MarginRankingLoss(nn::MarginRankingLossOptions().reduction(red).margin(0.2))(a, b, pm),
               F::margin_ranking_loss(a, b, pm, 0.2, red)));
    CHECK(same(nn::HingeEmbeddingLoss(nn::HingeEmbeddingLossOptions().reduction(red).margin(0.4))(a, pm),
               F::hinge_embedding_loss(a, pm, 0.4, red)));
    CHECK(same(nn::SoftMarginLoss(nn::SoftMarginLossOptions().reduction(red))(a, pm), F::soft_margin_loss(a, pm, red)));
    CHECK(same(nn::CosineEmbeddingLoss(nn::CosineEmbeddingLossOptions().reduction(red).margin(0.1))(a, b, pm3),
               F::cosine_embedding_loss(a, b, pm3, 0.1, red)));
    CHECK(same(nn::MultiMarginLoss(nn::MultiMarginLossOptions().reduction(red).p(2).margin(0.5).weight(w))(a, t),
               F::multi_margin_loss(a, t, 2, 0.5, w, red)));
    Tensor labels = i64({3, 0, -1, 1, 0, 1, 2, 3, 1, -1, 0, 0}, {3, 4});
    CHECK(same(nn::MultiLabelMarginLoss(nn::MultiLabelMarginLossOptions().reduction(red))(a, labels),
               F::multilabel_margin_loss(a, labels, red)));
    CHECK(same(nn::MultiLabelSoftMarginLoss(nn::MultiLabelSoftMarginLossOptions().reduction(red).weight(w))(a, prob),
               F::multilabel_soft_margin_loss(a, prob, w, red)));
    CHECK(same(nn::TripletMarginLoss(nn::TripletMarginLossOptions().reduction(red).margin(0.5).p(1).swap(true))(a, b, c),
               F::triplet_margin_loss(a, b, c, 0.5, 1.0, 1e-6, true, red)));
    CHECK(same(nn::TripletMarginWithDistanceLoss(nn::TripletMarginWithDistanceLossOptions().reduction(red))(a, b, c),
               F::triplet_margin_with_distance_loss(a, b, c, std::nullopt, 1.0, false, red)));
    CHECK(same(nn::PoissonNLLLoss(nn::PoissonNLLLossOptions().reduction(red).full(true))(a, prob * 3),
               F::poisson_nll_loss(a, prob * 3, true, true, 1e-8, red)));
  }
  CHECK(same(nn::CosineSimilarity(nn::CosineSimilarityOptions().dim(0).eps(0.1))(a, b), F::cosine_similarity(a, b, 0, 0.1)));
  CHECK(same(nn::PairwiseDistance(nn::PairwiseDistanceOptions().p(3).eps(0.0).keepdim(true))(a, b),
             F::pairwise_distance(a, b, 3, 0.0, true)));
  // A mode constant makes the options, as in LibTorch.
  CHECK(same(nn::MSELoss(ember::kSum)(a, b), F::mse_loss(a, b, "sum")));
  CHECK(nn::KLDivLossOptions(ember::kBatchMean).reduction() == "batchmean");
  // A custom distance is called; the module then has no PairwiseDistance child.
  int calls = 0;
  auto l1 = [&calls](const Tensor& x, const Tensor& y) {
    ++calls;
    return (x - y).abs().sum({1});
  };
  nn::TripletMarginWithDistanceLoss custom(
      nn::TripletMarginWithDistanceLossOptions().distance_function(l1).margin(2.0).swap(true));
  Tensor l = custom(a, b, c);
  CHECK(calls == 3);
  CHECK(same(l, ember::clamp_min(l1(a, b) - ember::minimum(l1(a, c), l1(b, c)) + 2.0, 0).mean()));
  CHECK(printed(*custom) == "TripletMarginWithDistanceLoss()");
}

TEST_CASE("loss modules: reprs as PyTorch prints them, weight buffers", "[loss]") {
  // repr(nn.X()) in PyTorch 1.13: the bare name for every loss and distance module.
  CHECK(printed(*nn::L1Loss()) == "L1Loss()");
  CHECK(printed(*nn::MSELoss()) == "MSELoss()");
  CHECK(printed(*nn::CrossEntropyLoss()) == "CrossEntropyLoss()");
  CHECK(printed(*nn::NLLLoss()) == "NLLLoss()");
  CHECK(printed(*nn::BCELoss()) == "BCELoss()");
  CHECK(printed(*nn::BCEWithLogitsLoss()) == "BCEWithLogitsLoss()");
  CHECK(printed(*nn::SmoothL1Loss()) == "SmoothL1Loss()");
  CHECK(printed(*nn::HuberLoss()) == "HuberLoss()");
  CHECK(printed(*nn::KLDivLoss()) == "KLDivLoss()");
  CHECK(printed(*nn::MarginRankingLoss()) == "MarginRankingLoss()");
  CHECK(printed(*nn::HingeEmbeddingLoss()) == "HingeEmbeddingLoss()");
  CHECK(printed(*nn::SoftMarginLoss()) == "SoftMarginLoss()");
  CHECK(printed(*nn::CosineEmbeddingLoss()) == "CosineEmbeddingLoss()");
  CHECK(printed(*nn::MultiMarginLoss()) == "MultiMarginLoss()");
  CHECK(printed(*nn::MultiLabelMarginLoss()) == "MultiLabelMarginLoss()");
  CHECK(printed(*nn::MultiLabelSoftMarginLoss()) == "MultiLabelSoftMarginLoss()");
  CHECK(printed(*nn::TripletMarginLoss()) == "TripletMarginLoss()");
  CHECK(printed(*nn::PoissonNLLLoss()) == "PoissonNLLLoss()");
  CHECK(printed(*nn::CosineSimilarity()) == "CosineSimilarity()");
  CHECK(printed(*nn::PairwiseDistance()) == "PairwiseDistance()");
  CHECK(printed(*nn::TripletMarginWithDistanceLoss()) ==
        "TripletMarginWithDistanceLoss(\n  (distance_function): PairwiseDistance()\n)");

  // The weight is a buffer (in the state dict, converted by to(dtype)); none without one.
  nn::CrossEntropyLoss ce(nn::CrossEntropyLossOptions().weight(w3()));
  REQUIRE(ce->named_buffers().size() == 1);
  CHECK(ce->named_buffers().contains("weight"));
  CHECK(nn::CrossEntropyLoss()->named_buffers().size() == 0);
  nn::BCEWithLogitsLoss bce(nn::BCEWithLogitsLossOptions().weight(w3()).pos_weight(w3()));
  CHECK(bce->state_dict().size() == 2);
  ce->to(ember::kFloat32);
  CHECK(ce->weight.dtype() == ember::kFloat32);
  Tensor x32 = x4x3().to(ember::kFloat32);
  CHECK(ce(x32, t4()).dtype() == ember::kFloat32);
}

TEST_CASE("loss options: LibTorch's defaults and the functional options forms", "[loss]") {
  Capture quiet;  // kl_div's warning about 'mean', the broadcast warnings
  ember::WarningUtils::WarningHandlerGuard guard(&quiet);
  // Defaults from LibTorch 1.13's torch/nn/options/loss.h and distance.h.
  CHECK(nn::MSELossOptions().reduction() == "mean");
  CHECK(nn::CrossEntropyLossOptions().ignore_index() == -100);
  CHECK(nn::CrossEntropyLossOptions().label_smoothing() == 0.0);
  CHECK(!nn::CrossEntropyLossOptions().weight().defined());
  CHECK(nn::SmoothL1LossOptions().beta() == 1.0);
  CHECK(nn::HuberLossOptions().delta() == 1.0);
  CHECK(!nn::KLDivLossOptions().log_target());
  CHECK(nn::HingeEmbeddingLossOptions().margin() == 1.0);
  CHECK(nn::MarginRankingLossOptions().margin() == 0.0);
  CHECK(nn::CosineEmbeddingLossOptions().margin() == 0.0);
  CHECK(nn::MultiMarginLossOptions().p() == 1);
  CHECK(nn::MultiMarginLossOptions().margin() == 1.0);
  CHECK(nn::TripletMarginLossOptions().margin() == 1.0);
  CHECK(nn::TripletMarginLossOptions().p() == 2.0);
  CHECK(nn::TripletMarginLossOptions().eps() == 1e-6);
  CHECK(!nn::TripletMarginLossOptions().swap());
  CHECK(!nn::TripletMarginWithDistanceLossOptions().distance_function().has_value());
  CHECK(nn::TripletMarginWithDistanceLossOptions().margin() == 1.0);
  CHECK(nn::PoissonNLLLossOptions().log_input());
  CHECK(!nn::PoissonNLLLossOptions().full());
  CHECK(nn::PoissonNLLLossOptions().eps() == 1e-8);
  CHECK(nn::CosineSimilarityOptions().dim() == 1);
  CHECK(nn::CosineSimilarityOptions().eps() == 1e-8);
  CHECK(nn::PairwiseDistanceOptions().p() == 2.0);
  CHECK(nn::PairwiseDistanceOptions().eps() == 1e-6);
  CHECK(!nn::PairwiseDistanceOptions().keepdim());

  Tensor a = leaf({3, 4}), b = leaf({3, 4}), c = leaf({3, 4});
  Tensor prob = ember::rand({3, 4}, ember::kFloat64), pm = signs({3, 4});
  Tensor t = i64({3, 0, 1}, {3}), w = f64({0.5, 1.0, 2.0, 1.5}, {4});
  CHECK(same(F::l1_loss(a, b, F::L1LossFuncOptions().reduction(ember::kSum)), F::l1_loss(a, b, "sum")));
  CHECK(same(F::mse_loss(a, b, F::MSELossFuncOptions(ember::kNone)), F::mse_loss(a, b, "none")));
  CHECK(same(F::smooth_l1_loss(a, b, F::SmoothL1LossFuncOptions().beta(0.2)), F::smooth_l1_loss(a, b, "mean", 0.2)));
  CHECK(same(F::huber_loss(a, b, F::HuberLossFuncOptions().delta(0.2)), F::huber_loss(a, b, "mean", 0.2)));
  CHECK(same(F::kl_div(a, b, F::KLDivFuncOptions(ember::kBatchMean).log_target(true)), F::kl_div(a, b, "batchmean", true)));
  CHECK(same(F::cross_entropy(a, t, F::CrossEntropyFuncOptions().weight(w).label_smoothing(0.2)),
             F::cross_entropy(a, t, w, -100, "mean", 0.2)));
  CHECK(same(F::nll_loss(a, t, F::NLLLossFuncOptions().ignore_index(0).reduction(ember::kSum)),
             F::nll_loss(a, t, {}, 0, "sum")));
  CHECK(same(F::binary_cross_entropy(prob, prob.flip({1}), F::BinaryCrossEntropyFuncOptions().weight(w)),
             F::binary_cross_entropy(prob, prob.flip({1}), w)));
  CHECK(same(F::binary_cross_entropy_with_logits(a, prob, F::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(w)),
             F::binary_cross_entropy_with_logits(a, prob, {}, "mean", w)));
  CHECK(same(F::poisson_nll_loss(a, prob, F::PoissonNLLLossFuncOptions().full(true).eps(1e-3)),
             F::poisson_nll_loss(a, prob, true, true, 1e-3)));
  CHECK(same(F::margin_ranking_loss(a, b, pm, F::MarginRankingLossFuncOptions().margin(0.5)),
             F::margin_ranking_loss(a, b, pm, 0.5)));
  CHECK(same(F::hinge_embedding_loss(a, pm, F::HingeEmbeddingLossFuncOptions().margin(0.5)),
             F::hinge_embedding_loss(a, pm, 0.5)));
  CHECK(same(F::soft_margin_loss(a, pm, F::SoftMarginLossFuncOptions(ember::kSum)), F::soft_margin_loss(a, pm, "sum")));
  CHECK(same(F::cosine_embedding_loss(a, b, signs({3}), F::CosineEmbeddingLossFuncOptions().margin(0.5)),
             F::cosine_embedding_loss(a, b, signs({3}), 0.5)));
  CHECK(same(F::multi_margin_loss(a, t, F::MultiMarginLossFuncOptions().p(2).weight(w)),
             F::multi_margin_loss(a, t, 2, 1.0, w)));
  Tensor labels = i64({3, 0, -1, 1, 0, 1, 2, 3, 1, -1, 0, 0}, {3, 4});
  CHECK(same(F::multilabel_margin_loss(a, labels, F::MultilabelMarginLossFuncOptions(ember::kSum)),
             F::multilabel_margin_loss(a, labels, "sum")));
  CHECK(same(F::multilabel_soft_margin_loss(a, prob, F::MultilabelSoftMarginLossFuncOptions().weight(w)),
             F::multilabel_soft_margin_loss(a, prob, w)));
  CHECK(same(F::triplet_margin_loss(a, b, c, F::TripletMarginLossFuncOptions().p(1).swap(true)),
             F::triplet_margin_loss(a, b, c, 1.0, 1.0, 1e-6, true)));
  auto dist = [](const Tensor& x, const Tensor& y) { return (x - y).square().sum({1}); };
  CHECK(same(F::triplet_margin_with_distance_loss(a, b, c, F::TripletMarginWithDistanceLossFuncOptions().distance_function(dist)),
             F::triplet_margin_with_distance_loss(a, b, c, dist)));
  CHECK(same(F::cosine_similarity(a, b, F::CosineSimilarityFuncOptions().dim(0)), F::cosine_similarity(a, b, 0)));
  CHECK(same(F::pairwise_distance(a, b, F::PairwiseDistanceFuncOptions().p(1).keepdim(true)),
             F::pairwise_distance(a, b, 1, 1e-6, true)));
}

// ---------------------------------------------------------------- errors

TEST_CASE("loss functionals: user mistakes name the op and the shapes", "[loss]") {
  Capture quiet;  // kl_div's warning about 'mean', the broadcast warnings
  ember::WarningUtils::WarningHandlerGuard guard(&quiet);
  Tensor a = leaf({3, 4}), b = leaf({3, 4}), c = leaf({3, 4}), pm = signs({3, 4});
  Tensor wrong = leaf({2, 5});
  Tensor ints = i64({1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0}, {3, 4});

  // A bad reduction string, for every loss.
  for (const std::string& bad : {std::string("Mean"), std::string("avg")}) {
// Catch2's combined matchers refer to their parts, so they are spelled out in place.
#define says(op) Contains(op) && Contains("'" + bad + "'")
    CHECK_THROWS_WITH(F::huber_loss(a, b, bad), says("huber_loss"));
    CHECK_THROWS_WITH(F::kl_div(a, b, bad), says("kl_div"));
    CHECK_THROWS_WITH(F::poisson_nll_loss(a, b, true, false, 1e-8, bad), says("poisson_nll_loss"));
    CHECK_THROWS_WITH(F::margin_ranking_loss(a, b, pm, 0, bad), says("margin_ranking_loss"));
    CHECK_THROWS_WITH(F::hinge_embedding_loss(a, pm, 1, bad), says("hinge_embedding_loss"));
    CHECK_THROWS_WITH(F::soft_margin_loss(a, pm, bad), says("soft_margin_loss"));
    CHECK_THROWS_WITH(F::cosine_embedding_loss(a, b, signs({3}), 0, bad), says("cosine_embedding_loss"));
    CHECK_THROWS_WITH(F::multi_margin_loss(a, i64({0, 1, 2}, {3}), 1, 1, {}, bad), says("multi_margin_loss"));
    CHECK_THROWS_WITH(F::multilabel_margin_loss(a, ints, bad), says("multilabel_margin_loss"));
    CHECK_THROWS_WITH(F::multilabel_soft_margin_loss(a, b, {}, bad), says("multilabel_soft_margin_loss"));
    CHECK_THROWS_WITH(F::triplet_margin_loss(a, b, c, 1, 2, 1e-6, false, bad), says("triplet_margin_loss"));
    CHECK_THROWS_WITH(F::triplet_margin_with_distance_loss(a, b, c, std::nullopt, 1, false, bad),
                      says("triplet_margin_with_distance_loss"));
    CHECK_THROWS_WITH(nn::MSELoss(nn::MSELossOptions().reduction(bad))(a, b), says("mse_loss"));
  }
  CHECK_THROWS_WITH(F::mse_loss(a, b, "batchmean"), Contains("mse_loss") && Contains("'batchmean'"));

  // Shapes that do not go together.
#define shapes(op) Contains(op) && Contains("[2, 5]") && Contains("[3, 4]")
  CHECK_THROWS_WITH(F::huber_loss(a, wrong), shapes("huber_loss"));
  CHECK_THROWS_WITH(F::kl_div(a, wrong, "sum"), shapes("kl_div"));
  CHECK_THROWS_WITH(F::poisson_nll_loss(a, wrong), shapes("poisson_nll_loss"));
  CHECK_THROWS_WITH(F::margin_ranking_loss(a, wrong, pm), shapes("margin_ranking_loss"));
  CHECK_THROWS_WITH(F::margin_ranking_loss(a, b, signs({4})),
                    Contains("margin_ranking_loss") && Contains("[4]") && Contains("[3, 4]"));
  CHECK_THROWS_WITH(F::hinge_embedding_loss(a, wrong), shapes("hinge_embedding_loss"));
  CHECK_THROWS_WITH(F::soft_margin_loss(a, wrong), shapes("soft_margin_loss"));
  CHECK_THROWS_WITH(F::cosine_embedding_loss(a, wrong, signs({3})), shapes("cosine_embedding_loss"));
  CHECK_THROWS_WITH(F::cosine_embedding_loss(a, b, pm), Contains("cosine_embedding_loss") && Contains("[3, 4]"));
  CHECK_THROWS_WITH(F::cosine_embedding_loss(a, b, signs({5})),
                    Contains("cosine_embedding_loss") && Contains("[5]") && Contains("[3]"));
  CHECK_THROWS_WITH(F::multi_margin_loss(a, i64({0, 1}, {2})),
                    Contains("multi_margin_loss") && Contains("[2]") && Contains("[3, 4]"));
  CHECK_THROWS_WITH(F::multi_margin_loss(leaf({2, 3, 4}), i64({0, 1}, {2})),
                    Contains("multi_margin_loss") && Contains("[2, 3, 4]"));
  CHECK_THROWS_WITH(F::multilabel_margin_loss(a, i64({0, 1, 2}, {3})),
                    Contains("multilabel_margin_loss") && Contains("[3]") && Contains("[3, 4]"));
  CHECK_THROWS_WITH(F::multilabel_soft_margin_loss(a, wrong), shapes("multilabel_soft_margin_loss"));
  CHECK_THROWS_WITH(F::multilabel_soft_margin_loss(a, b, f64({1, 2}, {2})),
                    Contains("multilabel_soft_margin_loss") && Contains("[2]"));
  CHECK_THROWS_WITH(F::triplet_margin_loss(a, b, leaf({4})),
                    Contains("triplet_margin_loss") && Contains("[4]") && Contains("[3, 4]"));
  CHECK_THROWS_WITH(F::triplet_margin_with_distance_loss(a, leaf({4}), c),
                    Contains("triplet_margin_with_distance_loss") && Contains("[4]"));
  CHECK_THROWS_WITH(F::cosine_similarity(a, wrong), shapes("cosine_similarity"));
  CHECK_THROWS_WITH(F::cosine_similarity(a, b, 2), Contains("cosine_similarity") && Contains("dim 2"));
  CHECK_THROWS_WITH(F::pairwise_distance(a, wrong), shapes("pairwise_distance"));
  CHECK_THROWS_WITH(F::pdist(leaf({2, 3, 4})), Contains("pdist") && Contains("[2, 3, 4]"));
  CHECK_THROWS_WITH(nn::TripletMarginLoss()(a, b, wrong), shapes("triplet_margin_loss"));

  // Wrong dtypes: class-index targets must be int64, inputs floating-point.
  CHECK_THROWS_WITH(F::multi_margin_loss(a, f64({0, 1, 2}, {3})),
                    Contains("multi_margin_loss") && Contains("int64") && Contains("float64") && Contains("[3]"));
  CHECK_THROWS_WITH(F::multilabel_margin_loss(a, b),
                    Contains("multilabel_margin_loss") && Contains("int64") && Contains("[3, 4]"));
  CHECK_THROWS_WITH(F::kl_div(a, ints), Contains("kl_div") && Contains("int64") && Contains("[3, 4]"));
  CHECK_THROWS_WITH(F::huber_loss(a, ints), Contains("huber_loss") && Contains("int64"));
  CHECK_THROWS_WITH(F::multilabel_soft_margin_loss(a, ints), Contains("multilabel_soft_margin_loss") && Contains("int64"));
  CHECK_THROWS_WITH(F::poisson_nll_loss(ints, a), Contains("poisson_nll_loss") && Contains("int64"));
  CHECK_THROWS_WITH(F::pdist(i64({1, 2}, {1, 2})), Contains("pdist") && Contains("int64"));
  CHECK_THROWS_WITH(F::cosine_similarity(ints, a), Contains("cosine_similarity") && Contains("int64"));

  // Out-of-range targets and arguments.
  CHECK_THROWS_WITH(F::multi_margin_loss(a, i64({0, 4, 1}, {3})),
                    Contains("multi_margin_loss") && Contains("target 4") && Contains("[0, 4)"));
  CHECK_THROWS_WITH(F::multi_margin_loss(a, i64({0, 1, 1}, {3}), 3), Contains("multi_margin_loss") && Contains("p"));
  CHECK_THROWS_WITH(F::multi_margin_loss(a, i64({0, 1, 1}, {3}), 1, 1, f64({1, 2}, {2})),
                    Contains("multi_margin_loss") && Contains("weight") && Contains("[4]"));
  CHECK_THROWS_WITH(F::multilabel_margin_loss(a, i64({0, 1, 7, -1, 0, -1, 0, 0, -2, 0, 0, 0}, {3, 4})),
                    Contains("multilabel_margin_loss") && Contains("target 7"));
  CHECK_THROWS_WITH(F::huber_loss(a, b, "mean", 0.0), Contains("huber_loss") && Contains("delta"));
  CHECK_THROWS_WITH(F::triplet_margin_with_distance_loss(a, b, c, std::nullopt, 0.0),
                    Contains("triplet_margin_with_distance_loss") && Contains("margin"));
  CHECK_THROWS_WITH(F::pairwise_distance(a, b, -1.0), Contains("pairwise_distance") && Contains("p"));
#undef says
#undef shapes
  // An undefined tensor.
  CHECK_THROWS_WITH(F::soft_margin_loss(a, Tensor()), Contains("soft_margin_loss") && Contains("target"));
}

TEST_CASE("loss functionals: unbatched inputs and 'none' shapes follow PyTorch", "[loss]") {
  Tensor x = leaf({4});
  // multi_margin_loss: [C] with a 0-dim target gives 0-dim under 'none', [1] with a [1] target.
  CHECK(F::multi_margin_loss(x, i64({2}, {}), 1, 1.0, {}, "none").dim() == 0);
  CHECK(F::multi_margin_loss(x, i64({2}, {1}), 1, 1.0, {}, "none").sizes().vec() == std::vector<int64_t>{1});
  CHECK(F::multilabel_margin_loss(x, i64({2, -1, 0, 1}, {4}), "none").dim() == 0);
  CHECK(F::cosine_embedding_loss(x, leaf({4}), f64({-1.0}, {}), 0.0, "none").dim() == 0);
  CHECK(F::pairwise_distance(x, leaf({4})).dim() == 0);
  CHECK(F::pdist(leaf({1, 3})).numel() == 0);
  CHECK(F::pdist(leaf({5, 3})).sizes().vec() == std::vector<int64_t>{10});
  // pdist with two equal rows: their distance's gradient is 0, as PyTorch 1.13's
  // torch.pdist([[1, 2], [1, 2], [0, 1]]).sum().backward() gives.
  Tensor rows = f64({1, 2, 1, 2, 0, 1}, {3, 2}).requires_grad_(true);
  F::pdist(rows).sum().backward();
  const double s = 1 / std::sqrt(2.0);
  CHECK(close(values(rows.grad()), {s, s, s, s, -2 * s, -2 * s}));
  // kl_div's batchmean divides the sum by the batch size.
  Tensor lp = ember::log_softmax(x4x3(), 1), p = ember::softmax(x4x3().flip({1}), 1);
  CHECK(close(values(F::kl_div(lp, p, "batchmean")), {F::kl_div(lp, p, "sum").item<double>() / 4}));
}

// ---------------------------------------------------------------- ctc_loss

namespace {
// log_softmax(sin(linspace(-2, 2, 72)) * 1.5) as [T=6, N=3, C=4], the PyTorch cases' input.
Tensor ctc_log_probs() {
  Tensor x = (ember::arange(72, ember::kFloat64) * (4.0 / 71) - 2).sin() * 1.5;
  return ember::log_softmax(x.reshape({6, 3, 4}), 2);
}
}  // namespace

TEST_CASE("ctc_loss: values from PyTorch 1.13, gradcheck, module and errors", "[loss]") {
  Tensor lp = ctc_log_probs();
  Tensor tg = i64({1, 2, 2, 3, 1, 0, 2, 0, 0}, {3, 3});
  Tensor il = i64({6, 5, 4}, {3}), tl = i64({3, 2, 1}, {3});
  // F.ctc_loss(lp, tg, il, tl, blank=0, reduction=red) in PyTorch 1.13.
  CHECK(close(values(F::ctc_loss(lp, tg, il, tl, 0, "none")), {5.0878649050000195, 3.4542083923922013, 3.3427564744857374}));
  CHECK(close(values(F::ctc_loss(lp, tg, il, tl, 0, "sum")), {11.884829771877959}));
  CHECK(close(values(F::ctc_loss(lp, tg, il, tl)), {2.255271879671726}));
  // Concatenated targets [1, 2, 2 | 0, 1 | 2] with blank 3.
  CHECK(close(values(F::ctc_loss(lp, i64({1, 2, 2, 0, 1, 2}, {6}), il, tl, 3, "none")),
              {4.7796175454697, 3.3864040395667594, 3.032954956382036}));
  // Two frames cannot hold 1 2 2 (the repeat needs a blank between): inf, or 0 with zero_infinity.
  Tensor short_in = i64({2, 5, 4}, {3});
  std::vector<double> impossible = values(F::ctc_loss(lp, tg, short_in, tl, 0, "none"));
  CHECK(std::isinf(impossible[0]));
  CHECK(close({impossible[1], impossible[2]}, {3.4542083923922013, 3.3427564744857374}));
  CHECK(close(values(F::ctc_loss(lp, tg, short_in, tl, 0, "none", true)), {0.0, 3.4542083923922013, 3.3427564744857374}));
  // Unbatched: [T, C] with a 0-dim length.
  Tensor one = F::ctc_loss(lp.select(1, 0), i64({1, 2, 2}, {3}), i64({6}, {}), i64({3}, {}), 0, "none");
  CHECK(one.dim() == 0);
  CHECK(close(values(one), {5.0878649050000195}));

  // gradcheck through log_softmax, each reduction.
  Tensor logits = leaf({6, 3, 4});
  for (const std::string& red : kReductions) {
    INFO(red);
    CHECK(gradcheck([&](const std::vector<Tensor>& in) { return F::ctc_loss(ember::log_softmax(in[0], 2), tg, il, tl, 0, red); },
                    {logits}));
  }
  CHECK(gradcheck(
      [&](const std::vector<Tensor>& in) { return F::ctc_loss(ember::log_softmax(in[0], 2), tg, short_in, tl, 0, "mean", true); },
      {logits}));

  nn::CTCLoss ctc(nn::CTCLossOptions().blank(3).reduction(ember::kSum));
  CHECK(same(ctc(lp, i64({1, 2, 2, 0, 1, 2}, {6}), il, tl), F::ctc_loss(lp, i64({1, 2, 2, 0, 1, 2}, {6}), il, tl, 3, "sum")));
  CHECK(same(F::ctc_loss(lp, tg, il, tl, F::CTCLossFuncOptions().zero_infinity(true)), F::ctc_loss(lp, tg, il, tl, 0, "mean", true)));
  CHECK(printed(*nn::CTCLoss()) == "CTCLoss()");  // repr(nn.CTCLoss()) in PyTorch 1.13
  CHECK(nn::CTCLossOptions().blank() == 0);
  CHECK(!nn::CTCLossOptions().zero_infinity());

  CHECK_THROWS_WITH(F::ctc_loss(lp, tg, il, tl, 0, "avg"), Contains("ctc_loss") && Contains("'avg'"));
  CHECK_THROWS_WITH(F::ctc_loss(lp, tg, il, tl, 4), Contains("ctc_loss") && Contains("blank 4"));
  CHECK_THROWS_WITH(F::ctc_loss(lp, tg.to(ember::kFloat64), il, tl),
                    Contains("ctc_loss") && Contains("int64") && Contains("float64") && Contains("[3, 3]"));
  CHECK_THROWS_WITH(F::ctc_loss(lp, tg, il.to(ember::kFloat64), tl), Contains("ctc_loss") && Contains("input_lengths"));
  CHECK_THROWS_WITH(F::ctc_loss(lp, tg, i64({6, 5}, {2}), tl),
                    Contains("ctc_loss") && Contains("input_lengths") && Contains("[2]") && Contains("[3]"));
  CHECK_THROWS_WITH(F::ctc_loss(lp, tg, i64({7, 5, 4}, {3}), tl), Contains("ctc_loss") && Contains("input length 7"));
  CHECK_THROWS_WITH(F::ctc_loss(lp, tg, il, i64({4, 2, 1}, {3})), Contains("ctc_loss") && Contains("target length 4"));
  CHECK_THROWS_WITH(F::ctc_loss(lp, i64({1, 2, 4, 3, 1, 0, 2, 0, 0}, {3, 3}), il, tl),
                    Contains("ctc_loss") && Contains("target 4"));
  CHECK_THROWS_WITH(F::ctc_loss(lp.select(0, 0).select(0, 0), tg, il, tl), Contains("ctc_loss") && Contains("[4]"));
}
