// LibTorch's device model, for a library that runs on the CPU. Code written for
// LibTorch names devices (`x.to(device)`, `TensorOptions().device(kCPU)`,
// `torch::cuda::is_available() ? kCUDA : kCPU`); ember accepts all of it, answers that
// every tensor is on the CPU, and refuses any other device with an ember::Error.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>

namespace ember {

enum class DeviceType : int8_t { CPU = 0, CUDA = 1 };
constexpr DeviceType kCPU = DeviceType::CPU;
constexpr DeviceType kCUDA = DeviceType::CUDA;

class Device {
 public:
  Device(DeviceType type, int8_t index = -1) : type_(type), index_(index) { validate(); }
  // "cpu", "cuda", "cuda:1", as torch::Device("cuda:1").
  Device(const std::string& spec);
  Device(const char* spec) : Device(std::string(spec)) {}

  DeviceType type() const { return type_; }
  int8_t index() const { return index_; }
  bool has_index() const { return index_ >= 0; }
  bool is_cpu() const { return type_ == DeviceType::CPU; }
  bool is_cuda() const { return type_ == DeviceType::CUDA; }
  std::string str() const;

  friend bool operator==(const Device& a, const Device& b) { return a.type_ == b.type_ && a.index_ == b.index_; }
  friend bool operator!=(const Device& a, const Device& b) { return !(a == b); }

 private:
  void validate() const;
  DeviceType type_;
  int8_t index_;
};

std::ostream& operator<<(std::ostream& os, DeviceType type);
std::ostream& operator<<(std::ostream& os, const Device& device);

namespace detail {
// Throws ember::Error naming `op` unless `device` is the CPU.
void check_cpu(const Device& device, const char* op);
}  // namespace detail

namespace cuda {
// ember has no CUDA backend: these answer as a CPU-only LibTorch does.
inline bool is_available() { return false; }
inline int64_t device_count() { return 0; }
}  // namespace cuda

}  // namespace ember
