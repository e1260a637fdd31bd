#pragma once
// `expt sweep FILE --launcher slurm`: hands the members that are not done to Slurm as one job
// array (docs/slurm.md). Each array task runs `expt sweep-member` for its members against the
// shared sweep folder; the folder's byte-range locks (member_claim.hpp) keep every member to
// one process at a time, wherever it runs.
//
// What a submission writes, and only once sbatch has taken the job (else it removes again
// what it created, and the folder is as it was):
//   sweep.json                 the manifest (before sbatch when it is new, since tasks update it)
//   slurm/configs/<id>.yaml    each submitted member's resolved config, read by its task
//   slurm/job-<job id>.sh      the batch script exactly as submitted
//   slurm/logs/<job>_<task>.out  written by Slurm: each task's output
#include "sweep/expand.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep/sweep_spec.hpp"

namespace expt {

// Submits and prints the job id; with --wait follows the array (sweep_status.hpp) and returns
// its exit code. 0 after a submission, or when nothing is left to submit. Throws BackendError
// (exit 5) when Slurm is missing or refuses the job, ConfigError (exit 3) for a changed sweep,
// IoError (exit 6) when the folder cannot be written.
int submit_to_slurm(const SweepSpec& spec, const SweepPlan& plan, const SweepOptions& options);

}  // namespace expt
