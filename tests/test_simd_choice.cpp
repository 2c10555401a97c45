// Which SIMD loops ran: the per-instruction-set CTest entries (tests/CMakeLists.txt,
// simd_<set>_kernels) run the elementwise and reduction cases with EMBER_SIMD=<set> and
// EMBER_SIMD_EXPECT=<set>; this case makes each such run fail unless ember really chose
// that set, so a cap that silently fell back could not pass as coverage of it.
#include <cstdlib>
#include <string>

#include "helpers.hpp"

TEST_CASE("the instruction set ember chose is the one the run asked for", "[simd_choice]") {
  const std::string chosen = ember::simd_instruction_set();
  CHECK((chosen == "sse2" || chosen == "avx2" || chosen == "avx512"));
  if (const char* expected = std::getenv("EMBER_SIMD_EXPECT")) CHECK(chosen == expected);
}
