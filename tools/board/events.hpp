// The messages of TensorBoard event files that the board shows, decoded from the wire
// format (field numbers from tensorboard/compat/proto: event.proto, summary.proto,
// histogram.proto, tensor.proto, tensor_shape.proto, graph.proto, node_def.proto,
// attr_value.proto and plugins/hparams/plugin_data.proto, api.proto).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ember::board {

// TensorFlow's DataType numbers (types.proto) that the board reads.
enum DType : int {
  DT_FLOAT = 1,
  DT_DOUBLE = 2,
  DT_INT32 = 3,
  DT_UINT8 = 4,
  DT_INT16 = 5,
  DT_INT8 = 6,
  DT_STRING = 7,
  DT_INT64 = 9,
  DT_BOOL = 10,
  DT_BFLOAT16 = 14,
  DT_UINT16 = 17,
  DT_HALF = 19,
  DT_UINT32 = 22,
  DT_UINT64 = 23
};

struct TensorValue {
  int dtype = 0;
  std::vector<int64_t> shape;
  std::string content;               // tensor_content: raw little-endian elements
  std::vector<double> numbers;       // float_val, double_val, int_val, int64_val, bool_val, half_val
  std::vector<std::string> strings;  // string_val

  // The elements as numbers, whichever field holds them (a single *_val element fills
  // the whole shape, as in TensorProto's version 0).
  std::vector<double> as_numbers() const;
  int64_t element_count() const;
};

struct HistogramValue {
  double min = 0, max = 0, num = 0, sum = 0, sum_squares = 0;
  std::vector<double> bucket_limit, bucket;
};

struct ImageValue {
  int height = 0, width = 0, colorspace = 0;
  std::string encoded;
};

struct SummaryValue {
  enum class Kind { none, simple_value, image, histogram, audio, tensor, other };
  std::string tag;
  bool has_plugin = false;  // metadata.plugin_data was given
  std::string plugin_name;
  std::string plugin_content;
  Kind kind = Kind::none;
  double simple_value = 0;
  ImageValue image;
  HistogramValue histogram;
  TensorValue tensor;
};

struct Event {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;
  std::optional<std::string> graph_def;  // serialized GraphDef
  std::vector<SummaryValue> values;
  int session_log_status = 0;  // SessionLog.status: 1 START, 2 STOP, 3 CHECKPOINT
};

// Throws WireError when the bytes are not a well-formed Event.
Event decode_event(std::string_view bytes);

// ---- GraphDef ----
struct GraphNode {
  std::string name, op, device;
  std::vector<std::string> inputs;           // as written: "^ctrl" and ":1" kept
  std::vector<std::string> output_shapes;    // "[2, 3]", from the _output_shapes attr
  std::map<std::string, std::string> attrs;  // other attrs, shown as short text
};
std::vector<GraphNode> decode_graph(std::string_view graph_def);

// ---- hparams plugin data (HParamsPluginData) ----
struct HParamsData {
  // experiment: the hyperparameter and metric names the experiment declares
  bool has_experiment = false;
  std::vector<std::string> hparam_names;
  std::vector<std::pair<std::string, std::string>> metrics;  // (group, tag)
  // session_start_info: one session's values, as display text (numbers, strings, bools)
  bool has_session_start = false;
  std::vector<std::pair<std::string, std::string>> hparams;
  std::string group_name;
  // session_end_info
  bool has_session_end = false;
  int status = 0;
};
HParamsData decode_hparams(std::string_view plugin_content);

// Short text for a number: the shortest that reads back as the same float when the value
// is exactly a float32, else as the same double.
std::string format_number(double v);

}  // namespace ember::board
