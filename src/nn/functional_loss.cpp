// The losses and distances of ember/nn/functional_loss.hpp, composed of ember's
// differentiable ops (so their gradients, of any order, come from those ops), written as
// PyTorch 1.13 computes them so that values agree to rounding.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "ember/creation.hpp"
#include "ember/error.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "ember/warning.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {
namespace functional {

namespace {

[[noreturn]] void fail(const char* op, const std::string& what) { throw Error(std::string(op) + ": " + what); }

std::string shape_of(const Tensor& t) { return repr::shape_str(t.sizes()); }

enum class Reduction { None, Mean, Sum, BatchMean };

Reduction parse_reduction(const char* op, const std::string& r, bool batchmean_ok = false) {
  if (r == "mean") return Reduction::Mean;
  if (r == "sum") return Reduction::Sum;
  if (r == "none") return Reduction::None;
  if (batchmean_ok && r == "batchmean") return Reduction::BatchMean;
  fail(op, std::string("reduction must be 'none', 'mean', ") + (batchmean_ok ? "'batchmean' " : "") + "or 'sum', got '" +
               r + "'");
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

void check_defined(const char* op, const char* what, const Tensor& t) {
  if (!t.defined()) fail(op, std::string("expected a tensor for ") + what + ", got an undefined one");
}

void check_float(const char* op, const char* what, const Tensor& t) {
  check_defined(op, what, t);
  if (!t.is_floating_point())
    fail(op, std::string("expected a floating-point ") + what + ", got " + dtype_name(t.dtype()) + " of shape " +
                 shape_of(t));
}

// An error naming the op and both shapes unless a and b broadcast together.
void check_broadcast(const char* op, const char* what_a, const Tensor& a, const char* what_b, const Tensor& b) {
  if (a.sizes().equals(b.sizes())) return;
  try {
    ember::broadcast_shapes(a.sizes(), b.sizes(), op);
  } catch (const Error&) {
    fail(op, std::string(what_b) + " of shape " + shape_of(b) + " does not broadcast with " + what_a + " of shape " +
                 shape_of(a));
  }
}

// The regression losses broadcast a target of another shape, with PyTorch's warning.
void check_regression_target(const char* op, const Tensor& input, const Tensor& target) {
  check_float(op, "input", input);
  check_float(op, "target", target);
  if (input.sizes().equals(target.sizes())) return;
  check_broadcast(op, "input", input, "target", target);
  EMBER_WARN(std::string(op) + ": Using a target size (" + shape_of(target) + ") that is different to the input size (" +
             shape_of(input) +
             "). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same "
             "size.");
}

// A class-index target: int64, values checked by the caller.
void check_index_target(const char* op, const Tensor& input, const Tensor& target) {
  check_defined(op, "target", target);
  if (target.dtype() != Dtype::Int64)
    fail(op, "expected class-index targets of dtype int64, got " + std::string(dtype_name(target.dtype())) +
                 " of shape " + shape_of(target) + " (input shape " + shape_of(input) + ")");
}

// A per-class weight [C] in the input's dtype, or undefined.
Tensor class_weight(const char* op, const Tensor& weight, int64_t C, const Tensor& input) {
  if (!weight.defined()) return weight;
  if (!weight.is_floating_point() || weight.dim() != 1 || weight.size(0) != C)
    fail(op, "expected a floating-point weight of shape [" + std::to_string(C) + "] (one per class), got " +
                 dtype_name(weight.dtype()) + " of shape " + shape_of(weight));
  return weight.dtype() == input.dtype() ? weight : weight.to(input.dtype());
}

// t log t, 0 where t is 0 (PyTorch's xlogy(t, t)); the log never sees the 0, so the
// gradient there is finite.
Tensor xlogx(const Tensor& t) {
  Tensor zero = t.eq(0);
  return ember::where(zero, Scalar(0.0), t * ember::log(ember::where(zero, Scalar(1.0), t)));
}

// log(sigmoid(x)) without overflow: x - log1p(exp(x)) below 0, -log1p(exp(-x)) from 0.
// Each branch only sees the half where it is finite, so neither adds NaN to the gradient.
Tensor log_sigmoid(const Tensor& x) {
  Tensor neg = ember::clamp_max(x, 0), pos = ember::clamp_min(x, 0);
  return ember::where(x.lt(0), neg - ember::log1p(ember::exp(neg)), -ember::log1p(ember::exp(-pos)));
}

// anchor, positive and negative of one rank, as PyTorch requires.
void check_triplet(const char* op, const Tensor& a, const Tensor& p, const Tensor& n) {
  check_float(op, "anchor", a);
  check_float(op, "positive", p);
  check_float(op, "negative", n);
  if (a.dim() != p.dim() || p.dim() != n.dim())
    fail(op, "the anchor, positive, and negative tensors are expected to have the same number of dimensions, but "
             "got: anchor " +
                 shape_of(a) + ", positive " + shape_of(p) + ", and negative " + shape_of(n));
  check_broadcast(op, "anchor", a, "positive", p);
  check_broadcast(op, "anchor", a, "negative", n);
  check_broadcast(op, "positive", p, "negative", n);
}

}  // namespace

// ---------------------------------------------------------------- regression

Tensor huber_loss(const Tensor& input, const Tensor& target, const std::string& reduction, double delta) {
  const char* op = "huber_loss";
  Reduction red = parse_reduction(op, reduction);
  if (!(delta > 0)) fail(op, "delta must be positive, got " + repr::py_float(delta));
  check_regression_target(op, input, target);
  Tensor d = (input - target).abs();
  return reduce(ember::where(d.lt(delta), d.square() * 0.5, (d - 0.5 * delta) * delta), red);
}

Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction, bool log_target) {
  const char* op = "kl_div";
  Reduction red = parse_reduction(op, reduction, /*batchmean_ok=*/true);
  check_float(op, "input", input);
  check_float(op, "target", target);
  check_broadcast(op, "input", input, "target", target);
  if (red == Reduction::Mean)
    EMBER_WARN(
        "kl_div: reduction: 'mean' divides the total loss by both the batch size and the support size."
        "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
        "'mean' will be changed to behave the same as 'batchmean' in the next major release.");
  Tensor l = log_target ? ember::exp(target) * (target - input) : xlogx(target) - target * input;
  if (red == Reduction::BatchMean) return input.dim() == 0 ? l.sum() : l.sum() / static_cast<double>(input.size(0));
  return reduce(l, red);
}

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, bool log_input, bool full, double eps,
                        const std::string& reduction) {
  const char* op = "poisson_nll_loss";
  Reduction red = parse_reduction(op, reduction);
  check_float(op, "input", input);
  check_float(op, "target", target);
  check_broadcast(op, "input", input, "target", target);
  Tensor l = log_input ? ember::exp(input) - target * input : input - target * ember::log(input + eps);
  if (full) {
    // Stirling's approximation of log(target!), only where target > 1 (the others see 2,
    // whose value is thrown away, so that no log(0) reaches the gradient).
    Tensor big = target.gt(1);
    Tensor t = ember::where(big, target, Scalar(2.0));
    Tensor stirling = t * ember::log(t) - t + ember::log(t * (2 * M_PI)) * 0.5;
    l = l + ember::where(big, stirling, Scalar(0.0));
  }
  return reduce(l, red);
}

// ---------------------------------------------------------------- margins

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin,
                           const std::string& reduction) {
  const char* op = "margin_ranking_loss";
  Reduction red = parse_reduction(op, reduction);
  check_float(op, "input1", input1);
  check_float(op, "input2", input2);
  check_defined(op, "target", target);
  if (input1.dim() != input2.dim() || input1.dim() != target.dim())
    fail(op, "all input tensors should have the same number of dimensions, but got sizes: input1 " +
                 shape_of(input1) + ", input2 " + shape_of(input2) + ", target " + shape_of(target));
  check_broadcast(op, "input1", input1, "input2", input2);
  check_broadcast(op, "input1", input1, "target", target);
  return reduce(ember::clamp_min(-target * (input1 - input2) + margin, 0), red);
}

Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, double margin,
                            const std::string& reduction) {
  const char* op = "hinge_embedding_loss";
  Reduction red = parse_reduction(op, reduction);
  check_float(op, "input", input);
  check_defined(op, "target", target);
  check_broadcast(op, "input", input, "target", target);
  // PyTorch's sum of two terms: the margin term where target != 1, the input where
  // target != -1 (so a target of 1 or -1 picks one).
  Tensor margin_term = ember::where(target.ne(1), ember::clamp_min(ember::rsub(input, margin), 0), Scalar(0.0));
  Tensor self_term = ember::where(target.ne(-1), input, Scalar(0.0));
  return reduce(margin_term + self_term, red);
}

Tensor soft_margin_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  const char* op = "soft_margin_loss";
  Reduction red = parse_reduction(op, reduction);
  check_float(op, "input", input);
  check_defined(op, "target", target);
  check_broadcast(op, "input", input, "target", target);
  return reduce(ember::log1p(ember::exp(-input * target)), red);
}

Tensor cosine_embedding_loss(const Tensor& input1_given, const Tensor& input2_given, const Tensor& target, double margin,
                             const std::string& reduction) {
  const char* op = "cosine_embedding_loss";
  // Integer inputs are computed in the default float dtype, as PyTorch's arithmetic with
  // its float epsilon promotes them.
  auto as_float = [](const Tensor& t) {
    return t.defined() && is_integral(t.dtype(), /*include_bool=*/true) ? t.to(get_default_dtype()) : t;
  };
  const Tensor input1 = as_float(input1_given), input2 = as_float(input2_given);
  Reduction red = parse_reduction(op, reduction);
  check_float(op, "input1", input1);
  check_float(op, "input2", input2);
  check_defined(op, "target", target);
  int64_t td = target.dim();
  if (td > 1) fail(op, "expected a 0-dim or 1-dim target, got shape " + shape_of(target));
  if (input1.dim() != td + 1 || input2.dim() != td + 1)
    fail(op, std::string(td == 1 ? "a 1-dim target expects 2-dim inputs" : "a 0-dim target expects 1-dim inputs") +
                 ", got input1 " + shape_of(input1) + ", input2 " + shape_of(input2) + ", target " + shape_of(target));
  check_broadcast(op, "input1", input1, "input2", input2);
  // PyTorch's epsilon keeps a zero vector from dividing by zero.
  const double kEpsilon = 1e-12;
  Tensor prod = (input1 * input2).sum({td});
  Tensor mag1 = input1.square().sum({td}) + kEpsilon;
  Tensor mag2 = input2.square().sum({td}) + kEpsilon;
  check_broadcast(op, "cosine of the inputs", prod, "target", target);
  Tensor cos = prod / (mag1 * mag2).sqrt();
  Tensor pos = ember::where(target.eq(1), ember::rsub(cos, 1), Scalar(0.0));
  Tensor neg = ember::where(target.eq(-1), ember::clamp_min(cos - margin, 0), Scalar(0.0));
  return reduce(pos + neg, red);
}

Tensor multi_margin_loss(const Tensor& input, const Tensor& target, int64_t p, double margin, const Tensor& weight,
                         const std::string& reduction) {
  const char* op = "multi_margin_loss";
  Reduction red = parse_reduction(op, reduction);
  if (p != 1 && p != 2) fail(op, "only p == 1 and p == 2 are supported, got p = " + std::to_string(p));
  check_float(op, "input", input);
  check_index_target(op, input, target);
  if (input.dim() < 1 || input.dim() > 2 || input.size(-1) == 0)
    fail(op, "expected a non-empty input of shape [C] or [N, C], got " + shape_of(input));
  bool unbatched = input.dim() == 1;
  int64_t N = unbatched ? 1 : input.size(0), C = input.size(-1);
  bool target_ok = unbatched ? target.dim() <= 1 && target.numel() == 1 : target.dim() == 1 && target.size(0) == N;
  if (!target_ok)
    fail(op, "expected target of shape " + std::string(unbatched ? "[] or [1]" : "[" + std::to_string(N) + "]") +
                 " for input of shape " + shape_of(input) + ", got " + shape_of(target));
  Tensor t = target.reshape({N}).contiguous();
  const int64_t* tp = t.data_ptr<int64_t>();
  for (int64_t i = 0; i < N; ++i)
    if (tp[i] < 0 || tp[i] >= C)
      fail(op, "target " + std::to_string(tp[i]) + " is out of bounds: expected a class index in [0, " +
                   std::to_string(C) + ") (input shape " + shape_of(input) + ", target shape " + shape_of(target) + ")");
  Tensor w = class_weight(op, weight, C, input);

  Tensor x = unbatched ? input.unsqueeze(0) : input;                 // [N, C]
  Tensor x_target = x.gather(1, t.unsqueeze(1));                     // [N, 1]
  Tensor z = ember::clamp_min(x - x_target + margin, 0);            // [N, C]
  if (p == 2) z = z.square();
  Tensor is_target = ember::arange(C, Dtype::Int64).unsqueeze(0).eq(t.unsqueeze(1));
  z = ember::where(is_target, Scalar(0.0), z);                      // j != y only
  if (w.defined()) z = z * w.index_select(0, t).unsqueeze(1);
  Tensor l = z.sum({1}) / static_cast<double>(C);                   // [N]
  if (red == Reduction::None && target.dim() == 0) return l.squeeze(0);
  return reduce(l, red);
}

Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  const char* op = "multilabel_margin_loss";
  Reduction red = parse_reduction(op, reduction);
  check_float(op, "input", input);
  check_index_target(op, input, target);
  if (input.dim() < 1 || input.dim() > 2 || input.size(-1) == 0)
    fail(op, "expected a non-empty input of shape [C] or [N, C], got " + shape_of(input));
  if (!target.sizes().equals(input.sizes()))
    fail(op, "expected target of the input's shape " + shape_of(input) + ", got " + shape_of(target));
  bool unbatched = input.dim() == 1;
  int64_t N = unbatched ? 1 : input.size(0), C = input.size(-1);

  // Per row: which positions list a class (those before the first -1), the listed class
  // at each (0 elsewhere), and which classes are listed.
  Tensor t = target.reshape({N, C}).contiguous();
  const int64_t* tp = t.data_ptr<int64_t>();
  std::vector<double> listed(static_cast<std::size_t>(N * C), 0.0), is_target(static_cast<std::size_t>(N * C), 0.0);
  std::vector<int64_t> safe(static_cast<std::size_t>(N * C), 0);
  for (int64_t i = 0; i < N; ++i) {
    for (int64_t j = 0; j < C; ++j) {
      int64_t k = tp[i * C + j];
      if (k == -1) break;
      if (k < 0 || k >= C)
        fail(op, "target " + std::to_string(k) + " is out of bounds: expected class indices in [0, " +
                     std::to_string(C) + ") ended by -1 (input shape " + shape_of(input) + ")");
      listed[static_cast<std::size_t>(i * C + j)] = 1.0;
      safe[static_cast<std::size_t>(i * C + j)] = k;
      is_target[static_cast<std::size_t>(i * C + k)] = 1.0;
    }
  }
  Tensor x = unbatched ? input.unsqueeze(0) : input;  // [N, C]
  Tensor listed_t = ember::tensor(listed, {N, C}).to(x.dtype());
  Tensor other_t = ember::rsub(ember::tensor(is_target, {N, C}).to(x.dtype()), 1);
  Tensor x_listed = x.gather(1, ember::tensor(safe, {N, C}));  // [N, J]
  // [N, J, K]: the hinge of every listed class j against every unlisted class k.
  Tensor hinge = ember::clamp_min(ember::rsub(x_listed.unsqueeze(2) - x.unsqueeze(1), 1), 0);
  Tensor mask = listed_t.unsqueeze(2) * other_t.unsqueeze(1);
  Tensor l = (hinge * mask).sum({1, 2}) / static_cast<double>(C);  // [N]
  if (red == Reduction::None && unbatched) return l.squeeze(0);
  return reduce(l, red);
}

Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target, const Tensor& weight,
                                   const std::string& reduction) {
  const char* op = "multilabel_soft_margin_loss";
  Reduction red = parse_reduction(op, reduction);
  check_float(op, "input", input);
  check_float(op, "target", target);
  if (input.dim() < 1) fail(op, "expected input of shape [C] or [N, C], got " + shape_of(input));
  check_broadcast(op, "input", input, "target", target);
  Tensor l = -(target * log_sigmoid(input) + ember::rsub(target, 1) * log_sigmoid(-input));
  if (weight.defined()) {
    check_float(op, "weight", weight);
    check_broadcast(op, "input", input, "weight", weight);
    l = l * weight;
  }
  int64_t class_dim = input.dim() - 1;
  l = l.sum({class_dim}) / static_cast<double>(input.size(class_dim));
  return reduce(l, red);
}

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative, double margin,
                           double p, double eps, bool swap, const std::string& reduction) {
  const char* op = "triplet_margin_loss";
  Reduction red = parse_reduction(op, reduction);
  check_triplet(op, anchor, positive, negative);
  Tensor d_pos = pairwise_distance(anchor, positive, p, eps);
  Tensor d_neg = pairwise_distance(anchor, negative, p, eps);
  if (swap) d_neg = ember::minimum(d_neg, pairwise_distance(positive, negative, p, eps));
  return reduce(ember::clamp_min(d_pos - d_neg + margin, 0), red);
}

Tensor triplet_margin_with_distance_loss(
    const Tensor& anchor, const Tensor& positive, const Tensor& negative,
    std::optional<TripletMarginWithDistanceLossOptions::distance_function_t> distance_function, double margin,
    bool swap, const std::string& reduction) {
  const char* op = "triplet_margin_with_distance_loss";
  Reduction red = parse_reduction(op, reduction);
  if (!(margin > 0)) fail(op, "expected margin to be greater than 0, got " + repr::py_float(margin));
  check_triplet(op, anchor, positive, negative);
  auto distance = [&](const Tensor& a, const Tensor& b) {
    return distance_function && *distance_function ? (*distance_function)(a, b) : pairwise_distance(a, b);
  };
  Tensor d_pos = distance(anchor, positive);
  Tensor d_neg = distance(anchor, negative);
  if (swap) d_neg = ember::minimum(d_neg, distance(positive, negative));
  return reduce(ember::clamp_min(d_pos - d_neg + margin, 0), red);
}

// ---------------------------------------------------------------- distances

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps) {
  const char* op = "cosine_similarity";
  check_float(op, "x1", x1);
  check_float(op, "x2", x2);
  check_broadcast(op, "x1", x1, "x2", x2);
  Shape common = ember::broadcast_shapes(x1.sizes(), x2.sizes(), op);
  int64_t n = static_cast<int64_t>(common.size());
  if (dim < -std::max<int64_t>(n, 1) || dim >= std::max<int64_t>(n, 1))
    fail(op, "dim " + std::to_string(dim) + " is out of range for inputs of shapes " + shape_of(x1) + " and " +
                 shape_of(x2));
  Tensor a = ember::broadcast_to(x1, common), b = ember::broadcast_to(x2, common);
  // Each input divided by its norm (at least eps) first, as PyTorch does, so that large
  // norms lose no precision in the product.
  Tensor na = ember::clamp_min(a.square().sum({dim}, true).sqrt(), eps);
  Tensor nb = ember::clamp_min(b.square().sum({dim}, true).sqrt(), eps);
  return ((a / na) * (b / nb)).sum({dim});
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  const char* op = "pairwise_distance";
  check_float(op, "x1", x1);
  check_float(op, "x2", x2);
  check_broadcast(op, "x1", x1, "x2", x2);
  int64_t last = std::max(x1.dim(), x2.dim()) - 1;
  if (last < 0) fail(op, "expected inputs of at least 1 dim, got " + shape_of(x1) + " and " + shape_of(x2));
  if (p < 0) fail(op, "p must be non-negative, got " + repr::py_float(p));
  return ember::norm(x1 - x2 + eps, Scalar(p), {last}, keepdim);
}

Tensor pdist(const Tensor& input, double p) {
  const char* op = "pdist";
  check_float(op, "input", input);
  if (input.dim() != 2) fail(op, "expected a 2-dim input [N, M], got " + shape_of(input));
  if (p < 0) fail(op, "p must be non-negative, got " + repr::py_float(p));
  int64_t N = input.size(0);
  std::vector<int64_t> rows_i, rows_j;
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = i + 1; j < N; ++j) {
      rows_i.push_back(i);
      rows_j.push_back(j);
    }
  int64_t pairs = static_cast<int64_t>(rows_i.size());
  Tensor a = input.index_select(0, ember::tensor(rows_i, {pairs}));
  Tensor b = input.index_select(0, ember::tensor(rows_j, {pairs}));
  return ember::norm(a - b, Scalar(p), {1}, false);
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
