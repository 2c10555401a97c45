// Custom autograd functions, as torch::autograd::Function<T> in LibTorch:
//
//   struct MulConstant : ember::autograd::Function<MulConstant> {
//     static ember::Tensor forward(ember::autograd::AutogradContext* ctx, ember::Tensor x, double k) {
//       ctx->saved_data["k"] = k;
//       return x * k;
//     }
//     static ember::autograd::variable_list backward(ember::autograd::AutogradContext* ctx,
//                                                    ember::autograd::variable_list grads) {
//       return {grads[0] * ctx->saved_data["k"].toDouble(), ember::Tensor()};
//     }
//   };
//   ember::Tensor y = MulConstant::apply(x, 2.0);
//
// forward runs with grad mode off. Every Tensor and std::vector<Tensor> argument of apply
// is an input of the function (in order); other arguments are passed through untouched.
// When grad mode is on and an input requires grad, the outputs get the function's node
// as grad_fn, and backward receives one gradient per output and returns one per input
// (an undefined Tensor for "no gradient"). A backward written with ember's ops is itself
// differentiable, so create_graph gives second derivatives.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "ember/tensor.hpp"

namespace ember {
namespace autograd {

using variable_list = std::vector<Tensor>;

// A value kept in AutogradContext::saved_data (LibTorch's at::IValue, for the types a
// backward usually needs). Asking for the wrong type throws ember::Error.
class IValue {
 public:
  IValue() = default;
  IValue(Tensor t) : v_(std::move(t)) {}
  IValue(bool b) : v_(b) {}
  IValue(double d) : v_(d) {}
  IValue(float d) : v_(static_cast<double>(d)) {}
  template <class I, std::enable_if_t<std::is_integral<I>::value && !std::is_same<I, bool>::value, int> = 0>
  IValue(I i) : v_(static_cast<int64_t>(i)) {}
  IValue(std::string s) : v_(std::move(s)) {}
  IValue(const char* s) : v_(std::string(s)) {}
  IValue(std::vector<int64_t> v) : v_(std::move(v)) {}
  IValue(std::vector<double> v) : v_(std::move(v)) {}
  IValue(std::vector<Tensor> v) : v_(std::move(v)) {}

  bool isNone() const { return v_.index() == 0; }
  bool isTensor() const { return std::holds_alternative<Tensor>(v_); }
  bool isBool() const { return std::holds_alternative<bool>(v_); }
  bool isInt() const { return std::holds_alternative<int64_t>(v_); }
  bool isDouble() const { return std::holds_alternative<double>(v_); }
  bool isString() const { return std::holds_alternative<std::string>(v_); }
  bool isIntList() const { return std::holds_alternative<std::vector<int64_t>>(v_); }
  bool isDoubleList() const { return std::holds_alternative<std::vector<double>>(v_); }
  bool isTensorList() const { return std::holds_alternative<std::vector<Tensor>>(v_); }

  const Tensor& toTensor() const { return get<Tensor>("Tensor"); }
  bool toBool() const { return get<bool>("Bool"); }
  int64_t toInt() const { return get<int64_t>("Int"); }
  // An Int converts to Double, as a Python number would.
  double toDouble() const { return isInt() ? static_cast<double>(toInt()) : get<double>("Double"); }
  const std::string& toStringRef() const { return get<std::string>("String"); }
  const std::vector<int64_t>& toIntVector() const { return get<std::vector<int64_t>>("IntList"); }
  const std::vector<double>& toDoubleVector() const { return get<std::vector<double>>("DoubleList"); }
  const std::vector<Tensor>& toTensorVector() const { return get<std::vector<Tensor>>("TensorList"); }
  // "None", "Tensor", "Int", ...
  const char* tagKind() const;

 private:
  template <class V>
  const V& get(const char* want) const {
    if (const V* p = std::get_if<V>(&v_)) return *p;
    wrong_type(want);
  }
  [[noreturn]] void wrong_type(const char* want) const;

  std::variant<std::monostate, Tensor, bool, int64_t, double, std::string, std::vector<int64_t>,
               std::vector<double>, std::vector<Tensor>>
      v_;
};

// What forward and backward of a custom function share (LibTorch's AutogradContext).
class AutogradContext {
 public:
  // Anything else backward needs: sizes, flags, scalars, tensors (not version-checked).
  std::unordered_map<std::string, IValue> saved_data;

  // Tensors backward needs, version-checked: changing one in place after forward makes
  // get_saved_variables() throw, as for any tensor an op saved.
  void save_for_backward(variable_list to_save);
  variable_list get_saved_variables() const;
  // The inputs forward changed in place; each must be returned as an output, and takes
  // the function as its new history.
  void mark_dirty(const variable_list& inputs);
  // Outputs that get no gradient (indices, masks); they do not require grad.
  void mark_non_differentiable(const variable_list& outputs);
  // With true (the default), backward sees zeros for outputs that got no gradient;
  // with false, it sees undefined tensors.
  void set_materialize_grads(bool value) { materialize_grads_ = value; }
  // Whether input i (counting Tensor arguments, and the elements of std::vector<Tensor>
  // arguments, in order) needs a gradient.
  bool needs_input_grad(std::size_t index) const;

 private:
  friend struct CustomFunctionAccess;
  variable_list to_save_;
  variable_list dirty_;
  variable_list non_differentiable_;
  bool materialize_grads_ = true;
  Node* node_ = nullptr;  // the node that holds this context
};

namespace internal {
using BackwardFn = variable_list (*)(AutogradContext*, variable_list);
// Makes the node for one call of a custom function (named after T) with these inputs.
// arg_is_tensor has one entry per argument slot of forward (a std::vector<Tensor> fills one
// per element): backward may return one gradient per slot, as LibTorch counts them, with
// undefined ones for the slots that are not tensors.
std::shared_ptr<Node> make_custom_node(const char* mangled_name, BackwardFn backward, const variable_list& inputs,
                                       const std::vector<bool>& arg_is_tensor = {});
AutogradContext* context_of(const std::shared_ptr<Node>& node);
// After forward: saves what was asked for and gives the outputs their history.
void wrap_custom_outputs(const std::shared_ptr<Node>& node, variable_list& outputs);

// RAII grad-mode-off for forward (ember::NoGradGuard lives in autograd.hpp).
struct ForwardNoGrad {
  ForwardNoGrad();
  ~ForwardNoGrad();
  ForwardNoGrad(const ForwardNoGrad&) = delete;
  ForwardNoGrad& operator=(const ForwardNoGrad&) = delete;
  bool prev;
};

inline void collect_inputs(variable_list&) {}
template <class A, class... Rest>
void collect_inputs(variable_list& out, const A& a, const Rest&... rest) {
  using D = std::decay_t<A>;
  if constexpr (std::is_same<D, Tensor>::value) {
    out.push_back(a);
  } else if constexpr (std::is_same<D, std::vector<Tensor>>::value) {
    out.insert(out.end(), a.begin(), a.end());
  }
  collect_inputs(out, rest...);
}
inline void collect_arg_slots(std::vector<bool>&) {}
template <class A, class... Rest>
void collect_arg_slots(std::vector<bool>& out, const A& a, const Rest&... rest) {
  using D = std::decay_t<A>;
  if constexpr (std::is_same<D, Tensor>::value)
    out.push_back(true);
  else if constexpr (std::is_same<D, std::vector<Tensor>>::value)
    out.insert(out.end(), a.size(), true);
  else
    out.push_back(false);
  collect_arg_slots(out, rest...);
}
}  // namespace internal

template <class T>
struct Function {
  // Runs T::forward and records T::backward; returns what T::forward returns
  // (a Tensor or a variable_list).
  template <class X = T, class... Args>
  static auto apply(Args&&... args) {
    variable_list inputs;
    internal::collect_inputs(inputs, args...);
    std::vector<bool> slots;
    internal::collect_arg_slots(slots, args...);
    std::shared_ptr<Node> node = internal::make_custom_node(typeid(X).name(), &call_backward<X>, inputs, slots);
    AutogradContext* ctx = internal::context_of(node);
    using Out = decltype(X::forward(ctx, std::forward<Args>(args)...));
    static_assert(std::is_same<std::decay_t<Out>, Tensor>::value || std::is_same<std::decay_t<Out>, variable_list>::value,
                  "Function<T>::apply: T::forward must return a Tensor or a variable_list");
    variable_list outputs;
    {
      internal::ForwardNoGrad off;
      if constexpr (std::is_same<std::decay_t<Out>, Tensor>::value)
        outputs.push_back(X::forward(ctx, std::forward<Args>(args)...));
      else
        outputs = X::forward(ctx, std::forward<Args>(args)...);
    }
    internal::wrap_custom_outputs(node, outputs);
    if constexpr (std::is_same<std::decay_t<Out>, Tensor>::value)
      return outputs[0];
    else
      return outputs;
  }

 private:
  template <class X>
  static variable_list call_backward(AutogradContext* ctx, variable_list grads) {
    return X::backward(ctx, std::move(grads));
  }
};

}  // namespace autograd
}  // namespace ember
