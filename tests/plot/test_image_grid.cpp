// make_grid and save_image against torchvision.utils' documented behaviour, written out
// below with a few PyTorch ops (torchvision itself is not installed); encode_png read
// back with PIL.
#include <cstring>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "ember/plot.hpp"
#include "plot/plot_helpers.hpp"

using namespace ember;
using plot_test::python;
using plot_test::read_file;
using plot_test::scratch;
using plot_test::write_file;

namespace {

// torchvision.utils.make_grid as its documentation and source describe it: 2-D and 3-D
// inputs become a batch of one, one channel is repeated to three, normalize clamps to
// value_range (or min and max, per image with scale_each) and maps onto [0, 1], one
// image comes back without padding, otherwise images go nrow to a row, `padding` apart.
// Each line of the file named by the argument (one Python start for all cases, as
// importing torch takes a while): input.raw shape nrow padding normalize low high
// scale_each pad_value out.raw; prints the grid's shape for each.
const char* kReference = R"(
import sys, math, numpy as np, torch
def make_grid(src, shape, nrow, padding, normalize, low, high, scale_each, pad_value, out):
    shape = [int(s) for s in shape.split('x')]
    t = torch.from_numpy(np.fromfile(src, dtype=np.float32).copy()).reshape(shape)
    nrow, padding, normalize, scale_each, pad_value = int(nrow), int(padding), normalize == '1', scale_each == '1', float(pad_value)
    value_range = None if low == 'none' else (float(low), float(high))
    if t.dim() == 2:
        t = t.unsqueeze(0)
    if t.dim() == 3:
        if t.size(0) == 1:
            t = torch.cat((t, t, t), 0)
        t = t.unsqueeze(0)
    if t.dim() == 4 and t.size(1) == 1:
        t = torch.cat((t, t, t), 1)
    if normalize:
        t = t.clone()
        def norm(img):
            lo, hi = value_range if value_range is not None else (float(img.min()), float(img.max()))
            img.clamp_(min=lo, max=hi)
            img.sub_(lo).div_(max(hi - lo, 1e-5))
        if scale_each:
            for img in t:
                norm(img)
        else:
            norm(t)
    if t.size(0) == 1:
        grid = t.squeeze(0)
    else:
        n = t.size(0)
        xmaps = min(nrow, n)
        ymaps = int(math.ceil(n / xmaps))
        height, width = t.size(2) + padding, t.size(3) + padding
        grid = t.new_full((t.size(1), height * ymaps + padding, width * xmaps + padding), pad_value)
        k = 0
        for y in range(ymaps):
            for x in range(xmaps):
                if k >= n:
                    break
                grid.narrow(1, y * height + padding, height - padding).narrow(2, x * width + padding, width - padding).copy_(t[k])
                k += 1
    grid.contiguous().numpy().astype(np.float32).tofile(out)
    print('x'.join(str(s) for s in grid.shape))
for line in open(sys.argv[1]):
    make_grid(*line.split())
)";

Tensor images(std::vector<int64_t> shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<float> v(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>((i * 37 % 101) / 40.0 - 1.1);
  return ember::tensor(v, shape);
}

std::string shape_text(IntArrayRef sizes) {
  std::string s;
  for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? "x" : "") + std::to_string(sizes[i]);
  return s;
}

void write_raw(const std::filesystem::path& path, const Tensor& t) {
  const Tensor c = t.to(kFloat32).contiguous();
  write_file(path, std::string(static_cast<const char*>(c.data_ptr()), c.numel() * 4));
}

struct Case {
  std::vector<int64_t> shape;
  int64_t nrow = 8, padding = 2;
  bool normalize = false;
  std::optional<std::pair<double, double>> range;
  bool scale_each = false;
  double pad_value = 0;
};

}  // namespace

TEST_CASE("make_grid matches torchvision semantics written in PyTorch ops", "[plot]") {
  auto dir = scratch("make_grid");
  const std::vector<Case> cases = {
      {{5, 3, 4, 6}, 2, 1, false, std::nullopt, false, 0.5},     // three rows, the last one short
      {{10, 3, 3, 2}},                                            // defaults: 8 per row
      {{3, 1, 3, 3}, 8, 2, true, std::nullopt, true, 0},          // one channel, each image scaled
      {{4, 3, 2, 5}, 3, 0, true, std::make_pair(0.2, 0.8), false, 1},  // value_range, no padding
      {{4, 2, 3, 3}, 2, 3, true, std::nullopt, false, 0.25},      // whole batch scaled together
      {{1, 3, 4, 4}, 8, 2, false, std::nullopt, false, 0},        // one image: returned unpadded
      {{1, 5, 7}},                                                 // C x H x W with one channel
      {{3, 5, 7}},                                                 // C x H x W, three channels
      {{6, 9}, 8, 2, true, std::nullopt, false, 0},               // H x W
  };
  std::string manifest;
  std::vector<Tensor> grids;
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    const Tensor input = images(c.shape);
    const auto in = dir / ("input" + std::to_string(k) + ".raw");
    write_raw(in, input);
    grids.push_back(plot::make_grid(input, c.nrow, c.padding, c.normalize, c.range, c.scale_each, c.pad_value));
    manifest += in.string() + " " + shape_text(input.sizes()) + " " + std::to_string(c.nrow) + " " +
                std::to_string(c.padding) + " " + (c.normalize ? "1" : "0") + " " +
                (c.range ? std::to_string(c.range->first) + " " + std::to_string(c.range->second) : "none none") +
                " " + (c.scale_each ? "1" : "0") + " " + std::to_string(c.pad_value) + " " +
                (dir / ("expected" + std::to_string(k) + ".raw")).string() + "\n";
  }
  write_file(dir / "cases.txt", manifest);
  const auto shapes = plot_test::lines(python(dir, kReference, {(dir / "cases.txt").string()}));
  REQUIRE(shapes.size() == cases.size());
  for (std::size_t k = 0; k < cases.size(); ++k) {
    INFO("case " << k);
    const Tensor& grid = grids[k];
    REQUIRE(shape_text(grid.sizes()) == shapes[k]);
    REQUIRE(grid.dtype() == kFloat32);
    const std::string expected = read_file(dir / ("expected" + std::to_string(k) + ".raw"));
    REQUIRE(static_cast<int64_t>(expected.size()) == grid.numel() * 4);
    const float* want = reinterpret_cast<const float*>(expected.data());
    const Tensor got = grid.contiguous();
    for (int64_t i = 0; i < grid.numel(); ++i) {
      INFO("element " << i);
      REQUIRE(got.data_ptr<float>()[i] == Approx(want[i]).margin(1e-6));
    }
  }
}

TEST_CASE("save_image writes the grid as torchvision rounds it, read back by PIL", "[plot]") {
  auto dir = scratch("save_image");
  const Tensor batch = images({6, 3, 5, 4}).mul(0.6).add(0.5);  // some values below 0 and above 1
  plot::save_image(batch, (dir / "batch.png").string(), 4, 1, false, std::nullopt, false, 0.3);
  write_raw(dir / "grid.raw", plot::make_grid(batch, 4, 1, false, std::nullopt, false, 0.3));
  const char* script = R"(
import sys, numpy as np, torch
from PIL import Image
grid = torch.from_numpy(np.fromfile(sys.argv[2], dtype=np.float32).copy()).reshape(3, int(sys.argv[3]), int(sys.argv[4]))
want = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(torch.uint8).numpy()
im = Image.open(sys.argv[1])
assert im.mode == 'RGB', im.mode
got = np.asarray(im)
assert got.shape == want.shape, (got.shape, want.shape)
assert (got == want).all(), np.argwhere(got != want)[:5]
assert len(np.unique(got)) > 20
)";
  const Tensor grid = plot::make_grid(batch, 4, 1, false, std::nullopt, false, 0.3);
  python(dir, script,
         {(dir / "batch.png").string(), (dir / "grid.raw").string(), std::to_string(grid.size(1)),
          std::to_string(grid.size(2))});

  REQUIRE_THROWS_WITH(plot::save_image(batch, (dir / "batch.jpg").string()),
                      Catch::Contains("save_image") && Catch::Contains("batch.jpg"));
  REQUIRE_THROWS_WITH(plot::save_image(images({2, 2, 3, 3}), (dir / "two.png").string()),
                      Catch::Contains("save_image") && Catch::Contains("[2, 2, 3, 3]"));
}

TEST_CASE("save_image writes uint8 images as they are", "[plot]") {
  auto dir = scratch("save_image_uint8");
  std::vector<uint8_t> bytes(3 * 4 * 5);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 41 % 256);
  const Tensor image = ember::tensor(bytes, {3, 4, 5});  // C x H x W: one image, no padding
  plot::save_image(image, (dir / "image.png").string());
  write_file(dir / "image.raw", std::string(bytes.begin(), bytes.end()));
  const char* script = R"(
import sys, numpy as np
from PIL import Image
want = np.fromfile(sys.argv[2], dtype=np.uint8).reshape(3, 4, 5).transpose(1, 2, 0)
got = np.asarray(Image.open(sys.argv[1]).convert('RGB'))
assert got.shape == want.shape and (got == want).all(), (got, want)
)";
  python(dir, script, {(dir / "image.png").string(), (dir / "image.raw").string()});
}

TEST_CASE("make_grid mistakes give errors naming the function and shapes", "[plot]") {
  REQUIRE_THROWS_WITH(plot::make_grid(images({2, 3, 4, 4, 1})),
                      Catch::Contains("make_grid") && Catch::Contains("[2, 3, 4, 4, 1]"));
  REQUIRE_THROWS_WITH(plot::make_grid(images({4})), Catch::Contains("make_grid") && Catch::Contains("[4]"));
  REQUIRE_THROWS_WITH(plot::make_grid(Tensor()), Catch::Contains("make_grid") && Catch::Contains("undefined"));
  REQUIRE_THROWS_WITH(plot::make_grid(images({2, 3, 4, 4}), 0), Catch::Contains("make_grid") && Catch::Contains("nrow"));
  REQUIRE_THROWS_WITH(plot::make_grid(images({2, 3, 4, 4}), 8, -1),
                      Catch::Contains("make_grid") && Catch::Contains("padding"));
  REQUIRE_THROWS_WITH(plot::make_grid(images({2, 3, 4, 4}), 8, 2, true, std::make_pair(1.0, 0.0)),
                      Catch::Contains("make_grid") && Catch::Contains("value_range"));
}

TEST_CASE("encode_png round trips grey, RGB and RGBA through PIL", "[plot]") {
  auto dir = scratch("encode_png");
  const char* script = R"(
import sys, numpy as np
from PIL import Image
im = Image.open(sys.argv[1])
want = np.fromfile(sys.argv[2], dtype=np.uint8)
shape = [int(s) for s in sys.argv[3].split('x')]
assert im.mode == sys.argv[4], (im.mode, sys.argv[4])
got = np.asarray(im)
assert list(got.shape) == shape, (got.shape, shape)
assert (got.reshape(-1) == want).all()
)";
  const std::vector<std::pair<std::vector<int64_t>, std::string>> kinds = {
      {{7, 9}, "L"}, {{5, 11, 3}, "RGB"}, {{6, 4, 4}, "RGBA"}, {{1, 1}, "L"}};
  for (const auto& [shape, mode] : kinds) {
    INFO(mode);
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    std::vector<uint8_t> bytes(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>((i * 97 + 13) % 256);
    const Tensor image = ember::tensor(bytes, shape);
    write_file(dir / "image.png", plot::encode_png(image));
    write_file(dir / "image.raw", std::string(bytes.begin(), bytes.end()));
    python(dir, script, {(dir / "image.png").string(), (dir / "image.raw").string(), shape_text(image.sizes()), mode});
  }
  REQUIRE_THROWS_WITH(plot::encode_png(ember::zeros({4, 4})),
                      Catch::Contains("encode_png") && Catch::Contains("uint8") && Catch::Contains("[4, 4]"));
  REQUIRE_THROWS_WITH(plot::encode_png(ember::zeros({4, 4, 2}, TensorOptions(kUInt8))),
                      Catch::Contains("encode_png") && Catch::Contains("[4, 4, 2]"));
}
