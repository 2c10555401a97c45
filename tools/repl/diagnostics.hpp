// Compiler diagnostics for the prompt: clang's own text (message, source line, caret),
// without the "In file included from <<< inputs >>>" lines every input would otherwise
// carry, and with a switch to keep quiet while the REPL compiles code of its own.
#pragma once

#include <memory>
#include <string>

namespace clang {
class CompilerInstance;
}

namespace ember_repl {

class DiagnosticsControl {
 public:
  virtual ~DiagnosticsControl() = default;
  // Errors reported since the last reset().
  virtual unsigned errors() const = 0;
  virtual void reset() = 0;
  // While muted, diagnostics are counted but not printed.
  virtual void set_muted(bool muted) = 0;
  // While held, diagnostics are kept; take_held() returns them and stops holding.
  virtual void hold() = 0;
  virtual std::string take_held() = 0;
};

// Replaces the compiler's diagnostic printer; the returned control stays valid as long
// as the compiler instance lives.
DiagnosticsControl* install_diagnostics(clang::CompilerInstance& ci);

}  // namespace ember_repl
