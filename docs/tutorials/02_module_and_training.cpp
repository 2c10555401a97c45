// Tutorial 2: write a module and train it.
//
// A small network learns to tell which of two interleaved spirals a 2-d point belongs
// to: a Module subclass, a DataLoader over tensors, Adam with a learning-rate schedule,
// evaluation without gradients, and a checkpoint.
//   ember-run docs/tutorials/02_module_and_training.cpp
#include <ember/ember.hpp>

#include <cmath>
#include <cstdlib>
#include <iostream>

namespace nn = ember::nn;
namespace F = ember::nn::functional;

static void expect(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "tutorial check failed: " << what << "\n";
    std::exit(1);
  }
}

// A module holds parameters and submodules. register_module names them: the names are
// what named_parameters(), printing and state_dict() show, exactly as in PyTorch.
struct SpiralNet : nn::Module {
  nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  nn::Dropout dropout{nullptr};

  explicit SpiralNet(int64_t hidden) : Module("SpiralNet") {
    fc1 = register_module("fc1", nn::Linear(2, hidden));
    fc2 = register_module("fc2", nn::Linear(hidden, hidden));
    fc3 = register_module("fc3", nn::Linear(hidden, 2));
    dropout = register_module("dropout", nn::Dropout(0.1));
  }

  ember::Tensor forward(const ember::Tensor& x) override {
    ember::Tensor h = ember::relu(fc1(x));
    h = dropout(ember::relu(fc2(h)));  // dropout is active in train() and off in eval()
    return fc3(h);                     // logits for the two classes
  }
};

// Two spirals of n points each, with labels 0 and 1.
static std::pair<ember::Tensor, ember::Tensor> spirals(int64_t n) {
  ember::Tensor t = ember::linspace(0.25, 3.0 * M_PI, n);
  ember::Tensor noise = 0.05 * ember::randn({2 * n, 2});
  ember::Tensor arm0 = ember::stack({t * ember::cos(t), t * ember::sin(t)}, 1);
  ember::Tensor arm1 = -arm0;  // the second arm is the first turned by 180 degrees
  ember::Tensor points = ember::cat({arm0, arm1}, 0) / (3.0 * M_PI) + noise;
  ember::Tensor labels = ember::cat({ember::zeros({n}, ember::kInt64), ember::ones({n}, ember::kInt64)});
  return {points, labels};
}

int main() {
  ember::manual_seed(0);
  auto [points, labels] = spirals(500);

  // Holders: std::make_shared gives the shared_ptr that optimizers and DataLoaders use.
  auto net = std::make_shared<SpiralNet>(64);
  std::cout << *net << "\n";
  expect(net->named_parameters().size() == 6, "three Linear layers: 6 parameters");

  ember::data::TensorDataset dataset({points, labels});
  ember::data::DataLoader loader(dataset, ember::data::DataLoaderOptions().batch_size(50).shuffle(true).seed(0));
  ember::optim::Adam optimizer(net->parameters(), ember::optim::AdamOptions(1e-2));
  ember::optim::StepLR scheduler(optimizer, /*step_size=*/20, /*gamma=*/0.5);

  auto accuracy = [&] {
    ember::NoGradGuard no_grad;  // torch.no_grad(): evaluation records nothing
    net->eval();
    ember::Tensor predicted = net->forward(points).argmax(1);
    net->train();
    return predicted.eq(labels).to(ember::kFloat32).mean().item<float>();
  };
  float before = accuracy();

  float first_loss = 0, last_loss = 0;
  for (int epoch = 0; epoch < 60; ++epoch) {
    float epoch_loss = 0;
    int batches = 0;
    for (auto& batch : loader) {  // batch[0]: points [50, 2], batch[1]: labels [50]
      ember::Tensor loss = F::cross_entropy(net->forward(batch[0]), batch[1]);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      epoch_loss += loss.item<float>();
      ++batches;
    }
    scheduler.step();  // once per epoch, as in PyTorch
    epoch_loss /= batches;
    if (epoch == 0) first_loss = epoch_loss;
    last_loss = epoch_loss;
    if (epoch % 20 == 0) std::cout << "epoch " << epoch << " loss " << epoch_loss << "\n";
  }
  float after = accuracy();
  std::cout << "accuracy before " << before << ", after " << after << "\n";
  expect(last_loss < 0.5f * first_loss, "the loss falls by half");
  expect(after > 0.9f, "the spirals are told apart");

  // A checkpoint: the state dict holds every parameter and buffer under its dotted name.
  ember::save(net->state_dict(), "spiral_net.safetensors");
  auto copy = std::make_shared<SpiralNet>(64);
  copy->load_state_dict(ember::load("spiral_net.safetensors"));
  copy->eval();
  net->eval();
  {
    ember::NoGradGuard no_grad;
    expect(ember::equal(copy->forward(points), net->forward(points)), "the loaded copy computes the same");
  }
  std::cout << "tutorial 2: ok\n";
}
