// The `build` workload's translation unit on ember: the main header and the MLP of
// mlp_fmnist (module, forward, one Adam step). build_bench.sh times compiling it.
#include <ember/ember.hpp>

namespace nn = ember::nn;
namespace F = ember::nn::functional;

struct Mlp : nn::Module {
  nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  Mlp() : Module("Mlp") {
    fc1 = register_module("fc1", nn::Linear(784, 256));
    fc2 = register_module("fc2", nn::Linear(256, 128));
    fc3 = register_module("fc3", nn::Linear(128, 10));
  }
  ember::Tensor forward(const ember::Tensor& x) override {
    ember::Tensor h = ember::relu(fc1(x.flatten(1)));
    h = ember::relu(fc2(h));
    return fc3(h);
  }
};

double train_step(Mlp& net, ember::optim::Adam& optimizer, const ember::Tensor& x, const ember::Tensor& y) {
  ember::Tensor loss = F::cross_entropy(net.forward(x), y);
  optimizer.zero_grad();
  loss.backward();
  optimizer.step();
  return loss.item<double>();
}

int main() {
  auto net = std::make_shared<Mlp>();
  ember::optim::Adam optimizer(net->parameters(), ember::optim::AdamOptions(1e-3));
  ember::Tensor x = ember::rand({64, 1, 28, 28}), y = ember::randint(0, 10, {64});
  return train_step(*net, optimizer, x, y) > 0 ? 0 : 1;
}
