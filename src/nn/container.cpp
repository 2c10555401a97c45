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

void SequentialImpl::push_back(const std::string& name, std::shared_ptr<Module> module) {
  register_module(name, std::move(module));
}

Tensor SequentialImpl::forward(const Tensor& input) {
  Tensor x = input;
  // call(): the child's hooks, and its name ("Net.layers.0") in anomaly reports.
  for (const auto& item : own_children()) x = item.second->call(x);
  return x;
}

// ---------------------------------------------------------------- ModuleList

ModuleListImpl::ModuleListImpl(const std::vector<std::shared_ptr<Module>>& modules) : ModuleListBase("ModuleList") {
  extend(modules);
}

void ModuleListImpl::extend(const std::vector<std::shared_ptr<Module>>& modules) {
  for (const auto& m : modules) push_back(m);
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
  if (!m) throw Error("ModuleDict: no module under key '" + key + "'");
  return *m;
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
