// A small reader of the protocol buffer wire format: enough to walk the messages of
// TensorBoard's event files field by field, without generated code or libprotobuf.
#pragma once
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ember::board {

// A message that does not follow the wire format (cut short, unknown wire type...).
struct WireError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class WireType { varint = 0, fixed64 = 1, bytes = 2, fixed32 = 5 };

class WireReader {
 public:
  explicit WireReader(std::string_view message) : data_(message) {}

  // Moves to the next field; false at the end of the message.
  bool next() {
    if (at_ == data_.size()) return false;
    uint64_t key = read_varint();
    field_ = static_cast<uint32_t>(key >> 3);
    uint32_t type = key & 7;
    if (field_ == 0) throw WireError("field number 0");
    switch (type) {
      case 0:
        type_ = WireType::varint;
        value_ = read_varint();
        break;
      case 1:
        type_ = WireType::fixed64;
        value_ = read_fixed(8);
        break;
      case 5:
        type_ = WireType::fixed32;
        value_ = read_fixed(4);
        break;
      case 2: {
        type_ = WireType::bytes;
        uint64_t n = read_varint();
        if (n > data_.size() - at_) throw WireError("length-delimited field runs past the message end");
        bytes_ = data_.substr(at_, static_cast<size_t>(n));
        at_ += static_cast<size_t>(n);
        break;
      }
      default: throw WireError("unsupported wire type " + std::to_string(type));
    }
    return true;
  }

  uint32_t field() const { return field_; }
  WireType type() const { return type_; }

  uint64_t as_uint() const { return expect(WireType::varint), value_; }
  int64_t as_int() const { return static_cast<int64_t>(as_uint()); }
  bool as_bool() const { return as_uint() != 0; }
  double as_double() const {
    expect(WireType::fixed64);
    double d;
    std::memcpy(&d, &value_, 8);
    return d;
  }
  float as_float() const {
    expect(WireType::fixed32);
    uint32_t bits = static_cast<uint32_t>(value_);
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  std::string_view as_bytes() const { return expect(WireType::bytes), bytes_; }
  std::string as_string() const { return std::string(as_bytes()); }

  // Repeated scalar fields arrive packed (one length-delimited run) or one per field:
  // both are accepted, as protobuf parsers must.
  void append_doubles(std::vector<double>& out) const {
    if (type_ == WireType::fixed64) return out.push_back(as_double());
    std::string_view b = as_bytes();
    if (b.size() % 8) throw WireError("packed doubles of a length not a multiple of 8");
    for (size_t i = 0; i < b.size(); i += 8) {
      double d;
      std::memcpy(&d, b.data() + i, 8);
      out.push_back(d);
    }
  }
  void append_floats(std::vector<double>& out) const {
    if (type_ == WireType::fixed32) return out.push_back(as_float());
    std::string_view b = as_bytes();
    if (b.size() % 4) throw WireError("packed floats of a length not a multiple of 4");
    for (size_t i = 0; i < b.size(); i += 4) {
      float f;
      std::memcpy(&f, b.data() + i, 4);
      out.push_back(f);
    }
  }
  void append_varints(std::vector<int64_t>& out) const {
    if (type_ == WireType::varint) return out.push_back(as_int());
    WireReader packed(as_bytes());
    while (packed.at_ < packed.data_.size()) out.push_back(static_cast<int64_t>(packed.read_varint()));
  }

 private:
  void expect(WireType t) const {
    if (type_ != t)
      throw WireError("field " + std::to_string(field_) + " has wire type " + std::to_string(int(type_)) +
                      ", expected " + std::to_string(int(t)));
  }
  uint64_t read_varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ == data_.size()) throw WireError("varint cut short");
      auto b = static_cast<unsigned char>(data_[at_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw WireError("varint longer than 10 bytes");
  }
  uint64_t read_fixed(int width) {
    if (data_.size() - at_ < static_cast<size_t>(width)) throw WireError("fixed-width field cut short");
    uint64_t v = 0;
    for (int i = width - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(data_[at_ + i]);
    at_ += width;
    return v;
  }

  std::string_view data_;
  size_t at_ = 0;
  uint32_t field_ = 0;
  WireType type_ = WireType::varint;
  uint64_t value_ = 0;
  std::string_view bytes_;
};

}  // namespace ember::board
