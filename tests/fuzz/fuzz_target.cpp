// One libFuzzer target; EMBER_FUZZ_TARGET names the parser (see fuzz_input.hpp).
// ember::Error is the expected answer to bad input; anything else escaping aborts,
// which libFuzzer reports as a crash.
#include <cstddef>
#include <cstdint>

#include "ember/error.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const ember::fuzz::Parser parse = ember::fuzz::parser_named(EMBER_FUZZ_TARGET);
  try {
    parse(data, size);
  } catch (const ember::Error&) {
  }
  return 0;
}
