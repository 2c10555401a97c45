#include "src/distributed/tcp_store.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ember/error.hpp"

namespace ember {
namespace distributed {
namespace detail {
namespace {
using Clock = std::chrono::steady_clock;

// Writes all of it; false when the peer is gone.
bool write_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}
// Reads all of it before the deadline (none: wait forever); false on EOF, error or time.
bool read_all(int fd, void* data, size_t n, const Clock::time_point* deadline) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    int wait_ms = -1;
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      if (left <= 0) return false;
      wait_ms = static_cast<int>(std::min<long long>(left, 1 << 30));
    }
    pollfd pfd{fd, POLLIN, 0};
    int r = ::poll(&pfd, 1, wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ssize_t k = ::recv(fd, p, n, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}
bool write_blob(int fd, const void* data, uint32_t n) { return write_all(fd, &n, 4) && write_all(fd, data, n); }
bool read_blob(int fd, std::vector<char>& out, const Clock::time_point* deadline) {
  uint32_t n = 0;
  if (!read_all(fd, &n, 4, deadline)) return false;
  out.resize(n);
  return read_all(fd, out.data(), n, deadline);
}
constexpr char kSet = 'S', kGet = 'G';
}  // namespace

// ---- server ----
TcpStoreServer::TcpStoreServer(int port, int /*expected_clients*/) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw Error(fmt::format("init_process_group: socket: {}", std::strerror(errno)));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 128) != 0) {
    int err = errno;
    ::close(listen_fd_);
    throw Error(fmt::format("init_process_group: rank 0 cannot listen on MASTER_PORT {}: {}", port,
                            std::strerror(err)));
  }
  acceptor_ = std::thread([this] { accept_loop(); });
}

TcpStoreServer::~TcpStoreServer() {
  {
    // Under the mutex, so that a get waiting on set_cv_ cannot miss the wake-up.
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    for (int fd : client_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  set_cv_.notify_all();
  ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& t : threads_) t.join();
  ::close(listen_fd_);
  for (int fd : client_fds_) ::close(fd);
}

void TcpStoreServer::accept_loop() {
  while (!stopping_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      ::close(fd);
      break;
    }
    client_fds_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void TcpStoreServer::serve(int fd) {
  for (;;) {
    char kind = 0;
    std::vector<char> key, value;
    if (!read_all(fd, &kind, 1, nullptr) || !read_blob(fd, key, nullptr)) return;
    std::string k(key.begin(), key.end());
    if (kind == kSet) {
      if (!read_blob(fd, value, nullptr)) return;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        values_[k] = std::move(value);
      }
      set_cv_.notify_all();
      char ack = 1;
      if (!write_all(fd, &ack, 1)) return;
    } else if (kind == kGet) {
      std::unique_lock<std::mutex> lock(mutex_);
      set_cv_.wait(lock, [&] { return stopping_ || values_.count(k) > 0; });
      if (stopping_) return;
      value = values_[k];
      lock.unlock();
      if (!write_blob(fd, value.data(), static_cast<uint32_t>(value.size()))) return;
    } else {
      return;
    }
  }
}

// ---- client ----
TcpStore::TcpStore(const std::string& host, int port, std::chrono::milliseconds timeout) : timeout_(timeout) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  if (int e = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res); e != 0 || !res)
    throw Error(fmt::format("init_process_group: cannot resolve MASTER_ADDR {}: {}", host, gai_strerror(e)));
  auto deadline = Clock::now() + timeout;
  // Rank 0 may not listen yet: retry until the timeout.
  for (;;) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ >= 0 && ::connect(fd_, res->ai_addr, res->ai_addrlen) == 0) break;
    int err = errno;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (Clock::now() >= deadline) {
      ::freeaddrinfo(res);
      throw Error(fmt::format("init_process_group: no store at {}:{} (rank 0) within {} ms: {}", host, port,
                              timeout.count(), std::strerror(err)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::freeaddrinfo(res);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

TcpStore::~TcpStore() {
  if (fd_ >= 0) ::close(fd_);
}

void TcpStore::set(const std::string& key, const std::vector<char>& data) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto deadline = Clock::now() + timeout_;
  char ack = 0;
  if (!write_all(fd_, &kSet, 1) || !write_blob(fd_, key.data(), static_cast<uint32_t>(key.size())) ||
      !write_blob(fd_, data.data(), static_cast<uint32_t>(data.size())) || !read_all(fd_, &ack, 1, &deadline))
    throw Error(fmt::format("the rendezvous store on rank 0 did not take key {}", key));
}

std::vector<char> TcpStore::get(const std::string& key) { return get(key, timeout_); }

std::vector<char> TcpStore::get(const std::string& key, std::chrono::milliseconds timeout) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto deadline = Clock::now() + timeout;
  std::vector<char> value;
  if (!write_all(fd_, &kGet, 1) || !write_blob(fd_, key.data(), static_cast<uint32_t>(key.size())) ||
      !read_blob(fd_, value, &deadline))
    throw Error(fmt::format("rendezvous key {} was not set within {} ms (a rank did not join, or rank "
                            "0 is gone)",
                            key, timeout.count()));
  return value;
}

void TcpStore::wait(const std::vector<std::string>& keys) { wait(keys, timeout_); }

void TcpStore::wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) {
  for (const auto& k : keys) get(k, timeout);
}

}  // namespace detail
}  // namespace distributed
}  // namespace ember
