// Loads the models tests/onnx/torch_export_models.py exported from PyTorch and checks
// ember's outputs against PyTorch's (torch_cases.json) within 1e-5.
#include <ember/ember.hpp>
#include <ember/onnx.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
int main(int argc, char** argv) {
  auto cases = nlohmann::json::parse(std::ifstream(std::string(argv[1]) + "/torch_cases.json"));
  int bad = 0;
  for (auto& c : cases) {
    std::string name = c["name"];
    try {
      auto m = ember::onnx::load(std::string(argv[1]) + "/" + name + ".onnx");
      ember::Tensor x = ember::tensor(c["in"].get<std::vector<float>>()).reshape(c["in_shape"].get<std::vector<int64_t>>());
      ember::NoGradGuard ng;
      ember::Tensor y = m(x);
      ember::Tensor want = ember::tensor(c["out"].get<std::vector<float>>()).reshape(c["out_shape"].get<std::vector<int64_t>>());
      double err = ember::max(ember::abs(y - want)).item<double>();
      std::cout << name << ": ops";
      for (auto& o : m.op_types()) std::cout << " " << o;
      std::cout << "\n  max |ember - torch| = " << err << (err <= 1e-5 ? " ok" : " BAD") << "\n";
      bad += err > 1e-5;
    } catch (const std::exception& e) {
      std::cout << name << ": " << e.what() << "\n";
      ++bad;
    }
  }
  return bad;
}
