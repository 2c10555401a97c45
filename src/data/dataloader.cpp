// The DataLoader: index order, batching, and the background worker.
//
// The worker makes batches in order and hands them over through a queue bounded by
// `prefetch`; the consumer takes them in order. Each epoch has its own worker thread,
// started by begin() and joined before the next epoch starts or the loader goes away.
//
// Tensors do not cross between the threads: the worker copies each finished batch
// into plain malloc'd buffers and frees its own tensors itself; the consumer wraps the
// buffers as tensors with from_blob. A batch thus never shares memory with the
// dataset's tensors. (Tensors could cross too: the caching allocator returns blocks
// freed on another thread to a shared pool.)
#include "ember/data/dataloader.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <mutex>
#include <new>
#include <numeric>
#include <random>
#include <thread>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace data {

namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// One field of a batch in transit: contiguous bytes, shape and dtype.
struct RawTensor {
  std::unique_ptr<void, FreeDeleter> data;
  std::vector<int64_t> sizes;
  Dtype dtype = kFloat32;
};
using RawBatch = std::vector<RawTensor>;

RawBatch to_raw(const Example& batch) {
  RawBatch out;
  out.reserve(batch.size());
  for (std::size_t k = 0; k < batch.size(); ++k) {
    EMBER_CHECK(batch[k].defined(), "DataLoader: field {} of a batch is an undefined tensor", k);
    Tensor t = batch[k].contiguous();
    RawTensor r;
    r.sizes = t.sizes().vec();
    r.dtype = t.dtype();
    const std::size_t n = static_cast<std::size_t>(t.nbytes());
    if (n) {
      r.data.reset(std::aligned_alloc(64, (n + 63) / 64 * 64));
      if (!r.data) throw std::bad_alloc();
      std::memcpy(r.data.get(), t.data_ptr(), n);
    }
    out.push_back(std::move(r));
  }
  return out;
}

Example from_raw(RawBatch& raw) {
  Example out;
  out.reserve(raw.size());
  for (RawTensor& r : raw) {
    Tensor t = from_blob(r.data.get(), r.sizes, [](void* p) { std::free(p); }, TensorOptions(r.dtype));
    r.data.release();  // the tensor owns it now
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

struct DataLoader::Impl {
  std::shared_ptr<const Dataset> dataset;
  DataLoaderOptions options;
  std::mt19937_64 rng;
  std::vector<int64_t> order;  // this epoch's indices; read by the worker, so only
                               // changed while no worker runs
  int64_t batches = 0;
  int64_t next = 0;  // next batch to make (synchronous mode)

  // Background mode.
  std::thread worker;
  std::mutex mutex;
  std::condition_variable space;  // the worker waits for room in the queue
  std::condition_variable ready;  // the consumer waits for a batch
  std::deque<RawBatch> queue;
  std::exception_ptr error;  // from the batch after the queued ones
  bool finished = false;     // the worker has made its last batch (or failed)
  bool stop = false;         // the consumer wants the worker gone

  Example make_batch(int64_t b) const {
    NoGradGuard no_grad;
    const int64_t bs = options.batch_size();
    const int64_t n = static_cast<int64_t>(order.size());
    const int64_t lo = b * bs, hi = std::min(n, lo + bs);
    std::vector<int64_t> indices(order.begin() + lo, order.begin() + hi);
    if (!options.collate()) return dataset->get_batch(indices);
    std::vector<Example> samples;
    samples.reserve(indices.size());
    for (int64_t i : indices) samples.push_back(dataset->get(i));
    return options.collate()(samples);
  }

  void run_worker() {
    for (int64_t b = 0; b < batches; ++b) {
      RawBatch batch;
      try {
        batch = to_raw(make_batch(b));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        error = std::current_exception();
        finished = true;
        ready.notify_one();
        return;
      }
      std::unique_lock<std::mutex> lock(mutex);
      space.wait(lock, [&] { return stop || static_cast<int64_t>(queue.size()) < options.prefetch(); });
      if (stop) return;  // the batch is dropped here, on this thread
      queue.push_back(std::move(batch));
      ready.notify_one();
    }
    std::lock_guard<std::mutex> lock(mutex);
    finished = true;
    ready.notify_one();
  }

  void stop_worker() {
    if (!worker.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    space.notify_one();
    worker.join();
    queue.clear();
    error = nullptr;
  }

  void start_epoch() {
    stop_worker();
    const int64_t n = dataset->size();
    order.resize(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), int64_t(0));
    if (options.shuffle()) std::shuffle(order.begin(), order.end(), rng);
    next = 0;
    if (options.num_workers() == 0 || batches == 0) return;
    stop = false;
    finished = false;
    worker = std::thread([this] { run_worker(); });
  }

  // The next batch into `out`; false at the end of the epoch.
  bool take(Example& out) {
    if (options.num_workers() == 0) {
      if (next >= batches) return false;
      out = make_batch(next++);
      return true;
    }
    if (!worker.joinable()) return false;
    std::unique_lock<std::mutex> lock(mutex);
    ready.wait(lock, [&] { return !queue.empty() || finished; });
    if (!queue.empty()) {
      RawBatch raw = std::move(queue.front());
      queue.pop_front();
      space.notify_one();
      lock.unlock();
      out = from_raw(raw);
      return true;
    }
    std::exception_ptr e = error;
    error = nullptr;
    lock.unlock();
    worker.join();
    if (e) std::rethrow_exception(e);
    return false;
  }
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : impl_(std::make_unique<Impl>()) {
  EMBER_CHECK(dataset != nullptr, "DataLoader: dataset is null");
  EMBER_CHECK(options.batch_size() >= 1, "DataLoader: batch_size must be at least 1, got {}", options.batch_size());
  EMBER_CHECK(options.num_workers() == 0 || options.num_workers() == 1,
              "DataLoader: num_workers must be 0 (no thread) or 1 (one background thread), got {}",
              options.num_workers());
  EMBER_CHECK(options.prefetch() >= 1, "DataLoader: prefetch must be at least 1, got {}", options.prefetch());
  const int64_t n = dataset->size();
  EMBER_CHECK(n >= 0, "DataLoader: dataset size is negative ({})", n);
  // A seed is drawn from ember's generator only when it is needed, so a sequential
  // loader leaves the global random stream alone.
  uint64_t seed = 0;
  if (options.seed()) seed = *options.seed();
  else if (options.shuffle())
    seed = static_cast<uint64_t>(randint(0, std::numeric_limits<int64_t>::max(), {1}).item<int64_t>());
  impl_->rng.seed(seed);
  const int64_t bs = options.batch_size();
  impl_->batches = options.drop_last() ? n / bs : (n + bs - 1) / bs;
  impl_->dataset = std::move(dataset);
  impl_->options = std::move(options);
}

DataLoader::~DataLoader() {
  if (impl_) impl_->stop_worker();
}
DataLoader::DataLoader(DataLoader&&) noexcept = default;
DataLoader& DataLoader::operator=(DataLoader&& o) noexcept {
  if (this != &o) {
    if (impl_) impl_->stop_worker();
    impl_ = std::move(o.impl_);
  }
  return *this;
}

DataLoader::Iterator DataLoader::begin() {
  EMBER_CHECK(impl_ != nullptr, "DataLoader: used after being moved from");
  impl_->start_epoch();
  Iterator it(this);
  ++it;
  return it;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  if (!loader_) return *this;
  DataLoader* loader = loader_;
  loader_ = nullptr;  // an exception leaves the iterator at the end
  if (loader->impl_->take(batch_)) loader_ = loader;
  else batch_.clear();
  return *this;
}

int64_t DataLoader::size() const { return impl_->batches; }
const Dataset& DataLoader::dataset() const { return *impl_->dataset; }
const DataLoaderOptions& DataLoader::options() const { return impl_->options; }

}  // namespace data
}  // namespace ember
