// Sizes, strides and offsets that overflow int64: creation, views and shape ops refuse
// them with an ember::Error naming the op and the shape, and slicing with huge bounds
// clamps as Python and PyTorch do. Expected values and the PyTorch behaviour quoted
// come from python3-torch 1.13 (torch.empty, Tensor.expand, ...) unless a comment says
// otherwise; element counts near 2^63 were worked out in Python's exact integers.
#include <cmath>
#include <limits>

#include "helpers.hpp"

using Catch::Matchers::Contains;
using ember::Tensor;
using testing::values;

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t k2to32 = int64_t(1) << 32;
constexpr int64_t k2to62 = int64_t(1) << 62;
// 3037000499^2 = 9223372030926249001 < 2^63 - 1 < 3037000500^2.
constexpr int64_t kRootBelow = 3037000499;
constexpr int64_t kRootAbove = 3037000500;

std::vector<int64_t> int_values(const Tensor& t) {
  Tensor c = t.contiguous();
  const int64_t* p = c.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

}  // namespace

TEST_CASE("creation refuses shapes whose element count passes int64", "[checked_sizes]") {
  // PyTorch: "Storage size calculation overflowed with sizes=[4294967296, 4294967296]".
  REQUIRE_THROWS_WITH(ember::empty({k2to32, k2to32}),
                      Contains("empty: the shape [4294967296, 4294967296] has 2^63 or more elements"));
  // (2^62 + 1) * 4 wraps to 4: the tensor would claim 4 elements of a huge shape.
  REQUIRE_THROWS_WITH(ember::zeros({k2to62 + 1, 4}),
                      Contains("zeros: the shape [4611686018427387905, 4] has 2^63 or more elements"));
  // 3 * 2^62 wraps to a negative count.
  REQUIRE_THROWS_WITH(ember::full({3, k2to62}, 1.0),
                      Contains("full: the shape [3, 4611686018427387904] has 2^63 or more elements"));
  REQUIRE_THROWS_WITH(ember::rand({kRootAbove, kRootAbove}), Contains("rand: the shape [3037000500, 3037000500]"));
  REQUIRE_THROWS_WITH(ember::randn({kMax, 2}), Contains("randn: the shape [9223372036854775807, 2] has 2^63"));
  REQUIRE_THROWS_WITH(ember::randint(0, 5, {2, kMax}), Contains("randint: the shape [2, 9223372036854775807]"));
  REQUIRE_THROWS_WITH(ember::ones({k2to32, k2to32, 2}), Contains("has 2^63 or more elements"));
  // Negative sizes are still named as such.
  REQUIRE_THROWS_WITH(ember::empty({2, -1}), Contains("empty: negative size -1 in the shape [2, -1]"));
}

TEST_CASE("creation refuses byte counts that pass int64", "[checked_sizes]") {
  // 3037000499^2 elements fit in int64, their float32 bytes do not.
  REQUIRE_THROWS_WITH(ember::empty({kRootBelow, kRootBelow}),
                      Contains("empty: the shape [3037000499, 3037000499] (9223372030926249001 elements of float32) "
                               "needs 2^63 or more bytes"));
  // PyTorch: torch.empty(2**61) overflows the storage size (2^61 * 4 = 2^63).
  REQUIRE_THROWS_WITH(ember::empty({int64_t(1) << 61}), Contains("needs 2^63 or more bytes"));
  REQUIRE_THROWS_WITH(ember::zeros({int64_t(1) << 60}, ember::kFloat64), Contains("needs 2^63 or more bytes"));
}

TEST_CASE("a zero size does not hide huge sizes whose strides overflow", "[checked_sizes]") {
  // No element, but the row-major stride of dim 0 would be 2^64 (PyTorch wraps it to 0).
  REQUIRE_THROWS_WITH(ember::empty({0, k2to62, 4}),
                      Contains("empty: the strides of shape [0, 4611686018427387904, 4] do not fit in int64"));
  REQUIRE_THROWS_WITH(ember::zeros({0, k2to32, k2to32}), Contains("zeros: the strides of shape"));
  REQUIRE_THROWS_WITH(ember::full({0, kMax, kMax}, 1), Contains("full: the strides of shape"));
  // The outermost size enters no stride: PyTorch gives strides (2, 1, 1) here.
  Tensor t = ember::empty({k2to62, 2, 0});
  REQUIRE(t.numel() == 0);
  REQUIRE(t.nbytes() == 0);
  REQUIRE(t.strides().vec() == std::vector<int64_t>{2, 1, 1});
  Tensor u = ember::empty({kMax, 0});
  REQUIRE(u.numel() == 0);
  REQUIRE(u.strides().vec() == std::vector<int64_t>{1, 1});
}

TEST_CASE("element counts just below 2^63 are accepted in views", "[checked_sizes]") {
  // PyTorch: ones(1, 1).expand(3037000499, 3037000499).numel() == 9223372030926249001.
  Tensor big = ember::ones({1, 1}).expand({kRootBelow, kRootBelow});
  REQUIRE(big.numel() == 9223372030926249001);
  Tensor widest = ember::ones({1}).expand({kMax});
  REQUIRE(widest.numel() == kMax);
  // PyTorch: "numel: integer multiplication overflow".
  REQUIRE_THROWS_WITH(ember::ones({1, 1}).expand({kRootAbove, kRootAbove}),
                      Contains("expand: the shape [3037000500, 3037000500] has 2^63 or more elements"));
  REQUIRE_THROWS_WITH(ember::ones({1}).expand({kMax, 2}), Contains("expand: the shape"));
  REQUIRE_THROWS_WITH(ember::broadcast_to(ember::ones({1}), {k2to32, k2to32}), Contains("broadcast_to: the shape"));
}

TEST_CASE("view and reshape refuse shapes whose product wraps", "[checked_sizes]") {
  // 2147483649 * 9223372023969873926 = 6 (mod 2^64): without a check it passes for 6 elements.
  REQUIRE_THROWS_WITH(ember::arange(6).reshape({2147483649, 9223372023969873926}),
                      Contains("reshape: the shape [2147483649, 9223372023969873926] has 2^63 or more elements"));
  REQUIRE_THROWS_WITH(ember::arange(6).view({2147483649, 9223372023969873926}), Contains("view: the shape"));
  REQUIRE_THROWS_WITH(ember::arange(6).reshape({-1, k2to32, k2to32}), Contains("reshape: the shape"));
  // An empty tensor viewed as [0, 2^62, 4]: 0 elements, strides past int64.
  REQUIRE_THROWS_WITH(ember::empty({0}).reshape({0, k2to62, 4}), Contains("strides of shape [0, 4611686018427387904, 4]"));
  // PyTorch: empty(0).reshape(0, 2**63 - 1).stride() == (9223372036854775807, 1).
  Tensor ok = ember::empty({0}).reshape({0, kMax});
  REQUIRE(ok.strides().vec() == std::vector<int64_t>{kMax, 1});
  // unflatten goes through reshape.
  REQUIRE_THROWS_WITH(ember::arange(6).unflatten(0, {2147483649, 9223372023969873926}), Contains("has 2^63"));
}

TEST_CASE("narrow checks start + length without overflowing", "[checked_sizes]") {
  Tensor x = ember::arange(5);
  // PyTorch: "start (4) + length (9223372036854775807) exceeds dimension size (5)."
  REQUIRE_THROWS_WITH(x.narrow(0, -1, kMax), Contains("narrow: start (4) + length (9223372036854775807) exceeds"));
  REQUIRE_THROWS_WITH(x.narrow(0, 2, kMax), Contains("narrow: start (2) + length (9223372036854775807) exceeds"));
  // PyTorch: arange(5).narrow(0, -5, 5) == [0, 1, 2, 3, 4].
  REQUIRE(int_values(x.narrow(0, -5, 5)) == std::vector<int64_t>{0, 1, 2, 3, 4});
}

TEST_CASE("slice with huge bounds and steps clamps like Python", "[checked_sizes]") {
  Tensor x = ember::arange(5);
  // Python: list(range(5))[2:2**63-1:2**63-1] == [2]. PyTorch 1.13's own length formula
  // (end - start + step - 1) / step overflows here and it reports a bad storage size.
  REQUIRE(int_values(x.slice(0, 2, kMax, kMax)) == std::vector<int64_t>{2});
  // Python: [0]; PyTorch 1.13 wraps to an empty result.
  REQUIRE(int_values(x.slice(0, 0, kMax, kMax)) == std::vector<int64_t>{0});
  // PyTorch agrees on these: x[4:M:M] == [4], x[2:M:2**62] == [2], x[-5:M:2**62] == [0],
  // x[1:M:2] == [1, 3], x[M:] == [].
  REQUIRE(int_values(x.slice(0, 4, kMax, kMax)) == std::vector<int64_t>{4});
  REQUIRE(int_values(x.slice(0, 2, kMax, k2to62)) == std::vector<int64_t>{2});
  REQUIRE(int_values(x.slice(0, -5, kMax, k2to62)) == std::vector<int64_t>{0});
  REQUIRE(int_values(x.slice(0, 1, kMax, 2)) == std::vector<int64_t>{1, 3});
  REQUIRE(x.slice(0, kMax, std::nullopt, 1).numel() == 0);
  // Python: list(range(5))[-2**63:2**63-1] == [0, 1, 2, 3, 4].
  REQUIRE(int_values(x.slice(0, kMin, kMax, 1)) == std::vector<int64_t>{0, 1, 2, 3, 4});
  // A huge step on an inner dim (stride 1 * step fits) and an outer one (2 * step does not).
  Tensor m = ember::arange(10).reshape({5, 2});
  REQUIRE(int_values(m.slice(1, 0, kMax, kMax)) == std::vector<int64_t>{0, 2, 4, 6, 8});
  Tensor rows = m.slice(0, 3, kMax, kMax);
  REQUIRE(rows.sizes().vec() == std::vector<int64_t>{1, 2});
  REQUIRE(int_values(rows) == std::vector<int64_t>{6, 7});
  // The same through indexing.
  using ember::indexing::Slice;
  REQUIRE(int_values(x.index({Slice(2, kMax, kMax)})) == std::vector<int64_t>{2});
}

TEST_CASE("slice with a huge step has the gradient PyTorch gives", "[checked_sizes]") {
  // PyTorch: x[4:M:M].sum().backward() gives [0, 0, 0, 0, 1]; x[2:M:2**62] gives [0, 0, 1, 0, 0].
  Tensor x = ember::arange(5, ember::kFloat64).requires_grad_(true);
  x.slice(0, 4, kMax, kMax).sum().backward();
  REQUIRE(values(x.grad()) == std::vector<double>{0, 0, 0, 0, 1});
  Tensor y = ember::arange(5, ember::kFloat64).requires_grad_(true);
  y.slice(0, 2, kMax, k2to62).sum().backward();
  REQUIRE(values(y.grad()) == std::vector<double>{0, 0, 1, 0, 0});
  // Python slicing semantics (PyTorch 1.13 overflows): [2:M:M] takes element 2 only.
  Tensor z = ember::arange(5, ember::kFloat64).requires_grad_(true);
  using ember::indexing::Slice;
  z.index({Slice(2, kMax, kMax)}).sum().backward();
  REQUIRE(values(z.grad()) == std::vector<double>{0, 0, 1, 0, 0});
}

TEST_CASE("arange and linspace refuse non-finite and oversized ranges", "[checked_sizes]") {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  // PyTorch: "unsupported range: 0 -> inf", "-inf -> 0", "0 -> nan".
  REQUIRE_THROWS_WITH(ember::arange(0, inf), Contains("arange: unsupported range: 0 -> inf"));
  REQUIRE_THROWS_WITH(ember::arange(-inf, 0), Contains("arange: unsupported range: -inf -> 0"));
  REQUIRE_THROWS_WITH(ember::arange(0, nan), Contains("arange: unsupported range: 0 -> nan"));
  REQUIRE_THROWS_WITH(ember::arange(0, 5, nan), Contains("arange: step must be nonzero"));
  // PyTorch: arange(0, 5, inf) is empty.
  REQUIRE(ember::arange(0, 5, inf).numel() == 0);
  // 1e30 elements (PyTorch: "invalid size, possible overflow?").
  REQUIRE_THROWS_WITH(ember::arange(0, 1e30), Contains("arange: the range 0 -> 1e+30 with step 1 has"));
  // 2^62 float32 elements need 2^64 bytes.
  REQUIRE_THROWS_WITH(ember::arange(0.0, 4611686018427387904.0), Contains("arange: the shape [4611686018427387904]"));
  // PyTorch: "value cannot be converted to type int64_t without overflow".
  REQUIRE_THROWS_WITH(ember::arange(0, 1e30, 1e29, ember::kInt64), Contains("cannot be converted to int64"));
  // PyTorch: linspace(0, inf, 3) is [nan, nan, nan]; with dtype int64 it refuses.
  Tensor l = ember::linspace(0, inf, 3, ember::kFloat64);
  for (double v : values(l)) REQUIRE(std::isnan(v));
  REQUIRE_THROWS_WITH(ember::linspace(0, inf, 3, ember::kInt64), Contains("linspace: the value inf cannot be converted"));
  REQUIRE_THROWS_WITH(ember::linspace(nan, 1, 3, ember::kInt64), Contains("linspace: the value nan cannot be"));
  // Integer ranges wider than int64 itself work, element by element (exact in Python:
  // range(-2**62, 2**62, 2**61)); PyTorch 1.13 overflows computing end - start.
  REQUIRE(int_values(ember::arange(-k2to62, k2to62, int64_t(1) << 61)) ==
          std::vector<int64_t>{-k2to62, -(int64_t(1) << 61), 0, int64_t(1) << 61});
}

TEST_CASE("from_blob checks user strides and sizes", "[checked_sizes]") {
  float buf[4] = {1, 2, 3, 4};
  REQUIRE_THROWS_WITH(ember::from_blob(buf, {2, 2}, {1, kMax}),
                      Contains("from_blob: sizes [2, 2] with strides [1, 9223372036854775807] reach 2^63 or more bytes"));
  REQUIRE_THROWS_WITH(ember::from_blob(buf, {k2to32, k2to32}), Contains("from_blob: the shape"));
  REQUIRE_THROWS_WITH(ember::from_blob(buf, {0, k2to62, 4}), Contains("from_blob: the strides of shape"));
  // A bool view reaching 2^62 + 1 bytes fits; ops on it must not overflow its strides.
  bool bits[1] = {true};
  Tensor wide = ember::from_blob(bits, {1, 2}, {1, k2to62}, ember::kBool);
  Tensor first = wide.slice(1, 0, 1);
  REQUIRE(first.item<bool>());
  REQUIRE(wide.unsqueeze(1).sizes().vec() == std::vector<int64_t>{1, 1, 2});
  REQUIRE(wide.unsqueeze(0).sizes().vec() == std::vector<int64_t>{1, 1, 2});
  REQUIRE(wide.slice(1, 2, std::nullopt).numel() == 0);  // start * stride = 2^63
  // Two rows 2^62 bytes apart: the span of a merged [4] would be 2^63.
  bool four[2] = {true, false};
  Tensor rows = ember::from_blob(four, {2, 2}, {k2to62, 1}, ember::kBool);
  REQUIRE_THROWS_WITH(rows.view({4}), Contains("cannot be viewed as shape [4]"));
  REQUIRE(rows.view({2, 2, 1}).strides().vec()[0] == k2to62);
  REQUIRE(rows.unsqueeze(1).sizes().vec() == std::vector<int64_t>{2, 1, 2});
}

TEST_CASE("shape ops refuse results whose sizes pass int64", "[checked_sizes]") {
  Tensor huge = ember::ones({1}).expand({kMax});
  // PyTorch 1.13 wraps the sum to -2 and reports a negative dimension.
  REQUIRE_THROWS_WITH(ember::cat({huge, huge}), Contains("cat: the sizes along dim 0 add up to 2^63 or more"));
  REQUIRE_THROWS_WITH(ember::stack({ember::ones({1}).expand({k2to62}), ember::ones({1}).expand({k2to62})}),
                      Contains("cat: the shape [2, 4611686018427387904] has 2^63 or more elements"));
  REQUIRE_THROWS_WITH(ember::ones({1}).expand({k2to32}).repeat({k2to32}),
                      Contains("repeat: repeating dim 0 of size 4294967296 4294967296 times"));
  REQUIRE_THROWS_WITH(ember::empty({1, 1, 1, 0}).repeat({1, k2to32, k2to32, 1}),
                      Contains("repeat: the strides of shape [1, 4294967296, 4294967296, 0] do not fit"));
  REQUIRE_THROWS_WITH(ember::pad(ember::arange(5.0), {kMax, 1}), Contains("pad: padding (9223372036854775807, 1)"));
  // Cropping by more than the size leaves nothing; -kMin must not be formed.
  REQUIRE(ember::pad(ember::arange(5.0), {kMin, kMax}).numel() == 4);
  REQUIRE_THROWS_WITH(ember::empty({int64_t(1) << 40, int64_t(1) << 40, 0}).flatten(0, 1),
                      Contains("flatten: merging dims 0 to 1 of shape [1099511627776, 1099511627776, 0]"));
  REQUIRE_THROWS_WITH(ember::split(ember::arange(5), std::vector<int64_t>{kMax, kMax}),
                      Contains("split: split sizes [9223372036854775807, 9223372036854775807] add up to 2^63"));
  // PyTorch: arange(5).split(2**63 - 1) is one piece.
  REQUIRE(ember::arange(5).split(kMax).size() == 1);
  // chunk's pieces hold ceil(5 / chunks) elements: PyTorch's arange(5).chunk(10) gives 5
  // pieces of one; 1.13 overflows for chunks = 2^63 - 1, where the answer is the same.
  REQUIRE(ember::arange(5).chunk(kMax).size() == 5);
}

TEST_CASE("broadcast index tensors whose shape passes int64 are refused", "[checked_sizes]") {
  Tensor x = ember::arange(4).reshape({2, 2});
  Tensor rows = ember::zeros({1, 1}, ember::kInt64).expand({k2to32, 1});
  Tensor cols = ember::zeros({1, 1}, ember::kInt64).expand({1, k2to32});
  REQUIRE_THROWS_WITH(x.index({rows, cols}),
                      Contains("index: the shape [4294967296, 4294967296] has 2^63 or more elements"));
}

TEST_CASE("conv and pooling refuse paddings and dilations that overflow their sizes", "[checked_sizes]") {
  namespace F = ember::nn::functional;
  Tensor x = ember::arange(25.0).reshape({1, 1, 5, 5});
  Tensor w = ember::ones({1, 1, 3, 3});
  // PyTorch 1.13 wraps these and returns a wrong output (conv2d(padding=2**63-1) gives one zero).
  REQUIRE_THROWS_WITH(F::conv2d(x, w, {}, 1, kMax), Contains("conv2d: padding [9223372036854775807]"));
  REQUIRE_THROWS_WITH(F::conv2d(x, w, {}, 1, 0, kMax), Contains("give sizes beyond int64"));
  REQUIRE_THROWS_WITH(F::conv_transpose2d(x, w, {}, kMax), Contains("conv_transpose2d: the output size does not fit"));
  // 5 - 2 * (2^63 - 1) - 1 is far below zero: an empty output, reported as such.
  REQUIRE_THROWS_WITH(F::max_pool2d(x, {3}, {}, 0, kMax), Contains("max_pool2d: the output size"));
}
