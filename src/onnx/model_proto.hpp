// An ONNX model as read from its protobuf (the messages and fields docs/ONNX.md lists):
// the graph's nodes with their attributes, initializers, inputs and outputs.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "ember/tensor.hpp"

namespace ember {
namespace onnx {

struct OnnxAttr {
  int type = 0;  // AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7
  float f = 0;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
};

struct OnnxNode {
  std::string op_type, domain, name;
  std::vector<std::string> inputs, outputs;  // "" for an absent optional input
  std::map<std::string, OnnxAttr> attrs;
  // Typed reads; `fallback` when the attribute is absent, ember::Error when it has the
  // wrong type.
  int64_t i(const std::string& key, int64_t fallback) const;
  float f(const std::string& key, float fallback) const;
  std::string s(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> ints(const std::string& key, std::vector<int64_t> fallback = {}) const;
  bool has(const std::string& key) const { return attrs.count(key) != 0; }
};

struct OnnxGraph {
  int64_t ir_version = 0;
  int64_t opset = 0;  // of the default domain
  std::vector<OnnxNode> nodes;
  std::vector<std::pair<std::string, Tensor>> initializers;
  std::vector<std::string> inputs, outputs;  // inputs exclude initializers
};

OnnxGraph parse_model(const std::string& bytes, const std::string& name);
Tensor parse_tensor(std::string_view bytes);

}  // namespace onnx
}  // namespace ember
