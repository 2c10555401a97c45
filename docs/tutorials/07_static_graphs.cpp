// Tutorial 7: from eager code to a static graph.
//
// ember runs eagerly, but one run can be kept as a graph (ember::jit::trace), printed,
// optimised and replayed; ember::jit::compile does all of it on demand, one graph per
// input shape. Needs the ember_jit library (CMake: link ember::jit).
#include <ember/ember.hpp>
#include <ember/jit.hpp>

#include <cstdlib>
#include <iostream>
#include <vector>

namespace nn = ember::nn;
namespace jit = ember::jit;

static void expect(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "tutorial check failed: " << what << "\n";
    std::exit(1);
  }
}

int main() {
  ember::manual_seed(0);
  nn::Sequential mlp(nn::Linear(784, 256), nn::ReLU(), nn::Dropout(0.2), nn::Linear(256, 10));
  mlp->eval();  // dropout does nothing outside training

  // 1. Trace: one eager run, recorded. Parameters are named by their module path.
  jit::TracedFunction traced = jit::trace(mlp, ember::randn({1, 784}));
  std::cout << "traced:\n" << traced.graph();

  // 2. Optimise: graph-to-graph passes. Eval-mode dropout is an identity and goes.
  jit::Graph optimised = jit::passes::optimize(traced.graph());
  std::cout << "optimised:\n" << optimised;
  expect(optimised.nodes().size() == 3, "dropout is gone: linear, relu, linear");

  // 3. Replay: the same results as the eager model, for new inputs of the traced shape.
  ember::Tensor x = ember::randn({1, 784});
  expect(ember::allclose(jit::run(optimised, {x})[0], mlp->forward(x)), "replay equals eager");

  // Another shape is refused by a traced graph (it was specialised to [1, 784]) ...
  bool refused = false;
  try {
    traced(ember::randn({4, 784}));
  } catch (const ember::Error& e) {
    refused = true;
    std::cout << "refused: " << e.what() << "\n";
  }
  expect(refused, "a traced graph takes only the traced shapes");

  // 4. ... while compile keeps one graph per shape it meets, tracing each once.
  jit::CompiledFunction fast = jit::compile(mlp);
  for (int64_t batch : {1, 4, 1, 4, 16}) {
    ember::Tensor xb = ember::randn({batch, 784});
    expect(ember::allclose(fast(xb), mlp->forward(xb)), "compiled equals eager");
  }
  std::cout << "compile traced " << fast.traces() << " shapes\n";
  expect(fast.traces() == 3, "three batch sizes, three traces");
  return 0;
}
