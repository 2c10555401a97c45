// The recurrent cells: lstm_cell, gru_cell, rnn_tanh_cell, rnn_relu_cell.
//
// lstm_cell and gru_cell run fused kernels (ops/rnn.hpp) and record one node each with
// a hand-written backward: a language model runs them dozens of times per batch on
// small matrices, where a dozen recorded ops per step cost more than the GEMMs. Under
// create_graph their backward is composed of differentiable ops instead, so
// higher-order gradients stay right. The plain RNN cells are composed of
// differentiable ops.
#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "autograd/nn_checks.hpp"
#include "autograd/prelude.hpp"
#include "autograd/trace.hpp"
#include "ember/detail/traced_backward.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "ops/rnn.hpp"
#include "ops/rnn_gemm.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace nn {
namespace functional {

namespace {

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

// ---- lstm_cell's node, and the steps of one sequence sharing their weight gradients ----
//
// A language model calls lstm_cell once per step with the same weights. Each step's own
// weight gradients would be GEMMs over N rows only (a few dozen), each then summed into
// the others by the engine. Instead the steps of one unrolled sequence form a chain: a
// step whose h is the h output of an lstm_cell node with the same weights joins that
// node's chain. Backward, each step leaves its gate gradient with the chain and returns
// no weight gradient; the chain's first step, which the engine runs after all the
// others (they all lead to it through h), returns the weight gradients of all of them,
// one GEMM over all their rows per weight. The chain also keeps the weights packed
// once for the whole sequence ([w_ih | w_hh], and b_ih + b_hh), so that each step's
// gates are one GEMM.
struct LstmChain {
  Tensor w_ih, w_hh, b_ih, b_hh;  // the operands, by identity
  uint32_t versions[4] = {0, 0, 0, 0};
  kernels::LstmPackedWeights packed;
  int64_t steps = 0;
  // Forward: every step's [x | h] rows, one under another (step i's from offsets[i]), so
  // that the weight gradients read them as one matrix. Grown by doubling: the steps
  // before a growth keep their view of the old block, whose rows the new one copies.
  Tensor xh_rows;
  int64_t rows = 0;
  std::vector<int64_t> offsets, counts;
  // Backward: the gate-gradient rows the steps kept (lstm_gate_grads_kept: a row of
  // zeros needs no product), one under another in the order the steps ran (the last
  // step first); the row of xh_rows each goes with; which steps have left theirs.
  std::mutex mutex;
  Tensor dg_rows;
  int64_t kept = 0;
  std::vector<int64_t> kept_xh;
  std::vector<char> left;

  LstmChain(const Tensor& wi, const Tensor& wh, const Tensor& bi, const Tensor& bh)
      : w_ih(wi), w_hh(wh), b_ih(bi), b_hh(bh) {
    const Tensor* ts[] = {&w_ih, &w_hh, &b_ih, &b_hh};
    for (int k = 0; k < 4; ++k) versions[k] = ts[k]->defined() ? ts[k]->_version() : 0;
    packed = kernels::lstm_pack_weights(w_ih, w_hh, b_ih, b_hh);
  }

  bool same(const Tensor& a, const Tensor& b, uint32_t version) const {
    if (a.defined() != b.defined()) return false;
    return !a.defined() || (a.is_same(b) && b._version() == version);
  }

  // The chain that a step on hidden state h with these weights continues, or null. The
  // packed weights must still be current: the operands unchanged since they were packed.
  static std::shared_ptr<LstmChain> continued(const Tensor& h, const Tensor& wi, const Tensor& wh, const Tensor& bi,
                                              const Tensor& bh);

  // A [capacity, width] block of the packed weights' dtype holding the first `used` rows of old.
  Tensor grown(const Tensor& old, int64_t used, int64_t capacity, int64_t width) const {
    Tensor t = ember::detail::empty_tensor({capacity, width}, ember::kFloat32);
    if (used > 0)
      std::memcpy(t.data_ptr(), old.data_ptr(), static_cast<std::size_t>(used * width) * t.element_size());
    return t;
  }

  // A new step of n rows: its index, and the rows its [x | h] goes to.
  int64_t add_step(int64_t n, Tensor& xh) {
    const int64_t K = packed.inputs;
    const int64_t cap = xh_rows.defined() ? xh_rows.size(0) : 0;
    if (!xh_rows.defined() || rows + n > cap) {
      const int64_t want = std::max<int64_t>({2 * cap, rows + n, 8 * n, 1});
      xh_rows = grown(xh_rows, rows, want, K);
    }
    xh = xh_rows.narrow(0, rows, n);
    offsets.push_back(rows);
    counts.push_back(n);
    rows += n;
    return steps++;
  }

  // Step `index`'s gate gradient: write(room, xh, batch_rows) writes the step's kept rows
  // from the start of room (room for all its rows), given the step's rows of xh, lists
  // their batch rows and returns how many; the chain then keeps them. Returns room. The
  // lock is held throughout: the steps of one chain run one after another anyway (each
  // waits for the next one's h gradient). A step that already left its rows means an
  // earlier backward stopped before reaching the chain's first step: start over.
  template <class Write>
  Tensor add_gate_rows(int64_t index, std::vector<int64_t>& batch_rows, Write write) {
    std::lock_guard<std::mutex> lock(mutex);
    const int64_t G = packed.gates, K = packed.inputs;
    left.resize(static_cast<std::size_t>(steps), 0);
    auto i = static_cast<std::size_t>(index);
    if (left[i]) {
      std::fill(left.begin(), left.end(), 0);
      kept = 0;
      kept_xh.clear();
    }
    left[i] = 1;
    if (!dg_rows.defined() || dg_rows.size(0) < kept + counts[i])
      dg_rows = grown(dg_rows, kept, std::max(rows, kept + counts[i]), G);
    Tensor room = dg_rows.narrow(0, kept, counts[i]);
    const float* xh = static_cast<const float*>(xh_rows.data_ptr()) + offsets[i] * K;
    const int64_t n = write(room, xh, batch_rows);
    for (int64_t r : batch_rows) kept_xh.push_back(offsets[i] + r);
    kept += n;
    return room;
  }

  // All the kept gate-gradient rows and every step's [x | h] rows, with the row of the
  // latter each of the former goes with, for the first step's backward; readies the
  // chain for the next backward.
  void take(Tensor& dg, Tensor& xh, std::vector<int64_t>& xh_of) {
    std::lock_guard<std::mutex> lock(mutex);
    dg = dg_rows.narrow(0, 0, kept);
    xh = xh_rows.narrow(0, 0, rows);
    xh_of = std::move(kept_xh);
    dg_rows = Tensor();
    kept = 0;
    kept_xh.clear();
    std::fill(left.begin(), left.end(), 0);
  }
};

// The node's backward. Without a chain (float64, or no rnn_gemm on this machine: BLAS,
// whose results may depend on its thread count for the larger products) each step
// computes its own gradients, as one node on its own.
struct LstmStep {
  std::shared_ptr<LstmChain> chain;
  int64_t index = 0;
  bool root = false;

  Grads operator()(const Grads& g, Ctx& ctx) const {
    Tensor x = ctx.saved(0), h = ctx.saved(1), cs = ctx.saved(2), wi = ctx.saved(3), wh = ctx.saved(4);
    if (is_grad_enabled())
      return lstm_backward_composed(g[0], g[1], x, h, cs, wi, wh, ctx.saved(5), ctx.saved(6), ctx);
    if (detail::tracer()) {
      kernels::CellNeeds n = cell_needs(ctx);
      std::vector<int64_t> needs{n.input, n.hx, n.cx, n.w_ih, n.w_hh, n.b_ih, n.b_hh};
      std::vector<Tensor> got = lstm_cell_backward(g[0], g[1], x, h, cs, wi, wh, ctx.saved(5), ctx.saved(6), needs);
      Grads all(7);
      for (std::size_t i = 0, k = 0; i < 7; ++i)
        if (needs[i] != 0) all[i] = got[k++];
      return all;
    }
    kernels::CellNeeds n = cell_needs(ctx);
    if (!chain) {
      kernels::CellGrads r = kernels::lstm_cell_backward(g[0], g[1], x, h, cs, wi, wh, ctx.saved(7), n);
      return Grads{r.input, r.hx, r.cx, r.w_ih, r.w_hh, r.b_ih, r.b_hh};
    }
    // Rows of the gate gradient that are all zero (a word shorter than the batch's
    // longest: its padded steps get no gradient) are left out of the products.
    const bool any_weight = n.w_ih || n.w_hh || n.b_ih || n.b_hh;
    const kernels::LstmPackedWeights& pk = chain->packed;
    const int64_t N = x.size(0);
    std::vector<int64_t> batch_rows;
    Tensor saved = ctx.saved(7), room;
    Tensor cx_grad;
    auto write = [&](const Tensor& into, const float* xh, std::vector<int64_t>& kept_rows) {
      kernels::LstmKeptGateGrads gg = kernels::lstm_gate_grads_kept(g[0], g[1], cs, saved, into, xh,
                                                                    pk.inputs, !pk.finite, kept_rows);
      cx_grad = gg.cx;
      return gg.count;
    };
    if (any_weight) {
      room = chain->add_gate_rows(index, batch_rows, write);
    } else {
      room = ember::detail::empty_tensor({N, pk.gates}, ember::kFloat32);
      write(room, nullptr, batch_rows);
    }
    Grads out(7);
    if (n.input || n.hx)
      kernels::lstm_input_grads_kept(static_cast<const float*>(room.data_ptr()), batch_rows, N, pk, n.input, n.hx,
                                     out[0], out[1]);
    if (n.cx) out[2] = cx_grad;
    if (!any_weight || !root) return out;
    Tensor dg, packed;
    std::vector<int64_t> xh_of;
    chain->take(dg, packed, xh_of);
    kernels::LstmWeightGrads w =
        kernels::lstm_weight_grads(dg, packed, x.size(1), n.w_ih, n.w_hh, n.b_ih || n.b_hh, xh_of.data());
    out[3] = w.w_ih;
    out[4] = w.w_hh;
    if (n.b_ih) out[5] = w.bias;
    if (n.b_hh) out[6] = w.bias;
    return out;
  }
};

std::shared_ptr<LstmChain> LstmChain::continued(const Tensor& h, const Tensor& wi, const Tensor& wh,
                                                const Tensor& bi, const Tensor& bh) {
  std::shared_ptr<autograd::Node> fn = h.grad_fn();
  auto* node = dynamic_cast<autograd::detail::FunctionNode<LstmStep>*>(fn.get());
  if (!node || !node->fn.chain || h.output_nr() != 0) return nullptr;
  const std::shared_ptr<LstmChain>& c = node->fn.chain;
  if (!c->same(c->w_ih, wi, c->versions[0]) || !c->same(c->w_hh, wh, c->versions[1]) ||
      !c->same(c->b_ih, bi, c->versions[2]) || !c->same(c->b_hh, bh, c->versions[3]))
    return nullptr;
  return c;
}

}  // namespace

std::vector<Tensor> lstm_cell_backward(const Tensor& grad_hy, const Tensor& grad_cy, const Tensor& input,
                                       const Tensor& hx, const Tensor& cx, const Tensor& w_ih, const Tensor& w_hh,
                                       const Tensor& b_ih, const Tensor& b_hh, const std::vector<int64_t>& needs) {
  EMBER_CHECK(needs.size() == 7, "lstm_cell_backward: needs has {} flags, expected 7", needs.size());
  std::vector<Tensor> grads;
  {
    autograd::TracerPause pause;
    kernels::LstmCellForward f = kernels::lstm_cell_forward(input, hx, cx, w_ih, w_hh, b_ih, b_hh);
    kernels::CellNeeds n;
    n.input = needs[0] != 0;
    n.hx = needs[1] != 0;
    n.cx = needs[2] != 0;
    n.w_ih = needs[3] != 0;
    n.w_hh = needs[4] != 0;
    n.b_ih = needs[5] != 0;
    n.b_hh = needs[6] != 0;
    kernels::CellGrads r = kernels::lstm_cell_backward(grad_hy, grad_cy, input, hx, cx, w_ih, w_hh, f.saved, n);
    const Tensor* all[] = {&r.input, &r.hx, &r.cx, &r.w_ih, &r.w_hh, &r.b_ih, &r.b_hh};
    for (std::size_t i = 0; i < 7; ++i)
      if (needs[i] != 0) grads.push_back(*all[i]);
  }
  EMBER_TRACE_LIST("lstm_cell_backward", {grad_hy, grad_cy, input, hx, cx, w_ih, w_hh, b_ih, b_hh}, grads,
                   {{"needs", needs}});
  return grads;
}

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const Tensor& hx, const Tensor& cx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  if (detail::tracer())
    return autograd::trace_call_list("lstm_cell", {input, hx, cx, w_ih, w_hh, b_ih, b_hh}, {},
                                     [&] { return lstm_cell(input, hx, cx, w_ih, w_hh, b_ih, b_hh); });
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
  if (!needs_grad(c.x, c.h, cell, w_ih, w_hh, b_ih, b_hh)) {
    kernels::LstmCellForward f = kernels::lstm_cell_forward(c.x, c.h, cell, w_ih, w_hh, b_ih, b_hh);
    return {unbatch(f.hy, c.unbatched), unbatch(f.cy, c.unbatched)};
  }
  LstmStep step;
  kernels::LstmCellForward f;
  if (input.dtype() == ember::kFloat32 && kernels::rnn_gemm_available()) {
    step.chain = LstmChain::continued(c.h, w_ih, w_hh, b_ih, b_hh);
    step.root = !step.chain;
    if (step.root) step.chain = std::make_shared<LstmChain>(w_ih, w_hh, b_ih, b_hh);
    Tensor xh;
    step.index = step.chain->add_step(c.x.size(0), xh);
    kernels::lstm_pack_inputs(c.x, c.h, xh);
    // A sequence's first step often starts from zeros: its gates then need x's columns only.
    const int64_t I = c.x.size(1);
    const bool zero_state = step.root && kernels::lstm_state_is_zero(xh, I);
    f = kernels::lstm_cell_forward_packed(xh, cell, step.chain->packed, zero_state ? I : -1);
  } else {
    f = kernels::lstm_cell_forward(c.x, c.h, cell, w_ih, w_hh, b_ih, b_hh);
  }
  Tensor hy = f.hy, cy = f.cy;
  record(op, {c.x, c.h, cell, w_ih, w_hh, b_ih, b_hh}, {&hy, &cy},
         {save(c.x), save(c.h), save(cell), save(w_ih), save(w_hh), save(b_ih), save(b_hh), save(f.saved)},
         std::move(step));
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

}  // namespace functional
}  // namespace nn

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const std::vector<Tensor>& hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const std::optional<Tensor>& b_ih,
                                     const std::optional<Tensor>& b_hh) {
  EMBER_CHECK(hx.size() == 2, "lstm_cell: expected the state as two tensors {{h, c}}, got {}", hx.size());
  return nn::functional::lstm_cell(input, hx[0], hx[1], w_ih, w_hh, b_ih.value_or(Tensor()), b_hh.value_or(Tensor()));
}

}  // namespace ember
