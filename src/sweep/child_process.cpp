#include "sweep/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"

extern char** environ;

namespace expt {
namespace {

struct Pipe {
  int read = -1, write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw IoError(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    read = fds[0];
    write = fds[1];
  }
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

std::optional<std::filesystem::path> find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) return candidate;
  }
  return std::nullopt;
}

ProgramResult run_program(const std::filesystem::path& program, const std::vector<std::string>& args, std::string_view input) {
  Pipe in, out, err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write, STDERR_FILENO);
  std::vector<std::string> argv_text{program.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close_fd(in.read);
  close_fd(out.write);
  close_fd(err.write);
  if (spawned != 0) {
    close_fd(in.write);
    close_fd(out.read);
    close_fd(err.read);
    throw IoError(fmt::format("cannot run {}: {}", program.string(), std::strerror(spawned)));
  }

  // Feed stdin and drain both outputs together, so that neither side blocks on a full pipe.
  // SIGPIPE (the program exits without reading all its input) is blocked in this thread
  // meanwhile, and consumed afterwards, so that it shows up as EPIPE rather than killing expt.
  sigset_t pipe_signal, previous_mask;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous_mask);
  ProgramResult result;
  size_t written = 0;
  if (input.empty()) close_fd(in.write);
  else ::fcntl(in.write, F_SETFL, O_NONBLOCK);
  std::array<char, 4096> buffer{};
  while (in.write >= 0 || out.read >= 0 || err.read >= 0) {
    std::array<pollfd, 3> fds{{{in.write, POLLOUT, 0}, {out.read, POLLIN, 0}, {err.read, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) {
      const ssize_t n = ::write(in.write, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) close_fd(in.write);
    }
    for (auto [fd, text] : {std::pair{&out.read, &result.out}, std::pair{&err.read, &result.err}}) {
      const pollfd& p = fd == &out.read ? fds[1] : fds[2];
      if (!p.revents) continue;
      const ssize_t n = ::read(*fd, buffer.data(), buffer.size());
      if (n > 0) text->append(buffer.data(), static_cast<size_t>(n));
      else if (n == 0 || (errno != EINTR && errno != EAGAIN)) close_fd(*fd);
    }
  }
  close_fd(in.write);
  close_fd(out.read);
  close_fd(err.read);
  const timespec no_wait{};
  while (::sigtimedwait(&pipe_signal, nullptr, &no_wait) == SIGPIPE) {
  }
  ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace expt
