// Command-line flags for the training examples: --name value or --name=value, plus
// boolean switches. Unknown flags and malformed values stop the program with a message
// and the usage text, as a user would expect from a command-line tool.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace example {

class Flags {
 public:
  Flags(std::string program, std::string summary) : program_(std::move(program)), summary_(std::move(summary)) {}

  // Declares a flag with its default (as text) and a help line.
  Flags& add(const std::string& name, const std::string& fallback, const std::string& help) {
    order_.push_back(name);
    specs_[name] = Spec{fallback, help, false};
    values_[name] = fallback;
    return *this;
  }
  // A switch: present means true.
  Flags& add_switch(const std::string& name, const std::string& help) {
    order_.push_back(name);
    specs_[name] = Spec{"false", help, true};
    values_[name] = "false";
    return *this;
  }

  void parse(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "-h" || arg == "--help") usage(0);
      if (arg.rfind("--", 0) != 0) fail("unexpected argument '" + arg + "'");
      arg = arg.substr(2);
      std::string value;
      bool has_value = false;
      if (auto eq = arg.find('='); eq != std::string::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_value = true;
      }
      auto it = specs_.find(arg);
      if (it == specs_.end()) fail("unknown flag --" + arg);
      if (it->second.is_switch) {
        values_[arg] = has_value ? value : "true";
        continue;
      }
      if (!has_value) {
        if (i + 1 >= argc) fail("flag --" + arg + " needs a value");
        value = argv[++i];
      }
      values_[arg] = value;
    }
  }

  std::string str(const std::string& name) const { return values_.at(name); }
  bool on(const std::string& name) const { return values_.at(name) == "true" || values_.at(name) == "1"; }
  long long integer(const std::string& name) const {
    const std::string& v = values_.at(name);
    char* end = nullptr;
    long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end) fail("--" + name + " expects an integer, got '" + v + "'");
    return x;
  }
  double number(const std::string& name) const {
    const std::string& v = values_.at(name);
    char* end = nullptr;
    double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end) fail("--" + name + " expects a number, got '" + v + "'");
    return x;
  }

  [[noreturn]] void usage(int code) const {
    std::FILE* out = code ? stderr : stdout;
    std::fprintf(out, "%s: %s\n\nusage: %s [flags]\n", program_.c_str(), summary_.c_str(), program_.c_str());
    for (const std::string& n : order_) {
      const Spec& s = specs_.at(n);
      std::string lhs = s.is_switch ? "--" + n : "--" + n + " " + (s.fallback.empty() ? "X" : s.fallback);
      std::fprintf(out, "  %-28s %s\n", lhs.c_str(), s.help.c_str());
    }
    std::exit(code);
  }
  [[noreturn]] void fail(const std::string& why) const {
    std::fprintf(stderr, "%s: %s\n\n", program_.c_str(), why.c_str());
    usage(2);
  }

 private:
  struct Spec {
    std::string fallback, help;
    bool is_switch;
  };
  std::string program_, summary_;
  std::vector<std::string> order_;
  std::map<std::string, Spec> specs_;
  std::map<std::string, std::string> values_;
};

}  // namespace example
