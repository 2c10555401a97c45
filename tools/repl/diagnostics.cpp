// Built with -fno-rtti: the consumer derives from a class of LLVM's, which is built
// without run-time type information.
#include "diagnostics.hpp"

#include <clang/Basic/Diagnostic.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/TextDiagnosticPrinter.h>
#include <llvm/Support/raw_ostream.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <utility>

namespace ember_repl {
namespace {

class ReplDiagnostics : public clang::DiagnosticConsumer, public DiagnosticsControl {
 public:
  ReplDiagnostics(clang::DiagnosticOptions* opts) : stream_(buffer_), printer_(stream_, opts) {}

  void BeginSourceFile(const clang::LangOptions& lang, const clang::Preprocessor* pp) override {
    printer_.BeginSourceFile(lang, pp);
  }
  void EndSourceFile() override { printer_.EndSourceFile(); }

  void HandleDiagnostic(clang::DiagnosticsEngine::Level level, const clang::Diagnostic& info) override {
    DiagnosticConsumer::HandleDiagnostic(level, info);
    if (level >= clang::DiagnosticsEngine::Error) ++errors_;
    printer_.HandleDiagnostic(level, info);
    stream_.flush();
    emit();
    buffer_.clear();
  }

  unsigned errors() const override { return errors_; }
  void reset() override { errors_ = 0; }
  void hold() override { holding_ = true; }
  std::string take_held() override {
    holding_ = false;
    return std::exchange(held_, {});
  }

 private:
  // Writes the buffered text to stderr, dropping the lines that point at the
  // interpreter's virtual main file (include stacks, "included multiple times" notes).
  void emit() {
    std::cout.flush();  // keep program output and diagnostics in order
    std::string out;
    std::size_t start = 0;
    while (start < buffer_.size()) {
      std::size_t end = buffer_.find('\n', start);
      if (end == std::string::npos) end = buffer_.size() - 1;
      std::string line = buffer_.substr(start, end - start + 1);
      if (line.find("<<< inputs >>>") == std::string::npos) out += line;
      start = end + 1;
    }
    if (holding_) {
      held_ += out;
      return;
    }
    std::fputs(out.c_str(), stderr);
    std::fflush(stderr);
  }

  std::string buffer_;
  llvm::raw_string_ostream stream_;
  clang::TextDiagnosticPrinter printer_;
  unsigned errors_ = 0;
  bool holding_ = false;
  std::string held_;
};

}  // namespace

DiagnosticsControl* install_diagnostics(clang::CompilerInstance& ci) {
  clang::DiagnosticsEngine& engine = ci.getDiagnostics();
  auto* diags = new ReplDiagnostics(&engine.getDiagnosticOptions());
  engine.setClient(diags, /*ShouldOwnClient=*/true);
  // The interpreter has already begun its (only) source file with the old client.
  diags->BeginSourceFile(ci.getLangOpts(), &ci.getPreprocessor());
  return diags;
}

}  // namespace ember_repl
