// Fashion-MNIST with a small convolutional network:
//   conv(1->32, 3x3, pad 1)-ReLU-maxpool 2 - conv(32->64, 3x3, pad 1)-ReLU-maxpool 2
//   - flatten - linear(3136->128)-ReLU - linear(128->10)
// trained with cross-entropy and Adam. One epoch reaches 0.84-0.88 test accuracy,
// depending on the seed.
//
//   ./fmnist_cnn --epochs 1 --threads 2 --checkpoint cnn.safetensors
#include <ember/ember.hpp>

#include "common/classifier.hpp"

namespace nn = ember::nn;

struct CNN : nn::Module {
  nn::Sequential features{nullptr}, classifier{nullptr};

  CNN() : Module("CNN") {
    features = register_module("features", nn::Sequential(
        nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
        nn::Conv2d(nn::Conv2dOptions(32, 64, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2)));
    classifier = register_module("classifier", nn::Sequential(
        nn::Flatten(), nn::Linear(64 * 7 * 7, 128), nn::ReLU(), nn::Linear(128, 10)));
  }

  // x: images [N, 1, 28, 28]; returns logits [N, 10].
  ember::Tensor forward(const ember::Tensor& x) override { return classifier(features(x)); }
};

int main(int argc, char** argv) {
  example::Flags flags = example::classifier_flags("fmnist_cnn", "a convolutional classifier for Fashion-MNIST");
  flags.parse(argc, argv);
  ember::manual_seed(static_cast<uint64_t>(flags.integer("seed")));
  CNN model;
  return example::train_classifier(model, flags, "cnn");
}
