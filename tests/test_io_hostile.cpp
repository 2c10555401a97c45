// Hostile inputs to the file parsers: header sizes that overflow, archives and pickles
// built to cost time or memory out of proportion to their size, and saves killed
// midway. Every file here is built in the test, small; each must be refused quickly
// with an ember::Error that says what is wrong.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "ember/data/mnist.hpp"
#include "helpers.hpp"
#include "src/io/file.hpp"
#include "src/io/zip.hpp"
#include "torch_archive.hpp"

namespace fs = std::filesystem;
using namespace std::string_literals;
using ember::StateDict;
using ember::Tensor;

namespace {
using testing::torch_archive;

struct TempDir {
  fs::path dir;
  TempDir() {
    static int counter = 0;
    dir = fs::temp_directory_path() /
          ("ember-hostile-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string operator/(const std::string& name) const { return (dir / name).string(); }
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return s;
}
std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// The ember::Error message of f(), or "<no error>"; `seconds` receives the time taken.
std::string error_of(const std::function<void()>& f, double* seconds = nullptr) {
  auto start = std::chrono::steady_clock::now();
  std::string msg = "<no error>";
  try {
    f();
  } catch (const ember::Error& e) {
    msg = e.what();
  }
  if (seconds) *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return msg;
}

std::string load_error(const TempDir& tmp, const std::string& name, const std::string& bytes,
                       double* seconds = nullptr) {
  std::string path = tmp / name;
  write_bytes(path, bytes);
  return error_of([&] { ember::load(path); }, seconds);
}


const std::string kProto = "\x80\x02";
std::string unicode(const std::string& s) { return "X" + le(s.size(), 4) + s; }
std::string long8(uint64_t v) { return "\x8a\x08" + le(v, 8); }  // LONG1 of 8 bytes
// _rebuild_tensor_v2(('storage', torch.FloatStorage, '0', 'cpu', numel), 0, size, stride, False, OrderedDict())
// with `size` and `stride` given as pickled tuples.
std::string rebuild(uint64_t numel, const std::string& size, const std::string& stride) {
  return "ctorch._utils\n_rebuild_tensor_v2\n((" + unicode("storage") + "ctorch\nFloatStorage\n" + unicode("0") +
         unicode("cpu") + long8(numel) + "tQK\x00"s + size + stride + "\x89" +
         "ccollections\nOrderedDict\n)R" + "tR";
}

// One stored zip entry whose local header sits at `local` and whose data is
// [data, data + size) of `file` (for building archives the zip writer never would).
struct RawEntry {
  std::string name;
  uint64_t local, data, size;
};
std::string local_header(const std::string& name, uint32_t crc, uint64_t size) {
  return le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0x21, 2) + le(crc, 4) + le(size, 4) +
         le(size, 4) + le(name.size(), 2) + le(0, 2) + name;
}
std::string finish_zip(std::string file, const std::vector<RawEntry>& entries) {
  const uint64_t cd_offset = file.size();
  std::string cd;
  for (const RawEntry& e : entries) {
    // (clamped so that entries made to run past the data stay readable here)
    uint32_t crc = static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(file.data() + e.data),
                                                 std::min<uint64_t>(e.size, file.size() - e.data)));
    cd += le(0x02014b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0x21, 2) + le(crc, 4) +
          le(e.size, 4) + le(e.size, 4) + le(e.name.size(), 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) +
          le(0, 4) + le(e.local, 4) + e.name;
  }
  file += cd + le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(entries.size(), 2) + le(entries.size(), 2) +
          le(cd.size(), 4) + le(cd_offset, 4) + le(0, 2);
  return file;
}
// Appends a local header and its data. The local header's CRC stays 0: readers use
// the central directory's, which finish_zip computes.
RawEntry add_entry(std::string& file, const std::string& name, const std::string& data) {
  RawEntry e{name, file.size(), 0, data.size()};
  file += local_header(name, 0, data.size());
  e.data = file.size();
  file += data;
  return e;
}

// A valid torch archive (an empty dict) plus `count` entries whose local headers are
// `stride` bytes apart in one blob, each entry's data running to the blob's end: the
// entries overlap, and checking every CRC in full would hash count * blob bytes.
std::string overlapping_archive(int count, std::size_t blob) {
  std::string file;
  std::vector<RawEntry> entries;
  entries.push_back(add_entry(file, "archive/data.pkl", kProto + "}."));
  entries.push_back(add_entry(file, "archive/version", "3\n"));
  const uint64_t base = file.size(), end = base + blob;
  file.resize(end, 'x');
  const std::size_t stride = blob / static_cast<std::size_t>(2 * count);
  for (int k = 0; k < count; ++k) {
    std::string name = "archive/x/" + std::to_string(k);
    uint64_t local = base + static_cast<uint64_t>(k) * stride;
    uint64_t data = local + 30 + name.size();
    std::string h = local_header(name, 0, end - data);
    file.replace(local, h.size(), h);
    entries.push_back({name, local, data, end - data});
  }
  return finish_zip(file, entries);
}

// The temporaries in `dir` (names containing ".tmp-").
std::vector<std::string> temp_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name.find(".tmp-") != std::string::npos) out.push_back(name);
  }
  return out;
}

bool has_temp_of(const fs::path& dir, pid_t pid) {
  for (const std::string& name : temp_files(dir))
    if (name.find(".tmp-" + std::to_string(pid) + "-") != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("hostile headers: a zero dim does not let huge dims overflow strides or byte counts", "[io_hostile]") {
  TempDir tmp;
  // 2^32 * 2^32 * 4 bytes overflows int64, although the zero dim makes it 0 elements.
  auto st_file = [](const std::string& shape) {
    std::string h = R"({"t":{"dtype":"F32","shape":)" + shape + R"(,"data_offsets":[0,0]}})";
    return le(h.size(), 8) + h;
  };
  REQUIRE_THAT(load_error(tmp, "a.safetensors", st_file("[0,4294967296,4294967296]")),
               Catch::Contains("safetensors tensor 't' of shape [0, 4294967296, 4294967296] and dtype F32") &&
                   Catch::Contains("overflow int64"));
  // (a zero dim with modest other dims stays a valid empty tensor)
  write_bytes(tmp / "ok.safetensors", st_file("[0,3,5]"));
  REQUIRE(ember::load(tmp / "ok.safetensors").at("t").sizes().vec() == std::vector<int64_t>{0, 3, 5});

  auto pt_file = [](const std::string& size, const std::string& stride) {
    return torch_archive(kProto + "}" + unicode("w") + rebuild(0, size, stride) + "s.", {""});
  };
  const std::string huge = long8(uint64_t(1) << 40);
  REQUIRE_THAT(load_error(tmp, "a.pt", pt_file("K\x00"s + huge + huge + "\x87", "K\x00K\x00K\x00\x87"s)),
               Catch::Contains("'w': tensor of size [0, 1099511627776, 1099511627776] and dtype float32") &&
                   Catch::Contains("overflow int64"));
  write_bytes(tmp / "ok.pt", pt_file("K\x00K\x03\x86"s, "K\x03K\x01\x86"));
  REQUIRE(ember::load(tmp / "ok.pt").at("w").sizes().vec() == std::vector<int64_t>{0, 3});

  auto idx_file = [](std::vector<uint32_t> dims) {
    std::string s = "\x00\x00\x08"s + static_cast<char>(dims.size());
    for (uint32_t d : dims) s += be32(d);
    return s;
  };
  write_bytes(tmp / "a.idx", idx_file({0, 0xFFFFFFFFu, 0xFFFFFFFFu}));
  REQUIRE_THAT(error_of([&] { ember::data::read_idx(tmp / "a.idx"); }),
               Catch::Contains("IDX dims [0, 4294967295, 4294967295] give an impossibly large tensor: with 1-byte elements") &&
                   Catch::Contains("overflow int64"));
  write_bytes(tmp / "ok.idx", idx_file({0, 0xFFFFu, 7}));
  REQUIRE(ember::data::read_idx(tmp / "ok.idx").sizes().vec() == std::vector<int64_t>{0, 0xFFFF, 7});
}

TEST_CASE("hostile headers: safetensors JSON outside the schema stops at once, whatever its size", "[io_hostile]") {
  TempDir tmp;
  auto st = [](const std::string& h) { return le(h.size(), 8) + h; };
  auto tensor = [](const std::string& fields) { return R"({"t":{)" + fields + "}}"; };
  const std::string dtype = R"("dtype":"F32",)", offsets = R"("data_offsets":[0,0])";
  // Nesting, long lists and huge strings near the 100 MiB header limit: each is refused
  // at the first event outside the schema, without building the rest.
  double seconds = 0;
  std::string deep = R"({"t":{"shape":)" + std::string(20 << 20, '[');
  REQUIRE_THAT(load_error(tmp, "deep.safetensors", st(deep), &seconds),
               Catch::Contains("expected a non-negative integer in tensor 't' field 'shape', found a list"));
  CHECK(seconds < 1.0);
  std::string zeros = R"({"t":{"shape":[0)";
  for (int i = 0; i < (4 << 20); ++i) zeros += ",0";
  REQUIRE_THAT(load_error(tmp, "long.safetensors", st(zeros + "]}}"), &seconds),
               Catch::Contains("list of more than 64 numbers in tensor 't' field 'shape'"));
  CHECK(seconds < 1.0);
  REQUIRE_THAT(load_error(tmp, "top.safetensors", st(R"({"t":[)" + std::string(1 << 20, '[')), &seconds),
               Catch::Contains("expected an object in tensor 't', found a list"));
  // Values of the wrong kind, each named with where it is.
  REQUIRE_THAT(load_error(tmp, "a.safetensors", st(tensor(R"("dtype":7,"shape":[],)" + offsets))),
               Catch::Contains("expected a string in tensor 't' field 'dtype', found a number"));
  REQUIRE_THAT(load_error(tmp, "a.safetensors", st(tensor(dtype + R"("shape":[1.5],)" + offsets))),
               Catch::Contains("expected a non-negative integer in tensor 't' field 'shape', found 1.5"));
  REQUIRE_THAT(load_error(tmp, "a.safetensors", st(tensor(dtype + R"("shape":[null],)" + offsets))),
               Catch::Contains("found null"));
  REQUIRE_THAT(load_error(tmp, "a.safetensors", st(tensor(dtype + R"("shape":true,)" + offsets))),
               Catch::Contains("expected a list in tensor 't' field 'shape', found a boolean"));
  REQUIRE_THAT(load_error(tmp, "a.safetensors", st(tensor(dtype + R"("shape":[],"data_offsets":[0,0,0])"))),
               Catch::Contains("list of more than 2 numbers"));
  REQUIRE_THAT(load_error(tmp, "a.safetensors", st(tensor(dtype + R"("shape":[],"data_offsets":[0])"))),
               Catch::Contains("needs two data_offsets, got 1"));
  REQUIRE_THAT(load_error(tmp, "a.safetensors", st(R"({"__metadata__":{"k":1}})")),
               Catch::Contains(R"(expected a string in "__metadata__", found a number)"));
  REQUIRE_THAT(load_error(tmp, "a.safetensors", st(R"({"__metadata__":{"k":"a","k":"b"}})")),
               Catch::Contains(R"("__metadata__" has key 'k' twice)"));
  REQUIRE_THAT(load_error(tmp, "a.safetensors", st(R"({"__metadata__":{},"__metadata__":{}})")),
               Catch::Contains(R"(has "__metadata__" twice)"));
  REQUIRE_THAT(load_error(tmp, "a.safetensors", st(tensor(dtype + R"("shape":[],)" + offsets + R"(,"dtype":"F32")"))),
               Catch::Contains("unexpected or repeated field 'dtype'"));
  // Not JSON at all: bytes that are not UTF-8, a cut-off header.
  REQUIRE_THAT(load_error(tmp, "a.safetensors", st("{\"t\xff\":{}}")), Catch::Contains("not valid JSON"));
  REQUIRE_THAT(load_error(tmp, "a.safetensors", st(R"({"t":{"dtype":"F3)")), Catch::Contains("not valid JSON"));
  // An empty header is a valid empty file.
  write_bytes(tmp / "empty.safetensors", st("{}"));
  REQUIRE(ember::load(tmp / "empty.safetensors").empty());
  // Saving refuses a name that is not UTF-8 (it could not be read back as JSON).
  REQUIRE_THROWS_WITH(ember::save(ember::StateDict{{"bad\xff", ember::ones({1})}}, tmp / "bad.safetensors"),
                      Catch::Contains("safetensors header cannot be written"));
}

TEST_CASE("hostile archives: overlapping zip entries are refused before any CRC is computed", "[io_hostile]") {
  TempDir tmp;
  // 200 entries over a 512 KiB blob: hashing each in full would read 50 MiB.
  double seconds = 0;
  std::string msg = load_error(tmp, "overlap.pt", overlapping_archive(200, 512 << 10), &seconds);
  REQUIRE_THAT(msg, Catch::Contains("zip entries 'archive/x/0'") && Catch::Contains("overlap"));
  CHECK(seconds < 1.0);

  // An entry whose data runs into the central directory.
  std::string file;
  std::vector<RawEntry> entries{add_entry(file, "archive/data.pkl", kProto + "}."),
                                add_entry(file, "archive/version", "3\n")};
  entries[1].size += 10;
  REQUIRE_THAT(load_error(tmp, "long.pt", finish_zip(file, entries)),
               Catch::Contains("zip entry 'archive/version'") && Catch::Contains("runs into the central directory"));
  // An entry whose local header and data lie inside another entry's data.
  entries[1].size -= 10;
  const std::string inner = local_header("archive/inner", 0, 2) + "3\n";
  entries.push_back(add_entry(file, "archive/outer", inner));
  entries.push_back({"archive/inner", entries.back().data, entries.back().data + inner.size() - 2, 2});
  REQUIRE_THAT(load_error(tmp, "nested.pt", finish_zip(file, entries)),
               Catch::Contains("zip entries 'archive/outer'") && Catch::Contains("and 'archive/inner'") &&
                   Catch::Contains("overlap"));
  // Without the inner entry the archive loads (an empty dict).
  entries.pop_back();
  write_bytes(tmp / "ok.pt", finish_zip(file, entries));
  REQUIRE(ember::load(tmp / "ok.pt").empty());
}

TEST_CASE("hostile pickles: memoised keys cannot flatten into names out of proportion to the file", "[io_hostile]") {
  TempDir tmp;
  const std::string key(16 << 10, 'k');
  // {key: {0: 1, 1: 1, ..., 1999: 1}}: 26 KiB of pickle, 32 MiB of names "kkk...k.<i>".
  std::string wide = kProto + "}" + unicode(key) + "q\x00}("s;
  for (int i = 0; i < 2000; ++i) wide += "M" + le(static_cast<uint64_t>(i), 2) + "K\x01";
  wide += "us.";
  double seconds = 0;
  REQUIRE_THAT(load_error(tmp, "wide.pt", torch_archive(wide), &seconds),
               Catch::Contains("flattened key names exceed") && Catch::Contains("proportional to the pickle's size"));
  CHECK(seconds < 1.0);

  // {key: {key: {key: ... 1}}} 31 deep, the key fetched from the memo: the names grow
  // as key, key.key, ... (31 * 32 * 64 KiB / 2 = 31 MiB in all) from a 64 KiB pickle.
  const std::string big(64 << 10, 'k');
  std::string deep = kProto + "}" + unicode(big) + "q\x00"s;
  for (int d = 1; d < 31; ++d) deep += "}h\x00"s;
  deep += "K\x01" + std::string(31, 's') + ".";
  REQUIRE_THAT(load_error(tmp, "deep.pt", torch_archive(deep), &seconds), Catch::Contains("flattened key names exceed"));
  CHECK(seconds < 1.0);

  // The same shapes with short keys are ordinary nested state and load.
  std::string ok = kProto + "}" + unicode("layer") + "q\x00"s;
  for (int d = 1; d < 4; ++d) ok += "}h\x00"s;
  ok += "K\x07" + std::string(4, 's') + ".";
  write_bytes(tmp / "ok.pt", torch_archive(ok));
  StateDict d = ember::load(tmp / "ok.pt");
  REQUIRE(d.keys() == std::vector<std::string>{"layer.layer.layer.layer"});
  REQUIRE(d.at("layer.layer.layer.layer").item<int64_t>() == 7);

  // Nesting deeper than 32 dicts is refused whatever the names cost.
  std::string nested = kProto + "}" + unicode("a") + "q\x00"s;
  for (int k = 1; k < 40; ++k) nested += "}h\x00"s;
  nested += "K\x01" + std::string(40, 's') + ".";
  REQUIRE_THAT(load_error(tmp, "nested.pt", torch_archive(nested)), Catch::Contains("dicts nested more than 32 deep"));
}

TEST_CASE("killed saves: the next save removes the dead process's temporary file", "[io_hostile]") {
  TempDir tmp;
  const std::string path = tmp / "ckpt.pt";
  StateDict old_state{{"w", ember::full({4}, 1.5)}};
  StateDict new_state{{"w", ember::full({4}, -2.0)}};
  // 64 MiB, so the save takes long enough to be killed midway.
  StateDict big_state{{"w", ember::full({16 << 20}, 3.0)}};

  // Fork a child that saves the big state, kill it once its temporary exists; if the
  // child finished first (the save won the race), restore and try again.
  pid_t child = -1;
  for (int attempt = 0; attempt < 20 && child < 0; ++attempt) {
    ember::save(old_state, path);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      try {
        ember::save(big_state, path);
      } catch (...) {
      }
      ::_exit(0);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!has_temp_of(tmp.dir, pid) && std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) break;  // finished already
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (has_temp_of(tmp.dir, pid) && WIFSIGNALED(status)) child = pid;
  }
  REQUIRE(child > 0);
  // The kill left the temporary and did not touch the checkpoint.
  REQUIRE(has_temp_of(tmp.dir, child));
  REQUIRE(ember::load(path).at("w").tolist<float>() == std::vector<float>{1.5f, 1.5f, 1.5f, 1.5f});

  // Look-alikes that must survive: another checkpoint's temporary, a name off the
  // exact pattern, and a temporary of a live process (pid 1).
  const std::string dead = std::to_string(child);
  const std::vector<std::string> keep = {"other.pt.tmp-" + dead + "-0123456789abcdef",
                                         "ckpt.pt.tmp-" + dead + "-0123456789abcde",
                                         "ckpt.pt.tmp-" + dead + "-0123456789abcdeF",
                                         "ckpt.pt.tmp-" + dead + "-0123456789abcdef.bak",
                                         "ckpt.pt.tmp-1-0123456789abcdef"};
  for (const std::string& name : keep) write_bytes(tmp / name, "x");
  // A temporary of a dead pid that someone still holds locked (a writer on another
  // machine or in another pid namespace) also stays.
  const std::string locked = "ckpt.pt.tmp-" + dead + "-fedcba9876543210";
  write_bytes(tmp / locked, "x");
  int lock_fd = ::open((tmp / locked).c_str(), O_RDONLY);
  REQUIRE(lock_fd >= 0);
  REQUIRE(::flock(lock_fd, LOCK_EX) == 0);

  ember::save(new_state, path);
  // Only the dead process's own temporary is gone.
  std::vector<std::string> left = temp_files(tmp.dir);
  std::sort(left.begin(), left.end());
  std::vector<std::string> expected = keep;
  expected.push_back(locked);
  std::sort(expected.begin(), expected.end());
  REQUIRE(left == expected);
  REQUIRE(ember::load(path).at("w").tolist<float>() == std::vector<float>{-2.f, -2.f, -2.f, -2.f});

  // Unlocked, the dead process's file goes with the next save.
  ::close(lock_fd);
  ember::save(new_state, path);
  left = temp_files(tmp.dir);
  REQUIRE(std::find(left.begin(), left.end(), locked) == left.end());
  REQUIRE(left.size() == keep.size());
}
