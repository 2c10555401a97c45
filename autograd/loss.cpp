// Losses, as torch.nn.functional defines them.
//
// Most are composed of differentiable ops, so their gradients (of any order) come from
// those ops. Two have a node of their own because the composed form would give the
// wrong gradient at a point users actually hit:
//   - binary_cross_entropy clamps its logs at -100; differentiating the clamp would give
//     0 * inf = NaN at input 0 or 1, where PyTorch's (x - y) / max(x (1 - x), 1e-12)
//     stays finite;
//   - binary_cross_entropy_with_logits is written with |x| and max(-x, 0) for stability,
//     whose derivatives at x = 0 are not those of the smooth function (zero logits are
//     common at initialization).
// cross_entropy on class indices also has a fused forward kernel with a hand-written
// backward for the common 2-D case (see cross_entropy_fused), which the training
// benchmarks run every step.
#include <cmath>
#include <string>

#include "autograd/prelude.hpp"
#include "autograd/trace.hpp"
#include "ember/detail/traced_backward.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "ember/warning.hpp"
#include "ops/loss.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace nn {
namespace functional {

namespace {

enum class Reduction { None, Mean, Sum };

// binary_cross_entropy's gradient divides by max(x (1 - x), eps) with PyTorch's eps, a
// float 1e-12 (so the value matches PyTorch's at x = 0 or 1 to the last digit).
const double kBceEpsilon = static_cast<double>(1e-12f);

Reduction parse_reduction(const char* op, const std::string& r) {
  if (r == "mean") return Reduction::Mean;
  if (r == "sum") return Reduction::Sum;
  if (r == "none") return Reduction::None;
  detail::fail(fmt::format("{}: reduction must be 'none', 'mean' or 'sum', got '{}'", op, r));
}

Tensor reduce(const Tensor& l, Reduction r) {
  switch (r) {
    case Reduction::Mean:
      return l.mean();
    case Reduction::Sum:
      return l.sum();
    default:
      return l;
  }
}

// Whether a tensor of shape `from` broadcasts to exactly `to`.
bool broadcasts_to(IntArrayRef from, IntArrayRef to) {
  if (from.size() > to.size()) return false;
  for (std::size_t i = 1; i <= from.size(); ++i)
    if (from[from.size() - i] != 1 && from[from.size() - i] != to[to.size() - i]) return false;
  return true;
}

void check_float_input(const char* op, const char* what, const Tensor& t) {
  detail::check_defined(t, op);
  EMBER_CHECK(t.is_floating_point(), "{}: expected a floating-point {}, got {} of shape {}", op, what, t.dtype(),
              t.sizes());
}

// binary_cross_entropy (with or without logits) takes input and target of one shape,
// as PyTorch requires.
void check_same_shape(const char* op, const Tensor& input, const Tensor& target) {
  check_float_input(op, "input", input);
  check_float_input(op, "target", target);
  EMBER_CHECK(input.sizes().equals(target.sizes()),
              "{}: target shape {} differs from input shape {}; they must be equal", op, target.sizes(),
              input.sizes());
}

// mse_loss, l1_loss and smooth_l1_loss broadcast a target of another shape with a
// warning, as PyTorch does (shapes that do not broadcast are an error).
void check_regression_target(const char* op, const Tensor& input, const Tensor& target) {
  check_float_input(op, "input", input);
  check_float_input(op, "target", target);
  if (input.sizes().equals(target.sizes())) return;
  ember::broadcast_shapes(input.sizes(), target.sizes(), op);
  EMBER_WARN(fmt::format("{}: Using a target size ({}) that is different to the input size ({}). This will likely "
                         "lead to incorrect results due to broadcasting. Please ensure they have the same size.",
                         op, target.sizes(), input.sizes()));
}

// A per-class weight [C], in the input's dtype.
Tensor class_weight(const char* op, const Tensor& weight, int64_t C, Dtype dtype) {
  if (!weight.defined()) return weight;
  EMBER_CHECK(weight.is_floating_point() && weight.dim() == 1 && weight.size(0) == C,
              "{}: expected a floating-point weight of shape [{}] (one per class), got {} of shape {}", op, C,
              weight.dtype(), weight.sizes());
  return weight.dtype() == dtype ? weight : weight.to(dtype);
}

// ---- class-index targets ----

// Checks input [N, C, d1, ...] (or [C]) against an int64 target [N, d1, ...] (or []) and
// every target value against [0, C) or ignore_index. Returns whether any is ignored.
bool check_class_targets(const char* op, const Tensor& input, const Tensor& target, int64_t ignore_index) {
  check_float_input(op, "input", input);
  detail::check_defined(target, op);
  EMBER_CHECK(input.dim() >= 1, "{}: expected input of shape [N, C, d1, ...] or [C], got a 0-dim tensor", op);
  EMBER_CHECK(target.dtype() == Dtype::Int64,
              "{}: expected class-index targets of dtype int64 (or class probabilities shaped like the input, "
              "{}), got {} of shape {}",
              op, input.sizes(), target.dtype(), target.sizes());
  bool ok = target.dim() == input.dim() - 1;
  if (ok && input.dim() >= 2) {
    ok = target.size(0) == input.size(0);
    for (int64_t d = 1; ok && d < target.dim(); ++d) ok = target.size(d) == input.size(d + 1);
  }
  if (!ok) {
    Shape want;
    if (input.dim() >= 2) {
      want.push_back(input.size(0));
      for (int64_t d = 2; d < input.dim(); ++d) want.push_back(input.size(d));
    }
    detail::fail(fmt::format("{}: expected target of shape {} for input of shape {} ([N, C, d1, ...] takes "
                             "[N, d1, ...]), got {}",
                             op, want, input.sizes(), target.sizes()));
  }
  int64_t C = input.size(input.dim() == 1 ? 0 : 1);
  Tensor t = target.contiguous();
  const int64_t* p = t.data_ptr<int64_t>();
  bool ignored = false;
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (p[i] == ignore_index) {
      ignored = true;
      continue;
    }
    EMBER_CHECK(p[i] >= 0 && p[i] < C,
                "{}: target {} is out of bounds: expected a class index in [0, {}) or ignore_index {} (input shape "
                "{}, target shape {})",
                op, p[i], C, ignore_index, input.sizes(), target.sizes());
  }
  return ignored;
}

// The per-element negative log-likelihood of already-checked log-probabilities, and the
// divisor "mean" uses: the summed weights of the targets not ignored (their count when
// there is no weight). `logp` is batched ([N, C, ...]), `target` [N, ...].
struct Nll {
  Tensor loss;     // [N, d1, ...]
  Tensor divisor;  // 0-dim
  Tensor kept;     // the class weight of each target, 0 where ignored (undefined when all 1)
};

Nll nll_elements(const Tensor& logp, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                 bool ignored) {
  Tensor safe = ignored ? ember::where(target.eq(ignore_index), Scalar(0), target) : target;
  Tensor picked = logp.gather(1, safe.unsqueeze(1)).squeeze(1);
  Tensor kept;
  if (weight.defined()) kept = weight.index_select(0, safe.reshape({safe.numel()})).reshape(safe.sizes());
  if (ignored) {
    Tensor mask = target.ne(ignore_index).to(logp.dtype());
    kept = kept.defined() ? kept * mask : mask;
  }
  Nll r;
  r.kept = kept;
  r.loss = kept.defined() ? -(picked * kept) : -picked;
  r.divisor = kept.defined() ? kept.sum() : scalar_tensor(static_cast<double>(target.numel()), logp.dtype());
  return r;
}

Tensor reduce_nll(const Tensor& loss, const Tensor& divisor, Reduction r, bool unbatched) {
  switch (r) {
    case Reduction::Mean:
      return loss.sum() / divisor;
    case Reduction::Sum:
      return loss.sum();
    default:
      return unbatched ? loss.squeeze(0) : loss;
  }
}

Tensor nll_impl(const char* op, const Tensor& logp_in, const Tensor& target_in, const Tensor& weight_in,
                int64_t ignore_index, Reduction red, bool ignored) {
  bool unbatched = logp_in.dim() == 1;
  Tensor logp = unbatched ? logp_in.unsqueeze(0) : logp_in;
  Tensor target = unbatched ? target_in.unsqueeze(0) : target_in;
  Tensor weight = class_weight(op, weight_in, logp.size(1), logp.dtype());
  Nll n = nll_elements(logp, target, weight, ignore_index, ignored);
  return reduce_nll(n.loss, n.divisor, red, unbatched);
}

// cross_entropy with class probabilities (PyTorch 1.13's cross_entropy_loss_prob_target):
// "mean" divides by the number of samples (numel / C), whatever the weights.
Tensor cross_entropy_probs(const Tensor& input, const Tensor& target, const Tensor& weight_in, Reduction red,
                           double label_smoothing) {
  const char* op = "cross_entropy";
  check_float_input(op, "input", input);
  EMBER_CHECK(input.dim() >= 1, "{}: expected input of shape [N, C, d1, ...] or [C], got a 0-dim tensor", op);
  EMBER_CHECK(target.sizes().equals(input.sizes()),
              "{}: class-probability targets must have the input's shape {}, got {}", op, input.sizes(),
              target.sizes());
  int64_t cdim = input.dim() == 1 ? 0 : 1;
  int64_t C = input.size(cdim);
  Tensor weight = class_weight(op, weight_in, C, input.dtype());
  Tensor logp = ember::log_softmax(input, cdim);
  Tensor t = label_smoothing > 0 ? target * (1 - label_smoothing) + label_smoothing / static_cast<double>(C) : target;
  Tensor prod = logp * t;
  if (weight.defined()) {
    Shape ws(static_cast<std::size_t>(input.dim()), 1);
    ws[static_cast<std::size_t>(cdim)] = C;
    prod = prod * weight.reshape(ws);
  }
  switch (red) {
    case Reduction::Mean:
      return -prod.sum() / static_cast<double>(C == 0 ? 0 : input.numel() / C);
    case Reduction::Sum:
      return -prod.sum();
    default:
      return -prod.sum({cdim});
  }
}

}  // namespace

Tensor cross_entropy_backward(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& weight,
                              bool mean) {
  Tensor result;
  {
    autograd::TracerPause pause;
    kernels::CrossEntropyResult r = kernels::cross_entropy_forward(input, target, weight, mean);
    result = kernels::cross_entropy_backward(r.logp, target, weight,
                                             grad.item().to_double() / (mean ? r.divisor : 1.0));
  }
  EMBER_TRACE("cross_entropy_backward", {grad, input, target, weight}, {result}, {{"mean", mean}});
  return result;
}

namespace {

// The fused path covers what a classifier's training step runs: 2-D logits, class
// indices, no ignored target, no label smoothing, "mean" or "sum", a weight (if any)
// that needs no gradient. It records one node whose backward is
// (softmax - onehot) * w[t] * g / divisor; under create_graph the backward is composed
// of differentiable ops instead, so higher orders stay right.
Tensor cross_entropy_fused(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction red) {
  bool mean = red == Reduction::Mean;
  kernels::CrossEntropyResult r = kernels::cross_entropy_forward(input, target, weight, mean);
  Tensor loss = r.loss;
  if (needs_grad(input))
    record("cross_entropy", {input}, {&loss}, {save(input), save(target), save(weight), save(r.logp)},
           [mean, divisor = mean ? r.divisor : 1.0](const Grads& g, Ctx& c) {
             Tensor t = c.saved(1), w = c.saved(2);
             if (!is_grad_enabled() && detail::tracer())
               return Grads{cross_entropy_backward(g[0], c.saved(0), t, w, mean)};
             if (!is_grad_enabled())
               return Grads{kernels::cross_entropy_backward(c.saved(3), t, w, g[0].item().to_double() / divisor)};
             Tensor x = c.saved(0);
             Tensor onehot = ember::zeros_like(x).scatter_add(1, t.unsqueeze(1), ember::ones({t.numel(), 1}, x.dtype()));
             Tensor d = ember::softmax(x, 1) - onehot;
             if (w.defined()) d = d * w.index_select(0, t).unsqueeze(1);
             return Grads{d * (g[0] / divisor)};
           });
  return loss;
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                const std::string& reduction) {
  EMBER_TRACE_CALL("nll_loss", ({input, target, weight}), ({{"ignore_index", ignore_index}, {"reduction", reduction}}), nll_loss(input, target, weight, ignore_index, reduction));
  const char* op = "nll_loss";
  Reduction red = parse_reduction(op, reduction);
  bool ignored = check_class_targets(op, input, target, ignore_index);
  return nll_impl(op, input, target, weight, ignore_index, red, ignored);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                     const std::string& reduction, double label_smoothing) {
  EMBER_TRACE_CALL("cross_entropy", ({input, target, weight}), ({{"ignore_index", ignore_index}, {"reduction", reduction}, {"label_smoothing", label_smoothing}}), cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing));
  const char* op = "cross_entropy";
  Reduction red = parse_reduction(op, reduction);
  EMBER_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0,
              "{}: label_smoothing must be between 0.0 and 1.0, got {}", op, label_smoothing);
  detail::check_defined(input, op);
  detail::check_defined(target, op);
  if (target.is_floating_point()) {
    EMBER_CHECK(ignore_index == -100,
                "{}: ignore_index ({}) is not supported for class-probability targets (target {} of shape {})", op,
                ignore_index, target.dtype(), target.sizes());
    return cross_entropy_probs(input, target, weight, red, label_smoothing);
  }

  bool ignored = check_class_targets(op, input, target, ignore_index);
  bool unbatched = input.dim() == 1;
  int64_t cdim = unbatched ? 0 : 1;
  int64_t C = input.size(cdim);
  Tensor w = class_weight(op, weight, C, input.dtype());
  if (input.dim() == 2 && !ignored && label_smoothing == 0.0 && red != Reduction::None && input.size(0) > 0 &&
      !(w.defined() && needs_grad(w)))
    return cross_entropy_fused(input, target, w, red);

  Tensor logp = ember::log_softmax(input, cdim);
  Tensor lp = unbatched ? logp.unsqueeze(0) : logp;
  Tensor t = unbatched ? target.unsqueeze(0) : target;
  Nll n = nll_elements(lp, t, w, ignore_index, ignored);
  Tensor nll = reduce_nll(n.loss, n.divisor, red, unbatched);
  if (label_smoothing == 0.0) return nll;

  // PyTorch 1.13's cross_entropy_loss_label_smoothing: the smoothing term is
  // -sum_c w_c log p_c per target (0 where ignored), reduced with the same divisor as
  // the nll term, and mixed as (1 - eps) * nll + eps / C * smooth.
  Tensor smooth;
  if (w.defined()) {
    Shape ws(static_cast<std::size_t>(lp.dim()), 1);
    ws[1] = C;
    smooth = -(lp * w.reshape(ws)).sum({1});
  } else {
    smooth = -lp.sum({1});
  }
  if (ignored) smooth = smooth * t.ne(ignore_index).to(smooth.dtype());
  Tensor s = reduce_nll(smooth, n.divisor, red, unbatched);
  return nll * (1 - label_smoothing) + s * (label_smoothing / static_cast<double>(C));
}

namespace {

// mse_loss with "mean" or "sum" on two float tensors of one dtype and shape, outside a
// trace: the sum of squares in one pass and one node whose backward is
// 2 (x - y) g / n in one pass (the composed form's three passes forward and two back
// each wrote a full-size tensor). Under create_graph, or traced, the backward is the
// same formula in differentiable ops.
bool mse_fusable(const Tensor& input, const Tensor& target, Reduction red) {
  return red != Reduction::None && !detail::tracer() && (input.dtype() == kFloat32 || input.dtype() == kFloat64) &&
         target.dtype() == input.dtype() &&
         target.sizes().equals(input.sizes()) && input.numel() > 0;
}

// x as a contiguous tensor, made without recording (the kernels read values only).
Tensor dense_values(const Tensor& x) {
  if (x.is_contiguous()) return x;
  NoGradGuard no_grad;
  return x.contiguous();
}

Tensor mse_loss_fused(const Tensor& input, const Tensor& target, Reduction red) {
  const double divisor = red == Reduction::Mean ? static_cast<double>(input.numel()) : 1.0;
  const double total = kernels::squared_error_sum(dense_values(input), dense_values(target)) / divisor;
  Tensor loss = ember::full({}, total, input.dtype());
  if (needs_grad(input, target))
    record("mse_loss", {input, target}, {&loss}, {save(input), save(target)}, [divisor](const Grads& g, Ctx& c) {
      const Tensor& x = c.saved(0);
      const Tensor& y = c.saved(1);
      Tensor gx;
      if (backward_takes_kernels())
        gx = kernels::scaled_difference(dense_values(x), dense_values(y), 2.0 * g[0].item().to_double() / divisor);
      else
        gx = (x - y) * (g[0] * (2.0 / divisor));
      return Grads{c.needs(0) ? gx : Tensor(), c.needs(1) ? -gx : Tensor()};
    });
  return loss;
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  EMBER_TRACE_COMPOSITE("mse_loss", ({input, target}), ({{"reduction", reduction}}), mse_loss(input, target, reduction));
  Reduction red = parse_reduction("mse_loss", reduction);
  check_regression_target("mse_loss", input, target);
  if (mse_fusable(input, target, red)) return mse_loss_fused(input, target, red);
  return reduce((input - target).square(), red);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  Reduction red = parse_reduction("l1_loss", reduction);
  check_regression_target("l1_loss", input, target);
  return reduce((input - target).abs(), red);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction, double beta) {
  const char* op = "smooth_l1_loss";
  Reduction red = parse_reduction(op, reduction);
  check_regression_target(op, input, target);
  EMBER_CHECK(beta >= 0, "{}: beta must be non-negative, got {}", op, beta);
  Tensor d = (input - target).abs();
  if (beta == 0.0) return reduce(d, red);
  // 0.5 d^2 / beta below beta, d - beta / 2 above: the two pieces meet with equal slope.
  return reduce(ember::where(d.lt(beta), d.square() * (0.5 / beta), d - 0.5 * beta), red);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            const std::string& reduction) {
  const char* op = "binary_cross_entropy";
  Reduction red = parse_reduction(op, reduction);
  check_same_shape(op, input, target);
  if (weight.defined()) {
    check_float_input(op, "weight", weight);
    EMBER_CHECK(broadcasts_to(weight.sizes(), input.sizes()),
                "{}: weight of shape {} does not broadcast to the input's shape {}", op, weight.sizes(),
                input.sizes());
  }
  Tensor l;
  {
    NoGradGuard no_grad;
    EMBER_CHECK(!ember::logical_and(input.ge(0), input.le(1)).logical_not().any().item<bool>(),
                "{}: every element of input must be between 0 and 1 (input shape {})", op, input.sizes());
    // Logs clamped at -100, as PyTorch, so that a certain wrong answer costs 100, not inf.
    Tensor lx = ember::clamp_min(ember::log(input), -100);
    Tensor l1x = ember::clamp_min(ember::log(ember::rsub(input, 1)), -100);
    l = -(target * lx + ember::rsub(target, 1) * l1x);
    if (weight.defined()) l = l * weight;
  }
  if (needs_grad(input, target, weight))
    record(op, {input, target, weight}, {&l}, {save(input), save(target), save(weight)}, [](const Grads& g, Ctx& c) {
      Tensor x = c.saved(0), y = c.saved(1), w = c.saved(2);
      Tensor gw_g = w.defined() ? g[0] * w : g[0];
      Tensor gx, gy, gw;
      // PyTorch's formula: finite even where the clamped log is flat.
      if (c.needs(0)) gx = gw_g * (x - y) / ember::clamp_min(x * ember::rsub(x, 1), kBceEpsilon);
      if (c.needs(1) || c.needs(2)) {
        Tensor lx = ember::clamp_min(ember::log(x), -100);
        Tensor l1x = ember::clamp_min(ember::log(ember::rsub(x, 1)), -100);
        if (c.needs(1)) gy = gw_g * (l1x - lx);
        if (c.needs(2)) gw = g[0] * -(y * lx + ember::rsub(y, 1) * l1x);
      }
      return Grads{gx, gy, gw};
    });
  return reduce(l, red);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const std::string& reduction, const Tensor& pos_weight) {
  const char* op = "binary_cross_entropy_with_logits";
  Reduction red = parse_reduction(op, reduction);
  check_same_shape(op, input, target);
  for (const Tensor* extra : {&weight, &pos_weight}) {
    if (!extra->defined()) continue;
    const char* what = extra == &weight ? "weight" : "pos_weight";
    check_float_input(op, what, *extra);
    EMBER_CHECK(broadcasts_to(extra->sizes(), input.sizes()), "{}: {} of shape {} does not broadcast to the input's shape {}", op, what,
                extra->sizes(), input.sizes());
  }
  // loss = (1 - y) x + lw * softplus(-x) with lw = 1 + (pos_weight - 1) y, and
  // softplus(-x) = max(-x, 0) + log1p(exp(-|x|)) so that nothing overflows.
  auto softplus_neg = [](const Tensor& x) {
    return ember::clamp_min(-x, 0) + ember::log1p(ember::exp(-ember::abs(x)));
  };
  Tensor l;
  {
    NoGradGuard no_grad;
    Tensor sp = softplus_neg(input);
    Tensor lw_sp = pos_weight.defined() ? (target * (pos_weight - 1) + 1) * sp : sp;
    l = ember::rsub(target, 1) * input + lw_sp;
    if (weight.defined()) l = l * weight;
  }
  if (needs_grad(input, target, weight, pos_weight))
    record(op, {input, target, weight, pos_weight}, {&l}, {save(input), save(target), save(weight), save(pos_weight)},
           [softplus_neg](const Grads& g, Ctx& c) {
             Tensor x = c.saved(0), y = c.saved(1), w = c.saved(2), pw = c.saved(3);
             Tensor gw_g = w.defined() ? g[0] * w : g[0];
             Tensor gx, gy, gw, gpw;
             if (c.needs(0)) {
               // d/dx = (1 - y) - lw * sigmoid(-x); without pos_weight, sigmoid(x) - y.
               gx = pw.defined() ? gw_g * (ember::rsub(y, 1) - (y * (pw - 1) + 1) * ember::sigmoid(-x))
                                 : gw_g * (ember::sigmoid(x) - y);
             }
             if (c.needs(1) || c.needs(2) || c.needs(3)) {
               Tensor sp = softplus_neg(x);
               if (c.needs(1)) gy = gw_g * (pw.defined() ? (pw - 1) * sp - x : -x);
               if (c.needs(2)) {
                 Tensor lw_sp = pw.defined() ? (y * (pw - 1) + 1) * sp : sp;
                 gw = g[0] * (ember::rsub(y, 1) * x + lw_sp);
               }
               if (c.needs(3)) gpw = gw_g * y * sp;
             }
             return Grads{gx, gy, gw, gpw};
           });
  return reduce(l, red);
}

}  // namespace functional
}  // namespace nn

namespace {
std::string reduction_name(const char* op, int64_t reduction) {
  EMBER_CHECK(reduction >= Reduction::None && reduction <= Reduction::Sum,
              "{}: reduction must be Reduction::None (0), Mean (1) or Sum (2), got {}", op, reduction);
  return reduction == Reduction::None ? "none" : reduction == Reduction::Mean ? "mean" : "sum";
}
}  // namespace

// ATen's binary_cross_entropy (LibTorch's torch::binary_cross_entropy) is laxer than
// nn::functional's, which insists on equal shapes: PyTorch 1.13's
// torch.ops.aten.binary_cross_entropy pairs a target of another shape but the same
// number of elements with the input element by element (x[4, 1] with t[4]: the four
// pairs, as LibTorch's XOR tests use it) and broadcasts a target of fewer elements
// (t[1]). This one does the same. Its _with_logits refuses other shapes, as ATen's.
namespace {
Tensor target_like_input(const char* op, const Tensor& input, const Tensor& target) {
  detail::check_defined(input, op, "input");
  detail::check_defined(target, op, "target");
  if (target.sizes() == input.sizes()) return target;
  if (target.numel() == input.numel()) return target.reshape(input.sizes());
  return target.expand(broadcast_shapes(input.sizes(), target.sizes(), op));
}
}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                            int64_t reduction) {
  Tensor t = target_like_input("binary_cross_entropy", input, target);
  return nn::functional::binary_cross_entropy(input, t, weight.value_or(Tensor()),
                                              reduction_name("binary_cross_entropy", reduction));
}
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                                        const std::optional<Tensor>& pos_weight, int64_t reduction) {
  return nn::functional::binary_cross_entropy_with_logits(
      input, target, weight.value_or(Tensor()), reduction_name("binary_cross_entropy_with_logits", reduction),
      pos_weight.value_or(Tensor()));
}

}  // namespace ember
