// Optimizers: trajectories against PyTorch, per-group options, state dicts that resume
// bit for bit, skipped parameters, errors; gradient clipping.
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>

#include "helpers.hpp"

namespace optim = ember::optim;
using ember::Tensor;
using testing::values;

namespace {

// The objective of the reference script: Rosenbrock in x, a quartic in W, and a term
// coupling them, so every option has something to act on.
Tensor objective(const Tensor& x, const Tensor& W) {
  Tensor a = x.select(0, 0), b = x.select(0, 1);
  Tensor rosen = (1 - a).square() + 100 * (b - a * a).square();
  return rosen + (W * W - 0.25).square().sum() + 0.1 * W.sum() * a;
}

struct Params {
  Tensor x, W;
  std::vector<Tensor> list() const { return {x, W}; }
};

// x = [-1.5, 2], W = [[0.5, -0.3, 0.8], [1.2, -0.7, 0.1]]. With strided_W, W is a
// transposed (non-contiguous) leaf, which takes the optimizers' composed-op path.
Params start(ember::Dtype dt = ember::kFloat64, bool strided_W = false) {
  Params p;
  p.x = ember::tensor({-1.5, 2.0}, dt).requires_grad_(true);
  if (strided_W)
    p.W = ember::tensor({{0.5, 1.2}, {-0.3, -0.7}, {0.8, 0.1}}, dt).t().requires_grad_(true);
  else
    p.W = ember::tensor({{0.5, -0.3, 0.8}, {1.2, -0.7, 0.1}}, dt).requires_grad_(true);
  return p;
}

void train(optim::Optimizer& opt, const Params& p, int steps) {
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    objective(p.x, p.W).backward();
    opt.step();
  }
}

std::vector<double> flat(const Params& p) {
  std::vector<double> v = values(p.x), w = values(p.W);
  v.insert(v.end(), w.begin(), w.end());
  return v;
}

void require_close(const std::vector<double>& got, const std::vector<double>& want, double tol, const std::string& what) {
  INFO(what);
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    REQUIRE(got[i] == Approx(want[i]).margin(tol).epsilon(tol));
  }
}

using Factory = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;
template <class Opt, class Options>
Factory make(const Options& o) {
  return [o](std::vector<Tensor> params) { return std::make_unique<Opt>(std::move(params), o); };
}

struct TrajectoryCase {
  const char* name;
  Factory factory;
  std::vector<double> expected;  // x then W (row-major) after 5 steps
};

// Values from PyTorch 1.13 (torch.optim.<name>(params, **options) on float64 params,
// 5 steps of zero_grad / objective(x, W).backward() / step from the start above, then
// x.tolist() + W.flatten().tolist()).
std::vector<TrajectoryCase> trajectory_cases() {
  using optim::AdagradOptions;
  using optim::AdamOptions;
  using optim::AdamWOptions;
  using optim::RMSpropOptions;
  using optim::SGDOptions;
  return {
      {"SGD lr 1e-3", make<optim::SGD>(SGDOptions(1e-3)),
       {-1.3872639738181072, 2.023481643076912, 0.5007108836353996, -0.3002462099705211, 0.794546698644855,
        1.173032974162438, -0.6959656852996019, 0.10119585811151177}},
      {"SGD lr 1e-3 momentum 0.9", make<optim::SGD>(SGDOptions(1e-3).momentum(0.9)),
       {-1.3601219700822802, 1.9939994665996632, 0.5018548527320924, -0.30065980132295134, 0.7856855246366928,
        1.1294867983006291, -0.6894253622719334, 0.1031320994595412}},
      {"SGD lr 1e-3 momentum 0.9 nesterov", make<optim::SGD>(SGDOptions(1e-3).momentum(0.9).nesterov(true)),
       {-1.368843967815661, 1.3607123912916137, 0.5021693985307105, -0.30104250918563724, 0.7816806271829099,
        1.1118849932134667, -0.6867681315990478, 0.10381832695874453}},
      {"SGD lr 1e-3 momentum 0.5 dampening 0.3 weight_decay 0.1",
       make<optim::SGD>(SGDOptions(1e-3).momentum(0.5).dampening(0.3).weight_decay(0.1)),
       {-1.4120384062364402, 2.0076071785441227, 0.5005718597575434, -0.300123122369089, 0.7927065220797215,
        1.1655850595198955, -0.6945442185187977, 0.10142262610972869}},
      {"SGD lr 1e-4 maximize", make<optim::SGD>(SGDOptions(1e-4).maximize(true)),
       {-1.6199945533413858, 1.9620018227100104, 0.4999230483157995, -0.29998092101602886, 0.8005478118125848,
        1.2027881589739886, -0.7004133236814174, 0.09987510046167909}},
      {"Adam lr 0.01", make<optim::Adam>(AdamOptions(0.01)),
       {-1.4517346702674145, 2.048232497108297, 0.5483540140813241, -0.34987399755382875, 0.7503530707798731,
        1.15014624620011, -0.6503545424695356, 0.1501069210339191}},
      {"Adam lr 0.01 weight_decay 0.1", make<optim::Adam>(AdamOptions(0.01).weight_decay(0.1)),
       {-1.4517315633416947, 2.0482183956020066, 0.5459640379661029, -0.34806143248264737, 0.7503282390754962,
        1.1501436924632553, -0.6503268733309615, 0.1500982507218966}},
      {"Adam lr 0.01 betas (0.8, 0.9) amsgrad", make<optim::Adam>(AdamOptions(0.01).betas({0.8, 0.9}).amsgrad(true)),
       {-1.4520043578072692, 2.0479418404022254, 0.548069394597184, -0.34985626732914277, 0.7503834721391666,
        1.1501597617516506, -0.6503849129603716, 0.1501192526515938}},
      {"Adam lr 0.01 eps 1e-3 maximize", make<optim::Adam>(AdamOptions(0.01).eps(1e-3).maximize(true)),
       {-1.5502073361142807, 1.949790129383678, 0.45007280884509204, -0.2513498352061988, 0.8501363474933235,
        1.250098083875365, -0.7501237954458165, 0.05038384332178317}},
      {"AdamW lr 0.01", make<optim::AdamW>(AdamWOptions(0.01)),
       {-1.4510146344461046, 2.047202697036264, 0.5481085433630821, -0.34971748493408583, 0.7499666588598995,
        1.1495583398178835, -0.650017789656905, 0.15004665039431186}},
      {"AdamW lr 0.01 weight_decay 0.1 amsgrad", make<optim::AdamW>(AdamWOptions(0.01).weight_decay(0.1).amsgrad(true)),
       {-1.4445536168101056, 2.03794615388434, 0.5458992841094509, -0.34831040963832643, 0.7464965817637949,
        1.1442781179141797, -0.6469936364010251, 0.14950519029369586}},
      {"RMSprop lr 0.01", make<optim::RMSprop>(RMSpropOptions(0.01)),
       {-1.4309993881343774, 2.0549573682122837, 0.5613588609385906, -0.3851135035544939, 0.5992937082332801,
        0.9327772951909019, -0.48993049553484713, 0.4401457933359792}},
      {"RMSprop lr 0.01 alpha 0.9 momentum 0.9", make<optim::RMSprop>(RMSpropOptions(0.01).alpha(0.9).momentum(0.9)),
       {-1.3804980976186376, 2.1106908176675234, 0.596425089324804, -0.4716393245244253, 0.5441944132840574,
        0.9149416687987665, -0.441795989456043, 0.4219784616380252}},
      {"RMSprop lr 0.01 centered momentum 0.5 weight_decay 0.1",
       make<optim::RMSprop>(RMSpropOptions(0.01).centered(true).momentum(0.5).weight_decay(0.1)),
       {-1.4336548173593773, 2.0389309138024614, 0.5434162069445533, -0.3528183819825331, 0.4986884941413235,
        0.7703630199060454, -0.36834142406671144, 0.5967273183299735}},
      {"Adagrad lr 0.1", make<optim::Adagrad>(AdagradOptions(0.1)),
       {-1.4310843211399795, 2.05499284929621, 0.5612199379973571, -0.38621599209483515, 0.5998755040347815,
        0.9338794779521482, -0.4906513925150348, 0.43907603264562994}},
      {"Adagrad lr 0.1 lr_decay 0.01 weight_decay 0.1 initial_accumulator_value 0.1 eps 1e-6",
       make<optim::Adagrad>(
           AdagradOptions(0.1).lr_decay(0.01).weight_decay(0.1).initial_accumulator_value(0.1).eps(1e-6)),
       {-1.430810319246214, 2.053759773845801, 0.53971619194313, -0.32405862957963666, 0.5968382709899177,
        0.9362949695478396, -0.49084707164662666, 0.3549007330390761}},
  };
}

}  // namespace

TEST_CASE("optimizer trajectories match PyTorch", "[optim]") {
  for (const TrajectoryCase& c : trajectory_cases()) {
    for (bool strided : {false, true}) {
      Params p = start(ember::kFloat64, strided);
      REQUIRE(p.W.is_contiguous() == !strided);
      REQUIRE(p.W.is_leaf());
      auto opt = c.factory(p.list());
      train(*opt, p, 5);
      require_close(flat(p), c.expected, 1e-12, std::string(c.name) + (strided ? " (strided W)" : ""));
    }
  }
}

TEST_CASE("Adam on float32 parameters matches PyTorch", "[optim]") {
  // Values from PyTorch 1.13: the script above with float32 params, Adam(lr=0.01, amsgrad=True).
  const std::vector<double> expected = {-1.4517345428466797, 2.048232316970825,   0.5483539700508118,
                                        -0.34987398982048035, 0.7503530383110046, 1.1501463651657104,
                                        -0.6503545641899109, 0.15010692179203033};
  for (bool strided : {false, true}) {
    Params p = start(ember::kFloat32, strided);
    optim::Adam opt(p.list(), optim::AdamOptions(0.01).amsgrad(true));
    train(opt, p, 5);
    REQUIRE(p.x.dtype() == ember::kFloat32);
    require_close(flat(p), expected, 2e-6, strided ? "strided" : "contiguous");
  }
}

TEST_CASE("parameter groups take missing options from the defaults", "[optim]") {
  SECTION("Adam") {
    // Values from PyTorch 1.13: Adam([{'params': [x]}, {'params': [W], 'lr': 0.05}], lr=0.01,
    // weight_decay=0.1), 5 steps of the script above.
    Params p = start();
    optim::Adam opt({optim::ParamGroup({p.x}), optim::ParamGroup({p.W}, optim::AdamOptions().lr(0.05))},
                    optim::AdamOptions(0.01).weight_decay(0.1));
    REQUIRE(opt.param_groups().size() == 2);
    REQUIRE(opt.param_groups()[0].lr() == 0.01);
    REQUIRE(opt.param_groups()[1].lr() == 0.05);
    const auto& o1 = opt.param_groups()[1].options_as<optim::AdamOptions>();
    REQUIRE(o1.weight_decay() == 0.1);
    REQUIRE(std::get<1>(o1.betas()) == 0.999);
    train(opt, p, 5);
    require_close(flat(p),
                  {-1.4517316422472142, 2.048218396723976, 0.5290295395572057, -0.32665310709159057, 0.5686535938865829,
                   0.955757708661597, -0.4661666611317267, 0.3509665602160376},
                  1e-12, "Adam groups");
  }
  SECTION("SGD, with the group's momentum set to zero explicitly") {
    // Values from PyTorch 1.13: SGD([{'params': [x]}, {'params': [W], 'lr': 0.002, 'momentum': 0.0}],
    // lr=0.001, momentum=0.9), 5 steps of the script above.
    Params p = start();
    optim::SGD opt({optim::ParamGroup({p.x}), optim::ParamGroup({p.W}, optim::SGDOptions(2e-3).momentum(0.0))},
                   optim::SGDOptions(1e-3).momentum(0.9));
    REQUIRE(opt.param_groups()[1].options_as<optim::SGDOptions>().momentum() == 0.0);
    train(opt, p, 5);
    require_close(flat(p),
                  {-1.3601228458168595, 1.9939980070753505, 0.5014135507454163, -0.3004949776331438, 0.7892338752712013,
                   1.1477197565481347, -0.6920111134568205, 0.1023932197630026},
                  1e-12, "SGD groups");
    REQUIRE(opt.state(p.W) == nullptr);  // no momentum, no state
  }
  SECTION("generic access and add_param_group") {
    Params p = start();
    optim::SGD opt(std::vector<Tensor>{p.x}, optim::SGDOptions(0.1).momentum(0.9));
    optim::ParamGroup& g = opt.param_groups()[0];
    REQUIRE(g.options().has("momentum"));
    REQUIRE_FALSE(g.options().has("betas"));
    REQUIRE(g.options().get("momentum") == std::vector<double>{0.9});
    g.options().set("momentum", {0.5});
    REQUIRE(g.options_as<optim::SGDOptions>().momentum() == 0.5);
    g.set_lr(0.25);
    REQUIRE(g.options_as<optim::SGDOptions>().lr() == 0.25);
    REQUIRE_THROWS_WITH(g.options().get("betas"), Catch::Contains("SGD") && Catch::Contains("'betas'"));
    REQUIRE_THROWS_WITH(g.options_as<optim::AdamOptions>(), Catch::Contains("SGD"));
    // (add_param_group may move the groups: take references again afterwards.)
    opt.add_param_group(optim::ParamGroup({p.W}, optim::SGDOptions().nesterov(true)));
    REQUIRE(opt.param_groups()[1].lr() == 0.1);
    REQUIRE(opt.param_groups()[1].options_as<optim::SGDOptions>().momentum() == 0.9);
    REQUIRE(opt.param_groups()[1].options_as<optim::SGDOptions>().nesterov());
    REQUIRE(opt.parameters().size() == 2);
  }
}

namespace {
Params copy_of(const Params& p) {
  Params q;
  q.x = p.x.detach().clone().requires_grad_(true);
  q.W = p.W.detach().clone().requires_grad_(true);
  return q;
}
}  // namespace

TEST_CASE("state_dict round trip resumes training bit for bit", "[optim]") {
  struct ResumeCase {
    const char* name;
    Factory factory;
  };
  std::vector<ResumeCase> cases = {
      {"SGD nesterov", make<optim::SGD>(optim::SGDOptions(1e-3).momentum(0.9).nesterov(true).weight_decay(0.01))},
      {"Adam amsgrad", make<optim::Adam>(optim::AdamOptions(0.01).amsgrad(true).weight_decay(0.1))},
      {"AdamW", make<optim::AdamW>(optim::AdamWOptions(0.01))},
      {"RMSprop centered momentum", make<optim::RMSprop>(optim::RMSpropOptions(0.01).centered(true).momentum(0.5))},
      {"Adagrad lr_decay", make<optim::Adagrad>(optim::AdagradOptions(0.1).lr_decay(0.01))},
  };
  for (const ResumeCase& c : cases) {
    for (ember::Dtype dt : {ember::kFloat64, ember::kFloat32}) {
      INFO(c.name << " " << ember::dtype_name(dt));
      Params p = start(dt);
      auto a = c.factory(p.list());
      train(*a, p, 3);
      ember::StateDict sd = a->state_dict();
      Params q = copy_of(p);
      auto b = c.factory(q.list());
      // Options loaded from the dict override the ones the new optimizer was made with.
      b->param_groups()[0].set_lr(123.0);
      b->load_state_dict(sd);
      REQUIRE(b->param_groups()[0].lr() == a->param_groups()[0].lr());
      train(*a, p, 3);
      train(*b, q, 3);
      REQUIRE(p.x.equal(q.x));
      REQUIRE(p.W.equal(q.W));
    }
  }
}

TEST_CASE("state_dict layout follows PyTorch's", "[optim]") {
  Params p = start();
  optim::Adam opt(p.list(), optim::AdamOptions(0.01).betas({0.8, 0.9}));
  train(opt, p, 2);
  ember::StateDict sd = opt.state_dict();
  std::vector<std::string> keys = sd.keys();
  std::vector<std::string> want = {"state.0.step",          "state.0.exp_avg",        "state.0.exp_avg_sq",
                                   "state.1.step",          "state.1.exp_avg",        "state.1.exp_avg_sq",
                                   "param_groups.0.lr",     "param_groups.0.betas",   "param_groups.0.eps",
                                   "param_groups.0.weight_decay", "param_groups.0.amsgrad", "param_groups.0.maximize",
                                   "param_groups.0.params"};
  REQUIRE(keys == want);
  REQUIRE(sd.at("state.0.step").dtype() == ember::kInt64);
  REQUIRE(sd.at("state.0.step").dim() == 0);
  REQUIRE(sd.at("state.0.step").item<int64_t>() == 2);
  REQUIRE(sd.at("state.1.exp_avg").sizes().equals({2, 3}));
  REQUIRE(sd.at("param_groups.0.lr").dtype() == ember::kFloat64);
  REQUIRE(sd.at("param_groups.0.lr").item<double>() == 0.01);
  REQUIRE(values(sd.at("param_groups.0.betas")) == std::vector<double>{0.8, 0.9});
  REQUIRE(sd.at("param_groups.0.amsgrad").dtype() == ember::kBool);
  REQUIRE(sd.at("param_groups.0.params").dtype() == ember::kInt64);
  REQUIRE(sd.at("param_groups.0.params").tolist<int64_t>() == std::vector<int64_t>{0, 1});
}

TEST_CASE("parameters without a gradient are skipped, updates stay in place", "[optim]") {
  Params p = start();
  Tensor x_before = p.x.detach().clone();
  Tensor W_before = p.W.detach().clone();
  void* W_data = p.W.data_ptr();
  optim::Adam opt(p.list(), optim::AdamOptions(0.1));
  objective(p.x, p.W.detach()).backward();  // only x gets a gradient
  REQUIRE_FALSE(p.W.grad().defined());
  opt.step();
  REQUIRE(p.W.equal(W_before));
  REQUIRE_FALSE(p.x.equal(x_before));
  REQUIRE(opt.state(p.W) == nullptr);
  REQUIRE(opt.state(p.x) != nullptr);
  REQUIRE(p.W.data_ptr() == W_data);
  REQUIRE(p.x.requires_grad());
  REQUIRE(p.x.is_leaf());
  REQUIRE(opt.state_dict().keys().front() == "state.0.step");
}

TEST_CASE("zero_grad and step with a closure", "[optim]") {
  Params p = start();
  optim::SGD opt(p.list(), optim::SGDOptions(1e-3));
  objective(p.x, p.W).backward();
  opt.zero_grad(/*set_to_none=*/false);
  REQUIRE(p.x.grad().defined());
  REQUIRE(values(p.x.grad()) == std::vector<double>{0, 0});
  opt.zero_grad();
  REQUIRE_FALSE(p.x.grad().defined());

  int calls = 0;
  Tensor loss = opt.step([&] {
    ++calls;
    opt.zero_grad();
    Tensor l = objective(p.x, p.W);
    l.backward();
    return l;
  });
  REQUIRE(calls == 1);
  REQUIRE(loss.item<double>() == Approx(objective(ember::tensor({-1.5, 2.0}, ember::kFloat64),
                                                  ember::tensor({{0.5, -0.3, 0.8}, {1.2, -0.7, 0.1}}, ember::kFloat64))
                                            .item<double>()));
  REQUIRE_FALSE(opt.step().defined());
}

TEST_CASE("optimizers reject bad options and parameters", "[optim]") {
  Params p = start();
  std::vector<Tensor> ps = p.list();
  using Catch::Contains;
  REQUIRE_THROWS_WITH(optim::SGD(ps, optim::SGDOptions(-0.1)), Contains("SGD: invalid learning rate: -0.1"));
  REQUIRE_THROWS_WITH(optim::SGD(ps, optim::SGDOptions(0.1).momentum(-1)), Contains("invalid momentum value: -1"));
  REQUIRE_THROWS_WITH(optim::SGD(ps, optim::SGDOptions(0.1).nesterov(true)),
                      Contains("Nesterov momentum requires a momentum and zero dampening"));
  REQUIRE_THROWS_WITH(optim::SGD(ps, optim::SGDOptions(0.1).nesterov(true).momentum(0.9).dampening(0.1)),
                      Contains("Nesterov") && Contains("dampening 0.1"));
  REQUIRE_THROWS_WITH(optim::SGD(ps, optim::SGDOptions(0.1).weight_decay(-0.5)),
                      Contains("invalid weight_decay value: -0.5"));
  REQUIRE_THROWS_WITH(optim::SGD(std::vector<optim::ParamGroup>{optim::ParamGroup(ps)}),
                      Contains("SGD: parameter group 0 didn't specify a value of required optimization parameter lr"));
  REQUIRE_NOTHROW(optim::SGD(std::vector<optim::ParamGroup>{optim::ParamGroup(ps, optim::SGDOptions(0.1))}));
  REQUIRE_THROWS_WITH(optim::Adam(ps, optim::AdamOptions(0.1).betas({1.0, 0.999})),
                      Contains("Adam: invalid beta parameter at index 0: 1"));
  REQUIRE_THROWS_WITH(optim::Adam(ps, optim::AdamOptions(0.1).betas({0.9, -0.1})),
                      Contains("invalid beta parameter at index 1: -0.1"));
  REQUIRE_THROWS_WITH(optim::Adam(ps, optim::AdamOptions(0.1).eps(-1e-8)), Contains("Adam: invalid epsilon value: -1e-08"));
  REQUIRE_THROWS_WITH(optim::AdamW(ps, optim::AdamWOptions(0.1).weight_decay(-1)),
                      Contains("AdamW: invalid weight_decay value: -1"));
  REQUIRE_THROWS_WITH(optim::RMSprop(ps, optim::RMSpropOptions(0.1).alpha(-0.9)),
                      Contains("RMSprop: invalid alpha value: -0.9"));
  REQUIRE_THROWS_WITH(optim::Adagrad(ps, optim::AdagradOptions(0.1).lr_decay(-1)),
                      Contains("Adagrad: invalid lr_decay value: -1"));
  REQUIRE_THROWS_WITH(optim::Adagrad(ps, optim::AdagradOptions(0.1).initial_accumulator_value(-1)),
                      Contains("invalid initial_accumulator_value value: -1"));
  // A group's own options are checked too.
  REQUIRE_THROWS_WITH(optim::Adam({optim::ParamGroup({p.x}), optim::ParamGroup({p.W}, optim::AdamOptions(-1.0))}),
                      Contains("Adam: invalid learning rate: -1"));

  REQUIRE_THROWS_WITH(optim::Adam(std::vector<Tensor>{}), Contains("Adam: optimizer got an empty parameter list"));
  Tensor non_leaf = p.x * 2;
  REQUIRE_THROWS_WITH(optim::Adam(std::vector<Tensor>{p.x, non_leaf}),
                      Contains("can't optimize a non-leaf Tensor") && Contains("parameter 1 of group 0"));
  REQUIRE_THROWS_WITH(optim::Adam(std::vector<Tensor>{p.x, p.W, p.x}),
                      Contains("appear more than once") && Contains("parameter 2 of group 0"));
  REQUIRE_THROWS_WITH(optim::Adam(std::vector<Tensor>{ember::zeros({2}, ember::kInt64)}),
                      Contains("floating-point") && Contains("int64"));
  REQUIRE_THROWS_WITH(optim::Adam(std::vector<Tensor>{Tensor()}), Contains("undefined"));
  REQUIRE_THROWS_WITH(optim::Adam({optim::ParamGroup({p.x}), optim::ParamGroup({p.W}, optim::SGDOptions(0.1))}),
                      Contains("options of SGD given to optimizer Adam"));
  optim::Adam opt(std::vector<Tensor>{p.x});
  REQUIRE_THROWS_WITH(opt.add_param_group(optim::ParamGroup({p.x})), Contains("parameter 0 of group 1"));
}

TEST_CASE("load_state_dict checks the dict before changing anything", "[optim]") {
  using Catch::Contains;
  Params p = start();
  optim::Adam a(p.list(), optim::AdamOptions(0.01));
  train(a, p, 1);
  const ember::StateDict good = a.state_dict();

  SECTION("number of groups") {
    Params q = start();
    optim::Adam b({optim::ParamGroup({q.x}), optim::ParamGroup({q.W})});
    REQUIRE_THROWS_WITH(b.load_state_dict(good),
                        Contains("Adam.load_state_dict") && Contains("has 1 parameter groups, the optimizer has 2"));
  }
  SECTION("size of a group") {
    Params q = start();
    optim::Adam b(std::vector<Tensor>{q.x});
    REQUIRE_THROWS_WITH(b.load_state_dict(good),
                        Contains("parameter group 0 has 2 parameters in the loaded state dict, 1 in the optimizer"));
  }
  SECTION("shape of a state tensor") {
    Tensor x = ember::zeros({2}, ember::kFloat64).requires_grad_(true);
    Tensor W = ember::zeros({3, 2}, ember::kFloat64).requires_grad_(true);
    optim::Adam b(std::vector<Tensor>{x, W});
    REQUIRE_THROWS_WITH(b.load_state_dict(good),
                        Contains("'state.1.exp_avg' has shape [2, 3] but parameter 1 has shape [3, 2]"));
    REQUIRE(b.state(x) == nullptr);  // nothing was loaded
  }
  SECTION("another optimizer's dict") {
    Params q = start();
    optim::SGD s(q.list(), optim::SGDOptions(0.1).momentum(0.9));
    train(s, q, 1);
    optim::Adam b(p.list());
    REQUIRE_THROWS_WITH(b.load_state_dict(s.state_dict()), Contains("missing key 'param_groups.0.betas'"));
    optim::SGD s2(p.list(), optim::SGDOptions(0.1).momentum(0.9));
    REQUIRE_THROWS_WITH(s2.load_state_dict(good), Contains("missing key 'param_groups.0.momentum'"));
  }
  SECTION("missing and unexpected keys") {
    optim::Adam b(p.list());
    ember::StateDict d = good;
    d.erase("state.1.exp_avg_sq");
    REQUIRE_THROWS_WITH(b.load_state_dict(d), Contains("missing key 'state.1.exp_avg_sq'"));
    d = good;
    d.insert("state.1.momentum_buffer", ember::zeros({2, 3}));
    REQUIRE_THROWS_WITH(b.load_state_dict(d), Contains("unexpected key 'state.1.momentum_buffer'"));
    d = good;
    d.insert("state.7.exp_avg", ember::zeros({2, 3}));
    REQUIRE_THROWS_WITH(b.load_state_dict(d), Contains("state for parameter 7, but the optimizer has 2 parameters"));
    d = good;
    d.set("param_groups.0.betas", ember::tensor({0.9}, ember::kFloat64));
    REQUIRE_THROWS_WITH(b.load_state_dict(d), Contains("betas") && Contains("takes 2 value(s), got 1"));
    d = good;
    d.set("param_groups.0.lr", ember::scalar_tensor(-1.0, ember::kFloat64));
    REQUIRE_THROWS_WITH(b.load_state_dict(d), Contains("invalid learning rate: -1"));
    REQUIRE(b.param_groups()[0].lr() == 1e-3);
  }
}

// ---- gradient clipping ----

namespace {
struct ClipParams {
  Tensor a, b, c;  // c has no gradient
};
ClipParams clip_params() {
  ClipParams p;
  p.a = ember::zeros({2, 2}).requires_grad_(true);
  p.b = ember::zeros({3}).requires_grad_(true);
  p.c = ember::zeros({1}).requires_grad_(true);
  p.a.mutable_grad() = ember::tensor({{1.0f, -2.0f}, {3.0f, 0.5f}});
  p.b.mutable_grad() = ember::tensor({-4.0f, 0.25f, 1.5f});
  return p;
}
}  // namespace

TEST_CASE("clip_grad_norm_ matches PyTorch", "[optim]") {
  // Values from PyTorch 1.13: float32 grads a = [[1, -2], [3, 0.5]], b = [-4, 0.25, 1.5]
  // and a third parameter without grad; torch.nn.utils.clip_grad_norm_([a, b, c], max_norm,
  // norm_type); total norm, then a.grad, b.grad.
  struct Case {
    double norm_type, max_norm;
    std::vector<double> expected;
  };
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<Case> cases = {
      {2.0, 1.0,
       {5.706356048583984, 0.17524315416812897, -0.35048630833625793, 0.5257294774055481, 0.08762157708406448,
        -0.7009726166725159, 0.04381078854203224, 0.26286473870277405}},
      {1.0, 5.0,
       {12.25, 0.4081632196903229, -0.8163264393806458, 1.224489688873291, 0.20408160984516144, -1.6326528787612915,
        0.10204080492258072, 0.6122448444366455}},
      {inf, 2.0,
       {4.0, 0.49999988079071045, -0.9999997615814209, 1.4999996423721313, 0.24999994039535522, -1.9999995231628418,
        0.12499997019767761, 0.7499998211860657}},
      {3.0, 100.0, {4.695357322692871, 1.0, -2.0, 3.0, 0.5, -4.0, 0.25, 1.5}},
  };
  for (const Case& c : cases) {
    ClipParams p = clip_params();
    Tensor total = ember::nn::utils::clip_grad_norm_({p.a, p.b, p.c}, c.max_norm, c.norm_type);
    REQUIRE(total.dim() == 0);
    REQUIRE(total.dtype() == ember::kFloat32);
    std::vector<double> got = {total.item<float>()};
    for (double v : values(p.a.grad())) got.push_back(v);
    for (double v : values(p.b.grad())) got.push_back(v);
    require_close(got, c.expected, 1e-6, "norm_type " + std::to_string(c.norm_type));
    REQUIRE_FALSE(p.c.grad().defined());
  }
}

TEST_CASE("clip_grad_norm_ edge cases and clip_grad_value_", "[optim]") {
  using Catch::Contains;
  Tensor none = ember::zeros({2}).requires_grad_(true);
  Tensor zero = ember::nn::utils::clip_grad_norm_(std::vector<Tensor>{none}, 1.0);
  REQUIRE(zero.item<float>() == 0.0f);

  Tensor w = ember::zeros({2}, ember::kFloat64).requires_grad_(true);
  w.mutable_grad() = ember::tensor({3.0, 4.0}, ember::kFloat64);
  Tensor n = ember::nn::utils::clip_grad_norm_(w, 1.0);
  REQUIRE(n.item<double>() == 5.0);
  REQUIRE(values(w.grad())[0] == Approx(0.6).epsilon(1e-6));
  REQUIRE(values(w.grad())[1] == Approx(0.8).epsilon(1e-6));

  w.mutable_grad() = ember::tensor({std::nan(""), 1.0}, ember::kFloat64);
  REQUIRE_THROWS_WITH(ember::nn::utils::clip_grad_norm_(w, 1.0, 2.0, true),
                      Contains("clip_grad_norm_") && Contains("non-finite (nan)") && Contains("error_if_nonfinite"));
  w.mutable_grad() = ember::tensor({std::numeric_limits<double>::infinity(), 1.0}, ember::kFloat64);
  REQUIRE_THROWS_WITH(ember::nn::utils::clip_grad_norm_(w, 1.0, 2.0, true), Contains("non-finite (inf)"));
  REQUIRE_NOTHROW(ember::nn::utils::clip_grad_norm_(w, 1.0));  // scales by the non-finite norm, as PyTorch

  ClipParams p = clip_params();
  ember::nn::utils::clip_grad_value_({p.a, p.b, p.c}, 1.5);
  REQUIRE(values(p.a.grad()) == std::vector<double>{1.0, -1.5, 1.5, 0.5});
  REQUIRE(values(p.b.grad()) == std::vector<double>{-1.5, 0.25, 1.5});
  REQUIRE_FALSE(p.c.grad().defined());
}

TEST_CASE("adam_update_ runs Adam::step's update, and with reciprocal_bias_correction multiplies instead",
          "[optim]") {
  // 1000 float32 parameters, five steps with the gradient changing each step. The exact
  // form must give Adam::step's bits; the reciprocal form must stay within float
  // rounding of the same formula evaluated here in double (the independent reference).
  ember::manual_seed(21);
  const Tensor start = ember::randn({1000});
  std::vector<Tensor> grads;
  for (int i = 0; i < 5; ++i) grads.push_back(ember::randn({1000}) * (i + 1) * 0.1);

  Tensor eager_p = start.clone().requires_grad_(true);
  optim::Adam opt({eager_p}, optim::AdamOptions(0.01));
  Tensor exact = start.clone(), recip = start.clone();
  Tensor m_exact = ember::zeros({1000}), v_exact = ember::zeros({1000}), none, step_exact = ember::scalar_tensor(0.0, ember::kFloat64);
  Tensor m_recip = ember::zeros({1000}), v_recip = ember::zeros({1000}), step_recip = ember::scalar_tensor(0.0, ember::kFloat64);
  std::vector<double> p_ref(1000), m_ref(1000, 0.0), v_ref(1000, 0.0);
  for (int64_t i = 0; i < 1000; ++i) p_ref[i] = start[i].item<double>();
  for (int k = 0; k < 5; ++k) {
    eager_p.mutable_grad() = grads[k].clone();
    opt.step();
    optim::adam_update_(exact, grads[k], m_exact, v_exact, none, step_exact, 0.01, 0.9, 0.999, 1e-8, 0, false, false,
                        false);
    optim::adam_update_(recip, grads[k], m_recip, v_recip, none, step_recip, 0.01, 0.9, 0.999, 1e-8, 0, false, false,
                        false, /*reciprocal_bias_correction=*/true);
    const double t = k + 1, bc1 = 1 - std::pow(0.9, t), bc2_sqrt = std::sqrt(1 - std::pow(0.999, t));
    for (int64_t i = 0; i < 1000; ++i) {
      const double g = grads[k][i].item<double>();
      m_ref[i] = 0.9 * m_ref[i] + 0.1 * g;
      v_ref[i] = 0.999 * v_ref[i] + 0.001 * g * g;
      p_ref[i] -= 0.01 / bc1 * m_ref[i] / (std::sqrt(v_ref[i]) / bc2_sqrt + 1e-8);
    }
  }
  CHECK(step_exact.item<double>() == 5);
  CHECK(step_recip.item<double>() == 5);
  CHECK(ember::equal(exact, eager_p.detach()));
  CHECK(ember::equal(m_recip, m_exact));  // the moments do not involve the correction
  double worst = 0;
  for (int64_t i = 0; i < 1000; ++i)
    worst = std::max(worst, std::abs(recip[i].item<double>() - p_ref[i]) / std::max(std::abs(p_ref[i]), 1.0));
  INFO("largest difference from the double-precision update, relative above 1: " << worst);
  CHECK(worst < 1e-6);
}
