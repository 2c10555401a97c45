// CRC-32C (Castagnoli), the checksum of TFRecord framing, and TensorFlow's masking of it.
#pragma once
#include <cstdint>
#include <string_view>

namespace ember::board {

uint32_t crc32c(std::string_view bytes);

// TFRecord stores masked CRCs so that a CRC of data that itself holds CRCs stays strong:
// rotate right by 15 bits and add a constant.
inline uint32_t mask_crc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

inline uint32_t masked_crc32c(std::string_view bytes) { return mask_crc(crc32c(bytes)); }

}  // namespace ember::board
