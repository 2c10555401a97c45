// LibTorch's archives over ember's state dicts: an archive is a flat, ordered list of
// dotted names and tensors, so its file is an ordinary ember checkpoint that Python's
// torch.load reads as a dict.
#include "ember/serialize.hpp"

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/error.hpp"
#include "ember/io.hpp"
#include "ember/nn/module.hpp"
#include "ember/optim/optimizer.hpp"

namespace ember {
namespace serialize {

namespace {
Format format_for(const std::string& path) {
  const std::string ext = ".safetensors";
  bool safetensors = path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  return safetensors ? Format::SafeTensors : Format::Torch;
}

std::string shape_text(const Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}
}  // namespace

void OutputArchive::write(const std::string& key, const Tensor& tensor, bool) {
  if (!tensor.defined()) throw Error("OutputArchive::write: the tensor for key '" + key + "' is undefined");
  if (entries_.contains(key)) throw Error("OutputArchive::write: key '" + key + "' was already written");
  entries_.insert(key, tensor.detach());
}

void OutputArchive::write(const std::string& key, const OutputArchive& nested) {
  for (const auto& item : nested.entries_) write(key + "." + item.key(), item.value());
}

void OutputArchive::write(const std::string& key, double value) {
  write(key, scalar_tensor(value, TensorOptions().dtype(kFloat64)));
}
void OutputArchive::write(const std::string& key, int64_t value) {
  write(key, scalar_tensor(value, TensorOptions().dtype(kInt64)));
}
void OutputArchive::write(const std::string& key, bool value) {
  write(key, scalar_tensor(value, TensorOptions().dtype(kBool)));
}

void OutputArchive::save_to(const std::string& filename) const {
  ember::save(entries_, filename, format_for(filename));
}

void InputArchive::load_from(const std::string& filename) { entries_ = ember::load(filename); }

const Tensor& InputArchive::find(const std::string& key) const {
  const Tensor* found = entries_.find(key);
  if (!found) throw Error("InputArchive::read: no key '" + key + "' in the archive");
  return *found;
}

bool InputArchive::try_read(const std::string& key, Tensor& tensor, bool) {
  const Tensor* found = entries_.find(key);
  if (!found) return false;
  if (tensor.defined() && tensor.sizes() == found->sizes()) {
    NoGradGuard no_grad;
    tensor.copy_(*found);
  } else {
    tensor = found->clone();
  }
  return true;
}

void InputArchive::read(const std::string& key, Tensor& tensor, bool is_buffer) {
  if (!try_read(key, tensor, is_buffer)) find(key);  // throws, naming the key
}

bool InputArchive::try_read(const std::string& key, InputArchive& nested) {
  StateDict inner;
  std::string prefix = key + ".";
  for (const auto& item : entries_)
    if (item.key().compare(0, prefix.size(), prefix) == 0) inner.insert(item.key().substr(prefix.size()), item.value());
  if (inner.is_empty()) return false;
  nested = InputArchive(std::move(inner));
  return true;
}

void InputArchive::read(const std::string& key, InputArchive& nested) {
  if (!try_read(key, nested)) throw Error("InputArchive::read: no entries under '" + key + ".' in the archive");
}

namespace {
const Tensor& scalar_entry(const Tensor& t, const std::string& key) {
  if (t.numel() != 1)
    throw Error("InputArchive::read: key '" + key + "' holds a tensor of shape " + shape_text(t) +
                ", not a single number");
  return t;
}
}  // namespace

void InputArchive::read(const std::string& key, double& value) {
  value = scalar_entry(find(key), key).item<double>();
}
void InputArchive::read(const std::string& key, int64_t& value) {
  value = scalar_entry(find(key), key).item<int64_t>();
}
void InputArchive::read(const std::string& key, bool& value) {
  value = scalar_entry(find(key), key).item<bool>();
}

OutputArchive& operator<<(OutputArchive& archive, const nn::Module& module) {
  module.save(archive);
  return archive;
}
InputArchive& operator>>(InputArchive& archive, nn::Module& module) {
  module.load(archive);
  return archive;
}
OutputArchive& operator<<(OutputArchive& archive, const optim::Optimizer& optimizer) {
  for (const auto& item : optimizer.state_dict()) archive.write(item.key(), item.value());
  return archive;
}
InputArchive& operator>>(InputArchive& archive, optim::Optimizer& optimizer) {
  optimizer.load_state_dict(archive.state_dict());
  return archive;
}

}  // namespace serialize

namespace nn {
void Module::save(serialize::OutputArchive& archive) const {
  for (const auto& item : state_dict()) archive.write(item.key(), item.value());
}
void Module::load(serialize::InputArchive& archive) { load_state_dict(archive.state_dict(), /*strict=*/true); }
}  // namespace nn

void save(const nn::Module& module, const std::string& path) {
  serialize::OutputArchive archive;
  archive << module;
  archive.save_to(path);
}

void load(nn::Module& module, const std::string& path) {
  serialize::InputArchive archive;
  archive.load_from(path);
  archive >> module;
}

void save(const optim::Optimizer& optimizer, const std::string& path) {
  serialize::OutputArchive archive;
  archive << optimizer;
  archive.save_to(path);
}

void load(optim::Optimizer& optimizer, const std::string& path) {
  serialize::InputArchive archive;
  archive.load_from(path);
  archive >> optimizer;
}

void save(const std::vector<Tensor>& tensors, const std::string& path) {
  serialize::OutputArchive archive;
  for (std::size_t i = 0; i < tensors.size(); ++i) archive.write(std::to_string(i), tensors[i]);
  archive.save_to(path);
}

void load(std::vector<Tensor>& tensors, const std::string& path) {
  serialize::InputArchive archive;
  archive.load_from(path);
  std::vector<Tensor> out;
  for (std::size_t i = 0;; ++i) {
    Tensor t;
    if (!archive.try_read(std::to_string(i), t)) break;
    out.push_back(t);
  }
  if (out.size() != archive.keys().size())
    throw Error("load: '" + path + "' does not hold a list of tensors (keys \"0\", \"1\", ...)");
  tensors = std::move(out);
}

void load(Tensor& tensor, const std::string& path) { tensor = load_tensor(path); }

}  // namespace ember
