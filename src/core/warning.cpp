// Warnings: a per-thread handler (LibTorch keeps its handler per thread too), so a test
// capturing warnings on one thread never sees another thread's.
#include "ember/warning.hpp"

#include <cstdio>

namespace ember {

void WarningHandler::process(const Warning& warning) {
  std::fprintf(stderr, "[W] %s\n", warning.msg().c_str());
}

namespace {
WarningHandler& default_handler() {
  static WarningHandler handler;
  return handler;
}
thread_local WarningHandler* current_handler = nullptr;
}  // namespace

namespace WarningUtils {
void set_warning_handler(WarningHandler* handler) { current_handler = handler; }
WarningHandler* get_warning_handler() { return current_handler ? current_handler : &default_handler(); }
}  // namespace WarningUtils

void warn(const std::string& msg, const char* file, int line) {
  WarningUtils::get_warning_handler()->process(Warning(msg, file, line));
}

}  // namespace ember
