// Writes TensorBoard logs of every kind SummaryWriter makes into <out>/, and beside them
// the inputs it logged (.npy) and a manifest.json of what was logged, for
// check_events.py to decode and compare.
//   tensorboard-write-logs <out>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>

#include "ember/ember.hpp"
#include "ember/jit.hpp"
#include "ember/tensorboard.hpp"

namespace tb = ember::tensorboard;
using ember::Tensor;
using nlohmann::json;

namespace {

std::string out_dir;

// A .npy file (format version 1.0): little-endian float32 or uint8, C order.
void save_npy(const std::string& name, const Tensor& t) {
  const Tensor c = t.contiguous();
  const bool u8 = c.dtype() == ember::kUInt8;
  std::string shape = "(";
  for (int64_t i = 0; i < c.dim(); ++i) shape += std::to_string(c.size(i)) + (c.dim() == 1 ? "," : i + 1 < c.dim() ? ", " : "");
  shape += ")";
  std::string header = std::string("{'descr': '") + (u8 ? "|u1" : "<f4") + "', 'fortran_order': False, 'shape': " +
                       shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::ofstream f(out_dir + "/" + name + ".npy", std::ios::binary);
  f.write("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(header.size());
  f.put(static_cast<char>(len & 0xff));
  f.put(static_cast<char>(len >> 8));
  f << header;
  const Tensor data = u8 ? c : c.to(ember::kFloat32);
  f.write(static_cast<const char*>(data.data_ptr()), static_cast<std::streamsize>(data.nbytes()));
}

struct Net : ember::nn::Module {
  ember::nn::Linear fc1{nullptr}, fc2{nullptr};
  Net() : Module("Net") {
    fc1 = register_module("fc1", ember::nn::Linear(8, 16));
    fc2 = register_module("fc2", ember::nn::Linear(16, 3));
  }
  Tensor forward(const Tensor& x) override { return fc2(ember::relu(fc1(x))); }
};

// Ops with several outputs (max with indices), a constant and a rank-0 value.
struct Branchy : ember::nn::Module {
  ember::nn::Linear fc{nullptr};
  Tensor offset = ember::ones({4});
  Branchy() : Module("Branchy") { fc = register_module("fc", ember::nn::Linear(6, 4)); }
  Tensor forward(const Tensor& x) override {
    auto parts = fc(x).chunk(2, 1);
    auto [values, indices] = ember::max(parts[0] * parts[1] + offset.sum(), 1, true);
    return values + indices;
  }
};

json graph_summary(const ember::jit::Graph& g) {
  json nodes = json::array();
  for (const auto& n : g.nodes()) nodes.push_back(n.op);
  return nodes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: tensorboard-write-logs <out dir>\n";
    return 2;
  }
  out_dir = argv[1];
  ember::manual_seed(7);
  json manifest;
  manifest["pid"] = static_cast<int64_t>(getpid());
  const std::string logs = out_dir + "/logs";
  {
    tb::SummaryWriter writer(logs);
    manifest["main_file"] = writer.file_path();

    // Scalars: simple_value, from a tensor, new_style, with explicit walltime.
    json scalars = json::array();
    for (int i = 0; i < 10; ++i) {
      const double v = 1.0 / (i + 1) + 0.1 * i;
      writer.add_scalar("loss/train", v, i, 1000.25 + i);
      scalars.push_back({{"tag", "loss/train"}, {"value", v}, {"step", i}, {"wall", 1000.25 + i}, {"new_style", false}});
    }
    writer.add_scalar("acc", ember::tensor({0.75}), 3);
    scalars.push_back({{"tag", "acc"}, {"value", 0.75}, {"step", 3}, {"new_style", false}});
    writer.add_scalar("lr", 0.001, 5, std::nullopt, true);
    scalars.push_back({{"tag", "lr"}, {"value", 0.001}, {"step", 5}, {"new_style", true}});
    writer.add_scalar("negative_step", -2.5, -4);
    scalars.push_back({{"tag", "negative_step"}, {"value", -2.5}, {"step", -4}, {"new_style", false}});
    manifest["scalars"] = scalars;
    writer.add_scalars("run/loss", {{"train", 1.5}, {"test", 2.5}}, 1);
    writer.add_scalars("run/loss", {{"train", 1.25}, {"test", 2.0}}, 2);
    manifest["add_scalars"] = {{"main_tag", "run/loss"},
                               {"values", {{"train", {1.5, 1.25}}, {"test", {2.5, 2.0}}}},
                               {"steps", {1, 2}}};

    // Histograms.
    const Tensor normal = ember::randn({1000});
    save_npy("hist_normal", normal);
    writer.add_histogram("hist/default", normal, 1);
    writer.add_histogram("hist/max_bins", normal, 2, {}, std::nullopt, 30);
    writer.add_histogram("hist/int_bins", normal, 3, 10);
    const std::vector<double> edges{-2, -1, 0, 0.5, 1, 2};
    writer.add_histogram("hist/edges", normal, 4, edges);
    const Tensor with_nan = ember::tensor({std::nan(""), 1.0, 2.0, -1.0, 0.0}).to(ember::kFloat32);
    save_npy("hist_nan", with_nan);
    writer.add_histogram("hist/nan", with_nan, 5);
    // Values at, between and beyond the tensorflow edges (1e-12 * 1.1^k up to 1e20).
    const Tensor extremes = ember::tensor({0.0, -0.0, 1e-15, -1e-15, 1e-12, -1e-12, 1.1e-12, 2.5e-7, -3.75e-3, 1.0,
                                           -1.0, 1.1, 12345.678, 1e19, -9.99e19, 1e21, -1e21,
                                           std::numeric_limits<double>::infinity()})
                                .to(ember::kFloat32);
    save_npy("hist_extremes", extremes);
    writer.add_histogram("hist/extremes", extremes, 7);
    const Tensor wide = ember::randn({5000}) * 1000.0;
    save_npy("hist_wide", wide);
    writer.add_histogram("hist/wide_int_bins", wide, 8, 37);
    const Tensor constant = ember::full({7}, 3.0);
    save_npy("hist_constant", constant);
    writer.add_histogram("hist/constant_int_bins", constant, 6, 4);
    manifest["histograms"] = json::array({
        {{"tag", "hist/default"}, {"data", "hist_normal"}, {"bins", "tensorflow"}, {"step", 1}},
        {{"tag", "hist/max_bins"}, {"data", "hist_normal"}, {"bins", "tensorflow"}, {"max_bins", 30}, {"step", 2}},
        {{"tag", "hist/int_bins"}, {"data", "hist_normal"}, {"bins", 10}, {"step", 3}},
        {{"tag", "hist/edges"}, {"data", "hist_normal"}, {"bins", edges}, {"step", 4}},
        {{"tag", "hist/nan"}, {"data", "hist_nan"}, {"bins", "tensorflow"}, {"step", 5}},
        {{"tag", "hist/constant_int_bins"}, {"data", "hist_constant"}, {"bins", 4}, {"step", 6}},
        {{"tag", "hist/extremes"}, {"data", "hist_extremes"}, {"bins", "tensorflow"}, {"step", 7}},
        {{"tag", "hist/wide_int_bins"}, {"data", "hist_wide"}, {"bins", 37}, {"step", 8}},
    });

    // Images: floats in and out of [0, 1], uint8, every layout.
    struct Img {
      std::string tag;
      Tensor t;
      std::string fmt;
      bool batch;
    };
    const std::vector<Img> images{
        {"img/chw_float", ember::rand({3, 5, 7}), "CHW", false},
        {"img/chw_float_unclamped", ember::randn({3, 5, 7}), "CHW", false},
        {"img/chw_grey", ember::rand({1, 6, 4}), "CHW", false},
        {"img/hwc_float", ember::rand({5, 7, 3}), "HWC", false},
        {"img/hw_float", ember::rand({6, 4}), "HW", false},
        {"img/chw_uint8", ember::randint(0, 256, {3, 5, 7}).to(ember::kUInt8), "CHW", false},
        {"img/hwc_rgba_uint8", ember::randint(0, 256, {4, 6, 4}).to(ember::kUInt8), "HWC", false},
        {"img/nchw_float", ember::rand({10, 1, 6, 5}), "NCHW", true},
        {"img/nchw_rgb_float", ember::rand({3, 3, 4, 4}), "NCHW", true},
        {"img/nhwc_uint8", ember::randint(0, 256, {3, 4, 4, 3}).to(ember::kUInt8), "NHWC", true},
        {"img/nchw_single", ember::rand({1, 1, 4, 3}), "NCHW", true},
    };
    json image_list = json::array();
    int step = 0;
    for (const Img& im : images) {
      std::string name = im.tag.substr(4);
      save_npy("image_" + name, im.t);
      if (im.batch)
        writer.add_images(im.tag, im.t, step, std::nullopt, im.fmt);
      else
        writer.add_image(im.tag, im.t, step, std::nullopt, im.fmt);
      image_list.push_back({{"tag", im.tag}, {"data", "image_" + name}, {"dataformats", im.fmt}, {"step", step}});
      ++step;
    }
    manifest["images"] = image_list;

    // Text.
    const std::string text = "**ember** logs: caf\xc3\xa9, tabs\tand\nnew lines";
    writer.add_text("notes", text, 2);
    manifest["text"] = {{"tag", "notes"}, {"text", text}, {"step", 2}};

    // Graph of a module with named submodules.
    auto net = std::make_shared<Net>();
    const Tensor x = ember::randn({4, 8});
    writer.add_graph(*net, x);
    {
      auto traced = ember::jit::trace(
          *net, [&](const std::vector<Tensor>& xs) { return std::vector<Tensor>{net->forward(xs[0])}; }, {x});
      manifest["graph"] = {{"ops", graph_summary(traced.graph())}};
    }

    // Hyperparameters.
    writer.add_hparams({{"lr", 0.01}, {"optimizer", std::string("adam")}, {"nesterov", true}, {"layers", 3.0}},
                       {{"hparam/accuracy", 0.875}, {"hparam/loss", 0.25}},
                       {{"optimizer", {std::string("adam"), std::string("sgd")}}, {"layers", {2.0, 3.0, 4.0}}},
                       "hp_run", 7);

    // Embeddings.
    const Tensor mat = ember::randn({10, 4});
    const Tensor label_img = ember::rand({10, 1, 4, 4});
    save_npy("emb_mat", mat);
    save_npy("emb_label_img", label_img);
    std::vector<std::string> labels;
    for (int i = 0; i < 10; ++i) labels.push_back("label_" + std::to_string(i));
    writer.add_embedding(mat, labels, label_img, 3, "emb/one");
    const Tensor mat2 = ember::randn({3, 2});
    save_npy("emb_mat2", mat2);
    writer.add_embedding(mat2, {{"a", "1"}, {"b", "2"}, {"c", "3"}}, Tensor(), std::nullopt, "default", {"name", "n"});
    manifest["embedding"] = {{"labels", labels}};
  }
  // An Sequential MLP in its own log dir; a writer with purge_step and a file suffix.
  {
    tb::SummaryWriter writer(tb::SummaryWriterOptions(out_dir + "/logs_seq").filename_suffix(".mlp").purge_step(40));
    ember::nn::Sequential mlp(ember::nn::Linear(8, 16), ember::nn::ReLU(), ember::nn::Linear(16, 3));
    const Tensor x = ember::randn({4, 8});
    writer.add_graph(mlp, x);
    auto traced = ember::jit::trace(mlp, x);
    manifest["graph_seq"] = {{"ops", graph_summary(traced.graph())}};
    writer.add_scalar("after_purge", 1.0, 41);
    manifest["seq_file"] = writer.file_path();
  }
  {
    tb::SummaryWriter writer(out_dir + "/logs_multi");
    auto net = std::make_shared<Branchy>();
    const Tensor x = ember::randn({3, 6});
    writer.add_graph(*net, x);
    auto traced = ember::jit::trace(
        *net, [&](const std::vector<Tensor>& xs) { return std::vector<Tensor>{net->forward(xs[0])}; }, {x});
    manifest["graph_multi"] = {{"ops", graph_summary(traced.graph())}, {"text", traced.graph().str()}};
  }
  std::ofstream(out_dir + "/manifest.json") << manifest.dump(1);
  return 0;
}
