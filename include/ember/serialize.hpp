// LibTorch's serialization API: archives of named tensors, and torch::save / torch::load
// of modules, optimizers and tensors.
//
//   ember::save(model, "model.pt");          // model: a module holder or shared_ptr
//   ember::load(model, "model.pt");          // into the existing parameters and buffers
//   ember::save(optimizer, "optim.pt");  ember::load(optimizer, "optim.pt");
//
//   ember::serialize::OutputArchive archive;
//   model->save(archive);
//   archive.write("epoch", ember::tensor(7));
//   archive.save_to("checkpoint.pt");
//
// Files are ember's checkpoint formats (io.hpp): PyTorch's zip format, or safetensors
// for a name ending in ".safetensors". Unlike LibTorch's (a TorchScript archive that
// Python's torch.load cannot read), torch.load opens them: a dict of the archive's
// tensors under their dotted names ("encoder.0.weight"; nested archives add their key
// and a dot). Each key is written once; reading a missing key is an ember::Error.
#pragma once
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "ember/ordered_dict.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace nn {
class Module;
template <class M>
class ModuleHolder;
}  // namespace nn
namespace optim {
class Optimizer;
}

namespace serialize {

class OutputArchive {
 public:
  // is_buffer is accepted for LibTorch's signature; both kinds are stored alike.
  void write(const std::string& key, const Tensor& tensor, bool is_buffer = false);
  // Every entry of nested under "key.".
  void write(const std::string& key, const OutputArchive& nested);
  // A number, stored as a 0-dim tensor (float64, int64 or bool).
  void write(const std::string& key, double value);
  void write(const std::string& key, int64_t value);
  void write(const std::string& key, bool value);
  void save_to(const std::string& filename) const;
  // The archive as a state dict (tensors shared, in write order).
  const StateDict& state_dict() const { return entries_; }

 private:
  StateDict entries_;
};

class InputArchive {
 public:
  InputArchive() = default;
  explicit InputArchive(StateDict entries) : entries_(std::move(entries)) {}
  void load_from(const std::string& filename);
  // Reads key into tensor. A defined tensor of the same shape keeps its identity (and its
  // autograd state) and gets the values copied in without recording autograd; otherwise
  // the tensor is replaced. A missing key is an ember::Error naming it.
  void read(const std::string& key, Tensor& tensor, bool is_buffer = false);
  bool try_read(const std::string& key, Tensor& tensor, bool is_buffer = false);
  // The entries under "key." as an archive of their own.
  void read(const std::string& key, InputArchive& nested);
  bool try_read(const std::string& key, InputArchive& nested);
  void read(const std::string& key, double& value);
  void read(const std::string& key, int64_t& value);
  void read(const std::string& key, bool& value);
  std::vector<std::string> keys() const { return entries_.keys(); }
  const StateDict& state_dict() const { return entries_; }

 private:
  const Tensor& find(const std::string& key) const;
  StateDict entries_;
};

OutputArchive& operator<<(OutputArchive& archive, const nn::Module& module);
InputArchive& operator>>(InputArchive& archive, nn::Module& module);
OutputArchive& operator<<(OutputArchive& archive, const optim::Optimizer& optimizer);
InputArchive& operator>>(InputArchive& archive, optim::Optimizer& optimizer);

}  // namespace serialize

// torch::save / torch::load. load(module, path) copies into the module's existing
// tensors and needs every key (load_state_dict with strict=true).
void save(const nn::Module& module, const std::string& path);
void load(nn::Module& module, const std::string& path);
void save(const optim::Optimizer& optimizer, const std::string& path);
void load(optim::Optimizer& optimizer, const std::string& path);
// A list of tensors under the keys "0", "1", ... (torch.load gives a dict of them).
void save(const std::vector<Tensor>& tensors, const std::string& path);
void load(std::vector<Tensor>& tensors, const std::string& path);
// One tensor, as ember::save(tensor, path) writes it.
void load(Tensor& tensor, const std::string& path);

template <class M>
void save(const nn::ModuleHolder<M>& module, const std::string& path) {
  save(static_cast<const nn::Module&>(*module), path);
}
template <class M>
void load(nn::ModuleHolder<M>& module, const std::string& path) {
  load(static_cast<nn::Module&>(*module), path);
}
template <class M, class = std::enable_if_t<std::is_base_of<nn::Module, M>::value>>
void save(const std::shared_ptr<M>& module, const std::string& path) {
  save(static_cast<const nn::Module&>(*module), path);
}
template <class M, class = std::enable_if_t<std::is_base_of<nn::Module, M>::value>>
void load(const std::shared_ptr<M>& module, const std::string& path) {
  load(static_cast<nn::Module&>(*module), path);
}

}  // namespace ember
