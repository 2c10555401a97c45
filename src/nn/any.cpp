// Readable type names for AnyModule's messages.
#include "ember/nn/any.hpp"

#include <cstdlib>
#include <memory>

#if defined(__GNUG__)
#include <cxxabi.h>
#endif

namespace ember {
namespace nn {
namespace detail {

std::string type_display_name(const std::type_info& type) {
#if defined(__GNUG__)
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  if (status == 0 && name) {
    std::string s = name.get();
    // The standard string's full spelling says less than its usual name.
    const std::string long_string = "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >";
    for (std::size_t at = s.find(long_string); at != std::string::npos; at = s.find(long_string))
      s.replace(at, long_string.size(), "std::string");
    return s;
  }
#endif
  return type.name();
}

}  // namespace detail
}  // namespace nn
}  // namespace ember
