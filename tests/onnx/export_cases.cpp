// Writes the ONNX export cases to a folder: <name>.onnx per model, and cases.json with
// each model's inputs and the outputs ember computes for them. tests/onnx/check_models.py
// (onnx's checker and shape inference) and tests/onnx/run_onnxruntime.js (ONNX
// Runtime) read them: the independent sides of the check.
//   ember-onnx-export-cases OUT_DIR
#include <ember/ember.hpp>
#include <ember/onnx.hpp>
#include <ember/detail/op_table.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nn = ember::nn;
namespace jit = ember::jit;
using ember::Tensor;
using Fn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

namespace {
nlohmann::json to_json(const Tensor& t) {
  Tensor c = t.contiguous();
  nlohmann::json j;
  j["shape"] = c.sizes().vec();
  j["dtype"] = ember::dtype_name(c.dtype());
  if (c.dtype() == ember::kBool)
    j["data"] = c.to(ember::kInt64).reshape({c.numel()}).tolist<int64_t>();
  else if (c.dtype() == ember::kInt64)
    j["data"] = c.reshape({c.numel()}).tolist<int64_t>();
  else
    j["data"] = c.to(ember::kFloat64).reshape({c.numel()}).tolist<double>();
  return j;
}

struct Case {
  std::string name;
  const nn::Module* module;  // parameters to name, or null
  Fn fn;
  std::vector<Tensor> inputs;
};

// An LSTM cell unrolled over the sequence, written with public ops (gates by narrow).
struct UnrolledLSTM : nn::Module {
  nn::Linear ih{nullptr}, hh{nullptr};
  int64_t hidden;
  explicit UnrolledLSTM(int64_t in, int64_t h) : Module("UnrolledLSTM"), hidden(h) {
    ih = register_module("ih", nn::Linear(in, 4 * h));
    hh = register_module("hh", nn::Linear(nn::LinearOptions(h, 4 * h).bias(false)));
  }
  Tensor forward(const Tensor& seq) override {  // [T, N, in] -> [N, h]
    Tensor h = ember::zeros({seq.size(1), hidden}), c = ember::zeros({seq.size(1), hidden});
    for (int64_t t = 0; t < seq.size(0); ++t) {
      Tensor gates = ih(seq.select(0, t)) + hh(h);
      Tensor i = ember::sigmoid(gates.narrow(1, 0, hidden)), f = ember::sigmoid(gates.narrow(1, hidden, hidden));
      Tensor g = ember::tanh(gates.narrow(1, 2 * hidden, hidden)), o = ember::sigmoid(gates.narrow(1, 3 * hidden, hidden));
      c = f * c + i * g;
      h = o * ember::tanh(c);
    }
    return h;
  }
};

struct Attention : nn::Module {
  nn::Linear q{nullptr}, k{nullptr}, v{nullptr};
  nn::LayerNorm norm{nullptr};
  Attention() : Module("Attention") {
    q = register_module("q", nn::Linear(8, 8));
    k = register_module("k", nn::Linear(8, 8));
    v = register_module("v", nn::Linear(8, 8));
    norm = register_module("norm", nn::LayerNorm(nn::LayerNormOptions(std::vector<int64_t>{8})));
  }
  Tensor forward(const Tensor& x) override {  // [N, L, 8]
    Tensor scores = ember::matmul(q(x), k(x).transpose(1, 2)) / std::sqrt(8.0);
    Tensor y = ember::matmul(ember::softmax(scores, -1), v(x));
    return ember::gelu(norm(x + y));
  }
};
// Inputs for an op-table row, inside its domain (acosh needs x >= 1; log, sqrt, asin,
// acos, atanh and reciprocal are fine on (0.1, 0.9)); comparisons get equal entries too.
std::vector<Tensor> row_inputs(const ember::detail::OpInfo& row) {
  auto unit = [] { return ember::rand({3, 4}) * 0.8 + 0.1; };
  switch (row.kind) {
    case ember::detail::OpKind::Unary:
      if (row.dtype == ember::detail::DtypeRule::BoolResult && row.name != "isnan" && row.name != "isinf")
        return {ember::rand({3, 4}) > 0.5};
      if (row.name == "acosh") return {unit() + 1};
      // Rounding, sign and friends see both signs and whole parts.
      if (row.dtype == ember::detail::DtypeRule::KeepNumeric) return {ember::randn({3, 4}) * 3};
      return {unit()};
    case ember::detail::OpKind::Binary:
      if (row.name == "logical_and" || row.name == "logical_or") return {ember::rand({3, 4}) > 0.5, ember::rand({4}) > 0.5};
      if (row.dtype == ember::detail::DtypeRule::BoolResult)
        return {ember::randint(0, 3, {3, 4}).to(ember::kFloat32), ember::randint(0, 3, {4}).to(ember::kFloat32)};
      return {unit() + 0.4, (ember::rand({4}) * 0.8 + 0.5)};  // broadcasting right operand
    default:
      return {ember::rand({3, 4}) > 0.5, unit(), unit()};
  }
}

// The graph of one op-table row applied to its inputs, built by hand (the row's name is
// the node's op; the interpreter runs it to learn the output's shape and dtype).
jit::Graph row_graph(const ember::detail::OpInfo& row, const std::vector<Tensor>& inputs) {
  auto build = [&](const Tensor& out) {
    jit::Graph g;
    std::vector<int> ids;
    for (std::size_t i = 0; i < inputs.size(); ++i)
      ids.push_back(g.add_input("x" + std::to_string(i), inputs[i].sizes(), inputs[i].dtype()));
    // add and sub record their alpha (as the traced ops do).
    std::vector<jit::NamedAttr> attrs;
    if (row.name == "add" || row.name == "sub") attrs.push_back({"alpha", ember::Scalar(1)});
    int node = g.add_node(std::string(row.name), ids, attrs, {{ember::Shape(out.sizes().begin(), out.sizes().end()), out.dtype()}});
    g.set_outputs({g.nodes()[node].outputs[0]});
    return g;
  };
  Tensor out = jit::run(build(inputs[0]), inputs).at(0);
  return build(out);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: ember-onnx-export-cases OUT_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  ember::manual_seed(0);
  ember::NoGradGuard no_grad;

  nn::Sequential mlp(nn::Linear(20, 32), nn::ReLU(), nn::Dropout(0.5), nn::Linear(32, 5));
  nn::Sequential cnn(nn::Conv2d(nn::Conv2dOptions(1, 4, 3).padding(1)), nn::BatchNorm2d(4), nn::ReLU(),
                     nn::MaxPool2d(2), nn::Flatten(), nn::Linear(4 * 4 * 4, 10), nn::LogSoftmax(1));
  auto lstm = std::make_shared<UnrolledLSTM>(3, 6);
  auto attention = std::make_shared<Attention>();
  nn::Embedding embed(10, 4);
  nn::Linear head(4, 3);
  mlp->eval();
  cnn->eval();
  {  // batch norm with statistics that are not the initial ones
    cnn->train();
    for (int i = 0; i < 3; ++i) cnn->forward(ember::randn({4, 1, 8, 8}) * 2 + 1);
    cnn->eval();
  }
  auto one = [](auto m) { return Fn([m](const std::vector<Tensor>& xs) mutable { return std::vector<Tensor>{m->forward(xs[0])}; }); };

  std::vector<Case> cases = {
      {"mlp", mlp.get(), one(mlp), {ember::randn({3, 20})}},
      {"cnn_batchnorm", cnn.get(), one(cnn), {ember::randn({2, 1, 8, 8})}},
      {"lstm_unrolled", lstm.get(), one(lstm), {ember::randn({4, 2, 3})}},
      {"attention_layernorm", attention.get(), one(attention), {ember::randn({2, 5, 8})}},
      {"embedding_mean", nullptr,
       [embed, head](const std::vector<Tensor>& xs) mutable {
         return std::vector<Tensor>{head(embed(xs[0]).mean({1}))};
       },
       {ember::randint(0, 10, {2, 3})}},
      {"losses", nullptr,
       [](const std::vector<Tensor>& xs) {
         return std::vector<Tensor>{nn::functional::mse_loss(xs[0], xs[1]),
                                    nn::functional::cross_entropy(xs[0], xs[2])};
       },
       {ember::randn({4, 3}), ember::randn({4, 3}), ember::randint(0, 3, {4})}},
      // isinf, isposinf, isneginf and isfinite on x, x / 0 (+-inf by x's sign) and 0 / 0
      // (NaN), made inside the graph: the cases' JSON cannot carry infinities or NaN.
      {"inf_tests", nullptr,
       [](const std::vector<Tensor>& xs) {
         Tensor zero = xs[0] - xs[0];
         Tensor v = ember::cat({xs[0], xs[0] / zero, zero / zero});
         return std::vector<Tensor>{ember::isinf(v), ember::isposinf(v), ember::isneginf(v), ember::isfinite(v)};
       },
       {ember::randn({6})}},
  };
  nlohmann::json manifest = nlohmann::json::array();
  // Every op-table row with an ONNX operator (ops.def's ONNX column), one model each.
  int rows = 0;
  for (const ember::detail::OpInfo& row : ember::detail::kOps) {
    if (row.onnx.empty()) continue;
    std::vector<Tensor> xs = row_inputs(row);
    jit::Graph g = row_graph(row, xs);
    const std::string name = "row_" + std::string(row.name);
    ember::onnx::export_model(g, dir + "/" + name + ".onnx");
    nlohmann::json entry;
    entry["name"] = name;
    entry["file"] = name + ".onnx";
    for (const Tensor& x : xs) entry["inputs"].push_back(to_json(x));
    Tensor want = jit::run(g, xs).at(0);
    entry["outputs"].push_back(to_json(want));
    manifest.push_back(entry);
    ++rows;
    // The same column drives the importer: the file reads back and gives ember's answer.
    auto listed = [](const std::vector<std::string>& names, std::string_view n) {
      return std::find(names.begin(), names.end(), n) != names.end();
    };
    if (!listed(ember::onnx::exportable_ops(), row.name) || !listed(ember::onnx::importable_ops(), row.onnx)) {
      std::fprintf(stderr, "%s: missing from exportable_ops() or importable_ops()\n", name.c_str());
      return 1;
    }
    Tensor back = ember::onnx::load(dir + "/" + name + ".onnx")(xs).at(0);
    if (back.dtype() != want.dtype() || !ember::equal(back, want)) {
      std::fprintf(stderr, "%s: the imported model differs from ember's op\n", name.c_str());
      return 1;
    }
  }
  std::printf("exported %d op-table rows with an ONNX operator\n", rows);
  for (Case& c : cases) {
    jit::TracedFunction traced = c.module ? jit::trace(*c.module, c.fn, c.inputs) : jit::trace(c.fn, c.inputs);
    jit::Graph g = jit::passes::optimize(traced.graph());
    ember::onnx::export_model(g, dir + "/" + c.name + ".onnx");
    // Fresh inputs of the same shapes: ember's answer for them is what ONNX Runtime must give.
    std::vector<Tensor> xs;
    for (const Tensor& x : c.inputs)
      xs.push_back(x.dtype() == ember::kInt64 ? ember::randint(0, c.name == "losses" ? 3 : 10, x.sizes())
                                             : ember::randn(x.sizes()));
    std::vector<Tensor> ys = c.fn(xs);
    nlohmann::json entry;
    entry["name"] = c.name;
    entry["file"] = c.name + ".onnx";
    for (std::size_t i = 0; i < xs.size(); ++i) entry["inputs"].push_back(to_json(xs[i]));
    for (const Tensor& y : ys) entry["outputs"].push_back(to_json(y));
    manifest.push_back(entry);
    std::printf("exported %s: %zu nodes\n", c.name.c_str(), g.nodes().size());
  }
  // The importer reads IsInf's detect_positive and detect_negative back: inf_tests.onnx
  // (IsInf with each, IsNaN, Or, Not) gives ember's own answers.
  for (const Case& c : cases) {
    if (c.name != "inf_tests") continue;
    const std::vector<Tensor> xs = {ember::randn({6})};
    const std::vector<Tensor> want = c.fn(xs);
    const std::vector<Tensor> back = ember::onnx::load(dir + "/inf_tests.onnx")(xs);
    bool same = back.size() == want.size();
    for (std::size_t i = 0; same && i < want.size(); ++i) same = ember::equal(back[i], want[i]);
    if (!same) {
      std::fprintf(stderr, "inf_tests: the imported model differs from ember's ops\n");
      return 1;
    }
    std::printf("inf_tests: read back, equal\n");
  }
  // A malformed tensor file (a 2^60-element float shape with no data) is refused with an
  // ember::Error naming the tensor, before anything is allocated.
  {
    std::string proto;
    for (int k = 0; k < 3; ++k) proto += std::string("\x08\x80\x80\x40", 4);  // dims: 2^20 each
    proto += std::string("\x10\x01", 2);                                             // data_type FLOAT
    proto += std::string("\x42\x03", 2) + "big";                                      // name
    std::ofstream(dir + "/malformed.pb", std::ios::binary) << proto;
    try {
      ember::onnx::load_tensor(dir + "/malformed.pb");
      std::fprintf(stderr, "malformed.pb: loaded, expected an ember::Error\n");
      return 1;
    } catch (const ember::Error& e) {
      if (std::string(e.what()).find("'big'") == std::string::npos) {
        std::fprintf(stderr, "malformed.pb: the error does not name the tensor: %s\n", e.what());
        return 1;
      }
      std::printf("malformed tensor refused: %s\n", e.what());
    }
  }
  std::ofstream(dir + "/cases.json") << manifest.dump(1);
  return 0;
}
