// What the plot tests share: a scratch folder, and running the independent checkers
// (Python with PIL and PyTorch, graphviz's dot) on the files ember writes.
#pragma once
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace plot_test {

// This process's folder of test files; removed when the tests end, unless the
// environment sets EMBER_PLOT_TESTS_KEEP (to look at the pictures).
inline std::filesystem::path scratch_root() {
  return std::filesystem::temp_directory_path() / ("ember-plot-tests-" + std::to_string(::getpid()));
}
struct ScratchCleanup {
  ~ScratchCleanup() {
    std::error_code ignored;
    if (!std::getenv("EMBER_PLOT_TESTS_KEEP")) std::filesystem::remove_all(scratch_root(), ignored);
  }
};
inline ScratchCleanup scratch_cleanup;

// A fresh folder for this test case's files.
inline std::filesystem::path scratch(const std::string& name) {
  auto dir = scratch_root() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr together
};

inline Run run(const std::string& command) {
  Run r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  r.status = ::pclose(pipe);
  return r;
}

inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a Python script with arguments; the test fails (showing the script's output) if
// it exits non-zero. Returns what it printed.
inline std::string python(const std::filesystem::path& dir, const std::string& script,
                          const std::vector<std::string>& args = {}) {
  const auto file = dir / "check.py";
  write_file(file, script);
  std::string command = std::string(EMBER_TEST_PYTHON3) + " " + quote(file.string());
  for (const std::string& a : args) command += " " + quote(a);
  Run r = run(command);
  INFO(r.output);
  REQUIRE(r.status == 0);
  return r.output;
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

inline bool contains(const std::vector<std::string>& list, const std::string& item) {
  for (const auto& s : list)
    if (s == item) return true;
  return false;
}

}  // namespace plot_test
