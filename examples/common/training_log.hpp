// What the training programs show of their training: `--logdir DIR` writes TensorBoard
// logs (loss per step, then each epoch: mean loss, accuracy, learning rate, weight and
// gradient histograms; once: a batch of input images, the model graph, and hparams with
// the final metrics), and `--plot FILE.svg` (or .png) draws the loss and accuracy curves
// at the end. Both need the optional ember_tensorboard library; a build without it
// refuses the flags with a message instead of ignoring them.
#pragma once
#include <ember/ember.hpp>

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "common/flags.hpp"

#if EMBER_EXAMPLES_HAVE_TENSORBOARD
#include <ember/plot.hpp>
#include <ember/tensorboard.hpp>
#endif

namespace example {

inline void add_logging_flags(Flags& f) {
  f.add("logdir", "", "write TensorBoard logs here (loss, accuracy, lr, histograms, graph, hparams)")
      .add("plot", "", "draw the loss and accuracy curves to this .svg or .png file at the end")
      .add("log-every", "20", "training steps between logged losses");
}

class TrainingLog {
 public:
  // enabled: false on the ranks of a distributed run other than rank 0, which log nothing.
  explicit TrainingLog(const Flags& flags, bool enabled = true)
      : logdir_(enabled ? flags.str("logdir") : ""), plot_(enabled ? flags.str("plot") : ""),
        every_(flags.integer("log-every")) {
    if (every_ < 1) flags.fail("--log-every must be at least 1");
#if EMBER_EXAMPLES_HAVE_TENSORBOARD
    if (!logdir_.empty()) writer_ = std::make_unique<ember::tensorboard::SummaryWriter>(logdir_);
#else
    if (!logdir_.empty() || !plot_.empty())
      flags.fail("--logdir and --plot need ember built with EMBER_BUILD_TENSORBOARD=ON");
#endif
  }

  bool writing() const { return !logdir_.empty(); }

  // The model's graph for one batch, traced once before training.
  void graph([[maybe_unused]] ember::nn::Module& model, [[maybe_unused]] const ember::Tensor& example) {
#if EMBER_EXAMPLES_HAVE_TENSORBOARD
    if (writer_) writer_->add_graph(model, example);
#endif
  }

  // A batch of images N x C x H x W in [0, 1], drawn as one grid.
  void images([[maybe_unused]] const std::string& tag, [[maybe_unused]] const ember::Tensor& batch) {
#if EMBER_EXAMPLES_HAVE_TENSORBOARD
    if (writer_) writer_->add_images(tag, batch, 0);
#endif
  }

  // After each training step: logs the loss every --log-every steps. The caller passes the
  // loss as a double it already has (the progress bar reads it), so logging adds no sync.
  void step(long long global_step, double loss) {
    if (global_step % every_ != 0) return;
    steps_.push_back(static_cast<double>(global_step));
    losses_.push_back(loss);
#if EMBER_EXAMPLES_HAVE_TENSORBOARD
    if (writer_) writer_->add_scalar("loss/train", loss, global_step);
#endif
  }

  // After each epoch (or evaluation): the metrics, the learning rate, and a histogram of
  // every parameter and its gradient.
  void epoch(long long epoch, long long global_step, const std::map<std::string, double>& metrics,
             [[maybe_unused]] double lr, [[maybe_unused]] const ember::nn::Module& model) {
    for (const auto& [name, value] : metrics) {
      epoch_metrics_[name].first.push_back(static_cast<double>(global_step));
      epoch_metrics_[name].second.push_back(value);
    }
    last_metrics_ = metrics;
#if EMBER_EXAMPLES_HAVE_TENSORBOARD
    if (!writer_) return;
    for (const auto& [name, value] : metrics) writer_->add_scalar(name, value, epoch);
    writer_->add_scalar("lr", lr, epoch);
    for (const auto& item : model.named_parameters()) {
      writer_->add_histogram("weights/" + item.key(), item.value(), epoch);
      if (item.value().grad().defined()) writer_->add_histogram("grads/" + item.key(), item.value().grad(), epoch);
    }
    writer_->flush();
#endif
  }

  // At the end: hparams with the final metrics, and the curves.
  // hparams: each a number, a string or a bool (the types TensorBoard's HParams tab shows).
  using HParams = std::map<std::string, std::variant<double, std::string, bool>>;
  void finish([[maybe_unused]] const HParams& hparams) {
#if EMBER_EXAMPLES_HAVE_TENSORBOARD
    if (writer_) {
      const std::map<std::string, ember::tensorboard::HParamValue>& h = hparams;
      std::map<std::string, double> metrics;
      for (const auto& [name, value] : last_metrics_) metrics["hparam/" + name] = value;
      writer_->add_hparams(h, metrics, {}, "hparams");
      writer_->close();
      std::printf("TensorBoard logs in %s\n", writer_->log_dir().c_str());
    }
    if (!plot_.empty()) {
      std::vector<ember::plot::LineChart> panels;
      ember::plot::LineChart loss;
      loss.title("loss").xlabel("step").ylabel("cross-entropy").smoothing(0.6);
      if (!losses_.empty()) loss.add("train (every " + std::to_string(every_) + " steps)", steps_, losses_);
      for (const auto& [name, points] : epoch_metrics_)
        if (name.rfind("loss", 0) == 0) loss.add(name, points.first, points.second);
      panels.push_back(loss);
      ember::plot::LineChart other;
      other.title("metrics").xlabel("step");
      for (const auto& [name, points] : epoch_metrics_)
        if (name.rfind("loss", 0) != 0) other.add(name, points.first, points.second);
      if (!other.series().empty()) panels.push_back(other);
      ember::plot::save(panels, plot_);
      std::printf("curves in %s\n", plot_.c_str());
    }
#endif
  }

 private:
  std::string logdir_, plot_;
  long long every_;
  std::vector<double> steps_, losses_;
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> epoch_metrics_;  // (steps, values)
  std::map<std::string, double> last_metrics_;
#if EMBER_EXAMPLES_HAVE_TENSORBOARD
  std::unique_ptr<ember::tensorboard::SummaryWriter> writer_;
#endif
};

}  // namespace example
