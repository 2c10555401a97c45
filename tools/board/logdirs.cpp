#include "tools/board/logdirs.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "tools/board/records.hpp"
#include "tools/board/wire.hpp"

namespace fs = std::filesystem;

namespace ember::board {

bool is_event_file_name(const std::string& name) { return name.rfind("events.out.tfevents.", 0) == 0; }

std::vector<Event> EventFileReader::read_new(const std::function<void(const std::string&)>& warn) {
  std::vector<Event> events;
  read_new(warn, [&](Event&& e) { events.push_back(std::move(e)); });
  return events;
}

size_t EventFileReader::read_new(const std::function<void(const std::string&)>& warn,
                                 const std::function<void(Event&&)>& on_event) {
  size_t events = 0;
  if (stopped_) return events;
  std::ifstream in(path_, std::ios::binary);
  if (!in) return events;  // removed meanwhile: keep what was read
  in.seekg(0, std::ios::end);
  auto size = static_cast<uint64_t>(in.tellg());
  // Read in chunks, so that a large file is not held in memory twice; a chunk grows when
  // one record does not fit in it.
  uint64_t chunk = chunk_bytes_;
  while (offset_ < size) {
    uint64_t n = std::min(chunk, size - offset_);
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string bytes(static_cast<size_t>(n), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(n));
    bytes.resize(static_cast<size_t>(in.gcount()));

    RecordScan scan = scan_records(bytes, offset_);
    uint64_t record_offset = offset_;
    for (const std::string& record : scan.records) {
      try {
        on_event(decode_event(record));
        ++events;
      } catch (const WireError& e) {
        warn(path_ + ": record at offset " + std::to_string(record_offset) + " is not an Event (" + e.what() +
             "); skipped");
      }
      record_offset += 16 + record.size();
    }
    offset_ += scan.consumed;
    if (scan.corrupt) {
      warn(path_ + ": " + scan.corrupt_reason + " at offset " + std::to_string(scan.corrupt_offset) +
           "; the rest of the file is skipped");
      stopped_ = true;
      break;
    }
    if (bytes.size() < n) break;  // the file shrank meanwhile
    if (scan.consumed == 0) {
      if (n == size - offset_) break;  // the last record is still being written
      chunk *= 2;
    } else {
      chunk = chunk_bytes_;
    }
  }
  return events;
}

LogDirs::LogDirs(std::vector<std::string> dirs) : dirs_(std::move(dirs)) {
  // The name of each dir (its last path component); the whole path where two share one.
  for (const std::string& d : dirs_) {
    fs::path p = fs::path(d).lexically_normal();
    std::string name = p.filename().string();
    if (name.empty() || name == "." || name == "..") name = p.parent_path().filename().string();
    if (name.empty()) name = d;
    prefixes_.push_back(name);
  }
  for (size_t i = 0; i < prefixes_.size(); ++i)
    if (std::count(prefixes_.begin(), prefixes_.end(), prefixes_[i]) > 1) prefixes_[i] = dirs_[i];
}

std::string LogDirs::run_name(size_t dir_index, const std::string& relative) const {
  if (dirs_.size() == 1) return relative;
  return relative == "." ? prefixes_[dir_index] : prefixes_[dir_index] + "/" + relative;
}

namespace {

// Event files below `dir`, as (path, directory relative to dir).
std::vector<std::pair<std::string, std::string>> find_event_files(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code file_ec;
    if (!it->is_regular_file(file_ec)) continue;
    if (!is_event_file_name(it->path().filename().string())) continue;
    std::string relative = it->path().parent_path().lexically_relative(dir).generic_string();
    if (relative.empty()) relative = ".";
    found.emplace_back(it->path().string(), relative);
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

std::vector<std::string> LogDirs::check() const {
  std::vector<std::string> problems;
  for (const std::string& d : dirs_) {
    std::error_code ec;
    if (!fs::exists(d, ec))
      problems.push_back("log dir '" + d + "' does not exist");
    else if (!fs::is_directory(d, ec))
      problems.push_back("log dir '" + d + "' is not a directory");
    else if (find_event_files(d).empty())
      problems.push_back("log dir '" + d + "' holds no event files (events.out.tfevents.*)");
  }
  return problems;
}

bool LogDirs::poll(const std::function<void(const std::string&)>& warn) {
  for (size_t i = 0; i < dirs_.size(); ++i) {
    for (auto& [path, relative] : find_event_files(dirs_[i])) {
      if (files_.count(path)) continue;
      std::string name = run_name(i, relative);
      files_.emplace(path, std::make_pair(name, std::make_unique<EventFileReader>(path)));
      runs_[name].name = name;
    }
  }
  bool changed = false;
  for (auto& [path, entry] : files_) {
    Run& run = runs_[entry.first];
    const std::string& file = path;
    size_t n = entry.second->read_new(warn, [&](Event&& e) {
      try {
        run.add(e);
      } catch (const WireError& error) {  // a malformed graph or hparams message inside the event
        warn(file + ": an event of step " + std::to_string(e.step) + " holds a malformed message (" + error.what() +
             "); its graph or hparams are skipped");
      }
    });
    if (n) changed = true;
  }
  return changed;
}

std::vector<const Run*> LogDirs::runs() const {
  std::vector<const Run*> out;
  for (const auto& [name, run] : runs_)
    if (!run.empty()) out.push_back(&run);
  return out;
}

}  // namespace ember::board
