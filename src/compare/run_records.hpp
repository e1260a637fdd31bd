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
  bool pruned = false;        // a sweep member its sweep's ASHA scheduler left at a rung (sweep.json says pruned)

  // "pruned" for a pruned member (its report says paused), else the report's status.
  std::string status() const;
};

struct LoadedRuns {
  std::vector<RunRecord> runs;        // in path order
  std::vector<std::string> warnings;  // one line per skipped file: which and why
};

// A run folder inside a sweep folder is marked pruned when the sweep's sweep.json says so.
// A malformed, truncated or other-schema report, or one without a readable config.yaml, is
// skipped with a warning; only a path that does not exist throws (expt::Error, usage).
LoadedRuns load_runs(const std::vector<std::filesystem::path>& paths);

}  // namespace expt
