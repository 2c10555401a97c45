// CRC-32 (the zip / IEEE 802.3 polynomial), for the torch.save archive; zlib computes it.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ember {
namespace io {

// Continues a running CRC: crc32(b, nb, crc32(a, na)) == crc32(a+b).
uint32_t crc32(const void* data, std::size_t size, uint32_t crc = 0);

}  // namespace io
}  // namespace ember
