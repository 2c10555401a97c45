// torch.nn containers: Sequential, ModuleList, ModuleDict. Their submodules are
// registered children, named "0", "1", ... (or by key), so parameters, state_dict and
// printing see them as PyTorch does.
//
//   nn::Sequential mlp(nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 10));
//   Tensor y = mlp(x);  mlp[0];  mlp->at<nn::LinearImpl>(0).weight;
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <any>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ember/nn/any.hpp"
#include "ember/nn/module.hpp"

namespace ember {
namespace nn {

// Walks a container's submodules in order, giving shared_ptr<Module>.
class ModuleIterator {
 public:
  using Base = std::vector<OrderedDictItem<std::shared_ptr<Module>>>::const_iterator;
  explicit ModuleIterator(Base it) : it_(it) {}
  const std::shared_ptr<Module>& operator*() const { return it_->second; }
  const std::shared_ptr<Module>* operator->() const { return &it_->second; }
  ModuleIterator& operator++() {
    ++it_;
    return *this;
  }
  bool operator==(const ModuleIterator& o) const { return it_ == o.it_; }
  bool operator!=(const ModuleIterator& o) const { return it_ != o.it_; }

 private:
  Base it_;
};

namespace detail {
// What containers accept as a module: a shared_ptr to one, a holder (nn::Linear(3, 4)) or
// a module by value, which is copied (moved) into a new shared_ptr as LibTorch does.
template <class M, class D = std::decay_t<M>>
using is_module_like = std::disjunction<is_module_holder<D>, std::is_base_of<Module, D>,
                                        std::is_convertible<D, std::shared_ptr<Module>>>;
template <class M>
std::shared_ptr<Module> to_module_ptr(M&& m) {
  using D = std::decay_t<M>;
  if constexpr (is_module_holder<D>::value) {
    return m.module_ptr();
  } else if constexpr (std::is_base_of<Module, D>::value) {
    return std::make_shared<D>(std::forward<M>(m));
  } else {
    return std::shared_ptr<Module>(std::forward<M>(m));
  }
}
}  // namespace detail

// A (name, module) pair for Sequential({{"fc", nn::Linear(3, 4)}, {"act", nn::ReLU()}}).
struct NamedModule {
  template <class M, std::enable_if_t<detail::is_module_like<M>::value, int> = 0>
  NamedModule(std::string name, M&& module) : name(std::move(name)), module(detail::to_module_ptr(std::forward<M>(module))) {}
  std::string name;
  std::shared_ptr<Module> module;
};

namespace detail {
// What Sequential and ModuleList share: a numbered list of children.
class ModuleListBase : public Module {
 public:
  std::size_t size() const { return own_children().size(); }
  bool is_empty() const { return own_children().empty(); }
  // Python indexing: negative counts from the end; out of range is an ember::Error.
  const std::shared_ptr<Module>& operator[](int64_t index) const;
  const std::shared_ptr<Module>& ptr(int64_t index) const { return (*this)[index]; }
  // The module at index as a shared_ptr<T>; an ember::Error if it is another type.
  template <class T>
  std::shared_ptr<T> ptr(int64_t index) const {
    std::shared_ptr<T> p = std::dynamic_pointer_cast<T>((*this)[index]);
    if (!p) throw_wrong_type(index);
    return p;
  }
  // The module at index as its concrete type; an ember::Error if it is another type.
  template <class T>
  T& at(int64_t index) const {
    T* p = dynamic_cast<T*>((*this)[index].get());
    if (!p) throw_wrong_type(index);
    return *p;
  }
  ModuleIterator begin() const { return ModuleIterator(own_children().items().begin()); }
  ModuleIterator end() const { return ModuleIterator(own_children().items().end()); }

  void push_back(std::shared_ptr<Module> module);
  // A holder or a module by value (copied into a new shared_ptr).
  template <class M, std::enable_if_t<is_module_holder<std::decay_t<M>>::value ||
                                          std::is_base_of<Module, std::decay_t<M>>::value,
                                      int> = 0>
  void push_back(M&& module) {
    push_back(to_module_ptr(std::forward<M>(module)));
  }

 protected:
  using Module::Module;
  [[noreturn]] void throw_wrong_type(int64_t index) const;
};
}  // namespace detail

namespace detail {
// The module a container is given, as a shared_ptr to its own type (Impl for a holder).
template <class M>
auto typed_module_ptr(M&& m) {
  using D = std::decay_t<M>;
  if constexpr (is_module_holder<D>::value) {
    return m.ptr();
  } else if constexpr (std::is_base_of<Module, D>::value) {
    return std::make_shared<D>(std::forward<M>(m));
  } else {
    return std::shared_ptr<typename D::element_type>(std::forward<M>(m));
  }
}
// Whether T has one forward (not overloaded), so that AnyModule can call it by its type.
template <class T, class = void>
struct has_unique_forward : std::false_type {};
template <class T>
struct has_unique_forward<T, std::void_t<decltype(&T::forward)>> : std::true_type {};
// Whether T's forward is Module's virtual forward(const Tensor&) (inherited or overridden).
template <class F>
struct is_virtual_forward : std::false_type {};
template <class C>
struct is_virtual_forward<Tensor (C::*)(const Tensor&)> : std::true_type {};
}  // namespace detail

// Chains its modules: forward(Tensor), or LibTorch's typed forward<R>(args...) that gives
// args to the first module's forward, each result to the next, and returns the last as an
// R. An empty Sequential returns its one argument (as PyTorch's) and refuses several.
class SequentialImpl : public detail::ModuleListBase {
 public:
  SequentialImpl() : ModuleListBase("Sequential") {}
  template <class M, class... Ms,
            std::enable_if_t<!std::is_base_of<SequentialImpl, std::decay_t<M>>::value &&
                                 !std::is_same<std::decay_t<M>, OrderedDict<std::shared_ptr<Module>>>::value,
                             int> = 0>
  explicit SequentialImpl(M&& first, Ms&&... rest) : ModuleListBase("Sequential") {
    push_back(std::forward<M>(first));
    (push_back(std::forward<Ms>(rest)), ...);
  }
  // Named submodules, as Sequential(OrderedDict([...])) in PyTorch.
  explicit SequentialImpl(const OrderedDict<std::shared_ptr<Module>>& named);
  explicit SequentialImpl(std::initializer_list<NamedModule> named);

  // A shared_ptr, a holder or a module by value, named "0", "1", ... or by name. The
  // module's own forward (whatever its arguments and result) is what forward<R> calls.
  template <class M, std::enable_if_t<detail::is_module_like<M>::value, int> = 0>
  void push_back(M&& module) {
    push_back(std::to_string(size()), std::forward<M>(module));
  }
  template <class M, std::enable_if_t<detail::is_module_like<M>::value, int> = 0>
  void push_back(const std::string& name, M&& module) {
    auto typed = detail::typed_module_ptr(std::forward<M>(module));
    using T = typename decltype(typed)::element_type;
    if constexpr (detail::has_unique_forward<T>::value) {
      if (typed) {
        AnyModule any(typed);
        add(name, typed, std::move(any), detail::is_virtual_forward<decltype(&T::forward)>::value);
        return;
      }
    }
    add(name, typed, AnyModule(), true);
  }
  void push_back(const AnyModule& module) { push_back(std::to_string(size()), module); }
  void push_back(const std::string& name, const AnyModule& module);
  // Appends other's modules (the same objects), or these.
  void extend(const SequentialImpl& other);
  template <class M>
  void extend(const std::vector<std::shared_ptr<M>>& modules) {
    for (const auto& m : modules) push_back(m);
  }

  Tensor forward(const Tensor& input) override;
  template <class R = Tensor, class... Args>
  R forward(Args&&... args) {
    std::vector<std::any> packed;
    packed.reserve(sizeof...(Args));
    (packed.emplace_back(std::decay_t<Args>(std::forward<Args>(args))), ...);
    std::any result = forward_any(std::move(packed));
    R* r = std::any_cast<R>(&result);
    if (!r) throw_wrong_return_type(result.type(), typeid(R));
    return std::move(*r);
  }
  // The type-erased chain behind forward<R>.
  std::any forward_any(std::vector<std::any>&& args);
  // A deep copy: each module cloned (modules given with their type stay typed).
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;

 private:
  // A child's typed forward, when it was given with its type and has one forward.
  struct Typed {
    AnyModule any;
    bool virtual_forward = true;  // Module::forward(Tensor): called through call() (hooks)
  };
  void add(const std::string& name, std::shared_ptr<Module> module, AnyModule any, bool virtual_forward);
  std::any forward_child(const std::shared_ptr<Module>& child, std::vector<std::any>&& args);
  [[noreturn]] static void throw_wrong_return_type(const std::type_info& got, const std::type_info& asked);
  std::unordered_map<const Module*, Typed> typed_;
};
// EMBER_MODULE(Sequential) plus the named form: nn::Sequential({{"fc", nn::Linear(3, 4)}}).
class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder<SequentialImpl>::ModuleHolder;
  Sequential() : ModuleHolder<SequentialImpl>(std::make_shared<SequentialImpl>()) {}
  Sequential(const ModuleHolder<SequentialImpl>& h)
      : ModuleHolder<SequentialImpl>(detail::HolderCopyTag{}, h.module_ptr()) {}
  Sequential(std::initializer_list<NamedModule> named)
      : ModuleHolder<SequentialImpl>(std::make_shared<SequentialImpl>(named)) {}
};

// A list of modules with no forward of its own.
class ModuleListImpl : public detail::ModuleListBase {
 public:
  ModuleListImpl() : ModuleListBase("ModuleList") {}
  explicit ModuleListImpl(const std::vector<std::shared_ptr<Module>>& modules);
  // ModuleList(std::make_shared<M>(1), nn::Linear(3, 4), M(2)): shared_ptrs, holders or modules.
  template <class M, class... Ms,
            std::enable_if_t<detail::is_module_like<M>::value && !std::is_base_of<ModuleListImpl, std::decay_t<M>>::value,
                             int> = 0>
  explicit ModuleListImpl(M&& first, Ms&&... rest) : ModuleListBase("ModuleList") {
    push_back(detail::to_module_ptr(std::forward<M>(first)));
    (push_back(detail::to_module_ptr(std::forward<Ms>(rest))), ...);
  }
  // Inserts before index (Python's list.insert), renumbering the ones after it.
  void insert(int64_t index, std::shared_ptr<Module> module);
  template <class M, std::enable_if_t<detail::is_module_holder<std::decay_t<M>>::value ||
                                          std::is_base_of<Module, std::decay_t<M>>::value,
                                      int> = 0>
  void insert(int64_t index, M&& module) {
    insert(index, detail::to_module_ptr(std::forward<M>(module)));
  }
  void extend(const std::vector<std::shared_ptr<Module>>& modules);
  // A deep copy: each module cloned.
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;
};
EMBER_MODULE(ModuleList);

// Modules by name, in insertion order.
class ModuleDictImpl : public Module {
 public:
  ModuleDictImpl() : Module("ModuleDict") {}
  explicit ModuleDictImpl(const OrderedDict<std::shared_ptr<Module>>& modules);
  explicit ModuleDictImpl(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules);
  // A deep copy: each module cloned, under the same key.
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;

  std::size_t size() const { return own_children().size(); }
  bool is_empty() const { return own_children().empty(); }
  bool empty() const { return own_children().empty(); }  // LibTorch's spelling
  bool contains(const std::string& key) const { return own_children().contains(key); }
  // An ember::Error naming the key when absent.
  const std::shared_ptr<Module>& operator[](const std::string& key) const;
  template <class T>
  T& at(const std::string& key) const {
    T* p = dynamic_cast<T*>((*this)[key].get());
    if (!p) throw_wrong_type(key);
    return *p;
  }
  std::vector<std::string> keys() const { return own_children().keys(); }
  std::vector<std::shared_ptr<Module>> values() const { return own_children().values(); }
  const std::vector<OrderedDictItem<std::shared_ptr<Module>>>& items() const {
    return own_children().items();
  }
  // Iterates the items in insertion order (each with key() and value()), as LibTorch's.
  auto begin() const { return items().begin(); }
  auto end() const { return items().end(); }
  // Adds the key, or replaces its module when present (Python's d[key] = module).
  void insert(const std::string& key, std::shared_ptr<Module> module);
  template <class M>
  void insert(const std::string& key, const ModuleHolder<M>& module) {
    insert(key, module.module_ptr());
  }
  void update(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules);
  void update(const OrderedDict<std::shared_ptr<Module>>& modules);
  void update(const ModuleDictImpl& other);  // other's modules (the same objects)
  // Removes the key and returns its module.
  std::shared_ptr<Module> pop(const std::string& key);
  void clear();

 private:
  [[noreturn]] void throw_wrong_type(const std::string& key) const;
};
EMBER_MODULE(ModuleDict);

}  // namespace nn
}  // namespace ember
