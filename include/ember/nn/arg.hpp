// The options structs' argument macro, on its own so that option structs can be declared
// without the module machinery (ember/nn/functional.hpp uses them).
#pragma once

// A module's options: `LinearOptions(784, 256).bias(false)`. Declares a chainable
// setter, a getter and the member `name_`.
#define EMBER_ARG(T, name)                      \
 public:                                        \
  auto name(const T& new_##name)->decltype(*this) { \
    this->name##_ = new_##name;                 \
    return *this;                               \
  }                                             \
  const T& name() const { return this->name##_; } \
  T& name() { return this->name##_; }  \
                                                \
 private:                                       \
  T name##_
