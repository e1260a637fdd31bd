#pragma once
// `expt sweep FILE`: runs the members that are not done yet, resumable after a crash, kill -9
// or Ctrl-C, with results/<sweep>/sweep.json kept up to date after every change; or, with
// --launcher slurm, hands them to Slurm as one job array (slurm_launcher.hpp).
#include <filesystem>
#include <string>
#include <vector>

#include "sweep/slurm_options.hpp"

namespace expt {

enum class Launcher { local, slurm };

struct SweepOptions {
  std::vector<std::string> overrides;  // key=value for every member (after the file's overrides)
  int jobs = 1;                        // members side by side; each gets max(1, cores / jobs) threads
  bool fail_fast = false;              // stop starting members after the first failed or diverged one
  bool dry_run = false;                // list members and estimated cost, run nothing
  bool quiet = false;                  // only the summary and errors
  double gflops = 0;                   // dry-run throughput; 0 = assumed per backend
  Launcher launcher = Launcher::local;
  SlurmOptions slurm;                  // with Launcher::slurm
};

// The exit code: 0 when every member has been run (failed and diverged ones are recorded, not
// fatal), 130 after Ctrl-C, and with --fail-fast the failing member's code. With --launcher
// slurm, see submit_to_slurm. Throws expt::Error for a bad sweep file, a changed sweep (naming
// what changed) or a manifest it cannot write.
int run_sweep(const std::filesystem::path& file, const SweepOptions& options);

}  // namespace expt
