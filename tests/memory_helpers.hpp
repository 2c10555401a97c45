// Helpers for the memory and soak tests: the process's resident size, a least-squares
// slope, and whether AddressSanitizer runs (its quarantine holds freed memory resident,
// up to quarantine_size_mb = 256 MiB by default, so RSS bounds allow for it).
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define EMBER_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EMBER_TEST_ASAN 1
#endif
#endif
#ifndef EMBER_TEST_ASAN
#define EMBER_TEST_ASAN 0
#endif

namespace testing {

// What AddressSanitizer may keep resident on top of what the program holds.
constexpr double kAsanSlackBytes = EMBER_TEST_ASAN ? 320.0 * (1 << 20) : 0.0;

// Resident set size in bytes (/proc/self/statm, second field, in pages).
inline double rss_bytes() {
  long size = 0, resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  if (std::fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
  std::fclose(f);
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// Virtual size in bytes (/proc/self/statm, first field).
inline double vm_bytes() {
  long size = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  if (std::fscanf(f, "%ld", &size) != 1) size = 0;
  std::fclose(f);
  return static_cast<double>(size) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// Least-squares slope of ys against xs.
inline double slope(const std::vector<double>& xs, const std::vector<double>& ys) {
  const double n = static_cast<double>(xs.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    mx += xs[i] / n;
    my += ys[i] / n;
  }
  double num = 0, den = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) * (xs[i] - mx);
  }
  return den > 0 ? num / den : 0;
}

}  // namespace testing
