// TFRecord framing of event files: each record is
//   uint64 length (little-endian), uint32 masked CRC-32C of those 8 bytes,
//   `length` bytes of data, uint32 masked CRC-32C of the data.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ember::board {

struct RecordScan {
  // The data of each complete record whose CRCs match, in file order.
  std::vector<std::string> records;
  // Bytes taken by those records: where the next read continues. A truncated last record
  // (a writer may still be writing it) is not counted and is not an error.
  uint64_t consumed = 0;
  // A record whose CRC does not match: nothing after it can be trusted.
  bool corrupt = false;
  uint64_t corrupt_offset = 0;  // of the bad record's start, counted from base_offset
  std::string corrupt_reason;
};

// Splits `bytes` (a file's content from base_offset on) into records.
RecordScan scan_records(std::string_view bytes, uint64_t base_offset = 0);

// One framed record (for tests and tools that write event files).
std::string frame_record(std::string_view data);

}  // namespace ember::board
