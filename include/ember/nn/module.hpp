// torch.nn.Module in C++, in LibTorch's idiom: a module registers its parameters,
// buffers and submodules by name; the rest (listing, train/eval, state_dict, printing)
// follows from the registry.
//
//   struct Net : ember::nn::Module {
//     ember::nn::Linear fc1{nullptr}, fc2{nullptr};
//     Net() : Module("Net") {
//       fc1 = register_module("fc1", ember::nn::Linear(784, 256));
//       fc2 = register_module("fc2", ember::nn::Linear(256, 10));
//     }
//     ember::Tensor forward(const ember::Tensor& x) override { return fc2(ember::relu(fc1(x))); }
//   };
//   auto net = std::make_shared<Net>();
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "ember/dtype.hpp"
#include "ember/error.hpp"
#include "ember/nn/arg.hpp"
#include "ember/ordered_dict.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace serialize {
class OutputArchive;
class InputArchive;
}  // namespace serialize
namespace nn {

class Module;
namespace detail {
struct ModuleHooks;
}

// What register_*_hook returns: remove() takes the hook off (PyTorch's RemovableHandle).
// Removing twice, or after the module is gone, does nothing.
class RemovableHandle {
 public:
  RemovableHandle() = default;
  RemovableHandle(std::weak_ptr<detail::ModuleHooks> hooks, uint64_t id) : hooks_(std::move(hooks)), id_(id) {}
  void remove();

 private:
  std::weak_ptr<detail::ModuleHooks> hooks_;
  uint64_t id_ = 0;
};

// PyTorch's module hooks, for modules called with one tensor that return one tensor.
// A hook that returns a defined tensor (or list) replaces the input / output / grad_input.
using ForwardPreHook = std::function<Tensor(Module& module, const Tensor& input)>;
using ForwardHook = std::function<Tensor(Module& module, const Tensor& input, const Tensor& output)>;
// grad_input: the gradient with respect to the module's input (undefined when the input
// does not require grad); grad_output: with respect to its output.
using BackwardHook = std::function<std::vector<Tensor>(Module& module, const std::vector<Tensor>& grad_input,
                                                       const std::vector<Tensor>& grad_output)>;

// What a non-strict load_state_dict leaves out (torch's _IncompatibleKeys).
template <class Impl>
class ModuleHolder;

namespace detail {
// Whether T is a ModuleHolder (nn::Linear) or a class derived from one.
template <class T, class = void>
struct is_module_holder : std::false_type {};
template <class T>
struct is_module_holder<T, std::void_t<typename T::ContainedType>>
    : std::is_base_of<ModuleHolder<typename T::ContainedType>, T> {};
// What Module::as<T> casts to: the held Impl for a holder type, T itself otherwise.
template <class T, bool = is_module_holder<std::remove_cv_t<T>>::value>
struct module_cast_target {
  using type = T;
};
template <class T>
struct module_cast_target<T, true> {
  using type = typename std::remove_cv_t<T>::ContainedType;
};
}  // namespace detail

struct LoadStateDictResult {
  std::vector<std::string> missing_keys;     // in the module, absent from the dict
  std::vector<std::string> unexpected_keys;  // in the dict, absent from the module
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  // type_name is what printing shows: "Linear", "Net".
  explicit Module(std::string type_name = "Module");
  virtual ~Module();

  // The single-tensor forward that Sequential calls; modules with one input override it.
  // The default throws ember::Error("<TypeName>: forward(Tensor) is not defined").
  virtual Tensor forward(const Tensor& input);

  // Defined parameters, depth-first from this module, each tensor once (as PyTorch).
  std::vector<Tensor> parameters(bool recurse = true) const;
  OrderedDict<Tensor> named_parameters(bool recurse = true) const;  // "0.weight", "encoder.1.bias"
  std::vector<Tensor> buffers(bool recurse = true) const;
  OrderedDict<Tensor> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  OrderedDict<std::shared_ptr<Module>> named_children() const;
  // This module first, then depth-first; each module once. Needs this module to be
  // owned by a shared_ptr (make_shared or a ModuleHolder).
  // include_self=false leaves this module out (LibTorch's modules(include_self)).
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true) const;
  // Names are joined under name_prefix, which names this module itself ("" by default).
  OrderedDict<std::shared_ptr<Module>> named_modules(const std::string& name_prefix = std::string(),
                                                     bool include_self = true) const;
  // Calls fn on every submodule (depth-first, children before their parent, as PyTorch).
  void apply(const std::function<void(Module&)>& fn);

  // Hooks run when the module is called (`model(x)`, or as a child of Sequential), not
  // when forward() is called directly, as in PyTorch. A hook may return nothing (void).
  // Modules whose call takes other arguments than one tensor refuse to run with hooks.
  template <class F>
  RemovableHandle register_forward_pre_hook(F&& hook) {
    return add_hook(0, ForwardPreHook(wrap_void<Tensor, Module&, const Tensor&>(std::forward<F>(hook))));
  }
  template <class F>
  RemovableHandle register_forward_hook(F&& hook) {
    return add_hook(1, ForwardHook(wrap_void<Tensor, Module&, const Tensor&, const Tensor&>(std::forward<F>(hook))));
  }
  template <class F>
  RemovableHandle register_full_backward_hook(F&& hook) {
    return add_hook(2, BackwardHook(wrap_void<std::vector<Tensor>, Module&, const std::vector<Tensor>&,
                                              const std::vector<Tensor>&>(std::forward<F>(hook))));
  }
  bool has_hooks() const { return hooks_ && any_hook(); }  // inline: most modules have none
  // The call with this module's hooks around forward (what the holder and Sequential do).
  Tensor call(const Tensor& input);
  // The same around another forward of one tensor (a module's own non-virtual forward).
  Tensor call_with_hooks(const Tensor& input, const std::function<Tensor(const Tensor&)>& forward);

  virtual void train(bool on = true);  // this module and all submodules
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // A deep copy with its own parameters, buffers and submodules (LibTorch's
  // module->clone()): modules that derive from nn::Cloneable<Derived>, the built-in
  // modules and the containers (which clone each module they hold) have it; the
  // default throws ember::Error("clone() has not been implemented for <name>...").
  // device: only the CPU (or none) is accepted.
  virtual std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const;

  // Drops the gradients (set_to_none, PyTorch's default) or zeroes them.
  void zero_grad(bool set_to_none = true);
  // Converts the floating-point parameters and buffers in place: the Tensor handles the
  // module and its users hold keep their identity and see the new dtype. Gradients are
  // dropped.
  void to(Dtype dtype);
  // The CPU is ember's only device: to(kCPU) keeps the module as it is, another device
  // is an ember::Error (LibTorch's module->to(device)).
  void to(Device device, bool non_blocking = false);
  void to(Device device, Dtype dtype, bool non_blocking = false);

  // Parameters then buffers of each module, depth-first, under their dotted names.
  // The tensors are shared with the module (detached from autograd).
  StateDict state_dict() const;
  // Copies the dict's values into the module's tensors (without recording autograd).
  // strict: missing and unexpected keys are an error. Size mismatches are always an
  // error (as PyTorch); every problem is listed in one ember::Error, in PyTorch's words.
  // Non-strict returns the keys it did not use.
  LoadStateDictResult load_state_dict(const StateDict& dict, bool strict = true);
  // LibTorch's archive forms (ember/serialize.hpp): save writes state_dict()'s entries;
  // load reads them back as load_state_dict(strict=true) does.
  virtual void save(serialize::OutputArchive& archive) const;
  virtual void load(serialize::InputArchive& archive);

  const std::string& type_name() const { return type_name_; }
  // LibTorch's Module::name(): the name given to the constructor, or for a module
  // constructed without one (type_name() "Module"), its C++ class name with namespaces
  // ("test::AGIUnit").
  std::string name() const;
  // The text between the parentheses of this module's one-line form, PyTorch's
  // extra_repr: "in_features=784, out_features=256, bias=True". Empty by default.
  virtual std::string extra_repr() const;
  // One line, "Linear(in_features=784, out_features=256, bias=True)": type_name(),
  // then extra_repr() in parentheses. operator<< prints the nested structure.
  virtual void pretty_print(std::ostream& os) const;

  // Registration. Names may not be empty nor contain '.', and are unique across a
  // module's parameters, buffers and children. The returned reference points into the
  // registry and is invalidated by the next registration: copy it into a member.
  // An undefined tensor reserves the name (an optional bias) and is listed nowhere.
  Tensor& register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  Tensor& register_buffer(const std::string& name, Tensor t);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    register_module_impl(name, m);
    return m;
  }
  template <class M>
  ModuleHolder<M> register_module(const std::string& name, ModuleHolder<M> m);
  // Swaps a registered submodule for another one (LibTorch's replace_module).
  void replace_module(const std::string& name, std::shared_ptr<Module> m);
  void unregister_module(const std::string& name);
  // Removes a registered parameter and returns it (ParameterDict's pop and clear).
  Tensor unregister_parameter(const std::string& name);

  // This module as a T (an Impl class or a holder such as nn::Linear, which means its Impl),
  // or nullptr when it is not one (LibTorch's module.as<T>()).
  template <class T>
  typename detail::module_cast_target<T>::type* as() noexcept {
    return dynamic_cast<typename detail::module_cast_target<T>::type*>(this);
  }
  template <class T>
  const typename detail::module_cast_target<T>::type* as() const noexcept {
    return dynamic_cast<const typename detail::module_cast_target<T>::type*>(this);
  }

  // This module's own entries (not recursive), registration order.
  const OrderedDict<Tensor>& own_parameters() const { return parameters_; }
  const OrderedDict<Tensor>& own_buffers() const { return buffers_; }
  const OrderedDict<std::shared_ptr<Module>>& own_children() const { return children_; }

 protected:
  // For nn::Cloneable: forgets the registrations a copy-constructed module shares with its
  // original, so that reset() can register its own.
  void clear_registrations_for_clone();
  // For nn::Cloneable, after reset(): copies other's parameter and buffer values into this
  // module's (same names and shapes) and makes each child a clone of other's child in place.
  void copy_state_for_clone(const Module& other, const std::optional<Device>& device);
  // Turns this module into a clone of other (of the same type) in place; the handles that
  // point at it stay valid. nn::Cloneable overrides it (other.clone(), then assignment);
  // the default copies the parameter and buffer values, recursively.
  virtual void clone_into_this(const Module& other, const std::optional<Device>& device);
  // The clone() of the built-in modules, which their constructor rebuilds from their
  // options (or from nothing): a fresh module with this one's parameter and buffer values,
  // submodules and training flag (what LibTorch's built-in modules get from reset()).
  template <class M>
  static std::shared_ptr<Module> clone_from_options(const M& self, const std::optional<Device>& device) {
    if (typeid(self) != typeid(M)) return self.Module::clone(device);  // a subclass: its own business
    auto copy = std::make_shared<M>(self.options);
    copy->copy_state_for_clone(self, device);
    copy->train(self.is_training());
    return copy;
  }
  template <class M>
  static std::shared_ptr<Module> clone_from_nothing(const M& self, const std::optional<Device>& device) {
    if (typeid(self) != typeid(M)) return self.Module::clone(device);
    auto copy = std::make_shared<M>();
    copy->copy_state_for_clone(self, device);
    copy->train(self.is_training());
    return copy;
  }

 private:
  // A hook that returns void becomes one that returns "no replacement".
  template <class R, class... A, class F>
  static auto wrap_void(F&& f) {
    return [f = std::forward<F>(f)](A... args) -> R {
      if constexpr (std::is_void<decltype(f(std::forward<A>(args)...))>::value) {
        f(std::forward<A>(args)...);
        return R();
      } else {
        return f(std::forward<A>(args)...);
      }
    };
  }
  bool any_hook() const;
  RemovableHandle add_hook(int kind, ForwardPreHook pre);
  RemovableHandle add_hook(int kind, ForwardHook forward);
  RemovableHandle add_hook(int kind, BackwardHook backward);
  detail::ModuleHooks& hooks();

  void register_module_impl(const std::string& name, std::shared_ptr<Module> m);
  void check_new_name(const char* what, const std::string& name) const;
  void collect_named_modules(const std::string& prefix, OrderedDict<std::shared_ptr<Module>>& out,
                             std::vector<const Module*>& seen) const;

  std::string type_name_;
  bool training_ = true;
  OrderedDict<Tensor> parameters_;
  OrderedDict<Tensor> buffers_;
  OrderedDict<std::shared_ptr<Module>> children_;
  std::shared_ptr<detail::ModuleHooks> hooks_;  // null until a hook is registered
};

// PyTorch's nested print:
//   Net(
//     (fc1): Linear(in_features=784, out_features=256, bias=True)
//     (seq): Sequential(
//       (0): ReLU()
//     )
//   )
std::ostream& operator<<(std::ostream& os, const Module& m);

namespace detail {
[[noreturn]] void throw_empty_holder();
[[noreturn]] void throw_hooks_need_one_tensor(const Module& m);
template <class... Args>
struct one_tensor_arg : std::false_type {};
template <class A>
struct one_tensor_arg<A> : std::is_convertible<A, const Tensor&> {};
struct HolderCopyTag {};
// Names the module whose forward runs, for anomaly detection's reports ("Net.fc1");
// does nothing while anomaly detection is off.
class ModuleCallScope {
 public:
  explicit ModuleCallScope(const Module& m) : active_(enter(m)) {}
  ~ModuleCallScope() {
    if (active_) leave();
  }
  ModuleCallScope(const ModuleCallScope&) = delete;
  ModuleCallScope& operator=(const ModuleCallScope&) = delete;

 private:
  static bool enter(const Module& m);
  static void leave();
  bool active_;
};
}

// LibTorch's holder idiom: nn::Linear holds a shared_ptr to an nn::LinearImpl.
//   nn::Linear fc(784, 256);  fc->weight;  fc(x);  nn::Linear empty{nullptr};
// The pointer is stored as shared_ptr<Module>: a shared_ptr<Impl> member per module type
// would be instantiated in every user TU and is a measurable part of its compile time.
template <class Impl>
class ModuleHolder {
 public:
  using ContainedType = Impl;

  // Default-constructs the module where it has a default constructor (nn::ReLU relu;).
  template <class I = Impl, std::enable_if_t<std::is_default_constructible<I>::value, int> = 0>
  ModuleHolder() : impl_(std::make_shared<Impl>()) {}
  // An empty holder, to be assigned later.
  ModuleHolder(std::nullptr_t) {}
  ModuleHolder(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  // Builds the module from its constructor's arguments: nn::Linear(784, 256). The holder
  // test comes first so that copying a holder never asks whether Impl is constructible.
  template <class Head, class... Tail,
            std::enable_if_t<std::conjunction<std::negation<std::is_base_of<ModuleHolder, std::decay_t<Head>>>,
                                              std::is_constructible<Impl, Head&&, Tail&&...>>::value,
                             int> = 0>
  explicit ModuleHolder(Head&& head, Tail&&... tail)
      : impl_(std::make_shared<Impl>(std::forward<Head>(head), std::forward<Tail>(tail)...)) {}

  Impl* operator->() const { return get(); }
  Impl& operator*() const { return *get(); }
  Impl* get() const {
    if (!impl_) detail::throw_empty_holder();
    return static_cast<Impl*>(impl_.get());
  }
  std::shared_ptr<Impl> ptr() const { return std::static_pointer_cast<Impl>(impl_); }
  // The module as a Module, without a cast.
  const std::shared_ptr<Module>& module_ptr() const { return impl_; }
  bool is_empty() const { return impl_ == nullptr; }
  explicit operator bool() const { return impl_ != nullptr; }
  // Usable wherever a shared_ptr to the module (or a base such as Module) is expected.
  template <class T, std::enable_if_t<std::is_convertible<Impl*, T*>::value, int> = 0>
  operator std::shared_ptr<T>() const {
    return std::static_pointer_cast<T>(impl_);
  }

  // Indexes a container module: seq[0], dict["key"].
  template <class Arg>
  decltype(auto) operator[](Arg&& arg) const {
    return (*get())[std::forward<Arg>(arg)];
  }
  // Calls the module's forward, with its hooks when it has any.
  template <class... Args>
  decltype(auto) operator()(Args&&... args) const {
    Impl* m = get();
    if (m->has_hooks()) {
      if constexpr (detail::one_tensor_arg<Args...>::value &&
                    std::is_same<decltype(m->forward(std::forward<Args>(args)...)), Tensor>::value) {
        return m->call_with_hooks(args..., [m](const Tensor& x) { return m->forward(x); });
      } else {
        detail::throw_hooks_need_one_tensor(*m);
      }
    }
    detail::ModuleCallScope scope(*m);
    return m->forward(std::forward<Args>(args)...);
  }

 protected:
  // For EMBER_MODULE's conversion from the base holder: a tagged constructor keeps that
  // overload resolution from looking at shared_ptr<Impl>'s constructors (compile time).
  ModuleHolder(detail::HolderCopyTag, const std::shared_ptr<Module>& impl) : impl_(impl) {}

 private:
  std::shared_ptr<Module> impl_;
};

// Prints the held module's structure, as operator<< of the module itself.
template <class Impl>
std::ostream& operator<<(std::ostream& os, const ModuleHolder<Impl>& holder) {
  return os << static_cast<const Module&>(*holder);
}

template <class M>
ModuleHolder<M> Module::register_module(const std::string& name, ModuleHolder<M> m) {
  register_module_impl(name, m.module_ptr());
  return m;
}

// EMBER_ARG, the options' chainable setters, is in ember/nn/arg.hpp.

// Declares nn::Name as a holder of nn::NameImpl.
#define EMBER_MODULE(Name)                                                      \
  class Name : public ::ember::nn::ModuleHolder<Name##Impl> {                   \
   public:                                                                      \
    using ::ember::nn::ModuleHolder<Name##Impl>::ModuleHolder;                  \
    template <class I = Name##Impl,                                             \
              std::enable_if_t<std::is_default_constructible<I>::value, int> = 0> \
    Name() : ::ember::nn::ModuleHolder<Name##Impl>(std::make_shared<I>()) {}    \
    Name(const ::ember::nn::ModuleHolder<Name##Impl>& h)                        \
        : ::ember::nn::ModuleHolder<Name##Impl>(::ember::nn::detail::HolderCopyTag{}, h.module_ptr()) {} \
  }

// Inside a built-in module's class: its clone() (LibTorch's Cloneable of its modules).
#define EMBER_CLONE_FROM_OPTIONS                                                                    \
 public:                                                                                            \
  std::shared_ptr<::ember::nn::Module> clone(const std::optional<::ember::Device>& device = std::nullopt) \
      const override {                                                                              \
    return clone_from_options(*this, device);                                                       \
  }
#define EMBER_CLONE_FROM_NOTHING                                                                    \
 public:                                                                                            \
  std::shared_ptr<::ember::nn::Module> clone(const std::optional<::ember::Device>& device = std::nullopt) \
      const override {                                                                              \
    return clone_from_nothing(*this, device);                                                       \
  }

// LibTorch's spelling of EMBER_MODULE, for code written against it (defined only when
// LibTorch's own headers have not defined it).
#ifndef TORCH_MODULE
#define TORCH_MODULE(Name) EMBER_MODULE(Name)
#endif

}  // namespace nn
}  // namespace ember
