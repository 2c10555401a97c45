// Tutorial 8: watching training.
//
// Three routes, all from C++: TensorBoard's own event files (SummaryWriter, read by
// TensorBoard or by ember-board), pictures drawn directly (ember::plot, as SVG or PNG),
// and the autograd graph as Graphviz DOT. Needs the ember_tensorboard library (CMake:
// link ember::tensorboard).
#include <ember/ember.hpp>
#include <ember/plot.hpp>
#include <ember/tensorboard.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace nn = ember::nn;
namespace fs = std::filesystem;

static void expect(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "tutorial check failed: " << what << "\n";
    std::exit(1);
  }
}

static std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct NetImpl : nn::Module {
  nn::Linear fc1{nullptr}, fc2{nullptr};
  NetImpl() : Module("Net") {
    fc1 = register_module("fc1", nn::Linear(64, 32));
    fc2 = register_module("fc2", nn::Linear(32, 4));
  }
  ember::Tensor forward(const ember::Tensor& x) override { return fc2(ember::relu(fc1(x.flatten(1)))); }
};
EMBER_MODULE(Net);

int main() {
  ember::manual_seed(0);
  fs::remove_all("watching");
  Net model;
  ember::optim::SGD optimizer(model->parameters(), ember::optim::SGDOptions(0.1));
  // A toy task: 8x8 "images" whose class is the quadrant holding the brightest pixel.
  ember::Tensor images = ember::rand({64, 1, 8, 8});
  const ember::Tensor brightest = images.flatten(1).argmax(1);  // row * 8 + column
  ember::Tensor labels = brightest.floor_divide(32) * 2 + brightest.remainder(8).floor_divide(4);

  // 1. TensorBoard logs. The writer returns at once: a background thread encodes and
  //    writes. Open them with `tensorboard --logdir watching/runs` or ember-board.
  ember::tensorboard::SummaryWriter writer("watching/runs/toy");
  writer.add_graph(model, images);  // the Graphs tab: the ops of one forward
  std::vector<double> steps, losses;
  for (int64_t step = 0; step < 50; ++step) {
    ember::Tensor loss = nn::functional::cross_entropy(model->forward(images), labels);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    writer.add_scalar("loss/train", loss.item<double>(), step);
    steps.push_back(static_cast<double>(step));
    losses.push_back(loss.item<double>());
  }
  writer.add_histogram("fc1.weight", model->fc1->weight, 50);  // PyTorch's default bins
  writer.add_images("inputs", images.narrow(0, 0, 16), 50);      // N x C x H x W, one grid
  writer.add_text("notes", "**lr** 0.1, SGD", 50);
  writer.add_hparams({{"lr", 0.1}, {"optimizer", std::string("sgd")}}, {{"hparam/loss", losses.back()}});
  writer.flush();  // everything so far is on disk, a complete file
  expect(losses.back() < losses.front(), "the loss fell");
  const fs::path events = writer.file_path();
  expect(fs::exists(events) && fs::file_size(events) > 1000, "the event file holds the logs");
  expect(events.filename().string().rfind("events.out.tfevents.", 0) == 0, "TensorBoard's file name");
  writer.close();
  std::cout << "TensorBoard logs in " << writer.log_dir() << "\n";

  // 2. Plots without Python: a line chart with TensorBoard's smoothing, as SVG or PNG.
  ember::plot::LineChart chart;
  chart.title("loss").xlabel("step").ylabel("cross-entropy").smoothing(0.6);
  chart.add("train", steps, losses);
  chart.save("watching/loss.svg");
  chart.save("watching/loss.png");
  expect(read("watching/loss.svg").find("<svg") != std::string::npos, "an SVG document");
  expect(read("watching/loss.png").substr(1, 3) == "PNG", "a PNG file");
  ember::plot::save_image(images.narrow(0, 0, 16), "watching/inputs.png", 4);  // torchvision's save_image
  ember::Tensor grid = ember::plot::make_grid(images.narrow(0, 0, 16), 4);
  expect(grid.sizes() == ember::IntArrayRef({3, 42, 42}), "4 x 4 images of 8 pixels, padding 2, three channels");

  // 3. The autograd graph as Graphviz DOT (`dot -Tsvg graph.dot -o graph.svg` draws it).
  ember::Tensor loss = nn::functional::cross_entropy(model->forward(images), labels);
  const std::string dot = ember::autograd::to_dot(loss, model->named_parameters());
  std::ofstream("watching/graph.dot") << dot;
  expect(dot.find("digraph") == 0 && dot.find("fc1.weight") != std::string::npos, "leaves named by parameter");
  std::cout << "plots and the graph in watching/\n";
  return 0;
}
