// What a chart draws with: rectangles, polylines and text, in pixels from the top left.
// One layout drives both outputs: SvgPainter writes SVG elements, Canvas rasterises
// into RGB pixels for PNG files.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ember {
namespace plot {

struct Colour {
  uint8_t r = 0, g = 0, b = 0;
};
// "#1f77b4"
std::string hex(Colour c);

struct Point {
  double x = 0, y = 0;
};
struct Box {
  double x = 0, y = 0, width = 0, height = 0;
};

enum class Anchor { start, middle, end };

class Painter {
 public:
  virtual ~Painter() = default;
  virtual void rect(const Box& box, Colour fill, double opacity = 1) = 0;
  // A line through the points, cut off at `clip`.
  virtual void polyline(const std::vector<Point>& points, Colour colour, double width, double opacity,
                        const Box& clip) = 0;
  // Text whose baseline starts, centres or ends at (x, y); vertical text reads upwards.
  virtual void text(double x, double y, const std::string& text, double size, Anchor anchor, Colour colour,
                    bool vertical = false) = 0;
  // The width the text takes at this size.
  virtual double text_width(const std::string& text, double size) const = 0;
};

class SvgPainter final : public Painter {
 public:
  // `id` keeps the clip paths of several charts in one document apart.
  explicit SvgPainter(std::string id) : id_(std::move(id)) {}
  void rect(const Box& box, Colour fill, double opacity) override;
  void polyline(const std::vector<Point>& points, Colour colour, double width, double opacity,
                const Box& clip) override;
  void text(double x, double y, const std::string& text, double size, Anchor anchor, Colour colour,
            bool vertical) override;
  double text_width(const std::string& text, double size) const override;
  const std::string& body() const { return body_; }

 private:
  std::string id_;
  std::string body_;
  int clips_ = 0;
};

// RGB pixels, white to start with. Lines are anti-aliased (each pixel covered by the
// distance from its centre to the segment); text uses the built-in bitmap font at a
// whole-number scale.
class Canvas final : public Painter {
 public:
  Canvas(int width, int height);
  void rect(const Box& box, Colour fill, double opacity) override;
  void polyline(const std::vector<Point>& points, Colour colour, double width, double opacity,
                const Box& clip) override;
  void text(double x, double y, const std::string& text, double size, Anchor anchor, Colour colour,
            bool vertical) override;
  double text_width(const std::string& text, double size) const override;
  // Copies another canvas in with its top left at (x, y).
  void paste(const Canvas& other, int x, int y);
  int width() const { return width_; }
  int height() const { return height_; }
  const std::vector<uint8_t>& pixels() const { return pixels_; }

 private:
  void blend(int x, int y, Colour c, double alpha);
  int width_, height_;
  std::vector<uint8_t> pixels_;
  std::vector<float> coverage_;  // one polyline's coverage, so joints are not drawn twice
};

// Escapes &, <, >, " for SVG text and attributes.
std::string xml_escape(const std::string& text);

}  // namespace plot
}  // namespace ember
