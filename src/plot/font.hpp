// The built-in bitmap font of the PNG charts (see font.cpp).
#pragma once

namespace ember {
namespace plot {

constexpr int kGlyphWidth = 5;
constexpr int kGlyphHeight = 7;
constexpr int kCellWidth = 6;   // glyph plus one column of spacing
constexpr int kCellHeight = 9;  // glyph plus a gap below

// Whether the glyph of c (printable ASCII; others draw as '?') has ink at (column, row).
bool glyph_pixel(char c, int column, int row);

}  // namespace plot
}  // namespace ember
