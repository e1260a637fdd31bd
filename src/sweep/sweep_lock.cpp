#include "sweep/sweep_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"

namespace expt {

SweepLock::SweepLock(const std::filesystem::path& sweep_dir) {
  std::error_code ec;
  std::filesystem::create_directories(sweep_dir, ec);
  if (ec) throw IoError(fmt::format("cannot create {}: {}", sweep_dir.string(), ec.message()));
  const auto path = sweep_dir / "sweep.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw IoError(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd_);
    if (err == EWOULDBLOCK)
      throw IoError(fmt::format("another `expt sweep` is working in {} (it holds {}); wait for it or stop it first",
                                sweep_dir.string(), path.filename().string()));
    throw IoError(fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
  }
}

SweepLock::~SweepLock() { ::close(fd_); }

}  // namespace expt
