// Running inputs: parsing, checking and executing each one, taking back what failed or
// threw, running a file and its main, and undo.
#include <clang/AST/ASTContext.h>
#include <clang/AST/Decl.h>
#include <clang/AST/DeclCXX.h>
#include <clang/AST/Expr.h>
#include <clang/AST/ExprCXX.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Interpreter/Interpreter.h>
#include <clang/Interpreter/PartialTranslationUnit.h>
#include <clang/Interpreter/Value.h>
#include <clang/Lex/Lexer.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/Error.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "diagnostics.hpp"
#include "exceptions.hpp"
#include "session.hpp"
#include "session_internals.hpp"

namespace ember_repl {
namespace {

std::vector<clang::Value>& never_destroyed() {
  static auto* values = new std::vector<clang::Value>;
  return *values;
}

const clang::Expr* without_parens_and_casts(const clang::Expr* e) {
  for (;;) {
    if (auto* p = llvm::dyn_cast<clang::ParenExpr>(e)) e = p->getSubExpr();
    else if (auto* c = llvm::dyn_cast<clang::CastExpr>(e)) e = c->getSubExpr();
    else return e;
  }
}

// Whether the value an input records for its last expression (written without a
// semicolon) is a temporary of the input, gone by the time it would be printed. clang
// records an lvalue of class type by its address; when the lvalue is what a method
// returning a reference (`*this`) gives on a temporary, as in `x[0] = 100` or
// `t.index({0}).add_(1)`, that address is dead once the statement has run.
bool value_refers_to_temporary(clang::PartialTranslationUnit& ptu) {
  clang::TopLevelStmtDecl* statement = nullptr;
  for (clang::Decl* d : ptu.TUPart->decls())
    if (auto* s = llvm::dyn_cast<clang::TopLevelStmtDecl>(d); s && s->isSemiMissing()) statement = s;
  auto* full = statement ? llvm::dyn_cast_or_null<clang::Expr>(statement->getStmt()) : nullptr;
  auto* call = full ? llvm::dyn_cast<clang::CallExpr>(full->IgnoreImplicit()) : nullptr;
  const clang::FunctionDecl* callee = call ? call->getDirectCallee() : nullptr;
  if (!callee || !callee->getIdentifier() || callee->getName() != "__clang_Interpreter_SetValueNoAlloc" ||
      call->getNumArgs() != 4)
    return false;
  // A value recorded by address has (void*)&lvalue as its argument; others (numbers,
  // pointers) are copied and live on.
  auto* address = llvm::dyn_cast<clang::UnaryOperator>(without_parens_and_casts(call->getArg(3)));
  if (!address || address->getOpcode() != clang::UO_AddrOf) return false;
  const clang::Expr* e = without_parens_and_casts(address->getSubExpr());
  // Follow calls of methods that return a reference to the object they were called on.
  while (e->isLValue()) {
    const clang::Expr* object = nullptr;
    if (auto* member = llvm::dyn_cast<clang::CXXMemberCallExpr>(e))
      object = member->getImplicitObjectArgument();
    else if (auto* op = llvm::dyn_cast<clang::CXXOperatorCallExpr>(e);
             op && op->getNumArgs() > 0 && llvm::isa_and_nonnull<clang::CXXMethodDecl>(op->getDirectCallee()))
      object = op->getArg(0);
    if (!object) return false;
    object = without_parens_and_casts(object);
    if (auto* temporary = llvm::dyn_cast<clang::MaterializeTemporaryExpr>(object))
      return temporary->getExtendingDecl() == nullptr;
    e = object;
  }
  return false;
}

}  // namespace

bool Session::parse(const std::string& code, clang::PartialTranslationUnit** ptu) {
  if (used_functions_) used_functions_->used.clear();
  auto parsed = interp_->Parse(code);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());  // clang has printed why and dropped it
    if (used_functions_) {
      for (clang::FunctionDecl* fd : used_functions_->used) {
        if (!fd->isDefined() && fd->getTemplateSpecializationKind() == clang::TSK_ImplicitInstantiation) {
          // Never instantiated: forget that it was begun, so a later use instantiates it.
          if (auto* info = fd->getTemplateSpecializationInfo())
            info->setPointOfInstantiation(clang::SourceLocation());
          else if (auto* info = fd->getMemberSpecializationInfo())
            info->setPointOfInstantiation(clang::SourceLocation());
          fd->setInstantiationIsPending(false);
        } else if (fd->isDefined()) {
          failed_parse_functions_.push_back(fd);  // defined, never emitted: see emit_missing_definitions
        }
      }
    }
    return false;
  }
  ++compiler_inputs_;
  *ptu = &*parsed;
  return true;
}

void Session::take_back(unsigned n) {
  if (n == 0) return;
  if (llvm::Error err = interp_->Undo(n))
    llvm::consumeError(std::move(err));
  else
    compiler_inputs_ -= n;
}

void Session::take_last_value(clang::Value* value) {
  // The interpreter hands over the value of the last expression only at the end of
  // ParseAndExecute; an empty input does that without running anything.
  if (llvm::Error err = interp_->ParseAndExecute("", value))
    llvm::consumeError(std::move(err));
  else
    ++compiler_inputs_;
}

Outcome Session::execute(const std::string& code, clang::Value* value) {
  diags_->reset();
  clang::PartialTranslationUnit* ptu = nullptr;
  if (!parse(code, &ptu)) return Outcome::compile_error;
  if (diags_->errors() > 0) {  // a missing ';' in the middle of the input (see diagnostics.hpp)
    take_back(1);
    return Outcome::compile_error;
  }
  std::string void_tail = value ? void_statement_text(*ptu) : std::string();
  bool value_dies = value && value_refers_to_temporary(*ptu);
  if (ptu->TheModule) {
    Outcome outcome = run_module(*ptu, value);
    if (outcome != Outcome::ok) return outcome;
  }
  if (!void_tail.empty()) {
    // Its diagnostics were shown with the whole input.
    diags_->hold();
    Outcome outcome = execute(void_tail + "\n;", nullptr);
    diags_->take_held();
    if (outcome != Outcome::ok) {
      take_back(1);  // the rest of the input ran: take it back with the statement
      undid_run_code_ = true;
      return outcome;
    }
  }
  if (value) take_last_value(value);
  if (value_dies) *value = clang::Value();  // nothing left to print: as if it had a semicolon
  return Outcome::ok;
}

// clang 19 turns a last expression without a semicolon into a call that records its
// value, and when the expression is void it records "void" and drops the expression
// itself: `f.backward()` would never run. That call is recognised here (the only one
// with no value argument) and the statement's own text returned, to be run on its own
// after the rest of the input. Empty when the input does not end that way.
std::string Session::void_statement_text(clang::PartialTranslationUnit& ptu) {
  clang::TopLevelStmtDecl* statement = nullptr;
  for (clang::Decl* d : ptu.TUPart->decls())
    if (auto* s = llvm::dyn_cast<clang::TopLevelStmtDecl>(d); s && s->isSemiMissing()) statement = s;
  if (!statement) return {};
  auto* call = llvm::dyn_cast_or_null<clang::CallExpr>(statement->getStmt());
  const clang::FunctionDecl* callee = call ? call->getDirectCallee() : nullptr;
  if (!callee || !callee->getIdentifier() || callee->getName() != "__clang_Interpreter_SetValueNoAlloc" ||
      call->getNumArgs() != 3)
    return {};
  clang::ASTContext& ctx = interp_->getASTContext();
  const clang::SourceManager& sm = ctx.getSourceManager();
  auto end_of = [&](clang::SourceLocation loc) {
    return sm.getDecomposedLoc(clang::Lexer::getLocForEndOfToken(sm.getFileLoc(loc), 0, sm, ctx.getLangOpts()));
  };
  // The expression ends where the recording call's closing parenthesis was put.
  auto [file, end] = end_of(call->getRParenLoc());
  if (file.isInvalid()) return {};
  // It begins after everything the input declared before it (a leading ';' of the
  // statement before is an empty declaration, harmless).
  unsigned begin = 0;
  for (clang::Decl* d : ptu.TUPart->decls()) {
    if (d == statement) break;
    auto [f, e] = end_of(d->getEndLoc());
    if (f == file && e <= end) begin = std::max(begin, e);
  }
  return sm.getBufferData(file).substr(begin, end - begin).str();
}

Outcome Session::run_module(clang::PartialTranslationUnit& ptu, clang::Value* value) {
  // Everything an input's code calls must exist before the code runs: the JIT would
  // run code that calls a function declared and never defined, and crash. An input
  // that only defines things is not checked, so that a function may call one that a
  // later input defines. What the session can define (inline functions, template
  // instantiations, implicit members) is defined first; what is left has no
  // definition anywhere.
  bool runs_code = ptu.TheModule->getNamedGlobal("llvm.global_ctors") != nullptr;
  std::vector<Missing> missing = runs_code ? undefined_symbols(*ptu.TheModule) : std::vector<Missing>{};
  unsigned extra = 0;  // inputs made here, after ptu
  // A function defined this way may need others in turn: a few rounds.
  for (int round = 0; round < 4 && !missing.empty(); ++round) {
    unsigned made = emit_missing_definitions(ptu, missing);
    if (!made) break;
    extra += made;
    missing = undefined_symbols(*ptu.TheModule);
  }
  if (!missing.empty()) {
    std::string names;
    for (const Missing& m : missing) names += (names.empty() ? "" : ", ") + m.readable;
    report("error: no definition of " + names);
    take_back(1 + extra);
    return Outcome::compile_error;
  }
  try {
    if (llvm::Error err = interp_->Execute(ptu)) {
      report("error: " + llvm::toString(std::move(err)));
      take_back(1 + extra);
      return Outcome::compile_error;
    }
  } catch (...) {
    // What the user typed threw: report it and take the input back, so the session
    // continues as if it had not been typed (a declaration that threw does not exist).
    report(describe_current_exception());
    unsigned made = 1 + extra;
    if (value) {
      // An expression of class type is built in storage the interpreter allocated
      // before evaluating it; when the evaluation throws, the interpreter still holds
      // that storage as its last value, with no object in it. Take it out and keep a
      // reference to it forever, so that no destructor ever runs on the object that
      // was never made.
      clang::Value stale;
      std::size_t before = compiler_inputs_;
      take_last_value(&stale);
      made += static_cast<unsigned>(compiler_inputs_ - before);
      if (stale.isValid()) never_destroyed().push_back(stale);
    }
    take_back(made);
    undid_run_code_ = true;
    return Outcome::exception;
  }
  return Outcome::ok;
}

Outcome Session::run(const std::string& code) {
  include_headers_named_by(code);
  clang::Value value;
  std::size_t before = compiler_inputs_;
  // clang takes a '-' or '+' that begins a top-level input for Objective-C and refuses
  // it (`-x`, `-0.5 * y`); after a void operand of a comma the expression means the same.
  std::size_t first = code.find_first_not_of(" \t\r\n");
  bool sign_first = first != std::string::npos && (code[first] == '-' || code[first] == '+') &&
                    code.compare(first, 2, "--") != 0 && code.compare(first, 2, "++") != 0;
  Outcome outcome = execute(sign_first ? "(void)0, " + code : code, &value);
  if (outcome != Outcome::ok) return outcome;
  if (value.isValid() && !value.isVoid()) {
    try {
      print_value(value);
    } catch (...) {
      report(describe_current_exception());
      outcome = Outcome::exception;
    }
  }
  input_sizes_.push_back(static_cast<unsigned>(compiler_inputs_ - before));
  return outcome;
}

Outcome Session::run_file(const std::string& path, const std::vector<std::string>& args, int* main_status) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    report("error: cannot read " + path);
    return Outcome::compile_error;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  // A "#!" first line lets the file run as a script; the #line keeps diagnostics
  // pointing at the file's own lines.
  if (text.rfind("#!", 0) == 0) text.erase(0, text.find('\n'));
  // The text is compiled as an input, not included from a file: `#pragma once` means
  // nothing there, and clang 19 crashes on it (it looks for the file's entry). The line
  // is blanked, keeping the numbering.
  static const std::regex pragma_once(R"(^[ \t]*#[ \t]*pragma[ \t]+once[ \t]*$)", std::regex::multiline);
  text = std::regex_replace(text, pragma_once, "");
  std::string escaped;
  for (char c : path) escaped += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  Outcome outcome = run("#line 1 \"" + escaped + "\"\n" + text);
  if (outcome != Outcome::ok || !main_status) return outcome;
  try {
    if (!call_main(args, main_status)) *main_status = 0;
  } catch (...) {
    report(describe_current_exception());
    return Outcome::exception;
  }
  return Outcome::ok;
}

bool Session::call_main(const std::vector<std::string>& args, int* status) {
  clang::ASTContext& ctx = interp_->getASTContext();
  clang::FunctionDecl* main_fn = nullptr;
  for (clang::NamedDecl* d : ctx.getTranslationUnitDecl()->lookup(&ctx.Idents.get("main")))
    if (auto* fd = llvm::dyn_cast<clang::FunctionDecl>(d))
      if (fd->hasBody()) main_fn = fd;
  if (!main_fn) return false;
  auto addr = interp_->getSymbolAddress(clang::GlobalDecl(main_fn));
  if (!addr) {
    report("error: " + llvm::toString(addr.takeError()));
    *status = 1;
    return true;
  }
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  if (main_fn->getNumParams() == 0)
    *status = addr->toPtr<int (*)()>()();
  else
    *status = addr->toPtr<int (*)(int, char**)>()(static_cast<int>(args.size()), argv.data());
  return true;
}

unsigned Session::undo(unsigned n) {
  unsigned done = 0;
  while (done < n && !input_sizes_.empty()) {
    if (input_sizes_.back() > 0) {
      if (llvm::Error err = interp_->Undo(input_sizes_.back())) {
        report("error: " + llvm::toString(std::move(err)));
        break;
      }
      compiler_inputs_ -= input_sizes_.back();
    }
    input_sizes_.pop_back();
    undid_run_code_ = true;
    ++done;
  }
  if (done < n && !undo_stops_at_.empty())
    report("note: the inputs before <" + undo_stops_at_ + "> was included (for the input after them) cannot be taken back");
  return done;
}

}  // namespace ember_repl
