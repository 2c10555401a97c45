// The summaries SummaryWriter writes, as serialized protobuf messages. The writer's
// thread calls these; everything that can be a user mistake is checked on the caller's
// thread before (summary_writer.cpp), so these only encode.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ember/tensorboard.hpp"
#include "src/tensorboard/proto.hpp"

namespace ember {
namespace tensorboard {
namespace detail {

// Event field numbers (tensorboard/compat/proto/event.proto).
enum EventField : int { kEventFileVersion = 3, kEventGraphDef = 4, kEventSummary = 5, kEventSessionLog = 7 };

// A whole Event: wall_time, step and one payload field holding `payload` bytes.
std::string encode_event(double wall_time, int64_t step, int field, const std::string& payload);
// An Event with a one-value Summary holding a simple_value (or, new_style, a DT_FLOAT
// tensor with the scalars plugin's metadata); built without intermediate strings.
void append_scalar_event(std::string& out, double wall_time, int64_t step, const std::string& tag, double value,
                         bool new_style);
// SessionLog{status: START} (purge_step).
std::string session_log_start();

// numpy.histogram edges: PyTorch's default "tensorflow" bins, and numpy's bins=N
// (np.linspace(min, max, N + 1), widened by 0.5 either side when min == max).
const std::vector<double>& default_bins();
std::vector<double> equal_width_edges(double lo, double hi, int64_t bins);

// HistogramProto's content as torch.utils.tensorboard's make_histogram computes it.
struct Histogram {
  double min = 0, max = 0, num = 0, sum = 0, sum_squares = 0;
  std::vector<double> bucket_limit, bucket;
};
// numpy.histogram(values, edges) (bin i holds edges[i] <= x < edges[i+1], the last bin
// also x == edges.back(); NaN and values outside are not counted), max_bins merging,
// then trimming to the buckets that hold values plus one empty bucket on the left.
// At least one value must fall within the edges (the caller checks).
// `layout` only speeds up finding a value's bin (a first guess, corrected against the
// edges themselves): kTensorflow for default_bins(), kEqualWidth for
// equal_width_edges(), kAny for anything (binary search).
enum class EdgeLayout { kAny, kTensorflow, kEqualWidth };
Histogram make_histogram(const std::vector<double>& values, const std::vector<double>& edges,
                         std::optional<int64_t> max_bins, EdgeLayout layout = EdgeLayout::kAny);
std::string histogram_summary(const std::string& tag, const Histogram& h);

// An image given as uint8 in the layout `dataformats` names (2, 3 or 4 letters: HW,
// CHW/HWC/..., NCHW/NHWC/...). Gives H x W x C uint8 (C 3 or 4): one channel is
// repeated to three; a batch is laid out as torchvision's make_grid does by default
// (8 per row, 2 pixels of 0 around each image; one image: itself).
struct Pixels {
  int64_t height = 0, width = 0, channels = 0;
  std::vector<uint8_t> data;  // row-major H x W x C
};
Pixels to_hwc(const std::vector<uint8_t>& data, const std::vector<int64_t>& sizes, const std::string& dataformats);
// Float values scaled to bytes as PyTorch does: x * 255 in float32, clipped to [0, 255],
// truncated (NaN gives 0).
std::vector<uint8_t> scale_to_bytes(const std::vector<float>& values);
std::string image_summary(const std::string& tag, const Pixels& pixels);

std::string text_summary(const std::string& tag, const std::string& text);

// The three hparams plugin summaries (experiment, session start, session end).
struct HParamsSummaries {
  std::string experiment, session_start, session_end;
};
HParamsSummaries hparams_summaries(const std::map<std::string, HParamValue>& hparams,
                                   const std::map<std::string, double>& metrics,
                                   const std::map<std::string, std::vector<HParamValue>>& domain_discrete);

// TensorShapeProto of `sizes`.
Proto shape_proto(const std::vector<int64_t>& sizes);

}  // namespace detail
}  // namespace tensorboard
}  // namespace ember
