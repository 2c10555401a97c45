// Sequential, ModuleList and ModuleDict: bookkeeping of numbered or named children.
#include "ember/nn/container.hpp"

namespace ember {
namespace nn {

namespace detail {

const std::shared_ptr<Module>& ModuleListBase::operator[](int64_t index) const {
  const int64_t n = static_cast<int64_t>(size());
  const int64_t i = index < 0 ? index + n : index;
  if (i < 0 || i >= n)
    throw Error(type_name() + ": Index out of range: index " + std::to_string(index) + " for " + std::to_string(n) +
                " modules");
  return own_children().items()[static_cast<std::size_t>(i)].second;
}

void ModuleListBase::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(size()), std::move(module));
}

void ModuleListBase::throw_wrong_type(int64_t index) const {
  throw Error(type_name() + ": the module at index " + std::to_string(index) + " is a " +
              (*this)[index]->type_name() + ", not the type asked for");
}

}  // namespace detail

// ---------------------------------------------------------------- Sequential

SequentialImpl::SequentialImpl(const OrderedDict<std::shared_ptr<Module>>& named) : ModuleListBase("Sequential") {
  for (const auto& item : named) push_back(item.first, item.second);
}

SequentialImpl::SequentialImpl(std::initializer_list<NamedModule> named) : ModuleListBase("Sequential") {
  for (const NamedModule& item : named) push_back(item.name, item.module);
}

void SequentialImpl::add(const std::string& name, std::shared_ptr<Module> module, AnyModule any, bool virtual_forward) {
  const Module* key = module.get();
  register_module(name, std::move(module));
  if (!any.is_empty()) typed_[key] = Typed{std::move(any), virtual_forward};
}

void SequentialImpl::push_back(const std::string& name, const AnyModule& module) {
  const std::shared_ptr<Module>& p = module.ptr();
  register_module(name, p);
  typed_[p.get()] = Typed{module, false};
}

std::shared_ptr<Module> SequentialImpl::clone(const std::optional<Device>& device) const {
  auto copy = std::make_shared<SequentialImpl>();
  for (const auto& item : own_children()) {
    auto it = typed_.find(item.second.get());
    if (it != typed_.end()) {
      AnyModule any = it->second.any.clone(device);
      std::shared_ptr<Module> module = any.ptr();
      copy->add(item.first, std::move(module), std::move(any), it->second.virtual_forward);
    } else {
      copy->add(item.first, item.second->clone(device), AnyModule(), true);
    }
  }
  copy->train(is_training());
  return copy;
}

void SequentialImpl::extend(const SequentialImpl& other) {
  for (const auto& item : other.own_children()) {
    auto it = other.typed_.find(item.second.get());
    if (it != other.typed_.end())
      add(std::to_string(size()), item.second, it->second.any, it->second.virtual_forward);
    else
      add(std::to_string(size()), item.second, AnyModule(), true);
  }
}

std::any SequentialImpl::forward_child(const std::shared_ptr<Module>& child, std::vector<std::any>&& args) {
  auto it = typed_.find(child.get());
  const bool one_tensor = args.size() == 1 && args[0].type() == typeid(Tensor);
  if (it == typed_.end() || it->second.virtual_forward) {
    // Module::forward(Tensor): through call(), for the child's hooks and anomaly name.
    if (one_tensor) return child->call(std::any_cast<Tensor&>(args[0]));
    return AnyModule(child).any_forward(std::move(args));
  }
  const AnyModule& any = it->second.any;
  if (one_tensor && child->has_hooks()) {
    return child->call_with_hooks(std::any_cast<Tensor&>(args[0]), [&any](const Tensor& x) {
      std::vector<std::any> in;
      in.emplace_back(x);
      std::any out = any.any_forward(std::move(in));
      if (out.type() != typeid(Tensor))
        throw Error("Sequential: a module with hooks must return a Tensor, got " +
                    detail::type_display_name(out.type()));
      return std::any_cast<Tensor>(std::move(out));
    });
  }
  return any.any_forward(std::move(args));
}

std::any SequentialImpl::forward_any(std::vector<std::any>&& args) {
  if (is_empty()) {
    // As PyTorch's empty nn.Sequential: its one input comes back (LibTorch refuses).
    if (args.size() == 1) return std::move(args[0]);
    throw Error("Sequential: Cannot call forward() on an empty Sequential with " + std::to_string(args.size()) +
                " arguments");
  }
  std::any value;
  bool first = true;
  for (const auto& item : own_children()) {
    std::vector<std::any> in;
    if (first) {
      in = std::move(args);
    } else {
      in.push_back(std::move(value));
    }
    first = false;
    value = forward_child(item.second, std::move(in));
  }
  return value;
}

void SequentialImpl::throw_wrong_return_type(const std::type_info& got, const std::type_info& asked) {
  throw Error("Sequential::forward: The type of the return value is " + detail::type_display_name(got) +
              ", but you asked for type " + detail::type_display_name(asked));
}

Tensor SequentialImpl::forward(const Tensor& input) {
  // call() in forward_child: the child's hooks, and its name ("Net.layers.0") in anomaly reports.
  std::vector<std::any> in;
  in.emplace_back(input);
  std::any out = forward_any(std::move(in));
  if (out.type() != typeid(Tensor)) throw_wrong_return_type(out.type(), typeid(Tensor));
  return std::any_cast<Tensor>(std::move(out));
}

// ---------------------------------------------------------------- ModuleList

ModuleListImpl::ModuleListImpl(const std::vector<std::shared_ptr<Module>>& modules) : ModuleListBase("ModuleList") {
  extend(modules);
}

void ModuleListImpl::extend(const std::vector<std::shared_ptr<Module>>& modules) {
  for (const auto& m : modules) push_back(m);
}

std::shared_ptr<Module> ModuleListImpl::clone(const std::optional<Device>& device) const {
  auto copy = std::make_shared<ModuleListImpl>();
  for (const auto& item : own_children()) copy->push_back(item.second->clone(device));
  copy->train(is_training());
  return copy;
}

void ModuleListImpl::insert(int64_t index, std::shared_ptr<Module> module) {
  if (!module) throw Error("ModuleList: insert: the module is empty (nullptr)");
  // Python's list.insert clamps the index into [0, size].
  const int64_t n = static_cast<int64_t>(size());
  int64_t i = index < 0 ? index + n : index;
  i = i < 0 ? 0 : (i > n ? n : i);
  std::vector<std::shared_ptr<Module>> all = children();
  all.insert(all.begin() + i, std::move(module));
  for (int64_t k = n - 1; k >= 0; --k) unregister_module(std::to_string(k));
  extend(all);
}

// ---------------------------------------------------------------- ModuleDict

ModuleDictImpl::ModuleDictImpl(const OrderedDict<std::shared_ptr<Module>>& modules) : Module("ModuleDict") {
  for (const auto& item : modules) insert(item.first, item.second);
}

ModuleDictImpl::ModuleDictImpl(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules)
    : Module("ModuleDict") {
  update(modules);
}

const std::shared_ptr<Module>& ModuleDictImpl::operator[](const std::string& key) const {
  const std::shared_ptr<Module>* m = own_children().find(key);
  if (!m) throw Error("ModuleDict: the key '" + key + "' is not defined");
  return *m;
}

std::shared_ptr<Module> ModuleDictImpl::clone(const std::optional<Device>& device) const {
  auto copy = std::make_shared<ModuleDictImpl>();
  for (const auto& item : own_children()) copy->insert(item.first, item.second->clone(device));
  copy->train(is_training());
  return copy;
}

void ModuleDictImpl::insert(const std::string& key, std::shared_ptr<Module> module) {
  if (contains(key))
    replace_module(key, std::move(module));
  else
    register_module(key, std::move(module));
}

void ModuleDictImpl::update(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) {
  for (const auto& item : modules) insert(item.first, item.second);
}

void ModuleDictImpl::update(const OrderedDict<std::shared_ptr<Module>>& modules) {
  for (const auto& item : modules) insert(item.first, item.second);
}

void ModuleDictImpl::update(const ModuleDictImpl& other) {
  if (&other == this) return;
  for (const auto& item : other.items()) insert(item.first, item.second);
}

std::shared_ptr<Module> ModuleDictImpl::pop(const std::string& key) {
  std::shared_ptr<Module> m = (*this)[key];
  unregister_module(key);
  return m;
}

void ModuleDictImpl::clear() {
  for (const std::string& key : keys()) unregister_module(key);
}

void ModuleDictImpl::throw_wrong_type(const std::string& key) const {
  throw Error("ModuleDict: the module under key '" + key + "' is a " + (*this)[key]->type_name() +
              ", not the type asked for");
}

}  // namespace nn
}  // namespace ember
