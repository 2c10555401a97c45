// The Fashion-MNIST MLP (784-256-128-10 with ReLU), shared by fmnist_mlp, which trains
// it, and serve_mlp, which answers requests with it.
#pragma once
#include <ember/ember.hpp>

struct MLP : ember::nn::Module {
  ember::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};

  MLP() : Module("MLP") {
    fc1 = register_module("fc1", ember::nn::Linear(784, 256));
    fc2 = register_module("fc2", ember::nn::Linear(256, 128));
    fc3 = register_module("fc3", ember::nn::Linear(128, 10));
  }

  // x: images [N, 1, 28, 28]; returns logits [N, 10].
  ember::Tensor forward(const ember::Tensor& x) override {
    ember::Tensor h = ember::relu(fc1(x.flatten(1)));
    h = ember::relu(fc2(h));
    return fc3(h);
  }
};
