// Helpers shared by the optimizers and schedulers (not part of the public API).
#pragma once
#include <initializer_list>
#include <string>
#include <vector>

#include "ember/optim/optimizer.hpp"
#include "ember/tensor.hpp"

namespace ember {
namespace optim {
namespace internal {

// A double as Python prints it ("0.001", "-1.0" prints as "-1"), for messages.
std::string format_double(double value);

// True when param, its gradient and every state buffer are contiguous and of one
// floating dtype: the update can then run as one loop over raw memory.
bool fusable(const Tensor& param, std::initializer_list<const Tensor*> others);

// Raw writes through data_ptr() skip the version counter that in-place ops bump; bump it
// so that autograd still notices a parameter changed under a graph that saved it.
void bump_version(const Tensor& t);

constexpr double kPi = 3.14159265358979323846;  // Python's math.pi

// One value for every group, or one per group (PyTorch's _format_param); otherwise an
// ember::Error from who naming the argument.
std::vector<double> per_group(const std::vector<double>& values, std::size_t groups, const std::string& who,
                              const char* name);

// 0-dim and 1-D tensors for state dicts, and reading them back with checks.
Tensor real_tensor(double value);
Tensor count_tensor(int64_t value);
Tensor reals_tensor(const std::vector<double>& values);
Tensor ints_tensor(const std::vector<int64_t>& values);
double read_real(const StateDict& d, const std::string& key, const std::string& who);
int64_t read_count(const StateDict& d, const std::string& key, const std::string& who);
std::vector<double> read_reals(const StateDict& d, const std::string& key, const std::string& who);
std::vector<int64_t> read_ints(const StateDict& d, const std::string& key, const std::string& who);

}  // namespace internal
}  // namespace optim
}  // namespace ember
