#include "src/distributed/group_base.hpp"

#include <cstring>

#include "src/core/check.hpp"

namespace ember {
namespace distributed {

const char* reduce_op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::SUM: return "SUM";
    case ReduceOp::AVG: return "AVG";
    case ReduceOp::PRODUCT: return "PRODUCT";
    case ReduceOp::MIN: return "MIN";
    case ReduceOp::MAX: return "MAX";
  }
  return "?";
}

namespace detail {

// ---- Work ----
bool QueuedWork::is_completed() {
  std::lock_guard<std::mutex> lock(mutex_);
  return done_;
}
bool QueuedWork::is_success() {
  std::lock_guard<std::mutex> lock(mutex_);
  return done_ && !error_;
}
bool QueuedWork::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [&] { return done_; });
  if (error_) std::rethrow_exception(error_);
  return true;
}
void QueuedWork::finish(std::exception_ptr error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    error_ = error;
  }
  done_cv_.notify_all();
}

bool DeferredWork::is_completed() {
  std::lock_guard<std::mutex> lock(mutex_);
  return done_;
}
bool DeferredWork::is_success() {
  std::lock_guard<std::mutex> lock(mutex_);
  return done_ && !error_;
}
bool DeferredWork::wait() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!done_) {
    try {
      complete_();
    } catch (...) {
      error_ = std::current_exception();
    }
    done_ = true;
    complete_ = nullptr;
  }
  if (error_) std::rethrow_exception(error_);
  return true;
}

// ---- headers ----
const char* op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::AllReduce: return "all_reduce";
    case OpKind::Broadcast: return "broadcast";
    case OpKind::AllGather: return "all_gather";
    case OpKind::ReduceScatter: return "reduce_scatter";
    case OpKind::Send: return "send";
    case OpKind::Barrier: return "barrier";
  }
  if (kind == kReduceOp) return "reduce";
  if (kind == kGatherOp) return "gather";
  if (kind == kScatterOp) return "scatter";
  if (kind == kAllToAllOp) return "all_to_all";
  return "?";
}

Header make_header(OpKind kind, const Tensor& t, int64_t extra) {
  Header h;
  h.op = static_cast<int64_t>(kind);
  if (t.defined()) {
    h.dtype = static_cast<int64_t>(t.dtype());
    h.numel = t.numel();
    uint64_t hash = 1469598103934665603ull;  // FNV-1a over the sizes
    for (int64_t s : t.sizes()) hash = (hash ^ static_cast<uint64_t>(s)) * 1099511628211ull;
    hash = (hash ^ static_cast<uint64_t>(t.dim())) * 1099511628211ull;
    h.shape_hash = static_cast<int64_t>(hash);
  }
  h.extra = extra;
  return h;
}

std::string describe(const Header& h) {
  if (h.magic != Header().magic) return "a message that is not an ember header";
  return fmt::format("{} of a {} tensor of {} elements (shape hash {:x}, argument {})",
                     op_kind_name(static_cast<OpKind>(h.op)), dtype_name(static_cast<Dtype>(h.dtype)), h.numel,
                     static_cast<uint64_t>(h.shape_hash), h.extra);
}

// ---- reductions ----
namespace {
template <class T>
void reduce_typed(ReduceOp op, T* c, const T* a, const T* b, size_t n) {
  // The 16-bit floats compute in float and round back, as PyTorch's CPU kernels do.
  using A = std::conditional_t<std::is_same<T, Half>::value || std::is_same<T, BFloat16>::value, float, T>;
  switch (op) {
    case ReduceOp::SUM:
    case ReduceOp::AVG:
      if constexpr (std::is_same<T, bool>::value) {
        for (size_t i = 0; i < n; ++i) c[i] = a[i] || b[i];
      } else {
        for (size_t i = 0; i < n; ++i) c[i] = static_cast<T>(static_cast<A>(a[i]) + static_cast<A>(b[i]));
      }
      return;
    case ReduceOp::PRODUCT:
      if constexpr (std::is_same<T, bool>::value) {
        for (size_t i = 0; i < n; ++i) c[i] = a[i] && b[i];
      } else {
        for (size_t i = 0; i < n; ++i) c[i] = static_cast<T>(static_cast<A>(a[i]) * static_cast<A>(b[i]));
      }
      return;
    case ReduceOp::MIN:
      for (size_t i = 0; i < n; ++i) {
        A x = static_cast<A>(a[i]), y = static_cast<A>(b[i]);
        c[i] = (y < x || y != y) ? b[i] : a[i];  // NaN wins, as torch.minimum
      }
      return;
    case ReduceOp::MAX:
      for (size_t i = 0; i < n; ++i) {
        A x = static_cast<A>(a[i]), y = static_cast<A>(b[i]);
        c[i] = (y > x || y != y) ? b[i] : a[i];
      }
      return;
  }
}
template <class F>
void dispatch(Dtype dtype, F&& f) {
  switch (dtype) {
    case Dtype::Bool: f(bool{}); return;
    case Dtype::Int64: f(int64_t{}); return;
    case Dtype::Int32: f(int32_t{}); return;
    case Dtype::Int16: f(int16_t{}); return;
    case Dtype::Int8: f(int8_t{}); return;
    case Dtype::UInt8: f(uint8_t{}); return;
    case Dtype::Float32: f(float{}); return;
    case Dtype::Float64: f(double{}); return;
    case Dtype::Float16: f(Half{}); return;
    case Dtype::BFloat16: f(BFloat16{}); return;
  }
}
}  // namespace

void reduce_into(Dtype dtype, ReduceOp op, void* c, const void* a, const void* b, size_t n) {
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    reduce_typed<T>(op, static_cast<T*>(c), static_cast<const T*>(a), static_cast<const T*>(b), n);
  });
}

void divide_in_place(Dtype dtype, void* x, size_t n, int divisor) {
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (is_float_type_v<T>) {
      using A = std::conditional_t<std::is_same<T, double>::value, double, float>;
      T* p = static_cast<T*>(x);
      for (size_t i = 0; i < n; ++i) p[i] = static_cast<T>(static_cast<A>(p[i]) / static_cast<A>(divisor));
    }
  });
}

// ---- the group ----
namespace {
thread_local bool t_run_here = false;
}
RunHereScope::RunHereScope(bool on) : previous_(t_run_here) { t_run_here = on; }
RunHereScope::~RunHereScope() { t_run_here = previous_; }

QueuedGroup::QueuedGroup(int rank, int size, std::chrono::milliseconds timeout) : ProcessGroup(rank, size, timeout) {}

void QueuedGroup::start() { thread_ = std::thread([this] { run(); }); }

QueuedGroup::~QueuedGroup() { shutdown(); }

void QueuedGroup::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void QueuedGroup::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    queue_cv_.wait(lock, [&] { return (!queue_.empty() && !running_) || (stopping_ && queue_.empty() && !running_); });
    if (queue_.empty()) return;  // stopping, and every queued op done
    std::function<void()> job = std::move(queue_.front());
    queue_.pop_front();
    running_ = true;
    lock.unlock();
    job();
    lock.lock();
    running_ = false;
  }
}

std::string QueuedGroup::where(const char* op) const {
  return fmt::format("{} ({}, rank {} of {})", op, getBackendName(), rank_, size_);
}

std::shared_ptr<Work> QueuedGroup::enqueue(const char* op, std::function<void()> body) {
  auto work = std::make_shared<QueuedWork>();
  auto job = [this, op, work, body = std::move(body)] {
    std::exception_ptr error;
    if (!broken_.empty()) {
      error = std::make_exception_ptr(
          Error(fmt::format("{}: the process group is unusable after an earlier error: {}", where(op), broken_)));
    } else {
      try {
        body();
      } catch (const MismatchError&) {
        error = std::current_exception();
      } catch (const std::exception& e) {
        std::string message = e.what();
        if (message.rfind(op, 0) != 0) message = fmt::format("{}: {}", where(op), message);
        broken_ = message;
        error = std::make_exception_ptr(Error(message));
      }
    }
    work->finish(error);
  };
  {
    std::unique_lock<std::mutex> lock(mutex_);
    EMBER_CHECK(!stopping_, "{}: the process group has been destroyed", op);
    if (t_run_here && queue_.empty() && !running_) {
      running_ = true;
      lock.unlock();
      job();
      lock.lock();
      running_ = false;
      bool wake = !queue_.empty() || stopping_;  // queued or shut down by other threads meanwhile
      lock.unlock();
      if (wake) queue_cv_.notify_all();
      return work;
    }
    queue_.push_back(std::move(job));
  }
  queue_cv_.notify_all();
  return work;
}

void QueuedGroup::check_headers(const Header& mine, const char* op) {
  std::vector<Header> all(size_);
  exchange_headers(mine, all.data(), op);
  for (int r = 0; r < size_; ++r) {
    const Header& h = all[r];
    if (std::memcmp(&h, &mine, sizeof(Header)) == 0) continue;
    std::string what;
    if (h.magic != mine.magic || h.op != mine.op)
      what = fmt::format("rank {} called {} while this rank called {}", r, describe(h), describe(mine));
    else if (h.dtype != mine.dtype)
      what = fmt::format("rank {} has a {} tensor, this rank a {} one", r, dtype_name(static_cast<Dtype>(h.dtype)),
                         dtype_name(static_cast<Dtype>(mine.dtype)));
    else if (h.numel != mine.numel || h.shape_hash != mine.shape_hash)
      what = fmt::format("rank {} has a tensor of another shape ({} elements, this rank {})", r, h.numel, mine.numel);
    else
      what = fmt::format("rank {} passed argument {}, this rank {} (root or reduce op)", r, h.extra, mine.extra);
    throw MismatchError(fmt::format("{}: {}", where(op), what));
  }
}

namespace {
void check_tensor(const Tensor& t, const char* op, const char* what) {
  EMBER_CHECK(t.defined(), "{}: {} is an undefined tensor", op, what);
  EMBER_CHECK(t.is_contiguous(), "{}: {} must be contiguous (shape {}, strides {})", op, what, t.sizes(), t.strides());
}
void check_single(const std::vector<Tensor>& tensors, const char* op) {
  EMBER_CHECK(tensors.size() == 1, "{}: expected one tensor, got {}", op, tensors.size());
  check_tensor(tensors[0], op, "the tensor");
}
void check_op(ReduceOp rop, Dtype dtype, const char* op) {
  EMBER_CHECK(rop != ReduceOp::AVG || is_floating_point(dtype),
              "{}: ReduceOp::AVG needs a floating-point tensor, got {}", op, dtype);
}
}  // namespace

std::shared_ptr<Work> QueuedGroup::allreduce(std::vector<Tensor>& tensors, const AllreduceOptions& opts) {
  const char* op = "all_reduce";
  check_single(tensors, op);
  Tensor t = tensors[0];
  check_op(opts.reduceOp, t.dtype(), op);
  ReduceOp rop = opts.reduceOp;
  return enqueue(op, [this, t, rop, op] {
    check_headers(make_header(OpKind::AllReduce, t, static_cast<int64_t>(rop)), op);
    do_allreduce(t.data_ptr(), t.numel(), t.dtype(), rop);
    if (rop == ReduceOp::AVG) divide_in_place(t.dtype(), t.data_ptr(), t.numel(), size_);
  });
}

std::shared_ptr<Work> QueuedGroup::broadcast(std::vector<Tensor>& tensors, const BroadcastOptions& opts) {
  const char* op = "broadcast";
  check_single(tensors, op);
  EMBER_CHECK(opts.rootRank >= 0 && opts.rootRank < size_, "{}: src {} is not a rank of a group of {}", op,
              opts.rootRank, size_);
  Tensor t = tensors[0];
  int root = opts.rootRank;
  return enqueue(op, [this, t, root, op] {
    check_headers(make_header(OpKind::Broadcast, t, root), op);
    do_broadcast(t.data_ptr(), t.nbytes(), root);
  });
}

std::shared_ptr<Work> QueuedGroup::allgather(std::vector<std::vector<Tensor>>& outputTensors,
                                             std::vector<Tensor>& inputTensors) {
  const char* op = "all_gather";
  check_single(inputTensors, op);
  EMBER_CHECK(outputTensors.size() == 1, "{}: expected one list of outputs, got {}", op, outputTensors.size());
  std::vector<Tensor> outs = outputTensors[0];
  Tensor in = inputTensors[0];
  EMBER_CHECK(static_cast<int>(outs.size()) == size_, "{}: expected {} output tensors (the world size), got {}", op,
              size_, outs.size());
  for (const Tensor& o : outs) {
    check_tensor(o, op, "an output");
    EMBER_CHECK(o.dtype() == in.dtype() && o.numel() == in.numel(),
                "{}: an output is {} {}, the input {} {}", op, o.dtype(), o.sizes(), in.dtype(), in.sizes());
  }
  return enqueue(op, [this, outs, in, op] {
    check_headers(make_header(OpKind::AllGather, in, 0), op);
    size_t bytes = in.nbytes();
    std::vector<char> gathered(bytes * size_);
    do_allgather(in.data_ptr(), gathered.data(), bytes);
    for (int r = 0; r < size_; ++r)
      if (bytes) std::memcpy(outs[r].data_ptr(), gathered.data() + r * bytes, bytes);
  });
}

std::shared_ptr<Work> QueuedGroup::allgather_flat(const Tensor& output, const Tensor& input) {
  const char* op = "all_gather_into_tensor";
  check_tensor(input, op, "the input");
  check_tensor(output, op, "the output");
  EMBER_CHECK(output.dtype() == input.dtype() && output.numel() == input.numel() * size_,
              "{}: the output ({} {}) must hold world size {} times the input ({} {})", op, output.dtype(),
              output.sizes(), size_, input.dtype(), input.sizes());
  Tensor in = input, out = output;
  return enqueue(op, [this, in, out, op] {
    check_headers(make_header(OpKind::AllGather, in, 0), op);
    do_allgather(in.data_ptr(), out.data_ptr(), in.nbytes());
  });
}

std::shared_ptr<Work> QueuedGroup::reduce_scatter(std::vector<Tensor>& outputTensors,
                                                  std::vector<std::vector<Tensor>>& inputTensors,
                                                  const ReduceScatterOptions& opts) {
  const char* op = "reduce_scatter";
  check_single(outputTensors, op);
  EMBER_CHECK(inputTensors.size() == 1, "{}: expected one list of inputs, got {}", op, inputTensors.size());
  Tensor out = outputTensors[0];
  std::vector<Tensor> ins = inputTensors[0];
  EMBER_CHECK(static_cast<int>(ins.size()) == size_, "{}: expected {} input tensors (the world size), got {}", op,
              size_, ins.size());
  for (const Tensor& i : ins) {
    check_tensor(i, op, "an input");
    EMBER_CHECK(i.dtype() == out.dtype() && i.numel() == out.numel(), "{}: an input is {} {}, the output {} {}", op,
                i.dtype(), i.sizes(), out.dtype(), out.sizes());
  }
  check_op(opts.reduceOp, out.dtype(), op);
  ReduceOp rop = opts.reduceOp;
  return enqueue(op, [this, out, ins, rop, op] {
    check_headers(make_header(OpKind::ReduceScatter, out, static_cast<int64_t>(rop)), op);
    size_t bytes = out.nbytes();
    std::vector<char> packed(bytes * size_);
    for (int r = 0; r < size_; ++r)
      if (bytes) std::memcpy(packed.data() + r * bytes, ins[r].data_ptr(), bytes);
    do_reduce_scatter(packed.data(), out.data_ptr(), out.numel(), out.dtype(), rop);
    if (rop == ReduceOp::AVG) divide_in_place(out.dtype(), out.data_ptr(), out.numel(), size_);
  });
}

std::shared_ptr<Work> QueuedGroup::send(std::vector<Tensor>& tensors, int dstRank, int tag) {
  const char* op = "send";
  check_single(tensors, op);
  EMBER_CHECK(dstRank >= 0 && dstRank < size_ && dstRank != rank_,
              "{}: dst {} is not another rank of a group of {} (this is rank {})", op, dstRank, size_, rank_);
  EMBER_CHECK(tag >= 0, "{}: tag {} must not be negative", op, tag);
  return post_send(tensors[0], dstRank, tag);
}

std::shared_ptr<Work> QueuedGroup::recv(std::vector<Tensor>& tensors, int srcRank, int tag) {
  const char* op = "recv";
  check_single(tensors, op);
  EMBER_CHECK(srcRank >= 0 && srcRank < size_ && srcRank != rank_,
              "{}: src {} is not another rank of a group of {} (this is rank {})", op, srcRank, size_, rank_);
  EMBER_CHECK(tag >= 0, "{}: tag {} must not be negative", op, tag);
  return post_recv(tensors[0], srcRank, tag);
}

size_t QueuedGroup::announced_bytes(const Header& h) {
  if (h.magic != Header().magic || h.op != static_cast<int64_t>(OpKind::Send) || h.dtype < 0 || h.dtype >= kNumDtypes ||
      h.numel < 0 || h.numel > (int64_t{1} << 30))
    return 0;
  return static_cast<size_t>(h.numel * element_size(static_cast<Dtype>(h.dtype)));
}

void QueuedGroup::check_recv_header(const Header& theirs, const Tensor& t, int src, int tag) const {
  Header mine = make_header(OpKind::Send, t, tag);
  if (std::memcmp(&theirs, &mine, sizeof mine) == 0) return;
  std::string what;
  if (theirs.magic != mine.magic || theirs.op != mine.op)
    what = fmt::format("rank {} sent {}", src, describe(theirs));
  else if (theirs.dtype != mine.dtype)
    what = fmt::format("rank {} sent a {} tensor, this rank receives into a {} one", src,
                       dtype_name(static_cast<Dtype>(theirs.dtype)), t.dtype());
  else
    what = fmt::format("rank {} sent a tensor of another shape ({} elements), this rank receives into {} {}", src,
                       theirs.numel, t.sizes(), t.dtype());
  throw Error(fmt::format("{}: {}", where("recv"), what));
}

std::shared_ptr<Work> QueuedGroup::barrier() {
  const char* op = "barrier";
  return enqueue(op, [this, op] {
    check_headers(make_header(OpKind::Barrier, Tensor(), 0), op);
    do_barrier();
  });
}

}  // namespace detail
}  // namespace distributed
}  // namespace ember
