// The Module registry and everything derived from it: listings, train/eval, dtype
// conversion, state_dict loading and PyTorch's nested printing.
#include "ember/nn/module.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <ostream>
#include <sstream>
#include <typeinfo>
#include <unordered_set>

#include "ember/autograd.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {

namespace detail {
void throw_empty_holder() {
  throw Error("ModuleHolder: Accessing empty ModuleHolder (the module is empty: constructed from nullptr and never "
              "assigned)");
}
}  // namespace detail

namespace {

std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

}  // namespace

Module::Module(std::string type_name) : type_name_(std::move(type_name)) {}

std::string Module::name() const {
  if (type_name_ != "Module") return type_name_;
  const char* mangled = typeid(*this).name();
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(mangled);
}
Module::~Module() = default;

namespace detail {
bool ModuleCallScope::enter(const Module& m) {
  if (!autograd::is_anomaly_enabled()) return false;
  // Inside a parent's forward, name the module by its attribute name in the parent.
  std::string path = m.type_name();
  if (const auto* parent = static_cast<const Module*>(autograd::internal::current_module_key())) {
    std::string attr = m.type_name();
    for (const auto& item : parent->own_children())
      if (item.second.get() == &m) attr = item.first;
    path = autograd::internal::current_module_path() + "." + attr;
  }
  autograd::internal::push_module_path(&m, std::move(path));
  return true;
}
void ModuleCallScope::leave() { autograd::internal::pop_module_path(); }
}  // namespace detail

Tensor Module::forward(const Tensor&) { throw Error(type_name_ + ": forward(Tensor) is not defined"); }

// ---- registration ----

void Module::check_new_name(const char* what, const std::string& name) const {
  // LibTorch's words ("Parameter name must not be empty") after ember's op name.
  const std::string noun = std::string(what) == "register_parameter" ? "Parameter"
                           : std::string(what) == "register_buffer"  ? "Buffer"
                                                                      : "Submodule";
  const std::string where = type_name_ + ": " + what + ": ";
  if (name.empty()) throw Error(where + noun + " name must not be empty");
  if (name.find('.') != std::string::npos)
    throw Error(where + noun + " name must not contain a dot (got '" + name + "')");
  const char* kind = parameters_.contains(name) ? "a parameter"
                     : buffers_.contains(name)  ? "a buffer"
                     : children_.contains(name) ? "a submodule"
                                                : nullptr;
  if (kind) throw Error(where + noun + " '" + name + "' already defined (the name is registered as " + kind + ")");
}

Tensor& Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  check_new_name("register_parameter", name);
  if (t.defined()) {
    // A parameter is a leaf of its own, as torch.nn.Parameter(data) is.
    if (!t.is_leaf()) t = t.detach();
    if (requires_grad && !t.is_floating_point())
      throw Error(type_name_ + ": register_parameter: '" + name + "' must be floating point to require grad, got " +
                  dtype_name(t.dtype()));
    t.requires_grad_(requires_grad);
  }
  return parameters_.insert(name, std::move(t));
}

Tensor& Module::register_buffer(const std::string& name, Tensor t) {
  check_new_name("register_buffer", name);
  return buffers_.insert(name, std::move(t));
}

void Module::register_module_impl(const std::string& name, std::shared_ptr<Module> m) {
  check_new_name("register_module", name);
  if (!m) throw Error(type_name_ + ": register_module: submodule '" + name + "' is empty (nullptr)");
  children_.insert(name, std::move(m));
}

void Module::replace_module(const std::string& name, std::shared_ptr<Module> m) {
  if (!children_.contains(name)) throw Error(type_name_ + ": replace_module: no submodule named '" + name + "'");
  if (!m) throw Error(type_name_ + ": replace_module: submodule '" + name + "' is empty (nullptr)");
  children_.set(name, std::move(m));
}

void Module::unregister_module(const std::string& name) {
  if (!children_.erase(name)) throw Error(type_name_ + ": unregister_module: no submodule named '" + name + "'");
}

Tensor Module::unregister_parameter(const std::string& name) {
  const Tensor* found = parameters_.find(name);
  if (!found) throw Error(type_name_ + ": unregister_parameter: no parameter named '" + name + "'");
  Tensor removed = *found;
  parameters_.erase(name);
  return removed;
}

// ---- listings ----

void Module::collect_named_modules(const std::string& prefix, OrderedDict<std::shared_ptr<Module>>& out,
                                   std::vector<const Module*>& seen) const {
  for (const auto& item : children_) {
    const Module* child = item.second.get();
    bool dup = false;
    for (const Module* s : seen) dup = dup || s == child;
    if (dup) continue;
    seen.push_back(child);
    std::string name = join_name(prefix, item.first);
    out.insert(name, item.second);
    child->collect_named_modules(name, out, seen);
  }
}

OrderedDict<std::shared_ptr<Module>> Module::named_modules(const std::string& name_prefix, bool include_self) const {
  OrderedDict<std::shared_ptr<Module>> out;
  if (include_self) {
    // A module not owned by a shared_ptr gets a non-owning pointer to itself.
    std::shared_ptr<Module> self = std::const_pointer_cast<Module>(weak_from_this().lock());
    if (!self) self = std::shared_ptr<Module>(std::shared_ptr<Module>(), const_cast<Module*>(this));
    out.insert(name_prefix, self);
  }
  std::vector<const Module*> seen{this};
  collect_named_modules(name_prefix, out, seen);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) const {
  return named_modules(std::string(), include_self).values();
}

OrderedDict<std::shared_ptr<Module>> Module::named_children() const { return children_; }

std::vector<std::shared_ptr<Module>> Module::children() const { return children_.values(); }

namespace {
// Defined tensors of every module (or only this one), each TensorImpl once.
OrderedDict<Tensor> collect_tensors(const Module& root, bool recurse, bool params) {
  OrderedDict<Tensor> out;
  std::unordered_set<const void*> seen;
  auto add_own = [&](const std::string& prefix, const Module& m) {
    for (const auto& item : params ? m.own_parameters() : m.own_buffers()) {
      if (!item.second.defined() || !seen.insert(item.second.unsafeGetTensorImpl()).second) continue;
      out.insert(join_name(prefix, item.first), item.second);
    }
  };
  if (!recurse) {
    add_own("", root);
    return out;
  }
  for (const auto& item : root.named_modules()) add_own(item.first, *item.second);
  return out;
}
}  // namespace

OrderedDict<Tensor> Module::named_parameters(bool recurse) const { return collect_tensors(*this, recurse, true); }
std::vector<Tensor> Module::parameters(bool recurse) const { return named_parameters(recurse).values(); }
OrderedDict<Tensor> Module::named_buffers(bool recurse) const { return collect_tensors(*this, recurse, false); }
std::vector<Tensor> Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }

void Module::apply(const std::function<void(Module&)>& fn) {
  for (const auto& item : children_) item.second->apply(fn);
  fn(*this);
}

// ---- modes and conversions ----

void Module::train(bool on) {
  training_ = on;
  for (const auto& item : children_) item.second->train(on);
}

void Module::zero_grad(bool set_to_none) {
  for (Tensor& p : parameters()) p.zero_grad(set_to_none);
}

void Module::to(Dtype dtype) {
  if (!is_floating_point(dtype))
    throw Error(type_name_ + ": to: only floating-point dtypes are accepted, got " + dtype_name(dtype));
  NoGradGuard guard;
  auto convert = [&](Tensor t) {
    if (!t.is_floating_point() || t.dtype() == dtype) return;
    // A gradient of the old dtype would no longer match its tensor.
    if (t.requires_grad()) t.mutable_grad() = Tensor();
    t.set_data(t.to(dtype).contiguous());
  };
  for (Tensor& p : parameters()) convert(p);
  for (Tensor& b : buffers()) convert(b);
}

void Module::to(Device device, bool /*non_blocking*/) { ember::detail::check_cpu(device, "Module::to"); }
void Module::to(Device device, Dtype dtype, bool /*non_blocking*/) {
  ember::detail::check_cpu(device, "Module::to");
  to(dtype);
}

// ---- state_dict ----

namespace {
void collect_state(const Module& m, const std::string& prefix, StateDict& out) {
  for (const auto& item : m.own_parameters())
    if (item.second.defined()) out.set(join_name(prefix, item.first), item.second.detach());
  for (const auto& item : m.own_buffers())
    if (item.second.defined()) out.set(join_name(prefix, item.first), item.second.detach());
  for (const auto& item : m.named_children()) collect_state(*item.second, join_name(prefix, item.first), out);
}

std::string quoted_list(const std::vector<std::string>& keys) {
  std::string out;
  for (std::size_t i = 0; i < keys.size(); ++i) out += (i ? ", \"" : "\"") + keys[i] + "\"";
  return out;
}
}  // namespace

StateDict Module::state_dict() const {
  StateDict out;
  collect_state(*this, "", out);
  return out;
}

LoadStateDictResult Module::load_state_dict(const StateDict& dict, bool strict) {
  StateDict own = state_dict();
  LoadStateDictResult result;
  std::vector<std::string> mismatches;
  for (const auto& item : own) {
    const Tensor* src = dict.find(item.first);
    if (!src) {
      result.missing_keys.push_back(item.first);
    } else if (!src->defined() || !src->sizes().equals(item.second.sizes())) {
      mismatches.push_back("size mismatch for " + item.first + ": copying a param with shape " +
                           (src->defined() ? repr::shape_str(src->sizes()) : std::string("(undefined)")) +
                           " from checkpoint, the shape in current model is " +
                           repr::shape_str(item.second.sizes()) + ".");
    }
  }
  for (const auto& item : dict)
    if (!own.contains(item.first)) result.unexpected_keys.push_back(item.first);

  // PyTorch's message and order: missing, unexpected (when strict), then size mismatches.
  std::vector<std::string> errors;
  if (strict && !result.missing_keys.empty())
    errors.push_back("Missing key(s) in state_dict: " + quoted_list(result.missing_keys) + ". ");
  if (strict && !result.unexpected_keys.empty())
    errors.push_back("Unexpected key(s) in state_dict: " + quoted_list(result.unexpected_keys) + ". ");
  errors.insert(errors.end(), mismatches.begin(), mismatches.end());
  if (!errors.empty()) {
    // Nothing is copied when anything is wrong, so a failed load leaves the module as it was.
    std::string msg = "Error(s) in loading state_dict for " + type_name_ + ":";
    for (const std::string& e : errors) msg += "\n\t" + e;
    throw Error(msg);
  }

  NoGradGuard guard;
  for (auto& item : own) {
    const Tensor* src = dict.find(item.first);
    if (src) item.second.copy_(*src);
  }
  return result;
}

// ---- printing ----

std::string Module::extra_repr() const { return ""; }

void Module::pretty_print(std::ostream& os) const { os << type_name_ << "(" << extra_repr() << ")"; }

namespace {
void print_nested(std::ostream& os, const Module& m, int indent) {
  auto kids = m.named_children();
  if (kids.empty()) {
    m.pretty_print(os);
    return;
  }
  std::string pad(static_cast<std::size_t>(indent) + 2, ' ');
  os << m.type_name() << "(\n";
  std::istringstream extra(m.extra_repr());
  for (std::string line; std::getline(extra, line);) os << pad << line << "\n";
  for (const auto& item : kids) {
    os << pad << "(" << item.first << "): ";
    print_nested(os, *item.second, indent + 2);
    os << "\n";
  }
  os << std::string(static_cast<std::size_t>(indent), ' ') << ")";
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const Module& m) {
  print_nested(os, m, 0);
  return os;
}

}  // namespace nn
}  // namespace ember

// ---------------------------------------------------------------- clone (nn::Cloneable)

namespace ember {
namespace nn {

std::shared_ptr<Module> Module::clone(const std::optional<Device>&) const {
  throw Error("clone() has not been implemented for " + name() + ". Subclass ember::nn::Cloneable<" + name() +
              "> instead of ember::nn::Module to inherit the ability to clone.");
}

void Module::clear_registrations_for_clone() {
  parameters_.clear();
  buffers_.clear();
  children_.clear();
}

void Module::copy_state_for_clone(const Module& other, const std::optional<Device>& device) {
  if (device) ember::detail::check_cpu(*device, "Module::clone");
  NoGradGuard no_grad;
  auto check_count = [&](std::size_t mine, std::size_t theirs, const char* what) {
    if (mine != theirs)
      throw Error(name() + "::clone: reset() registered " + std::to_string(mine) + " " + what + "s, the original has " +
                  std::to_string(theirs));
  };
  auto copy_values = [&](OrderedDict<Tensor>& mine, const OrderedDict<Tensor>& theirs, const char* what) {
    check_count(mine.size(), theirs.size(), what);
    for (const auto& item : theirs) {
      Tensor* target = mine.find(item.key());
      if (!target)
        throw Error(name() + "::clone: reset() did not register the " + what + " '" + item.key() + "'");
      if (item.value().defined()) target->set_data(item.value().detach().clone());
    }
  };
  copy_values(parameters_, other.parameters_, "parameter");
  copy_values(buffers_, other.buffers_, "buffer");
  check_count(children_.size(), other.children_.size(), "submodule");
  for (const auto& item : other.children_) {
    std::shared_ptr<Module>* target = children_.find(item.key());
    if (!target || !*target)
      throw Error(name() + "::clone: reset() did not register the submodule '" + item.key() + "'");
    (*target)->clone_into_this(*item.value(), device);
  }
}

void Module::clone_into_this(const Module& other, const std::optional<Device>& device) {
  // Not a Cloneable (a built-in module that the parent's reset() made afresh with the same
  // options): the same type, so copying the values of its parameters and buffers, and
  // of its children's, makes it a clone.
  if (typeid(*this) != typeid(other))
    throw Error("Module::clone: the submodule " + name() + " that reset() registered is not of the type of the original's " +
                other.name());
  copy_state_for_clone(other, device);
}

}  // namespace nn
}  // namespace ember
