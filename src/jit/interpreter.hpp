// What the interpreter shares with the memory-planned replay (src/jit/memory_plan.cpp).
#pragma once
#include <string>
#include <vector>

#include "ember/jit.hpp"

namespace ember {
namespace jit {

// One op of the interpreter: the public call with the node's attributes.
using Runner = std::vector<Tensor> (*)(const std::vector<Tensor>& in, const Node& n);
// The runner of `op`; an ember::Error when the interpreter has none.
Runner runner_of(const std::string& op);
// Checks the inputs' count, shapes and dtypes against the graph's (as run does).
void check_inputs(const Graph& g, const std::vector<Tensor>& inputs);

}  // namespace jit
}  // namespace ember
