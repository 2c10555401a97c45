// A GraphDef drawn as SVG: nodes in layers top to bottom (each node one layer below its
// deepest input), ordered within a layer to sit near their inputs, edges as curves.
#pragma once
#include <string>
#include <vector>

#include "tools/board/events.hpp"

namespace ember::board {

struct GraphLayout {
  struct Box {
    double x, y;  // top-left corner
    int layer;
  };
  std::vector<Box> boxes;                  // one per node, in the graph's order
  std::vector<std::pair<int, int>> edges;  // (from, to) node indices
  std::vector<bool> control;               // per edge: a control input ("^name")
  double width = 0, height = 0;
};

GraphLayout layout_graph(const std::vector<GraphNode>& nodes);
std::string graph_svg(const std::vector<GraphNode>& nodes);

}  // namespace ember::board
