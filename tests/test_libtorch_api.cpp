// LibTorch's API where its C++ frontend users expect it: gradients for every argument
// slot of a custom function's forward, its shape check's wording, AutoGradMode,
// make_variable, is_nonzero, layouts, handle-const in-place ops, nn::Cloneable's deep
// clone, Sequential's typed forward<R>(...), and the messages LibTorch's users match.
#include <cmath>
#include <limits>
#include <memory>

#include "helpers.hpp"

using Catch::Matchers::Contains;
using ember::Tensor;
using testing::gradcheck2;
using testing::values;
namespace nn = ember::nn;
namespace F = ember::nn::functional;

namespace {
// forward(x, k, y) = x + k*y + x*y: d/dx = 1 + y, d/dy = k + x (by hand, as PyTorch's
// autograd.Function of the same body gives).
struct MulAdd : ember::autograd::Function<MulAdd> {
  static Tensor forward(ember::autograd::AutogradContext* ctx, Tensor x, int k, Tensor y) {
    ctx->saved_data["k"] = static_cast<int64_t>(k);
    ctx->save_for_backward({x, y});
    return x + y * static_cast<double>(k) + x * y;
  }
  static ember::autograd::variable_list backward(ember::autograd::AutogradContext* ctx,
                                                 ember::autograd::variable_list g) {
    const double k = static_cast<double>(ctx->saved_data["k"].toInt());
    auto saved = ctx->get_saved_variables();
    // One gradient per argument slot: an undefined one for the int.
    return {g[0] + g[0] * saved[1], Tensor(), g[0] * k + g[0] * saved[0]};
  }
};

struct GradForInt : ember::autograd::Function<GradForInt> {
  static Tensor forward(ember::autograd::AutogradContext*, Tensor x, int) { return x * 2; }
  static ember::autograd::variable_list backward(ember::autograd::AutogradContext*, ember::autograd::variable_list g) {
    return {g[0] * 2, ember::ones({1})};
  }
};

struct WrongShape : ember::autograd::Function<WrongShape> {
  static Tensor forward(ember::autograd::AutogradContext*, Tensor x) { return x * 2; }
  static ember::autograd::variable_list backward(ember::autograd::AutogradContext*, ember::autograd::variable_list) {
    return {ember::ones({10})};
  }
};

struct Leaf : nn::Cloneable<Leaf> {
  Leaf() { reset(); }
  void reset() override { weight = register_parameter("weight", ember::ones({2, 2})); }
  Tensor weight;
  int value = 0;
};

struct Tree : nn::Cloneable<Tree> {
  Tree() { reset(); }
  void reset() override {
    leaf = register_module("leaf", std::make_shared<Leaf>());
    fc = register_module("fc", nn::Linear(3, 2));
    steps = register_buffer("steps", ember::zeros({1}));
  }
  std::shared_ptr<Leaf> leaf;
  nn::Linear fc{nullptr};
  Tensor steps;
};

struct Plain : nn::Module {};

struct AddOne : nn::Module {
  int forward(int x) { return x + 1; }
};
struct Twice : nn::Module {
  Tensor forward(Tensor x) { return x * 2; }  // not Module's virtual forward(const Tensor&)
};
}  // namespace

TEST_CASE("Function: backward returns one gradient per argument of forward, undefined for non-tensors",
          "[libtorch][autograd]") {
  Tensor x = ember::tensor({1.0, 2.0}, ember::requires_grad());
  Tensor y = ember::tensor({3.0, -1.0}, ember::requires_grad());
  MulAdd::apply(x, 2, y).sum().backward();
  CHECK(x.grad().allclose(ember::tensor({4.0, 0.0})));  // 1 + y
  CHECK(y.grad().allclose(ember::tensor({3.0, 4.0})));  // 2 + x

  Tensor z = ember::ones({1}, ember::requires_grad());
  REQUIRE_THROWS_WITH(GradForInt::apply(z, 3).sum().backward(),
                      Contains("returned a gradient different than None at position 2") &&
                          Contains("forward input was not a Variable"));
}

TEST_CASE("Function: a gradient whose shape does not fit its input names both shapes", "[libtorch][autograd]") {
  Tensor x = ember::ones({5, 5}, ember::requires_grad());
  REQUIRE_THROWS_WITH(WrongShape::apply(x).sum().backward(),
                      Contains("returned an invalid gradient at index 0 - got [10] but expected shape "
                               "compatible with [5, 5]"));
}

TEST_CASE("AutoGradMode and make_variable", "[libtorch][autograd]") {
  Tensor c = ember::ones({2, 3}).set_requires_grad(true);
  {
    ember::AutoGradMode off(false);
    CHECK_FALSE(ember::autograd::GradMode::is_enabled());
    Tensor out = c * c;
    CHECK_FALSE(out.requires_grad());
    {
      ember::autograd::AutoGradMode on(true);
      CHECK((c * c).requires_grad());
    }
    CHECK_FALSE(ember::is_grad_enabled());
  }
  CHECK(ember::is_grad_enabled());

  Tensor data = c * 3;
  Tensor v = ember::autograd::make_variable(data, /*requires_grad=*/true);
  CHECK(v.requires_grad());
  CHECK(v.is_leaf());
  CHECK(v.data_ptr<float>() == data.data_ptr<float>());  // the same storage, as LibTorch's
  CHECK_FALSE(ember::autograd::make_variable(data).requires_grad());
}

TEST_CASE("is_nonzero, layout and the LibTorch spelling of optional", "[libtorch][tensor]") {
  // Values from PyTorch 1.13: tensor([0.]).is_nonzero() is False, NaN and 3 are True.
  CHECK_FALSE(ember::tensor({0.0}).is_nonzero());
  CHECK(ember::tensor({std::numeric_limits<double>::quiet_NaN()}).is_nonzero());
  CHECK(ember::tensor({3}, ember::kInt64).is_nonzero());
  REQUIRE_THROWS_WITH(ember::tensor({1.0, 2.0}).is_nonzero(),
                      Contains("more than one value is ambiguous") && Contains("[2]"));
  REQUIRE_THROWS_WITH(ember::zeros({0}).is_nonzero(), Contains("no values is ambiguous"));

  CHECK(ember::ones({2}).layout() == ember::kStrided);
  CHECK(ember::TensorOptions().layout() == ember::kStrided);
  CHECK(ember::layout(ember::kStrided).dtype(ember::kFloat64).dtype() == ember::kFloat64);
  REQUIRE_THROWS_WITH(ember::TensorOptions().layout(ember::kSparse),
                      Contains("TensorOptions::layout") && Contains("Sparse"));
  ember::optional<int> nothing = ember::nullopt;
  CHECK_FALSE(nothing.has_value());
}

TEST_CASE("In-place ops through a const handle: x.grad().zero_()", "[libtorch][tensor]") {
  Tensor x = ember::ones({3}, ember::requires_grad());
  (x * 4).sum().backward();
  REQUIRE(x.grad().allclose(ember::full({3}, 4.0)));
  {
    ember::NoGradGuard no_grad;
    x.grad().zero_();
  }
  CHECK(x.grad().allclose(ember::zeros({3})));
  const Tensor handle = ember::zeros({2});
  handle.set_requires_grad(true);
  CHECK(handle.requires_grad());
}

TEST_CASE("Cloneable: clone copies values into fresh parameters, buffers and submodules", "[libtorch][nn]") {
  auto a = std::make_shared<Tree>();
  {
    ember::NoGradGuard no_grad;
    a->leaf->weight.add_(1);
    a->fc->weight.fill_(0.5);
    a->steps.fill_(7);
  }
  a->leaf->value = 123;
  auto b = std::dynamic_pointer_cast<Tree>(a->clone());
  REQUIRE(b);
  // Distinct tensors with equal values; the members and the registry agree.
  CHECK(b->leaf.get() != a->leaf.get());
  CHECK(b->leaf->weight.data_ptr<float>() != a->leaf->weight.data_ptr<float>());
  CHECK(b->leaf->weight.data_ptr<float>() == b->named_parameters()["leaf.weight"].data_ptr<float>());
  CHECK(b->leaf->weight.allclose(ember::full({2, 2}, 2.0)));
  CHECK(b->leaf->value == 123);
  CHECK(b->fc->weight.allclose(ember::full({2, 3}, 0.5)));
  CHECK(b->fc->weight.data_ptr<float>() == b->named_parameters()["fc.weight"].data_ptr<float>());
  CHECK(b->steps.allclose(ember::full({1}, 7.0)));
  CHECK(b->fc->weight.requires_grad());
  {
    ember::NoGradGuard no_grad;
    a->fc->weight.add_(1);
  }
  CHECK(b->fc->weight.allclose(ember::full({2, 3}, 0.5)));

  Plain plain;
  REQUIRE_THROWS_WITH(plain.clone(), Contains("clone() has not been implemented for"));
  REQUIRE_THROWS_WITH(a->clone(ember::Device(ember::kCUDA, 0)), Contains("Module::clone"));
}

TEST_CASE("Sequential: forward<R>(args...) chains modules whatever their forward takes", "[libtorch][nn]") {
  nn::Sequential ints(AddOne{}, AddOne{}, AddOne{});
  CHECK(ints->forward<int>(1) == 4);
  REQUIRE_THROWS_WITH(ints->forward<float>(1),
                      Contains("The type of the return value is int, but you asked for type float"));
  nn::Sequential empty;
  REQUIRE_THROWS_WITH(empty->forward<int>(), Contains("Cannot call forward() on an empty Sequential"));
  // One argument passes through an empty Sequential, as in PyTorch.
  CHECK(empty->forward<int>(1) == 1);
  CHECK(empty->forward(ember::ones({2})).equal(ember::ones({2})));
  Tensor two = ember::ones({2});
  CHECK(empty->forward(two).equal(two));

  nn::Sequential tensors(Twice{}, nn::Linear(2, 2), Twice{});
  tensors->ptr<nn::LinearImpl>(1)->weight.set_data(ember::eye(2));
  tensors->ptr<nn::LinearImpl>(1)->bias.set_data(ember::zeros({2}));
  Tensor x = ember::tensor({1.0f, -2.0f});
  CHECK(tensors->forward(x).allclose(ember::tensor({4.0f, -8.0f})));
  CHECK(tensors(x).allclose(ember::tensor({4.0f, -8.0f})));
  int calls = 0;
  tensors[0]->register_forward_hook([&calls](nn::Module&, const Tensor&, const Tensor&) { ++calls; });
  tensors->forward(x);
  CHECK(calls == 1);  // a non-virtual forward(Tensor) still runs its module's hooks

  nn::Sequential a(AddOne{});
  nn::Sequential b(AddOne{}, AddOne{});
  a->extend(*b);
  CHECK(a->size() == 3);
  CHECK(a->forward<int>(0) == 3);
}

TEST_CASE("LibTorch wording: ModuleDict keys, affine_grid sizes, cosine_embedding_loss on integers",
          "[libtorch][nn]") {
  nn::ModuleDict dict;
  REQUIRE_THROWS_WITH((*dict)["batch"], Contains(" 'batch' is not defined"));
  REQUIRE_THROWS_WITH(F::affine_grid(ember::zeros({2, 2, 3}), {-1, 1, 2, 2}, false),
                      Contains("Expected non-zero, positive output size. Got [-1, 1, 2, 2]"));
  REQUIRE_THROWS_WITH(F::affine_grid(ember::zeros({2, 3}), {1, 1, 2, 2}, false),
                      Contains("Expected a batch of 2D affine matrices of shape Nx2x3 for size [1, 1, 2, 2]. "
                               "Got [2, 3]."));
  REQUIRE_THROWS_WITH(F::affine_grid(ember::zeros({1, 3, 4}), {1, 1, 1, 2, 2, 3}, false),
                      Contains("only supports 4D and 5D sizes") && Contains("Got size [1, 1, 1, 2, 2, 3]"));
  REQUIRE_THROWS_WITH(F::affine_grid(ember::zeros({2, 2, 3}, ember::kInt32), {2, 1, 2, 2}, false),
                      Contains("Expected theta to have floating point type, but got int32"));
  REQUIRE_THROWS_WITH(F::affine_grid(ember::zeros({2, 2, 3}), {3, 1, 2, 2}, false),
                      Contains("theta holds 2 matrices") && Contains("asks for 3"));
  // Integers are computed in the default float dtype; PyTorch 1.13 gives
  // [0.00591582, 0.19487923] and their mean 0.10039753.
  Tensor a = ember::tensor({{2, 3, 4}, {6, 2, 4}}, ember::kInt64);
  Tensor b = ember::tensor({{2, 3, 5}, {9, 12, 0}}, ember::kInt64);
  Tensor t = ember::tensor({1, -1}, ember::kInt64);
  Tensor none = F::cosine_embedding_loss(a, b, t, 0.5, "none");
  CHECK(none.dtype() == ember::kFloat32);
  CHECK(none.allclose(ember::tensor({0.00591582f, 0.19487923f}), 1e-5, 1e-6));
  CHECK(F::cosine_embedding_loss(a, b, t, 0.5).item<float>() == Approx(0.10039753).epsilon(1e-5));
}

namespace {
struct CounterImpl : nn::Module {
  explicit CounterImpl(int start = 7) : count(start) {}
  int count;
};
TORCH_MODULE(Counter);

struct Scaled {
  TORCH_ARG(double, scale) = 1.0;
};
}  // namespace

TEST_CASE("TORCH_MODULE, TORCH_ARG, data<T>, modules(include_self), named_modules(prefix)", "[libtorch][nn]") {
  Counter c;
  CHECK(c->count == 7);
  CHECK(Counter(2)->count == 2);
  Counter empty = nullptr;
  CHECK(empty.is_empty());
  CHECK(Scaled().scale(2.5).scale() == 2.5);

  Tensor t = ember::ones({3});
  CHECK(t.data<float>() == t.data_ptr<float>());

  nn::Sequential seq(nn::Linear(2, 2), nn::Sequential(nn::ReLU()));
  auto all = seq->modules();
  auto children_only = seq->modules(/*include_self=*/false);
  REQUIRE(all.size() == 4);  // self, Linear, inner Sequential, ReLU
  REQUIRE(children_only.size() == 3);
  CHECK(children_only[0].get() == seq[0].get());
  auto named = seq->named_modules("net");
  CHECK(named.keys() == std::vector<std::string>{"net", "net.0", "net.1", "net.1.0"});
  CHECK(seq->named_modules("", false).keys() == std::vector<std::string>{"0", "1", "1.0"});
}

TEST_CASE("ModuleDict: empty, update from an OrderedDict or another ModuleDict", "[libtorch][nn]") {
  nn::ModuleDict dict;
  CHECK(dict->empty());
  ember::OrderedDict<std::shared_ptr<nn::Module>> items;
  items.insert("fc", nn::Linear(2, 3).ptr());
  dict->update(items);
  nn::ModuleDict other;
  auto relu = nn::ReLU().ptr();
  other->insert("act", relu);
  dict->update(*other);
  CHECK(dict->keys() == std::vector<std::string>{"fc", "act"});
  CHECK((*dict)["act"].get() == relu.get());  // the same object, not a copy
  REQUIRE_THROWS_WITH(dict->pop("nothing"), Contains(" 'nothing' is not defined"));
}

TEST_CASE("F::relu and F::leaky_relu with options, in place or not", "[libtorch][nn]") {
  // Expected: PyTorch 1.13's F.leaky_relu(x, 0.42) = [-1.26, -0.42, 2]; relu by hand.
  Tensor x = ember::tensor({-3.0, -1.0, 2.0});
  Tensor y = F::leaky_relu(x, nn::LeakyReLUOptions().negative_slope(0.42));
  CHECK(ember::allclose(y, ember::tensor({-1.26, -0.42, 2.0})));
  CHECK(values(x) == std::vector<double>{-3, -1, 2});
  Tensor r = F::relu(x, /*inplace=*/false);
  CHECK(values(r) == std::vector<double>{0, 0, 2});
  CHECK(values(x) == std::vector<double>{-3, -1, 2});
  Tensor l = F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.5).inplace(true));
  CHECK(values(x) == std::vector<double>{-1.5, -0.5, 2});
  CHECK(l.is_same(x));
  Tensor r2 = F::relu(x, F::ReLUFuncOptions().inplace(true));
  CHECK(values(x) == std::vector<double>{0, 0, 2});
  CHECK(r2.is_same(x));
}

TEST_CASE("Tensor operator percent is remainder, the divisor sign", "[libtorch]") {
  // Expected: PyTorch 1.13, torch.tensor([-5, -1, 0, 4, 7]) % 3 and
  // torch.tensor([5., -5., 7.5]) % torch.tensor([-3., 3., 2.]).
  Tensor a = ember::tensor({-5, -1, 0, 4, 7}, ember::kInt64) % 3;
  CHECK(a.dtype() == ember::kInt64);
  CHECK(values(a) == std::vector<double>{1, 2, 0, 1, 1});
  Tensor b = ember::tensor({5.0, -5.0, 7.5}) % ember::tensor({-3.0, 3.0, 2.0});
  CHECK(values(b) == std::vector<double>{-1, 1, 1.5});
}

TEST_CASE("PairwiseDistanceOptions from p and max_unpool2d from the module options", "[libtorch][nn]") {
  // Expected: PyTorch 1.13, F.pairwise_distance(a, b, p=1) = [6.0000009537, 6.0000028610].
  Tensor a = ember::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, ember::kFloat32);
  Tensor b = ember::tensor({{1.0, 8.0, 3.0}, {2.0, 1.0, 6.0}}, ember::kFloat32);
  CHECK(nn::PairwiseDistanceOptions(1).p() == 1.0);
  CHECK(nn::PairwiseDistanceOptions().p() == 2.0);
  Tensor d = F::pairwise_distance(a, b, nn::PairwiseDistanceOptions(1));
  CHECK(ember::allclose(d, ember::tensor({6.0000009537, 6.0000028610}, ember::kFloat32), 1e-6, 1e-7));
  // Expected: PyTorch 1.13, F.max_unpool2d(x, idx, 3, stride=2, padding=1) puts each value at
  // its flat index of the 5x5 output.
  Tensor x = ember::tensor({6.0, 8.0, 9.0, 16.0, 18.0, 19.0, 21.0, 23.0, 24.0}).reshape({1, 1, 3, 3});
  Tensor idx = ember::tensor({6, 8, 9, 16, 18, 19, 21, 23, 24}, ember::kInt64).reshape({1, 1, 3, 3});
  Tensor y = F::max_unpool2d(x, idx, nn::MaxUnpool2dOptions(3).stride(2).padding(1));
  CHECK(y.sizes() == ember::IntArrayRef({1, 1, 5, 5}));
  std::vector<double> expected(25, 0.0);
  for (int i : {6, 8, 9, 16, 18, 19, 21, 23, 24}) expected[static_cast<std::size_t>(i)] = i;
  CHECK(values(y) == expected);
}

TEST_CASE("remove_hook: a handle the tensor never gave out is an error", "[libtorch][autograd]") {
  Tensor x = ember::ones({2, 2}).requires_grad_(true);
  Tensor y = x * 2;
  unsigned on_x = x.register_hook([](const Tensor& g) { return g; });
  unsigned on_y = y.register_hook([](const Tensor& g) { return g * 3; });
  REQUIRE_THROWS_WITH(y.remove_hook(on_x), Contains("remove_hook: Invalid index") && Contains("[2, 2]"));
  y.remove_hook(on_y);
  y.remove_hook(on_y);  // twice: nothing more to do, as LibTorch
  y.sum().backward();
  // Expected by hand: d(sum(2x))/dx = 2 once y's hook (x3) is gone.
  CHECK(values(x.grad()) == std::vector<double>{2, 2, 2, 2});
  Tensor plain = ember::ones({3});
  REQUIRE_THROWS_WITH(plain.remove_hook(on_y), Contains("Invalid index") && Contains("[3]"));
}

TEST_CASE("BatchNorm: LibTorch's stateful module and pure_forward", "[libtorch][nn]") {
  nn::BatchNorm bn(2);
  CHECK(bn->options.stateful());
  CHECK(bn->running_mean.sizes() == ember::IntArrayRef({2}));
  CHECK(bn->weight.sizes() == ember::IntArrayRef({2}));
  nn::BatchNorm stateless(nn::BatchNormOptions(2).stateful(false).affine(false));
  CHECK_FALSE(stateless->options.track_running_stats());
  CHECK_FALSE(stateless->running_mean.defined());
  CHECK_FALSE(stateless->weight.defined());
  REQUIRE_THROWS_WITH(stateless(ember::ones({3, 2})),
                      Contains("Calling BatchNorm::forward is only permitted when the 'stateful' option is true"));
  // Expected: PyTorch 1.13, F.batch_norm(x, mean, var, training=False, eps=1e-5).
  Tensor x = ember::tensor({{1.0, 2.0}, {3.0, -4.0}, {0.5, 0.0}}, ember::kFloat32);
  Tensor mean = ember::tensor({1.0, -1.0}, ember::kFloat32), var = ember::tensor({4.0, 0.25}, ember::kFloat32);
  stateless->eval();
  Tensor y = stateless->pure_forward(x, mean, var);
  CHECK(ember::allclose(y, ember::tensor({{0.0, 5.9998798370}, {0.9999988079, -5.9998798370}, {-0.2499997020, 1.9999599457}},
                                         ember::kFloat32)));
  // The stateful module in eval mode normalizes with its running statistics (0 and 1).
  bn->eval();
  CHECK(ember::allclose(bn(x), x / std::sqrt(1.0 + 1e-5)));
  REQUIRE_THROWS_WITH(bn(ember::ones({2})), Contains("BatchNorm: expected input of 2 or more dims"));
}

TEST_CASE("elu with scale and input_scale, as torch::elu", "[libtorch][autograd]") {
  // Expected: PyTorch 1.13, torch._C._nn.elu(x, 1.0, 0.5, 2.0) and its gradient (computed
  // in float32 there, hence the tolerance).
  Tensor x = ember::tensor({-2.0, -0.5, 0.0, 1.5}, ember::kFloat64);
  CHECK(ember::allclose(ember::elu(x, 1.0, 0.5, 2.0),
                        ember::tensor({-0.4908421934, -0.3160602748, 0.0, 0.75}, ember::kFloat64), 1e-6, 1e-7));
  Tensor xs = ember::tensor({-2.0, -0.5, 1.5}, ember::kFloat64).requires_grad_(true);
  ember::elu(xs, 1.0, 0.5, 2.0).sum().backward();
  CHECK(ember::allclose(xs.grad(), ember::tensor({0.0183156393, 0.3678794503, 0.5}, ember::kFloat64), 1e-6, 1e-7));
  CHECK(gradcheck2([](const std::vector<Tensor>& in) { return ember::elu(in[0], 0.7, 1.3, 0.8); },
                   {ember::tensor({-1.5, -0.2, 0.4, 2.0}, ember::kFloat64).requires_grad_(true)}));
  // nn::Functional binds the arguments after the input, as LibTorch's test of it does.
  nn::Functional f(ember::elu, /*alpha=*/1, /*scale=*/0, /*input_scale=*/1);
  CHECK(f(ember::ones({})).item<float>() == 0.0f);
}

TEST_CASE("a view made under no_grad of a tensor that requires grad requires grad", "[libtorch][autograd]") {
  // Expected: PyTorch 1.13. Under no_grad, x.view(3) of x requiring grad has requires_grad
  // True, is_leaf True, grad_fn None; no gradient flows through it to x; v.mul_(2)
  // with grad mode on is refused; a view of a tensor that does not require grad does not.
  Tensor x = ember::ones({2, 3}).requires_grad_(true);
  Tensor v, t, s, n;
  {
    ember::NoGradGuard no_grad;
    v = x.view({6});
    t = x.t();
    s = x.select(0, 1);
    n = x.narrow(1, 0, 2);
    CHECK((x * 2).requires_grad() == false);
  }
  for (const Tensor& view : {v, t, s, n}) {
    CHECK(view.requires_grad());
    CHECK(view.is_leaf());
    CHECK(view.grad_fn() == nullptr);
  }
  // PyTorch records ops on it, with no edge to x; ember records nothing (an op whose
  // inputs lead nowhere gets no node), so in both no gradient reaches x.
  Tensor y = (v * x.view({6})).sum();
  y.backward();
  CHECK(values(x.grad()) == std::vector<double>{1, 1, 1, 1, 1, 1});  // from x.view only
  REQUIRE_THROWS_WITH(v.mul_(2), Contains("created in no_grad mode") && Contains("[6]"));
  {
    ember::NoGradGuard no_grad;
    v.mul_(2);  // both inside no_grad: allowed
  }
  Tensor plain = ember::ones({2, 3});
  ember::NoGradGuard no_grad;
  CHECK_FALSE(plain.view({6}).requires_grad());
}

TEST_CASE("Built-in modules and the containers clone deeply", "[libtorch][nn]") {
  nn::Sequential seq(nn::Linear(3, 4), nn::Functional(ember::relu), nn::BatchNorm1d(4));
  seq->eval();
  auto copy = std::dynamic_pointer_cast<nn::SequentialImpl>(seq->clone());
  REQUIRE(copy);
  REQUIRE(copy->size() == 3);
  CHECK_FALSE(copy->is_training());
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK((*copy)[static_cast<int64_t>(i)]->name() == (*seq)[static_cast<int64_t>(i)]->name());
    CHECK((*copy)[static_cast<int64_t>(i)] != (*seq)[static_cast<int64_t>(i)]);
  }
  auto mine = seq->named_parameters(), theirs = copy->named_parameters();
  REQUIRE(mine.size() == theirs.size());
  REQUIRE(seq->named_buffers().size() == copy->named_buffers().size());
  Tensor x = ember::tensor({{1.0, -2.0, 0.5}, {0.0, 3.0, -1.0}}, ember::kFloat32);
  // The same function of the input: equal outputs (by construction, values copied).
  CHECK(ember::allclose(seq->forward(x), copy->forward(x)));
  CHECK(ember::allclose(copy->forward<Tensor>(x), seq->forward(x)));
  {
    ember::NoGradGuard no_grad;
    for (auto& item : mine) item.value().add_(2);
  }
  for (auto& item : mine) CHECK_FALSE(item.value().allclose(theirs[item.key()]));

  nn::ModuleDict dict(ember::OrderedDict<std::shared_ptr<nn::Module>>{
      {"linear", nn::Linear(2, 3).ptr()}, {"relu", nn::Functional(ember::relu).ptr()}, {"batch", nn::BatchNorm1d(3).ptr()}});
  auto dict_copy = std::dynamic_pointer_cast<nn::ModuleDictImpl>(dict->clone());
  REQUIRE(dict_copy);
  CHECK(dict_copy->keys() == dict->keys());
  CHECK((*dict_copy)["linear"] != (*dict)["linear"]);
  CHECK((*dict_copy)["linear"]->as<nn::Linear>()->weight.allclose((*dict)["linear"]->as<nn::Linear>()->weight));

  nn::ModuleList list(nn::Conv2d(1, 2, 3), nn::ReLU(), nn::Dropout(0.5));
  auto list_copy = std::dynamic_pointer_cast<nn::ModuleListImpl>(list->clone());
  REQUIRE(list_copy);
  CHECK(list_copy->ptr<nn::Conv2dImpl>(0)->options.out_channels() == 2);
  CHECK(list_copy->ptr<nn::DropoutImpl>(2)->options.p() == 0.5);

  // A container of a module that is not cloneable says which one.
  nn::Sequential with_plain(std::make_shared<Plain>());
  REQUIRE_THROWS_WITH(with_plain->clone(), Contains("clone() has not been implemented for"));
  REQUIRE_THROWS_WITH(nn::Linear(2, 2)->clone(ember::Device(ember::kCUDA, 0)), Contains("Module::clone"));
}

namespace {
struct MyLinear : nn::LinearImpl {
  MyLinear() : nn::LinearImpl(nn::LinearOptions(2, 2)) {}
};
}  // namespace

TEST_CASE("A subclass of a built-in module is not cloned as its base", "[libtorch][nn]") {
  auto m = std::make_shared<MyLinear>();
  REQUIRE_THROWS_WITH(m->clone(), Contains("clone() has not been implemented for"));
}
