// Printing: each expected string below is what PyTorch 1.13 prints (str(tensor)) for the
// same values, written out by hand from torch/_tensor_str.py's rules (number format,
// column width, 80-column wrapping, summary, suffixes). The one intended difference:
// PyTorch names a dtype "torch.float64" where ember prints "float64".
#include <ember/fmt.hpp>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.hpp"

using ember::Tensor;

using testing::str;

namespace {

// 0, 1, ..., n-1 as float32 with the given shape.
Tensor iota(int64_t n, ember::IntArrayRef shape, ember::Dtype dtype = ember::kFloat32) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = static_cast<double>(i);
  return ember::tensor(v, shape, dtype);
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("print: fixed-point floats share one width", "[print]") {
  CHECK(str(ember::tensor({{1.0, -2.5}, {3.0, 4.0}})) ==
        "tensor([[ 1.0000, -2.5000],\n"
        "        [ 3.0000,  4.0000]])");
  CHECK(str(ember::tensor({-1.5, 10.25})) == "tensor([-1.5000, 10.2500])");
  CHECK(str(ember::tensor({0.123456, 1.0})) == "tensor([0.1235, 1.0000])");
}

TEST_CASE("print: floats that are all integers print as '1.'", "[print]") {
  CHECK(str(ember::tensor({1.0, 2.0, 3.0})) == "tensor([1., 2., 3.])");
  CHECK(str(ember::tensor({1.0, -2.0, 30.0})) == "tensor([ 1., -2., 30.])");
  CHECK(str(ember::zeros({2, 3})) ==
        "tensor([[0., 0., 0.],\n"
        "        [0., 0., 0.]])");
}

TEST_CASE("print: scientific notation for wide or extreme magnitudes", "[print]") {
  CHECK(str(ember::tensor({1e5, 1.0})) == "tensor([1.0000e+05, 1.0000e+00])");       // integers, ratio > 1000
  CHECK(str(ember::tensor({0.00001, 1.5})) == "tensor([1.0000e-05, 1.5000e+00])");   // ratio > 1000
  CHECK(str(ember::tensor({1e-5})) == "tensor([1.0000e-05])");                       // min < 1e-4
  CHECK(str(ember::tensor({1.5e9, 2.5e9})) == "tensor([1.5000e+09, 2.5000e+09])");   // max > 1e8
  CHECK(str(ember::tensor({-1e-5, 2.0})) == "tensor([-1.0000e-05,  2.0000e+00])");
}

TEST_CASE("print: nan and inf", "[print]") {
  CHECK(str(ember::tensor({1.5, kNaN, kInf})) == "tensor([1.5000,    nan,    inf])");
  CHECK(str(ember::tensor({1.0, kInf})) == "tensor([1., inf])");
  CHECK(str(ember::tensor({1.0, -kInf})) == "tensor([1., -inf])");
}

TEST_CASE("print: int64 and bool tensors", "[print]") {
  CHECK(str(ember::tensor({{1, -20}, {300, 4}})) ==
        "tensor([[  1, -20],\n"
        "        [300,   4]])");
  CHECK(str(ember::tensor({true, false, true})) == "tensor([ True, False,  True])");
}

TEST_CASE("print: 0-dim tensors", "[print]") {
  CHECK(str(ember::scalar_tensor(3.5)) == "tensor(3.5000)");
  CHECK(str(ember::scalar_tensor(3.0)) == "tensor(3.)");
  CHECK(str(ember::scalar_tensor(3)) == "tensor(3)");
  CHECK(str(ember::scalar_tensor(true)) == "tensor(True)");
  CHECK(str(ember::scalar_tensor(2.5, ember::kFloat64)) == "tensor(2.5000, dtype=float64)");
}

TEST_CASE("print: empty tensors name their size and non-default dtype", "[print]") {
  CHECK(str(ember::empty({0})) == "tensor([])");
  CHECK(str(ember::zeros({0, 3})) == "tensor([], size=(0, 3))");
  CHECK(str(ember::zeros({0}, ember::kInt64)) == "tensor([], dtype=int64)");
  CHECK(str(ember::zeros({2, 0}, ember::kFloat64)) == "tensor([], size=(2, 0), dtype=float64)");
}

TEST_CASE("print: suffixes for dtype and autograd", "[print]") {
  CHECK(str(ember::tensor({1.5, 2.0}, ember::kFloat64)) == "tensor([1.5000, 2.0000], dtype=float64)");
  Tensor x = ember::tensor({1.0, 2.0}, ember::requires_grad());
  CHECK(str(x) == "tensor([1., 2.], requires_grad=True)");
  Tensor d = ember::tensor({1.5}, ember::dtype(ember::kFloat64).requires_grad(true));
  CHECK(str(d) == "tensor([1.5000], dtype=float64, requires_grad=True)");
  Tensor y = ember::tensor({3.0, 0.5});
  CHECK(str(x * y) == "tensor([3., 1.], grad_fn=<MulBackward0>)");
  CHECK(str(ember::leaky_relu(x)) == "tensor([1., 2.], grad_fn=<LeakyReluBackward0>)");
  // Without history the suffix goes.
  CHECK(str((x * y).detach()) == "tensor([3., 1.])");
}

TEST_CASE("print: rows wrap at 80 columns and suffixes move to a new line", "[print]") {
  CHECK(str(iota(30, {30})) ==
        "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
        "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
        "        28., 29.])");
  Tensor x = iota(28, {28});
  x.requires_grad_(true);
  CHECK(str(x) ==
        "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
        "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.],\n"
        "       requires_grad=True)");
}

TEST_CASE("print: 3-d tensors separate blocks with a blank line", "[print]") {
  CHECK(str(iota(8, {2, 2, 2})) ==
        "tensor([[[0., 1.],\n"
        "         [2., 3.]],\n"
        "\n"
        "        [[4., 5.],\n"
        "         [6., 7.]]])");
}

TEST_CASE("print: more than 1000 elements are summarised", "[print]") {
  CHECK(str(iota(1001, {1001}, ember::kInt64)) == "tensor([   0,    1,    2,  ...,  998,  999, 1000])");
  // The formatter sees only the shown values: 1999 / 1 > 1000 gives scientific notation.
  CHECK(str(iota(2000, {2000})) ==
        "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
        "        1.9990e+03])");
  CHECK(str(ember::ones({40, 40})) ==
        "tensor([[1., 1., 1.,  ..., 1., 1., 1.],\n"
        "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
        "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
        "        ...,\n"
        "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
        "        [1., 1., 1.,  ..., 1., 1., 1.],\n"
        "        [1., 1., 1.,  ..., 1., 1., 1.]])");
  // Exactly 1000 elements are printed in full.
  CHECK(str(ember::zeros({1000})).find("...") == std::string::npos);
}

TEST_CASE("print: views print through their strides", "[print]") {
  Tensor base = ember::tensor({{1, 2}, {3, 4}});
  Tensor transposed = ember::detail::make_view(base, {2, 2}, {1, 2}, 0);
  CHECK(str(transposed) ==
        "tensor([[1, 3],\n"
        "        [2, 4]])");
  Tensor column = ember::detail::make_view(base, {2}, {2}, 1);
  CHECK(str(column) == "tensor([2, 4])");
}

TEST_CASE("print: undefined tensors, shapes, dtypes, toString", "[print]") {
  CHECK(str(Tensor()) == "[ Tensor (undefined) ]");
  std::ostringstream os;
  os << ember::IntArrayRef({2, 3}) << " " << ember::kFloat64;
  CHECK(os.str() == "[2, 3] float64");
  CHECK(ember::zeros({2, 3}).toString() == "ember.FloatTensor [2, 3]");
  CHECK(ember::zeros({4}, ember::kInt64).toString() == "ember.LongTensor [4]");
  CHECK(ember::zeros({}, ember::kFloat64).toString() == "ember.DoubleTensor []");
  CHECK(ember::zeros({1}, ember::kBool).toString() == "ember.BoolTensor [1]");
  CHECK(Tensor().toString() == "ember.UndefinedTensor");
}

TEST_CASE("print: fmt formats a tensor as operator<< does", "[print]") {
  Tensor t = ember::tensor({{1.0, -2.5}, {3.0, 4.0}});
  CHECK(fmt::format("{}", t) == str(t));
  CHECK(fmt::format("x = {}", ember::scalar_tensor(3)) == "x = tensor(3)");
  CHECK(fmt::format("{:>12}", ember::scalar_tensor(3)) == "   tensor(3)");
}
