#pragma once
// The runs `expt compare` looks at: every report.json under the given paths (run folders,
// sweep folders, whole results trees) with the config.yaml beside it.
#include <filesystem>
#include <string>
#include <vector>

#include "config/flatten_config.hpp"
#include "experiment/report.hpp"

namespace expt {

struct RunRecord {
  std::filesystem::path dir;  // the run folder
  Report report;
  FlatConfig config;          // its config.yaml, flattened
};

struct LoadedRuns {
  std::vector<RunRecord> runs;        // in path order
  std::vector<std::string> warnings;  // one line per skipped file: which and why
};

// A malformed, truncated or other-schema report, or one without a readable config.yaml, is
// skipped with a warning; only a path that does not exist throws (expt::Error, usage).
LoadedRuns load_runs(const std::vector<std::filesystem::path>& paths);

}  // namespace expt
