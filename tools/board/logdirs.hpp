// The log dirs given on the command line, read incrementally: each directory below a log
// dir that holds event files (events.out.tfevents.*) is one run. poll() reads what the
// files gained since the last poll, so --watch can follow writers that are still writing.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tools/board/run.hpp"

namespace ember::board {

// One event file, read from where the last read stopped.
class EventFileReader {
 public:
  explicit EventFileReader(std::string path, uint64_t chunk_bytes = uint64_t(64) << 20)
      : path_(std::move(path)), chunk_bytes_(chunk_bytes) {}
  // Decodes the complete records appended since the last call. A bad CRC stops the file
  // for good (a warning naming the file and offset goes to `warn`); a record whose bytes
  // are not an Event is skipped with a warning.
  // Each event goes to `on_event` as soon as it is decoded; returns how many came.
  size_t read_new(const std::function<void(const std::string&)>& warn, const std::function<void(Event&&)>& on_event);
  std::vector<Event> read_new(const std::function<void(const std::string&)>& warn);
  const std::string& path() const { return path_; }
  uint64_t offset() const { return offset_; }

 private:
  std::string path_;
  uint64_t offset_ = 0;
  uint64_t chunk_bytes_;
  bool stopped_ = false;
};

bool is_event_file_name(const std::string& file_name);

class LogDirs {
 public:
  // Several log dirs: run names get the log dir's name in front.
  explicit LogDirs(std::vector<std::string> dirs);

  // Problems with the log dirs themselves (missing, no event files), one message each.
  std::vector<std::string> check() const;

  // Finds new event files and reads what all files gained. True when anything new came.
  bool poll(const std::function<void(const std::string&)>& warn);

  // The runs holding data, sorted by name.
  std::vector<const Run*> runs() const;

 private:
  std::string run_name(size_t dir_index, const std::string& relative) const;

  std::vector<std::string> dirs_;
  std::vector<std::string> prefixes_;
  std::map<std::string, Run> runs_;
  // event file path -> (run name, reader); files of a run are read in name order.
  std::map<std::string, std::pair<std::string, std::unique_ptr<EventFileReader>>> files_;
};

}  // namespace ember::board
