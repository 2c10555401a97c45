#include "src/io/zip.hpp"

#include <zlib.h>

#include <algorithm>

#include "src/core/check.hpp"
#include "src/io/bytes.hpp"

namespace ember {
namespace io {

namespace {
// The zip CRC-32 (IEEE 802.3), zlib's; crc32_z takes a size_t length.
uint32_t crc32_of(const void* data, std::size_t size) {
  return static_cast<uint32_t>(crc32_z(0, static_cast<const Bytef*>(data), size));
}

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint16_t kUtf8Flag = 0x0800;
constexpr uint16_t kDosDate = 0x0021;  // 1980-01-01: zip has no earlier date
constexpr std::size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22, kAlign = 64;
}  // namespace

void ZipWriter::emit(const void* data, std::size_t size) {
  out_(data, size);
  pos_ += size;
}

void ZipWriter::add(const std::string& name, const void* data, std::size_t size) {
  EMBER_CHECK(size <= 0xFFFFFFFEu && pos_ <= 0xFFFFFFFEu && name.size() <= 0xFFFF,
              "save: entry '{}' of {} bytes needs zip64, which is not supported (files up to 4 GiB)", name,
              size);
  // torch pads the local header's extra field (id "FB", filled with 'Z') so that the
  // data starts on a 64-byte boundary: storages can then be used in place.
  uint64_t unpadded = pos_ + kLocalSize + name.size() + 4;
  std::size_t pad = static_cast<std::size_t>((kAlign - unpadded % kAlign) % kAlign);
  uint32_t crc = crc32_of(data, size);
  std::string h;
  put_le(h, kLocalSig, 4);
  put_le(h, 20, 2);  // version needed: 2.0
  put_le(h, kUtf8Flag, 2);
  put_le(h, 0, 2);  // stored
  put_le(h, 0, 2);  // time
  put_le(h, kDosDate, 2);
  put_le(h, crc, 4);
  put_le(h, size, 4);
  put_le(h, size, 4);
  put_le(h, name.size(), 2);
  put_le(h, 4 + pad, 2);
  h += name;
  put_le(h, 0x4246, 2);  // "FB"
  put_le(h, pad, 2);
  h.append(pad, 'Z');
  entries_.push_back({name, crc, static_cast<uint32_t>(size), static_cast<uint32_t>(pos_)});
  emit(h.data(), h.size());
  emit(data, size);
}

void ZipWriter::finish() {
  EMBER_CHECK(pos_ <= 0xFFFFFFFEu && entries_.size() < 0xFFFF,
              "save: archive of {} bytes and {} entries needs zip64, which is not supported", pos_,
              entries_.size());
  uint64_t cd_offset = pos_;
  std::string cd;
  for (const Entry& e : entries_) {
    put_le(cd, kCentralSig, 4);
    put_le(cd, 20, 2);  // made by: 2.0
    put_le(cd, 20, 2);  // needed: 2.0
    put_le(cd, kUtf8Flag, 2);
    put_le(cd, 0, 2);
    put_le(cd, 0, 2);
    put_le(cd, kDosDate, 2);
    put_le(cd, e.crc, 4);
    put_le(cd, e.size, 4);
    put_le(cd, e.size, 4);
    put_le(cd, e.name.size(), 2);
    put_le(cd, 0, 2);  // extra
    put_le(cd, 0, 2);  // comment
    put_le(cd, 0, 2);  // disk
    put_le(cd, 0, 2);  // internal attributes
    put_le(cd, 0, 4);  // external attributes
    put_le(cd, e.offset, 4);
    cd += e.name;
  }
  const std::size_t cd_size = cd.size();
  EMBER_CHECK(cd_offset + cd_size <= 0xFFFFFFFEu, "save: archive needs zip64, which is not supported");
  put_le(cd, kEndSig, 4);
  put_le(cd, 0, 2);
  put_le(cd, 0, 2);
  put_le(cd, entries_.size(), 2);
  put_le(cd, entries_.size(), 2);
  put_le(cd, cd_size, 4);
  put_le(cd, cd_offset, 4);
  put_le(cd, 0, 2);
  emit(cd.data(), cd.size());
}

ZipReader::ZipReader(const std::string& bytes, const char* what) : bytes_(bytes) {
  const std::size_t n = bytes.size();
  const char* b = bytes.data();
  EMBER_CHECK(n >= kEndSize, "{}: zip archive of {} bytes is too short for an end record", what, n);
  // The end record sits at the very end, after an optional comment of up to 64 KiB.
  std::size_t end = std::string::npos;
  std::size_t lowest = n - kEndSize > 0xFFFF ? n - kEndSize - 0xFFFF : 0;
  for (std::size_t p = n - kEndSize + 1; p-- > lowest;) {
    if (get_le(b + p, 4) == kEndSig && p + kEndSize + get_le(b + p + 20, 2) == n) {
      end = p;
      break;
    }
  }
  EMBER_CHECK(end != std::string::npos, "{}: no zip end record (truncated or not a zip archive)", what);
  uint64_t disk = get_le(b + end + 4, 2), cd_disk = get_le(b + end + 6, 2);
  uint64_t count_here = get_le(b + end + 8, 2), count = get_le(b + end + 10, 2);
  uint64_t cd_size = get_le(b + end + 12, 4), cd_offset = get_le(b + end + 16, 4);
  EMBER_CHECK(count != 0xFFFF && cd_size != 0xFFFFFFFF && cd_offset != 0xFFFFFFFF,
              "{}: zip64 archives are not supported", what);
  EMBER_CHECK(disk == 0 && cd_disk == 0 && count_here == count, "{}: multi-disk zip archives are not supported",
              what);
  // (torch's writer also puts zip64 end records before the classic one; they repeat
  // the same numbers, so the classic record is enough.)
  EMBER_CHECK(cd_offset <= end && cd_size <= end - cd_offset,
              "{}: zip central directory [{}, +{}) lies outside the archive", what, cd_offset, cd_size);
  EMBER_CHECK(count <= cd_size / kCentralSize, "{}: zip central directory of {} bytes cannot hold {} entries",
              what, cd_size, count);
  // First the directory and each local header (constant work per entry), then the
  // ranges, then the data: every entry must own its bytes, so hostile archives whose
  // entries share or overlap data cannot make the CRC checks cost more than one pass
  // over the file.
  struct Span {
    uint64_t local, end, crc;  // [local header, end of data)
    std::size_t entry;
  };
  std::vector<Span> spans;
  std::size_t p = static_cast<std::size_t>(cd_offset);
  const std::size_t cd_end = static_cast<std::size_t>(cd_offset + cd_size);
  for (uint64_t i = 0; i < count; ++i) {
    EMBER_CHECK(p + kCentralSize <= cd_end && get_le(b + p, 4) == kCentralSig,
                "{}: zip central directory entry {} is damaged", what, i);
    uint64_t flags = get_le(b + p + 8, 2), method = get_le(b + p + 10, 2);
    uint64_t crc = get_le(b + p + 16, 4), csize = get_le(b + p + 20, 4), usize = get_le(b + p + 24, 4);
    uint64_t name_len = get_le(b + p + 28, 2), extra_len = get_le(b + p + 30, 2), comment_len = get_le(b + p + 32, 2);
    uint64_t local = get_le(b + p + 42, 4);
    EMBER_CHECK(p + kCentralSize + name_len + extra_len + comment_len <= cd_end,
                "{}: zip central directory entry {} runs past the directory", what, i);
    std::string name(b + p + kCentralSize, static_cast<std::size_t>(name_len));
    EMBER_CHECK(csize != 0xFFFFFFFF && usize != 0xFFFFFFFF && local != 0xFFFFFFFF,
                "{}: zip entry '{}' uses zip64, which is not supported", what, name);
    EMBER_CHECK((flags & 1) == 0, "{}: zip entry '{}' is encrypted", what, name);
    EMBER_CHECK(method == 0 && csize == usize,
                "{}: zip entry '{}' is compressed (method {}); only stored entries are supported", what, name,
                method);
    EMBER_CHECK(index_.emplace(name, entries_.size()).second, "{}: zip entry '{}' appears twice", what, name);
    // The local header repeats the name; its sizes may be zero (data descriptor), so
    // the central directory's are the ones used.
    EMBER_CHECK(local <= cd_offset && kLocalSize <= cd_offset - local && get_le(b + local, 4) == kLocalSig,
                "{}: zip entry '{}' has no local header at offset {}", what, name, local);
    uint64_t lname = get_le(b + local + 26, 2), lextra = get_le(b + local + 28, 2);
    uint64_t data = local + kLocalSize + lname + lextra;
    EMBER_CHECK(get_le(b + local + 8, 2) == 0 && lname == name_len && data <= cd_offset && usize <= cd_offset - data &&
                    name.compare(0, std::string::npos, b + local + kLocalSize, static_cast<std::size_t>(lname)) == 0,
                "{}: zip entry '{}': local header or data [{}, +{}) is damaged or runs into the central directory",
                what, name, data, usize);
    spans.push_back({local, data + usize, crc, entries_.size()});
    entries_.push_back({std::move(name), static_cast<std::size_t>(data), static_cast<std::size_t>(usize)});
    p += static_cast<std::size_t>(kCentralSize + name_len + extra_len + comment_len);
  }
  std::sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) { return x.local < y.local; });
  for (std::size_t k = 1; k < spans.size(); ++k) {
    const Span &prev = spans[k - 1], &next = spans[k];
    EMBER_CHECK(prev.end <= next.local, "{}: zip entries '{}' [{}, {}) and '{}' [{}, {}) overlap", what,
                entries_[prev.entry].name, prev.local, prev.end, entries_[next.entry].name, next.local, next.end);
  }
  for (const Span& s : spans) {
    const Entry& e = entries_[s.entry];
    uint32_t actual = crc32_of(b + e.offset, e.size);
    EMBER_CHECK(actual == s.crc, "{}: zip entry '{}' is corrupt: CRC-32 {:08x}, expected {:08x}", what, e.name,
                actual, s.crc);
  }
}

const ZipReader::Entry* ZipReader::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

}  // namespace io
}  // namespace ember
