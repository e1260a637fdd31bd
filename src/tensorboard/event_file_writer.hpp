#pragma once
// Appends Event records to one new `events.out.tfevents.<time>.<host>` file in a folder, the
// name pattern TensorBoard looks for.
//
// Why not write_file_atomically: an event file is an append-only log that TensorBoard reads
// while it grows. Rewriting it through a temporary file and a rename at every flush would
// copy the whole file each time and hide new data until then. Instead records are only ever
// appended, whole, and each flush ends with fsync. A crash can at worst tear the record being
// appended; readers detect that by its length and CRC and keep everything before it, which was
// never rewritten. What a crash loses is what was buffered since the last flush.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tb_event.pb.h"

namespace expt {

class EventFileWriter {
 public:
  // Creates `dir` if needed and the file in it, and writes the file-version record TensorBoard
  // expects first. flush_seconds > 0: a background thread flushes that often; <= 0: every
  // write is flushed at once. Throws IoError.
  EventFileWriter(const std::filesystem::path& dir, double flush_seconds);
  // Closes without throwing (it may run while another error unwinds); call close() to learn
  // whether the last flush worked.
  ~EventFileWriter();
  EventFileWriter(const EventFileWriter&) = delete;
  EventFileWriter& operator=(const EventFileWriter&) = delete;

  // Stamps wall_time when the event has none. Throws IoError if an earlier flush failed.
  void write(tb::Event event);
  void write_summary(int64_t step, tb::Summary::Value value);

  // Writes what is buffered and fsyncs. Throws IoError.
  void flush();
  // Flushes, stops the flusher and closes the file; later writes throw. Throws IoError.
  void close();

  const std::filesystem::path& path() const { return path_; }

 private:
  void write_pending_locked();   // the caller holds mutex_
  void run_flusher(std::stop_token stop);

  std::filesystem::path path_;
  int fd_ = -1;
  int64_t durable_bytes_ = 0;    // whole records known to be in the file
  double flush_seconds_;
  std::mutex mutex_;
  std::string pending_;          // framed records not yet in the file
  std::string failure_;          // why the file cannot be written any more; empty while fine
  std::condition_variable_any stop_or_timeout_;  // the flusher sleeps on it between flushes
  std::jthread flusher_;         // declared last: stopped and joined before the rest goes
};

// A whole event file, the file-version record and then `events`, written atomically to `path`:
// for a small file that is replaced rather than appended to, such as a sweep's experiment
// summary. Throws IoError.
void write_event_file_atomically(const std::filesystem::path& path, const std::vector<tb::Event>& events);

// Seconds since the Unix epoch, as Event.wall_time holds them.
double wall_time_now();

}  // namespace expt
