#include "ops/activation_backward.hpp"

#include "ops/functors.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/parallel.hpp"

namespace ember {
namespace kernels {
namespace {

template <class Op, class T>
Tensor run(const Tensor& grad, const Tensor& saved) {
  auto f = Contig<Op, T>::binary;
  Tensor out = detail::empty_tensor(saved.sizes(), saved.dtype());
  const T* g = grad.data_ptr<T>();
  const T* s = saved.data_ptr<T>();
  T* o = out.data_ptr<T>();
  const Op op{};
  parallel_for(0, out.numel(), kGrainSize, [&](int64_t begin, int64_t end) {
    if (f) return f(op, g + begin, s + begin, o + begin, end - begin, BinaryMode::VV);
    for (int64_t i = begin; i < end; ++i) o[i] = op(g[i], s[i]);
  });
  return out;
}

template <class T>
Tensor run_kind(ActivationGrad kind, const Tensor& grad, const Tensor& saved) {
  switch (kind) {
    case ActivationGrad::Tanh: return run<TanhGradOp<T>, T>(grad, saved);
    case ActivationGrad::Sigmoid: return run<SigmoidGradOp<T>, T>(grad, saved);
    case ActivationGrad::Silu: return run<SiluGradOp<T>, T>(grad, saved);
    case ActivationGrad::Gelu: return run<GeluGradOp<T>, T>(grad, saved);
    case ActivationGrad::GeluTanh: return run<GeluTanhGradOp<T>, T>(grad, saved);
  }
  return Tensor();
}

}  // namespace

Tensor activation_backward(ActivationGrad kind, const Tensor& grad, const Tensor& saved) {
  if (!grad.defined() || !saved.defined()) return Tensor();
  const bool handled = grad.dtype() == saved.dtype() && (saved.dtype() == kFloat32 || saved.dtype() == kFloat64) &&
                       grad.sizes() == saved.sizes() && grad.is_contiguous() && saved.is_contiguous();
  if (!handled) return Tensor();
  return saved.dtype() == kFloat32 ? run_kind<float>(kind, grad, saved) : run_kind<double>(kind, grad, saved);
}

}  // namespace kernels
}  // namespace ember
