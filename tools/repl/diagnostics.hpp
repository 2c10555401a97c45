// Compiler diagnostics for the prompt: clang's own text (message, source line, caret),
// without the "In file included from <<< inputs >>>" lines every input would otherwise
// carry, and with a way to hold them back (to drop or print later).
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
  // While held, diagnostics are kept; take_held() returns them and stops holding.
  virtual void hold() = 0;
  virtual std::string take_held() = 0;
};

// Replaces the compiler's diagnostic printer; the returned control stays valid as long
// as the compiler instance lives.
DiagnosticsControl* install_diagnostics(clang::CompilerInstance& ci);

}  // namespace ember_repl
