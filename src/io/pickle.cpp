#include "src/io/pickle.hpp"

#include <cstring>
#include <unordered_map>

#include "src/core/check.hpp"
#include "src/io/bytes.hpp"

namespace ember {
namespace io {
namespace pickle {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::Str: return "str";
    case Kind::Tuple: return "tuple";
    case Kind::List: return "list";
    case Kind::Dict: return "dict";
    case Kind::Global: return "global";
    case Kind::Call: return "object";
    case Kind::Persistent: return "persistent id";
  }
  return "?";
}

// ---- writer ----

void Writer::global(const std::string& module, const std::string& name) {
  out_ += 'c';
  out_ += module;
  out_ += '\n';
  out_ += name;
  out_ += '\n';
}

void Writer::str(const std::string& s) {
  out_ += 'X';
  put_le(out_, s.size(), 4);
  out_ += s;
}

void Writer::integer(int64_t v) {
  if (v >= 0 && v < 256) {
    out_ += 'K';
    put_le(out_, static_cast<uint64_t>(v), 1);
  } else if (v >= 0 && v < 65536) {
    out_ += 'M';
    put_le(out_, static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out_ += 'J';
    put_le(out_, static_cast<uint64_t>(v), 4);
  } else {
    out_ += '\x8a';  // LONG1: 8 bytes of two's complement
    put_le(out_, 8, 1);
    put_le(out_, static_cast<uint64_t>(v), 8);
  }
}

void Writer::tuple(const std::vector<int64_t>& v) {
  if (v.empty()) return empty_tuple();
  if (v.size() > 3) mark();
  for (int64_t x : v) integer(x);
  if (v.size() > 3) return tuple_from_mark();
  out_ += static_cast<char>(0x84 + v.size());  // TUPLE1..3
}

// ---- reader ----

namespace {

class Machine {
 public:
  Machine(const char* data, std::size_t size, const GlobalFilter& allowed, const char* what)
      : p_(data), n_(size), allowed_(allowed), what_(what) {}

  Pickle run() {
    for (;;) {
      EMBER_CHECK(pos_ < n_, "{}: pickle ends without STOP after {} bytes", what_, n_);
      std::size_t at = pos_;
      unsigned char op = static_cast<unsigned char>(p_[pos_++]);
      switch (op) {
        case 0x80: {  // PROTO
          uint64_t v = take(1);
          EMBER_CHECK(v >= 2 && v <= 5, "{}: unsupported pickle protocol {}", what_, v);
          break;
        }
        case 0x95: take(8); break;  // FRAME: a length hint only
        case 'c': {                 // GLOBAL
          std::string module = line(), name = line();
          push_global(module, name);
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          uint32_t name = pop(), module = pop();
          EMBER_CHECK(v(module).kind == Kind::Str && v(name).kind == Kind::Str,
                      "{}: STACK_GLOBAL needs two strings", what_);
          push_global(v(module).s, v(name).s);
          break;
        }
        case 'X': {  // BINUNICODE
          Value s(Kind::Str);
          s.s = bytes(take(4));
          push(std::move(s));
          break;
        }
        case 0x8c: {  // SHORT_BINUNICODE
          Value s(Kind::Str);
          s.s = bytes(take(1));
          push(std::move(s));
          break;
        }
        case 'K': push_int(static_cast<int64_t>(take(1))); break;
        case 'M': push_int(static_cast<int64_t>(take(2))); break;
        case 'J': push_int(static_cast<int32_t>(static_cast<uint32_t>(take(4)))); break;
        case 0x8a: {  // LONG1: little-endian two's complement of n bytes
          uint64_t len = take(1);
          EMBER_CHECK(len <= 8, "{}: integer of {} bytes does not fit in int64", what_, len);
          need(len);
          uint64_t u = get_le(p_ + pos_, static_cast<int>(len));
          if (len > 0 && len < 8 && (u >> (8 * len - 1)) & 1) u |= ~uint64_t(0) << (8 * len);  // sign
          pos_ += len;
          push_int(static_cast<int64_t>(u));
          break;
        }
        case 'G': {  // BINFLOAT: big-endian IEEE double
          need(8);
          uint64_t u = 0;
          for (int k = 0; k < 8; ++k) u = (u << 8) | static_cast<unsigned char>(p_[pos_ + k]);
          pos_ += 8;
          Value f(Kind::Float);
          std::memcpy(&f.f, &u, 8);
          push(std::move(f));
          break;
        }
        case 'N': push(Value(Kind::None)); break;
        case 0x88:
        case 0x89: {
          Value b(Kind::Bool);
          b.i = op == 0x88;
          push(std::move(b));
          break;
        }
        case '(': marks_.push_back(stack_.size()); break;
        case ')': push(Value(Kind::Tuple)); break;
        case 't': {
          Value t(Kind::Tuple);
          t.items = pop_to_mark();
          push(std::move(t));
          break;
        }
        case 0x85:
        case 0x86:
        case 0x87: {  // TUPLE1..3
          std::size_t k = op - 0x84u;
          EMBER_CHECK(stack_.size() >= base() + k, "{}: TUPLE{} on a stack of {} at byte {}", what_, k,
                      stack_.size() - base(), at);
          Value t(Kind::Tuple);
          t.items.assign(stack_.end() - static_cast<std::ptrdiff_t>(k), stack_.end());
          stack_.resize(stack_.size() - k);
          push(std::move(t));
          break;
        }
        case ']': push(Value(Kind::List)); break;
        case 'a': {  // APPEND
          uint32_t x = pop();
          container(Kind::List).items.push_back(x);
          break;
        }
        case 'e': {  // APPENDS
          std::vector<uint32_t> xs = pop_to_mark();
          Value& list = container(Kind::List);
          list.items.insert(list.items.end(), xs.begin(), xs.end());
          break;
        }
        case '}': push(Value(Kind::Dict)); break;
        case 's': {  // SETITEM
          uint32_t val = pop(), key = pop();
          set_item(container(Kind::Dict), key, val);
          break;
        }
        case 'u': {  // SETITEMS
          std::vector<uint32_t> kv = pop_to_mark();
          EMBER_CHECK(kv.size() % 2 == 0, "{}: SETITEMS with an odd number ({}) of items at byte {}", what_,
                      kv.size(), at);
          Value& dict = container(Kind::Dict);
          for (std::size_t k = 0; k < kv.size(); k += 2) set_item(dict, kv[k], kv[k + 1]);
          break;
        }
        case 'Q': {  // BINPERSID
          Value pid(Kind::Persistent);
          pid.items = {pop()};
          push(std::move(pid));
          break;
        }
        case 'R': {  // REDUCE
          uint32_t args = pop(), fn = pop();
          EMBER_CHECK(v(fn).kind == Kind::Global && v(args).kind == Kind::Tuple,
                      "{}: REDUCE needs a global and a tuple, got {} and {} at byte {}", what_,
                      kind_name(v(fn).kind), kind_name(v(args).kind), at);
          if (v(fn).s == "collections" && v(fn).name == "OrderedDict") {
            EMBER_CHECK(v(args).items.empty(), "{}: OrderedDict(...) with arguments is not supported", what_);
            push(Value(Kind::Dict));
          } else {
            Value call(Kind::Call);
            call.items = {fn, args};
            push(std::move(call));
          }
          break;
        }
        case 'b': {  // BUILD: an OrderedDict's instance attributes (_metadata); ignored
          uint32_t state = pop();
          (void)state;
          container(Kind::Dict);
          break;
        }
        case 'q': memo_put(take(1)); break;
        case 'r': memo_put(take(4)); break;
        case 0x94: memo_put(memo_.size()); break;  // MEMOIZE
        case 'h': memo_get(take(1)); break;
        case 'j': memo_get(take(4)); break;
        case '.': {  // STOP
          EMBER_CHECK(stack_.size() == 1 && marks_.empty(), "{}: pickle stops with {} values and {} marks left",
                      what_, stack_.size(), marks_.size());
          Pickle out;
          out.values = std::move(values_);
          out.root = stack_[0];
          return out;
        }
        default:
          detail::fail(fmt::format("{}: unsupported pickle opcode 0x{:02x} at byte {}", what_, op, at));
      }
    }
  }

 private:
  const Value& v(uint32_t id) const { return values_[id]; }
  void need(uint64_t k) {
    EMBER_CHECK(k <= n_ - pos_, "{}: pickle truncated at byte {} (needs {} more bytes)", what_, pos_, k);
  }
  uint64_t take(int k) {
    need(static_cast<uint64_t>(k));
    uint64_t x = get_le(p_ + pos_, k);
    pos_ += static_cast<std::size_t>(k);
    return x;
  }
  std::string bytes(uint64_t k) {
    need(k);  // the length is checked against what is left before anything is allocated
    std::string s(p_ + pos_, static_cast<std::size_t>(k));
    pos_ += static_cast<std::size_t>(k);
    return s;
  }
  std::string line() {
    const void* nl = std::memchr(p_ + pos_, '\n', n_ - pos_);
    EMBER_CHECK(nl != nullptr, "{}: pickle truncated inside a GLOBAL name", what_);
    std::size_t len = static_cast<const char*>(nl) - (p_ + pos_);
    std::string s(p_ + pos_, len);
    pos_ += len + 1;
    return s;
  }
  std::size_t base() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(Value x) {
    values_.push_back(std::move(x));
    stack_.push_back(static_cast<uint32_t>(values_.size() - 1));
  }
  void push_int(int64_t i) {
    Value x(Kind::Int);
    x.i = i;
    push(std::move(x));
  }
  void push_global(const std::string& module, const std::string& name) {
    EMBER_CHECK(allowed_(module, name),
                "{}: pickle refers to '{}.{}', which is not allowed (only tensors, storages and "
                "OrderedDicts can be loaded)",
                what_, module, name);
    Value g(Kind::Global);
    g.s = module;
    g.name = name;
    push(std::move(g));
  }
  uint32_t pop() {
    EMBER_CHECK(stack_.size() > base(), "{}: pickle stack underflow at byte {}", what_, pos_ - 1);
    uint32_t x = stack_.back();
    stack_.pop_back();
    return x;
  }
  std::vector<uint32_t> pop_to_mark() {
    EMBER_CHECK(!marks_.empty(), "{}: pickle opcode at byte {} needs a MARK", what_, pos_ - 1);
    std::vector<uint32_t> xs(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return xs;
  }
  Value& container(Kind k) {
    EMBER_CHECK(stack_.size() > base() && v(stack_.back()).kind == k, "{}: pickle opcode at byte {} needs a {}",
                what_, pos_ - 1, kind_name(k));
    return values_[stack_.back()];
  }
  // Repeated keys are kept; readers apply them in order (the last value wins, as in a
  // Python dict), which keeps this linear for hostile inputs.
  void set_item(Value& dict, uint32_t key, uint32_t val) { dict.entries.emplace_back(key, val); }
  void memo_put(uint64_t index) {
    EMBER_CHECK(!stack_.empty(), "{}: memo put on an empty stack", what_);
    memo_[index] = stack_.back();
  }
  void memo_get(uint64_t index) {
    auto it = memo_.find(index);
    EMBER_CHECK(it != memo_.end(), "{}: pickle refers to memo entry {}, which was never stored", what_, index);
    stack_.push_back(it->second);
  }

  const char* p_;
  std::size_t n_, pos_ = 0;
  const GlobalFilter& allowed_;
  const char* what_;
  std::vector<Value> values_;
  std::vector<uint32_t> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<uint64_t, uint32_t> memo_;
};

}  // namespace

Pickle unpickle(const char* data, std::size_t size, const GlobalFilter& allowed, const char* what) {
  return Machine(data, size, allowed, what).run();
}

}  // namespace pickle
}  // namespace io
}  // namespace ember
