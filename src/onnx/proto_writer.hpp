// The few pieces of Protocol Buffers' wire format that writing an ONNX model needs:
// varints, 32-bit floats, length-delimited bytes and nested messages (proto3 field
// encoding: the key is field_number << 3 | wire_type; see docs/ONNX.md for the
// sources). Writing by hand keeps ember free of a protobuf dependency for a handful of
// message types.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ember {
namespace onnx {

class ProtoWriter {
 public:
  void varint(int field, uint64_t v) {
    key(field, 0);
    raw_varint(v);
  }
  void int64(int field, int64_t v) { varint(field, static_cast<uint64_t>(v)); }  // two's complement, 10 bytes if negative
  void float32(int field, float v) {
    key(field, 5);
    char b[4];
    std::memcpy(b, &v, 4);  // little-endian hosts only (x86-64, aarch64)
    out_.append(b, 4);
  }
  void bytes(int field, std::string_view s) {
    key(field, 2);
    raw_varint(s.size());
    out_.append(s.data(), s.size());
  }
  void message(int field, const ProtoWriter& m) { bytes(field, m.out_); }
  // A packed repeated int64 field (proto3's default for repeated scalars).
  template <class It>
  void packed_int64(int field, It begin, It end) {
    ProtoWriter body;
    for (It it = begin; it != end; ++it) body.raw_varint(static_cast<uint64_t>(static_cast<int64_t>(*it)));
    bytes(field, body.out_);
  }
  const std::string& str() const { return out_; }

 private:
  void key(int field, int wire_type) { raw_varint((static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(wire_type)); }
  void raw_varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  std::string out_;
};

}  // namespace onnx
}  // namespace ember
