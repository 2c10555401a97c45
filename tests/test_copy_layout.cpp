// Copies out of transposed and permuted views (contiguous(), clone(), copy_), which
// run on tiled transposes and short-row loops: every element must land where the
// view's strides say. The expected values come from the test's own index arithmetic
// over the source's storage, not from ember's copy. Tagged [simd] so that CTest runs it
// once per instruction set (the float tiles have an AVX2 path).
#include <catch2/catch.hpp>
#include <ember/ember.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace {
using ember::Tensor;

// The elements of view v, in row-major order, read from its storage through its sizes,
// strides and offset by plain index arithmetic. `base` is the contiguous tensor whose
// storage v views; the values are base's, converted to double.
std::vector<double> expected_of(const Tensor& v, const Tensor& base) {
  const Tensor flat = base.to(ember::kFloat64).reshape({-1});
  const double* data = flat.data_ptr<double>();
  const int64_t offset =
      (static_cast<const char*>(v.data_ptr()) - static_cast<const char*>(base.data_ptr())) / v.element_size();
  std::vector<double> out;
  const int64_t n = v.numel(), nd = v.dim();
  std::vector<int64_t> idx(static_cast<std::size_t>(nd), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t at = offset;
    for (int64_t d = 0; d < nd; ++d) at += idx[static_cast<std::size_t>(d)] * v.stride(d);
    out.push_back(data[at]);
    for (int64_t d = nd - 1; d >= 0; --d) {
      if (++idx[static_cast<std::size_t>(d)] < v.size(d)) break;
      idx[static_cast<std::size_t>(d)] = 0;
    }
  }
  return out;
}

std::vector<double> values_of(const Tensor& t) {
  const Tensor flat = t.to(ember::kFloat64).contiguous().reshape({-1});
  return std::vector<double>(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
}

// base: distinct values (modulo the dtype's range) in a contiguous tensor of `sizes`.
Tensor numbered(std::vector<int64_t> sizes, ember::Dtype dtype) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  Tensor t = ember::arange(0, n, ember::TensorOptions().dtype(ember::kFloat64));
  if (dtype == ember::kInt8 || dtype == ember::kUInt8 || dtype == ember::kBool) t = ember::remainder(t, 2);
  if (dtype == ember::kInt16 || dtype == ember::kFloat16 || dtype == ember::kBFloat16) t = ember::remainder(t, 256);
  return t.to(dtype).reshape(sizes);
}

void check_copy(const Tensor& view, const Tensor& base, const std::string& what) {
  INFO(what << ", dtype " << view.dtype() << ", sizes " << view.sizes() << ", strides " << view.strides());
  const std::vector<double> want = expected_of(view, base);
  Tensor c = view.contiguous();
  REQUIRE(c.is_contiguous());
  REQUIRE(c.sizes() == view.sizes());
  REQUIRE(values_of(c) == want);
  // copy_ into a destination that is itself a strided slice of a bigger buffer.
  Tensor big = ember::zeros({view.numel() * 2}, ember::TensorOptions().dtype(view.dtype()));
  Tensor dst = big.narrow(0, 1, view.numel()).reshape(view.sizes());
  dst.copy_(view);
  REQUIRE(values_of(dst) == want);
  REQUIRE(values_of(big.narrow(0, 0, 1)) == std::vector<double>{0});
}
}  // namespace

TEST_CASE("contiguous() of a transposed matrix, for every element size", "[simd][copy]") {
  for (auto dtype : {ember::kFloat32, ember::kFloat64, ember::kInt32, ember::kInt64, ember::kInt16, ember::kUInt8,
                     ember::kBool, ember::kFloat16}) {
    // Whole tiles of 32, a ragged edge on either side, a row or a column, a pitch of 4 KiB,
    // and partial tiles whose sides are multiples of 8 (the 8 x 8 register blocks).
    for (auto [r, c] : std::vector<std::pair<int64_t, int64_t>>{{64, 96},
                                                                {33, 70},
                                                                {70, 33},
                                                                {1, 50},
                                                                {50, 1},
                                                                {31, 31},
                                                                {256, 784},
                                                                {1024, 40},
                                                                {16, 48},
                                                                {40, 24},
                                                                {8, 136}}) {
      Tensor base = numbered({r, c}, dtype);
      check_copy(base.t(), base, "t()");
    }
  }
}

TEST_CASE("contiguous() of batched transposes and permutations", "[simd][copy]") {
  for (auto dtype : {ember::kFloat32, ember::kFloat64, ember::kInt8}) {
    Tensor a = numbered({3, 40, 70}, dtype);
    check_copy(a.transpose(1, 2), a, "transpose(1, 2)");
    check_copy(a.transpose(0, 2), a, "transpose(0, 2)");
    check_copy(a.permute({2, 0, 1}), a, "permute(2, 0, 1)");
    check_copy(a.permute({1, 2, 0}), a, "permute(1, 2, 0)");
    // Panels of 16 rows transposed one by one (the recurrent cells' packed weights).
    Tensor w = numbered({4, 16, 40}, dtype);
    check_copy(w.transpose(1, 2), w, "16-row panels, transposed");
    // An attention's heads: [batch, heads, seq, dim] -> [batch, seq, heads, dim], rows of 16.
    Tensor h = numbered({4, 8, 32, 16}, dtype);
    check_copy(h.permute({0, 2, 1, 3}), h, "permute(0, 2, 1, 3)");
    for (int64_t dim : {1, 2, 4, 8, 32, 33}) {
      Tensor s = numbered({5, 6, 7, dim}, dtype);
      check_copy(s.permute({0, 2, 1, 3}), s, "short rows of " + std::to_string(dim));
    }
    // A transposed slice with a step, and a broadcast column.
    Tensor m = numbered({90, 80}, dtype);
    check_copy(m.narrow(0, 3, 64).narrow(1, 5, 70).t(), m, "a transposed window");
    Tensor col = numbered({37, 1}, dtype);
    check_copy(col.expand({37, 45}), col, "expand of a column");
    check_copy(col.expand({37, 45}).t(), col, "expand of a column, transposed");
  }
}

TEST_CASE("copy_ into a transposed or permuted destination", "[simd][copy]") {
  for (auto dtype : {ember::kFloat32, ember::kFloat64, ember::kInt16}) {
    for (auto [r, c] : std::vector<std::pair<int64_t, int64_t>>{{64, 96}, {33, 70}, {1024, 40}}) {
      INFO("dtype " << dtype << ", " << r << " x " << c);
      Tensor src = numbered({r, c}, dtype);
      Tensor dst = ember::zeros({c, r}, ember::TensorOptions().dtype(dtype));
      dst.t().copy_(src);  // dst[j][i] = src[i][j]
      REQUIRE(values_of(dst) == expected_of(src.t(), src));
    }
    Tensor src = numbered({4, 8, 32, 16}, dtype);
    Tensor dst = ember::zeros({4, 32, 8, 16}, ember::TensorOptions().dtype(dtype));
    dst.permute({0, 2, 1, 3}).copy_(src);
    REQUIRE(values_of(dst) == expected_of(src.permute({0, 2, 1, 3}), src));
    Tensor dst3 = ember::zeros({70, 40, 3}, ember::TensorOptions().dtype(dtype));
    Tensor src3 = numbered({3, 40, 70}, dtype);
    dst3.permute({2, 1, 0}).copy_(src3);
    REQUIRE(values_of(dst3) == expected_of(src3.permute({2, 1, 0}), src3));
  }
}

TEST_CASE("transposed copies split across threads give the same result", "[simd][copy][threads]") {
  const int before = ember::get_num_threads();
  Tensor base = numbered({300, 517}, ember::kFloat32);
  ember::set_num_threads(1);
  Tensor one = base.t().contiguous();
  ember::set_num_threads(2);
  Tensor two = base.t().contiguous();
  ember::set_num_threads(before);
  REQUIRE(values_of(one) == expected_of(base.t(), base));
  REQUIRE(values_of(two) == values_of(one));
}
