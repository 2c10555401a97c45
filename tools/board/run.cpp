#include "tools/board/run.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace ember::board {
namespace {

template <typename Series>
void drop_from(std::map<std::string, Series>& by_tag, int64_t step) {
  for (auto& [tag, series] : by_tag)
    series.erase(std::remove_if(series.begin(), series.end(), [&](const auto& p) { return p.step >= step; }),
                 series.end());
}

// HistogramProto's buckets: bucket i spans (limit[i-1], limit[i]]; the first starts at
// min and the edges are clamped to [min, max] (the outer limits are often +-DBL_MAX).
std::vector<HistogramBucket> buckets_of(const HistogramValue& h) {
  std::vector<HistogramBucket> out;
  size_t n = std::min(h.bucket_limit.size(), h.bucket.size());
  bool clamp = std::isfinite(h.min) && std::isfinite(h.max) && h.min <= h.max;
  for (size_t i = 0; i < n; ++i) {
    double left = i == 0 ? h.min : h.bucket_limit[i - 1];
    double right = h.bucket_limit[i];
    if (clamp) {
      left = std::clamp(left, h.min, h.max);
      right = std::clamp(right, h.min, h.max);
    }
    out.push_back({left, right, h.bucket[i]});
  }
  return out;
}

}  // namespace

std::string image_mime(const std::string& b) {
  if (b.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0) return "image/png";
  if (b.compare(0, 3, "\xff\xd8\xff") == 0) return "image/jpeg";
  if (b.compare(0, 4, "GIF8") == 0) return "image/gif";
  if (b.compare(0, 2, "BM") == 0) return "image/bmp";
  if (b.size() >= 12 && b.compare(0, 4, "RIFF") == 0 && b.compare(8, 4, "WEBP") == 0) return "image/webp";
  return "application/octet-stream";
}

void Run::add(const Event& event) {
  ++events;
  if (event.session_log_status == 1) purge_from(event.step);
  if (event.graph_def) graph = decode_graph(*event.graph_def);
  for (const SummaryValue& v : event.values) {
    if (v.has_plugin) plugin_of_tag[v.tag] = v.plugin_name;
    auto known = plugin_of_tag.find(v.tag);
    const std::string plugin = known == plugin_of_tag.end() ? "" : known->second;
    using Kind = SummaryValue::Kind;

    if (plugin == "hparams") {
      if (!v.has_plugin) continue;
      HParamsData data = decode_hparams(v.plugin_content);
      if (!hparams) hparams = HParamsData{};
      if (data.has_experiment) {
        hparams->has_experiment = true;
        hparams->hparam_names = data.hparam_names;
        hparams->metrics = data.metrics;
      }
      if (data.has_session_start) {
        hparams->has_session_start = true;
        hparams->hparams = data.hparams;
        hparams->group_name = data.group_name;
      }
      if (data.has_session_end) {
        hparams->has_session_end = true;
        hparams->status = data.status;
      }
      continue;
    }
    switch (v.kind) {
      case Kind::simple_value: scalars[v.tag].push_back({event.step, event.wall_time, v.simple_value}); break;
      case Kind::histogram: histograms[v.tag].push_back({event.step, event.wall_time, buckets_of(v.histogram)}); break;
      case Kind::image: {
        EncodedImage im{image_mime(v.image.encoded), v.image.encoded, v.image.width, v.image.height};
        images[v.tag].push_back({event.step, {std::move(im)}});
        break;
      }
      case Kind::tensor: {
        const TensorValue& t = v.tensor;
        if (plugin == "images" || (plugin.empty() && t.dtype == DT_STRING && t.strings.size() >= 3 &&
                                   image_mime(t.strings[2]) != "application/octet-stream")) {
          // [width, height, encoded image...] as strings
          ImageStep step{event.step, {}};
          int width = t.strings.size() > 0 ? std::atoi(t.strings[0].c_str()) : 0;
          int height = t.strings.size() > 1 ? std::atoi(t.strings[1].c_str()) : 0;
          for (size_t i = 2; i < t.strings.size(); ++i)
            step.images.push_back({image_mime(t.strings[i]), t.strings[i], width, height});
          if (!step.images.empty()) images[v.tag].push_back(std::move(step));
        } else if (plugin == "text" || (plugin.empty() && t.dtype == DT_STRING)) {
          texts[v.tag].push_back({event.step, t.strings});
        } else if (plugin == "histograms") {
          // [k, 3]: left edge, right edge, count
          std::vector<double> x = t.as_numbers();
          HistogramStep step{event.step, event.wall_time, {}};
          for (size_t i = 0; i + 3 <= x.size(); i += 3) step.buckets.push_back({x[i], x[i + 1], x[i + 2]});
          histograms[v.tag].push_back(std::move(step));
        } else if (plugin == "scalars" || plugin.empty()) {
          std::vector<double> x = t.as_numbers();
          if (x.size() == 1 && t.dtype != DT_STRING) scalars[v.tag].push_back({event.step, event.wall_time, x[0]});
        }
        break;
      }
      default: break;  // audio, pr curves and others are not shown
    }
  }
}

void Run::purge_from(int64_t step) {
  drop_from(scalars, step);
  drop_from(histograms, step);
  drop_from(images, step);
  drop_from(texts, step);
}

bool Run::empty() const {
  return scalars.empty() && histograms.empty() && images.empty() && texts.empty() && !hparams && graph.empty();
}

}  // namespace ember::board
