// Fashion-MNIST with a multi-layer perceptron: 784-256-128-10 with ReLU, cross-entropy,
// Adam. One epoch reaches 0.84-0.85 test accuracy,
// depending on the seed.
//
//   ./fmnist_mlp --epochs 1 --checkpoint mlp.safetensors
//   ./fmnist_mlp --epochs 3 --checkpoint mlp.safetensors --resume   # two more epochs
//   ember-run examples/fmnist_mlp.cpp --epochs 1   # compiled from this file, then cached
#include <ember/ember.hpp>

#include "common/classifier.hpp"

namespace nn = ember::nn;

struct MLP : nn::Module {
  nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};

  MLP() : Module("MLP") {
    fc1 = register_module("fc1", nn::Linear(784, 256));
    fc2 = register_module("fc2", nn::Linear(256, 128));
    fc3 = register_module("fc3", nn::Linear(128, 10));
  }

  // x: images [N, 1, 28, 28]; returns logits [N, 10].
  ember::Tensor forward(const ember::Tensor& x) override {
    ember::Tensor h = ember::relu(fc1(x.flatten(1)));
    h = ember::relu(fc2(h));
    return fc3(h);
  }
};

int main(int argc, char** argv) {
  example::Flags flags = example::classifier_flags("fmnist_mlp", "an MLP classifier for Fashion-MNIST");
  flags.parse(argc, argv);
  ember::manual_seed(static_cast<uint64_t>(flags.integer("seed")));
  MLP model;
  return example::train_classifier(model, flags);
}
