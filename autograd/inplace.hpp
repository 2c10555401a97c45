// In-place ops. Outside autograd the kernel writes into the tensor directly. When
// autograd must see the change, the differentiable out-of-place op runs on a copy of
// the old value, the result is written into the tensor's memory, and the tensor takes
// over the result's history (so gradients flow as if the op had made a new tensor).
// Either way the storage's version goes up, which is how autograd notices that a
// tensor saved for backward has changed.
#pragma once
#include "autograd/anomaly.hpp"
#include "autograd/node.hpp"
#include "autograd/trace.hpp"
#include "ops/elementwise.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace autograd {

// op names the in-place op for anomaly detection's report.
inline void bump_version(const Tensor& t, const char* op = nullptr) {
  t.unsafeGetTensorImpl()->storage->version.fetch_add(1, std::memory_order_relaxed);
  if (anomaly_enabled()) note_inplace(t, op);
}

void check_inplace_allowed(const char* op, const Tensor& self);
// Writes result into self and moves result's history onto self.
void take_over(const char* op, Tensor& self, const Tensor& result);

// While tracing: the out-of-place op is what the trace records (on a copy of the old
// value standing for it), its result is written into self, and self stands for the
// result from then on.
template <class Functional>
Tensor& inplace_traced(const char* op, Tensor& self, bool others_require_grad, Functional&& functional) {
  ember::detail::OpTracer* tracer = ember::detail::tracer();
  const bool grad = grad_mode_enabled() && (requires_grad(self) || others_require_grad);
  if (grad) check_inplace_allowed(op, self);
  Tensor old;
  {
    TracerPause pause;
    old = self.clone();
  }
  tracer->alias(old, self);
  Tensor result = functional(old);
  {
    TracerPause pause;
    if (grad) {
      take_over(op, self, result);
    } else {
      EMBER_CHECK(result.sizes().equals(self.sizes()),
                  "{}: the result has shape {} but the tensor written in place has shape {}", op, result.sizes(),
                  self.sizes());
      kernels::copy(self, result);
      bump_version(self, op);
    }
  }
  tracer->alias(self, result);
  return self;
}

// kernel(): writes into self. functional(old_self): the differentiable out-of-place op.
template <class Kernel, class Functional>
Tensor& inplace(const char* op, Tensor& self, bool others_require_grad, Kernel&& kernel, Functional&& functional) {
  ember::detail::check_defined(self, op);
  if (__builtin_expect(ember::detail::tracer() != nullptr, 0)) return inplace_traced(op, self, others_require_grad, functional);
  if (!(grad_mode_enabled() && (requires_grad(self) || others_require_grad))) {
    kernel();
    bump_version(self, op);
    return self;
  }
  check_inplace_allowed(op, self);
  Tensor result = functional(self.clone());
  take_over(op, self, result);
  return self;
}

}  // namespace autograd
}  // namespace ember
