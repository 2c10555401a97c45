// A torch.save-style archive around a hand-written pickle and its storages, built with
// the library's own zip writer: how the io tests feed odd and hostile pickles to the
// loader.
#pragma once
#include <string>
#include <vector>

#include "src/io/zip.hpp"

namespace testing {

inline std::string torch_archive(const std::string& pkl, const std::vector<std::string>& storages = {}) {
  std::string out;
  ember::io::ZipWriter zip([&](const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); });
  zip.add("archive/data.pkl", pkl.data(), pkl.size());
  for (std::size_t k = 0; k < storages.size(); ++k)
    zip.add("archive/data/" + std::to_string(k), storages[k].data(), storages[k].size());
  zip.add("archive/version", "3\n", 2);
  zip.finish();
  return out;
}

}  // namespace testing
