// A model defined in a file, for `.L` at the prompt (and #include in a program).
#pragma once
#include <ember/ember.hpp>

struct TinyMLP : ember::nn::Module {
  TinyMLP(int64_t in, int64_t hidden, int64_t out) {
    fc1 = register_module("fc1", ember::nn::Linear(in, hidden));
    fc2 = register_module("fc2", ember::nn::Linear(hidden, out));
  }
  ember::Tensor forward(const ember::Tensor& x) { return fc2->forward(ember::relu(fc1->forward(x))); }
  ember::nn::Linear fc1{nullptr}, fc2{nullptr};
};

// Every parameter set to one value, so that outputs can be worked out by hand.
inline void fill_parameters(ember::nn::Module& m, double value) {
  ember::NoGradGuard no_grad;
  for (auto& p : m.parameters()) p.fill_(value);
}
