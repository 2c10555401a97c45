// Learning-rate schedulers: lr sequences against PyTorch, momentum cycling, state dicts,
// errors.
#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "helpers.hpp"

namespace optim = ember::optim;
using ember::Tensor;
using Rows = std::vector<std::vector<double>>;

namespace {

// Two groups, lr 0.1 and 0.05, as in the reference script:
//   cls([{'params': [a]}, {'params': [b], 'lr': 0.05}], lr=0.1, **kw)
struct Setup {
  Tensor a = ember::zeros({2}).requires_grad_(true);
  Tensor b = ember::zeros({3}).requires_grad_(true);
  std::vector<optim::ParamGroup> groups() const {
    return {optim::ParamGroup({a}), optim::ParamGroup({b}, optim::SGDOptions(0.05))};
  }
};

std::unique_ptr<optim::SGD> sgd(const Setup& s, double momentum = 0) {
  return std::make_unique<optim::SGD>(s.groups(), optim::SGDOptions(0.1).momentum(momentum));
}

// get_last_lr() after construction and after each of n steps, each row optionally
// followed by every group's momentum (or beta1).
Rows sequence(optim::Optimizer& opt, optim::LRScheduler& sched, int n, const char* momentum_key = nullptr) {
  Rows rows;
  auto row = [&] {
    std::vector<double> r = sched.get_last_lr();
    if (momentum_key)
      for (const optim::ParamGroup& g : opt.param_groups()) r.push_back(g.options().get(momentum_key)[0]);
    rows.push_back(r);
  };
  for (int i = 0; i < n; ++i) {
    row();
    opt.step();
    sched.step();
  }
  row();
  return rows;
}

void require_rows(const Rows& got, const Rows& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("row " << i);
    REQUIRE(got[i].size() == want[i].size());
    // The same formulas in the same order give the same doubles: compare exactly.
    for (std::size_t j = 0; j < got[i].size(); ++j) REQUIRE(got[i][j] == want[i][j]);
  }
}

}  // namespace

// Every expected sequence below is from PyTorch 1.13 (torch.optim.lr_scheduler with the
// arguments named in each section, on the two-group SGD above): get_last_lr() after
// construction, then after each opt.step(); sched.step().

TEST_CASE("StepLR, MultiStepLR, ExponentialLR match PyTorch", "[sched]") {
  Setup s;
  SECTION("StepLR(step_size=3, gamma=0.5)") {
    auto opt = sgd(s);
    optim::StepLR sched(*opt, 3, 0.5);
    require_rows(sequence(*opt, sched, 10),
                 {{0.1, 0.05}, {0.1, 0.05}, {0.1, 0.05}, {0.05, 0.025}, {0.05, 0.025}, {0.05, 0.025},
                  {0.025, 0.0125}, {0.025, 0.0125}, {0.025, 0.0125}, {0.0125, 0.00625}, {0.0125, 0.00625}});
    REQUIRE(sched.last_epoch() == 10);
    REQUIRE(opt->param_groups()[1].lr() == 0.00625);
  }
  SECTION("MultiStepLR(milestones=[5, 2, 9, 5], gamma=0.3): a repeated milestone applies twice") {
    auto opt = sgd(s);
    optim::MultiStepLR sched(*opt, {5, 2, 9, 5}, 0.3);
    require_rows(sequence(*opt, sched, 10),
                 {{0.1, 0.05},
                  {0.1, 0.05},
                  {0.03, 0.015},
                  {0.03, 0.015},
                  {0.03, 0.015},
                  {0.0026999999999999997, 0.0013499999999999999},
                  {0.0026999999999999997, 0.0013499999999999999},
                  {0.0026999999999999997, 0.0013499999999999999},
                  {0.0026999999999999997, 0.0013499999999999999},
                  {0.0008099999999999998, 0.0004049999999999999},
                  {0.0008099999999999998, 0.0004049999999999999}});
  }
  SECTION("ExponentialLR(gamma=0.9)") {
    auto opt = sgd(s);
    optim::ExponentialLR sched(*opt, 0.9);
    require_rows(sequence(*opt, sched, 6), {{0.1, 0.05},
                                            {0.09000000000000001, 0.045000000000000005},
                                            {0.08100000000000002, 0.04050000000000001},
                                            {0.07290000000000002, 0.03645000000000001},
                                            {0.06561000000000002, 0.03280500000000001},
                                            {0.05904900000000002, 0.02952450000000001},
                                            {0.05314410000000002, 0.02657205000000001}});
  }
}

TEST_CASE("CosineAnnealingLR and LinearLR match PyTorch", "[sched]") {
  Setup s;
  SECTION("CosineAnnealingLR(T_max=5, eta_min=0.01), past T_max") {
    auto opt = sgd(s);
    optim::CosineAnnealingLR sched(*opt, 5, 0.01);
    require_rows(sequence(*opt, sched, 14), {{0.1, 0.05},
                                             {0.09140576474687263, 0.04618033988749895},
                                             {0.06890576474687263, 0.03618033988749895},
                                             {0.04109423525312736, 0.02381966011250105},
                                             {0.018594235253127367, 0.013819660112501053},
                                             {0.01, 0.01},
                                             {0.018594235253127367, 0.013819660112501051},
                                             {0.04109423525312739, 0.023819660112501057},
                                             {0.06890576474687267, 0.03618033988749896},
                                             {0.09140576474687269, 0.04618033988749897},
                                             {0.10000000000000006, 0.050000000000000024},
                                             {0.09140576474687272, 0.046180339887498985},
                                             {0.06890576474687268, 0.03618033988749897},
                                             {0.0410942352531274, 0.023819660112501063},
                                             {0.01859423525312738, 0.013819660112501058}});
  }
  SECTION("LinearLR() with its defaults (1/3, 1, 5)") {
    auto opt = sgd(s);
    optim::LinearLR sched(*opt);
    require_rows(sequence(*opt, sched, 7), {{0.03333333333333333, 0.016666666666666666},
                                            {0.04666666666666667, 0.023333333333333334},
                                            {0.060000000000000005, 0.030000000000000002},
                                            {0.07333333333333335, 0.036666666666666674},
                                            {0.08666666666666668, 0.04333333333333334},
                                            {0.1, 0.05},
                                            {0.1, 0.05},
                                            {0.1, 0.05}});
  }
  SECTION("LinearLR(0.5, 0.9, 4)") {
    auto opt = sgd(s);
    optim::LinearLR sched(*opt, 0.5, 0.9, 4);
    require_rows(sequence(*opt, sched, 6), {{0.05, 0.025},
                                            {0.06, 0.03},
                                            {0.07, 0.035},
                                            {0.08, 0.04},
                                            {0.09, 0.045},
                                            {0.09, 0.045},
                                            {0.09, 0.045}});
  }
}

TEST_CASE("OneCycleLR matches PyTorch, cycling momentum or beta1", "[sched]") {
  Setup s;
  SECTION("SGD momentum 0.9, max_lr=[1.0, 0.5], total_steps=10 (rows: lrs, then momentums)") {
    auto opt = sgd(s, 0.9);
    optim::OneCycleLROptions o;
    o.max_lr = {1.0, 0.5};
    o.total_steps = 10;
    optim::OneCycleLR sched(*opt, o);
    require_rows(sequence(*opt, sched, 9, "momentum"),
                 {{0.040000000000000036, 0.020000000000000018, 0.95, 0.95},
                  {0.52, 0.26, 0.8999999999999999, 0.8999999999999999},
                  {1.0, 0.5, 0.85, 0.85},
                  {0.9504846320134737, 0.47524231600673683, 0.854951556604879, 0.854951556604879},
                  {0.8117456539497631, 0.40587282697488153, 0.8688255099070633, 0.8688255099070633},
                  {0.6112620219362893, 0.30563101096814466, 0.8888739533021842, 0.8888739533021842},
                  {0.38874197806371075, 0.19437098903185537, 0.9111260466978157, 0.9111260466978157},
                  {0.18825834605023697, 0.09412917302511849, 0.9311744900929366, 0.9311744900929366},
                  {0.049519367986526286, 0.024759683993263143, 0.945048443395121, 0.945048443395121},
                  {4e-06, 2e-06, 0.95, 0.95}});
    // PyTorch lets last_epoch reach total_steps, then refuses.
    sched.step();
    REQUIRE_THROWS_WITH(sched.step(), Catch::Contains("OneCycleLR: tried to step 12 times") &&
                                          Catch::Contains("total steps is 10"));
    REQUIRE(sched.last_epoch() == 10);
  }
  SECTION("Adam, max_lr=0.3, epochs=2 x 6, pct_start=0.25, linear, three_phase, div 10, final_div 100 (beta1)") {
    optim::Adam opt({optim::ParamGroup({s.a}), optim::ParamGroup({s.b}, optim::AdamOptions(0.05))},
                    optim::AdamOptions(0.1));
    optim::OneCycleLROptions o;
    o.max_lr = {0.3};
    o.epochs = 2;
    o.steps_per_epoch = 6;
    o.pct_start = 0.25;
    o.anneal_strategy = "linear";
    o.three_phase = true;
    o.div_factor = 10;
    o.final_div_factor = 100;
    optim::OneCycleLR sched(opt, o);
    REQUIRE(sched.total_steps() == 12);
    require_rows(sequence(opt, sched, 11, "betas"),
                 {{0.03, 0.03, 0.95, 0.95},
                  {0.165, 0.165, 0.8999999999999999, 0.8999999999999999},
                  {0.30000000000000004, 0.30000000000000004, 0.85, 0.85},
                  {0.16499999999999998, 0.16499999999999998, 0.8999999999999999, 0.8999999999999999},
                  {0.02999999999999997, 0.02999999999999997, 0.95, 0.95},
                  {0.025757142857142857, 0.025757142857142857, 0.95, 0.95},
                  {0.021514285714285715, 0.021514285714285715, 0.95, 0.95},
                  {0.017271428571428573, 0.017271428571428573, 0.95, 0.95},
                  {0.013028571428571431, 0.013028571428571431, 0.95, 0.95},
                  {0.008785714285714286, 0.008785714285714286, 0.95, 0.95},
                  {0.004542857142857147, 0.004542857142857147, 0.95, 0.95},
                  {0.00030000000000000165, 0.00030000000000000165, 0.95, 0.95}});
    REQUIRE(std::get<1>(opt.param_groups()[0].options_as<optim::AdamOptions>().betas()) == 0.999);
  }
}

TEST_CASE("ReduceLROnPlateau matches PyTorch", "[sched]") {
  Setup s;
  auto lrs = [](optim::Optimizer& opt) {
    std::vector<double> r;
    for (const optim::ParamGroup& g : opt.param_groups()) r.push_back(g.lr());
    return r;
  };
  SECTION("factor=0.5, patience=2, cooldown=1, min_lr=0.02 (mode min, rel)") {
    auto opt = sgd(s);
    optim::ReduceLROnPlateauOptions o;
    o.factor = 0.5;
    o.patience = 2;
    o.cooldown = 1;
    o.min_lr = {0.02};
    optim::ReduceLROnPlateau sched(*opt, o);
    std::vector<double> metrics = {1.0, 0.9, 0.95, 0.91, 0.9, 0.92, 0.93, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91};
    Rows got;
    for (double m : metrics) {
      sched.step(m);
      got.push_back(lrs(*opt));
      REQUIRE(sched.get_last_lr() == got.back());
    }
    require_rows(got, {{0.1, 0.05},
                       {0.1, 0.05},
                       {0.1, 0.05},
                       {0.1, 0.05},
                       {0.05, 0.025},
                       {0.05, 0.025},
                       {0.05, 0.025},
                       {0.05, 0.025},
                       {0.05, 0.025},
                       {0.05, 0.025},
                       {0.025, 0.02},
                       {0.025, 0.02},
                       {0.025, 0.02},
                       {0.025, 0.02},
                       {0.02, 0.02}});
    REQUIRE(sched.best() == 0.8);
    REQUIRE(sched.last_epoch() == 15);
  }
  SECTION("mode max, threshold 0.05 abs, patience 1, factor 0.1") {
    auto opt = sgd(s);
    optim::ReduceLROnPlateauOptions o;
    o.mode = "max";
    o.threshold = 0.05;
    o.threshold_mode = "abs";
    o.patience = 1;
    o.factor = 0.1;
    optim::ReduceLROnPlateau sched(*opt, o);
    Rows got;
    for (double m : {1.0, 1.04, 1.06, 1.1, 1.2, 1.2, 1.22, 1.3}) {
      sched.step(m);
      got.push_back(lrs(*opt));
    }
    require_rows(got, {{0.1, 0.05},
                       {0.1, 0.05},
                       {0.1, 0.05},
                       {0.1, 0.05},
                       {0.1, 0.05},
                       {0.1, 0.05},
                       {0.010000000000000002, 0.005000000000000001},
                       {0.010000000000000002, 0.005000000000000001}});
  }
}

TEST_CASE("scheduler state dicts resume the schedule", "[sched]") {
  Setup s;
  SECTION("CosineAnnealingLR") {
    auto a = sgd(s);
    optim::CosineAnnealingLR sa(*a, 7, 0.001);
    for (int i = 0; i < 4; ++i) sa.step();
    ember::StateDict d = sa.state_dict();
    REQUIRE(d.at("last_epoch").item<int64_t>() == 4);
    REQUIRE(d.at("T_max").item<int64_t>() == 7);
    REQUIRE(d.at("base_lrs").tolist<double>() == std::vector<double>{0.1, 0.05});

    Setup s2;
    auto b = sgd(s2);
    b->load_state_dict(a->state_dict());  // the optimizer carries the current lrs
    optim::CosineAnnealingLR sb(*b, 3, 0.5);
    sb.load_state_dict(d);
    REQUIRE(sb.last_epoch() == 4);
    REQUIRE(sb.get_last_lr() == sa.get_last_lr());
    for (int i = 0; i < 6; ++i) {
      sa.step();
      sb.step();
      REQUIRE(sb.get_last_lr() == sa.get_last_lr());
    }
  }
  SECTION("OneCycleLR") {
    auto a = sgd(s, 0.9);
    optim::OneCycleLR sa(*a, optim::OneCycleLROptions(1.0, 20));
    for (int i = 0; i < 7; ++i) sa.step();
    Setup s2;
    auto b = sgd(s2, 0.9);
    optim::OneCycleLR sb(*b, optim::OneCycleLROptions(2.0, 20));
    sb.load_state_dict(sa.state_dict());
    b->load_state_dict(a->state_dict());
    for (int i = 0; i < 10; ++i) {
      sa.step();
      sb.step();
      REQUIRE(sb.get_last_lr() == sa.get_last_lr());
      REQUIRE(b->param_groups()[0].options().get("momentum") == a->param_groups()[0].options().get("momentum"));
    }
  }
  SECTION("ReduceLROnPlateau") {
    auto a = sgd(s);
    optim::ReduceLROnPlateauOptions o;
    o.patience = 1;
    optim::ReduceLROnPlateau sa(*a, o);
    for (double m : {1.0, 2.0}) sa.step(m);
    Setup s2;
    auto b = sgd(s2);
    optim::ReduceLROnPlateau sb(*b, o);
    sb.load_state_dict(sa.state_dict());
    REQUIRE(sb.num_bad_epochs() == 1);
    REQUIRE(sb.best() == 1.0);
    sa.step(3.0);
    sb.step(3.0);
    REQUIRE(a->param_groups()[0].lr() == Approx(0.01));
    REQUIRE(b->param_groups()[0].lr() == a->param_groups()[0].lr());
  }
  SECTION("a dict for another number of groups") {
    auto a = sgd(s);
    optim::StepLR sa(*a, 2);
    ember::StateDict d = sa.state_dict();
    Tensor c = ember::zeros({1}).requires_grad_(true);
    optim::SGD one(std::vector<Tensor>{c}, optim::SGDOptions(0.1));
    optim::StepLR sb(one, 2);
    REQUIRE_THROWS_WITH(sb.load_state_dict(d), Catch::Contains("StepLR.load_state_dict") &&
                                                   Catch::Contains("2 parameter groups, the optimizer has 1"));
    d.erase("gamma");
    REQUIRE_THROWS_WITH(sa.load_state_dict(d), Catch::Contains("missing key 'gamma'"));
  }
}

TEST_CASE("schedulers reject bad arguments", "[sched]") {
  using Catch::Contains;
  Setup s;
  auto opt = sgd(s);
  REQUIRE_THROWS_WITH(optim::StepLR(*opt, 0), Contains("StepLR: step_size must be positive, got 0"));
  REQUIRE_THROWS_WITH(optim::CosineAnnealingLR(*opt, 0), Contains("T_max must be positive, got 0"));
  REQUIRE_THROWS_WITH(optim::LinearLR(*opt, 1.5), Contains("LinearLR: starting multiplicative factor") &&
                                                       Contains("got 1.5"));
  REQUIRE_THROWS_WITH(optim::LinearLR(*opt, 0.5, -1), Contains("ending multiplicative factor") && Contains("got -1"));

  optim::OneCycleLROptions o;
  o.max_lr = {1.0};
  REQUIRE_THROWS_WITH(optim::OneCycleLR(*opt, o), Contains("either total_steps OR (epochs AND steps_per_epoch)"));
  o.total_steps = -3;
  REQUIRE_THROWS_WITH(optim::OneCycleLR(*opt, o), Contains("expected positive integer total_steps, but got -3"));
  o.total_steps = 0;
  o.epochs = 2;
  REQUIRE_THROWS_WITH(optim::OneCycleLR(*opt, o), Contains("expected positive integer steps_per_epoch, but got 0"));
  o = optim::OneCycleLROptions(1.0, 10);
  o.pct_start = 1.5;
  REQUIRE_THROWS_WITH(optim::OneCycleLR(*opt, o), Contains("pct_start, but got 1.5"));
  o = optim::OneCycleLROptions(1.0, 10);
  o.anneal_strategy = "cosine";
  REQUIRE_THROWS_WITH(optim::OneCycleLR(*opt, o), Contains("'cos' or 'linear', instead got 'cosine'"));
  o = optim::OneCycleLROptions(1.0, 10);
  o.max_lr = {1.0, 2.0, 3.0};
  REQUIRE_THROWS_WITH(optim::OneCycleLR(*opt, o), Contains("expected 2 values for max_lr, got 3"));
  Tensor c = ember::zeros({1}).requires_grad_(true);
  optim::Adagrad adagrad(std::vector<Tensor>{c});
  REQUIRE_THROWS_WITH(optim::OneCycleLR(adagrad, optim::OneCycleLROptions(1.0, 10)),
                      Contains("optimizer must support momentum") && Contains("Adagrad"));
  o = optim::OneCycleLROptions(1.0, 10);
  o.cycle_momentum = false;
  REQUIRE_NOTHROW(optim::OneCycleLR(adagrad, o));

  optim::ReduceLROnPlateauOptions p;
  p.factor = 1.0;
  REQUIRE_THROWS_WITH(optim::ReduceLROnPlateau(*opt, p), Contains("factor should be < 1.0, got 1"));
  p = {};
  p.mode = "maximum";
  REQUIRE_THROWS_WITH(optim::ReduceLROnPlateau(*opt, p), Contains("mode 'maximum' is unknown"));
  p = {};
  p.threshold_mode = "relative";
  REQUIRE_THROWS_WITH(optim::ReduceLROnPlateau(*opt, p), Contains("threshold mode 'relative' is unknown"));
  p = {};
  p.min_lr = {0.1, 0.2, 0.3};
  REQUIRE_THROWS_WITH(optim::ReduceLROnPlateau(*opt, p), Contains("expected 2 values for min_lr, got 3"));

  optim::StepLR sched(*opt, 2);
  opt->add_param_group(optim::ParamGroup({ember::zeros({1}).requires_grad_(true)}));
  REQUIRE_THROWS_WITH(sched.step(), Contains("StepLR.step: the optimizer has 3 parameter groups") &&
                                        Contains("made for 2"));
}

// Expected sequences from PyTorch 1.13, made as the ones above (same two-group SGD).
TEST_CASE("LambdaLR, MultiplicativeLR, ConstantLR match PyTorch", "[sched]") {
  Setup s;
  SECTION("LambdaLR(lambda e: 0.9**e)") {
    auto opt = sgd(s);
    optim::LambdaLR sched(*opt, [](int64_t e) { return std::pow(0.9, static_cast<double>(e)); });
    require_rows(sequence(*opt, sched, 6),
                 {{0.1, 0.05}, {0.09000000000000001, 0.045000000000000005}, {0.08100000000000002, 0.04050000000000001},
                  {0.0729, 0.03645}, {0.06561, 0.032805}, {0.05904900000000001, 0.029524500000000006},
                  {0.05314410000000001, 0.026572050000000003}});
  }
  SECTION("LambdaLR with one function per group") {
    auto opt = sgd(s);
    optim::LambdaLR sched(*opt, {[](int64_t e) { return 1.0 / static_cast<double>(e + 1); },
                                 [](int64_t e) { return static_cast<double>(e) * 0.5 + 1; }});
    require_rows(sequence(*opt, sched, 5),
                 {{0.1, 0.05}, {0.05, 0.07500000000000001}, {0.03333333333333333, 0.1}, {0.025, 0.125},
                  {0.020000000000000004, 0.15000000000000002}, {0.016666666666666666, 0.17500000000000002}});
    CHECK_THROWS_WITH(optim::LambdaLR(*opt, std::vector<optim::LambdaLR::Lambda>(3, [](int64_t) { return 1.0; })),
                      Catch::Matchers::Contains("LambdaLR: expected 2 lr_lambdas, but got 3"));
  }
  SECTION("MultiplicativeLR(lambda e: 0.95)") {
    auto opt = sgd(s);
    optim::MultiplicativeLR sched(*opt, [](int64_t) { return 0.95; });
    require_rows(sequence(*opt, sched, 5),
                 {{0.1, 0.05}, {0.095, 0.0475}, {0.09025, 0.045125}, {0.0857375, 0.04286875},
                  {0.08145062499999998, 0.04072531249999999}, {0.07737809374999999, 0.038689046874999994}});
  }
  SECTION("ConstantLR(factor=0.5, total_iters=3)") {
    auto opt = sgd(s);
    optim::ConstantLR sched(*opt, 0.5, 3);
    require_rows(sequence(*opt, sched, 5),
                 {{0.05, 0.025}, {0.05, 0.025}, {0.05, 0.025}, {0.1, 0.05}, {0.1, 0.05}, {0.1, 0.05}});
    CHECK_THROWS_WITH(optim::ConstantLR(*opt, 1.5), Catch::Matchers::Contains("between 0 and 1"));
  }
}

TEST_CASE("CosineAnnealingWarmRestarts matches PyTorch by epochs and by fractional epochs", "[sched]") {
  Setup s;
  SECTION("T_0=3, T_mult=2, eta_min=0.001") {
    auto opt = sgd(s);
    optim::CosineAnnealingWarmRestarts sched(*opt, 3, 2, 0.001);
    require_rows(sequence(*opt, sched, 12),
                 {{0.1, 0.05},
                  {0.07525000000000001, 0.037750000000000006},
                  {0.025750000000000012, 0.013250000000000005},
                  {0.1, 0.05},
                  {0.09336825748732973, 0.046717622392718754},
                  {0.07525000000000001, 0.037750000000000006},
                  {0.0505, 0.025500000000000002},
                  {0.025750000000000012, 0.013250000000000005},
                  {0.007631742512670284, 0.004282377607281252},
                  {0.1, 0.05},
                  {0.09831332840130888, 0.04916518274408217},
                  {0.09336825748732973, 0.046717622392718754},
                  {0.0855017856687341, 0.04282411613907042}});
  }
  auto by_epochs = [](optim::Optimizer& opt, optim::CosineAnnealingWarmRestarts& sched,
                      const std::vector<double>& epochs) {
    Rows rows{sched.get_last_lr()};
    for (double e : epochs) {
      opt.step();
      sched.step(e);
      rows.push_back(sched.get_last_lr());
    }
    return rows;
  };
  SECTION("T_0=4, step(epoch) with fractions") {
    auto opt = sgd(s);
    optim::CosineAnnealingWarmRestarts sched(*opt, 4);
    require_rows(by_epochs(*opt, sched, {0.5, 1.25, 3.9, 4.0, 6.5, 9.75}),
                 {{0.1, 0.05},
                  {0.09619397662556434, 0.04809698831278217},
                  {0.07777851165098011, 0.038889255825490056},
                  {0.0001541333133436018, 7.70666566718009e-05},
                  {0.1, 0.05},
                  {0.030865828381745515, 0.015432914190872758},
                  {0.059754516100806426, 0.029877258050403213}});
  }
  SECTION("T_0=2, T_mult=3, step(epoch) across restarts") {
    auto opt = sgd(s);
    optim::CosineAnnealingWarmRestarts sched(*opt, 2, 3);
    require_rows(by_epochs(*opt, sched, {1.5, 2.5, 8.0, 9.3}),
                 {{0.1, 0.05},
                  {0.014644660940672627, 0.0073223304703363135},
                  {0.09829629131445342, 0.04914814565722671},
                  {0.1, 0.05},
                  {0.09871850323926178, 0.04935925161963089}});
    CHECK_THROWS_WITH(sched.step(-1.0), Catch::Matchers::Contains("non-negative epoch"));
  }
}

TEST_CASE("CyclicLR matches PyTorch in its three modes, with momentum", "[sched]") {
  Setup s;
  SECTION("triangular, base 0.01, max 0.1, up 3, down 2, momentum 0.8..0.9") {
    auto opt = sgd(s, 0.9);
    optim::CyclicLROptions o(0.01, 0.1);
    o.step_size_up = 3;
    o.step_size_down = 2;
    optim::CyclicLR sched(*opt, o);
    Rows want{{0.01, 0.01, 0.9, 0.9},
              {0.039999999999999994, 0.039999999999999994, 0.8666666666666667, 0.8666666666666667},
              {0.06999999999999999, 0.06999999999999999, 0.8333333333333334, 0.8333333333333334},
              {0.09999999999999999, 0.09999999999999999, 0.8, 0.8},
              {0.055, 0.055, 0.8500000000000001, 0.8500000000000001},
              {0.01, 0.01, 0.9, 0.9},
              {0.04000000000000003, 0.04000000000000003, 0.8666666666666667, 0.8666666666666667},
              {0.06999999999999999, 0.06999999999999999, 0.8333333333333334, 0.8333333333333334},
              {0.09999999999999999, 0.09999999999999999, 0.8, 0.8},
              {0.05500000000000005, 0.05500000000000005, 0.85, 0.85},
              {0.01, 0.01, 0.9, 0.9},
              {0.04000000000000003, 0.04000000000000003, 0.8666666666666667, 0.8666666666666667},
              {0.06999999999999999, 0.06999999999999999, 0.8333333333333334, 0.8333333333333334}};
    require_rows(sequence(*opt, sched, 12, "momentum"), want);
  }
  SECTION("triangular2 with one range per group, no momentum cycling") {
    auto opt = sgd(s, 0.9);
    optim::CyclicLROptions o({0.01, 0.02}, {0.1, 0.2});
    o.step_size_up = 2;
    o.mode = "triangular2";
    o.cycle_momentum = false;
    optim::CyclicLR sched(*opt, o);
    require_rows(sequence(*opt, sched, 10),
                 {{0.01, 0.02}, {0.05500000000000001, 0.11000000000000001}, {0.1, 0.2},
                  {0.05500000000000001, 0.11000000000000001}, {0.01, 0.02}, {0.0325, 0.065},
                  {0.05500000000000001, 0.11000000000000001}, {0.0325, 0.065}, {0.01, 0.02}, {0.02125, 0.0425},
                  {0.0325, 0.065}});
  }
  SECTION("exp_range, gamma 0.9") {
    auto opt = sgd(s, 0.9);
    optim::CyclicLROptions o(0.01, 0.1);
    o.step_size_up = 2;
    o.mode = "exp_range";
    o.gamma = 0.9;
    optim::CyclicLR sched(*opt, o);
    require_rows(sequence(*opt, sched, 8, "momentum"),
                 {{0.01, 0.01, 0.9, 0.9},
                  {0.05050000000000001, 0.05050000000000001, 0.855, 0.855},
                  {0.0829, 0.0829, 0.8190000000000001, 0.8190000000000001},
                  {0.04280500000000001, 0.04280500000000001, 0.86355, 0.86355},
                  {0.01, 0.01, 0.9, 0.9},
                  {0.03657205000000001, 0.03657205000000001, 0.8704755000000001, 0.8704755000000001},
                  {0.05782969000000001, 0.05782969000000001, 0.8468559, 0.8468559},
                  {0.03152336050000001, 0.03152336050000001, 0.8760851550000001, 0.8760851550000001},
                  {0.01, 0.01, 0.9, 0.9}});
  }
  SECTION("a bad mode is an error naming it") {
    auto opt = sgd(s, 0.9);
    optim::CyclicLROptions o(0.01, 0.1);
    o.mode = "square";
    CHECK_THROWS_WITH(optim::CyclicLR(*opt, o), Catch::Matchers::Contains("'square'"));
  }
}
