// The `build` workload's translation unit on LibTorch: the main header and the MLP of
// mlp_fmnist (module, forward, one Adam step). build_bench.sh times compiling it.
#include <torch/torch.h>

struct MlpImpl : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  MlpImpl() {
    fc1 = register_module("fc1", torch::nn::Linear(784, 256));
    fc2 = register_module("fc2", torch::nn::Linear(256, 128));
    fc3 = register_module("fc3", torch::nn::Linear(128, 10));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor h = torch::relu(fc1(x.flatten(1)));
    h = torch::relu(fc2(h));
    return fc3(h);
  }
};
TORCH_MODULE(Mlp);

double train_step(Mlp& net, torch::optim::Adam& optimizer, const torch::Tensor& x, const torch::Tensor& y) {
  torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(x), y);
  optimizer.zero_grad();
  loss.backward();
  optimizer.step();
  return loss.item<double>();
}

int main() {
  Mlp net;
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(1e-3));
  torch::Tensor x = torch::rand({64, 1, 28, 28}), y = torch::randint(0, 10, {64});
  return train_step(net, optimizer, x, y) > 0 ? 0 : 1;
}
