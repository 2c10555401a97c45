// The subset of the zip format torch.save uses: stored (uncompressed) entries, no
// encryption, no zip64. Writing aligns each entry's data to 64 bytes as torch does.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ember {
namespace io {

class ZipWriter {
 public:
  // Bytes go to `out`, in order, each call with a block and its size; the writer counts
  // them itself for the offsets the zip records.
  using Sink = std::function<void(const void*, std::size_t)>;
  explicit ZipWriter(Sink out) : out_(std::move(out)) {}
  void add(const std::string& name, const void* data, std::size_t size);
  void finish();  // central directory and end record

 private:
  struct Entry {
    std::string name;
    uint32_t crc, size, offset;
  };
  void emit(const void* data, std::size_t size);
  Sink out_;
  uint64_t pos_ = 0;
  std::vector<Entry> entries_;
};

// Validates the archive in `bytes` (which must outlive the reader): end record,
// central directory, local headers, data ranges inside the file and before the
// central directory, no two entries sharing bytes, and CRC-32s (each byte is hashed
// at most once, so validation costs time linear in the file size).
class ZipReader {
 public:
  struct Entry {
    std::string name;
    std::size_t offset, size;  // of the data in `bytes`
  };
  ZipReader(const std::string& bytes, const char* what);
  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(const std::string& name) const;
  const char* data(const Entry& e) const { return bytes_.data() + e.offset; }

 private:
  const std::string& bytes_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> index_;  // name -> position in entries_
};

}  // namespace io
}  // namespace ember
