#include "src/plot/axes.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace ember {
namespace plot {

const Colour kPalette[10] = {{0x1f, 0x77, 0xb4}, {0xff, 0x7f, 0x0e}, {0x2c, 0xa0, 0x2c}, {0xd6, 0x27, 0x28},
                             {0x94, 0x67, 0xbd}, {0x8c, 0x56, 0x4b}, {0xe3, 0x77, 0xc2}, {0x7f, 0x7f, 0x7f},
                             {0xbc, 0xbd, 0x22}, {0x17, 0xbe, 0xcf}};
const Colour kInk = {0x33, 0x33, 0x33};
const Colour kGridColour = {0xe0, 0xe0, 0xe0};

namespace {
constexpr double kTickSize = 11, kLabelSize = 12, kTitleSize = 14;

// Fixed decimals enough to tell ticks `step` apart; exponent form for huge or tiny ones.
std::string tick_label(double v, double step, double largest) {
  if (std::abs(v) < step * 1e-9) v = 0;  // not "-0.0"
  if (largest >= 1e6 || step < 1e-4) return fmt::format("{:.3g}", v);
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  return fmt::format("{:.{}f}", v, decimals);
}
}  // namespace

double Scale::fraction(double v) const {
  if (log) return (std::log10(v) - std::log10(low)) / (std::log10(high) - std::log10(low));
  return (v - low) / (high - low);
}

Scale nice_scale(double low, double high, bool log, int target) {
  Scale s;
  s.log = log;
  if (log) {
    int lo = static_cast<int>(std::floor(std::log10(low) + 1e-12));
    int hi = static_cast<int>(std::ceil(std::log10(high) - 1e-12));
    if (hi <= lo) hi = lo + 1;
    s.low = std::pow(10.0, lo), s.high = std::pow(10.0, hi);
    const int every = std::max(1, (hi - lo + target - 1) / target);
    for (int k = lo; k <= hi; k += every) s.ticks.push_back(std::pow(10.0, k));
    if (hi - lo == 1) s.ticks = {s.low, 2 * s.low, 5 * s.low, s.high};  // one decade: 1, 2, 5, 10
    for (double t : s.ticks) s.labels.push_back(fmt::format("{:g}", t));
    return s;
  }
  if (high - low <= std::abs(high) * 1e-12) {  // one value: show a unit around it
    const double pad = low == 0 ? 1 : std::abs(low) * 0.1;
    low -= pad, high += pad;
  }
  const double raw = (high - low) / std::max(1, target - 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * magnitude;
  for (double m : {1.0, 2.0, 5.0})
    if (m * magnitude >= raw * (1 - 1e-9)) {
      step = m * magnitude;
      break;
    }
  s.low = std::floor(low / step + 1e-9) * step;
  s.high = std::ceil(high / step - 1e-9) * step;
  const double largest = std::max(std::abs(s.low), std::abs(s.high));
  for (long k = std::lround(s.low / step); k <= std::lround(s.high / step); ++k) {
    s.ticks.push_back(static_cast<double>(k) * step);
    s.labels.push_back(tick_label(static_cast<double>(k) * step, step, largest));
  }
  return s;
}

void layout(Frame& f, const Painter& painter) {
  double widest = 0;
  for (const std::string& label : f.y.labels) widest = std::max(widest, painter.text_width(label, kTickSize));
  const double left = 10 + (f.ylabel.empty() ? 0 : kLabelSize + 10) + widest + 8;
  const double top = 12 + (f.title.empty() ? 0 : kTitleSize + 10);
  const double bottom = 10 + kTickSize + 10 + (f.xlabel.empty() ? 0 : kLabelSize + 10);
  const double right = 24;
  // Whole pixels, so that the one-pixel axis and grid lines (drawn through pixel
  // centres, see crisp()) come out sharp rather than two pixels of grey.
  f.plot = {std::round(left), std::round(top), std::max(1.0, std::round(f.width - left - right)),
            std::max(1.0, std::round(f.height - top - bottom))};
}

Point to_pixel(const Frame& f, double x, double y) {
  return {f.plot.x + f.x.fraction(x) * f.plot.width, f.plot.y + (1 - f.y.fraction(y)) * f.plot.height};
}

namespace {
// The centre of the pixel a one-pixel line at coordinate v covers.
double crisp(double v) { return std::floor(v) + 0.5; }
}  // namespace

void draw_frame(const Frame& f, Painter& p) {
  p.rect({0, 0, static_cast<double>(f.width), static_cast<double>(f.height)}, {255, 255, 255}, 1);
  const Box& b = f.plot;
  const Box everywhere{0, 0, static_cast<double>(f.width), static_cast<double>(f.height)};
  for (std::size_t i = 0; i < f.x.ticks.size(); ++i) {
    const double px = crisp(std::min(to_pixel(f, f.x.ticks[i], f.y.low).x, b.x + b.width - 1));
    p.polyline({{px, b.y}, {px, b.y + b.height}}, kGridColour, 1, 1, everywhere);
    p.polyline({{px, b.y + b.height}, {px, b.y + b.height + 4}}, kInk, 1, 1, everywhere);
    p.text(px, b.y + b.height + 6 + kTickSize, f.x.labels[i], kTickSize, Anchor::middle, kInk);
  }
  for (std::size_t i = 0; i < f.y.ticks.size(); ++i) {
    const double py = crisp(std::min(to_pixel(f, f.x.low, f.y.ticks[i]).y, b.y + b.height - 1));
    p.polyline({{b.x, py}, {b.x + b.width, py}}, kGridColour, 1, 1, everywhere);
    p.polyline({{b.x - 4, py}, {b.x, py}}, kInk, 1, 1, everywhere);
    p.text(b.x - 7, py + kTickSize * 0.35, f.y.labels[i], kTickSize, Anchor::end, kInk);
  }
  const double left = crisp(b.x), bottom = crisp(b.y + b.height - 1);
  p.polyline({{left, b.y}, {left, bottom}, {b.x + b.width, bottom}}, kInk, 1, 1, everywhere);
  if (!f.title.empty()) p.text(b.x + b.width / 2, 12 + kTitleSize, f.title, kTitleSize, Anchor::middle, kInk);
  if (!f.xlabel.empty())
    p.text(b.x + b.width / 2, f.height - 10.0, f.xlabel, kLabelSize, Anchor::middle, kInk);
  if (!f.ylabel.empty())
    p.text(10 + kLabelSize, b.y + b.height / 2, f.ylabel, kLabelSize, Anchor::middle, kInk, true);
}

std::vector<double> smooth(const std::vector<double>& y, double weight) {
  std::vector<double> out(y.size());
  double last = 0;
  int count = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) {
      out[i] = y[i];
      continue;
    }
    last = last * weight + (1 - weight) * y[i];
    ++count;
    out[i] = last / (1 - std::pow(weight, count));
  }
  return out;
}

}  // namespace plot
}  // namespace ember
