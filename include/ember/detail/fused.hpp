// A fused elementwise program: several elementwise ops of the op table run over the
// elements of same-shaped tensors in one pass, block by block, so that the values in
// between stay in a few cache-resident blocks instead of going to memory as whole
// tensors. ember's jit builds these (passes::fuse_elementwise); not part of
// <ember/ember.hpp>.
#pragma once
#include <string>
#include <vector>

#include "ember/tensor.hpp"

namespace ember {
namespace detail {

// One step: registers 0 .. inputs-1 are the program's inputs; every step writes a new
// register. `op` names a unary or binary row of the op table ("exp", "gelu", "mul",
// ...). A binary step reads registers a and b, or register a and `scalar` (on the
// right, or on the left when scalar_first: rsub, rdiv).
struct FusedStep {
  std::string op;
  int out = 0;
  int a = 0;
  int b = -1;
  bool has_scalar = false;
  bool scalar_first = false;
  double scalar = 0;
};

struct FusedProgram {
  int inputs = 0;
  int registers = 0;
  std::vector<FusedStep> steps;
  std::vector<int> outputs;  // registers written out, in order
};

// Whether op can be a unary (or binary) step.
bool fusable_unary(const std::string& op);
bool fusable_binary(const std::string& op);

// Runs the program over contiguous float32 or float64 inputs of one shape and dtype;
// returns one new tensor per output register. Errors name "fused" and the shapes.
std::vector<Tensor> run_fused(const FusedProgram& program, const std::vector<Tensor>& inputs);
// The same, writing output o into outputs[o]: contiguous tensors of the inputs' element
// count and dtype (the jit's memory plan hands them out). An output may be an input's
// memory when the program has that one output, written by its last step (every step
// reads an element before the last step writes it).
void run_fused_into(const FusedProgram& program, const std::vector<Tensor>& inputs, std::vector<Tensor>& outputs);

// linear with an epilogue: activation(input @ W^T + bias) (weight_out_in: weight is
// [out, in] as nn::Linear keeps it) or activation(input @ weight + bias) (weight
// [in, out]), bias optional, float32 or float64. The bias rows are copied into the
// output and one BLAS GEMM per panel of rows (one for up to 64 rows) adds the product
// to them; then the activation runs over the panel a block at a time, with the op
// table's SIMD loop, while the panel is in cache. `activation` is "none" or a unary row of the op table
// ("relu", "gelu", "gelu_tanh", "sigmoid", "tanh", "silu", ...). With `out` defined
// (contiguous, input's leading dims times out_features elements), writes there and
// returns it; otherwise returns a new tensor of shape [input's leading dims, out].
Tensor linear_epilogue(const Tensor& input, const Tensor& weight, const Tensor& bias, bool weight_out_in,
                       const std::string& activation, const Tensor& out = Tensor());
// Whether `activation` can end a linear_epilogue.
bool epilogue_activation(const std::string& activation);

}  // namespace detail
}  // namespace ember
