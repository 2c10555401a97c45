#include "src/nn/repr.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ember {
namespace nn {
namespace repr {

std::string py_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  // The fewest significant digits that read back as the same double.
  char buf[64];
  int digits = 1;
  for (; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  // buf is "[-]d.ddde[+-]xx": split into sign, digit string and decimal exponent.
  std::string s(buf);
  bool neg = s[0] == '-';
  if (neg) s.erase(0, 1);
  std::size_t e = s.find('e');
  int exp10 = std::atoi(s.c_str() + e + 1);
  std::string mant;
  for (std::size_t i = 0; i < e; ++i)
    if (s[i] != '.') mant += s[i];
  while (mant.size() > 1 && mant.back() == '0') mant.pop_back();

  std::string out = neg ? "-" : "";
  if (exp10 < -4 || exp10 >= 16) {
    out += mant.substr(0, 1);
    if (mant.size() > 1) out += "." + mant.substr(1);
    char ex[16];
    std::snprintf(ex, sizeof ex, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
    return out + ex;
  }
  if (exp10 < 0) return out + "0." + std::string(static_cast<std::size_t>(-exp10 - 1), '0') + mant;
  std::size_t int_digits = static_cast<std::size_t>(exp10) + 1;
  if (mant.size() <= int_digits) return out + mant + std::string(int_digits - mant.size(), '0') + ".0";
  return out + mant.substr(0, int_digits) + "." + mant.substr(int_digits);
}

std::string py_tuple(IntArrayRef values) {
  std::string out = "(";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
  return out + (values.size() == 1 ? ",)" : ")");
}

std::string py_int_or_tuple(IntArrayRef values) {
  return values.size() == 1 ? std::to_string(values[0]) : py_tuple(values);
}

std::string shape_str(IntArrayRef sizes) {
  std::string out = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) out += (i ? ", " : "") + std::to_string(sizes[i]);
  return out + "]";
}

}  // namespace repr
}  // namespace nn
}  // namespace ember
