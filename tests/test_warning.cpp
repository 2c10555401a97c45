// The warning handler: captured per thread, restored by the guard, default to stderr.
#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include "ember/warning.hpp"

namespace {
struct Capture : ember::WarningHandler {
  std::vector<std::string> seen;
  void process(const ember::Warning& w) override { seen.push_back(w.msg()); }
};
}  // namespace

TEST_CASE("a warning handler guard captures warnings on its thread and restores the previous", "[warning]") {
  ember::WarningHandler* before = ember::WarningUtils::get_warning_handler();
  Capture outer;
  {
    ember::WarningUtils::WarningHandlerGuard g1(&outer);
    EMBER_WARN("first");
    Capture inner;
    {
      ember::WarningUtils::WarningHandlerGuard g2(&inner);
      ember::warn("second");
      CHECK(ember::WarningUtils::get_warning_handler() == &inner);
    }
    ember::warn("third");
    REQUIRE(inner.seen == std::vector<std::string>{"second"});
  }
  CHECK(outer.seen == std::vector<std::string>{"first", "third"});
  CHECK(ember::WarningUtils::get_warning_handler() == before);
}

TEST_CASE("a warning handler sees only its own thread's warnings", "[warning]") {
  Capture capture;
  ember::WarningUtils::WarningHandlerGuard guard(&capture);
  std::thread other([] {
    Capture theirs;
    ember::WarningUtils::WarningHandlerGuard g(&theirs);
    ember::warn("other thread");
    CHECK(theirs.seen.size() == 1);
  });
  other.join();
  ember::warn("this thread");
  CHECK(capture.seen == std::vector<std::string>{"this thread"});
}
