// The GraphDef that add_graph writes: a traced forward as TensorFlow nodes.
#pragma once
#include <string>
#include <vector>

#include "ember/jit.hpp"

namespace ember {
namespace tensorboard {
namespace detail {

// Serialized GraphDef of a traced graph (docs/TENSORBOARD_FORMAT.md, "Graphs"):
//   input/x0          op "IO Node"    one per graph input
//   fc1/weight        op "Parameter"  module path, "." becoming the "/" of scopes
//   constant/0        op "Constant"   tensors the trace met that no op made
//   fc1/linear        op "linear"     one per recorded op, in the scope of the module
//                                     whose parameters it reads (none: top level)
//   output/output.1   op "IO Node"    one per graph output, reading it
// Each node's inputs name the nodes that make its operands ("name:k" for output k > 0)
// and its attr "_output_shapes" lists the shapes it makes.
std::string graph_def(const jit::Graph& graph);

}  // namespace detail
}  // namespace tensorboard
}  // namespace ember
