#include "tensorboard/event_file_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "tensorboard/record_framing.hpp"

namespace expt {
namespace {

// TensorBoard parses the version from this string; 2 enables its restart handling
// (SessionLog START purges data a crashed run wrote past the resumed step).
constexpr const char* kFileVersion = "brain.Event:2";

tb::Event version_event() {
  tb::Event version;
  version.set_file_version(kFileVersion);
  version.set_wall_time(wall_time_now());
  return version;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// A fresh file, never an existing one: appending to a file whose last record a crash tore
// would hide every record after the tear.
int create_event_file(const std::filesystem::path& dir, std::filesystem::path& path) {
  const auto now = static_cast<long long>(wall_time_now());
  const std::string base = fmt::format("events.out.tfevents.{:010d}.{}", now, host_name());
  for (int attempt = 0;; ++attempt) {
    path = dir / (attempt == 0 ? base : fmt::format("{}.{}", base, attempt));
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) return fd;
    if (errno != EEXIST) throw IoError(fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
  }
}

}  // namespace

void write_event_file_atomically(const std::filesystem::path& path, const std::vector<tb::Event>& events) {
  std::string bytes;
  append_framed_record(bytes, version_event().SerializeAsString());
  for (const tb::Event& e : events) append_framed_record(bytes, e.SerializeAsString());
  write_file_atomically(path, bytes);
}

double wall_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

EventFileWriter::EventFileWriter(const std::filesystem::path& dir, double flush_seconds)
    : flush_seconds_(flush_seconds) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  fd_ = create_event_file(dir, path_);

  write(version_event());
  flush();
  if (flush_seconds_ > 0) flusher_ = std::jthread([this](std::stop_token stop) { run_flusher(stop); });
}

EventFileWriter::~EventFileWriter() {
  try {
    close();
  } catch (const IoError&) {
    // Reported by close() to whoever called it; a destructor has no one to tell.
  }
}

void EventFileWriter::write(tb::Event event) {
  if (event.wall_time() == 0) event.set_wall_time(wall_time_now());
  const std::string payload = event.SerializeAsString();
  std::lock_guard lock(mutex_);
  if (!failure_.empty()) throw IoError(failure_);
  if (fd_ < 0) throw IoError(fmt::format("{} is already closed", path_.string()));
  append_framed_record(pending_, payload);
  if (flush_seconds_ <= 0) write_pending_locked();
}

void EventFileWriter::write_summary(int64_t step, tb::Summary::Value value) {
  tb::Event event;
  event.set_step(step);
  *event.mutable_summary()->add_value() = std::move(value);
  write(std::move(event));
}

void EventFileWriter::flush() {
  std::lock_guard lock(mutex_);
  write_pending_locked();
}

void EventFileWriter::close() {
  if (flusher_.joinable()) {
    flusher_.request_stop();
    flusher_.join();
  }
  std::lock_guard lock(mutex_);
  if (fd_ < 0) {
    if (!failure_.empty()) throw IoError(failure_);
    return;
  }
  std::string error;
  try {
    write_pending_locked();
  } catch (const IoError& e) {
    error = e.what();
  }
  if (::close(fd_) != 0 && error.empty()) error = fmt::format("cannot close {}: {}", path_.string(), std::strerror(errno));
  fd_ = -1;
  if (!error.empty()) {
    failure_ = error;
    throw IoError(error);
  }
}

void EventFileWriter::write_pending_locked() {
  if (!failure_.empty()) throw IoError(failure_);
  if (fd_ < 0) throw IoError(fmt::format("{} is already closed", path_.string()));
  if (pending_.empty()) return;
  size_t done = 0;
  while (done < pending_.size()) {
    const ssize_t n = ::write(fd_, pending_.data() + done, pending_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failure_ = fmt::format("cannot write {}: {}", path_.string(), n < 0 ? std::strerror(errno) : "no progress");
      // Cut off the partial record so the file still ends on a whole one.
      [[maybe_unused]] const int ignored = ::ftruncate(fd_, durable_bytes_);
      pending_.clear();
      throw IoError(failure_);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd_) != 0) {
    failure_ = fmt::format("cannot sync {}: {}", path_.string(), std::strerror(errno));
    pending_.clear();
    throw IoError(failure_);
  }
  durable_bytes_ += static_cast<int64_t>(pending_.size());
  pending_.clear();
}

void EventFileWriter::run_flusher(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  const auto interval = std::chrono::milliseconds(static_cast<int64_t>(flush_seconds_ * 1000.0));
  while (!stop.stop_requested()) {
    stop_or_timeout_.wait_for(lock, stop, interval, [] { return false; });
    if (stop.stop_requested()) return;
    try {
      write_pending_locked();
    } catch (const IoError&) {
      return;  // failure_ holds why; the next write() or close() reports it
    }
  }
}

}  // namespace expt
