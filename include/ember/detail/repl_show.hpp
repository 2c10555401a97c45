// Value printing for ember-repl: turns the value of an expression typed at the prompt
// into the text the prompt shows. The REPL instantiates `show` for the expression's type
// inside the interpreter, so everything here is a template in a header.
//
// Tensors and modules print as their own repr (like Python's prompt); everything else
// is printed the way cling prints it, behind its type: `(std::string) "abc"`.
#pragma once

#include <charconv>
#include <cstdint>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ember/nn/module.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace detail {
namespace repl {

template <class T, class = void>
struct is_streamable : std::false_type {};
template <class T>
struct is_streamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>>
    : std::true_type {};

template <class T, class = void>
struct is_holder : std::false_type {};
template <class T>
struct is_holder<T, std::void_t<decltype(std::declval<const T&>().module_ptr())>> : std::true_type {};

template <class T, class = void>
struct is_range : std::false_type {};
template <class T>
struct is_range<T, std::void_t<decltype(std::begin(std::declval<const T&>())),
                                decltype(std::end(std::declval<const T&>()))>> : std::true_type {};

template <class T>
struct is_tuple_like : std::false_type {};
template <class... Ts>
struct is_tuple_like<std::tuple<Ts...>> : std::true_type {};
template <class A, class B>
struct is_tuple_like<std::pair<A, B>> : std::true_type {};

inline std::string quoted(const std::string& s, char quote) {
  std::string out(1, quote);
  for (char c : s) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c == quote) out += '\\';
        out += c;
    }
  }
  return out + quote;
}

// The shortest text that reads back as the same floating-point number, as Python does.
template <class F>
std::string float_text(F v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // 2.0, not 2; nan/inf stay
  return s;
}

template <class T>
std::string text(const T& v);

template <class Tuple, std::size_t... I>
std::string tuple_text(const Tuple& t, std::index_sequence<I...>) {
  std::string out = "{ ";
  ((out += (I == 0 ? "" : ", ") + text(std::get<I>(t))), ...);
  return out + " }";
}

// The text of one value without its type.
template <class T>
std::string text(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_same_v<T, char>) {
    return quoted(std::string(1, v), '\'');
  } else if constexpr (std::is_floating_point_v<T>) {
    return float_text(v);
  } else if constexpr (std::is_integral_v<T>) {
    return std::to_string(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return quoted(v, '"');
  } else if constexpr (std::is_same_v<T, const char*> || std::is_same_v<T, char*>) {
    return v ? quoted(v, '"') : "nullptr";
  } else if constexpr (std::is_array_v<T> && std::is_same_v<std::remove_cv_t<std::remove_extent_t<T>>, char>) {
    std::size_t n = 0;  // up to the terminator, never past the array
    while (n < std::extent_v<T> && v[n]) ++n;
    return quoted(std::string(v, n), '"');
  } else if constexpr (std::is_base_of_v<nn::Module, T>) {
    std::ostringstream os;
    os << static_cast<const nn::Module&>(v);
    return os.str();
  } else if constexpr (is_holder<T>::value) {
    if (!v.module_ptr()) return "(empty module holder)";
    std::ostringstream os;
    os << *v.module_ptr();
    return os.str();
  } else if constexpr (is_streamable<T>::value) {
    std::ostringstream os;
    os << v;
    return os.str();
  } else if constexpr (is_tuple_like<T>::value) {
    return tuple_text(v, std::make_index_sequence<std::tuple_size<T>::value>());
  } else if constexpr (is_range<T>::value) {
    std::string out = "{ ";
    bool first = true;
    for (const auto& item : v) {
      if (!first) out += ", ";
      first = false;
      out += text(item);
    }
    return first ? "{}" : out + " }";
  } else if constexpr (std::is_pointer_v<T>) {
    std::ostringstream os;
    os << static_cast<const void*>(v);
    return os.str();
  } else {
    std::ostringstream os;
    os << '@' << static_cast<const void*>(std::addressof(v));
    return os.str();
  }
}

// Entry point used by ember-repl: `out` receives the text, and `self_describing` says
// whether the text stands alone (tensors, modules) or goes after the type, cling-style.
template <class T>
void show(const T& v, std::string& out, bool& self_describing) {
  self_describing = std::is_same_v<T, Tensor> || std::is_base_of_v<nn::Module, T> || is_holder<T>::value;
  out = text(v);
}

}  // namespace repl
}  // namespace detail
}  // namespace ember
