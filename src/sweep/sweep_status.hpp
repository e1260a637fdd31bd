#pragma once
// What a sweep is doing: `expt sweep status` and `expt sweep --launcher slurm --wait`.
#include <filesystem>
#include <string>
#include <vector>

namespace expt {

// `expt sweep status PATH`: every member's state, attempts and Slurm array task, and each Slurm
// job's tasks as squeue sees them. PATH is a sweep file (expanded with `overrides` to find its
// folder), a sweep folder or its sweep.json. Returns 0; throws IoError when there is no manifest.
int show_sweep_status(const std::filesystem::path& path, const std::vector<std::string>& overrides);

// Polls squeue and the manifest until no task of these jobs waits or runs, printing a progress
// line whenever the counts change (unless quiet) and a summary at the end. Returns 0 when every
// member has been run (done, diverged or failed), 130 when members are left (a cancelled or
// timed-out task: submitting again resumes them) or after Ctrl-C (the jobs go on).
int follow_sweep(const std::filesystem::path& sweep_dir, const std::vector<std::string>& job_ids, bool quiet);

}  // namespace expt
