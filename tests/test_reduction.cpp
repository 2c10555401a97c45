// Reductions: values against plain loops over std::vector, shapes (keepdim, negative
// dims, dim lists), dtypes, non-contiguous and zero-size inputs, every kernel path on
// large inputs, independence from the thread count, errors, and gradcheck (first and
// second order).
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>

#include "helpers.hpp"

using ember::Tensor;
using testing::leaf;
using testing::values;

namespace {

const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// "" when a and b agree (NaN matches NaN, infinities must be equal), else a description.
std::string mismatch(const std::vector<double>& a, const std::vector<double>& b, double rtol = 1e-12,
                     double atol = 1e-12) {
  if (a.size() != b.size()) return "sizes differ: " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(b[i])) continue;
    if (std::isinf(a[i]) || std::isinf(b[i])) {
      if (a[i] == b[i]) continue;
    } else if (std::fabs(a[i] - b[i]) <= atol + rtol * std::fabs(b[i])) {
      continue;
    }
    std::ostringstream os;
    os << "element " << i << ": got " << a[i] << ", expected " << b[i];
    return os.str();
  }
  return "";
}

std::vector<int64_t> shape_of(const Tensor& t) { return t.sizes().vec(); }

// Which dims a dim list reduces (an empty list: all).
std::vector<bool> reduced_dims(const std::vector<int64_t>& sizes, const std::vector<int64_t>& dims) {
  int64_t nd = static_cast<int64_t>(sizes.size());
  std::vector<bool> red(sizes.size(), dims.empty());
  for (int64_t d : dims) red[static_cast<std::size_t>((d + nd) % nd)] = true;
  return red;
}

// Where row-major element k of `sizes` lands in the reduced output (keepdim layout).
int64_t out_index(int64_t k, const std::vector<int64_t>& sizes, const std::vector<bool>& red) {
  int64_t o = 0, stride = 1;
  for (std::size_t i = sizes.size(); i-- > 0;) {
    int64_t idx = k % sizes[i];
    k /= sizes[i];
    if (!red[i]) {
      o += idx * stride;
      stride *= sizes[i];
    }
  }
  return o;
}

int64_t count_outputs(const std::vector<int64_t>& sizes, const std::vector<bool>& red) {
  int64_t n = 1;
  for (std::size_t i = 0; i < sizes.size(); ++i)
    if (!red[i]) n *= sizes[i];
  return n;
}

// A fold over the reduced dims, in row-major order.
std::vector<double> ref_fold(const std::vector<double>& data, const std::vector<int64_t>& sizes,
                             const std::vector<int64_t>& dims, double init,
                             const std::function<double(double, double)>& f) {
  std::vector<bool> red = reduced_dims(sizes, dims);
  std::vector<double> out(static_cast<std::size_t>(count_outputs(sizes, red)), init);
  for (std::size_t k = 0; k < data.size(); ++k) {
    double& o = out[static_cast<std::size_t>(out_index(static_cast<int64_t>(k), sizes, red))];
    o = f(o, data[k]);
  }
  return out;
}

int64_t reduced_count(const std::vector<int64_t>& sizes, const std::vector<int64_t>& dims) {
  std::vector<bool> red = reduced_dims(sizes, dims);
  int64_t n = 1;
  for (std::size_t i = 0; i < sizes.size(); ++i)
    if (red[i]) n *= sizes[i];
  return n;
}

double add(double a, double b) { return a + b; }
double mul(double a, double b) { return a * b; }
double max_nan(double a, double b) { return (std::isnan(b) || b > a) ? b : a; }
double min_nan(double a, double b) { return (std::isnan(b) || b < a) ? b : a; }

std::vector<double> ref_sum(const std::vector<double>& x, const std::vector<int64_t>& s, const std::vector<int64_t>& d) {
  return ref_fold(x, s, d, 0.0, add);
}
std::vector<double> ref_mean(const std::vector<double>& x, const std::vector<int64_t>& s,
                             const std::vector<int64_t>& d) {
  std::vector<double> r = ref_sum(x, s, d);
  for (double& v : r) v /= static_cast<double>(reduced_count(s, d));
  return r;
}
std::vector<double> ref_var(const std::vector<double>& x, const std::vector<int64_t>& s,
                            const std::vector<int64_t>& d, double correction) {
  std::vector<double> m = ref_mean(x, s, d);
  std::vector<bool> red = reduced_dims(s, d);
  std::vector<double> r(m.size(), 0.0);
  for (std::size_t k = 0; k < x.size(); ++k) {
    std::size_t o = static_cast<std::size_t>(out_index(static_cast<int64_t>(k), s, red));
    r[o] += (x[k] - m[o]) * (x[k] - m[o]);
  }
  for (double& v : r) v /= std::max(0.0, static_cast<double>(reduced_count(s, d)) - correction);
  return r;
}
std::vector<double> ref_logsumexp(const std::vector<double>& x, const std::vector<int64_t>& s,
                                  const std::vector<int64_t>& d) {
  std::vector<double> m = ref_fold(x, s, d, -kInf, max_nan);
  std::vector<bool> red = reduced_dims(s, d);
  std::vector<double> r(m.size(), 0.0);
  for (std::size_t k = 0; k < x.size(); ++k) {
    std::size_t o = static_cast<std::size_t>(out_index(static_cast<int64_t>(k), s, red));
    r[o] += std::exp(x[k] - m[o]);
  }
  for (std::size_t o = 0; o < r.size(); ++o) r[o] = std::log(r[o]) + m[o];
  return r;
}
std::vector<double> ref_norm(const std::vector<double>& x, const std::vector<int64_t>& s,
                             const std::vector<int64_t>& d, double p) {
  if (std::isinf(p))
    return ref_fold(x, s, d, p > 0 ? 0.0 : kInf,
                    [p](double a, double b) { return p > 0 ? std::max(a, std::fabs(b)) : std::min(a, std::fabs(b)); });
  if (p == 0) return ref_fold(x, s, d, 0.0, [](double a, double b) { return a + (b != 0); });
  std::vector<double> r = ref_fold(x, s, d, 0.0, [p](double a, double b) { return a + std::pow(std::fabs(b), p); });
  for (double& v : r) v = std::pow(v, 1 / p);
  return r;
}
// (values, indices) of the first extreme along dim.
std::pair<std::vector<double>, std::vector<double>> ref_extreme_dim(const std::vector<double>& x,
                                                                    const std::vector<int64_t>& s, int64_t dim,
                                                                    bool is_max) {
  std::vector<bool> red = reduced_dims(s, {dim});
  int64_t nd = static_cast<int64_t>(s.size());
  int64_t d = (dim + nd) % nd;
  int64_t inner = 1;
  for (int64_t i = d + 1; i < nd; ++i) inner *= s[static_cast<std::size_t>(i)];
  std::vector<double> v(static_cast<std::size_t>(count_outputs(s, red)), kNaN), ix(v.size(), -1);
  for (std::size_t k = 0; k < x.size(); ++k) {
    std::size_t o = static_cast<std::size_t>(out_index(static_cast<int64_t>(k), s, red));
    double pos = static_cast<double>((static_cast<int64_t>(k) / inner) % s[static_cast<std::size_t>(d)]);
    bool take = ix[o] < 0 || (!std::isnan(v[o]) && (std::isnan(x[k]) || (is_max ? x[k] > v[o] : x[k] < v[o])));
    if (take) {
      v[o] = x[k];
      ix[o] = pos;
    }
  }
  return {v, ix};
}
// Along one dim of a row-major tensor, f(line) -> line.
std::vector<double> ref_along(const std::vector<double>& x, const std::vector<int64_t>& s, int64_t dim,
                              const std::function<std::vector<double>(const std::vector<double>&)>& f) {
  int64_t nd = static_cast<int64_t>(s.size());
  int64_t d = (dim + nd) % nd;
  int64_t n = s[static_cast<std::size_t>(d)], inner = 1;
  for (int64_t i = d + 1; i < nd; ++i) inner *= s[static_cast<std::size_t>(i)];
  int64_t outer = static_cast<int64_t>(x.size()) / (n * inner);
  std::vector<double> y(x.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      std::vector<double> line(static_cast<std::size_t>(n));
      for (int64_t j = 0; j < n; ++j) line[static_cast<std::size_t>(j)] = x[static_cast<std::size_t>((o * n + j) * inner + i)];
      std::vector<double> r = f(line);
      for (int64_t j = 0; j < n; ++j) y[static_cast<std::size_t>((o * n + j) * inner + i)] = r[static_cast<std::size_t>(j)];
    }
  return y;
}
std::vector<double> softmax_line(const std::vector<double>& l) {
  double m = *std::max_element(l.begin(), l.end()), s = 0;
  for (double v : l) s += std::exp(v - m);
  std::vector<double> r;
  for (double v : l) r.push_back(std::exp(v - m) / s);
  return r;
}
std::vector<double> log_softmax_line(const std::vector<double>& l) {
  double m = *std::max_element(l.begin(), l.end()), s = 0;
  for (double v : l) s += std::exp(v - m);
  std::vector<double> r;
  for (double v : l) r.push_back(v - m - std::log(s));
  return r;
}
std::vector<double> cumsum_line(const std::vector<double>& l) {
  std::vector<double> r(l.size());
  std::partial_sum(l.begin(), l.end(), r.begin());
  return r;
}

// The expected shape of a reduction.
std::vector<int64_t> reduced_shape(const std::vector<int64_t>& s, const std::vector<int64_t>& dims, bool keepdim) {
  std::vector<bool> red = reduced_dims(s, dims);
  std::vector<int64_t> r;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!red[i])
      r.push_back(s[i]);
    else if (keepdim)
      r.push_back(1);
  }
  return r;
}

Tensor randn64(std::vector<int64_t> shape) { return ember::randn(shape, ember::kFloat64); }

// A non-contiguous view of `base` picked by `kind`: its transpose (last two dims), or
// every other element of the last dim.
struct Strided {
  Tensor base;  // keeps the memory alive
  Tensor view;
};
Strided transposed(int64_t rows, int64_t cols, ember::Dtype dt = ember::kFloat64) {
  Tensor base = ember::randn({cols, rows}, dt);
  return {base, ember::from_blob(base.data_ptr(), {rows, cols}, {1, rows}, dt)};
}
Strided every_other(std::vector<int64_t> shape, ember::Dtype dt = ember::kFloat64) {
  std::vector<int64_t> big = shape;
  big.back() *= 2;
  Tensor base = ember::randn(big, dt);
  std::vector<int64_t> strides(shape.size());
  int64_t s = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = i + 1 == shape.size() ? 2 : s;
    s *= big[i];
  }
  return {base, ember::from_blob(base.data_ptr(), shape, strides, dt)};
}

const std::vector<std::vector<int64_t>> kDimLists = {{0}, {1}, {2}, {-1}, {-3}, {0, 2}, {2, 0}, {1, -1}, {0, 1, 2}, {}};

}  // namespace

// ---------------------------------------------------------------------------------------
TEST_CASE("sum, mean and prod match plain loops over every dim list", "[reduction]") {
  ember::manual_seed(1);
  std::vector<int64_t> s = {4, 3, 5};
  Tensor x = randn64(s);
  std::vector<double> xv = values(x);
  for (const auto& dims : kDimLists) {
    for (bool keepdim : {false, true}) {
      INFO("dims of size " << dims.size() << (dims.empty() ? "" : " first " + std::to_string(dims[0])) << " keepdim "
                           << keepdim);
      Tensor r = ember::sum(x, dims, keepdim);
      REQUIRE(shape_of(r) == reduced_shape(s, dims, keepdim));
      REQUIRE(r.dtype() == ember::kFloat64);
      REQUIRE(mismatch(values(r), ref_sum(xv, s, dims)) == "");
      Tensor m = ember::mean(x, dims, keepdim);
      REQUIRE(shape_of(m) == reduced_shape(s, dims, keepdim));
      REQUIRE(mismatch(values(m), ref_mean(xv, s, dims)) == "");
    }
  }
  REQUIRE(ember::sum(x).dim() == 0);
  REQUIRE(mismatch(values(ember::sum(x)), ref_sum(xv, s, {})) == "");
  REQUIRE(mismatch(values(x.sum()), ref_sum(xv, s, {})) == "");
  REQUIRE(mismatch(values(ember::mean(x)), ref_mean(xv, s, {})) == "");
  REQUIRE(mismatch(values(x.mean({1}, true)), ref_mean(xv, s, {1})) == "");

  Tensor small = ember::rand({3, 4, 2}, ember::kFloat64) + 0.5;  // products of a moderate size
  std::vector<double> sv = values(small);
  std::vector<int64_t> ss = {3, 4, 2};
  REQUIRE(mismatch(values(ember::prod(small)), ref_fold(sv, ss, {}, 1.0, mul)) == "");
  for (int64_t d : {0, 1, 2, -1, -2}) {
    for (bool keepdim : {false, true}) {
      Tensor p = ember::prod(small, d, keepdim);
      REQUIRE(shape_of(p) == reduced_shape(ss, {d}, keepdim));
      REQUIRE(mismatch(values(p), ref_fold(sv, ss, {d}, 1.0, mul)) == "");
    }
  }
}

TEST_CASE("float32 sums agree with a double reference", "[reduction]") {
  ember::manual_seed(2);
  std::vector<int64_t> s = {7, 33, 65};
  Tensor x = ember::randn(s);
  std::vector<double> xv = values(x);
  for (const auto& dims : kDimLists) {
    Tensor r = ember::sum(x, dims);
    REQUIRE(r.dtype() == ember::kFloat32);
    REQUIRE(mismatch(values(r), ref_sum(xv, s, dims), 1e-5, 1e-4) == "");
  }
  // A requested dtype: the sum is computed in it.
  Tensor d = ember::sum(x, {1}, false, ember::kFloat64);
  REQUIRE(d.dtype() == ember::kFloat64);
  REQUIRE(mismatch(values(d), ref_sum(xv, s, {1}), 1e-12, 1e-12) == "");
  REQUIRE(ember::mean(x, ember::kFloat64).dtype() == ember::kFloat64);
}

TEST_CASE("amax, amin, max and min match plain loops, NaN propagates", "[reduction]") {
  ember::manual_seed(3);
  std::vector<int64_t> s = {4, 3, 5};
  Tensor x = randn64(s);
  std::vector<double> xv = values(x);
  for (const auto& dims : kDimLists) {
    for (bool keepdim : {false, true}) {
      Tensor a = ember::amax(x, dims, keepdim);
      REQUIRE(shape_of(a) == reduced_shape(s, dims, keepdim));
      REQUIRE(mismatch(values(a), ref_fold(xv, s, dims, -kInf, max_nan)) == "");
      REQUIRE(mismatch(values(ember::amin(x, dims, keepdim)), ref_fold(xv, s, dims, kInf, min_nan)) == "");
    }
  }
  REQUIRE(ember::max(x).item<double>() == *std::max_element(xv.begin(), xv.end()));
  REQUIRE(ember::min(x).item<double>() == *std::min_element(xv.begin(), xv.end()));
  REQUIRE(x.max().item<double>() == *std::max_element(xv.begin(), xv.end()));

  // NaN wins, in the SIMD path (long rows) and the scalar ones.
  for (int64_t n : {5, 100}) {
    std::vector<double> data(static_cast<std::size_t>(2 * n));
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<double>(i % 7);
    data[static_cast<std::size_t>(n + 3)] = kNaN;
    Tensor t = ember::tensor(data, {2, n}, ember::kFloat32);
    std::vector<double> mx = values(ember::amax(t, {1}));
    REQUIRE(mx[0] == static_cast<double>(std::min<int64_t>(n - 1, 6)));
    REQUIRE(std::isnan(mx[1]));
    REQUIRE(std::isnan(values(ember::amin(t, {1}))[1]));
    REQUIRE(std::isnan(ember::max(t).item<double>()));
    REQUIRE(std::isnan(values(ember::amax(t, {0}))[3]));
  }

  // Integer and bool inputs keep their dtype.
  Tensor ints = ember::tensor({{3, -7, 2}, {5, 1, 9}});
  REQUIRE(ember::amax(ints, {1}).dtype() == ember::kInt64);
  REQUIRE(ember::amax(ints, {1}).tolist<int64_t>() == std::vector<int64_t>{3, 9});
  REQUIRE(ember::amin(ints).item<int64_t>() == -7);
  Tensor bools = ember::tensor({{true, false}, {false, false}});
  REQUIRE(ember::amax(bools, {1}).dtype() == ember::kBool);
  REQUIRE(values(ember::amax(bools, {1})) == std::vector<double>{1, 0});
  REQUIRE(values(ember::amin(bools, {0})) == std::vector<double>{0, 0});
}

TEST_CASE("max(dim) and min(dim) give values and first indices, argmax and argmin", "[reduction]") {
  ember::manual_seed(4);
  std::vector<int64_t> s = {4, 3, 5};
  Tensor x = randn64(s);
  std::vector<double> xv = values(x);
  for (int64_t d : {0, 1, 2, -1, -3}) {
    for (bool keepdim : {false, true}) {
      for (bool is_max : {true, false}) {
        auto r = is_max ? ember::max(x, d, keepdim) : ember::min(x, d, keepdim);
        auto ref = ref_extreme_dim(xv, s, d, is_max);
        REQUIRE(shape_of(std::get<0>(r)) == reduced_shape(s, {d}, keepdim));
        REQUIRE(shape_of(std::get<1>(r)) == reduced_shape(s, {d}, keepdim));
        REQUIRE(std::get<1>(r).dtype() == ember::kInt64);
        REQUIRE(mismatch(values(std::get<0>(r)), ref.first) == "");
        REQUIRE(mismatch(values(std::get<1>(r)), ref.second) == "");
        Tensor a = is_max ? ember::argmax(x, d, keepdim) : ember::argmin(x, d, keepdim);
        REQUIRE(shape_of(a) == reduced_shape(s, {d}, keepdim));
        REQUIRE(mismatch(values(a), ref.second) == "");
      }
    }
  }
  // Without a dim: the flat index, a 0-dim tensor.
  Tensor am = ember::argmax(x);
  REQUIRE(am.dim() == 0);
  REQUIRE(am.item<int64_t>() == std::max_element(xv.begin(), xv.end()) - xv.begin());
  REQUIRE(ember::argmin(x).item<int64_t>() == std::min_element(xv.begin(), xv.end()) - xv.begin());
  REQUIRE(x.argmax().item<int64_t>() == am.item<int64_t>());

  // Ties: the first occurrence, along the inner and an outer dim.
  Tensor t = ember::tensor({{1.0, 3.0, 3.0, 0.0}, {3.0, 3.0, 2.0, 0.0}});
  REQUIRE(std::get<1>(ember::max(t, 1)).tolist<int64_t>() == std::vector<int64_t>{1, 0});
  REQUIRE(std::get<1>(ember::max(t, 0)).tolist<int64_t>() == std::vector<int64_t>{1, 0, 0, 0});
  REQUIRE(std::get<1>(ember::min(t, 1)).tolist<int64_t>() == std::vector<int64_t>{3, 3});
  REQUIRE(ember::argmax(t).item<int64_t>() == 1);
  // NaN counts as the extreme, as in PyTorch.
  Tensor n = ember::tensor({{1.0, kNaN, 5.0, kNaN}});
  REQUIRE(std::get<1>(ember::max(n, 1)).item<int64_t>() == 1);
  REQUIRE(std::get<1>(ember::min(n, 1)).item<int64_t>() == 1);
  // Integers and bools.
  Tensor ints = ember::tensor({{3, 9, 9}, {-4, -8, 0}});
  REQUIRE(std::get<0>(ember::max(ints, 1)).tolist<int64_t>() == std::vector<int64_t>{9, 0});
  REQUIRE(std::get<1>(ember::max(ints, 1)).tolist<int64_t>() == std::vector<int64_t>{1, 2});
  REQUIRE(ember::argmin(ints).item<int64_t>() == 4);
  Tensor bools = ember::tensor({{false, true, true}});
  REQUIRE(std::get<1>(ember::max(bools, 1)).item<int64_t>() == 1);
}

TEST_CASE("var and std with corrections match plain loops", "[reduction]") {
  ember::manual_seed(5);
  std::vector<int64_t> s = {4, 3, 5};
  Tensor x = randn64(s) * 3 + 10;  // an offset checks the two-pass accuracy
  std::vector<double> xv = values(x);
  for (const auto& dims : kDimLists) {
    for (int64_t c : {0, 1, 2}) {
      for (bool keepdim : {false, true}) {
        // The correction form: dim list and correction as optionals.
        Tensor v = ember::var(x, ember::IntArrayRef(dims), std::optional<int64_t>(c), keepdim);
        REQUIRE(shape_of(v) == reduced_shape(s, dims, keepdim));
        std::vector<double> ref = ref_var(xv, s, dims, static_cast<double>(c));
        REQUIRE(mismatch(values(v), ref, 1e-10, 1e-12) == "");
        std::vector<double> sref = ref;
        for (double& e : sref) e = std::sqrt(e);
        Tensor sd = ember::std(x, ember::IntArrayRef(dims), std::optional<int64_t>(c), keepdim);
        REQUIRE(mismatch(values(sd), sref, 1e-10, 1e-12) == "");
      }
    }
  }
  REQUIRE(mismatch(values(ember::var(x)), ref_var(xv, s, {}, 1)) == "");
  REQUIRE(mismatch(values(ember::var(x, false)), ref_var(xv, s, {}, 0)) == "");
  REQUIRE(mismatch(values(ember::var(x, {1}, false, true)), ref_var(xv, s, {1}, 0)) == "");
  std::vector<double> sd = ref_var(xv, s, {0, 2}, 1);
  for (double& e : sd) e = std::sqrt(e);
  REQUIRE(mismatch(values(ember::std(x, {0, 2})), sd, 1e-12, 1e-12) == "");
  REQUIRE(mismatch(values(x.var({-1}, true, false)), ref_var(xv, s, {-1}, 1)) == "");
  std::vector<int64_t> d2 = {2};
  REQUIRE(mismatch(values(ember::var(x, std::nullopt, std::nullopt, false)), ref_var(xv, s, {}, 1)) == "");
  REQUIRE(mismatch(values(ember::var(x, ember::IntArrayRef(d2), std::nullopt, true)), ref_var(xv, s, {2}, 1)) == "");
  // One element with the unbiased estimate: 0 / 0.
  REQUIRE(std::isnan(ember::var(ember::tensor({1.5})).item<double>()));
  REQUIRE(ember::var(ember::tensor({1.5}), false).item<double>() == 0.0);
}

TEST_CASE("logsumexp is stable for large shifts and -inf rows", "[reduction]") {
  ember::manual_seed(6);
  std::vector<int64_t> s = {4, 3, 5};
  Tensor x = randn64(s);
  std::vector<double> xv = values(x);
  for (const auto& dims : kDimLists)
    for (bool keepdim : {false, true}) {
      Tensor r = ember::logsumexp(x, dims, keepdim);
      REQUIRE(shape_of(r) == reduced_shape(s, dims, keepdim));
      REQUIRE(mismatch(values(r), ref_logsumexp(xv, s, dims), 1e-12, 1e-12) == "");
    }
  // Shifted by several hundred: exp would overflow without the shift.
  for (double shift : {800.0, -800.0}) {
    Tensor big = x + shift;
    std::vector<double> ref = ref_logsumexp(xv, s, {1});
    for (double& v : ref) v += shift;
    REQUIRE(mismatch(values(ember::logsumexp(big, {1})), ref, 1e-12, 1e-9) == "");
    Tensor big32 = big.to(ember::kFloat32);
    REQUIRE(mismatch(values(ember::logsumexp(big32, {1})), ref, 1e-5, 1e-3) == "");
  }
  // A row of -inf gives -inf; +inf gives +inf; NaN stays NaN.
  Tensor t = ember::tensor({{-kInf, -kInf}, {0.0, -kInf}, {kInf, 1.0}, {kNaN, 1.0}}, ember::kFloat64);
  std::vector<double> r = values(ember::logsumexp(t, {1}));
  REQUIRE(r[0] == -kInf);
  REQUIRE(r[1] == 0.0);
  REQUIRE(r[2] == kInf);
  REQUIRE(std::isnan(r[3]));
  // Integers compute in the default float dtype.
  Tensor ints = ember::tensor({1, 2, 3});
  REQUIRE(ember::logsumexp(ints, {0}).dtype() == ember::kFloat32);
  REQUIRE(ember::logsumexp(ints, {0}).item<double>() == Approx(std::log(std::exp(1) + std::exp(2) + std::exp(3))));
}

TEST_CASE("norm for finite p, 0 and infinities", "[reduction]") {
  ember::manual_seed(7);
  std::vector<int64_t> s = {4, 3, 5};
  Tensor x = randn64(s);
  std::vector<double> xv = values(x);
  for (double p : {1.0, 2.0, 3.0, 1.5, 0.5, 0.0, kInf, -kInf}) {
    INFO("p = " << p);
    REQUIRE(mismatch(values(ember::norm(x, p)), ref_norm(xv, s, {}, p), 1e-12, 1e-12) == "");
    for (const auto& dims : kDimLists)
      for (bool keepdim : {false, true}) {
        Tensor r = ember::norm(x, p, dims, keepdim);
        REQUIRE(shape_of(r) == reduced_shape(s, dims, keepdim));
        REQUIRE(mismatch(values(r), ref_norm(xv, s, dims, p), 1e-12, 1e-12) == "");
      }
  }
  REQUIRE(mismatch(values(ember::norm(x)), ref_norm(xv, s, {}, 2)) == "");
  REQUIRE(mismatch(values(ember::norm(x, std::nullopt, {1})), ref_norm(xv, s, {1}, 2)) == "");
  REQUIRE(mismatch(values(x.norm(1)), ref_norm(xv, s, {}, 1)) == "");
}

TEST_CASE("cumsum along each dim, with dtypes", "[reduction]") {
  ember::manual_seed(8);
  std::vector<int64_t> s = {4, 3, 5};
  Tensor x = randn64(s);
  std::vector<double> xv = values(x);
  for (int64_t d : {0, 1, 2, -1}) {
    Tensor r = ember::cumsum(x, d);
    REQUIRE(shape_of(r) == s);
    REQUIRE(mismatch(values(r), ref_along(xv, s, d, cumsum_line), 1e-12, 1e-12) == "");
  }
  Tensor ints = ember::tensor({{1, 2, 3}, {4, 5, 6}});
  REQUIRE(ember::cumsum(ints, 1).dtype() == ember::kInt64);
  REQUIRE(ember::cumsum(ints, 1).tolist<int64_t>() == std::vector<int64_t>{1, 3, 6, 4, 9, 15});
  REQUIRE(ember::cumsum(ints, 0).tolist<int64_t>() == std::vector<int64_t>{1, 2, 3, 5, 7, 9});
  Tensor bools = ember::tensor({true, false, true, true});
  REQUIRE(ember::cumsum(bools, 0).dtype() == ember::kInt64);
  REQUIRE(ember::cumsum(bools, 0).tolist<int64_t>() == std::vector<int64_t>{1, 1, 2, 3});
  Tensor f = ember::cumsum(ints, -1, ember::kFloat64);
  REQUIRE(f.dtype() == ember::kFloat64);
  REQUIRE(values(f) == std::vector<double>{1, 3, 6, 4, 9, 15});
  REQUIRE(values(x.cumsum(0)) == values(ember::cumsum(x, 0)));
  // 0-dim and empty.
  REQUIRE(ember::cumsum(ember::scalar_tensor(2.5), 0).item<double>() == 2.5);
  REQUIRE(shape_of(ember::cumsum(ember::zeros({0, 3}), 0)) == std::vector<int64_t>{0, 3});
}

TEST_CASE("all and any, with dims and non-bool inputs", "[reduction]") {
  Tensor b = ember::tensor({{true, true, false}, {true, true, true}});
  REQUIRE(ember::all(b).item<bool>() == false);
  REQUIRE(ember::any(b).item<bool>() == true);
  REQUIRE(values(ember::all(b, 1)) == std::vector<double>{0, 1});
  REQUIRE(values(ember::all(b, 0)) == std::vector<double>{1, 1, 0});
  REQUIRE(values(ember::any(ember::logical_not(b), -1)) == std::vector<double>{1, 0});
  REQUIRE(shape_of(ember::all(b, 1, true)) == std::vector<int64_t>{2, 1});
  REQUIRE(ember::all(b, 1).dtype() == ember::kBool);
  Tensor f = ember::tensor({{0.0, 2.0}, {kNaN, -1.0}});
  REQUIRE(ember::any(f).dtype() == ember::kBool);
  REQUIRE(values(ember::all(f, 1)) == std::vector<double>{0, 1});  // NaN is non-zero
  REQUIRE(values(ember::any(ember::tensor({{0, 0}, {0, 3}}), 1)) == std::vector<double>{0, 1});
  // Empty: all is true, any is false.
  REQUIRE(ember::all(ember::zeros({0})).item<bool>() == true);
  REQUIRE(ember::any(ember::zeros({0})).item<bool>() == false);
  REQUIRE(b.all().item<bool>() == false);
  REQUIRE(values(b.any(0, true)) == std::vector<double>{1, 1, 1});
}

TEST_CASE("softmax and log_softmax along each dim, stable for large inputs", "[reduction]") {
  ember::manual_seed(9);
  std::vector<int64_t> s = {4, 3, 5};
  Tensor x = randn64(s);
  std::vector<double> xv = values(x);
  for (int64_t d : {0, 1, 2, -1, -2}) {
    REQUIRE(mismatch(values(ember::softmax(x, d)), ref_along(xv, s, d, softmax_line), 1e-12, 1e-14) == "");
    REQUIRE(mismatch(values(ember::log_softmax(x, d)), ref_along(xv, s, d, log_softmax_line), 1e-12, 1e-12) == "");
    Tensor x32 = x.to(ember::kFloat32);
    REQUIRE(ember::softmax(x32, d).dtype() == ember::kFloat32);
    REQUIRE(mismatch(values(ember::softmax(x32, d)), ref_along(xv, s, d, softmax_line), 1e-5, 1e-6) == "");
    REQUIRE(mismatch(values(ember::log_softmax(x32, d)), ref_along(xv, s, d, log_softmax_line), 1e-5, 1e-5) == "");
  }
  // Shifted by several hundred: the same probabilities.
  for (double shift : {700.0, -700.0}) {
    REQUIRE(mismatch(values(ember::softmax(x + shift, 1)), ref_along(xv, s, 1, softmax_line), 1e-9, 1e-12) == "");
    REQUIRE(mismatch(values(ember::softmax(x + shift, 0)), ref_along(xv, s, 0, softmax_line), 1e-9, 1e-12) == "");
    REQUIRE(mismatch(values(ember::log_softmax(x + shift, -1)), ref_along(xv, s, -1, log_softmax_line), 1e-9,
                     1e-10) == "");
  }
  // Long rows (the SIMD loops), rows sum to one.
  Tensor wide = ember::randn({3, 1000}) * 10;
  std::vector<double> sums = values(ember::sum(ember::softmax(wide, 1), {1}));
  for (double v : sums) REQUIRE(v == Approx(1.0).epsilon(1e-5));
  REQUIRE(mismatch(values(wide.log_softmax(1)), ref_along(values(wide), {3, 1000}, 1, log_softmax_line), 1e-5,
                   1e-4) == "");
  // 0-dim: softmax of one value is 1.
  REQUIRE(ember::softmax(ember::scalar_tensor(3.0), 0).item<double>() == 1.0);
  REQUIRE(ember::log_softmax(ember::scalar_tensor(3.0), -1).item<double>() == 0.0);
  REQUIRE(shape_of(ember::softmax(ember::zeros({0, 4}), 1)) == std::vector<int64_t>{0, 4});
}

TEST_CASE("softmax and log_softmax of many short rows (a classifier's logits)", "[reduction]") {
  // Rows of at most 64 run as blocks of rows; 5000 rows of 10 make several blocks and,
  // with threads, several chunks. Reference: the same formula in double (ref_along).
  ember::manual_seed(12);
  for (int64_t n : {1, 3, 10, 64}) {
    const std::vector<int64_t> s = {5000, n};
    Tensor x = randn64(s) * 5;
    std::vector<double> xv = values(x);
    INFO("row length " << n);
    REQUIRE(mismatch(values(ember::softmax(x, 1)), ref_along(xv, s, 1, softmax_line), 1e-12, 1e-14) == "");
    REQUIRE(mismatch(values(ember::log_softmax(x, 1)), ref_along(xv, s, 1, log_softmax_line), 1e-12, 1e-12) == "");
    Tensor x32 = x.to(ember::kFloat32);
    REQUIRE(mismatch(values(ember::softmax(x32, -1)), ref_along(xv, s, 1, softmax_line), 1e-5, 1e-6) == "");
    REQUIRE(mismatch(values(ember::log_softmax(x32, -1)), ref_along(xv, s, 1, log_softmax_line), 1e-5, 1e-5) == "");
  }
  // A NaN makes its row NaN and leaves the others; -inf entries get probability 0.
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  Tensor special = ember::tensor({{1.0, nan, 2.0}, {0.0, -inf, 0.0}, {nan, 1.0, 1.0}});
  for (auto dtype : {ember::kFloat32, ember::kFloat64}) {
    std::vector<double> p = values(ember::softmax(special.to(dtype), 1));
    for (int i : {0, 1, 2, 6, 7, 8}) REQUIRE(std::isnan(p[i]));
    REQUIRE(p[3] == Approx(0.5));
    REQUIRE(p[4] == 0.0);
    REQUIRE(p[5] == Approx(0.5));
    std::vector<double> lp = values(ember::log_softmax(special.to(dtype), 1));
    REQUIRE(std::isnan(lp[0]));
    REQUIRE(lp[3] == Approx(std::log(0.5)));
    REQUIRE(lp[4] == -inf);
  }
}

TEST_CASE("reductions follow PyTorch's dtype rules", "[reduction]") {
  Tensor ints = ember::tensor({{1, 2, 3}, {4, 5, 6}});
  REQUIRE(ember::sum(ints).dtype() == ember::kInt64);
  REQUIRE(ember::sum(ints).item<int64_t>() == 21);
  REQUIRE(ember::sum(ints, {0}).tolist<int64_t>() == std::vector<int64_t>{5, 7, 9});
  REQUIRE(ember::prod(ints).item<int64_t>() == 720);
  REQUIRE(ember::prod(ints).dtype() == ember::kInt64);
  // Large int64 values stay exact (no float detour).
  Tensor big = ember::tensor(std::vector<int64_t>{(int64_t(1) << 60) + 1, 1});
  REQUIRE(ember::sum(big).item<int64_t>() == (int64_t(1) << 60) + 2);
  Tensor bools = ember::tensor({true, true, false, true});
  REQUIRE(ember::sum(bools).dtype() == ember::kInt64);
  REQUIRE(ember::sum(bools).item<int64_t>() == 3);
  REQUIRE(ember::prod(bools).dtype() == ember::kInt64);
  REQUIRE(ember::sum(ints, ember::kFloat64).dtype() == ember::kFloat64);
  REQUIRE(ember::sum(ints, ember::kFloat64).item<double>() == 21.0);
  // mean of integers needs a floating dtype, as in PyTorch.
  REQUIRE_THROWS_AS(ember::mean(ints), ember::Error);
  REQUIRE_THROWS_WITH(ember::mean(ints), Catch::Contains("mean") && Catch::Contains("dtype") &&
                                             Catch::Contains("int64") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::mean(ints, {0}), Catch::Contains("mean"));
  REQUIRE_THROWS_WITH(ember::mean(ember::ones({2}), ember::kInt64), Catch::Contains("mean") && Catch::Contains("dtype"));
  REQUIRE(ember::mean(ints, ember::kFloat64).item<double>() == 3.5);
  REQUIRE(values(ember::mean(ints, {1}, false, ember::kFloat32)) == std::vector<double>{2, 5});
  REQUIRE(ember::amax(ember::ones({2}, ember::kFloat64)).dtype() == ember::kFloat64);
}

TEST_CASE("zero-size inputs: identities, nan mean, errors without an identity", "[reduction]") {
  Tensor e = ember::zeros({0, 3});
  REQUIRE(ember::sum(e).item<double>() == 0.0);
  REQUIRE(values(ember::sum(e, {0})) == std::vector<double>{0, 0, 0});
  REQUIRE(shape_of(ember::sum(e, {1})) == std::vector<int64_t>{0});
  REQUIRE(shape_of(ember::sum(e, {1}, true)) == std::vector<int64_t>{0, 1});
  REQUIRE(std::isnan(ember::mean(e).item<double>()));
  REQUIRE(ember::prod(e).item<double>() == 1.0);
  REQUIRE(values(ember::prod(e, 0)) == std::vector<double>{1, 1, 1});
  REQUIRE(ember::sum(ember::zeros({0}, ember::kInt64)).item<int64_t>() == 0);
  REQUIRE(ember::logsumexp(e, {0}).tolist<float>() == std::vector<float>(3, -std::numeric_limits<float>::infinity()));
  REQUIRE(values(ember::norm(e, 2.0, {0})) == std::vector<double>{0, 0, 0});
  // Reducing a non-empty dim of an empty tensor is fine: the result is empty.
  REQUIRE(shape_of(ember::amax(e, {1})) == std::vector<int64_t>{0});
  REQUIRE(shape_of(std::get<0>(ember::max(e, 1))) == std::vector<int64_t>{0});
  // No identity: an error naming the op and the shape.
  REQUIRE_THROWS_AS(ember::amax(e), ember::Error);
  REQUIRE_THROWS_WITH(ember::amax(e), Catch::Contains("amax") && Catch::Contains("[0, 3]"));
  REQUIRE_THROWS_WITH(ember::amin(e, {0}), Catch::Contains("amin") && Catch::Contains("[0, 3]"));
  REQUIRE_THROWS_WITH(ember::max(e), Catch::Contains("max") && Catch::Contains("[0, 3]"));
  REQUIRE_THROWS_WITH(ember::min(e), Catch::Contains("min") && Catch::Contains("[0, 3]"));
  REQUIRE_THROWS_WITH(ember::max(e, 0), Catch::Contains("max") && Catch::Contains("[0, 3]"));
  REQUIRE_THROWS_WITH(ember::argmax(e), Catch::Contains("argmax") && Catch::Contains("[0, 3]"));
  REQUIRE_THROWS_WITH(ember::argmin(e, 0), Catch::Contains("argmin") && Catch::Contains("[0, 3]"));
}

TEST_CASE("0-dim tensors reduce over dim 0 or -1", "[reduction]") {
  Tensor s = ember::scalar_tensor(4.0, ember::kFloat64);
  REQUIRE(ember::sum(s).item<double>() == 4.0);
  REQUIRE(ember::sum(s, {0}).dim() == 0);
  REQUIRE(ember::sum(s, {-1}, true).dim() == 0);
  REQUIRE(ember::mean(s, {0}).item<double>() == 4.0);
  REQUIRE(ember::prod(s, 0).item<double>() == 4.0);
  REQUIRE(ember::amax(s, {0}).item<double>() == 4.0);
  REQUIRE(std::get<1>(ember::max(s, 0)).item<int64_t>() == 0);
  REQUIRE(ember::argmax(s, -1).item<int64_t>() == 0);
  REQUIRE(ember::argmax(s).item<int64_t>() == 0);
  REQUIRE(ember::var(s, false).item<double>() == 0.0);
  REQUIRE(ember::logsumexp(s, {0}).item<double>() == 4.0);
  REQUIRE(ember::norm(ember::scalar_tensor(-3.0), 2).item<double>() == 3.0);
  REQUIRE(ember::all(s, 0).item<bool>() == true);
  REQUIRE_THROWS_WITH(ember::sum(s, {1}), Catch::Contains("sum") && Catch::Contains("dim 1"));
}

TEST_CASE("non-contiguous inputs give the same results as contiguous copies", "[reduction]") {
  ember::manual_seed(10);
  // Transposed [5, 7] and every other column of [4, 6, 5], plus an expanded (stride 0) view.
  std::vector<Strided> views = {transposed(5, 7), transposed(40, 33, ember::kFloat32), every_other({4, 6, 5}),
                                every_other({3, 40, 50}, ember::kFloat32)};
  float one[3] = {1.5f, -2.0f, 4.0f};
  views.push_back({Tensor(), ember::from_blob(one, {4, 3}, {0, 1}, ember::kFloat32)});
  for (const Strided& sv : views) {
    const Tensor& v = sv.view;
    REQUIRE(!v.is_contiguous());
    Tensor c = v.clone();
    REQUIRE(c.is_contiguous());
    int64_t nd = v.dim();
    double tol = v.dtype() == ember::kFloat32 ? 1e-5 : 1e-12;
    for (int64_t d = -nd; d < nd; ++d) {
      std::vector<int64_t> dl = {d};
      REQUIRE(mismatch(values(ember::sum(v, dl)), values(ember::sum(c, dl)), tol, tol) == "");
      REQUIRE(mismatch(values(ember::mean(v, dl, true)), values(ember::mean(c, dl, true)), tol, tol) == "");
      REQUIRE(values(ember::amax(v, dl)) == values(ember::amax(c, dl)));
      REQUIRE(values(ember::amin(v, dl)) == values(ember::amin(c, dl)));
      REQUIRE(values(std::get<1>(ember::max(v, d))) == values(std::get<1>(ember::max(c, d))));
      REQUIRE(values(ember::argmin(v, d)) == values(ember::argmin(c, d)));
      REQUIRE(mismatch(values(ember::prod(v, d)), values(ember::prod(c, d)), tol, tol) == "");
      REQUIRE(mismatch(values(ember::var(v, dl)), values(ember::var(c, dl)), 1e-4, tol) == "");
      REQUIRE(mismatch(values(ember::logsumexp(v, dl)), values(ember::logsumexp(c, dl)), tol, tol) == "");
      REQUIRE(mismatch(values(ember::norm(v, 3.0, dl)), values(ember::norm(c, 3.0, dl)), 1e-4, tol) == "");
      REQUIRE(mismatch(values(ember::cumsum(v, d)), values(ember::cumsum(c, d)), tol, tol) == "");
      REQUIRE(mismatch(values(ember::softmax(v, d)), values(ember::softmax(c, d)), tol, tol) == "");
      REQUIRE(mismatch(values(ember::log_softmax(v, d)), values(ember::log_softmax(c, d)), tol, tol) == "");
      REQUIRE(values(ember::any(ember::gt(v, 1.0), d)) == values(ember::any(ember::gt(c, 1.0), d)));
    }
    REQUIRE(mismatch(values(ember::sum(v)), values(ember::sum(c)), tol, tol) == "");
    REQUIRE(values(ember::argmax(v)) == values(ember::argmax(c)));
    if (nd == 3) {
      std::vector<int64_t> dl = {0, 2};
      REQUIRE(mismatch(values(ember::sum(v, dl)), values(ember::sum(c, dl)), tol, tol) == "");
      REQUIRE(values(ember::amax(v, dl)) == values(ember::amax(c, dl)));
    }
  }
}

TEST_CASE("reductions of shape-op views (transpose, narrow, expand)", "[reduction]") {
  ember::manual_seed(15);
  Tensor x = randn64({6, 5, 4});
  Tensor t = x.transpose(0, 2);  // [4, 5, 6]
  Tensor n = x.narrow(1, 1, 3);  // [6, 3, 4]
  Tensor e = x.select(1, 0).unsqueeze(1).expand({6, 7, 4});
  for (const Tensor& v : {t, n, e}) {
    Tensor c = v.contiguous();
    for (int64_t d = 0; d < 3; ++d) {
      std::vector<int64_t> dl = {d};
      REQUIRE(mismatch(values(ember::sum(v, dl)), values(ember::sum(c, dl))) == "");
      REQUIRE(values(ember::amax(v, dl, true)) == values(ember::amax(c, dl, true)));
      REQUIRE(values(ember::argmax(v, d)) == values(ember::argmax(c, d)));
      REQUIRE(mismatch(values(ember::softmax(v, d)), values(ember::softmax(c, d))) == "");
      REQUIRE(mismatch(values(ember::cumsum(v, d)), values(ember::cumsum(c, d))) == "");
    }
    REQUIRE(mismatch(values(ember::mean(v)), values(ember::mean(c))) == "");
  }
  using V = const std::vector<Tensor>&;
  Tensor l = leaf({4, 5});
  CHECK(ember::autograd::gradcheck([](V in) { return ember::sum(in[0].t(), {1}); }, {l}, testing::second_order()));
  CHECK(ember::autograd::gradcheck([](V in) { return ember::softmax(in[0].narrow(1, 1, 3), 0); }, {l}));
}

TEST_CASE("large inputs through every kernel path match a double reference", "[reduction]") {
  ember::manual_seed(11);
  // [9, 70000]: inner path with several segments per row; dim 0: outer path with
  // column blocks; [3000, 1100] dim 0: outer path with row chunks; sum of 2^21:
  // split across threads.
  struct Case {
    std::vector<int64_t> shape;
    std::vector<int64_t> dims;
  };
  std::vector<Case> cases = {{{9, 70000}, {1}},    {{9, 70000}, {0}}, {{3000, 1100}, {0}}, {{3000, 1100}, {1}},
                             {{1 << 21}, {}},      {{64, 33, 97}, {0, 2}}, {{5, 3, 20000}, {0, 2}},
                             {{2000, 3, 7}, {0}},  {{6, 7, 5, 40}, {0, 2}}, {{70000, 17}, {0}}};
  for (const Case& c : cases) {
    Tensor x = ember::rand(c.shape) - 0.25;
    std::vector<double> xv = values(x);
    std::vector<double> ref = ref_sum(xv, c.shape, c.dims);
    double scale = std::sqrt(static_cast<double>(reduced_count(c.shape, c.dims)));
    REQUIRE(mismatch(values(ember::sum(x, c.dims)), ref, 1e-5, 1e-5 * scale) == "");
    REQUIRE(mismatch(values(ember::amax(x, c.dims)), ref_fold(xv, c.shape, c.dims, -kInf, max_nan)) == "");
    REQUIRE(mismatch(values(ember::amin(x, c.dims)), ref_fold(xv, c.shape, c.dims, kInf, min_nan)) == "");
    Tensor x64 = x.to(ember::kFloat64);
    REQUIRE(mismatch(values(ember::sum(x64, c.dims)), ref, 1e-11, 1e-11 * scale) == "");
    Tensor xi = ember::gt(x, 0.7).to(ember::kInt64);
    std::vector<double> iv = values(xi);
    REQUIRE(values(ember::sum(xi, c.dims)) == ref_sum(iv, c.shape, c.dims));
  }
  // The large full sum of float32 is accurate (segments combined in double).
  Tensor tenths = ember::full({(1 << 24) + 3}, 0.1f);
  double exact = static_cast<double>(0.1f) * ((1 << 24) + 3);
  REQUIRE(ember::sum(tenths).item<double>() == Approx(exact).epsilon(1e-6));
  REQUIRE(ember::sum(tenths.to(ember::kFloat64)).item<double>() == Approx(exact).epsilon(1e-13));
}

TEST_CASE("reduction results do not depend on the thread count", "[reduction]") {
  ember::manual_seed(12);
  Tensor big = ember::randn({1 << 21});
  Tensor mat = ember::randn({700, 900});
  Tensor tall = ember::randn({20000, 40});
  Tensor taller = ember::randn({70000, 17}, ember::kFloat64);
  Strided tr = transposed(600, 500, ember::kFloat32);
  auto run = [&] {
    std::vector<std::vector<double>> r;
    r.push_back(values(ember::sum(big)));
    r.push_back(values(ember::mean(big)));
    r.push_back(values(ember::sum(mat, {1})));
    r.push_back(values(ember::sum(mat, {0})));
    r.push_back(values(ember::sum(tall, {0})));
    r.push_back(values(ember::sum(taller, {0})));
    r.push_back(values(ember::amax(taller, {0})));
    r.push_back(values(ember::sum(tr.view)));
    r.push_back(values(ember::sum(tr.view, {0})));
    r.push_back(values(ember::amax(big)));
    r.push_back(values(ember::any(ember::gt(big, 4.0))));
    r.push_back(values(ember::all(ember::lt(big, 4.0))));
    r.push_back(values(ember::prod(ember::gt(big, -3.0).to(ember::kFloat32), 0)));
    r.push_back(values(ember::argmax(big)));
    r.push_back(values(std::get<1>(ember::max(mat, 0))));
    r.push_back(values(ember::var(mat, std::vector<int64_t>{1})));
    r.push_back(values(ember::cumsum(mat, 0)));
    r.push_back(values(ember::softmax(mat, 1)));
    r.push_back(values(ember::log_softmax(mat, 0)));
    r.push_back(values(ember::logsumexp(mat, {1})));
    r.push_back(values(ember::norm(big)));
    return r;
  };
  int before = ember::get_num_threads();
  ember::set_num_threads(1);
  auto one = run();
  ember::set_num_threads(2);
  auto two = run();
  ember::set_num_threads(3);
  auto three = run();
  ember::set_num_threads(before);
  for (std::size_t i = 0; i < one.size(); ++i) {
    INFO("result " << i);
    REQUIRE(one[i] == two[i]);
    REQUIRE(one[i] == three[i]);
  }
}

TEST_CASE("bad dims, dtypes and undefined tensors throw ember::Error naming the op and shape", "[reduction]") {
  Tensor x = ember::ones({2, 3});
  REQUIRE_THROWS_AS(ember::sum(x, {2}), ember::Error);
  REQUIRE_THROWS_WITH(ember::sum(x, {2}), Catch::Contains("sum") && Catch::Contains("dim 2") &&
                                             Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::sum(x, {-3}), Catch::Contains("sum") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::sum(x, {1, -1}), Catch::Contains("sum") && Catch::Contains("more than once") &&
                                                  Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::mean(x, {5}), Catch::Contains("mean") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::prod(x, 2), Catch::Contains("prod") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::amax(x, {3}), Catch::Contains("amax") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::amin(x, {0, 0}), Catch::Contains("amin") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::max(x, 2), Catch::Contains("max") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::min(x, -3), Catch::Contains("min") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::argmax(x, 2), Catch::Contains("argmax") && Catch::Contains("[2, 3]"));
  std::vector<int64_t> two = {2};  // a braced {2} would pick var(x, bool unbiased)
  REQUIRE_THROWS_WITH(ember::var(x, two), Catch::Contains("var") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::std(x, two), Catch::Contains("std") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::logsumexp(x, {2}), Catch::Contains("logsumexp") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::norm(x, 2, {2}), Catch::Contains("norm") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::cumsum(x, 2), Catch::Contains("cumsum") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::all(x, 2), Catch::Contains("all") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::any(x, -3), Catch::Contains("any") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::softmax(x, 2), Catch::Contains("softmax") && Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::log_softmax(x, -3), Catch::Contains("log_softmax") && Catch::Contains("[2, 3]"));

  // Float-only ops refuse integers and bools, as in PyTorch.
  Tensor ints = ember::tensor({{1, 2, 3}, {4, 5, 6}});
  REQUIRE_THROWS_WITH(ember::var(ints), Catch::Contains("var") && Catch::Contains("int64") &&
                                           Catch::Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(ember::std(ints, {0}), Catch::Contains("std") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(ember::norm(ints), Catch::Contains("norm") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(ember::softmax(ints, 0), Catch::Contains("softmax") && Catch::Contains("int64"));
  REQUIRE_THROWS_WITH(ember::log_softmax(ints, 0), Catch::Contains("log_softmax") && Catch::Contains("int64"));
  Tensor bools = ember::tensor({true, false});
  REQUIRE_THROWS_WITH(ember::argmax(bools), Catch::Contains("argmax") && Catch::Contains("bool") &&
                                                Catch::Contains("[2]"));
  REQUIRE_THROWS_WITH(ember::argmin(bools, 0), Catch::Contains("argmin") && Catch::Contains("bool"));

  Tensor undef;
  REQUIRE_THROWS_AS(ember::sum(undef), ember::Error);
  REQUIRE_THROWS_WITH(ember::sum(undef), Catch::Contains("sum") && Catch::Contains("undefined"));
  REQUIRE_THROWS_WITH(ember::sum(undef, {0}), Catch::Contains("sum") && Catch::Contains("undefined"));
  REQUIRE_THROWS_WITH(ember::mean(undef), Catch::Contains("mean"));
  REQUIRE_THROWS_WITH(ember::prod(undef, 0), Catch::Contains("prod"));
  REQUIRE_THROWS_WITH(ember::amax(undef), Catch::Contains("amax"));
  REQUIRE_THROWS_WITH(ember::max(undef), Catch::Contains("max"));
  REQUIRE_THROWS_WITH(ember::max(undef, 0), Catch::Contains("max"));
  REQUIRE_THROWS_WITH(ember::argmax(undef), Catch::Contains("argmax"));
  REQUIRE_THROWS_WITH(ember::var(undef), Catch::Contains("var"));
  REQUIRE_THROWS_WITH(ember::logsumexp(undef, {0}), Catch::Contains("logsumexp"));
  REQUIRE_THROWS_WITH(ember::norm(undef), Catch::Contains("norm"));
  REQUIRE_THROWS_WITH(ember::cumsum(undef, 0), Catch::Contains("cumsum"));
  REQUIRE_THROWS_WITH(ember::all(undef), Catch::Contains("all"));
  REQUIRE_THROWS_WITH(ember::any(undef, 0), Catch::Contains("any"));
  REQUIRE_THROWS_WITH(ember::softmax(undef, 0), Catch::Contains("softmax"));
  REQUIRE_THROWS_WITH(ember::log_softmax(undef, 0), Catch::Contains("log_softmax"));
}

// ---------------------------------------------------------------------------------------
// Gradients.
namespace {
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
struct GradCase {
  const char* name;
  Fn fn;
  bool second_order;
};

std::vector<GradCase> grad_cases() {
  using V = const std::vector<Tensor>&;
  return {
      {"sum all", [](V x) { return ember::sum(x[0]); }, true},
      {"sum dim", [](V x) { return ember::sum(x[0], {1}); }, true},
      {"sum dims keepdim", [](V x) { return ember::sum(x[0], {0, 2}, true); }, true},
      {"mean all", [](V x) { return ember::mean(x[0]); }, true},
      {"mean dims", [](V x) { return ember::mean(x[0], {0, 2}); }, true},
      {"mean keepdim", [](V x) { return ember::mean(x[0], {-1}, true); }, true},
      {"prod all", [](V x) { return ember::prod(x[0]); }, true},
      {"prod dim", [](V x) { return ember::prod(x[0], 1); }, true},
      {"prod dim keepdim", [](V x) { return ember::prod(x[0], -1, true); }, true},
      {"amax dims", [](V x) { return ember::amax(x[0], {0, 2}); }, true},
      {"amin keepdim", [](V x) { return ember::amin(x[0], {1}, true); }, true},
      {"max all", [](V x) { return ember::max(x[0]); }, true},
      {"min all", [](V x) { return ember::min(x[0]); }, true},
      {"max dim", [](V x) { return std::get<0>(ember::max(x[0], 1)); }, true},
      {"min dim keepdim", [](V x) { return std::get<0>(ember::min(x[0], -1, true)); }, true},
      {"var all", [](V x) { return ember::var(x[0]); }, true},
      {"var dims", [](V x) { return ember::var(x[0], {0, 2}); }, true},
      {"var correction 0 keepdim", [](V x) { return ember::var(x[0], {1}, false, true); }, true},
      {"var correction 2",
       [](V x) {
         std::vector<int64_t> d = {1};
         return ember::var(x[0], ember::IntArrayRef(d), std::optional<int64_t>(2), false);
       },
       true},
      {"std all", [](V x) { return ember::std(x[0]); }, true},
      {"std dim", [](V x) { return ember::std(x[0], std::vector<int64_t>{1}); }, true},
      {"std correction 0", [](V x) { return ember::std(x[0], {0, 2}, false, true); }, true},
      {"logsumexp dim", [](V x) { return ember::logsumexp(x[0], {1}); }, true},
      {"logsumexp dims keepdim", [](V x) { return ember::logsumexp(x[0], {0, -1}, true); }, true},
      {"logsumexp shifted", [](V x) { return ember::logsumexp(x[0] + 500.0, {2}); }, true},
      {"norm 2", [](V x) { return ember::norm(x[0]); }, true},
      {"norm 2 dim", [](V x) { return ember::norm(x[0], 2, {1}); }, true},
      {"norm 1", [](V x) { return ember::norm(x[0], 1, {-1}, true); }, true},
      {"norm 3", [](V x) { return ember::norm(x[0], 3, {0, 2}); }, true},
      {"norm 1.5", [](V x) { return ember::norm(x[0], 1.5); }, false},
      {"norm inf", [](V x) { return ember::norm(x[0], std::numeric_limits<double>::infinity(), {1}); }, true},
      {"norm -inf", [](V x) { return ember::norm(x[0], -std::numeric_limits<double>::infinity()); }, true},
      {"cumsum 0", [](V x) { return ember::cumsum(x[0], 0); }, true},
      {"cumsum -1", [](V x) { return ember::cumsum(x[0], -1); }, true},
      {"softmax last", [](V x) { return ember::softmax(x[0], -1); }, true},
      {"softmax mid", [](V x) { return ember::softmax(x[0], 1); }, true},
      {"softmax first", [](V x) { return ember::softmax(x[0], 0); }, true},
      {"log_softmax last", [](V x) { return ember::log_softmax(x[0], 2); }, true},
      {"log_softmax first", [](V x) { return ember::log_softmax(x[0], 0); }, true},
      {"log_softmax shifted", [](V x) { return ember::log_softmax(x[0] - 600.0, 1); }, true},
      {"method forms", [](V x) { return x[0].sum({0}).mean() + x[0].softmax(1).var(); }, true},
  };
}
}  // namespace

TEST_CASE("reductions pass gradcheck, first and second order", "[reduction][gradcheck]") {
  ember::manual_seed(13);
  for (const GradCase& c : grad_cases()) {
    INFO(c.name);
    Tensor x = leaf({3, 4, 2});
    if (c.second_order)
      CHECK(ember::autograd::gradcheck(c.fn, {x}, testing::second_order()));
    else
      CHECK(ember::autograd::gradcheck(c.fn, {x}));
  }
}

TEST_CASE("reduction gradients on non-contiguous inputs pass gradcheck", "[reduction][gradcheck]") {
  ember::manual_seed(14);
  using V = const std::vector<Tensor>&;
  std::vector<std::pair<const char*, Fn>> cases = {
      {"sum", [](V x) { return ember::sum(x[0], {0}); }},
      {"mean", [](V x) { return ember::mean(x[0], {1}, true); }},
      {"prod", [](V x) { return ember::prod(x[0], 0); }},
      {"amax", [](V x) { return ember::amax(x[0], {1}); }},
      {"max dim", [](V x) { return std::get<0>(ember::max(x[0], 0)); }},
      {"var", [](V x) { return ember::var(x[0], std::vector<int64_t>{0}); }},
      {"logsumexp", [](V x) { return ember::logsumexp(x[0], {1}); }},
      {"norm", [](V x) { return ember::norm(x[0], 2, {0}); }},
      {"cumsum", [](V x) { return ember::cumsum(x[0], 1); }},
      {"softmax", [](V x) { return ember::softmax(x[0], 0); }},
      {"log_softmax", [](V x) { return ember::log_softmax(x[0], 1); }},
  };
  for (const auto& c : cases) {
    INFO(c.first);
    CHECK(ember::autograd::gradcheck(c.second, {testing::transposed_leaf(3, 4)}));
  }
}

TEST_CASE("prod gradients with zeros in the input", "[reduction][gradcheck]") {
  using V = const std::vector<Tensor>&;
  // One zero in a slice, two zeros in a slice, and a slice without zeros.
  Tensor x = ember::tensor({{0.5, 0.0, 2.0, -1.5}, {0.0, 3.0, 0.0, 1.0}, {1.5, -0.5, 2.5, 0.7}}, ember::kFloat64);
  x.requires_grad_(true);
  CHECK(ember::autograd::gradcheck([](V in) { return ember::prod(in[0], 1); }, {x}));
  CHECK(ember::autograd::gradcheck([](V in) { return ember::prod(in[0], 0, true); }, {x}));
  CHECK(ember::autograd::gradcheck([](V in) { return ember::prod(in[0]); }, {x}));
  Tensor one_zero = ember::tensor({{0.5, 0.0, 2.0}, {1.5, 3.0, -2.0}}, ember::kFloat64);
  one_zero.requires_grad_(true);
  CHECK(ember::autograd::gradcheck([](V in) { return ember::prod(in[0]); }, {one_zero}));

  // The values: the zero gets the product of the others; the others get nothing.
  Tensor y = ember::prod(x, 1);
  y.backward(ember::ones({3}, ember::kFloat64));
  std::vector<double> g = values(x.grad());
  std::vector<double> expected = {0, 0.5 * 2.0 * -1.5, 0, 0, 0, 0, 0, 0};
  for (std::size_t i = 0; i < 8; ++i) REQUIRE(g[i] == Approx(expected[i]));
  REQUIRE(g[8] == Approx(-0.5 * 2.5 * 0.7));
}

TEST_CASE("gradients of max-like reductions follow PyTorch's tie rules", "[reduction]") {
  // amax and max(): ties share the gradient evenly.
  Tensor x = ember::tensor({{1.0, 3.0, 3.0}, {2.0, 0.0, 5.0}}, ember::kFloat64);
  x.requires_grad_(true);
  ember::amax(x, {1}).backward(ember::tensor({1.0, 1.0}, ember::kFloat64));
  REQUIRE(values(x.grad()) == std::vector<double>{0, 0.5, 0.5, 0, 0, 1});
  x.mutable_grad() = Tensor();
  Tensor all_tie = ember::tensor({2.0, 2.0, 1.0, 2.0, 2.0}, ember::kFloat64);
  all_tie.requires_grad_(true);
  ember::max(all_tie).backward();
  REQUIRE(values(all_tie.grad()) == std::vector<double>{0.25, 0.25, 0, 0.25, 0.25});
  // max(dim): the whole gradient goes to the returned index.
  std::get<0>(ember::max(x, 1)).backward(ember::tensor({1.0, 2.0}, ember::kFloat64));
  REQUIRE(values(x.grad()) == std::vector<double>{0, 1, 0, 0, 0, 2});
  x.mutable_grad() = Tensor();
  std::get<0>(ember::min(x, 0, true)).sum().backward();
  REQUIRE(values(x.grad()) == std::vector<double>{1, 0, 1, 0, 1, 0});
  // Index outputs take no gradient.
  REQUIRE(!std::get<1>(ember::max(x, 1)).requires_grad());
  REQUIRE(!ember::argmax(x).requires_grad());
  REQUIRE(std::get<0>(ember::max(x, 1)).requires_grad());
}

TEST_CASE("gradients at the edges: zero norm, shifted logsumexp, integer outputs", "[reduction]") {
  // The 2-norm of a zero vector has a zero gradient, not NaN.
  Tensor z = ember::zeros({2, 3}, ember::kFloat64);
  z.requires_grad_(true);
  ember::norm(z, 2, {1}).sum().backward();
  REQUIRE(values(z.grad()) == std::vector<double>(6, 0.0));
  z.mutable_grad() = Tensor();
  ember::norm(z).backward();
  REQUIRE(values(z.grad()) == std::vector<double>(6, 0.0));
  Tensor mixed = ember::tensor({{0.0, 0.0}, {3.0, 4.0}}, ember::kFloat64);
  mixed.requires_grad_(true);
  ember::norm(mixed, 2, {1}).sum().backward();
  REQUIRE(values(mixed.grad()) == std::vector<double>{0, 0, 0.6, 0.8});
  // std of a constant slice: zero gradient, not NaN.
  Tensor c = ember::ones({2, 3}, ember::kFloat64);
  c.requires_grad_(true);
  ember::std(c, {1}).sum().backward();
  REQUIRE(values(c.grad()) == std::vector<double>(6, 0.0));

  // logsumexp far from zero: the gradient is the softmax.
  Tensor big = ember::tensor({{900.0, 901.0, 899.0}}, ember::kFloat64);
  big.requires_grad_(true);
  ember::logsumexp(big, {1}).sum().backward();
  REQUIRE(mismatch(values(big.grad()), softmax_line({900.0, 901.0, 899.0}), 1e-12, 1e-15) == "");

  // sum backward gives the expanded upstream gradient; cumsum backward the reverse sum.
  Tensor x = ember::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, ember::kFloat64);
  x.requires_grad_(true);
  ember::sum(x, {0}).backward(ember::tensor({1.0, 2.0, 3.0}, ember::kFloat64));
  REQUIRE(values(x.grad()) == std::vector<double>{1, 2, 3, 1, 2, 3});
  x.mutable_grad() = Tensor();
  ember::cumsum(x, 1).backward(ember::tensor({{1.0, 2.0, 3.0}, {1.0, 1.0, 1.0}}, ember::kFloat64));
  REQUIRE(values(x.grad()) == std::vector<double>{6, 5, 3, 3, 2, 1});
  x.mutable_grad() = Tensor();
  ember::mean(x, {1}, true).sum().backward();
  REQUIRE(mismatch(values(x.grad()), std::vector<double>(6, 1.0 / 3)) == "");

  // float32 input, float64 sum: the gradient comes back as float32.
  Tensor f = ember::ones({4}, ember::kFloat32);
  f.requires_grad_(true);
  Tensor s = ember::sum(f, ember::kFloat64);
  REQUIRE(s.dtype() == ember::kFloat64);
  s.backward();
  REQUIRE(f.grad().dtype() == ember::kFloat32);
  REQUIRE(values(f.grad()) == std::vector<double>(4, 1.0));

  // Outputs that cannot carry a gradient.
  REQUIRE(!ember::sum(x, ember::kInt64).requires_grad());
  REQUIRE(!ember::all(ember::gt(x, 0)).requires_grad());
  REQUIRE(ember::sum(x).requires_grad());
}

TEST_CASE("var and std take a braced dim list as dims, not as the unbiased flag", "[reduction]") {
  ember::Tensor x = ember::tensor({{1.0, 2.0, 3.0}, {2.0, 4.0, 9.0}});
  ember::Tensor v = ember::var(x, {1});
  REQUIRE(v.sizes().equals({2}));
  REQUIRE(v.tolist<double>()[0] == Approx(1.0));  // sample variance of 1, 2, 3
  REQUIRE(ember::std(x, {0}).sizes().equals({3}));
  REQUIRE(x.var({1}).sizes().equals({2}));
  REQUIRE(ember::var(x).dim() == 0);
  REQUIRE(ember::var(x, false).item<double>() == Approx(115.0 / 6 - std::pow(21.0 / 6, 2)).epsilon(1e-6));
  REQUIRE(x.std(false).dim() == 0);
}

TEST_CASE("max, min, argmax and argmin along long rows: first extreme, NaN first, ties", "[reduction]") {
  // Rows of 16 or more float or double elements find the extreme with the SIMD
  // reduction, then its first position. Expected: the test's own scan (strict compare
  // keeps the first; a NaN wins, the first NaN).
  ember::manual_seed(14);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (auto dtype : {ember::kFloat32, ember::kFloat64}) {
    Tensor x = ember::randint(0, 7, {64, 100}).to(dtype);  // many ties
    // Row 3: a NaN in the middle and another later; row 5: all equal; row 7: -0 and +0.
    x[3][40] = nan;
    x[3][70] = nan;
    x[5].fill_(2.0);
    x[7].fill_(-1.0);
    x[7][10] = -0.0;
    x[7][20] = 0.0;
    std::vector<double> xv = values(x);
    for (bool is_max : {true, false}) {
      INFO("dtype " << dtype << (is_max ? " max" : " min"));
      auto [val, idx] = is_max ? x.max(1) : x.min(1);
      std::vector<double> vv = values(val);
      std::vector<int64_t> iv = idx.tolist<int64_t>();
      std::vector<int64_t> av = (is_max ? x.argmax(1) : x.argmin(1)).tolist<int64_t>();
      for (int64_t r = 0; r < 64; ++r) {
        int64_t best = 0;
        for (int64_t j = 1; j < 100; ++j) {
          const double v = xv[static_cast<std::size_t>(r * 100 + j)], b = xv[static_cast<std::size_t>(r * 100 + best)];
          if ((is_max ? v > b : v < b) || (std::isnan(v) && !std::isnan(b))) best = j;
        }
        const double want = xv[static_cast<std::size_t>(r * 100 + best)];
        REQUIRE(iv[static_cast<std::size_t>(r)] == best);
        REQUIRE(av[static_cast<std::size_t>(r)] == best);
        if (std::isnan(want))
          REQUIRE(std::isnan(vv[static_cast<std::size_t>(r)]));
        else
          REQUIRE(vv[static_cast<std::size_t>(r)] == want);
      }
    }
    CHECK(x.argmax(1)[3].item<int64_t>() == 40);
    CHECK(x.argmax(1)[5].item<int64_t>() == 0);
    CHECK(x.argmax(1)[7].item<int64_t>() == 10);  // -0 first, equal to +0
  }
}

TEST_CASE("softmax and log_softmax gradients: the row kernel agrees with the composed backward", "[reduction]") {
  // A plain backward along the last dim runs one kernel per row; a recorded one
  // (create_graph) composes public ops: the reference.
  ember::manual_seed(18);
  for (auto dtype : {ember::kFloat32, ember::kFloat64}) {
    for (std::vector<int64_t> shape : {std::vector<int64_t>{7, 10}, {3, 5, 100}, {4, 2000}}) {
      for (bool log : {false, true}) {
        for (int64_t dim : {int64_t(-1), int64_t(0)}) {
          INFO("dtype " << dtype << ", shape " << ember::IntArrayRef(shape) << (log ? ", log" : "") << ", dim " << dim);
          Tensor x = (ember::randn(shape) * 3).to(dtype).requires_grad_(true);
          Tensor g = ember::randn(shape).to(dtype);
          auto f = [&] { return log ? ember::log_softmax(x, dim) : ember::softmax(x, dim); };
          Tensor plain = ember::autograd::grad({f()}, {x}, {g})[0];
          Tensor composed = ember::autograd::grad({f()}, {x}, {g}, std::nullopt, /*create_graph=*/true)[0].detach();
          const double tol = dtype == ember::kFloat32 ? 1e-5 : 1e-13;
          const double diff = ember::max(ember::abs(plain - composed)).item<double>();
          const double scale = ember::max(ember::abs(composed)).item<double>();
          CHECK(diff <= tol * std::max(scale, 1.0));
        }
      }
    }
  }
}
