// Pooling: max_pool2d, avg_pool2d and adaptive_avg_pool2d against naive loops written
// here and against values computed by PyTorch 1.13 (stated where used); gradients routed
// to the argmax; NaN; unbatched and non-contiguous inputs; errors; gradcheck of first
// and second order.
#include <ember/nn/functional.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "helpers.hpp"

using ember::Tensor;
using testing::leaf;
using testing::error_of;
using testing::gradcheck2;
using testing::values;
namespace F = ember::nn::functional;

namespace {

struct Pool {
  int64_t kh, kw, sh, sw, ph = 0, pw = 0, dh = 1, dw = 1;
  bool ceil = false;
};

// Output length as PyTorch's documentation gives it, with the ceil_mode rule that a
// window starting in the right padding is dropped.
int64_t out_len(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil) {
  double len = double(in + 2 * p - d * (k - 1) - 1) / double(s);
  int64_t out = int64_t(ceil ? std::ceil(len) : std::floor(len)) + 1;
  if (ceil && (out - 1) * s >= in + p) --out;
  return out;
}

// Max over each window (in the [planes, H, W] view of x), by definition.
std::vector<double> naive_max(const Tensor& x, const Pool& p, int64_t* Ho, int64_t* Wo) {
  std::vector<double> X = values(x);
  int64_t H = x.size(-2), W = x.size(-1), planes = x.numel() / (H * W);
  *Ho = out_len(H, p.kh, p.sh, p.ph, p.dh, p.ceil);
  *Wo = out_len(W, p.kw, p.sw, p.pw, p.dw, p.ceil);
  std::vector<double> y;
  for (int64_t c = 0; c < planes; ++c)
    for (int64_t i = 0; i < *Ho; ++i)
      for (int64_t j = 0; j < *Wo; ++j) {
        double m = -std::numeric_limits<double>::infinity();
        for (int64_t a = 0; a < p.kh; ++a)
          for (int64_t b = 0; b < p.kw; ++b) {
            int64_t h = i * p.sh - p.ph + a * p.dh, w = j * p.sw - p.pw + b * p.dw;
            if (h >= 0 && h < H && w >= 0 && w < W) m = std::max(m, X[(c * H + h) * W + w]);
          }
        y.push_back(m);
      }
  return y;
}

// Mean over each window: the divisor counts the padding inside the padded input when
// count_include_pad, else only the input elements.
std::vector<double> naive_avg(const Tensor& x, const Pool& p, bool include_pad, int64_t* Ho, int64_t* Wo) {
  std::vector<double> X = values(x);
  int64_t H = x.size(-2), W = x.size(-1), planes = x.numel() / (H * W);
  *Ho = out_len(H, p.kh, p.sh, p.ph, 1, p.ceil);
  *Wo = out_len(W, p.kw, p.sw, p.pw, 1, p.ceil);
  std::vector<double> y;
  for (int64_t c = 0; c < planes; ++c)
    for (int64_t i = 0; i < *Ho; ++i)
      for (int64_t j = 0; j < *Wo; ++j) {
        double s = 0;
        int64_t inside = 0, padded = 0;
        for (int64_t a = 0; a < p.kh; ++a)
          for (int64_t b = 0; b < p.kw; ++b) {
            int64_t h = i * p.sh - p.ph + a, w = j * p.sw - p.pw + b;
            if (h < H + p.ph && w < W + p.pw) ++padded;
            if (h >= 0 && h < H && w >= 0 && w < W) s += X[(c * H + h) * W + w], ++inside;
          }
        y.push_back(s / double(include_pad ? padded : inside));
      }
  return y;
}

std::vector<double> naive_adaptive(const Tensor& x, int64_t Ho, int64_t Wo) {
  std::vector<double> X = values(x);
  int64_t H = x.size(-2), W = x.size(-1), planes = x.numel() / (H * W);
  std::vector<double> y;
  for (int64_t c = 0; c < planes; ++c)
    for (int64_t i = 0; i < Ho; ++i)
      for (int64_t j = 0; j < Wo; ++j) {
        int64_t h0 = int64_t(std::floor(double(i * H) / Ho)), h1 = int64_t(std::ceil(double((i + 1) * H) / Ho));
        int64_t w0 = int64_t(std::floor(double(j * W) / Wo)), w1 = int64_t(std::ceil(double((j + 1) * W) / Wo));
        double s = 0;
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) s += X[(c * H + h) * W + w];
        y.push_back(s / double((h1 - h0) * (w1 - w0)));
      }
  return y;
}

void check_values(const Tensor& got, const std::vector<double>& want, double tol) {
  std::vector<double> g = values(got);
  REQUIRE(g.size() == want.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i);
    REQUIRE(g[i] == Approx(want[i]).margin(tol).epsilon(tol));
  }
}

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// (i * 7 mod 11) - 5 over [1, 1, 6, 6]: the input of the PyTorch-computed cases below.
Tensor pattern6x6() {
  std::vector<double> v;
  for (int i = 0; i < 36; ++i) v.push_back(double(i * 7 % 11) - 5);
  return ember::tensor(v, {1, 1, 6, 6});
}

const std::vector<Pool> kMaxCases = {
    {2, 2, 2, 2},       {3, 3, 1, 1, 1, 1},       {3, 3, 2, 2, 1, 1},        {2, 3, 1, 2, 1, 1},
    {2, 2, 2, 2, 0, 0, 1, 1, true}, {3, 3, 2, 2, 1, 1, 1, 1, true}, {2, 2, 1, 1, 0, 0, 2, 2}, {3, 2, 2, 1, 1, 1, 2, 3, true},
};

}  // namespace

TEST_CASE("max_pool2d matches a naive maximum", "[pool]") {
  for (ember::Dtype dt : {ember::kFloat64, ember::kFloat32}) {
    for (const Pool& p : kMaxCases) {
      for (std::vector<int64_t> shape : {std::vector<int64_t>{2, 3, 7, 8}, std::vector<int64_t>{3, 6, 6}}) {
        INFO("k " << p.kh << "x" << p.kw << " s " << p.sh << "x" << p.sw << " p " << p.ph << " d " << p.dh << "x"
                  << p.dw << " ceil " << p.ceil << " dims " << shape.size());
        Tensor x = ember::randn(shape, dt);
        Tensor y = F::max_pool2d(x, {p.kh, p.kw}, {p.sh, p.sw}, {p.ph, p.pw}, {p.dh, p.dw}, p.ceil);
        int64_t Ho, Wo;
        std::vector<double> want = naive_max(x, p, &Ho, &Wo);
        REQUIRE(y.size(-2) == Ho);
        REQUIRE(y.size(-1) == Wo);
        REQUIRE(y.dim() == x.dim());
        check_values(y, want, 0);
      }
    }
  }
  // The fast 2x2 path on the benchmark's shape, and a non-contiguous input.
  Tensor x = ember::randn({4, 8, 28, 28});
  int64_t Ho, Wo;
  check_values(F::max_pool2d(x, 2), naive_max(x, {2, 2, 2, 2}, &Ho, &Wo), 0);
  Tensor xt = ember::randn({2, 3, 9, 6}).transpose(2, 3);
  check_values(F::max_pool2d(xt, 3, 2, 1), naive_max(xt, {3, 3, 2, 2, 1, 1}, &Ho, &Wo), 0);
}

TEST_CASE("max_pool2d agrees with PyTorch at the edges of ceil_mode and dilation", "[pool]") {
  Tensor x = pattern6x6();
  // Values from PyTorch 1.13: F.max_pool2d(x, 2, 2, 0, dilation=2, ceil_mode=True).
  Tensor y = F::max_pool2d(x, 2, 2, 0, 2, true);
  CHECK(y.sizes().vec() == std::vector<int64_t>{1, 1, 3, 3});
  check_values(y, {5, 5, 1, 5, 5, 4, 1, 4, 4}, 0);
  // Values from PyTorch 1.13: F.max_pool2d(x[..., :5, :5], 3, 2, 1, ceil_mode=True).
  Tensor x5 = x.slice(2, 0, 5).slice(3, 0, 5);
  check_values(F::max_pool2d(x5, 3, 2, 1, 1, true), {4, 5, 5, 4, 5, 3, 5, 5, 4}, 0);
}

TEST_CASE("max_pool2d sends each gradient to its window's maximum", "[pool]") {
  // Values from PyTorch 1.13: the indices of F.max_pool2d(x[..., :5, :5], 3, 2, 1,
  // ceil_mode=True, return_indices=True) are [5, 3, 3, 5, 12, 8, 21, 21, 24] (flat in 5x5).
  Tensor x = pattern6x6().slice(2, 0, 5).slice(3, 0, 5).contiguous().requires_grad_(true);
  Tensor y = F::max_pool2d(x, 3, 2, 1, 1, true);
  Tensor g = ember::arange(1, 10, ember::kFloat32).reshape({1, 1, 3, 3});
  y.backward(g);
  std::vector<double> want(25, 0.0);
  std::vector<int64_t> idx = {5, 3, 3, 5, 12, 8, 21, 21, 24};
  for (int i = 0; i < 9; ++i) want[idx[i]] += i + 1;
  check_values(x.grad(), want, 0);

  // A NaN in a window wins, as in PyTorch.
  Tensor n = ember::tensor({1.0, std::nan(""), 3.0, 4.0}).reshape({1, 1, 2, 2});
  CHECK(std::isnan(F::max_pool2d(n, 2).item<float>()));
  CHECK(std::isnan(F::max_pool2d(n, 2, 1, 0, 1, false).item<float>()));

  // The same in the 2x2 kernel's four-wide loop and its tail (W = 22: 11 outputs a row):
  // a window with a NaN gives NaN and sends its gradient to the NaN (the last one, as
  // PyTorch's "greater or NaN" scan does); the others match a naive maximum.
  for (ember::Dtype dt : {ember::kFloat32, ember::kFloat64}) {
    Tensor x = ember::randn({2, 4, 22}, dt);
    std::vector<std::pair<int64_t, int64_t>> nans = {{0, 1}, {1, 8}, {0, 13}, {1, 13}, {1, 21}, {3, 0}};
    for (auto [h, w] : nans) x.index_put_({int64_t{0}, h, w}, std::nan(""));
    x.requires_grad_(true);
    Tensor y = F::max_pool2d(x, 2);
    y.backward(ember::ones_like(y));
    std::vector<double> got = values(y), grad = values(x.grad()), xs = values(x.detach());
    REQUIRE(got.size() == 2 * 2 * 11);
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t i = 0; i < 2; ++i)
        for (int64_t j = 0; j < 11; ++j) {
          INFO("dtype " << (dt == ember::kFloat32 ? "float32" : "float64") << " plane " << c << " out " << i << "," << j);
          double m = -std::numeric_limits<double>::infinity();
          int64_t last_nan = -1, arg = -1;
          for (int64_t a = 0; a < 2; ++a)
            for (int64_t b = 0; b < 2; ++b) {
              int64_t k = (c * 4 + 2 * i + a) * 22 + 2 * j + b;
              if (std::isnan(xs[k])) last_nan = k;
              else if (xs[k] > m) m = xs[k], arg = k;
            }
          double v = got[(c * 2 + i) * 11 + j];
          if (last_nan >= 0) {
            CHECK(std::isnan(v));
            CHECK(grad[last_nan] == 1.0);
          } else {
            CHECK(v == m);
            CHECK(grad[arg] == 1.0);
          }
        }
  }
}

TEST_CASE("avg_pool2d matches a naive mean", "[pool]") {
  std::vector<Pool> cases = {
      {2, 2, 2, 2},       {3, 3, 1, 1, 1, 1},       {3, 3, 2, 2, 1, 1},       {2, 3, 1, 2, 1, 1},
      {2, 2, 2, 2, 0, 0, 1, 1, true}, {3, 3, 2, 2, 1, 1, 1, 1, true}, {2, 2, 2, 2, 1, 1, 1, 1, true},
  };
  for (ember::Dtype dt : {ember::kFloat64, ember::kFloat32}) {
    for (const Pool& p : cases) {
      for (bool include_pad : {true, false}) {
        INFO("k " << p.kh << "x" << p.kw << " s " << p.sh << "x" << p.sw << " p " << p.ph << " ceil " << p.ceil
                  << " include_pad " << include_pad);
        Tensor x = ember::randn({2, 3, 7, 8}, dt);
        Tensor y = F::avg_pool2d(x, {p.kh, p.kw}, {p.sh, p.sw}, {p.ph, p.pw}, p.ceil, include_pad);
        int64_t Ho, Wo;
        std::vector<double> want = naive_avg(x, p, include_pad, &Ho, &Wo);
        REQUIRE(y.sizes().vec() == std::vector<int64_t>{2, 3, Ho, Wo});
        check_values(y, want, dt == ember::kFloat32 ? 1e-5 : 1e-12);
      }
    }
  }
  // Values from PyTorch 1.13: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=True / False).
  Tensor x = pattern6x6();
  check_values(F::avg_pool2d(x, 3, 2, 1, true, true),
               {0.1111111111111111, 0.4444444444444444, 0.0, -1.3333333333333333, 0.0, 0.1111111111111111,
                -0.5555555555555556, 0.16666666666666666, -0.2222222222222222, -0.2222222222222222,
                -0.8888888888888888, 0.0, -0.16666666666666666, -0.5, -0.8333333333333334, -0.5},
               1e-6);
  check_values(F::avg_pool2d(x, 3, 2, 1, true, false),
               {0.25, 0.6666666666666666, 0.0, -4.0, 0.0, 0.1111111111111111, -0.5555555555555556,
                0.3333333333333333, -0.3333333333333333, -0.2222222222222222, -0.8888888888888888, 0.0, -0.5, -1.0,
                -1.6666666666666667, -2.0},
               1e-6);
  // Unbatched and non-contiguous.
  Tensor u = ember::randn({3, 6, 5});
  CHECK(F::avg_pool2d(u, 2).allclose(F::avg_pool2d(u.unsqueeze(0), 2)[0]));
  Tensor xt = ember::randn({1, 2, 5, 6}).transpose(2, 3);
  CHECK(F::avg_pool2d(xt, 3, 1, 1).allclose(F::avg_pool2d(xt.contiguous(), 3, 1, 1)));
}

TEST_CASE("adaptive_avg_pool2d matches a naive mean over PyTorch's windows", "[pool]") {
  for (auto sizes : std::vector<std::vector<int64_t>>{{3, 4}, {1, 1}, {5, 7}, {4, 3}, {2, 5}}) {
    Tensor x = ember::randn({2, 3, 5, 7}, ember::kFloat64);
    Tensor y = F::adaptive_avg_pool2d(x, sizes);
    REQUIRE(y.sizes().vec() == std::vector<int64_t>{2, 3, sizes[0], sizes[1]});
    check_values(y, naive_adaptive(x, sizes[0], sizes[1]), 1e-12);
  }
  // Values from PyTorch 1.13: F.adaptive_avg_pool2d(torch.arange(35.).reshape(1, 1, 5, 7), (3, 4)).
  Tensor a = ember::arange(35, ember::kFloat64).reshape({1, 1, 5, 7});
  check_values(F::adaptive_avg_pool2d(a, {3, 4}), {4.0, 5.5, 7.5, 9.0, 14.5, 16.0, 18.0, 19.5, 25.0, 26.5, 28.5, 30.0},
               1e-12);
  Tensor u = ember::randn({3, 6, 5});
  CHECK(F::adaptive_avg_pool2d(u, 2).sizes().vec() == std::vector<int64_t>{3, 2, 2});
  CHECK(F::adaptive_avg_pool2d(u, 1).allclose(u.mean({1, 2}, true), 1e-5, 1e-6));
}

TEST_CASE("pooling gradients match finite differences, first and second order", "[pool]") {
  SECTION("max_pool2d") {
    for (const Pool& p : kMaxCases) {
      INFO("k " << p.kh << "x" << p.kw << " s " << p.sh << " p " << p.ph << " d " << p.dh << " ceil " << p.ceil);
      Fn f = [p](const std::vector<Tensor>& v) {
        return F::max_pool2d(v[0], {p.kh, p.kw}, {p.sh, p.sw}, {p.ph, p.pw}, {p.dh, p.dw}, p.ceil);
      };
      // Distinct values far apart, so that finite differences never cross a tie.
      Tensor x = ember::randperm(2 * 6 * 7, ember::kFloat64).reshape({1, 2, 6, 7}).requires_grad_(true);
      CHECK(gradcheck2(f, {x}));
    }
    Fn f = [](const std::vector<Tensor>& v) { return F::max_pool2d(v[0], 2); };
    Tensor xt = ember::randperm(30, ember::kFloat64).reshape({1, 5, 6}).transpose(1, 2).requires_grad_(true);
    CHECK(gradcheck2(f, {xt}));
  }
  SECTION("avg_pool2d") {
    for (bool ceil : {false, true})
      for (bool include_pad : {true, false}) {
        Fn f = [=](const std::vector<Tensor>& v) { return F::avg_pool2d(v[0], {3, 2}, {2, 2}, {1, 1}, ceil, include_pad); };
        CHECK(gradcheck2(f, {leaf({1, 2, 5, 6})}));
      }
    Fn f = [](const std::vector<Tensor>& v) { return F::avg_pool2d(v[0], 2); };
    CHECK(gradcheck2(f, {testing::transposed_leaf(4, 6).reshape({1, 4, 6})}));
  }
  SECTION("adaptive_avg_pool2d") {
    Fn f = [](const std::vector<Tensor>& v) { return F::adaptive_avg_pool2d(v[0], {3, 4}); };
    CHECK(gradcheck2(f, {leaf({2, 1, 5, 7})}));
    CHECK(gradcheck2(f, {leaf({2, 5, 7})}));
  }
}

TEST_CASE("pooling errors name the op and the shapes", "[pool]") {
  Tensor x = ember::randn({1, 2, 5, 5});
  CHECK_THAT(error_of([&] { F::max_pool2d(ember::randn({5, 5}), 2); }),
             Catch::Contains("max_pool2d") && Catch::Contains("3-D (unbatched) or 4-D") && Catch::Contains("[5, 5]"));
  CHECK_THAT(error_of([&] { F::max_pool2d(ember::randn({1, 0, 5, 5}), 2); }), Catch::Contains("[1, 0, 5, 5]"));
  CHECK_THAT(error_of([&] { F::max_pool2d(x, 0); }), Catch::Contains("max_pool2d: kernel_size must be positive"));
  CHECK_THAT(error_of([&] { F::max_pool2d(x, 2, {0, 1}); }),
             Catch::Contains("max_pool2d: stride must be positive, got [0, 1]"));
  CHECK_THAT(error_of([&] { F::max_pool2d(x, 2, 2, -1); }), Catch::Contains("padding must be non-negative"));
  CHECK_THAT(error_of([&] { F::max_pool2d(x, 2, 2, 0, 0); }), Catch::Contains("dilation must be positive"));
  CHECK_THAT(error_of([&] { F::max_pool2d(x, 3, 1, 2); }),
             Catch::Contains("max_pool2d: padding [2, 2] must be at most half the kernel size [3, 3]"));
  CHECK_THAT(error_of([&] { F::max_pool2d(x, 6); }),
             Catch::Contains("max_pool2d: the output size [0, 0] is too small") && Catch::Contains("[1, 2, 5, 5]"));
  CHECK_THAT(error_of([&] { F::max_pool2d(x, {2, 2, 2}); }), Catch::Contains("kernel_size of 1 or 2 values"));
  CHECK_THAT(error_of([&] { F::max_pool2d(x.to(ember::kInt64), 2); }),
             Catch::Contains("floating-point") && Catch::Contains("int64"));

  CHECK_THAT(error_of([&] { F::avg_pool2d(ember::randn({2, 1, 2, 5, 5}), 2); }),
             Catch::Contains("avg_pool2d") && Catch::Contains("[2, 1, 2, 5, 5]"));
  CHECK_THAT(error_of([&] { F::avg_pool2d(x, 2, 1, 2); }),
             Catch::Contains("avg_pool2d: padding [2, 2] must be at most half the kernel size [2, 2]"));
  CHECK_THAT(error_of([&] { F::avg_pool2d(x, 2, -1); }), Catch::Contains("avg_pool2d: stride must be positive"));
  CHECK_THAT(error_of([&] { F::avg_pool2d(x, {7, 2}); }), Catch::Contains("avg_pool2d: the output size [0, 2]"));

  CHECK_THAT(error_of([&] { F::adaptive_avg_pool2d(ember::randn({5}), 2); }),
             Catch::Contains("adaptive_avg_pool2d") && Catch::Contains("[5]"));
  CHECK_THAT(error_of([&] { F::adaptive_avg_pool2d(x, {2, -1}); }),
             Catch::Contains("adaptive_avg_pool2d: output_size must be non-negative, got [2, -1]"));
  CHECK_THAT(error_of([&] { F::adaptive_avg_pool2d(x, {1, 2, 3}); }), Catch::Contains("output_size of 1 or 2 values"));
}
