// ember-board's event file reader: CRC-32C, TFRecord framing, truncated and corrupt
// records, and the protobuf wire decoding of Event. Expected bytes come from outside this
// code: CRC check values of the CRC-32C definition (RFC 3720 / the "123456789" check),
// a record framed by python crcmod, and an Event encoded by protoc --encode.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tools/board/crc32c.hpp"
#include "tools/board/events.hpp"
#include "tools/board/graph_svg.hpp"
#include "tools/board/logdirs.hpp"
#include "tools/board/page.hpp"
#include "tools/board/records.hpp"
#include "tools/board/run.hpp"
#include "tools/board/text.hpp"
#include "tools/board/wire.hpp"

using namespace ember::board;
using namespace std::string_literals;

namespace {

// One record of data "hello, event", framed by python: struct.pack('<Q', n), then
// crcmod.predefined.mkCrcFun('crc-32c') masked as TFRecord does.
const std::string kCrcmodRecord =
    "\x0c\x00\x00\x00\x00\x00\x00\x00\xf4\xc8\xfe\x0a\x68\x65\x6c\x6c\x6f\x2c\x20\x65\x76\x65\x6e\x74\x43\xba\xad\xbb"s;

// protoc --encode=Event of (a copy of event.proto's field numbers):
//   wall_time: 1700000000.25  step: -3
//   summary { value { tag: "loss/train" simple_value: 0.5 }
//     value { tag: "w" histo { min: -1 max: 2 num: 4 sum: 1 sum_squares: 6
//                              bucket_limit: [0, 1, 2] bucket: [1, 2, 1] } }
//     value { tag: "acc" metadata { plugin_data { plugin_name: "scalars" } }
//             tensor { dtype: 1 tensor_shape {} float_val: 0.75 } }
//     value { tag: "note" metadata { plugin_data { plugin_name: "text" } }
//             tensor { dtype: 7 tensor_shape { dim { size: 1 } } string_val: "hi <b>" } } }
const std::string kProtocEvent =
    "\x09\x00\x00\x10\x40\xfc\x54\xd9\x41\x10\xfd\xff\xff\xff\xff\xff\xff\xff\xff\x01\x2a\xbf\x01\x0a\x11\x0a\x0a\x6c"
    "\x6f\x73\x73\x2f\x74\x72\x61\x69\x6e\x15\x00\x00\x00\x3f\x0a\x66\x0a\x01\x77\x2a\x61\x09\x00\x00\x00\x00\x00\x00"
    "\xf0\xbf\x11\x00\x00\x00\x00\x00\x00\x00\x40\x19\x00\x00\x00\x00\x00\x00\x10\x40\x21\x00\x00\x00\x00\x00\x00\xf0"
    "\x3f\x29\x00\x00\x00\x00\x00\x00\x18\x40\x32\x18\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf0\x3f"
    "\x00\x00\x00\x00\x00\x00\x00\x40\x3a\x18\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\x00\x40\x00\x00"
    "\x00\x00\x00\x00\xf0\x3f\x0a\x1e\x0a\x03\x61\x63\x63\x42\x0a\x08\x01\x12\x00\x2a\x04\x00\x00\x40\x3f\x4a\x0b\x0a"
    "\x09\x0a\x07\x73\x63\x61\x6c\x61\x72\x73\x0a\x22\x0a\x04\x6e\x6f\x74\x65\x42\x10\x08\x07\x12\x04\x12\x02\x08\x01"
    "\x42\x06\x68\x69\x20\x3c\x62\x3e\x4a\x08\x0a\x06\x0a\x04\x74\x65\x78\x74"s;

std::string three_records() {
  return frame_record("first") + frame_record(std::string(300, 'x')) + frame_record("third record");
}

}  // namespace

TEST_CASE("board crc32c matches the published check values", "[board]") {
  CHECK(crc32c("123456789") == 0xe3069283u);  // the CRC-32C check value
  CHECK(crc32c("") == 0u);
  CHECK(crc32c(std::string(32, '\0')) == 0x8a9136aau);    // RFC 3720 B.4: 32 bytes of zeros
  CHECK(crc32c(std::string(32, '\xff')) == 0x62a8ab43u);  // RFC 3720 B.4: 32 bytes of ones
  CHECK(mask_crc(0) == 0xa282ead8u);
}

TEST_CASE("board framing reads a record framed by crcmod", "[board]") {
  RecordScan scan = scan_records(kCrcmodRecord);
  REQUIRE_FALSE(scan.corrupt);
  REQUIRE(scan.records.size() == 1);
  CHECK(scan.records[0] == "hello, event");
  CHECK(scan.consumed == kCrcmodRecord.size());
  CHECK(frame_record("hello, event") == kCrcmodRecord);
}

TEST_CASE("board framing reads complete records of a file cut at every byte of its last record", "[board]") {
  std::string file = three_records();
  size_t last_start = frame_record("first").size() + frame_record(std::string(300, 'x')).size();
  for (size_t cut = last_start; cut < file.size(); ++cut) {
    RecordScan scan = scan_records(std::string_view(file).substr(0, cut));
    INFO("cut at byte " << cut);
    REQUIRE_FALSE(scan.corrupt);
    REQUIRE(scan.records.size() == 2);
    CHECK(scan.records[1] == std::string(300, 'x'));
    CHECK(scan.consumed == last_start);
  }
  RecordScan whole = scan_records(file);
  CHECK(whole.records.size() == 3);
  CHECK(whole.consumed == file.size());
  // Every cut inside the first record yields nothing and no error.
  for (size_t cut = 0; cut < frame_record("first").size(); ++cut) {
    RecordScan scan = scan_records(std::string_view(file).substr(0, cut));
    CHECK(scan.records.empty());
    CHECK_FALSE(scan.corrupt);
  }
}

TEST_CASE("board framing detects a bad CRC of the data and of the length", "[board]") {
  size_t second = frame_record("first").size();
  SECTION("data byte flipped") {
    std::string file = three_records();
    file[second + 12 + 100] ^= 0x01;
    RecordScan scan = scan_records(file, 1000);
    CHECK(scan.corrupt);
    CHECK(scan.corrupt_offset == 1000 + second);
    CHECK_THAT(scan.corrupt_reason, Catch::Contains("data"));
    REQUIRE(scan.records.size() == 1);
    CHECK(scan.consumed == second);
  }
  SECTION("length byte flipped") {
    std::string file = three_records();
    file[second + 1] ^= 0x40;
    RecordScan scan = scan_records(file);
    CHECK(scan.corrupt);
    CHECK(scan.corrupt_offset == second);
    CHECK_THAT(scan.corrupt_reason, Catch::Contains("length"));
  }
  SECTION("data CRC flipped") {
    std::string file = kCrcmodRecord;
    file.back() ^= 0x80;
    CHECK(scan_records(file).corrupt);
  }
}

TEST_CASE("board wire reader decodes varints, fixed and packed fields", "[board]") {
  // The protobuf encoding guide's example: field 1 = 150 is 08 96 01.
  // (WireReader keeps a view: the bytes must outlive it.)
  const std::string example = "\x08\x96\x01"s, cut_bytes = "\x08\x96"s, past_end = "\x0a\x05\x61"s, one = "\x08\x01"s;
  WireReader r(example);
  REQUIRE(r.next());
  CHECK(r.field() == 1);
  CHECK(r.as_uint() == 150);
  CHECK_FALSE(r.next());
  // A cut-short varint and a length past the end are errors, not crashes.
  WireReader cut(cut_bytes);
  CHECK_THROWS_AS(cut.next(), WireError);
  WireReader long_bytes(past_end);
  CHECK_THROWS_AS(long_bytes.next(), WireError);
  // Asking a field for the wrong type is an error too.
  WireReader typed(one);
  REQUIRE(typed.next());
  CHECK_THROWS_AS(typed.as_double(), WireError);
}

TEST_CASE("board decodes an Event encoded by protoc", "[board]") {
  Event e = decode_event(kProtocEvent);
  CHECK(e.wall_time == 1700000000.25);
  CHECK(e.step == -3);
  REQUIRE(e.values.size() == 4);
  CHECK(e.values[0].tag == "loss/train");
  CHECK(e.values[0].kind == SummaryValue::Kind::simple_value);
  CHECK(e.values[0].simple_value == 0.5);
  const HistogramValue& h = e.values[1].histogram;
  CHECK(e.values[1].kind == SummaryValue::Kind::histogram);
  CHECK(h.min == -1);
  CHECK(h.max == 2);
  CHECK(h.num == 4);
  CHECK(h.sum_squares == 6);
  CHECK(h.bucket_limit == std::vector<double>{0, 1, 2});
  CHECK(h.bucket == std::vector<double>{1, 2, 1});
  CHECK(e.values[2].plugin_name == "scalars");
  CHECK(e.values[2].tensor.as_numbers() == std::vector<double>{0.75});
  CHECK(e.values[3].tensor.strings == std::vector<std::string>{"hi <b>"});

  Run run;
  run.add(e);
  CHECK(run.scalars.at("loss/train")[0].value == 0.5);
  CHECK(run.scalars.at("acc")[0].value == 0.75);
  CHECK(run.texts.at("note")[0].texts[0] == "hi <b>");
  const auto& buckets = run.histograms.at("w")[0].buckets;
  REQUIRE(buckets.size() == 3);
  CHECK(buckets[0].left == -1);  // the first bucket starts at min
  CHECK(buckets[0].right == 0);
  CHECK(buckets[2].left == 1);
  CHECK(buckets[2].right == 2);
  // A SessionLog START at step -3 (a restart) drops what the run had from there on.
  run.purge_from(-3);
  CHECK(run.scalars.at("loss/train").empty());
}

TEST_CASE("board reads an event file as it grows and stops at a corrupt record", "[board]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("ember-board-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path path = dir / "events.out.tfevents.1.host";
  std::string rec1 = frame_record(kProtocEvent), rec2 = frame_record(kProtocEvent);
  {
    std::ofstream out(path, std::ios::binary);
    out << rec1 << rec2.substr(0, 20);  // the second still being written
  }
  std::vector<std::string> warnings;
  auto warn = [&](const std::string& w) { warnings.push_back(w); };
  EventFileReader reader(path.string());
  CHECK(reader.read_new(warn).size() == 1);
  CHECK(reader.offset() == rec1.size());
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << rec2.substr(20);
    std::string bad = frame_record(kProtocEvent);
    bad[30] ^= 1;
    out << bad << rec1;
  }
  CHECK(reader.read_new(warn).size() == 1);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0],
             Catch::Contains(path.string()) && Catch::Contains("offset " + std::to_string(rec1.size() + rec2.size())));
  CHECK(reader.read_new(warn).empty());  // nothing after the bad record is read

  // Read in chunks smaller than one record: the chunk grows, the same events come out.
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << rec1 << rec2 << frame_record("x").substr(0, 7);
  }
  EventFileReader small(path.string(), 10);
  std::vector<Event> events = small.read_new(warn);
  REQUIRE(events.size() == 2);
  CHECK(events[1].values.size() == 4);
  CHECK(small.offset() == rec1.size() + rec2.size());
  CHECK(warnings.size() == 1);
  fs::remove_all(dir);
}

TEST_CASE("board text escaping keeps pages well formed", "[board]") {
  CHECK(html_escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;");
  CHECK(json_string("</script>\n") == "\"\\u003c/script>\\n\"");
  CHECK(valid_utf8("ok\xff") == "ok\xef\xbf\xbd");
  CHECK(valid_utf8("\xc3\xa9") == "\xc3\xa9");
  CHECK(base64("Man") == "TWFu");  // RFC 4648 examples
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("f") == "Zg==");
  CHECK(json_number(0.1) == "0.1");
  CHECK(format_number(double(0.9f)) == "0.9");  // a float32 value: its own shortest text
  CHECK(format_number(1.0 / 3) == "0.3333333333333333");  // as Python repr(1 / 3)
  CHECK(std::strtod(format_number(double(1.0f / 3)).c_str(), nullptr) != 1.0 / 3);
}

TEST_CASE("board graph layout puts every node below its inputs", "[board]") {
  std::vector<GraphNode> nodes(5);
  nodes[0].name = "input";
  nodes[1].name = "fc/weight";
  nodes[2].name = "fc";
  nodes[2].inputs = {"input", "fc/weight:0"};
  nodes[3].name = "out";
  nodes[3].inputs = {"^fc", "out", "out/bias"};  // a control input and a self-loop, which is ignored
  nodes[4].name = "out/bias";
  GraphLayout g = layout_graph(nodes);
  CHECK(g.edges.size() == 4);
  CHECK(g.control == std::vector<bool>{false, false, true, false});
  CHECK(g.boxes[4].layer == 1);  // a parameter sits just above the op that reads it
  CHECK(g.boxes[2].layer == 1);
  CHECK(g.boxes[3].layer == 2);
  CHECK(g.boxes[0].y < g.boxes[2].y);
  // A cycle does not hang the layout.
  nodes[0].inputs = {"out"};
  CHECK(layout_graph(nodes).boxes.size() == 5);
}

TEST_CASE("board page thins long series and keeps their last point", "[board]") {
  Run run;
  run.name = "long";
  for (int64_t s = 0; s < 5000; ++s) run.scalars["loss"].push_back({s, 0.0, double(s)});
  std::string page = render_page({&run}, PageOptions{});
  auto at = page.find("\"steps\":[");
  REQUIRE(at != std::string::npos);
  std::string steps = page.substr(at, page.find(']', at) - at);
  CHECK(std::count(steps.begin(), steps.end(), ',') + 1 == 2000);
  CHECK_THAT(steps, Catch::EndsWith(",4999"));
  CHECK_THAT(steps, Catch::StartsWith("\"steps\":[0,"));
  CHECK(page.find("location.reload") != std::string::npos);  // the script is in the page...
  CHECK(page.find("\"watch\":null") != std::string::npos);   // ...but reloads only under --watch
}

TEST_CASE("board survives every single-bit flip of an Event", "[board]") {
  // Each damaged message either decodes or is refused with WireError: no crash, no hang.
  size_t refused = 0;
  for (size_t i = 0; i < kProtocEvent.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = kProtocEvent;
      damaged[i] ^= static_cast<char>(1 << bit);
      try {
        Event e = decode_event(damaged);
        Run run;
        run.add(e);
        if (e.graph_def) decode_graph(*e.graph_def);
      } catch (const WireError&) {
        ++refused;
      }
    }
  CHECK(refused > 0);
}
