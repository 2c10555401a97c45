// jit::compile of a whole training step (forward, loss, backward, optimizer update):
// 20 compiled steps must leave the parameters, the gradients and the optimizer's state
// where 20 eager steps of an identical model leave them, and return the same losses.
// The reference is the eager step itself, run on a second copy of the model.
#include <catch2/catch.hpp>
#include <ember/ember.hpp>
#include <ember/jit.hpp>
#include <ember/nn/rnn.hpp>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "jit_test_helpers.hpp"

namespace {
namespace jit = ember::jit;
namespace nn = ember::nn;
namespace F = ember::nn::functional;
namespace optim = ember::optim;
using ember::Tensor;
using Batches = std::vector<std::vector<Tensor>>;

struct CaptureWarnings : ember::WarningHandler {
  std::vector<std::string> seen;
  void process(const ember::Warning& w) override { seen.push_back(w.msg()); }
};

// a equals b to `rel` relative to b's largest magnitude (and exactly where both are 0).
void check_close(const Tensor& a, const Tensor& b, const std::string& what, double rel = 1e-5) {
  INFO(what);
  REQUIRE(a.defined() == b.defined());
  if (!a.defined()) return;
  REQUIRE(a.sizes() == b.sizes());
  const double scale = ember::max(ember::abs(b.to(ember::kFloat64))).item<double>();
  const double diff = ember::max(ember::abs(a.to(ember::kFloat64) - b.to(ember::kFloat64))).item<double>();
  INFO("largest difference " << diff << ", largest magnitude " << scale);
  if (std::getenv("EMBER_TRAIN_DEBUG")) std::printf("%s: diff %g scale %g\n", what.c_str(), diff, scale);
  CHECK(diff <= rel * std::max(scale, 1e-30));
}

struct Mlp : nn::Module {
  nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  Mlp() : Module("Mlp") {
    fc1 = register_module("fc1", nn::Linear(784, 256));
    fc2 = register_module("fc2", nn::Linear(256, 128));
    fc3 = register_module("fc3", nn::Linear(128, 10));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = ember::relu(fc1(x.flatten(1)));
    h = ember::relu(fc2(h));
    return fc3(h);
  }
};

// An LSTM cell unrolled over the sequence's steps, then a linear head on the last h.
struct LstmModel : nn::Module {
  nn::LSTMCell cell{nullptr};
  nn::Linear head{nullptr};
  LstmModel() : Module("LstmModel") {
    cell = register_module("cell", nn::LSTMCell(8, 16));
    head = register_module("head", nn::Linear(16, 3));
  }
  Tensor forward(const Tensor& seq) override {  // [T, N, 8] -> [N, 3]
    Tensor h = ember::zeros({seq.size(1), 16}), c = ember::zeros({seq.size(1), 16});
    for (int64_t t = 0; t < seq.size(0); ++t) std::tie(h, c) = cell->forward(seq[t], std::make_tuple(h, c));
    return head(h);
  }
};

using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;
using Loss = std::function<Tensor(nn::Module&, const std::vector<Tensor>&)>;

struct Run {
  std::shared_ptr<nn::Module> model;
  std::unique_ptr<optim::Optimizer> opt;
  std::vector<Tensor> losses;
};

// `steps` steps over `batches`, eagerly or through jit::compile.
template <class Model>
Run train(const Batches& batches, const MakeOptimizer& make_opt, const Loss& loss_of, bool compiled,
          bool set_to_none, std::shared_ptr<const jit::Graph>* graph = nullptr,
          const jit::CompileOptions& options = {}) {
  ember::manual_seed(11);
  Run r;
  r.model = std::make_shared<Model>();
  r.opt = make_opt(r.model->parameters());
  nn::Module& m = *r.model;
  optim::Optimizer& opt = *r.opt;
  auto step = [&](const std::vector<Tensor>& xs) {
    opt.zero_grad(set_to_none);
    Tensor loss = loss_of(m, xs);
    loss.backward();
    opt.step();
    return std::vector<Tensor>{loss.detach()};
  };
  if (!compiled) {
    for (const auto& b : batches) r.losses.push_back(step(b)[0]);
    return r;
  }
  jit::CompiledFunction c = jit::compile(step, options);
  for (const auto& b : batches) r.losses.push_back(c(b)[0]);
  CHECK(c.traces() == 2);  // the first call, then the one that is kept
  if (graph) *graph = c.graph_for(batches[0]);
  return r;
}

void check_same(const Run& eager, const Run& compiled) {
  REQUIRE(eager.losses.size() == compiled.losses.size());
  for (std::size_t i = 0; i < eager.losses.size(); ++i)
    check_close(compiled.losses[i], eager.losses[i], "loss of step " + std::to_string(i));
  auto pe = eager.model->named_parameters();
  auto pc = compiled.model->named_parameters();
  REQUIRE(pe.size() == pc.size());
  for (std::size_t i = 0; i < pe.size(); ++i) {
    const std::string name = pe[i].key();
    check_close(pc[i].value(), pe[i].value(), name);
    check_close(pc[i].value().grad(), pe[i].value().grad(), name + ".grad");
    optim::ParamState* se = eager.opt->state(pe[i].value());
    optim::ParamState* sc = compiled.opt->state(pc[i].value());
    REQUIRE(se != nullptr);
    REQUIRE(sc != nullptr);
    auto te = se->tensors(), tc = sc->tensors();
    REQUIRE(te.size() == tc.size());
    for (std::size_t k = 0; k < te.size(); ++k)
      check_close(*tc[k].second, *te[k].second, name + " state " + te[k].first);
    if (se->step_count()) CHECK(*sc->step_count() == *se->step_count());
  }
}

Batches mlp_batches(int n) {
  ember::manual_seed(5);
  Batches b;
  for (int i = 0; i < n; ++i) b.push_back({ember::rand({32, 1, 28, 28}), ember::randint(0, 10, {32})});
  return b;
}
Batches lstm_batches(int n) {
  ember::manual_seed(6);
  Batches b;
  for (int i = 0; i < n; ++i) b.push_back({ember::randn({4, 5, 8}), ember::randn({5, 3}), ember::randint(0, 3, {5})});
  return b;
}

Tensor mlp_loss(nn::Module& m, const std::vector<Tensor>& xs) { return F::cross_entropy(m.forward(xs[0]), xs[1]); }
Tensor lstm_mse(nn::Module& m, const std::vector<Tensor>& xs) { return F::mse_loss(m.forward(xs[0]), xs[1]); }
Tensor lstm_ce(nn::Module& m, const std::vector<Tensor>& xs) { return F::cross_entropy(m.forward(xs[0]), xs[2]); }

std::unique_ptr<optim::Optimizer> sgd_momentum(std::vector<Tensor> p) {
  return std::make_unique<optim::SGD>(std::move(p), optim::SGDOptions(0.05).momentum(0.9));
}
std::unique_ptr<optim::Optimizer> adam(std::vector<Tensor> p) {
  return std::make_unique<optim::Adam>(std::move(p), optim::AdamOptions(1e-3));
}

bool has_op(const jit::Graph& g, const std::string& op) {
  for (const auto& o : jit_test::ops_of(g))
    if (o == op) return true;
  return false;
}
}  // namespace

TEST_CASE("a compiled MLP training step with SGD and momentum matches the eager step", "[jit][train]") {
  CaptureWarnings warnings;
  ember::WarningUtils::WarningHandlerGuard guard(&warnings);
  Batches batches = mlp_batches(20);
  for (bool set_to_none : {true, false}) {
    INFO("zero_grad(set_to_none=" << set_to_none << ")");
    Run eager = train<Mlp>(batches, sgd_momentum, mlp_loss, false, set_to_none);
    std::shared_ptr<const jit::Graph> graph;
    Run compiled = train<Mlp>(batches, sgd_momentum, mlp_loss, true, set_to_none, &graph);
    check_same(eager, compiled);
    REQUIRE(graph != nullptr);
    // Six parameters, six momentum buffers, six gradients written back.
    CHECK(graph->updates().size() == 18);
    // The optimizer's per-parameter chains are fused.
    CHECK(has_op(*graph, "fused"));
  }
  for (const auto& w : warnings.seen) WARN(w);
  CHECK(warnings.seen.empty());
}

TEST_CASE("a compiled MLP training step with Adam matches the eager step", "[jit][train]") {
  CaptureWarnings warnings;
  ember::WarningUtils::WarningHandlerGuard guard(&warnings);
  Batches batches = mlp_batches(20);
  Run eager = train<Mlp>(batches, adam, mlp_loss, false, true);
  std::shared_ptr<const jit::Graph> graph;
  Run compiled = train<Mlp>(batches, adam, mlp_loss, true, true, &graph);
  check_same(eager, compiled);
  REQUIRE(graph != nullptr);
  // Parameters, both moments, the step counts and the gradients.
  CHECK(graph->updates().size() == 6 * 5);
  // Each ReLU's backward is one fused op, as in the eager step, not a compare and a where.
  int thresholds = 0, wheres = 0;
  for (const auto& n : graph->nodes()) {
    thresholds += n.op == "threshold_backward";
    wheres += n.op == "where";
  }
  CHECK(thresholds == 2);
  CHECK(wheres == 0);
  // The forward's two linear + ReLU pairs run as GEMMs with the bias and ReLU applied
  // in cache; the ReLUs' outputs, which their backward reads, are the fused nodes'.
  int epilogues = 0;
  for (const auto& n : graph->nodes()) epilogues += n.op == "linear_epilogue" && n.attr("activation") != nullptr;
  CHECK(epilogues == 2);
  CHECK_FALSE(has_op(*graph, "relu"));
  // The updates multiply by the bias correction's reciprocal (CompileOptions::fast_optimizer_math).
  int reciprocal = 0;
  for (const auto& n : graph->nodes())
    if (n.op == "adam_update_") reciprocal += std::get<bool>(*n.attr("reciprocal_bias_correction"));
  CHECK(reciprocal == 6);
  for (const auto& w : warnings.seen) WARN(w);
  CHECK(warnings.seen.empty());
}

TEST_CASE("a compiled Adam step without the fast options gives the eager step's bits", "[jit][train]") {
  // With IEEE subnormals and exact division the replay runs the eager step's kernels in
  // the eager step's order: every parameter, gradient and moment is the same float.
  Batches batches = mlp_batches(12);
  Run eager = train<Mlp>(batches, adam, mlp_loss, false, true);
  jit::CompileOptions exact;
  exact.flush_denormal = false;
  exact.fast_optimizer_math = false;
  std::shared_ptr<const jit::Graph> graph;
  Run compiled = train<Mlp>(batches, adam, mlp_loss, true, true, &graph, exact);
  REQUIRE(graph != nullptr);
  for (const auto& n : graph->nodes())
    if (n.op == "adam_update_") CHECK_FALSE(std::get<bool>(*n.attr("reciprocal_bias_correction")));
  auto pe = eager.model->named_parameters(), pc = compiled.model->named_parameters();
  REQUIRE(pe.size() == pc.size());
  for (std::size_t i = 0; i < pe.size(); ++i) {
    INFO(pe[i].key());
    CHECK(ember::equal(pc[i].value(), pe[i].value()));
    CHECK(ember::equal(pc[i].value().grad(), pe[i].value().grad()));
    auto te = eager.opt->state(pe[i].value())->tensors(), tc = compiled.opt->state(pc[i].value())->tensors();
    REQUIRE(te.size() == tc.size());
    for (std::size_t k = 0; k < te.size(); ++k) {
      INFO(te[k].first);
      REQUIRE(tc[k].second->defined() == te[k].second->defined());  // max_exp_avg_sq: amsgrad only
      if (te[k].second->defined()) CHECK(ember::equal(*tc[k].second, *te[k].second));
    }
  }
}

TEST_CASE("passes::reciprocal_optimizer_math marks the Adam updates and nothing else", "[jit][train][passes]") {
  Batches batches = mlp_batches(3);
  jit::CompileOptions plain;
  plain.fast_optimizer_math = false;
  std::shared_ptr<const jit::Graph> before;
  train<Mlp>(batches, adam, mlp_loss, true, true, &before, plain);
  REQUIRE(before != nullptr);
  jit::Graph after = jit::passes::reciprocal_optimizer_math(*before);
  after.lint();
  REQUIRE(after.nodes().size() == before->nodes().size());
  REQUIRE(after.updates().size() == before->updates().size());
  int marked = 0;
  for (std::size_t i = 0; i < after.nodes().size(); ++i) {
    const auto& a = after.nodes()[i];
    const auto& b = before->nodes()[i];
    CHECK(a.op == b.op);
    if (a.op == "adam_update_") {
      CHECK_FALSE(std::get<bool>(*b.attr("reciprocal_bias_correction")));
      CHECK(std::get<bool>(*a.attr("reciprocal_bias_correction")));
      CHECK(a.attrs.size() == b.attrs.size());  // replaced, not added twice
      ++marked;
    } else {
      CHECK(a.attrs.size() == b.attrs.size());
    }
  }
  CHECK(marked == 6);
}

TEST_CASE("a compiled LSTM training step matches the eager step", "[jit][train]") {
  CaptureWarnings warnings;
  ember::WarningUtils::WarningHandlerGuard guard(&warnings);
  Batches batches = lstm_batches(20);
  SECTION("MSE, Adam") {
    check_same(train<LstmModel>(batches, adam, lstm_mse, false, true),
               train<LstmModel>(batches, adam, lstm_mse, true, true));
  }
  SECTION("cross-entropy, SGD with momentum") {
    check_same(train<LstmModel>(batches, sgd_momentum, lstm_ce, false, true),
               train<LstmModel>(batches, sgd_momentum, lstm_ce, true, true));
  }
  for (const auto& w : warnings.seen) WARN(w);
  CHECK(warnings.seen.empty());
}

TEST_CASE("the Adam step count follows compiled steps", "[jit][train]") {
  // A compiled step advances the count as a tensor; state_dict reports it.
  Batches batches = mlp_batches(4);
  Run compiled = train<Mlp>(batches, adam, mlp_loss, true, true);
  optim::ParamState* s = compiled.opt->state(compiled.model->parameters()[0]);
  REQUIRE(s != nullptr);
  CHECK(*s->step_count() == 4);
  // An eager step after compiled ones continues from there.
  std::vector<Tensor> b = batches[0];
  compiled.opt->zero_grad();
  mlp_loss(*compiled.model, b).backward();
  compiled.opt->step();
  CHECK(*s->step_count() == 5);
}

TEST_CASE("jit::trace of a training step replays further steps", "[jit][train]") {
  ember::manual_seed(3);
  nn::Linear lin(4, 2);
  optim::SGD opt(lin->parameters(), optim::SGDOptions(0.1));
  auto step = [&](const std::vector<Tensor>& xs) {
    opt.zero_grad();
    Tensor loss = lin(xs[0]).pow(2).mean();
    loss.backward();
    opt.step();
    return std::vector<Tensor>{loss.detach()};
  };
  Tensor x = ember::randn({3, 4});
  Tensor w = lin->weight.detach().clone();
  jit::TracedFunction traced = jit::trace(step, {x});  // one step, checked against eager
  CHECK(!lin->weight.detach().equal(w));
  // Weight, bias and their gradients.
  CHECK(traced.graph().updates().size() == 4);
  // Replaying is one more step: the weight moves as in an eager step from the same state.
  Tensor before = lin->weight.detach().clone(), bias_before = lin->bias.detach().clone();
  traced({x});
  Tensor replayed = lin->weight.detach().clone();
  {
    ember::NoGradGuard no_grad;
    lin->weight.copy_(before);
    lin->bias.copy_(bias_before);
  }
  step({x});
  check_close(replayed, lin->weight.detach(), "weight after one replayed step");
  CHECK(!replayed.equal(before));
}

TEST_CASE("a compiled model that writes only buffers still records autograd", "[jit][train]") {
  // Batch norm in training counts its batches in place: the graph writes that buffer
  // back, but runs no backward, so its replay records autograd as eager does.
  ember::manual_seed(8);
  nn::BatchNorm1d bn(3);
  bn->train();
  jit::CompiledFunction c = jit::compile(bn);
  Tensor x = ember::randn({4, 3});
  for (int i = 0; i < 3; ++i) c(x);
  std::shared_ptr<const jit::Graph> g = c.graph_for({x});
  REQUIRE(g != nullptr);
  CHECK(!g->updates().empty());
  CHECK(!g->is_training_step());
  c(x).pow(2).sum().backward();
  CHECK(bn->weight.grad().defined());
  CHECK(bn->num_batches_tracked.item<int64_t>() == 4);  // one per call: the trace's check puts it back
}
