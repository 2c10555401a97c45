// jit::Graph -> ONNX ModelProto. Each graph op maps to one or a few ONNX nodes
// (`exporters` below); values keep their names (inputs, parameter paths) or get
// "v<id>". Field numbers are those of onnx.proto (see docs/ONNX.md).
#include <cmath>
#include <fstream>
#include <functional>
#include <algorithm>
#include <map>

#include "ember/creation.hpp"
#include "ember/detail/op_table.hpp"
#include "ember/onnx.hpp"
#include "src/core/check.hpp"
#include "src/jit/attrs.hpp"
#include "src/onnx/proto_writer.hpp"

namespace ember {
namespace onnx {
namespace {

using jit::Graph;
using jit::Node;
using jit::Value;

// onnx.proto TensorProto.DataType
int onnx_type(Dtype dt) {
  switch (dt) {
    case Dtype::Float32: return 1;
    case Dtype::Float64: return 11;
    case Dtype::Int64: return 7;
    case Dtype::Bool: return 9;
    case Dtype::Int32: return 6;
    case Dtype::Int16: return 5;
    case Dtype::Int8: return 3;
    case Dtype::UInt8: return 2;
    case Dtype::Float16: return 10;
    case Dtype::BFloat16: return 16;
  }
  detail::fail(fmt::format("onnx export: dtype {} has no ONNX type here", dt));
}

class Exporter {
 public:
  Exporter(const Graph& g, int64_t opset) : g_(g), opset_(opset) {}

  std::string run() {
    for (int id : g_.inputs()) graph_.message(11, value_info(name_of(id), g_.value(id)));
    // Parameters and constants that something reads (a buffer such as batch norm's
    // num_batches_tracked that no node uses is left out).
    std::vector<bool> used(g_.values().size(), false);
    for (const Node& n : g_.nodes())
      for (int id : n.inputs)
        if (id >= 0) used[static_cast<std::size_t>(id)] = true;
    for (int id : g_.outputs()) used[static_cast<std::size_t>(id)] = true;
    for (std::size_t i = 0; i < g_.values().size(); ++i) {
      const jit::ValueKind kind = g_.values()[i].kind;
      if (used[i] && (kind == jit::ValueKind::Parameter || kind == jit::ValueKind::Constant))
        add_initializer(name_of(static_cast<int>(i)), g_.values()[i].tensor);
    }
    for (std::size_t i = 0; i < g_.nodes().size(); ++i) export_node(g_.nodes()[i]);
    for (std::size_t o = 0; o < g_.outputs().size(); ++o) {
      const int id = g_.outputs()[o];
      std::string name = name_of(id);
      // A graph output must be a node's output: an input or initializer passed through
      // gets an Identity.
      if (g_.value(id).kind != jit::ValueKind::Result) {
        std::string out = "output" + std::to_string(o);
        node("Identity", {name}, {out});
        name = out;
      }
      graph_.message(12, value_info(name, g_.value(id)));
    }
    graph_.bytes(2, "ember");
    ProtoWriter model;
    model.int64(1, 8);  // ir_version
    model.bytes(2, "ember");
    model.message(7, graph_);
    ProtoWriter opset;
    opset.bytes(1, "");
    opset.int64(2, opset_);
    model.message(8, opset);
    return model.str();
  }

 private:
  struct Attr {
    std::string name;
    enum Kind { Int, Float, Ints, String } kind;
    int64_t i = 0;
    float f = 0;
    std::vector<int64_t> ints;
    std::string s;
  };
  static Attr I(std::string n, int64_t v) { return Attr{std::move(n), Attr::Int, v, 0, {}, {}}; }
  static Attr F(std::string n, double v) { return Attr{std::move(n), Attr::Float, 0, static_cast<float>(v), {}, {}}; }
  static Attr Is(std::string n, std::vector<int64_t> v) { return Attr{std::move(n), Attr::Ints, 0, 0, std::move(v), {}}; }
  static Attr S(std::string n, std::string v) { return Attr{std::move(n), Attr::String, 0, 0, {}, std::move(v)}; }

  std::string name_of(int id) const {
    if (id < 0) return "";
    const Value& v = g_.value(id);
    return v.name.empty() ? "v" + std::to_string(id) : v.name;
  }
  std::string fresh() { return "t" + std::to_string(next_temp_++); }

  ProtoWriter value_info(const std::string& name, const Value& v) {
    ProtoWriter dims;
    for (int64_t d : v.sizes) {
      ProtoWriter dim;
      dim.int64(1, d);
      dims.message(1, dim);
    }
    ProtoWriter tensor_type;
    tensor_type.int64(1, onnx_type(v.dtype));
    tensor_type.message(2, dims);
    ProtoWriter type;
    type.message(1, tensor_type);
    ProtoWriter info;
    info.bytes(1, name);
    info.message(2, type);
    return info;
  }

  void add_initializer(const std::string& name, const Tensor& t) {
    Tensor c = t.contiguous();
    ProtoWriter tp;
    tp.packed_int64(1, c.sizes().begin(), c.sizes().end());
    tp.int64(2, onnx_type(c.dtype()));
    tp.bytes(8, name);
    tp.bytes(9, std::string_view(static_cast<const char*>(c.data_ptr()),
                                 static_cast<std::size_t>(c.numel() * c.element_size())));
    graph_.message(5, tp);
  }
  // A new initializer holding `values` (int64, 1-D) or one number of dtype dt; returns its name.
  std::string const_ints(const std::vector<int64_t>& values) {
    std::string name = fresh();
    add_initializer(name, ember::tensor(values, kInt64));
    return name;
  }
  std::string const_scalar(double v, Dtype dt) {
    std::string name = fresh();
    add_initializer(name, ember::scalar_tensor(v, dt));
    return name;
  }

  void node(const std::string& op, const std::vector<std::string>& ins, const std::vector<std::string>& outs,
            const std::vector<Attr>& attrs = {}) {
    ProtoWriter n;
    for (const std::string& s : ins) n.bytes(1, s);
    for (const std::string& s : outs) n.bytes(2, s);
    n.bytes(3, op + "_" + std::to_string(next_node_++));
    n.bytes(4, op);
    for (const Attr& a : attrs) {
      ProtoWriter pa;
      pa.bytes(1, a.name);
      switch (a.kind) {
        case Attr::Int: pa.int64(3, a.i); pa.varint(20, 2); break;
        case Attr::Float: pa.float32(2, a.f); pa.varint(20, 1); break;
        case Attr::Ints: pa.packed_int64(8, a.ints.begin(), a.ints.end()); pa.varint(20, 7); break;
        case Attr::String: pa.bytes(4, a.s); pa.varint(20, 3); break;
      }
      n.message(5, pa);
    }
    graph_.message(1, n);
  }

  [[noreturn]] void refuse(const Node& n, const std::string& why) {
    detail::fail(fmt::format("onnx export: op '{}' {}", n.op, why));
  }

  // ONNX pads for 2-D ops: [top, left, bottom, right] from ember's symmetric padding.
  static std::vector<int64_t> pads2(const std::vector<int64_t>& p) {
    int64_t h = p.size() == 1 ? p[0] : p[0], w = p.size() == 1 ? p[0] : p[1];
    return {h, w, h, w};
  }
  static std::vector<int64_t> pair(const std::vector<int64_t>& p, const std::vector<int64_t>& fallback) {
    const std::vector<int64_t>& q = p.empty() ? fallback : p;
    return q.size() == 1 ? std::vector<int64_t>{q[0], q[0]} : q;
  }

  // isinf is IsInf (its op-table row's ONNX column), isposinf and isneginf are IsInf with
  // the other sign's detection off, isfinite is Not(IsInf or IsNaN). Handled here rather
  // than by the table's unary path because ONNX's IsInf and IsNaN take floating-point
  // tensors only (ember answers for integer ones without looking), so the dtype is checked.
  void export_inf_test(const Node& n, const std::vector<std::string>& in, const std::vector<std::string>& out) {
    if (!is_floating_point(g_.value(n.inputs[0]).dtype))
      refuse(n, "of a " + std::string(dtype_name(g_.value(n.inputs[0]).dtype)) +
                    " tensor has no ONNX form (IsInf takes floating-point tensors)");
    if (n.op == "isinf") return node("IsInf", in, out);
    if (n.op == "isposinf") return node("IsInf", in, out, {I("detect_negative", 0)});
    if (n.op == "isneginf") return node("IsInf", in, out, {I("detect_positive", 0)});
    const std::string inf = fresh(), nan = fresh(), either = fresh();
    node("IsInf", in, {inf});
    node("IsNaN", in, {nan});
    node("Or", {inf, nan}, {either});
    node("Not", {either}, out);
  }

  void export_node(const Node& n) {
    std::vector<std::string> in, out;
    for (int id : n.inputs) in.push_back(name_of(id));
    for (int id : n.outputs) out.push_back(name_of(id));
    const Dtype dt = n.outputs.empty() ? kFloat32 : g_.value(n.outputs[0]).dtype;
    const std::string& op = n.op;
    // An op-table row with an ONNX operator of its own (ops.def's ONNX column).
    const detail::OpInfo* row = detail::op_info(op);
    const std::string table_onnx = row && !row->onnx.empty() ? std::string(row->onnx) : std::string();
    if (op == "contiguous" && n.inputs.size() == 1) return node("Identity", in, out);
    if (op == "isinf" || op == "isposinf" || op == "isneginf" || op == "isfinite") return export_inf_test(n, in, out);
    if (!table_onnx.empty() && row->kind == detail::OpKind::Unary && n.inputs.size() == 1 && n.attrs.empty()) {
      node(table_onnx, in, out);
      return;
    }
    if (!table_onnx.empty() && row->kind == detail::OpKind::Binary) {
      if (n.inputs.size() == 2) {
        if ((op == "add" || op == "sub") && jit::attr_scalar(n, "alpha").to_double() != 1.0)
          refuse(n, "with alpha other than 1 has no ONNX form here");
        node(table_onnx, in, out);
        return;
      }
      const char* scalar_name = op == "pow" ? "exponent" : "other";
      if (n.attr(scalar_name)) {
        // The scalar as a 0-dim initializer of the operand's dtype (PyTorch's scalar promotion).
        Dtype operand = g_.value(n.inputs[0]).dtype;
        Dtype sdt = is_floating_point(operand) ? operand : (jit::attr_scalar(n, scalar_name).is_floating_point() ? dt : operand);
        std::string s = const_scalar(jit::attr_scalar(n, scalar_name).to_double(), sdt);
        std::string x = in[0];
        if (g_.value(n.inputs[0]).dtype != sdt) {
          x = fresh();
          node("Cast", {in[0]}, {x}, {I("to", onnx_type(sdt))});
        }
        node(table_onnx, {x, s}, out);
        return;
      }
    }
    if (op == "rsub" || op == "rdiv") {
      std::string s = const_scalar(jit::attr_scalar(n, "other").to_double(), dt);
      node(op == "rsub" ? "Sub" : "Div", {s, in[0]}, out);
      return;
    }
    if (!table_onnx.empty() && row->kind == detail::OpKind::Ternary) return node(table_onnx, in, out);
    if (op == "clamp") {
      auto lo = jit::attr_optional_scalar(n, "min"), hi = jit::attr_optional_scalar(n, "max");
      return node("Clip", {in[0], lo ? const_scalar(lo->to_double(), dt) : "", hi ? const_scalar(hi->to_double(), dt) : ""}, out);
    }
    if (op == "leaky_relu") return node("LeakyRelu", in, out, {F("alpha", jit::attr_scalar(n, "negative_slope").to_double())});
    if (op == "elu") return node("Elu", in, out, {F("alpha", jit::attr_scalar(n, "alpha").to_double())});
    if (op == "softplus") {
      if (jit::attr_scalar(n, "beta").to_double() != 1.0) refuse(n, "with beta other than 1 has no ONNX form here");
      return node("Softplus", in, out);
    }
    if (op == "gelu") {
      // Opset 17 has no Gelu: 0.5 x (1 + erf(x / sqrt 2)), or the tanh form.
      const std::string x = in[0];
      std::string inner;
      if (jit::attr_string(n, "approximate") == "tanh") {
        std::string x3 = fresh(), k = fresh(), poly = fresh(), scaled = fresh();
        node("Mul", {x, x}, {x3 + "_sq"});
        node("Mul", {x3 + "_sq", x}, {x3});
        node("Mul", {x3, const_scalar(0.044715, dt)}, {k});
        node("Add", {x, k}, {poly});
        node("Mul", {poly, const_scalar(std::sqrt(2.0 / M_PI), dt)}, {scaled});
        inner = fresh();
        node("Tanh", {scaled}, {inner});
      } else {
        std::string scaled = fresh();
        node("Div", {x, const_scalar(std::sqrt(2.0), dt)}, {scaled});
        inner = fresh();
        node("Erf", {scaled}, {inner});
      }
      std::string one_plus = fresh(), half_x = fresh();
      node("Add", {inner, const_scalar(1.0, dt)}, {one_plus});
      node("Mul", {x, const_scalar(0.5, dt)}, {half_x});
      return node("Mul", {half_x, one_plus}, out);
    }
    if (op == "silu") {
      std::string s = fresh();
      node("Sigmoid", in, {s});
      return node("Mul", {in[0], s}, out);
    }
    if (op == "linear") {
      const Value& x = g_.value(n.inputs[0]);
      if (x.sizes.size() == 2) {
        std::vector<std::string> ins = {in[0], in[1]};
        if (n.inputs[2] >= 0) ins.push_back(in[2]);
        return node("Gemm", ins, out, {I("transB", 1)});
      }
      std::string wt = fresh(), prod = n.inputs[2] >= 0 ? fresh() : out[0];
      node("Transpose", {in[1]}, {wt}, {Is("perm", {1, 0})});
      node("MatMul", {in[0], wt}, {prod});
      if (n.inputs[2] >= 0) node("Add", {prod, in[2]}, out);
      return;
    }
    if (op == "matmul" || op == "mm" || op == "bmm") return node("MatMul", in, out);
    if (op == "addmm")
      return node("Gemm", {in[1], in[2], in[0]}, out,
                  {F("alpha", jit::attr_scalar(n, "alpha").to_double()), F("beta", jit::attr_scalar(n, "beta").to_double())});
    if (op == "conv2d") {
      const Value& w = g_.value(n.inputs[1]);
      std::vector<std::string> ins = {in[0], in[1]};
      if (n.inputs[2] >= 0) ins.push_back(in[2]);
      return node("Conv", ins, out,
                  {Is("kernel_shape", {w.sizes[2], w.sizes[3]}), Is("strides", pair(jit::attr_ints(n, "stride"), {1})),
                   Is("pads", pads2(jit::attr_ints(n, "padding"))), Is("dilations", pair(jit::attr_ints(n, "dilation"), {1})),
                   I("group", jit::attr_int(n, "groups"))});
    }
    if (op == "max_pool2d") {
      auto k = pair(jit::attr_ints(n, "kernel_size"), {1});
      return node("MaxPool", in, out,
                  {Is("kernel_shape", k), Is("strides", pair(jit::attr_ints(n, "stride"), k)),
                   Is("pads", pads2(jit::attr_ints(n, "padding"))), Is("dilations", pair(jit::attr_ints(n, "dilation"), {1})),
                   I("ceil_mode", jit::attr_bool(n, "ceil_mode") ? 1 : 0)});
    }
    if (op == "avg_pool2d") {
      if (jit::attr_optional_int(n, "divisor_override")) refuse(n, "with divisor_override has no ONNX form");
      auto k = pair(jit::attr_ints(n, "kernel_size"), {1});
      return node("AveragePool", in, out,
                  {Is("kernel_shape", k), Is("strides", pair(jit::attr_ints(n, "stride"), k)),
                   Is("pads", pads2(jit::attr_ints(n, "padding"))), I("ceil_mode", jit::attr_bool(n, "ceil_mode") ? 1 : 0),
                   I("count_include_pad", jit::attr_bool(n, "count_include_pad") ? 1 : 0)});
    }
    if (op == "adaptive_avg_pool2d") {
      auto size = pair(jit::attr_ints(n, "output_size"), {1});
      if (size != std::vector<int64_t>{1, 1}) refuse(n, "to a size other than 1x1 has no ONNX form here");
      return node("GlobalAveragePool", in, out);
    }
    if (op == "batch_norm") {
      if (jit::attr_bool(n, "training")) refuse(n, "in training mode (call eval() first) has no ONNX form");
      if (n.inputs[3] < 0 || n.inputs[4] < 0) refuse(n, "without affine weight and bias is not exported here");
      return node("BatchNormalization", {in[0], in[3], in[4], in[1], in[2]}, out,
                  {F("epsilon", jit::attr_double(n, "eps")), F("momentum", 1.0 - jit::attr_double(n, "momentum"))});
    }
    if (op == "layer_norm") {
      const int64_t axis = -static_cast<int64_t>(jit::attr_ints(n, "normalized_shape").size());
      std::vector<std::string> ins = {in[0]};
      const Value& x = g_.value(n.inputs[0]);
      ins.push_back(n.inputs[1] >= 0 ? in[1] : [&] {
        std::string name = fresh();
        std::vector<int64_t> shape(x.sizes.end() + axis, x.sizes.end());
        add_initializer(name, ember::ones(shape, x.dtype));
        return name;
      }());
      if (n.inputs[2] >= 0) ins.push_back(in[2]);
      return node("LayerNormalization", ins, out, {I("axis", axis), F("epsilon", jit::attr_double(n, "eps"))});
    }
    if (op == "dropout") {
      if (jit::attr_bool(n, "training") && jit::attr_double(n, "p") > 0) refuse(n, "in training mode is not exported");
      return node("Identity", in, out);
    }
    if (op == "softmax") return node("Softmax", in, out, {I("axis", jit::attr_int(n, "dim"))});
    if (op == "log_softmax") return node("LogSoftmax", in, out, {I("axis", jit::attr_int(n, "dim"))});
    if (op == "flatten" || op == "reshape" || op == "view" || op == "squeeze" || op == "unsqueeze") {
      // The traced output shape is known: one Reshape to it.
      const Value& y = g_.value(n.outputs[0]);
      return node("Reshape", {in[0], const_ints(std::vector<int64_t>(y.sizes.begin(), y.sizes.end()))}, out);
    }
    if (op == "transpose") {
      const int64_t rank = static_cast<int64_t>(g_.value(n.inputs[0]).sizes.size());
      std::vector<int64_t> perm(static_cast<std::size_t>(rank));
      for (int64_t i = 0; i < rank; ++i) perm[static_cast<std::size_t>(i)] = i;
      auto wrap = [&](int64_t d) { return d < 0 ? d + rank : d; };
      std::swap(perm[static_cast<std::size_t>(wrap(jit::attr_int(n, "dim0")))],
                perm[static_cast<std::size_t>(wrap(jit::attr_int(n, "dim1")))]);
      return node("Transpose", in, out, {Is("perm", perm)});
    }
    if (op == "t") {
      if (g_.value(n.inputs[0]).sizes.size() < 2) return node("Identity", in, out);
      return node("Transpose", in, out, {Is("perm", {1, 0})});
    }
    if (op == "permute") {
      std::vector<int64_t> perm = jit::attr_ints(n, "dims");
      const int64_t rank = static_cast<int64_t>(perm.size());
      for (int64_t& d : perm) d = d < 0 ? d + rank : d;
      return node("Transpose", in, out, {Is("perm", perm)});
    }
    if (op == "cat") return node("Concat", in, out, {I("axis", jit::attr_int(n, "dim"))});
    if (op == "select") {
      return node("Gather", {in[0], const_scalar(static_cast<double>(jit::attr_int(n, "index")), kInt64)}, out,
                  {I("axis", jit::attr_int(n, "dim"))});
    }
    if (op == "narrow" || op == "slice") {
      const int64_t dim = jit::attr_int(n, "dim");
      int64_t start, end, step = 1;
      if (op == "narrow") {
        start = jit::attr_int(n, "start");
        end = start + jit::attr_int(n, "length");
      } else {
        start = jit::attr_optional_int(n, "start").value_or(0);
        end = jit::attr_optional_int(n, "end").value_or(INT64_MAX);
        step = jit::attr_int(n, "step");
      }
      return node("Slice", {in[0], const_ints({start}), const_ints({end}), const_ints({dim}), const_ints({step})}, out);
    }
    if (op == "embedding") return node("Gather", {in[1], in[0]}, out, {I("axis", 0)});
    if (op == "sum" || op == "mean") {
      const jit::AttrValue* dim = n.attr("dim");
      const bool all = std::holds_alternative<std::monostate>(*dim);
      const int64_t keep = all ? 0 : (jit::attr_bool(n, "keepdim") ? 1 : 0);
      std::vector<int64_t> axes;
      if (all)
        for (std::size_t d = 0; d < g_.value(n.inputs[0]).sizes.size(); ++d) axes.push_back(static_cast<int64_t>(d));
      else
        axes = jit::attr_ints(n, "dim");
      if (op == "sum") return node("ReduceSum", {in[0], const_ints(axes)}, out, {I("keepdims", keep)});
      return node("ReduceMean", in, out, {Is("axes", axes), I("keepdims", keep)});
    }
    if (op == "mse_loss") {
      std::string diff = fresh(), sq = fresh();
      node("Sub", {in[0], in[1]}, {diff});
      node("Mul", {diff, diff}, {sq});
      const std::string red = jit::attr_string(n, "reduction");
      if (red == "none") return node("Identity", {sq}, out);
      if (red == "sum") return node("ReduceSum", {sq}, out, {I("keepdims", 0)});
      return node("ReduceMean", {sq}, out, {I("keepdims", 0)});
    }
    if (op == "cross_entropy" || op == "nll_loss") {
      if (op == "cross_entropy" && jit::attr_double(n, "label_smoothing") != 0)
        refuse(n, "with label smoothing is not exported here");
      std::vector<std::string> ins = {in[0], in[1]};
      if (n.inputs[2] >= 0) ins.push_back(in[2]);
      return node(op == "cross_entropy" ? "SoftmaxCrossEntropyLoss" : "NegativeLogLikelihoodLoss", ins, out,
                  {S("reduction", jit::attr_string(n, "reduction")), I("ignore_index", jit::attr_int(n, "ignore_index"))});
    }
    if (op == "fused") refuse(n, "is ember's own; export the graph before passes::fuse_elementwise");
    if (op == "linear_epilogue") refuse(n, "is ember's own; export the graph before passes::fuse_linear_epilogue");
    refuse(n, "has no ONNX export yet");
  }

  const Graph& g_;
  int64_t opset_;
  ProtoWriter graph_;
  int next_temp_ = 0;
  int next_node_ = 0;
};

}  // namespace

std::string model_bytes(const jit::Graph& graph, int64_t opset) {
  EMBER_CHECK(opset >= 13 && opset <= 17, "onnx export: opset {} is not supported (13 to 17)", opset);
  graph.lint();
  return Exporter(graph, opset).run();
}

void export_model(const jit::Graph& graph, const std::string& path, int64_t opset) {
  std::string bytes = model_bytes(graph, opset);
  std::ofstream f(path, std::ios::binary);
  EMBER_CHECK(f.good(), "onnx export: cannot open '{}' for writing", path);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EMBER_CHECK(f.good(), "onnx export: writing '{}' failed", path);
}

std::vector<std::string> exportable_ops() {
  // The ops exported by hand, then every op-table row with an ONNX operator.
  std::vector<std::string> ops = {"addmm", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm", "bmm", "cat", "clamp",
                                  "contiguous", "conv2d", "cross_entropy", "dropout", "elu", "embedding", "flatten",
                                  "gelu", "isfinite", "isneginf", "isposinf", "layer_norm", "leaky_relu", "linear",
                                  "log_softmax", "matmul", "max_pool2d",
                                  "mean", "mm", "mse_loss", "narrow", "nll_loss", "permute", "rdiv", "reshape", "rsub",
                                  "select", "silu", "slice", "softmax", "softplus", "squeeze", "sum", "t", "transpose",
                                  "unsqueeze", "view"};
  for (const detail::OpInfo& info : detail::kOps)
    if (!info.onnx.empty()) ops.emplace_back(info.name);
  std::sort(ops.begin(), ops.end());
  return ops;
}

}  // namespace onnx
}  // namespace ember
