// The CPU's model name from /proc/cpuinfo, which every benchmark line carries so that
// only figures from one machine are compared.
#pragma once
#include <fstream>
#include <string>

inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      std::size_t colon = line.find(':');
      std::string name = colon == std::string::npos ? line : line.substr(colon + 1);
      name.erase(0, name.find_first_not_of(" \t"));
      return name;
    }
  return "unknown";
}
