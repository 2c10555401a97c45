// Tutorial 1: tensors and autograd in ten minutes.
//
// Build and run (from a build folder of ember):
//   cmake --build build --target tutorial_01_tensors_and_autograd
//   ./build/docs/tutorials/tutorial_01_tensors_and_autograd
// or with ember-run:  ember-run docs/tutorials/01_tensors_and_autograd.cpp
//
// If you know PyTorch, read `torch.` as `ember::` and Python lists as braces.
#include <ember/ember.hpp>

#include <cmath>
#include <cstdlib>
#include <iostream>

// Every tutorial checks what it claims, so a change that breaks one fails its test.
static void expect(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "tutorial check failed: " << what << "\n";
    std::exit(1);
  }
}

int main() {
  using namespace ember::indexing;  // Slice, None, Ellipsis

  // 1. Making tensors. The default dtype is float32, as in PyTorch.
  ember::Tensor a = ember::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});  // torch.tensor([[1., 2., 3.], [4., 5., 6.]])
  ember::Tensor z = ember::zeros({2, 3});                               // torch.zeros(2, 3)
  ember::Tensor r = ember::arange(0, 6).reshape({2, 3});                // int64, like torch.arange
  ember::manual_seed(0);
  ember::Tensor n = ember::randn({2, 3});                               // normal samples
  std::cout << "a =\n" << a << "\n";
  expect(a.sizes() == std::vector<int64_t>{2, 3}, "a is 2 x 3");
  expect(a.dtype() == ember::kFloat32 && r.dtype() == ember::kInt64, "default dtypes");
  expect(z.sum().item<float>() == 0.0f && n.numel() == 6, "zeros and randn");

  // 2. Arithmetic broadcasts as in PyTorch; int64 times a double promotes to float32.
  ember::Tensor row = ember::tensor({10.0, 20.0, 30.0});  // [3] broadcasts over the rows of [2, 3]
  ember::Tensor b = a + row;
  std::cout << "a + row =\n" << b << "\n";
  expect(b.index({1, 2}).item<float>() == 36.0f, "broadcast add");
  expect((r * 2.5).dtype() == ember::kFloat32, "int64 * 2.5 is float32");

  // 3. Views share memory: transpose, reshape (when it can), slicing and select.
  ember::Tensor t = a.transpose(0, 1);  // [3, 2], no copy
  t.index_put_({0, 0}, 100.0);          // writes through to a
  expect(a.index({0, 0}).item<float>() == 100.0f, "a view writes to its base");
  a.index_put_({0, 0}, 1.0);

  // 4. Indexing: x[1:, None, ..., 0] in Python is x.index({Slice(1, None), None, Ellipsis, 0}).
  ember::Tensor col = a.index({Slice(), 1});  // a[:, 1]
  expect(col.tolist<float>() == std::vector<float>{2.0f, 5.0f}, "a[:, 1]");
  ember::Tensor mask = a > 3.0;               // a bool tensor
  ember::Tensor big = a.index({mask});        // a[a > 3]
  expect(big.tolist<float>() == std::vector<float>{4.0f, 5.0f, 6.0f}, "boolean mask");

  // 5. Reductions take dims and keepdim like PyTorch.
  ember::Tensor col_sums = a.sum(0);            // [3]
  ember::Tensor row_means = a.mean(1, true);    // [2, 1]
  expect(col_sums.tolist<float>() == std::vector<float>{5.0f, 7.0f, 9.0f}, "sum over dim 0");
  expect(row_means.sizes() == std::vector<int64_t>{2, 1}, "keepdim");

  // 6. Autograd: a leaf that requires grad records every op it takes part in.
  ember::Tensor w = ember::tensor({1.0, -2.0, 3.0}, ember::requires_grad());
  ember::Tensor loss = (w * w).sum();  // d loss / d w = 2 w
  loss.backward();
  std::cout << "w.grad() = " << w.grad() << "\n";
  expect(w.grad().tolist<float>() == std::vector<float>{2.0f, -4.0f, 6.0f}, "gradient of sum(w*w)");

  // Gradients accumulate, as in PyTorch: clear them between steps.
  (w * 3.0).sum().backward();
  expect(w.grad().tolist<float>() == std::vector<float>{5.0f, -1.0f, 9.0f}, "gradients accumulate");
  w.zero_grad();  // set_to_none, PyTorch's default: grad() is undefined now
  expect(!w.grad().defined(), "zero_grad sets the gradient to none");

  // 7. Intermediate results keep no .grad() unless asked: retain_grad().
  ember::Tensor h = w * 2.0;
  h.retain_grad();
  ember::Tensor out = ember::tanh(h).sum();
  out.backward();
  // d out / d h = 1 - tanh(h)^2, independent of any other library: checked by std::tanh.
  double dh0 = 1.0 - std::pow(std::tanh(2.0), 2);
  expect(std::abs(h.grad().index({0}).item<float>() - dh0) < 1e-6, "retain_grad on an intermediate");

  // 8. autograd::grad returns gradients without touching .grad(); create_graph makes
  // them differentiable again (second derivatives).
  ember::Tensor x = ember::tensor({0.5}, ember::requires_grad());
  ember::Tensor y = x.pow(3);  // y = x^3, dy/dx = 3x^2, d2y/dx2 = 6x
  ember::Tensor dy = ember::autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  ember::Tensor d2y = ember::autograd::grad({dy}, {x})[0];
  expect(std::abs(dy.item<float>() - 0.75f) < 1e-6f, "first derivative 3x^2 at 0.5");
  expect(std::abs(d2y.item<float>() - 3.0f) < 1e-6f, "second derivative 6x at 0.5");

  // 9. No recording where you do not want it: NoGradGuard (torch.no_grad()).
  {
    ember::NoGradGuard no_grad;
    ember::Tensor p = w * 2.0;
    expect(!p.requires_grad(), "nothing is recorded under NoGradGuard");
  }

  // 10. Mistakes are ember::Error naming the op and the shapes.
  try {
    ember::matmul(ember::ones({2, 3}), ember::ones({4, 5}));
    expect(false, "matmul of [2, 3] by [4, 5] must throw");
  } catch (const ember::Error& e) {
    std::cout << "error: " << e.what() << "\n";
    expect(std::string(e.what()).find("matmul") != std::string::npos, "the error names the op");
  }
  std::cout << "tutorial 1: ok\n";
}
