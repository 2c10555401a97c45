// Before an input that runs code is executed, everything it calls must exist: what the
// JIT cannot find, and the definitions the session can still supply for it.
#include <clang/AST/ASTConsumer.h>
#include <clang/AST/ASTContext.h>
#include <clang/AST/Decl.h>
#include <clang/AST/DeclCXX.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/Mangle.h>
#include <clang/AST/RecursiveASTVisitor.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Interpreter/Interpreter.h>
#include <clang/Interpreter/PartialTranslationUnit.h>
#include <llvm/Demangle/Demangle.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/Error.h>

#include <map>
#include <memory>
#include <sstream>

#include "session.hpp"

namespace ember_repl {

std::vector<Session::Missing> Session::undefined_symbols(const llvm::Module& module) {
  std::vector<Missing> missing;
  auto add = [&](const std::string& name, const std::string& readable) {
    for (const Missing& m : missing)
      if (m.readable == readable) return;
    missing.push_back({name, readable});
  };
  for (const llvm::GlobalValue& g : module.global_values()) {
    // Only what the code uses: a declaration nothing refers to is never linked.
    if (!g.isDeclaration() || g.use_empty() || g.hasExternalWeakLinkage() || g.getName().starts_with("llvm."))
      continue;
    jit_errors_.clear();
    auto addr = interp_->getSymbolAddressFromLinkerName(g.getName());
    if (addr) continue;
    // The JIT names what is really missing, which may be something the symbol's own
    // code calls: "Symbols not found: [ _Z1gv ]", in its answer or in what it
    // reported while looking (see the constructor).
    std::string message = llvm::toString(addr.takeError()) + "\n" + jit_errors_;
    std::size_t open = message.find("Symbols not found: [");
    std::size_t close = open == std::string::npos ? open : message.find(']', open);
    if (close == std::string::npos) {
      // It exists, but code it needs does not (the JIT has just said what is missing).
      add(g.getName().str(), llvm::demangle(g.getName().str()) + " (or something it calls)");
      continue;
    }
    std::istringstream names(message.substr(open + 20, close - open - 20));
    for (std::string name; names >> name;) add(name, llvm::demangle(name));
  }
  return missing;
}

namespace {

// The functions an input's code refers to, by mangled name.
class ReferencedFunctions : public clang::RecursiveASTVisitor<ReferencedFunctions> {
 public:
  explicit ReferencedFunctions(clang::ASTContext& ctx) : mangler_(ctx.createMangleContext()) {}
  bool shouldVisitImplicitCode() const { return true; }

  bool VisitDeclRefExpr(clang::DeclRefExpr* e) { return add(e->getDecl()); }
  bool VisitMemberExpr(clang::MemberExpr* e) { return add(e->getMemberDecl()); }
  bool VisitCXXConstructExpr(clang::CXXConstructExpr* e) { return add(e->getConstructor()); }
  bool VisitCXXBindTemporaryExpr(clang::CXXBindTemporaryExpr* e) { return add(const_cast<clang::CXXDestructorDecl*>(e->getTemporary()->getDestructor())); }
  bool VisitCXXNewExpr(clang::CXXNewExpr* e) { return add(e->getOperatorNew()) && add(e->getOperatorDelete()); }
  bool VisitCXXDeleteExpr(clang::CXXDeleteExpr* e) { return add(e->getOperatorDelete()); }
  bool VisitVarDecl(clang::VarDecl* d) {
    if (auto* rd = d->getType()->getAsCXXRecordDecl(); rd && rd->hasDefinition()) add(rd->getDestructor());
    return true;
  }

  clang::FunctionDecl* find(const std::string& mangled) const {
    auto it = by_name_.find(mangled);
    return it == by_name_.end() ? nullptr : it->second;
  }

  bool add(clang::Decl* d) {
    auto* fd = llvm::dyn_cast_or_null<clang::FunctionDecl>(d);
    if (!fd || fd->isDependentContext()) return true;
    if (auto* ctor = llvm::dyn_cast<clang::CXXConstructorDecl>(fd)) {
      name(clang::GlobalDecl(ctor, clang::Ctor_Complete), fd);
      name(clang::GlobalDecl(ctor, clang::Ctor_Base), fd);
    } else if (auto* dtor = llvm::dyn_cast<clang::CXXDestructorDecl>(fd)) {
      name(clang::GlobalDecl(dtor, clang::Dtor_Complete), fd);
      name(clang::GlobalDecl(dtor, clang::Dtor_Base), fd);
    } else {
      name(clang::GlobalDecl(fd), fd);
    }
    return true;
  }
 private:
  void name(clang::GlobalDecl gd, clang::FunctionDecl* fd) {
    std::string text;
    llvm::raw_string_ostream os(text);
    if (mangler_->shouldMangleDeclName(fd))
      mangler_->mangleName(gd, os);
    else
      os << fd->getName();
    by_name_.emplace(os.str(), fd);
  }

  std::unique_ptr<clang::MangleContext> mangler_;
  std::map<std::string, clang::FunctionDecl*> by_name_;
};

}  // namespace

unsigned Session::emit_missing_definitions(clang::PartialTranslationUnit& ptu, const std::vector<Missing>& missing) {
  // clang emits the cleanups of a top-level statement's temporaries (and of the value
  // a printed expression builds) after the functions the input needs, so a destructor
  // first needed there is declared and never defined: ~Tensor() for
  // `net.forward(x).sizes()` in a session that had not destroyed a tensor yet. Such a
  // function is defined in the session's AST, so it is handed to the code generator
  // again, marked used so that it is emitted, in an input of its own run first.
  clang::ASTContext& ctx = interp_->getASTContext();
  ReferencedFunctions referenced(ctx);
  for (clang::Decl* d : ptu.TUPart->decls()) referenced.TraverseDecl(d);
  for (clang::FunctionDecl* fd : failed_parse_functions_) referenced.add(fd);
  std::vector<clang::FunctionDecl*> definable;
  for (const Missing& m : missing) {
    clang::FunctionDecl* fd = referenced.find(m.name);
    const clang::FunctionDecl* definition = nullptr;
    if (fd && fd->hasBody(definition) && !definition->isDependentContext()) definable.push_back(fd);
  }
  if (definable.empty()) return 0;
  // What failed inputs instantiated calls more of the same, which the JIT would only
  // name once this input's fix-up had failed: all of it is emitted at once.
  for (clang::FunctionDecl* fd : failed_parse_functions_) {
    const clang::FunctionDecl* definition = nullptr;
    if (fd->hasBody(definition) && !definition->isDependentContext() && !definition->isInvalidDecl())
      definable.push_back(fd);
  }
  failed_parse_functions_.clear();
  clang::ASTConsumer& consumer = interp_->getCompilerInstance()->getASTConsumer();
  for (clang::FunctionDecl* fd : definable) {
    const clang::FunctionDecl* definition = nullptr;
    fd->hasBody(definition);
    auto* def = const_cast<clang::FunctionDecl*>(definition);
    if (!def->hasAttr<clang::UsedAttr>()) def->addAttr(clang::UsedAttr::CreateImplicit(ctx));
    consumer.HandleTopLevelDecl(clang::DeclGroupRef(def));
  }
  clang::PartialTranslationUnit* definitions = nullptr;
  if (!parse("", &definitions)) return 0;
  if (definitions->TheModule) {
    if (llvm::Error err = interp_->Execute(*definitions)) {
      llvm::consumeError(std::move(err));
      take_back(1);
      return 0;
    }
  }
  return 1;
}

}  // namespace ember_repl
