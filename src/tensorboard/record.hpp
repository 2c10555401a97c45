// TFRecord framing and the event file itself (docs/TENSORBOARD_FORMAT.md, "Records"
// and "File name").
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace ember {
namespace tensorboard {
namespace detail {

// CRC-32C (Castagnoli) of `data`, and the masked form the record format stores.
uint32_t crc32c(const void* data, std::size_t size);
inline uint32_t masked_crc32c(const void* data, std::size_t size) {
  const uint32_t crc = crc32c(data, size);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

// Appends one record: length (uint64 LE), masked CRC of those 8 bytes, the data, masked
// CRC of the data.
void append_record(std::string& out, std::string_view data);

// The host name as PyTorch's socket.gethostname() gives it.
std::string host_name();

// One event file: events.out.tfevents.<seconds, 10 digits>.<host>.<pid>.<n><suffix> in
// `dir` (created with its parents). The constructor writes the file_version event and
// flushes it, so a dir that cannot be written fails here, with an ember::Error naming it.
class EventFile {
 public:
  EventFile(const std::string& dir, const std::string& filename_suffix, double wall_time);
  ~EventFile();
  EventFile(const EventFile&) = delete;
  EventFile& operator=(const EventFile&) = delete;

  // Writes framed records (already framed by append_record). False once a write failed.
  bool write(const std::string& framed);
  bool flush();
  bool close();
  const std::string& path() const { return path_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_, path_;
  std::FILE* file_ = nullptr;
  bool failed_ = false;
};

}  // namespace detail
}  // namespace tensorboard
}  // namespace ember
