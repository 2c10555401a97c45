// to_dot: the recorded backward graph as Graphviz DOT, drawn the way torchviz.make_dot
// draws PyTorch's (same colours, same direction: from the leaves towards the outputs).
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "autograd/node.hpp"
#include "ember/autograd.hpp"
#include "ember/error.hpp"
#include "src/core/print_detail.hpp"

namespace ember {
namespace autograd {
namespace {

// torchviz's size_to_str: "(10, 5)", "(3)", "()".
std::string shape_text(IntArrayRef sizes) {
  std::string out = "(";
  for (std::size_t i = 0; i < sizes.size(); ++i) out += (i ? ", " : "") + std::to_string(sizes[i]);
  return out + ")";
}

// A DOT double-quoted string; "\n" in `text` becomes a left-aligned line break.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\', out += c;
    else if (c == '\n')
      out += "\\l";
    else
      out += c;
  }
  return out + "\"";
}

class DotWriter {
 public:
  explicit DotWriter(const OrderedDict<Tensor>& params) {
    for (const auto& item : params)
      if (item.value().defined()) names_.emplace(item.value().unsafeGetTensorImpl(), item.key());
  }

  void add_output(const Tensor& output, std::size_t index) {
    const std::string id = "output" + std::to_string(index);
    node(id, "output " + std::to_string(index) + "\n " + shape_text(output.sizes()), "darkolivegreen1");
    std::shared_ptr<Node> fn = output.grad_fn();
    if (fn) {
      edge(visit(fn), id);
    } else {
      // A leaf passed as an output: torchviz draws it as the output box itself.
      edge(leaf_box(output), id);
    }
  }

  std::string text() const {
    return "digraph {\n"
           "\tgraph [size=\"12,12\"]\n"
           "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]\n" +
           body_ + "}\n";
  }

 private:
  // Walks the graph from `root` with a work list rather than recursion: a long
  // recurrent graph is deeper than the stack.
  std::string visit(const std::shared_ptr<Node>& root) {
    bool fresh = false;
    const std::string root_id = box(*root, &fresh);
    std::vector<Node*> todo;
    if (fresh) todo.push_back(root.get());
    while (!todo.empty()) {
      Node* fn = todo.back();
      todo.pop_back();
      const std::string id = ids_.at(fn);
      if (fn->is_accumulator()) {
        const Tensor& variable = static_cast<AccumulateGrad&>(*fn).variable;
        if (variable.defined()) edge(leaf_box(variable), id);
      }
      for (const Edge& next : fn->next) {
        if (!next.fn) continue;
        edge(box(*next.fn, &fresh), id);
        if (fresh) todo.push_back(next.fn.get());
      }
    }
    return root_id;
  }

  // The box of a backward node: its PyTorch class name and the shapes it saved.
  std::string box(const Node& fn, bool* fresh) {
    auto found = ids_.find(&fn);
    *fresh = found == ids_.end();
    if (!*fresh) return found->second;
    const std::string id = "node" + std::to_string(ids_.size());
    ids_.emplace(&fn, id);
    std::string label = ::ember::detail::backward_name(fn.name());
    std::string saved;
    for (std::size_t i = 0; i < fn.saved.size(); ++i)
      if (fn.saved[i].data.defined())
        saved += "\nsaved " + std::to_string(i) + ": " + shape_text(fn.saved[i].data.sizes());
    if (!saved.empty()) label += "\n" + std::string(label.size(), '-') + saved;
    node(id, label, "");
    return id;
  }

  // The light blue box of a leaf: its parameter name (if given) and shape.
  std::string leaf_box(const Tensor& variable) {
    const void* key = variable.unsafeGetTensorImpl();
    auto found = leaf_ids_.find(key);
    if (found != leaf_ids_.end()) return found->second;
    const std::string id = "leaf" + std::to_string(leaf_ids_.size());
    leaf_ids_.emplace(key, id);
    auto name = names_.find(key);
    node(id, (name != names_.end() ? name->second : std::string()) + "\n " + shape_text(variable.sizes()),
         "lightblue");
    return id;
  }

  void node(const std::string& id, const std::string& label, const std::string& fill) {
    body_ += "\t" + id + " [label=" + quoted(label + "\n");
    if (!fill.empty()) body_ += " fillcolor=" + fill;
    body_ += "]\n";
  }
  void edge(const std::string& from, const std::string& to) {
    if (!edges_.insert(from + "->" + to).second) return;
    body_ += "\t" + from + " -> " + to + "\n";
  }

  std::unordered_map<const void*, std::string> names_;
  std::unordered_map<const Node*, std::string> ids_;
  std::unordered_map<const void*, std::string> leaf_ids_;
  std::unordered_set<std::string> edges_;
  std::string body_;
};

}  // namespace

std::string to_dot(const std::vector<Tensor>& outputs, const OrderedDict<Tensor>& params) {
  if (outputs.empty()) throw Error("to_dot: expected at least one output tensor, got none");
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].defined()) throw Error("to_dot: output " + std::to_string(i) + " is an undefined tensor");
    if (!requires_grad(outputs[i]))
      throw Error("to_dot: output " + std::to_string(i) + " of shape " + shape_text(outputs[i].sizes()) +
                  " has no grad history (it does not require grad; was it computed under NoGradGuard "
                  "or from tensors without requires_grad?)");
  }
  DotWriter writer(params);
  for (std::size_t i = 0; i < outputs.size(); ++i) writer.add_output(outputs[i], i);
  return writer.text();
}

std::string to_dot(const Tensor& output, const OrderedDict<Tensor>& params) {
  return to_dot(std::vector<Tensor>{output}, params);
}

}  // namespace autograd
}  // namespace ember
