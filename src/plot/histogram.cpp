// HistogramChart: counts in equal-width bins between the smallest and largest value
// (torch.histc's binning), drawn as bars.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "ember/ember.hpp"
#include "ember/plot.hpp"
#include "src/core/check.hpp"
#include "src/plot/axes.hpp"
#include "src/plot/output.hpp"

namespace ember {
namespace plot {
namespace {

struct Bins {
  double low, high;
  std::vector<double> counts;
};

Bins count(const HistogramChart& chart, const Tensor& values, const char* function) {
  EMBER_CHECK(values.defined(), "{}: the values are an undefined tensor", function);
  EMBER_CHECK(values.numel() > 0, "{}: the values tensor of shape {} is empty", function, values.sizes());
  EMBER_CHECK(chart.bins() >= 1 && chart.bins() <= 100000, "{}: bins must be between 1 and 100000, got {}", function,
              chart.bins());
  EMBER_CHECK(chart.width() >= 64 && chart.height() >= 64 && chart.width() <= 16384 && chart.height() <= 16384,
              "{}: a chart must be between 64 x 64 and 16384 x 16384 pixels, got width {} and height {}", function,
              chart.width(), chart.height());
  const Tensor data = values.detach().to(kFloat64).contiguous();
  const double* v = data.data_ptr<double>();
  const int64_t n = data.numel();
  Bins b{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), {}};
  for (int64_t i = 0; i < n; ++i)
    if (std::isfinite(v[i])) b.low = std::min(b.low, v[i]), b.high = std::max(b.high, v[i]);
  EMBER_CHECK(b.low <= b.high, "{}: the values tensor of shape {} has no finite value", function, values.sizes());
  if (b.low == b.high) b.low -= 1, b.high += 1;  // as torch.histc
  const int64_t bins = chart.bins();
  b.counts.assign(static_cast<std::size_t>(bins), 0);
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) continue;
    int64_t k = static_cast<int64_t>((v[i] - b.low) / (b.high - b.low) * static_cast<double>(bins));
    b.counts[static_cast<std::size_t>(std::clamp<int64_t>(k, 0, bins - 1))] += 1;
  }
  return b;
}

void draw(const HistogramChart& chart, const Tensor& values, Painter& p, const char* function) {
  const Bins b = count(chart, values, function);
  const double most = *std::max_element(b.counts.begin(), b.counts.end());
  Frame f;
  f.title = chart.title(), f.xlabel = chart.xlabel(), f.ylabel = chart.ylabel();
  f.width = chart.width(), f.height = chart.height();
  f.x = nice_scale(b.low, b.high, false);
  f.y = chart.log_y() ? nice_scale(1, std::max(most, 1.0), true) : nice_scale(0, most, false);
  layout(f, p);
  draw_frame(f, p);
  const double step = (b.high - b.low) / static_cast<double>(b.counts.size());
  for (std::size_t k = 0; k < b.counts.size(); ++k) {
    if (b.counts[k] <= 0) continue;
    const Point top_left = to_pixel(f, b.low + step * static_cast<double>(k), b.counts[k]);
    const Point bottom_right = to_pixel(f, b.low + step * static_cast<double>(k + 1), f.y.low);
    const double gap = bottom_right.x - top_left.x > 4 ? 1 : 0;
    p.rect({top_left.x, top_left.y, bottom_right.x - top_left.x - gap, bottom_right.y - top_left.y}, kPalette[0],
           0.85);
  }
}

}  // namespace

std::string HistogramChart::svg(const Tensor& values) const {
  SvgPainter painter("histogram");
  draw(*this, values, painter, "HistogramChart::svg");
  return svg_document(width(), height(), painter.body());
}

Tensor HistogramChart::render(const Tensor& values) const {
  count(*this, values, "HistogramChart::render");  // checks the size before allocating
  Canvas canvas(width(), height());
  draw(*this, values, canvas, "HistogramChart::render");
  return to_tensor(canvas);
}

void HistogramChart::save(const Tensor& values, const std::string& path) const {
  const Format format = format_of(path, "HistogramChart::save");
  write_file(path, format == Format::svg ? svg(values) : encode_png(render(values)), "HistogramChart::save");
}

}  // namespace plot
}  // namespace ember
