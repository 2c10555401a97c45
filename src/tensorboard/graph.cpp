#include "src/tensorboard/graph.hpp"

#include <cctype>
#include <map>
#include <set>
#include <variant>

#include <fmt/format.h>

#include "src/tensorboard/summaries.hpp"

namespace ember {
namespace tensorboard {
namespace detail {
namespace {

// AttrValue{list 1 (ListValue), s 2, i 3, f 4, b 5}; ListValue{i 3 (packed), shape 7}.
Proto attr_value(const jit::AttrValue& value, bool& keep) {
  Proto out;
  keep = true;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          out.key(3, Proto::kVarint).varint(static_cast<uint64_t>(v));
        } else if constexpr (std::is_same_v<T, double>) {
          out.key(4, Proto::kFixed32);
          float f = static_cast<float>(v);
          uint32_t bits;
          std::memcpy(&bits, &f, 4);
          out.fixed32(bits);
        } else if constexpr (std::is_same_v<T, bool>) {
          out.key(5, Proto::kVarint).varint(v ? 1 : 0);
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          Proto list;
          list.packed_int64s(3, v);
          out.message(1, list);
        } else if constexpr (std::is_same_v<T, std::string>) {
          out.bytes_always(2, v);
        } else if constexpr (std::is_same_v<T, Scalar>) {
          if (v.is_floating_point()) {
            out.key(4, Proto::kFixed32);
            float f = static_cast<float>(v.to_double());
            uint32_t bits;
            std::memcpy(&bits, &f, 4);
            out.fixed32(bits);
          } else {
            out.key(3, Proto::kVarint).varint(static_cast<uint64_t>(v.template to<int64_t>()));
          }
        } else if constexpr (std::is_same_v<T, Dtype>) {
          out.bytes_always(2, std::string(dtype_name(v)));
        } else {
          keep = false;  // an absent optional argument
        }
      },
      value);
  return out;
}

Proto output_shapes(const std::vector<std::vector<int64_t>>& shapes) {
  Proto list;
  for (const auto& s : shapes) list.message(7, shape_proto(s));
  Proto attr;
  attr.message(1, list);
  return attr;
}

std::string scope_name(const std::string& module_path) {
  std::string s = module_path;
  for (char& c : s)
    if (c == '.') c = '/';
  return s;
}

class NodeWriter {
 public:
  // A name not used yet: `base`, else base_1, base_2, ... (as TensorFlow uniquifies),
  // made of the characters NodeDef names allow ("[A-Za-z0-9.][A-Za-z0-9_>./]*").
  std::string unique(std::string base) {
    for (char& c : base)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '>' && c != '.' && c != '/') c = '_';
    while (!base.empty() && (base[0] == '_' || base[0] == '>' || base[0] == '/')) base.erase(0, 1);
    if (base.empty()) base = "node";
    if (used_.insert(base).second) return base;
    for (int k = 1;; ++k) {
      std::string name = fmt::format("{}_{}", base, k);
      if (used_.insert(name).second) return name;
    }
  }
  void add(const std::string& name, const std::string& op, const std::vector<std::string>& inputs,
           const std::vector<std::vector<int64_t>>& shapes, std::map<std::string, Proto> attrs = {}) {
    attrs.emplace("_output_shapes", output_shapes(shapes));
    Proto node;  // NodeDef{name 1, op 2, input 3, device 4, attr 5 (map<string, AttrValue>)}
    node.bytes(1, name).bytes(2, op);
    for (const auto& in : inputs) node.bytes_always(3, in);
    for (const auto& [key, value] : attrs) {
      Proto entry;
      entry.bytes_always(1, key).message(2, value);
      node.message(5, entry);
    }
    graph_.message(1, node);
  }
  std::string finish() {
    Proto versions;  // VersionDef{producer: 1}, as PyTorch writes it
    versions.int64(1, 22);
    graph_.message(4, versions);
    return graph_.take();
  }

 private:
  std::set<std::string> used_;
  Proto graph_;  // GraphDef{node 1, versions 4}
};

std::vector<int64_t> sizes_of(const jit::Value& v) { return std::vector<int64_t>(v.sizes.begin(), v.sizes.end()); }

}  // namespace

std::string graph_def(const jit::Graph& g) {
  NodeWriter out;
  std::vector<std::string> name_of(g.values().size());
  int constants = 0;
  // Inputs, parameters and constants first, in value order.
  for (std::size_t id = 0; id < g.values().size(); ++id) {
    const jit::Value& v = g.values()[id];
    if (v.kind == jit::ValueKind::Input) {
      name_of[id] = out.unique("input/" + v.name);
      out.add(name_of[id], "IO Node", {}, {sizes_of(v)});
    } else if (v.kind == jit::ValueKind::Parameter) {
      name_of[id] = out.unique(scope_name(v.name));
      out.add(name_of[id], "Parameter", {}, {sizes_of(v)});
    } else if (v.kind == jit::ValueKind::Constant) {
      name_of[id] = out.unique(fmt::format("constant/{}", constants++));
      out.add(name_of[id], "Constant", {}, {sizes_of(v)});
    }
  }
  for (const jit::Node& node : g.nodes()) {
    // The scope: the module whose parameters the op reads, when they all share one.
    std::string scope;
    bool mixed = false;
    for (int in : node.inputs) {
      if (in < 0 || g.value(in).kind != jit::ValueKind::Parameter) continue;
      const std::string& pname = g.value(in).name;
      const auto dot = pname.rfind('.');
      const std::string module = dot == std::string::npos ? "" : scope_name(pname.substr(0, dot));
      if (!mixed && scope.empty()) scope = module;
      else if (scope != module) mixed = true;
    }
    if (mixed) scope.clear();
    std::vector<std::string> inputs;
    for (int in : node.inputs)
      if (in >= 0) inputs.push_back(name_of[static_cast<std::size_t>(in)]);
    std::vector<std::vector<int64_t>> shapes;
    for (int o : node.outputs) shapes.push_back(sizes_of(g.value(o)));
    std::map<std::string, Proto> attrs;
    for (const jit::NamedAttr& a : node.attrs) {
      bool keep = false;
      Proto value = attr_value(a.value, keep);
      if (keep) attrs.emplace(a.name, std::move(value));
    }
    const std::string name = out.unique(scope.empty() ? node.op : scope + "/" + node.op);
    out.add(name, node.op, inputs, shapes, std::move(attrs));
    for (std::size_t k = 0; k < node.outputs.size(); ++k)
      name_of[static_cast<std::size_t>(node.outputs[k])] = k == 0 ? name : fmt::format("{}:{}", name, k);
  }
  for (std::size_t k = 0; k < g.outputs().size(); ++k) {
    const int id = g.outputs()[k];
    out.add(out.unique(fmt::format("output/output.{}", k + 1)), "IO Node", {name_of[static_cast<std::size_t>(id)]},
            {sizes_of(g.value(id))});
  }
  return out.finish();
}

}  // namespace detail
}  // namespace tensorboard
}  // namespace ember
