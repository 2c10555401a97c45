// Tab completion: names after `a::b::` or `var.`/`var->` from the session's AST, and
// clang's REPL completer for the rest.
#include <clang/AST/ASTContext.h>
#include <clang/AST/Decl.h>
#include <clang/AST/DeclCXX.h>
#include <clang/AST/DeclLookups.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Interpreter/CodeCompletion.h>
#include <clang/Interpreter/Interpreter.h>
#include <llvm/Support/Error.h>

#include <algorithm>
#include <cctype>

#include "session.hpp"

namespace ember_repl {

namespace {

bool is_ident(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Names declared in a namespace or class (and, for a class, its bases) that start with
// `prefix`: public members, not constructors, destructors or operators.
void collect_names(clang::DeclContext* dc, const std::string& prefix, std::vector<std::string>& out, int depth = 0) {
  if (!dc || depth > 8) return;
  if (auto* rd = llvm::dyn_cast<clang::CXXRecordDecl>(dc)) {
    if (!rd->hasDefinition()) return;
    rd = rd->getDefinition();
    for (clang::Decl* d : rd->decls()) {
      auto* nd = llvm::dyn_cast<clang::NamedDecl>(d);
      if (!nd || nd->getAccess() != clang::AS_public || !nd->getDeclName().isIdentifier()) continue;
      if (llvm::isa<clang::CXXConstructorDecl, clang::CXXDestructorDecl, clang::AccessSpecDecl>(nd)) continue;
      std::string name = nd->getNameAsString();
      if (name.rfind(prefix, 0) == 0) out.push_back(name);
    }
    for (const clang::CXXBaseSpecifier& base : rd->bases())
      if (base.getAccessSpecifier() == clang::AS_public)
        if (auto* brd = base.getType()->getAsCXXRecordDecl()) collect_names(brd, prefix, out, depth + 1);
    return;
  }
  for (clang::DeclContext::lookup_result r : dc->getPrimaryContext()->lookups()) {
    for (clang::NamedDecl* nd : r) {
      if (!nd->getDeclName().isIdentifier()) continue;
      std::string name = nd->getNameAsString();
      if (name.rfind(prefix, 0) == 0 && (name[0] != '_' || prefix.rfind("_", 0) == 0)) out.push_back(name);
      break;
    }
  }
}

// The namespace or class a name refers to in `dc` (following namespace aliases).
clang::DeclContext* scope_named(clang::ASTContext& ctx, clang::DeclContext* dc, const std::string& name) {
  for (clang::NamedDecl* nd : dc->lookup(&ctx.Idents.get(name))) {
    if (auto* alias = llvm::dyn_cast<clang::NamespaceAliasDecl>(nd)) return alias->getNamespace();
    if (auto* ns = llvm::dyn_cast<clang::NamespaceDecl>(nd)) return ns;
    if (auto* rd = llvm::dyn_cast<clang::CXXRecordDecl>(nd)) return rd;
    if (auto* td = llvm::dyn_cast<clang::TypedefNameDecl>(nd))
      if (auto* rd = td->getUnderlyingType()->getAsCXXRecordDecl()) return rd;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> Session::scoped_completions(const std::string& text, std::string* prefix) {
  // The identifier being typed, and what comes before it: `a::b::` or `name.`/`name->`.
  std::size_t start = text.size();
  while (start > 0 && is_ident(text[start - 1])) --start;
  *prefix = text.substr(start);
  clang::ASTContext& ctx = interp_->getASTContext();
  std::vector<std::string> names;
  if (start >= 2 && text.compare(start - 2, 2, "::") == 0) {
    std::vector<std::string> chain;
    std::size_t end = start - 2;
    for (;;) {
      std::size_t b = end;
      while (b > 0 && is_ident(text[b - 1])) --b;
      if (b == end) break;
      chain.insert(chain.begin(), text.substr(b, end - b));
      if (b >= 2 && text.compare(b - 2, 2, "::") == 0)
        end = b - 2;
      else
        break;
    }
    clang::DeclContext* dc = ctx.getTranslationUnitDecl();
    for (const std::string& part : chain) {
      dc = scope_named(ctx, dc, part);
      if (!dc) return {};
    }
    if (!chain.empty()) collect_names(dc, *prefix, names);
  } else if ((start >= 1 && text[start - 1] == '.') || (start >= 2 && text.compare(start - 2, 2, "->") == 0)) {
    bool arrow = text[start - 1] == '>';
    std::size_t end = start - (arrow ? 2 : 1);
    std::size_t b = end;
    while (b > 0 && is_ident(text[b - 1])) --b;
    if (b == end) return {};
    for (clang::NamedDecl* nd : ctx.getTranslationUnitDecl()->lookup(&ctx.Idents.get(text.substr(b, end - b)))) {
      auto* var = llvm::dyn_cast<clang::VarDecl>(nd);
      if (!var) continue;
      clang::QualType type = var->getType().getNonReferenceType().getCanonicalType();
      clang::CXXRecordDecl* rd = nullptr;
      if (arrow && type->isPointerType()) {
        rd = type->getPointeeType()->getAsCXXRecordDecl();
      } else if (auto* holder = type->getAsCXXRecordDecl(); holder && holder->hasDefinition()) {
        rd = holder;
        if (arrow) {
          // A smart pointer or module holder: the class its operator-> points to.
          rd = nullptr;
          std::vector<clang::CXXRecordDecl*> todo = {holder->getDefinition()};
          while (!todo.empty() && !rd) {
            clang::CXXRecordDecl* r = todo.back();
            todo.pop_back();
            for (clang::CXXMethodDecl* m : r->methods())
              if (m->getOverloadedOperator() == clang::OO_Arrow && m->getReturnType()->isPointerType())
                rd = m->getReturnType()->getPointeeType()->getAsCXXRecordDecl();
            for (const clang::CXXBaseSpecifier& base : r->bases())
              if (auto* brd = base.getType()->getAsCXXRecordDecl(); brd && brd->hasDefinition())
                todo.push_back(brd->getDefinition());
          }
        }
      }
      collect_names(rd, *prefix, names);
      break;
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::vector<std::pair<std::string, std::string>> Session::complete(const std::string& buffer, std::size_t pos) {
  include_headers_named_by(buffer.substr(0, pos));
  // Members and namespace-qualified names are looked up in the session's own AST
  // (clang 19's REPL completer does not reach into namespaces or included classes).
  std::string prefix;
  std::vector<std::string> scoped = scoped_completions(buffer.substr(0, pos), &prefix);
  if (!scoped.empty()) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const std::string& name : scoped)
      if (name.size() > prefix.size()) out.emplace_back(name.substr(prefix.size()), name);
    return out;
  }
  // Clang completes in a compiler instance of its own that looks declarations up in
  // the session's; it is made afresh for each request, as clang-repl does.
  std::vector<const char*> argv;
  for (const std::string& a : compiler_args_) argv.push_back(a.c_str());
  clang::IncrementalCompilerBuilder builder;
  builder.SetCompilerArgs(argv);
  auto ci = builder.CreateCpp();
  if (!ci) {
    llvm::consumeError(ci.takeError());
    return {};
  }
  auto completer_interp = clang::Interpreter::create(std::move(*ci));
  if (!completer_interp) {
    llvm::consumeError(completer_interp.takeError());
    return {};
  }
  std::string text = buffer.substr(0, pos);
  unsigned line = 1 + static_cast<unsigned>(std::count(text.begin(), text.end(), '\n'));
  unsigned column = static_cast<unsigned>(pos - (text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1)) + 1;
  clang::ReplCodeCompleter completer;
  std::vector<std::string> results;
  completer.codeComplete((*completer_interp)->getCompilerInstance(), buffer, line, column,
                         interp_->getCompilerInstance(), results);
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& r : results)
    if (r.rfind(completer.Prefix, 0) == 0 && r.size() > completer.Prefix.size())
      out.emplace_back(r.substr(completer.Prefix.size()), r);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace ember_repl
