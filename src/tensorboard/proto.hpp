// A protobuf wire-format writer for the dozen messages an event file holds (see
// docs/TENSORBOARD_FORMAT.md for why there is no libprotobuf). Each message is built
// into a std::string; a nested message is built on its own and appended as a
// length-delimited field. Fields holding their default (0, empty) are left out, as
// proto3's serializers do; a reader sees the same values either way.
#pragma once
#include <cstdint>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace ember {
namespace tensorboard {
namespace detail {

class Proto {
 public:
  enum Wire : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

  // Field writers that skip the default value.
  Proto& int64(int field, int64_t v) {
    if (v != 0) key(field, kVarint).varint(static_cast<uint64_t>(v));  // negatives: 10 bytes, two's complement
    return *this;
  }
  Proto& boolean(int field, bool v) { return int64(field, v ? 1 : 0); }
  Proto& float64(int field, double v) {
    if (v != 0 || std::signbit(v)) key(field, kFixed64).fixed64(bits_of(v));
    return *this;
  }
  Proto& float32(int field, float v) {
    if (v != 0 || std::signbit(v)) key(field, kFixed32).fixed32(bits_of(v));
    return *this;
  }
  Proto& bytes(int field, std::string_view v) {
    if (!v.empty()) bytes_always(field, v);
    return *this;
  }
  // A nested message or a string that is written even when empty (a oneof member, a
  // repeated element: its presence is the information).
  Proto& bytes_always(int field, std::string_view v) {
    key(field, kLengthDelimited).varint(v.size());
    out_.append(v.data(), v.size());
    return *this;
  }
  Proto& message(int field, const Proto& m) { return bytes_always(field, m.out_); }
  Proto& packed_doubles(int field, const std::vector<double>& v) {
    if (v.empty()) return *this;
    key(field, kLengthDelimited).varint(v.size() * 8);
    for (double d : v) fixed64(bits_of(d));
    return *this;
  }
  Proto& packed_int64s(int field, const std::vector<int64_t>& v) {
    if (v.empty()) return *this;
    Proto body;
    for (int64_t i : v) body.varint(static_cast<uint64_t>(i));
    return bytes_always(field, body.out_);
  }
  Proto& packed_floats(int field, const std::vector<float>& v) {
    if (v.empty()) return *this;
    key(field, kLengthDelimited).varint(v.size() * 4);
    for (float f : v) fixed32(bits_of(f));
    return *this;
  }

  const std::string& str() const { return out_; }
  void clear() { out_.clear(); }  // keeps the capacity, for a Proto reused event after event
  std::string take() { return std::move(out_); }
  std::size_t size() const { return out_.size(); }

  Proto& key(int field, Wire wire) { return varint((static_cast<uint64_t>(field) << 3) | wire); }
  Proto& varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
    return *this;
  }
  Proto& fixed64(uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out_.append(b, 8);
    return *this;
  }
  Proto& fixed32(uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out_.append(b, 4);
    return *this;
  }

 private:
  static uint64_t bits_of(double d) {
    uint64_t u;
    std::memcpy(&u, &d, 8);
    return u;
  }
  static uint32_t bits_of(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
  }
  std::string out_;
};

}  // namespace detail
}  // namespace tensorboard
}  // namespace ember
