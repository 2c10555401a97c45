// The DataLoader: index order, batching, and the background workers.
//
// Workers make whole batches, each claiming the next batch number, and file them by
// number; the consumer takes them in order, so batches do not depend on the number of
// workers. Each epoch has its own worker threads, started by begin() and joined before
// the next epoch starts or the loader goes away.
//
// Tensors do not cross between the threads: a worker copies each finished batch
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
#include <map>
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
  std::vector<int64_t> order;  // this epoch's indices; read by the workers, so only
                               // changed while no worker runs
  int64_t batches = 0;
  int64_t next = 0;  // next batch to make (synchronous mode)

  // Background mode: each worker claims the next batch number, makes that batch and
  // files it under its number; the consumer takes them by number, in order. A worker
  // claims a batch only while fewer than prefetch * num_workers batches are ahead of
  // the consumer, which bounds the memory held.
  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable space;  // workers wait for the consumer to fall less behind
  std::condition_variable ready;  // the consumer waits for its next batch
  std::map<int64_t, RawBatch> made;
  int64_t to_claim = 0;   // next batch number a worker will claim
  int64_t to_take = 0;    // next batch number the consumer will take
  int64_t failed = -1;    // the first batch whose making threw, or -1
  std::exception_ptr error;
  bool stop = false;      // the consumer wants the workers gone

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
    const int64_t ahead = options.prefetch() * options.num_workers();
    for (;;) {
      int64_t b;
      {
        std::unique_lock<std::mutex> lock(mutex);
        space.wait(lock, [&] { return stop || failed >= 0 || to_claim >= batches || to_claim - to_take < ahead; });
        if (stop || failed >= 0 || to_claim >= batches) return;
        b = to_claim++;
      }
      RawBatch batch;
      std::exception_ptr e;
      try {
        batch = to_raw(make_batch(b));
      } catch (...) {
        e = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (stop) return;  // the batch is dropped here, on this thread
        if (e) {
          // Batches claimed before b still finish; none after it is claimed.
          if (failed < 0 || b < failed) {
            failed = b;
            error = e;
          }
        } else {
          made.emplace(b, std::move(batch));
        }
      }
      ready.notify_all();
      space.notify_all();
    }
  }

  void stop_workers() {
    if (workers.empty()) return;
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    space.notify_all();
    for (std::thread& w : workers) w.join();
    workers.clear();
    made.clear();
    error = nullptr;
    failed = -1;
  }

  // This epoch's indices: 0..N-1, shuffled, or what the sampler gives.
  void fill_order() {
    const int64_t n = dataset->size();
    order.clear();
    if (const auto& sampler = options.sampler()) {
      sampler->reset(static_cast<std::size_t>(n));
      while (auto chunk = sampler->next(1024)) {
        for (std::size_t i : *chunk) {
          EMBER_CHECK(i < static_cast<std::size_t>(n), "DataLoader: the sampler gave index {} for a dataset of {} samples",
                      i, n);
          order.push_back(static_cast<int64_t>(i));
        }
      }
    } else {
      order.resize(static_cast<std::size_t>(n));
      std::iota(order.begin(), order.end(), int64_t(0));
      if (options.shuffle()) std::shuffle(order.begin(), order.end(), rng);
    }
    const int64_t bs = options.batch_size(), m = static_cast<int64_t>(order.size());
    batches = options.drop_last() ? m / bs : (m + bs - 1) / bs;
  }

  void start_epoch() {
    stop_workers();
    fill_order();
    next = 0;
    if (options.num_workers() == 0 || batches == 0) return;
    stop = false;
    to_claim = to_take = 0;
    for (int64_t w = 0; w < options.num_workers(); ++w) workers.emplace_back([this] { run_worker(); });
  }

  // The next batch into `out`; false at the end of the epoch.
  bool take(Example& out) {
    if (options.num_workers() == 0) {
      if (next >= batches) return false;
      out = make_batch(next++);
      return true;
    }
    if (workers.empty()) return false;
    std::unique_lock<std::mutex> lock(mutex);
    if (to_take >= batches) {
      lock.unlock();
      stop_workers();
      return false;
    }
    ready.wait(lock, [&] { return made.count(to_take) || failed == to_take; });
    if (failed == to_take) {
      std::exception_ptr e = error;
      lock.unlock();
      stop_workers();
      std::rethrow_exception(e);
    }
    auto it = made.find(to_take);
    RawBatch raw = std::move(it->second);
    made.erase(it);
    ++to_take;
    lock.unlock();
    space.notify_all();
    out = from_raw(raw);
    return true;
  }
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : impl_(std::make_unique<Impl>()) {
  EMBER_CHECK(dataset != nullptr, "DataLoader: dataset is null");
  EMBER_CHECK(options.batch_size() >= 1, "DataLoader: batch_size must be at least 1, got {}", options.batch_size());
  EMBER_CHECK(options.num_workers() >= 0, "DataLoader: num_workers must be >= 0, got {}", options.num_workers());
  EMBER_CHECK(!(options.sampler() && options.shuffle()),
              "DataLoader: sampler option is mutually exclusive with shuffle");
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
  const int64_t m = options.sampler() ? static_cast<int64_t>(options.sampler()->size()) : n;
  impl_->batches = options.drop_last() ? m / bs : (m + bs - 1) / bs;
  impl_->dataset = std::move(dataset);
  impl_->options = std::move(options);
}

DataLoader::~DataLoader() {
  if (impl_) impl_->stop_workers();
}
DataLoader::DataLoader(DataLoader&&) noexcept = default;
DataLoader& DataLoader::operator=(DataLoader&& o) noexcept {
  if (this != &o) {
    if (impl_) impl_->stop_workers();
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
