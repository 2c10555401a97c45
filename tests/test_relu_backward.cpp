// ReLU's backward, fused into one pass for contiguous float tensors: the gradient passes
// where the output is positive and is 0 elsewhere, at 0 too (PyTorch: relu(x).backward
// gives 0 at x == 0). Expected values from a plain loop over the same tensors.
#include "helpers.hpp"

using ember::Tensor;

namespace {

template <class T>
void check_relu_backward(ember::Dtype dtype, int64_t n) {
  Tensor x = ember::empty({n}, ember::TensorOptions().dtype(dtype));
  Tensor g = ember::empty({n}, ember::TensorOptions().dtype(dtype));
  T* px = x.data_ptr<T>();
  T* pg = g.data_ptr<T>();
  for (int64_t i = 0; i < n; ++i) {
    px[i] = static_cast<T>(i % 5) - T(2);  // -2, -1, 0, 1, 2, ...
    pg[i] = static_cast<T>(i) + T(0.5);
  }
  x.set_requires_grad(true);
  ember::relu(x).backward(g);
  const T* got = x.grad().data_ptr<T>();
  for (int64_t i = 0; i < n; ++i) {
    INFO("n " << n << " element " << i);
    CHECK(got[i] == (px[i] > 0 ? pg[i] : T(0)));
  }
}

}  // namespace

TEST_CASE("relu backward passes the gradient where the output is positive only", "[elementwise][autograd]") {
  for (int64_t n : {1, 7, 64, 1000, 70001}) {  // the last one splits across threads
    check_relu_backward<float>(ember::kFloat32, n);
    check_relu_backward<double>(ember::kFloat64, n);
  }
}

TEST_CASE("relu backward through a transposed gradient and a batch matches the fused path", "[elementwise][autograd]") {
  // A non-contiguous incoming gradient takes the composed path; both must agree.
  Tensor x = ember::arange(-6, 6).to(ember::kFloat32).view({3, 4}).requires_grad_(true);
  Tensor g = ember::arange(0, 12).to(ember::kFloat32).view({4, 3}).t();
  ember::relu(x).backward(g);
  Tensor expected = ember::where(x.detach() > 0, g, ember::zeros({3, 4}));
  CHECK(ember::equal(x.grad(), expected));
  CHECK(x.grad().index({0, 0}).item<float>() == 0);
  CHECK(x.grad().index({2, 3}).item<float>() == g.index({2, 3}).item<float>());
}

TEST_CASE("relu backward stays differentiable under create_graph", "[elementwise][autograd]") {
  // d/dx of d/dx sum(relu(x)^2) = 2 where x > 0, else 0 (by hand).
  Tensor x = ember::tensor({-1.5, 0.0, 0.5, 2.0}).requires_grad_(true);
  Tensor y = ember::relu(x);
  Tensor g = ember::autograd::grad({(y * y).sum()}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  CHECK(ember::allclose(g.detach(), ember::tensor({0.0, 0.0, 1.0, 4.0})));
  Tensor gg = ember::autograd::grad({g.sum()}, {x})[0];
  CHECK(ember::equal(gg, ember::tensor({0.0, 0.0, 2.0, 2.0})));
}
