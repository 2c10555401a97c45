// Reading Protocol Buffers' wire format, the inverse of proto_writer.hpp: a cursor over
// one message's fields. Every read is bounds-checked; a malformed file gives
// ember::Error naming what was being read.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "src/core/check.hpp"

namespace ember {
namespace onnx {

class ProtoReader {
 public:
  ProtoReader(std::string_view data, const char* what) : data_(data), what_(what) {}

  // Moves to the next field; false at the end of the message.
  bool next() {
    if (pos_ >= data_.size()) return false;
    const uint64_t key = raw_varint();
    field_ = static_cast<int>(key >> 3);
    wire_ = static_cast<int>(key & 7);
    EMBER_CHECK(field_ > 0, "onnx load: malformed {}: field number 0", what_);
    return true;
  }
  int field() const { return field_; }
  int wire() const { return wire_; }

  uint64_t varint() {
    expect(0);
    return raw_varint();
  }
  int64_t int64() { return static_cast<int64_t>(varint()); }
  float float32() {
    expect(5);
    need(4);
    float v;
    std::memcpy(&v, data_.data() + pos_, 4);
    pos_ += 4;
    return v;
  }
  double float64() {
    expect(1);
    need(8);
    double v;
    std::memcpy(&v, data_.data() + pos_, 8);
    pos_ += 8;
    return v;
  }
  std::string_view bytes() {
    expect(2);
    const uint64_t n = raw_varint();
    need(n);
    std::string_view s = data_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  std::string string() { return std::string(bytes()); }
  // A repeated int64 field, packed (wire type 2) or one value (wire type 0).
  template <class Out>
  void int64s(Out& out) {
    if (wire_ == 0) {
      out.push_back(int64());
      return;
    }
    ProtoReader packed(bytes(), what_);
    while (packed.pos_ < packed.data_.size()) out.push_back(static_cast<int64_t>(packed.raw_varint()));
  }
  template <class Out>
  void floats(Out& out) {
    if (wire_ == 5) {
      out.push_back(float32());
      return;
    }
    std::string_view b = bytes();
    EMBER_CHECK(b.size() % 4 == 0, "onnx load: malformed {}: packed floats of {} bytes", what_, b.size());
    for (std::size_t i = 0; i < b.size(); i += 4) {
      float v;
      std::memcpy(&v, b.data() + i, 4);
      out.push_back(v);
    }
  }
  void skip() {
    switch (wire_) {
      case 0: raw_varint(); break;
      case 1: need(8); pos_ += 8; break;
      case 2: bytes(); break;
      case 5: need(4); pos_ += 4; break;
      default: detail::fail(fmt::format("onnx load: malformed {}: wire type {}", what_, wire_));
    }
  }

 private:
  void expect(int wire) {
    EMBER_CHECK(wire_ == wire, "onnx load: malformed {}: field {} has wire type {}, expected {}", what_, field_,
                wire_, wire);
  }
  void need(uint64_t n) {
    EMBER_CHECK(n <= data_.size() - pos_, "onnx load: malformed {}: {} bytes needed, {} left", what_, n,
                data_.size() - pos_);
  }
  uint64_t raw_varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      need(1);
      const auto b = static_cast<uint8_t>(data_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    detail::fail(fmt::format("onnx load: malformed {}: a varint longer than 10 bytes", what_));
  }

  std::string_view data_;
  const char* what_;
  std::size_t pos_ = 0;
  int field_ = 0, wire_ = 0;
};

}  // namespace onnx
}  // namespace ember
