#include "src/jit/attrs.hpp"

#include <sstream>

#include "src/core/check.hpp"

namespace ember {
namespace jit {

std::string dtype_type_name(Dtype dt) {
  switch (dt) {
    case Dtype::Float32: return "Float";
    case Dtype::Float64: return "Double";
    case Dtype::Int64: return "Long";
    case Dtype::Bool: return "Bool";
    case Dtype::Int32: return "Int";
    case Dtype::Int16: return "Short";
    case Dtype::Int8: return "Char";
    case Dtype::UInt8: return "Byte";
    case Dtype::Float16: return "Half";
    case Dtype::BFloat16: return "BFloat16";
  }
  return dtype_name(dt);
}

std::string attr_str(const AttrValue& v) {
  std::ostringstream os;
  std::visit(
      [&](const auto& x) {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, std::monostate>) {
          os << "None";
        } else if constexpr (std::is_same_v<X, std::vector<int64_t>>) {
          os << "[";
          for (std::size_t i = 0; i < x.size(); ++i) os << (i ? ", " : "") << x[i];
          os << "]";
        } else if constexpr (std::is_same_v<X, std::string>) {
          os << '"' << x << '"';
        } else if constexpr (std::is_same_v<X, Scalar>) {
          if (x.is_floating_point())
            os << x.to_double();
          else if (x.is_boolean())
            os << (x.to_bool() ? "True" : "False");
          else
            os << x.to_int();
        } else if constexpr (std::is_same_v<X, Dtype>) {
          os << dtype_name(x);
        } else if constexpr (std::is_same_v<X, bool>) {
          os << (x ? "True" : "False");
        } else {
          os << x;
        }
      },
      v);
  return os.str();
}

namespace {
const AttrValue& need(const Node& n, const char* name) {
  const AttrValue* v = n.attr(name);
  EMBER_CHECK(v != nullptr, "jit: node {} has no attribute '{}'", n.op, name);
  return *v;
}
template <class T>
const T& need_as(const Node& n, const char* name, const char* type) {
  const AttrValue& v = need(n, name);
  const T* x = std::get_if<T>(&v);
  EMBER_CHECK(x != nullptr, "jit: attribute '{}' of node {} should be {}, got {}", name, n.op, type, attr_str(v));
  return *x;
}
}  // namespace

int64_t attr_int(const Node& n, const char* name) { return need_as<int64_t>(n, name, "an integer"); }
double attr_double(const Node& n, const char* name) {
  const AttrValue& v = need(n, name);
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return need_as<double>(n, name, "a number");
}
bool attr_bool(const Node& n, const char* name) { return need_as<bool>(n, name, "a bool"); }
std::vector<int64_t> attr_ints(const Node& n, const char* name) {
  return need_as<std::vector<int64_t>>(n, name, "a list of integers");
}
std::string attr_string(const Node& n, const char* name) { return need_as<std::string>(n, name, "a string"); }
Scalar attr_scalar(const Node& n, const char* name) { return need_as<Scalar>(n, name, "a scalar"); }
std::optional<Scalar> attr_optional_scalar(const Node& n, const char* name) {
  const AttrValue& v = need(n, name);
  if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
  return need_as<Scalar>(n, name, "a scalar or None");
}
std::optional<Dtype> attr_optional_dtype(const Node& n, const char* name) {
  const AttrValue& v = need(n, name);
  if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
  return need_as<Dtype>(n, name, "a dtype or None");
}
std::optional<int64_t> attr_optional_int(const Node& n, const char* name) {
  const AttrValue& v = need(n, name);
  if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
  return need_as<int64_t>(n, name, "an integer or None");
}

}  // namespace jit
}  // namespace ember
