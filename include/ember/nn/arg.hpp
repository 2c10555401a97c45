// EMBER_ARG, the options idiom of the modules (LibTorch's TORCH_ARG), in a header of its
// own so that option structs can be declared without the Module class (the loss
// options, which ember/nn/functional.hpp includes).
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

// LibTorch's spelling, for option structs written against it (defined only when
// LibTorch's own headers have not defined it).
#ifndef TORCH_ARG
#define TORCH_ARG(T, name) EMBER_ARG(T, name)
#endif
