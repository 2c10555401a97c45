// passes::fuse_linear_epilogue: a product with a bias (linear, addmm, or matmul / mm
// followed by an add of a bias vector) and the activation after it become one
// "linear_epilogue" node, which the kernel (detail::linear_epilogue) runs as a GEMM
// into the output with the bias and activation applied to each block while it is in
// cache.
#include <vector>

#include "ember/detail/fused.hpp"
#include "ember/jit.hpp"
#include "src/jit/fusion.hpp"
#include "src/jit/rebuild.hpp"

namespace ember {
namespace jit {
namespace {

// One match: the nodes it takes (in order) and what the fused node reads.
struct Match {
  std::vector<int> nodes;
  int x = -1, w = -1, b = -1;  // old value ids (b -1: no bias)
  bool transpose_weight = true;
  std::string activation = "none";
  int result = -1;  // the old value the fused node makes
};

bool scalar_one(const Node& n, const char* name) {
  const AttrValue* a = n.attr(name);
  const auto* s = a ? std::get_if<Scalar>(a) : nullptr;
  return s && !s->is_boolean() && s->to_double() == 1.0;
}

bool is_float(const Value& v) { return v.dtype == kFloat32 || v.dtype == kFloat64; }

class Matcher {
 public:
  explicit Matcher(const Graph& g) : g_(g), uses_(g.values().size(), 0), reader_(g.values().size(), -1) {
    for (std::size_t i = 0; i < g.nodes().size(); ++i)
      for (int id : g.nodes()[i].inputs)
        if (id >= 0) {
          ++uses_[static_cast<std::size_t>(id)];
          reader_[static_cast<std::size_t>(id)] = static_cast<int>(i);
        }
    for (int id : g.outputs()) uses_[static_cast<std::size_t>(id)] += 2;  // never "read only by one node"
  }

  // A match starting at node i, if there is one worth a fused node.
  bool match(int i, Match* m) const {
    const Node& n = node(i);
    if (n.outputs.size() != 1 || !is_float(g_.value(n.outputs[0]))) return false;
    const Dtype dt = g_.value(n.outputs[0]).dtype;
    bool has_bias_or_act = false;
    if (n.op == "linear" && n.inputs.size() == 3) {
      m->x = n.inputs[0];
      m->w = n.inputs[1];
      m->b = n.inputs[2];
      m->transpose_weight = true;
    } else if (n.op == "addmm" && n.inputs.size() == 3 && scalar_one(n, "beta") && scalar_one(n, "alpha")) {
      m->b = n.inputs[0];
      m->x = n.inputs[1];
      m->w = n.inputs[2];
      m->transpose_weight = false;
      has_bias_or_act = true;
    } else if ((n.op == "matmul" || n.op == "mm") && n.inputs.size() == 2) {
      m->x = n.inputs[0];
      m->w = n.inputs[1];
      m->transpose_weight = false;
      if (g_.value(m->x).sizes.size() != 2) return false;  // matmul's other ranks broadcast or squeeze
    } else {
      return false;
    }
    const Value& w = g_.value(m->w);
    if (w.sizes.size() != 2 || w.dtype != dt || g_.value(m->x).dtype != dt) return false;
    const int64_t out_features = w.sizes[m->transpose_weight ? 0 : 1];
    if (m->b >= 0 && !bias_of(m->b, dt, out_features)) return false;
    m->nodes = {i};
    m->result = n.outputs[0];
    // matmul + add of a bias vector, either side.
    if (n.op == "matmul" || n.op == "mm") {
      const int j = only_reader(m->result);
      if (j >= 0) {
        const Node& a = node(j);
        if (a.op == "add" && a.inputs.size() == 2 && scalar_one(a, "alpha") &&
            g_.value(a.outputs[0]).sizes == g_.value(m->result).sizes) {
          const int other = a.inputs[0] == m->result ? a.inputs[1] : a.inputs[0];
          if (other != m->result && bias_of(other, dt, out_features)) {
            m->b = other;
            m->nodes.push_back(j);
            m->result = a.outputs[0];
            has_bias_or_act = true;
          }
        }
      }
    }
    // The activation: the one reader of the result, an op-table row on it alone.
    const int j = only_reader(m->result);
    if (j >= 0 && node(j).outputs.size() == 1) {
      const std::string row = unary_row(node(j));
      if (!row.empty() && detail::epilogue_activation(row) && g_.value(node(j).outputs[0]).dtype == dt) {
        m->activation = row;
        m->nodes.push_back(j);
        m->result = node(j).outputs[0];
        has_bias_or_act = true;
      }
    }
    return has_bias_or_act;  // a lone linear, mm or matmul stays as it is
  }

 private:
  const Node& node(int i) const { return g_.nodes()[static_cast<std::size_t>(i)]; }
  // The node that is the only reader of value id (read once, not a graph output), or -1.
  int only_reader(int id) const {
    return uses_[static_cast<std::size_t>(id)] == 1 ? reader_[static_cast<std::size_t>(id)] : -1;
  }
  // A bias: one dim of out_features elements (a [1, out] would broadcast the same way,
  // but linear and addmm trace [out]).
  bool bias_of(int id, Dtype dt, int64_t out_features) const {
    const Value& b = g_.value(id);
    return b.dtype == dt && b.sizes.size() == 1 && b.sizes[0] == out_features;
  }

  const Graph& g_;
  std::vector<int> uses_, reader_;
};

}  // namespace

namespace passes {

Graph fuse_linear_epilogue(const Graph& g) {
  const int n_nodes = static_cast<int>(g.nodes().size());
  Matcher matcher(g);
  std::vector<int> taken_by(static_cast<std::size_t>(n_nodes), -1);  // node -> match index
  std::vector<Match> matches;
  for (int i = 0; i < n_nodes; ++i) {
    Match m;
    if (taken_by[static_cast<std::size_t>(i)] >= 0 || !matcher.match(i, &m)) continue;
    bool free = true;
    for (int k : m.nodes) free = free && taken_by[static_cast<std::size_t>(k)] < 0;
    if (!free) continue;
    for (int k : m.nodes) taken_by[static_cast<std::size_t>(k)] = static_cast<int>(matches.size());
    matches.push_back(std::move(m));
  }
  // The fused node takes the place of the match's last node: every value it reads
  // (the bias of a matmul + add may be made between the two) is made by then, and
  // what it replaces was read only inside the match.
  Rebuild r(g);
  for (int k = 0; k < n_nodes; ++k) {
    const int t = taken_by[static_cast<std::size_t>(k)];
    if (t < 0) {
      r.copy_node(g.nodes()[static_cast<std::size_t>(k)]);
      continue;
    }
    const Match& m = matches[static_cast<std::size_t>(t)];
    if (k != m.nodes.back()) continue;
    const Value& out = g.value(m.result);
    const int node = r.out.add_node("linear_epilogue", {r.get(m.x), r.get(m.w), r.get(m.b)},
                                    {{"activation", m.activation}, {"transpose_weight", m.transpose_weight}},
                                    {{out.sizes, out.dtype}});
    r.set(m.result, r.out.nodes()[static_cast<std::size_t>(node)].outputs[0]);
  }
  return r.finish();
}

}  // namespace passes
}  // namespace jit
}  // namespace ember
