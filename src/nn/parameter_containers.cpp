// ParameterList and ParameterDict: registration, lookup and PyTorch's reprs.
#include "ember/nn/parameter_containers.hpp"

#include <ostream>
#include <string>
#include <vector>

#include "ember/error.hpp"

namespace ember {
namespace nn {

namespace {
// "2x3", as PyTorch's parameter containers print a size.
std::string size_text(const Tensor& t) {
  std::string s;
  for (int64_t d = 0; d < t.dim(); ++d) s += (d ? "x" : "") + std::to_string(t.size(d));
  return s;
}
// torch.typename of a CPU tensor: torch.FloatTensor, torch.DoubleTensor, ...
std::string legacy_type_name(Dtype dtype) {
  switch (dtype) {
    case kFloat32: return "torch.FloatTensor";
    case kFloat64: return "torch.DoubleTensor";
    case kInt64: return "torch.LongTensor";
    case kBool: return "torch.BoolTensor";
    case kInt32: return "torch.IntTensor";
    case kInt16: return "torch.ShortTensor";
    case kInt8: return "torch.CharTensor";
    case kUInt8: return "torch.ByteTensor";
    case kFloat16: return "torch.HalfTensor";
    case kBFloat16: return "torch.BFloat16Tensor";
    default: return std::string("torch.") + dtype_name(dtype);
  }
}
// Module.__repr__ of PyTorch: one extra line inline, several indented by two spaces.
void print_lines(std::ostream& os, const std::string& name, const std::vector<std::string>& lines) {
  os << name << "(";
  if (lines.size() == 1) {
    os << lines[0];
  } else if (!lines.empty()) {
    os << "\n";
    for (const auto& line : lines) os << "  " << line << "\n";
  }
  os << ")";
}
}  // namespace

void ParameterListImpl::append(const Tensor& param) {
  if (!param.defined()) throw Error("ParameterList: cannot append an undefined tensor");
  register_parameter(std::to_string(size()), param);
}

const Tensor& ParameterListImpl::at(std::size_t idx) const {
  if (idx >= size())
    throw Error("ParameterList: Index out of range: index " + std::to_string(idx) + " for a list of " +
                std::to_string(size()));
  return own_parameters()[idx].value();
}
Tensor& ParameterListImpl::at(std::size_t idx) {
  return const_cast<Tensor&>(static_cast<const ParameterListImpl&>(*this).at(idx));
}

void ParameterListImpl::pretty_print(std::ostream& os) const {
  // ParameterList.extra_repr of PyTorch 1.13 indents its lines by two spaces itself.
  std::vector<std::string> lines;
  for (const auto& item : own_parameters())
    lines.push_back("  (" + item.key() + "): Parameter containing: [torch." + dtype_name(item.value().dtype()) +
                    " of size " + size_text(item.value()) + "]");
  print_lines(os, type_name(), lines);
}

void ParameterDictImpl::insert(const std::string& key, const Tensor& param) {
  if (!param.defined()) throw Error("ParameterDict: cannot insert an undefined tensor under '" + key + "'");
  if (contains(key)) {
    Tensor& slot = get(key);
    slot = param;
    if (!slot.requires_grad()) slot.requires_grad_(true);
    return;
  }
  register_parameter(key, param);
}

void ParameterDictImpl::update(const OrderedDict<Tensor>& params) {
  for (const auto& item : params) insert(item.key(), item.value());
}

const Tensor& ParameterDictImpl::get(const std::string& key) const {
  const Tensor* found = own_parameters().find(key);
  if (!found) throw Error("ParameterDict: no parameter named '" + key + "'");
  return *found;
}
Tensor& ParameterDictImpl::get(const std::string& key) {
  return const_cast<Tensor&>(static_cast<const ParameterDictImpl&>(*this).get(key));
}

Tensor ParameterDictImpl::pop(const std::string& key) {
  if (!contains(key)) throw Error("ParameterDict: pop: no parameter named '" + key + "'");
  return unregister_parameter(key);
}
void ParameterDictImpl::clear() {
  for (const std::string& key : keys()) unregister_parameter(key);
}

std::vector<Tensor> ParameterDictImpl::values() const {
  std::vector<Tensor> out;
  for (const auto& item : own_parameters()) out.push_back(item.value());
  return out;
}

void ParameterDictImpl::pretty_print(std::ostream& os) const {
  // PyTorch 1.13 joins its lines, each starting "  (", then prints them as extra_repr.
  std::vector<std::string> lines;
  for (const auto& item : own_parameters())
    lines.push_back("  (" + item.key() + "): Parameter containing: [" + legacy_type_name(item.value().dtype()) +
                    " of size " + size_text(item.value()) + "]");
  print_lines(os, type_name(), lines);
}

}  // namespace nn
}  // namespace ember
