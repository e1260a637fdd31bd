#pragma once
// One `expt sweep` process per sweep folder: two processes working through the same members
// would run them twice and overwrite each other's manifest. flock(2) is released by the kernel
// when the holder dies, so a kill -9 never leaves a stale lock behind.
#include <filesystem>

namespace expt {

class SweepLock {
 public:
  explicit SweepLock(const std::filesystem::path& sweep_dir);  // creates the folder; throws IoError when held
  ~SweepLock();
  SweepLock(const SweepLock&) = delete;
  SweepLock& operator=(const SweepLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace expt
