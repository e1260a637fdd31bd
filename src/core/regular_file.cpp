#include "core/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace expt {
namespace {

// A file opened for reading, closed at scope exit; fd < 0 when the open failed (see errno).
struct OpenFile {
  explicit OpenFile(const std::filesystem::path& path) : fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)) {}
  ~OpenFile() {
    if (fd >= 0) ::close(fd);
  }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  const int fd;
};

// Budgets are whole MiB where they are large enough to be; small ones read better in bytes.
std::string budget_text(int64_t max_bytes) {
  return max_bytes >= (int64_t{1} << 20) && max_bytes % (int64_t{1} << 20) == 0
             ? fmt::format("{} MiB", max_bytes >> 20)
             : fmt::format("{} bytes", max_bytes);
}

}  // namespace

// The type is checked before opening (opening a device can have effects of its own) and again
// on the opened file, so a swap in between cannot slip one through; O_NONBLOCK keeps the open
// itself from waiting for a FIFO's writer.
std::vector<uint8_t> read_regular_file(const std::filesystem::path& path, int64_t max_bytes, std::string_view kind) {
  struct stat named{};
  if (::stat(path.c_str(), &named) == 0 && !S_ISREG(named.st_mode)) throw FileReadFailure("not a regular file");
  const OpenFile file(path);
  const int fd = file.fd;
  if (fd < 0) throw FileReadFailure(fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat st{};
  if (::fstat(fd, &st) != 0) throw FileReadFailure(fmt::format("cannot stat: {}", std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) throw FileReadFailure("not a regular file");
  if (st.st_size > max_bytes)
    throw FileReadFailure(fmt::format("{} bytes, more than the {} {} may have", st.st_size, budget_text(max_bytes), kind));
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw FileReadFailure(fmt::format("read error: {}", std::strerror(errno)));
    if (n == 0) throw FileReadFailure("the file shrank while it was read");
    done += static_cast<size_t>(n);
  }
  return bytes;
}

}  // namespace expt
