// The two painters: SVG elements, and a small rasteriser for PNG charts.
#include "src/plot/painter.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "src/plot/font.hpp"

namespace ember {
namespace plot {

std::string hex(Colour c) { return fmt::format("#{:02x}{:02x}{:02x}", c.r, c.g, c.b); }

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

// ---- SVG ----

void SvgPainter::rect(const Box& box, Colour fill, double opacity) {
  body_ += fmt::format("<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"{}\"", box.x,
                       box.y, box.width, box.height, hex(fill));
  if (opacity < 1) body_ += fmt::format(" fill-opacity=\"{:.3f}\"", opacity);
  body_ += "/>\n";
}

void SvgPainter::polyline(const std::vector<Point>& points, Colour colour, double width, double opacity,
                          const Box& clip) {
  if (points.empty()) return;
  const std::string clip_id = fmt::format("{}-clip{}", id_, clips_++);
  body_ += fmt::format("<clipPath id=\"{}\"><rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\"/></clipPath>\n",
                       clip_id, clip.x, clip.y, clip.width, clip.height);
  body_ += "<polyline points=\"";
  for (std::size_t i = 0; i < points.size(); ++i)
    body_ += fmt::format("{}{:.2f},{:.2f}", i ? " " : "", points[i].x, points[i].y);
  body_ += fmt::format(
      "\" fill=\"none\" stroke=\"{}\" stroke-width=\"{:.2f}\" stroke-opacity=\"{:.3f}\" stroke-linejoin=\"round\" "
      "stroke-linecap=\"round\" clip-path=\"url(#{})\"/>\n",
      hex(colour), width, opacity, clip_id);
}

void SvgPainter::text(double x, double y, const std::string& text, double size, Anchor anchor, Colour colour,
                      bool vertical) {
  const char* anchors[] = {"start", "middle", "end"};
  body_ += fmt::format("<text x=\"{:.2f}\" y=\"{:.2f}\" font-size=\"{:.1f}\" text-anchor=\"{}\" fill=\"{}\"", x, y,
                       size, anchors[static_cast<int>(anchor)], hex(colour));
  if (vertical) body_ += fmt::format(" transform=\"rotate(-90 {:.2f} {:.2f})\"", x, y);
  body_ += ">" + xml_escape(text) + "</text>\n";
}

double SvgPainter::text_width(const std::string& text, double size) const {
  return 0.6 * size * static_cast<double>(text.size());  // sans-serif's average advance
}

// ---- raster ----

Canvas::Canvas(int width, int height)
    : width_(width), height_(height), pixels_(static_cast<std::size_t>(width) * height * 3, 255) {}

void Canvas::blend(int x, int y, Colour c, double alpha) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_ || alpha <= 0) return;
  alpha = std::min(alpha, 1.0);
  uint8_t* p = &pixels_[(static_cast<std::size_t>(y) * width_ + x) * 3];
  const uint8_t src[3] = {c.r, c.g, c.b};
  for (int k = 0; k < 3; ++k) p[k] = static_cast<uint8_t>(std::lround(p[k] + (src[k] - p[k]) * alpha));
}

void Canvas::rect(const Box& box, Colour fill, double opacity) {
  const int x0 = std::max(0, static_cast<int>(std::lround(box.x)));
  const int y0 = std::max(0, static_cast<int>(std::lround(box.y)));
  const int x1 = std::min(width_, static_cast<int>(std::lround(box.x + box.width)));
  const int y1 = std::min(height_, static_cast<int>(std::lround(box.y + box.height)));
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) blend(x, y, fill, opacity);
}

namespace {
// A pixel coordinate as an int, safe for points far outside the picture.
int pixel(double v) { return static_cast<int>(std::clamp(v, -1e8, 1e8)); }
}  // namespace

// Each pixel whose centre lies within width/2 of a segment is inked, with a one-pixel
// ramp at the edge for anti-aliasing. The coverage of the whole polyline is gathered
// first (the maximum over its segments) so that a faint line is not darker at joints.
void Canvas::polyline(const std::vector<Point>& points, Colour colour, double width, double opacity,
                      const Box& clip) {
  if (points.empty()) return;
  const int cx0 = std::max(0, static_cast<int>(std::floor(clip.x)));
  const int cy0 = std::max(0, static_cast<int>(std::floor(clip.y)));
  const int cx1 = std::min(width_, static_cast<int>(std::ceil(clip.x + clip.width)));
  const int cy1 = std::min(height_, static_cast<int>(std::ceil(clip.y + clip.height)));
  if (cx0 >= cx1 || cy0 >= cy1) return;
  // Kept all zero between calls (the blending pass below clears what it used).
  if (coverage_.empty()) coverage_.assign(static_cast<std::size_t>(width_) * height_, 0.f);
  // The pixels any segment reached, so that blending visits only those.
  int tx0 = cx1, ty0 = cy1, tx1 = cx0 - 1, ty1 = cy0 - 1;
  const double half = width / 2;
  const double reach = half + 1;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (i + 1 == points.size() && points.size() > 1) break;
    const Point a = points[i];
    const Point b = i + 1 < points.size() ? points[i + 1] : points[i];
    if (!std::isfinite(a.x + a.y + b.x + b.y)) continue;
    const int x0 = std::max(cx0, pixel(std::floor(std::min(a.x, b.x) - reach)));
    const int x1 = std::min(cx1 - 1, pixel(std::ceil(std::max(a.x, b.x) + reach)));
    const int y0 = std::max(cy0, pixel(std::floor(std::min(a.y, b.y) - reach)));
    const int y1 = std::min(cy1 - 1, pixel(std::ceil(std::max(a.y, b.y) + reach)));
    if (x0 > x1 || y0 > y1) continue;
    tx0 = std::min(tx0, x0), ty0 = std::min(ty0, y0), tx1 = std::max(tx1, x1), ty1 = std::max(ty1, y1);
    const double dx = b.x - a.x, dy = b.y - a.y;
    const double length2 = dx * dx + dy * dy;
    for (int y = y0; y <= y1; ++y) {
      for (int x = x0; x <= x1; ++x) {
        const double px = x + 0.5 - a.x, py = y + 0.5 - a.y;
        const double t = length2 > 0 ? std::clamp((px * dx + py * dy) / length2, 0.0, 1.0) : 0.0;
        const double ex = px - t * dx, ey = py - t * dy;
        const double distance = std::sqrt(ex * ex + ey * ey);
        const float cover = static_cast<float>(std::clamp(half + 0.5 - distance, 0.0, 1.0));
        float& slot = coverage_[static_cast<std::size_t>(y) * width_ + x];
        slot = std::max(slot, cover);
      }
    }
  }
  for (int y = ty0; y <= ty1; ++y)
    for (int x = tx0; x <= tx1; ++x) {
      float& cover = coverage_[static_cast<std::size_t>(y) * width_ + x];
      if (cover > 0) blend(x, y, colour, cover * opacity);
      cover = 0;
    }
}

namespace {
// The bitmap font drawn at whole multiples of its 7-pixel height: once for body text
// (up to 13 px), twice for titles (14 px and more), and so on.
int font_scale(double size) { return std::max(1, static_cast<int>(size / 7)); }
}  // namespace

double Canvas::text_width(const std::string& text, double size) const {
  return static_cast<double>(text.size()) * kCellWidth * font_scale(size);
}

void Canvas::text(double x, double y, const std::string& text, double size, Anchor anchor, Colour colour,
                  bool vertical) {
  const int scale = font_scale(size);
  const double advance = text_width(text, size);
  const double shift = anchor == Anchor::start ? 0 : (anchor == Anchor::middle ? advance / 2 : advance);
  // Along the text: u from its start; across: v from the top of the glyphs, which sit
  // on the baseline.
  const int u0 = static_cast<int>(std::lround(-shift));
  const int v0 = -kGlyphHeight * scale;
  const int ox = static_cast<int>(std::lround(x)), oy = static_cast<int>(std::lround(y));
  for (std::size_t i = 0; i < text.size(); ++i)
    for (int row = 0; row < kGlyphHeight; ++row)
      for (int column = 0; column < kGlyphWidth; ++column) {
        if (!glyph_pixel(text[i], column, row)) continue;
        for (int sy = 0; sy < scale; ++sy)
          for (int sx = 0; sx < scale; ++sx) {
            const int u = u0 + static_cast<int>(i) * kCellWidth * scale + column * scale + sx;
            const int v = v0 + row * scale + sy;
            // Reading upwards: along the text is up the page, the glyph's top faces left.
            if (vertical)
              blend(ox + v, oy - u, colour, 1);
            else
              blend(ox + u, oy + v, colour, 1);
          }
      }
}

void Canvas::paste(const Canvas& other, int x, int y) {
  for (int row = 0; row < other.height_; ++row)
    for (int column = 0; column < other.width_; ++column) {
      const int tx = x + column, ty = y + row;
      if (tx < 0 || ty < 0 || tx >= width_ || ty >= height_) continue;
      const uint8_t* s = &other.pixels_[(static_cast<std::size_t>(row) * other.width_ + column) * 3];
      uint8_t* d = &pixels_[(static_cast<std::size_t>(ty) * width_ + tx) * 3];
      d[0] = s[0], d[1] = s[1], d[2] = s[2];
    }
}

}  // namespace plot
}  // namespace ember
