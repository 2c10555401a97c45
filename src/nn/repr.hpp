// Python's spellings for the values modules print in their extra_repr, so that a printed
// model reads exactly as PyTorch prints it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ember/tensor.hpp"

namespace ember {
namespace nn {
namespace repr {

inline const char* py_bool(bool b) { return b ? "True" : "False"; }
// repr(float): shortest round-trip digits; exponent form below 1e-4 and from 1e16
// ("1e-05", "0.1", "1.0").
std::string py_float(double v);
// A Python tuple: "(3,)", "(3, 3)".
std::string py_tuple(IntArrayRef values);
// An int when one value was given, a tuple otherwise (how pooling modules keep them).
std::string py_int_or_tuple(IntArrayRef values);
// "[2, 3]" for error messages.
std::string shape_str(IntArrayRef sizes);

}  // namespace repr
}  // namespace nn
}  // namespace ember
