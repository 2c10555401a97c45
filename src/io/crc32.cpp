#include "src/io/crc32.hpp"

#include <zlib.h>

#include <algorithm>

namespace ember {
namespace io {

uint32_t crc32(const void* data, std::size_t size, uint32_t crc) {
  // zlib's length is an unsigned int; larger buffers go in pieces.
  const auto* p = static_cast<const Bytef*>(data);
  uLong c = crc;
  while (size > 0) {
    const std::size_t chunk = std::min<std::size_t>(size, std::size_t(1) << 30);
    c = ::crc32(c, p, static_cast<uInt>(chunk));
    p += chunk;
    size -= chunk;
  }
  return static_cast<uint32_t>(c);
}

}  // namespace io
}  // namespace ember
