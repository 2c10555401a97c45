// ONNX export: the optional ember_onnx library (CMake target ember::onnx, header
// ember/onnx.hpp, not pulled in by ember/ember.hpp):
//
//   ember::onnx::export_model(model, ember::randn({1, 784}), "mlp.onnx");   // trace, optimise, write
//   ember::onnx::export_model(graph, "model.onnx");                          // a graph you have
//
// Files are ONNX IR version 8 with the default domain at opset 17 (what Debian's onnx
// 1.12 checker knows). Parameters, buffers and constants become initializers; the
// graph's inputs and outputs keep their traced shapes. An op without an ONNX form, or
// one in a mode ONNX cannot express (batch norm in training, a fused node), gives
// ember::Error naming it.
#pragma once
#include <string>
#include <vector>

#include "ember/jit.hpp"

namespace ember {
namespace onnx {

// The model as bytes (a serialised ModelProto), and the same written to a file.
std::string model_bytes(const jit::Graph& graph, int64_t opset = 17);
void export_model(const jit::Graph& graph, const std::string& path, int64_t opset = 17);

// Traces module->forward(example_input), optimises the graph (without fusion) and
// writes it.
template <class Holder, class = decltype(std::declval<Holder&>()->forward(std::declval<Tensor>()))>
void export_model(Holder& module, const Tensor& example_input, const std::string& path, int64_t opset = 17) {
  jit::TracedFunction traced = jit::trace(module, example_input);
  export_model(jit::passes::optimize(traced.graph()), path, opset);
}

// The graph ops export knows, sorted.
std::vector<std::string> exportable_ops();

}  // namespace onnx
}  // namespace ember
