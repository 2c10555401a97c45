// A minimal gtest-compatible test framework, enough to build LibTorch-style C++ API tests against
// ember: TEST/TEST_F registration, fatal ASSERT_* and non-fatal EXPECT_* checks with streamed
// messages, and a main() that runs one test (--gtest_filter=Suite.Name) or all of them.
#pragma once

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace testing {

class Test {
 public:
  virtual ~Test() = default;
  virtual void SetUp() {}
  virtual void TearDown() {}
  virtual void TestBody() = 0;
};

namespace shim {

struct Registered {
  std::string name;
  std::function<Test*()> make;
};

inline std::vector<Registered>& registry() {
  static std::vector<Registered> tests;
  return tests;
}

inline bool& current_failed() {
  static bool failed = false;
  return failed;
}

inline int add(const char* suite, const char* name, std::function<Test*()> make) {
  registry().push_back({std::string(suite) + "." + name, std::move(make)});
  return 0;
}

// Streams a value when it has an operator<<, otherwise prints a placeholder.
template <typename T, typename = void>
struct Printable : std::false_type {};
template <typename T>
struct Printable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>>
    : std::true_type {};

template <typename T>
std::string show(const T& value) {
  if constexpr (Printable<T>::value) {
    std::ostringstream out;
    out << value;
    return out.str();
  } else {
    return "<unprintable>";
  }
}

class Message {
 public:
  template <typename T>
  Message& operator<<(const T& value) {
    text_ << show(value);
    return *this;
  }
  Message& operator<<(std::ostream& (*manip)(std::ostream&)) {
    text_ << manip;
    return *this;
  }
  std::string str() const { return text_.str(); }

 private:
  std::ostringstream text_;
};

// `helper = Message() << ...` reports a failure; the assignment form lets a fatal check `return` it.
class Failure {
 public:
  Failure(const char* file, int line, std::string what) : file_(file), line_(line), what_(std::move(what)) {}
  void operator=(const Message& extra) const {
    current_failed() = true;
    std::cerr << file_ << ":" << line_ << ": Failure\n" << what_;
    std::string more = extra.str();
    if (!more.empty()) std::cerr << "\n" << more;
    std::cerr << std::endl;
  }

 private:
  const char* file_;
  int line_;
  std::string what_;
};

template <typename A, typename B>
std::string compare_text(const char* op, const char* a_text, const char* b_text, const A& a, const B& b) {
  return std::string("Expected: (") + a_text + ") " + op + " (" + b_text + "), actual: " + show(a) + " vs " +
         show(b);
}

inline bool almost_equal_ulps(double a, double b, double eps) {
  if (a == b) return true;
  return std::fabs(a - b) <= eps * std::fmax(std::fabs(a), std::fabs(b)) * 4;
}

inline int run_all(int argc, char** argv) {
  std::string filter;
  for (int i = 1; i < argc; ++i) {
    const char* prefix = "--gtest_filter=";
    if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0) filter = argv[i] + std::strlen(prefix);
    if (std::strcmp(argv[i], "--gtest_list_tests") == 0) {
      for (auto& test : registry()) std::cout << test.name << "\n";
      return 0;
    }
  }
  int passed = 0, failed = 0;
  for (auto& test : registry()) {
    if (!filter.empty() && filter != test.name) continue;
    current_failed() = false;
    try {
      Test* instance = test.make();
      instance->SetUp();
      if (!current_failed()) instance->TestBody();
      instance->TearDown();
      delete instance;
    } catch (const std::exception& error) {
      current_failed() = true;
      std::cerr << "uncaught exception: " << error.what() << std::endl;
    } catch (...) {
      current_failed() = true;
      std::cerr << "uncaught non-std exception" << std::endl;
    }
    std::cout << (current_failed() ? "[  FAILED  ] " : "[       OK ] ") << test.name << std::endl;
    (current_failed() ? failed : passed) += 1;
  }
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 && passed > 0 ? 0 : 1;
}

struct CmpResult {
  bool ok;
  std::string text;
};
template <class Op, class A, class B>
CmpResult compare(const char* op, const char* text_a, const char* text_b, Op holds, const A& a, const B& b) {
  if (holds(a, b)) return {true, std::string()};
  return {false, compare_text(op, text_a, text_b, a, b)};
}

}  // namespace shim

inline void InitGoogleTest(int*, char**) {}

}  // namespace testing

#define GTEST_SHIM_CLASS(suite, name) suite##_##name##_Test
#define GTEST_SHIM_DEFINE(suite, name, base)                                                        \
  class GTEST_SHIM_CLASS(suite, name) : public base {                                              \
   public:                                                                                          \
    void TestBody() override;                                                                       \
  };                                                                                                \
  static int gtest_shim_registered_##suite##_##name [[maybe_unused]] = ::testing::shim::add(        \
      #suite, #name, [] { return static_cast<::testing::Test*>(new GTEST_SHIM_CLASS(suite, name)); }); \
  void GTEST_SHIM_CLASS(suite, name)::TestBody()

#define TEST(suite, name) GTEST_SHIM_DEFINE(suite, name, ::testing::Test)
#define TEST_F(fixture, name) GTEST_SHIM_DEFINE(fixture, name, fixture)

// The switch keeps a caller's `if (x) ASSERT_...; else ...` from binding to our else.
#define GTEST_SHIM_CHECK(ok, what, on_fail) \
  switch (0)                                \
  case 0:                                   \
  default:                                  \
    if (ok) {                               \
  } else                                    \
    on_fail ::testing::shim::Failure(__FILE__, __LINE__, what) = ::testing::shim::Message()

#define GTEST_SHIM_FATAL return
#define GTEST_SHIM_NONFATAL

#define GTEST_SHIM_BOOL(cond, expected, on_fail) \
  GTEST_SHIM_CHECK(static_cast<bool>(cond) == expected, std::string("Value of: ") + #cond + " is not " #expected, on_fail)
// Both sides are compared, and the failure text made, in one full-expression as gtest's
// EqHelper does, so a reference into a temporary (`d.named_children()[0].key()`) is still
// alive when it is read.
#define GTEST_SHIM_CMP(op, a, b, on_fail)                                                          \
  switch (0)                                                                                        \
  case 0:                                                                                           \
  default:                                                                                          \
    if (::testing::shim::CmpResult gtest_shim_r = ::testing::shim::compare(                         \
            #op, #a, #b, [](const auto& gtest_shim_x, const auto& gtest_shim_y) -> bool {           \
              return gtest_shim_x op gtest_shim_y;                                                  \
            },                                                                                      \
            a, b);                                                                                  \
        gtest_shim_r.ok) {                                                                          \
    } else                                                                                          \
      on_fail ::testing::shim::Failure(__FILE__, __LINE__, gtest_shim_r.text) = ::testing::shim::Message()

#define ASSERT_TRUE(c) GTEST_SHIM_BOOL(c, true, GTEST_SHIM_FATAL)
#define ASSERT_FALSE(c) GTEST_SHIM_BOOL(c, false, GTEST_SHIM_FATAL)
#define EXPECT_TRUE(c) GTEST_SHIM_BOOL(c, true, GTEST_SHIM_NONFATAL)
#define EXPECT_FALSE(c) GTEST_SHIM_BOOL(c, false, GTEST_SHIM_NONFATAL)
#define ASSERT_EQ(a, b) GTEST_SHIM_CMP(==, a, b, GTEST_SHIM_FATAL)
#define ASSERT_NE(a, b) GTEST_SHIM_CMP(!=, a, b, GTEST_SHIM_FATAL)
#define ASSERT_LT(a, b) GTEST_SHIM_CMP(<, a, b, GTEST_SHIM_FATAL)
#define ASSERT_LE(a, b) GTEST_SHIM_CMP(<=, a, b, GTEST_SHIM_FATAL)
#define ASSERT_GT(a, b) GTEST_SHIM_CMP(>, a, b, GTEST_SHIM_FATAL)
#define ASSERT_GE(a, b) GTEST_SHIM_CMP(>=, a, b, GTEST_SHIM_FATAL)
#define EXPECT_EQ(a, b) GTEST_SHIM_CMP(==, a, b, GTEST_SHIM_NONFATAL)
#define EXPECT_NE(a, b) GTEST_SHIM_CMP(!=, a, b, GTEST_SHIM_NONFATAL)
#define EXPECT_LT(a, b) GTEST_SHIM_CMP(<, a, b, GTEST_SHIM_NONFATAL)
#define EXPECT_LE(a, b) GTEST_SHIM_CMP(<=, a, b, GTEST_SHIM_NONFATAL)
#define EXPECT_GT(a, b) GTEST_SHIM_CMP(>, a, b, GTEST_SHIM_NONFATAL)
#define EXPECT_GE(a, b) GTEST_SHIM_CMP(>=, a, b, GTEST_SHIM_NONFATAL)

#define GTEST_SHIM_STR(a, b, equal, on_fail) \
  GTEST_SHIM_CHECK((std::string(a) == std::string(b)) == equal, std::string(#a " vs " #b ": ") + (a) + " / " + (b), on_fail)
#define ASSERT_STREQ(a, b) GTEST_SHIM_STR(a, b, true, GTEST_SHIM_FATAL)
#define EXPECT_STREQ(a, b) GTEST_SHIM_STR(a, b, true, GTEST_SHIM_NONFATAL)
#define ASSERT_STRNE(a, b) GTEST_SHIM_STR(a, b, false, GTEST_SHIM_FATAL)
#define EXPECT_STRNE(a, b) GTEST_SHIM_STR(a, b, false, GTEST_SHIM_NONFATAL)

#define GTEST_SHIM_NEAR(a, b, tol, on_fail)                                        \
  GTEST_SHIM_CHECK(std::fabs(static_cast<double>(a) - static_cast<double>(b)) <= (tol), \
                   ::testing::shim::compare_text("~=", #a, #b, (a), (b)), on_fail)
#define ASSERT_NEAR(a, b, tol) GTEST_SHIM_NEAR(a, b, tol, GTEST_SHIM_FATAL)
#define EXPECT_NEAR(a, b, tol) GTEST_SHIM_NEAR(a, b, tol, GTEST_SHIM_NONFATAL)
#define GTEST_SHIM_ULPS(a, b, eps, on_fail)                                                          \
  GTEST_SHIM_CHECK(::testing::shim::almost_equal_ulps(static_cast<double>(a), static_cast<double>(b), eps), \
                   ::testing::shim::compare_text("~=", #a, #b, (a), (b)), on_fail)
#define ASSERT_FLOAT_EQ(a, b) GTEST_SHIM_ULPS(a, b, 1.2e-7, GTEST_SHIM_FATAL)
#define EXPECT_FLOAT_EQ(a, b) GTEST_SHIM_ULPS(a, b, 1.2e-7, GTEST_SHIM_NONFATAL)
#define ASSERT_DOUBLE_EQ(a, b) GTEST_SHIM_ULPS(a, b, 2.3e-16, GTEST_SHIM_FATAL)
#define EXPECT_DOUBLE_EQ(a, b) GTEST_SHIM_ULPS(a, b, 2.3e-16, GTEST_SHIM_NONFATAL)

// Exception checks: the statement runs inside a lambda so `return` in it stays local.
namespace testing::shim {
struct AnyException {};  // never thrown: with it, thrown_kind says only whether anything was thrown
template <typename Exception, typename Statement>
int thrown_kind(Statement&& statement) {  // 0 none, 1 the expected type, 2 another type
  try {
    statement();
  } catch (const Exception&) {
    return 1;
  } catch (...) {
    return 2;
  }
  return 0;
}
}  // namespace testing::shim
#define GTEST_SHIM_THROW(stmt, exc, on_fail)                                                  \
  GTEST_SHIM_CHECK(::testing::shim::thrown_kind<exc>([&] { stmt; }) == 1,                    \
                   "Expected: " #stmt " throws an exception of type " #exc, on_fail)
#define ASSERT_THROW(stmt, exc) GTEST_SHIM_THROW(stmt, exc, GTEST_SHIM_FATAL)
#define EXPECT_THROW(stmt, exc) GTEST_SHIM_THROW(stmt, exc, GTEST_SHIM_NONFATAL)
#define GTEST_SHIM_ANY_THROW(stmt, on_fail)                                                         \
  GTEST_SHIM_CHECK(::testing::shim::thrown_kind<::testing::shim::AnyException>([&] { stmt; }) != 0, \
                   "Expected: " #stmt " throws", on_fail)
#define ASSERT_ANY_THROW(stmt) GTEST_SHIM_ANY_THROW(stmt, GTEST_SHIM_FATAL)
#define EXPECT_ANY_THROW(stmt) GTEST_SHIM_ANY_THROW(stmt, GTEST_SHIM_NONFATAL)
#define GTEST_SHIM_NO_THROW(stmt, on_fail)                                                          \
  GTEST_SHIM_CHECK(::testing::shim::thrown_kind<::testing::shim::AnyException>([&] { stmt; }) == 0, \
                   "Expected: " #stmt " doesn't throw", on_fail)
#define ASSERT_NO_THROW(stmt) GTEST_SHIM_NO_THROW(stmt, GTEST_SHIM_FATAL)
#define EXPECT_NO_THROW(stmt) GTEST_SHIM_NO_THROW(stmt, GTEST_SHIM_NONFATAL)

#define FAIL() return ::testing::shim::Failure(__FILE__, __LINE__, "Failed") = ::testing::shim::Message()
#define ADD_FAILURE() ::testing::shim::Failure(__FILE__, __LINE__, "Failed") = ::testing::shim::Message()
#define SUCCEED() ::testing::shim::Message()
#define GTEST_SKIP() return
