#include "sweep/byte_range_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"

namespace expt {
namespace {

int open_lock_file(const std::filesystem::path& file, bool create) {
  const int fd = ::open(file.c_str(), (create ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC, 0644);
  if (fd < 0 && (create || errno != ENOENT))
    throw IoError(fmt::format("cannot open {}: {}", file.string(), std::strerror(errno)));
  return fd;
}

struct flock byte_range(off_t byte, short type) {
  struct flock range {};
  range.l_type = type;
  range.l_whence = SEEK_SET;
  range.l_start = byte;
  range.l_len = 1;
  return range;
}

[[noreturn]] void lock_failed(const std::filesystem::path& file, int fd, int err) {
  ::close(fd);
  throw IoError(fmt::format("cannot lock {}: {}{}", file.string(), std::strerror(err),
                            err == ENOLCK ? " (the file system offers no byte-range locks: on NFS, is lockd/statd running?)"
                                          : ""));
}

}  // namespace

ByteRangeLock ByteRangeLock::wait(const std::filesystem::path& file, off_t byte) {
  const int fd = open_lock_file(file, true);
  struct flock range = byte_range(byte, F_WRLCK);
  while (::fcntl(fd, F_OFD_SETLKW, &range) != 0)
    if (errno != EINTR) lock_failed(file, fd, errno);
  return ByteRangeLock(fd);
}

std::optional<ByteRangeLock> ByteRangeLock::try_lock(const std::filesystem::path& file, off_t byte) {
  const int fd = open_lock_file(file, true);
  struct flock range = byte_range(byte, F_WRLCK);
  if (::fcntl(fd, F_OFD_SETLK, &range) == 0) return ByteRangeLock(fd);
  if (errno == EAGAIN || errno == EACCES) {
    ::close(fd);
    return std::nullopt;
  }
  lock_failed(file, fd, errno);
}

ByteRangeLock::ByteRangeLock(ByteRangeLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

ByteRangeLock::~ByteRangeLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the open file description releases its locks
}

bool byte_is_locked(const std::filesystem::path& file, off_t byte) {
  const int fd = open_lock_file(file, false);
  if (fd < 0) return false;
  // F_OFD_GETLK asks whether a write lock could be placed; an O_RDONLY descriptor may ask.
  struct flock range = byte_range(byte, F_WRLCK);
  const int rc = ::fcntl(fd, F_OFD_GETLK, &range);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw IoError(fmt::format("cannot test the lock on {}: {}", file.string(), std::strerror(err)));
  return range.l_type != F_UNLCK;
}

}  // namespace expt
