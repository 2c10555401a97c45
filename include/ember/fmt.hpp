// fmt support for ember tensors: `fmt::print("{}\n", t)` prints the same text as
// `std::cout << t` (PyTorch's layout). Opt-in, since ember.hpp stays free of fmt:
//
//     #include <ember/ember.hpp>
//     #include <ember/fmt.hpp>
//
// The usual string format specs apply to the whole text: `fmt::format("{:>40}", t)`.
#pragma once
#include <fmt/format.h>

#include <sstream>
#include <string>
#include <string_view>

#include "ember/tensor.hpp"

template <>
struct fmt::formatter<ember::Tensor> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const ember::Tensor& t, FormatContext& ctx) const {
    std::ostringstream os;
    os << t;
    const std::string text = os.str();
    return fmt::formatter<std::string_view>::format(std::string_view(text), ctx);
  }
};
