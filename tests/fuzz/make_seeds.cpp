// Writes the seed files ember makes itself (the rest come from make_seeds.py):
//   ember-fuzz-make-seeds tests/fuzz/corpus
// safetensors and torch.save files of small state dicts, and the pickle of one of the
// torch files (its storages hold 0, 8, 64 and 256 bytes, as the pickle target's
// archive provides).
#include <cstdio>
#include <filesystem>
#include <string>

#include "ember/creation.hpp"
#include "ember/io.hpp"
#include "src/io/file.hpp"
#include "src/io/zip.hpp"

namespace fs = std::filesystem;
using ember::StateDict;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus directory>\n", argv[0]);
    return 2;
  }
  const fs::path out = argv[1];
  for (const char* dir : {"safetensors", "torch", "pickle"}) fs::create_directories(out / dir);

  StateDict mixed;
  mixed.insert("a", ember::zeros({0}));                                         // 0 bytes
  mixed.insert("b", ember::full({1}, 7, ember::TensorOptions(ember::kInt64)));  // 8
  mixed.insert("c", ember::arange(8, ember::TensorOptions(ember::kFloat64)));   // 64
  mixed.insert("d", ember::ones({16, 16}, ember::TensorOptions(ember::kBool)));  // 256
  StateDict layer;
  layer.insert("layer.0.weight", ember::arange(6).reshape({2, 3}).to(ember::kFloat32));
  layer.insert("layer.0.bias", ember::full({2}, -0.5));
  layer.insert("step", ember::scalar_tensor(3, ember::TensorOptions(ember::kInt64)));
  layer.insert("empty", ember::zeros({2, 0}));
  ember::Metadata meta;
  meta.insert("format", "pt");
  meta.insert("note", "quote \" backslash \\ tab \t");

  ember::save(mixed, (out / "safetensors" / "ember_mixed.safetensors").string());
  ember::save(layer, (out / "safetensors" / "ember_layer.safetensors").string(), meta);
  ember::save(StateDict(), (out / "safetensors" / "ember_empty.safetensors").string());
  ember::save(ember::arange(5).to(ember::kFloat32), (out / "safetensors" / "ember_tensor.safetensors").string());
  const std::string mixed_pt = (out / "torch" / "ember_mixed.pt").string();
  ember::save(mixed, mixed_pt);
  ember::save(layer, (out / "torch" / "ember_layer.pt").string());
  ember::save(ember::arange(5).to(ember::kFloat32), (out / "torch" / "ember_tensor.pt").string());

  const std::string archive = ember::io::read_file(mixed_pt, "make_seeds");
  ember::io::ZipReader zip(archive, "make_seeds");
  const ember::io::ZipReader::Entry* pkl = zip.find("archive/data.pkl");
  if (pkl == nullptr) return 1;
  std::FILE* f = std::fopen((out / "pickle" / "ember_mixed.pkl").c_str(), "wb");
  if (f == nullptr) return 1;
  std::fwrite(zip.data(*pkl), 1, pkl->size, f);
  std::fclose(f);
  return 0;
}
