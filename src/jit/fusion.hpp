// What fusion (src/jit/fusion.cpp) shares with the other passes and the memory plan:
// how an elementwise node maps onto the op table's rows.
#pragma once
#include <memory>
#include <string>

#include "ember/jit.hpp"

namespace ember {
namespace jit {

// The op-table row a one-input elementwise node runs ("relu", "exp"; gelu gives "gelu"
// or "gelu_tanh" by its `approximate`), or "" when the node is not such a row.
std::string unary_row(const Node& n);

// Node n as a one-step fused program (one output, written by its step) when
// fuse_elementwise could take it: an op-table row whose output and tensor operands
// share one shape and a float dtype. Null otherwise.
std::shared_ptr<const detail::FusedProgram> single_node_program(const Graph& g, const Node& n);

}  // namespace jit
}  // namespace ember
