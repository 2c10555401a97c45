#include "ember/optim/optimizer.hpp"

#include <cmath>
#include <map>
#include <typeinfo>
#include <unordered_set>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "src/optim/common.hpp"

namespace ember {
namespace optim {

using internal::format_double;

namespace {

// Calls f(name, option) for every option; f is a generic lambda.
template <class F>
struct FnVisitor : OptionVisitor {
  F& f;
  explicit FnVisitor(F& fn) : f(fn) {}
  void operator()(const char* name, Option<double>& v) override { f(name, v); }
  void operator()(const char* name, Option<bool>& v) override { f(name, v); }
  void operator()(const char* name, Option<Betas>& v) override { f(name, v); }
};
template <class F>
void for_each_option(const OptimizerOptions& options, F f) {
  FnVisitor<F> v(f);
  const_cast<OptimizerOptions&>(options).visit(v);
}

std::vector<double> values_of(const Option<double>& o) { return {o.get()}; }
std::vector<double> values_of(const Option<bool>& o) { return {o.get() ? 1.0 : 0.0}; }
std::vector<double> values_of(const Option<Betas>& o) { return {std::get<0>(o.get()), std::get<1>(o.get())}; }

void check_count(const std::vector<double>& v, std::size_t n, const std::string& who, const char* name) {
  if (v.size() != n)
    throw Error(who + ": option '" + name + "' takes " + std::to_string(n) + " value(s), got " +
                std::to_string(v.size()));
}
void assign(Option<double>& o, const std::vector<double>& v, const std::string& who, const char* name) {
  check_count(v, 1, who, name);
  o = v[0];
}
void assign(Option<bool>& o, const std::vector<double>& v, const std::string& who, const char* name) {
  check_count(v, 1, who, name);
  o = v[0] != 0;
}
void assign(Option<Betas>& o, const std::vector<double>& v, const std::string& who, const char* name) {
  check_count(v, 2, who, name);
  o = Betas(v[0], v[1]);
}

// State-dict form of an option: float64 reals, a bool, betas as a 1-D float64 pair.
Tensor to_tensor(const Option<double>& o) { return internal::real_tensor(o.get()); }
Tensor to_tensor(const Option<bool>& o) { return scalar_tensor(o.get(), kBool); }
Tensor to_tensor(const Option<Betas>& o) { return internal::reals_tensor(values_of(o)); }

std::string shape_str(IntArrayRef s) {
  std::string r = "[";
  for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

}  // namespace

// ---- OptimizerOptions ----

bool OptimizerOptions::has(const std::string& name) const {
  bool found = false;
  for_each_option(*this, [&](const char* n, auto&) { found = found || name == n; });
  return found;
}

std::vector<double> OptimizerOptions::get(const std::string& name) const {
  std::vector<double> out;
  bool found = false;
  for_each_option(*this, [&](const char* n, auto& o) {
    if (name == n) {
      out = values_of(o);
      found = true;
    }
  });
  if (!found) throw Error(std::string(optimizer_name()) + " options: no option named '" + name + "'");
  return out;
}

void OptimizerOptions::set(const std::string& name, const std::vector<double>& value) {
  bool found = false;
  std::string who = std::string(optimizer_name()) + " options";
  for_each_option(*this, [&](const char* n, auto& o) {
    if (name == n) {
      assign(o, value, who, n);
      found = true;
    }
  });
  if (!found) throw Error(who + ": no option named '" + name + "'");
}

void OptimizerOptions::fill_unset_from(const OptimizerOptions& defaults) {
  if (typeid(*this) != typeid(defaults))
    throw Error(std::string("ParamGroup: options of ") + optimizer_name() + " given to optimizer " +
                defaults.optimizer_name());
  std::vector<std::vector<double>> values;
  for_each_option(defaults, [&](const char*, auto& o) { values.push_back(values_of(o)); });
  std::size_t i = 0;
  for_each_option(*this, [&](const char* n, auto& o) {
    if (!o.is_set()) assign(o, values[i], optimizer_name(), n);
    ++i;
  });
}

// ---- ParamGroup ----

ParamGroup::ParamGroup(std::vector<Tensor> params) : params_(std::move(params)) {}
ParamGroup::ParamGroup(std::vector<Tensor> params, const OptimizerOptions& options)
    : params_(std::move(params)), options_(options.clone()) {}
ParamGroup::ParamGroup(const ParamGroup& other)
    : params_(other.params_), options_(other.options_ ? other.options_->clone() : nullptr) {}
ParamGroup& ParamGroup::operator=(const ParamGroup& other) {
  if (this != &other) {
    params_ = other.params_;
    options_ = other.options_ ? other.options_->clone() : nullptr;
  }
  return *this;
}
OptimizerOptions& ParamGroup::options() {
  if (!options_) throw Error("ParamGroup: this group has no options (it has not joined an optimizer)");
  return *options_;
}
const OptimizerOptions& ParamGroup::options() const { return const_cast<ParamGroup*>(this)->options(); }

// ---- Optimizer ----

Optimizer::Optimizer(std::vector<ParamGroup> groups, std::unique_ptr<OptimizerOptions> defaults)
    : defaults_(std::move(defaults)) {
  defaults_->validate();
  std::size_t total = 0;
  for (const ParamGroup& g : groups) total += g.params().size();
  if (total == 0) throw Error(std::string(name()) + ": optimizer got an empty parameter list");
  for (ParamGroup& g : groups) add_param_group(std::move(g));
}

Optimizer::~Optimizer() = default;

void Optimizer::add_param_group(ParamGroup group) {
  const std::string who = name();
  const std::size_t gi = groups_.size();
  std::unordered_set<const ember::detail::TensorImpl*> seen;
  for (const ParamGroup& g : groups_)
    for (const Tensor& p : g.params()) seen.insert(p.unsafeGetTensorImpl());
  for (std::size_t i = 0; i < group.params().size(); ++i) {
    const Tensor& p = group.params()[i];
    std::string which = "parameter " + std::to_string(i) + " of group " + std::to_string(gi);
    if (!p.defined()) throw Error(who + ": " + which + " is an undefined tensor");
    if (!p.is_leaf()) throw Error(who + ": can't optimize a non-leaf Tensor (" + which + ")");
    if (!p.is_floating_point())
      throw Error(who + ": can only optimize floating-point tensors, " + which + " is " + dtype_name(p.dtype()));
    if (!seen.insert(p.unsafeGetTensorImpl()).second)
      throw Error(who + ": some parameters appear more than once (" + which + ")");
  }
  if (group.options_)
    group.options_->fill_unset_from(*defaults_);
  else
    group.options_ = defaults_->clone();
  if (std::isnan(group.options_->lr()))
    throw Error(who + ": parameter group " + std::to_string(gi) +
                " didn't specify a value of required optimization parameter lr");
  group.options_->validate();
  groups_.push_back(std::move(group));
}

Tensor Optimizer::step(const LossClosure& closure) {
  Tensor loss;
  if (closure) {
    EnableGradGuard grad_on;
    loss = closure();
  }
  NoGradGuard no_grad;
  for (ParamGroup& g : groups_) update(g);
  return loss;
}

void Optimizer::zero_grad(bool set_to_none) {
  for (ParamGroup& g : groups_)
    for (Tensor& p : g.params()) p.zero_grad(set_to_none);
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> all;
  for (const ParamGroup& g : groups_) all.insert(all.end(), g.params().begin(), g.params().end());
  return all;
}

ParamState* Optimizer::state(const Tensor& param) {
  auto it = state_.find(param.unsafeGetTensorImpl());
  return it == state_.end() ? nullptr : it->second.get();
}

StateDict Optimizer::state_dict() const {
  StateDict d;
  int64_t index = 0;
  for (const ParamGroup& g : groups_) {
    for (const Tensor& p : g.params()) {
      auto it = state_.find(p.unsafeGetTensorImpl());
      if (it != state_.end()) {
        std::string prefix = "state." + std::to_string(index) + ".";
        ParamState& s = *it->second;
        if (int64_t* step = s.step_count()) d.insert(prefix + "step", internal::count_tensor(*step));
        for (auto& [key, t] : s.tensors())
          if (t->defined()) d.insert(prefix + key, *t);
      }
      ++index;
    }
  }
  index = 0;
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    const ParamGroup& g = groups_[gi];
    std::string prefix = "param_groups." + std::to_string(gi) + ".";
    for_each_option(g.options(), [&](const char* n, auto& o) { d.insert(prefix + n, to_tensor(o)); });
    std::vector<int64_t> ids;
    for (std::size_t i = 0; i < g.params().size(); ++i) ids.push_back(index++);
    d.insert(prefix + "params", internal::ints_tensor(ids));
  }
  return d;
}

void Optimizer::load_state_dict(const StateDict& sd) {
  const std::string who = std::string(name()) + ".load_state_dict";
  std::unordered_set<std::string> used;

  std::size_t n_saved = 0;
  while (sd.contains("param_groups." + std::to_string(n_saved) + ".params")) ++n_saved;
  if (n_saved != groups_.size())
    throw Error(who + ": loaded state dict has " + std::to_string(n_saved) + " parameter groups, the optimizer has " +
                std::to_string(groups_.size()));

  // Options of every group, and which saved index names which parameter.
  std::vector<std::unique_ptr<OptimizerOptions>> options;
  std::map<int64_t, std::pair<std::size_t, std::size_t>> id_map;  // saved id -> (group, position)
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    std::string prefix = "param_groups." + std::to_string(gi) + ".";
    std::vector<int64_t> ids = internal::read_ints(sd, prefix + "params", who);
    used.insert(prefix + "params");
    if (ids.size() != groups_[gi].params().size())
      throw Error(who + ": parameter group " + std::to_string(gi) + " has " + std::to_string(ids.size()) +
                  " parameters in the loaded state dict, " + std::to_string(groups_[gi].params().size()) +
                  " in the optimizer");
    for (std::size_t i = 0; i < ids.size(); ++i)
      if (!id_map.emplace(ids[i], std::make_pair(gi, i)).second)
        throw Error(who + ": parameter index " + std::to_string(ids[i]) + " appears twice in 'param_groups'");
    std::unique_ptr<OptimizerOptions> o = groups_[gi].options().clone();
    for_each_option(*o, [&](const char* n, auto& opt) {
      std::string key = prefix + n;
      const Tensor* t = sd.find(key);
      if (!t || !t->defined()) throw Error(who + ": missing key '" + key + "'");
      if (t->dim() > 1) throw Error(who + ": '" + key + "' should be 0-dim or 1-D, got " + shape_str(t->sizes()));
      assign(opt, t->to(kFloat64).tolist<double>(), who + ": '" + key + "'", n);
      used.insert(key);
    });
    o->validate();
    options.push_back(std::move(o));
  }

  // Per-parameter state, grouped by saved index.
  std::map<int64_t, std::vector<std::string>> state_keys;
  for (const auto& item : sd) {
    const std::string& key = item.first;
    if (key.compare(0, 6, "state.") != 0) continue;
    std::size_t dot = key.find('.', 6);
    if (dot == std::string::npos || dot == 6 || key.find_first_not_of("0123456789", 6) != dot) continue;
    state_keys[std::stoll(key.substr(6, dot - 6))].push_back(key);
  }
  std::unordered_map<const ember::detail::TensorImpl*, std::unique_ptr<ParamState>> state;
  for (const auto& [id, keys] : state_keys) {
    auto it = id_map.find(id);
    if (it == id_map.end())
      throw Error(who + ": state for parameter " + std::to_string(id) + ", but the optimizer has " +
                  std::to_string(id_map.size()) + " parameters");
    auto [gi, pi] = it->second;
    const Tensor& p = groups_[gi].params()[pi];
    std::unique_ptr<ParamState> s = make_state(p, *options[gi]);
    std::string prefix = "state." + std::to_string(id) + ".";
    if (int64_t* step = s->step_count()) {
      *step = internal::read_count(sd, prefix + "step", who);
      used.insert(prefix + "step");
    }
    for (auto& [name, t] : s->tensors()) {
      std::string key = prefix + name;
      const Tensor* saved = sd.find(key);
      if (!saved || !saved->defined()) {
        // A buffer a fresh state has must be in the dict; one made later is optional.
        if (t->defined()) throw Error(who + ": missing key '" + key + "'");
        continue;
      }
      if (!saved->sizes().equals(p.sizes()))
        throw Error(who + ": '" + key + "' has shape " + shape_str(saved->sizes()) + " but parameter " +
                    std::to_string(id) + " has shape " + shape_str(p.sizes()));
      // A private, contiguous copy in the parameter's dtype, as PyTorch's deepcopy and cast.
      *t = saved->detach().to(p.dtype(), /*copy=*/true).contiguous();
      used.insert(key);
    }
    state[p.unsafeGetTensorImpl()] = std::move(s);
  }

  for (const auto& item : sd)
    if (!used.count(item.first)) throw Error(who + ": unexpected key '" + item.first + "'");

  // Everything checked: commit.
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) groups_[gi].options_ = std::move(options[gi]);
  state_ = std::move(state);
}

}  // namespace optim
}  // namespace ember
