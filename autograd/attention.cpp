// scaled_dot_product_attention, composed of differentiable ops.
#include <cmath>
#include <limits>

#include "autograd/nn_checks.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace nn {
namespace functional {

namespace {

// Whether a tensor of shape `from` broadcasts to exactly `to`.
bool broadcasts_to(IntArrayRef from, IntArrayRef to) {
  if (from.size() > to.size()) return false;
  for (std::size_t i = 1; i <= from.size(); ++i)
    if (from[from.size() - i] != 1 && from[from.size() - i] != to[to.size() - i]) return false;
  return true;
}

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale) {
  const char* op = "scaled_dot_product_attention";
  check_float(op, "query", query);
  check_float(op, "key", key);
  check_float(op, "value", value);
  EMBER_CHECK(query.dim() >= 2 && key.dim() >= 2 && value.dim() >= 2,
              "{}: expected query [..., L, E], key [..., S, E] and value [..., S, Ev], got {}, {} and {}", op,
              query.sizes(), key.sizes(), value.sizes());
  EMBER_CHECK(query.size(-1) == key.size(-1) && key.size(-2) == value.size(-2),
              "{}: query {} and key {} must share their last dim E, and key and value {} their sequence length S", op,
              query.sizes(), key.sizes(), value.sizes());
  EMBER_CHECK(dropout_p >= 0.0 && dropout_p <= 1.0, "{}: dropout_p must be between 0 and 1, got {}", op, dropout_p);
  EMBER_CHECK(!(is_causal && attn_mask.defined()), "{}: pass either attn_mask or is_causal, not both (mask shape {})",
              op, attn_mask.sizes());
  int64_t L = query.size(-2), S = key.size(-2);
  double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(query.size(-1)));
  Tensor scores = ember::matmul(query, key.transpose(-2, -1)) * s;  // [..., L, S]
  const double inf = std::numeric_limits<double>::infinity();
  if (is_causal) {
    // Query i sees keys 0..i (the top-left-aligned lower triangle, as PyTorch).
    Tensor future = ember::arange(S).unsqueeze(0).gt(ember::arange(L).unsqueeze(1));
    scores = scores.masked_fill(future, -inf);
  } else if (attn_mask.defined()) {
    EMBER_CHECK(broadcasts_to(attn_mask.sizes(), scores.sizes()),
                "{}: attn_mask of shape {} does not broadcast to the attention scores' shape {}", op,
                attn_mask.sizes(), scores.sizes());
    if (attn_mask.dtype() == Dtype::Bool) {
      scores = scores.masked_fill(attn_mask.logical_not(), -inf);  // true = take part
    } else {
      EMBER_CHECK(attn_mask.is_floating_point(), "{}: attn_mask must be bool or floating point, got {}", op,
                  attn_mask.dtype());
      scores = scores + attn_mask;
    }
  }
  Tensor attn = ember::softmax(scores, -1);
  if (dropout_p > 0.0) attn = dropout(attn, dropout_p, true);
  return ember::matmul(attn, value);
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
