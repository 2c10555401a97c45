// The graph-to-graph passes: each walks the nodes in order and builds a new graph,
// mapping the old value ids to new ones, so a pass never edits a graph in place.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "ember/autograd.hpp"
#include "ember/jit.hpp"
#include "src/core/check.hpp"
#include "src/jit/attrs.hpp"
#include "src/jit/rebuild.hpp"

namespace ember {
namespace jit {
namespace {

bool training_flag(const Node& n) {
  const AttrValue* t = n.attr("training");
  return t && std::holds_alternative<bool>(*t) && std::get<bool>(*t);
}
// Random in training (dropout), or writes into its inputs (batch_norm's running
// statistics in training, an optimizer's update): such a node must run every time,
// exactly once.
bool has_effect(const Node& n) {
  return ((n.op == "dropout" || n.op == "batch_norm") && training_flag(n)) || !writes_in_place(n.op).empty();
}

bool same_attr(const AttrValue& a, const AttrValue& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<Scalar>(&a)) {
    const Scalar& y = std::get<Scalar>(b);
    return x->kind() == y.kind() && (x->is_floating_point() ? x->to_double() == y.to_double() : x->to_int() == y.to_int());
  }
  return attr_str(a) == attr_str(b);
}

// Whether scalar attribute `name` of n is the number `v`.
bool scalar_is(const Node& n, const char* name, double v) {
  const AttrValue* a = n.attr(name);
  if (!a) return false;
  if (const auto* s = std::get_if<Scalar>(a)) return !s->is_boolean() && s->to_double() == v;
  return false;
}

}  // namespace

namespace passes {

Graph eliminate_dead_code(const Graph& g) {
  // Backwards: a node is live when it has an effect or something live reads an output.
  std::vector<bool> needed(g.values().size(), false);
  for (int id : g.outputs()) needed[static_cast<std::size_t>(id)] = true;
  for (const Update& u : g.updates()) needed[static_cast<std::size_t>(u.value)] = true;
  std::vector<bool> live(g.nodes().size(), false);
  for (std::size_t i = g.nodes().size(); i-- > 0;) {
    const Node& n = g.nodes()[i];
    bool any = has_effect(n);
    for (int id : n.outputs) any = any || needed[static_cast<std::size_t>(id)];
    if (!any) continue;
    live[i] = true;
    for (int id : n.inputs)
      if (id >= 0) needed[static_cast<std::size_t>(id)] = true;
  }
  Rebuild r(g);
  for (std::size_t i = 0; i < g.nodes().size(); ++i)
    if (live[i]) r.copy_node(g.nodes()[i]);
  return r.finish();
}

Graph eliminate_common_subexpressions(const Graph& g) {
  Rebuild r(g);
  // Earlier nodes of the new graph, by op, to compare against.
  std::map<std::string, std::vector<int>> seen;
  for (const Node& n : g.nodes()) {
    std::vector<int> ins;
    for (int id : n.inputs) ins.push_back(r.get(id));
    int match = -1;
    if (!has_effect(n) && n.op != "dropout") {
      for (int k : seen[n.op]) {
        const Node& m = r.out.nodes()[static_cast<std::size_t>(k)];
        if (m.inputs != ins || m.attrs.size() != n.attrs.size()) continue;
        bool same = true;
        for (std::size_t a = 0; a < n.attrs.size() && same; ++a)
          same = m.attrs[a].name == n.attrs[a].name && same_attr(m.attrs[a].value, n.attrs[a].value);
        if (same) {
          match = k;
          break;
        }
      }
    }
    if (match >= 0) {
      for (std::size_t i = 0; i < n.outputs.size(); ++i)
        r.set(n.outputs[i], r.out.nodes()[static_cast<std::size_t>(match)].outputs[i]);
      continue;
    }
    r.copy_node(n);
    seen[n.op].push_back(static_cast<int>(r.out.nodes().size() - 1));
  }
  return r.finish();
}

Graph fold_constants(const Graph& g) {
  Rebuild r(g);
  for (const Node& n : g.nodes()) {
    bool all_constant = !n.inputs.empty() && !has_effect(n) && n.op != "dropout";
    for (int id : n.inputs)
      if (id >= 0 && r.out.value(r.get(id)).kind != ValueKind::Constant) all_constant = false;
    if (!all_constant) {
      r.copy_node(n);
      continue;
    }
    // Run the node alone: a one-node graph whose inputs are the constants.
    Graph one;
    std::vector<int> ins;
    for (int id : n.inputs) ins.push_back(id < 0 ? -1 : one.add_constant(r.out.value(r.get(id)).tensor));
    std::vector<std::pair<Shape, Dtype>> metas;
    for (int id : n.outputs) metas.emplace_back(g.value(id).sizes, g.value(id).dtype);
    const int k = one.add_node(n.op, ins, n.attrs, metas, n.fused);
    one.set_outputs(one.nodes()[static_cast<std::size_t>(k)].outputs);
    std::vector<Tensor> values;
    {
      NoGradGuard no_grad;
      values = run(one, {});
    }
    for (std::size_t i = 0; i < n.outputs.size(); ++i) {
      Tensor c = values[i].contiguous();
      if (c.is_same(values[i])) c = values[i].clone();  // a view of another constant must not alias it
      r.set(n.outputs[i], r.out.add_constant(c));
    }
  }
  return r.finish();
}

Graph simplify(const Graph& g) {
  Rebuild r(g);
  // Which old node made each old value (for patterns over two nodes).
  auto maker = [&](int id) -> const Node* {
    if (id < 0 || g.value(id).kind != ValueKind::Result) return nullptr;
    return &g.nodes()[static_cast<std::size_t>(g.value(id).node)];
  };
  for (const Node& n : g.nodes()) {
    if (n.outputs.size() == 1 && !n.inputs.empty() && n.inputs[0] >= 0) {
      const int x = n.inputs[0], y = n.outputs[0];
      const Value& xv = g.value(x);
      const Value& yv = g.value(y);
      const bool same_meta = xv.sizes == yv.sizes && xv.dtype == yv.dtype;
      const bool unary_form = n.inputs.size() == 1;
      const Node* inner = maker(x);
      bool identity = false;
      int replacement = x;
      if (same_meta && unary_form) {
        identity = (n.op == "mul" && scalar_is(n, "other", 1)) || (n.op == "div" && scalar_is(n, "other", 1)) ||
                   ((n.op == "add" || n.op == "sub") && scalar_is(n, "other", 0)) ||
                   (n.op == "pow" && scalar_is(n, "exponent", 1)) ||
                   ((n.op == "reshape" || n.op == "view") && true) ||
                   (n.op == "dropout" && !training_flag(n)) ||
                   // A copy of a node's result, in a training step's graph (the engine's
                   // copy of a gradient): no value of the graph is ever written in place,
                   // and the updates copy what they write.
                   (n.op == "clone" && xv.kind == ValueKind::Result && !g.updates().empty());
      }
      // Two nodes that undo each other: the inner node's input is the result.
      if (!identity && inner != nullptr && inner->inputs.size() == 1 && inner->inputs[0] >= 0) {
        const Value& base = g.value(inner->inputs[0]);
        const bool back_to_base = base.sizes == yv.sizes && base.dtype == yv.dtype;
        if (back_to_base && ((n.op == "neg" && inner->op == "neg") || (n.op == "t" && inner->op == "t"))) {
          identity = true;
          replacement = inner->inputs[0];
        }
        if (back_to_base && n.op == "transpose" && inner->op == "transpose") {
          auto a0 = attr_int(n, "dim0"), a1 = attr_int(n, "dim1");
          auto b0 = attr_int(*inner, "dim0"), b1 = attr_int(*inner, "dim1");
          if ((a0 == b0 && a1 == b1) || (a0 == b1 && a1 == b0)) {
            identity = true;
            replacement = inner->inputs[0];
          }
        }
      }
      if (identity) {
        r.set(y, r.get(replacement));
        continue;
      }
    }
    r.copy_node(n);
  }
  return r.finish();
}

Graph reciprocal_optimizer_math(const Graph& g) {
  Rebuild r(g);
  for (const Node& n : g.nodes()) {
    if (n.op != "adam_update_") {
      r.copy_node(n);
      continue;
    }
    Node relaxed = n;
    auto& attrs = relaxed.attrs;
    attrs.erase(std::remove_if(attrs.begin(), attrs.end(),
                               [](const NamedAttr& a) { return a.name == "reciprocal_bias_correction"; }),
                attrs.end());
    attrs.push_back({"reciprocal_bias_correction", AttrValue(true)});
    r.copy_node(relaxed);
  }
  return r.finish();
}

Graph optimize(const Graph& g) {
  Graph cur = g;
  for (int round = 0; round < 8; ++round) {
    const std::size_t before = cur.nodes().size();
    cur = eliminate_dead_code(simplify(eliminate_common_subexpressions(fold_constants(cur))));
    if (cur.nodes().size() == before && round > 0) break;
  }
  return cur;
}

}  // namespace passes
}  // namespace jit
}  // namespace ember
