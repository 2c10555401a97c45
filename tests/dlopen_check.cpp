// libember must load with dlopen, as a C++ interpreter (cling, clang-repl) loads it.
// A library with initial-exec thread-local storage has its whole TLS block placed in the
// few hundred bytes glibc keeps for dlopen (rtld.optional_static_tls, 512 by default),
// which other libraries in a big process (LLVM's, in an interpreter) share. When it does
// not fit, dlopen fails with "cannot allocate memory in static TLS block". In this small
// process it would still fit, so besides loading the library the check measures its
// TLS block, which must stay well under that reserve.
#include <dlfcn.h>
#include <link.h>

#include <cstdio>
#include <cstring>
#include <utility>

namespace {

const std::size_t kMaxTlsBytes = 128;

// The size of the TLS block of the loaded object whose path ends with `name`.
int tls_of(struct dl_phdr_info* info, std::size_t, void* data) {
  auto* query = static_cast<std::pair<const char*, std::size_t>*>(data);
  const char* path = info->dlpi_name;
  std::size_t n = std::strlen(path), m = std::strlen(query->first);
  if (n < m || std::strcmp(path + n - m, query->first) != 0) return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i)
    if (info->dlpi_phdr[i].p_type == PT_TLS) query->second = info->dlpi_phdr[i].p_memsz;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: dlopen_check path/to/libember.so\n");
    return 2;
  }
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
  if (!lib) {
    std::fprintf(stderr, "dlopen failed: %s\n", dlerror());
    return 1;
  }
  // ember::is_grad_enabled(): true on a fresh thread.
  auto is_grad_enabled = reinterpret_cast<bool (*)()>(dlsym(lib, "_ZN5ember15is_grad_enabledEv"));
  if (!is_grad_enabled || !is_grad_enabled()) {
    std::fprintf(stderr, "ember::is_grad_enabled not found or false\n");
    return 1;
  }
  const char* base = std::strrchr(argv[1], '/');
  std::pair<const char*, std::size_t> query{base ? base + 1 : argv[1], 0};
  dl_iterate_phdr(tls_of, &query);
  if (query.second > kMaxTlsBytes) {
    std::fprintf(stderr, "libember's TLS block is %zu bytes; keep it under %zu so that dlopen works in big processes\n",
                 query.second, kMaxTlsBytes);
    return 1;
  }
  std::printf("libember loaded with dlopen; TLS block %zu bytes\n", query.second);
  return 0;
}
