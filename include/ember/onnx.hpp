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
#include <memory>
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

// ---- import ----
// A model read from an ONNX file. Calling it runs the file's nodes in order with
// ember's differentiable ops, so it can be fine-tuned: its floating initializers are
// `parameters()` (requiring grad, as a module's are) for an optimizer. `trace` gives
// its jit graph for given inputs, to optimise, compile or export again.
//
//   ember::onnx::Model m = ember::onnx::load("model.onnx");
//   ember::Tensor y = m(x);
class Model {
 public:
  std::vector<Tensor> operator()(const std::vector<Tensor>& inputs) const;
  Tensor operator()(const Tensor& input) const;
  const std::vector<std::string>& input_names() const;
  const std::vector<std::string>& output_names() const;
  // Initializers by name, in file order; the floating ones require grad.
  const OrderedDict<Tensor>& initializers() const;
  std::vector<Tensor> parameters() const;
  // The ONNX op types the model uses, sorted.
  std::vector<std::string> op_types() const;
  jit::TracedFunction trace(const std::vector<Tensor>& example_inputs) const;

  struct Impl;
  explicit Model(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<const Impl> impl_;
};

// Reads a model (any IR version whose default-domain opset is 13 to 17). A file that
// is not a valid model, or that uses an op the importer lacks, gives ember::Error
// naming it.
Model load(const std::string& path);
Model load_bytes(const std::string& bytes, const std::string& name = "model");
// A serialised TensorProto (the .pb files of ONNX's test data) as a tensor.
Tensor load_tensor(const std::string& path);
// The ONNX op types load() knows, sorted.
std::vector<std::string> importable_ops();

}  // namespace onnx
}  // namespace ember
