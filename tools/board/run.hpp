// What one run (one directory of event files) holds, gathered from its events by kind:
// scalars, histograms, images, text, hparams and the graph. Values written the old way
// (simple_value, histo, Summary.Image) and the plugin tensor way (TensorFlow's
// tf.summary: "scalars", "histograms", "images", "text") land in the same series.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tools/board/events.hpp"

namespace ember::board {

struct ScalarPoint {
  int64_t step;
  double wall_time;
  double value;
};

struct HistogramBucket {
  double left, right, count;
};
struct HistogramStep {
  int64_t step;
  double wall_time;
  std::vector<HistogramBucket> buckets;
};

struct EncodedImage {
  std::string mime;  // from the bytes' signature: image/png, image/jpeg, image/gif...
  std::string bytes;
  int width = 0, height = 0;
};
struct ImageStep {
  int64_t step;
  std::vector<EncodedImage> images;  // the images plugin may hold several per step
};

struct TextStep {
  int64_t step;
  std::vector<std::string> texts;
};

struct Run {
  std::string name;
  std::map<std::string, std::vector<ScalarPoint>> scalars;
  std::map<std::string, std::vector<HistogramStep>> histograms;
  std::map<std::string, std::vector<ImageStep>> images;
  std::map<std::string, std::vector<TextStep>> texts;
  std::optional<HParamsData> hparams;  // session start/end and experiment, merged
  std::vector<GraphNode> graph;
  int64_t events = 0;

  // Event writers attach plugin metadata to the first value of a tag only.
  std::map<std::string, std::string> plugin_of_tag;

  void add(const Event& event);
  // A SessionLog START at step s (a resumed run) hides what an earlier start logged at
  // steps >= s, as TensorBoard does.
  void purge_from(int64_t step);
  bool empty() const;
};

// The MIME type of encoded image bytes, from their signature.
std::string image_mime(const std::string& bytes);

}  // namespace ember::board
