// Convolutions: conv1d, conv2d and conv_transpose2d against naive loops written here
// (by the definition, in double), in float32 and float64; the 1x1 path; unbatched and
// non-contiguous inputs; threads; errors; gradcheck of first and second order.
#include <ember/nn/functional.hpp>

#include <functional>
#include <string>

#include "helpers.hpp"

using ember::Tensor;
using testing::leaf;
using testing::error_of;
using testing::gradcheck2;
using testing::values;
namespace F = ember::nn::functional;

namespace {

struct Conv {
  int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1, oph = 0, opw = 0;
};

std::string describe(const Conv& c) {
  return "stride " + std::to_string(c.sh) + "x" + std::to_string(c.sw) + " pad " + std::to_string(c.ph) + "x" +
         std::to_string(c.pw) + " dil " + std::to_string(c.dh) + "x" + std::to_string(c.dw) + " groups " +
         std::to_string(c.groups) + " out_pad " + std::to_string(c.oph) + "x" + std::to_string(c.opw);
}

// y[n, o, i, j] = b[o] + sum_{c in o's group, ki, kj} x[n, c, i*s - p + ki*d, j*s - p + kj*d] w[o, c', ki, kj]
std::vector<double> naive_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv& c,
                                 std::vector<int64_t>* shape) {
  std::vector<double> X = values(x), Wt = values(w), B = b.defined() ? values(b) : std::vector<double>();
  int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  int64_t O = w.size(0), Cg = w.size(1), KH = w.size(2), KW = w.size(3);
  int64_t Og = O / c.groups;
  int64_t Ho = (H + 2 * c.ph - c.dh * (KH - 1) - 1) / c.sh + 1;
  int64_t Wo = (W + 2 * c.pw - c.dw * (KW - 1) - 1) / c.sw + 1;
  *shape = {N, O, Ho, Wo};
  std::vector<double> y(N * O * Ho * Wo, 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < Ho; ++i)
        for (int64_t j = 0; j < Wo; ++j) {
          double acc = B.empty() ? 0.0 : B[o];
          int64_t g = o / Og;
          for (int64_t cc = 0; cc < Cg; ++cc)
            for (int64_t ki = 0; ki < KH; ++ki)
              for (int64_t kj = 0; kj < KW; ++kj) {
                int64_t ih = i * c.sh - c.ph + ki * c.dh, iw = j * c.sw - c.pw + kj * c.dw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += X[((n * C + g * Cg + cc) * H + ih) * W + iw] * Wt[((o * Cg + cc) * KH + ki) * KW + kj];
              }
          y[((n * O + o) * Ho + i) * Wo + j] = acc;
        }
  return y;
}

// Each input element x[n, ci, i, j] adds x * w[ci, o', ki, kj] to y[n, o, i*s - p + ki*d, j*s - p + kj*d].
std::vector<double> naive_conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv& c,
                                           std::vector<int64_t>* shape) {
  std::vector<double> X = values(x), Wt = values(w), B = b.defined() ? values(b) : std::vector<double>();
  int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  int64_t Og = w.size(1), KH = w.size(2), KW = w.size(3);
  int64_t Cg = C / c.groups, O = Og * c.groups;
  int64_t Ho = (H - 1) * c.sh - 2 * c.ph + c.dh * (KH - 1) + c.oph + 1;
  int64_t Wo = (W - 1) * c.sw - 2 * c.pw + c.dw * (KW - 1) + c.opw + 1;
  *shape = {N, O, Ho, Wo};
  std::vector<double> y(N * O * Ho * Wo, 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < Ho * Wo; ++i) y[(n * O + o) * Ho * Wo + i] = B.empty() ? 0.0 : B[o];
  for (int64_t n = 0; n < N; ++n)
    for (int64_t ci = 0; ci < C; ++ci) {
      int64_t g = ci / Cg;
      for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < W; ++j)
          for (int64_t oo = 0; oo < Og; ++oo)
            for (int64_t ki = 0; ki < KH; ++ki)
              for (int64_t kj = 0; kj < KW; ++kj) {
                int64_t oh = i * c.sh - c.ph + ki * c.dh, ow = j * c.sw - c.pw + kj * c.dw;
                if (oh < 0 || oh >= Ho || ow < 0 || ow >= Wo) continue;
                int64_t o = g * Og + oo;
                y[((n * O + o) * Ho + oh) * Wo + ow] +=
                    X[((n * C + ci) * H + i) * W + j] * Wt[((ci * Og + oo) * KH + ki) * KW + kj];
              }
    }
  return y;
}

void check_close(const Tensor& got, const std::vector<int64_t>& shape, const std::vector<double>& want, double tol) {
  REQUIRE(got.sizes().vec() == shape);
  std::vector<double> g = values(got);
  REQUIRE(g.size() == want.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i);
    REQUIRE(g[i] == Approx(want[i]).margin(tol).epsilon(tol));
  }
}

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// A float64 leaf with the given shape whose last two dims are stored transposed.
Tensor transposed_4d(int64_t n, int64_t c, int64_t h, int64_t w) {
  Tensor base = ember::rand({n, c, w, h}, ember::kFloat64) * 4 - 2;
  Tensor t = base.transpose(2, 3);
  t.requires_grad_(true);
  return t;
}

}  // namespace

TEST_CASE("conv2d matches a naive convolution", "[conv]") {
  struct Case {
    std::vector<int64_t> x, w;
    Conv c;
    bool bias;
  };
  std::vector<Case> cases = {
      {{2, 3, 7, 6}, {4, 3, 3, 3}, {}, true},
      {{2, 3, 7, 6}, {4, 3, 3, 3}, {1, 1, 1, 1}, false},
      {{1, 2, 9, 8}, {3, 2, 3, 2}, {2, 3, 1, 0, 1, 1}, true},
      {{2, 2, 9, 9}, {2, 2, 3, 3}, {1, 1, 2, 2, 2, 2}, true},
      {{2, 2, 10, 7}, {2, 2, 3, 2}, {2, 1, 1, 2, 3, 2}, true},
      {{2, 4, 6, 6}, {6, 2, 3, 3}, {1, 1, 1, 1, 1, 1, 2}, true},
      {{1, 6, 5, 5}, {6, 1, 3, 3}, {2, 2, 1, 1, 1, 1, 6}, true},  // depthwise
      {{3, 4, 5, 5}, {5, 4, 1, 1}, {}, true},                      // 1x1: no im2col
      {{2, 4, 5, 6}, {4, 2, 1, 1}, {1, 1, 0, 0, 1, 1, 2}, false},  // 1x1 grouped
      {{2, 4, 5, 6}, {4, 4, 1, 1}, {2, 2, 0, 0, 1, 1}, true},      // 1x1 strided: im2col
      {{1, 1, 4, 4}, {1, 1, 4, 4}, {}, true},                      // kernel = input
      {{2, 3, 1, 9}, {2, 3, 1, 3}, {1, 2, 0, 1, 1, 3}, true},
      // Stride 1 with the output as wide as the input: im2col copies whole planes.
      {{3, 1, 10, 10}, {8, 1, 3, 3}, {1, 1, 1, 1}, true},         // one input channel
      {{2, 3, 8, 7}, {4, 3, 3, 3}, {1, 1, 0, 1}, false},          // only the width kept
      {{2, 3, 6, 9}, {4, 3, 5, 3}, {1, 1, 3, 1}, true},           // rows of padding only
      {{2, 2, 5, 7}, {2, 2, 3, 5}, {1, 1, 1, 2}, true},           // a wide kernel
      {{1, 2, 4, 3}, {2, 2, 3, 7}, {1, 1, 1, 3}, true},           // columns of padding only
      {{2, 2, 7, 8}, {2, 2, 2, 3}, {1, 1, 1, 2, 2, 2}, false},    // dilated
      {{2, 4, 5, 6}, {4, 2, 3, 3}, {1, 1, 1, 1, 1, 1, 2}, true},  // grouped
  };
  for (ember::Dtype dt : {ember::kFloat64, ember::kFloat32}) {
    for (const Case& k : cases) {
      INFO(describe(k.c) << (dt == ember::kFloat32 ? " float32" : " float64"));
      Tensor x = ember::randn(k.x, dt), w = ember::randn(k.w, dt);
      Tensor b = k.bias ? ember::randn({k.w[0]}, dt) : Tensor();
      Tensor y = F::conv2d(x, w, b, {k.c.sh, k.c.sw}, {k.c.ph, k.c.pw}, {k.c.dh, k.c.dw}, k.c.groups);
      CHECK(y.dtype() == dt);
      std::vector<int64_t> shape;
      std::vector<double> want = naive_conv2d(x, w, b, k.c, &shape);
      check_close(y, shape, want, dt == ember::kFloat32 ? 1e-4 : 1e-10);
    }
  }
}

TEST_CASE("conv2d accepts unbatched, non-contiguous and empty-batch inputs", "[conv]") {
  Tensor x = ember::randn({3, 6, 5}), w = ember::randn({4, 3, 3, 3}), b = ember::randn({4});
  Tensor y = F::conv2d(x, w, b, 1, 1);
  REQUIRE(y.sizes().vec() == std::vector<int64_t>{4, 6, 5});
  CHECK(y.allclose(F::conv2d(x.unsqueeze(0), w, b, 1, 1).squeeze(0)));

  // A transposed input and a permuted weight compute the same as their contiguous copies.
  Tensor xt = ember::randn({2, 3, 5, 7}).transpose(2, 3);
  Tensor wt = ember::randn({3, 4, 3, 3}).transpose(0, 1);
  REQUIRE_FALSE(xt.is_contiguous());
  CHECK(F::conv2d(xt, wt, b, 2, 1).allclose(F::conv2d(xt.contiguous(), wt.contiguous(), b, 2, 1), 1e-5, 1e-6));

  Tensor empty = F::conv2d(ember::randn({0, 3, 5, 5}), w, b);
  CHECK(empty.sizes().vec() == std::vector<int64_t>{0, 4, 3, 3});
}

TEST_CASE("conv2d gives the same result with one thread and several", "[conv]") {
  Tensor x = ember::randn({5, 4, 9, 8}, ember::kFloat64).requires_grad_(true);
  Tensor w = ember::randn({6, 2, 3, 3}, ember::kFloat64).requires_grad_(true);
  auto run = [&](int threads) {
    ember::set_num_threads(threads);
    x.zero_grad();
    w.zero_grad();
    Tensor y = F::conv2d(x, w, Tensor(), 1, 1, 1, 2);
    (y * y).sum().backward();
    return std::vector<Tensor>{y.detach(), x.grad(), w.grad()};
  };
  int before = ember::get_num_threads();
  std::vector<Tensor> one = run(1), three = run(3);
  ember::set_num_threads(before);
  for (std::size_t i = 0; i < one.size(); ++i) CHECK(one[i].allclose(three[i], 1e-12, 1e-12));
}

TEST_CASE("conv1d matches conv2d over a unit dim and a naive loop", "[conv]") {
  Tensor x = ember::randn({2, 4, 11}, ember::kFloat64), w = ember::randn({6, 2, 3}, ember::kFloat64);
  Tensor b = ember::randn({6}, ember::kFloat64);
  Tensor y = F::conv1d(x, w, b, 2, 3, 2, 2);
  std::vector<int64_t> shape;
  Conv c{1, 2, 0, 3, 1, 2, 2};
  std::vector<double> want = naive_conv2d(x.unsqueeze(2), w.unsqueeze(2), b, c, &shape);
  check_close(y, {shape[0], shape[1], shape[3]}, want, 1e-10);

  Tensor u = F::conv1d(x[0], w, b, 2, 3, 2, 2);
  CHECK(u.sizes().vec() == std::vector<int64_t>{6, shape[3]});
  CHECK(u.allclose(y[0]));
}

TEST_CASE("conv_transpose2d matches a naive transposed convolution", "[conv]") {
  struct Case {
    std::vector<int64_t> x, w;
    Conv c;
    bool bias;
  };
  std::vector<Case> cases = {
      {{2, 3, 4, 4}, {3, 2, 3, 3}, {}, true},
      {{1, 2, 3, 3}, {2, 2, 3, 3}, {2, 2}, false},
      {{1, 3, 3, 4}, {3, 2, 3, 3}, {2, 2, 1, 1, 1, 1, 1, 1, 1}, true},
      {{2, 4, 3, 3}, {4, 1, 2, 2}, {1, 1, 0, 0, 1, 1, 2}, true},
      {{1, 2, 4, 3}, {2, 3, 2, 3}, {2, 3, 1, 0, 2, 1, 1, 1, 2}, true},
      {{1, 2, 3, 3}, {2, 2, 2, 2}, {1, 1, 0, 0, 2, 2, 1, 1, 1}, true},  // output_padding below dilation
      {{2, 4, 3, 5}, {4, 3, 1, 1}, {}, true},                            // 1x1
  };
  for (ember::Dtype dt : {ember::kFloat64, ember::kFloat32}) {
    for (const Case& k : cases) {
      INFO(describe(k.c));
      Tensor x = ember::randn(k.x, dt), w = ember::randn(k.w, dt);
      Tensor b = k.bias ? ember::randn({k.w[1] * k.c.groups}, dt) : Tensor();
      Tensor y = F::conv_transpose2d(x, w, b, {k.c.sh, k.c.sw}, {k.c.ph, k.c.pw}, {k.c.oph, k.c.opw}, k.c.groups,
                                     {k.c.dh, k.c.dw});
      std::vector<int64_t> shape;
      std::vector<double> want = naive_conv_transpose2d(x, w, b, k.c, &shape);
      check_close(y, shape, want, dt == ember::kFloat32 ? 1e-4 : 1e-10);
    }
  }
  Tensor u = ember::randn({3, 4, 4}), w = ember::randn({3, 2, 3, 3});
  CHECK(F::conv_transpose2d(u, w, Tensor(), 2).allclose(F::conv_transpose2d(u.unsqueeze(0), w, Tensor(), 2)[0]));
}

TEST_CASE("conv_transpose2d is the input gradient of conv2d", "[conv]") {
  Tensor x = ember::randn({2, 4, 7, 7}, ember::kFloat64).requires_grad_(true);
  Tensor w = ember::randn({6, 2, 3, 3}, ember::kFloat64);
  Tensor y = F::conv2d(x, w, Tensor(), 2, 1, 1, 2);
  Tensor g = ember::randn(y.sizes(), ember::kFloat64);
  y.backward(g);
  Tensor t = F::conv_transpose2d(g, w, Tensor(), 2, 1, 0, 2);
  CHECK(t.allclose(x.grad(), 1e-12, 1e-12));
}

TEST_CASE("convolution gradients match finite differences", "[conv]") {
  auto conv2d = [](std::vector<int64_t> stride, std::vector<int64_t> pad, std::vector<int64_t> dil, int64_t groups) {
    return Fn([=](const std::vector<Tensor>& v) { return F::conv2d(v[0], v[1], v[2], stride, pad, dil, groups); });
  };
  SECTION("conv2d") {
    CHECK(gradcheck2(conv2d({1}, {0}, {1}, 1), {leaf({2, 2, 4, 4}), leaf({3, 2, 2, 2}), leaf({3})}));
    CHECK(gradcheck2(conv2d({2}, {1}, {1}, 1), {leaf({1, 2, 5, 5}), leaf({2, 2, 3, 3}), leaf({2})}));
    CHECK(gradcheck2(conv2d({1, 2}, {1, 0}, {2, 1}, 1), {leaf({1, 1, 5, 6}), leaf({2, 1, 2, 3}), leaf({2})}));
    CHECK(gradcheck2(conv2d({1}, {1}, {1}, 2), {leaf({2, 4, 3, 3}), leaf({4, 2, 2, 2}), leaf({4})}));
    CHECK(gradcheck2(conv2d({1}, {0}, {1}, 1), {leaf({2, 3, 3, 2}), leaf({2, 3, 1, 1}), leaf({2})}));  // 1x1
    CHECK(gradcheck2(conv2d({2}, {0}, {1}, 1), {leaf({1, 2, 4, 5}), leaf({2, 2, 1, 1}), Tensor()}));
    // Stride 1, output as wide as the input (whole-plane im2col), in both passes.
    CHECK(gradcheck2(conv2d({1}, {1}, {1}, 1), {leaf({2, 1, 4, 4}), leaf({3, 1, 3, 3}), leaf({3})}));
    CHECK(gradcheck2(conv2d({1}, {0, 2}, {1, 2}, 1), {leaf({1, 2, 4, 5}), leaf({2, 2, 2, 3}), leaf({2})}));
    CHECK(gradcheck2(conv2d({1}, {2, 1}, {1}, 2), {leaf({1, 4, 3, 4}), leaf({2, 2, 3, 3}), Tensor()}));
    // Non-contiguous input and weight.
    Tensor xt = transposed_4d(1, 2, 4, 5);
    Tensor wt = leaf({2, 2, 3, 2}).detach().transpose(2, 3).requires_grad_(true);
    CHECK(gradcheck2(conv2d({1}, {1}, {1}, 1), {xt, wt, leaf({2})}));
    // Unbatched.
    CHECK(gradcheck2(conv2d({1}, {1}, {1}, 1), {leaf({2, 3, 3}), leaf({2, 2, 2, 2}), leaf({2})}));
  }
  SECTION("conv1d") {
    Fn f = [](const std::vector<Tensor>& v) { return F::conv1d(v[0], v[1], v[2], 2, 1, 2, 2); };
    CHECK(gradcheck2(f, {leaf({2, 4, 7}), leaf({4, 2, 2}), leaf({4})}));
    CHECK(gradcheck2(f, {leaf({4, 7}), leaf({4, 2, 2}), leaf({4})}));
  }
  SECTION("conv_transpose2d") {
    auto ct = [](int64_t stride, int64_t pad, int64_t out_pad, int64_t groups, int64_t dil) {
      return Fn([=](const std::vector<Tensor>& v) {
        return F::conv_transpose2d(v[0], v[1], v[2], stride, pad, out_pad, groups, dil);
      });
    };
    CHECK(gradcheck2(ct(1, 0, 0, 1, 1), {leaf({1, 2, 3, 3}), leaf({2, 3, 2, 2}), leaf({3})}));
    CHECK(gradcheck2(ct(2, 1, 1, 1, 1), {leaf({1, 2, 3, 3}), leaf({2, 2, 3, 3}), leaf({2})}));
    CHECK(gradcheck2(ct(1, 1, 0, 2, 2), {leaf({2, 4, 3, 3}), leaf({4, 1, 2, 2}), leaf({2})}));
    CHECK(gradcheck2(ct(1, 0, 1, 1, 2), {leaf({1, 2, 3, 3}), leaf({2, 2, 2, 2}), leaf({2})}));
    CHECK(gradcheck2(ct(2, 0, 0, 1, 1), {transposed_4d(1, 2, 2, 3), leaf({2, 2, 2, 2}), Tensor()}));
  }
}

TEST_CASE("convolution errors name the op and the shapes", "[conv]") {
  Tensor x = ember::randn({1, 4, 5, 5}), w = ember::randn({6, 2, 3, 3});
  auto msg = [&](const std::function<void()>& f) { return error_of(f); };
  CHECK_THAT(msg([&] { F::conv2d(ember::randn({4, 5}), w); }),
             Catch::Contains("conv2d") && Catch::Contains("3-D (unbatched) or 4-D") && Catch::Contains("[4, 5]"));
  CHECK_THAT(msg([&] { F::conv2d(x, ember::randn({3, 3})); }),
             Catch::Contains("conv2d: expected weight of 4 dims") && Catch::Contains("[3, 3]"));
  CHECK_THAT(msg([&] { F::conv2d(x, w, Tensor(), 1, 0, 1, 1); }),
             Catch::Contains("input [1, 4, 5, 5] has 4 channels") && Catch::Contains("[6, 2, 3, 3]") &&
                 Catch::Contains("expects 2"));
  CHECK_THAT(msg([&] { F::conv2d(x, ember::randn({5, 1, 3, 3}), Tensor(), 1, 0, 1, 4); }),
             Catch::Contains("5 output channels") && Catch::Contains("groups = 4"));
  CHECK_THAT(msg([&] { F::conv2d(x, w, Tensor(), 1, 0, 1, 0); }), Catch::Contains("groups must be positive"));
  CHECK_THAT(msg([&] { F::conv2d(x, w, Tensor(), 0, 0, 1, 2); }),
             Catch::Contains("conv2d: stride must be positive, got [0]"));
  CHECK_THAT(msg([&] { F::conv2d(x, w, Tensor(), 1, -1, 1, 2); }), Catch::Contains("padding must be non-negative"));
  CHECK_THAT(msg([&] { F::conv2d(x, w, Tensor(), 1, 0, {1, 0}, 2); }), Catch::Contains("dilation must be positive"));
  CHECK_THAT(msg([&] { F::conv2d(x, w, Tensor(), {1, 1, 1}, 0, 1, 2); }),
             Catch::Contains("stride of 1 or 2 values") && Catch::Contains("[1, 1, 1]"));
  CHECK_THAT(msg([&] { F::conv2d(x, ember::randn({6, 2, 6, 6}), Tensor(), 1, 0, 1, 2); }),
             Catch::Contains("kernel [6, 6]") && Catch::Contains("larger than the padded input [5, 5]"));
  CHECK_THAT(msg([&] { F::conv2d(x, w, Tensor(), 1, 0, 3, 2); }), Catch::Contains("(dilated: [7, 7])"));
  CHECK_THAT(msg([&] { F::conv2d(x, w, ember::randn({5}), 1, 0, 1, 2); }),
             Catch::Contains("expected bias of shape [6], got [5]"));
  CHECK_THAT(msg([&] { F::conv2d(x, w.to(ember::kFloat64), Tensor(), 1, 0, 1, 2); }),
             Catch::Contains("float32") && Catch::Contains("float64"));
  CHECK_THAT(msg([&] { F::conv2d(x.to(ember::kInt64), w.to(ember::kInt64), Tensor(), 1, 0, 1, 2); }),
             Catch::Contains("floating-point") && Catch::Contains("int64"));
  CHECK_THAT(msg([&] { F::conv2d(Tensor(), w); }), Catch::Contains("conv2d") && Catch::Contains("undefined"));

  CHECK_THAT(msg([&] { F::conv1d(x, ember::randn({2, 4, 3})); }),
             Catch::Contains("conv1d") && Catch::Contains("2-D (unbatched) or 3-D") && Catch::Contains("[1, 4, 5, 5]"));
  CHECK_THAT(msg([&] { F::conv1d(ember::randn({1, 4, 5}), ember::randn({2, 4, 3, 3})); }),
             Catch::Contains("conv1d: expected weight of 3 dims [C_out, C_in / groups, K]"));
  CHECK_THAT(msg([&] { F::conv1d(ember::randn({1, 4, 2}), ember::randn({2, 4, 3})); }),
             Catch::Contains("conv1d: kernel [3]") && Catch::Contains("padded input [2]"));
  CHECK_THAT(msg([&] { F::conv1d(ember::randn({1, 4, 5}), ember::randn({2, 4, 3}), Tensor(), {1, 1}); }),
             Catch::Contains("conv1d: expected stride of 1 values"));

  Tensor wt = ember::randn({4, 3, 3, 3});
  CHECK_THAT(msg([&] { F::conv_transpose2d(ember::randn({1, 3, 5, 5}), wt); }),
             Catch::Contains("conv_transpose2d: input [1, 3, 5, 5] has 3 channels") && Catch::Contains("expects 4"));
  CHECK_THAT(msg([&] { F::conv_transpose2d(x, wt, Tensor(), 1, 0, 0, 3); }),
             Catch::Contains("4 input channels, which groups = 3 does not divide"));
  CHECK_THAT(msg([&] { F::conv_transpose2d(x, wt, Tensor(), 2, 0, 2); }),
             Catch::Contains("output_padding must be") && Catch::Contains("smaller than either stride or dilation"));
  CHECK_THAT(msg([&] { F::conv_transpose2d(ember::randn({1, 4, 1, 1}), wt, Tensor(), 1, 2); }),
             Catch::Contains("conv_transpose2d: the output size [-1, -1] is too small"));
  CHECK_THAT(msg([&] { F::conv_transpose2d(x, wt, ember::randn({4})); }),
             Catch::Contains("expected bias of shape [3], got [4]"));
}
