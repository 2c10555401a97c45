// Recurrent cells and layers, packed sequences.
// Independent checks: a per-step reference written here with core ops, each sequence of
// a variable-length batch run alone, finite differences, and PyTorch's own values.
// Cases tagged [needs-functional] run the functional cells (F::lstm_cell, ...).
#include <cmath>
#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "ember/nn/rnn.hpp"
#include "nn_test_values.hpp"

using ember::Tensor;
using Catch::Matchers::Contains;
namespace nn = ember::nn;
namespace R = ember::nn::utils::rnn;

using testing::fill_params;
using testing::require_close;
using testing::seq;

namespace {

// ---- the reference: one sequence, one step at a time, with core ops only ----
Tensor lin(const Tensor& x, const Tensor& w, const Tensor& b) {
  Tensor y = x.matmul(w.t());
  return b.defined() ? y + b : y;
}

struct RefState {
  Tensor h, c;
};

RefState ref_cell(const std::string& kind, const Tensor& x, const RefState& s, const Tensor& w_ih, const Tensor& w_hh,
                  const Tensor& b_ih, const Tensor& b_hh) {
  Tensor gi = lin(x, w_ih, b_ih), gh = lin(s.h, w_hh, b_hh);
  if (kind == "LSTM") {
    auto g = (gi + gh).chunk(4, -1);  // i, f, g, o
    Tensor c = ember::sigmoid(g[1]) * s.c + ember::sigmoid(g[0]) * ember::tanh(g[2]);
    return {ember::sigmoid(g[3]) * ember::tanh(c), c};
  }
  if (kind == "GRU") {
    auto i = gi.chunk(3, -1), h = gh.chunk(3, -1);  // r, z, n
    Tensor r = ember::sigmoid(i[0] + h[0]), z = ember::sigmoid(i[1] + h[1]);
    Tensor n = ember::tanh(i[2] + r * h[2]);
    return {(1 - z) * n + z * s.h, {}};
  }
  Tensor pre = gi + gh;
  return {kind == "RNN_RELU" ? ember::relu(pre) : ember::tanh(pre), {}};
}

// Runs a multi-layer (bi)directional stack on one sequence x [L, in] with h0/c0 [LD, H].
// Returns {output [L, D*H], h_n [LD, H], c_n}.
std::vector<Tensor> ref_run(const std::string& kind, nn::Module& m, int64_t layers, bool bidir, const Tensor& x,
                            const Tensor& h0, const Tensor& c0) {
  auto params = m.named_parameters();
  auto get = [&](const std::string& name) { return params.contains(name) ? params[name] : Tensor(); };
  const int64_t D = bidir ? 2 : 1, L = x.size(0);
  Tensor input = x;
  std::vector<Tensor> hn, cn;
  for (int64_t l = 0; l < layers; ++l) {
    std::vector<Tensor> dir_out;
    for (int64_t d = 0; d < D; ++d) {
      std::string sfx = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      RefState s{h0[l * D + d].unsqueeze(0), c0.defined() ? c0[l * D + d].unsqueeze(0) : Tensor()};
      std::vector<Tensor> ys(static_cast<std::size_t>(L));
      for (int64_t k = 0; k < L; ++k) {
        int64_t t = d ? L - 1 - k : k;
        s = ref_cell(kind, input[t].unsqueeze(0), s, get("weight_ih" + sfx), get("weight_hh" + sfx),
                     get("bias_ih" + sfx), get("bias_hh" + sfx));
        ys[static_cast<std::size_t>(t)] = s.h;
      }
      dir_out.push_back(ember::cat(ys, 0));
      hn.push_back(s.h.squeeze(0));
      if (s.c.defined()) cn.push_back(s.c.squeeze(0));
    }
    input = ember::cat(dir_out, 1);
  }
  return {input, ember::stack(hn, 0), cn.empty() ? Tensor() : ember::stack(cn, 0)};
}

// One handle over RNN, LSTM and GRU: run(x, lengths or null, h0, c0) -> {output, h_n, c_n}.
struct AnyRnn {
  std::string kind;  // "LSTM", "GRU", "RNN_TANH", "RNN_RELU"
  std::shared_ptr<nn::Module> module;
  std::function<std::vector<Tensor>(const Tensor&, const std::vector<int64_t>*, const Tensor&, const Tensor&)> run;
};

AnyRnn make_rnn(const std::string& kind, const nn::RNNOptions& opt) {
  AnyRnn r;
  r.kind = kind;
  if (kind == "LSTM") {
    nn::LSTM m(opt);
    r.module = m.ptr();
    r.run = [m](const Tensor& x, const std::vector<int64_t>* lens, const Tensor& h0, const Tensor& c0) {
      std::optional<nn::LSTMImpl::State> hx;
      if (h0.defined()) hx = nn::LSTMImpl::State{h0, c0};
      auto [out, hc] = lens ? m->forward(x, *lens, hx) : m->forward(x, hx);
      return std::vector<Tensor>{out, std::get<0>(hc), std::get<1>(hc)};
    };
  } else if (kind == "GRU") {
    nn::GRU m(opt);
    r.module = m.ptr();
    r.run = [m](const Tensor& x, const std::vector<int64_t>* lens, const Tensor& h0, const Tensor&) {
      auto [out, h] = lens ? m->forward(x, *lens, h0) : m->forward(x, h0);
      return std::vector<Tensor>{out, h, Tensor()};
    };
  } else {
    nn::RNN m(nn::RNNOptions(opt).nonlinearity(kind == "RNN_RELU" ? "relu" : "tanh"));
    r.module = m.ptr();
    r.run = [m](const Tensor& x, const std::vector<int64_t>* lens, const Tensor& h0, const Tensor&) {
      auto [out, h] = lens ? m->forward(x, *lens, h0) : m->forward(x, h0);
      return std::vector<Tensor>{out, h, Tensor()};
    };
  }
  r.module->to(ember::kFloat64);
  return r;
}

std::vector<Tensor> param_grads(nn::Module& m) {
  std::vector<Tensor> g;
  for (const Tensor& p : m.parameters()) g.push_back(p.grad().defined() ? p.grad().clone() : Tensor());
  return g;
}

}  // namespace

// ---------------------------------------------------------------- packing

TEST_CASE("pack_padded_sequence sorts, packs and pad_packed_sequence restores", "[rnn]") {
  // x[t, b] = 10 * b + t + 1, features [2]: easy to read where each row came from.
  Tensor x = ember::empty({4, 3, 2}, ember::kFloat64);
  for (int64_t t = 0; t < 4; ++t)
    for (int64_t b = 0; b < 3; ++b) x.index({t, b}) = double(10 * b + t + 1);
  R::PackedSequence p = R::pack_padded_sequence(x, {4, 2, 3}, false, /*enforce_sorted=*/false);
  CHECK(p.batch_sizes().tolist<int64_t>() == std::vector<int64_t>{3, 3, 2, 1});
  CHECK(p.sorted_indices().tolist<int64_t>() == std::vector<int64_t>{0, 2, 1});
  CHECK(p.unsorted_indices().tolist<int64_t>() == std::vector<int64_t>{0, 2, 1});
  // Step by step, longest first: rows of sequences 0, 2, 1 at t = 0, 1; 0, 2 at t = 2; 0 at t = 3.
  std::vector<double> first_feature;
  for (double v : testing::values(p.data().select(1, 0))) first_feature.push_back(v);
  CHECK(first_feature == std::vector<double>{1, 21, 11, 2, 22, 12, 3, 23, 4});

  auto [padded, lengths] = R::pad_packed_sequence(p);
  CHECK(lengths.tolist<int64_t>() == std::vector<int64_t>{4, 2, 3});
  Tensor expect = x.clone();
  expect.index({ember::indexing::Slice(2, ember::indexing::None), 1}) = 0.0;
  expect.index({3, 2}) = 0.0;
  CHECK(ember::equal(padded, expect));

  SECTION("batch_first, total_length and padding_value") {
    Tensor xb = x.transpose(0, 1).contiguous();  // [N, T, 2]
    R::PackedSequence pb = R::pack_padded_sequence(xb, std::vector<int64_t>{4, 2, 3}, true, false);
    CHECK(ember::equal(pb.data(), p.data()));
    auto [pad_b, len_b] = R::pad_packed_sequence(pb, true, -1.0, 6);
    CHECK(pad_b.sizes().vec() == std::vector<int64_t>{3, 6, 2});
    CHECK(ember::equal(pad_b.narrow(1, 0, 4), expect.transpose(0, 1).masked_fill(
                                                     expect.transpose(0, 1) == 0.0, -1.0)));
    CHECK(testing::values(pad_b.narrow(1, 4, 2)) == std::vector<double>(12, -1.0));
  }
  SECTION("sorted input, lengths as a tensor, and pack_sequence") {
    R::PackedSequence ps = R::pack_padded_sequence(x, ember::tensor({4, 3, 1}), false, true);
    CHECK(!ps.sorted_indices().defined());
    CHECK(ps.batch_sizes().tolist<int64_t>() == std::vector<int64_t>{3, 2, 2, 1});
    R::PackedSequence pl = R::pack_sequence({x.select(1, 0), x.select(1, 1).narrow(0, 0, 3), x.select(1, 2).narrow(0, 0, 1)});
    CHECK(ember::equal(pl.data(), ps.data()));
    Tensor padded_list = R::pad_sequence({x.select(1, 0).narrow(0, 0, 2), x.select(1, 1)}, true, 7.0);
    CHECK(padded_list.sizes().vec() == std::vector<int64_t>{2, 4, 2});
    CHECK(testing::values(padded_list[0][3]) == std::vector<double>{7.0, 7.0});
  }
  SECTION("full-length batches pass through") {
    R::PackedSequence pf = R::pack_padded_sequence(x, {4, 4, 4});
    CHECK(ember::equal(std::get<0>(R::pad_packed_sequence(pf)), x));
  }
}

TEST_CASE("pack and pad carry gradients", "[rnn]") {
  Tensor x = testing::leaf({3, 4, 2});
  REQUIRE(ember::autograd::gradcheck(
      [](const std::vector<Tensor>& in) {
        R::PackedSequence p = R::pack_padded_sequence(in[0], {2, 4, 1}, /*batch_first=*/true, false);
        return std::get<0>(R::pad_packed_sequence(p, false, 0.5, 5)) * 1.5;
      },
      {x}));
}

TEST_CASE("packing errors name the function and the sizes", "[rnn]") {
  Tensor x = ember::zeros({3, 2, 4});
  REQUIRE_THROWS_WITH(R::pack_padded_sequence(x, {1, 3}),
                      Contains("pack_padded_sequence") && Contains("[1, 3]") && Contains("enforce_sorted"));
  REQUIRE_THROWS_WITH(R::pack_padded_sequence(x, {3, 0}), Contains("pack_padded_sequence") && Contains("at least 1"));
  REQUIRE_THROWS_WITH(R::pack_padded_sequence(x, {5, 2}),
                      Contains("pack_padded_sequence: length 5 exceeds the 3 time steps of input [3, 2, 4]"));
  REQUIRE_THROWS_WITH(R::pack_padded_sequence(x, {3, 2, 1}),
                      Contains("pack_padded_sequence: got 3 lengths for a batch of 2 (input [3, 2, 4]"));
  REQUIRE_THROWS_WITH(R::pack_padded_sequence(x, {2, 1}, true),
                      Contains("got 2 lengths for a batch of 3 (input [3, 2, 4], batch_first=true)"));
  REQUIRE_THROWS_WITH(R::pack_padded_sequence(x, ember::tensor({3.0, 2.0})),
                      Contains("pack_padded_sequence") && Contains("int64"));
  REQUIRE_THROWS_WITH(R::pack_padded_sequence(ember::zeros({3}), {3}),
                      Contains("pack_padded_sequence") && Contains("[3]"));
  R::PackedSequence p = R::pack_padded_sequence(x, {3, 2});
  REQUIRE_THROWS_WITH(R::pad_packed_sequence(p, false, 0.0, 2),
                      Contains("pad_packed_sequence: total_length 2 is less than the longest sequence's length 3"));
  REQUIRE_THROWS_WITH(R::pack_sequence({ember::zeros({1, 2}), ember::zeros({2, 2})}),
                      Contains("pack_sequence") && Contains("[1, 2]"));
  REQUIRE_THROWS_WITH(R::pad_sequence({ember::zeros({1, 2}), ember::zeros({2, 3})}),
                      Contains("pad_sequence: sequence 1 has shape [2, 3] but sequence 0 has [1, 2]"));
  REQUIRE_THROWS_WITH(R::PackedSequence(ember::zeros({4, 2}), ember::tensor({2, 1})),
                      Contains("PackedSequence: batch_sizes [2, 1] add up to 3 rows but data has 4 rows"));
}

// ---------------------------------------------------------------- modules: structure

TEST_CASE("recurrent modules name and shape their parameters as PyTorch", "[rnn]") {
  nn::LSTM lstm(nn::LSTMOptions(3, 5).num_layers(2).bidirectional(true));
  std::vector<std::string> names;
  for (auto& item : lstm->named_parameters()) names.push_back(item.first);
  CHECK(names == std::vector<std::string>{
                     "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                     "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                     "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
                     "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"});
  auto params = lstm->named_parameters();
  CHECK(params["weight_ih_l0"].sizes().vec() == std::vector<int64_t>{20, 3});
  CHECK(params["weight_ih_l1"].sizes().vec() == std::vector<int64_t>{20, 10});
  CHECK(params["weight_hh_l1_reverse"].sizes().vec() == std::vector<int64_t>{20, 5});
  CHECK(params["bias_hh_l0"].sizes().vec() == std::vector<int64_t>{20});
  const double k = 1 / std::sqrt(5.0);
  for (const Tensor& p : lstm->parameters()) {
    CHECK(p.requires_grad());
    CHECK(p.abs().max().item<double>() <= k);
    CHECK(p.abs().max().item<double>() > k / 2);  // actually drawn, not zeros
  }
  nn::GRU gru(nn::GRUOptions(4, 6).bias(false));
  CHECK(gru->parameters().size() == 2);
  CHECK(gru->named_parameters()["weight_hh_l0"].sizes().vec() == std::vector<int64_t>{18, 6});
  nn::RNN rnn(2, 3);
  CHECK(rnn->named_parameters()["weight_ih_l0"].sizes().vec() == std::vector<int64_t>{3, 2});

  nn::LSTMCell cell(3, 4);
  names.clear();
  for (auto& item : cell->named_parameters()) names.push_back(item.first);
  CHECK(names == std::vector<std::string>{"weight_ih", "weight_hh", "bias_ih", "bias_hh"});
  CHECK(cell->weight_ih.sizes().vec() == std::vector<int64_t>{16, 3});
  CHECK(nn::GRUCell(3, 4)->weight_hh.sizes().vec() == std::vector<int64_t>{12, 4});
  CHECK(nn::RNNCell(nn::RNNCellOptions(3, 4).bias(false))->parameters().size() == 2);

  std::ostringstream s1, s2, s3;
  lstm->pretty_print(s1);
  CHECK(s1.str() == "LSTM(3, 5, num_layers=2, bidirectional=True)");
  nn::GRU(nn::GRUOptions(4, 6).batch_first(true).dropout(0.5).num_layers(2))->pretty_print(s2);
  CHECK(s2.str() == "GRU(4, 6, num_layers=2, batch_first=True, dropout=0.5)");
  nn::RNNCell(nn::RNNCellOptions(3, 4).nonlinearity("relu"))->pretty_print(s3);
  CHECK(s3.str() == "RNNCell(3, 4, nonlinearity=relu)");
}

TEST_CASE("recurrent modules reject bad options and inputs", "[rnn]") {
  REQUIRE_THROWS_WITH(nn::LSTM(nn::LSTMOptions(3, 0)), Contains("LSTM: input_size and hidden_size must be positive"));
  REQUIRE_THROWS_WITH(nn::GRU(nn::GRUOptions(3, 4).num_layers(0)), Contains("GRU: num_layers must be at least 1, got 0"));
  REQUIRE_THROWS_WITH(nn::RNN(nn::RNNOptions(3, 4).nonlinearity("sigmoid")), Contains("RNN: unknown nonlinearity 'sigmoid'"));
  REQUIRE_THROWS_WITH(nn::LSTM(nn::LSTMOptions(3, 4).dropout(1.5)), Contains("LSTM: dropout must be in [0, 1], got 1.5"));
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2));
  REQUIRE_THROWS_WITH(lstm(ember::zeros({5, 2, 7})),
                      Contains("LSTM: input has 7 features but input_size is 3 (input [5, 2, 7])"));
  REQUIRE_THROWS_WITH(lstm(ember::zeros({3})), Contains("LSTM: expected input of 3 dims [T, N, input_size]"));
  REQUIRE_THROWS_WITH(lstm(ember::zeros({5, 2, 3}), nn::LSTMImpl::State{ember::zeros({1, 2, 4}), ember::zeros({2, 2, 4})}),
                      Contains("LSTM: expected h0 of shape [2, 2, 4]") && Contains("got [1, 2, 4]"));
  REQUIRE_THROWS_WITH(lstm(ember::zeros({5, 2, 3}), nn::LSTMImpl::State{ember::zeros({2, 2, 4}), ember::zeros({2, 3, 4})}),
                      Contains("LSTM: expected c0 of shape [2, 2, 4]") && Contains("got [2, 3, 4]"));
  REQUIRE_THROWS_WITH(lstm(ember::zeros({5, 2, 3}), std::vector<int64_t>{5, 2, 1}),
                      Contains("LSTM: got 3 lengths for a batch of 2 (input [5, 2, 3])"));
  REQUIRE_THROWS_WITH(lstm(ember::zeros({5, 2, 3}), std::vector<int64_t>{6, 2}),
                      Contains("LSTM: lengths [6, 2] must each be in [1, 5]"));
  REQUIRE_THROWS_WITH(lstm(ember::zeros({0, 2, 3})), Contains("LSTM: expected at least one time step"));
  nn::GRU gru(3, 4);
  REQUIRE_THROWS_WITH(gru(ember::zeros({5, 2, 3}), ember::zeros({1, 2, 4}, ember::kFloat64)),
                      Contains("GRU: h0 has dtype float64 but the input has dtype float32"));
  REQUIRE_THROWS_WITH(nn::LSTMCell(3, 4)(ember::zeros({2, 5})),
                      Contains("LSTMCell: expected input of shape [N, 3] or unbatched [3], got [2, 5]"));
  REQUIRE_THROWS_WITH(nn::GRUCell(3, 4)(ember::zeros({2, 3}), ember::zeros({3, 4})),
                      Contains("GRUCell: expected hx of shape [2, 4] for input [2, 3], got [3, 4]"));
  R::PackedSequence bad = R::pack_padded_sequence(ember::zeros({3, 1, 5}), {3});
  REQUIRE_THROWS_WITH(lstm->forward_with_packed_input(bad),
                      Contains("LSTM: expected packed data of shape [sum of lengths, 3], got [3, 5]"));
}

// ---------------------------------------------------------------- modules: values

TEST_CASE("cells match the per-step reference", "[rnn][needs-functional]") {
  Tensor x = testing::leaf({3, 4}), h = testing::leaf({3, 5}), c = testing::leaf({3, 5});
  SECTION("LSTMCell") {
    nn::LSTMCell cell(4, 5);
    cell->to(ember::kFloat64);
    auto [h1, c1] = cell(x, nn::LSTMImpl::State{h, c});
    RefState r = ref_cell("LSTM", x, {h, c}, cell->weight_ih, cell->weight_hh, cell->bias_ih, cell->bias_hh);
    require_close(h1, r.h);
    require_close(c1, r.c);
    auto [h0, c0] = cell(x);  // zeros when no state is given
    require_close(h0, ref_cell("LSTM", x, {ember::zeros({3, 5}, ember::kFloat64), ember::zeros({3, 5}, ember::kFloat64)},
                               cell->weight_ih, cell->weight_hh, cell->bias_ih, cell->bias_hh).h);
    auto [hu, cu] = cell(x[1], nn::LSTMImpl::State{h[1], c[1]});  // unbatched
    require_close(hu, r.h[1]);
    require_close(cu, r.c[1]);
  }
  SECTION("GRUCell, no bias") {
    nn::GRUCell cell(nn::GRUCellOptions(4, 5).bias(false));
    cell->to(ember::kFloat64);
    require_close(cell(x, h), ref_cell("GRU", x, {h, {}}, cell->weight_ih, cell->weight_hh, {}, {}).h);
  }
  SECTION("RNNCell tanh and relu") {
    for (std::string nl : {"tanh", "relu"}) {
      nn::RNNCell cell(nn::RNNCellOptions(4, 5).nonlinearity(nl));
      cell->to(ember::kFloat64);
      require_close(cell(x, h), ref_cell(nl == "relu" ? "RNN_RELU" : "RNN_TANH", x, {h, {}}, cell->weight_ih,
                                         cell->weight_hh, cell->bias_ih, cell->bias_hh)
                                    .h);
      require_close(cell(x[2], h[2]), cell(x, h)[2]);
    }
  }
}

TEST_CASE("a variable-length batch equals each sequence run alone", "[rnn][needs-functional]") {
  const std::vector<int64_t> lengths{3, 5, 1, 4};  // unsorted on purpose
  const int64_t T = 5, N = 4, H = 4;
  for (std::string kind : {"LSTM", "GRU", "RNN_TANH", "RNN_RELU"}) {
    for (bool batch_first : {false, true}) {
      DYNAMIC_SECTION(kind << " batch_first=" << batch_first) {
        AnyRnn m = make_rnn(kind, nn::RNNOptions(3, H).num_layers(2).bidirectional(true).batch_first(batch_first));
        Tensor x = ember::randn({T, N, 3}, ember::kFloat64);
        Tensor h0 = ember::randn({4, N, H}, ember::kFloat64);
        Tensor c0 = kind == "LSTM" ? ember::randn({4, N, H}, ember::kFloat64) : Tensor();
        Tensor x_in = batch_first ? x.transpose(0, 1) : x;
        std::vector<Tensor> out = m.run(x_in, &lengths, h0, c0);
        Tensor y = batch_first ? out[0].transpose(0, 1) : out[0];
        REQUIRE(y.sizes().vec() == std::vector<int64_t>{T, N, 2 * H});
        REQUIRE(out[1].sizes().vec() == std::vector<int64_t>{4, N, H});
        // Weights for a loss, to compare gradients too.
        Tensor gy = ember::randn({T, N, 2 * H}, ember::kFloat64), gh = ember::randn({4, N, H}, ember::kFloat64);
        Tensor loss = (y * gy).sum() + (out[1] * gh).sum() + (out[2].defined() ? out[2].sum() : y.sum() * 0);
        m.module->zero_grad();
        loss.backward();
        std::vector<Tensor> batch_grads = param_grads(*m.module);

        m.module->zero_grad();
        Tensor loss_alone = ember::zeros({}, ember::kFloat64);
        for (int64_t b = 0; b < N; ++b) {
          const int64_t len = lengths[static_cast<std::size_t>(b)];
          Tensor xb = x.narrow(0, 0, len).narrow(1, b, 1);
          Tensor hb = h0.narrow(1, b, 1), cb = c0.defined() ? c0.narrow(1, b, 1) : Tensor();
          std::vector<Tensor> alone = m.run(batch_first ? xb.transpose(0, 1) : xb, nullptr, hb, cb);
          Tensor yb = batch_first ? alone[0].transpose(0, 1) : alone[0];
          require_close(y.narrow(0, 0, len).narrow(1, b, 1), yb);
          if (len < T) CHECK(testing::values(y.narrow(0, len, T - len).narrow(1, b, 1).abs().sum())[0] == 0.0);
          require_close(out[1].narrow(1, b, 1), alone[1]);
          if (kind == "LSTM") require_close(out[2].narrow(1, b, 1), alone[2]);
          // The reference, which knows nothing of packing.
          std::vector<Tensor> ref = ref_run(kind, *m.module, 2, true, xb.squeeze(1), hb.squeeze(1),
                                            cb.defined() ? cb.squeeze(1) : Tensor());
          require_close(yb.squeeze(1), ref[0]);
          require_close(alone[1].squeeze(1), ref[1]);
          if (kind == "LSTM") require_close(alone[2].squeeze(1), ref[2]);
          loss_alone = loss_alone + (yb * gy.narrow(0, 0, len).narrow(1, b, 1)).sum() +
                       (alone[1] * gh.narrow(1, b, 1)).sum() + (alone[2].defined() ? alone[2].sum() : yb.sum() * 0);
        }
        loss_alone.backward();
        std::vector<Tensor> alone_grads = param_grads(*m.module);
        REQUIRE(alone_grads.size() == batch_grads.size());
        for (std::size_t i = 0; i < alone_grads.size(); ++i) require_close(batch_grads[i], alone_grads[i], 1e-8);
      }
    }
  }
}

TEST_CASE("forward_with_packed_input, full-length batches and unbatched input agree", "[rnn][needs-functional]") {
  nn::GRU gru(nn::GRUOptions(3, 4).num_layers(2).bidirectional(true));
  gru->to(ember::kFloat64);
  Tensor x = ember::randn({4, 3, 3}, ember::kFloat64);
  auto [y_full, h_full] = gru(x);
  auto [y_len, h_len] = gru(x, std::vector<int64_t>{4, 4, 4});
  require_close(y_full, y_len);
  require_close(h_full, h_len);
  R::PackedSequence p = R::pack_padded_sequence(x, {2, 4, 3}, false, false);
  auto [y_packed, h_packed] = gru->forward_with_packed_input(p);
  auto [y_lengths, h_lengths] = gru(x, std::vector<int64_t>{2, 4, 3});
  require_close(std::get<0>(R::pad_packed_sequence(y_packed, false, 0.0, 4)), y_lengths);
  require_close(h_packed, h_lengths);
  auto [y_one, h_one] = gru(x.select(1, 1));  // unbatched [T, in]
  require_close(y_one, y_full.select(1, 1));
  require_close(h_one, h_full.select(1, 1));
}

TEST_CASE("dropout between layers acts only in training", "[rnn][needs-functional]") {
  nn::LSTM with(nn::LSTMOptions(3, 4).num_layers(3).dropout(0.5));
  nn::LSTM without(nn::LSTMOptions(3, 4).num_layers(3));
  without->load_state_dict(with->state_dict());
  Tensor x = ember::randn({5, 2, 3});
  with->eval();
  require_close(std::get<0>(with(x)), std::get<0>(without(x)), 1e-6);
  with->train();
  ember::manual_seed(3);
  Tensor a = std::get<0>(with(x));
  CHECK(!ember::allclose(a, std::get<0>(without(x))));
  ember::manual_seed(3);
  require_close(std::get<0>(with(x)), a, 0);  // the same draws give the same result
}

// Values from PyTorch 1.13 (Debian python3-torch), float64: parameters filled as
// fill_params does (p.copy_ of 0.5*sin(0.7*i + 1.3*j + seed) over state_dict order) and
// inputs as seq(shape, a, b) = cos(a*i + b), then
//   lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True); fill(lstm, 0.1)
//   x = seq((4,3,3), .3, .2); h0 = seq((4,3,4), .5, .4) * .5; c0 = seq((4,3,4), .9, .6) * .5
//   out, (hn, cn) = lstm(pack_padded_sequence(x, [4, 2, 3], enforce_sorted=False), (h0, c0))
//   out = pad_packed_sequence(out, total_length=4)[0]
//   gru = nn.GRU(3, 4, batch_first=True); fill(gru, 0.2); out, hn = gru(seq((2,3,3), .4, .1))
//   rnn = nn.RNN(3, 4, num_layers=2, nonlinearity='relu'); fill(rnn, 5.0)
//   out, hn = rnn(seq((3,2,3), .6, .5) + .5)
TEST_CASE("recurrent modules match PyTorch", "[rnn][needs-functional]") {
  static const std::vector<double> kLstmOutput{-0.0116771186397, 0.0995335518712, 0.187621274828, 0.0815994948571, -0.179925328635, 0.137078551448, 0.219373917316, 0.139627465164, 0.217000000477, 0.118182605372, 0.0473868845655, -0.0278477539902, -0.135697388578, 0.0489448983779, 0.200716000705, 0.143770963359, 0.06010659243, 0.201059424808, 0.117270321785, 0.132614433782, -0.209804601695, 0.154509020034, 0.195695234889, 0.147667284781, 0.0760709375667, 0.187905255418, 0.164321625527, 0.119898873823, -0.140861071129, 0.109406291231, 0.215776261425, 0.13926185518, 0.223154825342, 0.149987681579, 0.146550211861, 0.0313918101923, -0.00762172915053, 0.170626635826, 0.109681475842, 0.167656526716, 0.12237715702, 0.18843071175, 0.167655240472, 0.114131086388, -0.253928928223, 0.153969095772, 0.169225567391, 0.1464650911, 0.10663040065, 0.194107200065, 0.171352826431, 0.112885173325, -0.0566641394509, 0.0805761922944, 0.176272561218, 0.116071017176, 0, 0, 0, 0, 0, 0, 0, 0, 0.129467415452, 0.193377501157, 0.175712988135, 0.113945157324, -0.278603921106, 0.0959386961593, 0.0791915059434, 0.129950805067, 0.105362528908, 0.200318415784, 0.182453026519, 0.12014162564, 0.0231835580628, -0.103727519356, 0.141160967785, 0.0273932531129, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  static const std::vector<double> kLstmHn{0.020509884251, -0.0122702181778, -0.340955199471, -0.278508132302, 0.0734778559558, -0.0993969070536, -0.133622073435, -0.0692845434117, 0.025774371729, -0.0980725278593, -0.245652149898, -0.400365999846, 0.113618042173, 0.158381708758, 0.000794319047763, -0.0498084066838, 0.148256563663, 0.0561620535895, 0.0366655127185, -0.111327109332, 0.207905284991, 0.0794504558535, -0.137589125135, -0.0768651510811, 0.105362528908, 0.200318415784, 0.182453026519, 0.12014162564, 0.223154825342, 0.149987681579, 0.146550211861, 0.0313918101923, 0.129467415452, 0.193377501157, 0.175712988135, 0.113945157324, -0.179925328635, 0.137078551448, 0.219373917316, 0.139627465164, -0.135697388578, 0.0489448983779, 0.200716000705, 0.143770963359, -0.209804601695, 0.154509020034, 0.195695234889, 0.147667284781};
  static const std::vector<double> kLstmCn{0.0790439729292, -0.0308007642805, -0.444104165291, -0.766587727627, 0.294096011112, -0.242521589875, -0.178692160546, -0.119726652962, 0.0600687864984, -0.221582310107, -0.41070490429, -0.775026515634, 0.431228189298, 0.29857158257, 0.00297901788475, -0.113128055176, 0.540475592032, 0.162875664583, 0.0853352433418, -0.248985017874, 0.662903036077, 0.542563176345, -0.222722674836, -0.156232387673, 0.198597602709, 0.782030611421, 0.641189395827, 0.513983360216, 0.481859008455, 0.549499773189, 0.480635109322, 0.0983441135685, 0.248227668151, 0.794577153181, 0.650260527105, 0.503618494617, -0.275708581397, 0.322614187304, 0.609277285694, 0.607695593708, -0.201599207394, 0.0968986163785, 0.451802616833, 0.475641749082, -0.345106541719, 0.375458569938, 0.497395238934, 0.573669348444};
  static const std::vector<double> kGruOutput{-0.26022059178, 0.41184622395, -0.00643998610001, -0.261787071031, 0.0159657884377, 0.177209924766, -0.061436971385, -0.312358503914, 0.492589864077, 0.0365120712113, -0.332218016893, -0.0662785771484, 0.462323760839, -0.0868817242942, -0.248059621692, 0.0697897180534, 0.0367891378868, 0.25400847878, -0.288603299569, -0.20878549915, -0.328798129608, 0.557991908823, -0.253540177003, -0.392930127381};
  static const std::vector<double> kGruHn{0.492589864077, 0.0365120712113, -0.332218016893, -0.0662785771484, -0.328798129608, 0.557991908823, -0.253540177003, -0.392930127381};
  static const std::vector<double> kRnnOutput{0, 1.47109722684, 0.0718548740102, 0.449645449397, 0.247607094775, 1.04342994379, 0.503815923294, 0.063306030583, 0, 1.71030239114, 0, 0.881728365032, 0, 2.23185596992, 0, 1.38326069163, 0.195367326649, 1.45069673648, 0, 1.0038543258, 0.183287578323, 1.46118886472, 0, 1.00785750985};
  static const std::vector<double> kRnnHn{0.63012426701, 0.546437281696, 0, 0, 1.78208030363, 0, 0, 0.0225647726094, 0.195367326649, 1.45069673648, 0, 1.0038543258, 0.183287578323, 1.46118886472, 0, 1.00785750985};
  SECTION("LSTM, two layers, bidirectional, unsorted lengths") {
    nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true));
    lstm->to(ember::kFloat64);
    fill_params(*lstm, 0.1);
    Tensor x = seq({4, 3, 3}, 0.3, 0.2), h0 = seq({4, 3, 4}, 0.5, 0.4) * 0.5, c0 = seq({4, 3, 4}, 0.9, 0.6) * 0.5;
    auto [out, hc] = lstm(x, std::vector<int64_t>{4, 2, 3}, nn::LSTMImpl::State{h0, c0});
    require_close(out, kLstmOutput);
    require_close(std::get<0>(hc), kLstmHn);
    require_close(std::get<1>(hc), kLstmCn);
  }
  SECTION("GRU, batch_first") {
    nn::GRU gru(nn::GRUOptions(3, 4).batch_first(true));
    gru->to(ember::kFloat64);
    fill_params(*gru, 0.2);
    auto [out, hn] = gru(seq({2, 3, 3}, 0.4, 0.1));
    require_close(out, kGruOutput);
    require_close(hn, kGruHn);
  }
  SECTION("RNN relu, two layers") {
    nn::RNN rnn(nn::RNNOptions(3, 4).num_layers(2).nonlinearity("relu"));
    rnn->to(ember::kFloat64);
    fill_params(*rnn, 5.0);
    auto [out, hn] = rnn(seq({3, 2, 3}, 0.6, 0.5) + 0.5);
    require_close(out, kRnnOutput);
    require_close(hn, kRnnHn);
  }
}

// ---------------------------------------------------------------- gradients

TEST_CASE("recurrent modules pass gradcheck", "[rnn][needs-functional]") {
  for (std::string kind : {"LSTM", "GRU", "RNN_TANH"}) {
    DYNAMIC_SECTION(kind) {
      AnyRnn m = make_rnn(kind, nn::RNNOptions(2, 3).num_layers(2).bidirectional(true));
      Tensor x = testing::leaf({4, 3, 2}, -1, 1), h0 = testing::leaf({4, 3, 3}, -1, 1);
      Tensor c0 = testing::leaf({4, 3, 3}, -1, 1);
      const std::vector<int64_t> lengths{2, 4, 3};
      // With respect to the input and the initial states.
      REQUIRE(ember::autograd::gradcheck(
          [&](const std::vector<Tensor>& in) {
            std::vector<Tensor> out = m.run(in[0], &lengths, in[1], kind == "LSTM" ? in[2] : Tensor());
            if (out[2].defined()) return std::vector<Tensor>{out[0], out[1], out[2]};
            return std::vector<Tensor>{out[0], out[1]};
          },
          {x, h0, kind == "LSTM" ? c0 : c0.detach()}));
      // With respect to every parameter: backward against central differences.
      Tensor gy = ember::randn({4, 3, 6}, ember::kFloat64);
      auto loss = [&] {
        std::vector<Tensor> out = m.run(x.detach(), &lengths, h0.detach(), kind == "LSTM" ? c0.detach() : Tensor());
        Tensor l = (out[0] * gy).sum() + out[1].square().sum();
        return out[2].defined() ? l + out[2].sum() : l;
      };
      m.module->zero_grad();
      loss().backward();
      for (auto& item : m.module->named_parameters()) {
        Tensor& p = item.second;
        INFO(item.first);
        std::vector<double> analytic = testing::values(p.grad());
        Tensor flat = p.detach().view({-1});
        for (int64_t i = 0; i < p.numel(); ++i) {
          ember::NoGradGuard no_grad;
          double v0 = flat[i].item<double>();
          flat[i] = v0 + 1e-6;
          double up = loss().item<double>();
          flat[i] = v0 - 1e-6;
          double down = loss().item<double>();
          flat[i] = v0;
          REQUIRE(analytic[static_cast<std::size_t>(i)] == Approx((up - down) / 2e-6).margin(1e-6));
        }
      }
    }
  }
}

TEST_CASE("a long unroll runs backward and frees its graph", "[rnn][needs-functional]") {
  nn::LSTM lstm(nn::LSTMOptions(2, 3));
  Tensor x = ember::randn({1000, 2, 2});
  std::weak_ptr<ember::autograd::Node> node;
  {
    auto [out, hc] = lstm(x, std::vector<int64_t>{1000, 700});
    node = out.grad_fn();
    REQUIRE(!node.expired());
    (out.sum() + std::get<1>(hc).sum()).backward();
    for (const Tensor& p : lstm->parameters()) REQUIRE(p.grad().defined());
    REQUIRE(std::isfinite(lstm->parameters()[0].grad().abs().sum().item<double>()));
  }
  CHECK(node.expired());
  {
    // Without backward too: dropping the outputs frees a 1000-step graph iteratively.
    auto [out, hc] = lstm(x);
    node = std::get<0>(hc).grad_fn();
  }
  CHECK(node.expired());
}
