// The rendezvous store for env:// with Gloo: rank 0 serves a key-value map over TCP on
// MASTER_ADDR:MASTER_PORT, every rank (0 included) is a client. It carries only Gloo's
// rendezvous keys (addresses), never tensor data. get() blocks, up to the timeout, until
// the key is set.
#pragma once
#include <gloo/rendezvous/store.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ember {
namespace distributed {
namespace detail {

class TcpStoreServer {
 public:
  TcpStoreServer(int port, int expected_clients);  // listens on all interfaces
  ~TcpStoreServer();

 private:
  void accept_loop();
  void serve(int fd);
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable set_cv_;
  std::map<std::string, std::vector<char>> values_;
  std::vector<int> client_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

class TcpStore : public gloo::rendezvous::Store {
 public:
  TcpStore(const std::string& host, int port, std::chrono::milliseconds timeout);
  ~TcpStore() override;
  void set(const std::string& key, const std::vector<char>& data) override;
  std::vector<char> get(const std::string& key) override;
  void wait(const std::vector<std::string>& keys) override;
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override;

 private:
  std::vector<char> get(const std::string& key, std::chrono::milliseconds timeout);
  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::mutex mutex_;
};

}  // namespace detail
}  // namespace distributed
}  // namespace ember
