// torch.save's zip format (PyTorch >= 1.6):
//   <archive>/data.pkl   pickle (protocol 2) of the object, tensors as
//                        torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
//                        requires_grad, backward_hooks), storages as persistent ids
//                        ('storage', torch.FloatStorage, key, location, numel)
//   <archive>/data/<key> each storage's raw little-endian bytes
//   <archive>/version    "3\n"
#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "ember/creation.hpp"
#include "src/core/check.hpp"
#include "src/io/file.hpp"
#include "src/io/formats.hpp"
#include "src/io/bytes.hpp"
#include "src/io/pickle.hpp"
#include "src/io/zip.hpp"

namespace ember {
namespace io {

namespace {

using pickle::Kind;
using pickle::Value;

const char* storage_name(Dtype d) {
  switch (d) {
    case Dtype::Float32: return "FloatStorage";
    case Dtype::Float64: return "DoubleStorage";
    case Dtype::Int64: return "LongStorage";
    case Dtype::Bool: return "BoolStorage";
    case Dtype::Int32: return "IntStorage";
    case Dtype::Int16: return "ShortStorage";
    case Dtype::Int8: return "CharStorage";
    case Dtype::UInt8: return "ByteStorage";
    case Dtype::Float16: return "HalfStorage";
    case Dtype::BFloat16: return "BFloat16Storage";
  }
  return "?";
}

bool storage_dtype(const std::string& name, Dtype* out) {
  for (int i = 0; i < kNumDtypes; ++i)
    if (name == storage_name(static_cast<Dtype>(i))) {
      const Dtype d = static_cast<Dtype>(i);
      *out = d;
      return true;
    }
  return false;
}

// Contiguous strides as torch computes them (a size-0 dim counts as 1).
std::vector<int64_t> contiguous_strides(IntArrayRef sizes) {
  std::vector<int64_t> s(sizes.size());
  int64_t acc = 1;
  for (std::size_t d = sizes.size(); d-- > 0;) {
    s[d] = acc;
    acc *= std::max<int64_t>(sizes[d], 1);
  }
  return s;
}

void write_tensor(pickle::Writer& w, const Tensor& t, const std::string& key) {
  w.global("torch._utils", "_rebuild_tensor_v2");
  w.mark();
  w.mark();
  w.str("storage");
  w.global("torch", storage_name(t.dtype()));
  w.str(key);
  w.str("cpu");
  w.integer(t.numel());
  w.tuple_from_mark();
  w.binpersid();
  w.integer(0);
  std::vector<int64_t> sizes(t.sizes().begin(), t.sizes().end());
  w.tuple(sizes);
  w.tuple(contiguous_strides(t.sizes()));
  w.boolean(false);
  w.global("collections", "OrderedDict");
  w.empty_tuple();
  w.reduce();
  w.tuple_from_mark();
  w.reduce();
}

bool allowed_global(const std::string& module, const std::string& name) {
  if (module == "collections") return name == "OrderedDict";
  if (module == "torch._utils") return name == "_rebuild_tensor_v2" || name == "_rebuild_parameter";
  // Every storage class is allowed through; unsupported dtypes get their own message.
  if (module == "torch") return name.size() > 7 && name.compare(name.size() - 7, 7, "Storage") == 0;
  return false;
}

// Turns the unpickled values into tensors, reading storages from the archive.
class Loader {
 public:
  // `budget` caps the bytes of tensor copies, `name_budget` the bytes of flattened names.
  Loader(const pickle::Pickle& pk, const ZipReader& zip, const std::string& prefix, uint64_t budget,
         uint64_t name_budget, const char* what)
      : pk_(pk), zip_(zip), prefix_(prefix), budget_(budget), name_budget_(name_budget), what_(what),
        visits_(2 * static_cast<int64_t>(pk.values.size()) + 64) {}

  bool is_tensor(uint32_t id) const { return pk_[id].kind == Kind::Call; }

  // The same pickled tensor referenced twice (tied weights) loads once and stays shared.
  Tensor tensor(uint32_t id, const std::string& key, int depth) {
    auto hit = cache_.find(id);
    if (hit != cache_.end()) return hit->second;
    Tensor t = build(id, key, depth);
    cache_.emplace(id, t);
    return t;
  }

  // dict -> flat names; numbers -> 0-dim tensors.
  void flatten(uint32_t id, const std::string& name, StateDict& out, int depth) {
    EMBER_CHECK(depth < kMaxDepth, "{}: dicts nested more than {} deep (at '{}')", what_, kMaxDepth,
                name.substr(0, 200));
    // Shared sub-dicts could otherwise multiply the work exponentially.
    EMBER_CHECK(visits_-- > 0, "{}: pickle refers to its values too many times", what_);
    const Value& v = pk_[id];
    switch (v.kind) {
      case Kind::Call: out.set(name, tensor(id, name, 0)); return;
      case Kind::Int: out.set(name, scalar_tensor(v.i, TensorOptions(kInt64))); return;
      case Kind::Float: out.set(name, scalar_tensor(v.f, TensorOptions(kFloat64))); return;
      case Kind::Bool: out.set(name, scalar_tensor(v.i != 0, TensorOptions(kBool))); return;
      case Kind::Dict:
        for (const auto& e : v.entries) {
          const Value& k = pk_[e.first];
          std::string key;
          EMBER_CHECK(k.kind != Kind::Str || k.s.size() <= name_budget_,
                      "{}: flattened key names exceed {} bytes (limit proportional to the pickle's size)", what_,
                      name_limit_);
          if (k.kind == Kind::Str) key = k.s;
          else if (k.kind == Kind::Int) key = std::to_string(k.i);
          else detail::fail(fmt::format("{}: '{}': dict key is a {}; only str and int keys can be loaded", what_, name, kind_name(k.kind)));
          // A memoised key can be referenced by every entry of every nested dict: each
          // name is paid for before it is built, so a small file cannot make us build
          // gigabytes of names.
          const uint64_t cost = name.size() + 1 + key.size();
          EMBER_CHECK(cost <= name_budget_,
                      "{}: flattened key names exceed {} bytes (limit proportional to the pickle's size)", what_,
                      name_limit_);
          name_budget_ -= cost;
          flatten(e.second, name.empty() ? key : name + "." + key, out, depth + 1);
        }
        return;
      default:
        detail::fail(fmt::format("{}: '{}' is a {}; only tensors, numbers and dicts of them can be loaded", what_,
                                 name, kind_name(v.kind)));
    }
  }

 private:
  Tensor build(uint32_t id, const std::string& key, int depth) {
    EMBER_CHECK(depth < 8, "{}: '{}': tensor nested too deeply", what_, key);
    const Value& call = pk_[id];
    const Value& fn = pk_[call.items[0]];
    const Value& args = pk_[call.items[1]];
    if (fn.name == "_rebuild_parameter") {  // torch.save(nn.Parameter)
      EMBER_CHECK(args.items.size() >= 2 && is_tensor(args.items[0]),
                  "{}: '{}': _rebuild_parameter needs (tensor, requires_grad, ...)", what_, key);
      Tensor t = tensor(args.items[0], key, depth + 1);
      if (flag(args.items[1], key) && t.is_floating_point()) t.requires_grad_(true);
      return t;
    }
    EMBER_CHECK(fn.s == "torch._utils" && fn.name == "_rebuild_tensor_v2",
                "{}: '{}': cannot load an object built by {}.{}", what_, key, fn.s, fn.name);
    EMBER_CHECK(args.items.size() == 6 || args.items.size() == 7,
                "{}: '{}': _rebuild_tensor_v2 takes 6 or 7 arguments, got {}", what_, key, args.items.size());
    const Value& pers = pk_[args.items[0]];
    EMBER_CHECK(pers.kind == Kind::Persistent, "{}: '{}': tensor storage is a {}, not a persistent id", what_, key,
                kind_name(pers.kind));
    const Value& pid = pk_[pers.items[0]];
    EMBER_CHECK(pid.kind == Kind::Tuple && pid.items.size() == 5 && str(pid.items[0]) == "storage" &&
                    pk_[pid.items[1]].kind == Kind::Global && pk_[pid.items[2]].kind == Kind::Str &&
                    pk_[pid.items[3]].kind == Kind::Str && pk_[pid.items[4]].kind == Kind::Int,
                "{}: '{}': storage id is not ('storage', type, key, location, numel)", what_, key);
    const Value& type = pk_[pid.items[1]];
    Dtype dtype;
    EMBER_CHECK(type.s == "torch" && storage_dtype(type.name, &dtype),
                "{}: '{}': storage type {}.{} is not supported (FloatStorage, DoubleStorage, HalfStorage, "
                "BFloat16Storage, LongStorage, IntStorage, ShortStorage, CharStorage, ByteStorage, BoolStorage)",
                what_, key, type.s, type.name);
    const std::string& skey = pk_[pid.items[2]].s;
    int64_t storage_numel = pk_[pid.items[4]].i;
    const ZipReader::Entry* rec = zip_.find(prefix_ + "data/" + skey);
    EMBER_CHECK(rec != nullptr, "{}: '{}': storage '{}' is missing from the archive", what_, key, skey);
    uint64_t isz = static_cast<uint64_t>(element_size(dtype)), need = 0;
    EMBER_CHECK(storage_numel >= 0 && mul_within(static_cast<uint64_t>(storage_numel), isz, rec->size, &need) &&
                    need == rec->size,
                "{}: '{}': storage '{}' of {} {} elements needs {} bytes, the archive holds {}", what_, key, skey,
                storage_numel, dtype, static_cast<double>(storage_numel) * isz, rec->size);

    std::vector<int64_t> sizes = ints(args.items[2], key, "size"), strides = ints(args.items[3], key, "stride");
    EMBER_CHECK(pk_[args.items[1]].kind == Kind::Int && pk_[args.items[1]].i >= 0,
                "{}: '{}': storage offset must be a non-negative int", what_, key);
    uint64_t offset = static_cast<uint64_t>(pk_[args.items[1]].i);
    EMBER_CHECK(sizes.size() == strides.size(), "{}: '{}': size {} and stride {} differ in length", what_, key,
                IntArrayRef(sizes), IntArrayRef(strides));
    EMBER_CHECK(extent_fits(sizes, isz), "{}: '{}': tensor of size {} and dtype {}: its strides or byte count "
                "overflow int64", what_, key, IntArrayRef(sizes), dtype);
    // Every element must lie inside the storage; the copy is bounded by the budget.
    uint64_t numel = 1, last = offset;
    const uint64_t limit = uint64_t(INT64_MAX);
    for (std::size_t d = 0; d < sizes.size(); ++d)
      EMBER_CHECK(mul_within(numel, static_cast<uint64_t>(sizes[d]), limit, &numel), "{}: '{}': size {} overflows",
                  what_, key, IntArrayRef(sizes));
    if (numel > 0) {
      for (std::size_t d = 0; d < sizes.size(); ++d) {
        uint64_t span = 0;
        EMBER_CHECK(mul_within(static_cast<uint64_t>(sizes[d] - 1), static_cast<uint64_t>(strides[d]), limit, &span) &&
                        add_within(last, span, limit, &last),
                    "{}: '{}': stride {} overflows", what_, key, IntArrayRef(strides));
      }
      EMBER_CHECK(last < static_cast<uint64_t>(storage_numel),
                  "{}: '{}': size {}, stride {} and offset {} reach element {} of a storage of {}", what_, key,
                  IntArrayRef(sizes), IntArrayRef(strides), offset, last, storage_numel);
    }
    // A view never has more elements than its storage unless it repeats elements
    // (stride 0, as expand() makes); those may grow by at most 64 MiB.
    uint64_t nbytes = 0;
    EMBER_CHECK(mul_within(numel, isz, std::min(budget_, need + (uint64_t(64) << 20)), &nbytes),
                "{}: '{}': tensor of size {} would need more memory than the file's size allows", what_, key,
                IntArrayRef(sizes));
    budget_ -= nbytes;

    const char* base = zip_.data(*rec);
    Tensor out;
    if (offset == 0 && strides == contiguous_strides(sizes)) {
      out = tensor_from_bytes(dtype, sizes, base);
    } else {
      // Gathers a view (a slice or transpose sharing a storage) straight into the new
      // tensor's memory.
      out = empty(sizes, TensorOptions(dtype));
      char* dst = static_cast<char*>(out.data_ptr());
      std::vector<int64_t> index(sizes.size(), 0);
      for (uint64_t k = 0; k < numel; ++k) {
        uint64_t src = offset;
        for (std::size_t d = 0; d < sizes.size(); ++d) src += static_cast<uint64_t>(index[d] * strides[d]);
        std::memcpy(dst + k * isz, base + src * isz, isz);
        for (std::size_t d = sizes.size(); d-- > 0;) {
          if (++index[d] < sizes[d]) break;
          index[d] = 0;
        }
      }
      if (dtype == Dtype::Bool)  // as tensor_from_bytes does: only 0 and 1 are valid bools
        for (uint64_t k = 0; k < numel; ++k) dst[k] = dst[k] != 0;
    }
    if (flag(args.items[4], key) && out.is_floating_point()) out.requires_grad_(true);
    return out;
  }

  const std::string& str(uint32_t id) const {
    static const std::string none;
    return pk_[id].kind == Kind::Str ? pk_[id].s : none;
  }
  bool flag(uint32_t id, const std::string& key) const {
    const Value& v = pk_[id];
    EMBER_CHECK(v.kind == Kind::Bool || v.kind == Kind::Int, "{}: '{}': requires_grad is a {}, not a bool", what_,
                key, kind_name(v.kind));
    return v.i != 0;
  }
  std::vector<int64_t> ints(uint32_t id, const std::string& key, const char* field) const {
    const Value& v = pk_[id];
    EMBER_CHECK(v.kind == Kind::Tuple && v.items.size() <= 64, "{}: '{}': {} is not a tuple of ints", what_, key,
                field);
    std::vector<int64_t> out;
    for (uint32_t x : v.items) {
      EMBER_CHECK(pk_[x].kind == Kind::Int && pk_[x].i >= 0, "{}: '{}': {} must hold non-negative ints", what_, key,
                  field);
      out.push_back(pk_[x].i);
    }
    return out;
  }

  const pickle::Pickle& pk_;
  const ZipReader& zip_;
  const std::string& prefix_;
  static constexpr int kMaxDepth = 32;
  uint64_t budget_, name_budget_;
  const uint64_t name_limit_ = name_budget_;
  const char* what_;
  std::unordered_map<uint32_t, Tensor> cache_;
  int64_t visits_;
};

}  // namespace

void save_torch(const StateDict& dict, const std::string& path, bool bare_tensor) {
  std::vector<Tensor> data;
  pickle::Writer w;
  if (bare_tensor) {
    data.push_back(contiguous_for_save(dict.items().at(0).second, "tensor", "save"));
    write_tensor(w, data[0], "0");
  } else {
    w.global("collections", "OrderedDict");
    w.empty_tuple();
    w.reduce();
    if (!dict.empty()) {
      w.mark();
      for (const auto& kv : dict) {
        data.push_back(contiguous_for_save(kv.second, kv.first, "save"));
        w.str(kv.first);
        write_tensor(w, data.back(), std::to_string(data.size() - 1));
      }
      w.setitems_from_mark();
    }
  }
  std::string pkl = w.finish();

  AtomicFile file(path, "save");
  ZipWriter zip([&](const void* p, std::size_t n) { file.write(p, n); });
  const std::string archive = "archive/";
  zip.add(archive + "data.pkl", pkl.data(), pkl.size());
  zip.add(archive + "byteorder", "little", 6);
  for (std::size_t k = 0; k < data.size(); ++k)
    zip.add(archive + "data/" + std::to_string(k), data[k].data_ptr(), static_cast<std::size_t>(data[k].nbytes()));
  zip.add(archive + "version", "3\n", 2);
  zip.finish();
  file.commit();
}

StateDict load_torch(const std::string& bytes, const std::string& path, bool* bare_tensor) {
  const std::string what_s = "load: '" + path + "'";
  const char* what = what_s.c_str();
  ZipReader zip(bytes, what);
  // The archive's one top-level folder holds data.pkl (torch names it after the file).
  const ZipReader::Entry* pkl = nullptr;
  std::string prefix;
  for (const auto& e : zip.entries()) {
    std::size_t slash = e.name.find('/');
    if (slash != std::string::npos && e.name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      EMBER_CHECK(pkl == nullptr, "{}: archive has more than one data.pkl", what);
      pkl = &e;
      prefix = e.name.substr(0, slash + 1);
    }
  }
  EMBER_CHECK(pkl != nullptr, "{}: zip archive has no <name>/data.pkl: not a torch.save file", what);
  const ZipReader::Entry* version = zip.find(prefix + "version");
  EMBER_CHECK(version != nullptr, "{}: torch archive has no version record", what);
  std::string ver(zip.data(*version), version->size);
  while (!ver.empty() && (ver.back() == '\n' || ver.back() == '\r')) ver.pop_back();
  EMBER_CHECK(ver.size() == 1 && ver[0] >= '1' && ver[0] <= '9', "{}: unsupported torch archive version '{}'", what,
              ver);
  if (const ZipReader::Entry* order = zip.find(prefix + "byteorder")) {
    std::string bo(zip.data(*order), order->size);
    EMBER_CHECK(bo == "little", "{}: storages are stored '{}'-endian; only little-endian is supported", what, bo);
  }

  pickle::Pickle pk = pickle::unpickle(zip.data(*pkl), pkl->size, allowed_global, what);
  // Views may repeat storages, and expanded tensors may be larger than their storage;
  // the copies are still capped, so a hostile file cannot make us allocate without bound.
  const uint64_t budget = 16 * static_cast<uint64_t>(bytes.size()) + (uint64_t(64) << 20);
  // Flattened names (each the path of keys to a leaf) may repeat their prefixes, and
  // memoised keys appear once in the pickle however often they are used; 32 bytes of
  // names per pickle byte is far above what real checkpoints need.
  const uint64_t name_budget = 32 * static_cast<uint64_t>(pkl->size) + (uint64_t(1) << 20);
  Loader loader(pk, zip, prefix, budget, name_budget, what);
  StateDict out;
  const Value& root = pk[pk.root];
  *bare_tensor = root.kind == Kind::Call;
  if (root.kind == Kind::Call) {
    out.insert("tensor", loader.tensor(pk.root, "tensor", 0));
  } else {
    EMBER_CHECK(root.kind == Kind::Dict, "{}: torch file holds a {}; expected a tensor or a dict of tensors", what,
                kind_name(root.kind));
    loader.flatten(pk.root, "", out, 0);
  }
  return out;
}

}  // namespace io
}  // namespace ember
