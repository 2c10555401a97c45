// Little-endian integer reads and writes on byte buffers (the file formats are
// little-endian whatever the host is).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace ember {
namespace io {

inline uint64_t get_le(const char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
inline void put_le(std::string& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// a * b and a + b for sizes, false on overflow past `limit`.
inline bool mul_within(uint64_t a, uint64_t b, uint64_t limit, uint64_t* out) {
  if (a != 0 && b > limit / a) return false;
  *out = a * b;
  return *out <= limit;
}
inline bool add_within(uint64_t a, uint64_t b, uint64_t limit, uint64_t* out) {
  if (a > limit || b > limit - a) return false;
  *out = a + b;
  return true;
}

// Whether a tensor of these (non-negative) sizes can exist: its contiguous strides and
// its byte count must fit in int64. A zero size makes the element count 0 but leaves
// the other dims' strides as large as ever, so zeros count as 1 here: [0, 2^40, 2^40]
// is refused although it holds no element.
template <class Sizes>
bool extent_fits(const Sizes& sizes, uint64_t element_size) {
  uint64_t span = element_size;
  for (auto s : sizes) {
    uint64_t d = static_cast<uint64_t>(s);
    if (!mul_within(span, d > 1 ? d : 1, uint64_t(INT64_MAX), &span)) return false;
  }
  return true;
}

}  // namespace io
}  // namespace ember
