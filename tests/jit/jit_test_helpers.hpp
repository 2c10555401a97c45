// What the jit tests share: a graph's op names in node order.
#pragma once
#include <ember/jit.hpp>
#include <string>
#include <vector>

namespace jit_test {
using Ops = std::vector<std::string>;
inline Ops ops_of(const ember::jit::Graph& g) {
  Ops ops;
  for (const ember::jit::Node& n : g.nodes()) ops.push_back(n.op);
  return ops;
}
}  // namespace jit_test
