#include "src/optim/common.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "ember/creation.hpp"

namespace ember {
namespace optim {
namespace internal {

std::string format_double(double value) {
  // The shortest form that reads back as the same double, as Python's repr.
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  return buf;
}

bool fusable(const Tensor& param, std::initializer_list<const Tensor*> others) {
  Dtype dt = param.dtype();
  if ((dt != kFloat32 && dt != kFloat64) || !param.is_contiguous()) return false;
  for (const Tensor* t : others)
    if (t->defined() && (t->dtype() != dt || !t->is_contiguous() || t->numel() != param.numel())) return false;
  return true;
}

void bump_version(const Tensor& t) { ++t.unsafeGetTensorImpl()->storage->version; }

Tensor real_tensor(double value) { return scalar_tensor(value, kFloat64); }
Tensor count_tensor(int64_t value) { return scalar_tensor(value, kInt64); }
Tensor reals_tensor(const std::vector<double>& values) { return tensor(values, kFloat64); }
Tensor ints_tensor(const std::vector<int64_t>& values) { return tensor(values, kInt64); }

namespace {
const Tensor& require(const StateDict& d, const std::string& key, const std::string& who) {
  const Tensor* t = d.find(key);
  if (!t || !t->defined()) throw Error(who + ": missing key '" + key + "'");
  return *t;
}
Tensor require_scalar(const StateDict& d, const std::string& key, const std::string& who) {
  const Tensor& t = require(d, key, who);
  if (t.numel() != 1)
    throw Error(who + ": '" + key + "' should hold one value, got a tensor of " + std::to_string(t.numel()));
  return t;
}
}  // namespace

double read_real(const StateDict& d, const std::string& key, const std::string& who) {
  return require_scalar(d, key, who).to(kFloat64).item<double>();
}
int64_t read_count(const StateDict& d, const std::string& key, const std::string& who) {
  // Accepts PyTorch's float step counts too.
  return static_cast<int64_t>(std::llround(read_real(d, key, who)));
}
std::vector<double> read_reals(const StateDict& d, const std::string& key, const std::string& who) {
  const Tensor& t = require(d, key, who);
  if (t.dim() > 1) throw Error(who + ": '" + key + "' should be 1-D, got " + std::to_string(t.dim()) + " dims");
  return t.to(kFloat64).tolist<double>();
}
std::vector<int64_t> read_ints(const StateDict& d, const std::string& key, const std::string& who) {
  const Tensor& t = require(d, key, who);
  if (t.dim() > 1) throw Error(who + ": '" + key + "' should be 1-D, got " + std::to_string(t.dim()) + " dims");
  if (t.is_floating_point()) throw Error(who + ": '" + key + "' should hold integers, got a floating-point tensor");
  return t.to(kInt64).tolist<int64_t>();
}

std::vector<double> per_group(const std::vector<double>& values, std::size_t groups, const std::string& who,
                              const char* name) {
  if (values.size() == 1) return std::vector<double>(groups, values[0]);
  if (values.size() != groups)
    throw Error(who + ": expected " + std::to_string(groups) + " values for " + name + ", got " +
                std::to_string(values.size()));
  return values;
}

}  // namespace internal
}  // namespace optim
}  // namespace ember
