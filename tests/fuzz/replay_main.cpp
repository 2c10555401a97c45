// Replays the committed fuzz inputs through the parsers, without libFuzzer:
//   ember-fuzz-replay <tests/fuzz>
// Every seed under corpus/<target>/ must load (the seeds are valid files); every input
// under regressions/<target>/ (each one crashed a parser once) must load or throw
// ember::Error. A crash or sanitizer report ends the process, failing the test.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ember/error.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) out.push_back(e.path());
  return out;
}

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// 0 = loaded, 1 = ember::Error, 2 = anything else escaped.
int run(ember::fuzz::Parser parse, const fs::path& file, std::string* message) {
  std::string bytes = read_all(file);
  try {
    parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    return 0;
  } catch (const ember::Error& e) {
    *message = e.what();
    return 1;
  } catch (const std::exception& e) {
    *message = std::string("not an ember::Error: ") + e.what();
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <tests/fuzz directory>\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  int failures = 0;
  for (const char* target : {"safetensors", "torch", "pickle", "idx", "wordlist"}) {
    ember::fuzz::Parser parse = ember::fuzz::parser_named(target);
    int seeds = 0, regressions = 0, refused = 0;
    for (const fs::path& f : files_in(root / "corpus" / target)) {
      std::string msg;
      if (run(parse, f, &msg) != 0) {
        std::fprintf(stderr, "FAIL %s: seed %s does not load: %s\n", target, f.c_str(), msg.c_str());
        ++failures;
      }
      ++seeds;
    }
    for (const fs::path& f : files_in(root / "regressions" / target)) {
      std::string msg;
      int r = run(parse, f, &msg);
      if (r == 2) {
        std::fprintf(stderr, "FAIL %s: %s: %s\n", target, f.c_str(), msg.c_str());
        ++failures;
      }
      refused += r == 1;
      ++regressions;
    }
    if (seeds == 0) {
      std::fprintf(stderr, "FAIL %s: no seed files under %s\n", target, (root / "corpus" / target).c_str());
      ++failures;
    }
    std::printf("%-12s %3d seeds loaded, %3d regression inputs (%d refused with ember::Error)\n", target, seeds,
                regressions, refused);
  }
  return failures == 0 ? 0 : 1;
}
