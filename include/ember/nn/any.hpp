// nn::AnyModule: any module behind one type, with its forward called through a runtime
// check of the arguments (LibTorch's torch::nn::AnyModule).
//
//   struct Scale : nn::Module { double forward(double x, int k) { return x * k; } };
//   nn::AnyModule any(Scale{});
//   double y = any.forward<double>(1.5, 2);   // 3.0
//   Tensor t = nn::AnyModule(nn::Linear(3, 2)).forward(x);   // the return type defaults to Tensor
//
// A call with the wrong number of arguments, or an argument of another type than forward
// declares (after decay: a double for a float is an error), is an ember::Error, as is
// asking for a return type other than forward's.
#pragma once
#include <any>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "ember/error.hpp"
#include "ember/nn/module.hpp"

namespace ember {
namespace nn {

namespace detail {
// A readable name of a type ("float", "std::string", "M").
std::string type_display_name(const std::type_info& type);

// A member function's argument list and return type.
template <class F>
struct forward_signature;
template <class C, class R, class... A>
struct forward_signature<R (C::*)(A...)> {
  using result = R;
  using args = std::tuple<A...>;
  static constexpr std::size_t arity = sizeof...(A);
};
template <class C, class R, class... A>
struct forward_signature<R (C::*)(A...) const> : forward_signature<R (C::*)(A...)> {};

template <class A>
A take_argument(std::any& value, std::size_t index) {
  using D = std::decay_t<A>;
  D* p = std::any_cast<D>(&value);
  if (!p)
    throw Error("AnyModule::forward: Expected argument #" + std::to_string(index) + " to be of type " +
                type_display_name(typeid(D)) + ", but received value of type " + type_display_name(value.type()));
  return static_cast<A>(std::move(*p));
}
}  // namespace detail

class AnyModule {
 public:
  AnyModule() = default;
  // From a module shared_ptr, a holder (nn::Linear(3, 4)) or a module by value (moved).
  template <class M, std::enable_if_t<std::is_base_of<Module, M>::value, int> = 0>
  AnyModule(std::shared_ptr<M> module) {
    set(std::move(module));
  }
  template <class M, std::enable_if_t<std::is_base_of<Module, std::decay_t<M>>::value, int> = 0>
  explicit AnyModule(M&& module) {
    set(std::make_shared<std::decay_t<M>>(std::forward<M>(module)));
  }
  template <class Impl>
  explicit AnyModule(const ModuleHolder<Impl>& holder) {
    set(holder.ptr());
  }

  // Calls the module's forward with these arguments; R is what forward returns.
  template <class R = Tensor, class... Args>
  R forward(Args&&... args) {
    std::vector<std::any> packed;
    packed.reserve(sizeof...(Args));
    (packed.emplace_back(std::decay_t<Args>(std::forward<Args>(args))), ...);
    std::any result = call(std::move(packed));
    R* r = std::any_cast<R>(&result);
    if (!r)
      throw Error("AnyModule::forward: the return type asked for is " + detail::type_display_name(typeid(R)) +
                  ", but " + detail::type_display_name(*type_) + "'s forward() returns " +
                  detail::type_display_name(result.type()));
    return std::move(*r);
  }
  // The type-erased call: the arguments packed as std::any, the result too (what
  // Sequential chains its modules with).
  std::any any_forward(std::vector<std::any>&& args) const { return call(std::move(args)); }
  // The module as its own type; an ember::Error if it is another type or empty.
  template <class T, std::enable_if_t<std::is_base_of<Module, T>::value, int> = 0>
  T& get() const {
    if (!module_) throw Error("AnyModule::get: Cannot call get() on an empty AnyModule");
    return *ptr<T>();
  }
  template <class T, std::enable_if_t<detail::is_module_holder<T>::value, int> = 0>
  T get() const {
    if (!module_) throw Error("AnyModule::get: Cannot call get() on an empty AnyModule");
    return T(ptr<typename T::ContainedType>());
  }
  const std::shared_ptr<Module>& ptr() const {
    if (!module_) throw Error("AnyModule::ptr: Cannot call ptr() on an empty AnyModule");
    return module_;
  }
  template <class T>
  std::shared_ptr<T> ptr() const {
    if (!module_) throw Error("AnyModule::ptr: Cannot call ptr() on an empty AnyModule");
    std::shared_ptr<T> p = std::dynamic_pointer_cast<T>(module_);
    if (!p)
      throw Error("AnyModule: Attempted to cast module of type " + detail::type_display_name(*type_) + " to type " +
                  detail::type_display_name(typeid(T)));
    return p;
  }
  // The type the module was given as; an ember::Error when empty.
  const std::type_info& type_info() const {
    if (!module_) throw Error("AnyModule::type_info: Cannot call type_info() on an empty AnyModule");
    return *type_;
  }
  bool is_empty() const noexcept { return module_ == nullptr; }
  // A deep copy: the module's clone(), held as the same type (LibTorch's AnyModule::clone).
  AnyModule clone(const std::optional<Device>& device = std::nullopt) const {
    if (!module_) throw Error("AnyModule::clone: Cannot call clone() on an empty AnyModule");
    return clone_(*module_, device);
  }

 private:
  template <class M>
  void set(std::shared_ptr<M> module) {
    if (!module) throw Error("AnyModule: the module is empty (nullptr)");
    using Sig = detail::forward_signature<decltype(&M::forward)>;
    type_ = &typeid(M);
    M* raw = module.get();
    call_ = [raw](std::vector<std::any>&& args) -> std::any {
      if (args.size() != Sig::arity)
        throw Error("AnyModule::forward: " + detail::type_display_name(typeid(M)) + "'s forward() method expects " +
                    std::to_string(Sig::arity) + " argument" + (Sig::arity == 1 ? "" : "s") + ", but received " +
                    std::to_string(args.size()));
      return invoke<M, typename Sig::args>(raw, args, std::make_index_sequence<Sig::arity>());
    };
    clone_ = &clone_as<M>;
    module_ = std::move(module);
  }
  template <class M>
  static AnyModule clone_as(const Module& module, const std::optional<Device>& device) {
    std::shared_ptr<M> copy = std::dynamic_pointer_cast<M>(module.clone(device));
    if (!copy)
      throw Error("AnyModule::clone: the clone of a " + detail::type_display_name(typeid(M)) + " is of another type");
    AnyModule any;
    any.set(std::move(copy));
    return any;
  }
  template <class M, class ArgTuple, std::size_t... I>
  static std::any invoke(M* module, std::vector<std::any>& args, std::index_sequence<I...>) {
    return std::any(module->forward(detail::take_argument<std::tuple_element_t<I, ArgTuple>>(args[I], I)...));
  }
  std::any call(std::vector<std::any>&& args) const {
    if (!module_) throw Error("AnyModule::forward: Cannot call forward() on an empty AnyModule");
    return call_(std::move(args));
  }

  std::shared_ptr<Module> module_;
  const std::type_info* type_ = nullptr;
  std::function<std::any(std::vector<std::any>&&)> call_;
  AnyModule (*clone_)(const Module&, const std::optional<Device>&) = nullptr;
};

}  // namespace nn
}  // namespace ember
