#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
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
std::string base_name(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

constexpr int kRandomDigits = 16;

// The pid in "<base>.tmp-<pid>-<16 hex digits>", or 0 when `name` is not exactly that.
long temp_owner(const std::string& name, const std::string& base) {
  const std::string head = base + ".tmp-";
  if (name.size() <= head.size() || name.compare(0, head.size(), head) != 0) return 0;
  std::size_t p = head.size();
  long pid = 0;
  std::size_t digits = 0;
  while (p < name.size() && name[p] >= '0' && name[p] <= '9' && digits < 9) {
    pid = pid * 10 + (name[p++] - '0');
    ++digits;
  }
  if (digits == 0 || name[head.size()] == '0' || p >= name.size() || name[p++] != '-') return 0;
  if (name.size() - p != kRandomDigits) return 0;
  for (; p < name.size(); ++p)
    if (!((name[p] >= '0' && name[p] <= '9') || (name[p] >= 'a' && name[p] <= 'f'))) return 0;
  return pid;
}

// Removes the temporaries that saves to `path` left behind when their process died
// (SIGKILL, a crash, a power cut): without this a crash-looping job would leave one
// checkpoint-sized file per attempt. A temporary is stale only when its process is
// gone (kill(pid, 0) fails with ESRCH) and no one holds the lock every writer keeps
// on its temporary: the lock also covers writers on other machines or in other pid
// namespaces sharing the directory, whose pids mean nothing here. Best effort: it
// never throws, and a file it cannot judge stays.
void remove_stale_temps(const std::string& path) {
  const std::string dir = directory_of(path), base = base_name(path);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;
  DIR* d = ::fdopendir(dfd);
  if (d == nullptr) {
    ::close(dfd);
    return;
  }
  while (const dirent* ent = ::readdir(d)) {
    const std::string name = ent->d_name;
    const long pid = temp_owner(name, base);
    if (pid <= 0 || pid == static_cast<long>(::getpid())) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    int fd = ::openat(dfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::flock(fd, LOCK_EX | LOCK_NB) == 0)
      ::unlinkat(dfd, name.c_str(), 0);
    ::close(fd);
  }
  ::closedir(d);  // closes dfd
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
  remove_stale_temps(path);
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, ".tmp-%ld-%0*llx", static_cast<long>(::getpid()), kRandomDigits,
                static_cast<unsigned long long>(gen()));
  temp_ = path + suffix;
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw Error(std::string(what_) + ": cannot create '" + temp_ + "' to write '" + path_ + "': " + errno_text());
  // Held until the descriptor closes (or the process dies): tells remove_stale_temps
  // that this temporary is in use. Where locks are unsupported the pid check remains.
  ::flock(fd_, LOCK_EX | LOCK_NB);
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
