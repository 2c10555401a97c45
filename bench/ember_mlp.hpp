// mlp_fmnist's network, 784-H-H/2-10 with ReLU (H = 256 is mlp_fmnist's), for every ember
// bench program that trains it: ember-bench's mlp_fmnist and mlp_step, and ddp_mlp_bench.
#pragma once
#include <ember/ember.hpp>

#include <cstdint>

namespace bench {

struct Mlp : ember::nn::Module {
  ember::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  explicit Mlp(int64_t hidden = 256) : Module("Mlp") {
    fc1 = register_module("fc1", ember::nn::Linear(784, hidden));
    fc2 = register_module("fc2", ember::nn::Linear(hidden, hidden / 2));
    fc3 = register_module("fc3", ember::nn::Linear(hidden / 2, 10));
  }
  ember::Tensor forward(const ember::Tensor& x) override {
    ember::Tensor h = ember::relu(fc1(x.flatten(1)));
    h = ember::relu(fc2(h));
    return fc3(h);
  }
};

}  // namespace bench
