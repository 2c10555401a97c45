// ONNX import: each ONNX op as ember's differentiable ops (the interpreter below), and
// Model, which runs a parsed graph's nodes in order.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "ember/detail/op_table.hpp"
#include "ember/ember.hpp"
#include "ember/onnx.hpp"
#include "src/core/check.hpp"
#include "src/onnx/model_proto.hpp"

namespace ember {
namespace onnx {

namespace {
namespace F = ember::nn::functional;
using In = std::vector<Tensor>;
using Out = std::vector<Tensor>;
using OpFn = Out (*)(const In& in, const OnnxNode& n);

Out one(Tensor t) { return {std::move(t)}; }
int64_t wrap(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }
std::vector<int64_t> ints_of(const Tensor& t) { return t.to(kInt64).reshape({-1}).tolist<int64_t>(); }

// ONNX pads [x1_begin, x2_begin, ..., x1_end, x2_end]: ember pads both sides alike.
std::vector<int64_t> symmetric_pads(const OnnxNode& n, std::size_t dims) {
  std::vector<int64_t> p = n.ints("pads", std::vector<int64_t>(2 * dims, 0));
  EMBER_CHECK(n.s("auto_pad", "NOTSET") == "NOTSET", "onnx load: {} node '{}': auto_pad {} is not supported", n.op_type, n.name,
              n.s("auto_pad", ""));
  std::vector<int64_t> out(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(dims));
  for (std::size_t d = 0; d < dims; ++d)
    EMBER_CHECK(p[d] == p[d + dims], "onnx load: {} node '{}': asymmetric pads are not supported", n.op_type, n.name);
  return out;
}

Tensor gemm(const In& in, const OnnxNode& n) {
  Tensor a = n.i("transA", 0) ? in[0].t() : in[0];
  Tensor b = n.i("transB", 0) ? in[1].t() : in[1];
  Tensor y = ember::mm(a, b);
  const double alpha = n.f("alpha", 1.0f), beta = n.f("beta", 1.0f);
  if (alpha != 1.0) y = y * alpha;
  if (in.size() > 2 && in[2].defined()) y = y + (beta == 1.0 ? in[2] : in[2] * beta);
  return y;
}

Tensor reduce(const Tensor& x, std::vector<int64_t> axes, bool keep, bool mean) {
  if (axes.empty()) {
    for (int64_t d = 0; d < x.dim(); ++d) axes.push_back(d);
  }
  return mean ? ember::mean(x, axes, keep) : ember::sum(x, axes, keep);
}

// ONNX LSTM, one layer, forward direction, layout 0: X [seq, batch, in], W [1, 4h, in],
// R [1, 4h, h], B [1, 8h]; gates in the order i, o, f, c.
Out lstm(const In& in, const OnnxNode& n) {
  EMBER_CHECK(n.s("direction", "forward") == "forward" && n.i("layout", 0) == 0 && !n.has("clip"),
              "onnx load: LSTM node '{}': only a forward, layout-0 LSTM without clip is supported", n.name);
  EMBER_CHECK(in.size() < 5 || !in[4].defined(), "onnx load: LSTM node '{}': sequence_lens is not supported", n.name);
  const Tensor& X = in[0];
  Tensor W = in[1].select(0, 0), R = in[2].select(0, 0);
  const int64_t h = R.size(1), batch = X.size(1);
  Tensor bias = in.size() > 3 && in[3].defined() ? in[3].select(0, 0) : Tensor();
  Tensor b = bias.defined() ? bias.narrow(0, 0, 4 * h) + bias.narrow(0, 4 * h, 4 * h) : ember::zeros({4 * h}, X.dtype());
  Tensor ht = in.size() > 5 && in[5].defined() ? in[5].select(0, 0) : ember::zeros({batch, h}, X.dtype());
  Tensor ct = in.size() > 6 && in[6].defined() ? in[6].select(0, 0) : ember::zeros({batch, h}, X.dtype());
  std::vector<Tensor> ys;
  for (int64_t t = 0; t < X.size(0); ++t) {
    Tensor g = ember::matmul(X.select(0, t), W.t()) + ember::matmul(ht, R.t()) + b;
    Tensor i = ember::sigmoid(g.narrow(1, 0, h)), o = ember::sigmoid(g.narrow(1, h, h));
    Tensor f = ember::sigmoid(g.narrow(1, 2 * h, h)), c = ember::tanh(g.narrow(1, 3 * h, h));
    ct = f * ct + i * c;
    ht = o * ember::tanh(ct);
    ys.push_back(ht);
  }
  return {ember::stack(ys, 0).unsqueeze(1), ht.unsqueeze(0), ct.unsqueeze(0)};
}

// The op table's elementwise rows that ONNX computes with one operator of the same
// meaning (ops.def's ONNX column), keyed by ember's name: a new row with an ONNX name
// imports without a line here. Rows whose public form takes more than the tensors
// (add and sub take alpha) are written by hand below.
const std::unordered_map<std::string_view, OpFn>& table_rows() {
  static const std::unordered_map<std::string_view, OpFn> rows = {
#define EMBER_IMPORT_UNARY(NAME) {#NAME, [](const In& in, const OnnxNode&) { return one(ember::NAME(in[0])); }},
#define EMBER_IMPORT_BINARY(NAME) {#NAME, [](const In& in, const OnnxNode&) { return one(ember::NAME(in[0], in[1])); }},
#define EMBER_IMPORT_TERNARY(NAME) \
  {#NAME, [](const In& in, const OnnxNode&) { return one(ember::NAME(in[0], in[1], in[2])); }},
#define EMBER_IMPORT_UNARY_MethodInPlace(NAME) EMBER_IMPORT_UNARY(NAME)
#define EMBER_IMPORT_UNARY_Method(NAME) EMBER_IMPORT_UNARY(NAME)
#define EMBER_IMPORT_UNARY_Function(NAME) EMBER_IMPORT_UNARY(NAME)
#define EMBER_IMPORT_UNARY_Custom(NAME)
#define EMBER_IMPORT_UNARY_CustomFunction(NAME)
#define EMBER_IMPORT_UNARY_Internal(NAME)
#define EMBER_IMPORT_BINARY_TensorScalar(NAME) EMBER_IMPORT_BINARY(NAME)
#define EMBER_IMPORT_BINARY_TensorOnly(NAME) EMBER_IMPORT_BINARY(NAME)
#define EMBER_IMPORT_BINARY_Custom(NAME)
#define EMBER_IMPORT_OTHER_Unary(NAME) EMBER_IMPORT_UNARY(NAME)
#define EMBER_IMPORT_OTHER_Binary(NAME) EMBER_IMPORT_BINARY(NAME)
#define EMBER_IMPORT_OTHER_Ternary(NAME) EMBER_IMPORT_TERNARY(NAME)
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_IMPORT_UNARY_##API(NAME)
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_IMPORT_BINARY_##API(NAME)
#define EMBER_COMPARE_OP(NAME, ENUM, OPERATOR, ONNX) EMBER_IMPORT_BINARY(NAME)
#define EMBER_OTHER_OP(NAME, KIND, DTYPE, GRAD, API, ONNX) EMBER_IMPORT_OTHER_##KIND(NAME)
#include "ember/detail/ops.def"
#undef EMBER_IMPORT_UNARY
#undef EMBER_IMPORT_BINARY
#undef EMBER_IMPORT_TERNARY
#undef EMBER_IMPORT_UNARY_MethodInPlace
#undef EMBER_IMPORT_UNARY_Method
#undef EMBER_IMPORT_UNARY_Function
#undef EMBER_IMPORT_UNARY_Custom
#undef EMBER_IMPORT_UNARY_CustomFunction
#undef EMBER_IMPORT_UNARY_Internal
#undef EMBER_IMPORT_BINARY_TensorScalar
#undef EMBER_IMPORT_BINARY_TensorOnly
#undef EMBER_IMPORT_BINARY_Custom
#undef EMBER_IMPORT_OTHER_Unary
#undef EMBER_IMPORT_OTHER_Binary
#undef EMBER_IMPORT_OTHER_Ternary
  };
  return rows;
}

std::unordered_map<std::string, OpFn> hand_written_ops();

// The ops the importer runs: the hand-written ones (ONNX operators whose meaning or
// inputs differ from a single ember op, such as Div on integers or variadic Max),
// then every table row with an ONNX name that no hand-written entry claims.
const std::unordered_map<std::string, OpFn>& ops() {
  static const std::unordered_map<std::string, OpFn> table = [] {
    std::unordered_map<std::string, OpFn> all = hand_written_ops();
    for (const detail::OpInfo& info : detail::kOps) {
      if (info.onnx.empty() || all.count(std::string(info.onnx))) continue;
      auto row = table_rows().find(info.name);
      if (row != table_rows().end()) all.emplace(std::string(info.onnx), row->second);
    }
    return all;
  }();
  return table;
}

std::unordered_map<std::string, OpFn> hand_written_ops() {
  return {
      {"Identity", [](const In& in, const OnnxNode&) { return one(in[0]); }},
      {"Dropout", [](const In& in, const OnnxNode&) { return one(in[0]); }},  // inference
      {"Add", [](const In& in, const OnnxNode&) { return one(in[0] + in[1]); }},
      {"Sub", [](const In& in, const OnnxNode&) { return one(in[0] - in[1]); }},
      {"Div",
       [](const In& in, const OnnxNode&) {
         // Integer Div truncates toward zero in ONNX (shape arithmetic in exported graphs).
         if (!in[0].is_floating_point() && !in[1].is_floating_point()) {
           Tensor q = ember::floor_divide(ember::abs(in[0]), ember::abs(in[1]));
           return one(ember::where((in[0] < 0) != (in[1] < 0), -q, q));
         }
         return one(in[0] / in[1]);
       }},
      {"MatMul", [](const In& in, const OnnxNode&) { return one(ember::matmul(in[0], in[1])); }},
      {"IsInf",
       [](const In& in, const OnnxNode& n) {
         const bool positive = n.i("detect_positive", 1) != 0, negative = n.i("detect_negative", 1) != 0;
         if (positive && negative) return one(ember::isinf(in[0]));
         if (positive) return one(ember::isposinf(in[0]));
         if (negative) return one(ember::isneginf(in[0]));
         return one(ember::logical_and(ember::isposinf(in[0]), ember::isneginf(in[0])));  // all false
       }},
      {"Gemm", [](const In& in, const OnnxNode& n) { return one(gemm(in, n)); }},
      {"LeakyRelu", [](const In& in, const OnnxNode& n) { return one(ember::leaky_relu(in[0], n.f("alpha", 0.01f))); }},
      {"Elu", [](const In& in, const OnnxNode& n) { return one(ember::elu(in[0], n.f("alpha", 1.0f))); }},
      {"Softplus", [](const In& in, const OnnxNode&) { return one(ember::softplus(in[0])); }},
      {"Clip",
       [](const In& in, const OnnxNode&) {
         std::optional<Scalar> lo, hi;
         if (in.size() > 1 && in[1].defined()) lo = in[1].item<double>();
         if (in.size() > 2 && in[2].defined()) hi = in[2].item<double>();
         return one(ember::clamp(in[0], lo, hi));
       }},
      {"Softmax", [](const In& in, const OnnxNode& n) { return one(ember::softmax(in[0], n.i("axis", -1))); }},
      {"LogSoftmax", [](const In& in, const OnnxNode& n) { return one(ember::log_softmax(in[0], n.i("axis", -1))); }},
      {"Conv",
       [](const In& in, const OnnxNode& n) {
         const std::size_t dims = static_cast<std::size_t>(in[1].dim() - 2);
         EMBER_CHECK(dims == 1 || dims == 2, "onnx load: Conv node '{}': {}-d convolution is not supported", n.name, dims);
         Tensor bias = in.size() > 2 ? in[2] : Tensor();
         auto strides = n.ints("strides", std::vector<int64_t>(dims, 1));
         auto dil = n.ints("dilations", std::vector<int64_t>(dims, 1));
         auto pads = symmetric_pads(n, dims);
         if (dims == 1) return one(F::conv1d(in[0], in[1], bias, strides, pads, dil, n.i("group", 1)));
         return one(F::conv2d(in[0], in[1], bias, strides, pads, dil, n.i("group", 1)));
       }},
      {"MaxPool",
       [](const In& in, const OnnxNode& n) {
         auto k = n.ints("kernel_shape");
         EMBER_CHECK(k.size() == 2 && n.outputs.size() == 1, "onnx load: MaxPool node '{}': only 2-d pooling without indices", n.name);
         return one(F::max_pool2d(in[0], k, n.ints("strides", k), symmetric_pads(n, 2), n.ints("dilations", {1, 1}),
                                  n.i("ceil_mode", 0) != 0));
       }},
      {"AveragePool",
       [](const In& in, const OnnxNode& n) {
         auto k = n.ints("kernel_shape");
         EMBER_CHECK(k.size() == 2, "onnx load: AveragePool node '{}': only 2-d pooling", n.name);
         return one(F::avg_pool2d(in[0], k, n.ints("strides", k), symmetric_pads(n, 2), n.i("ceil_mode", 0) != 0,
                                  n.i("count_include_pad", 0) != 0));
       }},
      {"GlobalAveragePool", [](const In& in, const OnnxNode&) { return one(F::adaptive_avg_pool2d(in[0], {1, 1})); }},
      {"BatchNormalization",
       [](const In& in, const OnnxNode& n) {
         EMBER_CHECK(n.i("training_mode", 0) == 0, "onnx load: BatchNormalization node '{}' in training mode", n.name);
         return one(F::batch_norm(in[0], in[3], in[4], in[1], in[2], false, 0.1, n.f("epsilon", 1e-5f)));
       }},
      {"LayerNormalization",
       [](const In& in, const OnnxNode& n) {
         const int64_t axis = wrap(n.i("axis", -1), in[0].dim());
         std::vector<int64_t> shape(in[0].sizes().begin() + axis, in[0].sizes().end());
         const double eps = n.f("epsilon", 1e-5f);
         Tensor y = F::layer_norm(in[0], shape, in[1], in.size() > 2 ? in[2] : Tensor(), eps);
         if (n.outputs.size() == 1) return one(y);
         // The optional Mean and InvStdDev outputs: the normalized dims kept as size 1.
         std::vector<int64_t> dims;
         for (int64_t d = axis; d < in[0].dim(); ++d) dims.push_back(d);
         Tensor mean = ember::mean(in[0], dims, true);
         Tensor var = ember::mean(ember::square(in[0] - mean), dims, true);
         return Out{y, mean, ember::rsqrt(var + eps)};
       }},
      {"Flatten",
       [](const In& in, const OnnxNode& n) {
         const int64_t axis = wrap(n.i("axis", 1), in[0].dim());
         int64_t outer = 1;
         for (int64_t d = 0; d < axis; ++d) outer *= in[0].size(d);
         return one(in[0].reshape({outer, -1}));
       }},
      {"Reshape",
       [](const In& in, const OnnxNode& n) {
         std::vector<int64_t> shape = ints_of(in[1]);
         if (!n.i("allowzero", 0))
           for (std::size_t d = 0; d < shape.size(); ++d)
             if (shape[d] == 0) shape[d] = in[0].size(static_cast<int64_t>(d));
         return one(in[0].reshape(shape));
       }},
      {"Transpose",
       [](const In& in, const OnnxNode& n) {
         std::vector<int64_t> perm = n.ints("perm");
         if (perm.empty())
           for (int64_t d = in[0].dim() - 1; d >= 0; --d) perm.push_back(d);
         return one(in[0].permute(perm));
       }},
      {"Concat", [](const In& in, const OnnxNode& n) { return one(ember::cat(in, n.i("axis", 0))); }},
      {"Gather",
       [](const In& in, const OnnxNode& n) {
         const int64_t axis = wrap(n.i("axis", 0), in[0].dim());
         Tensor idx = in[1].to(kInt64);
         if (idx.dim() == 0) return one(in[0].select(axis, idx.item<int64_t>()));
         // Negative indices count from the end, as in ONNX.
         idx = ember::where(idx < 0, idx + in[0].size(axis), idx);
         Tensor flat = ember::index_select(in[0], axis, idx.reshape({-1}));
         std::vector<int64_t> shape(in[0].sizes().begin(), in[0].sizes().begin() + axis);
         for (int64_t s : idx.sizes()) shape.push_back(s);
         shape.insert(shape.end(), in[0].sizes().begin() + axis + 1, in[0].sizes().end());
         return one(flat.reshape(shape));
       }},
      {"Slice",
       [](const In& in, const OnnxNode&) {
         std::vector<int64_t> starts = ints_of(in[1]), ends = ints_of(in[2]);
         std::vector<int64_t> axes = in.size() > 3 && in[3].defined() ? ints_of(in[3]) : std::vector<int64_t>();
         std::vector<int64_t> steps = in.size() > 4 && in[4].defined() ? ints_of(in[4]) : std::vector<int64_t>();
         Tensor y = in[0];
         for (std::size_t k = 0; k < starts.size(); ++k) {
           const int64_t axis = wrap(axes.empty() ? static_cast<int64_t>(k) : axes[k], y.dim());
           const int64_t size = y.size(axis), step = steps.empty() ? 1 : steps[k];
           EMBER_CHECK(step > 0, "onnx load: Slice with step {} is not supported", step);
           int64_t s = starts[k] < 0 ? starts[k] + size : starts[k], e = ends[k] < 0 ? ends[k] + size : ends[k];
           s = std::clamp<int64_t>(s, 0, size);
           e = std::clamp<int64_t>(e, 0, size);
           y = ember::slice(y, axis, s, std::max(s, e), step);
         }
         return one(y);
       }},
      {"Unsqueeze",
       [](const In& in, const OnnxNode&) {
         std::vector<int64_t> axes = ints_of(in[1]);
         const int64_t rank = in[0].dim() + static_cast<int64_t>(axes.size());
         for (int64_t& a : axes) a = wrap(a, rank);
         std::sort(axes.begin(), axes.end());
         Tensor y = in[0];
         for (int64_t a : axes) y = y.unsqueeze(a);
         return one(y);
       }},
      {"Squeeze",
       [](const In& in, const OnnxNode&) {
         if (in.size() < 2 || !in[1].defined()) return one(ember::squeeze(in[0]));
         std::vector<int64_t> axes = ints_of(in[1]);
         for (int64_t& a : axes) a = wrap(a, in[0].dim());
         std::sort(axes.rbegin(), axes.rend());
         Tensor y = in[0];
         for (int64_t a : axes) y = y.squeeze(a);
         return one(y);
       }},
      {"Constant",
       [](const In&, const OnnxNode& n) {
         EMBER_CHECK(n.has("value"), "onnx load: Constant node '{}' without a tensor value is not supported", n.name);
         return one(n.attrs.at("value").t);
       }},
      {"Shape",
       [](const In& in, const OnnxNode& n) {
         // Opset 15's start and end pick a range of dims, clamped like a slice.
         const int64_t rank = in[0].dim();
         int64_t start = std::clamp<int64_t>(wrap(n.i("start", 0), rank), 0, rank);
         int64_t end = std::clamp<int64_t>(n.has("end") ? wrap(n.i("end", rank), rank) : rank, 0, rank);
         std::vector<int64_t> sizes(in[0].sizes().begin() + start, in[0].sizes().begin() + std::max(start, end));
         return one(ember::tensor(sizes, kInt64));
       }},
      {"Cast",
       [](const In& in, const OnnxNode& n) {
         static const std::map<int64_t, Dtype> types = {{1, kFloat32}, {11, kFloat64}, {7, kInt64},    {6, kInt32},
                                                        {5, kInt16},   {3, kInt8},     {2, kUInt8},    {9, kBool},
                                                        {10, kFloat16}, {16, kBFloat16}};
         auto it = types.find(n.i("to", 1));
         EMBER_CHECK(it != types.end(), "onnx load: Cast node '{}' to ONNX type {} is not supported", n.name, n.i("to", 0));
         return one(in[0].to(it->second));
       }},
      {"ReduceMean",
       [](const In& in, const OnnxNode& n) { return one(reduce(in[0], n.ints("axes"), n.i("keepdims", 1) != 0, true)); }},
      {"ReduceSum",
       [](const In& in, const OnnxNode& n) {
         std::vector<int64_t> axes = in.size() > 1 && in[1].defined() ? ints_of(in[1]) : std::vector<int64_t>();
         return one(reduce(in[0], axes, n.i("keepdims", 1) != 0, false));
       }},
      {"Max",
       [](const In& in, const OnnxNode&) {
         Tensor y = in[0];
         for (std::size_t k = 1; k < in.size(); ++k) y = ember::maximum(y, in[k]);
         return one(y);
       }},
      {"Min",
       [](const In& in, const OnnxNode&) {
         Tensor y = in[0];
         for (std::size_t k = 1; k < in.size(); ++k) y = ember::minimum(y, in[k]);
         return one(y);
       }},
      {"ConstantOfShape",
       [](const In& in, const OnnxNode& n) {
         Tensor value = n.has("value") ? n.attrs.at("value").t : ember::zeros({1});
         return one(ember::full(ints_of(in[0]), value.reshape({-1}).to(kFloat64).item<double>(), value.dtype()));
       }},
      {"Expand",
       [](const In& in, const OnnxNode&) {
         std::vector<int64_t> shape = ints_of(in[1]);
         // ONNX broadcasts both ways: the result has the larger size in each dim.
         Tensor ones = ember::ones(shape, in[0].dtype());
         return one(in[0] * ones);
       }},
      // ---- more elementwise ----
      {"Softsign", [](const In& in, const OnnxNode&) { return one(F::softsign(in[0])); }},
      {"Selu",
       [](const In& in, const OnnxNode& n) {
         const double alpha = n.f("alpha", 1.67326319217681884765625f), gamma = n.f("gamma", 1.05070102214813232421875f);
         return one(ember::where(in[0] > 0, in[0] * gamma, (ember::exp(in[0]) - 1) * (alpha * gamma)));
       }},
      {"HardSigmoid",
       [](const In& in, const OnnxNode& n) {
         return one(ember::clamp(in[0] * n.f("alpha", 0.2f) + n.f("beta", 0.5f), 0.0, 1.0));
       }},
      {"Sum",
       [](const In& in, const OnnxNode&) {
         Tensor y = in[0];
         for (std::size_t k = 1; k < in.size(); ++k) y = y + in[k];
         return one(y);
       }},
      {"Mean",
       [](const In& in, const OnnxNode&) {
         Tensor y = in[0];
         for (std::size_t k = 1; k < in.size(); ++k) y = y + in[k];
         return one(y / static_cast<double>(in.size()));
       }},
      {"Mod",
       [](const In& in, const OnnxNode& n) {
         return one(n.i("fmod", 0) ? ember::fmod(in[0], in[1]) : ember::remainder(in[0], in[1]));
       }},
      // ---- reductions and scans ----
      {"ArgMax",
       [](const In& in, const OnnxNode& n) {
         EMBER_CHECK(n.i("select_last_index", 0) == 0, "onnx load: ArgMax node '{}' with select_last_index", n.name);
         return one(ember::argmax(in[0], n.i("axis", 0), n.i("keepdims", 1) != 0));
       }},
      {"ArgMin",
       [](const In& in, const OnnxNode& n) {
         EMBER_CHECK(n.i("select_last_index", 0) == 0, "onnx load: ArgMin node '{}' with select_last_index", n.name);
         return one(ember::argmin(in[0], n.i("axis", 0), n.i("keepdims", 1) != 0));
       }},
      {"ReduceMax",
       [](const In& in, const OnnxNode& n) {
         std::vector<int64_t> axes = n.ints("axes");
         if (axes.empty())
           for (int64_t d = 0; d < in[0].dim(); ++d) axes.push_back(d);
         return one(ember::amax(in[0], axes, n.i("keepdims", 1) != 0));
       }},
      {"ReduceMin",
       [](const In& in, const OnnxNode& n) {
         std::vector<int64_t> axes = n.ints("axes");
         if (axes.empty())
           for (int64_t d = 0; d < in[0].dim(); ++d) axes.push_back(d);
         return one(ember::amin(in[0], axes, n.i("keepdims", 1) != 0));
       }},
      {"ReduceProd",
       [](const In& in, const OnnxNode& n) {
         std::vector<int64_t> axes = n.ints("axes");
         const bool keep = n.i("keepdims", 1) != 0;
         Tensor y = in[0];
         if (axes.empty()) {
           y = ember::prod(y);
           if (keep) y = y.reshape(std::vector<int64_t>(static_cast<std::size_t>(in[0].dim()), 1));
           return one(y);
         }
         for (int64_t& a : axes) a = wrap(a, in[0].dim());
         std::sort(axes.rbegin(), axes.rend());  // highest first, so lower dims keep their index
         for (int64_t a : axes) y = ember::prod(y, a, keep);
         return one(y);
       }},
      {"CumSum",
       [](const In& in, const OnnxNode& n) {
         EMBER_CHECK(n.i("exclusive", 0) == 0 && n.i("reverse", 0) == 0,
                     "onnx load: CumSum node '{}': exclusive and reverse are not supported", n.name);
         return one(ember::cumsum(in[0], in[1].to(kInt64).item<int64_t>()));
       }},
      // ---- shapes ----
      {"Tile", [](const In& in, const OnnxNode&) { return one(in[0].repeat(ints_of(in[1]))); }},
      {"Range",
       [](const In& in, const OnnxNode&) {
         const Dtype dt = in[0].dtype();
         if (in[0].is_floating_point())
           return one(ember::arange(in[0].item<double>(), in[1].item<double>(), in[2].item<double>(), dt));
         return one(ember::arange(in[0].item<int64_t>(), in[1].item<int64_t>(), in[2].item<int64_t>(), dt));
       }},
      {"Trilu",
       [](const In& in, const OnnxNode& n) {
         const int64_t k = in.size() > 1 && in[1].defined() ? in[1].item<int64_t>() : 0;
         return one(n.i("upper", 1) ? ember::triu(in[0], k) : ember::tril(in[0], k));
       }},
      {"Split",
       [](const In& in, const OnnxNode& n) {
         const int64_t axis = wrap(n.i("axis", 0), in[0].dim());
         std::vector<int64_t> sizes;
         if (in.size() > 1 && in[1].defined()) {
           sizes = ints_of(in[1]);
         } else {
           const auto parts = static_cast<int64_t>(n.outputs.size());
           const int64_t size = in[0].size(axis), each = (size + parts - 1) / parts;
           for (int64_t k = 0; k < parts; ++k) sizes.push_back(std::min(each, size - k * each));
         }
         return ember::split(in[0], sizes, axis);
       }},
      {"LSTM", [](const In& in, const OnnxNode& n) { return lstm(in, n); }},
  };
}

}  // namespace

struct Model::Impl {
  std::string name;
  OnnxGraph graph;
  OrderedDict<Tensor> initializers;
  std::vector<OpFn> fns;  // per node
};

Out run_model(const Model::Impl& m, const In& inputs) {
  EMBER_CHECK(inputs.size() == m.graph.inputs.size(), "onnx model '{}': takes {} inputs, got {}", m.name,
              m.graph.inputs.size(), inputs.size());
  std::unordered_map<std::string, Tensor> env;
  for (const auto& item : m.initializers) env[item.key()] = item.value();
  for (std::size_t i = 0; i < inputs.size(); ++i) env[m.graph.inputs[i]] = inputs[i];
  In args;
  for (std::size_t k = 0; k < m.graph.nodes.size(); ++k) {
    const OnnxNode& n = m.graph.nodes[k];
    args.clear();
    for (const std::string& name : n.inputs) {
      if (name.empty()) {
        args.emplace_back();
        continue;
      }
      auto it = env.find(name);
      EMBER_CHECK(it != env.end(), "onnx model '{}': node {} ({}) reads '{}', which nothing made before it", m.name, k,
                  n.op_type, name);
      args.push_back(it->second);
    }
    Out outs = m.fns[k](args, n);
    for (std::size_t o = 0; o < n.outputs.size() && o < outs.size(); ++o)
      if (!n.outputs[o].empty()) env[n.outputs[o]] = outs[o];
  }
  Out results;
  for (const std::string& name : m.graph.outputs) {
    auto it = env.find(name);
    EMBER_CHECK(it != env.end(), "onnx model '{}': output '{}' is never made", m.name, name);
    results.push_back(it->second);
  }
  return results;
}

std::vector<Tensor> Model::operator()(const std::vector<Tensor>& inputs) const { return run_model(*impl_, inputs); }
Tensor Model::operator()(const Tensor& input) const {
  Out out = run_model(*impl_, {input});
  EMBER_CHECK(out.size() == 1, "onnx model '{}': returns {} outputs; call it with a vector of inputs", impl_->name,
              out.size());
  return out[0];
}
const std::vector<std::string>& Model::input_names() const { return impl_->graph.inputs; }
const std::vector<std::string>& Model::output_names() const { return impl_->graph.outputs; }
const OrderedDict<Tensor>& Model::initializers() const { return impl_->initializers; }
std::vector<Tensor> Model::parameters() const {
  std::vector<Tensor> ps;
  for (const auto& item : impl_->initializers)
    if (item.value().requires_grad()) ps.push_back(item.value());
  return ps;
}
std::vector<std::string> Model::op_types() const {
  std::vector<std::string> t;
  for (const OnnxNode& n : impl_->graph.nodes) t.push_back(n.op_type);
  std::sort(t.begin(), t.end());
  t.erase(std::unique(t.begin(), t.end()), t.end());
  return t;
}
jit::TracedFunction Model::trace(const std::vector<Tensor>& example_inputs) const {
  auto impl = impl_;
  return jit::trace([impl](const std::vector<Tensor>& xs) { return run_model(*impl, xs); }, example_inputs);
}

Model load_bytes(const std::string& bytes, const std::string& name) {
  auto impl = std::make_shared<Model::Impl>();
  impl->name = name;
  impl->graph = parse_model(bytes, name);
  for (auto& [key, t] : impl->graph.initializers) {
    Tensor p = t;
    if (p.is_floating_point()) p.requires_grad_(true);
    impl->initializers.insert(key, p);
  }
  for (const OnnxNode& n : impl->graph.nodes) {
    EMBER_CHECK(n.domain.empty() || n.domain == "ai.onnx", "onnx load: '{}': node '{}' is in domain '{}', which ember does not read",
                name, n.name, n.domain);
    auto it = ops().find(n.op_type);
    EMBER_CHECK(it != ops().end(), "onnx load: '{}': op {} (node '{}') is not supported by ember's importer", name, n.op_type,
                n.name);
    impl->fns.push_back(it->second);
  }
  return Model(impl);
}

Model load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EMBER_CHECK(f.good(), "onnx load: cannot open '{}'", path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return load_bytes(ss.str(), path);
}

Tensor load_tensor(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EMBER_CHECK(f.good(), "onnx load: cannot open '{}'", path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse_tensor(ss.str());
}

std::vector<std::string> importable_ops() {
  std::vector<std::string> names;
  for (const auto& e : ops()) names.push_back(e.first);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace onnx
}  // namespace ember
