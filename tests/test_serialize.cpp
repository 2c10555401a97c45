// LibTorch's serialization API: save/load of modules, optimizers and tensor lists, and
// the archives under them. The files are ember checkpoints; tests/python/torch_interop.py
// checks that torch.load reads one written by ember::save(module, path).
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h>

#include "ember/ember.hpp"

using namespace ember;

namespace {
std::string temp_path(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/ember_serialize_" + std::to_string(::getpid()) + "_" + name;
}

nn::Sequential small_model() {
  return nn::Sequential(nn::Linear(3, 4), nn::BatchNorm1d(4), nn::ReLU(), nn::Linear(4, 2));
}
}  // namespace

TEST_CASE("save and load a module keep its parameters' identity and copy the values", "[serialize]") {
  manual_seed(0);
  nn::Sequential saved = small_model();
  saved->forward(randn({5, 3}));  // batch norm statistics move away from their start
  std::string path = temp_path("model.pt");
  ember::save(saved, path);

  manual_seed(1);
  nn::Sequential loaded = small_model();
  Tensor weight_before = loaded->named_parameters()["0.weight"];
  ember::load(loaded, path);
  CHECK(loaded->named_parameters()["0.weight"].is_alias_of(weight_before));
  for (const auto& item : saved->state_dict()) {
    INFO(item.key());
    CHECK(equal(loaded->state_dict()[item.key()], item.value()));
  }
  CHECK(loaded->named_parameters()["0.weight"].requires_grad());

  nn::Sequential other(nn::Linear(3, 4));
  CHECK_THROWS_WITH(ember::load(other, path), Catch::Matchers::Contains("Unexpected key(s)"));
  std::remove(path.c_str());
}

TEST_CASE("an optimizer's state survives save and load", "[serialize]") {
  manual_seed(0);
  nn::Linear model(3, 2);
  optim::Adam adam(model->parameters(), optim::AdamOptions(0.01));
  for (int i = 0; i < 3; ++i) {
    adam.zero_grad();
    model(randn({4, 3})).pow(2).sum().backward();
    adam.step();
  }
  std::string path = temp_path("adam.pt");
  ember::save(adam, path);
  optim::Adam restored(model->parameters(), optim::AdamOptions(0.5));
  ember::load(restored, path);
  StateDict a = adam.state_dict(), b = restored.state_dict();
  REQUIRE(a.keys() == b.keys());
  for (const auto& item : a) {
    INFO(item.key());
    CHECK(equal(b[item.key()], item.value()));
  }
  std::remove(path.c_str());
}

TEST_CASE("archives nest, hold numbers, and name missing keys", "[serialize]") {
  serialize::OutputArchive inner;
  inner.write("w", arange(6).view({2, 3}));
  serialize::OutputArchive out;
  out.write("model", inner);
  out.write("epoch", int64_t{7});
  out.write("lr", 0.125);
  out.write("done", true);
  CHECK_THROWS_WITH(out.write("epoch", int64_t{8}), Catch::Matchers::Contains("'epoch' was already written"));
  std::string path = temp_path("archive.safetensors");
  out.save_to(path);

  serialize::InputArchive in;
  in.load_from(path);
  CHECK(in.keys() == std::vector<std::string>{"model.w", "epoch", "lr", "done"});
  serialize::InputArchive nested;
  in.read("model", nested);
  Tensor w;
  nested.read("w", w);
  CHECK(equal(w, arange(6).view({2, 3})));
  int64_t epoch = 0;
  double lr = 0;
  bool done = false;
  in.read("epoch", epoch);
  in.read("lr", lr);
  in.read("done", done);
  CHECK(epoch == 7);
  CHECK(lr == 0.125);
  CHECK(done);
  Tensor missing;
  CHECK_FALSE(in.try_read("nothing", missing));
  CHECK_THROWS_WITH(in.read("nothing", missing), Catch::Matchers::Contains("no key 'nothing'"));
  CHECK_THROWS_WITH(in.read("model.w", lr), Catch::Matchers::Contains("shape [2, 3], not a single number"));
  std::remove(path.c_str());
}

TEST_CASE("tensor lists and single tensors save and load", "[serialize]") {
  std::vector<Tensor> list{arange(3), ones({2, 2}, TensorOptions().dtype(kFloat64)), tensor({true, false})};
  std::string path = temp_path("list.pt");
  ember::save(list, path);
  std::vector<Tensor> back;
  ember::load(back, path);
  REQUIRE(back.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(equal(back[i], list[i]));

  Tensor single;
  ember::save(arange(4), path);
  ember::load(single, path);
  CHECK(equal(single, arange(4)));
  std::remove(path.c_str());
}
