// ember-launch: starts N copies of a program on this machine as the ranks of one
// distributed job, as PyTorch's torchrun does for one node:
//
//   ember-launch --nproc 2 ./build/examples/fmnist_mlp --distributed
//
// Each copy gets RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR and
// MASTER_PORT (a free port on loopback unless --master-port is given), which
// ember::distributed::init_process_group("gloo") reads (env://). SIGINT and SIGTERM are
// passed on to every copy. When a copy fails, the others are stopped (SIGTERM, then
// SIGKILL after --grace seconds) and ember-launch exits with the first failing status
// (128 + the signal for a copy killed by one); 0 when all succeed.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

volatile sig_atomic_t g_signal = 0;

void on_signal(int sig) { g_signal = sig; }

[[noreturn]] void usage(int status) {
  std::fprintf(status ? stderr : stdout,
               "usage: ember-launch --nproc N [--master-addr ADDR] [--master-port PORT] [--grace S] PROGRAM [ARGS...]\n"
               "Starts N copies of PROGRAM as ranks 0..N-1 of one job (environment as torchrun sets it).\n");
  std::exit(status);
}

// A port the kernel reports free on loopback now (bound to port 0, then released).
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 29500;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 29500;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

int exit_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

long parse_number(const char* flag, const char* text, long low) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (errno || !end || *end || v < low) {
    std::fprintf(stderr, "ember-launch: %s expects a whole number >= %ld, got '%s'\n", flag, low, text);
    std::exit(2);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  long nproc = 0, grace = 5;
  std::string addr = "127.0.0.1";
  int port = 0;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ember-launch: %s needs a value\n", flag);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") usage(0);
    if (a == "--nproc" || a == "--nproc-per-node" || a == "--nproc_per_node") {
      nproc = parse_number("--nproc", value("--nproc"), 1);
    } else if (a == "--master-addr" || a == "--master_addr") {
      addr = value("--master-addr");
    } else if (a == "--master-port" || a == "--master_port") {
      port = static_cast<int>(parse_number("--master-port", value("--master-port"), 1));
    } else if (a == "--grace") {
      grace = parse_number("--grace", value("--grace"), 0);
    } else if (a == "--") {
      ++i;
      break;
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "ember-launch: unknown option %s\n", a.c_str());
      usage(2);
    } else {
      break;
    }
  }
  if (nproc < 1) {
    std::fprintf(stderr, "ember-launch: --nproc N is required\n");
    usage(2);
  }
  if (i >= argc) {
    std::fprintf(stderr, "ember-launch: no program to start\n");
    usage(2);
  }
  if (port == 0) port = free_port();

  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  std::vector<pid_t> children;
  for (long rank = 0; rank < nproc; ++rank) {
    const pid_t pid = fork();
    if (pid < 0) {
      std::perror("ember-launch: fork");
      for (pid_t c : children) kill(c, SIGKILL);
      return 1;
    }
    if (pid == 0) {
      setenv("RANK", std::to_string(rank).c_str(), 1);
      setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      setenv("LOCAL_WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      setenv("MASTER_ADDR", addr.c_str(), 1);
      setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      signal(SIGINT, SIG_DFL);
      signal(SIGTERM, SIG_DFL);
      execvp(argv[i], argv + i);
      std::fprintf(stderr, "ember-launch: cannot start %s: %s\n", argv[i], std::strerror(errno));
      _exit(127);
    }
    children.push_back(pid);
  }

  // Wait for every copy; on the first failure (or a signal to us), stop the rest.
  int first_failure = 0;
  std::vector<bool> running(children.size(), true);
  std::size_t left = children.size();
  bool stopping = false;
  auto stop_deadline = std::chrono::steady_clock::time_point::max();
  auto stop_all = [&](int sig) {
    for (std::size_t k = 0; k < children.size(); ++k)
      if (running[k]) kill(children[k], sig);
  };
  while (left > 0) {
    if (g_signal && !stopping) {
      stop_all(g_signal);  // pass the user's Ctrl-C or SIGTERM on
      if (!first_failure) first_failure = 128 + g_signal;
      stopping = true;
      stop_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace);
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (std::size_t k = 0; k < children.size(); ++k) {
        if (children[k] != pid || !running[k]) continue;
        running[k] = false;
        --left;
        const int code = exit_status(status);
        if (code != 0 && !first_failure) {
          first_failure = code;
          std::fprintf(stderr, "ember-launch: rank %zu (pid %d) exited with status %d; stopping the others\n", k,
                       static_cast<int>(pid), code);
        }
      }
      if (first_failure && !stopping) {
        stop_all(SIGTERM);
        stopping = true;
        stop_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace);
      }
      continue;
    }
    if (stopping && std::chrono::steady_clock::now() >= stop_deadline) {
      stop_all(SIGKILL);
      stop_deadline = std::chrono::steady_clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return first_failure;
}
