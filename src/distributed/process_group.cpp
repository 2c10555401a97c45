// The default group and torch.distributed's module functions over it.
#include <cstdlib>
#include <mutex>

#include "src/core/check.hpp"
#include "src/distributed/backends.hpp"

namespace ember {
namespace distributed {
namespace {
std::mutex g_mutex;
std::unique_ptr<detail::QueuedGroup> g_group;

detail::QueuedGroup& group(const char* op) {
  std::lock_guard<std::mutex> lock(g_mutex);
  EMBER_CHECK(g_group != nullptr, "{}: the default process group is not initialized (call init_process_group)", op);
  return *g_group;
}

// An integer from the environment: the first of the names that is set, else -1.
int env_int(std::initializer_list<const char*> names, const char* op) {
  for (const char* name : names) {
    const char* v = std::getenv(name);
    if (!v || !*v) continue;
    char* end = nullptr;
    long x = std::strtol(v, &end, 10);
    EMBER_CHECK(*end == '\0' && x >= 0 && x < (1L << 24), "{}: {}={} is not a rank or size", op, name, v);
    return static_cast<int>(x);
  }
  return -1;
}

// Starts an op (make() calls the group) and, unless async_op, waits for it; a waited-for
// op runs on this thread when the group is idle (detail::RunHereScope).
template <class Make>
std::shared_ptr<Work> start(bool async_op, Make&& make) {
  std::shared_ptr<Work> work;
  {
    detail::RunHereScope here(!async_op);
    work = make();
  }
  if (!async_op) work->wait();
  return work;
}
}  // namespace

bool is_available(const std::string& backend) {
#ifdef EMBER_DISTRIBUTED_GLOO
  if (backend == "gloo") return true;
#endif
#ifdef EMBER_DISTRIBUTED_MPI
  if (backend == "mpi") return true;
#endif
  return false;
}

void init_process_group(const std::string& backend, const InitOptions& options) {
  const char* op = "init_process_group";
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    EMBER_CHECK(g_group == nullptr, "{}: the default process group is already initialized ({})", op,
                g_group->getBackendName());
  }
  EMBER_CHECK(backend == "gloo" || backend == "mpi", "{}: unknown backend '{}' (expected gloo or mpi)", op, backend);
  EMBER_CHECK(is_available(backend), "{}: ember was built without the {} backend", op, backend);
  EMBER_CHECK(options.timeout.count() > 0, "{}: timeout must be positive, got {} ms", op, options.timeout.count());
  const std::string& m = options.init_method;
  EMBER_CHECK(m == "env://" || m.rfind("file://", 0) == 0,
              "{}: init_method '{}' is not supported (env:// or file:///path)", op, m);
  EMBER_CHECK(backend != "mpi" || m == "env://", "{}: the mpi backend starts from mpirun: init_method must be env://, got {}",
              op, m);
  detail::Rendezvous r;
  r.init_method = m;
  r.timeout = options.timeout;
  // Open MPI's variables stand in when RANK and WORLD_SIZE are not set (under mpirun).
  r.rank = options.rank >= 0 ? options.rank : env_int({"RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK"}, op);
  r.world_size = options.world_size >= 0 ? options.world_size
                                         : env_int({"WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}, op);
  std::unique_ptr<detail::QueuedGroup> made;
#ifdef EMBER_DISTRIBUTED_GLOO
  if (backend == "gloo") {
    EMBER_CHECK(r.world_size >= 1, "{}: world size unknown (set WORLD_SIZE or InitOptions::world_size)", op);
    EMBER_CHECK(r.rank >= 0 && r.rank < r.world_size, "{}: rank {} is not in [0, {}) (set RANK or InitOptions::rank)",
                op, r.rank, r.world_size);
    made = detail::make_gloo_group(r);
  }
#endif
#ifdef EMBER_DISTRIBUTED_MPI
  if (backend == "mpi") made = detail::make_mpi_group(r);
#endif
  std::lock_guard<std::mutex> lock(g_mutex);
  g_group = std::move(made);
}

bool is_initialized() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_group != nullptr;
}
int get_rank() { return group("get_rank").getRank(); }
int get_world_size() { return group("get_world_size").getSize(); }
std::string get_backend() { return group("get_backend").getBackendName(); }
ProcessGroup& default_group() { return group("default_group"); }

void destroy_process_group() {
  std::unique_ptr<detail::QueuedGroup> g;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    EMBER_CHECK(g_group != nullptr, "destroy_process_group: the default process group is not initialized");
    g = std::move(g_group);
  }
  g.reset();  // waits for the queued ops
}

std::shared_ptr<Work> all_reduce(const Tensor& tensor, ReduceOp op, bool async_op) {
  std::vector<Tensor> ts{tensor};
  AllreduceOptions o;
  o.reduceOp = op;
  return start(async_op, [&] { return group("all_reduce").allreduce(ts, o); });
}

std::shared_ptr<Work> broadcast(const Tensor& tensor, int src, bool async_op) {
  std::vector<Tensor> ts{tensor};
  BroadcastOptions o;
  o.rootRank = src;
  return start(async_op, [&] { return group("broadcast").broadcast(ts, o); });
}

std::shared_ptr<Work> all_gather(std::vector<Tensor>& outputs, const Tensor& input, bool async_op) {
  std::vector<std::vector<Tensor>> outs{outputs};
  std::vector<Tensor> ins{input};
  return start(async_op, [&] { return group("all_gather").allgather(outs, ins); });
}

std::shared_ptr<Work> all_gather_into_tensor(const Tensor& output, const Tensor& input, bool async_op) {
  return start(async_op, [&] { return group("all_gather_into_tensor").allgather_flat(output, input); });
}

std::shared_ptr<Work> reduce_scatter(const Tensor& output, const std::vector<Tensor>& inputs, ReduceOp op,
                                     bool async_op) {
  std::vector<Tensor> outs{output};
  std::vector<std::vector<Tensor>> ins{inputs};
  ReduceScatterOptions o;
  o.reduceOp = op;
  return start(async_op, [&] { return group("reduce_scatter").reduce_scatter(outs, ins, o); });
}

std::shared_ptr<Work> isend(const Tensor& tensor, int dst, int tag) {
  std::vector<Tensor> ts{tensor};
  return group("isend").send(ts, dst, tag);
}
std::shared_ptr<Work> irecv(const Tensor& tensor, int src, int tag) {
  std::vector<Tensor> ts{tensor};
  return group("irecv").recv(ts, src, tag);
}
std::shared_ptr<Work> send(const Tensor& tensor, int dst, int tag) {
  return start(false, [&] { return isend(tensor, dst, tag); });
}
std::shared_ptr<Work> recv(const Tensor& tensor, int src, int tag) {
  return start(false, [&] { return irecv(tensor, src, tag); });
}

std::shared_ptr<Work> barrier(bool async_op) { return start(async_op, [&] { return group("barrier").barrier(); }); }

}  // namespace distributed
}  // namespace ember
