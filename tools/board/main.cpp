// ember-board: TensorBoard log dirs turned into one self-contained HTML page.
//
//   ember-board [--out board.html] [--watch [--interval S]] [--title T] LOGDIR...
//
// Each directory below a LOGDIR that holds event files (events.out.tfevents.*) is a run,
// named by its path relative to LOGDIR (with LOGDIR's name in front when several are
// given). --watch keeps polling the logs and rewrites the page when they grow.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tools/board/logdirs.hpp"
#include "tools/board/page.hpp"

namespace fs = std::filesystem;
using namespace ember::board;

namespace {

std::atomic<bool> stop_requested{false};
void on_signal(int) { stop_requested = true; }

const char* kUsage =
    "usage: ember-board [--out board.html] [--watch [--interval S]] [--title T] LOGDIR...\n"
    "  Reads the TensorBoard event files below each LOGDIR and writes one self-contained\n"
    "  HTML page: scalars, histograms, images, text, hparams and graphs.\n"
    "  --out FILE      the page to write (default board.html)\n"
    "  --title T       the page's title (default: ember-board)\n"
    "  --watch         keep polling the logs; rewrite the page when they grow (the page\n"
    "                  then reloads itself); stop with Ctrl-C\n"
    "  --interval S    seconds between polls in --watch mode (default 2)\n";

int usage_error(const std::string& message) {
  std::cerr << "ember-board: " << message << "\n" << kUsage;
  return 2;
}

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
  return buf;
}

// Written next to the target, then renamed over it: a reader never sees half a page.
bool write_atomically(const std::string& path, const std::string& content) {
  fs::path target(path);
  fs::path temp = target.parent_path() / ("." + target.filename().string() + ".tmp" + std::to_string(getpid()));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out.flush()) {
      std::cerr << "ember-board: cannot write '" << temp.string() << "'\n";
      return false;
    }
  }
  std::error_code ec;
  fs::rename(temp, target, ec);
  if (ec) {
    std::cerr << "ember-board: cannot rename '" << temp.string() << "' to '" << path << "': " << ec.message() << "\n";
    fs::remove(temp, ec);
    return false;
  }
  return true;
}

struct Counts {
  size_t runs = 0, tags = 0;
};

bool write_page(const LogDirs& logs, const PageOptions& base, const std::string& out, Counts* counts) {
  PageOptions options = base;
  options.generated = now_utc();
  std::vector<const Run*> runs = logs.runs();
  counts->runs = runs.size();
  counts->tags = 0;
  for (const Run* r : runs)
    counts->tags += r->scalars.size() + r->histograms.size() + r->images.size() + r->texts.size();
  return write_atomically(out, render_page(runs, options));
}

}  // namespace

int main(int argc, char** argv) {
  std::string out = "board.html";
  PageOptions options;
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--out" || arg == "-o") {
      const char* v = value();
      if (!v) return usage_error("--out needs a file name");
      out = v;
    } else if (arg == "--title") {
      const char* v = value();
      if (!v) return usage_error("--title needs a text");
      options.title = v;
    } else if (arg == "--watch") {
      options.watch = true;
    } else if (arg == "--interval") {
      const char* v = value();
      char* end = nullptr;
      double s = v ? std::strtod(v, &end) : 0;
      if (!v || *end || !(s > 0) || s > 86400)
        return usage_error(std::string("--interval needs a number of seconds in (0, 86400], got '") + (v ? v : "") +
                           "'");
      options.interval = s;
    } else if (arg.size() > 1 && arg[0] == '-' && arg != "-") {
      return usage_error("unknown option '" + arg + "'");
    } else {
      dirs.push_back(arg);
    }
  }
  if (dirs.empty()) return usage_error("no log dir given");

  LogDirs logs(dirs);
  std::vector<std::string> problems = logs.check();
  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << "ember-board: " << p << "\n";
    return 2;
  }
  auto warn = [](const std::string& message) { std::cerr << "ember-board: warning: " << message << "\n"; };
  logs.poll(warn);
  Counts counts;
  if (!write_page(logs, options, out, &counts)) return 1;
  std::cerr << "ember-board: wrote " << out << " (" << counts.runs << (counts.runs == 1 ? " run, " : " runs, ")
            << counts.tags << (counts.tags == 1 ? " tag)" : " tags)") << "\n";
  if (!options.watch) return 0;

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::cerr << "ember-board: watching; polling every " << options.interval << " s (Ctrl-C stops)\n";
  auto period = std::chrono::duration<double>(options.interval);
  while (!stop_requested) {
    auto wake = std::chrono::steady_clock::now() + period;
    while (!stop_requested && std::chrono::steady_clock::now() < wake)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (stop_requested) break;
    if (!logs.poll(warn)) continue;
    if (write_page(logs, options, out, &counts))
      std::cerr << "ember-board: rewrote " << out << " (" << counts.runs << " runs, " << counts.tags << " tags)\n";
  }
  return 0;
}
