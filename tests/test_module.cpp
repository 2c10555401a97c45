// The Module base: registration, listings, train/eval, dtype conversion, state_dict,
// holders and printing, on small modules written here with core ops only.
#include <sstream>

#include "helpers.hpp"

using Catch::Matchers::Contains;
using ember::Tensor;
namespace nn = ember::nn;

namespace {
// y = x W^T + b, with core ops.
struct AffineImpl : nn::Module {
  Tensor weight, bias, calls;
  int64_t in, out;
  AffineImpl(int64_t in_, int64_t out_, bool with_bias = true) : Module("Affine"), in(in_), out(out_) {
    weight = register_parameter("weight", ember::randn({out, in}));
    bias = register_parameter("bias", with_bias ? ember::zeros({out}) : Tensor());
    calls = register_buffer("calls", ember::zeros({}, ember::kInt64));
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = ember::matmul(x, weight.t());
    return bias.defined() ? y + bias : y;
  }
  std::string extra_repr() const override {
    return "in=" + std::to_string(in) + ", out=" + std::to_string(out);
  }
};
EMBER_MODULE(Affine);

struct Relu : nn::Module {
  Relu() : Module("ReLU") {}
  Tensor forward(const Tensor& x) override { return ember::relu(x); }
};

struct Block : nn::Module {
  Affine a{nullptr};
  std::shared_ptr<Relu> act;
  Block() : Module("Block") {
    a = register_module("a", Affine(3, 4));
    act = register_module("act", std::make_shared<Relu>());
  }
  Tensor forward(const Tensor& x) override { return act->forward(a(x)); }
};

struct Net : nn::Module {
  Affine fc1{nullptr}, fc2{nullptr};
  std::shared_ptr<Block> block;
  Net() : Module("Net") {
    fc1 = register_module("fc1", Affine(2, 3));
    block = register_module("block", std::make_shared<Block>());
    fc2 = register_module("fc2", Affine(4, 1, false));
  }
  Tensor forward(const Tensor& x) override { return fc2(block->forward(fc1(x))); }
};
}  // namespace

TEST_CASE("Module: parameters, buffers and modules are listed depth-first with dotted names", "[module]") {
  auto net = std::make_shared<Net>();
  std::vector<std::string> want{"fc1.weight", "fc1.bias", "block.a.weight", "block.a.bias", "fc2.weight"};
  REQUIRE(net->named_parameters().keys() == want);
  REQUIRE(net->parameters().size() == 5);
  REQUIRE(net->parameters()[0].is_same(net->fc1->weight));
  REQUIRE(net->named_parameters(false).empty());
  REQUIRE(net->fc1->named_parameters(false).keys() == std::vector<std::string>{"weight", "bias"});
  REQUIRE(net->named_buffers().keys() == std::vector<std::string>{"fc1.calls", "block.a.calls", "fc2.calls"});
  REQUIRE(net->named_children().keys() == std::vector<std::string>{"fc1", "block", "fc2"});
  REQUIRE(net->named_modules().keys() == std::vector<std::string>{"", "fc1", "block", "block.a", "block.act", "fc2"});
  REQUIRE(net->modules()[0].get() == net.get());
  REQUIRE(net->children().size() == 3);
  for (const Tensor& p : net->parameters()) REQUIRE(p.requires_grad());
  REQUIRE_FALSE(net->fc1->named_buffers(false).at("calls").requires_grad());
}

TEST_CASE("Module: a shared tensor or submodule is listed once", "[module]") {
  auto net = std::make_shared<Net>();
  net->register_module("again", net->fc1.ptr());
  REQUIRE(net->named_parameters().size() == 5);
  REQUIRE(net->named_modules().size() == 6);
  // state_dict keeps every name, as PyTorch's does.
  REQUIRE(net->state_dict().contains("again.weight"));
}

TEST_CASE("Module: registration checks names", "[module]") {
  nn::Module m("Thing");
  m.register_parameter("w", ember::zeros({2}));
  REQUIRE_THROWS_WITH(m.register_parameter("w", ember::zeros({2})),
                      "Thing: register_parameter: Parameter 'w' already defined (the name is registered as a parameter)");
  REQUIRE_THROWS_WITH(m.register_buffer("w", ember::zeros({2})),
                      "Thing: register_buffer: Buffer 'w' already defined (the name is registered as a parameter)");
  REQUIRE_THROWS_WITH(m.register_parameter("a.b", ember::zeros({2})),
                      "Thing: register_parameter: Parameter name must not contain a dot (got 'a.b')");
  REQUIRE_THROWS_WITH(m.register_buffer("", ember::zeros({2})), "Thing: register_buffer: Buffer name must not be empty");
  REQUIRE_THROWS_WITH(m.register_module("w", std::make_shared<Relu>()),
                      "Thing: register_module: Submodule 'w' already defined (the name is registered as a parameter)");
  REQUIRE_THROWS_WITH(m.register_module("r", std::shared_ptr<Relu>()),
                      "Thing: register_module: submodule 'r' is empty (nullptr)");
  REQUIRE_THROWS_WITH(m.register_parameter("i", ember::zeros({2}, ember::kInt64)),
                      "Thing: register_parameter: 'i' must be floating point to require grad, got int64");
  // An integer tensor may be a parameter that does not require grad.
  REQUIRE(m.register_parameter("i", ember::zeros({2}, ember::kInt64), false).dtype() == ember::kInt64);
  REQUIRE_THROWS_WITH(m.forward(ember::zeros({1})), "Thing: forward(Tensor) is not defined");
}

TEST_CASE("Module: a registered parameter is a leaf that requires grad", "[module]") {
  nn::Module m;
  Tensor x = ember::ones({2}, ember::requires_grad());
  Tensor p = m.register_parameter("p", x * 2);
  REQUIRE(p.is_leaf());
  REQUIRE(p.requires_grad());
  Tensor q = m.register_parameter("q", ember::ones({2}), false);
  REQUIRE_FALSE(q.requires_grad());
}

TEST_CASE("Module: train and eval reach every submodule", "[module]") {
  auto net = std::make_shared<Net>();
  REQUIRE(net->is_training());
  net->eval();
  for (const auto& m : net->modules()) REQUIRE_FALSE(m->is_training());
  net->train();
  for (const auto& m : net->modules()) REQUIRE(m->is_training());
  net->block->train(false);
  REQUIRE(net->is_training());
  REQUIRE_FALSE(net->block->a->is_training());
}

TEST_CASE("Module: forward, backward and zero_grad", "[module]") {
  auto net = std::make_shared<Net>();
  Tensor y = net->forward(ember::randn({5, 2}));
  REQUIRE(y.sizes().equals({5, 1}));
  y.sum().backward();
  for (const Tensor& p : net->parameters()) REQUIRE(p.grad().defined());
  net->zero_grad(false);
  for (const Tensor& p : net->parameters()) {
    REQUIRE(p.grad().defined());
    REQUIRE(p.grad().abs().sum().item<double>() == 0);
  }
  net->zero_grad();
  for (const Tensor& p : net->parameters()) REQUIRE_FALSE(p.grad().defined());
}

TEST_CASE("Module: to(dtype) converts in place and keeps tensor identity", "[module]") {
  auto net = std::make_shared<Net>();
  Tensor w = net->fc1->weight;  // a handle held elsewhere, as an optimizer would
  std::vector<double> before = testing::values(w);
  net->fc1->forward(ember::randn({1, 2})).sum().backward();
  net->to(ember::kFloat64);
  REQUIRE(w.dtype() == ember::kFloat64);
  REQUIRE(net->fc1->weight.dtype() == ember::kFloat64);
  REQUIRE(w.is_same(net->fc1->weight));
  REQUIRE(w.requires_grad());
  REQUIRE_FALSE(w.grad().defined());
  REQUIRE(testing::values(w) == before);
  REQUIRE(net->fc1->calls.dtype() == ember::kInt64);  // integer buffers stay
  Tensor y = net->forward(ember::randn({3, 2}, ember::kFloat64));
  REQUIRE(y.dtype() == ember::kFloat64);
  y.sum().backward();
  REQUIRE(w.grad().dtype() == ember::kFloat64);
  REQUIRE_THROWS_WITH(net->to(ember::kInt64), "Net: to: only floating-point dtypes are accepted, got int64");
}

TEST_CASE("Module: state_dict lists parameters then buffers per module and shares storage", "[module]") {
  auto net = std::make_shared<Net>();
  ember::StateDict sd = net->state_dict();
  std::vector<std::string> want{"fc1.weight", "fc1.bias", "fc1.calls", "block.a.weight", "block.a.bias",
                                "block.a.calls", "fc2.weight", "fc2.calls"};
  REQUIRE(sd.keys() == want);
  REQUIRE_FALSE(sd.at("fc1.weight").requires_grad());
  REQUIRE(sd.at("fc1.weight").is_alias_of(net->fc1->weight));
}

TEST_CASE("Module: load_state_dict copies values into the existing tensors", "[module]") {
  auto a = std::make_shared<Net>();
  auto b = std::make_shared<Net>();
  Tensor w = b->fc1->weight;
  b->load_state_dict(a->state_dict());
  REQUIRE(w.is_same(b->fc1->weight));
  REQUIRE(w.equal(a->fc1->weight));
  REQUIRE(w.requires_grad());
  REQUIRE(w.is_leaf());
  Tensor x = ember::randn({4, 2});
  REQUIRE(a->forward(x).equal(b->forward(x)));
  // A float64 dict loads into float32 tensors, converted.
  ember::StateDict sd = a->state_dict();
  for (auto& item : sd)
    if (item.second.is_floating_point()) item.second = item.second.to(ember::kFloat64) + 1;
  b->load_state_dict(sd);
  REQUIRE(b->fc1->weight.dtype() == ember::kFloat32);
  REQUIRE(b->fc1->weight.allclose(a->fc1->weight + 1));
}

TEST_CASE("Module: strict load_state_dict lists every problem in one error", "[module]") {
  AffineImpl m(2, 3);
  ember::StateDict sd;
  sd.insert("weight", ember::zeros({2, 2}));
  sd.insert("foo", ember::zeros({1}));
  // Message as PyTorch 1.13's: torch.nn.Linear(2, 3).load_state_dict({'weight': torch.zeros(2, 2), 'foo': ...})
  std::string want =
      "Error(s) in loading state_dict for Affine:\n"
      "\tMissing key(s) in state_dict: \"bias\", \"calls\". \n"
      "\tUnexpected key(s) in state_dict: \"foo\". \n"
      "\tsize mismatch for weight: copying a param with shape [2, 2] from checkpoint, the shape in current "
      "model is [3, 2].";
  Tensor before = m.weight.clone();
  REQUIRE_THROWS_WITH(m.load_state_dict(sd), want);
  REQUIRE(m.weight.equal(before));  // nothing copied
  // Non-strict: size mismatches are still an error (as PyTorch), missing/unexpected are returned.
  REQUIRE_THROWS_WITH(m.load_state_dict(sd, false),
                      "Error(s) in loading state_dict for Affine:\n\tsize mismatch for weight: copying a param with "
                      "shape [2, 2] from checkpoint, the shape in current model is [3, 2].");
  ember::StateDict ok;
  ok.insert("weight", ember::ones({3, 2}));
  ok.insert("extra.thing", ember::ones({1}));
  nn::LoadStateDictResult r = m.load_state_dict(ok, false);
  REQUIRE(r.missing_keys == std::vector<std::string>{"bias", "calls"});
  REQUIRE(r.unexpected_keys == std::vector<std::string>{"extra.thing"});
  REQUIRE(m.weight.equal(ember::ones({3, 2})));
  REQUIRE(m.load_state_dict(m.state_dict()).missing_keys.empty());
}

TEST_CASE("Module: printing follows PyTorch's nested layout", "[module]") {
  auto net = std::make_shared<Net>();
  std::ostringstream os;
  os << *net;
  REQUIRE(os.str() ==
          "Net(\n"
          "  (fc1): Affine(in=2, out=3)\n"
          "  (block): Block(\n"
          "    (a): Affine(in=3, out=4)\n"
          "    (act): ReLU()\n"
          "  )\n"
          "  (fc2): Affine(in=4, out=1)\n"
          ")");
  std::ostringstream one;
  net->fc1->pretty_print(one);
  REQUIRE(one.str() == "Affine(in=2, out=3)");
  std::ostringstream empty;
  empty << nn::Module("Module");
  REQUIRE(empty.str() == "Module()");
}

TEST_CASE("ModuleHolder: construction, access, call and emptiness", "[module]") {
  Affine a(2, 5);
  REQUIRE_FALSE(a.is_empty());
  REQUIRE(a->weight.sizes().equals({5, 2}));
  REQUIRE((*a).out == 5);
  REQUIRE(a(ember::ones({1, 2})).sizes().equals({1, 5}));
  Affine b = a;  // shares the module
  REQUIRE(b.ptr() == a.ptr());
  Affine none{nullptr};
  REQUIRE(none.is_empty());
  REQUIRE_FALSE(static_cast<bool>(none));
  REQUIRE_THROWS_WITH(none->weight, Contains("the module is empty"));
  none = std::make_shared<AffineImpl>(1, 1);
  REQUIRE(none->out == 1);
}

TEST_CASE("Module: replace_module, unregister_module and apply", "[module]") {
  auto net = std::make_shared<Net>();
  net->replace_module("fc2", std::make_shared<AffineImpl>(4, 2));
  REQUIRE(net->named_parameters().at("fc2.bias").sizes().equals({2}));
  REQUIRE_THROWS_WITH(net->replace_module("nope", std::make_shared<Relu>()),
                      "Net: replace_module: no submodule named 'nope'");
  net->unregister_module("fc2");
  REQUIRE(net->named_children().keys() == std::vector<std::string>{"fc1", "block"});
  REQUIRE_THROWS_WITH(net->unregister_module("fc2"), "Net: unregister_module: no submodule named 'fc2'");
  std::vector<std::string> order;
  net->apply([&](nn::Module& m) { order.push_back(m.type_name()); });
  REQUIRE(order == std::vector<std::string>{"Affine", "Affine", "ReLU", "Block", "Net"});
}
