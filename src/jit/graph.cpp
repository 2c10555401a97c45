// The graph IR: values, nodes, printing and the lint check.
#include <ostream>
#include <set>
#include <sstream>
#include <unordered_set>

#include "src/core/check.hpp"
#include "ember/jit.hpp"
#include "src/jit/attrs.hpp"

namespace ember {
namespace jit {

const AttrValue* Node::attr(std::string_view name) const {
  for (const NamedAttr& a : attrs)
    if (a.name == name) return &a.value;
  return nullptr;
}

int Graph::add_input(std::string name, IntArrayRef sizes, Dtype dtype) {
  Value v;
  v.kind = ValueKind::Input;
  v.sizes = sizes.shape();
  v.dtype = dtype;
  v.name = std::move(name);
  values_.push_back(std::move(v));
  inputs_.push_back(static_cast<int>(values_.size() - 1));
  return inputs_.back();
}

int Graph::add_parameter(std::string name, const Tensor& t) {
  Value v;
  v.kind = ValueKind::Parameter;
  v.sizes = t.sizes().shape();
  v.dtype = t.dtype();
  v.name = std::move(name);
  v.tensor = t;
  values_.push_back(std::move(v));
  parameters_.push_back(static_cast<int>(values_.size() - 1));
  return parameters_.back();
}

void Graph::make_state(int id, const Tensor& live, std::string name) {
  EMBER_CHECK(id >= 0 && static_cast<std::size_t>(id) < values_.size() &&
                  values_[static_cast<std::size_t>(id)].kind == ValueKind::Constant,
              "jit::Graph::make_state: %{} is not a constant", id);
  Value& v = values_[static_cast<std::size_t>(id)];
  v.kind = ValueKind::Parameter;
  v.tensor = live;
  v.name = std::move(name);
  parameters_.push_back(id);
}

void Graph::add_update(int target, int value, Tensor grad_of) {
  updates_.push_back(Update{target, value, std::move(grad_of)});
}

bool Graph::is_training_step() const {
  for (const Update& u : updates_)
    if (u.grad_of.defined()) return true;
  return false;
}

int Graph::add_constant(const Tensor& t) {
  Value v;
  v.kind = ValueKind::Constant;
  v.sizes = t.sizes().shape();
  v.dtype = t.dtype();
  v.tensor = t;
  values_.push_back(std::move(v));
  return static_cast<int>(values_.size() - 1);
}

int Graph::add_node(std::string op, std::vector<int> inputs, std::vector<NamedAttr> attrs,
                    const std::vector<std::pair<Shape, Dtype>>& outputs,
                    std::shared_ptr<const detail::FusedProgram> fused) {
  Node n;
  n.fused = std::move(fused);
  n.op = std::move(op);
  n.inputs = std::move(inputs);
  n.attrs = std::move(attrs);
  const int index = static_cast<int>(nodes_.size());
  for (const auto& [sizes, dtype] : outputs) {
    Value v;
    v.sizes = sizes;
    v.dtype = dtype;
    v.node = index;
    values_.push_back(std::move(v));
    n.outputs.push_back(static_cast<int>(values_.size() - 1));
  }
  nodes_.push_back(std::move(n));
  return index;
}

const Value& Graph::value(int id) const {
  EMBER_CHECK(id >= 0 && static_cast<std::size_t>(id) < values_.size(), "jit::Graph: no value %{} (the graph has {})",
              id, values_.size());
  return values_[static_cast<std::size_t>(id)];
}

namespace {
std::string value_name(const Graph& g, int id) {
  if (id < 0) return "None";
  const Value& v = g.value(id);
  return "%" + (v.name.empty() ? std::to_string(id) : v.name);
}
std::string type_of(const Value& v) {
  std::ostringstream os;
  os << dtype_type_name(v.dtype) << "(";
  for (std::size_t i = 0; i < v.sizes.size(); ++i) os << (i ? ", " : "") << v.sizes[i];
  os << ")";
  return os.str();
}
}  // namespace

std::string Graph::str() const {
  std::ostringstream os;
  os << "graph(";
  bool first = true;
  auto declare = [&](int id) {
    os << (first ? "" : ",\n      ") << value_name(*this, id) << " : " << type_of(value(id));
    first = false;
  };
  for (int id : inputs_) declare(id);
  for (int id : parameters_) declare(id);
  os << "):\n";
  // Constants are printed where they are first read, as PyTorch prints prim::Constant.
  std::vector<bool> shown(values_.size(), false);
  for (const Node& n : nodes_) {
    for (int id : n.inputs) {
      if (id < 0 || shown[static_cast<std::size_t>(id)] || value(id).kind != ValueKind::Constant) continue;
      shown[static_cast<std::size_t>(id)] = true;
      os << "  " << value_name(*this, id) << " : " << type_of(value(id)) << " = constant()\n";
    }
    os << "  ";
    for (std::size_t i = 0; i < n.outputs.size(); ++i)
      os << (i ? ", " : "") << value_name(*this, n.outputs[i]) << " : " << type_of(value(n.outputs[i]));
    os << " = " << n.op;
    if (!n.attrs.empty()) {
      os << "[";
      for (std::size_t i = 0; i < n.attrs.size(); ++i)
        os << (i ? ", " : "") << n.attrs[i].name << "=" << attr_str(n.attrs[i].value);
      os << "]";
    }
    os << "(";
    for (std::size_t i = 0; i < n.inputs.size(); ++i) os << (i ? ", " : "") << value_name(*this, n.inputs[i]);
    os << ")\n";
  }
  for (const Update& u : updates_) os << "  " << value_name(*this, u.target) << " <- " << value_name(*this, u.value) << "\n";
  os << "  return (";
  for (std::size_t i = 0; i < outputs_.size(); ++i) os << (i ? ", " : "") << value_name(*this, outputs_[i]);
  os << ")\n";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Graph& g) { return os << g.str(); }

void Graph::lint() const {
  const std::size_t n_values = values_.size();
  auto in_range = [&](int id) { return id >= 0 && static_cast<std::size_t>(id) < n_values; };
  std::vector<bool> defined(n_values, false);
  for (std::size_t id = 0; id < n_values; ++id) {
    const ValueKind kind = values_[id].kind;
    if (kind == ValueKind::Input || kind == ValueKind::Parameter || kind == ValueKind::Constant) defined[id] = true;
    EMBER_CHECK(kind == ValueKind::Result || values_[id].node < 0,
                "jit::Graph::lint: value %{} is an input, parameter or constant but names node {} as its maker", id,
                values_[id].node);
    EMBER_CHECK(kind != ValueKind::Constant || values_[id].tensor.defined(),
                "jit::Graph::lint: constant %{} holds no tensor", id);
  }
  for (int id : inputs_)
    EMBER_CHECK(in_range(id) && values_[static_cast<std::size_t>(id)].kind == ValueKind::Input,
                "jit::Graph::lint: graph input %{} is not an input value", id);
  for (int id : parameters_)
    EMBER_CHECK(in_range(id) && values_[static_cast<std::size_t>(id)].kind == ValueKind::Parameter &&
                    values_[static_cast<std::size_t>(id)].tensor.defined(),
                "jit::Graph::lint: parameter %{} is not a parameter value holding a tensor", id);
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    EMBER_CHECK(can_run(n.op), "jit::Graph::lint: node {} ({}) is an op the interpreter does not know", i, n.op);
    EMBER_CHECK(n.op != "fused" || n.fused != nullptr, "jit::Graph::lint: fused node {} has no program", i);
    for (int id : n.inputs) {
      if (id == -1) continue;
      EMBER_CHECK(in_range(id), "jit::Graph::lint: node {} ({}) reads %{}, which does not exist", i, n.op, id);
      EMBER_CHECK(defined[static_cast<std::size_t>(id)],
                  "jit::Graph::lint: node {} ({}) reads %{} before any node makes it", i, n.op, id);
    }
    for (int id : n.outputs) {
      EMBER_CHECK(in_range(id), "jit::Graph::lint: node {} ({}) makes %{}, which does not exist", i, n.op, id);
      const Value& v = values_[static_cast<std::size_t>(id)];
      EMBER_CHECK(v.kind == ValueKind::Result && v.node == static_cast<int>(i) && !defined[static_cast<std::size_t>(id)],
                  "jit::Graph::lint: node {} ({}) makes %{}, which is already made elsewhere", i, n.op, id);
      defined[static_cast<std::size_t>(id)] = true;
    }
  }
  for (std::size_t id = 0; id < n_values; ++id)
    EMBER_CHECK(defined[id], "jit::Graph::lint: value %{} is never made (its node {} is missing)", id,
                values_[id].node);
  for (int id : outputs_) EMBER_CHECK(in_range(id), "jit::Graph::lint: graph output %{} does not exist", id);
  // A value written in place is read by nothing after the node that writes it.
  std::vector<int> written_at(n_values, -1);
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    for (int id : n.inputs)
      EMBER_CHECK(id < 0 || written_at[static_cast<std::size_t>(id)] < 0,
                  "jit::Graph::lint: node {} ({}) reads %{} after node {} wrote it in place", i, n.op, id,
                  id < 0 ? -1 : written_at[static_cast<std::size_t>(id)]);
    for (int k : writes_in_place(n.op))
      if (static_cast<std::size_t>(k) < n.inputs.size() && n.inputs[static_cast<std::size_t>(k)] >= 0)
        written_at[static_cast<std::size_t>(n.inputs[static_cast<std::size_t>(k)])] = static_cast<int>(i);
  }
  for (int id : outputs_)
    EMBER_CHECK(written_at[static_cast<std::size_t>(id)] < 0,
                "jit::Graph::lint: graph output %{} is written in place by node {}", id, written_at[static_cast<std::size_t>(id)]);
  std::set<int> written;
  for (const Update& u : updates_) {
    EMBER_CHECK(in_range(u.target) && values_[static_cast<std::size_t>(u.target)].kind == ValueKind::Parameter,
                "jit::Graph::lint: an update writes %{}, which is not a parameter or state value", u.target);
    EMBER_CHECK(written.insert(u.target).second, "jit::Graph::lint: %{} is written by two updates", u.target);
    EMBER_CHECK(in_range(u.value), "jit::Graph::lint: the update of %{} reads %{}, which does not exist", u.target,
                u.value);
    const Value& t = values_[static_cast<std::size_t>(u.target)];
    const Value& v = values_[static_cast<std::size_t>(u.value)];
    EMBER_CHECK(t.sizes == v.sizes && t.dtype == v.dtype,
                "jit::Graph::lint: the update of %{} ({} {}) writes %{} of shape {} and dtype {}", u.target,
                IntArrayRef(t.sizes), t.dtype, u.value, IntArrayRef(v.sizes), v.dtype);
  }
}

}  // namespace jit
}  // namespace ember
