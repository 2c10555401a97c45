// The recurrent cells and the multi-layer RNN, LSTM and GRU modules. The cells call the
// functional cells; the layers hand a packed batch to run_recurrent (rnn_run.cpp).
#include "ember/nn/rnn.hpp"

#include <cmath>
#include <sstream>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "src/core/check.hpp"
#include "src/nn/rnn_run.hpp"

namespace ember {
namespace nn {

namespace F = ember::nn::functional;

namespace {

// PyTorch's default for every recurrent weight and bias: uniform(-1/sqrt(hidden), +).
void init_uniform(const std::vector<Tensor>& params, int64_t hidden_size) {
  NoGradGuard no_grad;
  const double k = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  // Drawn into a fresh tensor and copied: Tensor::uniform_ refuses leaves that require
  // grad even under NoGradGuard, copy_ does not.
  for (Tensor p : params)
    if (p.defined()) p.copy_(ember::empty(p.sizes(), p.dtype()).uniform_(-k, k));
}

const char* py_bool(bool b) { return b ? "True" : "False"; }

void check_sizes(const char* name, int64_t input_size, int64_t hidden_size) {
  EMBER_CHECK(input_size > 0 && hidden_size > 0,
              "{}: input_size and hidden_size must be positive, got input_size={}, hidden_size={}", name,
              input_size, hidden_size);
}

void check_nonlinearity(const char* name, const std::string& nonlinearity) {
  EMBER_CHECK(nonlinearity == "tanh" || nonlinearity == "relu",
              "{}: unknown nonlinearity '{}'; expected 'tanh' or 'relu'", name, nonlinearity);
}

}  // namespace

// ---------------------------------------------------------------- cells

namespace detail {

CellBase::CellBase(const char* type_name, int64_t gates, int64_t input_size, int64_t hidden_size, bool bias)
    : Module(type_name), input_size_(input_size), hidden_size_(hidden_size), bias_(bias) {
  check_sizes(type_name, input_size, hidden_size);
  weight_ih = register_parameter("weight_ih", ember::empty({gates * hidden_size, input_size}));
  weight_hh = register_parameter("weight_hh", ember::empty({gates * hidden_size, hidden_size}));
  bias_ih = register_parameter("bias_ih", bias ? ember::empty({gates * hidden_size}) : Tensor());
  bias_hh = register_parameter("bias_hh", bias ? ember::empty({gates * hidden_size}) : Tensor());
  reset_parameters();
}

void CellBase::reset_parameters() { init_uniform({weight_ih, weight_hh, bias_ih, bias_hh}, hidden_size_); }

std::string CellBase::extra_repr() const {
  std::ostringstream s;
  s << input_size_ << ", " << hidden_size_;
  if (!bias_) s << ", bias=False";
  if (nonlinearity_ != "tanh") s << ", nonlinearity=" << nonlinearity_;
  return s.str();
}

Tensor CellBase::prepare_input(const Tensor& input, bool& unbatched) const {
  EMBER_CHECK(input.defined() && (input.dim() == 1 || input.dim() == 2) && input.size(-1) == input_size_,
              "{}: expected input of shape [N, {}] or unbatched [{}], got {}", type_name(), input_size_,
              input_size_, input.defined() ? input.sizes() : IntArrayRef());
  unbatched = input.dim() == 1;
  return unbatched ? input.unsqueeze(0) : input;
}

Tensor CellBase::prepare_hidden(const Tensor& hx, const Tensor& input, bool unbatched, const char* what) const {
  const int64_t n = input.size(0);
  if (!hx.defined()) return ember::zeros({n, hidden_size_}, input.dtype());
  if (unbatched) {
    EMBER_CHECK(hx.dim() == 1 && hx.size(0) == hidden_size_,
                "{}: expected {} of shape [{}] for an unbatched input, got {}", type_name(), what, hidden_size_,
                hx.sizes());
    return hx.unsqueeze(0);
  }
  EMBER_CHECK(hx.dim() == 2 && hx.size(0) == n && hx.size(1) == hidden_size_,
              "{}: expected {} of shape [{}, {}] for input {}, got {}", type_name(), what, n, hidden_size_,
              input.sizes(), hx.sizes());
  return hx;
}

}  // namespace detail

RNNCellImpl::RNNCellImpl(const RNNCellOptions& options_)
    : CellBase("RNNCell", 1, options_.input_size(), options_.hidden_size(), options_.bias()), options(options_) {
  check_nonlinearity("RNNCell", options.nonlinearity());
  nonlinearity_ = options.nonlinearity();
}

Tensor RNNCellImpl::forward(const Tensor& input, const Tensor& hx) {
  bool unbatched = false;
  Tensor x = prepare_input(input, unbatched);
  Tensor h = prepare_hidden(hx, x, unbatched, "hx");
  Tensor out = nonlinearity_ == "relu" ? F::rnn_relu_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
                                       : F::rnn_tanh_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh);
  return unbatched ? out.squeeze(0) : out;
}

LSTMCellImpl::LSTMCellImpl(const LSTMCellOptions& options_)
    : CellBase("LSTMCell", 4, options_.input_size(), options_.hidden_size(), options_.bias()), options(options_) {}

std::tuple<Tensor, Tensor> LSTMCellImpl::forward(const Tensor& input,
                                                 const std::optional<std::tuple<Tensor, Tensor>>& hx) {
  bool unbatched = false;
  Tensor x = prepare_input(input, unbatched);
  Tensor h = prepare_hidden(hx ? std::get<0>(*hx) : Tensor(), x, unbatched, "h0");
  Tensor c = prepare_hidden(hx ? std::get<1>(*hx) : Tensor(), x, unbatched, "c0");
  auto [h1, c1] = F::lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh);
  if (unbatched) return {h1.squeeze(0), c1.squeeze(0)};
  return {h1, c1};
}

GRUCellImpl::GRUCellImpl(const GRUCellOptions& options_)
    : CellBase("GRUCell", 3, options_.input_size(), options_.hidden_size(), options_.bias()), options(options_) {}

Tensor GRUCellImpl::forward(const Tensor& input, const Tensor& hx) {
  bool unbatched = false;
  Tensor x = prepare_input(input, unbatched);
  Tensor h = prepare_hidden(hx, x, unbatched, "hx");
  Tensor out = F::gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh);
  return unbatched ? out.squeeze(0) : out;
}

// ---------------------------------------------------------------- layers

namespace detail {

RNNBase::RNNBase(const char* type_name, const RNNOptions& options_, int64_t gates, CellKind kind)
    : Module(type_name), options(options_), kind_(kind), gates_(gates) {
  check_sizes(type_name, options.input_size(), options.hidden_size());
  EMBER_CHECK(options.num_layers() >= 1, "{}: num_layers must be at least 1, got {}", type_name,
              options.num_layers());
  EMBER_CHECK(options.dropout() >= 0 && options.dropout() <= 1, "{}: dropout must be in [0, 1], got {}", type_name,
              options.dropout());
  const int64_t P = options.proj_size();
  EMBER_CHECK(P == 0 || kind == CellKind::Lstm, "{}: proj_size is only supported for LSTM, got proj_size={}",
              type_name, P);
  EMBER_CHECK(P >= 0, "{}: proj_size should be a positive integer or zero to disable projections, got {}", type_name,
              P);
  EMBER_CHECK(P < options.hidden_size(), "{}: proj_size {} has to be smaller than hidden_size {}", type_name, P,
              options.hidden_size());
  const int64_t H = options.hidden_size();
  const int64_t D = options.bidirectional() ? 2 : 1;
  const int64_t out = P > 0 ? P : H;  // h's features
  for (int64_t l = 0; l < options.num_layers(); ++l) {
    const int64_t in = l == 0 ? options.input_size() : D * out;
    for (int64_t d = 0; d < D; ++d) {
      const std::string suffix = "_l" + std::to_string(l) + (d == 1 ? "_reverse" : "");
      CellWeights w;
      w.w_ih = register_parameter("weight_ih" + suffix, ember::empty({gates * H, in}));
      w.w_hh = register_parameter("weight_hh" + suffix, ember::empty({gates * H, out}));
      flat_weights_.push_back(w.w_ih);
      flat_weights_.push_back(w.w_hh);
      if (options.bias()) {
        w.b_ih = register_parameter("bias_ih" + suffix, ember::empty({gates * H}));
        w.b_hh = register_parameter("bias_hh" + suffix, ember::empty({gates * H}));
        flat_weights_.push_back(w.b_ih);
        flat_weights_.push_back(w.b_hh);
      }
      if (P > 0) {
        w.w_hr = register_parameter("weight_hr" + suffix, ember::empty({P, H}));
        flat_weights_.push_back(w.w_hr);
      }
      cells_.push_back(w);
    }
  }
  reset_parameters();
}

void RNNBase::reset_parameters() { init_uniform(flat_weights_, options.hidden_size()); }

std::string RNNBase::extra_repr() const {
  std::ostringstream s;
  s << options.input_size() << ", " << options.hidden_size();
  if (options.proj_size() != 0) s << ", proj_size=" << options.proj_size();
  if (options.num_layers() != 1) s << ", num_layers=" << options.num_layers();
  if (!options.bias()) s << ", bias=" << py_bool(false);
  if (options.batch_first()) s << ", batch_first=" << py_bool(true);
  if (options.dropout() != 0) s << ", dropout=" << options.dropout();
  if (options.bidirectional()) s << ", bidirectional=" << py_bool(true);
  return s.str();
}

Tensor RNNBase::check_state(const Tensor& state, int64_t batch, int64_t features, bool unbatched, const char* what,
                            const Tensor& like) const {
  const int64_t LD = options.num_layers() * (options.bidirectional() ? 2 : 1);
  const int64_t H = features;
  if (!state.defined()) return ember::zeros({LD, batch, H}, like.dtype());
  if (unbatched) {
    EMBER_CHECK(state.dim() == 2 && state.size(0) == LD && state.size(1) == H,
                "{}: expected {} of shape [{}, {}] for an unbatched input, got {}", type_name(), what, LD, H,
                state.sizes());
  } else {
    EMBER_CHECK(state.dim() == 3 && state.size(0) == LD && state.size(1) == batch && state.size(2) == H,
                "{}: expected {} of shape [{}, {}, {}] (num_layers * num_directions, batch, {}), got {}",
                type_name(), what, LD, batch, H, features == options.hidden_size() ? "hidden_size" : "proj_size",
                state.sizes());
  }
  EMBER_CHECK(state.dtype() == like.dtype(), "{}: {} has dtype {} but the input has dtype {}", type_name(), what,
              state.dtype(), like.dtype());
  return unbatched ? state.unsqueeze(1) : state;
}

RNNBase::Result RNNBase::run_packed(const PackedSequence& input, const Tensor& h0, const Tensor& c0) {
  EMBER_CHECK(input.defined(), "{}: the PackedSequence is empty", type_name());
  const Tensor& data = input.data();
  EMBER_CHECK(data.dim() == 2 && data.size(1) == options.input_size(),
              "{}: expected packed data of shape [sum of lengths, {}], got {}", type_name(), options.input_size(),
              data.sizes());
  const std::vector<int64_t>& bs = input.batch_sizes_vec();
  const int64_t N = bs[0];
  const Tensor& sorted = input.sorted_indices();
  const Tensor& unsorted = input.unsorted_indices();
  // The states come in the caller's batch order; the packed rows are sorted by length.
  Tensor h = check_state(h0, N, h_features(), false, "h0", data);
  Tensor c = kind_ == CellKind::Lstm ? check_state(c0, N, options.hidden_size(), false, "c0", data) : Tensor();
  if (sorted.defined()) {
    h = h.index_select(1, sorted);
    if (c.defined()) c = c.index_select(1, sorted);
  }
  RecurrentRun run = run_recurrent(kind_, cells_, options.num_layers(), options.bidirectional(), options.dropout(),
                                   is_training(), data, bs, h, c);
  Result r;
  r.packed = PackedSequence(run.data, input.batch_sizes(), sorted, unsorted);
  r.h_n = run.h_n;
  r.c_n = run.c_n;
  if (unsorted.defined()) {
    r.h_n = r.h_n.index_select(1, unsorted);
    if (r.c_n.defined()) r.c_n = r.c_n.index_select(1, unsorted);
  }
  return r;
}

RNNBase::Result RNNBase::run_padded(const Tensor& input, const std::vector<int64_t>* lengths, const Tensor& h0,
                                    const Tensor& c0) {
  const bool batch_first = options.batch_first();
  EMBER_CHECK(input.defined() && (input.dim() == 2 || input.dim() == 3),
              "{}: expected input of 3 dims {} or unbatched [T, input_size], got {}", type_name(),
              batch_first ? "[N, T, input_size]" : "[T, N, input_size]",
              input.defined() ? input.sizes() : IntArrayRef());
  EMBER_CHECK(input.size(-1) == options.input_size(), "{}: input has {} features but input_size is {} (input {})",
              type_name(), input.size(-1), options.input_size(), input.sizes());
  const bool unbatched = input.dim() == 2;
  // Time-major from here on: [T, N, input_size].
  Tensor x = unbatched ? input.unsqueeze(1) : batch_first ? input.transpose(0, 1) : input;
  const int64_t T = x.size(0), N = x.size(1);
  EMBER_CHECK(T > 0 && N > 0, "{}: expected at least one time step and one sequence, got input {}", type_name(),
              input.sizes());
  Result r;
  if (lengths) {
    EMBER_CHECK(!unbatched, "{}: lengths need a batched input, got {}", type_name(), input.sizes());
    EMBER_CHECK(static_cast<int64_t>(lengths->size()) == N, "{}: got {} lengths for a batch of {} (input {})",
                type_name(), lengths->size(), N, input.sizes());
    for (int64_t len : *lengths)
      EMBER_CHECK(len >= 1 && len <= T, "{}: lengths {} must each be in [1, {}] (input {})", type_name(),
                  IntArrayRef(*lengths), T, input.sizes());
    // Packing and unpacking read and write the caller's layout directly (one gather each).
    r = run_packed(utils::rnn::pack_padded_sequence(input, *lengths, batch_first, false), h0, c0);
    r.output = std::get<0>(utils::rnn::pad_packed_sequence(r.packed, batch_first, 0.0, T));
    return r;
  } else {
    Tensor h = check_state(h0, N, h_features(), unbatched, "h0", x);
    Tensor c = kind_ == CellKind::Lstm ? check_state(c0, N, options.hidden_size(), unbatched, "c0", x) : Tensor();
    Tensor data = x.reshape({T * N, options.input_size()});
    RecurrentRun run = run_recurrent(kind_, cells_, options.num_layers(), options.bidirectional(),
                                     options.dropout(), is_training(), data, std::vector<int64_t>(T, N), h, c);
    r.output = run.data.view({T, N, run.data.size(1)});
    r.h_n = run.h_n;
    r.c_n = run.c_n;
  }
  if (unbatched) {
    r.output = r.output.squeeze(1);
    r.h_n = r.h_n.squeeze(1);
    if (r.c_n.defined()) r.c_n = r.c_n.squeeze(1);
  } else if (batch_first) {
    r.output = r.output.transpose(0, 1);
  }
  return r;
}

}  // namespace detail

RNNImpl::RNNImpl(const RNNOptions& options_)
    : RNNBase("RNN", options_, 1,
              options_.nonlinearity() == "relu" ? detail::CellKind::RnnRelu : detail::CellKind::RnnTanh) {
  check_nonlinearity("RNN", options.nonlinearity());
}

std::tuple<Tensor, Tensor> RNNImpl::forward(const Tensor& input, const Tensor& hx) {
  Result r = run_padded(input, nullptr, hx, Tensor());
  return {r.output, r.h_n};
}

std::tuple<Tensor, Tensor> RNNImpl::forward(const Tensor& input, const std::vector<int64_t>& lengths,
                                            const Tensor& hx) {
  Result r = run_padded(input, &lengths, hx, Tensor());
  return {r.output, r.h_n};
}

std::tuple<PackedSequence, Tensor> RNNImpl::forward_with_packed_input(const PackedSequence& input, const Tensor& hx) {
  Result r = run_packed(input, hx, Tensor());
  return {r.packed, r.h_n};
}

LSTMImpl::LSTMImpl(const LSTMOptions& options_) : RNNBase("LSTM", options_, 4, detail::CellKind::Lstm) {}

std::tuple<Tensor, LSTMImpl::State> LSTMImpl::forward(const Tensor& input, const std::optional<State>& hx) {
  Result r = run_padded(input, nullptr, hx ? std::get<0>(*hx) : Tensor(), hx ? std::get<1>(*hx) : Tensor());
  return {r.output, State{r.h_n, r.c_n}};
}

std::tuple<Tensor, LSTMImpl::State> LSTMImpl::forward(const Tensor& input, const std::vector<int64_t>& lengths,
                                                      const std::optional<State>& hx) {
  Result r = run_padded(input, &lengths, hx ? std::get<0>(*hx) : Tensor(), hx ? std::get<1>(*hx) : Tensor());
  return {r.output, State{r.h_n, r.c_n}};
}

std::tuple<PackedSequence, LSTMImpl::State> LSTMImpl::forward_with_packed_input(const PackedSequence& input,
                                                                                const std::optional<State>& hx) {
  Result r = run_packed(input, hx ? std::get<0>(*hx) : Tensor(), hx ? std::get<1>(*hx) : Tensor());
  return {r.packed, State{r.h_n, r.c_n}};
}

GRUImpl::GRUImpl(const GRUOptions& options_) : RNNBase("GRU", options_, 3, detail::CellKind::Gru) {}

std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor& input, const Tensor& hx) {
  Result r = run_padded(input, nullptr, hx, Tensor());
  return {r.output, r.h_n};
}

std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor& input, const std::vector<int64_t>& lengths,
                                            const Tensor& hx) {
  Result r = run_padded(input, &lengths, hx, Tensor());
  return {r.output, r.h_n};
}

std::tuple<PackedSequence, Tensor> GRUImpl::forward_with_packed_input(const PackedSequence& input, const Tensor& hx) {
  Result r = run_packed(input, hx, Tensor());
  return {r.packed, r.h_n};
}

}  // namespace nn
}  // namespace ember
