#include "session.hpp"

#include <clang/AST/ASTContext.h>
#include <clang/AST/Decl.h>
#include <clang/AST/DeclCXX.h>
#include <clang/AST/DeclLookups.h>
#include <clang/AST/Mangle.h>
#include <clang/AST/QualTypeNames.h>
#include <clang/AST/RecursiveASTVisitor.h>
#include <clang/AST/ASTConsumer.h>
#include <clang/AST/ASTMutationListener.h>
#include <clang/Lex/Lexer.h>
#include <clang/AST/Type.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Interpreter/CodeCompletion.h>
#include <clang/Interpreter/Interpreter.h>
#include <clang/Interpreter/Value.h>
#include <clang/Lex/HeaderSearch.h>
#include <clang/Lex/Preprocessor.h>
#include <clang/Interpreter/PartialTranslationUnit.h>
#include <llvm/Demangle/Demangle.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/TargetSelect.h>

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "diagnostics.hpp"
#include "exceptions.hpp"

namespace ember_repl {
namespace {

void report(const std::string& text) {
  std::cout.flush();
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
}

template <class F>
std::string float_text(F v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string quoted(const char* s) {
  std::string out = "\"";
  for (; *s; ++s) {
    if (*s == '\n') out += "\\n";
    else if (*s == '"' || *s == '\\') out += std::string("\\") + *s;
    else out += *s;
  }
  return out + "\"";
}

std::string address(const void* p) {
  std::ostringstream os;
  os << p;
  return os.str();
}

// How the type is spelled in code the REPL generates: canonical and fully qualified,
// which is always valid C++ (unlike some sugared spellings of library types).
std::string code_type_name(clang::QualType qt, const clang::ASTContext& ctx) {
  clang::PrintingPolicy policy(ctx.getLangOpts());
  policy.FullyQualifiedName = true;
  policy.SuppressScope = false;
  policy.SuppressUnwrittenScope = true;
  policy.PrintCanonicalTypes = true;
  policy.SuppressDefaultTemplateArgs = false;
  return qt.getCanonicalType().getAsString(policy);
}

// The type as the user would write it: the spelling they used (std::vector<int64_t>)
// unless it shows library internals, then the canonical type with std::string restored.
std::string display_type_name(clang::QualType qt, const clang::ASTContext& ctx) {
  clang::PrintingPolicy policy(ctx.getLangOpts());
  policy.AnonymousTagLocations = false;
  std::string name = clang::TypeName::getFullyQualifiedName(qt, ctx, policy);
  // Library internals (__detail), dependent names, or a member type of a template
  // (std::vector<long>::size_type) read better as the type they stand for.
  if (name.find("__") != std::string::npos || name.find("typename ") != std::string::npos ||
      name.find(">::") != std::string::npos) {
    policy.FullyQualifiedName = true;
    policy.SuppressUnwrittenScope = true;
    policy.PrintCanonicalTypes = true;
    name = qt.getCanonicalType().getAsString(policy);
  }
  for (const std::string long_string : {"std::basic_string<char, std::char_traits<char>, std::allocator<char>>",
                                        "std::basic_string<char>"})
    for (std::size_t at; (at = name.find(long_string)) != std::string::npos;)
      name.replace(at, long_string.size(), "std::string");
  // A template argument written std::vector<...> comes back as std::std::vector<...>
  // from the fully qualified printer.
  for (std::size_t at; (at = name.find("std::std::")) != std::string::npos;) name.erase(at, 5);
  return name;
}

std::vector<clang::Value>& never_destroyed() {
  static auto* values = new std::vector<clang::Value>;
  return *values;
}

}  // namespace

// Records the functions each parse uses for the first time. When the parse fails,
// clang drops the template instantiations it had queued for them, yet remembers them as
// begun, and never instantiates them again; and the code generator ignored what was
// instantiated. See Session::parse.
class UsedFunctions : public clang::ASTMutationListener {
 public:
  void DeclarationMarkedUsed(const clang::Decl* d) override {
    if (auto* fd = llvm::dyn_cast<clang::FunctionDecl>(d)) used.push_back(const_cast<clang::FunctionDecl*>(fd));
  }
  std::vector<clang::FunctionDecl*> used;
};

Session::Session(const SessionOptions& options) {
  static bool targets_ready = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)targets_ready;

  // Owned strings first: the builder keeps only the pointers.
  std::vector<std::string> args = {"-std=c++17"};
  if (!options.resource_dir.empty()) {
    args.push_back("-resource-dir");
    args.push_back(options.resource_dir);
  }
  for (const std::string& dir : options.include_dirs) args.push_back("-I" + dir);
  for (const std::string& a : options.compiler_args) args.push_back(a);
  if (isatty(STDERR_FILENO)) args.push_back("-fcolor-diagnostics");
  // An expression typed to see its value is not an unused result.
  for (const char* w : {"-Wno-unused-value", "-Wno-unused-comparison", "-Wno-unused-result"}) args.push_back(w);
  compiler_args_ = args;
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());

  clang::IncrementalCompilerBuilder builder;
  builder.SetCompilerArgs(argv);
  auto ci = builder.CreateCpp();
  if (!ci) throw std::runtime_error("cannot set up the compiler: " + llvm::toString(ci.takeError()));
  // With constructor aliases on, clang lets a complete-object destructor stand for the
  // base-object one inside an input and never emits it, and a later input that needs
  // it fails to link (std::vector<int64_t>{1, 2} after <ember/ember.hpp>).
  (*ci)->getCodeGenOpts().CXXCtorDtorAliases = false;
  auto interp = clang::Interpreter::create(std::move(*ci));
  if (!interp) throw std::runtime_error("cannot start the interpreter: " + llvm::toString(interp.takeError()));
  interp_ = std::move(*interp);
  diags_ = install_diagnostics(*interp_->getCompilerInstance());
  // What the JIT reports while it looks symbols up is kept for undefined_symbols()
  // instead of printed.
  if (auto jit = interp_->getExecutionEngine())
    jit->getExecutionSession().setErrorReporter(
        [this](llvm::Error err) { jit_errors_ += llvm::toString(std::move(err)) + "\n"; });
  else
    llvm::consumeError(jit.takeError());
  if (!interp_->getASTContext().getASTMutationListener()) {
    used_functions_ = std::make_unique<UsedFunctions>();
    interp_->getASTContext().setASTMutationListener(used_functions_.get());
  }
  include_dirs_ = options.include_dirs;

  // A few standard headers people reach for at a prompt (std::cout first of all).
  const char* prelude =
      "#include <ember/ember.hpp>\n"
      "#include <ember/detail/repl_show.hpp>\n"
      "#include <cmath>\n"
      "#include <iostream>\n"
      "#include <map>\n"
      "#include <memory>\n";
  if (execute(prelude, nullptr) != Outcome::ok)
    throw std::runtime_error("cannot include <ember/ember.hpp> (is the include path right?)");
  input_sizes_.clear();  // the prelude cannot be undone
}

Session::~Session() = default;

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

Outcome Session::execute(const std::string& code, clang::Value* value) {
  diags_->reset();
  clang::PartialTranslationUnit* ptu = nullptr;
  if (!parse(code, &ptu)) return Outcome::compile_error;
  if (diags_->errors() > 0) {  // a missing ';' in the middle of the input (see diagnostics.hpp)
    take_back(1);
    return Outcome::compile_error;
  }
  std::string void_tail = value ? void_statement_text(*ptu) : std::string();
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

void Session::print_value(clang::Value& value) {
  clang::ASTContext& ctx = value.getASTContext();
  clang::QualType qt = value.getType().getNonReferenceType();
  std::string type = display_type_name(qt, ctx);
  std::string text;

  using K = clang::Value::Kind;
  switch (value.getKind()) {
    case K::K_Bool: text = value.getBool() ? "true" : "false"; break;
    case K::K_Char_S: text = std::string("'") + value.getChar_S() + "'"; break;
    case K::K_SChar: text = std::to_string(value.getSChar()); break;
    case K::K_UChar: text = std::to_string(value.getUChar()); break;
    case K::K_Short: text = std::to_string(value.getShort()); break;
    case K::K_UShort: text = std::to_string(value.getUShort()); break;
    case K::K_Int: text = std::to_string(value.getInt()); break;
    case K::K_UInt: text = std::to_string(value.getUInt()); break;
    case K::K_Long: text = std::to_string(value.getLong()); break;
    case K::K_ULong: text = std::to_string(value.getULong()); break;
    case K::K_LongLong: text = std::to_string(value.getLongLong()); break;
    case K::K_ULongLong: text = std::to_string(value.getULongLong()); break;
    case K::K_Float: text = float_text(value.getFloat()); break;
    case K::K_Double: text = float_text(value.getDouble()); break;
    case K::K_LongDouble: text = float_text(static_cast<double>(value.getLongDouble())); break;
    default: break;
  }

  if (text.empty() && qt->isPointerType()) {
    const void* p = value.getPtr();
    clang::QualType pointee = qt->getPointeeType().getUnqualifiedType();
    text = p && pointee->isCharType() ? quoted(static_cast<const char*>(p)) : (p ? address(p) : "nullptr");
  } else if (text.empty() && qt->isNullPtrType()) {
    text = "nullptr";
  }

  if (!text.empty() && !qt->isEnumeralType()) {
    std::cout << "(" << type << ") " << text << std::endl;
    return;
  }

  // Everything else is printed by ember::detail::repl::show, instantiated for this type
  // in the session. Enums go there too, to use their operator<< when they have one.
  std::string shown;
  bool self_describing = false;
  std::ostringstream code;
  code << "::ember::detail::repl::show(";
  if (qt->isEnumeralType())
    code << "static_cast<" << code_type_name(qt, ctx) << ">(" << value.convertTo<long long>() << "LL)";
  else
    code << "*static_cast<std::add_pointer_t<" << code_type_name(qt, ctx) << ">>((void*)" << value.getPtr() << ")";
  code << ", *(std::string*)" << static_cast<void*>(&shown) << ", *(bool*)" << static_cast<void*>(&self_describing)
       << ");";
  diags_->hold();  // a type show() cannot print is not the user's error: drop what clang says
  Outcome outcome = execute(code.str(), nullptr);
  diags_->take_held();
  if (qt->isEnumeralType() && outcome != Outcome::exception && (outcome == Outcome::compile_error || shown.rfind("@", 0) == 0)) {
    // An enum without operator<<: its enumerator's name (Color::green), else its number.
    long long n = value.convertTo<long long>();
    shown = std::to_string(n);
    if (const auto* et = qt->getAs<clang::EnumType>())
      for (const clang::EnumConstantDecl* e : et->getDecl()->enumerators())
        if (e->getInitVal().getSExtValue() == n) shown = display_type_name(qt.getUnqualifiedType(), ctx) + "::" + e->getNameAsString();
  } else if (outcome == Outcome::compile_error) {
    shown = "@" + address(value.getPtr());  // not printable: say where it is, like cling
  } else if (outcome == Outcome::exception) {
    return;  // its operator<< threw; already reported
  }
  if (self_describing)
    std::cout << shown << std::endl;
  else if (type.rfind("(", 0) == 0)  // "(lambda)"
    std::cout << type << " " << shown << std::endl;
  else
    std::cout << "(" << type << ") " << shown << std::endl;
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

void Session::add_include_dir(const std::string& dir) {
  clang::CompilerInstance& ci = *interp_->getCompilerInstance();
  auto entry = ci.getFileManager().getOptionalDirectoryRef(dir);
  if (!entry) {
    report("error: no such directory: " + dir);
    return;
  }
  // Angled, like -I: found by both #include <...> and #include "...".
  ci.getPreprocessor().getHeaderSearchInfo().AddSearchPath(
      clang::DirectoryLookup(*entry, clang::SrcMgr::C_User, /*isFramework=*/false), /*isAngled=*/true);
  include_dirs_.push_back(dir);
}

bool Session::load_library(const std::string& name) {
  // dlopen with RTLD_GLOBAL rather than the interpreter's own loader: the symbols join
  // the process's global scope, where the interpreter looks them up. (Looking them up
  // in the library's own scope would find libstdc++'s uninitialised copy of std::cout
  // instead of the one this program uses.)
  std::vector<std::string> candidates = {name};
  if (name.find('/') == std::string::npos) {
    if (name.find(".so") == std::string::npos) candidates.push_back("lib" + name + ".so");
  }
  std::string last_error;
  for (const std::string& c : candidates) {
    if (dlopen(c.c_str(), RTLD_NOW | RTLD_GLOBAL)) return true;
    const char* e = dlerror();
    last_error = e ? e : "unknown error";
  }
  report("error: cannot load " + name + ": " + last_error);
  return false;
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
  return done;
}

void Session::exit(int status) {
  std::cout.flush();
  // Destroying the interpreter runs the destructors of the objects the session made
  // (a std::ofstream flushes its file). But an input that ran and was then undone may
  // have registered a destructor whose code is gone, so after such an undo the
  // interpreter is left alone and the process ends without those destructors.
  if (undid_run_code_)
    (void)interp_.release();
  else
    interp_.reset();
  std::fflush(nullptr);
  std::exit(status);
}

}  // namespace ember_repl
