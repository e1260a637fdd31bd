#pragma once
// Errors that reach the user. Each kind maps to one documented exit code
// (docs/cli.md), so scripts can tell a bad config from a diverged run.
#include <stdexcept>
#include <string>

namespace expt {

enum class ExitCode : int {
  ok = 0,
  failure = 1,          // unexpected internal error
  usage = 2,            // bad command line
  config = 3,           // the config file is invalid
  data = 4,             // a data set is missing or malformed
  backend = 5,          // the backend is unavailable or failed
  io = 6,               // a file could not be written (disk full, permissions)
  diverged = 7,         // training produced NaN or Inf
  read = 8,             // a run's or sweep's file could not be read (missing, unreadable, corrupt)
  interrupted = 130,    // Ctrl-C: stopped after the current step, outputs kept
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

struct ConfigError : Error {
  explicit ConfigError(const std::string& m) : Error(ExitCode::config, m) {}
};
struct DataError : Error {
  explicit DataError(const std::string& m) : Error(ExitCode::data, m) {}
};
struct BackendError : Error {
  explicit BackendError(const std::string& m) : Error(ExitCode::backend, m) {}
};
struct IoError : Error {
  explicit IoError(const std::string& m) : Error(ExitCode::io, m) {}
};
struct ReadError : Error {
  explicit ReadError(const std::string& m) : Error(ExitCode::read, m) {}
};

}  // namespace expt
