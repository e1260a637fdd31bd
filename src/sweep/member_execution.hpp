#pragma once
// Running one sweep member in its folder, shared by the local sweep and by `expt sweep-member`
// (the Slurm array tasks), so both resume, adopt and record a member the same way.
#include <filesystem>
#include <optional>
#include <string>

#include "config/experiment_config.hpp"
#include "core/error.hpp"
#include "experiment/run.hpp"
#include "sweep/manifest.hpp"

namespace expt {

struct MemberRun {
  std::optional<RunOutcome> outcome;  // absent when it failed before or outside training
  std::string error;
  ExitCode code = ExitCode::ok;
};

// Whether the folder holds a run that can be resumed.
bool has_checkpoint(const std::filesystem::path& member_dir);
// Epochs its report records as done; 0 without a readable report.
int64_t epochs_recorded(const std::filesystem::path& member_dir);

// A member whose run ended but whose end the manifest missed (its process was killed between
// the two writes): its report says so, and running it again would run it twice. Sets `r`'s
// state to done, stopped_early or diverged then; otherwise leaves it alone.
void adopt_finished_run(MemberRecord& r, int64_t epochs, const std::filesystem::path& member_dir);

// Resumes from the folder's last checkpoint, with the folder's own config.yaml (its hash is
// what the checkpoint was written with), when there is one; otherwise starts `config` afresh in
// the emptied folder, with `threads` threads when > 0. `session_hparams`: the keys the sweep
// varies, with this member's values (sweep_hparams.hpp). `pause_after_epochs` > 0: stop there
// (an ASHA rung; the report says paused). Never throws for the run's own failures.
MemberRun run_member(const ExperimentConfig& config, const std::filesystem::path& member_dir, int threads,
                     const FlatConfig& session_hparams, int64_t pause_after_epochs = 0);

// The member's state, message and results after the run.
void record_run(MemberRecord& r, const MemberRun& run);

bool is_finished(MemberState state);  // done, stopped early, diverged or pruned: never run again by a grid
bool has_result(MemberState state);   // done, stopped early, interrupted, paused or pruned: its metrics are worth a line

// "9 done, 2 stopped_early, 1 diverged": how many members are in each state, finished ones first.
std::string count_states(const Manifest& manifest);

}  // namespace expt
