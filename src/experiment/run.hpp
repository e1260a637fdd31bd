#pragma once
// `expt run`: one experiment from a loaded config to a finished run folder.
#include <filesystem>

#include "config/experiment_config.hpp"
#include "config/flatten_config.hpp"
#include "core/error.hpp"
#include "experiment/report.hpp"

namespace expt {

struct RunOptions {
  bool quiet = false;
  std::filesystem::path resume_dir;  // non-empty: continue this run from its last checkpoint
  std::filesystem::path run_dir;     // non-empty: write here instead of results/<name>/<run-id>
  bool ignore_memory_limit = false;  // build even when the network looks larger than usable memory
  int64_t pause_after_epochs = 0;    // > 0: stop with status paused once this many epochs are done (ASHA rungs)
  FlatConfig session_hparams;        // non-empty: the TensorBoard hparams of a sweep member (tensorboard_observer.hpp)
};

struct RunOutcome {
  std::filesystem::path run_dir;
  Report report;
  ExitCode exit_code = ExitCode::ok;  // ok (also when paused), diverged or interrupted
};

// Throws expt::Error for problems found before training starts (nothing is written then) and
// for failures while writing outputs (the report, if it can be written, says `failed`).
RunOutcome run_experiment(const ExperimentConfig& config, const RunOptions& options);

// results/<name>/<UTC time>-<config hash prefix>, never an existing folder.
std::filesystem::path new_run_dir(const ExperimentConfig& config, const std::string& config_hash);

}  // namespace expt
