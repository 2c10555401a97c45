// Warnings ember gives without stopping (PyTorch's UserWarning, LibTorch's TORCH_WARN),
// and the handler that receives them, so a program or a test can capture them:
//
//   struct Capture : ember::WarningHandler {
//     std::vector<std::string> seen;
//     void process(const ember::Warning& w) override { seen.push_back(w.msg()); }
//   } capture;
//   ember::WarningUtils::WarningHandlerGuard guard(&capture);   // this thread, this scope
//   F::mse_loss(x.view({4, 1}), y.view({4}));                    // capture.seen has one
//
// Without a handler of its own, a thread's warnings go to standard error as
// "[W] op: message". Handlers are per thread, as LibTorch's are.
#pragma once
#include <string>

namespace ember {

class Warning {
 public:
  Warning(std::string msg, const char* file = "", int line = 0) : msg_(std::move(msg)), file_(file), line_(line) {}
  const std::string& msg() const { return msg_; }
  // Where in ember the warning was raised (for bug reports), not the user's line.
  const char* file() const { return file_; }
  int line() const { return line_; }

 private:
  std::string msg_;
  const char* file_;
  int line_;
};

class WarningHandler {
 public:
  virtual ~WarningHandler() = default;
  // The default prints "[W] " + msg to standard error.
  virtual void process(const Warning& warning);
};

namespace WarningUtils {
// The calling thread's handler; nullptr restores the default one.
void set_warning_handler(WarningHandler* handler);
WarningHandler* get_warning_handler();

// Installs a handler for this thread for the guard's lifetime, then restores the previous.
class WarningHandlerGuard {
 public:
  explicit WarningHandlerGuard(WarningHandler* handler) : previous_(get_warning_handler()) {
    set_warning_handler(handler);
  }
  ~WarningHandlerGuard() { set_warning_handler(previous_); }
  WarningHandlerGuard(const WarningHandlerGuard&) = delete;
  WarningHandlerGuard& operator=(const WarningHandlerGuard&) = delete;

 private:
  WarningHandler* previous_;
};
}  // namespace WarningUtils

// Gives msg to the calling thread's handler. Ops call it through EMBER_WARN, which
// records ember's own file and line.
void warn(const std::string& msg, const char* file = "", int line = 0);

}  // namespace ember

#define EMBER_WARN(msg) ::ember::warn((msg), __FILE__, __LINE__)
