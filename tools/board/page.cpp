#include "tools/board/page.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "tools/board/graph_svg.hpp"
#include "tools/board/text.hpp"

namespace ember::board {
namespace {

// At most `limit` entries, evenly spaced, the first and the last always kept: long runs
// stay quick to draw (TensorBoard samples its series too).
template <typename T>
std::vector<T> thin(const std::vector<T>& series, size_t limit) {
  if (series.size() <= limit || limit < 2) return series;
  std::vector<T> out;
  out.reserve(limit);
  for (size_t k = 0; k < limit; ++k) out.push_back(series[k * (series.size() - 1) / (limit - 1)]);
  return out;
}

// Tags of one kind across runs: tag -> (run index, series thinned to `limit`) in run order.
template <typename Series>
std::map<std::string, std::vector<std::pair<size_t, Series>>> by_tag(const std::vector<const Run*>& runs,
                                                                     std::map<std::string, Series> Run::*member,
                                                                     size_t limit) {
  std::map<std::string, std::vector<std::pair<size_t, Series>>> tags;
  for (size_t i = 0; i < runs.size(); ++i)
    for (const auto& [tag, series] : runs[i]->*member)
      if (!series.empty()) tags[tag].emplace_back(i, thin(series, limit));
  return tags;
}

std::string data_uri(const EncodedImage& im) { return "data:" + im.mime + ";base64," + base64(im.bytes); }

std::string join_texts(const std::vector<std::string>& texts) {
  std::string s;
  for (size_t i = 0; i < texts.size(); ++i) s += (i ? "\n" : "") + texts[i];
  return s;
}

template <typename T, typename F>
std::string json_array(const std::vector<T>& items, F each) {
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) s += (i ? "," : "") + each(items[i]);
  return s + "]";
}

std::string run_label(size_t i, const std::vector<const Run*>& runs) {
  return "<span class=\"run-name\" style=\"--run-color:" + run_colors()[i % run_colors().size()] + "\">" +
         html_escape(runs[i]->name) + "</span>";
}

struct HParamsTable {
  std::vector<std::string> hparams, metrics;
  struct Row {
    std::string run;
    std::map<std::string, std::string> hparams;
    std::map<std::string, double> metrics;
    std::string status;
  };
  std::vector<Row> rows;
};

HParamsTable hparams_table(const std::vector<const Run*>& runs) {
  HParamsTable t;
  auto add_unique = [](std::vector<std::string>& v, const std::string& s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  };
  std::vector<std::pair<std::string, std::string>> declared_metrics;
  for (const Run* run : runs) {
    if (!run->hparams || !run->hparams->has_experiment) continue;
    for (const auto& name : run->hparams->hparam_names) add_unique(t.hparams, name);
    for (const auto& m : run->hparams->metrics)
      if (std::find(declared_metrics.begin(), declared_metrics.end(), m) == declared_metrics.end())
        declared_metrics.push_back(m);
  }
  std::map<std::string, const Run*> by_name;
  for (const Run* run : runs) by_name[run->name] = run;
  static const char* statuses[] = {"", "success", "failure", "running"};
  for (const Run* run : runs) {
    if (!run->hparams || !run->hparams->has_session_start) continue;
    HParamsTable::Row row;
    row.run = run->name;
    for (const auto& [k, v] : run->hparams->hparams) {
      add_unique(t.hparams, k);
      row.hparams[k] = v;
    }
    if (run->hparams->has_session_end && run->hparams->status >= 0 && run->hparams->status <= 3)
      row.status = statuses[run->hparams->status];
    // A metric (group, tag) is the last value of scalar `tag` in run <session>/<group>.
    auto metrics = declared_metrics;
    if (metrics.empty())
      for (const auto& [tag, points] : run->scalars) metrics.emplace_back("", tag);
    for (const auto& [group, tag] : metrics) {
      std::string column = group.empty() ? tag : group + "/" + tag;
      add_unique(t.metrics, column);
      auto holder = by_name.find(group.empty() ? run->name : run->name + "/" + group);
      if (holder == by_name.end()) continue;
      auto series = holder->second->scalars.find(tag);
      if (series != holder->second->scalars.end() && !series->second.empty())
        row.metrics[column] = series->second.back().value;
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace

const std::vector<std::string>& run_colors() {
  static const std::vector<std::string> colors = {"#e8710a", "#1a73e8", "#12b5cb", "#e52592", "#9334e6",
                                                  "#f9ab00", "#188038", "#d93025", "#5f6368", "#7cb342"};
  return colors;
}

std::string render_page(const std::vector<const Run*>& runs, const PageOptions& options) {
  auto scalars = by_tag(runs, &Run::scalars, 2000);
  auto histograms = by_tag(runs, &Run::histograms, 60);
  auto images = by_tag(runs, &Run::images, 100);
  auto texts = by_tag(runs, &Run::texts, 100);
  HParamsTable hp = hparams_table(runs);
  std::vector<const Run*> graphs;
  for (const Run* run : runs)
    if (!run->graph.empty()) graphs.push_back(run);

  // ---- data for the script ----
  std::string data = "{\"title\":" + json_string(options.title);
  data += ",\"watch\":" + (options.watch ? json_number(options.interval) : std::string("null"));
  data += ",\"colors\":" + json_array(run_colors(), [](const std::string& c) { return json_string(c); });
  data += ",\"runs\":" + json_array(runs, [](const Run* r) { return json_string(r->name); });
  data += ",\"scalars\":[";
  bool first_tag = true;
  for (const auto& [tag, series] : scalars) {
    data +=
        (first_tag ? "" : ",") + std::string("{\"tag\":") + json_string(tag) + ",\"series\":" +
        json_array(
            series,
            [](const auto& s) {
              const auto& points = s.second;
              return "{\"run\":" + std::to_string(s.first) +
                     ",\"steps\":" + json_array(points, [](const ScalarPoint& p) { return std::to_string(p.step); }) +
                     ",\"values\":" + json_array(points, [](const ScalarPoint& p) { return json_number(p.value); }) +
                     ",\"wall\":" + json_array(points, [](const ScalarPoint& p) { return json_number(p.wall_time); }) +
                     "}";
            }) +
        "}";
    first_tag = false;
  }
  data += "],\"histograms\":[";
  first_tag = true;
  for (const auto& [tag, series] : histograms) {
    data += (first_tag ? "" : ",") + std::string("{\"tag\":") + json_string(tag) + ",\"series\":" +
            json_array(series,
                       [](const auto& s) {
                         const auto& steps = s.second;
                         return "{\"run\":" + std::to_string(s.first) + ",\"steps\":" +
                                json_array(steps, [](const HistogramStep& h) { return std::to_string(h.step); }) +
                                ",\"buckets\":" +
                                json_array(steps,
                                           [](const HistogramStep& h) {
                                             return json_array(h.buckets, [](const HistogramBucket& b) {
                                               return "[" + json_number(b.left) + "," + json_number(b.right) + "," +
                                                      json_number(b.count) + "]";
                                             });
                                           }) +
                                "}";
                       }) +
            "}";
    first_tag = false;
  }
  data += "],\"images\":[";
  first_tag = true;
  for (const auto& [tag, series] : images) {
    data += (first_tag ? "" : ",") + std::string("{\"tag\":") + json_string(tag) + ",\"series\":" +
            json_array(series,
                       [](const auto& s) {
                         const auto& steps = s.second;
                         return "{\"run\":" + std::to_string(s.first) + ",\"steps\":" +
                                json_array(steps, [](const ImageStep& st) { return std::to_string(st.step); }) +
                                ",\"images\":" +
                                json_array(steps,
                                           [](const ImageStep& st) {
                                             return json_array(st.images, [](const EncodedImage& im) {
                                               return "{\"src\":" + json_string(data_uri(im)) +
                                                      ",\"width\":" + std::to_string(im.width) +
                                                      ",\"height\":" + std::to_string(im.height) + "}";
                                             });
                                           }) +
                                "}";
                       }) +
            "}";
    first_tag = false;
  }
  data += "],\"texts\":[";
  first_tag = true;
  for (const auto& [tag, series] : texts) {
    data += (first_tag ? "" : ",") + std::string("{\"tag\":") + json_string(tag) + ",\"series\":" +
            json_array(
                series,
                [](const auto& s) {
                  const auto& steps = s.second;
                  return "{\"run\":" + std::to_string(s.first) +
                         ",\"steps\":" + json_array(steps, [](const TextStep& st) { return std::to_string(st.step); }) +
                         ",\"texts\":" +
                         json_array(steps,
                                    [](const TextStep& st) {
                                      return json_array(st.texts, [](const std::string& t) { return json_string(t); });
                                    }) +
                         "}";
                }) +
            "}";
    first_tag = false;
  }
  data += "],\"hparams\":{\"hparams\":" + json_array(hp.hparams, [](const std::string& s) { return json_string(s); }) +
          ",\"metrics\":" + json_array(hp.metrics, [](const std::string& s) { return json_string(s); }) + ",\"rows\":" +
          json_array(hp.rows,
                     [](const HParamsTable::Row& row) {
                       std::string h = "{", m = "{";
                       for (const auto& [k, v] : row.hparams)
                         h += (h.size() > 1 ? "," : "") + json_string(k) + ":" + json_string(v);
                       for (const auto& [k, v] : row.metrics)
                         m += (m.size() > 1 ? "," : "") + json_string(k) + ":" + json_number(v);
                       return "{\"run\":" + json_string(row.run) + ",\"hparams\":" + h + "},\"metrics\":" + m +
                              "},\"status\":" + json_string(row.status) + "}";
                     }) +
          "}";
  data += ",\"graphs\":" + json_array(graphs, [](const Run* run) {
            return "{\"run\":" + json_string(run->name) + ",\"nodes\":" +
                   json_array(
                       run->graph,
                       [](const GraphNode& n) {
                         return "{\"name\":" + json_string(n.name) + ",\"op\":" + json_string(n.op) + ",\"inputs\":" +
                                json_array(n.inputs, [](const std::string& s) { return json_string(s); }) +
                                ",\"shapes\":" +
                                json_array(n.output_shapes, [](const std::string& s) { return json_string(s); }) + "}";
                       }) +
                   "}";
          });
  data += "}";

  // ---- the page; everything a reader needs as text is in the HTML itself ----
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<meta name=\"generator\" content=\"ember-board\">\n";
  h +=
      "<title>" + html_escape(options.title) + "</title>\n<style>\n" + std::string(kBoardStyle) + "</style>\n</head>\n";
  h += "<body>\n<header>\n<h1>" + html_escape(options.title) + "</h1>\n<div class=\"meta\">" +
       std::to_string(runs.size()) + (runs.size() == 1 ? " run" : " runs");
  if (!options.generated.empty()) h += " &middot; written " + html_escape(options.generated);
  if (options.watch)
    h += " &middot; <label class=\"watch\"><input type=\"checkbox\" id=\"auto-reload\" checked> reload every " +
         html_escape(json_number(options.interval)) + " s</label>";
  h += "</div>\n<nav>";
  auto nav = [&](const char* id, const char* label, size_t count) {
    if (count) h += "<a href=\"#" + std::string(id) + "\">" + label + " (" + std::to_string(count) + ")</a> ";
  };
  nav("scalars", "Scalars", scalars.size());
  nav("histograms", "Histograms", histograms.size());
  nav("images", "Images", images.size());
  nav("text", "Text", texts.size());
  nav("hparams", "HParams", hp.rows.size());
  nav("graphs", "Graphs", graphs.size());
  h += "<input type=\"search\" id=\"tag-filter\" placeholder=\"Filter tags (regular expression)\">";
  h += "</nav>\n<div class=\"runs\" id=\"run-legend\">";
  for (size_t i = 0; i < runs.size(); ++i) h += run_label(i, runs) + " ";
  h += "</div>\n</header>\n<main>\n";
  if (runs.empty()) h += "<p class=\"empty\">No data in the event files yet.</p>\n";

  if (!scalars.empty()) {
    h += "<section id=\"scalars\"><h2>Scalars</h2>\n<div class=\"controls\"><label>Smoothing "
         "<input type=\"range\" id=\"smoothing\" min=\"0\" max=\"0.99\" step=\"0.01\" value=\"0.6\"> "
         "<output id=\"smoothing-value\">0.60</output></label> <label>Horizontal axis <select id=\"x-axis\">"
         "<option value=\"step\">step</option><option value=\"relative\">relative time</option>"
         "<option value=\"wall\">wall time (UTC)</option></select></label></div>\n<div class=\"grid\">\n";
    size_t k = 0;
    for (const auto& [tag, series] : scalars) {
      h += "<div class=\"card scalar-card\" data-index=\"" + std::to_string(k++) + "\"><h3 class=\"tag\">" +
           html_escape(tag) + "</h3><div class=\"chart\"></div><div class=\"card-runs\">";
      for (const auto& s : series) h += run_label(s.first, runs) + " ";
      h += "</div></div>\n";
    }
    h += "</div></section>\n";
  }
  if (!histograms.empty()) {
    h += "<section id=\"histograms\"><h2>Histograms</h2>\n<div class=\"grid\">\n";
    size_t k = 0;
    for (const auto& [tag, series] : histograms) {
      h += "<div class=\"card histogram-card\" data-index=\"" + std::to_string(k++) + "\"><h3 class=\"tag\">" +
           html_escape(tag) + "</h3>";
      for (size_t j = 0; j < series.size(); ++j)
        h += "<div class=\"histogram\" data-series=\"" + std::to_string(j) + "\">" + run_label(series[j].first, runs) +
             " <span class=\"steps\">" + std::to_string(series[j].second.size()) +
             " steps</span><div class=\"chart\"></div></div>";
      h += "</div>\n";
    }
    h += "</div></section>\n";
  }
  if (!images.empty()) {
    h += "<section id=\"images\"><h2>Images</h2>\n<div class=\"grid\">\n";
    size_t k = 0;
    for (const auto& [tag, series] : images) {
      h += "<div class=\"card image-card\" data-index=\"" + std::to_string(k++) + "\"><h3 class=\"tag\">" +
           html_escape(tag) + "</h3>";
      for (size_t j = 0; j < series.size(); ++j) {
        const auto& steps = series[j].second;
        const ImageStep& last = steps.back();
        h += "<figure class=\"image-series\" data-series=\"" + std::to_string(j) + "\"><figcaption>" +
             run_label(series[j].first, runs) + " step <span class=\"step\">" + std::to_string(last.step) +
             "</span></figcaption><div class=\"frames\">";
        for (const EncodedImage& im : last.images)
          h += "<img alt=\"" + html_escape(tag) + "\" src=\"" + data_uri(im) + "\">";
        h += "</div>";
        if (steps.size() > 1)
          h += "<input type=\"range\" class=\"step-slider\" min=\"0\" max=\"" + std::to_string(steps.size() - 1) +
               "\" value=\"" + std::to_string(steps.size() - 1) + "\">";
        h += "</figure>";
      }
      h += "</div>\n";
    }
    h += "</div></section>\n";
  }
  if (!texts.empty()) {
    h += "<section id=\"text\"><h2>Text</h2>\n";
    for (const auto& [tag, series] : texts) {
      h += "<div class=\"card text-card\"><h3 class=\"tag\">" + html_escape(tag) + "</h3>";
      for (const auto& [run_index, steps] : series) {
        h += "<div class=\"text-run\">" + run_label(run_index, runs);
        for (auto it = steps.rbegin(); it != steps.rend(); ++it)
          h += "<div class=\"text-step\"><span class=\"step\">step " + std::to_string(it->step) + "</span><pre>" +
               html_escape(join_texts(it->texts)) + "</pre></div>";
        h += "</div>";
      }
      h += "</div>\n";
    }
    h += "</section>\n";
  }
  if (!hp.rows.empty()) {
    h += "<section id=\"hparams\"><h2>HParams</h2>\n<div class=\"card\"><table "
         "id=\"hparams-table\"><thead><tr><th>Run</th>";
    for (const auto& name : hp.hparams) h += "<th class=\"hparam\">" + html_escape(name) + "</th>";
    for (const auto& name : hp.metrics) h += "<th class=\"metric\">" + html_escape(name) + "</th>";
    h += "</tr></thead><tbody>\n";
    for (const auto& row : hp.rows) {
      h += "<tr><td class=\"run\">" + html_escape(row.run) + "</td>";
      for (const auto& name : hp.hparams) {
        auto it = row.hparams.find(name);
        h += "<td>" + (it == row.hparams.end() ? std::string() : html_escape(it->second)) + "</td>";
      }
      for (const auto& name : hp.metrics) {
        auto it = row.metrics.find(name);
        h += "<td class=\"number\">" +
             (it == row.metrics.end() ? std::string() : html_escape(format_number(it->second))) + "</td>";
      }
      h += "</tr>\n";
    }
    h += "</tbody></table></div></section>\n";
  }
  if (!graphs.empty()) {
    h += "<section id=\"graphs\"><h2>Graphs</h2>\n";
    for (const Run* run : graphs) {
      size_t i = std::find(runs.begin(), runs.end(), run) - runs.begin();
      h += "<div class=\"card graph-card\"><h3>" + run_label(i, runs) + " <span class=\"steps\">" +
           std::to_string(run->graph.size()) + " nodes</span></h3><div class=\"graph-scroll\">";
      h += run->graph.size() <= 5000 ? graph_svg(run->graph)
                                     : std::string("<p>The graph has more than 5000 nodes; not drawn.</p>");
      h += "</div></div>\n";
    }
    h += "</section>\n";
  }
  h += "</main>\n<script type=\"application/json\" id=\"board-data\">" + data + "</script>\n";
  h += "<script>\n" + std::string(kBoardScript) + "</script>\n</body>\n</html>\n";
  return h;
}

}  // namespace ember::board
