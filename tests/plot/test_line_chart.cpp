// LineChart and HistogramChart: SVG read back by Python's xml.etree, PNG by PIL, bar
// heights against torch.histc, smoothing against TensorBoard's formula written in Python.
#include <cmath>
#include <vector>

#include "ember/ember.hpp"
#include "ember/plot.hpp"
#include "plot/plot_helpers.hpp"

using namespace ember;
using plot_test::contains;
using plot_test::lines;
using plot_test::python;
using plot_test::scratch;

namespace {

// Prints the root's size, then every <text> element's content, one per line.
const char* kSvgTexts = R"(
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = '{http://www.w3.org/2000/svg}'
assert root.tag == ns + 'svg', root.tag
print('size', root.get('width'), root.get('height'))
print('polylines', len(root.findall('.//' + ns + 'polyline')))
for t in root.iter(ns + 'text'):
    print(t.text)
)";

// Prints the size and mode, then how many pixels have each colour given on the command
// line (exactly), and how many are not white.
const char* kPngColours = R"(
import sys
from PIL import Image
im = Image.open(sys.argv[1])
im.load()
print('size', im.size[0], im.size[1], im.mode)
px = list(im.convert('RGB').getdata())
print('ink', sum(1 for p in px if p != (255, 255, 255)))
for c in sys.argv[2:]:
    rgb = tuple(int(c[i:i + 2], 16) for i in (0, 2, 4))
    print(c, sum(1 for p in px if p == rgb))
)";

int count_after(const std::vector<std::string>& out, const std::string& key) {
  for (const auto& line : out)
    if (line.rfind(key + " ", 0) == 0) return std::stoi(line.substr(key.size() + 1));
  FAIL("no line starting with " << key);
  return -1;
}

plot::LineChart two_series() {
  plot::LineChart chart;
  chart.title("loss").xlabel("step").ylabel("value");
  std::vector<double> steps, train, test;
  for (int i = 0; i <= 10; ++i) {
    steps.push_back(i);
    train.push_back(1.9 - 0.17 * i);  // 1.9 down to 0.2
    test.push_back(1.5 - 0.1 * i + 0.05 * std::sin(i));
  }
  chart.add("train", steps, train).add("test & val <b>", steps, test);
  return chart;
}

}  // namespace

TEST_CASE("line_chart svg is XML with the series labels, axis labels and tick labels", "[plot]") {
  auto dir = scratch("line_svg");
  two_series().save((dir / "loss.svg").string());
  auto out = lines(python(dir, kSvgTexts, {(dir / "loss.svg").string()}));
  CHECK(contains(out, "size 640 420"));
  CHECK(count_after(out, "polylines") >= 2);
  for (const char* text : {"loss", "step", "value", "train", "test & val <b>"}) CHECK(contains(out, text));
  // Ticks worked out by hand: y spans 0.2 .. 1.9, so steps of 0.5 from 0 to 2; x spans
  // 0 .. 10, steps of 2.
  for (const char* tick : {"0.0", "0.5", "1.0", "1.5", "2.0"}) CHECK(contains(out, tick));
  for (const char* tick : {"0", "2", "4", "6", "8", "10"}) CHECK(contains(out, tick));
}

TEST_CASE("line_chart png decodes with PIL to the chart size with each series colour", "[plot]") {
  auto dir = scratch("line_png");
  plot::LineChart chart = two_series();
  chart.width(500).height(300);
  chart.save((dir / "loss.png").string());
  auto out = lines(python(dir, kPngColours, {(dir / "loss.png").string(), "1f77b4", "ff7f0e"}));
  CHECK(contains(out, "size 500 300 RGB"));
  CHECK(count_after(out, "ink") > 2000);
  CHECK(count_after(out, "1f77b4") > 200);  // tab10 blue, the first series
  CHECK(count_after(out, "ff7f0e") > 200);  // tab10 orange, the second

  const Tensor pixels = chart.render();
  REQUIRE(pixels.sizes() == IntArrayRef({300, 500, 3}));
  CHECK(pixels.dtype() == kUInt8);
}

TEST_CASE("line_chart smoothing follows TensorBoard over the faint raw line", "[plot]") {
  auto dir = scratch("smoothing");
  std::vector<double> y;
  for (int i = 0; i < 40; ++i) y.push_back(1.0 / (1 + 0.2 * i) + 0.3 * std::sin(1.7 * i));
  plot::LineChart chart;
  chart.smoothing(0.6).add("noisy", y);
  chart.save((dir / "smooth.svg").string());
  // TensorBoard's smoothing (its scalar dashboard): last = last * w + (1 - w) * v, divided
  // by 1 - w^n. The raw line's pixels give the y axis (a straight map from value to pixel),
  // which turns the smoothed line's pixels back into values.
  const char* script = R"(
import sys, xml.etree.ElementTree as ET
ns = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
y = [float(v) for v in sys.argv[2].split(',')]
lines = {}
for p in root.iter(ns + 'polyline'):
    # The first line of each opacity is the series; the legend's sample comes after.
    if p.get('stroke') == '#1f77b4' and p.get('stroke-opacity') not in lines:
        lines[p.get('stroke-opacity')] = [tuple(map(float, q.split(','))) for q in p.get('points').split()]
raw, smooth = lines['0.250'], lines['1.000']
assert len(raw) == len(y) == len(smooth), (len(raw), len(smooth))
i, j = max(range(len(y)), key=lambda k: y[k]), min(range(len(y)), key=lambda k: y[k])
scale = (raw[i][1] - raw[j][1]) / (y[i] - y[j])
last, expected = 0.0, []
for n, v in enumerate(y, 1):
    last = last * 0.6 + 0.4 * v
    expected.append(last / (1 - 0.6 ** n))
worst = max(abs((smooth[k][1] - raw[j][1]) / scale + y[j] - expected[k]) for k in range(len(y)))
print('worst', worst)
assert worst < 0.01, worst
)";
  std::string values;
  for (double v : y) values += (values.empty() ? "" : ",") + std::to_string(v);
  python(dir, script, {(dir / "smooth.svg").string(), values});
}

TEST_CASE("line_chart log scales put ticks at powers of ten and skip values that are not positive", "[plot]") {
  auto dir = scratch("log");
  plot::LineChart chart;
  chart.log_y(true).log_x(true).add("loss", {1, 10, 100, 1000}, {-1, 1e-3, 0.5, 10});
  chart.save((dir / "log.svg").string());
  auto out = lines(python(dir, kSvgTexts, {(dir / "log.svg").string()}));
  for (const char* tick : {"0.001", "0.01", "0.1", "1", "10", "100", "1000"}) CHECK(contains(out, tick));
  chart.save((dir / "log.png").string());
  CHECK(contains(lines(python(dir, kPngColours, {(dir / "log.png").string()})), "size 640 420 RGB"));

  plot::LineChart none_positive;
  none_positive.log_y(true).add("loss", {0, -1, -2});
  REQUIRE_THROWS_WITH(none_positive.svg(), Catch::Contains("LineChart::svg") && Catch::Contains("log_y") &&
                                               Catch::Contains("> 0"));
}

TEST_CASE("line_chart mistakes give errors naming the function and values", "[plot]") {
  plot::LineChart chart;
  REQUIRE_THROWS_WITH(chart.add("empty", std::vector<double>{}),
                      Catch::Contains("LineChart::add") && Catch::Contains("'empty'") && Catch::Contains("empty"));
  REQUIRE_THROWS_WITH(chart.add("short", {1, 2, 3}, {1, 2}),
                      Catch::Contains("LineChart::add") && Catch::Contains("3 x values but 2 y values"));
  REQUIRE_THROWS_WITH(chart.svg(), Catch::Contains("LineChart::svg") && Catch::Contains("no series"));
  chart.add("ok", {1, 2});
  REQUIRE_THROWS_WITH(chart.save("chart.jpg"),
                      Catch::Contains("LineChart::save") && Catch::Contains("chart.jpg") && Catch::Contains(".png"));
  chart.smoothing(1);
  REQUIRE_THROWS_WITH(chart.render(), Catch::Contains("LineChart::render") && Catch::Contains("smoothing"));
  chart.smoothing(0).width(10);
  REQUIRE_THROWS_WITH(chart.render(), Catch::Contains("LineChart::render") && Catch::Contains("width 10"));
  REQUIRE_THROWS_WITH(plot::save(std::vector<plot::LineChart>{}, "x.svg"), Catch::Contains("plot::save"));
}

TEST_CASE("line_chart panels lay several charts out in columns", "[plot]") {
  auto dir = scratch("panels");
  plot::LineChart a = two_series(), b, c;
  b.title("accuracy").add("train", {0.5, 0.7, 0.8});
  c.title("lr").log_y(true).add("lr", {1e-1, 1e-2, 1e-3});
  plot::save({a, b, c}, (dir / "panels.svg").string());
  auto out = lines(python(dir, kSvgTexts, {(dir / "panels.svg").string()}));
  CHECK(contains(out, "size 1280 840"));
  for (const char* text : {"loss", "accuracy", "lr"}) CHECK(contains(out, text));
  plot::save({a, b, c}, (dir / "panels.png").string(), 3);
  CHECK(contains(lines(python(dir, kPngColours, {(dir / "panels.png").string()})), "size 1920 420 RGB"));
}

TEST_CASE("histogram bars have the heights of torch.histc counts", "[plot]") {
  auto dir = scratch("histogram");
  std::vector<float> values;
  for (int i = 0; i < 500; ++i) values.push_back(static_cast<float>(std::sin(i * 0.37) + 0.3 * std::cos(i * 1.3)));
  plot::HistogramChart chart;
  chart.title("weights").xlabel("value").bins(12);
  const Tensor t = ember::tensor(values);
  chart.save(t, (dir / "hist.svg").string());
  std::string text;
  for (float v : values) text += (text.empty() ? "" : ",") + std::to_string(v);
  const char* script = R"(
import sys, xml.etree.ElementTree as ET, torch
ns = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
v = torch.tensor([float(x) for x in sys.argv[2].split(',')], dtype=torch.float32)
counts = torch.histc(v, bins=12, min=float(v.min()), max=float(v.max()))
bars = sorted((float(r.get('x')), float(r.get('height'))) for r in root.iter(ns + 'rect') if r.get('fill') == '#1f77b4')
nonzero = [float(c) for c in counts if c > 0]
assert len(bars) == len(nonzero), (len(bars), counts)
top = max(h for _, h in bars) / max(nonzero)
for (_, h), c in zip(bars, nonzero):
    assert abs(h / top - c) < 0.05, (h / top, c)
texts = [t.text for t in root.iter(ns + 'text')]
assert 'weights' in texts and 'value' in texts and 'count' in texts, texts
)";
  python(dir, script, {(dir / "hist.svg").string(), text});
  chart.save(t, (dir / "hist.png").string());
  auto out = lines(python(dir, kPngColours, {(dir / "hist.png").string(), "1f77b4"}));
  CHECK(contains(out, "size 640 420 RGB"));
  CHECK(count_after(out, "ink") > 5000);

  REQUIRE_THROWS_WITH(chart.svg(ember::zeros({0})), Catch::Contains("HistogramChart::svg") && Catch::Contains("[0]"));
  REQUIRE_THROWS_WITH(plot::HistogramChart().bins(0).render(t),
                      Catch::Contains("HistogramChart::render") && Catch::Contains("bins"));
}

TEST_CASE("line_chart draws a single point, a constant series and gaps at NaN", "[plot]") {
  auto dir = scratch("edge_cases");
  plot::LineChart chart;
  chart.add("one point", {3.5}).add("flat", {2, 2, 2, 2}).add("gap", {0, 1, 2, 3}, {1, std::nan(""), 3, 4});
  chart.save((dir / "edge.svg").string());
  auto out = lines(python(dir, kSvgTexts, {(dir / "edge.svg").string()}));
  for (const char* text : {"one point", "flat", "gap"}) CHECK(contains(out, text));
  // Worked out by hand: y spans 1 .. 4, steps of 1; the NaN splits "gap" in two lines.
  for (const char* tick : {"1", "2", "3", "4"}) CHECK(contains(out, tick));
  CHECK(count_after(out, "polylines") >= 1 + 1 + 2 + 3);  // series runs and the legend's samples
  const Tensor pixels = chart.render();
  CHECK(pixels.sizes() == IntArrayRef({420, 640, 3}));
}
