#include "tools/board/records.hpp"

#include "tools/board/crc32c.hpp"

namespace ember::board {
namespace {

uint64_t load_le(std::string_view bytes, size_t at, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

void store_le(std::string& out, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

RecordScan scan_records(std::string_view bytes, uint64_t base_offset) {
  RecordScan scan;
  size_t at = 0;
  while (true) {
    if (bytes.size() - at < 12) break;  // no complete header yet
    std::string_view header = bytes.substr(at, 8);
    if (static_cast<uint32_t>(load_le(bytes, at + 8, 4)) != masked_crc32c(header)) {
      scan.corrupt = true;
      scan.corrupt_offset = base_offset + at;
      scan.corrupt_reason = "bad CRC of the record length";
      break;
    }
    uint64_t length = load_le(bytes, at, 8);
    if (length > bytes.size() - at - 12 || bytes.size() - at - 12 - length < 4) break;  // data still being written
    std::string_view data = bytes.substr(at + 12, static_cast<size_t>(length));
    if (static_cast<uint32_t>(load_le(bytes, at + 12 + length, 4)) != masked_crc32c(data)) {
      scan.corrupt = true;
      scan.corrupt_offset = base_offset + at;
      scan.corrupt_reason = "bad CRC of the record data";
      break;
    }
    scan.records.emplace_back(data);
    at += 16 + static_cast<size_t>(length);
    scan.consumed = at;
  }
  return scan;
}

std::string frame_record(std::string_view data) {
  std::string out;
  std::string length;
  store_le(length, data.size(), 8);
  out += length;
  store_le(out, masked_crc32c(length), 4);
  out += data;
  store_le(out, masked_crc32c(data), 4);
  return out;
}

}  // namespace ember::board
