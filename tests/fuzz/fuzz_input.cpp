#include "tests/fuzz/fuzz_input.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "ember/data/mnist.hpp"
#include "ember/data/wordlist.hpp"
#include "ember/error.hpp"
#include "src/io/formats.hpp"
#include "src/io/zip.hpp"

namespace ember {
namespace fuzz {

namespace {

// The bytes as a file without touching the disk: an anonymous memory file, opened
// again through /proc by the parsers that take a path.
class MemoryFile {
 public:
  MemoryFile(const uint8_t* data, std::size_t size) {
    fd_ = ::memfd_create("ember-fuzz", MFD_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("memfd_create failed");
    std::size_t done = 0;
    while (done < size) {
      ssize_t n = ::write(fd_, data + done, size - done);
      if (n <= 0) throw std::runtime_error("write to memfd failed");
      done += static_cast<std::size_t>(n);
    }
  }
  ~MemoryFile() { ::close(fd_); }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_ = -1;
};

}  // namespace

void parse_safetensors(const uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  Metadata meta;
  io::load_safetensors(bytes, "fuzz.safetensors", &meta);
}

void parse_torch(const uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  bool bare = false;
  io::load_torch(bytes, "fuzz.pt", &bare);
}

void parse_pickle(const uint8_t* data, std::size_t size) {
  // Storages "0".."3" of 0, 8, 64 and 256 bytes for the pickle's persistent ids.
  std::string archive;
  io::ZipWriter zip([&](const void* p, std::size_t n) { archive.append(static_cast<const char*>(p), n); });
  zip.add("archive/data.pkl", data, size);
  zip.add("archive/byteorder", "little", 6);
  const std::string storage(256, '\x01');
  const std::size_t sizes[] = {0, 8, 64, 256};
  for (int k = 0; k < 4; ++k) zip.add("archive/data/" + std::to_string(k), storage.data(), sizes[k]);
  zip.add("archive/version", "3\n", 2);
  zip.finish();
  bool bare = false;
  io::load_torch(archive, "fuzz.pt", &bare);
}

void parse_idx(const uint8_t* data, std::size_t size) {
  MemoryFile file(data, size);
  data::read_idx(file.path());
}

void parse_wordlist(const uint8_t* data, std::size_t size) {
  MemoryFile file(data, size);
  data::WordList words(file.path(), 3, 7);
  for (const std::string& w : words.words()) {
    if (data::WordList::decode(data::WordList::encode(w)) != w) throw std::logic_error("encode/decode mismatch");
  }
  if (words.train().size() + words.held_out().size() != words.words().size())
    throw std::logic_error("the split lost words");
}

Parser parser_named(const std::string& target) {
  if (target == "safetensors") return parse_safetensors;
  if (target == "torch") return parse_torch;
  if (target == "pickle") return parse_pickle;
  if (target == "idx") return parse_idx;
  if (target == "wordlist") return parse_wordlist;
  return nullptr;
}

}  // namespace fuzz
}  // namespace ember
