// Tutorial 5: checkpoints to and from Python.
//
// ember::save writes PyTorch's own torch.save format (for .pt, .pth, .bin, .ckpt) or
// safetensors (.safetensors); ember::load reads both. A state dict is a flat map from
// dotted names to tensors, named as PyTorch names them, so the same dict loads into
// the same model on either side.
//
// The round trip, as the test runs it (05_checkpoints_and_python.sh):
//   tutorial_05_checkpoints_and_python save DIR      # C++: a model, its output, net.pt
//   python3 05_checkpoints_and_python.py DIR         # Python: load, check, one SGD step, save
//   tutorial_05_checkpoints_and_python load DIR      # C++: load what Python saved, compare
#include <ember/ember.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

namespace nn = ember::nn;

static void expect(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "tutorial check failed: " << what << "\n";
    std::exit(1);
  }
}

// The same network as Python's nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)):
// its parameters are "0.weight", "0.bias", "2.weight", "2.bias" on both sides.
static nn::Sequential make_net() { return nn::Sequential(nn::Linear(3, 4), nn::ReLU(), nn::Linear(4, 2)); }

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " save|load DIR\n";
    return 2;
  }
  const std::string mode = argv[1], dir = argv[2];
  ember::Tensor x = ember::arange(0, 6).reshape({2, 3}).to(ember::kFloat32) / 6.0;
  nn::Sequential net = make_net();

  if (mode == "save") {
    ember::manual_seed(0);
    net = make_net();
    for (const auto& [name, value] : net->named_parameters()) std::cout << name << " " << value.sizes() << "\n";
    ember::save(net->state_dict(), dir + "/net.pt");  // torch.load(".../net.pt") reads it
    // Any dict of tensors works too: here the input and ember's output, for Python to check.
    ember::save(ember::StateDict{{"x", x}, {"y", net->forward(x).detach()}}, dir + "/io.pt");
    std::cout << "saved " << dir << "/net.pt\n";
    return 0;
  }

  // Load what Python saved after its SGD step, and compute what Python computed.
  net->load_state_dict(ember::load(dir + "/from_python.pt"));  // strict: every key must match
  ember::Tensor expected = ember::load(dir + "/python_out.pt").at("y");
  ember::Tensor y = net->forward(x);
  std::cout << "ember:  " << y << "\npython: " << expected << "\n";
  expect(ember::allclose(y, expected, 1e-5, 1e-6), "the model trained in Python computes the same in C++");
  std::cout << "tutorial 5: ok\n";
}
