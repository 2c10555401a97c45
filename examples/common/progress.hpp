// A progress bar for training loops. On a terminal it redraws one line in place:
//
//   epoch 1/3 [=========>          ]  412/938  loss 0.5123  48210 img/s  ETA 0:11
//
// When stdout is not a terminal (a log file, CI) it prints a plain line every 10% of
// the way instead, so logs stay readable.
#pragma once
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

namespace example {

class Progress {
 public:
  // total: batches in this pass; unit: what throughput counts ("img", "words"); show:
  // false counts without printing (the ranks of a distributed run other than rank 0).
  Progress(std::string label, long long total, std::string unit, bool show = true)
      : label_(std::move(label)), total_(total), unit_(std::move(unit)), show_(show),
        tty_(show && isatty(STDOUT_FILENO) != 0), start_(Clock::now()), last_draw_(start_) {}

  // After each batch: how many items it held and its loss.
  void update(long long items, double loss) {
    ++done_;
    items_ += items;
    loss_sum_ += loss;
    loss_ema_ = done_ == 1 ? loss : 0.95 * loss_ema_ + 0.05 * loss;
    if (!show_) return;
    const auto now = Clock::now();
    if (tty_) {
      if (now - last_draw_ > std::chrono::milliseconds(100) || done_ == total_) {
        draw(now, '\r');
        last_draw_ = now;
      }
    } else if (total_ > 0 && (done_ * 10 / total_ != (done_ - 1) * 10 / total_)) {
      draw(now, 0);
    }
  }

  // Ends the line; returns the mean loss over the pass.
  double finish() {
    if (tty_) std::printf("\n");
    std::fflush(stdout);
    return done_ ? loss_sum_ / static_cast<double>(done_) : 0.0;
  }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  double throughput() const { return items_ / std::max(seconds(), 1e-9); }

 private:
  using Clock = std::chrono::steady_clock;

  static std::string clock_text(double s) {
    if (!std::isfinite(s) || s < 0) return "?";
    long long t = static_cast<long long>(s + 0.5);
    char buf[32];
    if (t >= 3600)
      std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
    else
      std::snprintf(buf, sizeof buf, "%lld:%02lld", t / 60, t % 60);
    return buf;
  }

  void draw(Clock::time_point now, char lead) {
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = items_ / std::max(elapsed, 1e-9);
    const double eta = done_ ? elapsed / static_cast<double>(done_) * static_cast<double>(total_ - done_) : NAN;
    const int width = 20;
    const int filled = total_ ? static_cast<int>(width * done_ / total_) : 0;
    std::string bar(static_cast<std::size_t>(width), ' ');
    for (int i = 0; i < filled; ++i) bar[static_cast<std::size_t>(i)] = '=';
    if (filled < width) bar[static_cast<std::size_t>(filled)] = '>';
    if (lead) std::printf("%c", lead);
    std::printf("%s [%s] %*lld/%lld  loss %.4f  %.0f %s/s  ETA %s", label_.c_str(), bar.c_str(),
                static_cast<int>(std::to_string(total_).size()), done_, total_, loss_ema_, rate, unit_.c_str(),
                clock_text(eta).c_str());
    if (tty_) std::printf("\033[K");  // clear what a longer previous line left
    else std::printf("\n");
    std::fflush(stdout);
  }

  std::string label_;
  long long total_, done_ = 0;
  std::string unit_;
  bool show_;
  bool tty_;
  Clock::time_point start_, last_draw_;
  double items_ = 0, loss_sum_ = 0, loss_ema_ = 0;
};

}  // namespace example
