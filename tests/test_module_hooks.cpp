// Module hooks: forward pre-hooks, forward hooks, full backward hooks, removal, and
// Sequential running its children's hooks. Expected gradients are worked out by hand
// from the chain rule in each test (and agree with PyTorch 1.13's hooks on the same
// module, which run pre-hooks before the backward hook's input boundary).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ember/ember.hpp"

using namespace ember;

namespace {
nn::Linear fixed_linear() {
  nn::Linear fc(3, 2);
  NoGradGuard no_grad;
  fc->weight.copy_(tensor({1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 4.0f}).view({2, 3}));
  fc->bias.copy_(tensor({0.5f, -0.5f}));
  return fc;
}
}  // namespace

TEST_CASE("forward pre-hooks and forward hooks replace the input and the output", "[hooks]") {
  nn::Linear fc = fixed_linear();
  std::vector<std::string> order;
  auto pre = fc->register_forward_pre_hook([&](nn::Module& m, const Tensor& x) {
    order.push_back("pre " + m.type_name());
    return x * 2;
  });
  auto post = fc->register_forward_hook([&](nn::Module&, const Tensor& input, const Tensor& out) {
    order.push_back("post");
    CHECK(input.sizes() == IntArrayRef({1, 3}));
    return out + 1;
  });
  fc->register_forward_hook([&](nn::Module&, const Tensor&, const Tensor&) { order.push_back("post2"); });
  Tensor x = tensor({1.0f, 1.0f, 1.0f}).view({1, 3});
  // W (2x) + b + 1: row sums of W are 6 and 3.5.
  CHECK(allclose(fc(x), tensor({13.5f, 7.5f}).view({1, 2})));
  CHECK(order == std::vector<std::string>{"pre Linear", "post", "post2"});
  // forward() itself runs no hooks, as in PyTorch.
  CHECK(allclose(fc->forward(x), tensor({6.5f, 3.0f}).view({1, 2})));
  pre.remove();
  post.remove();
  pre.remove();  // twice does nothing
  CHECK(allclose(fc(x), tensor({6.5f, 3.0f}).view({1, 2})));
}

TEST_CASE("a full backward hook sees grad_input and grad_output and may replace grad_input", "[hooks]") {
  nn::Linear fc = fixed_linear();
  std::vector<Tensor> seen_in, seen_out;
  fc->register_forward_pre_hook([](nn::Module&, const Tensor& x) { return x * 2; });
  fc->register_full_backward_hook(
      [&](nn::Module&, const std::vector<Tensor>& grad_input, const std::vector<Tensor>& grad_output) {
        seen_in = grad_input;
        seen_out = grad_output;
        return std::vector<Tensor>{grad_input[0] * 10};
      });
  Tensor x = tensor({1.0f, -1.0f, 2.0f}).view({1, 3}).requires_grad_();
  (fc(x) * tensor({1.0f, 3.0f})).sum().backward();
  // grad_output = [1, 3]; grad wrt the module's input = [1, 3] @ W = [-2, 3.5, 15];
  // the hook makes it x10, and the pre-hook's 2x doubles it on the way to x.
  REQUIRE(seen_out.size() == 1);
  CHECK(allclose(seen_out[0], tensor({1.0f, 3.0f}).view({1, 2})));
  REQUIRE(seen_in.size() == 1);
  CHECK(allclose(seen_in[0], tensor({-2.0f, 3.5f, 15.0f}).view({1, 3})));
  CHECK(allclose(x.grad(), tensor({-40.0f, 70.0f, 300.0f}).view({1, 3})));
  // The parameters' gradients are untouched by the hook: grad_output^T x_in, x_in = 2x.
  CHECK(allclose(fc->weight.grad(), tensor({2.0f, -2.0f, 4.0f, 6.0f, -6.0f, 12.0f}).view({2, 3})));
}

TEST_CASE("a backward hook on a module whose input needs no gradient gets an undefined grad_input", "[hooks]") {
  nn::Linear fc = fixed_linear();
  int calls = 0;
  fc->register_full_backward_hook([&](nn::Module&, const std::vector<Tensor>& gi, const std::vector<Tensor>& go) {
    ++calls;
    CHECK_FALSE(gi.at(0).defined());
    CHECK(go.at(0).defined());
  });
  fc(ones({4, 3})).sum().backward();
  CHECK(calls == 1);
  {
    NoGradGuard no_grad;  // nothing to hook without autograd
    fc(ones({4, 3}));
  }
  CHECK(calls == 1);
}

TEST_CASE("Sequential runs its children's hooks", "[hooks]") {
  nn::Sequential seq(fixed_linear(), nn::ReLU());
  std::vector<std::string> calls;
  seq[0]->register_forward_hook([&](nn::Module& m, const Tensor&, const Tensor&) { calls.push_back(m.type_name()); });
  seq[1]->register_forward_hook([&](nn::Module& m, const Tensor&, const Tensor& out) {
    calls.push_back(m.type_name());
    return out * 0;
  });
  CHECK(seq(ones({1, 3})).abs().sum().item<float>() == 0.0f);
  CHECK(calls == std::vector<std::string>{"Linear", "ReLU"});
}

TEST_CASE("hooks on a module called with other arguments are an error", "[hooks][errors]") {
  nn::LSTM lstm(2, 3);
  lstm->register_forward_hook([](nn::Module&, const Tensor&, const Tensor&) {});
  CHECK_THROWS_WITH(lstm(ones({4, 1, 2})), Catch::Matchers::Contains("LSTM: module hooks need a module called with one tensor"));
}
