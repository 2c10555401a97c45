// A minimal pickle writer, and a small, safe pickle reader for what torch.save writes.
//
// The reader is a stack machine over the opcodes torch 1.13 emits for tensors and
// state dicts (plus a few close relatives). It never imports anything: GLOBAL names
// pass an allow-list and become inert values; REDUCE records a call for the caller to
// interpret (only collections.OrderedDict() is evaluated, to an empty dict); BINPERSID
// records the persistent id. Values live in one arena and refer to each other by index,
// so shared and even cyclic references cannot leak or recurse without bound; callers
// walk them with a depth limit.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ember {
namespace io {
namespace pickle {

enum class Kind { None, Bool, Int, Float, Str, Tuple, List, Dict, Global, Call, Persistent };
const char* kind_name(Kind k);

struct Value {
  Value() = default;
  explicit Value(Kind k) : kind(k) {}
  Kind kind = Kind::None;
  int64_t i = 0;  // Int, Bool
  double f = 0;   // Float
  std::string s;  // Str; Global: the module
  std::string name;  // Global: the name inside the module
  std::vector<uint32_t> items;  // Tuple, List; Call: {callable, args}; Persistent: {pid}
  std::vector<std::pair<uint32_t, uint32_t>> entries;  // Dict, in insertion order
};

struct Pickle {
  std::vector<Value> values;
  uint32_t root = 0;
  const Value& operator[](uint32_t id) const { return values[id]; }
};

// allowed(module, name) decides which GLOBALs may appear. Throws ember::Error (message
// starting with `what`) on anything malformed, unsupported or disallowed.
using GlobalFilter = std::function<bool(const std::string& module, const std::string& name)>;
Pickle unpickle(const char* data, std::size_t size, const GlobalFilter& allowed, const char* what);

// Appends protocol-2 opcodes to a byte string.
class Writer {
 public:
  Writer() { out_ += "\x80\x02"; }
  void global(const std::string& module, const std::string& name);
  void str(const std::string& s);
  void integer(int64_t v);
  void boolean(bool v) { out_ += v ? '\x88' : '\x89'; }
  void mark() { out_ += '('; }
  void tuple_from_mark() { out_ += 't'; }
  void tuple(const std::vector<int64_t>& v);  // a tuple of ints
  void empty_tuple() { out_ += ')'; }
  void reduce() { out_ += 'R'; }
  void binpersid() { out_ += 'Q'; }
  void setitems_from_mark() { out_ += 'u'; }
  std::string finish() { return out_ + '.'; }

 private:
  std::string out_;
};

}  // namespace pickle
}  // namespace io
}  // namespace ember
