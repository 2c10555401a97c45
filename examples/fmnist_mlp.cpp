// Fashion-MNIST with a multi-layer perceptron: 784-256-128-10 with ReLU, cross-entropy,
// Adam. One epoch reaches 0.84-0.85 test accuracy,
// depending on the seed.
//
//   ./fmnist_mlp --epochs 1 --checkpoint mlp.safetensors
//   ./fmnist_mlp --epochs 3 --checkpoint mlp.safetensors --resume   # two more epochs
//   ember-run examples/fmnist_mlp.cpp --epochs 1   # compiled from this file, then cached
#include <ember/ember.hpp>

#include "common/classifier.hpp"
#include "common/fmnist_mlp_model.hpp"

int main(int argc, char** argv) {
  example::Flags flags = example::classifier_flags("fmnist_mlp", "an MLP classifier for Fashion-MNIST");
  flags.parse(argc, argv);
  ember::manual_seed(static_cast<uint64_t>(flags.integer("seed")));
  MLP model;
  return example::train_classifier(model, flags, "mlp");
}
