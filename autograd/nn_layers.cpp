// linear, dropout, embedding, one_hot, normalize (the recurrent cells are in
// rnn_cells.cpp, attention in attention.cpp).
//
// All are composed of differentiable ops except embedding, whose node scatters the
// gradient into a zero weight-shaped tensor and leaves the padding row out.
#include "autograd/trace.hpp"
#include "autograd/nn_checks.hpp"
#include "autograd/prelude.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "ops/indexing.hpp"
#include "ops/random.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace nn {
namespace functional {

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  EMBER_TRACE_CALL("linear", ({input, weight, bias}), ({}), linear(input, weight, bias));
  const char* op = "linear";
  check_float(op, "input", input);
  check_float(op, "weight", weight);
  EMBER_CHECK(weight.dim() == 2, "{}: expected weight of shape [out_features, in_features], got {}", op,
              weight.sizes());
  EMBER_CHECK(input.dim() >= 1 && input.size(-1) == weight.size(1),
              "{}: input of shape {} must have in_features = {} in its last dim (weight shape {})", op, input.sizes(),
              weight.size(1), weight.sizes());
  EMBER_CHECK(input.dtype() == weight.dtype(), "{}: input ({}) and weight ({}) must have the same dtype", op,
              input.dtype(), weight.dtype());
  if (bias.defined()) {
    check_float(op, "bias", bias);
    EMBER_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0),
                "{}: expected bias of shape [{}] (out_features of weight {}), got {}", op, weight.size(0),
                weight.sizes(), bias.sizes());
    EMBER_CHECK(bias.dtype() == input.dtype(), "{}: bias ({}) must have the input's dtype ({})", op, bias.dtype(),
                input.dtype());
  }
  Tensor wt = weight.t();
  if (input.dim() == 2) {
    // One node instead of addmm's view-of-weight chain, so that the weight's gradient is
    // computed as gy^T x straight into a contiguous [out, in] buffer: through addmm it
    // arrived as a transposed view, and the leaf's accumulator copied it every step.
    Tensor y;
    {
      NoGradGuard no_grad;
      y = bias.defined() ? ember::addmm(bias, input, wt) : ember::mm(input, wt);
    }
    if (needs_grad(input, weight) || (bias.defined() && needs_grad(bias)))
      record(op, {input, weight, bias}, {&y}, {save(input), save(weight)},
             [has_bias = bias.defined()](const Grads& g, Ctx& c) {
               const Tensor& gy = g[0];
               Tensor gx = c.needs(0) ? ember::mm(gy, c.saved(1)) : Tensor();
               Tensor gw = c.needs(1) ? ember::mm(gy.t(), c.saved(0)) : Tensor();
               Tensor gb = has_bias && c.needs(2) ? ember::sum(gy, {0}) : Tensor();
               return Grads{gx, gw, gb};
             });
    return y;
  }
  if (input.dim() == 1) {
    Tensor y = ember::matmul(input, wt);
    return bias.defined() ? y + bias : y;
  }
  // More dims: one product over all leading dims folded into rows, as PyTorch does.
  int64_t rows = 1;
  Shape out;
  for (int64_t d = 0; d + 1 < input.dim(); ++d) {
    rows *= input.size(d);
    out.push_back(input.size(d));
  }
  out.push_back(weight.size(0));
  Tensor x2 = input.reshape({rows, weight.size(1)});
  Tensor y = bias.defined() ? ember::addmm(bias, x2, wt) : ember::mm(x2, wt);
  return y.reshape(out);
}

Tensor dropout(const Tensor& input, double p, bool training) {
  EMBER_TRACE_CALL("dropout", ({input}), ({{"p", p}, {"training", training}}), dropout(input, p, training));
  const char* op = "dropout";
  detail::check_defined(input, op);
  EMBER_CHECK(p >= 0.0 && p <= 1.0, "{}: probability must be between 0 and 1, got {}", op, p);
  if (!training || p == 0.0) return input;
  check_float(op, "input", input);
  // p == 1 drops everything; multiplying by zero keeps the graph (a zero gradient).
  if (p == 1.0) return input * 0.0;
  // As PyTorch: a mask from bernoulli_(1 - p) divided by 1 - p, then one product.
  Tensor noise = detail::empty_tensor(input.sizes(), input.dtype());
  detail::fill_bernoulli(noise, 1.0 - p);
  return input * (noise / (1.0 - p));
}

Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx) {
  EMBER_TRACE_CALL("embedding", ({input, weight}), ({{"padding_idx", autograd::opt_attr(padding_idx)}}), embedding(input, weight, padding_idx));
  const char* op = "embedding";
  detail::check_defined(input, op);
  check_float(op, "weight", weight);
  EMBER_CHECK(input.dtype() == Dtype::Int64, "{}: expected int64 indices, got {} of shape {}", op, input.dtype(),
              input.sizes());
  EMBER_CHECK(weight.dim() == 2, "{}: expected weight of shape [num_embeddings, embedding_dim], got {}", op,
              weight.sizes());
  int64_t num = weight.size(0), dim = weight.size(1);
  std::optional<int64_t> pad;
  if (padding_idx) {
    EMBER_CHECK(*padding_idx >= -num && *padding_idx < num,
                "{}: padding_idx {} is out of range for {} embeddings (weight shape {})", op, *padding_idx, num,
                weight.sizes());
    pad = *padding_idx < 0 ? *padding_idx + num : *padding_idx;
  }
  Tensor flat = input.reshape({input.numel()}).contiguous();
  const int64_t* p = flat.data_ptr<int64_t>();
  for (int64_t i = 0; i < flat.numel(); ++i)
    EMBER_CHECK(p[i] >= 0 && p[i] < num, "{}: index {} is out of range for weight of shape {} (expected [0, {}))", op,
                p[i], weight.sizes(), num);
  Shape out = input.sizes().shape();
  out.push_back(dim);
  Tensor y;
  {
    NoGradGuard no_grad;
    y = ember::index_select(weight, 0, flat).reshape(out);
  }
  if (needs_grad(weight)) {
    Shape wshape = weight.sizes().shape();
    record(op, {weight}, {&y}, {save(flat)}, [pad, wshape, dim](const Grads& g, Ctx& c) {
      Tensor idx = c.saved(0);
      int64_t n = idx.numel();
      if (backward_takes_kernels()) {
        // Not recorded nor traced: the rows added in place into zeros, one pass (the
        // composed scatter below expands the index to [n, dim] and copies the zeros).
        Tensor dense = k::embedding_backward(g[0], idx, wshape[0], pad);
        if (dense.defined()) return Grads{dense};
      }
      Tensor gf = g[0].reshape({n, dim});
      if (pad) gf = gf * idx.ne(*pad).to(gf.dtype()).unsqueeze(1);
      // Repeated indices add up, as an index_add into a zero weight-shaped tensor.
      return Grads{ember::zeros(wshape, gf.dtype()).scatter_add(0, idx.unsqueeze(1).expand({n, dim}), gf)};
    });
  }
  return y;
}

Tensor one_hot(const Tensor& indices, int64_t num_classes) {
  const char* op = "one_hot";
  detail::check_defined(indices, op);
  EMBER_CHECK(indices.dtype() == Dtype::Int64, "{}: expected int64 class indices, got {} of shape {}", op,
              indices.dtype(), indices.sizes());
  EMBER_CHECK(num_classes >= -1, "{}: num_classes must be -1 (inferred) or non-negative, got {}", op, num_classes);
  int64_t lo = 0, hi = -1;
  if (indices.numel() > 0) {
    lo = indices.min().item<int64_t>();
    hi = indices.max().item<int64_t>();
  }
  if (num_classes == -1) {
    EMBER_CHECK(indices.numel() > 0, "{}: cannot infer num_classes from an empty tensor (shape {}); pass it", op,
                indices.sizes());
    num_classes = hi + 1;
  }
  EMBER_CHECK(lo >= 0, "{}: class values must be non-negative, got {}", op, lo);
  EMBER_CHECK(hi < num_classes, "{}: class value {} is not smaller than num_classes {}", op, hi, num_classes);
  return indices.unsqueeze(-1).eq(ember::arange(num_classes)).to(Dtype::Int64);
}

Tensor normalize(const Tensor& input, double p, int64_t dim, double eps) {
  check_float("normalize", "input", input);
  Tensor n = ember::norm(input, Scalar(p), {dim}, /*keepdim=*/true);
  return input / ember::clamp_min(n, eps).expand_as(input);
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
