// The "mpi" backend: MPI's nonblocking collectives, polled against the group's timeout
// (MPI itself never times out). Ranks and world size come from mpirun.
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "src/distributed/backends.hpp"

namespace ember {
namespace distributed {
namespace detail {
namespace {
using Clock = std::chrono::steady_clock;
bool g_we_initialized = false;
// EMBER_MPI_ALLREDUCE_CHUNK_BYTES overrides it (tests use a small one).
size_t allreduce_chunk_bytes() {
  static const size_t bytes = [] {
    const char* e = std::getenv("EMBER_MPI_ALLREDUCE_CHUNK_BYTES");
    long long v = e ? std::atoll(e) : 0;
    return v > 0 ? static_cast<size_t>(v) : size_t{4} << 20;
  }();
  return bytes;
}
bool g_finalized = false;

// User-defined MPI ops for the 16-bit floats (MPI has no such types): inout = in (op) inout.
template <int D, int O>
void user_reduce(void* in, void* inout, int* len, MPI_Datatype*) {
  reduce_into(static_cast<Dtype>(D), static_cast<ReduceOp>(O), inout, in, inout, static_cast<size_t>(*len));
}
template <int D>
void create_ops(MPI_Op* ops) {
  MPI_Op_create(&user_reduce<D, static_cast<int>(ReduceOp::SUM)>, 1, &ops[0]);
  MPI_Op_create(&user_reduce<D, static_cast<int>(ReduceOp::PRODUCT)>, 1, &ops[1]);
  MPI_Op_create(&user_reduce<D, static_cast<int>(ReduceOp::MIN)>, 1, &ops[2]);
  MPI_Op_create(&user_reduce<D, static_cast<int>(ReduceOp::MAX)>, 1, &ops[3]);
}
int op_slot(ReduceOp op) {
  switch (op) {
    case ReduceOp::PRODUCT: return 1;
    case ReduceOp::MIN: return 2;
    case ReduceOp::MAX: return 3;
    default: return 0;  // SUM, and AVG (a sum, divided after)
  }
}

class MpiGroup : public QueuedGroup {
 public:
  explicit MpiGroup(const Rendezvous& r) : QueuedGroup(0, 1, r.timeout) {
    EMBER_CHECK(!g_finalized,
                "init_process_group: the mpi backend cannot start again in a process whose MPI was finalized "
                "(destroy_process_group ends MPI)");
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      int provided = 0;
      // The group's thread runs the collectives while the callers' threads post and
      // wait for sends and recvs.
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided);
      g_we_initialized = true;
      EMBER_CHECK(provided >= MPI_THREAD_MULTIPLE,
                  "init_process_group: this MPI provides thread level {}, ember needs MPI_THREAD_MULTIPLE", provided);
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    EMBER_CHECK(r.rank < 0 || r.rank == rank_, "init_process_group: rank {} was asked for, mpirun gave rank {}",
                r.rank, rank_);
    EMBER_CHECK(r.world_size < 0 || r.world_size == size_,
                "init_process_group: world_size {} was asked for, mpirun started {} processes", r.world_size, size_);
    // Headers, collectives and user sends each on a communicator of their own.
    MPI_Comm_dup(MPI_COMM_WORLD, &headers_);
    MPI_Comm_dup(MPI_COMM_WORLD, &collectives_);
    MPI_Comm_dup(MPI_COMM_WORLD, &p2p_);
    create_ops<static_cast<int>(Dtype::Float16)>(half_ops_);
    create_ops<static_cast<int>(Dtype::BFloat16)>(bfloat16_ops_);
    int* ub = nullptr;
    int flag = 0;
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &ub, &flag);
    tag_ub_ = flag && ub ? *ub : 32767;
    start();
  }

  ~MpiGroup() override {
    shutdown();
    if (g_finalized) return;
    if (is_broken()) return;  // requests may be pending: MPI_Finalize could wait on them forever
    for (MPI_Op* ops : {half_ops_, bfloat16_ops_})
      for (int i = 0; i < 4; ++i) MPI_Op_free(&ops[i]);
    MPI_Comm_free(&headers_);
    MPI_Comm_free(&collectives_);
    MPI_Comm_free(&p2p_);
    if (g_we_initialized) {
      MPI_Finalize();
      g_finalized = true;
    }
  }

  const std::string getBackendName() const override { return "mpi"; }

 protected:
  void exchange_headers(const Header& mine, Header* all, const char* op) override {
    all[rank_] = mine;
    // The buffers outlive a failure (MPI may still write into them): leaked then.
    auto* keep = new std::vector<Header>(size_ + 1);
    (*keep)[size_] = mine;
    std::vector<MPI_Request> recvs(size_, MPI_REQUEST_NULL), sends(size_, MPI_REQUEST_NULL);
    for (int r = 0; r < size_; ++r) {
      if (r == rank_) continue;
      MPI_Irecv(&(*keep)[r], sizeof(Header), MPI_BYTE, r, 0, headers_, &recvs[r]);
      MPI_Isend(&(*keep)[size_], sizeof(Header), MPI_BYTE, r, 0, headers_, &sends[r]);
    }
    auto deadline = Clock::now() + timeout_;
    std::vector<int> missing;
    for (int r = 0; r < size_; ++r)
      if (r != rank_ && !poll(&recvs[r], deadline)) missing.push_back(r);
    if (missing.empty())
      for (int r = 0; r < size_; ++r)
        if (r != rank_ && !poll(&sends[r], deadline)) missing.push_back(r);
    if (!missing.empty()) {
      std::string list;
      for (int r : missing) list += (list.empty() ? "" : ", ") + std::to_string(r);
      throw Error(fmt::format("{}: rank {} did not answer within {} ms", where(op), list, timeout_.count()));
    }
    for (int r = 0; r < size_; ++r)
      if (r != rank_) all[r] = (*keep)[r];
    delete keep;
  }

  // In chunks of allreduce_chunk_bytes() (4 MiB), one after the other: Open MPI's
  // all-reduce slows down several times past a few MiB (measured on 2 local processes of
  // a loaded 2-core machine: 64 MiB in one call at 0.05 GB/s, in 4 MiB chunks at 0.3-0.4
  // GB/s). Each chunk is an all-reduce of its own elements, so the result is the same,
  // element by element.
  void do_allreduce(void* data, size_t numel, Dtype dtype, ReduceOp op) override {
    if (numel == 0 || size_ == 1) return;
    size_t itemsize = element_size(dtype);
    size_t per_chunk = std::max<size_t>(1, allreduce_chunk_bytes() / itemsize);
    for (size_t begin = 0; begin < numel; begin += per_chunk) {
      size_t n = std::min(per_chunk, numel - begin);
      MPI_Request req;
      MPI_Iallreduce(MPI_IN_PLACE, static_cast<char*>(data) + begin * itemsize, count(n, "all_reduce"),
                     mpi_type(dtype), mpi_op(dtype, op), collectives_, &req);
      wait(&req, "all_reduce");
    }
  }

  void do_broadcast(void* data, size_t bytes, int root) override {
    if (bytes == 0 || size_ == 1) return;
    MPI_Request req;
    MPI_Ibcast(data, count(bytes, "broadcast"), MPI_BYTE, root, collectives_, &req);
    wait(&req, "broadcast");
  }

  void do_allgather(const void* in, void* out, size_t bytes) override {
    if (bytes == 0) return;
    MPI_Request req;
    int n = count(bytes * size_, "all_gather") / size_;
    MPI_Iallgather(in, n, MPI_BYTE, out, n, MPI_BYTE, collectives_, &req);
    wait(&req, "all_gather");
  }

  void do_reduce_scatter(const void* in, void* out, size_t numel, Dtype dtype, ReduceOp op) override {
    if (numel == 0) return;
    MPI_Request req;
    int n = count(numel * size_, "reduce_scatter") / size_;
    MPI_Ireduce_scatter_block(in, out, n, mpi_type(dtype), mpi_op(dtype, op), collectives_, &req);
    wait(&req, "reduce_scatter");
  }

  std::shared_ptr<Work> post_send(const Tensor& t, int dst, int tag) override {
    auto header = std::make_shared<Header>(make_header(OpKind::Send, t, tag));
    int n = count(t.nbytes(), "send");
    auto reqs = std::make_shared<std::vector<MPI_Request>>(2, MPI_REQUEST_NULL);
    MPI_Isend(header.get(), sizeof(Header), MPI_BYTE, dst, mpi_tag(tag, true), p2p_, &(*reqs)[0]);
    if (n > 0) MPI_Isend(t.data_ptr(), n, MPI_BYTE, dst, mpi_tag(tag, false), p2p_, &(*reqs)[1]);
    Tensor keep = t;
    return std::make_shared<DeferredWork>([this, header, reqs, keep, dst] {
      for (auto& r : *reqs) wait(&r, "send", dst, {header, reqs, std::make_shared<Tensor>(keep)});
    });
  }

  std::shared_ptr<Work> post_recv(const Tensor& t, int src, int tag) override {
    auto header = std::make_shared<Header>();
    auto reqs = std::make_shared<std::vector<MPI_Request>>(2, MPI_REQUEST_NULL);
    MPI_Irecv(header.get(), sizeof(Header), MPI_BYTE, src, mpi_tag(tag, true), p2p_, &(*reqs)[0]);
    Tensor keep = t;
    return std::make_shared<DeferredWork>([this, header, reqs, keep, src, tag] {
      wait(&(*reqs)[0], "recv", src, {header, reqs});
      try {
        check_recv_header(*header, keep, src, tag);
      } catch (const Error&) {
        if (size_t bytes = announced_bytes(*header)) {
          auto sink = std::make_shared<std::vector<char>>(bytes);
          MPI_Irecv(sink->data(), count(bytes, "recv"), MPI_BYTE, src, mpi_tag(tag, false), p2p_, &(*reqs)[1]);
          wait(&(*reqs)[1], "recv", src, {reqs, sink});
        }
        throw;
      }
      int n = count(keep.nbytes(), "recv");
      if (n == 0) return;
      MPI_Irecv(keep.data_ptr(), n, MPI_BYTE, src, mpi_tag(tag, false), p2p_, &(*reqs)[1]);
      wait(&(*reqs)[1], "recv", src, {reqs, std::make_shared<Tensor>(keep)});
    });
  }

  void do_barrier() override {}  // the header exchange before it already met every rank

 private:
  // Nonblocking collectives advance only inside MPI calls (Open MPI's libnbc), so test
  // without pause for the first second, as a blocking MPI call would spin; after that a
  // peer is likely lost or slow, and a nap between tests spares the CPU until the timeout.
  static bool poll(MPI_Request* req, Clock::time_point deadline) {
    auto nap_after = Clock::now() + std::chrono::seconds(1);
    for (;;) {
      int done = 0;
      MPI_Test(req, &done, MPI_STATUS_IGNORE);
      if (done) return true;
      auto now = Clock::now();
      if (now >= deadline) return false;
      if (now < nap_after)
        std::this_thread::yield();
      else
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  // memory: what the request reads or writes, kept alive after a timeout.
  void wait(MPI_Request* req, const char* op, int peer = -1, std::initializer_list<std::shared_ptr<void>> memory = {}) {
    if (poll(req, Clock::now() + timeout_)) return;
    for (const auto& m : memory) new std::shared_ptr<void>(m);  // leaked on purpose
    throw Error(peer >= 0 ? fmt::format("{}: rank {} did not complete it within {} ms", where(op), peer,
                                        timeout_.count())
                          : fmt::format("{}: not every rank completed it within {} ms", where(op), timeout_.count()));
  }
  int count(size_t n, const char* op) const {
    EMBER_CHECK(n <= static_cast<size_t>(INT_MAX), "{}: {} elements are more than one MPI call carries", where(op),
                n);
    return static_cast<int>(n);
  }
  int mpi_tag(int tag, bool header) const {
    long long t = 2LL * tag + (header ? 1 : 0);
    EMBER_CHECK(t <= tag_ub_, "send/recv: tag {} is above this MPI's limit {}", tag, (tag_ub_ - 1) / 2);
    return static_cast<int>(t);
  }
  static MPI_Datatype mpi_type(Dtype d) {
    switch (d) {
      case Dtype::Bool: return MPI_C_BOOL;
      case Dtype::Int64: return MPI_INT64_T;
      case Dtype::Int32: return MPI_INT32_T;
      case Dtype::Int16: return MPI_INT16_T;
      case Dtype::Int8: return MPI_INT8_T;
      case Dtype::UInt8: return MPI_UINT8_T;
      case Dtype::Float32: return MPI_FLOAT;
      case Dtype::Float64: return MPI_DOUBLE;
      case Dtype::Float16:
      case Dtype::BFloat16: return MPI_UINT16_T;
    }
    return MPI_BYTE;
  }
  MPI_Op mpi_op(Dtype d, ReduceOp op) {
    if (d == Dtype::Float16) return half_ops_[op_slot(op)];
    if (d == Dtype::BFloat16) return bfloat16_ops_[op_slot(op)];
    if (d == Dtype::Bool) return (op == ReduceOp::MIN || op == ReduceOp::PRODUCT) ? MPI_LAND : MPI_LOR;
    switch (op) {
      case ReduceOp::PRODUCT: return MPI_PROD;
      case ReduceOp::MIN: return MPI_MIN;
      case ReduceOp::MAX: return MPI_MAX;
      default: return MPI_SUM;
    }
  }

  MPI_Comm headers_ = MPI_COMM_NULL, collectives_ = MPI_COMM_NULL, p2p_ = MPI_COMM_NULL;
  MPI_Op half_ops_[4];
  MPI_Op bfloat16_ops_[4];
  int tag_ub_ = 32767;
};
}  // namespace

std::unique_ptr<QueuedGroup> make_mpi_group(const Rendezvous& r) { return std::make_unique<MpiGroup>(r); }

}  // namespace detail
}  // namespace distributed
}  // namespace ember
