// passes::fuse_elementwise: runs of consecutive elementwise nodes become one "fused"
// node whose program (ember/detail/fused.hpp) the kernel runs block by block.
#include <sstream>

#include "ember/jit.hpp"
#include "src/jit/attrs.hpp"
#include "src/jit/fusion.hpp"
#include "src/jit/rebuild.hpp"

namespace ember {
namespace jit {
namespace {

// How node n maps onto a program step, if it does: the op table row, and whether its
// second operand is a scalar (and on which side).
struct StepForm {
  std::string op;
  bool binary = false;
  bool has_scalar = false;
  bool scalar_first = false;
  double scalar = 0;
  // add/sub(a, b, alpha) with alpha != 1: two steps, b * alpha first.
  bool scaled = false;
  double alpha = 1;
};

bool scalar_attr(const Node& n, const char* name, double* v) {
  const AttrValue* a = n.attr(name);
  if (!a) return false;
  const auto* s = std::get_if<Scalar>(a);
  if (!s || s->is_boolean()) return false;
  *v = s->to_double();
  return true;
}

bool step_form(const Node& n, StepForm* f) {
  if (n.outputs.size() != 1) return false;
  double v = 0;
  if (n.inputs.size() == 1) {
    if (n.op == "gelu") {
      const AttrValue* a = n.attr("approximate");
      if (!a || !std::holds_alternative<std::string>(*a)) return false;
      f->op = std::get<std::string>(*a) == "tanh" ? "gelu_tanh" : "gelu";
      return true;
    }
    if (n.attrs.empty() && detail::fusable_unary(n.op)) {
      f->op = n.op;
      return true;
    }
    // A tensor and a scalar.
    const bool right = n.op == "add" || n.op == "mul" || n.op == "div";
    const bool left = n.op == "rsub" || n.op == "rdiv";
    if ((right || left) && scalar_attr(n, "other", &v)) {
      f->op = n.op == "rsub" ? "sub" : n.op == "rdiv" ? "div" : n.op;
      f->binary = f->has_scalar = true;
      f->scalar_first = left;
      f->scalar = v;
      return true;
    }
    if (n.op == "pow" && scalar_attr(n, "exponent", &v)) {
      f->op = "pow";
      f->binary = f->has_scalar = true;
      f->scalar = v;
      return true;
    }
    return false;
  }
  if (n.inputs.size() == 2) {
    if (n.op == "add" || n.op == "sub") {
      if (!scalar_attr(n, "alpha", &v)) return false;
      f->scaled = v != 1.0;
      f->alpha = v;
    }
    if (!detail::fusable_binary(n.op) || (f->scaled && !detail::fusable_binary("mul"))) return false;
    f->op = n.op;
    f->binary = true;
    return true;
  }
  return false;
}

std::string program_text(const detail::FusedProgram& p) {
  std::ostringstream os;
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    const detail::FusedStep& s = p.steps[i];
    os << (i ? "; " : "") << "r" << s.out << " = " << s.op << "(";
    if (s.has_scalar && s.scalar_first) os << s.scalar << ", ";
    os << "r" << s.a;
    if (s.b >= 0) os << ", r" << s.b;
    if (s.has_scalar && !s.scalar_first) os << ", " << s.scalar;
    os << ")";
  }
  return os.str();
}

// Whether node n can be a step of a run of `meta`'s shape and dtype (any, when null):
// its output and every tensor operand have one shape and a float dtype.
bool fits_run(const Graph& g, const Node& n, const Value* meta) {
  StepForm f;
  if (!step_form(n, &f)) return false;
  const Value& out = g.value(n.outputs[0]);
  if (out.dtype != kFloat32 && out.dtype != kFloat64) return false;  // the kernel's dtypes
  if (meta && (out.sizes != meta->sizes || out.dtype != meta->dtype)) return false;
  for (int id : n.inputs)
    if (id < 0 || g.value(id).sizes != out.sizes || g.value(id).dtype != out.dtype) return false;
  return true;
}

}  // namespace

std::string unary_row(const Node& n) {
  StepForm f;
  if (n.inputs.size() != 1 || !step_form(n, &f) || f.binary) return "";
  return f.op;
}

std::shared_ptr<const detail::FusedProgram> single_node_program(const Graph& g, const Node& n) {
  if (!fits_run(g, n, nullptr)) return nullptr;
  StepForm f;
  step_form(n, &f);
  auto p = std::make_shared<detail::FusedProgram>();
  p->inputs = static_cast<int>(n.inputs.size());
  detail::FusedStep s;
  s.op = f.op;
  s.a = 0;
  if (f.binary && !f.has_scalar) s.b = 1;
  s.has_scalar = f.has_scalar;
  s.scalar_first = f.scalar_first;
  s.scalar = f.scalar;
  s.out = p->inputs;
  p->steps.push_back(s);
  p->registers = p->inputs + 1;
  p->outputs = {s.out};
  return p;
}

namespace passes {

Graph fuse_elementwise(const Graph& g) {
  const std::size_t n_nodes = g.nodes().size();
  // Which value ids are read after each node, to know what a run must hand out.
  std::vector<int> last_read(g.values().size(), -1);
  for (std::size_t i = 0; i < n_nodes; ++i)
    for (int id : g.nodes()[i].inputs)
      if (id >= 0) last_read[static_cast<std::size_t>(id)] = static_cast<int>(i);
  for (int id : g.outputs()) last_read[static_cast<std::size_t>(id)] = static_cast<int>(n_nodes);
  for (const Update& u : g.updates()) last_read[static_cast<std::size_t>(u.value)] = static_cast<int>(n_nodes);

  // A run: consecutive fusable nodes whose outputs share one shape and float dtype and
  // whose tensor operands all have that shape and dtype.
  std::vector<std::pair<std::size_t, std::size_t>> runs;  // [begin, end)
  std::size_t i = 0;
  while (i < n_nodes) {
    auto fits = [&](std::size_t k, const Value* meta) { return fits_run(g, g.nodes()[k], meta); };
    if (!fits(i, nullptr)) {
      ++i;
      continue;
    }
    const Value* meta = &g.value(g.nodes()[i].outputs[0]);
    std::size_t j = i + 1;
    while (j < n_nodes && fits(j, meta)) ++j;
    if (j - i >= 2) runs.emplace_back(i, j);
    i = j;
  }

  Rebuild r(g);
  std::size_t next_run = 0;
  for (std::size_t k = 0; k < n_nodes;) {
    if (next_run == runs.size() || k < runs[next_run].first) {
      r.copy_node(g.nodes()[k]);
      ++k;
      continue;
    }
    const auto [begin, end] = runs[next_run++];
    auto program = std::make_shared<detail::FusedProgram>();
    std::vector<int> reg_of(g.values().size(), -1);  // old value id -> register
    std::vector<int> fused_inputs;                   // old value ids, in register order
    auto reg = [&](int id) {
      int& r = reg_of[static_cast<std::size_t>(id)];
      if (r < 0) {
        r = static_cast<int>(fused_inputs.size());
        fused_inputs.push_back(id);
      }
      return r;
    };
    // Inputs first (registers 0..), then one register per step.
    for (std::size_t m = begin; m < end; ++m)
      for (int id : g.nodes()[m].inputs)
        if (g.value(id).kind != ValueKind::Result || g.value(id).node < static_cast<int>(begin)) reg(id);
    program->inputs = static_cast<int>(fused_inputs.size());
    int next_reg = program->inputs;
    std::vector<int> out_values;  // old value ids handed out
    for (std::size_t m = begin; m < end; ++m) {
      const Node& n = g.nodes()[m];
      StepForm f;
      step_form(n, &f);
      detail::FusedStep s;
      s.op = f.op;
      s.a = reg_of[static_cast<std::size_t>(n.inputs[0])];
      if (f.binary && !f.has_scalar) s.b = reg_of[static_cast<std::size_t>(n.inputs[1])];
      if (f.scaled) {  // the optimizers' p + (-lr) * d_p: scale b in a register of its own
        detail::FusedStep scale;
        scale.op = "mul";
        scale.a = s.b;
        scale.has_scalar = true;
        scale.scalar = f.alpha;
        scale.out = next_reg++;
        program->steps.push_back(scale);
        s.b = scale.out;
      }
      s.has_scalar = f.has_scalar;
      s.scalar_first = f.scalar_first;
      s.scalar = f.scalar;
      s.out = next_reg++;
      reg_of[static_cast<std::size_t>(n.outputs[0])] = s.out;
      program->steps.push_back(s);
      if (last_read[static_cast<std::size_t>(n.outputs[0])] >= static_cast<int>(end)) {
        program->outputs.push_back(s.out);
        out_values.push_back(n.outputs[0]);
      }
    }
    program->registers = next_reg;
    std::vector<int> ins;
    for (int id : fused_inputs) ins.push_back(r.get(id));
    std::vector<std::pair<Shape, Dtype>> metas;
    for (int id : out_values) metas.emplace_back(g.value(id).sizes, g.value(id).dtype);
    const std::string text = program_text(*program);
    const int node = r.out.add_node("fused", std::move(ins), {{"program", text}}, metas, program);
    for (std::size_t o = 0; o < out_values.size(); ++o)
      r.set(out_values[o], r.out.nodes()[static_cast<std::size_t>(node)].outputs[o]);
    k = end;
  }
  return r.finish();
}

}  // namespace passes
}  // namespace jit
}  // namespace ember
