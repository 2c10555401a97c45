// main() for the shimmed tests: `binary --gtest_filter=Suite.Name` runs one test.
#include <gtest/gtest.h>
int main(int argc, char** argv) { return ::testing::shim::run_all(argc, argv); }
