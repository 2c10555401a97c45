// Whole-file reads and atomic writes for checkpoints.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace ember {
namespace io {

// The file's bytes. `what` names the calling function in error messages.
std::string read_file(const std::string& path, const char* what);

// Writes "<path>.tmp-<pid>-<random>" in the target's directory, and on commit() fsyncs
// it and renames it over the target (then fsyncs the directory). Destroyed without
// commit(), or on any failure, it removes the temporary file, so an existing file at
// `path` is either replaced whole or left as it was. A process killed mid-write cannot
// clean up, so the constructor first removes such leftovers for the same `path`:
// files named exactly "<name>.tmp-<pid>-<16 hex digits>" whose process no longer
// exists and which no writer holds locked.
class AtomicFile {
 public:
  AtomicFile(const std::string& path, const char* what);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  void write(const void* data, std::size_t size);
  void write(const std::string& s) { write(s.data(), s.size()); }
  void pad_to(uint64_t offset);  // zero bytes up to an absolute offset
  uint64_t offset() const { return written_; }
  void commit();
  const std::string& temp_path() const { return temp_; }

 private:
  [[noreturn]] void fail(const std::string& message);
  std::string path_, temp_;
  const char* what_;
  int fd_ = -1;
  uint64_t written_ = 0;
  bool committed_ = false;
};

// For tests: every AtomicFile write past `bytes` total fails as if the disk were full
// (-1 turns this off). Lets a test interrupt a save midway.
void set_write_fault_after(int64_t bytes);

}  // namespace io
}  // namespace ember
