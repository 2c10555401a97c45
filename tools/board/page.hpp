// The board: one self-contained HTML page (inline CSS, JS and data; no network) showing
// the runs' scalars, histograms, images, text, hparams and graphs.
#pragma once
#include <string>
#include <vector>

#include "tools/board/run.hpp"

namespace ember::board {

struct PageOptions {
  std::string title = "ember-board";
  bool watch = false;  // the page reloads itself every `interval` seconds
  double interval = 2;
  std::string generated;  // when, as text
};

std::string render_page(const std::vector<const Run*>& runs, const PageOptions& options);

// The run colours of the charts (the page's script uses the same list).
const std::vector<std::string>& run_colors();

// The page's script and style sheet (board.js, board.css), built into the program.
extern const char* const kBoardScript;
extern const char* const kBoardStyle;

}  // namespace ember::board
