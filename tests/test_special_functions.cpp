// torch.special's functions with kernels of their own (gamma family, erfinv, erfcx,
// ndtri, log_ndtr, Bessel I0/I1, zeta, incomplete gamma). Expected values come from
// PyTorch 1.13 (tests/special_values.hpp, printed by tests/python/special_values.py;
// the few inline ones were printed by /usr/bin/python3 with torch, as noted); gradients
// are checked by float64 gradcheck, first and second order.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "helpers.hpp"
#include "special_values.hpp"

using ember::Tensor;
using testing::values;
namespace special = ember::special;

namespace {
using Fn = std::function<Tensor(const Tensor&, const Tensor&)>;
const std::map<std::string, Fn>& functions() {
  static const std::map<std::string, Fn> table = {
      {"lgamma", [](const Tensor& x, const Tensor&) { return ember::lgamma(x); }},
      {"digamma", [](const Tensor& x, const Tensor&) { return special::digamma(x); }},
      {"polygamma1", [](const Tensor& x, const Tensor&) { return special::polygamma(1, x); }},
      {"polygamma2", [](const Tensor& x, const Tensor&) { return ember::polygamma(2, x); }},
      {"polygamma5", [](const Tensor& x, const Tensor&) { return ember::polygamma(5, x); }},
      {"erfinv", [](const Tensor& x, const Tensor&) { return ember::erfinv(x); }},
      {"erfcx", [](const Tensor& x, const Tensor&) { return special::erfcx(x); }},
      {"ndtri", [](const Tensor& x, const Tensor&) { return special::ndtri(x); }},
      {"log_ndtr", [](const Tensor& x, const Tensor&) { return special::log_ndtr(x); }},
      {"i0", [](const Tensor& x, const Tensor&) { return special::i0(x); }},
      {"i0e", [](const Tensor& x, const Tensor&) { return special::i0e(x); }},
      {"i1", [](const Tensor& x, const Tensor&) { return special::i1(x); }},
      {"i1e", [](const Tensor& x, const Tensor&) { return special::i1e(x); }},
      {"zeta", [](const Tensor& x, const Tensor& q) { return special::zeta(x, q); }},
      {"igamma", [](const Tensor& a, const Tensor& x) { return special::gammainc(a, x); }},
      {"igammac", [](const Tensor& a, const Tensor& x) { return ember::igammac(a, x); }},
  };
  return table;
}

// How far from PyTorch's value a result may be, in units in the last place of the
// dtype, plus an absolute margin (near a zero of the function, such as digamma's root
// near 1.4616, both results are rounding noise of the same size).
struct Tolerance {
  double ulps64, ulps32, abs64, abs32;
};
// In float32 PyTorch runs zeta, log_ndtr and the incomplete gamma functions in float
// arithmetic throughout, and its tails drift by up to ~1e-5 relative; ember computes
// them in double and rounds once, so the float32 margins there are wider.
Tolerance tolerance(const std::string& name) {
  if (name == "digamma" || name == "polygamma2" || name == "polygamma5") return {16, 64, 1e-15, 1e-6};
  // Where P or Q is tiny (1e-60 and below at large a), both PyTorch's result and ember's
  // are several hundred ulp from the true value (checked with mpmath), so 1e-12 relative.
  // In float32 PyTorch drifts up to 6e-5 at a = 177.8 (P(a, 65.9): 4.02472e-30, mpmath
  // 4.02498e-30, ember 4.02498e-30).
  if (name == "igamma" || name == "igammac") return {4096, 2048, 1e-300, 1e-37};
  if (name == "zeta" || name == "log_ndtr") return {16, 128, 1e-300, 1e-37};
  // PyTorch's erfinv is 18 ulp from the true value at 0.999 (mpmath).
  if (name == "erfinv") return {32, 32, 1e-300, 1e-37};
  return {16, 32, 1e-300, 1e-37};
}

void check_close(const std::string& name, const std::vector<double>& got, const std::vector<double>& want,
                 bool is_float32) {
  REQUIRE(got.size() == want.size());
  Tolerance tol = tolerance(name);
  double eps = is_float32 ? std::numeric_limits<float>::epsilon() : std::numeric_limits<double>::epsilon();
  int bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    double g = got[i], w = want[i];
    bool ok;
    if (std::isnan(w) || std::isinf(w)) {
      ok = std::isnan(w) ? std::isnan(g) : g == w;
    } else {
      double allowed = (is_float32 ? tol.ulps32 : tol.ulps64) * eps * std::fabs(w) + (is_float32 ? tol.abs32 : tol.abs64);
      ok = std::isfinite(g) && std::fabs(g - w) <= allowed;
    }
    if (!ok && ++bad <= 5) {
      INFO(name << (is_float32 ? " float32" : " float64") << " element " << i << ": got " << g << ", PyTorch " << w);
      CHECK(ok);
    }
  }
  CHECK(bad == 0);
}
}  // namespace

TEST_CASE("special functions match PyTorch over wide ranges, poles and non-finite inputs", "[special][special_kernels]") {
  for (const auto& c : special_values::cases()) {
    const Fn& fn = functions().at(c.name);
    for (ember::Dtype dt : {ember::kFloat64, ember::kFloat32}) {
      Tensor a = ember::tensor(c.a, ember::kFloat64).to(dt);
      Tensor b = c.b.empty() ? Tensor() : ember::tensor(c.b, ember::kFloat64).to(dt);
      Tensor y = fn(a, b);
      REQUIRE(y.dtype() == dt);
      check_close(c.name, values(y), dt == ember::kFloat32 ? c.out32 : c.out64, dt == ember::kFloat32);
    }
  }
}

TEST_CASE("igamma and igammac near a large a match mpmath", "[special][special_kernels]") {
  // PyTorch 1.13 is off by up to 1e-9 relative there, so the values are mpmath's.
  for (const auto& c : special_values::mpmath_cases()) {
    const Fn& fn = functions().at(c.name);
    for (ember::Dtype dt : {ember::kFloat64, ember::kFloat32}) {
      Tensor y = fn(ember::tensor(c.a, ember::kFloat64).to(dt), ember::tensor(c.b, ember::kFloat64).to(dt));
      check_close(c.name, values(y), dt == ember::kFloat32 ? c.out32 : c.out64, dt == ember::kFloat32);
    }
  }
}

TEST_CASE("special functions compute integers in the default float dtype", "[special][special_kernels]") {
  Tensor n = ember::arange(1, 5);
  CHECK(ember::lgamma(n).dtype() == ember::kFloat32);
  CHECK(special::ndtri(n * 0).dtype() == ember::kFloat32);
  CHECK(ember::polygamma(3, n).dtype() == ember::kFloat32);
  CHECK(special::zeta(n + 1, n).dtype() == ember::kFloat32);
  CHECK(ember::igamma(n, n).dtype() == ember::kFloat32);
  CHECK(ember::mvlgamma(n, 2).dtype() == ember::kFloat32);
  // lgamma(1..4) = log(0!, 1!, 2!, 3!)
  auto v = values(ember::lgamma(n));
  CHECK(v[0] == 0.0);
  CHECK(v[3] == Approx(std::log(6.0)).epsilon(1e-6));
}

TEST_CASE("special functions have methods and in-place forms as torch.Tensor does", "[special][special_kernels]") {
  Tensor x = ember::tensor(std::vector<double>{0.3, 1.7, 4.0}, ember::kFloat64);
  CHECK(values(x.lgamma()) == values(ember::lgamma(x)));
  CHECK(values(x.digamma()) == values(ember::digamma(x)));
  CHECK(values(x.i0()) == values(special::i0(x)));
  Tensor p = x / 5;
  CHECK(values(p.erfinv()) == values(special::erfinv(p)));
  CHECK(values(x.igamma(p)) == values(special::gammainc(x, p)));
  CHECK(values(x.igammac(p)) == values(special::gammaincc(x, p)));
  Tensor y = x.clone();
  y.lgamma_();
  CHECK(values(y) == values(special::gammaln(x)));
  CHECK(values(special::psi(x)) == values(ember::digamma(x)));
}

TEST_CASE("multigammaln matches PyTorch", "[special][special_kernels]") {
  // torch.special.multigammaln(torch.tensor([1.5, 2.0, 3.25, 10.0], dtype=torch.float64), p)
  Tensor x = ember::tensor(std::vector<double>{1.5, 2.0, 3.25, 10.0}, ember::kFloat64);
  std::vector<double> p1 = values(special::multigammaln(x, 1)), p3 = values(special::multigammaln(x, 3));
  std::vector<double> want1 = {-0.12078223763524522, 0.0, 0.9358019311087253, 12.801827480081469};
  std::vector<double> want3 = {2.1686775340635553, 1.5963125911388552, 3.2529831416901596, 36.81285863239809};
  for (int i = 0; i < 4; ++i) {
    CHECK(p1[i] == Approx(want1[i]).epsilon(1e-14).margin(1e-15));
    CHECK(p3[i] == Approx(want3[i]).epsilon(1e-14));
  }
}

TEST_CASE("special functions' gradients (float64 gradcheck, first and second order)", "[special][special_kernels][grad]") {
  using V = std::vector<Tensor>;
  auto leaf = [](std::vector<double> v) { return ember::tensor(v, ember::kFloat64).requires_grad_(); };
  Tensor pos = leaf({0.3, 1.2, 2.5, 7.0});
  Tensor mixed = leaf({-2.5, -0.7, 0.4, 3.1});
  Tensor unit = leaf({-0.8, -0.3, 0.2, 0.9});
  Tensor prob = leaf({0.02, 0.3, 0.6, 0.97});
  Tensor wide = leaf({-3.5, -0.5, 1e-20, 0.8, 2.5, 25.0});
  CHECK(testing::gradcheck2([](const V& in) { return ember::lgamma(in[0]); }, {mixed}));
  CHECK(testing::gradcheck2([](const V& in) { return ember::digamma(in[0]); }, {mixed}));
  CHECK(testing::gradcheck2([](const V& in) { return ember::polygamma(1, in[0]); }, {mixed}));
  CHECK(testing::gradcheck2([](const V& in) { return ember::polygamma(3, in[0]); }, {pos}));
  CHECK(testing::gradcheck2([](const V& in) { return special::multigammaln(in[0], 3); }, {leaf({1.4, 2.2, 5.0})}));
  CHECK(testing::gradcheck2([](const V& in) { return ember::erfinv(in[0]); }, {unit}));
  CHECK(testing::gradcheck2([](const V& in) { return special::erfcx(in[0]); }, {mixed}));
  CHECK(testing::gradcheck2([](const V& in) { return special::ndtri(in[0]); }, {prob}));
  CHECK(testing::gradcheck2([](const V& in) { return special::log_ndtr(in[0]); }, {mixed}));
  CHECK(testing::gradcheck2([](const V& in) { return special::i0(in[0]); }, {wide}));
  CHECK(testing::gradcheck2([](const V& in) { return special::i0e(in[0]); }, {mixed}));
  CHECK(testing::gradcheck2([](const V& in) { return special::i1(in[0]); }, {mixed}));
  CHECK(testing::gradcheck2([](const V& in) { return special::i1e(in[0]); }, {mixed}));
  Tensor a = ember::tensor(std::vector<double>{0.5, 2.0, 3.5, 10.0}, ember::kFloat64);
  CHECK(testing::gradcheck2([a](const V& in) { return ember::igamma(a, in[0]); }, {pos}));
  CHECK(testing::gradcheck2([a](const V& in) { return ember::igammac(a, in[0]); }, {pos}));
  Tensor s = ember::tensor(std::vector<double>{2.0, 3.5, 1.5, 6.0}, ember::kFloat64);
  CHECK(testing::gradcheck2([s](const V& in) { return special::zeta(s, in[0]); }, {pos}));
}

TEST_CASE("i1 and i1e have PyTorch's gradient 1/2 at zero", "[special][special_kernels][grad]") {
  Tensor x = ember::zeros({2}, ember::kFloat64).requires_grad_();
  special::i1(x).sum().backward();
  CHECK(values(x.grad()) == std::vector<double>{0.5, 0.5});
  Tensor z = ember::zeros({1}, ember::kFloat32).requires_grad_();
  special::i1e(z).sum().backward();
  CHECK(values(z.grad()) == std::vector<double>{0.5});
}

TEST_CASE("special functions refuse bad arguments with errors naming the op", "[special][special_kernels][errors]") {
  Tensor x = ember::tensor(std::vector<double>{1.5, 2.0}, ember::kFloat64);
  CHECK_THROWS_WITH(ember::polygamma(-1, x), Catch::Contains("polygamma") && Catch::Contains("n = -1") &&
                                                 Catch::Contains("[2]"));
  CHECK_THROWS_WITH(special::multigammaln(x, 0), Catch::Contains("mvlgamma") && Catch::Contains("p = 0"));
  // As in PyTorch: igamma, igammac and zeta have no derivative in their first input.
  Tensor a = x.clone().requires_grad_(), q = x.clone().requires_grad_();
  CHECK_THROWS_AS(ember::igamma(a, q).sum().backward(), ember::Error);
  CHECK_THROWS_WITH(ember::igammac(a, q).sum().backward(), Catch::Contains("igammac"));
  CHECK_THROWS_WITH(special::zeta(a, q).sum().backward(), Catch::Contains("zeta"));
  // Broadcasting mistakes name the op and both shapes.
  Tensor three = ember::ones({3}, ember::kFloat64);
  CHECK_THROWS_WITH(special::zeta(x, three), Catch::Contains("zeta") && Catch::Contains("[2]") && Catch::Contains("[3]"));
  CHECK_THROWS_WITH(ember::igamma(x, three), Catch::Contains("igamma") && Catch::Contains("[3]"));
}

TEST_CASE("modified_bessel_i0/i1 and spherical_bessel_j0 match PyTorch and have no gradient", "[special][special_kernels]") {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  Tensor x = ember::tensor(std::vector<double>{0.0, 1.0, -2.0, 30.0, 800.0, inf, -inf, nan}, ember::kFloat64)
                 .requires_grad_();
  // torch.special.modified_bessel_i0 / _i1 on the same float64 values (PyTorch 1.13).
  std::vector<double> i0 = {1.0, 1.2660658777520082, 2.279585302336067, 781672297823.9775, inf, nan, nan, nan};
  std::vector<double> i1 = {0.0, 0.5651591039924851, -1.5906368546373295, 768532038938.9569, inf, nan, nan, nan};
  Tensor y0 = special::modified_bessel_i0(x), y1 = special::modified_bessel_i1(x);
  CHECK_FALSE(y0.requires_grad());
  CHECK_FALSE(y1.requires_grad());
  check_close("i0", values(y0), i0, false);
  check_close("i1", values(y1), i1, false);
  // torch.special.spherical_bessel_j0 (PyTorch 1.13), float64 and float32.
  Tensor z = ember::tensor(std::vector<double>{0.0, 1e-8, 0.3, 1.0, -2.0, 30.0, 800.0, 1e300, inf, -inf, nan},
                           ember::kFloat64);
  std::vector<double> j64 = {1.0, 1.0, 0.9850673555377986, 0.8414709848078965, 0.45464871341284085,
                             -0.03293438746976206, 0.0011174620602462768, -8.178819121159085e-301, 0.0, 0.0, nan};
  std::vector<double> j32 = {1.0, 1.0, 0.9850673675537109, 0.8414709568023682, 0.4546487033367157,
                             -0.032934386283159256, 0.001117462059482932, 0.0, 0.0, 0.0, nan};
  check_close("spherical_bessel_j0", values(special::spherical_bessel_j0(z)), j64, false);
  check_close("spherical_bessel_j0", values(special::spherical_bessel_j0(z.to(ember::kFloat32))), j32, true);
  CHECK_FALSE(special::spherical_bessel_j0(x).requires_grad());
}

TEST_CASE("zeta of a large exponent underflows to zero instead of NaN", "[special][special_kernels]") {
  // PyTorch 1.13: special.zeta(200., 3.) is 3.764861949599026e-96 in float64 and 0.0 in
  // float32; special.zeta(400., 30.) is 0.0 in float64.
  CHECK(special::zeta(ember::scalar_tensor(200.0, ember::kFloat64), ember::scalar_tensor(3.0, ember::kFloat64))
            .item<double>() == Approx(3.764861949599026e-96).epsilon(1e-12));
  CHECK(special::zeta(ember::scalar_tensor(200.0), ember::scalar_tensor(3.0)).item<float>() == 0.0f);
  CHECK(special::zeta(ember::scalar_tensor(400.0, ember::kFloat64), ember::scalar_tensor(30.0, ember::kFloat64))
            .item<double>() == 0.0);
}
