// The device model: every tensor is on the CPU; naming another device is an error at
// the op that would need it.
#include "ember/device.hpp"

#include <cctype>

#include "ember/error.hpp"
#include "src/core/check.hpp"

namespace ember {

Device::Device(const std::string& spec) : type_(DeviceType::CPU), index_(-1) {
  std::string kind = spec, index;
  auto colon = spec.find(':');
  if (colon != std::string::npos) {
    kind = spec.substr(0, colon);
    index = spec.substr(colon + 1);
  }
  if (kind == "cpu") {
    type_ = DeviceType::CPU;
  } else if (kind == "cuda") {
    type_ = DeviceType::CUDA;
  } else {
    throw Error("Device: expected a device string such as \"cpu\" or \"cuda:0\", got \"" + spec + "\"");
  }
  if (colon != std::string::npos) {
    bool digits = !index.empty() && index.size() < 4;
    for (char c : index) digits &= std::isdigit(static_cast<unsigned char>(c)) != 0;
    if (!digits) throw Error("Device: invalid device index in \"" + spec + "\"");
    index_ = static_cast<int8_t>(std::stoi(index));
  }
  validate();
}

void Device::validate() const {
  EMBER_CHECK(index_ >= -1, "Device: device index must be -1 (none) or non-negative, got {}", index_);
  EMBER_CHECK(type_ != DeviceType::CPU || index_ <= 0, "Device: CPU device index must be -1 or zero, got {}", index_);
}

std::string Device::str() const {
  std::string s = type_ == DeviceType::CPU ? "cpu" : "cuda";
  if (has_index()) s += ":" + std::to_string(index_);
  return s;
}

std::ostream& operator<<(std::ostream& os, DeviceType type) { return os << (type == DeviceType::CPU ? "cpu" : "cuda"); }
std::ostream& operator<<(std::ostream& os, const Device& device) { return os << device.str(); }

namespace detail {
void check_cpu(const Device& device, const char* op) {
  EMBER_CHECK(device.is_cpu(), "{}: ember runs on the CPU only; device {} is not available (ember::cuda::is_available() "
              "is false)", op, device.str());
}
}  // namespace detail

}  // namespace ember
