#include "tools/board/events.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "tools/board/wire.hpp"

namespace ember::board {
namespace {

std::vector<int64_t> decode_shape(std::string_view bytes) {  // TensorShapeProto
  std::vector<int64_t> dims;
  WireReader r(bytes);
  while (r.next()) {
    if (r.field() != 2) continue;  // dim
    WireReader dim(r.as_bytes());
    int64_t size = 0;
    while (dim.next())
      if (dim.field() == 1) size = dim.as_int();
    dims.push_back(size);
  }
  return dims;
}

double half_to_double(uint32_t h) {
  int sign = (h >> 15) & 1, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  double v;
  if (exponent == 0)
    v = std::ldexp(mantissa, -24);
  else if (exponent == 31)
    v = mantissa ? NAN : INFINITY;
  else
    v = std::ldexp(mantissa + 1024, exponent - 25);
  return sign ? -v : v;
}

TensorValue decode_tensor(std::string_view bytes) {
  TensorValue t;
  WireReader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: t.dtype = static_cast<int>(r.as_int()); break;
      case 2: t.shape = decode_shape(r.as_bytes()); break;
      case 4: t.content = r.as_string(); break;
      case 5: r.append_floats(t.numbers); break;   // float_val
      case 6: r.append_doubles(t.numbers); break;  // double_val
      case 8: t.strings.push_back(r.as_string()); break;
      case 7:
      case 10:
      case 11:
      case 16:
      case 17: {  // int_val, int64_val, bool_val, uint32_val, uint64_val
        std::vector<int64_t> ints;
        r.append_varints(ints);
        bool is_unsigned = r.field() == 17;
        for (int64_t i : ints) t.numbers.push_back(is_unsigned ? double(uint64_t(i)) : double(i));
        break;
      }
      case 13: {  // half_val: fp16 (or bfloat16) bits in int32s
        std::vector<int64_t> bits;
        r.append_varints(bits);
        for (int64_t b : bits) {
          if (t.dtype == DT_BFLOAT16) {
            uint32_t f32 = static_cast<uint32_t>(b & 0xffff) << 16;
            float f;
            std::memcpy(&f, &f32, 4);
            t.numbers.push_back(f);
          } else {
            t.numbers.push_back(half_to_double(static_cast<uint32_t>(b)));
          }
        }
        break;
      }
      default: break;
    }
  }
  return t;
}

HistogramValue decode_histogram(std::string_view bytes) {
  HistogramValue h;
  WireReader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: h.min = r.as_double(); break;
      case 2: h.max = r.as_double(); break;
      case 3: h.num = r.as_double(); break;
      case 4: h.sum = r.as_double(); break;
      case 5: h.sum_squares = r.as_double(); break;
      case 6: r.append_doubles(h.bucket_limit); break;
      case 7: r.append_doubles(h.bucket); break;
      default: break;
    }
  }
  return h;
}

ImageValue decode_image(std::string_view bytes) {
  ImageValue im;
  WireReader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: im.height = static_cast<int>(r.as_int()); break;
      case 2: im.width = static_cast<int>(r.as_int()); break;
      case 3: im.colorspace = static_cast<int>(r.as_int()); break;
      case 4: im.encoded = r.as_string(); break;
      default: break;
    }
  }
  return im;
}

void decode_metadata(std::string_view bytes, SummaryValue& v) {  // SummaryMetadata
  WireReader r(bytes);
  while (r.next()) {
    if (r.field() != 1) continue;  // plugin_data
    v.has_plugin = true;
    WireReader p(r.as_bytes());
    while (p.next()) {
      if (p.field() == 1)
        v.plugin_name = p.as_string();
      else if (p.field() == 2)
        v.plugin_content = p.as_string();
    }
  }
}

SummaryValue decode_value(std::string_view bytes) {  // Summary.Value
  SummaryValue v;
  WireReader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: v.tag = r.as_string(); break;
      case 2:
        v.kind = SummaryValue::Kind::simple_value;
        v.simple_value = r.as_float();
        break;
      case 3: v.kind = SummaryValue::Kind::other; break;  // obsolete_old_style_histogram
      case 4:
        v.kind = SummaryValue::Kind::image;
        v.image = decode_image(r.as_bytes());
        break;
      case 5:
        v.kind = SummaryValue::Kind::histogram;
        v.histogram = decode_histogram(r.as_bytes());
        break;
      case 6: v.kind = SummaryValue::Kind::audio; break;
      case 8:
        v.kind = SummaryValue::Kind::tensor;
        v.tensor = decode_tensor(r.as_bytes());
        break;
      case 9: decode_metadata(r.as_bytes(), v); break;
      default: break;
    }
  }
  return v;
}

template <typename T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// google.protobuf.Value as display text.
std::string decode_struct_value(std::string_view bytes) {
  std::string out;
  WireReader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: out = "null"; break;
      case 2: out = format_number(r.as_double()); break;
      case 3: out = r.as_string(); break;
      case 4: out = r.as_bool() ? "true" : "false"; break;
      case 6: {  // list_value
        out = "[";
        WireReader list(r.as_bytes());
        bool first = true;
        while (list.next()) {
          if (list.field() != 1) continue;
          out += (first ? "" : ", ") + decode_struct_value(list.as_bytes());
          first = false;
        }
        out += "]";
        break;
      }
      default: out = "{...}"; break;
    }
  }
  return out;
}

}  // namespace

int64_t TensorValue::element_count() const {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > (int64_t(1) << 40) / d)) return -1;  // unknown or absurd
    n *= d;
  }
  return n;
}

std::vector<double> TensorValue::as_numbers() const {
  std::vector<double> out;
  if (!content.empty()) {
    const char* p = content.data();
    size_t n = content.size();
    auto each = [&](size_t width, auto convert) {
      for (size_t i = 0; i + width <= n; i += width) out.push_back(convert(p + i));
    };
    switch (dtype) {
      case DT_FLOAT: each(4, [](const char* q) { return double(load<float>(q)); }); break;
      case DT_DOUBLE: each(8, [](const char* q) { return load<double>(q); }); break;
      case DT_INT32: each(4, [](const char* q) { return double(load<int32_t>(q)); }); break;
      case DT_INT64: each(8, [](const char* q) { return double(load<int64_t>(q)); }); break;
      case DT_UINT32: each(4, [](const char* q) { return double(load<uint32_t>(q)); }); break;
      case DT_UINT64: each(8, [](const char* q) { return double(load<uint64_t>(q)); }); break;
      case DT_INT16: each(2, [](const char* q) { return double(load<int16_t>(q)); }); break;
      case DT_UINT16: each(2, [](const char* q) { return double(load<uint16_t>(q)); }); break;
      case DT_INT8: each(1, [](const char* q) { return double(load<int8_t>(q)); }); break;
      case DT_UINT8:
      case DT_BOOL: each(1, [](const char* q) { return double(load<uint8_t>(q)); }); break;
      case DT_HALF: each(2, [](const char* q) { return half_to_double(load<uint16_t>(q)); }); break;
      case DT_BFLOAT16:
        each(2, [](const char* q) {
          uint32_t bits = uint32_t(load<uint16_t>(q)) << 16;
          return double(load<float>(reinterpret_cast<const char*>(&bits)));
        });
        break;
      default: break;
    }
    return out;
  }
  out = numbers;
  int64_t count = element_count();
  // (a shape of absurd size in a damaged file is not expanded)
  if (out.size() == 1 && count > 1 && count <= (int64_t(1) << 24)) out.assign(static_cast<size_t>(count), out[0]);
  return out;
}

Event decode_event(std::string_view bytes) {
  Event e;
  WireReader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: e.wall_time = r.as_double(); break;
      case 2: e.step = r.as_int(); break;
      case 3: e.file_version = r.as_string(); break;
      case 4: e.graph_def = r.as_string(); break;
      case 5: {  // Summary
        WireReader s(r.as_bytes());
        while (s.next())
          if (s.field() == 1) e.values.push_back(decode_value(s.as_bytes()));
        break;
      }
      case 6: {  // SessionLog
        WireReader s(r.as_bytes());
        while (s.next())
          if (s.field() == 1) e.session_log_status = static_cast<int>(s.as_int());
        break;
      }
      default: break;  // log_message, meta_graph_def, tagged_run_metadata...
    }
  }
  return e;
}

namespace {

std::string shape_text(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::string shorten(std::string s, size_t limit = 80) {
  if (s.size() > limit) s = s.substr(0, limit) + "...";
  return s;
}

// An AttrValue as short text; its shapes go to `shapes` when it is a list of them.
std::string attr_text(std::string_view bytes, std::vector<std::string>* shapes) {
  std::string out;
  WireReader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 2: out = shorten(r.as_string()); break;
      case 3: out = std::to_string(r.as_int()); break;
      case 4: out = format_number(r.as_float()); break;
      case 5: out = r.as_bool() ? "true" : "false"; break;
      case 6: out = "dtype " + std::to_string(r.as_int()); break;
      case 7: out = shape_text(decode_shape(r.as_bytes())); break;
      case 8: out = "tensor"; break;
      case 1: {  // list
        std::vector<std::string> items;
        WireReader list(r.as_bytes());
        while (list.next()) {
          if (list.field() == 7) {
            items.push_back(shape_text(decode_shape(list.as_bytes())));
            if (shapes) shapes->push_back(items.back());
          } else if (list.field() == 2) {
            items.push_back(shorten(list.as_string()));
          } else if (list.field() == 3 || list.field() == 6) {
            std::vector<int64_t> ints;
            list.append_varints(ints);
            for (int64_t i : ints) items.push_back(std::to_string(i));
          } else if (list.field() == 4) {
            std::vector<double> fs;
            list.append_floats(fs);
            for (double f : fs) items.push_back(format_number(f));
          }
        }
        out = "[";
        for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
        out += "]";
        break;
      }
      default: break;
    }
  }
  return out;
}

}  // namespace

std::vector<GraphNode> decode_graph(std::string_view graph_def) {
  std::vector<GraphNode> nodes;
  WireReader r(graph_def);
  while (r.next()) {
    if (r.field() != 1) continue;  // node
    GraphNode node;
    WireReader n(r.as_bytes());
    while (n.next()) {
      switch (n.field()) {
        case 1: node.name = n.as_string(); break;
        case 2: node.op = n.as_string(); break;
        case 3: node.inputs.push_back(n.as_string()); break;
        case 4: node.device = n.as_string(); break;
        case 5: {  // attr map entry
          std::string key;
          std::string_view value;
          WireReader entry(n.as_bytes());
          while (entry.next()) {
            if (entry.field() == 1)
              key = entry.as_string();
            else if (entry.field() == 2)
              value = entry.as_bytes();
          }
          if (key == "_output_shapes")
            attr_text(value, &node.output_shapes);
          else
            node.attrs[key] = attr_text(value, nullptr);
          break;
        }
        default: break;
      }
    }
    nodes.push_back(std::move(node));
  }
  return nodes;
}

HParamsData decode_hparams(std::string_view plugin_content) {
  HParamsData h;
  WireReader r(plugin_content);
  while (r.next()) {
    switch (r.field()) {
      case 2: {  // Experiment
        h.has_experiment = true;
        WireReader e(r.as_bytes());
        while (e.next()) {
          if (e.field() == 4) {  // HParamInfo
            WireReader info(e.as_bytes());
            while (info.next())
              if (info.field() == 1) h.hparam_names.push_back(info.as_string());
          } else if (e.field() == 5) {  // MetricInfo
            WireReader info(e.as_bytes());
            while (info.next()) {
              if (info.field() != 1) continue;
              std::string group, tag;
              WireReader name(info.as_bytes());
              while (name.next()) {
                if (name.field() == 1)
                  group = name.as_string();
                else if (name.field() == 2)
                  tag = name.as_string();
              }
              h.metrics.emplace_back(group, tag);
            }
          }
        }
        break;
      }
      case 3: {  // SessionStartInfo
        h.has_session_start = true;
        WireReader s(r.as_bytes());
        while (s.next()) {
          if (s.field() == 1) {
            std::string key, value;
            WireReader entry(s.as_bytes());
            while (entry.next()) {
              if (entry.field() == 1)
                key = entry.as_string();
              else if (entry.field() == 2)
                value = decode_struct_value(entry.as_bytes());
            }
            h.hparams.emplace_back(key, value);
          } else if (s.field() == 4) {
            h.group_name = s.as_string();
          }
        }
        break;
      }
      case 4: {  // SessionEndInfo
        h.has_session_end = true;
        WireReader s(r.as_bytes());
        while (s.next())
          if (s.field() == 1) h.status = static_cast<int>(s.as_int());
        break;
      }
      default: break;
    }
  }
  return h;
}

std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  // A value that is exactly a float (event files store most values as float32) prints
  // as the shortest text that reads back as that float: 0.9, not 0.89999997615814209.
  if (static_cast<double>(static_cast<float>(v)) == v) {
    for (int precision = 6; precision <= 9; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, v);
      if (std::strtof(buf, nullptr) == static_cast<float>(v)) return buf;
    }
  }
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

}  // namespace ember::board
