// TensorBoard logs from C++: ember::tensorboard::SummaryWriter, shaped like PyTorch's
// torch.utils.tensorboard.SummaryWriter. It writes the event files TensorBoard reads
// (docs/TENSORBOARD_FORMAT.md lists the format facts and their sources).
//
//   ember::tensorboard::SummaryWriter writer("runs/mlp");
//   writer.add_scalar("loss/train", loss.item<double>(), step);
//   writer.add_histogram("fc1.weight", model.fc1->weight, epoch);
//
// The calling thread only copies what it logs into a queue; a background thread encodes
// and writes it. flush(), close() and the destructor drain the queue; after a flush the
// file is complete up to that point, so a crash loses at most what was logged since.
//
// Part of the optional ember_tensorboard library (CMake option EMBER_BUILD_TENSORBOARD,
// target ember::tensorboard); <ember/ember.hpp> does not include this header.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "ember/nn/arg.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace nn {
class Module;
}
namespace tensorboard {

// The writer's settings, as PyTorch's SummaryWriter arguments. An empty log_dir means
// `runs/<Mon>DD_HH-MM-SS_<host><comment>` (PyTorch's default, e.g. runs/Dec05_11-02-07_box).
struct SummaryWriterOptions {
  SummaryWriterOptions() = default;
  SummaryWriterOptions(std::string log_dir) : log_dir_(std::move(log_dir)) {}  // NOLINT: implicit, as PyTorch's first argument
  EMBER_ARG(std::string, log_dir);
  // Appended to the default log_dir (ignored when log_dir is given).
  EMBER_ARG(std::string, comment);
  // Events of a step >= purge_step that an earlier run wrote are hidden by TensorBoard
  // (a resumed run after a crash): written as a SessionLog START event at that step.
  EMBER_ARG(std::optional<int64_t>, purge_step) = std::nullopt;
  // Events queued before the writer thread is woken to write them.
  EMBER_ARG(int, max_queue) = 10;
  // Seconds between automatic flushes of the event file.
  EMBER_ARG(double, flush_secs) = 120;
  // Appended to the event file's name.
  EMBER_ARG(std::string, filename_suffix);
};

// add_histogram's bins, as numpy.histogram's `bins`: PyTorch's default "tensorflow" bins
// (edges +-1e-12 * 1.1^k up to 1e20, and 0), a number of equal-width bins between the
// values' min and max (bins=N), or increasing bin edges (bins=[...]). A count converts
// from an integer only, so that a step or a walltime cannot be taken for it.
class HistogramBins {
 public:
  HistogramBins() = default;
  template <class I, std::enable_if_t<std::is_integral<I>::value && !std::is_same<I, bool>::value, int> = 0>
  HistogramBins(I count) : count_(static_cast<int64_t>(count)) {}  // NOLINT: implicit, as numpy's bins=N
  HistogramBins(std::vector<double> edges) : edges_(std::move(edges)), has_edges_(true) {}  // NOLINT
  HistogramBins(std::initializer_list<double> edges) : edges_(edges), has_edges_(true) {}  // NOLINT
  static HistogramBins tensorflow() { return HistogramBins(); }

  bool is_tensorflow() const { return !count_ && !has_edges_; }
  const std::optional<int64_t>& count() const { return count_; }
  const std::vector<double>& edges() const { return edges_; }

 private:
  std::optional<int64_t> count_;
  std::vector<double> edges_;
  bool has_edges_ = false;
};

// add_embedding's metadata: none, one label per row, or rows of columns (with a
// metadata_header). One type for all three, so that `{}` and braced lists pick one.
class EmbeddingMetadata {
 public:
  EmbeddingMetadata() = default;
  EmbeddingMetadata(const std::vector<std::string>& labels) {  // NOLINT: implicit
    for (const auto& l : labels) rows_.push_back({l});
  }
  EmbeddingMetadata(std::initializer_list<const char*> labels) {  // NOLINT: {"cat", "dog"}
    for (const char* l : labels) rows_.push_back({l});
  }
  EmbeddingMetadata(std::vector<std::vector<std::string>> rows) : rows_(std::move(rows)) {}  // NOLINT
  EmbeddingMetadata(std::initializer_list<std::vector<std::string>> rows) : rows_(rows) {}  // NOLINT
  const std::vector<std::vector<std::string>>& rows() const { return rows_; }
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::vector<std::string>> rows_;
};

// One hyperparameter value of add_hparams: a number, a string or a bool.
using HParamValue = std::variant<double, std::string, bool>;

class SummaryWriter {
 public:
  // Creates the log dir (and its parents) and the event file at once: a dir that cannot
  // be created or written throws ember::Error naming it.
  SummaryWriter();
  explicit SummaryWriter(const SummaryWriterOptions& options);
  explicit SummaryWriter(const std::string& log_dir);
  explicit SummaryWriter(const char* log_dir);
  ~SummaryWriter();  // close()
  SummaryWriter(const SummaryWriter&) = delete;
  SummaryWriter& operator=(const SummaryWriter&) = delete;
  SummaryWriter(SummaryWriter&&) noexcept;
  SummaryWriter& operator=(SummaryWriter&&) noexcept;

  // The log dir in use and the path of its event file.
  const std::string& log_dir() const;
  std::string file_path() const;

  // global_step defaults to 0 and walltime to now, in seconds since the epoch, as in PyTorch.
  // new_style writes the scalar as a tensor summary with the scalars plugin's metadata
  // (TensorBoard's newer encoding); the default is the simple_value form PyTorch writes.
  void add_scalar(const std::string& tag, double scalar_value, std::optional<int64_t> global_step = std::nullopt,
                  std::optional<double> walltime = std::nullopt, bool new_style = false);
  // A one-element tensor (any dtype).
  void add_scalar(const std::string& tag, const Tensor& scalar_value, std::optional<int64_t> global_step = std::nullopt,
                  std::optional<double> walltime = std::nullopt, bool new_style = false);

  // Several scalars on one chart: each goes to the sub-run `<log_dir>/<main_tag>_<key>`
  // (its own event file) under the tag main_tag, as PyTorch does.
  void add_scalars(const std::string& main_tag, const std::map<std::string, double>& tag_scalar_dict,
                   std::optional<int64_t> global_step = std::nullopt, std::optional<double> walltime = std::nullopt);

  // A histogram of the values (any shape, any dtype), binned as numpy.histogram does with
  // `bins` (see HistogramBins; by default PyTorch's "tensorflow" bins) and trimmed to the
  // buckets that hold values, as torch.utils.tensorboard does. max_bins merges
  // neighbouring bins when there are more. Arguments in PyTorch's order:
  //   writer.add_histogram("fc1.weight", w, epoch);               // "tensorflow" bins
  //   writer.add_histogram("fc1.weight", w, epoch, 30);           // 30 equal-width bins
  //   writer.add_histogram("fc1.weight", w, epoch, {-1.0, 0.0, 1.0});  // edges
  void add_histogram(const std::string& tag, const Tensor& values, std::optional<int64_t> global_step = std::nullopt,
                     const HistogramBins& bins = HistogramBins(), std::optional<double> walltime = std::nullopt,
                     std::optional<int64_t> max_bins = std::nullopt);

  // An image, PNG-encoded. dataformats "CHW" (default), "HWC", "HW" or another order of
  // those letters (any case); 1, 3 or 4 channels, one channel shown as grey RGB. uint8
  // is taken as is; any other dtype as [0, 1]: times 255, clipped to [0, 255] and
  // truncated, as PyTorch does.
  void add_image(const std::string& tag, const Tensor& img_tensor, std::optional<int64_t> global_step = std::nullopt,
                 std::optional<double> walltime = std::nullopt, const std::string& dataformats = "CHW");
  // A batch of images ("NCHW" default, "NHWC", or another order of those letters), drawn
  // as one grid as torchvision's make_grid does by default: 8 per row, 2 pixels of black
  // around each (PyTorch's add_images packs them without the padding).
  void add_images(const std::string& tag, const Tensor& img_tensor, std::optional<int64_t> global_step = std::nullopt,
                  std::optional<double> walltime = std::nullopt, const std::string& dataformats = "NCHW");

  // Markdown text, shown in the Text tab.
  void add_text(const std::string& tag, const std::string& text_string,
                std::optional<int64_t> global_step = std::nullopt, std::optional<double> walltime = std::nullopt);

  // The model's graph for one example input, in the Graphs tab: the ops its forward
  // records (traced with gradients off), their input and output shapes, and parameters
  // named by their module path.
  // Traced in eval mode (each module's mode is restored after), as PyTorch does. The
  // vector form takes the one input of Module::forward(Tensor) (more throw ember::Error).
  void add_graph(nn::Module& model, const Tensor& input_to_model);
  void add_graph(nn::Module& model, const std::vector<Tensor>& inputs_to_model);
  // A module holder (nn::Sequential, nn::Linear, a TORCH_MODULE), as PyTorch's
  // writer.add_graph(model, x).
  template <class Holder, class = decltype(std::declval<Holder&>().module_ptr())>
  void add_graph(Holder& model, const Tensor& input_to_model) {
    add_graph(*model.module_ptr(), input_to_model);
  }

  // Hyperparameters and the metrics they gave, for the HParams tab: written to the sub-run
  // `<log_dir>/<run_name>` (run_name defaults to the current time in seconds, as PyTorch),
  // metrics also as scalars there. hparam_domain_discrete lists the allowed values of
  // discrete hyperparameters.
  void add_hparams(const std::map<std::string, HParamValue>& hparam_dict,
                   const std::map<std::string, double>& metric_dict,
                   const std::map<std::string, std::vector<HParamValue>>& hparam_domain_discrete = {},
                   const std::string& run_name = "", std::optional<int64_t> global_step = std::nullopt);

  // The embedding projector's files: `<log_dir>/<global_step as 5 digits>/<tag>/tensors.tsv`,
  // metadata.tsv (one label per row, or with metadata_header a header row and columns),
  // sprite.png from label_img (N x C x H x W, C 1 or 3), and an entry in
  // `<log_dir>/projector_config.pbtxt`, as PyTorch writes them.
  //   writer.add_embedding(features, labels, images, epoch);
  //   writer.add_embedding(features, {{"cat", "3"}, {"dog", "5"}}, {}, 0, "pets", {"name", "id"});
  void add_embedding(const Tensor& mat, const EmbeddingMetadata& metadata = {}, const Tensor& label_img = Tensor(),
                     std::optional<int64_t> global_step = std::nullopt, const std::string& tag = "default",
                     const std::vector<std::string>& metadata_header = {});

  // Writes everything queued so far to disk (this writer's file and its sub-runs').
  void flush();
  // flush(), then closes the files; later add_* calls throw ember::Error.
  void close();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tensorboard
}  // namespace ember
