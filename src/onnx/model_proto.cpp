// Parsing ModelProto into OnnxGraph (field numbers: docs/ONNX.md).
#include "src/onnx/model_proto.hpp"

#include <cstring>
#include <limits>
#include <set>

#include "ember/creation.hpp"
#include "src/core/check.hpp"
#include "src/onnx/proto_reader.hpp"

namespace ember {
namespace onnx {

namespace {

Dtype dtype_of(int64_t onnx_type, const std::string& tensor) {
  switch (onnx_type) {
    case 1: return kFloat32;
    case 11: return kFloat64;
    case 7: return kInt64;
    case 6: return kInt32;
    case 5: return kInt16;
    case 3: return kInt8;
    case 2: return kUInt8;
    case 9: return kBool;
    case 10: return kFloat16;
    case 16: return kBFloat16;
    default: detail::fail(fmt::format("onnx load: tensor '{}' has ONNX data type {}, which ember has no dtype for", tensor, onnx_type));
  }
}

}  // namespace

Tensor parse_tensor(std::string_view bytes) {
  ProtoReader r(bytes, "TensorProto");
  std::vector<int64_t> dims, ints;
  std::vector<float> floats;
  std::vector<double> doubles;
  int64_t type = 0;
  std::string name;
  std::string_view raw;
  bool has_raw = false;
  while (r.next()) {
    switch (r.field()) {
      case 1: r.int64s(dims); break;
      case 2: type = r.int64(); break;
      case 4: r.floats(floats); break;
      case 5: case 7: r.int64s(ints); break;  // int32_data holds int32/int16/int8/uint8/bool/float16
      case 8: name = r.string(); break;
      case 9: raw = r.bytes(); has_raw = true; break;
      case 10: {
        if (r.wire() == 1) {
          doubles.push_back(r.float64());
        } else {
          std::string_view b = r.bytes();
          for (std::size_t k = 0; k + 8 <= b.size(); k += 8) {
            double v;
            std::memcpy(&v, b.data() + k, 8);
            doubles.push_back(v);
          }
        }
        break;
      }
      case 13: detail::fail(fmt::format("onnx load: tensor '{}' keeps its data in an external file, which is not supported", name));
      default: r.skip();
    }
  }
  const Dtype dt = dtype_of(type, name);
  // The shape is checked against the data the file holds before anything is allocated:
  // a malformed or hostile file must not ask for terabytes.
  int64_t numel = 1;
  for (int64_t d : dims) {
    EMBER_CHECK(d >= 0, "onnx load: tensor '{}' has a negative size in shape {}", name, IntArrayRef(dims));
    EMBER_CHECK(d == 0 || numel <= std::numeric_limits<int64_t>::max() / element_size(dt) / d,
                "onnx load: tensor '{}' of shape {} is too large", name, IntArrayRef(dims));
    numel *= d;
  }
  const auto n = static_cast<std::size_t>(numel);
  const std::size_t bytes_needed = n * static_cast<std::size_t>(element_size(dt));
  const bool integral = dt == kInt64 || dt == kInt32 || dt == kInt16 || dt == kInt8 || dt == kUInt8 || dt == kBool;
  if (has_raw) {
    EMBER_CHECK(raw.size() == bytes_needed, "onnx load: tensor '{}' of shape {} and dtype {} has {} bytes of raw data, expected {}",
                name, IntArrayRef(dims), dt, raw.size(), bytes_needed);
  } else if (dt == kFloat32) {
    EMBER_CHECK(floats.size() == n, "onnx load: tensor '{}' has {} floats for shape {}", name, floats.size(), IntArrayRef(dims));
  } else if (dt == kFloat64) {
    EMBER_CHECK(doubles.size() == n, "onnx load: tensor '{}' has {} doubles for shape {}", name, doubles.size(), IntArrayRef(dims));
  } else if (integral) {
    EMBER_CHECK(ints.size() == n, "onnx load: tensor '{}' has {} integers for shape {}", name, ints.size(), IntArrayRef(dims));
  } else {
    detail::fail(fmt::format("onnx load: tensor '{}' ({}) without raw data is not supported", name, dt));
  }
  if (!has_raw && integral) return n ? ember::tensor(ints, kInt64).reshape(dims).to(dt) : ember::empty(dims, dt);
  Tensor t = ember::empty(dims, dt);
  if (n == 0) return t;
  if (has_raw)
    std::memcpy(t.data_ptr(), raw.data(), bytes_needed);
  else if (dt == kFloat32)
    std::memcpy(t.data_ptr(), floats.data(), n * 4);
  else
    std::memcpy(t.data_ptr(), doubles.data(), n * 8);
  return t;
}

namespace {

OnnxAttr parse_attr(std::string_view bytes, std::string* name) {
  ProtoReader r(bytes, "AttributeProto");
  OnnxAttr a;
  while (r.next()) {
    switch (r.field()) {
      case 1: *name = r.string(); break;
      case 2: a.f = r.float32(); break;
      case 3: a.i = r.int64(); break;
      case 4: a.s = r.string(); break;
      case 5: a.t = parse_tensor(r.bytes()); break;
      case 7: r.floats(a.floats); break;
      case 8: r.int64s(a.ints); break;
      case 20: a.type = static_cast<int>(r.int64()); break;
      default: r.skip();
    }
  }
  return a;
}

OnnxNode parse_node(std::string_view bytes) {
  ProtoReader r(bytes, "NodeProto");
  OnnxNode n;
  while (r.next()) {
    switch (r.field()) {
      case 1: n.inputs.push_back(r.string()); break;
      case 2: n.outputs.push_back(r.string()); break;
      case 3: n.name = r.string(); break;
      case 4: n.op_type = r.string(); break;
      case 5: {
        std::string key;
        OnnxAttr a = parse_attr(r.bytes(), &key);
        n.attrs[key] = std::move(a);
        break;
      }
      case 7: n.domain = r.string(); break;
      default: r.skip();
    }
  }
  return n;
}

std::string value_info_name(std::string_view bytes) {
  ProtoReader r(bytes, "ValueInfoProto");
  std::string name;
  while (r.next()) {
    if (r.field() == 1)
      name = r.string();
    else
      r.skip();
  }
  return name;
}

}  // namespace

int64_t OnnxNode::i(const std::string& key, int64_t fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  EMBER_CHECK(it->second.type == 2 || it->second.type == 0, "onnx load: {} node '{}': attribute {} is not an integer", op_type, name, key);
  return it->second.i;
}
float OnnxNode::f(const std::string& key, float fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  EMBER_CHECK(it->second.type == 1 || it->second.type == 0, "onnx load: {} node '{}': attribute {} is not a float", op_type, name, key);
  return it->second.f;
}
std::string OnnxNode::s(const std::string& key, const std::string& fallback) const {
  auto it = attrs.find(key);
  return it == attrs.end() ? fallback : it->second.s;
}
std::vector<int64_t> OnnxNode::ints(const std::string& key, std::vector<int64_t> fallback) const {
  auto it = attrs.find(key);
  return it == attrs.end() ? fallback : it->second.ints;
}

OnnxGraph parse_model(const std::string& bytes, const std::string& name) {
  OnnxGraph g;
  std::string_view graph_bytes;
  bool has_graph = false;
  ProtoReader model(bytes, "ModelProto");
  while (model.next()) {
    switch (model.field()) {
      case 1: g.ir_version = model.int64(); break;
      case 7: graph_bytes = model.bytes(); has_graph = true; break;
      case 8: {
        ProtoReader opset(model.bytes(), "OperatorSetIdProto");
        std::string domain;
        int64_t version = 0;
        while (opset.next()) {
          if (opset.field() == 1) domain = opset.string();
          else if (opset.field() == 2) version = opset.int64();
          else opset.skip();
        }
        if (domain.empty() || domain == "ai.onnx") g.opset = version;
        break;
      }
      default: model.skip();
    }
  }
  EMBER_CHECK(has_graph, "onnx load: '{}' has no graph: it is not an ONNX model", name);
  EMBER_CHECK(g.opset >= 13 && g.opset <= 17, "onnx load: '{}' uses opset {} of the default domain; ember reads 13 to 17", name, g.opset);
  std::vector<std::string> declared_inputs;
  ProtoReader r(graph_bytes, "GraphProto");
  while (r.next()) {
    switch (r.field()) {
      case 1: g.nodes.push_back(parse_node(r.bytes())); break;
      case 5: {
        std::string_view tb = r.bytes();
        ProtoReader peek(tb, "TensorProto");
        std::string tname;
        while (peek.next()) {
          if (peek.field() == 8) tname = peek.string();
          else peek.skip();
        }
        g.initializers.emplace_back(tname, parse_tensor(tb));
        break;
      }
      case 11: declared_inputs.push_back(value_info_name(r.bytes())); break;
      case 12: g.outputs.push_back(value_info_name(r.bytes())); break;
      default: r.skip();
    }
  }
  std::set<std::string> init_names;
  for (const auto& [n, t] : g.initializers) init_names.insert(n);
  for (const std::string& n : declared_inputs)
    if (!init_names.count(n)) g.inputs.push_back(n);
  return g;
}

}  // namespace onnx
}  // namespace ember
