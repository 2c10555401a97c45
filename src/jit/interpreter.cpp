// The interpreter: each op a graph may hold, as a call of the public function that
// recorded it, with the node's attributes as its arguments. The op table's elementwise
// rows come from ember/detail/ops.def; the others are listed here, one line each, in
// the same order as the EMBER_TRACE_CALL lines in autograd/.
#include <algorithm>
#include <optional>
#include <unordered_map>

#include "src/jit/interpreter.hpp"

#include "ember/detail/fused.hpp"
#include "ember/detail/tensor_impl.hpp"
#include "ember/ember.hpp"
#include "ember/detail/traced_backward.hpp"
#include "src/core/check.hpp"
#include "src/jit/attrs.hpp"

namespace ember {
namespace jit {

namespace {

using Inputs = std::vector<Tensor>;
namespace F = ember::nn::functional;

std::vector<Tensor> one(Tensor t) { return {std::move(t)}; }
template <class A, class B>
std::vector<Tensor> two(std::tuple<A, B> t) {
  return {std::get<0>(t), std::get<1>(t)};
}

// A tensor-or-scalar binary op: traced as (a, b) or as (a) with the scalar in "other".
#define EMBER_JIT_BINARY(NAME)                                                                               \
  {#NAME, [](const Inputs& in, const Node& n) {                                                              \
     return one(in.size() == 2 ? ember::NAME(in[0], in[1]) : ember::NAME(in[0], attr_scalar(n, "other"))); \
   }}

const std::unordered_map<std::string, Runner>& registry() {
  static const std::unordered_map<std::string, Runner> ops = {
  // ---- the op table's unary rows with the common signature ----
#define EMBER_JIT_UNARY(NAME) {#NAME, [](const Inputs& in, const Node&) { return one(ember::NAME(in[0])); }},
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_JIT_UNARY_##API(NAME)
#define EMBER_JIT_UNARY_MethodInPlace(NAME) EMBER_JIT_UNARY(NAME)
#define EMBER_JIT_UNARY_Method(NAME) EMBER_JIT_UNARY(NAME)
#define EMBER_JIT_UNARY_Function(NAME) EMBER_JIT_UNARY(NAME)
#define EMBER_JIT_UNARY_Custom(NAME)
#define EMBER_JIT_UNARY_CustomFunction(NAME)
#define EMBER_JIT_UNARY_Internal(NAME)
#include "ember/detail/ops.def"
#undef EMBER_JIT_UNARY_MethodInPlace
#undef EMBER_JIT_UNARY_Method
#undef EMBER_JIT_UNARY_Function
#undef EMBER_JIT_UNARY_Custom
#undef EMBER_JIT_UNARY_CustomFunction
#undef EMBER_JIT_UNARY_Internal
#undef EMBER_JIT_UNARY
  // ---- comparisons (table rows), tensor or scalar right-hand side ----
#define EMBER_COMPARE_OP(NAME, ENUM, OPERATOR, ONNX) EMBER_JIT_BINARY(NAME),
#include "ember/detail/ops.def"
      // ---- elementwise with arguments ----
      {"gelu", [](const Inputs& in, const Node& n) { return one(ember::gelu(in[0], attr_string(n, "approximate"))); }},
      {"softplus",
       [](const Inputs& in, const Node& n) {
         return one(ember::softplus(in[0], attr_scalar(n, "beta"), attr_scalar(n, "threshold")));
       }},
      {"leaky_relu",
       [](const Inputs& in, const Node& n) { return one(ember::leaky_relu(in[0], attr_scalar(n, "negative_slope"))); }},
      {"elu", [](const Inputs& in, const Node& n) { return one(ember::elu(in[0], attr_scalar(n, "alpha"))); }},
      {"clamp",
       [](const Inputs& in, const Node& n) {
         return one(ember::clamp(in[0], attr_optional_scalar(n, "min"), attr_optional_scalar(n, "max")));
       }},
      {"logical_not", [](const Inputs& in, const Node&) { return one(ember::logical_not(in[0])); }},
      {"isnan", [](const Inputs& in, const Node&) { return one(ember::isnan(in[0])); }},
      {"isinf", [](const Inputs& in, const Node&) { return one(ember::isinf(in[0])); }},
      {"isposinf", [](const Inputs& in, const Node&) { return one(ember::isposinf(in[0])); }},
      {"isneginf", [](const Inputs& in, const Node&) { return one(ember::isneginf(in[0])); }},
      {"isfinite", [](const Inputs& in, const Node&) { return one(ember::isfinite(in[0])); }},
      {"logical_and", [](const Inputs& in, const Node&) { return one(ember::logical_and(in[0], in[1])); }},
      {"logical_or", [](const Inputs& in, const Node&) { return one(ember::logical_or(in[0], in[1])); }},
      // ---- binary ----
      {"add",
       [](const Inputs& in, const Node& n) {
         return one(in.size() == 2 ? ember::add(in[0], in[1], attr_scalar(n, "alpha"))
                                   : ember::add(in[0], attr_scalar(n, "other")));
       }},
      {"sub", [](const Inputs& in, const Node& n) { return one(ember::sub(in[0], in[1], attr_scalar(n, "alpha"))); }},
      {"rsub", [](const Inputs& in, const Node& n) { return one(ember::rsub(in[0], attr_scalar(n, "other"))); }},
      {"rdiv", [](const Inputs& in, const Node& n) { return one(ember::rdiv(in[0], attr_scalar(n, "other"))); }},
      EMBER_JIT_BINARY(mul),
      EMBER_JIT_BINARY(div),
      {"pow",
       [](const Inputs& in, const Node& n) {
         return one(in.size() == 2 ? ember::pow(in[0], in[1]) : ember::pow(in[0], attr_scalar(n, "exponent")));
       }},
      {"rpow", [](const Inputs& in, const Node& n) { return one(ember::pow(attr_scalar(n, "self"), in[0])); }},
      {"maximum", [](const Inputs& in, const Node&) { return one(ember::maximum(in[0], in[1])); }},
      {"minimum", [](const Inputs& in, const Node&) { return one(ember::minimum(in[0], in[1])); }},
      {"where", [](const Inputs& in, const Node&) { return one(ember::where(in[0], in[1], in[2])); }},
      // ---- reductions ----
      {"sum",
       [](const Inputs& in, const Node& n) {
         auto dtype = attr_optional_dtype(n, "dtype");
         if (std::holds_alternative<std::monostate>(*n.attr("dim"))) return one(ember::sum(in[0], dtype));
         return one(ember::sum(in[0], attr_ints(n, "dim"), attr_bool(n, "keepdim"), dtype));
       }},
      {"mean",
       [](const Inputs& in, const Node& n) {
         auto dtype = attr_optional_dtype(n, "dtype");
         if (std::holds_alternative<std::monostate>(*n.attr("dim"))) return one(ember::mean(in[0], dtype));
         return one(ember::mean(in[0], attr_ints(n, "dim"), attr_bool(n, "keepdim"), dtype));
       }},
      {"amax",
       [](const Inputs& in, const Node& n) {
         return one(ember::amax(in[0], attr_ints(n, "dim"), attr_bool(n, "keepdim")));
       }},
      {"amin",
       [](const Inputs& in, const Node& n) {
         return one(ember::amin(in[0], attr_ints(n, "dim"), attr_bool(n, "keepdim")));
       }},
      {"max",
       [](const Inputs& in, const Node& n) {
         if (!n.attr("dim")) return one(ember::max(in[0]));
         return two(ember::max(in[0], attr_int(n, "dim"), attr_bool(n, "keepdim")));
       }},
      {"min",
       [](const Inputs& in, const Node& n) {
         if (!n.attr("dim")) return one(ember::min(in[0]));
         return two(ember::min(in[0], attr_int(n, "dim"), attr_bool(n, "keepdim")));
       }},
      {"argmax",
       [](const Inputs& in, const Node& n) {
         return one(ember::argmax(in[0], attr_optional_int(n, "dim"), attr_bool(n, "keepdim")));
       }},
      {"argmin",
       [](const Inputs& in, const Node& n) {
         return one(ember::argmin(in[0], attr_optional_int(n, "dim"), attr_bool(n, "keepdim")));
       }},
      {"logsumexp",
       [](const Inputs& in, const Node& n) {
         return one(ember::logsumexp(in[0], attr_ints(n, "dim"), attr_bool(n, "keepdim")));
       }},
      {"cumsum",
       [](const Inputs& in, const Node& n) {
         return one(ember::cumsum(in[0], attr_int(n, "dim"), attr_optional_dtype(n, "dtype")));
       }},
      {"softmax", [](const Inputs& in, const Node& n) { return one(ember::softmax(in[0], attr_int(n, "dim"))); }},
      {"log_softmax",
       [](const Inputs& in, const Node& n) { return one(ember::log_softmax(in[0], attr_int(n, "dim"))); }},
      // ---- products ----
      {"matmul", [](const Inputs& in, const Node&) { return one(ember::matmul(in[0], in[1])); }},
      {"mm", [](const Inputs& in, const Node&) { return one(ember::mm(in[0], in[1])); }},
      {"bmm", [](const Inputs& in, const Node&) { return one(ember::bmm(in[0], in[1])); }},
      {"addmm",
       [](const Inputs& in, const Node& n) {
         return one(ember::addmm(in[0], in[1], in[2], attr_scalar(n, "beta"), attr_scalar(n, "alpha")));
       }},
      // ---- nn ----
      {"linear", [](const Inputs& in, const Node&) { return one(F::linear(in[0], in[1], in[2])); }},
      {"dropout",
       [](const Inputs& in, const Node& n) {
         return one(F::dropout(in[0], attr_double(n, "p"), attr_bool(n, "training")));
       }},
      {"embedding",
       [](const Inputs& in, const Node& n) {
         return one(F::embedding(in[0], in[1], attr_optional_int(n, "padding_idx")));
       }},
      {"conv2d",
       [](const Inputs& in, const Node& n) {
         return one(F::conv2d(in[0], in[1], in[2], attr_ints(n, "stride"), attr_ints(n, "padding"),
                              attr_ints(n, "dilation"), attr_int(n, "groups")));
       }},
      {"max_pool2d",
       [](const Inputs& in, const Node& n) {
         return one(F::max_pool2d(in[0], attr_ints(n, "kernel_size"), attr_ints(n, "stride"), attr_ints(n, "padding"),
                                  attr_ints(n, "dilation"), attr_bool(n, "ceil_mode")));
       }},
      {"avg_pool2d",
       [](const Inputs& in, const Node& n) {
         return one(F::avg_pool2d(in[0], attr_ints(n, "kernel_size"), attr_ints(n, "stride"), attr_ints(n, "padding"),
                                  attr_bool(n, "ceil_mode"), attr_bool(n, "count_include_pad"),
                                  attr_optional_int(n, "divisor_override")));
       }},
      {"adaptive_avg_pool2d",
       [](const Inputs& in, const Node& n) { return one(F::adaptive_avg_pool2d(in[0], attr_ints(n, "output_size"))); }},
      {"layer_norm",
       [](const Inputs& in, const Node& n) {
         return one(F::layer_norm(in[0], attr_ints(n, "normalized_shape"), in[1], in[2], attr_double(n, "eps")));
       }},
      {"batch_norm",
       [](const Inputs& in, const Node& n) {
         return one(F::batch_norm(in[0], in[1], in[2], in[3], in[4], attr_bool(n, "training"),
                                  attr_double(n, "momentum"), attr_double(n, "eps")));
       }},
      {"nll_loss",
       [](const Inputs& in, const Node& n) {
         return one(F::nll_loss(in[0], in[1], in[2], attr_int(n, "ignore_index"), attr_string(n, "reduction")));
       }},
      {"cross_entropy",
       [](const Inputs& in, const Node& n) {
         return one(F::cross_entropy(in[0], in[1], in[2], attr_int(n, "ignore_index"), attr_string(n, "reduction"),
                                     attr_double(n, "label_smoothing")));
       }},
      {"mse_loss",
       [](const Inputs& in, const Node& n) { return one(F::mse_loss(in[0], in[1], attr_string(n, "reduction"))); }},
      // ---- shapes ----
      {"reshape", [](const Inputs& in, const Node& n) { return one(ember::reshape(in[0], attr_ints(n, "shape"))); }},
      {"view", [](const Inputs& in, const Node& n) { return one(ember::view(in[0], attr_ints(n, "size"))); }},
      {"transpose",
       [](const Inputs& in, const Node& n) {
         return one(ember::transpose(in[0], attr_int(n, "dim0"), attr_int(n, "dim1")));
       }},
      {"t", [](const Inputs& in, const Node&) { return one(ember::t(in[0])); }},
      {"permute", [](const Inputs& in, const Node& n) { return one(ember::permute(in[0], attr_ints(n, "dims"))); }},
      {"squeeze",
       [](const Inputs& in, const Node& n) {
         auto dim = attr_optional_int(n, "dim");
         return one(dim ? ember::squeeze(in[0], *dim) : ember::squeeze(in[0]));
       }},
      {"unsqueeze", [](const Inputs& in, const Node& n) { return one(ember::unsqueeze(in[0], attr_int(n, "dim"))); }},
      {"flatten",
       [](const Inputs& in, const Node& n) {
         return one(ember::flatten(in[0], attr_int(n, "start_dim"), attr_int(n, "end_dim")));
       }},
      {"narrow",
       [](const Inputs& in, const Node& n) {
         return one(ember::narrow(in[0], attr_int(n, "dim"), attr_int(n, "start"), attr_int(n, "length")));
       }},
      {"select",
       [](const Inputs& in, const Node& n) {
         return one(ember::select(in[0], attr_int(n, "dim"), attr_int(n, "index")));
       }},
      {"slice",
       [](const Inputs& in, const Node& n) {
         return one(ember::slice(in[0], attr_int(n, "dim"), attr_optional_int(n, "start"),
                                 attr_optional_int(n, "end"), attr_int(n, "step")));
       }},
      {"cat", [](const Inputs& in, const Node& n) { return one(ember::cat(in, attr_int(n, "dim"))); }},
      {"stack", [](const Inputs& in, const Node& n) { return one(ember::stack(in, attr_int(n, "dim"))); }},
      {"contiguous", [](const Inputs& in, const Node&) { return one(in[0].contiguous()); }},
      {"clone", [](const Inputs& in, const Node&) { return one(in[0].clone()); }},
      {"expand", [](const Inputs& in, const Node& n) { return one(ember::expand(in[0], attr_ints(n, "size"))); }},
      {"lstm_cell",
       [](const Inputs& in, const Node&) { return two(F::lstm_cell(in[0], in[1], in[2], in[3], in[4], in[5], in[6])); }},
      // ---- backward ops of a traced training step (ember/detail/traced_backward.hpp) ----
      {"cross_entropy_backward",
       [](const Inputs& in, const Node& n) {
         return one(F::cross_entropy_backward(in[0], in[1], in[2], in[3], attr_bool(n, "mean")));
       }},
      {"threshold_backward",
       [](const Inputs& in, const Node& n) {
         return one(F::threshold_backward(in[0], in[1], attr_double(n, "threshold")));
       }},
      {"lstm_cell_backward",
       [](const Inputs& in, const Node& n) {
         return F::lstm_cell_backward(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], in[8],
                                      attr_ints(n, "needs"));
       }},
      // ---- optimizers (in place: see writes_in_place) ----
      {"adam_update_",
       [](const Inputs& in, const Node& n) {
         Tensor param = in[0], exp_avg = in[2], exp_avg_sq = in[3], max_exp_avg_sq = in[4], step = in[5];
         const bool amsgrad = attr_bool(n, "amsgrad");
         // Absent from graphs built by hand before the attribute existed: exact division.
         const bool reciprocal_bias_correction =
             n.attr("reciprocal_bias_correction") != nullptr && attr_bool(n, "reciprocal_bias_correction");
         optim::adam_update_(param, in[1], exp_avg, exp_avg_sq, max_exp_avg_sq, step, attr_double(n, "lr"),
                             attr_double(n, "beta1"), attr_double(n, "beta2"), attr_double(n, "eps"),
                             attr_double(n, "weight_decay"), amsgrad, attr_bool(n, "maximize"),
                             attr_bool(n, "decoupled"), reciprocal_bias_correction);
         std::vector<Tensor> out{param, exp_avg, exp_avg_sq, step};
         if (amsgrad) out.push_back(max_exp_avg_sq);
         return out;
       }},
      // ---- made by passes ----
      {"fused", [](const Inputs& in, const Node& n) { return detail::run_fused(*n.fused, in); }},
      {"linear_epilogue",
       [](const Inputs& in, const Node& n) {
         return one(detail::linear_epilogue(in[0], in[1], in[2], attr_bool(n, "transpose_weight"),
                                            attr_string(n, "activation")));
       }},
  };
  return ops;
}

// Whether a and b share memory.
bool same_storage(const Tensor& a, const Tensor& b) {
  return a.unsafeGetTensorImpl()->storage == b.unsafeGetTensorImpl()->storage;
}

// The updates of a training step's graph, once every node has run. A value that shares
// memory with a tensor being written (a view of a parameter, say) is copied first, so
// that no write changes what another write, or an output, reads.
void write_updates(const Graph& g, std::vector<Tensor>& env, std::vector<Tensor>& results) {
  std::vector<const Tensor*> targets;
  for (const Update& u : g.updates()) targets.push_back(&g.value(u.target).tensor);
  auto detach_from_targets = [&](Tensor& t) {
    for (const Tensor* target : targets)
      if (t.is_same(*target)) return;  // written in place already (adam_update_)
    for (const Tensor* target : targets)
      if (same_storage(t, *target)) {
        t = t.clone();
        return;
      }
  };
  std::vector<Tensor> values;
  for (const Update& u : g.updates()) {
    values.push_back(env[static_cast<std::size_t>(u.value)]);
    detach_from_targets(values.back());
  }
  for (Tensor& r : results) detach_from_targets(r);
  // A gradient the step makes afresh (zero_grad(set_to_none)) is read by no node: the
  // leaf takes the new tensor, as after an eager backward, instead of a copy of it.
  std::vector<bool> read(g.values().size(), false);
  for (const Node& n : g.nodes())
    for (int id : n.inputs)
      if (id >= 0) read[static_cast<std::size_t>(id)] = true;
  // A value handed out twice (two updates, or an update and an output) is copied, so
  // that no two tensors the user holds share memory where eager's do not.
  std::vector<int> handed(g.values().size(), 0);
  for (const Update& u : g.updates()) ++handed[static_cast<std::size_t>(u.value)];
  for (int id : g.outputs()) ++handed[static_cast<std::size_t>(id)];
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Update& u = g.updates()[i];
    Tensor target = g.value(u.target).tensor;
    Tensor leaf = u.grad_of;
    if (leaf.defined() && !read[static_cast<std::size_t>(u.target)] &&
        g.value(u.value).kind == ValueKind::Result && handed[static_cast<std::size_t>(u.value)] == 1 &&
        !values[i].is_same(target)) {
      leaf.mutable_grad() = values[i];
      continue;
    }
    if (!values[i].is_same(target)) target.copy_(values[i]);
    if (leaf.defined() && !leaf.grad().is_same(target)) leaf.mutable_grad() = target;
  }
}

}  // namespace

Runner runner_of(const std::string& op) {
  auto it = registry().find(op);
  EMBER_CHECK(it != registry().end(), "jit: the interpreter has no op '{}'", op);
  return it->second;
}

void check_inputs(const Graph& g, const std::vector<Tensor>& inputs) {
  EMBER_CHECK(inputs.size() == g.inputs().size(), "jit: the graph takes {} inputs, got {}", g.inputs().size(),
              inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = g.value(g.inputs()[i]);
    const Tensor& x = inputs[i];
    EMBER_CHECK(x.defined(), "jit: input {} ({}) is an undefined tensor", i, v.name);
    EMBER_CHECK(x.sizes() == IntArrayRef(v.sizes) && x.dtype() == v.dtype,
                "jit: input {} has shape {} and dtype {}, but the graph was traced with shape {} and dtype {}; trace "
                "again for these inputs",
                i, x.sizes(), x.dtype(), IntArrayRef(v.sizes), v.dtype);
  }
}

const std::vector<int>& writes_in_place(std::string_view op) {
  static const std::vector<int> none, adam = {0, 2, 3, 4, 5};
  return op == "adam_update_" ? adam : none;
}

bool can_run(std::string_view op) { return registry().count(std::string(op)) != 0; }

std::vector<std::string> runnable_ops() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<Tensor> run(const Graph& g, const std::vector<Tensor>& inputs) {
  check_inputs(g, inputs);
  // A training step's backward is ordinary nodes of the graph: nothing to record.
  std::optional<NoGradGuard> no_grad;
  if (g.is_training_step()) no_grad.emplace();
  std::vector<Tensor> env(g.values().size());
  for (std::size_t i = 0; i < inputs.size(); ++i) env[static_cast<std::size_t>(g.inputs()[i])] = inputs[i];
  for (std::size_t id = 0; id < g.values().size(); ++id) {
    const Value& v = g.values()[id];
    if (v.kind == ValueKind::Parameter || v.kind == ValueKind::Constant) env[id] = v.tensor;
  }
  Inputs args;
  for (const Node& n : g.nodes()) {
    auto it = registry().find(n.op);
    EMBER_CHECK(it != registry().end(), "jit: the interpreter has no op '{}'", n.op);
    args.clear();
    for (int id : n.inputs) args.push_back(id < 0 ? Tensor() : env[static_cast<std::size_t>(id)]);
    // An op that writes an input in place must not change a constant of the graph.
    for (int i : writes_in_place(n.op))
      if (n.inputs[static_cast<std::size_t>(i)] >= 0 && g.value(n.inputs[static_cast<std::size_t>(i)]).kind == ValueKind::Constant)
        args[static_cast<std::size_t>(i)] = args[static_cast<std::size_t>(i)].clone();
    std::vector<Tensor> outs = it->second(args, n);
    EMBER_CHECK(outs.size() == n.outputs.size(), "jit: op '{}' gave {} outputs where the graph has {}", n.op,
                outs.size(), n.outputs.size());
    for (std::size_t i = 0; i < outs.size(); ++i) env[static_cast<std::size_t>(n.outputs[i])] = std::move(outs[i]);
  }
  std::vector<Tensor> results;
  for (int id : g.outputs()) results.push_back(env[static_cast<std::size_t>(id)]);
  if (!g.updates().empty()) write_updates(g, env, results);
  return results;
}

}  // namespace jit
}  // namespace ember
