// Pictures without Python: line charts, histograms and image grids as SVG or PNG files
// (the Matplotlib and torchvision.utils route of PyTorch users).
//
//   ember::plot::LineChart loss;
//   loss.title("loss").xlabel("step").log_y(true).smoothing(0.6);
//   loss.add("train", steps, train_loss).add("test", test_steps, test_loss);
//   loss.save("loss.svg");                                  // or .png
//   ember::plot::save({loss, accuracy}, "curves.svg");     // panels side by side
//   ember::plot::save_image(batch_of_images, "batch.png"); // torchvision's save_image
//
// Part of the optional ember_tensorboard library (CMake option EMBER_BUILD_TENSORBOARD,
// target ember::tensorboard); <ember/ember.hpp> does not include this header.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/nn/arg.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace plot {

// One line: y against x (x defaults to 0, 1, 2, ...).
struct Series {
  std::string label;
  std::vector<double> x;
  std::vector<double> y;
};

// A chart of one or more series with a legend, axis labels and ticks. smoothing is
// TensorBoard's slider: an exponential moving average with that weight (0: none, below
// 1), drawn over the faint raw line. Log scales skip values <= 0; NaN and infinities
// leave a gap in the line. The PNG's text uses a built-in 5 x 7 pixel font.
struct LineChart {
  EMBER_ARG(std::string, title);
  EMBER_ARG(std::string, xlabel);
  EMBER_ARG(std::string, ylabel);
  EMBER_ARG(bool, log_x) = false;
  EMBER_ARG(bool, log_y) = false;
  EMBER_ARG(double, smoothing) = 0;
  EMBER_ARG(int, width) = 640;
  EMBER_ARG(int, height) = 420;

 public:
  LineChart& add(const std::string& label, const std::vector<double>& y);
  LineChart& add(const std::string& label, const std::vector<double>& x, const std::vector<double>& y);
  const std::vector<Series>& series() const { return series_; }

  // The chart as an SVG document, or as RGB pixels (height x width x 3, uint8).
  std::string svg() const;
  Tensor render() const;
  // .svg or .png, chosen by the extension; anything else throws ember::Error.
  void save(const std::string& path) const;

 private:
  std::vector<Series> series_;
};

// Several charts in one picture, `columns` per row.
std::string svg(const std::vector<LineChart>& panels, int columns = 2);
void save(const std::vector<LineChart>& panels, const std::string& path, int columns = 2);

// A histogram of a tensor's values in `bins` equal-width bins between min and max.
struct HistogramChart {
  EMBER_ARG(std::string, title);
  EMBER_ARG(std::string, xlabel);
  EMBER_ARG(std::string, ylabel) = "count";
  EMBER_ARG(int64_t, bins) = 30;
  EMBER_ARG(bool, log_y) = false;
  EMBER_ARG(int, width) = 640;
  EMBER_ARG(int, height) = 420;

 public:
  std::string svg(const Tensor& values) const;
  Tensor render(const Tensor& values) const;
  void save(const Tensor& values, const std::string& path) const;
};

// torchvision.utils.make_grid: a batch (N x C x H x W, or C x H x W, or H x W) laid out
// nrow images per row with `padding` pixels of pad_value between them; one channel is
// repeated to three. normalize shifts each image (scale_each) or the batch into [0, 1]
// using value_range, or the min and max when it is not given. Gives C x H' x W': the
// input's dtype when floating, float32 otherwise. One image comes back unpadded, as in
// torchvision.
Tensor make_grid(const Tensor& tensor, int64_t nrow = 8, int64_t padding = 2, bool normalize = false,
                 std::optional<std::pair<double, double>> value_range = std::nullopt, bool scale_each = false,
                 double pad_value = 0);

// torchvision.utils.save_image: make_grid, then written as PNG (values in [0, 1] for
// floating tensors, round(x * 255) clamped; uint8 as is). Only .png paths.
void save_image(const Tensor& tensor, const std::string& path, int64_t nrow = 8, int64_t padding = 2,
                bool normalize = false, std::optional<std::pair<double, double>> value_range = std::nullopt,
                bool scale_each = false, double pad_value = 0);

// PNG bytes of an image: H x W (grey), H x W x 3 (RGB) or H x W x 4 (RGBA), uint8.
std::string encode_png(const Tensor& hwc_uint8);

}  // namespace plot
}  // namespace ember
