// Checkpoints: safetensors and torch.save zip files, atomic writes, hostile input.
// The PyTorch interop cases at the end are hidden; tests/python/torch_interop.py runs
// them (CTest test io_torch_interop) around its own torch.save / torch.load checks.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "helpers.hpp"
#include "src/io/file.hpp"
#include "src/io/pickle.hpp"
#include "src/io/zip.hpp"
#include "torch_archive.hpp"

namespace fs = std::filesystem;
using namespace std::string_literals;
using ember::Format;
using ember::StateDict;
using ember::Tensor;
using testing::values;

namespace {
using testing::torch_archive;

// A fresh directory per test case, removed afterwards.
struct TempDir {
  fs::path dir;
  TempDir() {
    static int counter = 0;
    dir = fs::temp_directory_path() / ("ember-io-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string operator/(const std::string& name) const { return (dir / name).string(); }
};

std::string read_bytes(const std::string& path) { return ember::io::read_file(path, "test"); }
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The deterministic values tests/python/torch_interop.py recomputes: element k of the
// j-th tensor. Floats are multiples of 1/8 (exact in float32); int64 reaches past 2^53.
double gen_float(int64_t j, int64_t k) { return static_cast<double>((k * 37 + j * 11) % 101 - 50) / 8.0; }
int64_t gen_int(int64_t j, int64_t k) {
  if (k % 5 == 0) return (int64_t(1) << 62) - k - j;
  return ((k * 2654435761LL + j * 97) % (int64_t(1) << 40) - (int64_t(1) << 39)) * 4099;
}
bool gen_bool(int64_t j, int64_t k) { return (k * 7 + j) % 3 == 0; }

Tensor generated(int64_t j, ember::Dtype dtype, ember::IntArrayRef shape) {
  Tensor t = ember::empty(shape, dtype);
  for (int64_t k = 0; k < t.numel(); ++k) {
    switch (dtype) {
      case ember::kFloat32: static_cast<float*>(t.data_ptr())[k] = static_cast<float>(gen_float(j, k)); break;
      case ember::kFloat64: static_cast<double*>(t.data_ptr())[k] = gen_float(j, k); break;
      case ember::kInt64: static_cast<int64_t*>(t.data_ptr())[k] = gen_int(j, k); break;
      case ember::kBool: static_cast<bool*>(t.data_ptr())[k] = gen_bool(j, k); break;
    }
  }
  return t;
}

// The state dict both sides agree on (same table in torch_interop.py).
StateDict interop_dict() {
  StateDict d;
  d.insert("f32_2x3", generated(0, ember::kFloat32, {2, 3}));
  d.insert("f64_vec", generated(1, ember::kFloat64, {5}));
  d.insert("i64_mat", generated(2, ember::kInt64, {3, 4}));
  d.insert("bool_vec", generated(3, ember::kBool, {7}));
  d.insert("f32_scalar", generated(4, ember::kFloat32, {}));
  d.insert("step", generated(5, ember::kInt64, {}));
  d.insert("f64_empty", generated(6, ember::kFloat64, {0, 3}));
  d.insert("bool_3d", generated(7, ember::kBool, {2, 2, 2}));
  d.insert("layer.0.weight_t", generated(8, ember::kFloat32, {4, 3}).t());  // saved non-contiguous
  d.insert("i64_empty", generated(9, ember::kInt64, {2, 0}));
  return d;
}

// Same keys in the same order, same dtypes, shapes and values; loaded tensors are
// contiguous and own their memory.
void require_same(const StateDict& got, const StateDict& want) {
  REQUIRE(got.keys() == want.keys());
  for (const auto& kv : want) {
    INFO("key " << kv.first);
    const Tensor& g = got.at(kv.first);
    REQUIRE(g.dtype() == kv.second.dtype());
    REQUIRE(g.sizes().vec() == kv.second.sizes().vec());
    REQUIRE(g.is_contiguous());
    REQUIRE(!g.is_alias_of(kv.second));
    if (g.dtype() == ember::kInt64)
      REQUIRE(g.tolist<int64_t>() == kv.second.tolist<int64_t>());
    else
      REQUIRE(values(g) == values(kv.second));
  }
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ember::Error& e) {
    return e.what();
  }
  return "<no error>";
}

// Loading must throw ember::Error or succeed; anything else (a crash, another exception
// type) fails the test. Returns whether it loaded.
bool loads_or_throws_error(const std::string& path) {
  try {
    StateDict d = ember::load(path);
    for (const auto& kv : d) REQUIRE(kv.second.is_contiguous());
    return true;
  } catch (const ember::Error&) {
    return false;
  }
}


std::string le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}
std::string unicode(const std::string& s) { return "X" + le32(static_cast<uint32_t>(s.size())) + s; }
const std::string kProto = "\x80\x02";
const std::string kOrderedDict = "ccollections\nOrderedDict\n)R";
// _rebuild_tensor_v2(('storage', torch.FloatStorage, '0', 'cpu', numel), offset, size, stride, False, OrderedDict())
std::string rebuild(const std::string& storage_type, int numel, const std::string& offset, const std::string& size,
                    const std::string& stride) {
  return "ctorch._utils\n_rebuild_tensor_v2\n((" + unicode("storage") + "ctorch\n" + storage_type + "\n" +
         unicode("0") + unicode("cpu") + "J" + le32(static_cast<uint32_t>(numel)) + "tQ" + offset + size + stride +
         "\x89" + kOrderedDict + "tR";
}

std::string load_error(const TempDir& tmp, const std::string& bytes) {
  std::string path = tmp / "odd.pt";
  write_bytes(path, bytes);
  return error_of([&] { ember::load(path); });
}

}  // namespace

TEST_CASE("save and load round-trip every dtype and shape in both formats", "[io]") {
  TempDir tmp;
  StateDict d = interop_dict();
  for (const char* name : {"s.safetensors", "s.pt", "s.pth", "s.bin", "s.ckpt"}) {
    INFO(name);
    ember::save(d, tmp / name);
    require_same(ember::load(tmp / name), d);
  }
  // An explicit format overrides the name; load looks at the content, not the name.
  ember::save(d, tmp / "a.pt", Format::SafeTensors);
  ember::save(d, tmp / "b.safetensors", Format::Torch);
  REQUIRE(read_bytes(tmp / "a.pt").compare(8, 1, "{") == 0);
  REQUIRE(read_bytes(tmp / "b.safetensors").compare(0, 4, "PK\x03\x04") == 0);
  require_same(ember::load(tmp / "a.pt"), d);
  require_same(ember::load(tmp / "b.safetensors"), d);
  // An empty dict is a valid checkpoint too.
  for (const char* name : {"e.safetensors", "e.pt"}) {
    ember::save(StateDict(), tmp / name);
    REQUIRE(ember::load(tmp / name).empty());
  }
}

TEST_CASE("loaded tensors own their memory and keep no autograd history", "[io]") {
  TempDir tmp;
  Tensor w = ember::ones({2, 2}).requires_grad_(true);
  Tensor y = w * 3;  // a non-leaf with history
  StateDict d{{"w", w}, {"y", y}};
  for (const char* name : {"g.safetensors", "g.pt"}) {
    ember::save(d, tmp / name);
    StateDict got = ember::load(tmp / name);
    REQUIRE(!got.at("w").requires_grad());
    REQUIRE(got.at("y").grad_fn() == nullptr);
    REQUIRE(values(got.at("y")) == std::vector<double>(4, 3));
    w.detach().fill_(5);
    REQUIRE(values(got.at("w")) == std::vector<double>(4, 1));
    w.detach().fill_(1);
  }
}

TEST_CASE("single tensors: save(tensor) and load_tensor", "[io]") {
  TempDir tmp;
  Tensor t = generated(3, ember::kFloat64, {3, 2}).t();
  for (const char* name : {"t.safetensors", "t.pt"}) {
    ember::save(t, tmp / name);
    Tensor got = ember::load_tensor(tmp / name);
    REQUIRE(got.sizes().vec() == std::vector<int64_t>{2, 3});
    REQUIRE(values(got) == values(t));
    StateDict d = ember::load(tmp / name);
    REQUIRE(d.keys() == std::vector<std::string>{"tensor"});
  }
  ember::save(interop_dict(), tmp / "many.pt");
  REQUIRE_THROWS_WITH(ember::load_tensor(tmp / "many.pt"), Catch::Contains("holds 10 tensors, expected one"));
}

TEST_CASE("training states combine with with_prefix and split with strip_prefix", "[io]") {
  TempDir tmp;
  StateDict model{{"0.weight", generated(0, ember::kFloat32, {2, 3})}, {"0.bias", generated(1, ember::kFloat32, {2})}};
  StateDict optim{{"state.0.exp_avg", generated(2, ember::kFloat32, {2, 3})}, {"param_groups.0.lr", ember::scalar_tensor(0.1, ember::kFloat64)}};
  StateDict sched{{"last_epoch", ember::scalar_tensor(4, ember::kInt64)}};
  StateDict state = ember::with_prefix(model, "model.");
  for (const auto& kv : ember::with_prefix(optim, "optimizer.")) state.insert(kv.first, kv.second);
  for (const auto& kv : ember::with_prefix(sched, "scheduler.")) state.insert(kv.first, kv.second);
  state.insert("step", ember::scalar_tensor(1000, ember::kInt64));
  REQUIRE(state.keys() == std::vector<std::string>{"model.0.weight", "model.0.bias", "optimizer.state.0.exp_avg",
                                                   "optimizer.param_groups.0.lr", "scheduler.last_epoch", "step"});
  for (const char* name : {"train.safetensors", "train.ckpt"}) {
    ember::save(state, tmp / name);
    StateDict back = ember::load(tmp / name);
    require_same(ember::strip_prefix(back, "model."), model);
    require_same(ember::strip_prefix(back, "optimizer."), optim);
    require_same(ember::strip_prefix(back, "scheduler."), sched);
    REQUIRE(back.at("step").item<int64_t>() == 1000);
  }
  REQUIRE(ember::strip_prefix(state, "nothing.").empty());
}

TEST_CASE("safetensors: header layout, metadata and unusual names", "[io]") {
  TempDir tmp;
  StateDict d{{"quote\"back\\slash", ember::tensor({1.5f, 2.5f})},
              {"ctrl\n\x01", ember::tensor(std::vector<int64_t>{7}, {1})},
              {"ключ", generated(0, ember::kBool, {3})}};
  ember::Metadata meta{{"format", "pt"}, {"note", "a \"quoted\"\tvalue"}};
  std::string path = tmp / "m.safetensors";
  ember::save(d, path, meta);
  require_same(ember::load(path), d);
  ember::Metadata got = ember::load_metadata(path);
  REQUIRE(got.keys() == meta.keys());
  REQUIRE(got.at("note") == meta.at("note"));

  // An independent JSON parser reads the header: data 8-byte aligned, offsets in order.
  std::string bytes = read_bytes(path);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  REQUIRE((8 + n) % 8 == 0);
  auto header = nlohmann::json::parse(bytes.substr(8, n));
  REQUIRE(header["__metadata__"]["format"] == "pt");
  REQUIRE(header["quote\"back\\slash"]["dtype"] == "F32");
  REQUIRE(header["quote\"back\\slash"]["shape"] == nlohmann::json::array({2}));
  REQUIRE(header["quote\"back\\slash"]["data_offsets"] == nlohmann::json::array({0, 8}));
  REQUIRE(header["ctrl\n\x01"]["dtype"] == "I64");
  REQUIRE(header["ctrl\n\x01"]["data_offsets"] == nlohmann::json::array({8, 16}));
  REQUIRE(header["ключ"]["dtype"] == "BOOL");
  REQUIRE(bytes.size() == 8 + n + 19);
  float first = 0;
  std::memcpy(&first, bytes.data() + 8 + n, 4);
  REQUIRE(first == 1.5f);

  ember::save(d, tmp / "plain.safetensors");
  REQUIRE(ember::load_metadata(tmp / "plain.safetensors").empty());
}

TEST_CASE("safetensors written by hand: escapes, key order and offsets out of key order", "[io]") {
  TempDir tmp;
  // Tensor "b" is stored first in the buffer although "a" comes first in the header.
  std::string header = R"({"a": {"dtype": "F64", "shape": [2], "data_offsets": [8, 24]},)"
                       R"( "b\u00e9\ud83d\ude00": {"shape": [], "data_offsets": [0, 8], "dtype": "I64"},)"
                       R"( "__metadata__": {"k\/": "v"}}   )";
  std::string bytes(8, '\0');
  uint64_t n = header.size();
  std::memcpy(&bytes[0], &n, 8);
  bytes += header;
  int64_t b = -42;
  double a[2] = {0.25, -3};
  bytes.append(reinterpret_cast<const char*>(&b), 8);
  bytes.append(reinterpret_cast<const char*>(a), 16);
  write_bytes(tmp / "h.safetensors", bytes);
  StateDict d = ember::load(tmp / "h.safetensors");
  REQUIRE(d.keys() == std::vector<std::string>{"a", "b\xc3\xa9\xf0\x9f\x98\x80"});
  REQUIRE(values(d.at("a")) == std::vector<double>{0.25, -3});
  REQUIRE(d.items()[1].second.item<int64_t>() == -42);
  REQUIRE(ember::load_metadata(tmp / "h.safetensors").at("k/") == "v");
}

TEST_CASE("safetensors: every malformed header is an error that says what is wrong", "[io]") {
  TempDir tmp;
  auto file = [&](const std::string& header, std::size_t data_bytes) {
    std::string bytes(8, '\0');
    uint64_t n = header.size();
    std::memcpy(&bytes[0], &n, 8);
    return bytes + header + std::string(data_bytes, '\0');
  };
  auto err = [&](const std::string& bytes) {
    write_bytes(tmp / "x.safetensors", bytes);
    return error_of([&] { ember::load(tmp / "x.safetensors"); });
  };
  std::string huge_len(8, '\xff');
  huge_len += "{}";
  REQUIRE_THAT(err(huge_len), Catch::Contains("header size 18446744073709551615 exceeds the file's 2 bytes"));
  REQUIRE_THAT(err(file(R"({"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}})", 8)),
               Catch::Contains("tensor 'a' has dtype 'C64'"));
  REQUIRE_THAT(err(file(R"({"a":{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,4]}})", 4)),
               Catch::Contains("is larger than the file"));
  REQUIRE_THAT(err(file(R"({"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,4]}})", 4)),
               Catch::Contains("number over 2^63"));
  REQUIRE_THAT(err(file(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4)),
               Catch::Contains("expected a non-negative integer"));
  REQUIRE_THAT(err(file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 8)),
               Catch::Contains("needs 8 bytes, its data_offsets [0, 4] hold 4"));
  REQUIRE_THAT(err(file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8)),
               Catch::Contains("the tensors cover 4 bytes but the buffer has 8"));
  REQUIRE_THAT(err(file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8)),
               Catch::Contains("tensor 'a' starts at byte 4 of the buffer, expected 0"));
  REQUIRE_THAT(err(file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                        R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                        8)),
               Catch::Contains("overlap or gap"));
  REQUIRE_THAT(err(file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}})", 4)),
               Catch::Contains("number over 2^63"));
  REQUIRE_THAT(err(file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 8)),
               Catch::Contains("outside the 8 byte buffer"));
  REQUIRE_THAT(err(file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})", 4)),
               Catch::Contains("names tensor 'a' twice"));
  REQUIRE_THAT(err(file(R"({"a":{"dtype":"F32","shape":[1]}})", 4)),
               Catch::Contains("needs \"dtype\", \"shape\" and \"data_offsets\""));
  REQUIRE_THAT(err(file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}})", 4)),
               Catch::Contains("unexpected or repeated field 'x'"));
  REQUIRE_THAT(err(file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}} x)", 4)),
               Catch::Contains("trailing bytes"));
  REQUIRE_THAT(err(file(R"({"a\ud800":{}})", 0)), Catch::Contains("not valid JSON") && Catch::Contains("surrogate"));
  REQUIRE_THAT(err(std::string("abc")), Catch::Contains("neither a safetensors file nor a torch.save zip archive"));
  REQUIRE_THAT(err("\x80\x02}q\x00."s), Catch::Contains("legacy torch.save file"));
  REQUIRE_THAT(error_of([&] { ember::load(tmp / "missing.safetensors"); }), Catch::Contains("cannot open"));
}

TEST_CASE("save: unknown extensions, undefined tensors and metadata in torch files are errors", "[io]") {
  TempDir tmp;
  StateDict d{{"a", ember::ones({2})}};
  REQUIRE_THROWS_WITH(ember::save(d, tmp / "x.npz"), Catch::Contains("cannot tell the format of") &&
                                                         Catch::Contains("x.npz"));
  REQUIRE_THROWS_WITH(ember::save(StateDict{{"u", Tensor()}}, tmp / "x.pt"),
                      Catch::Contains("save: tensor 'u' is undefined"));
  REQUIRE_THROWS_WITH(ember::save(d, tmp / "x.pt", ember::Metadata{{"k", "v"}}),
                      Catch::Contains("metadata can only be stored in the safetensors format"));
  REQUIRE_THROWS_WITH(ember::save(StateDict{{"__metadata__", ember::ones({1})}}, tmp / "x.safetensors"),
                      Catch::Contains("cannot be named \"__metadata__\""));
  ember::save(d, tmp / "x.pt");
  REQUIRE_THROWS_WITH(ember::load_metadata(tmp / "x.pt"), Catch::Contains("only safetensors files carry metadata"));
  REQUIRE(fs::directory_iterator(tmp.dir) != fs::directory_iterator());
  for (const auto& e : fs::directory_iterator(tmp.dir)) REQUIRE(e.path().filename() == "x.pt");
}

TEST_CASE("writes are atomic: a failed save leaves the previous checkpoint intact", "[io]") {
  TempDir tmp;
  StateDict old_state{{"w", generated(0, ember::kFloat32, {64})}};
  StateDict new_state{{"w", generated(1, ember::kFloat32, {64})}, {"b", generated(2, ember::kFloat64, {64})}};
  for (const char* name : {"c.safetensors", "c.pt"}) {
    INFO(name);
    std::string path = tmp / name;
    ember::save(old_state, path);
    std::string before = read_bytes(path);
    for (int64_t cut : {0, 1, 100, 300, 700}) {
      ember::io::set_write_fault_after(cut);
      std::string msg = error_of([&] { ember::save(new_state, path); });
      ember::io::set_write_fault_after(-1);
      REQUIRE_THAT(msg, Catch::Contains("save: cannot write '" + path + "'") &&
                            Catch::Contains("No space left on device"));
      REQUIRE(read_bytes(path) == before);
      require_same(ember::load(path), old_state);
      for (const auto& e : fs::directory_iterator(tmp.dir))  // no temporary file left behind
        REQUIRE(e.path().filename().string().find(".tmp-") == std::string::npos);
    }
    ember::save(new_state, path);
    require_same(ember::load(path), new_state);
  }
  // A directory that does not exist: nothing is created, the message names the path.
  REQUIRE_THROWS_WITH(ember::save(old_state, tmp / "no/such/dir/c.pt"),
                      Catch::Contains("save: cannot create") && Catch::Contains("no/such/dir/c.pt"));
}

TEST_CASE("zip pieces: the torch archive layout", "[io]") {
  TempDir tmp;
  ember::save(interop_dict(), tmp / "z.pt");
  std::string bytes = read_bytes(tmp / "z.pt");
  ember::io::ZipReader zip(bytes, "test");
  std::vector<std::string> names;
  for (const auto& e : zip.entries()) {
    names.push_back(e.name);
    REQUIRE(e.offset % 64 == 0);  // storages start 64-byte aligned, as torch writes them
  }
  REQUIRE(names.front() == "archive/data.pkl");
  REQUIRE(names.back() == "archive/version");
  REQUIRE(zip.find("archive/data/0") != nullptr);
  REQUIRE(zip.find("archive/data/9") != nullptr);
  REQUIRE(std::string(zip.data(*zip.find("archive/version")), 2) == "3\n");
}

TEST_CASE("torch files: views, plain dicts, numbers and nested dicts from hand-written pickles", "[io]") {
  TempDir tmp;
  float storage[6] = {0, 1, 2, 3, 4, 5};
  std::string st(reinterpret_cast<const char*>(storage), sizeof storage);
  // {'t': storage viewed as [3, 2] transposed to [2, 3] at offset 0, 'v': [2] slice at
  //  offset 3, 'n': {'step': 7, 'lr': 0.5, 'flag': True}}, as a plain dict.
  std::string pkl = kProto + "}q\x00("s + unicode("t") + rebuild("FloatStorage", 6, "K\x00"s, "K\x02K\x03\x86", "K\x01K\x02\x86") +
                    "q\x01" + unicode("v") + rebuild("FloatStorage", 6, "K\x03", "K\x02\x85", "K\x01\x85") +
                    unicode("n") + "}(" + unicode("step") + "K\x07" + unicode("lr") + "G?\xe0\x00\x00\x00\x00\x00\x00"s +
                    unicode("flag") + "\x88u" + "u.";
  write_bytes(tmp / "v.pt", torch_archive(pkl, {st}));
  StateDict d = ember::load(tmp / "v.pt");
  REQUIRE(d.keys() == std::vector<std::string>{"t", "v", "n.step", "n.lr", "n.flag"});
  REQUIRE(d.at("t").sizes().vec() == std::vector<int64_t>{2, 3});
  REQUIRE(values(d.at("t")) == std::vector<double>{0, 2, 4, 1, 3, 5});
  REQUIRE(values(d.at("v")) == std::vector<double>{3, 4});
  REQUIRE(d.at("n.step").dtype() == ember::kInt64);
  REQUIRE(d.at("n.step").item<int64_t>() == 7);
  REQUIRE(d.at("n.lr").dtype() == ember::kFloat64);
  REQUIRE(d.at("n.lr").item<double>() == 0.5);
  REQUIRE(d.at("n.flag").item<bool>());
}

TEST_CASE("torch files: disallowed globals and odd pickles are errors, never crashes", "[io]") {
  TempDir tmp;
  std::string st(24, '\0');
  auto pk = [&](const std::string& body) { return load_error(tmp, torch_archive(kProto + body, {st})); };
  REQUIRE_THAT(pk("cos\nsystem\n" + unicode("echo hi") + "\x85R."),
               Catch::Contains("refers to 'os.system', which is not allowed"));
  REQUIRE_THAT(pk("cbuiltins\neval\n."), Catch::Contains("'builtins.eval', which is not allowed"));
  REQUIRE_THAT(pk("\xff."), Catch::Contains("unsupported pickle opcode 0xff at byte 2"));
  REQUIRE_THAT(pk("h\x05."), Catch::Contains("memo entry 5, which was never stored"));
  REQUIRE_THAT(pk("j\xff\xff\xff\xff."), Catch::Contains("memo entry 4294967295"));
  REQUIRE_THAT(pk("X\xff\xff\xff\x7f" "abc."), Catch::Contains("pickle truncated"));
  REQUIRE_THAT(pk("\x8a\x09" + std::string(9, '\x01') + "."), Catch::Contains("integer of 9 bytes"));
  REQUIRE_THAT(pk("t."), Catch::Contains("needs a MARK"));
  REQUIRE_THAT(pk("R."), Catch::Contains("stack underflow"));
  REQUIRE_THAT(pk("}}."), Catch::Contains("pickle stops with 2 values"));
  REQUIRE_THAT(pk("}"), Catch::Contains("pickle ends without STOP"));
  REQUIRE_THAT(pk("]."), Catch::Contains("torch file holds a list"));
  REQUIRE_THAT(pk("}" + unicode("a") + "]s."), Catch::Contains("'a' is a list"));
  REQUIRE_THAT(pk("})K\x02s."), Catch::Contains("dict key is a tuple"));
  REQUIRE_THAT(pk("}" + unicode("a") + rebuild("ComplexFloatStorage", 12, "K\x00"s, "K\x0c\x85", "K\x01\x85") + "s."),
               Catch::Contains("storage type torch.ComplexFloatStorage is not supported"));
  // Storage size, offsets and strides are checked against the stored bytes.
  REQUIRE_THAT(pk("}" + unicode("a") + rebuild("FloatStorage", 7, "K\x00"s, "K\x07\x85", "K\x01\x85") + "s."),
               Catch::Contains("needs 28 bytes, the archive holds 24"));
  REQUIRE_THAT(pk("}" + unicode("a") + rebuild("FloatStorage", -1, "K\x00"s, "K\x01\x85", "K\x01\x85") + "s."),
               Catch::Contains("storage '0' of -1"));
  REQUIRE_THAT(pk("}" + unicode("a") + rebuild("FloatStorage", 6, "K\x01", "K\x06\x85", "K\x01\x85") + "s."),
               Catch::Contains("reach element 6 of a storage of 6"));
  REQUIRE_THAT(pk("}" + unicode("a") + rebuild("FloatStorage", 6, "K\x00"s, "K\x02K\x02\x86", "J\xff\xff\xff\x7fK\x01\x86") + "s."),
               Catch::Contains("reach element 2147483648"));
  REQUIRE_THAT(pk("}" + unicode("a") + rebuild("FloatStorage", 6, "K\x00"s, "M\xff\xffM\xff\xff\x86",
                                               "K\x00K\x00\x86"s) + "s."),
               Catch::Contains("would need more memory than the file's size allows"));
  REQUIRE_THAT(pk("}" + unicode("a") + rebuild("FloatStorage", 6, "K\x00"s, "J\xff\xff\xff\xff\x85", "K\x01\x85") + "s."),
               Catch::Contains("size must hold non-negative ints"));
  REQUIRE_THAT(pk("}" + unicode("a") + rebuild("FloatStorage", 6, "K\x00"s, "K\x02\x85", "K\x01K\x01\x86") + "s."),
               Catch::Contains("size [2] and stride [1, 1] differ in length"));
  // Deep nesting and self-reference: bounded, no recursion without limit.
  std::string deep_tuple = ")" ;
  for (int k = 0; k < 200000; ++k) deep_tuple += "\x85";
  REQUIRE_THAT(pk(deep_tuple + "."), Catch::Contains("holds a tuple"));
  std::string deep_dict;
  for (int k = 0; k < 100000; ++k) deep_dict += "}" + unicode("k");
  deep_dict += "}";
  for (int k = 0; k < 100000; ++k) deep_dict += "s";
  REQUIRE_THAT(pk(deep_dict + "."), Catch::Contains("nested more than 32 deep"));
  REQUIRE_THAT(pk("}q\x00"s + unicode("self") + "h\x00s."s), Catch::Contains("nested more than 32 deep"));
  // Shared sub-dicts: 2^20 paths through 20 dicts must not take 2^20 steps.
  std::string dag = "}q\x00"s;
  for (int k = 1; k <= 20; ++k)
    dag = "}(" + unicode("a") + dag + unicode("b") + "h" + std::string(1, char(k - 1)) + "uq" + std::string(1, char(k));
  REQUIRE_THAT(pk(dag + "."), Catch::Contains("refers to its values too many times"));
  // A zip without data.pkl, and a zip with a compressed entry.
  std::string no_pkl;
  {
    ember::io::ZipWriter zip([&](const void* p, std::size_t n) { no_pkl.append(static_cast<const char*>(p), n); });
    zip.add("archive/other", "x", 1);
    zip.finish();
  }
  REQUIRE_THAT(load_error(tmp, no_pkl), Catch::Contains("no <name>/data.pkl"));
  std::string deflated = no_pkl;
  deflated[8] = 8;  // local header method
  std::size_t cd = deflated.find("PK\x01\x02");
  deflated[cd + 10] = 8;  // central directory method
  REQUIRE_THAT(load_error(tmp, deflated), Catch::Contains("is compressed (method 8)"));
  std::string zip64 = no_pkl;
  std::size_t end = zip64.find("PK\x05\x06");
  std::memset(&zip64[end + 16], 0xff, 4);
  REQUIRE_THAT(load_error(tmp, zip64), Catch::Contains("zip64 archives are not supported"));
  std::string bad_crc = no_pkl;
  bad_crc[64] ^= 1;  // the data byte, 64-byte aligned after the 'FB' padding
  REQUIRE_THAT(load_error(tmp, bad_crc), Catch::Contains("is corrupt: CRC-32"));
}

TEST_CASE("hostile files: every truncation and many corruptions throw ember::Error or load", "[io]") {
  TempDir tmp;
  StateDict d{{"w", generated(0, ember::kFloat32, {2, 3})},
              {"b", generated(1, ember::kBool, {3})},
              {"n", generated(2, ember::kInt64, {})},
              {"e", generated(3, ember::kFloat64, {0})}};
  for (const char* name : {"h.safetensors", "h.pt"}) {
    INFO(name);
    std::string path = tmp / name, bad = tmp / (std::string("bad_") + name);
    ember::save(d, path);
    const std::string good = read_bytes(path);
    // Every proper prefix is missing its end: always an error.
    for (std::size_t len = 0; len < good.size(); ++len) {
      write_bytes(bad, good.substr(0, len));
      INFO("prefix " << len);
      REQUIRE(!loads_or_throws_error(bad));
    }
    // Every byte inverted, then random bit flips and random byte runs.
    int loaded = 0;
    for (std::size_t at = 0; at < good.size(); ++at) {
      std::string b = good;
      b[at] = static_cast<char>(~b[at]);
      write_bytes(bad, b);
      loaded += loads_or_throws_error(bad);
    }
    std::mt19937_64 rng(42);
    for (int trial = 0; trial < 300; ++trial) {
      std::string b = good;
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        std::size_t at = rng() % b.size();
        if (trial % 2) b[at] = static_cast<char>(b[at] ^ (1 << (rng() % 8)));
        else b[at] = static_cast<char>(rng());
      }
      write_bytes(bad, b);
      loaded += loads_or_throws_error(bad);
    }
    // (Harmless flips load: zip padding and dates, safetensors data bytes.)
    REQUIRE(loaded < static_cast<int>(good.size()));
    REQUIRE(loads_or_throws_error(path));
  }
}

// ---- interop with PyTorch (run by tests/python/torch_interop.py) ----

namespace {
std::string interop_dir() {
  const char* dir = std::getenv("EMBER_IO_INTEROP_DIR");
  REQUIRE(dir != nullptr);  // set by torch_interop.py
  return dir;
}
}  // namespace

TEST_CASE("io interop: ember writes", "[.][io_interop]") {
  std::string dir = interop_dir();
  StateDict d = interop_dict();
  ember::save(d, dir + "/ember.safetensors", ember::Metadata{{"written_by", "ember"}});
  ember::save(d, dir + "/ember.pt");
  Tensor t = generated(10, ember::kFloat64, {2, 3});
  ember::save(t, dir + "/ember_tensor.pt");
  ember::save(t, dir + "/ember_tensor.safetensors");
  // A module through LibTorch's save(module, path): torch loads it into the same
  // architecture with load_state_dict(strict=True).
  ember::nn::Sequential model(ember::nn::Linear(3, 4), ember::nn::BatchNorm1d(4), ember::nn::ReLU(),
                              ember::nn::Linear(4, 2));
  ember::NoGradGuard no_grad;
  int64_t j = 20;
  for (auto& item : model->state_dict()) item.value().copy_(generated(j++, item.value().dtype(), item.value().sizes()));
  ember::save(model, dir + "/ember_module.pt");
}

TEST_CASE("io interop: ember reads what torch wrote", "[.][io_interop]") {
  std::string dir = interop_dir();
  std::ifstream f(dir + "/expected.json");
  REQUIRE(f.good());
  nlohmann::json expected = nlohmann::json::parse(f);
  REQUIRE(expected.size() >= 6);
  for (const auto& file : expected.items()) {
    INFO("file " << file.key());
    std::string path = dir + "/" + file.key();
    StateDict got = ember::load(path);
    std::vector<std::string> keys;
    for (const auto& entry : file.value()) keys.push_back(entry["key"]);
    REQUIRE(got.keys() == keys);
    for (const auto& entry : file.value()) {
      std::string key = entry["key"];
      INFO("key " << key);
      const Tensor& t = got.at(key);
      REQUIRE(std::string(ember::dtype_name(t.dtype())) == entry["dtype"].get<std::string>());
      REQUIRE(t.sizes().vec() == entry["shape"].get<std::vector<int64_t>>());
      REQUIRE(t.is_contiguous());
      if (t.dtype() == ember::kInt64) REQUIRE(t.tolist<int64_t>() == entry["values"].get<std::vector<int64_t>>());
      else if (t.dtype() == ember::kBool) {
        std::vector<double> want;
        for (bool b : entry["values"].get<std::vector<bool>>()) want.push_back(b);
        REQUIRE(values(t) == want);
      } else {
        REQUIRE(values(t) == entry["values"].get<std::vector<double>>());
      }
    }
  }
  // torch.save(nn.Parameter) keeps requires_grad; a bare tensor loads alone.
  Tensor p = ember::load_tensor(dir + "/py_param.pt");
  REQUIRE(p.requires_grad());
  REQUIRE(!ember::load_tensor(dir + "/py_tensor.pt").requires_grad());
}
