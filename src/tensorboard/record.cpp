// CRC-32C (polynomial 0x1EDC6F41, reflected 0x82F63B78), record framing and event files.
// The CRC runs on the SSE4.2 crc32 instruction where the CPU has it (the same
// polynomial), else on a byte table.
#include "src/tensorboard/record.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "ember/error.hpp"
#include "src/tensorboard/proto.hpp"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace ember {
namespace tensorboard {
namespace detail {
namespace {

std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    table[i] = c;
  }
  return table;
}

uint32_t crc32c_table(uint32_t crc, const uint8_t* p, std::size_t n) {
  static const std::array<uint32_t, 256> table = make_table();
  for (std::size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(uint32_t crc, const uint8_t* p, std::size_t n) {
  uint64_t c = crc;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  for (; n > 0; --n, ++p) c32 = _mm_crc32_u8(c32, *p);
  return c32;
}
#endif

void put_le64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 8);
}
void put_le32(std::string& out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 4);
}

// PyTorch's EventFileWriter numbers its files with a process-wide counter, so that two
// writers opened in the same second in the same dir get different names.
std::atomic<uint64_t> file_counter{0};

}  // namespace

uint32_t crc32c(const void* data, std::size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
#if defined(__x86_64__)
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  if (hardware) return ~crc32c_sse42(0xffffffffu, p, size);
#endif
  return ~crc32c_table(0xffffffffu, p, size);
}

void append_record(std::string& out, std::string_view data) {
  const std::size_t start = out.size();
  put_le64(out, data.size());
  put_le32(out, masked_crc32c(out.data() + start, 8));
  out.append(data.data(), data.size());
  put_le32(out, masked_crc32c(data.data(), data.size()));
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  return buf;
}

EventFile::EventFile(const std::string& dir, const std::string& filename_suffix, double wall_time) : dir_(dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw Error(fmt::format("SummaryWriter: cannot create the log dir '{}': {}", dir,
                            ec ? ec.message() : std::string("not a directory")));
  path_ = fmt::format("{}/events.out.tfevents.{:010d}.{}.{}.{}{}", dir, static_cast<int64_t>(wall_time), host_name(),
                      static_cast<long>(getpid()), file_counter.fetch_add(1), filename_suffix);
  file_ = std::fopen(path_.c_str(), "wb");
  if (!file_)
    throw Error(fmt::format("SummaryWriter: cannot write to the log dir '{}': {} ({})", dir, std::strerror(errno),
                            path_));
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 16);
  // The first event names the format version (Event.file_version) and, as TensorBoard's
  // own writer does, the program that wrote the file (Event.source_metadata).
  Proto source;
  source.bytes(1, "ember.tensorboard");
  Proto event;
  event.float64(1, wall_time).bytes(3, "brain.Event:2").message(10, source);
  std::string framed;
  append_record(framed, event.str());
  if (!write(framed) || !flush()) {
    std::fclose(file_);
    file_ = nullptr;
    throw Error(fmt::format("SummaryWriter: cannot write to the log dir '{}' ({})", dir, path_));
  }
}

EventFile::~EventFile() { close(); }

bool EventFile::write(const std::string& framed) {
  if (!file_ || failed_) return false;
  if (std::fwrite(framed.data(), 1, framed.size(), file_) != framed.size()) failed_ = true;
  return !failed_;
}

bool EventFile::flush() {
  if (!file_ || failed_) return !failed_;
  if (std::fflush(file_) != 0) failed_ = true;
  return !failed_;
}

bool EventFile::close() {
  if (!file_) return !failed_;
  flush();
  if (std::fclose(file_) != 0) failed_ = true;
  file_ = nullptr;
  return !failed_;
}

}  // namespace detail
}  // namespace tensorboard
}  // namespace ember
