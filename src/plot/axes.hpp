// The frame every chart shares: the plot area, linear or log scales, nice ticks, grid
// lines, tick labels, axis labels and the title.
#pragma once
#include <string>
#include <vector>

#include "src/plot/painter.hpp"

namespace ember {
namespace plot {

struct Scale {
  double low = 0, high = 1;  // data values at the two ends (both > 0 for log)
  bool log = false;
  std::vector<double> ticks;
  std::vector<std::string> labels;
  // Where value v falls, from 0 (low) to 1 (high).
  double fraction(double v) const;
};

// A scale covering [low, high] with round-numbered ticks: steps of 1, 2 or 5 times a
// power of ten (about `target` of them), or powers of ten on a log scale spanning a
// decade or more (1, 2, 5 and 10 when the values span less).
Scale nice_scale(double low, double high, bool log, int target = 6);

struct Frame {
  std::string title, xlabel, ylabel;
  Scale x, y;
  int width = 640, height = 420;
  Box plot;  // filled in by layout()
};

// Places the plot area inside the picture, leaving room for the labels.
void layout(Frame& frame, const Painter& painter);
void draw_frame(const Frame& frame, Painter& painter);
Point to_pixel(const Frame& frame, double x, double y);

// TensorBoard's "smoothing": a de-biased exponential moving average with weight w.
std::vector<double> smooth(const std::vector<double>& y, double weight);

extern const Colour kPalette[10];  // Matplotlib's "tab10"
extern const Colour kInk;           // text and axes
extern const Colour kGridColour;

}  // namespace plot
}  // namespace ember
