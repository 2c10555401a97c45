#include "tools/board/graph_svg.hpp"

#include <algorithm>
#include <map>
#include <numeric>

#include "tools/board/text.hpp"

namespace ember::board {
namespace {

constexpr double kBoxWidth = 170, kBoxHeight = 48, kGapX = 24, kGapY = 46, kMargin = 12;

// "^name" (a control input) and "name:1" (its second output) both refer to node "name".
std::string input_node(std::string input) {
  if (!input.empty() && input[0] == '^') input.erase(0, 1);
  auto colon = input.rfind(':');
  if (colon != std::string::npos && colon + 1 < input.size() &&
      std::all_of(input.begin() + colon + 1, input.end(), [](char c) { return c >= '0' && c <= '9'; }))
    input.erase(colon);
  return input;
}

std::string fit(const std::string& s, size_t limit) {
  std::string v = valid_utf8(s);
  if (v.size() <= limit) return v;
  // keep the end: the last parts of scoped names say the most
  size_t from = v.size() - (limit - 1);
  while (from < v.size() && (static_cast<unsigned char>(v[from]) & 0xc0) == 0x80) ++from;
  return "\xe2\x80\xa6" + v.substr(from);
}

}  // namespace

GraphLayout layout_graph(const std::vector<GraphNode>& nodes) {
  GraphLayout g;
  size_t n = nodes.size();
  std::map<std::string, int> index;
  for (size_t i = 0; i < n; ++i) index.emplace(nodes[i].name, static_cast<int>(i));
  std::vector<std::vector<int>> preds(n), succs(n);
  for (size_t i = 0; i < n; ++i)
    for (const std::string& in : nodes[i].inputs) {
      auto it = index.find(input_node(in));
      if (it == index.end() || it->second == static_cast<int>(i)) continue;
      if (std::find(preds[i].begin(), preds[i].end(), it->second) != preds[i].end()) continue;
      preds[i].push_back(it->second);
      succs[it->second].push_back(static_cast<int>(i));
      g.edges.emplace_back(it->second, static_cast<int>(i));
      g.control.push_back(!in.empty() && in[0] == '^');
    }

  // Layers by longest path from the sources, in topological order (Kahn); nodes on a
  // cycle are placed below whatever of their inputs was placed.
  std::vector<int> layer(n, 0), pending(n);
  std::vector<bool> placed(n, false);
  std::vector<int> order, queue;
  for (size_t i = 0; i < n; ++i) {
    pending[i] = static_cast<int>(preds[i].size());
    if (!pending[i]) queue.push_back(static_cast<int>(i));
  }
  size_t next_unplaced = 0, head = 0;
  while (order.size() < n) {
    if (head == queue.size()) {  // a cycle: break it at the first unplaced node
      while (placed[next_unplaced]) ++next_unplaced;
      queue.push_back(static_cast<int>(next_unplaced));
    }
    int v = queue[head++];
    if (placed[v]) continue;
    placed[v] = true;
    order.push_back(v);
    for (int p : preds[v])
      if (placed[p] && p != v) layer[v] = std::max(layer[v], layer[p] + 1);
    for (int s : succs[v])
      if (--pending[s] == 0 && !placed[s]) queue.push_back(s);
  }

  // Then each node moves down to just above its nearest output (parameters sit next to
  // the op that reads them, not all in the top row); outputs first, so chains follow.
  std::vector<size_t> rank(n);
  for (size_t k = 0; k < order.size(); ++k) rank[order[k]] = k;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    int lowest = -1;
    for (int s : succs[*it])
      if (rank[s] > rank[*it] && (lowest < 0 || layer[s] < lowest)) lowest = layer[s];
    if (lowest > 0) layer[*it] = std::max(layer[*it], lowest - 1);
  }

  int layers = n ? *std::max_element(layer.begin(), layer.end()) + 1 : 0;
  std::vector<std::vector<int>> rows(layers);
  for (int v : order) rows[layer[v]].push_back(v);
  // Order each layer by the mean position of its neighbours in the layer before (sweeping
  // down, by inputs) or after (sweeping up, by outputs): fewer crossings.
  std::vector<double> pos(n, 0);
  for (auto& row : rows)
    for (size_t k = 0; k < row.size(); ++k) pos[row[k]] = static_cast<double>(k);
  auto sort_row = [&](std::vector<int>& row, const std::vector<std::vector<int>>& neighbours) {
    std::vector<double> key(row.size());
    for (size_t k = 0; k < row.size(); ++k) {
      const auto& nb = neighbours[row[k]];
      double sum = 0;
      for (int q : nb) sum += pos[q];
      key[k] = nb.empty() ? pos[row[k]] : sum / static_cast<double>(nb.size());
    }
    std::vector<size_t> idx(row.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return key[a] < key[b]; });
    std::vector<int> sorted;
    for (size_t k : idx) sorted.push_back(row[k]);
    row = sorted;
    for (size_t k = 0; k < row.size(); ++k) pos[row[k]] = static_cast<double>(k);
  };
  for (int sweep = 0; sweep < 3; ++sweep) {
    if (sweep % 2 == 0)
      for (int l = 1; l < layers; ++l) sort_row(rows[l], preds);
    else
      for (int l = layers - 2; l >= 0; --l) sort_row(rows[l], succs);
  }

  size_t widest = 0;
  for (auto& row : rows) widest = std::max(widest, row.size());
  g.width = 2 * kMargin + widest * kBoxWidth + (widest ? (widest - 1) * kGapX : 0);
  g.height = 2 * kMargin + layers * kBoxHeight + (layers ? (layers - 1) * kGapY : 0);
  g.boxes.assign(n, {0, 0, 0});
  for (int l = 0; l < layers; ++l) {
    const auto& row = rows[l];
    double row_width = row.size() * kBoxWidth + (row.size() - 1) * kGapX;
    double x0 = (g.width - row_width) / 2;
    for (size_t k = 0; k < row.size(); ++k)
      g.boxes[row[k]] = {x0 + k * (kBoxWidth + kGapX), kMargin + l * (kBoxHeight + kGapY), l};
  }
  return g;
}

std::string graph_svg(const std::vector<GraphNode>& nodes) {
  GraphLayout g = layout_graph(nodes);
  std::string svg = "<svg class=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + json_number(g.width) +
                    "\" height=\"" + json_number(g.height) + "\" viewBox=\"0 0 " + json_number(g.width) + " " +
                    json_number(g.height) + "\">\n";
  svg +=
      "<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" "
      "orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#8a94a6\"/></marker></defs>\n";
  for (size_t e = 0; e < g.edges.size(); ++e) {
    auto [from, to] = g.edges[e];
    double x1 = g.boxes[from].x + kBoxWidth / 2, y1 = g.boxes[from].y + kBoxHeight;
    double x2 = g.boxes[to].x + kBoxWidth / 2, y2 = g.boxes[to].y;
    double bend = std::max(20.0, (y2 - y1) / 2);
    svg += std::string("<path class=\"") + (g.control[e] ? "edge control" : "edge") + "\" d=\"M" + json_number(x1) +
           "," + json_number(y1) + " C" + json_number(x1) + "," + json_number(y1 + bend) + " " + json_number(x2) + "," +
           json_number(y2 - bend) + " " + json_number(x2) + "," + json_number(y2) + "\" marker-end=\"url(#arrow)\"/>\n";
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    const GraphNode& node = nodes[i];
    std::string shapes;
    for (size_t k = 0; k < node.output_shapes.size(); ++k) shapes += (k ? " " : "") + node.output_shapes[k];
    std::string tooltip = node.name + "\nop: " + node.op;
    if (!shapes.empty()) tooltip += "\nshape: " + shapes;
    for (const auto& [key, value] : node.attrs) tooltip += "\n" + key + ": " + value;
    double x = g.boxes[i].x, y = g.boxes[i].y;
    svg += "<g class=\"node\" transform=\"translate(" + json_number(x) + "," + json_number(y) + ")\"><title>" +
           html_escape(tooltip) + "</title>";
    svg += "<rect width=\"" + json_number(kBoxWidth) + "\" height=\"" + json_number(kBoxHeight) + "\" rx=\"6\"/>";
    svg += "<text class=\"node-name\" x=\"8\" y=\"15\">" + html_escape(fit(node.name, 26)) + "</text>";
    svg += "<text class=\"node-op\" x=\"8\" y=\"29\">" + html_escape(fit(node.op, 28)) + "</text>";
    if (!shapes.empty())
      svg += "<text class=\"node-shape\" x=\"8\" y=\"42\">" + html_escape(fit(shapes, 28)) + "</text>";
    svg += "</g>\n";
  }
  return svg + "</svg>";
}

}  // namespace ember::board
