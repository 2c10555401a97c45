// Printing the value of an input's last expression (written without a semicolon):
// builtins here, everything else through ember::detail::repl::show compiled in the
// session.
#include <clang/AST/ASTContext.h>
#include <clang/AST/Decl.h>
#include <clang/AST/QualTypeNames.h>
#include <clang/AST/Type.h>
#include <clang/Interpreter/Value.h>

#include <charconv>
#include <iostream>
#include <sstream>

#include "diagnostics.hpp"
#include "session.hpp"

namespace ember_repl {
namespace {

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

}  // namespace

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

}  // namespace ember_repl
