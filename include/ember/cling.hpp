// ember in the cling C++ interpreter and in xeus-cling notebooks:
//
//   .I /opt/ember/include
//   #pragma cling add_library_path("/opt/ember/lib")
//   #include <ember/cling.hpp>
//   auto x = ember::ones({2, 3});
//   x * 2            // a value without ';' is printed: tensor([[2., 2., 2.], ...
//
// The header loads libember, includes <ember/ember.hpp> and teaches cling's value
// printer (cling::printValue) and xeus-cling's rich display (mime_bundle_repr) about
// tensors, modules and scalars. Every compiler but cling sees an empty file.
//
// The library is loaded by name, from cling's library search path (paths added with
// `#pragma cling add_library_path`, LD_LIBRARY_PATH, the system's library paths). The
// header is not configured with the install path: a path baked in at configure time
// would be wrong in the build tree, after `cmake --install --prefix <elsewhere>` and for
// a relocated package (ember's CMake package and ember.pc are relocatable for the same
// reason). Cling must already be told where the headers are to find this one, so
// telling it where the library is is the same one step, and an install into a system
// prefix needs neither.
#pragma once

#ifdef __CLING__

#pragma cling load("libember")

#include <ember/ember.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>

namespace ember {
namespace detail {

template <class T>
std::string stream_text(const T& value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

// What Python's repr shows for the number `t.item()` returns in PyTorch: "0.5", "2.0",
// "1e-05", "3", "True". A float gets the fewest digits that read back as the same
// double, fixed-point unless its exponent is below -4 or at least 16.
inline std::string scalar_repr(const Scalar& s) {
  if (s.is_boolean()) return s.to_bool() ? "True" : "False";
  if (s.is_integral()) return std::to_string(s.to_int());
  double v = s.to_double();
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char sci[40];
  int digits = 1;
  for (; digits < 17; ++digits) {
    std::snprintf(sci, sizeof sci, "%.*e", digits - 1, v);
    if (std::strtod(sci, nullptr) == v) break;
  }
  std::snprintf(sci, sizeof sci, "%.*e", digits - 1, v);
  int exponent = std::atoi(std::strchr(sci, 'e') + 1);
  if (exponent < -4 || exponent >= 16) return sci;  // "1e-05", "1.5e+16", as Python
  char fixed[32];
  std::snprintf(fixed, sizeof fixed, "%.*f", digits - 1 - exponent > 0 ? digits - 1 - exponent : 0, v);
  std::string out = fixed;
  if (out.find('.') == std::string::npos) out += ".0";
  return out;
}

}  // namespace detail
}  // namespace ember

// cling prints the value of an expression with `cling::printValue(&value)`: the
// address of the value, as a pointer to its (possibly const) type.
namespace cling {

inline std::string printValue(const ember::Tensor* t) { return ember::detail::stream_text(*t); }

inline std::string printValue(const ember::Scalar* s) { return ember::detail::scalar_repr(*s); }

// Any module, with operator<<'s nested structure. A template on the non-const pointer
// that cling passes, so that it wins over cling's printer for iterable types, which
// would otherwise list Sequential's and ModuleList's children as a collection.
template <class M>
inline std::enable_if_t<std::is_base_of<ember::nn::Module, M>::value, std::string> printValue(M* m) {
  return ember::detail::stream_text(static_cast<const ember::nn::Module&>(*m));
}
// The same for a const Sequential or ModuleList, where the template above and cling's
// collection printer would both be exact matches: a non-template wins the tie.
inline std::string printValue(const ember::nn::SequentialImpl* m) {
  return ember::detail::stream_text(static_cast<const ember::nn::Module&>(*m));
}
inline std::string printValue(const ember::nn::ModuleListImpl* m) {
  return ember::detail::stream_text(static_cast<const ember::nn::Module&>(*m));
}

// A holder (nn::Linear, nn::Sequential) prints its module; an empty one is the null
// pointer it holds.
template <class Impl>
inline std::string printValue(const ember::nn::ModuleHolder<Impl>* h) {
  if (h->is_empty()) return "nullptr";
  return ember::detail::stream_text(*h->module_ptr());
}

// ember::Dtype needs nothing here: cling prints enumerations itself, by name.

}  // namespace cling

// xeus-cling's rich display: xcpp::display and the cell results call
// `mime_bundle_repr(value)`, found by argument-dependent lookup, for a JSON bundle of
// representations by MIME type. Defined only where nlohmann/json (which xeus-cling's
// bundles are) can be included, so that plain cling without it still gets the
// printValue overloads above; in plain cling the functions are simply never called.
#if __has_include(<nlohmann/json.hpp>)
#include <nlohmann/json.hpp>

namespace ember {

inline nlohmann::json mime_bundle_repr(const Tensor& t) {
  nlohmann::json bundle = nlohmann::json::object();
  bundle["text/plain"] = detail::stream_text(t);
  bundle["text/html"] = repr_html(t);
  return bundle;
}

namespace nn {

inline nlohmann::json mime_bundle_repr(const Module& m) {
  nlohmann::json bundle = nlohmann::json::object();
  bundle["text/plain"] = ember::detail::stream_text(m);
  bundle["text/html"] = repr_html(m);
  return bundle;
}

template <class Impl>
inline nlohmann::json mime_bundle_repr(const ModuleHolder<Impl>& h) {
  if (h.is_empty()) return nlohmann::json{{"text/plain", "nullptr"}};
  return mime_bundle_repr(*h.module_ptr());
}

// `auto net = std::make_shared<Net>(); net` shows the module, not a pointer.
template <class M, std::enable_if_t<std::is_base_of<Module, M>::value, int> = 0>
inline nlohmann::json mime_bundle_repr(const std::shared_ptr<M>& m) {
  if (!m) return nlohmann::json{{"text/plain", "nullptr"}};
  return mime_bundle_repr(static_cast<const Module&>(*m));
}

}  // namespace nn
}  // namespace ember
#endif  // __has_include(<nlohmann/json.hpp>)

#endif  // __CLING__
