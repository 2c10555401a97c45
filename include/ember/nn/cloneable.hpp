// nn::Cloneable<Derived>: what a module derives from to get LibTorch's deep clone().
//
//   struct Net : nn::Cloneable<Net> {
//     Net() { reset(); }
//     void reset() override { fc = register_module("fc", std::make_shared<Head>()); }
//     std::shared_ptr<Head> fc;
//   };
//   auto copy = std::dynamic_pointer_cast<Net>(net.clone());
//
// clone() copy-constructs Derived (so plain members such as ints are copied), drops the
// registrations the copy shares with the original, calls reset() to register fresh ones,
// then copies the original's parameter and buffer values into them and clones each
// submodule into the one reset() made (submodules must be cloneable too). Gradient
// recording is off while it runs; requires_grad is kept.
#pragma once
#include <memory>
#include <optional>

#include "ember/error.hpp"
#include "ember/nn/module.hpp"

namespace ember {
namespace nn {

template <class Derived>
class Cloneable : public Module {
 public:
  using Module::Module;

  // Registers the module's parameters, buffers and submodules anew (called by clone()).
  virtual void reset() = 0;

  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override {
    auto copy = std::make_shared<Derived>(static_cast<const Derived&>(*this));
    copy->clear_registrations_for_clone();
    copy->reset();
    copy->copy_state_for_clone(*this, device);
    return copy;
  }

 private:
  void clone_into_this(const Module& other, const std::optional<Device>& device) override {
    std::shared_ptr<Derived> fresh = std::dynamic_pointer_cast<Derived>(other.clone(device));
    if (!fresh) throw Error("Cloneable::clone: the submodule " + other.name() + " cloned into another type than " + name());
    *static_cast<Derived*>(this) = std::move(*fresh);
  }
};

}  // namespace nn
}  // namespace ember
