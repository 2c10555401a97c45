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

}  // namespace detail
}  // namespace ember
