#pragma once
// A lock on one byte of a file that holds across machines on a shared file system: an
// open-file-description lock (fcntl F_OFD_SETLK). fcntl byte-range locks are the kind NFS
// (NLM for v3, built into v4), Lustre and GPFS carry to the server, whereas flock(2) on an NFS
// mount with local_lock=flock (or an old kernel) only excludes processes on the same machine.
// Open-file-description locks, unlike classic POSIX ones, belong to the open file rather than
// the process, so two threads of one process exclude each other and closing some other
// descriptor of the file does not silently drop them. The kernel (or on NFS, the server when
// the client's lease expires) releases them when the holder dies, so a kill -9 or a crashed
// node never leaves a stale lock.
#include <sys/types.h>

#include <filesystem>
#include <optional>

namespace expt {

class ByteRangeLock {
 public:
  // Blocks until the byte is ours. Creates the file. Throws IoError.
  static ByteRangeLock wait(const std::filesystem::path& file, off_t byte);
  // nullopt when another open file holds the byte.
  static std::optional<ByteRangeLock> try_lock(const std::filesystem::path& file, off_t byte);

  ByteRangeLock(ByteRangeLock&& other) noexcept;
  ByteRangeLock& operator=(ByteRangeLock&&) = delete;
  ByteRangeLock(const ByteRangeLock&) = delete;
  ByteRangeLock& operator=(const ByteRangeLock&) = delete;
  ~ByteRangeLock();

 private:
  explicit ByteRangeLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Whether some open file holds the byte (F_OFD_GETLK); false when the file does not exist.
bool byte_is_locked(const std::filesystem::path& file, off_t byte);

}  // namespace expt
