// Encoders of the Event, Summary and plugin messages. Field numbers are those of the
// .proto files listed in docs/TENSORBOARD_FORMAT.md; the comment at each message names it.
#include "src/tensorboard/summaries.hpp"

#include <algorithm>
#include <cmath>
#include <variant>

#include "ember/ember.hpp"
#include "ember/plot.hpp"
#include "src/tensorboard/record.hpp"

namespace ember {
namespace tensorboard {
namespace detail {
namespace {

// SummaryMetadata{plugin_data: PluginData{plugin_name, content}}.
Proto plugin_metadata(const std::string& plugin_name, const std::string& content) {
  Proto plugin_data;
  plugin_data.bytes(1, plugin_name).bytes(2, content);
  Proto metadata;
  metadata.message(1, plugin_data);
  return metadata;
}

// Summary{value: [v]}.
std::string one_value_summary(const Proto& value) {
  Proto summary;
  summary.message(1, value);
  return summary.take();
}

// TensorProto dtype values (tensorflow/core/framework/types.proto).
constexpr int64_t kDtFloat = 1;
constexpr int64_t kDtString = 7;

}  // namespace

std::string encode_event(double wall_time, int64_t step, int field, const std::string& payload) {
  Proto event;
  event.float64(1, wall_time).int64(2, step).bytes_always(field, payload);
  return event.take();
}

void append_scalar_event(std::string& out, double wall_time, int64_t step, const std::string& tag, double value,
                         bool new_style) {
  if (new_style) {
    // Summary.Value{tag 1, metadata 9, tensor 8: TensorProto{dtype 1, float_val 5}}, rank 0.
    Proto v;
    v.bytes(1, tag).message(9, plugin_metadata("scalars", ""));
    Proto tensor;
    tensor.int64(1, kDtFloat).packed_floats(5, {static_cast<float>(value)});
    v.message(8, tensor);
    Proto summary;
    summary.message(1, v);
    append_record(out, encode_event(wall_time, step, kEventSummary, summary.str()));
    return;
  }
  // The common case, written straight into `out` (sizes first, no nested buffers):
  // Event{wall_time 1, step 2, summary 5: Summary{value 1: Value{tag 1, simple_value 2}}}.
  auto varint_size = [](uint64_t v) {
    std::size_t n = 1;
    while (v >= 0x80) {
      v >>= 7;
      ++n;
    }
    return n;
  };
  const std::size_t value_size = (tag.empty() ? 0 : 1 + varint_size(tag.size()) + tag.size()) + 5;
  const std::size_t summary_size = 1 + varint_size(value_size) + value_size;
  thread_local Proto event;  // the writer thread's scratch buffer
  event.clear();
  event.float64(1, wall_time).int64(2, step);
  event.key(kEventSummary, Proto::kLengthDelimited).varint(summary_size);
  event.key(1, Proto::kLengthDelimited).varint(value_size);
  event.bytes(1, tag);
  float f = static_cast<float>(value);
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  event.key(2, Proto::kFixed32).fixed32(bits);  // written even when 0: the oneof member is set
  append_record(out, event.str());
}

std::string session_log_start() {
  Proto log;  // SessionLog{status: 1 = START}
  log.int64(1, 1);
  return log.take();
}

const std::vector<double>& default_bins() {
  // torch.utils.tensorboard's "tensorflow" bins: 1e-12 * 1.1^k (by repeated
  // multiplication) below 1e20, mirrored, with 0 in the middle.
  static const std::vector<double> edges = [] {
    std::vector<double> pos;
    for (double v = 1e-12; v < 1e20; v *= 1.1) pos.push_back(v);
    std::vector<double> all;
    all.reserve(pos.size() * 2 + 1);
    for (auto it = pos.rbegin(); it != pos.rend(); ++it) all.push_back(-*it);
    all.push_back(0.0);
    all.insert(all.end(), pos.begin(), pos.end());
    return all;
  }();
  return edges;
}

std::vector<double> equal_width_edges(double lo, double hi, int64_t bins) {
  if (lo == hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  // np.linspace(lo, hi, bins + 1): i * step + lo, the last edge exactly hi.
  std::vector<double> edges(static_cast<std::size_t>(bins) + 1);
  const double step = (hi - lo) / static_cast<double>(bins);
  for (int64_t i = 0; i <= bins; ++i) edges[static_cast<std::size_t>(i)] = static_cast<double>(i) * step + lo;
  edges.back() = hi;
  return edges;
}

namespace {

// The bin of x (edges[i] <= x < edges[i+1], the last bin also x == edges.back()), for x
// within the edges, from a guess: moved down or up until it holds x, so the edges
// decide and the guess only saves the search.
std::size_t bin_from_guess(const std::vector<double>& edges, double x, std::ptrdiff_t guess) {
  const auto nbins = static_cast<std::ptrdiff_t>(edges.size()) - 1;
  std::ptrdiff_t i = std::min(std::max<std::ptrdiff_t>(guess, 0), nbins - 1);
  while (i > 0 && x < edges[static_cast<std::size_t>(i)]) --i;
  while (i + 1 < nbins && x >= edges[static_cast<std::size_t>(i + 1)]) ++i;
  return static_cast<std::size_t>(i);
}

}  // namespace

Histogram make_histogram(const std::vector<double>& values, const std::vector<double>& edges,
                         std::optional<int64_t> max_bins, EdgeLayout layout) {
  Histogram h;
  const std::size_t nbins = edges.size() - 1;
  // Guesses: the tensorflow edges are 0 and +-1e-12 * 1.1^k at indices half +- (k + 1);
  // equal-width bins are (x - lo) / width.
  const auto half = static_cast<std::ptrdiff_t>(nbins / 2);
  const double log_base = std::log(1.1);
  const double width = (edges.back() - edges.front()) / static_cast<double>(nbins);
  std::vector<double> counts(nbins, 0.0);
  const double first = edges.front(), last = edges.back();
  double mn = values.front(), mx = values.front(), sum = 0, sum_sq = 0;
  bool has_nan = false;
  for (double x : values) {
    if (std::isnan(x)) {
      has_nan = true;
      continue;
    }
    mn = std::min(mn, x);
    mx = std::max(mx, x);
    sum += x;
    sum_sq += x * x;
    if (x < first || x > last) continue;
    std::size_t bin;
    if (x == last) {
      bin = nbins - 1;
    } else if (layout == EdgeLayout::kTensorflow) {
      const double a = std::fabs(x);
      const auto k = a < 1e-12 ? std::ptrdiff_t{-1}
                               : static_cast<std::ptrdiff_t>(std::floor(std::log(a / 1e-12) / log_base));
      bin = bin_from_guess(edges, x, x >= 0 ? half + k + 1 : half - k - 2);
    } else if (layout == EdgeLayout::kEqualWidth && width > 0) {
      bin = bin_from_guess(edges, x, static_cast<std::ptrdiff_t>((x - first) / width));
    } else {
      bin = static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), x) - edges.begin()) - 1;
    }
    counts[bin] += 1;
  }
  const double nan = std::nan("");
  h.min = has_nan ? nan : mn;  // numpy's min, max and sum propagate NaN
  h.max = has_nan ? nan : mx;
  h.sum = has_nan ? nan : sum;
  h.sum_squares = has_nan ? nan : sum_sq;
  h.num = static_cast<double>(values.size());

  std::vector<double> limits = edges;
  if (max_bins && static_cast<int64_t>(counts.size()) > *max_bins) {
    // Merge `sub` neighbouring bins, padding the counts with zeros to a multiple of it.
    const std::size_t sub = counts.size() / static_cast<std::size_t>(*max_bins);
    const std::size_t rem = counts.size() % sub;
    if (rem != 0) counts.resize(counts.size() + sub - rem, 0.0);
    std::vector<double> merged(counts.size() / sub, 0.0);
    for (std::size_t i = 0; i < counts.size(); ++i) merged[i / sub] += counts[i];
    std::vector<double> new_limits;
    for (std::size_t i = 0; i + 1 < limits.size(); i += sub) new_limits.push_back(limits[i]);
    new_limits.push_back(limits.back());
    counts = std::move(merged);
    limits = std::move(new_limits);
  }
  // The support: from the first bucket that holds a value to the last. TensorBoard
  // reads only right edges, so an empty bucket goes first to carry the left edge.
  std::size_t start = 0, end = 0;
  while (start < counts.size() && counts[start] == 0) ++start;
  for (std::size_t i = counts.size(); i > 0; --i)
    if (counts[i - 1] > 0) {
      end = i;
      break;
    }
  h.bucket.push_back(start > 0 ? counts[start - 1] : 0.0);
  h.bucket.insert(h.bucket.end(), counts.begin() + static_cast<std::ptrdiff_t>(start),
                  counts.begin() + static_cast<std::ptrdiff_t>(end));
  h.bucket_limit.assign(limits.begin() + static_cast<std::ptrdiff_t>(start),
                        limits.begin() + static_cast<std::ptrdiff_t>(end) + 1);
  return h;
}

std::string histogram_summary(const std::string& tag, const Histogram& h) {
  // HistogramProto{min 1, max 2, num 3, sum 4, sum_squares 5, bucket_limit 6, bucket 7}.
  Proto histo;
  histo.float64(1, h.min).float64(2, h.max).float64(3, h.num).float64(4, h.sum).float64(5, h.sum_squares);
  histo.packed_doubles(6, h.bucket_limit).packed_doubles(7, h.bucket);
  Proto v;
  v.bytes(1, tag).message(5, histo);
  return one_value_summary(v);
}

std::vector<uint8_t> scale_to_bytes(const std::vector<float>& values) {
  std::vector<uint8_t> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    float v = values[i] * 255.0f;
    if (!(v > 0.0f)) v = 0.0f;
    if (v > 255.0f) v = 255.0f;
    out[i] = static_cast<uint8_t>(v);
  }
  return out;
}

Pixels to_hwc(const std::vector<uint8_t>& data, const std::vector<int64_t>& sizes, const std::string& dataformats) {
  // Strides of the input by letter, then a walk in N, H, W, C order.
  std::vector<int64_t> strides(sizes.size(), 1);
  for (std::size_t i = sizes.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * sizes[i];
  auto find = [&](char c, int64_t& size, int64_t& stride) {
    const auto pos = dataformats.find(c);
    if (pos == std::string::npos) {
      size = 1;
      stride = 0;
    } else {
      size = sizes[pos];
      stride = strides[pos];
    }
  };
  int64_t n, c, h, w, sn, sc, sh, sw;
  find('N', n, sn);
  find('C', c, sc);
  find('H', h, sh);
  find('W', w, sw);
  const int64_t out_c = c == 1 ? 3 : c;
  const bool batch = dataformats.size() == 4;
  // torchvision.utils.make_grid(nrow=8, padding=2, pad_value=0); one image is returned as is.
  const int64_t pad = batch && n > 1 ? 2 : 0;
  const int64_t cols = batch ? std::min<int64_t>(8, n) : 1;
  const int64_t rows = batch ? (n + cols - 1) / cols : 1;
  Pixels p;
  p.height = rows * (h + pad) + pad;
  p.width = cols * (w + pad) + pad;
  p.channels = out_c;
  p.data.assign(static_cast<std::size_t>(p.height * p.width * out_c), 0);
  for (int64_t k = 0; k < n; ++k) {
    const int64_t y0 = (k / cols) * (h + pad) + pad, x0 = (k % cols) * (w + pad) + pad;
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        uint8_t* dst = &p.data[static_cast<std::size_t>(((y0 + y) * p.width + x0 + x) * out_c)];
        for (int64_t ch = 0; ch < out_c; ++ch) {
          const int64_t src_c = c == 1 ? 0 : ch;
          dst[ch] = data[static_cast<std::size_t>(k * sn + src_c * sc + y * sh + x * sw)];
        }
      }
  }
  return p;
}

std::string text_summary(const std::string& tag, const std::string& text) {
  Proto shape;  // TensorShapeProto{dim: [Dim{size: 1}]}
  Proto dim;
  dim.int64(1, 1);
  shape.message(2, dim);
  Proto tensor;  // TensorProto{dtype: DT_STRING, tensor_shape: 2, string_val: 8}
  tensor.int64(1, kDtString).message(2, shape).bytes_always(8, text);
  Proto v;
  // TextPluginData{version: 0} serializes to nothing.
  v.bytes(1, tag + "/text_summary").message(9, plugin_metadata("text", "")).message(8, tensor);
  return one_value_summary(v);
}

Proto shape_proto(const std::vector<int64_t>& sizes) {
  Proto shape;
  for (int64_t s : sizes) {
    Proto dim;
    dim.int64(1, s);
    shape.message(2, dim);
  }
  return shape;
}

namespace {

// google.protobuf.Value{number_value: 2, string_value: 3, bool_value: 4}.
Proto struct_value(const HParamValue& v) {
  Proto out;
  if (const double* d = std::get_if<double>(&v)) {
    out.key(2, Proto::kFixed64);
    uint64_t bits;
    std::memcpy(&bits, d, 8);
    out.fixed64(bits);
  } else if (const std::string* s = std::get_if<std::string>(&v)) {
    out.bytes_always(3, *s);
  } else {
    out.key(4, Proto::kVarint).varint(std::get<bool>(v) ? 1 : 0);
  }
  return out;
}

std::string hparams_plugin_summary(const std::string& tag, int data_field, const Proto& data) {
  Proto content;  // HParamsPluginData{version: 1 (0), experiment 2 | session_start_info 3 | session_end_info 4}
  content.message(data_field, data);
  // The value: an empty float tensor of shape [0], as TensorBoard's own hparams summaries
  // carry (TensorBoard puts the same in when a value has none, as PyTorch writes them).
  Proto dim;
  dim.int64(1, 0);
  Proto shape;
  shape.message(2, dim);
  Proto null_tensor;
  null_tensor.int64(1, kDtFloat).message(2, shape);
  Proto v;
  v.bytes(1, tag).message(9, plugin_metadata("hparams", content.str())).message(8, null_tensor);
  return one_value_summary(v);
}

}  // namespace

HParamsSummaries hparams_summaries(const std::map<std::string, HParamValue>& hparams,
                                   const std::map<std::string, double>& metrics,
                                   const std::map<std::string, std::vector<HParamValue>>& domain_discrete) {
  Proto experiment;  // Experiment{hparam_infos: 4, metric_infos: 5}
  Proto start;       // SessionStartInfo{hparams: 1 (map<string, Value>)}
  for (const auto& [name, value] : hparams) {
    Proto info;  // HParamInfo{name 1, type 4 (DataType), domain_discrete 5 (ListValue)}
    const int64_t type = std::holds_alternative<std::string>(value) ? 1 : std::holds_alternative<bool>(value) ? 2 : 3;
    info.bytes(1, name).int64(4, type);
    auto domain = domain_discrete.find(name);
    if (domain != domain_discrete.end()) {
      Proto list;  // ListValue{values: 1}
      for (const HParamValue& d : domain->second) list.message(1, struct_value(d));
      info.message(5, list);
    }
    experiment.message(4, info);
    Proto entry;
    entry.bytes_always(1, name).message(2, struct_value(value));
    start.message(1, entry);
  }
  for (const auto& metric : metrics) {
    Proto metric_name;  // MetricName{group 1, tag 2}
    metric_name.bytes(2, metric.first);
    Proto info;  // MetricInfo{name: 1}
    info.message(1, metric_name);
    experiment.message(5, info);
  }
  Proto end;  // SessionEndInfo{status: 1 = STATUS_SUCCESS}
  end.int64(1, 1);
  HParamsSummaries out;
  out.experiment = hparams_plugin_summary("_hparams_/experiment", 2, experiment);
  out.session_start = hparams_plugin_summary("_hparams_/session_start_info", 3, start);
  out.session_end = hparams_plugin_summary("_hparams_/session_end_info", 4, end);
  return out;
}

std::string image_summary(const std::string& tag, const Pixels& pixels) {
  Tensor hwc = empty({pixels.height, pixels.width, pixels.channels}, kUInt8);
  std::memcpy(hwc.data_ptr<uint8_t>(), pixels.data.data(), pixels.data.size());
  Proto image;  // Summary.Image{height 1, width 2, colorspace 3, encoded_image_string 4}
  image.int64(1, pixels.height).int64(2, pixels.width).int64(3, pixels.channels);
  image.bytes(4, plot::encode_png(hwc));
  Proto v;
  v.bytes(1, tag).message(4, image);
  return one_value_summary(v);
}

}  // namespace detail
}  // namespace tensorboard
}  // namespace ember
