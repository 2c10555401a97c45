// safetensors: u64 little-endian header length N, N bytes of JSON, then the data.
// The JSON is written and parsed here by hand: the schema is small and fixed, and the
// library should not depend on a JSON package.
#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "src/core/check.hpp"
#include "src/io/bytes.hpp"
#include "src/io/file.hpp"
#include "src/io/formats.hpp"

namespace ember {
namespace io {

namespace {

constexpr uint64_t kMaxHeader = 100u << 20;  // the reference implementation's limit
constexpr std::size_t kMaxDims = 64;

const char* st_dtype(Dtype d) {
  switch (d) {
    case Dtype::Float32: return "F32";
    case Dtype::Float64: return "F64";
    case Dtype::Int64: return "I64";
    case Dtype::Bool: return "BOOL";
  }
  return "?";
}

void json_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

// A reader for exactly the header's grammar: one object whose values are tensor
// objects {"dtype", "shape", "data_offsets"} or the "__metadata__" string map.
class HeaderParser {
 public:
  HeaderParser(const char* p, std::size_t n, const char* what) : p_(p), n_(n), what_(what) {}

  struct Entry {
    std::string name, dtype;
    std::vector<uint64_t> shape;
    uint64_t begin = 0, end = 0;
  };

  void parse(std::vector<Entry>& entries, Metadata& metadata) {
    std::unordered_set<std::string> seen;
    bool has_meta = false;
    expect('{');
    if (peek('}')) return finish();
    do {
      std::string key = string();
      expect(':');
      if (key == "__metadata__") {
        EMBER_CHECK(!has_meta, "{}: safetensors header has \"__metadata__\" twice", what_);
        has_meta = true;
        string_map(metadata);
      } else {
        EMBER_CHECK(seen.insert(key).second, "{}: safetensors header names tensor '{}' twice", what_, key);
        entries.push_back(tensor_entry(std::move(key)));
      }
    } while (peek(','));
    expect('}');
    finish();
  }

 private:
  void finish() {
    ws();
    EMBER_CHECK(pos_ == n_, "{}: safetensors header has trailing bytes at {}", what_, pos_);
  }
  [[noreturn]] void bad(const char* expected) {
    detail::fail(fmt::format("{}: safetensors header is not valid JSON: expected {} at byte {}", what_, expected,
                             pos_));
  }
  void ws() {
    while (pos_ < n_ && (p_[pos_] == ' ' || p_[pos_] == '\n' || p_[pos_] == '\r' || p_[pos_] == '\t')) ++pos_;
  }
  bool peek(char c) {  // consumes c if it comes next
    ws();
    if (pos_ < n_ && p_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!peek(c)) {
      const char s[4] = {'\'', c, '\'', 0};
      bad(s);
    }
  }
  unsigned hex4() {
    if (n_ - pos_ < 4) bad("4 hex digits");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = p_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f') v |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= unsigned(c - 'A' + 10);
      else bad("a hex digit");
    }
    return v;
  }
  static void utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  std::string string() {
    expect('"');
    std::string s;
    for (;;) {
      if (pos_ >= n_) bad("the end of a string");
      unsigned char c = static_cast<unsigned char>(p_[pos_++]);
      if (c == '"') return s;
      if (c < 0x20) bad("no control characters in a string");
      if (c != '\\') {
        s += static_cast<char>(c);
        continue;
      }
      if (pos_ >= n_) bad("an escape");
      char e = p_[pos_++];
      switch (e) {
        case '"': s += '"'; break;
        case '\\': s += '\\'; break;
        case '/': s += '/'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'n': s += '\n'; break;
        case 'r': s += '\r'; break;
        case 't': s += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00) {  // a surrogate pair
            if (n_ - pos_ < 2 || p_[pos_] != '\\' || p_[pos_ + 1] != 'u') bad("a low surrogate");
            pos_ += 2;
            unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) bad("a low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            bad("no lone low surrogate");
          }
          utf8(s, cp);
          break;
        }
        default: bad("a valid escape");
      }
    }
  }
  uint64_t number() {
    ws();
    std::size_t start = pos_;
    uint64_t v = 0;
    while (pos_ < n_ && p_[pos_] >= '0' && p_[pos_] <= '9') {
      uint64_t d = static_cast<uint64_t>(p_[pos_] - '0');
      EMBER_CHECK(v <= (uint64_t(INT64_MAX) - d) / 10, "{}: safetensors header has a number over 2^63 at byte {}",
                  what_, start);
      v = v * 10 + d;
      ++pos_;
    }
    if (pos_ == start) bad("a non-negative integer");
    if (p_[start] == '0' && pos_ - start > 1) bad("no leading zeros");
    return v;
  }
  std::vector<uint64_t> numbers(std::size_t max) {
    std::vector<uint64_t> v;
    expect('[');
    if (peek(']')) return v;
    do {
      EMBER_CHECK(v.size() < max, "{}: safetensors header has a list of more than {} numbers", what_, max);
      v.push_back(number());
    } while (peek(','));
    expect(']');
    return v;
  }
  void string_map(Metadata& out) {
    expect('{');
    if (peek('}')) return;
    do {
      std::string k = string();
      expect(':');
      std::string v = string();
      EMBER_CHECK(!out.contains(k), "{}: safetensors \"__metadata__\" has key '{}' twice", what_, k);
      out.insert(k, std::move(v));
    } while (peek(','));
    expect('}');
  }
  Entry tensor_entry(std::string name) {
    Entry e;
    e.name = std::move(name);
    bool has_dtype = false, has_shape = false, has_offsets = false;
    expect('{');
    if (!peek('}')) {
      do {
        std::string field = string();
        expect(':');
        if (field == "dtype" && !has_dtype) {
          e.dtype = string();
          has_dtype = true;
        } else if (field == "shape" && !has_shape) {
          e.shape = numbers(kMaxDims);
          has_shape = true;
        } else if (field == "data_offsets" && !has_offsets) {
          std::vector<uint64_t> o = numbers(2);
          EMBER_CHECK(o.size() == 2, "{}: safetensors tensor '{}' needs two data_offsets, got {}", what_, e.name,
                      o.size());
          e.begin = o[0];
          e.end = o[1];
          has_offsets = true;
        } else {
          detail::fail(fmt::format("{}: safetensors tensor '{}' has an unexpected or repeated field '{}'", what_,
                                   e.name, field));
        }
      } while (peek(','));
      expect('}');
    }
    EMBER_CHECK(has_dtype && has_shape && has_offsets,
                "{}: safetensors tensor '{}' needs \"dtype\", \"shape\" and \"data_offsets\"", what_, e.name);
    return e;
  }

  const char* p_;
  std::size_t n_, pos_ = 0;
  const char* what_;
};

bool parse_dtype(const std::string& s, Dtype* out) {
  if (s == "F32") *out = Dtype::Float32;
  else if (s == "F64") *out = Dtype::Float64;
  else if (s == "I64") *out = Dtype::Int64;
  else if (s == "BOOL") *out = Dtype::Bool;
  else return false;
  return true;
}

}  // namespace

void save_safetensors(const StateDict& dict, const std::string& path, const Metadata* metadata) {
  std::vector<Tensor> data;
  std::string header = "{";
  if (metadata && !metadata->empty()) {
    json_string(header, "__metadata__");
    header += ":{";
    bool first = true;
    for (const auto& kv : *metadata) {
      if (!first) header += ',';
      first = false;
      json_string(header, kv.first);
      header += ':';
      json_string(header, kv.second);
    }
    header += '}';
  }
  uint64_t offset = 0;
  for (const auto& kv : dict) {
    EMBER_CHECK(kv.first != "__metadata__", "save: '{}': a tensor cannot be named \"__metadata__\" in safetensors",
                path);
    Tensor t = contiguous_for_save(kv.second, kv.first, "save");
    if (header.size() > 1) header += ',';
    json_string(header, kv.first);
    header += ":{\"dtype\":\"";
    header += st_dtype(t.dtype());
    header += "\",\"shape\":[";
    for (int64_t d = 0; d < t.dim(); ++d) {
      if (d) header += ',';
      header += std::to_string(t.size(d));
    }
    uint64_t nbytes = static_cast<uint64_t>(t.nbytes());
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + nbytes) + "]}";
    offset += nbytes;
    data.push_back(std::move(t));
  }
  header += '}';
  // Spaces pad the header so the data starts 8-byte aligned, as the format allows.
  header.append((8 - header.size() % 8) % 8, ' ');
  EMBER_CHECK(header.size() <= kMaxHeader, "save: '{}': safetensors header of {} bytes exceeds the {} byte limit",
              path, header.size(), kMaxHeader);

  AtomicFile file(path, "save");
  std::string len;
  put_le(len, header.size(), 8);
  file.write(len);
  file.write(header);
  for (const Tensor& t : data) file.write(t.data_ptr(), static_cast<std::size_t>(t.nbytes()));
  file.commit();
}

StateDict load_safetensors(const std::string& bytes, const std::string& path, Metadata* metadata) {
  const std::string what_s = "load: '" + path + "'";
  const char* what = what_s.c_str();
  const uint64_t size = bytes.size();
  EMBER_CHECK(size >= 8, "{}: file of {} bytes is too short for a safetensors header", what, size);
  uint64_t n = get_le(bytes.data(), 8);
  EMBER_CHECK(n <= size - 8, "{}: safetensors header size {} exceeds the file's {} bytes after the length", what,
              n, size - 8);
  EMBER_CHECK(n <= kMaxHeader, "{}: safetensors header size {} exceeds the {} byte limit", what, n, kMaxHeader);
  EMBER_CHECK(n >= 2 && bytes[8] == '{', "{}: safetensors header does not start with '{{'", what);

  std::vector<HeaderParser::Entry> entries;
  Metadata meta;
  HeaderParser(bytes.data() + 8, static_cast<std::size_t>(n), what).parse(entries, meta);

  const char* buffer = bytes.data() + 8 + n;
  const uint64_t buffer_size = size - 8 - n;
  std::vector<Dtype> dtypes(entries.size());
  std::vector<const HeaderParser::Entry*> by_offset;
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const auto& e = entries[k];
    EMBER_CHECK(parse_dtype(e.dtype, &dtypes[k]),
                "{}: tensor '{}' has dtype '{}'; supported are F32, F64, I64 and BOOL", what, e.name, e.dtype);
    // (every size is at most 2^63 - 1: number() refuses larger ones)
    const IntArrayRef shape(reinterpret_cast<const int64_t*>(e.shape.data()), e.shape.size());
    EMBER_CHECK(extent_fits(e.shape, static_cast<uint64_t>(element_size(dtypes[k]))),
                "{}: safetensors tensor '{}' of shape {} and dtype {}: its strides or byte count overflow int64",
                what, e.name, shape, e.dtype);
    uint64_t numel = 1, nbytes = 0;
    for (uint64_t d : e.shape)
      EMBER_CHECK(mul_within(numel, d, buffer_size, &numel),
                  "{}: safetensors tensor '{}' of shape {} is larger than the file", what, e.name, shape);
    EMBER_CHECK(mul_within(numel, static_cast<uint64_t>(element_size(dtypes[k])), buffer_size, &nbytes),
                "{}: safetensors tensor '{}' of {} elements is larger than the file", what, e.name, numel);
    EMBER_CHECK(e.begin <= e.end && e.end <= buffer_size,
                "{}: tensor '{}' has data_offsets [{}, {}] outside the {} byte buffer", what, e.name, e.begin,
                e.end, buffer_size);
    EMBER_CHECK(e.end - e.begin == nbytes, "{}: tensor '{}' of {} elements of {} needs {} bytes, its data_offsets [{}, {}] hold {}",
                what, e.name, numel, e.dtype, nbytes, e.begin, e.end, e.end - e.begin);
    by_offset.push_back(&e);
  }
  // As in the reference implementation, the tensors must tile the buffer exactly:
  // no overlaps and no gaps.
  std::stable_sort(by_offset.begin(), by_offset.end(), [](const auto* a, const auto* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t expected = 0;
  for (const auto* e : by_offset) {
    EMBER_CHECK(e->begin == expected, "{}: tensor '{}' starts at byte {} of the buffer, expected {} (overlap or gap)",
                what, e->name, e->begin, expected);
    expected = e->end;
  }
  EMBER_CHECK(expected == buffer_size, "{}: the tensors cover {} bytes but the buffer has {}", what, expected,
              buffer_size);

  StateDict out;
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const auto& e = entries[k];
    std::vector<int64_t> shape(e.shape.begin(), e.shape.end());
    out.insert(e.name, tensor_from_bytes(dtypes[k], shape, buffer + e.begin));
  }
  if (metadata) *metadata = std::move(meta);
  return out;
}

}  // namespace io
}  // namespace ember
