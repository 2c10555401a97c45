// Rebuild: how a graph pass makes its new graph (src/jit/passes.cpp, fusion.cpp).
#pragma once
#include <utility>
#include <vector>

#include "ember/jit.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace jit {

// Copies what a pass keeps into a new graph: inputs and parameters up front, constants
// when first used, nodes as they are added; `map` takes old value ids to new ones.
class Rebuild {
 public:
  explicit Rebuild(const Graph& old) : old_(old), map_(old.values().size(), -1) {
    for (int id : old.inputs()) {
      const Value& v = old.value(id);
      map_[static_cast<std::size_t>(id)] = out.add_input(v.name, v.sizes, v.dtype);
    }
    for (int id : old.parameters()) {
      const Value& v = old.value(id);
      map_[static_cast<std::size_t>(id)] = out.add_parameter(v.name, v.tensor);
    }
  }
  // The new id of old value `id` (-1 stays -1: an absent input).
  int get(int id) {
    if (id < 0) return -1;
    int& m = map_[static_cast<std::size_t>(id)];
    if (m < 0 && old_.value(id).kind == ValueKind::Constant) m = out.add_constant(old_.value(id).tensor);
    EMBER_CHECK(m >= 0, "jit pass: value %{} is read before it is made", id);
    return m;
  }
  // From now on, old value `id` is new value `to`.
  void set(int id, int to) { map_[static_cast<std::size_t>(id)] = to; }
  void copy_node(const Node& n) {
    std::vector<int> ins;
    for (int id : n.inputs) ins.push_back(get(id));
    std::vector<std::pair<Shape, Dtype>> metas;
    for (int id : n.outputs) metas.emplace_back(old_.value(id).sizes, old_.value(id).dtype);
    const int k = out.add_node(n.op, std::move(ins), n.attrs, metas, n.fused);
    for (std::size_t i = 0; i < n.outputs.size(); ++i)
      set(n.outputs[i], out.nodes()[static_cast<std::size_t>(k)].outputs[i]);
  }
  Graph finish() {
    std::vector<int> outs;
    for (int id : old_.outputs()) outs.push_back(get(id));
    out.set_outputs(std::move(outs));
    for (const Update& u : old_.updates()) out.add_update(get(u.target), get(u.value), u.grad_of);
    return std::move(out);
  }
  Graph out;

 private:
  const Graph& old_;
  std::vector<int> map_;
};

}  // namespace jit
}  // namespace ember
