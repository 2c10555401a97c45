// linear, dropout, embedding, the recurrent cells, scaled_dot_product_attention, one_hot
// and normalize: values against naive loops written here, gradcheck, errors.
#include <cmath>
#include <limits>
#include <vector>

#include "helpers.hpp"

namespace F = ember::nn::functional;
using ember::Tensor;
using testing::leaf;
using testing::values;

namespace {

using Vec = std::vector<double>;

bool close(const Vec& a, const Vec& b, double tol = 1e-9) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(std::fabs(a[i] - b[i]) <= tol * (1 + std::fabs(b[i])))) return false;
  return true;
}

bool check(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& in,
           bool second = false) {
  return ember::autograd::gradcheck(f, in, second ? testing::second_order() : ember::autograd::GradcheckOptions{});
}

Tensor randn64(ember::IntArrayRef s) { return ember::randn(s, ember::kFloat64); }

// x [n, in] times w [out, in]^T plus b [out] (b may be empty), row-major.
Vec naive_affine(const Vec& x, const Vec& w, const Vec& b, std::size_t n, std::size_t in, std::size_t out) {
  Vec y(n * out);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t o = 0; o < out; ++o) {
      double s = b.empty() ? 0 : b[o];
      for (std::size_t k = 0; k < in; ++k) s += x[i * in + k] * w[o * in + k];
      y[i * out + o] = s;
    }
  return y;
}

double sig(double v) { return 1 / (1 + std::exp(-v)); }

}  // namespace

TEST_CASE("linear: 1-D, 2-D and 3-D input, with and without bias", "[nnlayers]") {
  Tensor w = randn64({3, 4}), b = randn64({3});
  Tensor x = randn64({2, 5, 4});
  Vec expect = naive_affine(values(x), values(w), values(b), 10, 4, 3);
  Tensor y = F::linear(x, w, b);
  CHECK(y.sizes().vec() == std::vector<int64_t>{2, 5, 3});
  CHECK(close(values(y), expect));
  CHECK(close(values(F::linear(x.reshape({10, 4}), w, b)), expect));
  CHECK(close(values(F::linear(x.select(0, 1).select(0, 2), w, b)), Vec(expect.begin() + 21, expect.begin() + 24)));
  CHECK(close(values(F::linear(x, w)), naive_affine(values(x), values(w), {}, 10, 4, 3)));
  // A non-contiguous input.
  Tensor xt = randn64({4, 6}).t();
  CHECK(close(values(F::linear(xt, w, b)), naive_affine(values(xt), values(w), values(b), 6, 4, 3)));

  CHECK(check([](const std::vector<Tensor>& in) { return F::linear(in[0], in[1], in[2]); },
              {leaf({2, 3, 4}), leaf({3, 4}), leaf({3})}, true));
  CHECK(check([](const std::vector<Tensor>& in) { return F::linear(in[0], in[1], in[2]); },
              {leaf({5, 4}), leaf({3, 4}), leaf({3})}, true));
  CHECK(check([](const std::vector<Tensor>& in) { return F::linear(in[0], in[1]); }, {leaf({4}), leaf({3, 4})}));

  using Catch::Contains;
  REQUIRE_THROWS_WITH(F::linear(randn64({2, 5}), w), Contains("linear") && Contains("[2, 5]") && Contains("[3, 4]"));
  REQUIRE_THROWS_WITH(F::linear(randn64({2, 4}), randn64({4})), Contains("linear") && Contains("weight"));
  REQUIRE_THROWS_WITH(F::linear(randn64({2, 4}), w, randn64({4})), Contains("bias") && Contains("[4]"));
  REQUIRE_THROWS_WITH(F::linear(ember::randn({2, 4}), w), Contains("linear") && Contains("float32") &&
                                                              Contains("float64"));
}

TEST_CASE("dropout: identity when off, scaling, reproducible with manual_seed", "[nnlayers]") {
  Tensor x = ember::rand({1000}, ember::kFloat64) + 1;
  CHECK(F::dropout(x, 0.5, false).is_same(x));
  CHECK(F::dropout(x, 0.0, true).is_same(x));
  CHECK(values(F::dropout(x, 1.0)) == Vec(1000, 0.0));
  ember::manual_seed(42);
  Tensor y = F::dropout(x, 0.3);
  ember::manual_seed(42);
  CHECK(values(F::dropout(x, 0.3)) == values(y));
  Vec xv = values(x), yv = values(y);
  int zeros = 0;
  bool scaled = true;
  for (std::size_t i = 0; i < xv.size(); ++i) {
    if (yv[i] == 0) {
      ++zeros;
    } else {
      scaled = scaled && std::fabs(yv[i] - xv[i] / 0.7) < 1e-12;
    }
  }
  CHECK(scaled);
  CHECK(zeros > 230);  // about 300 expected
  CHECK(zeros < 370);

  // The gradient is the same mask and scale.
  Tensor xl = leaf({50});
  ember::manual_seed(3);
  Tensor d = F::dropout(xl, 0.4);
  d.sum().backward();
  Vec g = values(xl.grad()), dv = values(d);
  for (std::size_t i = 0; i < g.size(); ++i) CHECK(g[i] == (dv[i] == 0 ? 0.0 : 1 / 0.6));
  CHECK(check([](const std::vector<Tensor>& in) {
    ember::manual_seed(11);
    return F::dropout(in[0], 0.25);
  }, {leaf({3, 4})}, true));

  using Catch::Contains;
  REQUIRE_THROWS_WITH(F::dropout(x, 1.5), Contains("dropout") && Contains("1.5"));
  REQUIRE_THROWS_WITH(F::dropout(x, -0.1, false), Contains("dropout") && Contains("-0.1"));
}

TEST_CASE("embedding: rows by index, repeated indices, padding_idx", "[nnlayers]") {
  Tensor w = randn64({5, 3});
  Tensor idx = ember::tensor({{0, 4, 4}, {2, 1, 4}});
  Tensor y = F::embedding(idx, w);
  CHECK(y.sizes().vec() == std::vector<int64_t>{2, 3, 3});
  Vec wv = values(w), yv = values(y);
  std::vector<int64_t> iv = idx.tolist<int64_t>();
  for (std::size_t i = 0; i < iv.size(); ++i)
    for (std::size_t d = 0; d < 3; ++d) CHECK(yv[i * 3 + d] == wv[static_cast<std::size_t>(iv[i]) * 3 + d]);
  CHECK(F::embedding(ember::tensor(int64_t(2)).reshape({}), w).sizes().vec() == std::vector<int64_t>{3});

  // Gradient: each row gets the sum of its uses; the padding row (4, or -1) gets none.
  for (std::optional<int64_t> pad : {std::optional<int64_t>(), std::optional<int64_t>(4), std::optional<int64_t>(-1)}) {
    Tensor wl = randn64({5, 3}).requires_grad_(true);
    Tensor g = randn64({2, 3, 3});
    (F::embedding(idx, wl, pad) * g).sum().backward();
    Vec gv = values(g), expect(15, 0.0);
    for (std::size_t i = 0; i < iv.size(); ++i)
      for (std::size_t d = 0; d < 3; ++d)
        if (!pad || iv[i] != 4) expect[static_cast<std::size_t>(iv[i]) * 3 + d] += gv[i * 3 + d];
    CHECK(close(values(wl.grad()), expect));
  }
  // float32, with many repeated indices: the dense gradient adds rows in index order.
  {
    Tensor many = ember::randint(0, 5, {400});
    Tensor wl = ember::randn({5, 3}).requires_grad_(true);
    Tensor g = ember::randn({400, 3});
    F::embedding(many, wl).backward(g);
    std::vector<int64_t> mv = many.tolist<int64_t>();
    Vec gv = values(g), expect(15, 0.0);
    for (std::size_t i = 0; i < mv.size(); ++i)
      for (std::size_t d = 0; d < 3; ++d) expect[static_cast<std::size_t>(mv[i]) * 3 + d] += gv[i * 3 + d];
    CHECK(close(values(wl.grad()), expect, 1e-5));
  }
  CHECK(check([&](const std::vector<Tensor>& in) { return F::embedding(idx, in[0]); }, {leaf({5, 3})}, true));
  // With padding_idx 2, whose row the output then must not depend on at all (its
  // gradient is 0 by definition): zero that row before the lookup.
  Tensor keep = ember::tensor({1.0, 1.0, 0.0, 1.0, 1.0}, ember::kFloat64).unsqueeze(1);
  CHECK(check([&](const std::vector<Tensor>& in) { return F::embedding(idx, in[0] * keep, 2); }, {leaf({5, 3})}));

  using Catch::Contains;
  REQUIRE_THROWS_WITH(F::embedding(ember::tensor({0, 5}), w),
                      Contains("embedding") && Contains("index 5") && Contains("[5, 3]"));
  REQUIRE_THROWS_WITH(F::embedding(ember::tensor({-1}), w), Contains("embedding") && Contains("index -1"));
  REQUIRE_THROWS_WITH(F::embedding(ember::tensor({0.0}), w), Contains("embedding") && Contains("int64"));
  REQUIRE_THROWS_WITH(F::embedding(ember::tensor({0}), randn64({5})), Contains("embedding") && Contains("[5]"));
  REQUIRE_THROWS_WITH(F::embedding(ember::tensor({0}), w, 5), Contains("padding_idx 5"));
}

TEST_CASE("lstm_cell, gru_cell, rnn cells against naive loops", "[nnlayers]") {
  const std::size_t N = 2, I = 3, H = 2;
  Tensor x = randn64({2, 3}), h = randn64({2, 2}), c = randn64({2, 2});
  Tensor wi4 = randn64({8, 3}), wh4 = randn64({8, 2}), bi4 = randn64({8}), bh4 = randn64({8});
  Vec gi = naive_affine(values(x), values(wi4), values(bi4), N, I, 4 * H);
  Vec gh = naive_affine(values(h), values(wh4), values(bh4), N, H, 4 * H);
  Vec cv = values(c), hy(N * H), cy(N * H);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t j = 0; j < H; ++j) {
      auto gate = [&](std::size_t k) { return gi[n * 4 * H + k * H + j] + gh[n * 4 * H + k * H + j]; };
      double ig = sig(gate(0)), fg = sig(gate(1)), gg = std::tanh(gate(2)), og = sig(gate(3));
      cy[n * H + j] = fg * cv[n * H + j] + ig * gg;
      hy[n * H + j] = og * std::tanh(cy[n * H + j]);
    }
  auto [h1, c1] = F::lstm_cell(x, h, c, wi4, wh4, bi4, bh4);
  CHECK(close(values(h1), hy));
  CHECK(close(values(c1), cy));
  // Unbatched input gives the batched row.
  auto [hu, cu] = F::lstm_cell(x[1], h[1], c[1], wi4, wh4, bi4, bh4);
  CHECK(hu.sizes().vec() == std::vector<int64_t>{2});
  CHECK(close(values(hu), Vec(hy.begin() + 2, hy.end())));
  CHECK(close(values(cu), Vec(cy.begin() + 2, cy.end())));

  Tensor wi3 = randn64({6, 3}), wh3 = randn64({6, 2}), bi3 = randn64({6}), bh3 = randn64({6});
  Vec ri = naive_affine(values(x), values(wi3), values(bi3), N, I, 3 * H);
  Vec rh = naive_affine(values(h), values(wh3), values(bh3), N, H, 3 * H);
  Vec hv = values(h), gru(N * H);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t j = 0; j < H; ++j) {
      auto at = [&](const Vec& v, std::size_t k) { return v[n * 3 * H + k * H + j]; };
      double r = sig(at(ri, 0) + at(rh, 0)), z = sig(at(ri, 1) + at(rh, 1));
      double nn = std::tanh(at(ri, 2) + r * at(rh, 2));
      gru[n * H + j] = (1 - z) * nn + z * hv[n * H + j];
    }
  CHECK(close(values(F::gru_cell(x, h, wi3, wh3, bi3, bh3)), gru));
  CHECK(close(values(F::gru_cell(x[0], h[0], wi3, wh3, bi3, bh3)), Vec(gru.begin(), gru.begin() + 2)));

  Tensor wi1 = randn64({2, 3}), wh1 = randn64({2, 2}), bi1 = randn64({2}), bh1 = randn64({2});
  Vec pre = naive_affine(values(x), values(wi1), values(bi1), N, I, H);
  Vec preh = naive_affine(values(h), values(wh1), values(bh1), N, H, H);
  Vec th, rl;
  for (std::size_t k = 0; k < pre.size(); ++k) {
    th.push_back(std::tanh(pre[k] + preh[k]));
    rl.push_back(std::max(0.0, pre[k] + preh[k]));
  }
  CHECK(close(values(F::rnn_tanh_cell(x, h, wi1, wh1, bi1, bh1)), th));
  CHECK(close(values(F::rnn_relu_cell(x, h, wi1, wh1, bi1, bh1)), rl));
  // No biases; a missing hidden state is zeros.
  CHECK(close(values(F::rnn_tanh_cell(x, Tensor(), wi1, wh1)),
              values(F::rnn_tanh_cell(x, ember::zeros({2, 2}, ember::kFloat64), wi1, wh1))));
}

TEST_CASE("recurrent cells: gradcheck and errors", "[nnlayers]") {
  CHECK(check([](const std::vector<Tensor>& in) {
    auto [h, c] = F::lstm_cell(in[0], in[1], in[2], in[3], in[4], in[5], in[6]);
    return h * 2 + c;
  }, {leaf({2, 3}), leaf({2, 2}), leaf({2, 2}), leaf({8, 3}), leaf({8, 2}), leaf({8}), leaf({8})}, true));
  CHECK(check([](const std::vector<Tensor>& in) {
    return std::get<1>(F::lstm_cell(in[0], in[1], in[2], in[3], in[4]));
  }, {leaf({3}), leaf({2}), leaf({2}), leaf({8, 3}), leaf({8, 2})}));
  CHECK(check([](const std::vector<Tensor>& in) { return F::gru_cell(in[0], in[1], in[2], in[3], in[4], in[5]); },
              {leaf({2, 3}), leaf({2, 2}), leaf({6, 3}), leaf({6, 2}), leaf({6}), leaf({6})}, true));
  CHECK(check([](const std::vector<Tensor>& in) { return F::rnn_tanh_cell(in[0], in[1], in[2], in[3], in[4], in[5]); },
              {leaf({2, 3}), leaf({2, 2}), leaf({2, 3}), leaf({2, 2}), leaf({2}), leaf({2})}));
  CHECK(check([](const std::vector<Tensor>& in) { return F::rnn_relu_cell(in[0], in[1], in[2], in[3], in[4], in[5]); },
              {leaf({2, 3}), leaf({2, 2}), leaf({2, 3}), leaf({2, 2}), leaf({2}), leaf({2})}));

  using Catch::Contains;
  Tensor x = randn64({2, 3}), h = randn64({2, 2});
  REQUIRE_THROWS_WITH(F::lstm_cell(x, h, h, randn64({8, 4}), randn64({8, 2})),
                      Contains("lstm_cell") && Contains("w_ih") && Contains("[8, 4]"));
  REQUIRE_THROWS_WITH(F::lstm_cell(x, h, h, randn64({8, 3}), randn64({6, 2})),
                      Contains("lstm_cell") && Contains("w_hh") && Contains("[6, 2]"));
  REQUIRE_THROWS_WITH(F::lstm_cell(x, randn64({3, 2}), h, randn64({8, 3}), randn64({8, 2})),
                      Contains("lstm_cell") && Contains("[3, 2]") && Contains("[2, 2]"));
  REQUIRE_THROWS_WITH(F::lstm_cell(x, h, randn64({2, 3}), randn64({8, 3}), randn64({8, 2})),
                      Contains("cx") && Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(F::gru_cell(randn64({1, 2, 3}), h, randn64({6, 3}), randn64({6, 2})),
                      Contains("gru_cell") && Contains("[1, 2, 3]"));
  REQUIRE_THROWS_WITH(F::gru_cell(x, h, randn64({6, 3}), randn64({6, 2}), randn64({5})),
                      Contains("gru_cell") && Contains("b_ih") && Contains("[5]"));
  REQUIRE_THROWS_WITH(F::rnn_tanh_cell(x[0], h, randn64({2, 3}), randn64({2, 2})),
                      Contains("rnn_tanh_cell") && Contains("[2, 2]"));
}

TEST_CASE("scaled_dot_product_attention against a naive loop", "[nnlayers]") {
  const std::size_t L = 3, S = 4, E = 2, Ev = 3;
  Tensor q = randn64({2, 3, 2}), k = randn64({2, 4, 2}), v = randn64({2, 4, 3});
  Tensor bmask = ember::tensor({{true, false, true, true}, {false, true, true, false}, {true, true, true, true}});
  Tensor fmask = randn64({3, 4});
  Vec qv = values(q), kv = values(k), vv = values(v), bm = values(bmask.to(ember::kFloat64)), fm = values(fmask);
  // mode 0: plain, 1: bool mask, 2: float mask, 3: causal; scale sc.
  auto naive = [&](int mode, double sc) {
    Vec out(2 * L * Ev, 0.0);
    for (std::size_t b = 0; b < 2; ++b)
      for (std::size_t i = 0; i < L; ++i) {
        Vec s(S);
        double m = -INFINITY;
        for (std::size_t j = 0; j < S; ++j) {
          double d = 0;
          for (std::size_t e = 0; e < E; ++e) d += qv[(b * L + i) * E + e] * kv[(b * S + j) * E + e];
          s[j] = d * sc;
          if (mode == 1 && bm[i * S + j] == 0) s[j] = -INFINITY;
          if (mode == 2) s[j] += fm[i * S + j];
          if (mode == 3 && j > i) s[j] = -INFINITY;
          m = std::max(m, s[j]);
        }
        double z = 0;
        for (std::size_t j = 0; j < S; ++j) z += std::exp(s[j] - m);
        for (std::size_t j = 0; j < S; ++j)
          for (std::size_t e = 0; e < Ev; ++e)
            out[(b * L + i) * Ev + e] += std::exp(s[j] - m) / z * vv[(b * S + j) * Ev + e];
      }
    return out;
  };
  double def = 1 / std::sqrt(2.0);
  CHECK(close(values(F::scaled_dot_product_attention(q, k, v)), naive(0, def)));
  CHECK(close(values(F::scaled_dot_product_attention(q, k, v, bmask)), naive(1, def)));
  CHECK(close(values(F::scaled_dot_product_attention(q, k, v, fmask)), naive(2, def)));
  CHECK(close(values(F::scaled_dot_product_attention(q, k, v, Tensor(), 0.0, true)), naive(3, def)));
  CHECK(close(values(F::scaled_dot_product_attention(q, k, v, Tensor(), 0.0, false, 0.3)), naive(0, 0.3)));

  // Dropout on the attention weights draws from ember's generator.
  ember::manual_seed(5);
  Tensor d1 = F::scaled_dot_product_attention(q, k, v, Tensor(), 0.5);
  ember::manual_seed(5);
  CHECK(values(F::scaled_dot_product_attention(q, k, v, Tensor(), 0.5)) == values(d1));
}

TEST_CASE("scaled_dot_product_attention: gradcheck and errors", "[nnlayers]") {
  Tensor bmask = ember::tensor({{true, false, true, true}, {false, true, true, false}, {true, true, true, true}});
  Tensor fmask = randn64({3, 4});
  CHECK(check([](const std::vector<Tensor>& in) { return F::scaled_dot_product_attention(in[0], in[1], in[2]); },
              {leaf({2, 3, 2}), leaf({2, 4, 2}), leaf({2, 4, 3})}, true));
  CHECK(check([&](const std::vector<Tensor>& in) { return F::scaled_dot_product_attention(in[0], in[1], in[2], bmask); },
              {leaf({2, 3, 2}), leaf({2, 4, 2}), leaf({2, 4, 3})}));
  CHECK(check([&](const std::vector<Tensor>& in) {
    return F::scaled_dot_product_attention(in[0], in[1], in[2], in[3], 0.0, false, 0.7);
  }, {leaf({2, 3, 2}), leaf({2, 4, 2}), leaf({2, 4, 3}), leaf({3, 4})}));
  CHECK(check([](const std::vector<Tensor>& in) {
    return F::scaled_dot_product_attention(in[0], in[1], in[2], Tensor(), 0.0, true);
  }, {leaf({1, 2, 4, 3}), leaf({1, 2, 4, 3}), leaf({1, 2, 4, 2})}));
  CHECK(check([](const std::vector<Tensor>& in) {
    ember::manual_seed(9);
    return F::scaled_dot_product_attention(in[0], in[1], in[2], Tensor(), 0.3);
  }, {leaf({2, 3, 2}), leaf({2, 4, 2}), leaf({2, 4, 3})}));

  using Catch::Contains;
  Tensor q = randn64({2, 3, 2}), k = randn64({2, 4, 2}), v = randn64({2, 4, 3});
  REQUIRE_THROWS_WITH(F::scaled_dot_product_attention(q, randn64({2, 4, 3}), v),
                      Contains("scaled_dot_product_attention") && Contains("[2, 3, 2]") && Contains("[2, 4, 3]"));
  REQUIRE_THROWS_WITH(F::scaled_dot_product_attention(q, k, randn64({2, 5, 3})), Contains("[2, 5, 3]"));
  REQUIRE_THROWS_WITH(F::scaled_dot_product_attention(q, k, v, randn64({3, 5})), Contains("attn_mask") &&
                                                                                    Contains("[3, 5]"));
  REQUIRE_THROWS_WITH(F::scaled_dot_product_attention(q, k, v, bmask, 0.0, true), Contains("is_causal"));
  REQUIRE_THROWS_WITH(F::scaled_dot_product_attention(q, k, v, Tensor(), 2.0), Contains("dropout_p"));
}

TEST_CASE("one_hot and normalize", "[nnlayers]") {
  Tensor idx = ember::tensor({{0, 2}, {1, 0}});
  Tensor oh = F::one_hot(idx);
  CHECK(oh.dtype() == ember::kInt64);
  CHECK(oh.sizes().vec() == std::vector<int64_t>{2, 2, 3});
  CHECK(oh.tolist<int64_t>() == std::vector<int64_t>{1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0});
  CHECK(F::one_hot(ember::tensor({1}), 4).tolist<int64_t>() == std::vector<int64_t>{0, 1, 0, 0});
  CHECK(F::one_hot(ember::zeros({0}, ember::kInt64), 3).sizes().vec() == std::vector<int64_t>{0, 3});
  using Catch::Contains;
  REQUIRE_THROWS_WITH(F::one_hot(ember::tensor({0, 3}), 3), Contains("one_hot") && Contains("3"));
  REQUIRE_THROWS_WITH(F::one_hot(ember::tensor({-1, 0})), Contains("one_hot") && Contains("non-negative"));
  REQUIRE_THROWS_WITH(F::one_hot(ember::zeros({0}, ember::kInt64)), Contains("one_hot") && Contains("empty"));
  REQUIRE_THROWS_WITH(F::one_hot(ember::tensor({0.5})), Contains("one_hot") && Contains("int64"));

  Tensor x = ember::tensor({{3.0, 4.0}, {0.0, 0.0}, {1.0, -1.0}}, ember::kFloat64);
  CHECK(close(values(F::normalize(x)), {0.6, 0.8, 0, 0, 1 / std::sqrt(2.0), -1 / std::sqrt(2.0)}));
  CHECK(close(values(F::normalize(x, 1.0, 0)), {0.75, 0.8, 0, 0, 0.25, -0.2}));
  CHECK(close(values(F::normalize(ember::tensor({1e-14, 0.0}, ember::kFloat64), 2.0, 0)), {1e-2, 0}));
  CHECK(check([](const std::vector<Tensor>& in) { return F::normalize(in[0]); }, {leaf({3, 4})}, true));
  CHECK(check([](const std::vector<Tensor>& in) { return F::normalize(in[0], 3.0, -1); }, {leaf({2, 3}, 0.5, 2)}));
  REQUIRE_THROWS_WITH(F::normalize(ember::tensor({1, 2})), Contains("normalize"));
}
