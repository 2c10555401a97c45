// How a primitive op reports itself to a tracer (ember/detail/tracing.hpp):
//
//   Tensor y = k::exp(x);
//   EMBER_TRACE("exp", {x}, {y});
//   EMBER_TRACE("sum", {x}, {y}, {{"dim", dims}, {"keepdim", keepdim}});
//
// An op written with other public ops, which should appear in a graph as itself (its
// arguments are what replaying or exporting it needs), starts with
//
//   EMBER_TRACE_CALL("linear", ({input, weight, bias}), ({}), linear(input, weight, bias));
//
// which, while tracing, runs the call again with the tracer paused (so its inner ops
// are not recorded) and records one node. The macros test the thread's tracer slot
// before building any argument, so an untraced run pays one thread-local load and a
// branch, and no copies.
#pragma once
#include <initializer_list>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "ember/autograd.hpp"
#include "ember/tensor.hpp"
#include "src/core/tracing.hpp"

#define EMBER_TRACE(...)                                                                        \
  do {                                                                                          \
    if (__builtin_expect(::ember::detail::tracer() != nullptr, 0)) ::ember::autograd::trace_op(__VA_ARGS__); \
  } while (0)

#define EMBER_TRACE_LIST(...)                                                                   \
  do {                                                                                          \
    if (__builtin_expect(::ember::detail::tracer() != nullptr, 0)) ::ember::autograd::trace_op_list(__VA_ARGS__); \
  } while (0)

#define EMBER_TRACE_CALL(NAME, INPUTS, ATTRS, ...)                                                   \
  if (__builtin_expect(::ember::detail::tracer() != nullptr, 0))                                      \
  return ::ember::autograd::trace_call(NAME, std::initializer_list<::ember::Tensor> INPUTS,              \
                                       std::initializer_list<::ember::detail::Attr> ATTRS, [&] { return __VA_ARGS__; })

// An op written with other public ops whose autograd saves values made inside it
// (mse_loss saves input - target for square's backward). While autograd records its
// inputs (a traced training step, whose backward reads those values), the body runs
// with the tracer on and its ops report one by one; otherwise it is one node, as with
// EMBER_TRACE_CALL.
#define EMBER_TRACE_COMPOSITE(NAME, INPUTS, ATTRS, ...)                                                   \
  if (__builtin_expect(::ember::detail::tracer() != nullptr, 0) &&                                       \
      !::ember::autograd::records_any(std::initializer_list<::ember::Tensor> INPUTS))                    \
  return ::ember::autograd::trace_call(NAME, std::initializer_list<::ember::Tensor> INPUTS,               \
                                       std::initializer_list<::ember::detail::Attr> ATTRS, [&] { return __VA_ARGS__; })

namespace ember {
namespace autograd {
// Whether autograd records an op on these inputs.
inline bool records_any(std::initializer_list<Tensor> inputs) {
  if (!::ember::is_grad_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

// Takes the thread's tracer away for its lifetime (and gives it back on unwinding).
class TracerPause {
 public:
  TracerPause() : saved_(::ember::detail::tracer()) { ::ember::detail::set_current_tracer(nullptr); }
  ~TracerPause() { ::ember::detail::set_current_tracer(saved_); }
  TracerPause(const TracerPause&) = delete;
  TracerPause& operator=(const TracerPause&) = delete;
  ::ember::detail::OpTracer* tracer() const { return saved_; }

 private:
  ::ember::detail::OpTracer* saved_;
};

inline std::vector<Tensor> trace_outputs(const Tensor& t) { return {t}; }
template <class... Ts>
std::vector<Tensor> trace_outputs(const std::tuple<Ts...>& t) {
  return std::apply([](const auto&... x) { return std::vector<Tensor>{x...}; }, t);
}
inline const std::vector<Tensor>& trace_outputs(const std::vector<Tensor>& t) { return t; }

template <class T>
::ember::detail::AttrValue opt_attr(const std::optional<T>& v) {
  return v ? ::ember::detail::AttrValue(*v) : ::ember::detail::AttrValue();
}

template <class F>
auto trace_call_list(const char* op, const std::vector<Tensor>& inputs, std::initializer_list<::ember::detail::Attr> attrs,
                     F&& compute) {
  ::ember::detail::OpTracer* tracer;
  auto result = [&] {
    TracerPause pause;
    tracer = pause.tracer();
    return compute();
  }();
  tracer->record_list(op, inputs, trace_outputs(result), attrs);
  return result;
}

template <class F>
auto trace_call(const char* op, std::initializer_list<Tensor> inputs, std::initializer_list<::ember::detail::Attr> attrs,
                F&& compute) {
  return trace_call_list(op, std::vector<Tensor>(inputs), attrs, std::forward<F>(compute));
}

inline void trace_op(const char* op, std::initializer_list<Tensor> inputs, std::initializer_list<Tensor> outputs,
                     std::initializer_list<::ember::detail::Attr> attrs = {}) {
  ::ember::detail::tracer()->record(op, inputs, outputs, attrs);
}
inline void trace_op_list(const char* op, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs,
                          std::initializer_list<::ember::detail::Attr> attrs = {}) {
  ::ember::detail::tracer()->record_list(op, inputs, outputs, attrs);
}
}  // namespace autograd
}  // namespace ember
