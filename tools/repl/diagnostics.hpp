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
//
// It also lets an input end without the semicolon a declaration needs (auto y = x.sum(),
// as one types in Python): the "expected ';'" errors that end a declaration are made
// remarks, dropped when nothing but blanks and comments follows them in the input, and
// reported as the errors they are anywhere else. The declaration is thus parsed once,
// as written; a failed parse followed by a second one with the semicolon added would
// leave behind the templates the first one began to instantiate, never finished.
DiagnosticsControl* install_diagnostics(clang::CompilerInstance& ci);

}  // namespace ember_repl
