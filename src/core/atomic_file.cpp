#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "core/error.hpp"

namespace expt {
namespace {

// A temporary file is ".<target name>.tmp-" and the six characters mkstemp chooses.
constexpr std::string_view kTemporaryMarker = ".tmp-";
constexpr size_t kUniqueChars = 6;

bool is_temporary(const std::string& name) {
  return name.starts_with('.') && name.size() > kTemporaryMarker.size() + kUniqueChars &&
         name.compare(name.size() - kUniqueChars - kTemporaryMarker.size(), kTemporaryMarker.size(),
                      kTemporaryMarker) == 0;
}

void remove_temporary(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec) throw IoError(fmt::format("cannot remove {}: {}", path.string(), ec.message()));
}

[[noreturn]] void fail(const std::filesystem::path& path, const char* what, int err) {
  throw IoError(fmt::format("cannot write {}: {} failed: {}", path.string(), what, std::strerror(err)));
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError(fmt::format("cannot create folder {}: {}", dir.string(), ec.message()));

  // A hidden name in the same folder, so the rename stays on one file system.
  std::string hidden = ".";
  hidden.append(path.filename().string()).append(kTemporaryMarker).append("XXXXXX");
  std::string tmp = (dir / hidden).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) fail(path, "creating a temporary file", errno);

  auto abandon = [&](const char* what) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(path, what, err);
  };
  const std::byte* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      abandon("write");
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0) abandon("chmod");
  if (::fsync(fd) != 0) abandon("fsync");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(path, "close", err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(path, "rename", err);
  }
}

void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  write_file_atomically(path, std::as_bytes(std::span(text.data(), text.size())));
}

void remove_abandoned_temporaries(const std::filesystem::path& dir) {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec) && is_temporary(it->path().filename().string())) remove_temporary(it->path());
  }
  if (ec) throw IoError(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
}

void remove_abandoned_temporaries_of(const std::filesystem::path& target) {
  const auto dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  const std::string prefix = "." + target.filename().string() + std::string(kTemporaryMarker);
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_regular_file(ec) && name.size() == prefix.size() + kUniqueChars && name.starts_with(prefix))
      remove_temporary(it->path());
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw IoError(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
}

}  // namespace expt
