// LineChart: series, legend, smoothing; one drawing routine for SVG and PNG, and
// several charts side by side.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "ember/plot.hpp"
#include "src/core/check.hpp"
#include "src/plot/axes.hpp"
#include "src/plot/output.hpp"

namespace ember {
namespace plot {
namespace {

// Whether a value can be placed on an axis (finite, and positive on a log one).
bool usable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

void check_size(int width, int height, const char* function) {
  EMBER_CHECK(width >= 64 && height >= 64 && width <= 16384 && height <= 16384,
              "{}: a chart must be between 64 x 64 and 16384 x 16384 pixels, got width {} and height {}", function,
              width, height);
}

Frame frame_of(const LineChart& chart, const char* function) {
  EMBER_CHECK(!chart.series().empty(), "{}: the chart '{}' has no series (add one with add())", function,
              chart.title());
  EMBER_CHECK(chart.smoothing() >= 0 && chart.smoothing() < 1,
              "{}: smoothing must be in [0, 1) as TensorBoard's slider, got {}", function, chart.smoothing());
  check_size(chart.width(), chart.height(), function);
  double x_low = std::numeric_limits<double>::infinity(), x_high = -x_low, y_low = x_low, y_high = -x_low;
  bool any_x = false, any_y = false;
  for (const Series& s : chart.series())
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      if (usable(s.x[i], chart.log_x()) && std::isfinite(s.y[i])) {
        any_x = true;
        x_low = std::min(x_low, s.x[i]), x_high = std::max(x_high, s.x[i]);
      }
      if (usable(s.y[i], chart.log_y()) && std::isfinite(s.x[i])) {
        any_y = true;
        y_low = std::min(y_low, s.y[i]), y_high = std::max(y_high, s.y[i]);
      }
    }
  EMBER_CHECK(any_x, "{}: {} no finite x value{} in {} series", function,
              chart.log_x() ? "log_x is set but there is" : "there is", chart.log_x() ? " > 0" : "",
              chart.series().size());
  EMBER_CHECK(any_y, "{}: {} no finite y value{} in {} series", function,
              chart.log_y() ? "log_y is set but there is" : "there is", chart.log_y() ? " > 0" : "",
              chart.series().size());
  Frame f;
  f.title = chart.title(), f.xlabel = chart.xlabel(), f.ylabel = chart.ylabel();
  f.width = chart.width(), f.height = chart.height();
  f.x = nice_scale(x_low, x_high, chart.log_x());
  f.y = nice_scale(y_low, y_high, chart.log_y());
  return f;
}

// Splits a series into runs of drawable points (a gap wherever a value is unusable).
std::vector<std::vector<Point>> runs(const Frame& f, const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<std::vector<Point>> out(1);
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (usable(x[i], f.x.log) && usable(y[i], f.y.log)) {
      out.back().push_back(to_pixel(f, x[i], y[i]));
    } else if (!out.back().empty()) {
      out.emplace_back();
    }
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

void draw(const LineChart& chart, Painter& p, const char* function) {
  Frame f = frame_of(chart, function);
  layout(f, p);
  draw_frame(f, p);
  const auto& all = chart.series();
  for (std::size_t k = 0; k < all.size(); ++k) {
    const Series& s = all[k];
    const Colour colour = kPalette[k % 10];
    const bool smoothed = chart.smoothing() > 0;
    for (const auto& run : runs(f, s.x, s.y)) {
      p.polyline(run, colour, smoothed ? 1.5 : 2, smoothed ? 0.25 : 1, f.plot);
      // A point with no neighbour draws no line: mark it (an evaluation after one epoch).
      if (run.size() == 1) p.rect({run[0].x - 3, run[0].y - 3, 6, 6}, colour, 1);
    }
    if (smoothed)
      for (const auto& run : runs(f, s.x, smooth(s.y, chart.smoothing()))) p.polyline(run, colour, 2, 1, f.plot);
  }
  // The legend, in the top right corner of the plot area.
  double widest = 0;
  for (const Series& s : all) widest = std::max(widest, p.text_width(s.label, 11));
  const double row = 16, box_width = widest + 36, box_height = row * static_cast<double>(all.size()) + 8;
  const double bx = f.plot.x + f.plot.width - box_width - 6, by = f.plot.y + 6;
  p.rect({bx, by, box_width, box_height}, {255, 255, 255}, 0.85);
  const Box everywhere{0, 0, static_cast<double>(f.width), static_cast<double>(f.height)};
  for (std::size_t k = 0; k < all.size(); ++k) {
    const double cy = by + 4 + row * (static_cast<double>(k) + 0.5);
    p.polyline({{bx + 6, cy}, {bx + 24, cy}}, kPalette[k % 10], 2, 1, everywhere);
    p.text(bx + 30, cy + 4, all[k].label, 11, Anchor::start, kInk);
  }
}

}  // namespace

LineChart& LineChart::add(const std::string& label, const std::vector<double>& y) {
  std::vector<double> x(y.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i);
  return add(label, x, y);
}

LineChart& LineChart::add(const std::string& label, const std::vector<double>& x, const std::vector<double>& y) {
  EMBER_CHECK(!y.empty(), "LineChart::add: series '{}' is empty (no y values)", label);
  EMBER_CHECK(x.size() == y.size(), "LineChart::add: series '{}' has {} x values but {} y values", label, x.size(),
              y.size());
  series_.push_back({label, x, y});
  return *this;
}

std::string LineChart::svg() const {
  SvgPainter painter("chart");
  draw(*this, painter, "LineChart::svg");
  return svg_document(width(), height(), painter.body());
}

Tensor LineChart::render() const {
  check_size(width(), height(), "LineChart::render");
  Canvas canvas(width(), height());
  draw(*this, canvas, "LineChart::render");
  return to_tensor(canvas);
}

void LineChart::save(const std::string& path) const {
  const Format format = format_of(path, "LineChart::save");
  write_file(path, format == Format::svg ? svg() : encode_png(render()), "LineChart::save");
}

namespace {
struct Grid {
  int columns, rows, cell_width = 0, cell_height = 0;
};
Grid grid_of(const std::vector<LineChart>& panels, int columns, const char* function) {
  EMBER_CHECK(!panels.empty(), "{}: no charts to draw", function);
  EMBER_CHECK(columns >= 1, "{}: columns must be at least 1, got {}", function, columns);
  Grid g{std::min<int>(columns, static_cast<int>(panels.size())), 0};
  g.rows = (static_cast<int>(panels.size()) + g.columns - 1) / g.columns;
  for (const LineChart& c : panels) g.cell_width = std::max(g.cell_width, c.width()), g.cell_height = std::max(g.cell_height, c.height());
  return g;
}
}  // namespace

namespace {
std::string panels_svg(const std::vector<LineChart>& panels, int columns, const char* function) {
  const Grid g = grid_of(panels, columns, function);
  std::string body;
  for (std::size_t i = 0; i < panels.size(); ++i) {
    SvgPainter painter(fmt::format("panel{}", i));
    draw(panels[i], painter, function);
    body += fmt::format("<g transform=\"translate({} {})\">\n{}</g>\n", static_cast<int>(i) % g.columns * g.cell_width,
                        static_cast<int>(i) / g.columns * g.cell_height, painter.body());
  }
  return svg_document(g.cell_width * g.columns, g.cell_height * g.rows, body);
}
}  // namespace

std::string svg(const std::vector<LineChart>& panels, int columns) { return panels_svg(panels, columns, "plot::svg"); }

void save(const std::vector<LineChart>& panels, const std::string& path, int columns) {
  const Format format = format_of(path, "plot::save");
  if (format == Format::svg) return write_file(path, panels_svg(panels, columns, "plot::save"), "plot::save");
  const Grid g = grid_of(panels, columns, "plot::save");
  Canvas whole(g.cell_width * g.columns, g.cell_height * g.rows);
  for (std::size_t i = 0; i < panels.size(); ++i) {
    check_size(panels[i].width(), panels[i].height(), "plot::save");
    Canvas one(panels[i].width(), panels[i].height());
    draw(panels[i], one, "plot::save");
    whole.paste(one, static_cast<int>(i) % g.columns * g.cell_width, static_cast<int>(i) / g.columns * g.cell_height);
  }
  write_file(path, encode_png(to_tensor(whole)), "plot::save");
}

}  // namespace plot
}  // namespace ember
