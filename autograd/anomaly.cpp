// Anomaly detection. Creation sites are stacks of return addresses taken with
// backtrace() when a node is recorded (only while anomaly mode is on). The user's call
// is the innermost frame outside libember (and outside ember's and the standard
// library's header code compiled into the caller). Frames are symbolized only when an
// error is reported, with addr2line (file and line where the caller has debug info,
// otherwise the function name), falling back to module+offset.
//
// Why stacks instead of __builtin_FILE()/__builtin_LINE() default arguments: those would
// have to be added to every public op (operators, methods, free functions) to name the
// user's line; a stack costs nothing while anomaly mode is off and reaches every op.
#include "autograd/anomaly.hpp"

#include <dlfcn.h>
#include <elf.h>
#include <execinfo.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "ember/autograd.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace autograd {

std::atomic<bool> g_anomaly_enabled{false};

namespace {
std::atomic<bool> g_check_nan{true};

// Per thread: the module path stack and the node whose backward is running. Reached
// through functions so the library's static TLS block stays small.
struct ThreadState {
  std::vector<std::pair<const void*, std::string>> modules;
  std::shared_ptr<const AnomalyInfo> running;  // node whose backward runs now
  std::string running_name;
};
ThreadState& thread_state() {
  // A pointer keeps libember's static TLS block small (see tests/dlopen_check.cpp).
  static thread_local std::unique_ptr<ThreadState> s;
  if (!s) s = std::make_unique<ThreadState>();
  return *s;
}

// --- symbolizing -----------------------------------------------------------------

const void* ember_base() {
  static const void* base = [] {
    Dl_info info{};
    dladdr(reinterpret_cast<void*>(&capture_creation), &info);
    return info.dli_fbase;
  }();
  return base;
}

struct Frame {
  std::string function;
  std::string location;  // "file.cpp:42", or empty
};

// Whether a symbolized frame is code of ember's headers or the standard library that
// was compiled into the caller (templates, inline functions), not the user's own code.
bool is_library_code(const Frame& f) {
  // With line information the file decides (the name addr2line prints for the innermost
  // inlined frame may be that of the function it was inlined into).
  if (!f.location.empty())
    return f.location.find("include/ember/") != std::string::npos || f.location.rfind("/usr/include/", 0) == 0 ||
           f.location.find("/include/c++/") != std::string::npos;
  std::string name = f.function.substr(0, f.function.find('('));
  // Drop a leading return type ("ember::Tensor ember::foo<...>"): the last space at
  // template depth 0 separates it.
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '<') ++depth;
    if (name[i] == '>') --depth;
    if (name[i] == ' ' && depth == 0) start = i + 1;
  }
  name = name.substr(start);
  return name.rfind("ember::", 0) == 0 || name.rfind("std::", 0) == 0 || name.rfind("__gnu_cxx::", 0) == 0 ||
         name.rfind("Catch::", 0) == 0;
}

// addr2line for addresses of one module; each gives its inline chain, innermost first.
std::vector<std::vector<Frame>> addr2line(const std::string& module, const std::vector<uintptr_t>& offsets) {
  std::vector<std::vector<Frame>> out(offsets.size());
  std::string cmd = "addr2line -a -C -f -i -e '" + module + "'";
  for (uintptr_t o : offsets) cmd += fmt::format(" 0x{:x}", o);
  cmd += " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::vector<std::string> lines;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) {
    std::string l(buf);
    while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
    lines.push_back(l);
  }
  pclose(p);
  int idx = -1;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("0x", 0) == 0) {
      ++idx;
      continue;
    }
    if (idx < 0 || idx >= static_cast<int>(out.size()) || i + 1 >= lines.size()) continue;
    Frame f{lines[i], lines[i + 1]};
    ++i;
    if (f.location.rfind("??", 0) == 0) f.location.clear();
    std::size_t disc = f.location.find(" (discriminator");
    if (disc != std::string::npos) f.location.resize(disc);
    if (f.function == "??") f.function.clear();
    out[static_cast<std::size_t>(idx)].push_back(std::move(f));
  }
  return out;
}

std::string module_path_of(const Dl_info& info) {
  std::string name = info.dli_fname ? info.dli_fname : "";
  if (!name.empty() && name[0] == '/') return name;
  // The main program: resolve /proc/self/exe here, since addr2line runs as another process.
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : name;
}

bool position_independent(const void* base) {
  return base && static_cast<const Elf64_Ehdr*>(base)->e_type == ET_DYN;
}

}  // namespace

CallSite CallSite::capture() {
  CallSite s;
  s.count = backtrace(s.frames, kMaxFrames);
  return s;
}

std::string CallSite::describe() const {
  // Frames outside libember, grouped by module so each module costs one addr2line.
  const void* ours = ember_base();
  for (int i = 1; i < count; ++i) {
    Dl_info info{};
    if (!dladdr(frames[i], &info) || info.dli_fbase == ours) continue;
    // A return address points after the call; step back into the call instruction.
    uintptr_t pc = reinterpret_cast<uintptr_t>(frames[i]) - 1;
    uintptr_t off = position_independent(info.dli_fbase) ? pc - reinterpret_cast<uintptr_t>(info.dli_fbase) : pc;
    std::string module = module_path_of(info);
    // Symbolize this frame and a few callers at once (ember header code may come first).
    std::vector<int> idx;
    std::vector<uintptr_t> offs;
    for (int j = i; j < count && idx.size() < 8; ++j) {
      Dl_info inf{};
      if (!dladdr(frames[j], &inf) || inf.dli_fbase != info.dli_fbase) continue;
      uintptr_t pj = reinterpret_cast<uintptr_t>(frames[j]) - 1;
      idx.push_back(j);
      offs.push_back(position_independent(inf.dli_fbase) ? pj - reinterpret_cast<uintptr_t>(inf.dli_fbase) : pj);
    }
    std::vector<std::vector<Frame>> chains = addr2line(module, offs);
    for (const auto& chain : chains) {
      for (const Frame& f : chain) {
        if (is_library_code(f)) continue;
        if (f.location.empty())
          return fmt::format("{} (no line information: build with -g)", f.function.empty() ? "??" : f.function);
        // The file as addr2line found it, with "dir/../" folded away.
        std::size_t colon = f.location.rfind(':');
        return std::filesystem::path(f.location.substr(0, colon)).lexically_normal().string() +
               f.location.substr(colon);
      }
    }
    // Nothing symbolized (no addr2line, stripped binary): module and offset.
    return fmt::format("{}+0x{:x}{}", module, off,
                       info.dli_sname ? fmt::format(" ({})", info.dli_sname) : std::string());
  }
  return "an unknown place (no frame outside libember)";
}

void capture_creation(Node& node) {
  auto info = std::make_shared<AnomalyInfo>();
  info->site = CallSite::capture();
  ThreadState& ts = thread_state();
  if (!ts.modules.empty()) info->module_path = ts.modules.back().second;
  if (ts.running) {
    info->parent = ts.running;
    info->parent_name = ts.running_name;
  }
  node.anomaly = std::move(info);
}

std::string describe_node(const Node& node) {
  const AnomalyInfo* info = node.anomaly.get();
  if (!info) return fmt::format("{} (created while anomaly detection was off: no creation site)", node.name());
  std::string out = fmt::format("{}, created at {}", node.name(), info->site.describe());
  if (!info->module_path.empty()) out += fmt::format(" inside module {}", info->module_path);
  // The chain of parents: nodes made by a backward under create_graph.
  const AnomalyInfo* cur = info;
  std::string name = node.name();
  while (cur && cur->parent) {
    out += fmt::format("; {} was made by the backward of {}, created at {}", name, cur->parent_name,
                       cur->parent->site.describe());
    if (!cur->parent->module_path.empty()) out += fmt::format(" inside module {}", cur->parent->module_path);
    name = cur->parent_name;
    cur = cur->parent.get();
  }
  return out;
}

// --- in-place ops --------------------------------------------------------------------

namespace {
struct InplaceRecord {
  uint32_t version;  // the version the bump produced
  std::string op;
  CallSite site;
};
// Keyed by storage. Only filled while anomaly mode is on; an entry is trusted only when
// its version matches, and the table is cleared when it grows large.
std::mutex g_inplace_mutex;
std::unordered_map<const void*, InplaceRecord>& inplace_table() {
  static auto* table = new std::unordered_map<const void*, InplaceRecord>();
  return *table;
}
}  // namespace

void note_inplace(const Tensor& t, const char* op) {
  InplaceRecord r{t._version(), op ? op : "an in-place op", CallSite::capture()};
  std::lock_guard<std::mutex> lock(g_inplace_mutex);
  auto& table = inplace_table();
  if (table.size() > 100000) table.clear();
  table[t.unsafeGetTensorImpl()->storage] = std::move(r);
}

std::string version_error_note(const Node& saving, const Tensor& data) {
  if (!anomaly_enabled()) return "";
  std::string out = fmt::format("\n  the tensor was saved by {}", describe_node(saving));
  InplaceRecord r;
  bool found = false;
  {
    std::lock_guard<std::mutex> lock(g_inplace_mutex);
    auto& table = inplace_table();
    auto it = table.find(data.unsafeGetTensorImpl()->storage);
    if (it != table.end() && it->second.version == data._version()) {
      r = it->second;
      found = true;
    }
  }
  if (found)
    out += fmt::format("\n  and last changed in place by {}, called at {}", r.op, r.site.describe());
  else
    out += "\n  (the in-place change happened while anomaly detection was off, so its site is unknown)";
  return out;
}

// --- the backward pass ---------------------------------------------------------------

namespace {
struct RunningScope {
  ThreadState& ts;
  std::shared_ptr<const AnomalyInfo> prev;
  std::string prev_name;
  RunningScope(ThreadState& s, const Node& n) : ts(s), prev(std::move(s.running)), prev_name(std::move(s.running_name)) {
    ts.running = n.anomaly ? n.anomaly : std::make_shared<AnomalyInfo>();
    ts.running_name = n.name();
  }
  ~RunningScope() {
    ts.running = std::move(prev);
    ts.running_name = std::move(prev_name);
  }
};

// "NaN" or "Inf" when g has such a value.
const char* non_finite_kind(const Tensor& g) {
  if (!g.defined() || !is_floating_point(g.dtype())) return nullptr;
  Tensor c = g.detach().contiguous();
  int64_t n = c.numel();
  bool inf = false;
  auto scan = [&](auto* p) -> const char* {
    for (int64_t i = 0; i < n; ++i) {
      if (std::isnan(p[i])) return "NaN";
      if (std::isinf(p[i])) inf = true;
    }
    return inf ? "Inf" : nullptr;
  };
  if (c.dtype() == kFloat64) return scan(static_cast<const double*>(c.data_ptr()));
  if (c.dtype() == kFloat32) return scan(static_cast<const float*>(c.data_ptr()));
  Tensor d = c.to(kFloat64);
  n = d.numel();
  return scan(static_cast<const double*>(d.data_ptr()));
}
// Where non-finite values the node saved came from: a NaN in the forward pass (log of a
// negative number) often shows up only in the backward of a later op.
std::string saved_sources(const Node& node) {
  std::string out;
  for (std::size_t k = 0; k < node.saved.size(); ++k) {
    const SavedTensor& s = node.saved[k];
    const char* bad = non_finite_kind(s.data);
    if (!bad) continue;
    std::shared_ptr<Node> maker = s.is_output ? s.owner.lock() : s.grad_fn;
    if (maker && maker.get() != &node)
      out += fmt::format("\n  saved tensor {} of {} holds {}; it was made by {}", k, node.name(), bad,
                         describe_node(*maker));
    else
      out += fmt::format("\n  saved tensor {} of {} holds {}", k, node.name(), bad);
  }
  // And which ops made its inputs: a non-finite value often travels in from there.
  for (std::size_t k = 0; k < node.next.size(); ++k) {
    const Node* in = node.next[k].fn.get();
    if (in && !in->is_accumulator())
      out += fmt::format("\n  input {} of {} came from {}", k, node.name(), describe_node(*in));
  }
  return out;
}
}  // namespace

TensorList apply_with_anomaly_checks(Node& node, TensorList&& grads) {
  std::vector<Shape> grad_shapes;
  for (const Tensor& g : grads) grad_shapes.push_back(g.defined() ? g.sizes().shape() : Shape());
  TensorList out;
  {
    RunningScope scope(thread_state(), node);
    try {
      out = node.apply(std::move(grads));
    } catch (const Error& e) {
      throw Error(fmt::format("{}\n  [anomaly detection] the error came from the backward of {}", e.what(),
                              describe_node(node)));
    }
  }
  if (!g_check_nan.load(std::memory_order_relaxed) || node.is_accumulator()) return out;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const char* bad = non_finite_kind(out[i]);
    if (!bad) continue;
    std::string incoming;
    for (std::size_t k = 0; k < grad_shapes.size(); ++k)
      incoming += fmt::format("{}{}", k ? ", " : "", grad_shapes[k]);
    ember::detail::fail(fmt::format(
        "anomaly detection: the backward of {} returned {} values in its output {} (the gradient of shape {} for "
        "input {} of {}; incoming gradients of shapes {})\n  {}{}",
        node.name(), bad, i, out[i].sizes(), i, node.name(), incoming, describe_node(node), saved_sources(node)));
  }
  return out;
}

// --- public controls -----------------------------------------------------------------

void set_detect_anomaly(bool enabled, bool check_nan) {
  g_check_nan.store(check_nan, std::memory_order_relaxed);
  g_anomaly_enabled.store(enabled, std::memory_order_relaxed);
}
bool is_anomaly_enabled() { return anomaly_enabled(); }
bool is_anomaly_check_nan_enabled() { return g_check_nan.load(std::memory_order_relaxed); }

namespace internal {
const void* current_module_key() {
  ThreadState& ts = thread_state();
  return ts.modules.empty() ? nullptr : ts.modules.back().first;
}
std::string current_module_path() {
  ThreadState& ts = thread_state();
  return ts.modules.empty() ? std::string() : ts.modules.back().second;
}
void push_module_path(const void* key, std::string path) { thread_state().modules.emplace_back(key, std::move(path)); }
void pop_module_path() {
  ThreadState& ts = thread_state();
  if (!ts.modules.empty()) ts.modules.pop_back();
}
}  // namespace internal

}  // namespace autograd
}  // namespace ember
