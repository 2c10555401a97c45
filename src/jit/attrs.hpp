// Reading and printing a node's attributes, for the interpreter and the printer.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ember/jit.hpp"

namespace ember {
namespace jit {

// "Float", "Double", "Long", "Bool", as PyTorch prints types in graphs.
std::string dtype_type_name(Dtype dt);
std::string attr_str(const AttrValue& v);

// Typed reads of node n's attribute `name`; a missing or mistyped attribute is an
// ember::Error naming the op and the attribute (a graph built by hand can be wrong).
int64_t attr_int(const Node& n, const char* name);
double attr_double(const Node& n, const char* name);
bool attr_bool(const Node& n, const char* name);
std::vector<int64_t> attr_ints(const Node& n, const char* name);
std::string attr_string(const Node& n, const char* name);
Scalar attr_scalar(const Node& n, const char* name);
std::optional<Scalar> attr_optional_scalar(const Node& n, const char* name);
std::optional<Dtype> attr_optional_dtype(const Node& n, const char* name);
std::optional<int64_t> attr_optional_int(const Node& n, const char* name);

}  // namespace jit
}  // namespace ember
