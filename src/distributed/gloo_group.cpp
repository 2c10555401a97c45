// The "gloo" backend: Gloo's TCP transport, with rendezvous through the TCP store
// (env://) or Gloo's FileStore (file://).
#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/common/error.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/transport/tcp/device.h>
#include <gloo/transport/unbound_buffer.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "src/distributed/backends.hpp"
#include "src/distributed/tcp_store.hpp"

namespace ember {
namespace distributed {
namespace detail {
namespace {
using Clock = std::chrono::steady_clock;
constexpr uint8_t kHeaderSlot = 0xE1, kSendHeaderSlot = 0xE2, kSendSlot = 0xE3;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

// Which address this rank tells the others: GLOO_SOCKET_IFNAME's interface as PyTorch
// reads it, loopback when the master is local, else this host's name.
gloo::transport::tcp::attr device_attr() {
  gloo::transport::tcp::attr attr;
  std::string iface = env_or("GLOO_SOCKET_IFNAME", "");
  if (!iface.empty()) {
    attr.iface = iface;
    return attr;
  }
  std::string master = env_or("MASTER_ADDR", "");
  if (master.empty() || master == "localhost" || master.rfind("127.", 0) == 0) {
    attr.hostname = "127.0.0.1";
  } else {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    attr.hostname = name;
  }
  return attr;
}

// Gloo's unbound send/recv needs one element type only for its size.
template <class F>
void with_word(int64_t element_size, F&& f) {
  switch (element_size) {
    case 1: f(uint8_t{}); return;
    case 2: f(uint16_t{}); return;
    case 4: f(uint32_t{}); return;
    default: f(uint64_t{}); return;
  }
}

class GlooGroup : public QueuedGroup {
 public:
  GlooGroup(const Rendezvous& r) : QueuedGroup(r.rank, r.world_size, r.timeout) {
    const std::string& m = r.init_method;
    std::unique_ptr<gloo::rendezvous::Store> store;
    if (m.rfind("file://", 0) == 0) {
      std::string path = m.substr(7);
      EMBER_CHECK(!path.empty(), "init_process_group: init_method {} names no path", m);
      ::mkdir(path.c_str(), 0777);  // Gloo's FileStore keeps one file per key in it
      store = std::make_unique<gloo::rendezvous::FileStore>(path);
    } else {
      std::string addr = env_or("MASTER_ADDR", "");
      std::string port = env_or("MASTER_PORT", "");
      EMBER_CHECK(!addr.empty() && !port.empty(),
                  "init_process_group: env:// needs MASTER_ADDR and MASTER_PORT (got '{}' and '{}')", addr, port);
      int p = std::atoi(port.c_str());
      EMBER_CHECK(p > 0 && p < 65536, "init_process_group: MASTER_PORT {} is not a port", port);
      if (rank_ == 0) server_ = std::make_unique<TcpStoreServer>(p, size_);
      store = std::make_unique<TcpStore>(addr, p, timeout_);
    }
    // Gloo writes to its sockets without MSG_NOSIGNAL: a peer that is gone would kill
    // this process with SIGPIPE instead of failing the op. Ignore it, as Python (and so
    // PyTorch) does, unless the program set a handler of its own.
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
    try {
      device_ = gloo::transport::tcp::CreateDevice(device_attr());
      auto ctx = std::make_shared<gloo::rendezvous::Context>(rank_, size_);
      ctx->setTimeout(timeout_);
      ctx->connectFullMesh(*store, device_);
      context_ = ctx;
      // A rank returns from connectFullMesh once its own pairs are up, maybe before its
      // peers' are: meet every rank once more, as PyTorch's store-based barrier does, so
      // that no rank leaves init while another is still connecting.
      std::vector<Header> all(size_);
      exchange_headers(make_header(OpKind::Barrier, Tensor(), 0), all.data(), "init_process_group");
    } catch (const Error& e) {
      throw Error(fmt::format("{}: {}", where("init_process_group"), e.what()));
    } catch (const std::exception& e) {
      throw Error(fmt::format("{}: rendezvous failed: {}", where("init_process_group"), e.what()));
    }
    start();
  }

  ~GlooGroup() override {
    shutdown();
    header_recvs_ = HeaderRecvs();  // the next exchange's receives, which no peer will fill
    graveyard_.clear();
    context_.reset();
  }

  const std::string getBackendName() const override { return "gloo"; }

 protected:
  // Every rank posts its receives for the next header as soon as the current exchange
  // is done, so a header meets a receive already posted: Gloo then sends it at once, one
  // message's latency, instead of first trading "ready to receive" notices (a round
  // trip, which on a loaded machine costs as much as a small all_reduce).
  void exchange_headers(const Header& mine, Header* all, const char* op) override {
    if (!header_recvs_.memory) {
      std::string failed = post_header_recvs();
      if (!failed.empty()) throw Error(fmt::format("{}: {}", where(op), failed));
    }
    HeaderRecvs current = std::move(header_recvs_);
    header_recvs_ = HeaderRecvs();
    uint64_t slot = gloo::Slot::build(kHeaderSlot, header_seq_);
    all[rank_] = mine;
    auto& keep = current.memory;
    (*keep)[size_] = mine;
    auto send = context_->createUnboundBuffer(&(*keep)[size_], sizeof mine);
    for (int r = 0; r < size_; ++r)
      if (r != rank_) send->send(r, slot);
    auto deadline = Clock::now() + timeout_;
    std::vector<std::string> failed;
    for (int r = 0; r < size_; ++r) {
      if (r == rank_) continue;
      try {
        current.buffers[r]->waitRecv(remaining(deadline));
      } catch (const std::exception& e) {
        failed.push_back(peer_failure(r, e.what()));
      }
    }
    if (failed.empty()) {
      try {
        for (int r = 0; r < size_; ++r)
          if (r != rank_) send->waitSend(remaining(deadline));
      } catch (const std::exception& e) {
        failed.push_back(peer_failure(-1, e.what()));
      }
    }
    if (!failed.empty()) {
      // On heap, kept past a failure: the transport may still write into them.
      std::lock_guard<std::mutex> lock(graveyard_mutex_);
      graveyard_.push_back(keep);
      for (auto& b : current.buffers) graveyard_.push_back(b);
      graveyard_.push_back(std::shared_ptr<gloo::transport::UnboundBuffer>(std::move(send)));
      std::string list;
      for (const auto& f : failed) list += (list.empty() ? "" : ", ") + f;
      throw Error(fmt::format("{}: {}", where(op), list));
    }
    for (int r = 0; r < size_; ++r)
      if (r != rank_) all[r] = (*keep)[r];
    ++header_seq_;
    post_header_recvs();
  }

  void do_allreduce(void* data, size_t numel, Dtype dtype, ReduceOp op) override {
    if (numel == 0 || size_ == 1) return;
    gloo::AllreduceOptions opts(context_);
    with_word(element_size(dtype), [&](auto w) { opts.setOutput(static_cast<decltype(w)*>(data), numel); });
    opts.setReduceFunction(
        [dtype, op](void* c, const void* a, const void* b, size_t n) { reduce_into(dtype, op, c, a, b, n); });
    opts.setTag(next_tag());
    opts.setTimeout(timeout_);
    gloo::allreduce(opts);
  }

  void do_broadcast(void* data, size_t bytes, int root) override {
    if (bytes == 0 || size_ == 1) return;
    gloo::BroadcastOptions opts(context_);
    opts.setOutput(static_cast<uint8_t*>(data), bytes);
    opts.setRoot(root);
    opts.setTag(next_tag());
    opts.setTimeout(timeout_);
    gloo::broadcast(opts);
  }

  void do_allgather(const void* in, void* out, size_t bytes) override {
    if (bytes == 0) return;
    if (size_ == 1) {
      std::memcpy(out, in, bytes);
      return;
    }
    gloo::AllgatherOptions opts(context_);
    opts.setInput(const_cast<uint8_t*>(static_cast<const uint8_t*>(in)), bytes);
    opts.setOutput(static_cast<uint8_t*>(out), bytes * size_);
    opts.setTag(next_tag());
    opts.setTimeout(timeout_);
    gloo::allgather(opts);
  }

  // An all-reduce of every block, then this rank's block: simple, and each rank's
  // result is exactly what the all-reduce gives.
  void do_reduce_scatter(const void* in, void* out, size_t numel, Dtype dtype, ReduceOp op) override {
    size_t bytes = numel * element_size(dtype);
    std::vector<char> all(static_cast<const char*>(in), static_cast<const char*>(in) + bytes * size_);
    do_allreduce(all.data(), numel * size_, dtype, op == ReduceOp::AVG ? ReduceOp::SUM : op);
    if (bytes) std::memcpy(out, all.data() + rank_ * bytes, bytes);
  }

  std::shared_ptr<Work> post_send(const Tensor& t, int dst, int tag) override {
    auto header = std::make_shared<Header>(make_header(OpKind::Send, t, tag));
    Buffer hb = context_->createUnboundBuffer(header.get(), sizeof(Header));
    hb->send(dst, gloo::Slot::build(kSendHeaderSlot, static_cast<uint32_t>(tag)));
    Buffer pb;
    if (t.nbytes() > 0) {
      pb = context_->createUnboundBuffer(t.data_ptr(), t.nbytes());
      pb->send(dst, gloo::Slot::build(kSendSlot, static_cast<uint32_t>(tag)));
    }
    Tensor keep = t;
    return std::make_shared<DeferredWork>([this, header, hb, pb, keep, dst] {
      wait_buffer(hb, true, "send", dst, {header, pb, std::make_shared<Tensor>(keep)});
      if (pb) wait_buffer(pb, true, "send", dst, {std::make_shared<Tensor>(keep)});
    });
  }

  std::shared_ptr<Work> post_recv(const Tensor& t, int src, int tag) override {
    auto header = std::make_shared<Header>();
    Buffer hb = context_->createUnboundBuffer(header.get(), sizeof(Header));
    hb->recv(src, gloo::Slot::build(kSendHeaderSlot, static_cast<uint32_t>(tag)));
    Tensor keep = t;
    return std::make_shared<DeferredWork>([this, header, hb, keep, src, tag] {
      wait_buffer(hb, false, "recv", src, {header});
      try {
        check_recv_header(*header, keep, src, tag);
      } catch (const Error&) {
        if (size_t bytes = announced_bytes(*header)) {
          auto sink = std::make_shared<std::vector<char>>(bytes);
          Buffer db = context_->createUnboundBuffer(sink->data(), bytes);
          db->recv(src, gloo::Slot::build(kSendSlot, static_cast<uint32_t>(tag)));
          wait_buffer(db, false, "recv", src, {sink});
        }
        throw;
      }
      if (keep.nbytes() == 0) return;
      Buffer pb = context_->createUnboundBuffer(keep.data_ptr(), keep.nbytes());
      pb->recv(src, gloo::Slot::build(kSendSlot, static_cast<uint32_t>(tag)));
      wait_buffer(pb, false, "recv", src, {std::make_shared<Tensor>(keep)});
    });
  }

  void do_barrier() override {}  // the header exchange before it already met every rank

 private:
  static std::chrono::milliseconds remaining(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return std::max(left, std::chrono::milliseconds(1));
  }
  // "rank 2 did not answer within 2000 ms", or "rank 2 is gone (Connection closed by peer ...)".
  std::string peer_failure(int peer, const std::string& gloo_message) const {
    std::string who = peer >= 0 ? fmt::format("rank {}", peer) : std::string("a peer");
    if (gloo_message.find("Timed out") != std::string::npos)
      return fmt::format("{} did not answer within {} ms", who, timeout_.count());
    return fmt::format("{} is gone ({})", who, first_line(gloo_message));
  }
  static std::string first_line(const std::string& s) {
    // Gloo's messages start with its source location: keep the part after it.
    std::string line = s.substr(0, s.find('\n'));
    auto bracket = line.find("] ");
    return bracket != std::string::npos ? line.substr(bracket + 2) : line;
  }
  using Buffer = std::shared_ptr<gloo::transport::UnboundBuffer>;
  // Waits for a send or recv; on failure keeps the buffer and the memory it points into
  // alive (the transport may still touch them) and names the peer.
  void wait_buffer(const Buffer& buf, bool sending, const char* op, int peer,
                   std::initializer_list<std::shared_ptr<void>> memory) {
    try {
      if (sending)
        buf->waitSend(timeout_);
      else
        buf->waitRecv(timeout_);
    } catch (const std::exception& e) {
      {
        std::lock_guard<std::mutex> lock(graveyard_mutex_);
        graveyard_.push_back(buf);
        for (const auto& m : memory) graveyard_.push_back(m);
      }
      throw Error(fmt::format("{}: {}", where(op), peer_failure(peer, e.what())));
    }
  }
  uint32_t next_tag() { return tag_++; }

  // The receives of the next header exchange, one per peer, posted ahead (see
  // exchange_headers); memory holds the peers' headers and, last, this rank's.
  struct HeaderRecvs {
    std::shared_ptr<std::vector<Header>> memory;
    std::vector<Buffer> buffers;
  };
  // A peer may be gone already (it left after the last op, the job being over): then
  // nothing is posted, and the next exchange, if any, posts again and names the peer.
  // Returns what failed, empty when all is posted.
  std::string post_header_recvs() {
    HeaderRecvs next;
    next.memory = std::make_shared<std::vector<Header>>(size_ + 1);
    next.buffers.resize(size_);
    uint64_t slot = gloo::Slot::build(kHeaderSlot, header_seq_);
    int r = 0;
    try {
      for (; r < size_; ++r) {
        if (r == rank_) continue;
        next.buffers[r] = context_->createUnboundBuffer(&(*next.memory)[r], sizeof(Header));
        next.buffers[r]->recv(r, slot);
      }
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(graveyard_mutex_);
      graveyard_.push_back(next.memory);
      for (auto& b : next.buffers)
        if (b) graveyard_.push_back(b);
      return peer_failure(r, e.what());
    }
    header_recvs_ = std::move(next);
    return {};
  }

  std::unique_ptr<TcpStoreServer> server_;
  std::shared_ptr<gloo::transport::Device> device_;
  std::shared_ptr<gloo::Context> context_;
  uint32_t tag_ = 1;
  uint32_t header_seq_ = 0;
  HeaderRecvs header_recvs_;
  // Buffers of an op that failed midway, kept until the context is gone.
  std::mutex graveyard_mutex_;
  std::vector<std::shared_ptr<void>> graveyard_;
};
}  // namespace

std::unique_ptr<QueuedGroup> make_gloo_group(const Rendezvous& r) { return std::make_unique<GlooGroup>(r); }

}  // namespace detail
}  // namespace distributed
}  // namespace ember
