#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "ember/error.hpp"
#include "src/io/file.hpp"

namespace ember {
namespace io {

namespace {
std::atomic<int64_t> g_fault_after{-1};

std::string errno_text() { return std::strerror(errno); }

std::string directory_of(const std::string& path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}
}  // namespace

void set_write_fault_after(int64_t bytes) { g_fault_after = bytes; }

std::string read_file(const std::string& path, const char* what) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(std::string(what) + ": cannot open '" + path + "': " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(std::string(what) + ": '" + path + "' is not a regular file");
  }
  // The size is the stat'ed one: nothing read later can make us allocate more.
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::read(fd, &bytes[got], bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string err = n < 0 ? errno_text() : "file shrank while reading";
      ::close(fd);
      throw Error(std::string(what) + ": cannot read '" + path + "': " + err);
    }
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return bytes;
}

AtomicFile::AtomicFile(const std::string& path, const char* what) : path_(path), what_(what) {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, ".tmp-%ld-%016llx", static_cast<long>(::getpid()),
                static_cast<unsigned long long>(gen()));
  temp_ = path + suffix;
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw Error(std::string(what_) + ": cannot create '" + temp_ + "' to write '" + path_ + "': " + errno_text());
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
}

void AtomicFile::fail(const std::string& message) {
  std::string err = errno_text();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_.c_str());
  throw Error(std::string(what_) + ": cannot write '" + path_ + "': " + message + ": " + err);
}

void AtomicFile::write(const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  int64_t fault = g_fault_after.load();
  while (size > 0) {
    std::size_t chunk = size;
    if (fault >= 0) {
      if (written_ >= static_cast<uint64_t>(fault)) {
        errno = ENOSPC;
        fail("write failed");
      }
      chunk = std::min<uint64_t>(chunk, static_cast<uint64_t>(fault) - written_);
    }
    ssize_t n = ::write(fd_, p, chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write failed");
    p += n;
    size -= static_cast<std::size_t>(n);
    written_ += static_cast<uint64_t>(n);
  }
}

void AtomicFile::pad_to(uint64_t offset) {
  static const char zeros[64] = {};
  while (written_ < offset) write(zeros, static_cast<std::size_t>(std::min<uint64_t>(64, offset - written_)));
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) fail("fsync failed");
  if (::close(fd_) != 0) {
    fd_ = -1;
    fail("close failed");
  }
  fd_ = -1;
  if (::rename(temp_.c_str(), path_.c_str()) != 0) fail("rename failed");
  committed_ = true;
  // Makes the rename itself durable; a failure here no longer risks the data.
  int dir = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace io
}  // namespace ember
