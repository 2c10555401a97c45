// safetensors: u64 little-endian header length N, N bytes of JSON, then the data.
// nlohmann-json reads and writes the JSON; the schema is checked here while the parser
// streams its events, so nothing outside the schema is ever built in memory.
#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "src/core/check.hpp"
#include "src/io/bytes.hpp"
#include "src/io/file.hpp"
#include "src/io/formats.hpp"

namespace ember {
namespace io {

namespace {

using Json = nlohmann::ordered_json;  // keeps the tensors in dict order when writing

constexpr uint64_t kMaxHeader = 100u << 20;  // the reference implementation's limit
constexpr std::size_t kMaxDims = 64;

const char* st_dtype(Dtype d) {
  switch (d) {
    case Dtype::Float32: return "F32";
    case Dtype::Float64: return "F64";
    case Dtype::Int64: return "I64";
    case Dtype::Bool: return "BOOL";
    case Dtype::Int32: return "I32";
    case Dtype::Int16: return "I16";
    case Dtype::Int8: return "I8";
    case Dtype::UInt8: return "U8";
    case Dtype::Float16: return "F16";
    case Dtype::BFloat16: return "BF16";
  }
  return "?";
}

// The header's schema, checked on nlohmann's SAX events (its parser does the lexing:
// strings, escapes, UTF-8, numbers, and the end-of-input check). The header is one
// object whose values are tensor objects {"dtype", "shape", "data_offsets"} or the
// "__metadata__" string map. Anything else throws ember::Error at the event that shows
// it, so a hostile header costs time linear in its size and memory only for what the
// schema keeps: no nesting beyond three levels, at most 64 numbers in a list.
class HeaderReader {
 public:
  struct Entry {
    std::string name, dtype;
    std::vector<uint64_t> shape;
    uint64_t begin = 0, end = 0;
    bool has_dtype = false, has_shape = false, has_offsets = false;
  };

  HeaderReader(const char* what, std::vector<Entry>& entries, Metadata& metadata)
      : what_(what), entries_(entries), metadata_(metadata) {}

  void read(const char* p, std::size_t n) {
    Json::sax_parse(p, p + n, this);
    EMBER_CHECK(at_ == At::Done, "{}: safetensors header ends early", what_);
  }

  // ---- nlohmann's SAX interface ----
  bool null() { unexpected("null"); }
  bool boolean(bool) { unexpected("a boolean"); }
  bool number_integer(Json::number_integer_t v) {
    if (v >= 0) return number_unsigned(static_cast<uint64_t>(v));
    in_list();
    bad_number(std::to_string(v));
  }
  bool number_unsigned(Json::number_unsigned_t v) {
    in_list();
    EMBER_CHECK(v <= uint64_t(INT64_MAX), "{}: safetensors header has a number over 2^63 ({}) {}", what_, v, where());
    EMBER_CHECK(list_.size() < list_max_, "{}: safetensors header has a list of more than {} numbers {}", what_,
                list_max_, where());
    list_.push_back(v);
    return true;
  }
  bool number_float(Json::number_float_t, const std::string& text) {
    in_list();
    // An integer too large for 64 bits reaches here as a float.
    bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    EMBER_CHECK(!digits, "{}: safetensors header has a number over 2^63 ({}) {}", what_, text, where());
    bad_number(text);
  }
  bool string(std::string& v) {
    if (at_ == At::MetaValue) {
      metadata_.insert(meta_key_, std::move(v));
      at_ = At::Meta;
      return true;
    }
    if (at_ == At::FieldValue && field_ == "dtype") {
      entries_.back().dtype = std::move(v);
      at_ = At::Fields;
      return true;
    }
    unexpected("a string");
  }
  bool binary(Json::binary_t&) { unexpected("binary data"); }
  bool start_object(std::size_t) {
    if (at_ == At::Top) {
      at_ = At::Names;
    } else if (at_ == At::Value) {
      at_ = in_meta_ ? At::Meta : At::Fields;
    } else {
      unexpected("an object");
    }
    return true;
  }
  bool key(std::string& k) {
    switch (at_) {
      case At::Names:
        if (k == "__metadata__") {
          EMBER_CHECK(!has_meta_, "{}: safetensors header has \"__metadata__\" twice", what_);
          has_meta_ = in_meta_ = true;
        } else {
          EMBER_CHECK(names_.insert(k).second, "{}: safetensors header names tensor '{}' twice", what_, k);
          in_meta_ = false;
          entries_.emplace_back();
          entries_.back().name = std::move(k);
        }
        at_ = At::Value;
        return true;
      case At::Meta:
        EMBER_CHECK(!metadata_.contains(k), "{}: safetensors \"__metadata__\" has key '{}' twice", what_, k);
        meta_key_ = std::move(k);
        at_ = At::MetaValue;
        return true;
      case At::Fields: {
        Entry& e = entries_.back();
        bool* seen = k == "dtype"          ? &e.has_dtype
                     : k == "shape"        ? &e.has_shape
                     : k == "data_offsets" ? &e.has_offsets
                                           : nullptr;
        EMBER_CHECK(seen && !*seen, "{}: safetensors tensor '{}' has an unexpected or repeated field '{}'", what_,
                    e.name, k);
        *seen = true;
        field_ = std::move(k);
        at_ = At::FieldValue;
        return true;
      }
      default: unexpected("a key");
    }
  }
  bool end_object() {
    if (at_ == At::Meta) {
      at_ = At::Names;
    } else if (at_ == At::Fields) {
      const Entry& e = entries_.back();
      EMBER_CHECK(e.has_dtype && e.has_shape && e.has_offsets,
                  "{}: safetensors tensor '{}' needs \"dtype\", \"shape\" and \"data_offsets\"", what_, e.name);
      at_ = At::Names;
    } else {  // the top object (the parser allows no other end here)
      at_ = At::Done;
    }
    return true;
  }
  bool start_array(std::size_t) {
    if (at_ != At::FieldValue || field_ == "dtype") unexpected("a list");
    list_.clear();
    list_max_ = field_ == "shape" ? kMaxDims : 2;
    at_ = At::List;
    return true;
  }
  bool end_array() {
    Entry& e = entries_.back();
    if (field_ == "shape") {
      e.shape = list_;
    } else {
      EMBER_CHECK(list_.size() == 2, "{}: safetensors tensor '{}' needs two data_offsets, got {}", what_, e.name,
                  list_.size());
      e.begin = list_[0];
      e.end = list_[1];
    }
    at_ = At::Fields;
    return true;
  }
  bool parse_error(std::size_t byte, const std::string&, const nlohmann::detail::exception& ex) {
    // After the top object only the end of input may come.
    EMBER_CHECK(at_ != At::Done, "{}: safetensors header has trailing bytes at {}", what_, byte - 1);
    detail::fail(fmt::format("{}: safetensors header is not valid JSON: {}", what_, ex.what()));
  }

 private:
  // Where the parser is in the schema.
  enum class At { Top, Names, Value, Meta, MetaValue, Fields, FieldValue, List, Done };

  std::string where() const {
    if (at_ == At::Meta || at_ == At::MetaValue) return "in \"__metadata__\"";
    if (entries_.empty() || at_ == At::Top || at_ == At::Names || at_ == At::Done) return "at the top level";
    if (at_ == At::Fields || at_ == At::Value) return fmt::format("in tensor '{}'", entries_.back().name);
    return fmt::format("in tensor '{}' field '{}'", entries_.back().name, field_);
  }
  [[noreturn]] void unexpected(const char* thing) const {
    const char* expected = at_ == At::Top || at_ == At::Value ? "an object"
                           : at_ == At::MetaValue               ? "a string"
                           : at_ == At::List                    ? "a non-negative integer"
                           : at_ == At::FieldValue              ? (field_ == "dtype" ? "a string" : "a list")
                                                                : "a key";
    detail::fail(fmt::format("{}: safetensors header: expected {} {}, found {}", what_, expected, where(), thing));
  }
  void in_list() const {
    if (at_ != At::List) unexpected("a number");
  }
  [[noreturn]] void bad_number(const std::string& text) const {
    detail::fail(
        fmt::format("{}: safetensors header: expected a non-negative integer {}, found {}", what_, where(), text));
  }

  const char* what_;
  std::vector<Entry>& entries_;
  Metadata& metadata_;
  At at_ = At::Top;
  bool has_meta_ = false, in_meta_ = false;
  std::unordered_set<std::string> names_;
  std::string meta_key_, field_;
  std::vector<uint64_t> list_;
  std::size_t list_max_ = 0;
};

bool parse_dtype(const std::string& s, Dtype* out) {
  for (int i = 0; i < kNumDtypes; ++i)
    if (s == st_dtype(static_cast<Dtype>(i))) {
      *out = static_cast<Dtype>(i);
      return true;
    }
  return false;
}

}  // namespace

void save_safetensors(const StateDict& dict, const std::string& path, const Metadata* metadata) {
  std::vector<Tensor> data;
  Json json = Json::object();
  if (metadata && !metadata->empty()) {
    Json& meta = json["__metadata__"] = Json::object();
    for (const auto& kv : *metadata) meta[kv.first] = kv.second;
  }
  uint64_t offset = 0;
  for (const auto& kv : dict) {
    EMBER_CHECK(kv.first != "__metadata__", "save: '{}': a tensor cannot be named \"__metadata__\" in safetensors",
                path);
    Tensor t = contiguous_for_save(kv.second, kv.first, "save");
    uint64_t nbytes = static_cast<uint64_t>(t.nbytes());
    json[kv.first] = {
        {"dtype", st_dtype(t.dtype())}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    data.push_back(std::move(t));
  }
  std::string header;
  try {
    header = json.dump();
  } catch (const nlohmann::json::exception& e) {  // a name or metadata string that is not UTF-8
    detail::fail(fmt::format("save: '{}': safetensors header cannot be written: {}", path, e.what()));
  }
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

  std::vector<HeaderReader::Entry> entries;
  Metadata meta;
  HeaderReader(what, entries, meta).read(bytes.data() + 8, static_cast<std::size_t>(n));

  const char* buffer = bytes.data() + 8 + n;
  const uint64_t buffer_size = size - 8 - n;
  std::vector<Dtype> dtypes(entries.size());
  std::vector<const HeaderReader::Entry*> by_offset;
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const auto& e = entries[k];
    EMBER_CHECK(parse_dtype(e.dtype, &dtypes[k]),
                "{}: tensor '{}' has dtype '{}'; supported are F64, F32, F16, BF16, I64, I32, I16, I8, U8 and BOOL", what, e.name, e.dtype);
    // (every size is at most 2^63 - 1: the reader refuses larger ones)
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
