#pragma once

#include <string>

namespace ember_repl {

// Inside a catch block: "ember::Error: matmul: ...", or "exception of type int" for an
// exception that is not a std::exception. Built with RTTI to name the dynamic type.
std::string describe_current_exception();

}  // namespace ember_repl
