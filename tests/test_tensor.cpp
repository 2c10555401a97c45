// Tensors: creation, metadata, conversion, memory sharing, random numbers, threads.
#include <cstring>
#include <thread>

#include "helpers.hpp"

using ember::Tensor;
using testing::values;

TEST_CASE("creation functions give PyTorch's shapes, dtypes and values", "[tensor]") {
  Tensor z = ember::zeros({2, 3});
  REQUIRE(z.sizes().equals({2, 3}));
  REQUIRE(z.strides().equals({3, 1}));
  REQUIRE(z.dim() == 2);
  REQUIRE(z.numel() == 6);
  REQUIRE(z.dtype() == ember::kFloat32);
  REQUIRE(z.is_contiguous());
  REQUIRE(values(z) == std::vector<double>(6, 0));
  REQUIRE(values(ember::ones({3}, ember::kInt64)) == std::vector<double>{1, 1, 1});
  REQUIRE(ember::ones({3}, ember::kInt64).dtype() == ember::kInt64);
  REQUIRE(values(ember::full({2}, 2.5)) == std::vector<double>{2.5, 2.5});
  REQUIRE(ember::full({2}, 7).dtype() == ember::kInt64);
  REQUIRE(values(ember::eye(3)) == std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1});
  REQUIRE(values(ember::eye(2, 3)) == std::vector<double>{1, 0, 0, 0, 1, 0});
  REQUIRE(values(ember::arange(5)) == std::vector<double>{0, 1, 2, 3, 4});
  REQUIRE(ember::arange(5).dtype() == ember::kInt64);
  REQUIRE(ember::arange(0.0, 1.0, 0.25).dtype() == ember::kFloat32);
  REQUIRE(values(ember::arange(0.0, 1.0, 0.25)) == std::vector<double>{0, 0.25, 0.5, 0.75});
  REQUIRE(values(ember::arange(5, 0, -2)) == std::vector<double>{5, 3, 1});
  REQUIRE(values(ember::linspace(0, 1, 5)) == std::vector<double>{0, 0.25, 0.5, 0.75, 1});
  REQUIRE(ember::linspace(0, 1, 0).numel() == 0);
  Tensor n = ember::tensor({{1, 2}, {3, 4}});
  REQUIRE(n.dtype() == ember::kInt64);
  REQUIRE(n.sizes().equals({2, 2}));
  REQUIRE(ember::tensor({{1.5, 2}, {3, 4}}).dtype() == ember::kFloat32);
  REQUIRE(ember::tensor({true, false}).dtype() == ember::kBool);
  REQUIRE(ember::tensor(3.5).dim() == 0);
  REQUIRE(ember::tensor(3.5).item<double>() == 3.5);
  REQUIRE(ember::tensor({1.0, 2.0}, ember::kFloat64).dtype() == ember::kFloat64);
  std::vector<double> data{1, 2, 3, 4, 5, 6};
  Tensor v = ember::tensor(data, {2, 3});
  REQUIRE(v.dtype() == ember::kFloat64);
  REQUIRE(v.sizes().equals({2, 3}));
  REQUIRE(values(v) == data);
  REQUIRE(ember::tensor(std::vector<float>{1, 2}).sizes().equals({2}));
  Tensor like = ember::zeros_like(v);
  REQUIRE(like.dtype() == ember::kFloat64);
  REQUIRE(like.sizes().equals({2, 3}));
  REQUIRE(ember::ones_like(v, ember::kInt64).dtype() == ember::kInt64);
  REQUIRE(values(ember::full_like(v, 2)) == std::vector<double>(6, 2));
  REQUIRE(ember::empty_like(v).sizes().equals({2, 3}));
  REQUIRE(ember::empty({0, 4}).numel() == 0);
  REQUIRE(ember::scalar_tensor(2).dtype() == ember::kInt64);
}

TEST_CASE("arange and linspace write every element, in every dtype", "[tensor][creation]") {
  // Expected: the formulas (PyTorch's: start + i * step; linspace's second half counted
  // back from the end), evaluated here in double and rounded to the dtype by the test.
  const int64_t n = 1000;
  for (auto dtype : {ember::kFloat32, ember::kFloat64, ember::kInt32, ember::kInt64, ember::kFloat16}) {
    INFO("dtype " << dtype);
    std::vector<double> a = values(ember::arange(-3, 3 * n - 3, 3, ember::TensorOptions().dtype(dtype)));
    REQUIRE(a.size() == static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      const double want = ember::scalar_tensor(-3.0 + 3.0 * static_cast<double>(i)).to(dtype).item<double>();
      REQUIRE(a[static_cast<std::size_t>(i)] == want);
    }
  }
  std::vector<double> f = values(ember::arange(0.5, 100.0, 0.1, ember::kFloat64));
  REQUIRE(f.size() == 995);
  for (std::size_t i = 0; i < f.size(); ++i) REQUIRE(f[i] == 0.5 + static_cast<double>(i) * 0.1);
  std::vector<double> l = values(ember::linspace(-1, 2, 1001, ember::kFloat64));
  const double step = 3.0 / 1000;
  for (int64_t i = 0; i < 1001; ++i)
    REQUIRE(l[static_cast<std::size_t>(i)] == (i < 500 ? -1 + step * static_cast<double>(i) : 2 - step * static_cast<double>(1000 - i)));
  REQUIRE(values(ember::linspace(0, 10, 11, ember::kInt64)) == std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
}

TEST_CASE("creation errors name the op and the sizes", "[tensor][errors]") {
  REQUIRE_THROWS_WITH(ember::tensor({{1, 2}, {3}}), Catch::Contains("tensor") && Catch::Contains("rectangular"));
  REQUIRE_THROWS_WITH(ember::tensor(std::vector<float>{1, 2, 3}, {2, 2}),
                      Catch::Contains("tensor") && Catch::Contains("[2, 2]"));
  REQUIRE_THROWS_WITH(ember::zeros({2, -1}), Catch::Contains("negative") && Catch::Contains("[2, -1]"));
  REQUIRE_THROWS_WITH(ember::arange(0, 5, 0), Catch::Contains("arange"));
  REQUIRE_THROWS_WITH(ember::ones({2}).item<float>(), Catch::Contains("item") && Catch::Contains("[2]"));
  REQUIRE_THROWS_WITH(Tensor().sizes(), Catch::Contains("undefined"));
  REQUIRE_THROWS_WITH(ember::randint(5, 5, {2}), Catch::Contains("randint"));
  REQUIRE_THROWS_WITH(ember::ones({2}).size(2), Catch::Contains("size") && Catch::Contains("dim 2"));
  REQUIRE_THROWS_AS(ember::ones({2}).data_ptr<double>(), ember::Error);
}

TEST_CASE("from_blob wraps user memory without copying", "[tensor]") {
  float buf[6] = {1, 2, 3, 4, 5, 6};
  Tensor t = ember::from_blob(buf, {2, 3});
  REQUIRE(t.data_ptr<float>() == buf);
  t.mul_(2);
  REQUIRE(buf[5] == 12);
  Tensor col = ember::from_blob(buf, {2}, {3}, ember::kFloat32);  // first column
  REQUIRE(!col.is_contiguous());
  REQUIRE(values(col) == std::vector<double>{2, 8});
  bool freed = false;
  {
    double* heap = new double[2]{1, 2};
    Tensor owned = ember::from_blob(heap, {2}, [&freed](void* p) {
      delete[] static_cast<double*>(p);
      freed = true;
    }, ember::kFloat64);
    Tensor view = owned * 1;
    REQUIRE(!freed);
  }
  REQUIRE(freed);
}

TEST_CASE("conversion, clone, contiguous and item", "[tensor]") {
  Tensor f = ember::tensor({1.7, -2.2, 0.0});
  REQUIRE(values(f.to(ember::kInt64)) == std::vector<double>{1, -2, 0});
  REQUIRE(values(f.to(ember::kBool)) == std::vector<double>{1, 1, 0});
  REQUIRE(f.to(ember::kFloat32).is_same(f));
  REQUIRE(!f.to(ember::kFloat32, true).is_same(f));
  Tensor c = f.clone();
  REQUIRE(!c.is_alias_of(f));
  c.fill_(0);
  REQUIRE(values(f)[0] == Approx(1.7));
  REQUIRE(f.contiguous().is_same(f));
  Tensor nc = ember::detail::make_view(ember::arange(6).to(ember::kFloat32), {3, 2}, {1, 3}, 0);
  REQUIRE(!nc.is_contiguous());
  Tensor cc = nc.contiguous();
  REQUIRE(cc.is_contiguous());
  REQUIRE(values(cc) == std::vector<double>{0, 3, 1, 4, 2, 5});
  REQUIRE(ember::tensor({42}).item<int64_t>() == 42);
  REQUIRE(ember::tensor({2.5}).item().to_double() == 2.5);
  REQUIRE(ember::tensor(true).item<bool>());
  // gradients flow through to() back into the source dtype
  Tensor x = ember::tensor({1.0, 2.0}, ember::requires_grad());
  Tensor y = x.to(ember::kFloat64) * 3;
  y.backward(ember::ones({2}, ember::kFloat64));
  REQUIRE(x.grad().dtype() == ember::kFloat32);
  REQUIRE(values(x.grad()) == std::vector<double>{3, 3});
}

TEST_CASE("manual_seed makes random tensors repeatable, distributions look right", "[tensor]") {
  ember::manual_seed(7);
  Tensor a = ember::randn({1000});
  ember::manual_seed(7);
  Tensor b = ember::randn({1000});
  REQUIRE(values(a) == values(b));
  auto u = values(ember::rand({10000}));
  double mean = 0;
  for (double v : u) {
    REQUIRE(v >= 0);
    REQUIRE(v < 1);
    mean += v / u.size();
  }
  REQUIRE(mean == Approx(0.5).margin(0.02));
  auto n = values(ember::randn({10000}, ember::kFloat64));
  double m = 0, s = 0;
  for (double v : n) m += v / n.size();
  for (double v : n) s += (v - m) * (v - m) / n.size();
  REQUIRE(m == Approx(0).margin(0.05));
  REQUIRE(s == Approx(1).margin(0.05));
  for (double v : values(ember::randint(3, 7, {1000}))) {
    REQUIRE(v >= 3);
    REQUIRE(v < 7);
  }
  auto p = values(ember::randperm(10));
  std::sort(p.begin(), p.end());
  for (int i = 0; i < 10; ++i) REQUIRE(p[static_cast<std::size_t>(i)] == i);
  Tensor r = ember::randn({3}, ember::requires_grad());
  REQUIRE(r.requires_grad());
  Tensor w = ember::empty({2, 2});
  w.uniform_(-1, 1);
  for (double v : values(w)) REQUIRE(std::fabs(v) <= 1);
  // A parameter may be refilled under NoGradGuard (initialisers), not while recording.
  Tensor param = ember::zeros({2, 2}, ember::requires_grad());
  REQUIRE_THROWS_WITH(param.uniform_(-1, 1), Catch::Contains("uniform_") && Catch::Contains("NoGradGuard"));
  REQUIRE_THROWS_WITH(param.normal_(0, 1), Catch::Contains("normal_") && Catch::Contains("[2, 2]"));
  {
    ember::NoGradGuard no_grad;
    param.uniform_(2, 3);
  }
  for (double v : values(param)) REQUIRE((v >= 2 && v <= 3));
}

TEST_CASE("results do not depend on the thread count", "[tensor][threads]") {
  int before = ember::get_num_threads();
  Tensor a = ember::randn({1 << 18});
  Tensor b = ember::randn({1 << 18});
  ember::set_num_threads(1);
  REQUIRE(ember::get_num_threads() == 1);
  Tensor one = ember::tanh(a) * b + ember::exp(b * 0.1);
  ember::set_num_threads(2);
  Tensor two = ember::tanh(a) * b + ember::exp(b * 0.1);
  REQUIRE(values(one) == values(two));
  REQUIRE_THROWS_WITH(ember::set_num_threads(0), Catch::Contains("set_num_threads"));
  ember::set_num_threads(before);
}

TEST_CASE("tensors can be made and freed on several threads at once", "[tensor][threads]") {
  std::vector<std::thread> pool;
  std::vector<double> sums(4);
  for (int t = 0; t < 4; ++t) {
    pool.emplace_back([t, &sums] {
      Tensor acc = ember::zeros({16});
      for (int i = 0; i < 200; ++i) acc = acc + ember::ones({16}) * t;
      sums[static_cast<std::size_t>(t)] = values(acc)[0];
    });
  }
  for (auto& th : pool) th.join();
  for (int t = 0; t < 4; ++t) REQUIRE(sums[static_cast<std::size_t>(t)] == 200.0 * t);
}

TEST_CASE("back-to-back parallel loops each cover their whole range", "[tensor][threads]") {
  // Many large ops in a row: a worker still leaving one loop must never take a piece of
  // the next (every element of every sum has to be counted exactly once).
  int before = ember::get_num_threads();
  ember::set_num_threads(2);
  Tensor ones = ember::ones({(1 << 17) + 5}, ember::kFloat64);
  for (int i = 0; i < 2000; ++i) {
    Tensor scaled = ones * static_cast<double>(i % 7 + 1);
    REQUIRE(ember::sum(scaled).item<double>() == static_cast<double>(((1 << 17) + 5) * (i % 7 + 1)));
  }
  ember::set_num_threads(before);
}

TEST_CASE("sizes compare equal to a std::vector, as in LibTorch", "[tensor]") {
  ember::Tensor x = ember::zeros({2, 3});
  CHECK(x.sizes() == std::vector<int64_t>{2, 3});
  CHECK(std::vector<int64_t>{2, 3} == x.sizes());
  CHECK(x.sizes() != std::vector<int64_t>{3, 2});
  CHECK(x.sizes() != std::vector<int64_t>{2, 3, 1});
  CHECK(x.strides() == std::vector<int64_t>{3, 1});
  CHECK(x.sizes() == ember::zeros({2, 3}).sizes());
}
