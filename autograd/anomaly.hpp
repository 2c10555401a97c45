// Anomaly detection (ember::autograd::set_detect_anomaly), the recording side. While it
// is on, every node records where the user created it (a short stack of return
// addresses, symbolized only when an error is reported), the module path it was made
// in, and, for nodes made by a backward with create_graph, the node whose backward
// made them. In-place ops record their site with the version bump. While it is off,
// recording pays one relaxed load of a global flag.
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "autograd/node.hpp"

namespace ember {
namespace autograd {

extern std::atomic<bool> g_anomaly_enabled;
inline bool anomaly_enabled() { return g_anomaly_enabled.load(std::memory_order_relaxed); }

// Raw return addresses of the call that created something (innermost first).
struct CallSite {
  static constexpr int kMaxFrames = 24;
  void* frames[kMaxFrames];
  int count = 0;
  static CallSite capture();
  // "test_x.cpp:42 (in fn())": the innermost frame outside ember, symbolized.
  std::string describe() const;
};

struct AnomalyInfo {
  CallSite site;
  std::string module_path;                    // "Net.fc1", empty outside modules
  std::string parent_name;                    // the node whose backward created this one
  std::shared_ptr<const AnomalyInfo> parent;  // and its own record
};

void capture_creation(Node& node);
inline void note_creation(Node& node) {
  if (anomaly_enabled()) capture_creation(node);
}

void note_inplace(const Tensor& t, const char* op);
// Appended to the "modified by an in-place operation" error: where the saving node was
// created and which in-place op (and where) last changed the tensor. Empty when off.
std::string version_error_note(const Node& saving, const Tensor& data);

// The engine runs each node through this while anomaly mode is on: records the node as
// the parent of nodes its backward creates, adds the creation site to errors, and
// checks the gradients for NaN and Inf.
TensorList apply_with_anomaly_checks(Node& node, TensorList&& grads);

// "sqrt, created at f.cpp:3 (in g()), in module Net.fc1; made by the backward of ..."
std::string describe_node(const Node& node);

}  // namespace autograd
}  // namespace ember
