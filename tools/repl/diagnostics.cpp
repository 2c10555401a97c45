// Built with -fno-rtti: the consumer derives from a class of LLVM's, which is built
// without run-time type information.
#include "diagnostics.hpp"

#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/DiagnosticParse.h>
#include <clang/Basic/DiagnosticSema.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/TextDiagnosticPrinter.h>
#include <llvm/Support/raw_ostream.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <utility>

namespace ember_repl {

bool is_missing_final_semicolon(unsigned id);
bool is_redefinition(unsigned id);

namespace {

class ReplDiagnostics : public clang::DiagnosticConsumer, public DiagnosticsControl {
 public:
  ReplDiagnostics(clang::DiagnosticOptions* opts) : stream_(buffer_), printer_(stream_, opts) {}

  void BeginSourceFile(const clang::LangOptions& lang, const clang::Preprocessor* pp) override {
    printer_.BeginSourceFile(lang, pp);
  }
  void EndSourceFile() override { printer_.EndSourceFile(); }

  void HandleDiagnostic(clang::DiagnosticsEngine::Level level, const clang::Diagnostic& info) override {
    if (is_missing_final_semicolon(info.getID())) {
      if (at_end_of_input(info)) return;
      level = clang::DiagnosticsEngine::Error;  // mapped to a remark only to get here
    }
    DiagnosticConsumer::HandleDiagnostic(level, info);
    if (level >= clang::DiagnosticsEngine::Error) ++errors_;
    printer_.HandleDiagnostic(level, info);
    if (is_redefinition(info.getID()))
      stream_ << "note: a name declared at the prompt stays for the whole session; assign to it (x = ...), "
                 "choose another name, or take back the input that declared it with .undo\n";
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
  // Whether nothing but blanks and comments follows the diagnostic's place in its input.
  static bool at_end_of_input(const clang::Diagnostic& info) {
    if (!info.hasSourceManager() || info.getLocation().isInvalid()) return false;
    const clang::SourceManager& sm = info.getSourceManager();
    auto [file, offset] = sm.getDecomposedLoc(sm.getFileLoc(info.getLocation()));
    llvm::StringRef rest = sm.getBufferData(file).substr(offset);
    for (;;) {
      rest = rest.ltrim();
      if (rest.starts_with("//")) {
        std::size_t nl = rest.find('\n');
        rest = nl == llvm::StringRef::npos ? llvm::StringRef() : rest.substr(nl);
      } else if (rest.starts_with("/*")) {
        std::size_t close = rest.find("*/");
        if (close == llvm::StringRef::npos) return false;
        rest = rest.substr(close + 2);
      } else {
        return rest.empty();
      }
    }
  }

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

bool is_redefinition(unsigned id) {
  return id == clang::diag::err_redefinition || id == clang::diag::err_redefinition_different_type ||
         id == clang::diag::err_redefinition_different_kind;
}

bool is_missing_final_semicolon(unsigned id) {
  return id == clang::diag::err_invalid_token_after_toplevel_declarator ||  // auto y = x.sum()
         id == clang::diag::err_expected_semi_declaration ||
         id == clang::diag::err_expected_semi_after_namespace_name;  // using namespace ember
}

DiagnosticsControl* install_diagnostics(clang::CompilerInstance& ci) {
  clang::DiagnosticsEngine& engine = ci.getDiagnostics();
  // Errors by default; as a remark (a warning would stay an error: clang keeps an error
  // mapped as one when a warning is asked for without a place), each reaches the
  // consumer below without failing the parse. The consumer turns every one not at the
  // end of an input back into an error. (clang asserts against the mapping in builds
  // with assertions; Debian's have none.)
  for (unsigned id : {clang::diag::err_invalid_token_after_toplevel_declarator, clang::diag::err_expected_semi_declaration,
                      clang::diag::err_expected_semi_after_namespace_name})
    engine.setSeverity(id, clang::diag::Severity::Remark, clang::SourceLocation());
  auto* diags = new ReplDiagnostics(&engine.getDiagnosticOptions());
  engine.setClient(diags, /*ShouldOwnClient=*/true);
  // The interpreter has already begun its (only) source file with the old client.
  diags->BeginSourceFile(ci.getLangOpts(), &ci.getPreprocessor());
  return diags;
}

}  // namespace ember_repl
