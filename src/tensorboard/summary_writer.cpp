// SummaryWriter: the caller's thread checks and copies what it logs into a queue; one
// background thread per writer encodes the queued events and writes them, waking when
// max_queue events wait (at most once a millisecond), when flush() asks, or every
// flush_secs. Each wake ends with fflush, so after it the files hold whole records only.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <ctime>
#include <functional>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ember/autograd.hpp"
#include "ember/ember.hpp"
#include "ember/jit.hpp"
#include "ember/tensorboard.hpp"
#include "src/core/check.hpp"
#include "src/tensorboard/embedding.hpp"
#include "src/tensorboard/graph.hpp"
#include "src/tensorboard/record.hpp"
#include "src/tensorboard/summaries.hpp"

namespace ember {
namespace tensorboard {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// PyTorch's default: runs/<Mon><DD>_<HH>-<MM>-<SS>_<host><comment>, local time.
std::string default_log_dir(const std::string& comment) {
  const std::time_t t = std::time(nullptr);
  std::tm local{};
  localtime_r(&t, &local);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%b%d_%H-%M-%S", &local);
  return fmt::format("runs/{}_{}{}", stamp, detail::host_name(), comment);
}

// One queued event. A scalar is kept as its fields (the common case: 72 bytes and no
// allocation beyond a long tag's); anything else carries a function that builds the
// event's payload.
struct Built {
  int field = 0;  // the Event field the payload goes into
  std::function<std::string()> build;
};
struct Pending {
  enum Kind : uint8_t { kScalar, kScalarNewStyle, kBuilt };
  Kind kind = kScalar;
  int file = 0;
  int64_t step = 0;
  double wall = 0;
  double value = 0;
  std::string tag;
  std::unique_ptr<Built> built;
};

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

struct SummaryWriter::Impl {
  using Proto = detail::Proto;
  SummaryWriterOptions options;
  std::string log_dir;

  std::mutex mu;
  std::condition_variable wake;     // the writer thread waits on it
  std::condition_variable written;  // flush() waits on it
  // A deque: it grows by small blocks, never moving what it holds, so a caller never
  // pays for copying a long queue to a larger buffer.
  std::deque<Pending> queue;
  std::vector<std::unique_ptr<detail::EventFile>> files;  // [0]: the log dir's own file
  std::map<std::string, int> file_of_dir;                 // sub-runs
  bool closed = false;
  bool stop = false;
  bool flush_requested = false;
  uint64_t enqueued = 0;
  uint64_t flushed = 0;  // events written and flushed
  std::string write_error;
  std::thread thread;

  explicit Impl(const SummaryWriterOptions& o) : options(o) {
    EMBER_CHECK(o.max_queue() >= 1, "SummaryWriter: max_queue must be at least 1, got {}", o.max_queue());
    EMBER_CHECK(o.flush_secs() > 0, "SummaryWriter: flush_secs must be positive, got {}", o.flush_secs());
    log_dir = o.log_dir().empty() ? default_log_dir(o.comment()) : o.log_dir();
    while (log_dir.size() > 1 && log_dir.back() == '/') log_dir.pop_back();  // sub-runs join with one "/"
    files.push_back(open_file(log_dir));
    file_of_dir[log_dir] = 0;
    thread = std::thread([this] { run(); });
  }

  // A new event file in `dir`; with purge_step, the events that tell TensorBoard to drop
  // what an earlier run logged from that step on (as PyTorch writes them).
  std::unique_ptr<detail::EventFile> open_file(const std::string& dir) {
    const double wall = now_seconds();
    auto file = std::make_unique<detail::EventFile>(dir, options.filename_suffix(), wall);
    if (options.purge_step()) {
      std::string framed;
      Proto version;
      version.float64(1, wall).int64(2, *options.purge_step()).bytes(3, "brain.Event:2");
      detail::append_record(framed, version.str());
      detail::append_record(framed, detail::encode_event(wall, *options.purge_step(), detail::kEventSessionLog,
                                                         detail::session_log_start()));
      if (!file->write(framed) || !file->flush())
        throw Error(fmt::format("SummaryWriter: cannot write to the log dir '{}'", dir));
    }
    return file;
  }
  // The index of the file of sub-run `dir`, opened on first use.
  int file_for(const std::string& dir) {
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = file_of_dir.find(dir);
      if (it != file_of_dir.end()) return it->second;
    }
    auto file = open_file(dir);
    std::lock_guard<std::mutex> lock(mu);
    auto it = file_of_dir.find(dir);
    if (it != file_of_dir.end()) return it->second;  // another thread opened it meanwhile
    files.push_back(std::move(file));
    const int index = static_cast<int>(files.size()) - 1;
    file_of_dir[dir] = index;
    return index;
  }

  [[noreturn]] void fail_closed(const char* fn) {
    throw Error(fmt::format("SummaryWriter.{}: the writer is closed (log dir '{}')", fn, log_dir));
  }
  void check_open(const char* fn) {
    std::lock_guard<std::mutex> lock(mu);
    if (closed) fail_closed(fn);
  }

  // Caller side: one push under the lock. The writer thread is woken only when
  // max_queue events wait, so most calls are a lock, a move and an unlock.
  void push(const char* fn, Pending&& p) {
    std::unique_lock<std::mutex> lock(mu);
    if (closed) {
      lock.unlock();
      fail_closed(fn);
    }
    queue.push_back(std::move(p));
    ++enqueued;
    if (queue.size() == static_cast<std::size_t>(options.max_queue())) wake.notify_one();
  }
  void push_built(const char* fn, int file, int field, int64_t step, double wall, std::function<std::string()> build) {
    Pending p;
    p.kind = Pending::kBuilt;
    p.file = file;
    p.step = step;
    p.wall = wall;
    p.built = std::make_unique<Built>();
    p.built->field = field;
    p.built->build = std::move(build);
    push(fn, std::move(p));
  }

  // The writer thread.
  void run() {
    using clock = std::chrono::steady_clock;
    const auto period = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(options.flush_secs()));
    std::deque<Pending> batch;
    std::vector<detail::EventFile*> targets;
    std::vector<std::string> out;  // the framed records of this batch, per file
    std::unique_lock<std::mutex> lock(mu);
    auto deadline = clock::now() + period;
    for (;;) {
      wake.wait_until(lock, deadline, [&] {
        return stop || flush_requested || queue.size() >= static_cast<std::size_t>(options.max_queue());
      });
      batch.swap(queue);
      flush_requested = false;
      const bool stopping = stop;
      const uint64_t upto = enqueued;
      targets.clear();
      for (auto& f : files) targets.push_back(f.get());
      lock.unlock();

      std::string error;
      if (out.size() < targets.size()) out.resize(targets.size());
      for (Pending& p : batch) {
        std::string& framed = out[static_cast<std::size_t>(p.file)];
        try {
          if (p.kind == Pending::kBuilt)
            detail::append_record(framed, detail::encode_event(p.wall, p.step, p.built->field, p.built->build()));
          else
            detail::append_scalar_event(framed, p.wall, p.step, p.tag, p.value, p.kind == Pending::kScalarNewStyle);
        } catch (const std::exception& e) {
          if (error.empty()) error = fmt::format("SummaryWriter: could not encode an event: {}", e.what());
        }
      }
      for (std::size_t i = 0; i < targets.size(); ++i) {
        if (!out[i].empty() && !targets[i]->write(out[i]) && error.empty())
          error = fmt::format("SummaryWriter: cannot write '{}'", targets[i]->path());
        out[i].clear();
        if (!targets[i]->flush() && error.empty())
          error = fmt::format("SummaryWriter: cannot write '{}'", targets[i]->path());
      }
      batch.clear();

      lock.lock();
      if (!error.empty() && write_error.empty()) write_error = error;
      flushed = upto;
      written.notify_all();
      deadline = clock::now() + period;
      if (stopping && queue.empty()) return;
      if (!stopping) {
        // At most one batch a millisecond: under a stream of add_scalar calls, events
        // gather meanwhile and the callers' notify finds no thread waiting, which costs
        // them nothing, where waking this thread every max_queue events would cost each
        // of them a share of a futex wake-up.
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        lock.lock();
      }
    }
  }

  void flush() {
    std::unique_lock<std::mutex> lock(mu);
    if (closed) return;
    const uint64_t target = enqueued;
    flush_requested = true;
    wake.notify_one();
    written.wait(lock, [&] { return flushed >= target; });
    if (!write_error.empty()) throw Error(write_error);
  }

  void close() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (closed) return;
      closed = true;
      stop = true;
    }
    wake.notify_one();
    thread.join();
    std::string error = write_error;
    for (auto& f : files)
      if (!f->close() && error.empty()) error = fmt::format("SummaryWriter: cannot write '{}'", f->path());
    if (!error.empty()) throw Error(error);
  }
};

SummaryWriter::SummaryWriter() : SummaryWriter(SummaryWriterOptions()) {}
SummaryWriter::SummaryWriter(const SummaryWriterOptions& options) : impl_(std::make_unique<Impl>(options)) {}
SummaryWriter::SummaryWriter(const std::string& log_dir) : SummaryWriter(SummaryWriterOptions(log_dir)) {}
SummaryWriter::SummaryWriter(const char* log_dir) : SummaryWriter(SummaryWriterOptions(std::string(log_dir))) {}
SummaryWriter::~SummaryWriter() {
  if (!impl_) return;
  try {
    impl_->close();
  } catch (...) {  // a destructor cannot report a failed write; close() does
  }
}
SummaryWriter::SummaryWriter(SummaryWriter&&) noexcept = default;
SummaryWriter& SummaryWriter::operator=(SummaryWriter&& other) noexcept {
  if (this != &other) {
    if (impl_) {
      try {
        impl_->close();
      } catch (...) {
      }
    }
    impl_ = std::move(other.impl_);
  }
  return *this;
}

namespace {
SummaryWriter::Impl& get(const std::unique_ptr<SummaryWriter::Impl>& impl, const char* fn) {
  if (!impl) throw Error(fmt::format("SummaryWriter.{}: the writer was moved from", fn));
  return *impl;
}
}  // namespace

const std::string& SummaryWriter::log_dir() const { return get(impl_, "log_dir").log_dir; }
std::string SummaryWriter::file_path() const { return get(impl_, "file_path").files[0]->path(); }

void SummaryWriter::add_scalar(const std::string& tag, double scalar_value, std::optional<int64_t> global_step,
                               std::optional<double> walltime, bool new_style) {
  Impl& s = get(impl_, "add_scalar");
  Pending p;
  p.kind = new_style ? Pending::kScalarNewStyle : Pending::kScalar;
  p.step = global_step.value_or(0);
  p.wall = walltime ? *walltime : now_seconds();
  p.value = scalar_value;
  p.tag = tag;
  s.push("add_scalar", std::move(p));
}

namespace {
double scalar_of(const Tensor& t, const char* fn) {
  EMBER_CHECK(t.defined(), "SummaryWriter.{}: the value is an undefined tensor", fn);
  EMBER_CHECK(t.numel() == 1, "SummaryWriter.{}: expected a tensor of one element, got shape {}", fn, t.sizes());
  return t.to(kFloat64).contiguous().data_ptr<double>()[0];
}
}  // namespace

void SummaryWriter::add_scalar(const std::string& tag, const Tensor& scalar_value, std::optional<int64_t> global_step,
                               std::optional<double> walltime, bool new_style) {
  add_scalar(tag, scalar_of(scalar_value, "add_scalar"), global_step, walltime, new_style);
}

void SummaryWriter::add_scalars(const std::string& main_tag, const std::map<std::string, double>& tag_scalar_dict,
                                std::optional<int64_t> global_step, std::optional<double> walltime) {
  Impl& s = get(impl_, "add_scalars");
  s.check_open("add_scalars");
  std::string dir_tag = main_tag;
  std::replace(dir_tag.begin(), dir_tag.end(), '/', '_');
  const double wall = walltime ? *walltime : now_seconds();
  for (const auto& [key, value] : tag_scalar_dict) {
    Pending p;
    p.file = s.file_for(s.log_dir + "/" + dir_tag + "_" + key);
    p.step = global_step.value_or(0);
    p.wall = wall;
    p.value = value;
    p.tag = main_tag;
    s.push("add_scalars", std::move(p));
  }
}

namespace {

std::shared_ptr<std::vector<double>> values_of(const Tensor& values, const char* fn) {
  EMBER_CHECK(values.defined(), "SummaryWriter.{}: the values are an undefined tensor", fn);
  EMBER_CHECK(values.numel() > 0, "SummaryWriter.{}: the tensor has no elements (shape {})", fn, values.sizes());
  // One pass from the tensor's memory into the copy the writer thread bins.
  const Tensor c = values.dtype() == kFloat32 || values.dtype() == kFloat64 ? values.contiguous()
                                                                             : values.to(kFloat64).contiguous();
  auto out = std::make_shared<std::vector<double>>(static_cast<std::size_t>(c.numel()));
  if (c.dtype() == kFloat32) {
    const float* p = c.data_ptr<float>();
    for (std::size_t i = 0; i < out->size(); ++i) (*out)[i] = p[i];
  } else {
    std::memcpy(out->data(), c.data_ptr<double>(), out->size() * sizeof(double));
  }
  return out;
}

// PyTorch raises when no value falls within the edges (the trimmed histogram is empty).
void check_some_within(const std::vector<double>& v, const std::vector<double>& edges, const Tensor& values) {
  const double lo = edges.front(), hi = edges.back();
  const bool any = std::any_of(v.begin(), v.end(), [&](double x) { return x >= lo && x <= hi; });
  EMBER_CHECK(any, "SummaryWriter.add_histogram: no value of the tensor (shape {}) lies within the bin edges [{}, {}]",
              values.sizes(), lo, hi);
}

}  // namespace

void SummaryWriter::add_histogram(const std::string& tag, const Tensor& values, std::optional<int64_t> global_step,
                                  const HistogramBins& bins, std::optional<double> walltime,
                                  std::optional<int64_t> max_bins) {
  Impl& s = get(impl_, "add_histogram");
  s.check_open("add_histogram");
  EMBER_CHECK(!max_bins || *max_bins >= 1, "SummaryWriter.add_histogram: max_bins must be at least 1, got {}",
              max_bins.value_or(0));
  std::shared_ptr<const std::vector<double>> edges;
  if (bins.count()) {
    EMBER_CHECK(*bins.count() >= 1, "SummaryWriter.add_histogram: bins must be at least 1, got {}", *bins.count());
  } else if (!bins.is_tensorflow()) {
    const std::vector<double>& e = bins.edges();
    EMBER_CHECK(e.size() >= 2, "SummaryWriter.add_histogram: expected at least 2 bin edges, got {}", e.size());
    for (std::size_t i = 0; i < e.size(); ++i) {
      EMBER_CHECK(!std::isnan(e[i]), "SummaryWriter.add_histogram: bin edge {} is NaN", i);
      EMBER_CHECK(i == 0 || e[i - 1] <= e[i],
                  "SummaryWriter.add_histogram: bin edges must increase monotonically, but edge {} ({}) > edge {} ({})",
                  i - 1, e[i - 1], i, e[i]);
    }
    edges = std::make_shared<const std::vector<double>>(e);
  }
  auto v = values_of(values, "add_histogram");
  if (bins.count()) {
    // numpy.histogram(bins=N) takes its range from the values: it must be finite.
    const bool finite = std::all_of(v->begin(), v->end(), [](double x) { return std::isfinite(x); });
    EMBER_CHECK(finite,
                "SummaryWriter.add_histogram: bins={} needs finite values; the tensor (shape {}) holds NaN or inf",
                *bins.count(), values.sizes());
    const auto [lo, hi] = std::minmax_element(v->begin(), v->end());
    edges = std::make_shared<const std::vector<double>>(detail::equal_width_edges(*lo, *hi, *bins.count()));
  } else {
    check_some_within(*v, edges ? *edges : detail::default_bins(), values);
  }
  const detail::EdgeLayout layout = bins.count()           ? detail::EdgeLayout::kEqualWidth
                                    : bins.is_tensorflow() ? detail::EdgeLayout::kTensorflow
                                                           : detail::EdgeLayout::kAny;
  s.push_built("add_histogram", 0, detail::kEventSummary, global_step.value_or(0),
               walltime ? *walltime : now_seconds(), [tag, v, edges, max_bins, layout] {
                 return detail::histogram_summary(
                     tag, detail::make_histogram(*v, edges ? *edges : detail::default_bins(), max_bins, layout));
               });
}

namespace {

// Checks an image tensor against its dataformats (a permutation of the letters of one
// of `allowed`) and copies it: uint8 as is, anything else as float32 to be scaled.
struct ImageCopy {
  std::vector<int64_t> sizes;
  std::string format;
  std::shared_ptr<std::vector<uint8_t>> bytes;
  std::shared_ptr<std::vector<float>> floats;
};
ImageCopy copy_image(const Tensor& img, const std::string& dataformats, const std::vector<std::string>& allowed,
                     const char* fn) {
  EMBER_CHECK(img.defined(), "SummaryWriter.{}: the image is an undefined tensor", fn);
  ImageCopy out;
  out.format = upper(dataformats);
  std::string sorted = out.format;
  std::sort(sorted.begin(), sorted.end());
  bool known = false;
  for (std::string a : allowed) {
    std::sort(a.begin(), a.end());
    known = known || a == sorted;
  }
  EMBER_CHECK(known, "SummaryWriter.{}: dataformats '{}' is not an ordering of {} (image shape {})", fn, dataformats,
              fmt::join(allowed, " or "), img.sizes());
  EMBER_CHECK(img.dim() == static_cast<int64_t>(out.format.size()),
              "SummaryWriter.{}: dataformats '{}' needs a {}-d tensor, got shape {}", fn, out.format,
              out.format.size(), img.sizes());
  out.sizes.assign(img.sizes().begin(), img.sizes().end());
  const auto c = out.format.find('C');
  if (c != std::string::npos) {
    const int64_t channels = out.sizes[c];
    EMBER_CHECK(channels == 1 || channels == 3 || channels == 4,
                "SummaryWriter.{}: expected 1, 3 or 4 channels (dataformats '{}'), got shape {}", fn, out.format,
                img.sizes());
  }
  for (int64_t s : out.sizes)
    EMBER_CHECK(s > 0, "SummaryWriter.{}: the image has no pixels (shape {}, dataformats '{}')", fn, img.sizes(),
                out.format);
  if (img.dtype() == kUInt8) {
    const Tensor t = img.contiguous();
    out.bytes = std::make_shared<std::vector<uint8_t>>(t.data_ptr<uint8_t>(), t.data_ptr<uint8_t>() + t.numel());
  } else {
    const Tensor t = img.to(kFloat32).contiguous();
    out.floats = std::make_shared<std::vector<float>>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
  }
  return out;
}

std::function<std::string()> image_builder(const std::string& tag, ImageCopy copy) {
  return [tag, copy] {
    const std::vector<uint8_t> scaled = copy.bytes ? std::vector<uint8_t>() : detail::scale_to_bytes(*copy.floats);
    return detail::image_summary(tag, detail::to_hwc(copy.bytes ? *copy.bytes : scaled, copy.sizes, copy.format));
  };
}

}  // namespace

void SummaryWriter::add_image(const std::string& tag, const Tensor& img_tensor, std::optional<int64_t> global_step,
                              std::optional<double> walltime, const std::string& dataformats) {
  Impl& s = get(impl_, "add_image");
  s.check_open("add_image");
  ImageCopy copy = copy_image(img_tensor, dataformats, {"CHW", "HW"}, "add_image");
  s.push_built("add_image", 0, detail::kEventSummary, global_step.value_or(0), walltime ? *walltime : now_seconds(),
               image_builder(tag, std::move(copy)));
}

void SummaryWriter::add_images(const std::string& tag, const Tensor& img_tensor, std::optional<int64_t> global_step,
                               std::optional<double> walltime, const std::string& dataformats) {
  Impl& s = get(impl_, "add_images");
  s.check_open("add_images");
  ImageCopy copy = copy_image(img_tensor, dataformats, {"NCHW"}, "add_images");
  s.push_built("add_images", 0, detail::kEventSummary, global_step.value_or(0), walltime ? *walltime : now_seconds(),
               image_builder(tag, std::move(copy)));
}

void SummaryWriter::add_text(const std::string& tag, const std::string& text_string,
                             std::optional<int64_t> global_step, std::optional<double> walltime) {
  Impl& s = get(impl_, "add_text");
  s.push_built("add_text", 0, detail::kEventSummary, global_step.value_or(0), walltime ? *walltime : now_seconds(),
               [tag, text_string] { return detail::text_summary(tag, text_string); });
}

void SummaryWriter::add_graph(nn::Module& model, const Tensor& input_to_model) {
  add_graph(model, std::vector<Tensor>{input_to_model});
}

void SummaryWriter::add_graph(nn::Module& model, const std::vector<Tensor>& inputs_to_model) {
  Impl& s = get(impl_, "add_graph");
  s.check_open("add_graph");
  // Module's virtual forward takes one tensor.
  EMBER_CHECK(inputs_to_model.size() == 1,
              "SummaryWriter.add_graph: the model's forward(Tensor) takes one input, got {} inputs",
              inputs_to_model.size());
  EMBER_CHECK(inputs_to_model[0].defined(), "SummaryWriter.add_graph: the input is an undefined tensor");
  // Traced in eval mode, as PyTorch's add_graph does (dropout off, batch norm's running
  // statistics left alone); each module's own mode is restored after.
  // Restored from the last module apply() visits (the model) to the first: a parent's
  // train() sets its children, so each child is set after its parent.
  std::vector<std::pair<nn::Module*, bool>> modes;
  model.apply([&](nn::Module& m) { modes.emplace_back(&m, m.is_training()); });
  struct RestoreModes {
    std::vector<std::pair<nn::Module*, bool>>& modes;
    ~RestoreModes() {
      for (auto it = modes.rbegin(); it != modes.rend(); ++it) it->first->train(it->second);
    }
  } restore{modes};
  model.eval();
  std::string graph;
  {
    NoGradGuard no_grad;
    jit::TraceOptions options;
    options.check_trace = false;  // the graph is shown, not replayed
    nn::Module* m = &model;
    auto traced = jit::trace(
        model, [m](const std::vector<Tensor>& xs) { return std::vector<Tensor>{m->forward(xs.at(0))}; },
        inputs_to_model, options);
    graph = detail::graph_def(traced.graph());
  }
  auto bytes = std::make_shared<std::string>(std::move(graph));
  s.push_built("add_graph", 0, detail::kEventGraphDef, 0, now_seconds(), [bytes] { return *bytes; });
}

void SummaryWriter::add_hparams(const std::map<std::string, HParamValue>& hparam_dict,
                                const std::map<std::string, double>& metric_dict,
                                const std::map<std::string, std::vector<HParamValue>>& hparam_domain_discrete,
                                const std::string& run_name, std::optional<int64_t> global_step) {
  Impl& s = get(impl_, "add_hparams");
  s.check_open("add_hparams");
  for (const auto& [name, domain] : hparam_domain_discrete) {
    auto it = hparam_dict.find(name);
    EMBER_CHECK(it != hparam_dict.end(),
                "SummaryWriter.add_hparams: hparam_domain_discrete names '{}', which hparam_dict does not hold", name);
    for (const HParamValue& d : domain)
      EMBER_CHECK(d.index() == it->second.index(),
                  "SummaryWriter.add_hparams: the domain of '{}' holds a value of another type than its value", name);
  }
  const detail::HParamsSummaries summaries = detail::hparams_summaries(hparam_dict, metric_dict, hparam_domain_discrete);
  const std::string run = run_name.empty() ? fmt::format("{}", now_seconds()) : run_name;
  const int file = s.file_for(s.log_dir + "/" + run);
  const int64_t step = global_step.value_or(0);
  const double wall = now_seconds();
  for (const std::string* summary : {&summaries.experiment, &summaries.session_start, &summaries.session_end}) {
    auto bytes = std::make_shared<std::string>(*summary);
    s.push_built("add_hparams", file, detail::kEventSummary, step, wall, [bytes] { return *bytes; });
  }
  for (const auto& [name, value] : metric_dict) {
    Pending p;
    p.file = file;
    p.step = step;
    p.wall = wall;
    p.value = value;
    p.tag = name;
    s.push("add_hparams", std::move(p));
  }
}

void SummaryWriter::add_embedding(const Tensor& mat, const EmbeddingMetadata& metadata, const Tensor& label_img,
                                  std::optional<int64_t> global_step, const std::string& tag,
                                  const std::vector<std::string>& metadata_header) {
  Impl& s = get(impl_, "add_embedding");
  s.check_open("add_embedding");
  detail::write_embedding(s.log_dir, mat, metadata.rows(), metadata_header, label_img, global_step.value_or(0), tag);
}

void SummaryWriter::flush() { get(impl_, "flush").flush(); }
void SummaryWriter::close() { get(impl_, "close").close(); }

}  // namespace tensorboard
}  // namespace ember
