// autograd::to_dot: the DOT text is drawn by graphviz (dot -Tsvg must succeed) and the
// boxes are read back from graphviz's SVG with Python's XML parser; the node names are
// compared with the grad_fn names PyTorch records for the same computation.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "ember/nn.hpp"
#include "plot/plot_helpers.hpp"

using namespace ember;
using plot_test::lines;
using plot_test::python;
using plot_test::quote;
using plot_test::scratch;
using plot_test::write_file;

namespace {

// Draws the DOT text with graphviz and returns each box's text lines, one box per line
// of the form "id|line 1|line 2|...", from the SVG graphviz wrote.
std::vector<std::string> draw(const std::filesystem::path& dir, const std::string& dot_text) {
  write_file(dir / "graph.dot", dot_text);
  auto r = plot_test::run(std::string(EMBER_TEST_DOT) + " -Tsvg " + quote((dir / "graph.dot").string()) + " -o " +
                          quote((dir / "graph.svg").string()));
  INFO(r.output << "\n" << dot_text);
  REQUIRE(r.status == 0);
  const char* script = R"(
import sys, xml.etree.ElementTree as ET
ns = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
for g in root.iter(ns + 'g'):
    if g.get('class') == 'node':
        print('|'.join([g.find(ns + 'title').text] + [t.text or '' for t in g.iter(ns + 'text')]))
)";
  return lines(python(dir, script, {(dir / "graph.svg").string()}));
}

// The first text line of each box whose id starts with `prefix`, sorted.
std::vector<std::string> names(const std::vector<std::string>& boxes, const std::string& prefix) {
  std::vector<std::string> out;
  for (const std::string& box : boxes) {
    if (box.rfind(prefix, 0) != 0) continue;
    const auto first = box.find('|');
    const auto second = box.find('|', first + 1);
    out.push_back(box.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1));
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Mlp : nn::Module {
  nn::Linear fc1{nullptr}, fc2{nullptr};
  Mlp() : Module("Mlp") {
    fc1 = register_module("fc1", nn::Linear(5, 10));
    fc2 = register_module("fc2", nn::Linear(10, 3));
  }
  Tensor forward(const Tensor& x) override { return fc2(ember::relu(fc1(x))); }
};

}  // namespace

TEST_CASE("to_dot draws an MLP with PyTorch's node names and the parameter names", "[plot][autograd]") {
  auto dir = scratch("dot_mlp");
  // The MLP written with the ops nn.Linear uses in PyTorch (addmm of the bias, the input
  // and the transposed weight), so that PyTorch's graph can be compared node for node.
  // The transpose is spelled transpose(0, 1): ember's t() records a transpose node
  // (TransposeBackward0) where PyTorch records TBackward0.
  OrderedDict<Tensor> params;
  params.insert("fc1.weight", ember::randn({10, 5}).requires_grad_());
  params.insert("fc1.bias", ember::randn({10}).requires_grad_());
  params.insert("fc2.weight", ember::randn({3, 10}).requires_grad_());
  params.insert("fc2.bias", ember::randn({3}).requires_grad_());
  const Tensor x = ember::randn({2, 5});
  const Tensor hidden = ember::relu(ember::addmm(params["fc1.bias"], x, params["fc1.weight"].transpose(0, 1)));
  const Tensor y = ember::addmm(params["fc2.bias"], hidden, params["fc2.weight"].transpose(0, 1));
  const std::string text = autograd::to_dot(y, params);
  const auto boxes = draw(dir, text);

  // PyTorch 2: the same graph's node class names, walked through next_functions.
  const char* reference = R"(
import torch
p = {'fc1.weight': torch.randn(10, 5, requires_grad=True), 'fc1.bias': torch.randn(10, requires_grad=True),
     'fc2.weight': torch.randn(3, 10, requires_grad=True), 'fc2.bias': torch.randn(3, requires_grad=True)}
x = torch.randn(2, 5)
y = torch.addmm(p['fc2.bias'], torch.relu(torch.addmm(p['fc1.bias'], x, p['fc1.weight'].transpose(0, 1))), p['fc2.weight'].transpose(0, 1))
seen, todo = set(), [y.grad_fn]
while todo:
    fn = todo.pop()
    if fn is None or fn in seen:
        continue
    seen.add(fn)
    todo += [f for f, _ in fn.next_functions]
for name in sorted(type(fn).__name__ for fn in seen):
    print(name)
)";
  const auto torch_names = lines(python(dir, reference));
  REQUIRE(torch_names.size() == 9);  // AccumulateGrad x4, AddmmBackward0 x2, ReluBackward0, TransposeBackward0 x2
  CHECK(names(boxes, "node") == torch_names);

  CHECK(names(boxes, "leaf") ==
        std::vector<std::string>{"fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"});
  bool weight_shape = false;
  for (const auto& box : boxes) weight_shape |= box.rfind("leaf", 0) == 0 && box.find("|fc1.weight| (10, 5)") != std::string::npos;
  CHECK(weight_shape);
  CHECK(names(boxes, "output") == std::vector<std::string>{"output 0"});
  // addmm keeps its two matrices for backward: the shapes are on the box.
  bool saved_shapes = false;
  for (const auto& box : boxes)
    saved_shapes |= box.find("|AddmmBackward0|") != std::string::npos && box.find("(2, 5)") != std::string::npos &&
                    box.find("(5, 10)") != std::string::npos;
  CHECK(saved_shapes);
  // torchviz's colours: leaves light blue, outputs olive green.
  CHECK(text.find("fillcolor=lightblue") != std::string::npos);
  CHECK(text.find("fillcolor=darkolivegreen1") != std::string::npos);
}

TEST_CASE("to_dot names the leaves of an nn module from named_parameters", "[plot][autograd]") {
  auto dir = scratch("dot_module");
  auto net = std::make_shared<Mlp>();
  const Tensor loss = net->forward(ember::randn({4, 5})).sum();
  const Tensor other = net->forward(ember::randn({4, 5})).mean();
  const auto boxes = draw(dir, autograd::to_dot({loss, other}, net->named_parameters()));
  CHECK(names(boxes, "leaf") == std::vector<std::string>{"fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"});
  CHECK(names(boxes, "output") == std::vector<std::string>{"output 0", "output 1"});
  const auto fns = names(boxes, "node");
  CHECK(std::count(fns.begin(), fns.end(), "ReluBackward0") == 2);
  CHECK(std::count(fns.begin(), fns.end(), "SumBackward0") == 1);
  CHECK(std::count(fns.begin(), fns.end(), "MeanBackward0") == 1);
  CHECK(std::count(fns.begin(), fns.end(), "AccumulateGrad") == 4);  // shared by both outputs
}

TEST_CASE("to_dot refuses outputs without grad history naming to_dot", "[plot][autograd]") {
  REQUIRE_THROWS_WITH(autograd::to_dot(Tensor()), Catch::Contains("to_dot") && Catch::Contains("undefined"));
  REQUIRE_THROWS_WITH(autograd::to_dot(ember::ones({2, 3})),
                      Catch::Contains("to_dot") && Catch::Contains("(2, 3)") && Catch::Contains("grad"));
  REQUIRE_THROWS_WITH(autograd::to_dot(std::vector<Tensor>{}), Catch::Contains("to_dot"));
  // A leaf that requires grad is drawn as it is.
  auto dir = scratch("dot_leaf");
  const auto boxes = draw(dir, autograd::to_dot(ember::ones({3}).requires_grad_()));
  CHECK(names(boxes, "leaf").size() == 1);
}

TEST_CASE("to_dot walks a graph deeper than the stack would allow recursion", "[plot][autograd]") {
  Tensor x = ember::ones({2}).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0;
  const std::string text = autograd::to_dot(y);
  std::size_t count = 0;
  for (std::size_t at = text.find("MulBackward0"); at != std::string::npos; at = text.find("MulBackward0", at + 1))
    ++count;
  CHECK(count == 100000);
  CHECK(text.find("AccumulateGrad") != std::string::npos);
}
