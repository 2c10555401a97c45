// linear, dropout, embedding, recurrent cells, attention, one_hot, normalize.
//
// All are composed of differentiable ops except:
//   - embedding, whose node scatters the gradient into a zero weight-shaped tensor and
//     leaves the padding row out;
//   - lstm_cell and gru_cell, which run fused kernels (ops/rnn.hpp) and record one node
//     each with a hand-written backward: a language model runs them dozens of times per
//     batch on small matrices, where a dozen recorded ops per step cost more than the
//     GEMMs. Under create_graph their backward is composed of differentiable ops
//     instead, so higher-order gradients stay right.
#include <cmath>
#include <limits>
#include <string>

#include "autograd/prelude.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "ops/rnn.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace nn {
namespace functional {

namespace {

void check_float(const char* op, const char* what, const Tensor& t) {
  detail::check_defined(t, op, what);
  EMBER_CHECK(t.is_floating_point(), "{}: expected a floating-point {}, got {} of shape {}", op, what, t.dtype(),
              t.sizes());
}

// Whether a tensor of shape `from` broadcasts to exactly `to`.
bool broadcasts_to(IntArrayRef from, IntArrayRef to) {
  if (from.size() > to.size()) return false;
  for (std::size_t i = 1; i <= from.size(); ++i)
    if (from[from.size() - i] != 1 && from[from.size() - i] != to[to.size() - i]) return false;
  return true;
}

// ---- recurrent cells ----

// The checked operands of a cell, batched: x [N, in], h [N, H] (zeros when not given).
struct CellInputs {
  Tensor x, h;
  bool unbatched = false;
  int64_t hidden = 0;
};

CellInputs check_cell(const char* op, int64_t gates, const Tensor& input, const Tensor& hx, const Tensor& w_ih,
                      const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  check_float(op, "input", input);
  check_float(op, "w_ih", w_ih);
  check_float(op, "w_hh", w_hh);
  EMBER_CHECK(input.dim() == 1 || input.dim() == 2,
              "{}: expected input of shape [N, input_size] or [input_size], got {}", op, input.sizes());
  EMBER_CHECK(w_hh.dim() == 2 && w_hh.size(0) == gates * w_hh.size(1),
              "{}: expected w_hh of shape [{} * hidden_size, hidden_size], got {}", op, gates, w_hh.sizes());
  int64_t H = w_hh.size(1);
  EMBER_CHECK(w_ih.dim() == 2 && w_ih.size(0) == gates * H && w_ih.size(1) == input.size(-1),
              "{}: expected w_ih of shape [{}, {}] ({} * hidden_size, input_size) for input {}, got {}", op,
              gates * H, input.size(-1), gates, input.sizes(), w_ih.sizes());
  for (const Tensor* b : {&b_ih, &b_hh}) {
    if (!b->defined()) continue;
    const char* what = b == &b_ih ? "b_ih" : "b_hh";
    check_float(op, what, *b);
    EMBER_CHECK(b->dim() == 1 && b->size(0) == gates * H, "{}: expected {} of shape [{}] ({} * hidden_size), got {}",
                op, what, gates * H, gates, b->sizes());
  }
  CellInputs c;
  c.unbatched = input.dim() == 1;
  c.hidden = H;
  c.x = c.unbatched ? input.unsqueeze(0) : input;
  int64_t N = c.x.size(0);
  if (hx.defined()) {
    check_float(op, "hx", hx);
    bool ok = c.unbatched ? (hx.dim() == 1 && hx.size(0) == H) : (hx.dim() == 2 && hx.size(0) == N && hx.size(1) == H);
    EMBER_CHECK(ok, "{}: expected hidden state of shape {} for input {} and hidden_size {}, got {}", op,
                c.unbatched ? Shape{H} : Shape{N, H}, input.sizes(), H, hx.sizes());
    c.h = c.unbatched ? hx.unsqueeze(0) : hx;
  } else {
    c.h = ember::zeros({N, H}, input.dtype());
  }
  return c;
}

Tensor unbatch(const Tensor& t, bool unbatched) { return unbatched ? t.squeeze(0) : t; }

// The affine parts of a cell: x W_ih^T + b_ih and h W_hh^T + b_hh.
Tensor simple_cell(const char* op, bool relu, const Tensor& input, const Tensor& hx, const Tensor& w_ih,
                   const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  CellInputs c = check_cell(op, 1, input, hx, w_ih, w_hh, b_ih, b_hh);
  Tensor pre = linear(c.x, w_ih, b_ih) + linear(c.h, w_hh, b_hh);
  return unbatch(relu ? ember::relu(pre) : ember::tanh(pre), c.unbatched);
}

// Whether every defined tensor has dtype dt (the fused kernels take one dtype).
bool same_dtype(Dtype dt, std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t->defined() && t->dtype() != dt) return false;
  return true;
}

// Which of a cell node's inputs need a gradient: x, h, (c,) w_ih, w_hh, b_ih, b_hh.
kernels::CellNeeds cell_needs(const Ctx& ctx, bool has_cx = true) {
  std::size_t k = 0;
  kernels::CellNeeds n;
  n.input = ctx.needs(k++);
  n.hx = ctx.needs(k++);
  n.cx = has_cx && ctx.needs(k++);
  n.w_ih = ctx.needs(k++);
  n.w_hh = ctx.needs(k++);
  n.b_ih = ctx.needs(k++);
  n.b_hh = ctx.needs(k++);
  return n;
}

// The cells composed of differentiable ops, on batched operands: the forward for
// operands of mixed dtypes (which the kernels do not take), and, differentiated by hand
// below, the backward under create_graph.
std::tuple<Tensor, Tensor> lstm_composed(const Tensor& x, const Tensor& h, const Tensor& cell, const Tensor& w_ih,
                                         const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  Tensor gates = linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh);
  std::vector<Tensor> q = gates.chunk(4, 1);  // i, f, g, o
  Tensor i = ember::sigmoid(q[0]), f = ember::sigmoid(q[1]), g = ember::tanh(q[2]), o = ember::sigmoid(q[3]);
  Tensor cy = f * cell + i * g;
  Tensor hy = o * ember::tanh(cy);
  return {hy, cy};
}

Tensor gru_composed(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                    const Tensor& b_hh) {
  std::vector<Tensor> gi = linear(x, w_ih, b_ih).chunk(3, 1);  // r, z, n
  std::vector<Tensor> gh = linear(h, w_hh, b_hh).chunk(3, 1);
  Tensor r = ember::sigmoid(gi[0] + gh[0]);
  Tensor z = ember::sigmoid(gi[1] + gh[1]);
  Tensor n = ember::tanh(gi[2] + r * gh[2]);
  return n + z * (h - n);  // (1 - z) * n + z * h
}

// The gradients of the fused LSTM node written with differentiable ops, recomputing the
// gates from the saved inputs so that the result is a function of them (create_graph).
Grads lstm_backward_composed(const Tensor& gh, const Tensor& gc, const Tensor& x, const Tensor& h, const Tensor& cell,
                             const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh,
                             const Ctx& ctx) {
  Tensor gates = linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh);
  std::vector<Tensor> q = gates.chunk(4, 1);
  Tensor i = ember::sigmoid(q[0]), f = ember::sigmoid(q[1]), g = ember::tanh(q[2]), o = ember::sigmoid(q[3]);
  Tensor tc = ember::tanh(f * cell + i * g);
  Tensor dc = gc + gh * o * ember::rsub(tc.square(), 1);
  Tensor dgates = ember::cat({dc * g * i * ember::rsub(i, 1), dc * cell * f * ember::rsub(f, 1),
                              dc * i * ember::rsub(g.square(), 1), gh * tc * o * ember::rsub(o, 1)},
                             1);
  kernels::CellNeeds n = cell_needs(ctx);
  Tensor dgt = dgates.t();
  return Grads{n.input ? ember::mm(dgates, w_ih) : Tensor(), n.hx ? ember::mm(dgates, w_hh) : Tensor(),
               n.cx ? dc * f : Tensor(),
               n.w_ih ? ember::mm(dgt, x) : Tensor(), n.w_hh ? ember::mm(dgt, h) : Tensor(),
               n.b_ih ? dgates.sum({0}) : Tensor(), n.b_hh ? dgates.sum({0}) : Tensor()};
}

Grads gru_backward_composed(const Tensor& gy, const Tensor& x, const Tensor& h, const Tensor& w_ih,
                            const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh, const Ctx& ctx) {
  std::vector<Tensor> gi = linear(x, w_ih, b_ih).chunk(3, 1);
  std::vector<Tensor> gh = linear(h, w_hh, b_hh).chunk(3, 1);
  Tensor r = ember::sigmoid(gi[0] + gh[0]);
  Tensor z = ember::sigmoid(gi[1] + gh[1]);
  Tensor n = ember::tanh(gi[2] + r * gh[2]);
  Tensor dn = gy * ember::rsub(z, 1) * ember::rsub(n.square(), 1);
  Tensor dz = gy * (h - n) * z * ember::rsub(z, 1);
  Tensor dr = dn * gh[2] * r * ember::rsub(r, 1);
  Tensor d_ih = ember::cat({dr, dz, dn}, 1);
  Tensor d_hh = ember::cat({dr, dz, dn * r}, 1);
  kernels::CellNeeds k = cell_needs(ctx, /*has_cx=*/false);
  return Grads{k.input ? ember::mm(d_ih, w_ih) : Tensor(), k.hx ? gy * z + ember::mm(d_hh, w_hh) : Tensor(),
               k.w_ih ? ember::mm(d_ih.t(), x) : Tensor(), k.w_hh ? ember::mm(d_hh.t(), h) : Tensor(),
               k.b_ih ? d_ih.sum({0}) : Tensor(), k.b_hh ? d_hh.sum({0}) : Tensor()};
}

}  // namespace

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
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
  const char* op = "dropout";
  detail::check_defined(input, op);
  EMBER_CHECK(p >= 0.0 && p <= 1.0, "{}: probability must be between 0 and 1, got {}", op, p);
  if (!training || p == 0.0) return input;
  check_float(op, "input", input);
  // p == 1 drops everything; multiplying by zero keeps the graph (a zero gradient).
  if (p == 1.0) return input * 0.0;
  Tensor keep = ember::rand(input.sizes(), input.dtype()).lt(1.0 - p);
  return input * (keep.to(input.dtype()) * (1.0 / (1.0 - p)));
}

Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx) {
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
      Tensor gf = g[0].reshape({n, dim});
      if (pad) gf = gf * idx.ne(*pad).to(gf.dtype()).unsqueeze(1);
      // Repeated indices add up, as an index_add into a zero weight-shaped tensor.
      return Grads{ember::zeros(wshape, gf.dtype()).scatter_add(0, idx.unsqueeze(1).expand({n, dim}), gf)};
    });
  }
  return y;
}

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const Tensor& hx, const Tensor& cx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  const char* op = "lstm_cell";
  CellInputs c = check_cell(op, 4, input, hx, w_ih, w_hh, b_ih, b_hh);
  Tensor cell;
  if (cx.defined()) {
    check_float(op, "cx", cx);
    EMBER_CHECK(cx.sizes().equals(c.unbatched ? c.h.squeeze(0).sizes() : c.h.sizes()),
                "{}: expected cell state cx of shape {} (the hidden state's), got {}",
                op, c.unbatched ? c.h.squeeze(0).sizes() : c.h.sizes(), cx.sizes());
    cell = c.unbatched ? cx.unsqueeze(0) : cx;
  } else {
    cell = ember::zeros(c.h.sizes(), input.dtype());
  }
  if (!same_dtype(input.dtype(), {&c.h, &cell, &w_ih, &w_hh, &b_ih, &b_hh})) {
    auto [hy, cy] = lstm_composed(c.x, c.h, cell, w_ih, w_hh, b_ih, b_hh);
    return {unbatch(hy, c.unbatched), unbatch(cy, c.unbatched)};
  }
  kernels::LstmCellForward f = kernels::lstm_cell_forward(c.x, c.h, cell, w_ih, w_hh, b_ih, b_hh);
  Tensor hy = f.hy, cy = f.cy;
  if (needs_grad(c.x, c.h, cell, w_ih, w_hh, b_ih, b_hh))
    record(op, {c.x, c.h, cell, w_ih, w_hh, b_ih, b_hh}, {&hy, &cy},
           {save(c.x), save(c.h), save(cell), save(w_ih), save(w_hh), save(b_ih), save(b_hh), save(f.saved)},
           [](const Grads& g, Ctx& ctx) {
             Tensor x = ctx.saved(0), h = ctx.saved(1), cs = ctx.saved(2), wi = ctx.saved(3), wh = ctx.saved(4);
             if (is_grad_enabled())
               return lstm_backward_composed(g[0], g[1], x, h, cs, wi, wh, ctx.saved(5), ctx.saved(6), ctx);
             kernels::CellGrads r =
                 kernels::lstm_cell_backward(g[0], g[1], x, h, cs, wi, wh, ctx.saved(7), cell_needs(ctx));
             return Grads{r.input, r.hx, r.cx, r.w_ih, r.w_hh, r.b_ih, r.b_hh};
           });
  return {unbatch(hy, c.unbatched), unbatch(cy, c.unbatched)};
}

Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                const Tensor& b_hh) {
  const char* op = "gru_cell";
  CellInputs c = check_cell(op, 3, input, hx, w_ih, w_hh, b_ih, b_hh);
  if (!same_dtype(input.dtype(), {&c.h, &w_ih, &w_hh, &b_ih, &b_hh}))
    return unbatch(gru_composed(c.x, c.h, w_ih, w_hh, b_ih, b_hh), c.unbatched);
  kernels::GruCellForward f = kernels::gru_cell_forward(c.x, c.h, w_ih, w_hh, b_ih, b_hh);
  Tensor hy = f.hy;
  if (needs_grad(c.x, c.h, w_ih, w_hh, b_ih, b_hh))
    record(op, {c.x, c.h, w_ih, w_hh, b_ih, b_hh}, {&hy},
           {save(c.x), save(c.h), save(w_ih), save(w_hh), save(b_ih), save(b_hh), save(f.saved)},
           [](const Grads& g, Ctx& ctx) {
             Tensor x = ctx.saved(0), h = ctx.saved(1), wi = ctx.saved(2), wh = ctx.saved(3);
             if (is_grad_enabled())
               return gru_backward_composed(g[0], x, h, wi, wh, ctx.saved(4), ctx.saved(5), ctx);
             kernels::CellNeeds needs = cell_needs(ctx, /*has_cx=*/false);
             kernels::CellGrads r = kernels::gru_cell_backward(g[0], x, h, wi, wh, ctx.saved(6), needs);
             return Grads{r.input, r.hx, r.w_ih, r.w_hh, r.b_ih, r.b_hh};
           });
  return unbatch(hy, c.unbatched);
}

Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  return simple_cell("rnn_tanh_cell", false, input, hx, w_ih, w_hh, b_ih, b_hh);
}

Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  return simple_cell("rnn_relu_cell", true, input, hx, w_ih, w_hh, b_ih, b_hh);
}

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
