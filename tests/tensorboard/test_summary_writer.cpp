// SummaryWriter's behaviour on the C++ side: user mistakes raise ember::Error naming the
// function and the shapes, the default log dir follows PyTorch's pattern, and the writer
// thread writes what flush(), close() and the destructor promise. The records are
// counted here by their length fields; check_events.py (tensorboard_format) decodes
// them and checks their CRCs and values with the protobuf runtime.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "ember/ember.hpp"
#include "ember/tensorboard.hpp"
#include "src/tensorboard/record.hpp"

namespace fs = std::filesystem;
namespace tb = ember::tensorboard;
using Catch::Contains;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/ember_tb_test_XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string str(const std::string& sub = "") const { return (sub.empty() ? path : path / sub).string(); }
};

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Whole records in the file (length-prefixed; a record is 8 + 4 + length + 4 bytes), or
// -1 when the file does not end on a record boundary.
int count_records(const std::string& path) {
  const std::string data = read_file(path);
  std::size_t pos = 0;
  int n = 0;
  while (pos + 12 <= data.size()) {
    uint64_t len = 0;
    for (int i = 7; i >= 0; --i) len = (len << 8) | static_cast<unsigned char>(data[pos + static_cast<std::size_t>(i)]);
    pos += 12 + len + 4;
    ++n;
  }
  return pos == data.size() ? n : -1;
}

}  // namespace

TEST_CASE("SummaryWriter refuses a log dir it cannot create or write, naming it", "[tensorboard]") {
  TempDir tmp;
  const std::string file = tmp.str("plain_file");
  std::ofstream(file) << "x";
  const std::string under_file = file + "/logs";
  REQUIRE_THROWS_AS(tb::SummaryWriter(under_file), ember::Error);
  REQUIRE_THROWS_WITH(tb::SummaryWriter(under_file), Contains(under_file));
  REQUIRE_THROWS_WITH(tb::SummaryWriter("/proc/ember_no_such_dir/run"), Contains("/proc/ember_no_such_dir/run"));
  REQUIRE_THROWS_WITH(tb::SummaryWriter(tb::SummaryWriterOptions(tmp.str("ok")).max_queue(0)), Contains("max_queue"));
}

TEST_CASE("SummaryWriter add after close throws naming the call", "[tensorboard]") {
  TempDir tmp;
  tb::SummaryWriter writer(tmp.str("run"));
  writer.add_scalar("a", 1.0);
  writer.close();
  writer.close();  // twice is fine, as in PyTorch
  REQUIRE_THROWS_WITH(writer.add_scalar("a", 2.0), Contains("add_scalar") && Contains("closed"));
  REQUIRE_THROWS_WITH(writer.add_histogram("h", ember::randn({3})), Contains("add_histogram") && Contains("closed"));
  REQUIRE_THROWS_WITH(writer.add_text("t", "x"), Contains("add_text") && Contains("closed"));
  REQUIRE_THROWS_WITH(writer.add_scalars("s", {{"a", 1.0}}), Contains("add_scalars") && Contains("closed"));
  REQUIRE_THROWS_WITH(writer.add_image("i", ember::rand({3, 2, 2})), Contains("add_image") && Contains("closed"));
  REQUIRE(count_records(writer.file_path()) == 2);
  tb::SummaryWriter moved(std::move(writer));
  REQUIRE_THROWS_WITH(writer.add_scalar("a", 1.0), Contains("moved from"));
}

TEST_CASE("SummaryWriter rejects bad image shapes and dataformats", "[tensorboard]") {
  TempDir tmp;
  tb::SummaryWriter writer(tmp.str("run"));
  REQUIRE_THROWS_WITH(writer.add_image("i", ember::rand({4, 5})),
                      Contains("add_image") && Contains("CHW") && Contains("[4, 5]"));
  REQUIRE_THROWS_WITH(writer.add_image("i", ember::rand({2, 4, 5})),
                      Contains("add_image") && Contains("channels") && Contains("[2, 4, 5]"));
  REQUIRE_THROWS_WITH(writer.add_image("i", ember::rand({4, 5, 3}), std::nullopt, std::nullopt, "XYZ"),
                      Contains("add_image") && Contains("XYZ") && Contains("[4, 5, 3]"));
  REQUIRE_THROWS_WITH(writer.add_images("i", ember::rand({3, 4, 5})),
                      Contains("add_images") && Contains("NCHW") && Contains("[3, 4, 5]"));
  REQUIRE_THROWS_WITH(writer.add_images("i", ember::rand({2, 3, 4, 5}), std::nullopt, std::nullopt, "CHW"),
                      Contains("add_images") && Contains("[2, 3, 4, 5]"));
  REQUIRE_THROWS_WITH(writer.add_image("i", ember::rand({3, 0, 5})), Contains("add_image") && Contains("[3, 0, 5]"));
  REQUIRE_NOTHROW(writer.add_image("i", ember::rand({4, 5, 3}), std::nullopt, std::nullopt, "hwc"));
}

TEST_CASE("SummaryWriter rejects empty histograms and bad bins", "[tensorboard]") {
  TempDir tmp;
  tb::SummaryWriter writer(tmp.str("run"));
  REQUIRE_THROWS_WITH(writer.add_histogram("h", ember::zeros({0, 3})), Contains("add_histogram") && Contains("[0, 3]"));
  REQUIRE_THROWS_WITH(writer.add_histogram("h", ember::randn({5}), 0, {0.0, 1.0, 0.5}),
                      Contains("add_histogram") && Contains("increase"));
  REQUIRE_THROWS_WITH(writer.add_histogram("h", ember::randn({5}), 0, std::vector<double>{1}),
                      Contains("add_histogram") && Contains("2 bin edges"));
  REQUIRE_THROWS_WITH(writer.add_histogram("h", ember::randn({5}), 0, 0), Contains("bins must be"));
  // numpy.histogram(bins=N) needs a finite range: NaN refused, as PyTorch's call raises.
  REQUIRE_THROWS_WITH(writer.add_histogram("h", ember::tensor({1.0, std::nan("")}), 0, 4),
                      Contains("add_histogram") && Contains("[2]") && Contains("NaN"));
  // No value within the edges: PyTorch's make_histogram raises on the empty histogram.
  REQUIRE_THROWS_WITH(writer.add_histogram("h", ember::tensor({5.0, 6.0}), 0, {0.0, 1.0}),
                      Contains("add_histogram") && Contains("[2]"));
  REQUIRE_THROWS_WITH(writer.add_scalar("s", ember::randn({2})), Contains("add_scalar") && Contains("[2]"));
  // NaN among other values with the default bins: counted out, as numpy does.
  REQUIRE_NOTHROW(writer.add_histogram("h", ember::tensor({1.0, std::nan("")})));
}

TEST_CASE("SummaryWriter default log dir is runs/MonDD_HH-MM-SS_host plus comment", "[tensorboard]") {
  TempDir tmp;
  const fs::path old = fs::current_path();
  fs::current_path(tmp.path);
  std::string dir;
  const std::time_t before = std::time(nullptr);
  {
    tb::SummaryWriter writer(tb::SummaryWriterOptions().comment("_lr0.1"));
    dir = writer.log_dir();
    REQUIRE(fs::is_directory(dir));
  }
  const std::time_t after = std::time(nullptr);
  fs::current_path(old);
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  // The expected name from the C library's clock, formatted field by field here.
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  bool matched = false;
  for (std::time_t t = before; t <= after; ++t) {
    std::tm tm{};
    localtime_r(&t, &tm);
    char want[128];
    std::snprintf(want, sizeof(want), "runs/%s%02d_%02d-%02d-%02d_%s_lr0.1", months[tm.tm_mon], tm.tm_mday, tm.tm_hour,
                  tm.tm_min, tm.tm_sec, host);
    matched = matched || dir == want;
  }
  INFO(dir);
  REQUIRE(matched);
}

TEST_CASE("SummaryWriter flush makes everything queued readable", "[tensorboard]") {
  TempDir tmp;
  // Neither max_queue nor flush_secs wakes the writer thread here: only flush() does.
  tb::SummaryWriter writer(tb::SummaryWriterOptions(tmp.str("run")).max_queue(100000).flush_secs(1000));
  REQUIRE(count_records(writer.file_path()) == 1);  // file_version, written at once
  for (int i = 0; i < 100; ++i) writer.add_scalar("x", i, i);
  REQUIRE(count_records(writer.file_path()) == 1);
  writer.flush();
  REQUIRE(count_records(writer.file_path()) == 101);
  writer.add_text("t", "hello");
  writer.add_histogram("h", ember::randn({100}));
  writer.flush();
  REQUIRE(count_records(writer.file_path()) == 103);
}

TEST_CASE("SummaryWriter destructor drains the queue", "[tensorboard]") {
  TempDir tmp;
  std::string path;
  {
    tb::SummaryWriter writer(tb::SummaryWriterOptions(tmp.str("run")).max_queue(100000).flush_secs(1000));
    path = writer.file_path();
    for (int i = 0; i < 50; ++i) writer.add_scalar("x", i, i);
    writer.add_scalars("pair", {{"a", 1.0}, {"b", 2.0}});
  }
  REQUIRE(count_records(path) == 51);
  for (const char* sub : {"pair_a", "pair_b"}) {
    int files = 0;
    for (const auto& e : fs::directory_iterator(tmp.path / "run" / sub)) {
      ++files;
      REQUIRE(count_records(e.path().string()) == 2);
    }
    REQUIRE(files == 1);
  }
}

TEST_CASE("SummaryWriter thread writes on max_queue and every flush_secs", "[tensorboard]") {
  TempDir tmp;
  auto wait_for = [](const std::string& path, int records) {
    for (int i = 0; i < 400 && count_records(path) != records; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return count_records(path);
  };
  tb::SummaryWriter by_count(tb::SummaryWriterOptions(tmp.str("count")).max_queue(5).flush_secs(1000));
  for (int i = 0; i < 5; ++i) by_count.add_scalar("x", i, i);
  REQUIRE(wait_for(by_count.file_path(), 6) == 6);
  tb::SummaryWriter by_time(tb::SummaryWriterOptions(tmp.str("time")).max_queue(100000).flush_secs(0.05));
  for (int i = 0; i < 3; ++i) by_time.add_scalar("x", i, i);
  REQUIRE(wait_for(by_time.file_path(), 4) == 4);
}

TEST_CASE("SummaryWriter takes events from several threads at once", "[tensorboard]") {
  TempDir tmp;
  std::string path;
  {
    tb::SummaryWriter writer(tmp.str("run"));
    path = writer.file_path();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&writer, t] {
        for (int i = 0; i < 1000; ++i) writer.add_scalar("thread" + std::to_string(t), i, i);
      });
    for (auto& th : threads) th.join();
  }
  REQUIRE(count_records(path) == 4001);
}

TEST_CASE("SummaryWriter names event files as TensorBoard and PyTorch do", "[tensorboard]") {
  TempDir tmp;
  tb::SummaryWriter a(tb::SummaryWriterOptions(tmp.str("run")).filename_suffix(".v1"));
  tb::SummaryWriter b(tmp.str("run"));
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const std::regex name(std::string("events\\.out\\.tfevents\\.\\d{10}\\.") + host + "\\." +
                        std::to_string(getpid()) + "\\.\\d+(\\.v1)?");
  REQUIRE(std::regex_match(fs::path(a.file_path()).filename().string(), name));
  REQUIRE(fs::path(a.file_path()).filename().string().size() > 3);
  REQUIRE(a.file_path().substr(a.file_path().size() - 3) == ".v1");
  REQUIRE(a.file_path() != b.file_path());  // the process-wide counter keeps names apart
  REQUIRE(a.log_dir() == tmp.str("run"));
}

TEST_CASE("SummaryWriter add_graph traces in eval mode and restores each module mode", "[tensorboard]") {
  TempDir tmp;
  tb::SummaryWriter writer(tmp.str("run"));
  ember::nn::Sequential model(ember::nn::Linear(4, 8), ember::nn::Dropout(0.5), ember::nn::Linear(8, 2));
  model->train(true);
  model[2]->eval();  // a mixed state, to be kept as it was
  std::vector<bool> seen;
  model[1]->register_forward_pre_hook([&](ember::nn::Module& m, const ember::Tensor&) { seen.push_back(m.is_training()); });
  writer.add_graph(*model.ptr(), ember::randn({3, 4}));
  REQUIRE(seen == std::vector<bool>{false});  // dropout ran in eval mode while traced
  REQUIRE(model->is_training());
  REQUIRE(model[0]->is_training());
  REQUIRE(model[1]->is_training());
  REQUIRE_FALSE(model[2]->is_training());
  REQUIRE_THROWS_WITH(writer.add_graph(*model.ptr(), std::vector<ember::Tensor>{ember::randn({3, 4}), ember::randn({3, 4})}),
                      Contains("add_graph") && Contains("2 inputs"));
  writer.flush();
  REQUIRE(count_records(writer.file_path()) == 2);
}

TEST_CASE("SummaryWriter CRC-32C and its mask match the standard check value", "[tensorboard]") {
  // CRC-32C of "123456789" is 0xE3069283 (the Castagnoli polynomial's published check
  // value, as crcmod's crc-32c gives it); the mask is record_writer's
  // ((crc >> 15) | (crc << 17)) + 0xa282ead8, worked out here by hand.
  const char digits[] = "123456789";
  REQUIRE(ember::tensorboard::detail::crc32c(digits, 9) == 0xE3069283u);
  const uint32_t crc = 0xE3069283u;
  REQUIRE(ember::tensorboard::detail::masked_crc32c(digits, 9) == static_cast<uint32_t>(((crc >> 15) | (crc << 17)) + 0xa282ead8u));
  std::string long_input(1000, 'x');
  for (std::size_t i = 0; i < long_input.size(); ++i) long_input[i] = static_cast<char>(i * 7 + 3);
  // Bitwise CRC-32C, one bit at a time, as the reference for the word-at-a-time code.
  uint32_t ref = 0xffffffffu;
  for (char ch : long_input) {
    ref ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) ref = (ref & 1) ? (ref >> 1) ^ 0x82f63b78u : ref >> 1;
  }
  REQUIRE(ember::tensorboard::detail::crc32c(long_input.data(), long_input.size()) == ~ref);
}

TEST_CASE("SummaryWriter log dir with a trailing slash keeps sub-runs beside its file", "[tensorboard]") {
  TempDir tmp;
  tb::SummaryWriter writer(tmp.str("run") + "/");
  REQUIRE(writer.log_dir() == tmp.str("run"));
  writer.add_scalars("m", {{"a", 1.0}});
  writer.flush();
  REQUIRE(fs::is_directory(tmp.path / "run" / "m_a"));
}

TEST_CASE("SummaryWriter add_embedding checks its shapes", "[tensorboard]") {
  TempDir tmp;
  tb::SummaryWriter writer(tmp.str("run"));
  REQUIRE_THROWS_WITH(writer.add_embedding(ember::randn({6})), Contains("add_embedding") && Contains("[6]"));
  REQUIRE_THROWS_WITH(writer.add_embedding(ember::randn({3, 2}), std::vector<std::string>{"a", "b"}),
                      Contains("add_embedding") && Contains("2 metadata rows") && Contains("[3, 2]"));
  REQUIRE_THROWS_WITH(writer.add_embedding(ember::randn({3, 2}), {}, ember::rand({3, 2, 4, 4})),
                      Contains("add_embedding") && Contains("[3, 2, 4, 4]"));
  REQUIRE_THROWS_WITH(writer.add_embedding(ember::randn({2, 2}), {{"a", "1"}, {"b"}}, ember::Tensor(), 0, "t", {"name", "n"}),
                      Contains("add_embedding") && Contains("row 1"));
  REQUIRE_NOTHROW(writer.add_embedding(ember::randn({3, 2}), {"a", "b", "c"}, ember::rand({3, 3, 4, 4}), 12, "x/y"));
  REQUIRE(fs::exists(tmp.path / "run" / "00012" / "x%2fy" / "sprite.png"));
}
